package addinhost

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"vmr-companion/backend/integration"
	"vmr-companion/backend/oauth"
)

// The personal VMR sign-in (docs/addin-api.md, "Personal VMR sign-in"):
// the pane opens an Office dialog on /signin/{uuid}/start, which sends it
// to the integration's identity provider (authorization code with PKCE,
// backend/oauth, the desktop's code); the provider sends it back to
// /signin/callback, where the host exchanges the code, keeps who signed in
// (never the tokens, which are dropped) and hands the dialog a session
// token in the fragment of /addin/signin-done.html, which passes it to the
// pane. The pane sends it as X-VMR-Session.

const (
	// signInCallbackPath is the one redirect URI of every integration:
	// the admin registers https://<addin_server_domain>/signin/callback
	// with AD FS or Entra ID.
	signInCallbackPath = "/signin/callback"
	// signInDonePage takes the session to the pane (a page of the build).
	signInDonePage = "/addin/signin-done.html"
	// sessionHeader carries the session token of a signed-in pane.
	sessionHeader = "X-VMR-Session"

	// pendingSignInTTL: long enough for a password manager, a second
	// factor and a slow AD FS; an unfinished sign-in is then forgotten.
	pendingSignInTTL = 10 * time.Minute
	// signInSessionTTL: a working day, after which the pane asks again.
	signInSessionTTL = 8 * time.Hour
	// The maps are bounded, as anyone can start a sign-in: a full map
	// drops its entry that expires first.
	maxPendingSignIns = 10_000
	maxSignInSessions = 100_000
	// providerTTL is how long the host reuses an integration's identity
	// provider (its discovery document), so that starting sign-ins does
	// not make the host fetch the provider's metadata each time.
	providerTTL = time.Minute

	// sessionTokenLen is the length of a session token: 32 random bytes
	// (256 bits) in unpadded base64url.
	sessionTokenLen = 43
	// maxStateLen bounds the state a callback may carry before it is
	// looked up (ours are 43 characters).
	maxStateLen = 128
)

// typeSignInRequired marks a 401 the pane answers by offering the
// personal VMR sign-in.
const typeSignInRequired = "https://vmr-companion.invalid/problems/sign-in-required"

// signIns keeps the pending sign-ins (by state) and the sessions (by the
// SHA-256 of their token, so a memory dump holds no usable token). The
// zero value is ready; maps are made on first use.
type signIns struct {
	mu        sync.Mutex
	pending   map[string]*pendingSignIn
	sessions  map[[sha256.Size]byte]*signInSession
	providers map[string]cachedProvider
}

type pendingSignIn struct {
	integration string // uuid
	provider    *oauth.Provider
	pending     *oauth.Pending
	expires     time.Time
}

// signInSession is who signed in: no token of the provider is kept.
type signInSession struct {
	integration string // uuid
	email       string // the address the provider vouches for
	key         string // the user's stable id at the provider
	settings    string // signInFingerprint when it was made
	expires     time.Time
}

type cachedProvider struct {
	fingerprint string
	provider    *oauth.Provider
	made        time.Time
}

// addPending keeps a started sign-in, dropping expired ones first and,
// when the map is full, the one that expires first.
func (s *signIns) addPending(p *pendingSignIn, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pending == nil {
		s.pending = map[string]*pendingSignIn{}
	}
	if len(s.pending) >= maxPendingSignIns {
		dropExpired(s.pending, maxPendingSignIns, now, func(p *pendingSignIn) time.Time { return p.expires })
	}
	s.pending[p.pending.State()] = p
}

// takePending removes and returns the sign-in a state names, if it has
// not expired: an answer is taken once, so a replayed one finds nothing.
func (s *signIns) takePending(state string, now time.Time) (*pendingSignIn, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.pending[state]
	if !ok {
		return nil, false
	}
	delete(s.pending, state)
	return p, now.Before(p.expires)
}

// newSession keeps who signed in and returns the session's token.
func (s *signIns) newSession(sess *signInSession, now time.Time) string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	token := base64.RawURLEncoding.EncodeToString(b)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sessions == nil {
		s.sessions = map[[sha256.Size]byte]*signInSession{}
	}
	if len(s.sessions) >= maxSignInSessions {
		dropExpired(s.sessions, maxSignInSessions, now, func(s *signInSession) time.Time { return s.expires })
	}
	s.sessions[sha256.Sum256([]byte(token))] = sess
	return token
}

// session finds the live session of a token for an integration.
func (s *signIns) session(token, integrationUUID string, now time.Time) (*signInSession, bool) {
	if !wellFormedToken(token) {
		return nil, false
	}
	h := sha256.Sum256([]byte(token))
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[h]
	if !ok || sess.integration != integrationUUID {
		return nil, false
	}
	if !now.Before(sess.expires) {
		delete(s.sessions, h)
		return nil, false
	}
	return sess, true
}

