// Package exidtokentest fakes an Exchange server for tests of identity
// tokens: its authentication metadata document over HTTPS (a CA made for
// the test) and the tokens it would sign, with a key made for the test.
// The document and the claims follow Microsoft's "Inside the Exchange
// identity token" and the document Exchange serves at
// /autodiscover/metadata/json/1. Only tests import it.
package exidtokentest

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" // x5t is a SHA-1 thumbprint by definition (RFC 7515, 4.1.7)
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"vmr-companion/backend/testtls"
)

// MetadataPath is where Exchange serves its authentication metadata.
const MetadataPath = "/autodiscover/metadata/json/1"

// Defaults of the tokens the fake signs.
const (
	// Audience is the task pane URL tokens are issued for.
	Audience = "https://addin.contoso.com/addin/taskpane.html"
	// UID is the user's msexchuid.
	UID = "ec52a5b8-9a4a-4cfa-a6a2-6e5d5d8f4c1e"
	// exchangeApp is Exchange's well-known application id, the first part
	// of its issuer names.
	exchangeApp = "00000002-0000-0ff1-ce00-000000000000"
)

// Exchange is a running fake Exchange server.
type Exchange struct {
	// URL is the server's base URL (https://<Host>:<port>) and
	// MetadataURL its metadata document's.
	URL, MetadataURL string
	// Host is the host name tokens' amurl and the certificate use.
	Host string
	// Now is the clock tokens are minted by (time.Now unless set).
	Now func() time.Time

	t        testing.TB
	ca       *testtls.CA
	srv      *httptest.Server
	requests atomic.Int64

	mu      sync.Mutex
	key     *rsa.PrivateKey
	certDER []byte
	x5t     string
	failing bool
}

// Start runs a fake Exchange on 127.0.0.1, closed when the test ends.
func Start(t testing.TB) *Exchange { return StartNamed(t, "127.0.0.1") }

// StartNamed runs a fake Exchange on 127.0.0.1 that calls itself host
// (e.g. "localhost", so that a test has two hosts on one machine).
func StartNamed(t testing.TB, host string) *Exchange {
	t.Helper()
	e := &Exchange{t: t, Host: host, Now: time.Now, ca: testtls.NewCA(t, "Fake Exchange CA")}
	e.RotateKey()
	e.srv = testtls.Serve(t, http.HandlerFunc(e.serve), e.ca.Valid(t, host, "127.0.0.1"))
	_, port, err := net.SplitHostPort(e.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	e.URL = "https://" + net.JoinHostPort(host, port)
	e.MetadataURL = e.URL + MetadataPath
	return e
}

// Domain is the fake as an entry of an integration's domains: its host
// and port (an Exchange server on 443 is listed by its name alone).
func (e *Exchange) Domain() string { return strings.TrimPrefix(e.URL, "https://") }

// Client trusts the fake's certificate, and nothing else.
func (e *Exchange) Client() *http.Client {
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: e.ca.Pool}}}
}

// CA is the CA that issued the server's certificate.
func (e *Exchange) CA() *testtls.CA { return e.ca }

// CAFile writes the fake's CA certificate as PEM, as an admin gives it in
// ews_ca_file, and returns its path.
func (e *Exchange) CAFile(t testing.TB) string { return e.ca.File(t) }

// Requests counts the requests the server received, on any path.
func (e *Exchange) Requests() int { return int(e.requests.Load()) }

// Fail makes the server answer 500 (true) or serve again (false).
func (e *Exchange) Fail(failing bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.failing = failing
}

// Close stops the server: the metadata endpoint is down.
func (e *Exchange) Close() { e.srv.Close() }

// X5t is the thumbprint of the key the fake publishes and signs with.
func (e *Exchange) X5t() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.x5t
}

// Key is the private key the fake signs with.
func (e *Exchange) Key() *rsa.PrivateKey {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.key
}

// RotateKey makes a new RSA 2048 key and certificate, publishes it
// instead of the old one, and signs new tokens with it.
func (e *Exchange) RotateKey() { e.RotateKeyTo(NewKey(e.t, 2048)) }

// RotateKeyTo publishes key (in a new self-signed certificate) and signs
// new tokens with it.
func (e *Exchange) RotateKeyTo(key *rsa.PrivateKey) {
	e.t.Helper()
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano()),
		Subject:      pkix.Name{CommonName: "Microsoft Exchange Server Auth Certificate"},
		NotBefore:    now.Add(-time.Hour), NotAfter: now.Add(5 * 365 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		e.t.Fatal(err)
	}
	sum := sha1.Sum(der)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.key, e.certDER, e.x5t = key, der, base64.RawURLEncoding.EncodeToString(sum[:])
}

