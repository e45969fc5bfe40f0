package integration

import (
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
)

func ptr(s string) *string { return &s }

// problems validates in and returns its problems by field (nil when valid).
func problems(t *testing.T, in *Integration) map[string]string {
	t.Helper()
	err := Validate(in)
	if err == nil {
		return nil
	}
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("Validate returned %T (%v), want *ValidationError", err, err)
	}
	if len(verr.Fields) == 0 {
		t.Fatal("Validate returned a ValidationError without fields")
	}
	// Every problem Validate finds carries a code for the window, with the
	// message the CLI prints.
	for f, msg := range verr.Fields {
		fe, ok := verr.FieldErrors[f]
		if !ok || fe.Code == "" || fe.Message != msg {
			t.Errorf("%s: field error %+v, want a code and the message %q", f, fe, msg)
		}
	}
	return verr.Fields
}

// ruleCase changes a valid integration and says whether field must then
// have a problem (and, if so, what its message must contain).
type ruleCase struct {
	name    string
	change  func(in *Integration)
	field   string
	wantErr bool
	mention string
}

func runRuleCases(t *testing.T, base func() *Integration, tests []ruleCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := base()
			tt.change(in)
			got := problems(t, in)
			msg, has := got[tt.field]
			switch {
			case tt.wantErr && !has:
				t.Fatalf("no problem on %s; problems: %v", tt.field, got)
			case !tt.wantErr && has:
				t.Fatalf("unexpected problem on %s: %s", tt.field, msg)
			case tt.wantErr && !strings.Contains(msg, tt.mention):
				t.Fatalf("the message %q does not mention %q", msg, tt.mention)
			}
		})
	}
}

func TestValidateLengths(t *testing.T) {
	runRuleCases(t, validBasic, []ruleCase{
		{"an empty name is required", func(in *Integration) { in.Name = "" }, "name", true, "required"},
		{"a one-character name is fine", func(in *Integration) { in.Name = "X" }, "name", false, ""},
		{"a 250-character name is fine", func(in *Integration) { in.Name = strings.Repeat("n", 250) }, "name", false, ""},
		{"a 251-character name is too long", func(in *Integration) { in.Name = strings.Repeat("n", 251) }, "name", true, "limit is 250"},
		{"a name of 250 accented letters counts characters, not bytes", func(in *Integration) { in.Name = strings.Repeat("é", 250) }, "name", false, ""},
		{"a name that is not UTF-8 is refused", func(in *Integration) { in.Name = "Head \xff office" }, "name", true, "UTF-8"},
		{"a 251-character description is too long", func(in *Integration) { in.Description = strings.Repeat("d", 251) }, "description", true, "limit is 250"},
		{"a 256-character EWS URL is too long", func(in *Integration) {
			in.URL = "https://mail.example.com/" + strings.Repeat("a", 256-len("https://mail.example.com/"))
		}, "url", true, "limit is 255"},
		{"a 255-character EWS URL is fine", func(in *Integration) {
			in.URL = "https://mail.example.com/" + strings.Repeat("a", 255-len("https://mail.example.com/"))
		}, "url", false, ""},
		{"a 101-character room mailbox is too long", func(in *Integration) {
			in.RoomMailboxEmailAddress = ptr(strings.Repeat("r", 101-len("@example.com")) + "@example.com")
		}, "room_mailbox_email_address", true, "limit is 100"},
		{"a 251-character room mailbox name is too long", func(in *Integration) { in.RoomMailboxName = strings.Repeat("r", 251) }, "room_mailbox_name", true, "limit is 250"},
		{"a 101-character username is too long", func(in *Integration) { in.Username = strings.Repeat("u", 101) }, "username", true, "limit is 100"},
		{"a 251-character Kerberos realm is too long", func(in *Integration) { in.KerberosRealm = strings.Repeat("R", 251) }, "kerberos_realm", true, "limit is 250"},
		{"a 251-character pane text is too long", func(in *Integration) { in.AddinPaneTitle = strings.Repeat("p", 251) }, "addin_pane_title", true, "limit is 250"},
		{"a 12288-character template is fine", func(in *Integration) { in.ConferenceDescriptionTemplate = strings.Repeat("t", 12288) }, "conference_description_template", false, ""},
		{"a 12289-character template is too long", func(in *Integration) { in.ConferenceDescriptionTemplate = strings.Repeat("t", 12289) }, "conference_description_template", true, "limit is 12288"},
		{"a 12289-character public key is too long although read-only", func(in *Integration) { in.PublicKey = strings.Repeat("k", 12289) }, "public_key", true, "limit is 12288"},
		{"additional script sources over 4096 characters are too long", func(in *Integration) {
			in.AdditionalAddInScriptSources = strings.Repeat("https://cdn.example.com/a.js\n", 150)
		}, "additional_add_in_script_sources", true, "limit is 4096"},
		{"a 193-character alias domain is too long", func(in *Integration) {
			in.ScheduledAliasDomain = strings.Repeat("a", 60) + "." + strings.Repeat("b", 60) + "." + strings.Repeat("c", 60) + "." + strings.Repeat("d", 10)
		}, "scheduled_alias_domain", true, "limit is 192"},
	})
}

