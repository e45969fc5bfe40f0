package oauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"vmr-companion/backend/secrets"
)

// Errors callers branch on. Each says what happened and what to do.
var (
	ErrStateMismatch      = errors.New("oauth: the sign-in answer that reached this app belongs to another sign-in (state mismatch) and was ignored; start the sign-in again")
	ErrConsentRefused     = errors.New("oauth: the sign-in was refused (consent not given); sign in again and accept, or ask your IT team to grant this app's permissions for you")
	ErrSignInAgain        = errors.New("oauth: your sign-in has expired or was revoked; sign in again")
	ErrSignedOut          = errors.New("oauth: you are not signed in; sign in first")
	ErrSignInTimedOut     = errors.New("oauth: the sign-in was not completed in time; start it again and finish it in the browser")
	ErrBrowserUnavailable = errors.New("oauth: no browser could be opened for the sign-in; use the device code sign-in instead")
	ErrNoDeviceFlow       = errors.New("oauth: this identity provider offers no device code sign-in; sign in on a computer with a browser, or set the device authorization endpoint in the identity provider's metadata")
)

// Identity is who signed in, from the ID token or the userinfo endpoint.
type Identity struct {
	Subject string `json:"subject"`
	Email   string `json:"email"`
	Name    string `json:"name"`
	// VerifiedEmail is the address the identity provider vouches for
	// (see verifiedEmail), lower case; empty when it vouches for none.
	// Email may be one the user chose; only this one may grant access.
	VerifiedEmail string `json:"verified_email,omitempty"`
}

// Session is a signed-in user. Only the refresh token and the identity
// outlive the process (Sessions keeps them in the keychain).
type Session struct {
	Identity     Identity
	AccessToken  string
	Expiry       time.Time
	RefreshToken secrets.Secret
	IDToken      string
}

// String shows who the session is for, never its tokens, so that a
// session printed or logged by mistake leaks nothing.
func (s *Session) String() string {
	return fmt.Sprintf("oauth.Session{%s <%s>, subject %s, access token until %s, tokens [redacted]}",
		s.Identity.Name, s.Identity.Email, s.Identity.Subject, s.Expiry.UTC().Format(time.RFC3339))
}

// GoString is String, for %#v.
func (s *Session) GoString() string { return s.String() }

// LogValue is String, for log/slog.
func (s *Session) LogValue() slog.Value { return slog.StringValue(s.String()) }

// TokenError is a refusal of the token endpoint (RFC 6749 5.2) with what
// to do about it.
type TokenError struct {
	Code        string // e.g. invalid_grant
	Description string // the provider's own words, first line
	Advice      string
	Err         error
}

func (e *TokenError) Error() string {
	said := e.Code
	if e.Description != "" {
		said += ": " + e.Description
	}
	return "oauth: the identity provider refused to issue a token (" + said + "); " + e.Advice
}

func (e *TokenError) Unwrap() error { return e.Err }

// tokenError explains an x/oauth2 error of a token request; step says
// what the request was for ("the authorization code", ...).
func (p *Provider) tokenError(err error, step string) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("oauth: %s could not be exchanged in time: %w", step, err)
	}
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return fmt.Errorf("oauth: the token endpoint %s could not be reached for %s (%s); check the network, proxies and that its certificate is trusted", p.TokenURL, step, scrub(err.Error(), p.ClientSecret))
	}
	e := &TokenError{Code: re.ErrorCode, Description: firstLine(scrub(re.ErrorDescription, p.ClientSecret)), Err: err}
	if e.Code == "" && re.Response != nil {
		e.Code = fmt.Sprintf("HTTP %d", re.Response.StatusCode)
	}
	switch re.ErrorCode {
	case "invalid_grant":
		e.Advice = "the code or token of " + step + " is not valid (expired, already used, or the PKCE verifier did not match); sign in again"
	case "invalid_client", "unauthorized_client":
		e.Advice = "the client ID or client secret of the integration's personal VMR sign-in is wrong, or the app registration does not allow this sign-in; check them with your IT team"
	case "invalid_scope":
		e.Advice = "the identity provider does not grant the scopes " + strings.Join(p.Scopes, " ") + "; ask your IT team to allow them for the app"
	case "access_denied":
		e.Advice = "the sign-in was refused; sign in again and accept"
	default:
		e.Advice = "check the integration's token endpoint and client ID, then sign in again"
	}
	return e
}