// NewKey makes an RSA key of bits for a test.
func NewKey(t testing.TB, bits int) *rsa.PrivateKey {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func (e *Exchange) serve(w http.ResponseWriter, r *http.Request) {
	e.requests.Add(1)
	e.mu.Lock()
	failing, x5t, der := e.failing, e.x5t, e.certDER
	e.mu.Unlock()
	if failing {
		http.Error(w, "the fake Exchange was told to fail", http.StatusInternalServerError)
		return
	}
	if r.Method != http.MethodGet || r.URL.Path != MetadataPath {
		http.NotFound(w, r)
		return
	}
	// The document as Exchange 2016/2019 serves it.
	doc := map[string]any{
		"id":               "_" + UID,
		"version":          "1.0",
		"name":             "Exchange",
		"realm":            "*",
		"serviceName":      exchangeApp,
		"issuer":           exchangeApp + "@*",
		"allowedAudiences": []string{exchangeApp + "@*"},
		"keys": []any{map[string]any{
			"usage":    "signing",
			"keyinfo":  map[string]string{"x5t": x5t},
			"keyvalue": map[string]string{"type": "x509Certificate", "value": base64.StdEncoding.EncodeToString(der)},
		}},
		"endpoints": []any{map[string]string{
			"location": e.MetadataURL, "protocol": "OAuth2", "usage": "metadata",
		}},
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(doc)
}

// Option changes a token Token mints.
type Option func(*mint)

type mint struct {
	header  map[string]any
	claims  map[string]any
	appctx  map[string]any
	raw     json.RawMessage // the appctx claim as is, when set
	key     *rsa.PrivateKey
	hmacKey []byte
	none    bool
}

// Token mints a token as the fake Exchange signs it: for Audience and
// UID, valid from 5 minutes ago for 8 hours by e.Now, amurl the fake's
// metadata URL.
func (e *Exchange) Token(opts ...Option) string {
	e.t.Helper()
	e.mu.Lock()
	key, x5t := e.key, e.x5t
	e.mu.Unlock()
	now := e.Now()
	m := &mint{
		header: map[string]any{"typ": "JWT", "alg": "RS256", "x5t": x5t},
		claims: map[string]any{
			"aud":                Audience,
			"iss":                exchangeApp + "@" + e.Host,
			"nbf":                now.Add(-5 * time.Minute).Unix(),
			"exp":                now.Add(8 * time.Hour).Unix(),
			"appctxsender":       exchangeApp + "@" + e.Host,
			"isbrowserhostedapp": "true",
		},
		appctx: map[string]any{"msexchuid": UID, "version": "ExIdTok.V1", "amurl": e.MetadataURL},
		key:    key,
	}
	for _, o := range opts {
		o(m)
	}
	if m.raw != nil {
		m.claims["appctx"] = m.raw
	} else {
		m.claims["appctx"] = string(e.marshal(m.appctx))
	}
	signed := base64.RawURLEncoding.EncodeToString(e.marshal(m.header)) + "." +
		base64.RawURLEncoding.EncodeToString(e.marshal(m.claims))
	var sig []byte
	switch {
	case m.none:
	case m.hmacKey != nil:
		mac := hmac.New(sha256.New, m.hmacKey)
		mac.Write([]byte(signed))
		sig = mac.Sum(nil)
	default:
		digest := sha256.Sum256([]byte(signed))
		var err error
		if sig, err = rsa.SignPKCS1v15(rand.Reader, m.key, crypto.SHA256, digest[:]); err != nil {
			e.t.Fatal(err)
		}
	}
	return signed + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func (e *Exchange) marshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}

// Header sets a header field (nil removes it).
func Header(name string, value any) Option {
	return func(m *mint) { set(m.header, name, value) }
}

// Claim sets a claim of the payload (nil removes it).
func Claim(name string, value any) Option {
	return func(m *mint) { set(m.claims, name, value) }
}

// Appctx sets a field of appctx (nil removes it).
func Appctx(name string, value any) Option {
	return func(m *mint) { set(m.appctx, name, value) }
}

// AppctxRaw makes the appctx claim exactly raw (any JSON: an object
// instead of a string, a string that is not JSON...).
func AppctxRaw(raw string) Option {
	return func(m *mint) { m.raw = json.RawMessage(raw) }
}

// Aud sets the audience.
func Aud(aud string) Option { return Claim("aud", aud) }

// AMURL sets appctx's amurl.
func AMURL(u string) Option { return Appctx("amurl", u) }

// Times sets nbf and exp.
func Times(nbf, exp time.Time) Option {
	return func(m *mint) {
		m.claims["nbf"], m.claims["exp"] = nbf.Unix(), exp.Unix()
	}
}

// X5t names another key in the header than the one that signs.
func X5t(x5t string) Option { return Header("x5t", x5t) }

// SignedBy signs with key instead of the published one (the header still
// names the published one).
func SignedBy(key *rsa.PrivateKey) Option { return func(m *mint) { m.key = key } }

// Unsigned makes an "alg": "none" token with an empty signature.
func Unsigned() Option {
	return func(m *mint) { m.header["alg"], m.none = "none", true }
}

// HMAC makes an HS256 token whose secret is secret (an attacker's choice:
// the published certificate, say).
func HMAC(secret []byte) Option {
	return func(m *mint) { m.header["alg"], m.hmacKey = "HS256", secret }
}

// CertDER is the published certificate, for tests that try to turn it
// against the validator (an HS256 secret).
func (e *Exchange) CertDER() []byte {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]byte(nil), e.certDER...)
}

func set(m map[string]any, name string, value any) {
	if value == nil {
		delete(m, name)
		return
	}
	m[name] = value
}

// Port is the server's port, for tests that build URLs of their own.
func (e *Exchange) Port() int {
	_, port, _ := net.SplitHostPort(e.srv.Listener.Addr().String())
	n, _ := strconv.Atoi(port)
	return n
}
