package addinhost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"vmr-companion/backend/integration"
)

// identifyOIDC checks the access token of Office single sign-on
// (getAccessToken) or of nested app authentication (MSAL): a JWT of the
// provider of addin_oidc_metadata_url whose audience is the add-in's API.
func (s *Server) identifyOIDC(r *http.Request, in *integration.Integration, method string) (Identity, *Problem) {
	how := "send Office's single sign-on token (Office.auth.getAccessToken) as Authorization: Bearer <token>"
	idField, id := "addin_application_id", in.AddinApplicationID
	if method == PaneAuthNAA {
		how = "send the access token nested app authentication (MSAL) gave for the add-in's web API as Authorization: Bearer <token>"
		idField, id = "addin_naa_web_api_application_id", in.AddinNAAWebAPIApplicationID
	}
	raw, p := bearerToken(r, how)
	if p != nil {
		return Identity{}, p
	}
	audiences := apiAudiences(in.AddinServerDomain, id)
	if method == PaneAuthNAA && len(audiences) > 0 {
		// Where Outlook offers no nested app authentication the pane falls
		// back to Office SSO, whose token is for the add-in's own
		// registration (the manifest's WebApplicationInfo).
		audiences = append(audiences, apiAudiences(in.AddinServerDomain, in.AddinApplicationID)...)
		idField = "addin_naa_web_api_application_id, or addin_application_id for the SSO fallback"
	}
	if in.AddinOIDCMetadataURL == "" || len(audiences) == 0 {
		s.log.Warn("add-in host: integration cannot check tokens", "integration", in.Name, "method", method)
		return Identity{}, unavailable("Sign-in not configured", fmt.Sprintf("the integration %s needs addin_oidc_metadata_url and %s to check %s tokens",
			in.Name, idField, strings.ToUpper(method)))
	}
	prov, err := s.verifiers.get(r.Context(), in.AddinOIDCMetadataURL, s.cfg.HTTPClient)
	if err != nil {
		s.log.Warn("add-in host: OIDC metadata unavailable", "integration", in.Name, "error", err)
		return Identity{}, unavailable("Sign-in service unreachable",
			"the identity provider's metadata at "+in.AddinOIDCMetadataURL+" could not be read (addin_oidc_metadata_url); check that it is reachable from this host, then try again")
	}
	probe := &keyProbe{}
	tok, err := prov.verifier.Verify(context.WithValue(r.Context(), keyProbeKey{}, probe), raw)
	if err != nil {
		if probe.err != nil {
			s.log.Warn("add-in host: OIDC signing keys unavailable", "integration", in.Name, "error", probe.err)
			return Identity{}, unavailable("Sign-in service unreachable",
				"the identity provider's signing keys ("+prov.jwksURL+") could not be read; check that they are reachable from this host, then try again")
		}
		s.log.Info("add-in host: token refused", "integration", in.Name, "method", method, "error", err)
		return Identity{}, unauthorized("Invalid token", verifyFailure(err))
	}
	var c tokenClaims
	if err := tok.Claims(&c); err != nil {
		return Identity{}, unauthorized("Invalid token", "the token's claims are not readable JSON")
	}
	if want, ok := issuerAccepted(prov.issuer, tok.Issuer, c.TenantID); !ok {
		return Identity{}, unauthorized("Invalid token", fmt.Sprintf("the token was issued by %s, this integration trusts %s (addin_oidc_metadata_url)",
			truncate(tok.Issuer, 200), want))
	}
	if !slices.ContainsFunc(tok.Audience, func(a string) bool { return slices.Contains(audiences, a) }) {
		got := "no audience"
		if len(tok.Audience) > 0 {
			got = truncate(strings.Join(tok.Audience, ", "), 300)
		}
		return Identity{}, unauthorized("Invalid token", fmt.Sprintf("the token was issued for %s, this integration accepts %s (%s)",
			got, strings.Join(audiences, " or "), idField))
	}
	who := c.identity(tok.Issuer, tok.Subject)
	who.Method = method
	if who.Key == "" {
		return Identity{}, unauthorized("Invalid token", "the token names no user (no sub, nor tid and oid)")
	}
	if len(who.Key) > 600 {
		return Identity{}, unauthorized("Invalid token", "the token's user id (tid and oid, or iss and sub) is longer than 600 characters")
	}
	if who.Email != "" {
		return who, nil
	}
	// No address the provider vouches for: the one the pane claims is
	// kept, unverified, as with Exchange identity tokens. Reservations
	// bind to it (the scheduler checks it against the organizer); personal
	// VMRs need a verified one.
	if len(r.Header.Values(userHeader)) == 0 {
		return Identity{}, &Problem{Type: typeForbidden, Title: "No verified email in token", Status: http.StatusForbidden,
			Detail: "the token carries no email address the identity provider verified (email with email_verified true; " +
				"Entra ID: the upn of a member, or email with xms_edov) and the pane sent none in " + userHeader +
				"; ask your IT team to release one (see docs/admin-guide.md)"}
	}
	email, p := claimedAddress(r)
	if p != nil {
		return Identity{}, p
	}
	who.Email, who.Verified = email, false
	return who, nil
}

