package integration

import (
	"strings"
	"testing"
)

// cleanOffice365 is an Office 365 integration done by the deployment guide:
// OAUTH, the EWS host among the domains, a fully qualified add-in server.
func cleanOffice365() *Integration {
	in := Defaults()
	in.Name = "Contoso Office 365"
	in.URL = "https://outlook.office365.com/EWS/Exchange.asmx"
	in.RoomMailboxEmailAddress = ptr("vmr-room@contoso.com")
	in.RoomMailboxName = "VMR room"
	in.Username = "svc-vmr@contoso.com"
	in.AuthenticationMethod = AuthOAuth
	in.OAuthClientID = ptr("0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9")
	in.OAuthAuthEndpoint = "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize"
	in.OAuthTokenEndpoint = "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
	in.OAuthRedirectURI = "https://vmr.contoso.com/admin/platform/mssipproxy/oauth_redirect/"
	in.Domains = []string{"outlook.office365.com", "contoso.com"}
	in.ScheduledAliasDomain = "vc.contoso.com"
	in.AddinServerDomain = "vmr.contoso.com"
	in.AddinAuthenticationMethod = AddinAuthNAAToken
	in.AddinApplicationID = ptr("6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d")
	in.AddinNAAWebAPIApplicationID = ptr("1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e")
	in.AddinOIDCMetadataURL = "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration"
	return in
}

// warningsOn returns the messages of the warnings on one field.
func warningsOn(w []Warning, field string) []string {
	var out []string
	for _, x := range w {
		if x.Field == field {
			out = append(out, x.Message)
		}
	}
	return out
}