// exchange trades an authorization code for tokens, proving with the PKCE
// verifier (RFC 7636 4.5) that this app started the sign-in.
func (p *Provider) exchange(ctx context.Context, code, verifier, redirectURI, nonce string) (*Session, error) {
	opts := append([]oauth2.AuthCodeOption{oauth2.VerifierOption(verifier)}, p.extraParams()...)
	tok, err := p.config(redirectURI).Exchange(p.ctx(ctx), code, opts...)
	if err != nil {
		return nil, p.tokenError(err, "the authorization code")
	}
	return p.session(ctx, tok, nonce)
}

// Refresh gets a new access token with a refresh token. A refresh token
// the provider no longer accepts (expired, revoked, rotated out) gives
// ErrSignInAgain.
func (p *Provider) Refresh(ctx context.Context, refresh secrets.Secret) (*Session, error) {
	if refresh.IsZero() {
		return nil, ErrSignedOut
	}
	if err := p.check(); err != nil {
		return nil, err
	}
	src := p.config("").TokenSource(p.ctx(ctx), &oauth2.Token{RefreshToken: refresh.Reveal()})
	tok, err := src.Token()
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.ErrorCode == "invalid_grant" {
			return nil, fmt.Errorf("%w (%s)", ErrSignInAgain, firstLine(scrub(re.ErrorDescription, refresh, p.ClientSecret)))
		}
		return nil, p.tokenError(err, "the refresh token")
	}
	s, err := p.session(ctx, tok, "")
	if err != nil {
		return nil, err
	}
	// RFC 6749 6: a provider that does not rotate keeps the old token valid.
	if s.RefreshToken.IsZero() {
		s.RefreshToken = refresh
	}
	return s, nil
}

