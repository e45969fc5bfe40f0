// Package oauthtest runs a real OpenID provider for tests of user sign-in:
// the example OP of github.com/zitadel/oidc (a certified OpenID Connect
// library), over TLS on 127.0.0.1 with a certificate of a CA made for the
// test, and plays the user's browser against its login, consent and
// device pages. Only tests import it.
package oauthtest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/cookiejar"
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
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// ClientID is the desktop app's registration in the OP: a public (native)
// client without a secret, whose loopback redirect may use any port
// (RFC 8252 7.3), allowed the code, refresh and device code grants.
const ClientID = "vmr-companion-desktop"

// WebClientID is the add-in host's registration: a confidential web
// client (its secret is OP.WebClientSecret) whose https redirect URIs a
// test registers with AllowRedirect once its host listens.
const WebClientID = "vmr-companion-addin-host"

// The user who signs in. The example OP's device pages take the username
// as the subject, so the user's ID is the username too.
const (
	Email     = "alex.wilber@contoso.com"
	FirstName = "Alex"
	LastName  = "Wilber"
)

// OP is a running OpenID provider.
type OP struct {
	Issuer   string
	Pool     *x509.CertPool // trusts the OP's certificate, and nothing else
	CAPEM    []byte         // the same CA, PEM encoded, for a CA file
	Password string         // of the user, made per test
	// WebClientSecret is WebClientID's secret, made per test.
	WebClientSecret string

	redirectsMu sync.Mutex
	redirects   []string

	// Calls counts requests per path, e.g. Calls("/revoke").
	calls map[string]*atomic.Int64
}

type users map[string]*storage.User

func (u users) GetUserByID(id string) *storage.User { return u[id] }
func (u users) GetUserByUsername(name string) *storage.User {
	for _, user := range u {
		if user.Username == name {
			return user
		}
	}
	return nil
}
func (u users) ExampleClientID() string { return "service" }

// opStorage lets the native client use the device code grant too (the
// example's native client has only the code and refresh grants).
type opStorage struct {
	*storage.Storage
	o *OP
}

type nativeClient struct{ op.Client }

func (c nativeClient) GrantTypes() []oidc.GrantType {
	return append(c.Client.GrantTypes(), oidc.GrantTypeDeviceCode)
}

// webClient is the web client with the redirect URIs registered so far.
type webClient struct {
	op.Client
	o *OP
}

func (c webClient) RedirectURIs() []string {
	c.o.redirectsMu.Lock()
	defer c.o.redirectsMu.Unlock()
	return slices.Clone(c.o.redirects)
}

// DevMode off: the OP checks redirect URIs as it would in production.
func (c webClient) DevMode() bool { return false }

func (s opStorage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, id)
	switch {
	case err != nil:
		return c, err
	case id == ClientID:
		return nativeClient{c}, nil
	case id == WebClientID:
		return webClient{c, s.o}, nil
	}
	return c, nil
}

// AllowRedirect registers an exact redirect URI of the web client, as an
// admin registers https://<host>/signin/callback with AD FS or Entra ID.
func (o *OP) AllowRedirect(uri string) {
	o.redirectsMu.Lock()
	defer o.redirectsMu.Unlock()
	o.redirects = append(o.redirects, uri)
}

// paths whose calls are counted.
var counted = []string{"/oauth/token", "/revoke", "/device_authorization", "/userinfo"}

// Start runs an OP until the test ends.
func Start(t testing.TB) *OP {
	t.Helper()
	o := &OP{Password: randomString(t), WebClientSecret: randomString(t), calls: map[string]*atomic.Int64{}}
	for _, p := range counted {
		o.calls[p] = new(atomic.Int64)
	}
	var cert tls.Certificate
	cert, o.Pool, o.CAPEM = newCA(t)
	srv := httptest.NewUnstartedServer(nil)
	o.Issuer = "https://" + srv.Listener.Addr().String()

	us := users{Email: {ID: Email, Username: Email, Password: o.Password, FirstName: FirstName, LastName: LastName,
		Email: Email, EmailVerified: true, PreferredLanguage: language.English}}
	clients := map[string]*storage.Client{ClientID: storage.NativeClient(ClientID, "http://127.0.0.1/callback"),
		WebClientID: storage.WebClient(WebClientID, o.WebClientSecret)}
	st := opStorage{storage.NewStorageWithClients(us, clients), o}
	// SetupServer makes its logger the process default: a silent one.
	h := exampleop.SetupServer(o.Issuer, st, slog.New(slog.DiscardHandler), false)
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c := o.calls[r.URL.Path]; c != nil {
			c.Add(1)
		}
		if r.URL.Path == "/device_authorization" {
			fastPolling(w, r, h)
			return
		}
		h.ServeHTTP(w, r)
	})
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return o
}

// fastPolling lowers the OP's fixed poll interval of 5 s to 1 s in its
// device authorization answers, so that device tests take 1 s, not 5.
func fastPolling(w http.ResponseWriter, r *http.Request, h http.Handler) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	var m map[string]any
	if rec.Code == http.StatusOK && json.Unmarshal(body, &m) == nil {
		m["interval"] = 1
		body, _ = json.Marshal(m)
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(rec.Code)
	w.Write(body)
}