func TestLint(t *testing.T) {
	tests := []struct {
		name    string
		base    func() *Integration
		change  func(in *Integration)
		field   string
		want    int    // warnings expected on field
		mention string // text one of them must contain
	}{
		// The EWS host must be among the Exchange domains.
		{"an EWS host missing from the domains is reported", validBasic, func(in *Integration) { in.Domains = []string{"example.com"} }, "domains", 1, "mail.example.com is not in the Exchange domains"},
		{"a parent domain does not stand for the EWS host", validBasic, func(in *Integration) { in.Domains = []string{"example.com", "other.example.com"} }, "domains", 1, "load balancer"},
		{"no domains at all is reported", validBasic, func(in *Integration) { in.Domains = nil }, "domains", 1, "add it"},
		{"the EWS host listed in another case is fine", validBasic, func(in *Integration) { in.Domains = []string{"MAIL.Example.com"} }, "domains", 0, ""},
		{"the EWS host listed with a trailing dot is fine", validBasic, func(in *Integration) { in.Domains = []string{"mail.example.com."} }, "domains", 0, ""},
		{"the EWS host inside a listed URL is fine", validBasic, func(in *Integration) { in.Domains = []string{"https://mail.example.com/EWS/Exchange.asmx"} }, "domains", 0, ""},
		{"an EWS URL with a port and a trailing dot still matches its host", validBasic, func(in *Integration) { in.URL = "https://mail.example.com.:443/EWS/Exchange.asmx" }, "domains", 0, ""},
		{"no EWS URL gives no domain warning", validBasic, func(in *Integration) { in.URL = ""; in.Domains = nil }, "domains", 0, ""},

		// NTLM and load balancers.
		{"NTLM warns that a load balancer must forward at layer 4", validBasic, func(in *Integration) { in.AuthenticationMethod = AuthNTLM }, "authentication_method", 1, "Layer 4"},
		{"KERBEROS on premises gives no authentication warning", validBasic, func(in *Integration) { in.AuthenticationMethod = AuthKerberos }, "authentication_method", 0, ""},

		// Office 365 no longer accepts BASIC or NTLM.
		{"Office 365 with BASIC is reported", cleanOffice365, func(in *Integration) { in.AuthenticationMethod = AuthBasic }, "authentication_method", 1, "Office 365 no longer accepts BASIC"},
		{"Office 365 with NTLM is reported besides the layer 4 warning", cleanOffice365, func(in *Integration) { in.AuthenticationMethod = AuthNTLM }, "authentication_method", 2, "Office 365 no longer accepts NTLM"},
		{"Office 365 reached through an upper-case host is recognised", cleanOffice365, func(in *Integration) {
			in.AuthenticationMethod = AuthBasic
			in.URL = "https://OUTLOOK.office365.com/EWS/Exchange.asmx"
		}, "authentication_method", 1, "OAUTH or APP_PERM"},
		{"Office 365 with APP_PERM is fine", cleanOffice365, func(in *Integration) { in.AuthenticationMethod = AuthAppPerm }, "authentication_method", 0, ""},
		{"BASIC on premises is fine", validBasic, func(*Integration) {}, "authentication_method", 0, ""},

		// Custom add-in sources must be https.
		{"an http Office.js URL is reported when custom sources are used", validBasic, func(in *Integration) {
			in.UseCustomAddInSources = true
			in.OfficeJSURL = "http://cdn.example.com/office.js"
		}, "office_js_url", 1, "not https"},
		{"an http Fabric URL is reported when custom sources are used", validBasic, func(in *Integration) {
			in.UseCustomAddInSources = true
			in.MicrosoftFabricURL = "http://cdn.example.com/fabric.css"
		}, "microsoft_fabric_url", 1, "not https"},
		{"an http Fabric components URL is reported when custom sources are used", validBasic, func(in *Integration) {
			in.UseCustomAddInSources = true
			in.MicrosoftFabricComponentsURL = "HTTP://cdn.example.com/fabric.components.css"
		}, "microsoft_fabric_components_url", 1, "not https"},
		{"an HTTPS URL in capitals is fine", validBasic, func(in *Integration) {
			in.UseCustomAddInSources = true
			in.OfficeJSURL = "HTTPS://cdn.example.com/office.js"
		}, "office_js_url", 0, ""},
		{"each http line of the additional sources is reported with its line number", validBasic, func(in *Integration) {
			in.UseCustomAddInSources = true
			in.AdditionalAddInScriptSources = "https://cdn.example.com/a.js\nhttp://cdn.example.com/b.js\n\n  http://cdn.example.com/c.js  "
		}, "additional_add_in_script_sources", 2, "line 4 (http://cdn.example.com/c.js)"},
		{"http sources are not reported while custom sources are off", validBasic, func(in *Integration) {
			in.OfficeJSURL = "http://cdn.example.com/office.js"
			in.AdditionalAddInScriptSources = "http://cdn.example.com/b.js"
		}, "additional_add_in_script_sources", 0, ""},
		{"an http Office.js URL is not reported while custom sources are off", validBasic, func(in *Integration) {
			in.OfficeJSURL = "http://cdn.example.com/office.js"
		}, "office_js_url", 0, ""},

		// The add-in server needs a fully qualified name.
		{"a single-label add-in server is reported", validBasic, func(in *Integration) { in.AddinServerDomain = "addins" }, "addin_server_domain", 1, "not a fully qualified domain name"},
		{"localhost as add-in server is reported", validBasic, func(in *Integration) { in.AddinServerDomain = "localhost" }, "addin_server_domain", 1, "addins.example.com"},
		{"localhost with a trailing dot is reported", validBasic, func(in *Integration) { in.AddinServerDomain = "LOCALHOST." }, "addin_server_domain", 1, "fully qualified"},
		{"an IPv4 address as add-in server is reported", validBasic, func(in *Integration) { in.AddinServerDomain = "10.20.30.40" }, "addin_server_domain", 1, "https://10.20.30.40"},
		{"an IPv6 address as add-in server is reported", validBasic, func(in *Integration) { in.AddinServerDomain = "2001:db8::1" }, "addin_server_domain", 1, "fully qualified"},
		{"a fully qualified add-in server is fine", validBasic, func(in *Integration) { in.AddinServerDomain = "addins.example.com" }, "addin_server_domain", 0, ""},
		{"no add-in server yet gives no warning", validBasic, func(in *Integration) { in.AddinServerDomain = "" }, "addin_server_domain", 0, ""},

		// The add-in host must be able to verify the add-in's tokens.
		{"Office 365 with Exchange identity tokens is reported", cleanOffice365, func(in *Integration) { in.AddinAuthenticationMethod = AddinAuthExchangeUserIDToken }, "addin_authentication_method", 1, "NAA_TOKEN"},
		{"Office 365 with the method left empty is reported too", cleanOffice365, func(in *Integration) { in.AddinAuthenticationMethod = "" }, "addin_authentication_method", 1, "Exchange Online"},
		{"Exchange identity tokens on premises are fine", validBasic, func(*Integration) {}, "addin_authentication_method", 0, ""},
		{"SSO without OpenID metadata is reported", cleanOffice365, func(in *Integration) {
			in.AddinAuthenticationMethod = AddinAuthSSOToken
			in.AddinOIDCMetadataURL = ""
		}, "addin_oidc_metadata_url", 1, "SSO_TOKEN"},
		{"an Entra ID personal VMR sign-in under ADFS is reported", cleanOffice365, func(in *Integration) {
			in.EnablePersonalVMRs = true
			in.AuthProvider = ProviderADFS
			in.PersonalVMROAuthTokenEndpoint = "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
		}, "auth_provider", 1, "choose AZURE"},
		{"an AD FS personal VMR sign-in is fine", validBasic, func(in *Integration) {
			in.EnablePersonalVMRs = true
			in.AuthProvider = ProviderADFS
			in.PersonalVMROAuthTokenEndpoint = "https://adfs.example.com/adfs/oauth2/token"
		}, "auth_provider", 0, ""},
		{"NAA without OpenID metadata is reported", cleanOffice365, func(in *Integration) { in.AddinOIDCMetadataURL = " " }, "addin_oidc_metadata_url", 1, "openid-configuration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.base()
			tt.change(in)
			all := Lint(in)
			got := warningsOn(all, tt.field)
			if len(got) != tt.want {
				t.Fatalf("%d warnings on %s, want %d: %q (all: %+v)", len(got), tt.field, tt.want, got, all)
			}
			if tt.mention == "" {
				return
			}
			for _, m := range got {
				if strings.Contains(m, tt.mention) {
					return
				}
			}
			t.Fatalf("no warning on %s mentions %q: %q", tt.field, tt.mention, got)
		})
	}
}

func TestLintCleanIntegrations(t *testing.T) {
	tests := []struct {
		name string
		in   func() *Integration
	}{
		{"a clean Office 365 OAUTH integration has no warnings", cleanOffice365},
		{"a clean on-premises BASIC integration has no warnings", validBasic},
		{"a clean offline deployment with https sources has no warnings", func() *Integration {
			in := validBasic()
			in.UseCustomAddInSources = true
			in.OfficeJSURL = "https://cdn.example.com/office.js"
			in.MicrosoftFabricURL = "https://cdn.example.com/fabric.css"
			in.MicrosoftFabricComponentsURL = "https://cdn.example.com/fabric.components.css"
			in.AdditionalAddInScriptSources = "https://cdn.example.com/a.js\r\nhttps://cdn.example.com/b.js\r\n"
			return in
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in()
			if err := Validate(in); err != nil {
				t.Fatalf("the integration is not even valid: %v", err)
			}
			if w := Lint(in); len(w) != 0 {
				t.Fatalf("warnings: %+v", w)
			}
		})
	}
}
