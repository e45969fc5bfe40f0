package addinhost

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
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
	// Email is the user's address, for reservations and personal VMRs:
	// one the identity provider vouches for under AuthOIDC.
	Email string
	// Key is the user's stable identity: under AuthOIDC the token's
	// subject (Entra ID: tenant and object id), never an address, which
	// can change or pass to someone else. Reservations and the rate
	// limit are bound to it.
	Key string
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
		return Identity{Email: email, Key: email}, nil
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
		// go-oidc's text names the issuer and audience it expects: that
		// goes to the log, not to whoever sent the token.
		s.log.Info("add-in host: ID token refused", "integration", in.Name, "error", err)
		detail := "the ID token was not accepted (signature, issuer, audience or format); sign in again"
		if _, expired := errors.AsType[*oidc.TokenExpiredError](err); expired {
			detail = "the ID token has expired; sign in again"
		}
		return Identity{}, &Problem{Type: typeUnauthorized, Title: "Invalid token", Status: http.StatusUnauthorized, Detail: detail}
	}
	var c tokenClaims
	if err := tok.Claims(&c); err != nil {
		return Identity{}, &Problem{Type: typeUnauthorized, Title: "Invalid token", Status: http.StatusUnauthorized, Detail: "unreadable claims"}
	}
	who := c.identity(tok.Issuer, tok.Subject)
	if who.Key == "" {
		return Identity{}, &Problem{Type: typeUnauthorized, Title: "Invalid token", Status: http.StatusUnauthorized, Detail: "the ID token names no subject"}
	}
	if who.Email == "" {
		return Identity{}, &Problem{Type: typeForbidden, Title: "No verified email in token", Status: http.StatusForbidden,
			Detail: "the ID token carries no email address the identity provider verified (email with email_verified true; " +
				"Entra ID: the upn of a member, or email with xms_edov); ask your IT team to release one (see docs/admin-guide.md)"}
	}
	return who, nil
}

// tokenClaims are the ID token claims the host reads.
type tokenClaims struct {
	Email         string    `json:"email"`
	EmailVerified claimBool `json:"email_verified"`
	// Entra ID: tenant id, object id (the user's id in the tenant, the
	// same for every app, unlike its pairwise sub), the user principal
	// name, and whether the tenant owns the email's domain (an optional
	// claim; Entra ID sends no email_verified).
	TenantID string    `json:"tid"`
	ObjectID string    `json:"oid"`
	UPN      string    `json:"upn"`
	EmailDOV claimBool `json:"xms_edov"`
}

// claimBool is a boolean claim, true only when the token says true: some
// providers send it as a string ("true"), which must not make the whole
// token unreadable; anything else, or no claim, is false.
type claimBool bool

func (b *claimBool) UnmarshalJSON(data []byte) error {
	*b = claimBool(string(data) == "true" || string(data) == `"true"`)
	return nil
}

// identity maps a verified token's claims to a user.
//
// The key is the stable subject: Entra ID's oid within its tenant, else
// the issuer's sub. The address is only one the provider vouches for:
// email with email_verified true; for Entra ID, which never sends
// email_verified, the upn of a member of the tenant (the tenant's admins
// assign it, in domains the tenant verified; a guest's carries #EXT#) or
// the email when xms_edov says the tenant owns its domain. An email
// without email_verified and preferred_username prove nothing: users can
// often set them themselves.
func (c tokenClaims) identity(issuer, subject string) Identity {
	var who Identity
	entra := c.TenantID != "" && c.ObjectID != ""
	switch {
	case entra:
		who.Key = "entra:" + c.TenantID + "/" + c.ObjectID
	case subject != "":
		who.Key = "oidc:" + issuer + "#" + subject
	}
	switch {
	case bool(c.EmailVerified) && isAddress(c.Email):
		who.Email = c.Email
	case entra && bool(c.EmailDOV) && isAddress(c.Email):
		who.Email = c.Email
	case entra && isAddress(c.UPN) && !strings.Contains(strings.ToUpper(c.UPN), "#EXT#"):
		who.Email = c.UPN
	}
	who.Email = strings.ToLower(who.Email)
	return who
}

// isAddress tells whether a claim looks like one mail address.
func isAddress(s string) bool {
	if len(s) > 254 {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == ""
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
