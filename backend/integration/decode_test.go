package integration

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func readFixture(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "infinity_connector.json"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// decodeErr decodes and returns the problems by field; it fails the test
// when Decode succeeds or returns another kind of error.
func decodeErr(t *testing.T, base *Integration, data string, allowReadOnly bool) map[string]string {
	t.Helper()
	in, err := Decode(base, []byte(data), allowReadOnly)
	if err == nil {
		t.Fatalf("Decode accepted %s: %+v", data, in)
	}
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("Decode = %v, want a *ValidationError", err)
	}
	return verr.Fields
}

func TestDecodeInfinityExport(t *testing.T) {
	data := readFixture(t)
	in, err := Decode(Defaults(), data, true)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}

	t.Run("an Infinity export imports as-is", func(t *testing.T) {
		if err := Validate(in.Integration); err != nil {
			t.Fatalf("Validate: %v", err)
		}
	})

	t.Run("the export has every field of the catalogue but the secrets", func(t *testing.T) {
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(data, &raw); err != nil {
			t.Fatal(err)
		}
		for _, f := range fields {
			if f.ProductOnly {
				continue
			}
			_, has := raw[f.Name]
			if has == (f.Kind == KindSecret) {
				t.Errorf("%s: in the fixture %v, secret %v", f.Name, has, f.Kind == KindSecret)
			}
		}
	})

	t.Run("nothing in the export is unknown and no secret is carried", func(t *testing.T) {
		if len(in.Unknown) != 0 || len(in.Secrets) != 0 {
			t.Fatalf("unknown %q, secrets %v", in.Unknown, slices.Collect(maps.Keys(in.Secrets)))
		}
	})

	t.Run("the values of the export are taken, read-only ones included", func(t *testing.T) {
		it := in.Integration
		checks := []struct {
			field     string
			got, want any
		}{
			{"uuid", it.UUID, "8a4e2c6f-1b3d-4f5a-9e7c-2d4b6a8c0e1f"},
			{"name", it.Name, "Contoso Office 365"},
			{"authentication_method", it.AuthenticationMethod, AuthOAuth},
			{"enable_personal_vmrs", it.EnablePersonalVMRs, true},
			{"scheduled_alias_suffix_length", it.ScheduledAliasSuffixLength, 8},
			{"domains", strings.Join(it.Domains, ","), "contoso.com,outlook.office365.com"},
			{"public_key", strings.HasPrefix(it.PublicKey, "-----BEGIN PUBLIC KEY-----\n"), true},
			{"ivr_theme", *it.IVRTheme, "/api/admin/configuration/v1/ivr_theme/2/"},
			{"oauth_state", it.OAuthState == nil, true},
			{"host_identity_provider_group", it.HostIdentityProviderGroup == nil, true},
			{"id (assigned here, not taken)", it.ID, int64(0)},
			{"resource_uri (the remote address, not taken)", it.ResourceURI, ""},
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("%s = %v, want %v", c.field, c.got, c.want)
			}
		}
	})

	t.Run("Set lists every field of the export except the assigned ones", func(t *testing.T) {
		var raw map[string]json.RawMessage
		_ = json.Unmarshal(data, &raw)
		want := slices.Sorted(maps.Keys(raw))
		want = slices.DeleteFunc(want, func(s string) bool { return s == "id" || s == "resource_uri" })
		if got := slices.Sorted(slices.Values(in.Set)); !slices.Equal(got, want) {
			t.Fatalf("Set %q\nwant %q", got, want)
		}
	})

	t.Run("an export of the decoded integration re-decodes to the same integration", func(t *testing.T) {
		out, err := json.Marshal(in.Integration)
		if err != nil {
			t.Fatal(err)
		}
		again, err := Decode(Defaults(), out, true)
		if err != nil {
			t.Fatalf("Decode: %v", err)
		}
		a, _ := json.Marshal(again.Integration)
		if !bytes.Equal(a, out) {
			t.Fatalf("round trip changed the integration:\n%s\n%s", out, a)
		}
	})
}

