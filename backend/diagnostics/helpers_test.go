package diagnostics

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/ews/ewstest"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
)

const (
	room        = "vmr@contoso.com"
	password    = "Correct-Horse-7-Battery"
	addinDomain = "addins.contoso.test"
)

// testCA is a CA made for one test; no key is ever committed.
type testCA struct {
	name string
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{name: name, cert: cert, key: key, pool: pool}
}

// leaf issues a server certificate for names valid from notBefore to notAfter.
func (ca *testCA) leaf(t *testing.T, notBefore, notAfter time.Time, names ...string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: names[0]},
		NotBefore: notBefore, NotAfter: notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func (ca *testCA) valid(t *testing.T, names ...string) tls.Certificate {
	return ca.leaf(t, time.Now().Add(-time.Hour), time.Now().Add(90*24*time.Hour), names...)
}

// serveTLS starts an HTTPS server on 127.0.0.1 with cert.
func serveTLS(t *testing.T, h http.Handler, cert tls.Certificate) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are what many tests provoke
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// fakeExchange is a fake Exchange (ewstest) behind a TLS server for localhost,
// with the add-in server's pages beside it.
type fakeExchange struct {
	ca    *testCA
	fake  *ewstest.Server
	srv   *httptest.Server
	addin *httptest.Server
	port  string
}

func newExchange(t *testing.T) *fakeExchange {
	t.Helper()
	ca := newCA(t, "Contoso Test Root CA")
	fake := ewstest.New(room)
	ex := &fakeExchange{ca: ca, fake: fake}
	ex.srv = serveTLS(t, fake, ca.valid(t, "localhost", "127.0.0.1"))
	ex.port = portOf(t, ex.srv.URL)
	ex.addin = serveTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Write([]byte("VMR Companion add-in host"))
		case "/office-js/office.js":
			w.Header().Set("Content-Type", "text/javascript")
			w.Write([]byte("var Office = {};"))
		default:
			http.NotFound(w, r)
		}
	}), ca.valid(t, addinDomain))
	return ex
}

func portOf(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Port()
}

// integration is a valid BASIC integration for the fake Exchange, whose
// add-in server and Office.js are the add-in test server.
func (ex *fakeExchange) integration() *integration.Integration {
	in := integration.Defaults()
	in.Name = "Contoso"
	in.UUID = "5f0c8a52-6b0e-4a43-9d8e-1d7c1f0c2a11"
	in.URL = "https://localhost:" + ex.port + "/EWS/Exchange.asmx"
	in.Domains = []string{"localhost"}
	r := room
	in.RoomMailboxEmailAddress = &r
	in.Username = `CONTOSO\svc-vmr`
	in.AuthenticationMethod = integration.AuthBasic
	in.AddinServerDomain = addinDomain
	in.UseCustomAddInSources = true
	in.OfficeJSURL = "https://" + addinDomain + "/office-js/office.js"
	in.SecretsStored = []string{integration.SecretPassword}
	return in
}

// options trust the test CA, hold the password, and route the add-in
// domain's port 443 to the add-in test server.
func (ex *fakeExchange) options() Options {
	addinAddr := strings.TrimPrefix(ex.addin.URL, "https://")
	return Options{
		RootCAs: ex.ca.pool,
		// Far longer than any check takes on a loaded machine, so no test
		// ends by the clock; the tests of the timeout set their own.
		Timeout: time.Hour,
		Secret: func(field string) (secrets.Secret, bool, error) {
			if field == integration.SecretPassword {
				return secrets.New(password), true, nil
			}
			return secrets.Secret{}, false, nil
		},
		DialContext: func(ctx context.Context, network, address string) (net.Conn, error) {
			if address == net.JoinHostPort(addinDomain, "443") {
				address = addinAddr
			}
			var d net.Dialer
			return d.DialContext(ctx, network, address)
		},
	}
}

func find(t *testing.T, r *Report, id string) Check {
	t.Helper()
	for _, c := range r.Checks {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no %s check in the report: %+v", id, r.Checks)
	return Check{}
}

// expect asserts a check's outcome and that its detail and fix contain the
// given texts (fix texts start with "fix:").
func expect(t *testing.T, r *Report, id, outcome string, texts ...string) Check {
	t.Helper()
	c := find(t, r, id)
	if c.Outcome != outcome {
		t.Fatalf("%s: outcome %s, want %s\ndetail: %s\nfix: %s", id, c.Outcome, outcome, c.Detail, c.Fix)
	}
	for _, s := range texts {
		if fix, ok := strings.CutPrefix(s, "fix:"); ok {
			if !strings.Contains(c.Fix, fix) {
				t.Errorf("%s: fix %q does not say %q", id, c.Fix, fix)
			}
		} else if !strings.Contains(c.Detail, s) {
			t.Errorf("%s: detail %q does not say %q", id, c.Detail, s)
		}
	}
	if c.Outcome != Pass && c.Outcome != Skip && c.Fix == "" {
		t.Errorf("%s: %s without a fix", id, c.Outcome)
	}
	return c
}

func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := portOf(t, "tcp://"+l.Addr().String())
	l.Close()
	return port
}
