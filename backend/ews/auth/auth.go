// Package auth authenticates the service account that watches a room mailbox
// as an HTTP transport: the EWS client takes the *http.Client that
// NewHTTPClient returns and knows nothing of passwords or tokens. Failures
// come back as *Error, whose text says what went wrong and what to do, and
// never contains a secret.
package auth

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
)

// Default scopes, as Exchange Online expects them: .default asks for the
// application permissions granted to the app (full_access_as_app);
// EWS.AccessAsUser.All is the delegated EWS permission, and offline_access
// makes the token endpoint return a refresh token.
const (
	DefaultAppPermScope = "https://outlook.office365.com/.default"
	DefaultOAuthScope   = "https://outlook.office365.com/EWS.AccessAsUser.All offline_access"
)

// DefaultTimeout bounds one request (with its authentication round trips)
// when Settings.Timeout is zero.
const DefaultTimeout = 60 * time.Second

// Settings are what the transports need to authenticate the service account.
type Settings struct {
	Method   string // integration.AuthBasic, AuthNTLM, AuthKerberos, AuthOAuth, AuthAppPerm
	Username string // BASIC/NTLM: "user@domain", "DOMAIN\\user" or "user"
	Password secrets.Secret

	ClientID      string
	TokenEndpoint string
	AuthEndpoint  string
	ClientSecret  secrets.Secret // OAUTH (confidential clients) and APP_PERM
	RefreshToken  secrets.Secret // OAUTH (delegated)
	// Scopes default to DefaultAppPermScope (APP_PERM) or the fields of
	// DefaultOAuthScope (OAUTH).
	Scopes []string

	RootCAs      *x509.CertPool // nil = system roots (SSL_CERT_FILE honoured as Go defines it)
	DisableProxy bool           // true: ignore HTTPS_PROXY and friends, connect directly
	Timeout      time.Duration  // per request; DefaultTimeout when zero

	// OnRefreshToken saves a rotated refresh token (in the keychain): the
	// token endpoint may revoke the old one as soon as it issued the new.
	OnRefreshToken func(newToken string) error
}

// FromIntegration builds the Settings of in. secret reads a secret field
// (integration.SecretPassword, ...) from the keychain and says whether it
// is there; only the secrets the method uses are read. Missing values are
// reported by NewHTTPClient, with advice.
func FromIntegration(in *integration.Integration, secret func(field string) (secrets.Secret, bool, error)) (Settings, error) {
	s := Settings{
		Method:        in.AuthenticationMethod,
		Username:      in.Username,
		TokenEndpoint: in.OAuthTokenEndpoint,
		AuthEndpoint:  in.OAuthAuthEndpoint,
		DisableProxy:  in.DisableProxy,
	}
	if in.OAuthClientID != nil {
		s.ClientID = *in.OAuthClientID
	}
	var fields []string
	switch s.Method {
	case integration.AuthBasic, integration.AuthNTLM, integration.AuthKerberos:
		fields = []string{integration.SecretPassword}
	case integration.AuthOAuth:
		fields = []string{integration.SecretOAuthClientSecret, integration.SecretOAuthRefreshToken}
	case integration.AuthAppPerm:
		fields = []string{integration.SecretOAuthClientSecret}
	}
	for _, field := range fields {
		v, ok, err := secret(field)
		if err != nil {
			return Settings{}, fmt.Errorf("auth: reading the %s of integration %q from the keychain: %w", field, in.Name, err)
		}
		if !ok {
			continue
		}
		switch field {
		case integration.SecretPassword:
			s.Password = v
		case integration.SecretOAuthClientSecret:
			s.ClientSecret = v
		case integration.SecretOAuthRefreshToken:
			s.RefreshToken = v
		}
	}
	return s, nil
}

