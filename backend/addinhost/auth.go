package addinhost

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"strings"
	"unicode"

	"vmr-companion/backend/exidtoken"
	"vmr-companion/backend/integration"
)

// Authentication modes of the host.
const (
	// AuthNone: loopback development only; the pane says who the user is.
	AuthNone = "none"
	// AuthIntegration: each API call is checked the way its integration's
	// addin_authentication_method says (Exchange identity token, Office
	// SSO or nested app authentication).
	AuthIntegration = "integration"
	// AuthOIDC is the mode of earlier versions, kept as a synonym: every
	// integration is checked as SSO_TOKEN, whatever its method.
	AuthOIDC = "oidc"
)

// How the pane proves who the user is (PaneConfig.Auth), the effective
// method of one integration under the host's mode.
const (
	PaneAuthNone     = "none"     // nothing; X-VMR-User is believed
	PaneAuthExchange = "exchange" // getUserIdentityTokenAsync's token
	PaneAuthSSO      = "sso"      // Office.auth.getAccessToken's token
	PaneAuthNAA      = "naa"      // MSAL nested app authentication's token
)

// Identity is the user behind a request.
type Identity struct {
	// Email is the user's address, for reservations and personal VMRs.
	Email string
	// Key is the user's stable identity: an Exchange identity token's
	// amurl and msexchuid, an Entra tenant and object id, or an issuer and
	// subject; never an address, which can change or pass to someone else.
	// Reservations and the rate limit are bound to it. Under AuthNone it
	// is the claimed address.
	Key string
	// Verified tells whether the identity provider vouches for Email;
	// false when only the pane claimed it (X-VMR-User).
	Verified bool
	// Method is how the request proved it: one of PaneAuth*.
	Method string
}

// ExchangeTokens validates Exchange identity tokens (exidtoken.Validator;
// tests put a fake in its place).
type ExchangeTokens interface {
	Validate(ctx context.Context, raw string, want exidtoken.Expect) (*exidtoken.Identity, error)
}

// userHeader carries the user's address from the pane
// (Office.js's userProfile.emailAddress). It is trusted alone only under
// AuthNone; otherwise it is kept beside the proven identity as claimed.
const userHeader = "X-VMR-User"

const devUser = "developer@localhost"

// acceptedMethods names the values of addin_authentication_method.
var acceptedMethods = integration.AddinAuthExchangeUserIDToken + ", " + integration.AddinAuthSSOToken + " or " + integration.AddinAuthNAAToken

// method is how requests for in must prove their user under this host's
// mode, or the problem of an integration whose method is unknown.
func (s *Server) method(in *integration.Integration) (string, *Problem) {
	switch s.cfg.Auth {
	case AuthNone:
		return PaneAuthNone, nil
	case AuthOIDC:
		return PaneAuthSSO, nil
	}
	switch in.AddinAuthenticationMethod {
	case "", integration.AddinAuthExchangeUserIDToken:
		return PaneAuthExchange, nil
	case integration.AddinAuthSSOToken:
		return PaneAuthSSO, nil
	case integration.AddinAuthNAAToken:
		return PaneAuthNAA, nil
	}
	return "", unauthorized("Unknown authentication method", fmt.Sprintf("the integration %s has addin_authentication_method %q; set it to %s",
		in.Name, truncate(in.AddinAuthenticationMethod, 64), acceptedMethods))
}

// identify finds the user of a request, or a problem to answer with.
func (s *Server) identify(r *http.Request, in *integration.Integration) (Identity, *Problem) {
	method, p := s.method(in)
	if p != nil {
		return Identity{}, p
	}
	switch method {
	case PaneAuthNone:
		email := strings.ToLower(strings.TrimSpace(r.Header.Get(userHeader)))
		if email == "" || len(email) > 254 || !strings.Contains(email, "@") {
			email = devUser
		}
		return Identity{Email: email, Key: email, Method: PaneAuthNone}, nil
	case PaneAuthExchange:
		return s.identifyExchange(r, in)
	default:
		return s.identifyOIDC(r, in, method)
	}
}

