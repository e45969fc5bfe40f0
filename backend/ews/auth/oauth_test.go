package auth_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"

	"vmr-companion/backend/ews/auth"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
)

// The OAuth server of these tests is the example OpenID provider of
// zitadel/oidc (a certified OpenID Connect library), on TLS with the test
// CA. It issues JWT access tokens; the fake EWS in front of the mailbox
// accepts only tokens whose signature verifies against the OP's published
// keys (JWKS), with the issuer, expiry and EWS scope Exchange checks.

const (
	ewsResource        = "https://outlook.office365.com"
	appPermission      = "full_access_as_app"
	delegatePermission = "EWS.AccessAsUser.All"
	redirectURI        = "https://127.0.0.1/vmr-companion/oauth/callback"
	appClientID        = "vmr-app"      // APP_PERM: client credentials
	userClientID       = "vmr-delegate" // OAUTH: refresh token of the service account
	serviceUser        = "svc-vmr@example.com"
)

// opStorage is the example storage with the clients an Entra ID tenant
// would have for VMR Companion: an app registration with a client secret
// for application permissions, and one the service account signs in to.
type opStorage struct {
	*storage.Storage
	appSecret string
}

// ewsClient lets the OP issue JWT access tokens with Exchange's scopes.
type ewsClient struct {
	op.Client
	grants []oidc.GrantType
}

func (c ewsClient) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeJWT }
func (c ewsClient) IsScopeAllowed(scope string) bool {
	return strings.HasPrefix(scope, ewsResource+"/") || c.Client.IsScopeAllowed(scope)
}
func (c ewsClient) GrantTypes() []oidc.GrantType {
	if c.grants != nil {
		return c.grants
	}
	return c.Client.GrantTypes()
}

func (s *opStorage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	return ewsClient{Client: c}, nil
}

// ClientCredentials authenticates the app registration (the example's own
// service users have a fixed secret; this one is made per test).
func (s *opStorage) ClientCredentials(_ context.Context, id, secret string) (op.Client, error) {
	if id != appClientID || secret != s.appSecret {
		return nil, errors.New("wrong client ID or secret")
	}
	return ewsClient{Client: storage.WebClient(id, secret), grants: []oidc.GrantType{oidc.GrantTypeClientCredentials}}, nil
}

func (s *opStorage) ClientCredentialsTokenRequest(_ context.Context, id string, scopes []string) (op.TokenRequest, error) {
	if id != appClientID {
		return nil, errors.New("wrong client ID or secret")
	}
	return &oidc.JWTTokenRequest{Subject: id, Audience: []string{ewsResource}, Scopes: scopes}, nil
}

// GetPrivateClaimsFromScopes puts into the access token what Entra ID puts
// there for Exchange: the granted application permissions as roles (what
// .default stands for; the admin granted full_access_as_app), delegated
// permissions in scp.
func (s *opStorage) GetPrivateClaimsFromScopes(ctx context.Context, userID, clientID string, scopes []string) (map[string]any, error) {
	claims, err := s.Storage.GetPrivateClaimsFromScopes(ctx, userID, clientID, scopes)
	if err != nil {
		return nil, err
	}
	if claims == nil {
		claims = map[string]any{}
	}
	var scp []string
	for _, sc := range scopes {
		switch name, ok := strings.CutPrefix(sc, ewsResource+"/"); {
		case !ok:
		case name == ".default":
			claims["roles"] = []string{"full_access_as_app"}
		default:
			scp = append(scp, name)
		}
	}
	if len(scp) > 0 {
		claims["scp"] = strings.Join(scp, " ")
	}
	return claims, nil
}

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

type provider struct {
	srv          *httptest.Server
	issuer       string
	userSecret   string // the delegated client's secret
	userPassword string
	appSecret    string
	tokenCalls   atomic.Int64
	discovery    struct {
		Authorization string `json:"authorization_endpoint"`
		Token         string `json:"token_endpoint"`
		JWKS          string `json:"jwks_uri"`
	}
}