func TestDecodeReportsEveryProblemAtOnce(t *testing.T) {
	tests := []struct {
		name string
		json string
		want map[string]string // field → text its message contains
	}{
		{
			"type errors of several fields come back with the rule errors of the others",
			`{"name": 5, "meeting_buffer_before": "30", "enable_dynamic_vmrs": "yes", "domains": "example.com",
			  "scheduled_alias_suffix_length": 99, "url": "http://mail.example.com/EWS/Exchange.asmx"}`,
			map[string]string{
				"name":                          "must be text",
				"meeting_buffer_before":         "whole number",
				"enable_dynamic_vmrs":           "true or false",
				"domains":                       "list of domain names",
				"scheduled_alias_suffix_length": "between 5 and 15",
				"url":                           "https",
				"room_mailbox_email_address":    "required",
				"username":                      "required",
			},
		},
		{
			"a fraction where a whole number belongs is a type error",
			`{"name": "A", "meeting_buffer_after": 12.5, "room_mailbox_email_address": ["vmr@example.com"]}`,
			map[string]string{
				"meeting_buffer_after":       "whole number",
				"room_mailbox_email_address": "must be text",
				"url":                        "required",
				"username":                   "required",
			},
		},
		{
			"a domain entry that is neither text nor a domain object is named by position",
			`{"name": "A", "url": "https://mail.example.com/EWS/Exchange.asmx", "username": "svc",
			  "room_mailbox_email_address": "vmr@example.com", "domains": ["example.com", 7]}`,
			map[string]string{"domains": "entry 2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decodeErr(t, Defaults(), tt.json, false)
			if !slices.Equal(slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(tt.want))) {
				t.Fatalf("problems on %q, want %q (%v)", slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(tt.want)), got)
			}
			for f, m := range tt.want {
				if !strings.Contains(got[f], m) {
					t.Errorf("%s: %q does not contain %q", f, got[f], m)
				}
			}
		})
	}
}