// identifyExchange checks an Exchange identity token: it proves the
// user's Exchange identity but carries no address, so the address is the
// one the pane claims.
func (s *Server) identifyExchange(r *http.Request, in *integration.Integration) (Identity, *Problem) {
	raw, p := bearerToken(r, "send the Exchange identity token (Office.context.mailbox.getUserIdentityTokenAsync) as Authorization: Bearer <token>")
	if p != nil {
		return Identity{}, p
	}
	want, err := s.exchangeExpect(r, in)
	if err != nil {
		s.log.Warn("add-in host: Exchange identity tokens cannot be checked", "integration", in.Name, "error", err)
		return Identity{}, unavailable("Exchange unreachable", "the Exchange identity token cannot be checked: "+err.Error())
	}
	id, err := s.exchange.Validate(r.Context(), raw, want)
	if refused, ok := errors.AsType[*exidtoken.RefusedError](err); ok {
		s.log.Info("add-in host: Exchange identity token refused", "integration", in.Name, "check", refused.Check)
		return Identity{}, unauthorized("Invalid token", "the Exchange identity token was refused ("+refused.Check+"): "+refused.Detail)
	}
	if down, ok := errors.AsType[*exidtoken.UnavailableError](err); ok {
		s.log.Warn("add-in host: Exchange authentication metadata unavailable", "integration", in.Name, "error", down)
		where := "Exchange's authentication metadata"
		if down.URL != "" {
			where += " at " + down.URL
		}
		return Identity{}, unavailable("Exchange unreachable", where+" could not be read; check that Exchange is reachable from this host "+
			"and that ews_ca_file trusts its certificate, then try again")
	}
	if err != nil || id == nil {
		s.log.Warn("add-in host: checking an Exchange identity token failed", "integration", in.Name, "error", err)
		return Identity{}, unavailable("Exchange unreachable", "the Exchange identity token could not be checked; try again")
	}
	email, p := claimedAddress(r)
	if p != nil {
		return Identity{}, p
	}
	return Identity{Email: email, Key: id.Key, Verified: false, Method: PaneAuthExchange}, nil
}

// exchangeExpect is what an Exchange identity token for in must match at
// this host: the task pane URL of the production manifest and, on a
// loopback host, of the development one (this host's own URL), the integration's Exchange
// domains, and a client that trusts its ews_ca_file.
func (s *Server) exchangeExpect(r *http.Request, in *integration.Integration) (exidtoken.Expect, error) {
	var want exidtoken.Expect
	if d := strings.TrimSpace(in.AddinServerDomain); d != "" {
		want.Audiences = append(want.Audiences, "https://"+d+taskpanePath)
	}
	// The development manifest's address comes from the request's Host
	// header, which the client chooses: only a host that listens on this
	// machine alone accepts it, so a token issued to some other add-in
	// cannot be replayed to a production host under a forged Host.
	if dev := s.baseURL(r) + taskpanePath; s.loopback && (len(want.Audiences) == 0 || !strings.EqualFold(dev, want.Audiences[0])) {
		want.Audiences = append(want.Audiences, dev)
	}
	want.Hosts = exchangeHosts(in.Domains)
	client, trust, err := s.clients.get(in)
	if err != nil {
		return want, err
	}
	want.Client, want.Trust = client, trust
	return want, nil
}

// taskpanePath is where the manifests put the task pane (SourceLocation,
// without its query string).
const taskpanePath = "/addin/taskpane.html"

// exchangeHosts are an integration's domains for the token check: each entry
// is a domain, a domain with a port, or a URL (an Exchange metadata URL);
// exidtoken takes the host, and the port when one is named, from each.
func exchangeHosts(domains []string) []string {
	var hosts []string
	for _, d := range domains {
		d = strings.ToLower(strings.TrimSpace(d))
		if d != "" {
			hosts = append(hosts, d)
		}
	}
	return hosts
}

// bearerToken reads the Authorization header's bearer token.
func bearerToken(r *http.Request, how string) (string, *Problem) {
	// The scheme is case-insensitive (RFC 9110, 11.1).
	scheme, raw, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	raw = strings.TrimSpace(raw)
	if !strings.EqualFold(scheme, "Bearer") || raw == "" {
		return "", unauthorized("Sign-in required", how)
	}
	return raw, nil
}

// claimedAddress is the address the pane reports in X-VMR-User: one
// address, lower-cased, or a problem saying what is wrong with it.
func claimedAddress(r *http.Request) (string, *Problem) {
	values := r.Header.Values(userHeader)
	if len(values) == 0 || strings.TrimSpace(values[0]) == "" {
		return "", unauthorized("User address required",
			"the pane sent no "+userHeader+" header: it must send the user's address (Office's userProfile.emailAddress) beside the token")
	}
	v := strings.TrimSpace(values[0])
	if len(values) > 1 || len(v) > 254 || strings.IndexFunc(v, unicode.IsControl) >= 0 || !isAddress(v) {
		return "", &Problem{Type: typeBadRequest, Title: "Invalid user address", Status: http.StatusBadRequest,
			Detail: userHeader + " must be one e-mail address (name@domain) of at most 254 characters, sent once"}
	}
	return strings.ToLower(v), nil
}

// tokenClaims are the token claims the host reads.
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
	who.Verified = who.Email != ""
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

// unauthorized is a 401 problem.
func unauthorized(title, detail string) *Problem {
	return &Problem{Type: typeUnauthorized, Title: title, Status: http.StatusUnauthorized, Detail: detail}
}

// unavailable is a 503 problem: something the check needs is down.
func unavailable(title, detail string) *Problem {
	return &Problem{Type: typeUnavailable, Title: title, Status: http.StatusServiceUnavailable, Detail: detail}
}

// truncate bounds a value quoted back in a message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
