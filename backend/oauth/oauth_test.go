package oauth

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
	"golang.org/x/oauth2"

	"vmr-companion/backend/integration"
	"vmr-companion/backend/oauth/oauthtest"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/secrets/secretstest"
)

// The identity provider of these tests is zitadel/oidc's example OP (see
// oauthtest), on TLS with a CA made per test; its login and device pages
// are driven by an HTTP client as a user's browser would drive them.

func discover(t *testing.T, op *oauthtest.OP) *Provider {
	t.Helper()
	p, err := Discover(context.Background(), op.HTTPClient(), op.Issuer)
	if err != nil {
		t.Fatal(err)
	}
	p.ClientID = oauthtest.ClientID
	p.SignInTimeout = 20 * time.Second
	return p
}

// closed reports whether nothing listens any more at a redirect URI.
func closed(t *testing.T, redirectURI string) bool {
	t.Helper()
	u, err := url.Parse(redirectURI)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.DialTimeout("tcp", u.Host, time.Second)
	if err == nil {
		c.Close()
		return false
	}
	return true
}

func TestBrowserSignInAgainstOP(t *testing.T) {
	secretstest.MockInit()
	op := oauthtest.Start(t)
	p := discover(t, op)
	ctx := context.Background()

	open, visits := op.Browser(op.Password)
	var authURL string
	sess, err := p.SignInBrowser(ctx, func(u string) error { authURL = u; return open(u) })
	if err != nil {
		t.Fatal(err)
	}
	visit := <-visits
	q := mustQuery(t, authURL)
	redirectURI := q.Get("redirect_uri")

	t.Run("the authorization request carries PKCE S256, a state, a nonce and a loopback redirect", func(t *testing.T) {
		if q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) < 43 || len(q.Get("state")) < 32 || q.Get("nonce") == "" {
			t.Fatalf("authorization request %v", q)
		}
		if !strings.HasPrefix(redirectURI, "http://127.0.0.1:") || !strings.HasSuffix(redirectURI, "/callback") {
			t.Fatalf("redirect_uri %q", redirectURI)
		}
		if !strings.Contains(q.Get("scope"), "offline_access") {
			t.Fatalf("scope %q does not ask for a refresh token", q.Get("scope"))
		}
	})
	t.Run("the session names the user and holds a refresh token", func(t *testing.T) {
		id := sess.Identity
		if id.Email != oauthtest.Email || id.Name != oauthtest.FirstName+" "+oauthtest.LastName || id.Subject == "" {
			t.Fatalf("identity %+v", id)
		}
		if sess.RefreshToken.IsZero() || sess.AccessToken == "" || sess.IDToken == "" || time.Until(sess.Expiry) < time.Minute {
			t.Fatalf("session without tokens: access %t, refresh %t, id %t, expiry %v", sess.AccessToken != "", !sess.RefreshToken.IsZero(), sess.IDToken != "", sess.Expiry)
		}
	})
	t.Run("the ID token is verified: a changed one, or one for another client, is refused", func(t *testing.T) {
		if _, err := p.verifyIDToken(ctx, sess.IDToken, q.Get("nonce")); err != nil {
			t.Fatalf("the OP's own ID token: %v", err)
		}
		parts := strings.Split(sess.IDToken, ".")
		forged := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"someone-else","aud":"`+oauthtest.ClientID+`"}`)) + "." + parts[2]
		if _, err := p.verifyIDToken(ctx, forged, ""); err == nil || !strings.Contains(err.Error(), "does not verify") {
			t.Fatalf("a changed ID token: %v", err)
		}
		other := *p
		other.ClientID = "another-app"
		if _, err := other.verifyIDToken(ctx, sess.IDToken, ""); err == nil {
			t.Fatal("an ID token for another client was accepted")
		}
		if _, err := p.verifyIDToken(ctx, sess.IDToken, "another-nonce"); err == nil || !strings.Contains(err.Error(), "nonce") {
			t.Fatalf("an ID token of another sign-in: %v", err)
		}
	})
	t.Run("no fmt verb or log line shows the session's tokens", func(t *testing.T) {
		var logged bytes.Buffer
		slog.New(slog.NewTextHandler(&logged, nil)).Info("signed in", "session", sess)
		for _, text := range []string{fmt.Sprint(sess), fmt.Sprintf("%v %+v %#v %s", sess, sess, sess, sess), logged.String()} {
			for _, tok := range []string{sess.AccessToken, sess.RefreshToken.Reveal(), sess.IDToken} {
				if strings.Contains(text, tok) {
					t.Fatalf("a token is in %q", text)
				}
			}
			if !strings.Contains(text, oauthtest.Email) {
				t.Fatalf("the session does not say whose it is: %q", text)
			}
		}
	})
	t.Run("the browser is told it can close the tab", func(t *testing.T) {
		if visit.Err != nil || visit.Status != http.StatusOK || !strings.Contains(visit.Page, "You can close this tab") {
			t.Fatalf("visit %+v", visit)
		}
	})
	t.Run("the loopback listener is closed after the sign-in", func(t *testing.T) {
		if !closed(t, redirectURI) {
			t.Fatal("something still listens at the redirect URI")
		}
	})

	var refreshed *Session
	t.Run("the refresh token gets a new access token for the same user", func(t *testing.T) {
		refreshed, err = p.Refresh(ctx, sess.RefreshToken)
		if err != nil {
			t.Fatal(err)
		}
		if refreshed.AccessToken == "" || refreshed.AccessToken == sess.AccessToken || refreshed.Identity.Subject != sess.Identity.Subject || refreshed.Identity.Email != oauthtest.Email {
			t.Fatalf("refreshed session %+v", refreshed.Identity)
		}
	})
	t.Run("a refresh token the provider rotated out leads back to sign-in, without showing it", func(t *testing.T) {
		_, err := p.Refresh(ctx, sess.RefreshToken)
		if !errors.Is(err, ErrSignInAgain) || !strings.Contains(err.Error(), "sign in again") {
			t.Fatalf("got %v, want ErrSignInAgain", err)
		}
		if strings.Contains(err.Error(), sess.RefreshToken.Reveal()) {
			t.Fatal("the refresh token is in the error")
		}
	})

	t.Run("sessions live in the keychain, refresh when expired, and sign-out revokes and forgets", func(t *testing.T) {
		const owner = "6f1c1d1e-0000-4000-8000-000000000001"
		sessions := &Sessions{Keys: secrets.NewUncheckedKeychain(0)}
		expired := *refreshed
		expired.Expiry = time.Now().Add(-time.Minute)
		if err := sessions.Save(ctx, owner, &expired); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{fieldRefreshToken, fieldAccessToken, fieldSession} {
			if v, err := keyring.Get(secrets.Service, secrets.Account(owner, f)); err != nil || v == "" {
				t.Fatalf("keychain entry %s: %v", f, err)
			}
		}
		before := op.Calls("/oauth/token")
		cur, err := sessions.Current(ctx, p, owner)
		if err != nil {
			t.Fatal(err)
		}
		if op.Calls("/oauth/token") != before+1 || cur.Identity != refreshed.Identity || cur.AccessToken == refreshed.AccessToken {
			t.Fatalf("an expired access token was not refreshed (%d token calls)", op.Calls("/oauth/token")-before)
		}
		stored, _ := keyring.Get(secrets.Service, secrets.Account(owner, fieldRefreshToken))
		if stored != cur.RefreshToken.Reveal() || stored == refreshed.RefreshToken.Reveal() {
			t.Fatal("the rotated refresh token was not saved")
		}
		again, err := sessions.Current(ctx, p, owner)
		if err != nil || again.AccessToken != cur.AccessToken || op.Calls("/oauth/token") != before+1 {
			t.Fatalf("a valid access token was refreshed again (%v)", err)
		}

		revokes := op.Calls("/revoke")
		if err := sessions.SignOut(ctx, p, owner); err != nil {
			t.Fatal(err)
		}
		if op.Calls("/revoke") != revokes+1 {
			t.Fatal("sign-out did not revoke the refresh token at the provider")
		}
		for _, f := range []string{fieldRefreshToken, fieldAccessToken, fieldSession} {
			if _, err := keyring.Get(secrets.Service, secrets.Account(owner, f)); !errors.Is(err, keyring.ErrNotFound) {
				t.Fatalf("keychain entry %s after sign-out: %v", f, err)
			}
		}
		if _, err := sessions.Current(ctx, p, owner); !errors.Is(err, ErrSignedOut) {
			t.Fatalf("after sign-out: %v, want ErrSignedOut", err)
		}
		if _, err := p.Refresh(ctx, cur.RefreshToken); !errors.Is(err, ErrSignInAgain) {
			t.Fatalf("the revoked refresh token: %v, want ErrSignInAgain", err)
		}
		if err := sessions.SignOut(ctx, p, owner); err != nil {
			t.Fatalf("signing out twice: %v", err)
		}
	})
}

func mustQuery(t *testing.T, raw string) url.Values {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

// callback plays a browser that comes back to the loopback listener with
// a query of its own making.
func callback(t *testing.T, query func(auth url.Values) url.Values) (open func(string) error, pages <-chan string, redirect <-chan string) {
	pageCh, redirectCh := make(chan string, 1), make(chan string, 1)
	return func(authURL string) error {
		q := mustQuery(t, authURL)
		redirectCh <- q.Get("redirect_uri")
		go func() {
			res, err := http.Get(q.Get("redirect_uri") + "?" + query(q).Encode())
			if err != nil {
				pageCh <- err.Error()
				return
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			pageCh <- fmt.Sprintf("%d %s", res.StatusCode, b)
		}()
		return nil
	}, pageCh, redirectCh
}

func TestBrowserSignInFailures(t *testing.T) {
	op := oauthtest.Start(t)
	p := discover(t, op)
	ctx := context.Background()

	t.Run("an answer with another state is refused and does not end the sign-in", func(t *testing.T) {
		// Any local process or web page can send the browser to the
		// loopback port first; only an answer with our state may end it.
		secretstest.MockInit()
		real, visits := op.Browser(op.Password)
		var forged string
		var redirectURI string
		open := func(authURL string) error {
			redirectURI = mustQuery(t, authURL).Get("redirect_uri")
			for _, q := range []url.Values{
				{"code": {"forged-code"}, "state": {"forged-state"}},
				{"error": {"access_denied"}, "state": {"forged-state"}},
				{"code": {"forged-code"}},
			} {
				res, err := http.Get(redirectURI + "?" + q.Encode())
				if err != nil {
					return err
				}
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				forged += fmt.Sprintf("%d %s\n", res.StatusCode, b)
			}
			return real(authURL)
		}
		before := op.Calls("/oauth/token")
		sess, err := p.SignInBrowser(ctx, open)
		if err != nil {
			t.Fatalf("the real answer after forged ones: %v (forged pages: %s)", err, forged)
		}
		if v := <-visits; v.Err != nil || v.Status != http.StatusOK {
			t.Fatalf("the real browser visit: %+v", v)
		}
		if sess.Identity.Subject == "" {
			t.Fatalf("session %+v", sess.Identity)
		}
		if strings.Count(forged, "400 ") != 3 || !strings.Contains(forged, "another sign-in") {
			t.Fatalf("forged answers got %q", forged)
		}
		if op.Calls("/oauth/token") != before+1 {
			t.Fatal("a forged code was sent to the token endpoint")
		}
		if !closed(t, redirectURI) {
			t.Fatal("the listener is still open")
		}
	})
	t.Run("a sign-in that only ever gets answers of another sign-in says so when it ends", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		open, pages, redirect := callback(t, func(q url.Values) url.Values {
			return url.Values{"code": {"forged-code"}, "state": {"forged-state"}}
		})
		page := make(chan string, 1)
		go func() { page <- <-pages; cancel() }() // the user gives up after the forged answer
		before := op.Calls("/oauth/token")
		_, err := p.SignInBrowser(cctx, open)
		if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrStateMismatch) {
			t.Fatalf("got %v, want context.Canceled and ErrStateMismatch", err)
		}
		if got := <-page; !strings.HasPrefix(got, "400 ") || !strings.Contains(got, "You can close this tab") {
			t.Fatalf("page %q", got)
		}
		if op.Calls("/oauth/token") != before {
			t.Fatal("the forged code was sent to the token endpoint")
		}
		if !closed(t, <-redirect) {
			t.Fatal("the listener is still open")
		}
	})
	t.Run("refused consent gives ErrConsentRefused with a clear message", func(t *testing.T) {
		open, pages, _ := callback(t, func(q url.Values) url.Values {
			return url.Values{"error": {"access_denied"}, "error_description": {"the user declined"}, "state": {q.Get("state")}}
		})
		_, err := p.SignInBrowser(ctx, open)
		if !errors.Is(err, ErrConsentRefused) || !strings.Contains(err.Error(), "consent not given") {
			t.Fatalf("got %v, want ErrConsentRefused", err)
		}
		if page := <-pages; !strings.Contains(page, "consent not given") {
			t.Fatalf("page %q", page)
		}
	})
	t.Run("the provider's error text is shown escaped on our own page", func(t *testing.T) {
		open, pages, _ := callback(t, func(q url.Values) url.Values {
			return url.Values{"error": {"server_error"}, "error_description": {`<script>alert("x")</script>`}, "state": {q.Get("state")}}
		})
		_, err := p.SignInBrowser(ctx, open)
		if err == nil || !strings.Contains(err.Error(), "server_error") {
			t.Fatalf("got %v", err)
		}
		page := <-pages
		if strings.Contains(page, "<script>") || !strings.Contains(page, "&lt;script&gt;") {
			t.Fatalf("page %q", page)
		}
	})
	t.Run("a sign-in nobody finishes times out and closes the listener", func(t *testing.T) {
		short := *p
		short.SignInTimeout = 300 * time.Millisecond
		var redirectURI string
		_, err := short.SignInBrowser(ctx, func(u string) error { redirectURI = mustQuery(t, u).Get("redirect_uri"); return nil })
		if !errors.Is(err, ErrSignInTimedOut) {
			t.Fatalf("got %v, want ErrSignInTimedOut", err)
		}
		if !closed(t, redirectURI) {
			t.Fatal("the listener is still open")
		}
	})
	t.Run("canceling the context ends the sign-in and closes the listener", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		var redirectURI string
		_, err := p.SignInBrowser(cctx, func(u string) error {
			redirectURI = mustQuery(t, u).Get("redirect_uri")
			time.AfterFunc(100*time.Millisecond, cancel)
			return nil
		})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
		if !closed(t, redirectURI) {
			t.Fatal("the listener is still open")
		}
	})
	t.Run("a browser that cannot be opened gives ErrBrowserUnavailable", func(t *testing.T) {
		var redirectURI string
		_, err := p.SignInBrowser(ctx, func(u string) error {
			redirectURI = mustQuery(t, u).Get("redirect_uri")
			return errors.New("xdg-open: no method available for opening URLs")
		})
		if !errors.Is(err, ErrBrowserUnavailable) || !strings.Contains(err.Error(), "xdg-open") {
			t.Fatalf("got %v", err)
		}
		if !closed(t, redirectURI) {
			t.Fatal("the listener is still open")
		}
	})
}

// TestWrongPKCEVerifier exchanges a real code with a verifier other than
// the one its challenge was made from: the token endpoint must refuse it.
func TestWrongPKCEVerifier(t *testing.T) {
	op := oauthtest.Start(t)
	p := discover(t, op)
	ctx := context.Background()
	const redirectURI = "http://127.0.0.1:49152/callback" // never listened on: the browser stops at the redirect
	verifier := oauth2.GenerateVerifier()
	code := func(t *testing.T) string {
		q, err := op.AuthorizationCode(p.config(redirectURI).AuthCodeURL("state-1", oauth2.S256ChallengeOption(verifier)))
		if err != nil || q.Get("code") == "" {
			t.Fatalf("no code: %v %v", q, err)
		}
		return q.Get("code")
	}

	t.Run("another verifier is refused with advice", func(t *testing.T) {
		_, err := p.exchange(ctx, code(t), oauth2.GenerateVerifier(), redirectURI, "")
		var te *TokenError
		if !errors.As(err, &te) || te.Code != "invalid_grant" || !strings.Contains(te.Advice, "PKCE verifier did not match") || !strings.Contains(err.Error(), "sign in again") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("no verifier at all is refused", func(t *testing.T) {
		_, err := p.exchange(ctx, code(t), "", redirectURI, "")
		var te *TokenError
		if !errors.As(err, &te) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("the right verifier is accepted", func(t *testing.T) {
		s, err := p.exchange(ctx, code(t), verifier, redirectURI, "")
		if err != nil || s.Identity.Email != oauthtest.Email {
			t.Fatalf("got %v", err)
		}
	})
}

func TestDeviceSignInAgainstOP(t *testing.T) {
	op := oauthtest.Start(t)
	p := discover(t, op)
	ctx := context.Background()
	if p.DeviceAuthURL == "" {
		t.Fatal("the OP's discovery names no device authorization endpoint")
	}
	approve := func(allow bool) (func(DeviceCode), <-chan error, *DeviceCode) {
		done := make(chan error, 1)
		var shown DeviceCode
		return func(c DeviceCode) {
			shown = c
			go func() { done <- op.ApproveDevice(c.UserCode, allow) }()
		}, done, &shown
	}

	t.Run("the user approves on another device and is signed in", func(t *testing.T) {
		show, done, shown := approve(true)
		sess, err := p.SignInDevice(ctx, show)
		if err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if shown.UserCode == "" || !strings.HasPrefix(shown.VerificationURI, op.Issuer) || shown.ExpiresAt.Before(time.Now()) {
			t.Fatalf("shown %+v", shown)
		}
		if sess.Identity.Email != oauthtest.Email || sess.RefreshToken.IsZero() {
			t.Fatalf("session %+v", sess.Identity)
		}
	})
	t.Run("the user denies and gets ErrConsentRefused", func(t *testing.T) {
		show, done, _ := approve(false)
		_, err := p.SignInDevice(ctx, show)
		if !errors.Is(err, ErrConsentRefused) {
			t.Fatalf("got %v, want ErrConsentRefused", err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
	t.Run("nobody approves: the sign-in times out", func(t *testing.T) {
		short := *p
		short.SignInTimeout = 1500 * time.Millisecond
		_, err := short.SignInDevice(ctx, func(DeviceCode) {})
		if !errors.Is(err, ErrSignInTimedOut) {
			t.Fatalf("got %v, want ErrSignInTimedOut", err)
		}
	})
	t.Run("a provider without a device endpoint says so", func(t *testing.T) {
		none := *p
		none.DeviceAuthURL = ""
		if _, err := none.SignInDevice(ctx, func(DeviceCode) {}); !errors.Is(err, ErrNoDeviceFlow) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestFromIntegration(t *testing.T) {
	op := oauthtest.Start(t)
	ctx := context.Background()
	ref := discover(t, op)
	clientID := oauthtest.ClientID
	base := func() *integration.Integration {
		return &integration.Integration{Name: "Contoso", UUID: "6f1c1d1e-0000-4000-8000-000000000002", AuthProvider: integration.ProviderAzure,
			PersonalVMROAuthClientID: &clientID, PersonalVMROAuthAuthEndpoint: ref.AuthURL, PersonalVMROAuthTokenEndpoint: ref.TokenURL,
			AddinOIDCMetadataURL: op.MetadataURL()}
	}

	t.Run("the configured endpoints, completed from the provider's metadata", func(t *testing.T) {
		p, err := FromIntegration(ctx, base(), secrets.Secret{}, op.HTTPClient())
		if err != nil {
			t.Fatal(err)
		}
		if p.Kind != KindAzure || p.Issuer != op.Issuer || p.JWKSURL == "" || p.DeviceAuthURL != ref.DeviceAuthURL ||
			p.RevocationURL != ref.RevocationURL || p.UserInfoURL == "" || p.ClientID != clientID {
			t.Fatalf("provider %+v", p)
		}
		if strings.Join(p.Scopes, " ") != "openid profile email offline_access" {
			t.Fatalf("scopes %v", p.Scopes)
		}
	})
	t.Run("without endpoints, discovery gives them all", func(t *testing.T) {
		in := base()
		in.PersonalVMROAuthAuthEndpoint, in.PersonalVMROAuthTokenEndpoint = "", ""
		p, err := FromIntegration(ctx, in, secrets.Secret{}, op.HTTPClient())
		if err != nil || p.AuthURL != ref.AuthURL || p.TokenURL != ref.TokenURL {
			t.Fatalf("provider %+v, %v", p, err)
		}
	})
	t.Run("AD FS sends the relying party trust identifier as resource", func(t *testing.T) {
		in := base()
		in.AuthProvider = integration.ProviderADFS
		in.PersonalVMRADFSRelyingPartyTrustIdentifier = "https://vmr.contoso.com/api"
		p, err := FromIntegration(ctx, in, secrets.Secret{}, op.HTTPClient())
		if err != nil {
			t.Fatal(err)
		}
		q := mustQuery(t, p.config("http://127.0.0.1:1/callback").AuthCodeURL("s", p.extraParams()...))
		if q.Get("resource") != "https://vmr.contoso.com/api" || strings.Contains(q.Get("scope"), "offline_access") {
			t.Fatalf("authorization request %v", q)
		}
	})
	t.Run("metadata of another identity provider is not used", func(t *testing.T) {
		in := base()
		in.PersonalVMROAuthAuthEndpoint = "https://127.0.0.1:1/authorize"
		in.PersonalVMROAuthTokenEndpoint = "https://127.0.0.1:1/token"
		p, err := FromIntegration(ctx, in, secrets.Secret{}, op.HTTPClient())
		if err != nil || p.Issuer != "" || p.JWKSURL != "" || p.TokenURL != in.PersonalVMROAuthTokenEndpoint {
			t.Fatalf("provider %+v, %v", p, err)
		}
	})
	t.Run("a missing client ID is named", func(t *testing.T) {
		in := base()
		in.PersonalVMROAuthClientID = nil
		if _, err := FromIntegration(ctx, in, secrets.Secret{}, op.HTTPClient()); err == nil || !strings.Contains(err.Error(), "client ID") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("neither endpoints nor metadata: says what to set", func(t *testing.T) {
		in := base()
		in.PersonalVMROAuthAuthEndpoint, in.PersonalVMROAuthTokenEndpoint, in.AddinOIDCMetadataURL = "", "", ""
		if _, err := FromIntegration(ctx, in, secrets.Secret{}, op.HTTPClient()); err == nil || !strings.Contains(err.Error(), "set the authorization and token endpoints") {
			t.Fatalf("got %v", err)
		}
	})
}

func TestEndpointsOfEntraAndADFS(t *testing.T) {
	tests := []struct {
		name, kind, authURL, tokenURL, device, metadata string
	}{
		{"Entra ID v2 endpoints of a tenant", KindAzure,
			"https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize",
			"https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
			"https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/devicecode",
			"https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration"},
		{"AD FS endpoints", KindADFS,
			"https://sts.contoso.com/adfs/oauth2/authorize/", "https://sts.contoso.com/adfs/oauth2/token/",
			"https://sts.contoso.com/adfs/oauth2/devicecode", "https://sts.contoso.com/adfs/.well-known/openid-configuration"},
		{"Entra ID v1 endpoints give nothing to derive", KindAzure,
			"https://login.microsoftonline.com/contoso/oauth2/authorize", "https://login.microsoftonline.com/contoso/oauth2/token", "", ""},
		{"another provider's endpoints give nothing to derive", KindOIDC,
			"https://idp.example.com/authorize", "https://idp.example.com/token", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := deviceURLFor(tt.kind, tt.tokenURL); got != tt.device {
				t.Errorf("device endpoint %q, want %q", got, tt.device)
			}
			if got := metadataURLFor(tt.kind, tt.authURL); got != tt.metadata {
				t.Errorf("metadata %q, want %q", got, tt.metadata)
			}
		})
	}
}

func TestIdentityClaims(t *testing.T) {
	tests := []struct {
		name   string
		claims idClaims
		want   Identity
	}{
		{"the email claim", idClaims{Subject: "s", Email: "a@contoso.com", Name: "A"}, Identity{"s", "a@contoso.com", "A", ""}},
		{"Entra ID's preferred_username", idClaims{Subject: "s", PreferredUsername: "b@contoso.com"}, Identity{"s", "b@contoso.com", "", ""}},
		{"AD FS's upn", idClaims{Subject: "s", UPN: "c@contoso.com", GivenName: "C", FamilyName: "D"}, Identity{"s", "c@contoso.com", "C D", ""}},
		{"AD FS's unique_name", idClaims{Subject: "s", UniqueName: "d@contoso.com"}, Identity{"s", "d@contoso.com", "", ""}},
		{"a user name that is no address is skipped", idClaims{Subject: "s", PreferredUsername: `CONTOSO\e`, UPN: "e@contoso.com"}, Identity{"s", "e@contoso.com", "", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.claims.identity(); got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDiscoverRefusesBadAddresses(t *testing.T) {
	op := oauthtest.Start(t)
	ctx := context.Background()
	for _, tt := range []struct{ name, url, want string }{
		{"plain http", "http://127.0.0.1/.well-known/openid-configuration", "not an https URL"},
		{"a document that is not there", op.Issuer + "/nothing/.well-known/openid-configuration", "HTTP 404"},
		{"an issuer that is not the document's", op.Issuer + "/tenant", "HTTP 404"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Discover(ctx, op.HTTPClient(), tt.url); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
		})
	}
	t.Run("a server whose certificate is not trusted", func(t *testing.T) {
		if _, err := Discover(ctx, &http.Client{Timeout: 5 * time.Second}, op.Issuer); err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("got %v", err)
		}
	})
}