// Calls reports how many requests reached a path: /oauth/token, /revoke,
// /device_authorization or /userinfo.
func (o *OP) Calls(path string) int64 {
	if c := o.calls[path]; c != nil {
		return c.Load()
	}
	return 0
}

// MetadataURL is the OP's discovery document.
func (o *OP) MetadataURL() string { return o.Issuer + "/.well-known/openid-configuration" }

// HTTPClient trusts the OP's CA only, as the app's client would trust the
// system's roots.
func (o *OP) HTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: o.Pool, MinVersion: tls.VersionTLS12}},
		Timeout: 10 * time.Second}
}

// browser is an HTTP client with cookies, as a browser keeps the OP's.
func (o *OP) browser() *http.Client {
	hc := o.HTTPClient()
	hc.Jar, _ = cookiejar.New(nil)
	return hc
}

// Visit is the outcome of the browser's visit: the page the app's
// loopback listener showed at the end, or what went wrong on the way.
type Visit struct {
	Status int
	Page   string
	Err    error
}

var loginID = regexp.MustCompile(`name="id" value="([^"]+)"`)

// Browser returns an open func for SignInBrowser that does what the user
// would: it follows the authorization URL to the OP's login form, signs in
// with password, and follows the redirects back to the app's loopback
// listener. Like a system browser it returns at once; the visit's outcome
// arrives on the channel.
func (o *OP) Browser(password string) (open func(string) error, visits <-chan Visit) {
	ch := make(chan Visit, 1)
	return func(authURL string) error {
		go func() { ch <- o.visit(authURL, password) }()
		return nil
	}, ch
}

func (o *OP) visit(authURL, password string) Visit {
	b := o.browser()
	res, err := b.Get(authURL)
	if err != nil {
		return Visit{Err: fmt.Errorf("opening the authorization URL: %w", err)}
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := loginID.FindSubmatch(page)
	if res.StatusCode != http.StatusOK || m == nil {
		return Visit{Status: res.StatusCode, Page: string(page), Err: errors.New("the OP did not show its login form")}
	}
	res, err = b.PostForm(o.Issuer+"/login/username", url.Values{"id": {string(m[1])}, "username": {Email}, "password": {password}})
	if err != nil {
		return Visit{Err: fmt.Errorf("signing in: %w", err)}
	}
	defer res.Body.Close()
	page, _ = io.ReadAll(res.Body)
	return Visit{Status: res.StatusCode, Page: string(page)}
}

// AuthorizationCode signs in at the OP for an authorization URL without
// following the redirect back, and returns the redirect's query (code and
// state). Tests use it to exchange a code themselves.
func (o *OP) AuthorizationCode(authURL string) (url.Values, error) {
	loc, err := o.SignIn(authURL, "http://")
	if err != nil {
		return nil, err
	}
	return loc.Query(), nil
}

// SignIn signs in at the OP for an authorization URL as the user's browser
// would, and returns the first redirect whose URL starts with back (the
// client's redirect URI) without following it: the test then takes the
// answer to the client itself.
func (o *OP) SignIn(authURL, back string) (*url.URL, error) {
	b := o.browser()
	b.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), back) {
			return http.ErrUseLastResponse
		}
		return nil
	}
	res, err := b.Get(authURL)
	if err != nil {
		return nil, err
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := loginID.FindSubmatch(page)
	if m == nil {
		return nil, fmt.Errorf("the OP did not show its login form (HTTP %d): %.300s", res.StatusCode, page)
	}
	res, err = b.PostForm(o.Issuer+"/login/username", url.Values{"id": {string(m[1])}, "username": {Email}, "password": {o.Password}})
	if err != nil {
		return nil, err
	}
	res.Body.Close()
	loc, err := res.Location()
	if err != nil {
		return nil, fmt.Errorf("the OP did not redirect back (HTTP %d): %w", res.StatusCode, err)
	}
	return loc, nil
}

// ApproveDevice does on the OP's device pages what the user does on their
// phone: types the user code, signs in, and allows (or denies) the app.
func (o *OP) ApproveDevice(userCode string, allow bool) error {
	b := o.browser()
	res, err := b.PostForm(o.Issuer+"/device/login", url.Values{"user_code": {userCode}, "username": {Email}, "password": {o.Password}})
	if err != nil {
		return err
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !bytes.Contains(page, []byte("./confirm?action=allowed")) {
		return fmt.Errorf("the OP did not show its confirmation page (HTTP %d): %s", res.StatusCode, page)
	}
	action := "denied"
	if allow {
		action = "allowed"
	}
	res, err = b.Get(o.Issuer + "/device/confirm?action=" + action)
	if err != nil {
		return err
	}
	page, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(page), "Device authorization "+action) {
		return fmt.Errorf("the OP did not confirm (HTTP %d): %s", res.StatusCode, page)
	}
	return nil
}

// newCA makes a CA for one test and a certificate it issued for 127.0.0.1.
func newCA(t testing.TB) (tls.Certificate, *x509.CertPool, []byte) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "vmr-companion oauth test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(time.Hour), // lives as long as a test run
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	return tls.Certificate{Certificate: [][]byte{leafDER}, PrivateKey: key}, pool, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
}

func randomString(t testing.TB) string {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
