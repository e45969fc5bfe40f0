package addinhost_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"vmr-companion/backend/addinhost"
	"vmr-companion/backend/conference"
	"vmr-companion/backend/oauth"
	"vmr-companion/backend/oauth/oauthtest"
)

// typeSignInRequired is the 401 the pane answers with its sign-in button.
const typeSignInRequired = "https://vmr-companion.invalid/problems/sign-in-required"

// The personal VMR sign-in end to end: the host's dialog pages against the
// real OpenID provider of backend/oauth/oauthtest (zitadel's example OP),
// whose login form is filled in as the user's browser would.

// testClock is the host's clock: it stands still from the test's start and
// moves only when a test advances it (never slept on), so neither expiry
// nor the rate limit's refill depends on how fast the machine is.
type testClock struct {
	start  time.Time
	offset atomic.Int64
}

func (c *testClock) now() time.Time          { return c.start.Add(time.Duration(c.offset.Load())) }
func (c *testClock) advance(d time.Duration) { c.offset.Add(int64(d)) }

// noFollow is the host's client stopping at redirects, as the test plays
// the browser step by step.
func (h *host) noFollow() *http.Client {
	c := *h.client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// visit GETs a URL of the host without following its redirect.
func (h *host) visit(t *testing.T, rawURL string) (*http.Response, string) {
	t.Helper()
	res, err := h.noFollow().Get(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := res.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return res, b.String()
}

type signInEnv struct {
	op        *oauthtest.OP
	e         *env
	h         *host
	clock     *testClock
	in, other string // two integrations with a sign-in
	path      string // in's personal VMRs
}

func newSignInEnv(t *testing.T) *signInEnv {
	t.Helper()
	op := oauthtest.Start(t)
	d, err := oauth.Discover(context.Background(), op.HTTPClient(), op.Issuer)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	signIn := map[string]any{
		"auth_provider":                     "AZURE",
		"personal_vmr_oauth_client_id":      oauthtest.WebClientID,
		"personal_vmr_oauth_client_secret":  op.WebClientSecret,
		"personal_vmr_oauth_auth_endpoint":  d.AuthURL,
		"personal_vmr_oauth_token_endpoint": d.TokenURL,
		"addin_oidc_metadata_url":           op.MetadataURL(), // its keys verify the ID token
	}
	in := e.addIntegration(t, "Contoso", signIn)
	other := e.addIntegration(t, "Fabrikam", signIn)
	e.addConference(t, &conference.Conference{Name: "Alex's room", PrimaryOwnerEmailAddress: oauthtest.Email,
		Aliases: []conference.Alias{{Alias: "meet.alex@vc.example.com"}}})
	e.addConference(t, &conference.Conference{Name: "Bob's room", PrimaryOwnerEmailAddress: "bob@example.com",
		Aliases: []conference.Alias{{Alias: "meet.bob@vc.example.com"}}})
	clock := &testClock{start: time.Now()}
	cfg := e.config()
	cfg.Auth = addinhost.AuthOIDC // a host others reach: it trusts no X-VMR-User
	cfg.HTTPClient = op.HTTPClient()
	cfg.Now = clock.now
	h := startHost(t, e, cfg)
	op.AllowRedirect(h.url + "/signin/callback")
	return &signInEnv{op: op, e: e, h: h, clock: clock, in: in.UUID, other: other.UUID,
		path: "/api/v1/integrations/" + in.UUID + "/personal-vmrs"}
}

// start opens the dialog's first page and returns where it sends the
// browser: the identity provider's authorization URL.
func (s *signInEnv) start(t *testing.T, uuid string) string {
	t.Helper()
	res, body := s.h.visit(t, s.h.url+"/signin/"+uuid+"/start")
	if res.StatusCode != http.StatusFound {
		t.Fatalf("start: HTTP %d %s", res.StatusCode, body)
	}
	return res.Header.Get("Location")
}

// login signs in at the provider and returns the callback URL it sends
// the browser back to (not yet visited).
func (s *signInEnv) login(t *testing.T, authURL string) string {
	t.Helper()
	back, err := s.op.SignIn(authURL, s.h.url+"/signin/callback")
	if err != nil {
		t.Fatal(err)
	}
	return back.String()
}

// done visits the callback and returns the fragment of the page it sends
// the dialog to.
func (s *signInEnv) done(t *testing.T, callbackURL string) url.Values {
	t.Helper()
	res, body := s.h.visit(t, callbackURL)
	loc := res.Header.Get("Location")
	page, fragment, _ := strings.Cut(loc, "#")
	if res.StatusCode != http.StatusFound || page != "/addin/signin-done.html" {
		t.Fatalf("callback: HTTP %d, Location %q, %s", res.StatusCode, loc, body)
	}
	v, err := url.ParseQuery(fragment)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// failed visits a dialog page and returns the message it ended with (the
// done page's #error), failing the test if it ended otherwise.
func failed(t *testing.T, h *host, rawURL string) string {
	t.Helper()
	res, body := h.visit(t, rawURL)
	loc := res.Header.Get("Location")
	page, fragment, _ := strings.Cut(loc, "#")
	v, err := url.ParseQuery(fragment)
	if res.StatusCode != http.StatusFound || page != "/addin/signin-done.html" || err != nil || v.Get("session") != "" || v.Get("error") == "" {
		t.Fatalf("HTTP %d, Location %q, %s", res.StatusCode, loc, body)
	}
	return v.Get("error")
}

// signIn runs the whole dialog and returns the session token.
func (s *signInEnv) signIn(t *testing.T, uuid string) string {
	t.Helper()
	v := s.done(t, s.login(t, s.start(t, uuid)))
	if v.Get("session") == "" || v.Get("email") != oauthtest.Email {
		t.Fatalf("done page fragment %v", v)
	}
	return v.Get("session")
}

func session(token string) map[string]string { return map[string]string{"X-VMR-Session": token} }

func TestPersonalVMRSignIn(t *testing.T) {
	s := newSignInEnv(t)
	h := s.h

	t.Run("the dialog goes to the provider with PKCE, a state, a nonce and the host's callback", func(t *testing.T) {
		u, err := url.Parse(s.start(t, s.in))
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		if !strings.HasPrefix(u.String(), s.op.Issuer) || q.Get("client_id") != oauthtest.WebClientID || q.Get("redirect_uri") != h.url+"/signin/callback" ||
			q.Get("code_challenge_method") != "S256" || len(q.Get("state")) < 43 || q.Get("nonce") == "" {
			t.Fatalf("authorization URL %s", u)
		}
	})

	var token string
	t.Run("signing in gives the pane a session that lists only the user's own rooms", func(t *testing.T) {
		token = s.signIn(t, s.in)
		r := h.get(t, s.path, with(session(token), "X-VMR-User", "bob@example.com"))
		got := decode[addinhost.PersonalVMRs](t, r)
		if got.User != oauthtest.Email || len(got.VMRs) != 1 || got.VMRs[0].Name != "Alex's room" {
			t.Fatalf("answer %+v", got)
		}
	})

	t.Run("without a session the pane is asked to sign in", func(t *testing.T) {
		p := wantProblem(t, h.get(t, s.path, headers("X-VMR-User", oauthtest.Email)), http.StatusUnauthorized, typeSignInRequired)
		if !strings.Contains(p.Detail, "sign in") {
			t.Errorf("detail %q", p.Detail)
		}
	})

	t.Run("a session is not valid for another integration", func(t *testing.T) {
		wantProblem(t, h.get(t, "/api/v1/integrations/"+s.other+"/personal-vmrs", session(token)), http.StatusUnauthorized, typeSignInRequired)
	})

	t.Run("hostile session values are refused without being echoed", func(t *testing.T) {
		for name, v := range map[string]string{
			"unknown":        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
			"too long":       strings.Repeat("A", 20000),
			"non-ASCII":      strings.Repeat("ä", 43),
			"one char short": token[:42],
			"with padding":   token + "=",
			"a path":         "../../../../etc/passwd#AAAAAAAAAAAAAAAAAAAAA",
		} {
			t.Run(name, func(t *testing.T) {
				r := h.get(t, s.path, session(v))
				wantProblem(t, r, http.StatusUnauthorized, typeSignInRequired)
				if len(v) > 3 && strings.Contains(string(r.body), v[:len(v)-1]) {
					t.Errorf("the answer echoes the value: %s", r.body)
				}
			})
		}
	})

	t.Run("a replayed callback is refused and makes no token request", func(t *testing.T) {
		back := s.login(t, s.start(t, s.in))
		s.done(t, back)
		before := s.op.Calls("/oauth/token")
		if msg := failed(t, h, back); !strings.Contains(msg, "already used") {
			t.Fatalf("replay: %q", msg)
		}
		if s.op.Calls("/oauth/token") != before {
			t.Fatal("the replayed code was sent to the token endpoint")
		}
	})

	t.Run("a callback with another state is refused and makes no token request", func(t *testing.T) {
		back, _ := url.Parse(s.login(t, s.start(t, s.in)))
		before := s.op.Calls("/oauth/token")
		for _, state := range []string{"forged", "", strings.Repeat("x", 5000), "<script>alert(1)</script>"} {
			q := back.Query()
			q.Set("state", state)
			forged := *back
			forged.RawQuery = q.Encode()
			if msg := failed(t, h, forged.String()); strings.Contains(msg, "<script>") || !strings.Contains(msg, "unknown") {
				t.Fatalf("state %.20q: %q", state, msg)
			}
		}
		if s.op.Calls("/oauth/token") != before {
			t.Fatal("a code was sent to the token endpoint")
		}
		// The real answer still works: forged ones did not end the sign-in.
		if v := s.done(t, back.String()); v.Get("session") == "" {
			t.Fatalf("fragment %v", v)
		}
	})

	t.Run("a sign-in finished after 10 minutes is refused", func(t *testing.T) {
		authURL := s.start(t, s.in)
		s.clock.advance(11 * time.Minute)
		if msg := failed(t, h, s.login(t, authURL)); !strings.Contains(msg, "took too long") {
			t.Fatalf("%q", msg)
		}
	})

	t.Run("a refused consent reaches the pane as an error", func(t *testing.T) {
		u, _ := url.Parse(s.start(t, s.in))
		msg := failed(t, h, h.url+"/signin/callback?"+url.Values{"state": {u.Query().Get("state")}, "error": {"access_denied"}}.Encode())
		if !strings.Contains(msg, "refused") {
			t.Fatalf("%q", msg)
		}
	})

	t.Run("signing out ends the session; signing out again is no error", func(t *testing.T) {
		tok := s.signIn(t, s.in)
		wantStatus(t, h.get(t, s.path, session(tok)), http.StatusOK)
		del := "/api/v1/integrations/" + s.in + "/session"
		// Another integration's sign-out does not end it.
		wantStatus(t, h.do(t, http.MethodDelete, "/api/v1/integrations/"+s.other+"/session", nil, session(tok)), http.StatusNoContent)
		wantStatus(t, h.get(t, s.path, session(tok)), http.StatusOK)
		wantStatus(t, h.do(t, http.MethodDelete, del, nil, session(tok)), http.StatusNoContent)
		p := wantProblem(t, h.get(t, s.path, session(tok)), http.StatusUnauthorized, typeSignInRequired)
		if !strings.Contains(p.Detail, "sign in again") {
			t.Errorf("detail %q", p.Detail)
		}
		wantStatus(t, h.do(t, http.MethodDelete, del, nil, session(tok)), http.StatusNoContent)
		wantStatus(t, h.do(t, http.MethodDelete, del, nil, session(strings.Repeat("ä", 5000))), http.StatusNoContent)
		wantProblem(t, h.get(t, del, session(tok)), http.StatusMethodNotAllowed, typeMethod)
	})

	t.Run("a session ends after 8 hours", func(t *testing.T) {
		tok := s.signIn(t, s.in)
		s.clock.advance(7 * time.Hour)
		wantStatus(t, h.get(t, s.path, session(tok)), http.StatusOK)
		s.clock.advance(time.Hour)
		wantProblem(t, h.get(t, s.path, session(tok)), http.StatusUnauthorized, typeSignInRequired)
	})

	t.Run("the session is the host's: no token of the provider reaches the pane", func(t *testing.T) {
		v := s.done(t, s.login(t, s.start(t, s.in)))
		for k := range v {
			if k != "session" && k != "email" {
				t.Errorf("the fragment carries %q", k)
			}
		}
		if len(v.Get("session")) != 43 {
			t.Errorf("session token of %d characters", len(v.Get("session")))
		}
	})
}

func TestPersonalVMRSignInOnADevelopmentHost(t *testing.T) {
	e := newEnv(t)
	in := e.addIntegration(t, "Contoso", nil)
	off := e.addIntegration(t, "Fabrikam", map[string]any{"enable_personal_vmrs": false})
	e.addConference(t, &conference.Conference{Name: "Alice's room", PrimaryOwnerEmailAddress: "alice@example.com",
		Aliases: []conference.Alias{{Alias: "meet.alice@vc.example.com"}}})
	h := startHost(t, e, e.config())
	path := "/api/v1/integrations/" + in.UUID + "/personal-vmrs"

	t.Run("without a session the pane's X-VMR-User is taken, as for reservations", func(t *testing.T) {
		got := decode[addinhost.PersonalVMRs](t, h.get(t, path, headers("X-VMR-User", "alice@example.com")))
		if got.User != "alice@example.com" || len(got.VMRs) != 1 {
			t.Fatalf("answer %+v", got)
		}
	})
	t.Run("a session the pane sends is checked", func(t *testing.T) {
		wantProblem(t, h.get(t, path, with(session(strings.Repeat("A", 43)), "X-VMR-User", "alice@example.com")),
			http.StatusUnauthorized, typeSignInRequired)
	})
	t.Run("the dialog of an integration without personal rooms ends with the reason", func(t *testing.T) {
		if msg := failed(t, h, h.url+"/signin/"+off.UUID+"/start"); !strings.Contains(msg, "does not offer personal rooms") {
			t.Errorf("%q", msg)
		}
		if res, _ := h.visit(t, h.url+"/signin/not-a-uuid/start"); res.StatusCode != http.StatusNotFound {
			t.Errorf("an unknown integration: HTTP %d", res.StatusCode)
		}
	})
	t.Run("the dialog goes to the configured provider even when its metadata cannot be read", func(t *testing.T) {
		// The endpoints are the admin's; the browser, not the host, reaches them.
		res, _ := h.visit(t, h.url+"/signin/"+in.UUID+"/start")
		if loc := res.Header.Get("Location"); res.StatusCode != http.StatusFound || !strings.HasPrefix(loc, "https://login.example.com/authorize?") {
			t.Errorf("HTTP %d, Location %q", res.StatusCode, loc)
		}
	})
}

func TestSignInStartIsRateLimitedPerAddress(t *testing.T) {
	s := newSignInEnv(t)
	for range 60 {
		s.start(t, s.in)
	}
	if msg := failed(t, s.h, s.h.url+"/signin/"+s.in+"/start"); !strings.Contains(msg, "Too many sign-ins") {
		t.Errorf("the 61st start in a minute ended with %q", msg)
	}
	s.clock.advance(time.Minute)
	s.start(t, s.in)
}

// Beyond loopback the provider sends the dialog back to the add-in server
// the admin registered, whatever Host the request named.
func TestSignInRedirectIsTheAddinServerBeyondLoopback(t *testing.T) {
	s := newSignInEnv(t)
	cfg := s.e.config()
	cfg.Listen = "192.0.2.10:443" // never started: the handler is called directly
	cfg.Auth = addinhost.AuthIntegration
	cfg.HTTPClient = s.op.HTTPClient()
	handler := newServer(t, cfg).Handler()
	r := httptest.NewRequestWithContext(context.Background(), http.MethodGet, "https://attacker.example/signin/"+s.in+"/start", nil)
	w := httptest.NewRecorder()
	handler.ServeHTTP(w, r)
	loc, err := url.Parse(w.Header().Get("Location"))
	if w.Code != http.StatusFound || err != nil {
		t.Fatalf("HTTP %d, Location %q", w.Code, w.Header().Get("Location"))
	}
	if got := loc.Query().Get("redirect_uri"); got != "https://addins.example.com/signin/callback" {
		t.Errorf("redirect_uri %q, want the add-in server's", got)
	}
}