// apiAudiences are the audiences an access token for the add-in's API may
// carry: the application id, and its Application ID URI on the add-in's
// domain (api://<addin_server_domain>/<id>), as Office SSO and NAA
// register it.
func apiAudiences(domain string, id *string) []string {
	if id == nil || strings.TrimSpace(*id) == "" {
		return nil
	}
	v := strings.TrimSpace(*id)
	if strings.HasPrefix(v, "api://") {
		return []string{v}
	}
	out := []string{v}
	if d := strings.TrimSpace(domain); d != "" {
		out = append(out, "api://"+d+"/"+v)
	}
	return out
}

// tenantID is what a tid may be to go into an issuer URL.
var tenantID = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)

// entraHosts are Microsoft Entra ID's sign-in hosts.
var entraHosts = map[string]bool{"login.microsoftonline.com": true, "login.microsoftonline.us": true,
	"login.partner.microsoftonline.cn": true, "login.chinacloudapi.cn": true}

// issuerAccepted tells whether iss is an issuer of the provider whose
// metadata names metaIssuer, and what it expected. Entra ID's common and
// organizations metadata name "https://login.microsoftonline.com/{tenantid}/v2.0":
// the token's tenant (tid) fills it in. For an Entra tenant, a v1 token's
// issuer (https://sts.windows.net/<tenant>/, given when the API's
// registration asks for v1 tokens) is the same tenant's.
func issuerAccepted(metaIssuer, iss, tid string) (string, bool) {
	want := metaIssuer
	if strings.Contains(metaIssuer, "{tenantid}") {
		if !tenantID.MatchString(tid) {
			return metaIssuer + " with the token's tenant (the token has no valid tid)", false
		}
		want = strings.ReplaceAll(metaIssuer, "{tenantid}", tid)
	}
	if iss == want {
		return want, true
	}
	if u, err := url.Parse(want); err == nil && entraHosts[strings.ToLower(u.Host)] {
		parts := strings.Split(strings.Trim(u.Path, "/"), "/")
		if len(parts) == 2 && parts[1] == "v2.0" && tenantID.MatchString(parts[0]) {
			v1 := "https://sts.windows.net/" + parts[0] + "/"
			if iss == v1 {
				return want, true
			}
		}
	}
	return want, false
}

// verifyFailure says why go-oidc refused a token, in an admin's words.
func verifyFailure(err error) string {
	if expired, ok := errors.AsType[*oidc.TokenExpiredError](err); ok {
		return "the token expired at " + expired.Expiry.UTC().Format(time.RFC3339) +
			"; the pane asks Office for a new one (if this repeats, check this host's clock)"
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "malformed jwt"):
		return "the token is not a signed JWT"
	case strings.Contains(msg, "failed to verify signature"):
		return "the token's signature matches no signing key of the identity provider of addin_oidc_metadata_url: it was issued by another provider, or altered"
	case strings.Contains(msg, "nbf"):
		return "the token is not valid yet (nbf); check this host's clock"
	}
	return "the token could not be verified: " + truncate(msg, 200)
}

// provider is what the host keeps of an identity provider's metadata.
type provider struct {
	issuer   string
	jwksURL  string
	verifier *oidc.IDTokenVerifier
}

// verifiers keeps one provider per metadata URL; a failed discovery is not
// kept, so the next request tries again.
type verifiers struct {
	mu sync.Mutex
	m  map[string]*provider
}

// maxMetadata bounds a discovery document.
const maxMetadata = 1 << 20