func TestValidateRanges(t *testing.T) {
	runRuleCases(t, validBasic, []ruleCase{
		{"a suffix of 4 digits is too short", func(in *Integration) { in.ScheduledAliasSuffixLength = 4 }, "scheduled_alias_suffix_length", true, "between 5 and 15"},
		{"a suffix of 5 digits is fine", func(in *Integration) { in.ScheduledAliasSuffixLength = 5 }, "scheduled_alias_suffix_length", false, ""},
		{"a suffix of 15 digits is fine", func(in *Integration) { in.ScheduledAliasSuffixLength = 15 }, "scheduled_alias_suffix_length", false, ""},
		{"a suffix of 16 digits is too long", func(in *Integration) { in.ScheduledAliasSuffixLength = 16 }, "scheduled_alias_suffix_length", true, "not 16"},
		{"a negative buffer before is refused", func(in *Integration) { in.MeetingBufferBefore = -1 }, "meeting_buffer_before", true, "between 0 and 180"},
		{"no buffer before is fine", func(in *Integration) { in.MeetingBufferBefore = 0 }, "meeting_buffer_before", false, ""},
		{"a buffer before of 180 minutes is fine", func(in *Integration) { in.MeetingBufferBefore = 180 }, "meeting_buffer_before", false, ""},
		{"a buffer before of 181 minutes is too long", func(in *Integration) { in.MeetingBufferBefore = 181 }, "meeting_buffer_before", true, "between 0 and 180"},
		{"a negative buffer after is refused", func(in *Integration) { in.MeetingBufferAfter = -5 }, "meeting_buffer_after", true, "between 0 and 180"},
		{"a buffer after of 180 minutes is fine", func(in *Integration) { in.MeetingBufferAfter = 180 }, "meeting_buffer_after", false, ""},
		{"a buffer after of 181 minutes is too long", func(in *Integration) { in.MeetingBufferAfter = 181 }, "meeting_buffer_after", true, "between 0 and 180"},
		{"no alias prefix is fine", func(in *Integration) { in.ScheduledAliasPrefix = nil }, "scheduled_alias_prefix", false, ""},
		{"a one-character alias prefix is fine", func(in *Integration) { in.ScheduledAliasPrefix = ptr("v") }, "scheduled_alias_prefix", false, ""},
		{"an eight-character alias prefix is fine", func(in *Integration) { in.ScheduledAliasPrefix = ptr("meet.vc-") }, "scheduled_alias_prefix", false, ""},
		{"a nine-character alias prefix is too long", func(in *Integration) { in.ScheduledAliasPrefix = ptr("123456789") }, "scheduled_alias_prefix", true, "limit is 8"},
		{"an alias prefix with a space is refused", func(in *Integration) { in.ScheduledAliasPrefix = ptr("vm r") }, "scheduled_alias_prefix", true, "letters, digits"},
		{"an alias prefix with an @ is refused", func(in *Integration) { in.ScheduledAliasPrefix = ptr("vmr@") }, "scheduled_alias_prefix", true, "letters, digits"},
	})
}

