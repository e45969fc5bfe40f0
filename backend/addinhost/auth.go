package addinhost

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"vmr-companion/backend/integration"
)

// Authentication modes of the host.
const (
	AuthNone = "none" // loopback development only: the pane says who the user is
	AuthOIDC = "oidc" // a Bearer ID token verified against the integration's issuer
)

// Identity is the user behind a request.
type Identity struct {
	Email   string
	Subject string
}

// userHeader carries the user's address from the pane in AuthNone mode
// (Office.js's userProfile.emailAddress); it is trusted only there.
const userHeader = "X-VMR-User"

const devUser = "developer@localhost"

// identify finds the user of a request, or a problem to answer with.
func (s *Server) identify(r *http.Request, in *integration.Integration) (Identity, *Problem) {
	if s.cfg.Auth != AuthOIDC {
		email := strings.ToLower(strings.TrimSpace(r.Header.Get(userHeader)))
		if email == "" || len(email) > 254 || !strings.Contains(email, "@") {
			email = devUser
		}
		return Identity{Email: email, Subject: email}, nil
	}
	// The scheme is case-insensitive (RFC 9110, 11.1).
	scheme, raw, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(raw) == "" {
		return Identity{}, &Problem{Type: typeUnauthorized, Title: "Sign-in required", Status: http.StatusUnauthorized,
			Detail: "send the user's ID token as Authorization: Bearer <token>"}
	}
	verifier, err := s.verifiers.get(r.Context(), in, s.cfg.HTTPClient)
	if err != nil {
		s.log.Warn("oidc provider unavailable", "integration", in.Name, "error", err)
		return Identity{}, &Problem{Type: typeUnavailable, Title: "Sign-in service unreachable", Status: http.StatusServiceUnavailable,
			Detail: "the identity provider's metadata could not be read; check addin_oidc_metadata_url"}
	}
	tok, err := verifier.Verify(r.Context(), strings.TrimSpace(raw))
	if err != nil {
		return Identity{}, &Problem{Type: typeUnauthorized, Title: "Invalid token", Status: http.StatusUnauthorized,
			Detail: "the ID token was not accepted: " + err.Error()}
	}
	var claims struct {
		Email             string `json:"email"`
		EmailVerified     *bool  `json:"email_verified"`
		PreferredUsername string `json:"preferred_username"`
		UPN               string `json:"upn"`
	}
	if err := tok.Claims(&claims); err != nil {
		return Identity{}, &Problem{Type: typeUnauthorized, Title: "Invalid token", Status: http.StatusUnauthorized, Detail: "unreadable claims"}
	}
	// An address the provider says it has not verified could be anyone's.
	if claims.EmailVerified != nil && !*claims.EmailVerified {
		claims.Email = ""
	}
	// Entra ID puts the address in preferred_username or upn when the
	// optional email claim is not configured.
	email := claims.Email
	for _, alt := range []string{claims.PreferredUsername, claims.UPN} {
		if email == "" && strings.Contains(alt, "@") {
			email = alt
		}
	}
	if email == "" {
		return Identity{}, &Problem{Type: typeForbidden, Title: "No email in token", Status: http.StatusForbidden,
			Detail: "the ID token carries no email, preferred_username or upn claim"}
	}
	return Identity{Email: strings.ToLower(email), Subject: tok.Subject}, nil
}

// verifiers keeps one OIDC verifier per issuer and audience; a failed
// discovery is not kept, so the next request tries again.
type verifiers struct {
	mu sync.Mutex
	m  map[string]*oidc.IDTokenVerifier
}

func (v *verifiers) get(ctx context.Context, in *integration.Integration, client *http.Client) (*oidc.IDTokenVerifier, error) {
	audience := ""
	if in.AddinApplicationID != nil {
		audience = *in.AddinApplicationID
	}
	if in.AddinOIDCMetadataURL == "" || audience == "" {
		return nil, fmt.Errorf("addinhost: integration %q needs addin_oidc_metadata_url and addin_application_id for oidc", in.Name)
	}
	key := in.AddinOIDCMetadataURL + "\x00" + audience
	v.mu.Lock()
	ver, ok := v.m[key]
	v.mu.Unlock()
	if ok {
		return ver, nil
	}
	issuer := strings.TrimSuffix(in.AddinOIDCMetadataURL, "/.well-known/openid-configuration")
	if client != nil {
		ctx = oidc.ClientContext(ctx, client)
	}
	// Discovery runs outside the lock and within the request's context, so
	// a provider that never answers holds up only the requests that need
	// it, and only while they wait. The verifier fetches keys later with a
	// context of its own (Provider.Verifier), not this one.
	ctx, cancel := context.WithTimeout(ctx, discoveryTimeout)
	defer cancel()
	provider, err := oidc.NewProvider(ctx, issuer)
	if err != nil {
		return nil, fmt.Errorf("addinhost: reading OIDC metadata of %s: %w", issuer, err)
	}
	ver = provider.Verifier(&oidc.Config{ClientID: audience})
	v.mu.Lock()
	defer v.mu.Unlock()
	if cur, ok := v.m[key]; ok {
		return cur, nil // another request discovered it meanwhile
	}
	if v.m == nil {
		v.m = map[string]*oidc.IDTokenVerifier{}
	}
	v.m[key] = ver
	return ver, nil
}

// discoveryTimeout bounds reading a provider's metadata.
const discoveryTimeout = 10 * time.Second