func startProvider(t testing.TB, ca *testCA) *provider {
	t.Helper()
	p := &provider{userSecret: randomPassword(t), userPassword: randomPassword(t), appSecret: randomPassword(t)}
	srv := httptest.NewUnstartedServer(nil)
	p.srv, p.issuer = srv, "https://"+srv.Listener.Addr().String()
	users := opUsers{"id-svc": {ID: "id-svc", Username: serviceUser, Password: p.userPassword,
		FirstName: "VMR", LastName: "Service", Email: serviceUser, EmailVerified: true, PreferredLanguage: language.English}}
	clients := map[string]*storage.Client{userClientID: storage.WebClient(userClientID, p.userSecret, redirectURI)}
	st := &opStorage{Storage: storage.NewStorageWithClients(users, clients), appSecret: p.appSecret}
	// SetupServer makes its logger the process default: a silent one.
	opHandler := exampleop.SetupServer(p.issuer, st, slog.New(slog.DiscardHandler), false)
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/oauth/token" {
			p.tokenCalls.Add(1)
		}
		opHandler.ServeHTTP(w, r)
	})
	srv.TLS = ca.clientTLS()
	srv.TLS.Certificates = append(srv.TLS.Certificates, ca.serverCert)
	srv.StartTLS()
	t.Cleanup(srv.Close)

	res, err := p.client(ca).Get(p.issuer + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatalf("reading the OP's discovery document: %v", err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(&p.discovery); err != nil || p.discovery.Token != p.issuer+"/oauth/token" || p.discovery.JWKS == "" {
		t.Fatalf("the OP's discovery document: %+v, %v", p.discovery, err)
	}
	return p
}

func (p *provider) client(ca *testCA) *http.Client {
	return &http.Client{Transport: &http.Transport{TLSClientConfig: ca.clientTLS()}, Timeout: 10 * time.Second}
}

var loginFormID = regexp.MustCompile(`name="id" value="([^"]+)"`)

// signIn is the service account signing in once (as the integration's
// OAuth sign-in does in a browser) to get its first refresh token.
func (p *provider) signIn(t testing.TB, ca *testCA) string {
	t.Helper()
	browser := p.client(ca)
	browser.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), redirectURI) {
			return http.ErrUseLastResponse
		}
		return nil
	}
	q := url.Values{"client_id": {userClientID}, "redirect_uri": {redirectURI}, "response_type": {"code"},
		"scope": {"openid " + auth.DefaultOAuthScope}, "state": {"state-1"}}
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
	res, err = browser.PostForm(p.issuer+"/login/username", url.Values{"id": {string(m[1])}, "username": {serviceUser}, "password": {p.userPassword}})
	if err != nil {
		t.Fatalf("signing in: %v", err)
	}
	res.Body.Close()
	loc, err := res.Location()
	if res.StatusCode != http.StatusFound || err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("signing in: %d %v", res.StatusCode, err)
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "redirect_uri": {redirectURI}}
	req, _ := http.NewRequest(http.MethodPost, p.discovery.Token, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(userClientID, p.userSecret)
	res, err = browser.Do(req)
	if err != nil {
		t.Fatalf("token request: %v", err)
	}
	defer res.Body.Close()
	var tok struct {
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil || res.StatusCode != http.StatusOK || tok.RefreshToken == "" {
		t.Fatalf("token response %d without a refresh token (%v)", res.StatusCode, err)
	}
	return tok.RefreshToken
}

// grants reports whether the token carries the permission, as an
// application role or a delegated scope.
func grants(claims *oidc.AccessTokenClaims, permission string) bool {
	if roles, ok := claims.Claims["roles"].([]any); ok && slices.Contains(roles, any(permission)) {
		return true
	}
	scp, _ := claims.Claims["scp"].(string)
	return slices.Contains(strings.Fields(scp), permission)
}

// bearerEWS lets through requests whose access token the OP issued (its
// signature verifies with the OP's keys) granting permission, and answers
// others 401 as Exchange Online does.
func bearerEWS(t testing.TB, ca *testCA, p *provider, permission string, next http.Handler) http.Handler {
	verifier := op.NewAccessTokenVerifier(p.issuer, rp.NewRemoteKeySet(p.client(ca), p.discovery.JWKS))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		var reason string
		if !ok {
			reason = "no bearer token"
		} else if claims, err := op.VerifyAccessToken[*oidc.AccessTokenClaims](r.Context(), token, verifier); err != nil {
			reason = "the token does not verify: " + err.Error()
		} else if !grants(claims, permission) {
			reason = fmt.Sprintf("the token does not grant %s (roles %v, scp %v)", permission, claims.Claims["roles"], claims.Claims["scp"])
		}
		if reason != "" {
			w.Header().Set("WWW-Authenticate", `Bearer client_id="00000002-0000-0ff1-ce00-000000000000"`)
			w.Header().Set("X-Ms-Diagnostics", `2000001;reason="`+reason+`";error_category="invalid_token"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func TestAppPermissionsAgainstOP(t *testing.T) {
	ca := newTestCA(t)
	p := startProvider(t, ca)
	exchange := ca.startTLS(t, bearerEWS(t, ca, p, appPermission, newEWS(t)))
	ewsURL := exchange.URL + "/EWS/Exchange.asmx"
	settings := func(secret string) auth.Settings {
		return auth.Settings{Method: integration.AuthAppPerm, ClientID: appClientID, ClientSecret: secrets.New(secret),
			TokenEndpoint: p.discovery.Token, RootCAs: ca.pool, DisableProxy: true}
	}

	t.Run("the client secret gets a token the EWS server accepts, fetched once for several calls", func(t *testing.T) {
		before := p.tokenCalls.Load()
		hc, err := auth.NewHTTPClient(settings(p.appSecret))
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if _, err := getFolder(t, hc, ewsURL); err != nil {
				t.Fatal(err)
			}
		}
		if n := p.tokenCalls.Load() - before; n != 1 {
			t.Fatalf("%d token requests for 3 calls, want 1", n)
		}
	})

	t.Run("a wrong client secret is refused with advice, without the secret", func(t *testing.T) {
		wrong := randomPassword(t)
		hc, err := auth.NewHTTPClient(settings(wrong))
		if err != nil {
			t.Fatal(err)
		}
		_, err = getFolder(t, hc, ewsURL)
		var ae *auth.Error
		if !errors.As(err, &ae) {
			t.Fatalf("got %v, want *auth.Error", err)
		}
		if !strings.Contains(ae.Problem, "invalid_client") || !strings.Contains(ae.Advice, "client secret is wrong or expired") || !strings.Contains(ae.Advice, "Entra ID") {
			t.Fatalf("error %+v", ae)
		}
		for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err)} {
			if strings.Contains(text, wrong) || strings.Contains(text, p.appSecret) {
				t.Fatal("a secret is in the error")
			}
		}
	})

	t.Run("a token that does not grant full_access_as_app is refused by Exchange, with its reason", func(t *testing.T) {
		s := settings(p.appSecret)
		s.Scopes = []string{ewsResource + "/Calendars.Read"}
		hc, err := auth.NewHTTPClient(s)
		if err != nil {
			t.Fatal(err)
		}
		_, err = getFolder(t, hc, ewsURL)
		var ae *auth.Error
		if !errors.As(err, &ae) || ae.Status != http.StatusUnauthorized ||
			!strings.Contains(ae.Advice, "full_access_as_app") || !strings.Contains(ae.Advice, "does not grant full_access_as_app") {
			t.Fatalf("got %v", err)
		}
	})
}

func TestDelegatedOAuthAgainstOP(t *testing.T) {
	ca := newTestCA(t)
	p := startProvider(t, ca)
	exchange := ca.startTLS(t, bearerEWS(t, ca, p, delegatePermission, newEWS(t)))
	ewsURL := exchange.URL + "/EWS/Exchange.asmx"
	settings := func(refresh string, save func(string) error) auth.Settings {
		return auth.Settings{Method: integration.AuthOAuth, ClientID: userClientID, ClientSecret: secrets.New(p.userSecret),
			RefreshToken: secrets.New(refresh), TokenEndpoint: p.discovery.Token, AuthEndpoint: p.discovery.Authorization,
			RootCAs: ca.pool, DisableProxy: true, OnRefreshToken: save}
	}

	first := p.signIn(t, ca)
	var mu sync.Mutex
	var saved []string
	hc, err := auth.NewHTTPClient(settings(first, func(tok string) error {
		mu.Lock()
		defer mu.Unlock()
		saved = append(saved, tok)
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("the refresh token gets a token the EWS server accepts, and the rotated one is saved", func(t *testing.T) {
		for range 2 {
			if _, err := getFolder(t, hc, ewsURL); err != nil {
				t.Fatal(err)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		// The OP rotates refresh tokens (RFC 6819 5.2.2.3): one refresh,
		// one new token to keep.
		if len(saved) != 1 || saved[0] == first || saved[0] == "" {
			t.Fatalf("saved %d refresh tokens, want 1 new one", len(saved))
		}
	})

	t.Run("the rotated-out refresh token is refused with advice to sign in again", func(t *testing.T) {
		stale, err := auth.NewHTTPClient(settings(first, nil))
		if err != nil {
			t.Fatal(err)
		}
		_, err = getFolder(t, stale, ewsURL)
		var ae *auth.Error
		if !errors.As(err, &ae) || !strings.Contains(ae.Problem, "invalid_grant") || !strings.Contains(ae.Advice, "sign in again") {
			t.Fatalf("got %v", err)
		}
		if strings.Contains(err.Error(), first) || strings.Contains(err.Error(), p.userSecret) {
			t.Fatal("a secret is in the error")
		}
	})

	t.Run("a rotated refresh token that cannot be saved fails the call with advice", func(t *testing.T) {
		mu.Lock()
		current := saved[len(saved)-1]
		mu.Unlock()
		hc, err := auth.NewHTTPClient(settings(current, func(string) error { return errors.New("secrets: keychain unavailable: the keychain is locked") }))
		if err != nil {
			t.Fatal(err)
		}
		_, err = getFolder(t, hc, ewsURL)
		var ae *auth.Error
		if !errors.As(err, &ae) || !strings.Contains(ae.Problem, "could not be saved") || !strings.Contains(ae.Problem, "keychain is locked") {
			t.Fatalf("got %v", err)
		}
	})
}