func TestValidateEnums(t *testing.T) {
	var tests []ruleCase
	for _, m := range []string{AuthBasic, AuthNTLM, AuthKerberos, AuthOAuth, AuthAppPerm} {
		tests = append(tests, ruleCase{"authentication method " + m + " is accepted", func(in *Integration) { in.AuthenticationMethod = m }, "authentication_method", false, ""})
	}
	tests = append(tests,
		ruleCase{"a lower-case authentication method is refused", func(in *Integration) { in.AuthenticationMethod = "basic" }, "authentication_method", true, "BASIC, NTLM, KERBEROS, OAUTH, APP_PERM"},
		ruleCase{"an empty authentication method is refused", func(in *Integration) { in.AuthenticationMethod = "" }, "authentication_method", true, `not ""`},
		ruleCase{"allow_if_trusted is accepted for participants", func(in *Integration) { in.NonIdPParticipants = NonIdPAllowIfTrusted }, "non_idp_participants", false, ""},
		ruleCase{"an unknown participants policy is refused", func(in *Integration) { in.NonIdPParticipants = "allow_all" }, "non_idp_participants", true, "disallow_all, allow_if_trusted"},
		ruleCase{"an unknown add-in authentication is refused", func(in *Integration) { in.AddinAuthenticationMethod = "PASSWORD" }, "addin_authentication_method", true, "EXCHANGE_USER_ID_TOKEN"},
		ruleCase{"AZURE is accepted as identity provider", func(in *Integration) { in.AuthProvider = ProviderAzure }, "auth_provider", false, ""},
		ruleCase{"a lower-case identity provider is refused", func(in *Integration) { in.AuthProvider = "azure" }, "auth_provider", true, "ADFS, AZURE"},
	)
	runRuleCases(t, validBasic, tests)
}

func TestValidateEmailAndDomains(t *testing.T) {
	runRuleCases(t, validBasic, []ruleCase{
		{"a plain address is a valid room mailbox", func(in *Integration) { in.RoomMailboxEmailAddress = ptr("vmr.room+1@sub.example.com") }, "room_mailbox_email_address", false, ""},
		{"a mailbox without a domain is refused", func(in *Integration) { in.RoomMailboxEmailAddress = ptr("vmr") }, "room_mailbox_email_address", true, "email address"},
		{"a mailbox with a display name is refused", func(in *Integration) { in.RoomMailboxEmailAddress = ptr("VMR room <vmr@example.com>") }, "room_mailbox_email_address", true, "email address"},
		{"a mailbox without a local part is refused", func(in *Integration) { in.RoomMailboxEmailAddress = ptr("@example.com") }, "room_mailbox_email_address", true, "email address"},
		{"a mailbox whose domain has a space is refused", func(in *Integration) { in.RoomMailboxEmailAddress = ptr("vmr@exa mple.com") }, "room_mailbox_email_address", true, "email address"},
		{"a mailbox whose domain has an underscore is refused", func(in *Integration) { in.RoomMailboxEmailAddress = ptr("vmr@ex_ample.com") }, "room_mailbox_email_address", true, "email address"},
		{"an alias domain is a domain name", func(in *Integration) { in.ScheduledAliasDomain = "vc.example.com" }, "scheduled_alias_domain", false, ""},
		{"an alias domain with a trailing dot is fine", func(in *Integration) { in.ScheduledAliasDomain = "vc.example.com." }, "scheduled_alias_domain", false, ""},
		{"an alias domain with an underscore is refused", func(in *Integration) { in.ScheduledAliasDomain = "vc_example.com" }, "scheduled_alias_domain", true, "domain name"},
		{"an alias domain starting with a hyphen is refused", func(in *Integration) { in.ScheduledAliasDomain = "-vc.example.com" }, "scheduled_alias_domain", true, "domain name"},
		{"an alias domain with an empty label is refused", func(in *Integration) { in.ScheduledAliasDomain = "vc..example.com" }, "scheduled_alias_domain", true, "domain name"},
		{"an add-in server given as a URL is refused", func(in *Integration) { in.AddinServerDomain = "https://addins.example.com" }, "addin_server_domain", true, "domain name"},
		{"domain names and an https metadata URL are accepted", func(in *Integration) {
			in.Domains = []string{"mail.example.com", "example.com", "https://adfs.example.com/FederationMetadata/2007-06/FederationMetadata.xml"}
		}, "domains", false, ""},
		{"an http metadata URL is refused", func(in *Integration) { in.Domains = []string{"http://adfs.example.com/metadata.xml"} }, "domains", true, "entry 1"},
		{"a domain with a space is refused and its entry named", func(in *Integration) { in.Domains = []string{"example.com", "mail example.com"} }, "domains", true, "entry 2"},
		{"an empty domain is refused", func(in *Integration) { in.Domains = []string{""} }, "domains", true, "entry 1"},
		{"a domain listed twice in different case is refused", func(in *Integration) { in.Domains = []string{"mail.example.com", "MAIL.example.com"} }, "domains", true, "listed twice"},
		{"a domain entry over 255 characters is refused", func(in *Integration) { in.Domains = []string{"https://adfs.example.com/" + strings.Repeat("x", 240)} }, "domains", true, "longer than 255"},
		{"no domains at all is fine for validation", func(in *Integration) { in.Domains = nil }, "domains", false, ""},
	})
}

