// Package oauth signs end users in to the identity provider of an
// integration (Entra ID, AD FS or any OpenID provider) so that the desktop
// app and the command line know who they are: the authorization code flow
// with PKCE on a loopback redirect (RFC 8252) in the system browser, the
// device authorization grant (RFC 8628) where no browser can be opened,
// refresh, revocation (RFC 7009) and the signed-in session in the keychain.
package oauth

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"vmr-companion/backend/exchange"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
)

// Kinds of identity provider. They differ in ways the protocol leaves open:
//
//   - KindAzure, Entra ID (Azure AD): the v2.0 endpoints
//     (https://login.microsoftonline.com/<tenant>/oauth2/v2.0/authorize and
//     /token). Refresh tokens come only with the offline_access scope; the
//     device code endpoint is /oauth2/v2.0/devicecode next to /token; there
//     is no RFC 7009 revocation endpoint (sessions end by the user's or an
//     admin's "revoke sessions"). The multi-tenant issuer carries a
//     {tenantid} placeholder that the token's tid fills in.
//   - KindADFS, AD FS 2016+: /adfs/oauth2/authorize and /token. The API the
//     token is for is named by the `resource` parameter, the relying party
//     trust identifier. Refresh tokens follow the relying party's policy,
//     without an offline_access scope. The device code endpoint is
//     /adfs/oauth2/devicecode (AD FS 2019 and later); there is no revocation
//     endpoint.
//   - KindOIDC: any OpenID provider, every endpoint from its discovery
//     document; offline_access asks for a refresh token (OIDC Core 11).
const (
	KindAzure = integration.ProviderAzure
	KindADFS  = integration.ProviderADFS
	KindOIDC  = "OIDC"
)

// DefaultSignInTimeout bounds a browser or device sign-in when the provider
// sets none: long enough for a password manager and a second factor.
const DefaultSignInTimeout = 5 * time.Minute

// discoveryTimeout bounds the fetch of a discovery document, so a provider
// that does not answer cannot hold up a command.
const discoveryTimeout = 15 * time.Second

// Provider is one identity provider and this app's client registration in it.
type Provider struct {
	Kind string // KindAzure, KindADFS or KindOIDC

	Issuer        string // for ID token verification; may be empty
	AuthURL       string
	TokenURL      string
	DeviceAuthURL string // empty: the provider has no device code flow
	RevocationURL string // empty: the provider offers no revocation
	UserInfoURL   string
	JWKSURL       string // the keys ID tokens are verified with

	ClientID     string
	ClientSecret secrets.Secret // public (native) clients have none

	Scopes   []string
	Resource string // AD FS: the relying party trust identifier

	HTTPClient *http.Client // TLS verified; nil: a default client with a timeout

	// SignInTimeout bounds SignInBrowser and SignInDevice; 0 means
	// DefaultSignInTimeout.
	SignInTimeout time.Duration
}

// DefaultScopes returns what a kind of provider is asked for: who the user
// is, and a refresh token where that needs a scope.
func DefaultScopes(kind string) []string {
	if kind == KindADFS {
		return []string{"openid", "profile", "email"}
	}
	return []string{"openid", "profile", "email", "offline_access"}
}

func (p *Provider) httpClient() *http.Client {
	if p.HTTPClient != nil {
		return p.HTTPClient
	}
	return &http.Client{Timeout: 30 * time.Second}
}

func (p *Provider) signInTimeout() time.Duration {
	if p.SignInTimeout > 0 {
		return p.SignInTimeout
	}
	return DefaultSignInTimeout
}

// config is the x/oauth2 view of the provider for one redirect URI.
func (p *Provider) config(redirectURI string) *oauth2.Config {
	style := oauth2.AuthStyleInParams // a public client names itself in the body (RFC 6749 2.3.1 has no secret to send)
	if !p.ClientSecret.IsZero() {
		style = oauth2.AuthStyleAutoDetect
	}
	return &oauth2.Config{
		ClientID:     p.ClientID,
		ClientSecret: p.ClientSecret.Reveal(),
		RedirectURL:  redirectURI,
		Scopes:       p.Scopes,
		Endpoint: oauth2.Endpoint{AuthURL: p.AuthURL, TokenURL: p.TokenURL, DeviceAuthURL: p.DeviceAuthURL,
			AuthStyle: style},
	}
}

// ctx hands the provider's HTTP client to x/oauth2.
func (p *Provider) ctx(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, p.httpClient())
}

// extraParams are the non-standard parameters of the kind: AD FS's resource.
func (p *Provider) extraParams() []oauth2.AuthCodeOption {
	if p.Kind == KindADFS && p.Resource != "" {
		return []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("resource", p.Resource)}
	}
	return nil
}