// endSession forgets a token's session of an integration.
func (s *signIns) endSession(token, integrationUUID string) {
	if !wellFormedToken(token) {
		return
	}
	h := sha256.Sum256([]byte(token))
	s.mu.Lock()
	defer s.mu.Unlock()
	if sess, ok := s.sessions[h]; ok && sess.integration == integrationUUID {
		delete(s.sessions, h)
	}
}

// dropExpired makes room in a full map: it removes the expired entries
// and, if still limit or more remain, the one that expires first.
func dropExpired[K comparable, V any](m map[K]V, limit int, now time.Time, expires func(V) time.Time) {
	var first K
	var firstAt time.Time
	found := false
	for k, v := range m {
		at := expires(v)
		if !now.Before(at) {
			delete(m, k)
			continue
		}
		if !found || at.Before(firstAt) {
			first, firstAt, found = k, at, true
		}
	}
	if found && len(m) >= limit {
		delete(m, first)
	}
}

// wellFormedToken tells whether a header value can be one of our tokens;
// anything else (too long, other characters) is refused unread.
func wellFormedToken(t string) bool {
	if len(t) != sessionTokenLen {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// signInConfigured tells whether an integration has a personal VMR
// sign-in: a client ID and a token endpoint, or OpenID metadata that
// names one (oauth.FromIntegration).
func signInConfigured(in *integration.Integration) bool {
	return in.PersonalVMROAuthClientID != nil && strings.TrimSpace(*in.PersonalVMROAuthClientID) != "" &&
		(in.PersonalVMROAuthTokenEndpoint != "" || in.AddinOIDCMetadataURL != "")
}

// signInFingerprint names the sign-in settings of an integration: a
// session made under other settings (another provider, another client)
// no longer counts.
func signInFingerprint(in *integration.Integration) string {
	client := ""
	if in.PersonalVMROAuthClientID != nil {
		client = *in.PersonalVMROAuthClientID
	}
	return fmt.Sprintf("%q %q %q %q %q %q", in.AuthProvider, client, in.PersonalVMROAuthAuthEndpoint,
		in.PersonalVMROAuthTokenEndpoint, in.PersonalVMRADFSRelyingPartyTrustIdentifier, in.AddinOIDCMetadataURL)
}

// provider is the identity provider of an integration's personal VMR
// sign-in, with its client secret from the keychain. Discovery is reused
// for providerTTL while the integration's settings stay the same.
func (s *Server) signInProvider(ctx context.Context, in *integration.Integration) (*oauth.Provider, error) {
	secret, _, err := s.cfg.Integrations.Secret(ctx, in, integration.SecretPersonalVMROAuthClientSecret)
	if err != nil {
		return nil, fmt.Errorf("reading the personal VMR client secret from the keychain: %w", err)
	}
	fp := signInFingerprint(in)
	now := s.cfg.Now()
	s.signIns.mu.Lock()
	c, ok := s.signIns.providers[in.UUID]
	s.signIns.mu.Unlock()
	if !ok || c.fingerprint != fp || now.Sub(c.made) >= providerTTL || now.Before(c.made) {
		p, err := oauth.FromIntegration(ctx, in, secret, s.cfg.HTTPClient)
		if err != nil {
			return nil, err
		}
		c = cachedProvider{fingerprint: fp, provider: p, made: now}
		s.signIns.mu.Lock()
		if s.signIns.providers == nil {
			s.signIns.providers = map[string]cachedProvider{}
		}
		s.signIns.providers[in.UUID] = c // one per integration: bounded by them
		s.signIns.mu.Unlock()
	}
	p := *c.provider // the cached one is shared: the secret goes on a copy
	p.ClientSecret = secret
	return &p, nil
}

// signInStartsPerMinute is how many sign-ins one client address may start
// a minute: far more than people behind one proxy click, far fewer than
// would fill the pending sign-ins (maxPendingSignIns over pendingSignInTTL).
const signInStartsPerMinute = 60

// clientAddress is the address a request came from, without its port.
func clientAddress(r *http.Request) string {
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return h
	}
	return r.RemoteAddr
}

// signInBase is the origin the provider sends the dialog back to: the
// integration's add-in server, which the admin registered, except on a
// host that listens on loopback (development), where it is the address the
// pane uses. The Host header is the client's to choose, so a production
// host never builds a redirect from it.
func (s *Server) signInBase(r *http.Request, in *integration.Integration) string {
	if d := strings.TrimSpace(in.AddinServerDomain); d != "" && !s.loopback {
		return "https://" + d
	}
	return "https://" + r.Host
}

// signInStart begins a personal VMR sign-in in the pane's dialog: it
// keeps a pending sign-in and sends the browser to the identity provider.
func (s *Server) signInStart(w http.ResponseWriter, r *http.Request) {
	in, ok := s.integrationOf(w, r)
	if !ok {
		return
	}
	if allowed, _ := s.signInLimit.allow(clientAddress(r)); !allowed {
		signInFailed(w, r, "Too many sign-ins were started from your network in the last minute; wait a minute and sign in again.")
		return
	}
	if !in.EnablePersonalVMRs {
		signInFailed(w, r, "The integration "+in.Name+" does not offer personal rooms, so there is nothing to sign in to.")
		return
	}
	if !signInConfigured(in) {
		signInFailed(w, r, "Personal VMR sign-in is not configured for "+in.Name+
			". Ask your IT team to set personal_vmr_oauth_client_id and the authorization and token endpoints.")
		return
	}
	p, err := s.signInProvider(r.Context(), in)
	if err != nil {
		s.log.Warn("add-in host: personal VMR sign-in unavailable", "integration", in.Name, "error", err)
		signInFailed(w, r, "The sign-in service could not be reached or is not set up completely. "+
			"Try again later; if it persists, tell your IT team (the host's log has the reason).")
		return
	}
	authURL, pending, err := p.Start(s.signInBase(r, in) + signInCallbackPath)
	if err != nil {
		s.log.Warn("add-in host: personal VMR sign-in not configured", "integration", in.Name, "error", err)
		signInFailed(w, r, "The sign-in is not set up completely. Tell your IT team (the host's log has the reason).")
		return
	}
	s.signIns.addPending(&pendingSignIn{integration: in.UUID, provider: p, pending: pending, expires: s.cfg.Now().Add(pendingSignInTTL)}, s.cfg.Now())
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, authURL, http.StatusFound)
}