func TestValidateURLs(t *testing.T) {
	runRuleCases(t, validBasic, []ruleCase{
		{"an http EWS URL is refused", func(in *Integration) { in.URL = "http://mail.example.com/EWS/Exchange.asmx" }, "url", true, "https"},
		{"an EWS URL without a scheme is refused", func(in *Integration) { in.URL = "mail.example.com/EWS/Exchange.asmx" }, "url", true, "https://"},
		{"an EWS URL without a host is refused", func(in *Integration) { in.URL = "https:///EWS/Exchange.asmx" }, "url", true, "https://"},
		{"an EWS URL with credentials in it is refused", func(in *Integration) { in.URL = "https://svc:pw@mail.example.com/EWS/Exchange.asmx" }, "url", true, "https://"},
		{"an EWS URL with a port is fine", func(in *Integration) { in.URL = "https://mail.example.com:8443/EWS/Exchange.asmx" }, "url", false, ""},
		{"an http OAuth token endpoint is refused", func(in *Integration) { in.OAuthTokenEndpoint = "http://login.example.com/token" }, "oauth_token_endpoint", true, "https"},
		{"an http personal VMR authorization endpoint is refused", func(in *Integration) {
			in.PersonalVMROAuthAuthEndpoint = "http://adfs.example.com/adfs/oauth2/authorize"
		}, "personal_vmr_oauth_auth_endpoint", true, "https"},
		{"an http authority URL is refused", func(in *Integration) { in.AddinAuthorityURL = "http://login.example.com" }, "addin_authority_url", true, "https"},
		{"an OpenID metadata URL without a scheme is refused", func(in *Integration) {
			in.AddinOIDCMetadataURL = "login.example.com/.well-known/openid-configuration"
		}, "addin_oidc_metadata_url", true, "https://"},
		{"an http Office.js URL passes validation (lint warns about it)", func(in *Integration) { in.OfficeJSURL = "http://cdn.example.com/office.js" }, "office_js_url", false, ""},
		{"an ftp Office.js URL is refused", func(in *Integration) { in.OfficeJSURL = "ftp://cdn.example.com/office.js" }, "office_js_url", true, "URL"},
		{"an https redirect URI is fine", func(in *Integration) { in.OAuthRedirectURI = "https://vmr.example.com/admin/oauth_redirect" }, "oauth_redirect_uri", false, ""},
		{"an additional source line that is not a URL is refused", func(in *Integration) {
			in.AdditionalAddInScriptSources = "https://cdn.example.com/a.js\nnot a url"
		}, "additional_add_in_script_sources", true, `line 2 ("not a url")`},
		{"additional sources with blank lines and CRLF endings are fine", func(in *Integration) {
			in.AdditionalAddInScriptSources = "https://cdn.example.com/a.js\r\n\r\n  https://cdn.example.com/b.js  \r\n"
		}, "additional_add_in_script_sources", false, ""},
		{"an additional source line number counts blank lines", func(in *Integration) {
			in.AdditionalAddInScriptSources = "https://cdn.example.com/a.js\n\nbad source"
		}, "additional_add_in_script_sources", true, "line 3"},
	})
}

