package oauth

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"vmr-companion/backend/oauth/oauthtest"
)

// TestWebSignIn runs the flow a server drives (Start, then Finish with the
// answer at its redirect URI) against the real OP.
func TestWebSignIn(t *testing.T) {
	op := oauthtest.Start(t)
	p := discover(t, op)
	ctx := context.Background()
	const redirectURI = "http://127.0.0.1:49152/callback" // the test takes the answer itself

	answer := func(t *testing.T) (*Pending, url.Values) {
		t.Helper()
		authURL, pending, err := p.Start(redirectURI)
		if err != nil {
			t.Fatal(err)
		}
		q := mustQuery(t, authURL)
		if q.Get("state") != pending.State() || q.Get("code_challenge_method") != "S256" || q.Get("nonce") == "" || q.Get("redirect_uri") != redirectURI {
			t.Fatalf("authorization request %v", q)
		}
		back, err := op.AuthorizationCode(authURL)
		if err != nil {
			t.Fatal(err)
		}
		return pending, back
	}

	t.Run("the answer of a started sign-in gives a session with the verified address", func(t *testing.T) {
		pending, back := answer(t)
		s, err := p.Finish(ctx, pending, back)
		if err != nil {
			t.Fatal(err)
		}
		if s.Identity.VerifiedEmail != oauthtest.Email || s.Identity.Subject == "" {
			t.Fatalf("identity %+v", s.Identity)
		}
		if _, err := p.Finish(ctx, pending, back); err == nil {
			t.Fatal("the same code was accepted twice")
		}
	})
	t.Run("an answer with another state is refused before any token request", func(t *testing.T) {
		pending, back := answer(t)
		before := op.Calls("/oauth/token")
		forged := url.Values{"code": {back.Get("code")}, "state": {"another"}}
		if _, err := p.Finish(ctx, pending, forged); !errors.Is(err, ErrStateMismatch) {
			t.Fatalf("got %v", err)
		}
		if _, err := p.Finish(ctx, nil, back); !errors.Is(err, ErrStateMismatch) {
			t.Fatalf("no pending sign-in: got %v", err)
		}
		if op.Calls("/oauth/token") != before {
			t.Fatal("a token request was made")
		}
	})
	t.Run("a refusal and a provider's error are told apart, the error's text bounded", func(t *testing.T) {
		_, pending, err := p.Start(redirectURI)
		if err != nil {
			t.Fatal(err)
		}
		q := url.Values{"state": {pending.State()}, "error": {"access_denied"}}
		if _, err := p.Finish(ctx, pending, q); !errors.Is(err, ErrConsentRefused) {
			t.Fatalf("got %v", err)
		}
		q = url.Values{"state": {pending.State()}, "error": {"server_error"}, "error_description": {strings.Repeat("é", 1000) + "\nsecond line"}}
		_, err = p.Finish(ctx, pending, q)
		if err == nil || len(err.Error()) > 600 || strings.Contains(err.Error(), "second line") || !strings.Contains(err.Error(), "server_error") {
			t.Fatalf("got %v", err)
		}
		q = url.Values{"state": {pending.State()}}
		if _, err := p.Finish(ctx, pending, q); err == nil || !strings.Contains(err.Error(), "without an authorization code") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("a provider without an authorization endpoint cannot start", func(t *testing.T) {
		none := *p
		none.AuthURL = ""
		if _, _, err := none.Start(redirectURI); err == nil || !strings.Contains(err.Error(), "authorization endpoint") {
			t.Fatalf("got %v", err)
		}
	})
}

func TestVerifiedEmail(t *testing.T) {
	tests := []struct {
		name   string
		kind   string
		claims idClaims
		want   string
	}{
		{"email with email_verified", KindOIDC, idClaims{Email: "A@Contoso.com", EmailVerified: true}, "a@contoso.com"},
		{"email without email_verified", KindOIDC, idClaims{Email: "a@contoso.com"}, ""},
		{"preferred_username proves nothing", KindAzure, idClaims{PreferredUsername: "a@contoso.com"}, ""},
		{"Entra ID: a member's upn", KindAzure, idClaims{UPN: "b@contoso.com"}, "b@contoso.com"},
		{"Entra ID: a guest's upn is not the guest's address", KindAzure, idClaims{UPN: "g_outside.com#EXT#@contoso.com"}, ""},
		{"Entra ID: email of a domain the tenant owns", KindAzure, idClaims{Email: "c@contoso.com", EmailDOV: true}, "c@contoso.com"},
		{"an upn outside Entra ID and AD FS proves nothing", KindOIDC, idClaims{UPN: "b@contoso.com"}, ""},
		{"AD FS: the directory's upn", KindADFS, idClaims{UPN: "d@contoso.com"}, "d@contoso.com"},
		{"AD FS: a down-level logon name is no address", KindADFS, idClaims{UniqueName: `CONTOSO\e`, UPN: "CONTOSO\\e"}, ""},
		{"a display name with the address is no address", KindOIDC, idClaims{Email: "Eve <e@contoso.com>", EmailVerified: true}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.claims.verifiedEmail(tt.kind); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}
