package addinhost

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/integration"
	"vmr-companion/backend/oauth"
)

func TestSignInMapsAreBounded(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	p := &oauth.Provider{Kind: oauth.KindOIDC, ClientID: "c", AuthURL: "https://idp.example/authorize", TokenURL: "https://idp.example/token"}
	start := func(t *testing.T) *oauth.Pending {
		_, pd, err := p.Start("https://host.example/signin/callback")
		if err != nil {
			t.Fatal(err)
		}
		return pd
	}

	t.Run("a full map of pending sign-ins drops the expired, then the one that expires first", func(t *testing.T) {
		var s signIns
		first := start(t)
		s.addPending(&pendingSignIn{pending: first, expires: now.Add(time.Minute)}, now)
		expired := start(t)
		s.addPending(&pendingSignIn{pending: expired, expires: now.Add(-time.Second)}, now)
		for i := len(s.pending); i < maxPendingSignIns; i++ {
			s.pending[fmt.Sprint("filler-", i)] = &pendingSignIn{expires: now.Add(time.Hour)}
		}
		last := start(t)
		s.addPending(&pendingSignIn{pending: last, expires: now.Add(time.Hour)}, now)
		if len(s.pending) != maxPendingSignIns {
			t.Fatalf("%d pending sign-ins, want %d", len(s.pending), maxPendingSignIns)
		}
		if _, ok := s.pending[expired.State()]; ok {
			t.Error("the expired sign-in was kept")
		}
		if _, ok := s.pending[last.State()]; !ok {
			t.Error("the new sign-in was not kept")
		}
		s.addPending(&pendingSignIn{pending: start(t), expires: now.Add(time.Hour)}, now)
		if _, ok := s.pending[first.State()]; ok || len(s.pending) != maxPendingSignIns {
			t.Errorf("the sign-in expiring first was kept (%t), %d pending", ok, len(s.pending))
		}
	})
	t.Run("a full map of sessions drops the one that expires first", func(t *testing.T) {
		var s signIns
		soonest := s.newSession(&signInSession{integration: "i", expires: now.Add(time.Minute)}, now)
		for i := 1; i < maxSignInSessions; i++ {
			s.newSession(&signInSession{integration: "i", expires: now.Add(time.Hour)}, now)
		}
		latest := s.newSession(&signInSession{integration: "i", expires: now.Add(time.Hour)}, now)
		if len(s.sessions) != maxSignInSessions {
			t.Fatalf("%d sessions", len(s.sessions))
		}
		if _, ok := s.session(soonest, "i", now); ok {
			t.Error("the session expiring first was kept")
		}
		if _, ok := s.session(latest, "i", now); !ok {
			t.Error("the new session was not kept")
		}
	})
}

// FuzzSignInCallback sends the callback whatever query a browser may
// carry: with no sign-in pending, every answer is the same redirect to the
// done page with the same message.
func FuzzSignInCallback(f *testing.F) {
	for _, q := range []string{"", "state=x&code=y", "state=" + strings.Repeat("a", 43), "error=access_denied&state=%00",
		"state=<script>&error_description=<b>", "state=%ff%fe&code=%", strings.Repeat("state=a&", 500)} {
		f.Add(q)
	}
	s, err := New(Config{Listen: "127.0.0.1:0", AllowSharedHost: true})
	if err != nil {
		f.Fatal(err)
	}
	h := s.Handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/signin/callback", nil))
	refused := rec.Header().Get("Location")
	f.Fuzz(func(t *testing.T, raw string) {
		r := httptest.NewRequest(http.MethodGet, "/signin/callback", nil)
		r.URL.RawQuery = raw
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		// Nothing of the query reaches the answer.
		if loc := w.Header().Get("Location"); w.Code != http.StatusFound || loc != refused || !strings.HasPrefix(loc, signInDonePage+"#error=") {
			t.Fatalf("HTTP %d, Location %q", w.Code, loc)
		}
	})
}

// FuzzSessionToken looks up whatever an X-VMR-Session header carries:
// only a well-formed token of a live session of the integration is one.
func FuzzSessionToken(f *testing.F) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	var s signIns
	token := s.newSession(&signInSession{integration: "i", expires: now.Add(time.Hour)}, now)
	for _, v := range []string{"", token, token[:42], token + "A", strings.Repeat("ä", 43), "\x00", strings.Repeat("A", 43)} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		sess, ok := s.session(v, "i", now)
		if ok != (v == token) || ok && sess.integration != "i" {
			t.Fatalf("%q: found %t", v, ok)
		}
		if _, ok := s.session(v, "another", now); ok {
			t.Fatalf("%q: a session of another integration", v)
		}
		s.endSession(v, "another") // never ends a session of "i"
	})
}

// A session made under other sign-in settings (the admin moved the
// integration to another identity provider) no longer counts.
func TestSessionEndsWhenTheSignInSettingsChange(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	s := &Server{cfg: Config{Now: func() time.Time { return now }}}
	client := "client-1"
	in := &integration.Integration{UUID: "u1", AuthProvider: "AZURE", PersonalVMROAuthClientID: &client,
		PersonalVMROAuthTokenEndpoint: "https://login.example/token"}
	token := s.signIns.newSession(&signInSession{integration: in.UUID, email: "alex@example.com", key: "oauth:alex",
		settings: signInFingerprint(in), expires: now.Add(time.Hour)}, now)
	request := func() *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set(sessionHeader, token)
		return r
	}
	if sess, p := s.signedIn(request(), in); p != nil || sess.email != "alex@example.com" {
		t.Fatalf("under the same settings: %+v %+v", sess, p)
	}
	moved := *in
	moved.PersonalVMROAuthTokenEndpoint = "https://other-idp.example/token"
	if _, p := s.signedIn(request(), &moved); p == nil || p.Type != typeSignInRequired {
		t.Fatalf("under other settings: %+v", p)
	}
	if _, p := s.signedIn(request(), in); p == nil {
		t.Fatal("the session outlived the change")
	}
}