// NewHTTPClient returns a client that authenticates every request with the
// method of s. Settings that cannot work (unknown method, missing password,
// Kerberos) are reported as *Error.
func NewHTTPClient(s Settings) (*http.Client, error) {
	if err := s.validate(); err != nil {
		return nil, err
	}
	if s.Timeout <= 0 {
		s.Timeout = DefaultTimeout
	}
	var rt http.RoundTripper
	switch s.Method {
	case integration.AuthBasic:
		rt = &basicTransport{username: s.Username, password: s.Password, base: baseTransport(s, true)}
	case integration.AuthNTLM:
		rt = newNTLMTransport(s)
	case integration.AuthOAuth, integration.AuthAppPerm:
		rt = newBearerTransport(s)
	}
	return &http.Client{Transport: rt, Timeout: s.Timeout, CheckRedirect: refuseRedirect(s.Method)}, nil
}

// validate reports every missing field at once.
func (s Settings) validate() error {
	var missing []string
	need := func(ok bool, what string) {
		if !ok {
			missing = append(missing, what)
		}
	}
	switch s.Method {
	case integration.AuthBasic, integration.AuthNTLM:
		need(s.Username != "", "the service account's user name")
		need(!s.Password.IsZero(), "its password")
	case integration.AuthOAuth:
		need(s.ClientID != "", "the OAuth client ID")
		need(s.TokenEndpoint != "", "the OAuth token endpoint")
		need(!s.RefreshToken.IsZero(), "a refresh token (sign in with the service account)")
	case integration.AuthAppPerm:
		need(s.ClientID != "", "the OAuth client ID")
		need(s.TokenEndpoint != "", "the OAuth token endpoint")
		need(!s.ClientSecret.IsZero(), "the client secret")
	case integration.AuthKerberos:
		return &Error{Method: s.Method,
			Problem: "Kerberos authentication is not supported yet",
			Advice:  "choose NTLM or Basic for on-premises Exchange, OAuth or app permissions for Office 365"}
	default:
		return &Error{Method: s.Method,
			Problem: fmt.Sprintf("unknown authentication method %q", s.Method),
			Advice:  "choose one of BASIC, NTLM, OAUTH or APP_PERM"}
	}
	if s.TokenEndpoint != "" && !strings.HasPrefix(s.TokenEndpoint, "https://") &&
		(s.Method == integration.AuthOAuth || s.Method == integration.AuthAppPerm) {
		// The client secret and refresh token go to it.
		return &Error{Method: s.Method,
			Problem: "the OAuth token endpoint " + s.TokenEndpoint + " is not an https:// address",
			Advice:  "use the https:// token endpoint, e.g. https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token"}
	}
	if len(missing) > 0 {
		return &Error{Method: s.Method,
			Problem: s.Method + " authentication needs " + strings.Join(missing, ", "),
			Advice:  "fill them in on the integration and save it"}
	}
	return nil
}

// refuseRedirect stops every redirect: the transports add credentials to
// whatever request they carry, so following one would hand them to another
// server. EWS itself never redirects; a redirect means a wrong URL or a
// pre-authenticating reverse proxy.
func refuseRedirect(method string) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, _ []*http.Request) error {
		return &Error{Method: method,
			Problem: "the EWS server redirected to " + req.URL.Redacted(),
			Advice:  "set the integration's EWS URL to the Exchange server's own https://<server>/EWS/Exchange.asmx; a proxy that redirects to a sign-in page must pass EWS through untouched",
			Status:  req.Response.StatusCode}
	}
}

// Error is an authentication failure. Its text is Problem + ": " + Advice
// and never contains a secret.
type Error struct {
	Method  string // the authentication method of the settings
	Problem string // what went wrong
	Advice  string // what to do about it
	Status  int    // HTTP status involved, 0 if none
	Err     error  // underlying error, if any
}

func (e *Error) Error() string { return e.Problem + ": " + e.Advice }

func (e *Error) Unwrap() error { return e.Err }

// IsAuthError reports whether err is or wraps an *Error.
func IsAuthError(err error) bool {
	var e *Error
	return errors.As(err, &e)
}

// scrub removes secret values from text that comes from a server (error
// descriptions), in case one is echoed back.
func scrub(text string, secretValues ...secrets.Secret) string {
	for _, v := range secretValues {
		if !v.IsZero() {
			text = strings.ReplaceAll(text, v.Reveal(), "[redacted]")
		}
	}
	return text
}
