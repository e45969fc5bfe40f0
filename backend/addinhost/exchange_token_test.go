package addinhost_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"vmr-companion/backend/addinhost"
	"vmr-companion/backend/exidtoken/exidtokentest"
)

// The host with the real validator against a fake Exchange that signs
// tokens and publishes its key, as Exchange Server does.
func TestExchangeIdentityTokenEndToEnd(t *testing.T) {
	e := newEnv(t)
	exchange := exidtokentest.Start(t)
	down := exidtokentest.Start(t) // a second Exchange server, stopped below
	in := e.addIntegration(t, "Contoso", map[string]any{
		"domains": []string{exchange.URL, down.URL}, "ews_ca_file": exchange.CAFile(t)})
	cfg := e.config()
	cfg.Auth = addinhost.AuthIntegration
	h := startHost(t, e, cfg)
	path := "/api/v1/integrations/" + in.UUID + "/reservations"
	reserve := func(t *testing.T, key, token string) response {
		t.Helper()
		return h.do(t, http.MethodPost, path, mustJSON(t, map[string]string{"item_key": key}),
			with(bearer(token), "X-VMR-User", "alice@example.com"))
	}
	production := "https://addins.example.com/addin/taskpane.html?integration=" + in.UUID

	t.Run("a token for the production task pane reserves", func(t *testing.T) {
		wantStatus(t, reserve(t, "k1", exchange.Token(exidtokentest.Aud(production))), http.StatusCreated)
	})
	t.Run("a token for this development host reserves", func(t *testing.T) {
		wantStatus(t, reserve(t, "k2", exchange.Token(exidtokentest.Aud(h.url+"/addin/taskpane.html"))), http.StatusCreated)
	})
	t.Run("a token for another add-in is refused, naming both addresses", func(t *testing.T) {
		p := wantProblem(t, reserve(t, "k3", exchange.Token(exidtokentest.Aud("https://other.example/addin/taskpane.html"))), http.StatusUnauthorized, typeUnauthorized)
		if !containsAll(p.Detail, "https://other.example/addin/taskpane.html", "https://addins.example.com/addin/taskpane.html") {
			t.Errorf("detail = %q", p.Detail)
		}
	})
	t.Run("a token signed by someone else is refused", func(t *testing.T) {
		forged := exchange.Token(exidtokentest.Aud(production), exidtokentest.SignedBy(exidtokentest.NewKey(t, 2048)))
		wantProblem(t, reserve(t, "k4", forged), http.StatusUnauthorized, typeUnauthorized)
	})
	t.Run("Exchange down is a 503", func(t *testing.T) {
		token := down.Token(exidtokentest.Aud(production))
		down.Close()
		wantProblem(t, reserve(t, "k5", token), http.StatusServiceUnavailable, typeUnavailable)
	})
}

// A host that listens beyond loopback takes only the production task pane
// URL: the development one would come from the Host header a client sets.
func TestExchangeTokenForgedHostBeyondLoopback(t *testing.T) {
	e := newEnv(t)
	exchange := exidtokentest.Start(t)
	in := e.addIntegration(t, "Contoso", map[string]any{
		"domains": []string{exchange.URL}, "ews_ca_file": exchange.CAFile(t)})
	cfg := e.config()
	cfg.Listen = "192.0.2.10:443" // never started: the handler is called directly
	cfg.Auth = addinhost.AuthIntegration
	handler := newServer(t, cfg).Handler()
	send := func(aud, host string) *httptest.ResponseRecorder {
		r := httptest.NewRequestWithContext(context.Background(), http.MethodPost, "https://"+host+"/api/v1/integrations/"+in.UUID+"/reservations",
			strings.NewReader(`{"item_key":"k"}`))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer "+exchange.Token(exidtokentest.Aud(aud)))
		r.Header.Set("X-VMR-User", "alice@example.com")
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, r)
		return w
	}
	if w := send("https://attacker.example/addin/taskpane.html", "attacker.example"); w.Code != http.StatusUnauthorized {
		t.Errorf("a token for the forged Host's task pane: %d %s", w.Code, w.Body)
	}
	if w := send("https://addins.example.com/addin/taskpane.html", "addins.example.com"); w.Code != http.StatusCreated {
		t.Errorf("a token for the production task pane: %d %s", w.Code, w.Body)
	}
}