func TestDecodeFields(t *testing.T) {
	base := validBasic()
	base.UUID = "11111111-2222-4333-8444-555555555555"
	base.PublicKey = "stored key"
	base.OAuthState = ptr("stored state")
	base.SecretsStored = []string{SecretPassword}

	tests := []struct {
		name          string
		json          string
		allowReadOnly bool
		check         func(t *testing.T, in *Input)
	}{
		{"unknown fields are listed, sorted, and not applied", `{"favourite_colour": "blue", "exchange_connector_id": 3, "name": "B"}`, false, func(t *testing.T, in *Input) {
			if !slices.Equal(in.Unknown, []string{"exchange_connector_id", "favourite_colour"}) {
				t.Errorf("Unknown %q", in.Unknown)
			}
			if !slices.Equal(in.Set, []string{"name"}) {
				t.Errorf("Set %q, want only name", in.Set)
			}
		}},
		{"only the given fields change; the others keep the base", `{"description": "new"}`, false, func(t *testing.T, in *Input) {
			want := base.Clone()
			want.Description = "new"
			if !equalJSON(in.Integration, want) {
				t.Errorf("got %+v", in.Integration)
			}
		}},
		{"read-only fields are kept from the base when editing", `{"uuid": "99999999-2222-4333-8444-555555555555", "public_key": "typed", "oauth_state": "typed"}`, false, func(t *testing.T, in *Input) {
			it := in.Integration
			if it.UUID != base.UUID || it.PublicKey != "stored key" || *it.OAuthState != "stored state" {
				t.Errorf("uuid %s, public key %q, state %v", it.UUID, it.PublicKey, *it.OAuthState)
			}
			if len(in.Set) != 0 {
				t.Errorf("Set %q, want nothing", in.Set)
			}
		}},
		{"read-only fields are taken on import", `{"uuid": "99999999-2222-4333-8444-555555555555", "public_key": "exported", "oauth_state": null}`, true, func(t *testing.T, in *Input) {
			it := in.Integration
			if it.UUID != "99999999-2222-4333-8444-555555555555" || it.PublicKey != "exported" || it.OAuthState != nil {
				t.Errorf("uuid %s, public key %q, state %v", it.UUID, it.PublicKey, it.OAuthState)
			}
		}},
		{"id, resource_uri, times and secrets_stored are never taken", `{"id": 42, "resource_uri": "/x/", "created_at": "2020-01-01T00:00:00Z", "updated_at": "2020-01-01T00:00:00Z", "secrets_stored": ["oauth_client_secret"]}`, true, func(t *testing.T, in *Input) {
			it := in.Integration
			if it.ID != base.ID || it.ResourceURI != "" || !it.CreatedAt.IsZero() || !slices.Equal(it.SecretsStored, base.SecretsStored) {
				t.Errorf("id %d, uri %q, created %v, secrets stored %q", it.ID, it.ResourceURI, it.CreatedAt, it.SecretsStored)
			}
			if len(in.Set) != 0 || len(in.Unknown) != 0 {
				t.Errorf("Set %q, Unknown %q", in.Set, in.Unknown)
			}
		}},
		{"null clears text and nullable fields and keeps numbers and switches", `{"description": null, "room_mailbox_email_address": null, "meeting_buffer_before": null, "enable_dynamic_vmrs": null, "domains": null}`, false, func(t *testing.T, in *Input) {
			it := in.Integration
			if it.Description != "" || it.RoomMailboxEmailAddress != nil || it.MeetingBufferBefore != base.MeetingBufferBefore || !it.EnableDynamicVMRs || it.Domains == nil || len(it.Domains) != 0 {
				t.Errorf("description %q, mailbox %v, buffer %d, single-use %v, domains %#v", it.Description, it.RoomMailboxEmailAddress, it.MeetingBufferBefore, it.EnableDynamicVMRs, it.Domains)
			}
		}},
		{"domains may be objects with a domain key, as Infinity's exchange_domain resources", `{"domains": [{"id": 1, "domain": " mail.example.com ", "resource_uri": "/api/admin/configuration/v1/exchange_domain/1/"}, "example.com"]}`, false, func(t *testing.T, in *Input) {
			if !slices.Equal(in.Integration.Domains, []string{"mail.example.com", "example.com"}) {
				t.Errorf("domains %q", in.Integration.Domains)
			}
		}},
		{"secrets go to Secrets and never into the integration", `{"password": "Correct-Horse-7", "oauth_client_secret": "cs~abcdefghijklmnop"}`, false, func(t *testing.T, in *Input) {
			if in.Secrets[SecretPassword].Reveal() != "Correct-Horse-7" || in.Secrets[SecretOAuthClientSecret].Reveal() != "cs~abcdefghijklmnop" {
				t.Errorf("Secrets %v", slices.Collect(maps.Keys(in.Secrets)))
			}
			out, _ := json.Marshal(in.Integration)
			if bytes.Contains(out, []byte("Correct-Horse-7")) || bytes.Contains(out, []byte("cs~abcdefghijklmnop")) {
				t.Error("a secret value reached the integration")
			}
			if !slices.Equal(in.Integration.SecretsStored, base.SecretsStored) {
				t.Errorf("SecretsStored changed to %q before anything was saved", in.Integration.SecretsStored)
			}
			if !slices.Contains(in.Set, SecretPassword) || !slices.Contains(in.Set, SecretOAuthClientSecret) {
				t.Errorf("Set %q", in.Set)
			}
		}},
		{"an empty secret is a request to clear it", `{"password": ""}`, false, func(t *testing.T, in *Input) {
			s, ok := in.Secrets[SecretPassword]
			if !ok || !s.IsZero() {
				t.Errorf("Secrets[password] present %v, zero %v", ok, s.IsZero())
			}
		}},
		{"a null secret leaves it as it is", `{"password": null}`, false, func(t *testing.T, in *Input) {
			if _, ok := in.Secrets[SecretPassword]; ok {
				t.Error("a null password would change the stored one")
			}
		}},
		{"the refresh token and private key are accepted on import", `{"oauth_refresh_token": "rt-0123456789", "private_key": "-----BEGIN PRIVATE KEY-----"}`, true, func(t *testing.T, in *Input) {
			if in.Secrets[SecretOAuthRefreshToken].Reveal() != "rt-0123456789" || in.Secrets[SecretPrivateKey].IsZero() {
				t.Errorf("Secrets %v", slices.Collect(maps.Keys(in.Secrets)))
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := base.Clone()
			in, err := Decode(base, []byte(tt.json), tt.allowReadOnly)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			tt.check(t, in)
			if !equalJSON(base, before) {
				t.Error("Decode changed its base")
			}
		})
	}
}

func equalJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

func TestDecodeSkipsAByteOrderMark(t *testing.T) {
	t.Run("an object saved with a UTF-8 byte order mark decodes", func(t *testing.T) {
		in, err := Decode(Defaults(), []byte("\uFEFF"+`{"name": "A"}`), false)
		if err != nil {
			t.Fatalf("Decode: %v", err)
		}
		if in.Integration.Name != "A" {
			t.Fatalf("name %q", in.Integration.Name)
		}
	})
}

func TestDecodeRefusesSecrets(t *testing.T) {
	tests := []struct {
		name          string
		json          string
		allowReadOnly bool
		field         string
		mention       string
		value         string
	}{
		{"the refresh token is read-only when editing", `{"oauth_refresh_token": "rt-0123456789"}`, false, SecretOAuthRefreshToken, "read-only", "rt-0123456789"},
		{"the private key is read-only when editing", `{"private_key": "pk-0123456789"}`, false, SecretPrivateKey, "read-only", "pk-0123456789"},
		{"a secret that is not text is refused without echoing it", `{"password": 12345678}`, false, SecretPassword, "must be text", "12345678"},
		{"a secret over its limit is refused without echoing it", `{"password": "` + strings.Repeat("s3cr3t", 20) + `"}`, false, SecretPassword, "limit is 100", "s3cr3ts3cr3t"},
		{"the redacted placeholder is refused as a secret value", `{"oauth_client_secret": "[redacted]"}`, true, SecretOAuthClientSecret, "placeholder", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decodeErr(t, validBasic(), tt.json, tt.allowReadOnly)
			if !strings.Contains(got[tt.field], tt.mention) {
				t.Fatalf("%s: %q does not mention %q (%v)", tt.field, got[tt.field], tt.mention, got)
			}
			if tt.value != "" {
				for f, m := range got {
					if strings.Contains(m, tt.value) {
						t.Errorf("the message of %s echoes the secret: %q", f, m)
					}
				}
			}
		})
	}
}