// Revoke asks the provider to forget a refresh token (RFC 7009). Entra ID
// and AD FS offer no revocation endpoint: nil.
func (p *Provider) Revoke(ctx context.Context, refresh secrets.Secret) error {
	if p.RevocationURL == "" || refresh.IsZero() {
		return nil
	}
	form := url.Values{"token": {refresh.Reveal()}, "token_type_hint": {"refresh_token"}}
	if p.ClientSecret.IsZero() {
		form.Set("client_id", p.ClientID)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.RevocationURL, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("oauth: revoking the sign-in: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if !p.ClientSecret.IsZero() {
		// RFC 6749 2.3.1: form-encoded before the Basic encoding.
		req.SetBasicAuth(url.QueryEscape(p.ClientID), url.QueryEscape(p.ClientSecret.Reveal()))
	}
	res, err := p.httpClient().Do(req)
	if err != nil {
		return fmt.Errorf("oauth: the revocation endpoint %s could not be reached (%s); the sign-in is forgotten on this computer and expires on its own at the provider", p.RevocationURL, scrub(err.Error(), refresh, p.ClientSecret))
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if res.StatusCode == http.StatusOK {
		return nil
	}
	var oe struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	_ = json.Unmarshal(body, &oe)
	said := fmt.Sprintf("HTTP %d", res.StatusCode)
	if oe.Error != "" {
		said += " " + oe.Error
	}
	if oe.Description != "" {
		said += ": " + firstLine(scrub(oe.Description, refresh, p.ClientSecret))
	}
	return fmt.Errorf("oauth: the identity provider did not revoke the refresh token (%s); it is forgotten on this computer and expires on its own, or ask your IT team to end your sessions", said)
}

// idClaims are the ID token and userinfo claims that name the user. Entra
// ID puts the sign-in name in preferred_username, AD FS in upn and
// unique_name; email is the standard claim (OIDC Core 5.1).
type idClaims struct {
	Subject           string    `json:"sub"`
	Email             string    `json:"email"`
	PreferredUsername string    `json:"preferred_username"`
	UPN               string    `json:"upn"`
	UniqueName        string    `json:"unique_name"`
	Name              string    `json:"name"`
	GivenName         string    `json:"given_name"`
	FamilyName        string    `json:"family_name"`
	TenantID          string    `json:"tid"`
	Nonce             string    `json:"nonce"`
	EmailVerified     claimBool `json:"email_verified"`
	EmailDOV          claimBool `json:"xms_edov"` // Entra ID: the tenant owns the email's domain
}

// claimBool is a boolean claim, true only when it says true: some
// providers send "true" as a string; anything else, or none, is false.
type claimBool bool

func (b *claimBool) UnmarshalJSON(data []byte) error {
	*b = claimBool(string(data) == "true" || string(data) == `"true"`)
	return nil
}

// verifiedEmail is the address a provider of the kind vouches for, the
// way the add-in host's token check reads Entra ID and OpenID tokens:
//   - any provider: email with email_verified true (OIDC Core 5.1);
//   - Entra ID, which sends no email_verified: the upn of a member of the
//     tenant (its admins assign it in domains the tenant verified; a
//     guest's has #EXT#), or email when xms_edov says the tenant owns the
//     domain. preferred_username proves nothing: users may change it;
//   - AD FS: email, upn or unique_name. AD FS issues only what its claim
//     rules take from the organization's Active Directory, whose admins,
//     not users, set those attributes.
func (c idClaims) verifiedEmail(kind string) string {
	var e string
	switch {
	case bool(c.EmailVerified) && isAddress(c.Email):
		e = c.Email
	case kind == KindAzure && bool(c.EmailDOV) && isAddress(c.Email):
		e = c.Email
	case kind == KindAzure && isAddress(c.UPN) && !strings.Contains(strings.ToUpper(c.UPN), "#EXT#"):
		e = c.UPN
	case kind == KindADFS:
		for _, a := range []string{c.Email, c.UPN, c.UniqueName} {
			if isAddress(a) {
				e = a
				break
			}
		}
	}
	return strings.ToLower(e)
}

// isAddress tells whether a claim is one plain mail address.
func isAddress(s string) bool {
	if len(s) > 254 {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == ""
}

func (c idClaims) identity() Identity {
	id := Identity{Subject: c.Subject, Name: c.Name}
	for _, e := range []string{c.Email, c.PreferredUsername, c.UPN, c.UniqueName} {
		if strings.Contains(e, "@") {
			id.Email = e
			break
		}
	}
	if id.Name == "" {
		id.Name = strings.TrimSpace(c.GivenName + " " + c.FamilyName)
	}
	return id
}

// session turns a token response into a Session. The identity comes from
// the ID token, verified against the provider's keys when they are known,
// and from the userinfo endpoint when the ID token does not name an email.
func (p *Provider) session(ctx context.Context, tok *oauth2.Token, nonce string) (*Session, error) {
	s := &Session{AccessToken: tok.AccessToken, Expiry: tok.Expiry, RefreshToken: secrets.New(tok.RefreshToken)}
	if raw, ok := tok.Extra("id_token").(string); ok && raw != "" {
		claims, err := p.verifyIDToken(ctx, raw, nonce)
		if err != nil {
			return nil, err
		}
		s.IDToken = raw
		s.Identity = claims.identity()
		s.Identity.VerifiedEmail = claims.verifiedEmail(p.Kind)
	}
	if s.Identity.Email == "" && p.UserInfoURL != "" && s.AccessToken != "" {
		info, err := p.userInfo(ctx, s.AccessToken)
		if err != nil {
			return nil, err
		}
		// OIDC Core 5.3.2: userinfo must be about the ID token's subject.
		if s.Identity.Subject != "" && info.Subject != s.Identity.Subject {
			return nil, errors.New("oauth: the userinfo endpoint described another user than the ID token; sign in again, and tell your IT team if it persists")
		}
		fromInfo := info.identity()
		if s.Identity.Name == "" {
			s.Identity.Name = fromInfo.Name
		}
		s.Identity.Subject, s.Identity.Email = fromInfo.Subject, fromInfo.Email
		if s.Identity.VerifiedEmail == "" {
			s.Identity.VerifiedEmail = info.verifiedEmail(p.Kind)
		}
	}
	return s, nil
}

// verifyIDToken checks the ID token with go-oidc: signature against the
// provider's JWKS, issuer, audience = client ID, expiry, and the nonce of
// a browser sign-in. Without known keys the token is only decoded: it came
// straight from the token endpoint over verified TLS, which OIDC Core
// 3.1.3.7 (6) accepts in place of the signature check.
func (p *Provider) verifyIDToken(ctx context.Context, raw, nonce string) (*idClaims, error) {
	var c idClaims
	if p.JWKSURL == "" || p.Issuer == "" {
		if err := decodeJWTClaims(raw, &c); err != nil {
			return nil, err
		}
		if c.Nonce != nonce && nonce != "" {
			return nil, errors.New("oauth: the ID token is not for this sign-in (nonce mismatch); sign in again")
		}
		return &c, nil
	}
	// Entra ID's multi-tenant issuer is a template filled with the tenant.
	template := strings.Contains(p.Issuer, "{tenantid}")
	keys := oidc.NewRemoteKeySet(oidc.ClientContext(context.WithoutCancel(ctx), p.httpClient()), p.JWKSURL)
	v := oidc.NewVerifier(p.Issuer, keys, &oidc.Config{ClientID: p.ClientID, SkipIssuerCheck: template})
	t, err := v.Verify(oidc.ClientContext(ctx, p.httpClient()), raw)
	if err != nil {
		return nil, fmt.Errorf("oauth: the ID token from the identity provider does not verify (%v); check the integration's identity provider settings and the computer's clock, then sign in again", err)
	}
	if err := t.Claims(&c); err != nil {
		return nil, fmt.Errorf("oauth: reading the ID token: %w", err)
	}
	if template && t.Issuer != strings.ReplaceAll(p.Issuer, "{tenantid}", c.TenantID) {
		return nil, fmt.Errorf("oauth: the ID token's issuer %s does not match the identity provider %s; check the integration's identity provider settings", t.Issuer, p.Issuer)
	}
	if nonce != "" && t.Nonce != nonce {
		return nil, errors.New("oauth: the ID token is not for this sign-in (nonce mismatch); sign in again")
	}
	return &c, nil
}

func decodeJWTClaims(raw string, v any) error {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return errors.New("oauth: the ID token is not a JWT; check the integration's identity provider settings")
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return fmt.Errorf("oauth: the ID token cannot be decoded (%v); check the integration's identity provider settings", err)
	}
	if err := json.Unmarshal(payload, v); err != nil {
		return fmt.Errorf("oauth: the ID token's claims are not JSON (%v); check the integration's identity provider settings", err)
	}
	return nil
}

// userInfo reads the userinfo endpoint (OIDC Core 5.3) with the access token.
func (p *Provider) userInfo(ctx context.Context, accessToken string) (*idClaims, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.UserInfoURL, nil)
	if err != nil {
		return nil, fmt.Errorf("oauth: reading who signed in: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	req.Header.Set("Accept", "application/json")
	res, err := p.httpClient().Do(req)
	if err != nil {
		return nil, fmt.Errorf("oauth: the userinfo endpoint %s could not be reached (%s); check the network and sign in again", p.UserInfoURL, scrub(err.Error(), secrets.New(accessToken)))
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("oauth: reading the userinfo answer: %w", err)
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("oauth: the userinfo endpoint answered HTTP %d; sign in again, or ask your IT team to allow the openid, email and profile scopes", res.StatusCode)
	}
	var c idClaims
	if err := json.Unmarshal(body, &c); err != nil {
		return nil, fmt.Errorf("oauth: the userinfo answer is not JSON (%v); check the integration's identity provider settings", err)
	}
	if c.Subject == "" {
		return nil, errors.New("oauth: the userinfo answer names no user (no sub); check the integration's identity provider settings")
	}
	return &c, nil
}

// scrub removes secret values from a text that came from elsewhere.
func scrub(s string, values ...secrets.Secret) string {
	for _, v := range values {
		if r := v.Reveal(); r != "" {
			s = strings.ReplaceAll(s, r, "[redacted]")
		}
	}
	return s
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(s)
}