func TestValidateRulesBetweenFields(t *testing.T) {
	personalOnly := func(in *Integration) {
		in.EnableDynamicVMRs = false
		in.EnablePersonalVMRs = true
		in.PersonalVMROAuthClientID = ptr("5a1b2c3d-0000-4000-8000-000000000001")
		in.PersonalVMROAuthAuthEndpoint = "https://adfs.example.com/adfs/oauth2/authorize"
		in.PersonalVMROAuthTokenEndpoint = "https://adfs.example.com/adfs/oauth2/token"
	}
	oauth := func(method string) func(in *Integration) {
		return func(in *Integration) {
			in.AuthenticationMethod = method
			in.OAuthClientID = ptr("0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9")
			in.OAuthAuthEndpoint = "https://login.microsoftonline.com/tenant/oauth2/v2.0/authorize"
			in.OAuthTokenEndpoint = "https://login.microsoftonline.com/tenant/oauth2/v2.0/token"
			in.OAuthRedirectURI = "https://vmr.example.com/admin/platform/mssipproxy/oauth_redirect/"
		}
	}
	then := func(fns ...func(in *Integration)) func(in *Integration) {
		return func(in *Integration) {
			for _, f := range fns {
				f(in)
			}
		}
	}
	runRuleCases(t, validBasic, []ruleCase{
		{"neither single-use nor personal VMRs is refused on single-use", func(in *Integration) { in.EnableDynamicVMRs = false }, "enable_dynamic_vmrs", true, "single-use VMRs, personal VMRs or both"},
		{"neither single-use nor personal VMRs is refused on personal", func(in *Integration) { in.EnableDynamicVMRs = false }, "enable_personal_vmrs", true, "or both"},
		{"personal VMRs alone are enough", personalOnly, "enable_dynamic_vmrs", false, ""},
		{"single-use VMRs need a room mailbox", func(in *Integration) { in.RoomMailboxEmailAddress = nil }, "room_mailbox_email_address", true, "required for single-use"},
		{"a blank room mailbox counts as missing", func(in *Integration) { in.RoomMailboxEmailAddress = ptr("  ") }, "room_mailbox_email_address", true, ""},
		{"without single-use VMRs no room mailbox is needed", then(personalOnly, func(in *Integration) { in.RoomMailboxEmailAddress = nil }), "room_mailbox_email_address", false, ""},
		{"single-use VMRs need the EWS URL", func(in *Integration) { in.URL = "" }, "url", true, "required for single-use"},
		{"BASIC needs a username", func(in *Integration) { in.Username = "" }, "username", true, "BASIC"},
		{"NTLM needs a username", func(in *Integration) { in.AuthenticationMethod = AuthNTLM; in.Username = "" }, "username", true, "NTLM"},
		{"KERBEROS passes without a username", func(in *Integration) { in.AuthenticationMethod = AuthKerberos; in.Username = "" }, "username", false, ""},
		{"OAUTH with every field is fine", oauth(AuthOAuth), "oauth_client_id", false, ""},
		{"OAUTH needs the client id", then(oauth(AuthOAuth), func(in *Integration) { in.OAuthClientID = nil }), "oauth_client_id", true, "required for OAUTH"},
		{"OAUTH needs the token endpoint", then(oauth(AuthOAuth), func(in *Integration) { in.OAuthTokenEndpoint = "" }), "oauth_token_endpoint", true, "required for OAUTH"},
		{"OAUTH needs the authorization endpoint", then(oauth(AuthOAuth), func(in *Integration) { in.OAuthAuthEndpoint = "" }), "oauth_auth_endpoint", true, "required for OAUTH"},
		{"OAUTH needs the redirect URI", then(oauth(AuthOAuth), func(in *Integration) { in.OAuthRedirectURI = "" }), "oauth_redirect_uri", true, "required for OAUTH"},
		{"APP_PERM needs the client id", then(oauth(AuthAppPerm), func(in *Integration) { in.OAuthClientID = ptr(" ") }), "oauth_client_id", true, "required for APP_PERM"},
		{"APP_PERM needs the token endpoint", then(oauth(AuthAppPerm), func(in *Integration) { in.OAuthTokenEndpoint = "" }), "oauth_token_endpoint", true, "required for APP_PERM"},
		{"APP_PERM needs no authorization endpoint", then(oauth(AuthAppPerm), func(in *Integration) { in.OAuthAuthEndpoint = "" }), "oauth_auth_endpoint", false, ""},
		{"APP_PERM needs no redirect URI", then(oauth(AuthAppPerm), func(in *Integration) { in.OAuthRedirectURI = "" }), "oauth_redirect_uri", false, ""},
		{"BASIC needs no OAuth client id", func(in *Integration) { in.OAuthClientID = nil }, "oauth_client_id", false, ""},
		{"personal VMRs need their OAuth client id", then(personalOnly, func(in *Integration) { in.PersonalVMROAuthClientID = nil }), "personal_vmr_oauth_client_id", true, "required for personal VMRs"},
		{"personal VMRs need their authorization endpoint", then(personalOnly, func(in *Integration) { in.PersonalVMROAuthAuthEndpoint = "" }), "personal_vmr_oauth_auth_endpoint", true, "required for personal VMRs"},
		{"personal VMRs need their token endpoint", then(personalOnly, func(in *Integration) { in.PersonalVMROAuthTokenEndpoint = "" }), "personal_vmr_oauth_token_endpoint", true, "required for personal VMRs"},
		{"without personal VMRs their endpoints are not needed", func(in *Integration) { in.PersonalVMROAuthTokenEndpoint = "" }, "personal_vmr_oauth_token_endpoint", false, ""},
		{"the SSO token add-in needs an application id", func(in *Integration) { in.AddinAuthenticationMethod = AddinAuthSSOToken }, "addin_application_id", true, "SSO_TOKEN"},
		{"the NAA token add-in needs an application id", func(in *Integration) { in.AddinAuthenticationMethod = AddinAuthNAAToken }, "addin_application_id", true, "NAA_TOKEN"},
		{"the NAA token add-in needs a web API application id", func(in *Integration) {
			in.AddinAuthenticationMethod = AddinAuthNAAToken
			in.AddinApplicationID = ptr("app")
		}, "addin_naa_web_api_application_id", true, "NAA_TOKEN"},
		{"the Exchange identity token add-in needs no application id", func(in *Integration) {}, "addin_application_id", false, ""},
	})
}