func (p *Provider) check() error {
	var missing []string
	if p.ClientID == "" {
		missing = append(missing, "the client ID")
	}
	if p.TokenURL == "" {
		missing = append(missing, "the token endpoint")
	}
	if len(missing) > 0 {
		return fmt.Errorf("oauth: the sign-in is not configured: %s missing; set them in the integration's personal VMR settings", strings.Join(missing, " and "))
	}
	return nil
}

// FromIntegration builds the provider users of an integration sign in with.
// The endpoints are the integration's personal VMR OAuth settings; its
// identity provider's discovery document (the add-in's OpenID metadata URL,
// or the well-known address of an Entra ID tenant or AD FS farm) adds the
// device code, revocation and userinfo endpoints and the keys ID tokens are
// verified with. Without endpoints, discovery gives them all. With hc nil,
// the provider's client trusts the system's roots and the integration's CA
// file, through the environment's proxy unless the integration disables it.
func FromIntegration(ctx context.Context, in *integration.Integration, clientSecret secrets.Secret, hc *http.Client) (*Provider, error) {
	kind := in.AuthProvider
	if kind != KindAzure && kind != KindADFS {
		kind = KindOIDC
	}
	if hc == nil {
		var err error
		if hc, err = httpClientFor(in); err != nil {
			return nil, err
		}
	}
	p := &Provider{Kind: kind, AuthURL: in.PersonalVMROAuthAuthEndpoint, TokenURL: in.PersonalVMROAuthTokenEndpoint,
		ClientSecret: clientSecret, Scopes: DefaultScopes(kind), HTTPClient: hc}
	if in.PersonalVMROAuthClientID != nil {
		p.ClientID = *in.PersonalVMROAuthClientID
	}
	if kind == KindADFS {
		p.Resource = in.PersonalVMRADFSRelyingPartyTrustIdentifier
	}
	p.DeviceAuthURL = deviceURLFor(kind, p.TokenURL)

	configured := p.AuthURL != "" && p.TokenURL != ""
	var candidates []string
	if in.AddinOIDCMetadataURL != "" {
		candidates = append(candidates, in.AddinOIDCMetadataURL)
	}
	if u := metadataURLFor(kind, p.AuthURL); u != "" {
		candidates = append(candidates, u)
	}
	var errs []error
	for _, u := range candidates {
		d, err := Discover(ctx, hc, u)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		// The add-in may trust another identity provider than the one
		// users sign in to for personal VMRs: use a document only when it
		// describes the configured token endpoint.
		if configured && d.TokenURL != p.TokenURL {
			continue
		}
		p.adopt(d)
		break
	}
	if !configured && p.TokenURL == "" {
		return nil, fmt.Errorf("oauth: the integration %q has no personal VMR OAuth endpoints and its OpenID metadata could not be read (%w); set the authorization and token endpoints, or the add-in's OpenID metadata URL", in.Name, errors.Join(errs...))
	}
	if err := p.check(); err != nil {
		return nil, fmt.Errorf("oauth: integration %q: %w", in.Name, err)
	}
	return p, nil
}

// httpClientFor is the client for an integration's identity provider:
// the system's roots plus the integration's CA file (an on-premises AD FS
// usually has its certificate from the same internal CA as Exchange), and
// the environment's proxy unless the integration disables proxies.
func httpClientFor(in *integration.Integration) (*http.Client, error) {
	t := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		TLSClientConfig:     &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout: 15 * time.Second,
		ForceAttemptHTTP2:   true,
	}
	if in.DisableProxy {
		t.Proxy = nil
	}
	pool, err := exchange.RootCAs(in)
	if err != nil {
		return nil, fmt.Errorf("oauth: integration %q: %w", in.Name, err)
	}
	t.TLSClientConfig.RootCAs = pool
	return &http.Client{Transport: t, Timeout: 30 * time.Second}, nil
}

// adopt takes from a discovery document what the provider lacks.
func (p *Provider) adopt(d *Provider) {
	fill := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	fill(&p.AuthURL, d.AuthURL)
	fill(&p.TokenURL, d.TokenURL)
	// The document's device and revocation endpoints are authoritative:
	// AD FS before 2019 has no device endpoint at the derived address.
	if d.DeviceAuthURL != "" || p.DeviceAuthURL == "" {
		p.DeviceAuthURL = d.DeviceAuthURL
	}
	fill(&p.RevocationURL, d.RevocationURL)
	fill(&p.UserInfoURL, d.UserInfoURL)
	fill(&p.Issuer, d.Issuer)
	fill(&p.JWKSURL, d.JWKSURL)
}

var (
	entraPath = regexp.MustCompile(`^/([^/]+)/oauth2/v2\.0/(authorize|token)$`)
	adfsPath  = regexp.MustCompile(`^/adfs/oauth2/(authorize|token)/?$`)
)

