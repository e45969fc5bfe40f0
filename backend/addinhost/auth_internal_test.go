package addinhost

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"unicode"

	"vmr-companion/backend/integration"
)

func TestIdentityFromClaims(t *testing.T) {
	cases := []struct {
		name, claims, key, email string
	}{
		{"a verified email", `{"email":"A@Example.com","email_verified":true}`, "oidc:https://op#s1", "a@example.com"},
		{"a verified email sent as a string, as some providers do", `{"email":"a@example.com","email_verified":"true"}`, "oidc:https://op#s1", "a@example.com"},
		{"an email said to be unverified", `{"email":"a@example.com","email_verified":false}`, "oidc:https://op#s1", ""},
		{"an email with nothing said about it", `{"email":"a@example.com"}`, "oidc:https://op#s1", ""},
		{"a verified claim that is no address", `{"email":"Alice <a@example.com>","email_verified":true}`, "oidc:https://op#s1", ""},
		{"preferred_username is never an address", `{"preferred_username":"a@example.com"}`, "oidc:https://op#s1", ""},
		{"Entra ID: keyed on tenant and object id, the member's upn", `{"tid":"t1","oid":"o1","upn":"A@Contoso.example","email":"x@evil.example"}`, "entra:t1/o1", "a@contoso.example"},
		{"Entra ID: a guest's upn", `{"tid":"t1","oid":"o1","upn":"a_x.example#EXT#@contoso.example"}`, "entra:t1/o1", ""},
		{"Entra ID: an email whose domain the tenant verified", `{"tid":"t1","oid":"o1","email":"a@contoso.example","xms_edov":true}`, "entra:t1/o1", "a@contoso.example"},
		{"Entra ID: an email whose domain the tenant did not verify", `{"tid":"t1","oid":"o1","email":"a@contoso.example","xms_edov":false}`, "entra:t1/o1", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var c tokenClaims
			if err := json.Unmarshal([]byte(tc.claims), &c); err != nil {
				t.Fatal(err)
			}
			got := c.identity("https://op", "s1")
			if got.Key != tc.key || got.Email != tc.email {
				t.Fatalf("identity = %+v, want key %q and email %q", got, tc.key, tc.email)
			}
		})
	}
}

func TestUnknownMethodNamesTheFieldAndTheAcceptedValues(t *testing.T) {
	s := &Server{cfg: Config{Auth: AuthIntegration}}
	_, p := s.method(&integration.Integration{Name: "Contoso", AddinAuthenticationMethod: "BASIC_AUTH"})
	if p == nil || p.Status != http.StatusUnauthorized {
		t.Fatalf("problem = %+v", p)
	}
	for _, want := range []string{`"BASIC_AUTH"`, "addin_authentication_method", "EXCHANGE_USER_ID_TOKEN", "SSO_TOKEN", "NAA_TOKEN"} {
		if !strings.Contains(p.Detail, want) {
			t.Errorf("detail %q does not say %s", p.Detail, want)
		}
	}
	for mode, want := range map[string]string{AuthNone: PaneAuthNone, AuthOIDC: PaneAuthSSO} {
		s := &Server{cfg: Config{Auth: mode}}
		if got, p := s.method(&integration.Integration{AddinAuthenticationMethod: "BASIC_AUTH"}); got != want || p != nil {
			t.Errorf("mode %s: method %q, %v; want %q", mode, got, p, want)
		}
	}
}

func TestIssuerAccepted(t *testing.T) {
	const (
		tenant = "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0"
		common = "https://login.microsoftonline.com/{tenantid}/v2.0"
	)
	cases := []struct {
		name, meta, iss, tid string
		ok                   bool
	}{
		{"the metadata's own issuer", "https://op.example", "https://op.example", "", true},
		{"another issuer", "https://op.example", "https://evil.example", "", false},
		{"a trailing slash is another issuer", "https://op.example", "https://op.example/", "", false},
		{"the tenant's v2 issuer", tenant, tenant, "72f988bf-86f1-41af-91ab-2d7cd011db47", true},
		{"the tenant's v1 issuer", tenant, "https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/", "72f988bf-86f1-41af-91ab-2d7cd011db47", true},
		{"another tenant's v1 issuer", tenant, "https://sts.windows.net/00000000-0000-0000-0000-000000000001/", "00000000-0000-0000-0000-000000000001", false},
		{"common: the token's tenant", common, tenant, "72f988bf-86f1-41af-91ab-2d7cd011db47", true},
		{"common: a v1 token of the token's tenant", common, "https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/", "72f988bf-86f1-41af-91ab-2d7cd011db47", true},
		{"common: an issuer of another tenant than the tid", common, tenant, "00000000-0000-0000-0000-000000000001", false},
		{"common: no tid", common, tenant, "", false},
		{"common: a tid that would change the URL", common, "https://login.microsoftonline.com/a/../b/v2.0", "a/../b", false},
		{"v1 issuers only for Entra ID", "https://op.example/t1/v2.0", "https://sts.windows.net/t1/", "t1", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if want, ok := issuerAccepted(tc.meta, tc.iss, tc.tid); ok != tc.ok {
				t.Errorf("issuerAccepted = %v (expected %s), want %v", ok, want, tc.ok)
			}
		})
	}
}

// FuzzClaimedAddress: whatever the pane sends in X-VMR-User, the host
// keeps only one plain address of at most 254 characters.
func FuzzClaimedAddress(f *testing.F) {
	for _, s := range []string{"alice@example.com", "Alice <a@example.com>", "a@example.com, b@example.com", "a@example.com\r\nX: y", "\"a b\"@example.com", strings.Repeat("a", 300) + "@x.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		r, _ := http.NewRequest(http.MethodGet, "https://host/", nil)
		r.Header[userHeader] = []string{v}
		got, p := claimedAddress(r)
		if p != nil {
			if p.Status != http.StatusBadRequest && p.Status != http.StatusUnauthorized {
				t.Fatalf("status %d", p.Status)
			}
			return
		}
		if len(got) > 254 || got != strings.ToLower(got) || strings.IndexFunc(got, unicode.IsControl) >= 0 || !strings.Contains(got, "@") {
			t.Fatalf("kept %q from %q", got, v)
		}
	})
}
