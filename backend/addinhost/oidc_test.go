package addinhost_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"

	"vmr-companion/backend/addinhost"
	"vmr-companion/backend/conference"
)

// The OpenID provider of these tests is the example OP of zitadel/oidc
// (a certified OpenID Connect library), run in this process on an
// httptest TLS server. Tokens come from it through the authorization code
// flow, its login form filled in as a browser would: nothing here makes or
// signs a JWT.

// redirectURI is where the OP sends the browser back with the code. The
// test stops at the redirect, so nothing is ever asked of this address.
const redirectURI = "https://127.0.0.1/vmr-companion/callback"

// opUsers is the OP's user directory.
type opUsers map[string]*storage.User

func (u opUsers) GetUserByID(id string) *storage.User { return u[id] }
func (u opUsers) GetUserByUsername(name string) *storage.User {
	for _, user := range u {
		if user.Username == name {
			return user
		}
	}
	return nil
}
func (u opUsers) ExampleClientID() string { return "service" }

// opStorage is the example storage with two client settings a real OP
// lets an admin choose: claims of the email and profile scopes go into
// the ID token (as Entra ID and AD FS put them there), and the ID token
// lifetime, which a test can set.
type opStorage struct {
	*storage.Storage
	idTokenLifetime atomic.Int64 // nanoseconds; 0 keeps the client's own (access tokens too)
}

// CreateAccessToken lets a test shorten access tokens as ID tokens.
func (s *opStorage) CreateAccessToken(ctx context.Context, request op.TokenRequest) (string, time.Time, error) {
	id, exp, err := s.Storage.CreateAccessToken(ctx, request)
	if d := time.Duration(s.idTokenLifetime.Load()); err == nil && d != 0 {
		exp = time.Now().Add(d)
	}
	return id, exp, err
}

// GetPrivateClaimsFromScopes adds the Entra ID claims of the user to JWT
// access tokens, as Entra ID puts tid, oid and upn in the access tokens of
// Office single sign-on and nested app authentication.
func (s *opStorage) GetPrivateClaimsFromScopes(ctx context.Context, userID, clientID string, scopes []string) (map[string]any, error) {
	claims, err := s.Storage.GetPrivateClaimsFromScopes(ctx, userID, clientID, scopes)
	if err != nil {
		return nil, err
	}
	for k, v := range entraClaims[userID] {
		if claims == nil {
			claims = map[string]any{}
		}
		claims[k] = v
	}
	return claims, nil
}

func (s *opStorage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	return &opClient{Client: c, lifetime: time.Duration(s.idTokenLifetime.Load())}, nil
}

// entraClaims are claims Entra ID puts in its ID tokens (tid, oid, upn,
// xms_edov), added per user as that provider would.
var entraClaims = map[string]map[string]any{
	"id-erin":  {"tid": "tenant-1", "oid": "oid-erin", "upn": "Erin@Contoso.example"},
	"id-guest": {"tid": "tenant-1", "oid": "oid-guest", "upn": "guest_outside.example#EXT#@contoso.example"},
	"id-ed":    {"tid": "tenant-1", "oid": "oid-ed", "xms_edov": true},
	// A member of another tenant, whose token names tenant-2.
	"id-tara": {"tid": "tenant-2", "oid": "oid-tara", "upn": "tara@fabrikam.example"},
}

// SetUserinfoFromRequest fills the ID token's claims as the example OP
// does, then adds the Entra ID claims of the user, if any.
func (s *opStorage) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, token op.IDTokenRequest, scopes []string) error {
	if err := s.Storage.SetUserinfoFromRequest(ctx, info, token, scopes); err != nil {
		return err
	}
	for k, v := range entraClaims[token.GetSubject()] {
		info.AppendClaims(k, v)
	}
	return nil
}

type opClient struct {
	op.Client
	lifetime time.Duration
}

func (c *opClient) IDTokenUserinfoClaimsAssertion() bool { return true }