func TestValidateReportsEveryProblemAtOnce(t *testing.T) {
	tests := []struct {
		name   string
		change func(in *Integration)
		want   []string
	}{
		{"a valid integration has no problems", func(*Integration) {}, nil},
		{"problems of several fields and rules come back together, keyed by JSON name", func(in *Integration) {
			in.Name = ""
			in.ScheduledAliasSuffixLength = 3
			in.MeetingBufferAfter = 500
			in.AuthenticationMethod = AuthOAuth
			in.RoomMailboxEmailAddress = nil
			in.Domains = []string{"not a domain"}
			in.OfficeJSURL = "nope"
		}, []string{"name", "scheduled_alias_suffix_length", "meeting_buffer_after", "room_mailbox_email_address",
			"domains", "office_js_url", "oauth_client_id", "oauth_token_endpoint", "oauth_auth_endpoint", "oauth_redirect_uri"}},
		{"the field problem comes first when a field breaks a rule too", func(in *Integration) {
			in.RoomMailboxEmailAddress = ptr("no-at-sign")
			in.Username = ""
		}, []string{"room_mailbox_email_address", "username"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validBasic()
			tt.change(in)
			got := problems(t, in)
			keys := slices.Sorted(maps.Keys(got))
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(keys, want) {
				t.Fatalf("problems on %q, want %q (%v)", keys, want, got)
			}
			if got != nil {
				err := Validate(in)
				for _, k := range keys {
					if !strings.Contains(err.Error(), k+": ") {
						t.Errorf("the error text %q does not list %s", err, k)
					}
				}
			}
		})
	}

	t.Run("the error text lists fields in alphabetical order", func(t *testing.T) {
		err := &ValidationError{Fields: map[string]string{"url": "u", "name": "n", "domains": "d"}}
		if got, want := err.Error(), "integration: invalid: domains: d; name: n; url: u"; got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	})
}

