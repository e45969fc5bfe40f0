package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
)

// bearerTransport sends an OAuth 2.0 access token (RFC 6750) with every
// request. APP_PERM gets it with the client credentials grant (RFC 6749
// 4.4), OAUTH from the service account's refresh token (RFC 6749 6). One
// token source serves all requests, so a token is fetched again only when
// it is about to expire.
type bearerTransport struct {
	method string
	source oauth2.TokenSource
	base   http.RoundTripper
	secret []secrets.Secret // scrubbed from server texts
}

func newBearerTransport(s Settings) *bearerTransport {
	base := baseTransport(s, true)
	// The token endpoint gets the same roots, proxy and timeout as EWS.
	tokenClient := &http.Client{Transport: baseTransport(s, true), Timeout: s.Timeout, CheckRedirect: refuseRedirect(s.Method)}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, tokenClient)
	t := &bearerTransport{method: s.Method, base: base, secret: []secrets.Secret{s.ClientSecret, s.RefreshToken}}
	scopes := s.Scopes
	if s.Method == integration.AuthAppPerm {
		if len(scopes) == 0 {
			scopes = []string{DefaultAppPermScope}
		}
		cc := &clientcredentials.Config{ClientID: s.ClientID, ClientSecret: s.ClientSecret.Reveal(), TokenURL: s.TokenEndpoint, Scopes: scopes}
		t.source = cc.TokenSource(ctx)
		return t
	}
	if len(scopes) == 0 {
		scopes = strings.Fields(DefaultOAuthScope)
	}
	cfg := &oauth2.Config{ClientID: s.ClientID, ClientSecret: s.ClientSecret.Reveal(), Scopes: scopes,
		Endpoint: oauth2.Endpoint{AuthURL: s.AuthEndpoint, TokenURL: s.TokenEndpoint}}
	t.source = &rotationSaver{source: cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: s.RefreshToken.Reveal()}),
		last: s.RefreshToken.Reveal(), save: s.OnRefreshToken}
	return t
}

func (t *bearerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := requireHTTPS(req, t.method); err != nil {
		return nil, err
	}
	tok, err := t.source.Token()
	if err != nil {
		return nil, t.tokenError(err)
	}
	r := req.Clone(req.Context())
	tok.SetAuthHeader(r)
	res, err := t.base.RoundTrip(r)
	if err != nil || res.StatusCode != http.StatusUnauthorized {
		return res, err
	}
	discard(res)
	e := &Error{Method: t.method, Status: res.StatusCode, Problem: "Exchange refused the access token (HTTP 401)"}
	if t.method == integration.AuthAppPerm {
		e.Advice = "grant the app registration the application permission full_access_as_app of Office 365 Exchange Online, with admin consent, and check that the token endpoint is the one of the mailbox's tenant"
	} else {
		e.Advice = "grant the app registration the delegated permission EWS.AccessAsUser.All with consent, and sign in again with the service account"
	}
	// Exchange Online says why in x-ms-diagnostics.
	if d := res.Header.Get("X-Ms-Diagnostics"); d != "" {
		e.Advice += " (server said: " + scrub(d, t.secret...) + ")"
	}
	return nil, e
}

// tokenError turns a token endpoint failure into advice.
func (t *bearerTransport) tokenError(err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return &Error{Method: t.method, Err: err,
			Problem: "the OAuth token endpoint could not be reached (" + scrub(err.Error(), t.secret...) + ")",
			Advice:  "check the token endpoint URL, DNS, and that HTTPS (443) to it is allowed through firewalls and proxies"}
	}
	out := &Error{Method: t.method, Err: err}
	if re.Response != nil {
		out.Status = re.Response.StatusCode
	}
	said := re.ErrorCode
	if re.ErrorDescription != "" {
		// Entra ID's descriptions carry the AADSTS code that says why.
		said += ": " + firstLine(scrub(re.ErrorDescription, t.secret...))
	}
	if said == "" {
		said = fmt.Sprintf("HTTP %d", out.Status)
	}
	out.Problem = "the OAuth token endpoint refused to issue a token (" + said + ")"
	switch re.ErrorCode {
	case "invalid_client":
		out.Advice = "the client ID is wrong, or the client secret is wrong or expired: create a new secret in Entra ID (App registrations > Certificates & secrets) and save it in the integration"
	case "invalid_grant":
		if t.method == integration.AuthOAuth {
			out.Advice = "the refresh token expired or was revoked (password change, sign-out, inactivity): sign in again with the service account to get a new one"
		} else {
			out.Advice = "check the client ID and that the token endpoint is the one of the app's tenant"
		}
	case "unauthorized_client":
		out.Advice = "the app registration may not use this grant: allow it (client credentials for app permissions, refresh tokens for OAuth) in Entra ID"
	case "invalid_scope":
		out.Advice = "ask for the scope Exchange expects: " + DefaultAppPermScope + " for app permissions, " + DefaultOAuthScope + " for OAuth"
	case "invalid_request":
		out.Advice = "check the token endpoint URL (https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token) and the client ID"
	default:
		out.Advice = "check the token endpoint URL, the client ID and the client secret of the integration"
	}
	return out
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(s)
}

// rotationSaver hands a refresh token the endpoint rotated to save; the
// old one may already be revoked. A failed save fails the request, and the
// next request tries again (the new token stays cached meanwhile).
type rotationSaver struct {
	source oauth2.TokenSource
	save   func(string) error

	mu   sync.Mutex
	last string
}

func (r *rotationSaver) Token() (*oauth2.Token, error) {
	tok, err := r.source.Token()
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if tok.RefreshToken == "" || tok.RefreshToken == r.last {
		return tok, nil
	}
	if r.save != nil {
		if err := r.save(tok.RefreshToken); err != nil {
			return nil, &Error{Method: integration.AuthOAuth, Err: err,
				Problem: "the token endpoint issued a new refresh token that could not be saved (" + scrub(err.Error(), secrets.New(tok.RefreshToken)) + ")",
				Advice:  "unlock the keychain: until the new refresh token is saved, a restart would have to sign in again"}
		}
	}
	r.last = tok.RefreshToken
	return tok, nil
}