// AccessTokenType: JWT access tokens, as Entra ID issues for an API.
func (c *opClient) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeJWT }
func (c *opClient) IDTokenLifetime() time.Duration {
	if c.lifetime != 0 {
		return c.lifetime
	}
	return c.Client.IDTokenLifetime()
}

// provider is a running OP.
type provider struct {
	srv       *httptest.Server
	issuer    string
	storage   *opStorage
	discovery struct {
		Authorization string `json:"authorization_endpoint"`
		Token         string `json:"token_endpoint"`
	}
}

// The OP's clients: the add-in's, another application's, the NAA web
// API's, and one registered under its Application ID URI.
const (
	addinClient = "vmr-addin"
	otherClient = "other-app"
	naaClient   = "vmr-naa-api"
	uriClient   = "api://addins.example.com/vmr-addin"
)

var clientSecrets = map[string]string{addinClient: "addin-secret", otherClient: "other-secret", naaClient: "naa-secret", uriClient: "uri-secret"}

func startProvider(t testing.TB) *provider { return startProviderAt(t, "") }

// startProviderAt runs the OP with its issuer at path (e.g.
// "/tenant-1/v2.0", as Entra ID's tenants), served there and at the root.
func startProviderAt(t testing.TB, path string) *provider {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	issuer := "https://" + srv.Listener.Addr().String() + path
	users := opUsers{
		"id-alice": {ID: "id-alice", Username: "alice", Password: "alice-password", FirstName: "Alice", LastName: "Example",
			Email: "Alice@Example.com", EmailVerified: true, PreferredLanguage: language.English},
		"id-bob": {ID: "id-bob", Username: "bob", Password: "bob-password", FirstName: "Bob", LastName: "Example",
			Email: "bob@example.com", EmailVerified: true, PreferredLanguage: language.English},
		"id-carol": {ID: "id-carol", Username: "carol@example.com", Password: "carol-password", FirstName: "Carol", LastName: "Example",
			PreferredLanguage: language.English}, // no email: the address is her user name, as Entra ID's upn
		// Dave's provider lets users type any address and says nothing
		// of verifying it (no email_verified claim): he typed Alice's.
		"id-dave": {ID: "id-dave", Username: "dave", Password: "dave-password", FirstName: "Dave", LastName: "Example",
			Email: "alice@example.com", EmailVerified: false, PreferredLanguage: language.English},
		// Alice's address, verified, now given to someone else (a new
		// account after she left, or a renamed one): another subject.
		"id-alice2": {ID: "id-alice2", Username: "alice2", Password: "alice2-password", FirstName: "Alice", LastName: "Other",
			Email: "alice@example.com", EmailVerified: true, PreferredLanguage: language.English},
		// Entra ID users (see entraClaims): a member with a upn, a guest
		// and one with an email whose domain the tenant verified.
		"id-erin": {ID: "id-erin", Username: "erin", Password: "erin-password", FirstName: "Erin", LastName: "Example",
			PreferredLanguage: language.English},
		"id-guest": {ID: "id-guest", Username: "guest", Password: "guest-password", FirstName: "Guest", LastName: "Example",
			PreferredLanguage: language.English},
		"id-ed": {ID: "id-ed", Username: "ed", Password: "ed-password", FirstName: "Ed", LastName: "Example",
			Email: "ed@contoso.example", PreferredLanguage: language.English},
		"id-tara": {ID: "id-tara", Username: "tara", Password: "tara-password", FirstName: "Tara", LastName: "Example",
			PreferredLanguage: language.English},
	}
	clients := map[string]*storage.Client{
		addinClient: storage.WebClient(addinClient, clientSecrets[addinClient], redirectURI),
		otherClient: storage.WebClient(otherClient, clientSecrets[otherClient], redirectURI),
		naaClient:   storage.WebClient(naaClient, clientSecrets[naaClient], redirectURI),
		uriClient:   storage.WebClient(uriClient, clientSecrets[uriClient], redirectURI),
	}
	p := &provider{srv: srv, issuer: issuer, storage: &opStorage{Storage: storage.NewStorageWithClients(users, clients)}}
	// SetupServer makes its logger the process default; a silent one keeps
	// the test output to the tests.
	handler := exampleop.SetupServer(issuer, p.storage, slog.New(slog.DiscardHandler), false)
	srv.Config.Handler = handler
	if path != "" {
		mux := http.NewServeMux()
		mux.Handle(path+"/", http.StripPrefix(path, handler))
		mux.Handle("/", handler)
		srv.Config.Handler = mux
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)

	res, err := srv.Client().Get(issuer + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatalf("reading the OP's discovery document: %v", err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(&p.discovery); err != nil || p.discovery.Token == "" {
		t.Fatalf("the OP's discovery document: %+v, %v", p.discovery, err)
	}
	return p
}

func (p *provider) metadataURL() string { return p.issuer + "/.well-known/openid-configuration" }

var loginFormID = regexp.MustCompile(`name="id" value="([^"]+)"`)

// idToken signs user in to client through the authorization code flow and
// returns the ID token the OP issues.
func (p *provider) idToken(t testing.TB, client, username, password, scope string) string {
	t.Helper()
	id, _ := p.tokens(t, client, username, password, scope)
	return id
}

// accessToken is the JWT access token of the same flow: what Office SSO
// and MSAL give the pane for the add-in's API (its audience is client).
func (p *provider) accessToken(t testing.TB, client, username, password, scope string) string {
	t.Helper()
	_, access := p.tokens(t, client, username, password, scope)
	return access
}

func (p *provider) tokens(t testing.TB, client, username, password, scope string) (id, access string) {
	t.Helper()
	browser := &http.Client{
		Transport: p.srv.Client().Transport,
		Timeout:   30 * time.Second,
		CheckRedirect: func(req *http.Request, _ []*http.Request) error {
			if strings.HasPrefix(req.URL.String(), redirectURI) {
				return http.ErrUseLastResponse
			}
			return nil
		},
	}
	q := url.Values{"client_id": {client}, "redirect_uri": {redirectURI}, "response_type": {"code"},
		"scope": {scope}, "state": {"state-1"}, "nonce": {"nonce-1"}}
	res, err := browser.Get(p.discovery.Authorization + "?" + q.Encode())
	if err != nil {
		t.Fatalf("authorization request: %v", err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := loginFormID.FindSubmatch(page)
	if res.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("the OP did not show its login form: %d %s", res.StatusCode, page)
	}

	res, err = browser.PostForm(p.issuer+"/login/username", url.Values{"id": {string(m[1])}, "username": {username}, "password": {password}})
	if err != nil {
		t.Fatalf("signing in: %v", err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	loc, err := res.Location()
	if res.StatusCode != http.StatusFound || err != nil {
		t.Fatalf("signing in as %s: %d %s", username, res.StatusCode, body)
	}
	if loc.Query().Get("state") != "state-1" || loc.Query().Get("code") == "" {
		t.Fatalf("the OP redirected to %s", loc)
	}

	form := url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "redirect_uri": {redirectURI}}
	req, _ := http.NewRequest(http.MethodPost, p.discovery.Token, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(client), url.QueryEscape(clientSecrets[client]))
	res, err = browser.Do(req)
	if err != nil {
		t.Fatalf("token request: %v", err)
	}
	defer res.Body.Close()
	var tok struct {
		IDToken     string `json:"id_token"`
		AccessToken string `json:"access_token"`
	}
	body, _ = io.ReadAll(res.Body)
	if err := json.Unmarshal(body, &tok); err != nil || res.StatusCode != http.StatusOK || strings.Count(tok.IDToken, ".") != 2 ||
		strings.Count(tok.AccessToken, ".") != 2 {
		t.Fatalf("token response %d: %s", res.StatusCode, body)
	}
	return tok.IDToken, tok.AccessToken
}

// tamper flips one character in the middle of the token's signature.
func tamper(token string) string {
	i := strings.LastIndex(token, ".") + (len(token)-strings.LastIndex(token, "."))/2
	b := []byte(token)
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

// wantAnswer checks the status and returns the answer.
func wantAnswer(t testing.TB, r response, status int) response {
	t.Helper()
	wantStatus(t, r, status)
	return r
}

func bearer(token string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + token}
}

func TestOIDC(t *testing.T) {
	p := startProvider(t)
	e := newEnv(t)
	in := e.addIntegration(t, "Contoso", map[string]any{
		"addin_oidc_metadata_url": p.metadataURL(),
		"addin_application_id":    addinClient,
	})
	// Same provider, another audience: its verifier is not made until a
	// request needs it.
	uncached := e.addIntegration(t, "Fabrikam", map[string]any{
		// The same document under another URL (the OP ignores the query).
		"addin_oidc_metadata_url": p.metadataURL() + "?tenant=fabrikam",
		"addin_application_id":    otherClient,
	})
	e.addConference(t, &conference.Conference{Name: "Alice's room", PrimaryOwnerEmailAddress: "alice@example.com",
		Aliases: []conference.Alias{{Alias: "meet.alice@vc.example.com"}}})
	e.addConference(t, &conference.Conference{Name: "Bob's room", PrimaryOwnerEmailAddress: "bob@example.com",
		Aliases: []conference.Alias{{Alias: "meet.bob@vc.example.com"}}})
	cfg := e.config()
	cfg.Auth = addinhost.AuthOIDC
	cfg.HTTPClient = p.srv.Client() // trusts the OP's test certificate
	h := startHost(t, e, cfg)
	reservations := "/api/v1/integrations/" + in.UUID + "/reservations"
	alice := p.idToken(t, addinClient, "alice", "alice-password", "openid email profile")

	reserve := func(t *testing.T, key string, hdr map[string]string) response {
		t.Helper()
		return h.do(t, http.MethodPost, reservations, mustJSON(t, map[string]string{"item_key": key}), hdr)
	}

	t.Run("the pane learns that the host wants single sign-on tokens", func(t *testing.T) {
		if got := decode[addinhost.PaneConfig](t, h.get(t, "/api/v1/integrations/"+in.UUID+"/pane", nil)); got.Auth != addinhost.PaneAuthSSO {
			t.Errorf("auth = %q", got.Auth)
		}
	})

	t.Run("a valid token reserves for the token's user", func(t *testing.T) {
		r := reserve(t, "k1", bearer(alice))
		wantStatus(t, r, http.StatusCreated)
		res := decode[addinhost.Reservation](t, r)
		a, err := e.aliases.Lookup(context.Background(), res.AliasUUID)
		if err != nil || a.UserEmail != "alice@example.com" {
			t.Errorf("stored reservation %+v, %v", a, err)
		}
	})

	t.Run("the user header cannot override the token", func(t *testing.T) {
		r := reserve(t, "k2", with(bearer(alice), "X-VMR-User", "bob@example.com"))
		wantStatus(t, r, http.StatusCreated)
		a, err := e.aliases.Lookup(context.Background(), decode[addinhost.Reservation](t, r).AliasUUID)
		if err != nil || a.UserEmail != "alice@example.com" {
			t.Errorf("stored reservation %+v, %v", a, err)
		}
	})

	t.Run("an add-in token does not list personal rooms: they need the personal VMR sign-in", func(t *testing.T) {
		r := h.get(t, "/api/v1/integrations/"+in.UUID+"/personal-vmrs", with(bearer(alice), "X-VMR-User", "bob@example.com"))
		wantProblem(t, r, http.StatusUnauthorized, typeSignInRequired)
	})

	t.Run("the bearer scheme is matched without regard to case", func(t *testing.T) {
		wantStatus(t, reserve(t, "k3", map[string]string{"Authorization": "bearer " + alice}), http.StatusCreated)
	})

	t.Run("an address only in preferred_username is not trusted: 403", func(t *testing.T) {
		// Users can often choose their user name, so it proves nothing.
		carol := p.idToken(t, addinClient, "carol@example.com", "carol-password", "openid profile")
		pr := wantProblem(t, reserve(t, "carol-1", bearer(carol)), http.StatusForbidden, typeForbidden)
		if !strings.Contains(pr.Detail, "verified") {
			t.Errorf("detail = %q, want it to ask for a verified address", pr.Detail)
		}
	})

	t.Run("an email without email_verified is not trusted: no reservation and none of that address's rooms", func(t *testing.T) {
		dave := p.idToken(t, addinClient, "dave", "dave-password", "openid email profile")
		wantProblem(t, reserve(t, "dave-1", bearer(dave)), http.StatusForbidden, typeForbidden)
		r := h.get(t, "/api/v1/integrations/"+in.UUID+"/personal-vmrs", bearer(dave))
		if r.status == http.StatusOK || strings.Contains(string(r.body), "Alice") {
			t.Fatalf("an unverified address listed its owner's rooms: %d %s", r.status, r.body)
		}
		wantProblem(t, r, http.StatusUnauthorized, typeSignInRequired)
	})

	t.Run("a reservation belongs to the token's subject, not to its address", func(t *testing.T) {
		first := decode[addinhost.Reservation](t, wantAnswer(t, reserve(t, "subject-1", bearer(alice)), http.StatusCreated))
		alice2 := p.idToken(t, addinClient, "alice2", "alice2-password", "openid email profile")
		r := reserve(t, "subject-1", bearer(alice2))
		if r.status == http.StatusOK {
			t.Fatalf("another subject with the same address got Alice's reservation: %s", r.body)
		}
		if r.status == http.StatusCreated && decode[addinhost.Reservation](t, r).AliasUUID == first.AliasUUID {
			t.Fatal("another subject with the same address got Alice's alias")
		}
		again := decode[addinhost.Reservation](t, wantAnswer(t, reserve(t, "subject-1", bearer(alice)), http.StatusOK))
		if again.AliasUUID != first.AliasUUID {
			t.Errorf("Alice's retry got %s, want %s", again.AliasUUID, first.AliasUUID)
		}
	})

	t.Run("an Entra ID member reserves for the tenant's upn", func(t *testing.T) {
		erin := p.idToken(t, addinClient, "erin", "erin-password", "openid profile")
		r := wantAnswer(t, reserve(t, "erin-1", bearer(erin)), http.StatusCreated)
		a, err := e.aliases.Lookup(context.Background(), decode[addinhost.Reservation](t, r).AliasUUID)
		if err != nil || a.UserEmail != "erin@contoso.example" {
			t.Errorf("stored reservation %+v, %v", a, err)
		}
	})

	t.Run("an Entra ID guest's upn is not an address of the tenant: 403", func(t *testing.T) {
		guest := p.idToken(t, addinClient, "guest", "guest-password", "openid profile")
		wantProblem(t, reserve(t, "guest-1", bearer(guest)), http.StatusForbidden, typeForbidden)
	})

	t.Run("an Entra ID email whose domain the tenant verified (xms_edov) is trusted", func(t *testing.T) {
		ed := p.idToken(t, addinClient, "ed", "ed-password", "openid email profile")
		r := wantAnswer(t, reserve(t, "ed-1", bearer(ed)), http.StatusCreated)
		a, err := e.aliases.Lookup(context.Background(), decode[addinhost.Reservation](t, r).AliasUUID)
		if err != nil || a.UserEmail != "ed@contoso.example" {
			t.Errorf("stored reservation %+v, %v", a, err)
		}
	})

	t.Run("a token without any address answers 403", func(t *testing.T) {
		bare := p.idToken(t, addinClient, "bob", "bob-password", "openid")
		wantProblem(t, reserve(t, "bare-1", bearer(bare)), http.StatusForbidden, typeForbidden)
	})

	rejected := []struct {
		name string
		hdr  func(t *testing.T) map[string]string
	}{
		{"no Authorization header answers 401", func(*testing.T) map[string]string { return nil }},
		{"a user header without a token answers 401", func(*testing.T) map[string]string { return headers("X-VMR-User", "alice@example.com") }},
		{"an empty bearer token answers 401", func(*testing.T) map[string]string { return headers("Authorization", "Bearer ") }},
		{"basic authentication answers 401", func(*testing.T) map[string]string {
			return headers("Authorization", "Basic YWxpY2U6YWxpY2UtcGFzc3dvcmQ=")
		}},
		{"the token as a basic credential answers 401", func(*testing.T) map[string]string { return headers("Authorization", "Basic "+alice) }},
		{"a token for another application answers 401", func(t *testing.T) map[string]string {
			return bearer(p.idToken(t, otherClient, "alice", "alice-password", "openid email profile"))
		}},
		{"a token with a flipped signature byte answers 401", func(*testing.T) map[string]string { return bearer(tamper(alice)) }},
		{"a token whose payload was swapped answers 401", func(t *testing.T) map[string]string {
			bob := p.idToken(t, addinClient, "bob", "bob-password", "openid email profile")
			a, b := strings.Split(alice, "."), strings.Split(bob, ".")
			return bearer(a[0] + "." + b[1] + "." + a[2])
		}},
		{"an expired token answers 401", func(t *testing.T) map[string]string {
			// The OP issues this client's ID tokens with a lifetime that
			// has already run out.
			p.storage.idTokenLifetime.Store(int64(-time.Minute))
			defer p.storage.idTokenLifetime.Store(0)
			return bearer(p.idToken(t, addinClient, "alice", "alice-password", "openid email profile"))
		}},
		{"garbage answers 401", func(*testing.T) map[string]string { return bearer("not.a.jwt") }},
	}
	for i, tc := range rejected {
		t.Run(tc.name, func(t *testing.T) {
			r := reserve(t, "rejected-"+string(rune('a'+i)), tc.hdr(t))
			pr := wantProblem(t, r, http.StatusUnauthorized, typeUnauthorized)
			if tc.name == "an expired token answers 401" && !strings.Contains(pr.Detail, "expired") {
				t.Errorf("detail = %q, want it to say the token expired", pr.Detail)
			}
			// A 401 says which check failed (issuer and audience are
			// public: they are in the manifest and the metadata), never
			// the token or the user's stable identity.
			for _, secret := range []string{alice, strings.Split(alice, ".")[1], strings.Split(alice, ".")[2], "oidc:", "entra:"} {
				if strings.Contains(string(r.body), secret) {
					t.Errorf("401 body %s reveals %q", r.body, secret)
				}
			}
		})
	}

	t.Run("rejected requests reserved nothing", func(t *testing.T) {
		if n, err := e.store.Aliases().Count(context.Background(), in.ID); err != nil || n != 7 {
			t.Errorf("%d reservations (%v), want the 7 accepted", n, err)
		}
	})

	t.Run("personal VMRs without a sign-in answer 401", func(t *testing.T) {
		wantProblem(t, h.get(t, "/api/v1/integrations/"+in.UUID+"/personal-vmrs", headers("X-VMR-User", "alice@example.com")),
			http.StatusUnauthorized, typeSignInRequired)
	})

	p.srv.Close()

	t.Run("with the provider down an integration whose provider was not read yet answers 503", func(t *testing.T) {
		r := h.do(t, http.MethodPost, "/api/v1/integrations/"+uncached.UUID+"/reservations", mustJSON(t, map[string]string{"item_key": "down-1"}), bearer(alice))
		wantProblem(t, r, http.StatusServiceUnavailable, typeUnavailable)
	})

	t.Run("with the provider down a provider already read keeps verifying with its keys", func(t *testing.T) {
		wantStatus(t, reserve(t, "down-2", bearer(alice)), http.StatusCreated)
	})

	t.Run("with the provider down a token no known key verifies answers 503: the keys may have rotated", func(t *testing.T) {
		wantProblem(t, reserve(t, "down-3", bearer(tamper(alice))), http.StatusServiceUnavailable, typeUnavailable)
	})
}

func TestOIDCWithoutProviderSettings(t *testing.T) {
	e := newEnv(t)
	in := e.addIntegration(t, "Contoso", nil) // no metadata URL, no application id
	cfg := e.config()
	cfg.Auth = addinhost.AuthOIDC
	h := startHost(t, e, cfg)
	t.Run("an integration without an OIDC provider answers 503 to a token", func(t *testing.T) {
		r := h.reserve(t, in.UUID, "k1", "")
		wantProblem(t, r, http.StatusUnauthorized, typeUnauthorized) // no token at all
		r = h.do(t, http.MethodPost, "/api/v1/integrations/"+in.UUID+"/reservations", []byte(`{"item_key":"k1"}`), bearer("a.b.c"))
		wantProblem(t, r, http.StatusServiceUnavailable, typeUnavailable)
	})
}

// TestOIDCUnresponsiveProvider: a provider that accepts connections but
// never answers holds up only the requests that need it, and only while
// they wait.
func TestOIDCUnresponsiveProvider(t *testing.T) {
	p := startProvider(t)
	entered := make(chan struct{}, 16)
	abandoned := make(chan struct{}, 16)
	release := make(chan struct{})
	hung := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		select {
		case <-r.Context().Done():
			abandoned <- struct{}{}
		case <-release:
		}
	}))
	hung.StartTLS() // the same test certificate as the OP's
	t.Cleanup(func() { close(release); hung.Close() })

	e := newEnv(t)
	good := e.addIntegration(t, "Contoso", map[string]any{"addin_oidc_metadata_url": p.metadataURL(), "addin_application_id": addinClient})
	stuck := e.addIntegration(t, "Stuck", map[string]any{
		"addin_oidc_metadata_url": hung.URL + "/.well-known/openid-configuration", "addin_application_id": addinClient,
	})
	cfg := e.config()
	cfg.Auth = addinhost.AuthOIDC
	cfg.HTTPClient = p.srv.Client()
	h := startHost(t, e, cfg)
	alice := p.idToken(t, addinClient, "alice", "alice-password", "openid email")

	// The pane of the stuck integration waits for an answer, then gives up.
	ctx, giveUp := context.WithCancel(context.Background())
	defer giveUp()
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, h.url+"/api/v1/integrations/"+stuck.UUID+"/reservations", strings.NewReader(`{"item_key":"k1"}`))
		req.Header.Set("Authorization", "Bearer "+alice)
		res, err := h.client.Do(req)
		if err == nil {
			res.Body.Close()
			err = errors.New("answered " + res.Status)
		}
		done <- err
	}()
	select {
	case <-entered:
	case <-time.After(30 * time.Second):
		t.Fatal("the host never asked the stuck provider")
	}

	t.Run("another integration's sign-in goes on meanwhile", func(t *testing.T) {
		r := h.do(t, http.MethodPost, "/api/v1/integrations/"+good.UUID+"/reservations", []byte(`{"item_key":"k1"}`), bearer(alice))
		wantStatus(t, r, http.StatusCreated)
	})

	t.Run("the host stops asking once the pane gave up", func(t *testing.T) {
		giveUp()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("the stuck request ended with %v", err)
		}
		select {
		case <-abandoned:
		case <-time.After(30 * time.Second):
			t.Fatal("the host still waits for the stuck provider after the request ended")
		}
	})
}