func TestDecodeRefusesWhatIsNotAnObject(t *testing.T) {
	tests := []struct {
		name, json, mention string
	}{
		{"an array is not an object", `[{"name": "A"}]`, "found a JSON array where an object was expected"},
		{"a string is not an object", `"name"`, "found a JSON string"},
		{"null is not an object", `null`, "got null"},
		{"empty input is reported as empty", ``, "the input is empty"},
		{"broken JSON is reported with its position", `{"name": "A",}`, "at byte 14"},
		{"a second object after the first is refused, not ignored", `{"name": "A"} {"name": "B"}`, "after the JSON object"},
		{"text after the object is refused, not ignored", `{"name": "A"} trailing`, "after the JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(Defaults(), []byte(tt.json), false)
			if err == nil {
				t.Fatal("Decode accepted it")
			}
			var verr *ValidationError
			if errors.As(err, &verr) {
				t.Errorf("got field problems %v for input that is not an object", verr.Fields)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Fatalf("the message %q does not mention %q", err, tt.mention)
			}
		})
	}
}

func TestSplitBatch(t *testing.T) {
	one := `{"name": "A"}`
	tests := []struct {
		name  string
		input string
		want  []string // the items, compact
	}{
		{"one object is a batch of one", one, []string{one}},
		{"one object with surrounding whitespace is a batch of one", "\n  " + one + "\n", []string{one}},
		{"an array is a batch of its objects", `[{"name": "A"}, {"name": "B"}]`, []string{`{"name": "A"}`, `{"name": "B"}`}},
		{"an empty array is an empty batch", `[]`, []string{}},
		{"an API list response is a batch of its objects", `{"meta": {"limit": 20, "next": null, "offset": 0, "previous": null, "total_count": 2}, "objects": [{"name": "A"}, {"name": "B"}]}`, []string{`{"name": "A"}`, `{"name": "B"}`}},
		{"a list response without meta is still a list", `{"objects": [{"name": "A"}]}`, []string{`{"name": "A"}`}},
		{"a UTF-8 byte order mark, as Notepad writes it, is skipped", "\uFEFF" + `[{"name": "A"}]`, []string{`{"name": "A"}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, err := SplitBatch([]byte(tt.input))
			if err != nil {
				t.Fatalf("SplitBatch: %v", err)
			}
			var got []string
			for _, it := range items {
				got = append(got, string(it))
			}
			if len(got) != len(tt.want) || (len(got) > 0 && !slices.Equal(got, tt.want)) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSplitBatchRefuses(t *testing.T) {
	tests := []struct {
		name    string
		input   []byte
		mention []string
	}{
		{"a number is refused", []byte(`42`), []string{"JSON object, an array of objects, or an API list response"}},
		{"a string is refused", []byte(`"integrations"`), []string{"JSON object, an array of objects"}},
		{"true is refused", []byte(`true`), []string{"JSON object"}},
		{"null is refused", []byte(`null`), []string{"JSON object"}},
		{"empty input is refused", []byte(``), []string{"empty"}},
		{"whitespace only is refused as empty", []byte(" \n\t "), []string{"empty"}},
		{"invalid JSON is refused with the byte offset of the problem", []byte(`[{"name": "A"}, {"name": }]`), []string{"not valid JSON", "at byte 26"}},
		{"the offset counts leading whitespace", []byte("\n\n\n\n[{\"name\": \"A\"}, {\"name\": }]"), []string{"at byte 30"}},
		{"truncated JSON is refused", []byte(`[{"name": "A"`), []string{"not valid JSON"}},
		{"the offset counts a byte order mark", []byte("\uFEFF[{\"name\": \"A\"}, {\"name\": }]"), []string{"at byte 29"}},
		{"objects that are not a list are refused", []byte(`{"meta": {}, "objects": {"name": "A"}}`), []string{`"objects" must be a list`}},
		{"a document over the limit is refused with advice to split it", append([]byte(`[`+strings.Repeat(" ", MaxImportBytes)), ']'), []string{"the limit is 8 MB", "split it"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, err := SplitBatch(tt.input)
			if err == nil {
				t.Fatalf("SplitBatch accepted it: %d items", len(items))
			}
			for _, m := range tt.mention {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("the message %q does not mention %q", err, m)
				}
			}
		})
	}

	t.Run("a document of exactly the limit is read", func(t *testing.T) {
		doc := append([]byte(`[`+strings.Repeat(" ", MaxImportBytes-2)), ']')
		items, err := SplitBatch(doc)
		if err != nil || len(items) != 0 {
			t.Fatalf("SplitBatch = %d items, %v", len(items), err)
		}
	})
}

func TestBatchErrorText(t *testing.T) {
	err := &BatchError{Problems: []BatchProblem{
		{Index: 0, Name: "A", Fields: map[string]string{"url": "bad url", "name": "taken"}},
		{Index: 2, Error: "found a JSON number where an object was expected"},
	}}
	want := "integration: 2 of the objects are invalid; nothing was imported\n" +
		"  object 0 (\"A\")\n    name: taken\n    url: bad url\n" +
		"  object 2: found a JSON number where an object was expected"
	t.Run("a batch error lists each object and its fields in order", func(t *testing.T) {
		if got := err.Error(); got != want {
			t.Fatalf("got\n%s\nwant\n%s", got, want)
		}
	})
}
