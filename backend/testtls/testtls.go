// Package testtls makes the CAs, server certificates and HTTPS servers of
// tests: each made for one test, no key ever committed. The diagnosis, the
// command line and the window test against the same fake Exchange with it.
package testtls

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// CA is a certificate authority made for one test.
type CA struct {
	Name string
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
	// Pool holds Cert alone (not the system's roots).
	Pool *x509.CertPool
}

// NewCA makes a CA called name, valid from an hour ago for a year.
func NewCA(t testing.TB, name string) *CA {
	t.Helper()
	cert, key := Sign(t, &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}, nil, nil)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &CA{Name: name, Cert: cert, Key: key, Pool: pool}
}

// Sign makes a P-256 key and a certificate for it from tmpl, issued by
// parent with parentKey, or self-signed when parent is nil.
func Sign(t testing.TB, tmpl, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// Leaf issues a server certificate for names (host names or IP addresses)
// valid from notBefore to notAfter.
func (ca *CA) Leaf(t testing.TB, notBefore, notAfter time.Time, names ...string) tls.Certificate {
	t.Helper()
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
	cert, key := Sign(t, tmpl, ca.Cert, ca.Key)
	return tls.Certificate{Certificate: [][]byte{cert.Raw}, PrivateKey: key, Leaf: cert}
}

// Valid is a server certificate for names, valid from an hour ago for 90 days.
func (ca *CA) Valid(t testing.TB, names ...string) tls.Certificate {
	return ca.Leaf(t, time.Now().Add(-time.Hour), time.Now().Add(90*24*time.Hour), names...)
}

// File writes the CA's certificate as PEM into the test's folder, as an
// admin gives it in ews_ca_file, and returns its path.
func (ca *CA) File(t testing.TB) string {
	t.Helper()
	return WritePEM(t, ca.Cert)
}

// WritePEM writes cert as a PEM file into the test's folder and returns
// its path (an httptest server's certificate trusts that server).
func WritePEM(t testing.TB, cert *x509.Certificate) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Serve starts an HTTPS server on 127.0.0.1 with cert, closed when the test
// ends.
func Serve(t testing.TB, h http.Handler, cert tls.Certificate) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are what many tests provoke
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}
