package infinity_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/infinity"
	"vmr-companion/backend/infinity/infinitytest"
	"vmr-companion/backend/secrets"
)

func oauthClient(t *testing.T, s *infinitytest.Server, id, keyPEM string, now *time.Time) *infinity.Client {
	t.Helper()
	c, err := infinity.New(infinity.Config{BaseURL: s.URL, ClientID: id, PrivateKey: secrets.New(keyPEM), RootCAs: s.CA.Pool,
		Now: func() time.Time { return *now }, Sleep: (&sleeps{}).sleep})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestOAuthPrivateKeyJWT(t *testing.T) {
	now := time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)
	s := fake(t, infinitytest.Options{Now: func() time.Time { return now }})
	key := s.AddOAuthClient("sync-app")
	c := oauthClient(t, s, "sync-app", key, &now)
	ctx := context.Background()
	for range 3 {
		if _, err := c.ListConferences(ctx, nil); err != nil {
			t.Fatal(err)
		}
	}
	reqs := s.Requests()
	tok := reqs[0]
	form, _ := url.ParseQuery(string(tok.Body))
	if tok.Method != "POST" || tok.Path != infinity.TokenPath || form.Get("grant_type") != "client_credentials" ||
		form.Get("client_assertion_type") != infinity.AssertionType || form.Get("client_assertion") == "" {
		t.Fatalf("token request %s %s %s", tok.Method, tok.Path, tok.Body)
	}
	if countReqs(s, "POST", infinity.TokenPath) != 1 || reqs[1].Auth != "bearer" {
		t.Fatalf("the token was not cached: %d token requests", countReqs(s, "POST", infinity.TokenPath))
	}
	// Within a minute of expiry, a new token; after the fake forgets its
	// tokens (a restart), one refusal, a new token and success.
	now = now.Add(59*time.Minute + time.Second)
	if _, err := c.ListConferences(ctx, nil); err != nil || countReqs(s, "POST", infinity.TokenPath) != 2 {
		t.Fatalf("near expiry: %v, %d token requests", err, countReqs(s, "POST", infinity.TokenPath))
	}
	s.ExpireTokens()
	if _, err := c.ListConferences(ctx, nil); err != nil || countReqs(s, "POST", infinity.TokenPath) != 3 {
		t.Fatalf("after the tokens were revoked: %v", err)
	}
}

func TestOAuthRefusedKeyAndClock(t *testing.T) {
	now := time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)
	s := fake(t, infinitytest.Options{Now: func() time.Time { return now }})
	s.AddOAuthClient("sync-app")
	otherKey := s.AddOAuthClient("other-app")
	c := oauthClient(t, s, "sync-app", otherKey, &now)
	_, err := c.ListConnectors(context.Background(), nil)
	if err == nil || !strings.Contains(err.Error(), "refused the OAuth2 client sync-app") || strings.Contains(err.Error(), "PRIVATE KEY") {
		t.Fatalf("a key of another client: %v", err)
	}
	// A computer clock an hour behind signs an expired assertion.
	key := s.AddOAuthClient("late-app")
	late := now.Add(-time.Hour)
	c = oauthClient(t, s, "late-app", key, &late)
	if _, err := c.ListConnectors(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "clock") {
		t.Fatalf("an expired assertion: %v", err)
	}
	if n := countReqs(s, "GET", infinity.ConfigPath); n != 0 {
		t.Fatalf("%d API requests without a token", n)
	}
}

func TestConfigErrors(t *testing.T) {
	pw := secrets.New(password)
	for name, cfg := range map[string]infinity.Config{
		"http":        {BaseURL: "http://mgr.example.com", Username: "a", Password: pw},
		"not a URL":   {BaseURL: "mgr", Username: "a", Password: pw},
		"both":        {BaseURL: "https://mgr", Username: "a", Password: pw, ClientID: "c", PrivateKey: pw},
		"none":        {BaseURL: "https://mgr"},
		"no password": {BaseURL: "https://mgr", Username: "a"},
		"bad key":     {BaseURL: "https://mgr", ClientID: "c", PrivateKey: pw},
	} {
		if _, err := infinity.New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		} else {
			noSecret(t, err)
		}
	}
}

func TestSecretsNeverPrintedOrLogged(t *testing.T) {
	now := time.Now()
	s := fake(t, infinitytest.Options{Now: func() time.Time { return now }})
	key := s.AddOAuthClient("sync-app")
	cfg := infinity.Config{BaseURL: s.URL, Username: "vmr-sync", Password: secrets.New(password), PrivateKey: secrets.New(key)}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("config", "cfg", cfg, "pw", cfg.Password)
	printed := fmt.Sprintf("%v %+v %#v", cfg, cfg, cfg) + buf.String()
	if strings.Contains(printed, password) || strings.Contains(printed, "PRIVATE KEY") {
		t.Fatalf("a secret was printed: %s", printed)
	}
	c := oauthClient(t, s, "sync-app", key, &now)
	if _, err := c.GetConnector(context.Background(), 5); err == nil || strings.Contains(err.Error(), "Bearer") {
		t.Fatalf("404: %v", err)
	}
}

func TestTokenRequestRetriedWithAFreshAssertion(t *testing.T) {
	now := time.Now()
	s := fake(t, infinitytest.Options{Now: func() time.Time { return now }})
	c := oauthClient(t, s, "sync-app", s.AddOAuthClient("sync-app"), &now)
	s.Fail(infinitytest.Fault{Status: 503, PathPrefix: infinity.TokenPath})
	if _, err := c.ListConnectors(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	var assertions []string
	for _, r := range s.Requests() {
		if r.Path == infinity.TokenPath {
			f, _ := url.ParseQuery(string(r.Body))
			assertions = append(assertions, f.Get("client_assertion"))
		}
	}
	if len(assertions) != 2 || assertions[0] == assertions[1] {
		t.Fatalf("%d token requests; the same assertion twice: %v", len(assertions), len(assertions) == 2 && assertions[0] == assertions[1])
	}
}

func TestTLSAlwaysVerified(t *testing.T) {
	s := fake(t, infinitytest.Options{})
	// The system roots do not know the test CA: refused, not skipped.
	sl := &sleeps{}
	c, err := infinity.New(infinity.Config{BaseURL: s.URL, Username: "vmr-sync", Password: secrets.New(password), Sleep: sl.sleep})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "is not trusted") || len(sl.all()) != 0 {
		t.Fatalf("an unknown CA: %v, %d retries", err, len(sl.all()))
	}
	pool, err := infinity.LoadCAFile(s.CA.File(t))
	if err != nil {
		t.Fatal(err)
	}
	c, err = infinity.New(infinity.Config{BaseURL: s.URL, Username: "vmr-sync", Password: secrets.New(password), RootCAs: pool})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Check(context.Background()); err != nil {
		t.Fatalf("with the CA file: %v", err)
	}
	if _, err := infinity.LoadCAFile(t.TempDir() + "/missing.pem"); err == nil {
		t.Fatal("a missing CA file was accepted")
	}
}