func (v *verifiers) get(ctx context.Context, metadataURL string, client *http.Client) (*provider, error) {
	v.mu.Lock()
	p, ok := v.m[metadataURL]
	v.mu.Unlock()
	if ok {
		return p, nil
	}
	if client == nil {
		client = http.DefaultClient
	}
	// Discovery runs outside the lock and within the request's context, so
	// a provider that never answers holds up only the requests that need
	// it, and only while they wait. The keys are fetched later with a
	// context of their own.
	ctx, cancel := context.WithTimeout(ctx, discoveryTimeout)
	defer cancel()
	doc, err := discover(ctx, metadataURL, client)
	if err != nil {
		return nil, err
	}
	// The issuer is checked by the host (tenant-aware) and the audience
	// too (the add-in's API, in two spellings): go-oidc checks signature
	// and expiry.
	keys := &probedKeys{inner: oidc.NewRemoteKeySet(oidc.ClientContext(context.Background(), client), doc.JWKS)}
	p = &provider{issuer: doc.Issuer, jwksURL: doc.JWKS, verifier: oidc.NewVerifier(doc.Issuer, keys,
		&oidc.Config{SkipClientIDCheck: true, SkipIssuerCheck: true, SupportedSigningAlgs: doc.algorithms()})}
	v.mu.Lock()
	defer v.mu.Unlock()
	if cur, ok := v.m[metadataURL]; ok {
		return cur, nil // another request discovered it meanwhile
	}
	if v.m == nil {
		v.m = map[string]*provider{}
	}
	v.m[metadataURL] = p
	return p, nil
}

// discoveryTimeout bounds reading a provider's metadata.
const discoveryTimeout = 10 * time.Second

// discovery is the part of an OpenID provider's metadata the host reads.
type discovery struct {
	Issuer     string   `json:"issuer"`
	JWKS       string   `json:"jwks_uri"`
	Algorithms []string `json:"id_token_signing_alg_values_supported"`
}

// signingAlgs are the algorithms go-oidc verifies.
var signingAlgs = []string{oidc.RS256, oidc.RS384, oidc.RS512, oidc.ES256, oidc.ES384, oidc.ES512, oidc.PS256, oidc.PS384, oidc.PS512, oidc.EdDSA}

func (d discovery) algorithms() []string {
	var out []string
	for _, a := range d.Algorithms {
		if slices.Contains(signingAlgs, a) {
			out = append(out, a)
		}
	}
	return out // none: go-oidc's RS256
}

// discover reads the metadata document itself, not through
// oidc.NewProvider: Entra ID's common endpoint names an issuer with a
// {tenantid} placeholder, which is not its URL.
func discover(ctx context.Context, metadataURL string, client *http.Client) (*discovery, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, metadataURL, nil)
	if err != nil {
		return nil, fmt.Errorf("addinhost: addin_oidc_metadata_url %q: %w", metadataURL, err)
	}
	req.Header.Set("Accept", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("addinhost: reading OIDC metadata: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("addinhost: reading OIDC metadata %s: HTTP %d", metadataURL, res.StatusCode)
	}
	var d discovery
	if err := json.NewDecoder(io.LimitReader(res.Body, maxMetadata)).Decode(&d); err != nil {
		return nil, fmt.Errorf("addinhost: OIDC metadata %s is not JSON: %w", metadataURL, err)
	}
	if d.Issuer == "" || !strings.HasPrefix(d.JWKS, "https://") {
		return nil, fmt.Errorf("addinhost: OIDC metadata %s names no issuer or no https jwks_uri", metadataURL)
	}
	return &d, nil
}

// keyProbe records, for one verification, that the provider's keys could
// not be fetched: go-oidc reports that only as text ("fetching keys …"),
// and it is a 503, not a bad token.
type keyProbe struct{ err error }

type keyProbeKey struct{}

// probedKeys is a key set that tells the request's keyProbe when fetching
// the keys failed.
type probedKeys struct{ inner *oidc.RemoteKeySet }

func (k *probedKeys) VerifySignature(ctx context.Context, jwt string) ([]byte, error) {
	payload, err := k.inner.VerifySignature(ctx, jwt)
	if err != nil && strings.HasPrefix(err.Error(), "fetching keys") {
		if p, ok := ctx.Value(keyProbeKey{}).(*keyProbe); ok {
			p.err = err
		}
	}
	return payload, err
}
