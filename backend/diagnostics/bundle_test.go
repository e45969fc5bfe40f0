package diagnostics

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
)

func TestBundleRedactsSecrets(t *testing.T) {
	const planted = "Planted-Secret-9f3k"
	basic := base64.StdEncoding.EncodeToString([]byte(`CONTOSO\svc:` + planted))
	jwt := "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJQbGFudGVkIn0.c2lnbmF0dXJl"
	keep := []string{ // ordinary text that must survive
		"NTLM authenticates the connection, not the request",
		"https://login.example.test/tenant/oauth2/v2.0/token",
		"Basic Authentication is off",
		"ews_auth: fail",
	}
	log := []string{
		"12:00:00.000 GET /EWS/Exchange.asmx Authorization: Basic " + basic,
		"12:00:00.001 retry with authorization: NTLM TlRMTVNTUAADAAAAGAAYAEgAAAA" + planted,
		"12:00:00.002 POST /token client_secret=" + planted + "&grant_type=client_credentials",
		"12:00:00.003 refresh_token=" + planted + " rotated",
		"12:00:00.004 form: username=svc&password=" + planted,
		`12:00:00.005 body {"access_token": "` + planted + `", "token_type": "Bearer"}`,
		"12:00:00.006 header Bearer " + jwt,
		"12:00:00.007 proxy https://svc:" + planted + "@proxy.contoso.test:8080",
		"12:00:00.008 cookie: session=" + planted,
		"12:00:00.009 the keychain gave " + planted, // only Redact knows this one
		"12:00:00.010 " + strings.Join(keep, "; "),
	}
	in := integration.Defaults()
	in.Name = "Contoso"
	in.URL = "https://svc:" + planted + "@mail.contoso.test/EWS/Exchange.asmx"
	in.Description = "service password: " + planted
	in.OAuthTokenEndpoint = keep[1]
	state := planted
	in.OAuthState = &state
	in.SecretsStored = []string{integration.SecretPassword}
	report := &Report{Integration: "Contoso", Started: time.Now(), Checks: []Check{
		{ID: CheckEWSAuth, Outcome: Fail, Detail: "proxy said Authorization: Bearer " + jwt, Fix: "check password=" + planted},
	}}

	b := NewBundle(report, in, log, "1.2.3")
	b.Redact(secrets.New(planted))
	var out bytes.Buffer
	if err := b.WriteJSON(&out); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, leak := range []string{planted, basic, jwt, "TlRMTVNTUAAD"} {
		if strings.Contains(text, leak) {
			t.Errorf("the bundle contains %q:\n%s", leak, text)
		}
	}
	for _, s := range keep {
		if !strings.Contains(text, s) {
			t.Errorf("the bundle lost ordinary text %q:\n%s", s, text)
		}
	}

	t.Run("every planted secret is redacted by pattern, even without Redact", func(t *testing.T) {
		plain := NewBundle(report, in, log[:9], "1.2.3")
		var out bytes.Buffer
		if err := plain.WriteJSON(&out); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(out.String(), planted) || strings.Contains(out.String(), jwt) {
			t.Fatalf("leak:\n%s", out.String())
		}
	})

	t.Run("the bundle keeps its parts", func(t *testing.T) {
		var back struct {
			Report      Report         `json:"report"`
			Integration map[string]any `json:"integration"`
			Log         []string       `json:"log"`
			Version     string         `json:"version"`
			GeneratedAt time.Time      `json:"generated_at"`
		}
		if err := json.Unmarshal(out.Bytes(), &back); err != nil {
			t.Fatal(err)
		}
		if back.Version != "1.2.3" || back.GeneratedAt.IsZero() || len(back.Log) != len(log) ||
			len(back.Report.Checks) != 1 || back.Integration["name"] != "Contoso" {
			t.Fatalf("unexpected bundle %+v", back)
		}
		if got := back.Integration["url"]; got != "https://svc:[redacted]@mail.contoso.test/EWS/Exchange.asmx" {
			t.Fatalf("url %q", got)
		}
		if got := back.Integration["oauth_state"]; got != "[redacted]" {
			t.Fatalf("oauth_state %q", got)
		}
		if got := back.Integration["secrets_stored"]; len(got.([]any)) != 1 || got.([]any)[0] != "password" {
			t.Fatalf("secrets_stored %v", got)
		}
	})

	t.Run("writing does not change the bundle in memory", func(t *testing.T) {
		if b.Log[2] != log[2] || report.Checks[0].Fix != "check password="+planted {
			t.Fatal("WriteJSON redacted in place")
		}
	})
}