func TestValidateSecret(t *testing.T) {
	tests := []struct {
		name, field, value string
		wantErr            bool
		mention            string
	}{
		{"a password of 100 characters is fine", SecretPassword, strings.Repeat("p", 100), false, ""},
		{"a password of 101 characters is too long", SecretPassword, strings.Repeat("p", 101), true, "limit is 100"},
		{"a refresh token of 4096 characters is fine", SecretOAuthRefreshToken, strings.Repeat("t", 4096), false, ""},
		{"a field that is not secret is refused", "username", "svc", true, "not a secret field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateSecret(tt.field, tt.value)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ValidateSecret = %v, want error %v", err, tt.wantErr)
			}
			if err == nil {
				return
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("the message %q does not mention %q", err, tt.mention)
			}
			if len(tt.value) > 3 && strings.Contains(err.Error(), tt.value) {
				t.Error("the message contains the secret value")
			}
		})
	}
}

func TestValidDomain(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"example.com", true},
		{"localhost", true},
		{"xn--bcher-kva.example", true},
		{"a-b.example.com.", true},
		{"", false},
		{".example.com", false},
		{"exa mple.com", false},
		{"-example.com", false},
		{"example-.com", false},
		{strings.Repeat("a", 64) + ".com", false},
		{strings.Repeat("abcdefghi.", 26) + "com", false},
	}
	for _, tt := range tests {
		name := "is a domain"
		if !tt.want {
			name = "is not a domain"
		}
		t.Run(jsonText(tt.in)+" "+name, func(t *testing.T) {
			if got := ValidDomain(tt.in); got != tt.want {
				t.Fatalf("ValidDomain(%q) = %v", tt.in, got)
			}
		})
	}
}

func TestHost(t *testing.T) {
	tests := []struct {
		name, url, want string
	}{
		{"the host of an EWS URL is lower-cased", "https://Mail.Example.COM/EWS/Exchange.asmx", "mail.example.com"},
		{"the port is dropped", "https://mail.example.com:8443/EWS/Exchange.asmx", "mail.example.com"},
		{"a trailing dot is dropped", "https://mail.example.com./EWS/Exchange.asmx", "mail.example.com"},
		{"an IPv6 address loses its brackets", "https://[2001:DB8::1]/EWS/Exchange.asmx", "2001:db8::1"},
		{"no URL has no host", "", ""},
		{"a URL without a scheme has no host", "mail.example.com/EWS", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &Integration{URL: tt.url}
			if got := in.Host(); got != tt.want {
				t.Fatalf("Host() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestValidationErrorCodesAndParams(t *testing.T) {
	in := Defaults()
	in.Name = strings.Repeat("x", 300)
	err := Validate(in)
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("got %v, want a *ValidationError", err)
	}
	fe := verr.FieldErrors["name"]
	if fe.Code != "too_long" || fe.Params["length"] != "300" || fe.Params["max"] != "250" || fe.Params["label"] != "Name" {
		t.Fatalf("name: got %+v", fe)
	}
	raw, _ := json.Marshal(verr)
	if !strings.Contains(string(raw), `"field_errors":{`) || !strings.Contains(string(raw), `"fields":{`) {
		t.Fatalf("JSON keeps fields and adds field_errors: %s", raw)
	}
}

func TestDecodeKeepsCodes(t *testing.T) {
	_, err := Decode(Defaults(), []byte(`{"name":"a","scheduled_alias_suffix_length":"six","domains":"x"}`), false)
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("got %v, want a *ValidationError", err)
	}
	for field, code := range map[string]string{"scheduled_alias_suffix_length": "not_whole_number", "domains": "not_domain_list", "url": "required_single_use"} {
		if got := verr.FieldErrors[field].Code; got != code {
			t.Errorf("%s: code %q, want %q (%v)", field, got, code, verr.Fields)
		}
	}
}