// signInCallback takes the identity provider's answer, finishes the
// sign-in and hands the dialog its session.
func (s *Server) signInCallback(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Referrer-Policy", "no-referrer") // the URL holds the code
	q := r.URL.Query()
	state := q.Get("state")
	var pend *pendingSignIn
	live := false
	if state != "" && len(state) <= maxStateLen {
		pend, live = s.signIns.takePending(state, s.cfg.Now())
	}
	if !live {
		signInFailed(w, r, "This sign-in is unknown, was already used or took too long; sign in again from the add-in.")
		return
	}
	in, err := s.integration(r.Context(), pend.integration)
	if err != nil || !in.EnablePersonalVMRs || !signInConfigured(in) {
		signInFailed(w, r, "The integration's personal rooms changed during the sign-in; try again.")
		return
	}
	sess, err := pend.provider.Finish(r.Context(), pend.pending, q)
	if err != nil {
		s.log.Info("add-in host: personal VMR sign-in failed", "integration", in.Name, "error", err)
		msg := "The sign-in did not work; try again, or tell your IT team."
		if errors.Is(err, oauth.ErrConsentRefused) {
			msg = "The sign-in was refused. Sign in again and accept, or ask your IT team."
		}
		signInFailed(w, r, msg)
		return
	}
	email := sess.Identity.VerifiedEmail
	if email == "" || sess.Identity.Subject == "" {
		s.log.Warn("add-in host: the identity provider vouches for no address", "integration", in.Name)
		signInFailed(w, r, "The identity provider did not vouch for your e-mail address, so your rooms cannot be found. "+
			"Your IT team must release a verified address (see the admin guide).")
		return
	}
	token := s.signIns.newSession(&signInSession{integration: in.UUID, email: email, key: "oauth:" + sess.Identity.Subject,
		settings: signInFingerprint(in), expires: s.cfg.Now().Add(signInSessionTTL)}, s.cfg.Now())
	s.log.Info("add-in host: personal VMR sign-in", "integration", in.Name)
	signInDone(w, r, url.Values{"session": {token}, "email": {email}})
}

// signInDone sends the dialog to the page that passes the outcome to the
// pane, in the fragment: it reaches no server and no log.
func signInDone(w http.ResponseWriter, r *http.Request, fragment url.Values) {
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, signInDonePage+"#"+fragment.Encode(), http.StatusFound)
}

// signInFailed ends the dialog with a message for the user, which the
// done page shows and passes to the pane: a page of the host's own with
// an error status would show in some Outlooks as Office's "the page
// cannot be loaded" (dialog event 12002) instead of the reason.
func signInFailed(w http.ResponseWriter, r *http.Request, message string) {
	signInDone(w, r, url.Values{"error": {message}})
}

// signOut ends the session the pane holds; signing out twice is no error.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request) {
	in, ok := s.integrationOf(w, r)
	if !ok {
		return
	}
	s.signIns.endSession(r.Header.Get(sessionHeader), in.UUID)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// signedIn is the live session a request carries for an integration, or
// the problem that asks the pane to sign in.
func (s *Server) signedIn(r *http.Request, in *integration.Integration) (*signInSession, *Problem) {
	token := r.Header.Get(sessionHeader)
	detail := "sign in to see your personal rooms (the pane's sign-in button)"
	if token != "" {
		detail = "the sign-in has expired or ended; sign in again to see your personal rooms"
	}
	sess, ok := s.signIns.session(token, in.UUID, s.cfg.Now())
	if ok && sess.settings != signInFingerprint(in) {
		// The admin changed the sign-in since: sign in again under it.
		s.signIns.endSession(token, in.UUID)
		ok = false
	}
	if !ok {
		return nil, &Problem{Type: typeSignInRequired, Title: "Sign-in required", Status: http.StatusUnauthorized, Detail: detail}
	}
	return sess, nil
}