// deviceURLFor derives the device code endpoint from the token endpoint of
// Entra ID or AD FS (neither is always reachable for discovery).
func deviceURLFor(kind, tokenURL string) string {
	u, err := url.Parse(tokenURL)
	if err != nil || tokenURL == "" {
		return ""
	}
	switch {
	case kind == KindAzure && entraPath.MatchString(u.Path):
		u.Path = strings.TrimSuffix(u.Path, "token") + "devicecode"
	case kind == KindADFS && adfsPath.MatchString(u.Path):
		u.Path = "/adfs/oauth2/devicecode"
	default:
		return ""
	}
	u.RawQuery = ""
	return u.String()
}

// metadataURLFor is where Entra ID (per tenant) and AD FS publish their
// discovery document, derived from the authorization endpoint.
func metadataURLFor(kind, authURL string) string {
	u, err := url.Parse(authURL)
	if err != nil || authURL == "" {
		return ""
	}
	switch m := entraPath.FindStringSubmatch(u.Path); {
	case kind == KindAzure && m != nil:
		u.Path = "/" + m[1] + "/v2.0/.well-known/openid-configuration"
	case kind == KindADFS && adfsPath.MatchString(u.Path):
		u.Path = "/adfs/.well-known/openid-configuration"
	default:
		return ""
	}
	u.RawQuery = ""
	return u.String()
}

// discoveryDocument holds the fields of OpenID Connect Discovery 1.0
// section 3 (and RFC 8414) this package uses.
type discoveryDocument struct {
	Issuer        string `json:"issuer"`
	Authorization string `json:"authorization_endpoint"`
	Token         string `json:"token_endpoint"`
	Device        string `json:"device_authorization_endpoint"`
	Revocation    string `json:"revocation_endpoint"`
	UserInfo      string `json:"userinfo_endpoint"`
	JWKS          string `json:"jwks_uri"`
}

// Discover reads an OpenID provider's discovery document, from its issuer
// (issuer + "/.well-known/openid-configuration") or the document's own URL.
// The provider it returns is of KindOIDC with the default scopes.
func Discover(ctx context.Context, hc *http.Client, issuerOrMetadataURL string) (*Provider, error) {
	p := &Provider{Kind: KindOIDC, Scopes: DefaultScopes(KindOIDC), HTTPClient: hc}
	docURL, issuer := issuerOrMetadataURL, ""
	if !strings.Contains(issuerOrMetadataURL, "/.well-known/") {
		issuer = strings.TrimSuffix(issuerOrMetadataURL, "/")
		docURL = issuer + "/.well-known/openid-configuration"
	}
	if u, err := url.Parse(docURL); err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("oauth: the OpenID metadata address %q is not an https URL; use the identity provider's issuer or its .well-known/openid-configuration URL", issuerOrMetadataURL)
	}
	ctx, cancel := context.WithTimeout(ctx, discoveryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, docURL, nil)
	if err != nil {
		return nil, fmt.Errorf("oauth: reading the OpenID metadata: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	res, err := p.httpClient().Do(req)
	if err != nil {
		return nil, fmt.Errorf("oauth: the OpenID metadata at %s could not be read (%w); check the URL, DNS, proxies and that the server's certificate is trusted", docURL, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("oauth: reading the OpenID metadata at %s: %w", docURL, err)
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("oauth: the OpenID metadata at %s answered HTTP %d; check the URL (it ends in /.well-known/openid-configuration)", docURL, res.StatusCode)
	}
	var d discoveryDocument
	if err := json.Unmarshal(body, &d); err != nil {
		return nil, fmt.Errorf("oauth: the OpenID metadata at %s is not JSON (%v); check the URL", docURL, err)
	}
	if d.Token == "" || d.Issuer == "" {
		return nil, fmt.Errorf("oauth: the OpenID metadata at %s names no issuer or token endpoint; check the URL", docURL)
	}
	// OpenID Connect Discovery 4.3: the issuer must be the one asked for.
	// Entra ID's multi-tenant documents carry a {tenantid} placeholder.
	if issuer != "" && d.Issuer != issuer && !strings.Contains(d.Issuer, "{tenantid}") {
		return nil, fmt.Errorf("oauth: the OpenID metadata of %s names another issuer (%s); use the issuer exactly as the identity provider publishes it", issuer, d.Issuer)
	}
	p.Issuer, p.AuthURL, p.TokenURL, p.DeviceAuthURL = d.Issuer, d.Authorization, d.Token, d.Device
	p.RevocationURL, p.UserInfoURL, p.JWKSURL = d.Revocation, d.UserInfo, d.JWKS
	return p, nil
}
