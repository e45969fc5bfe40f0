package certfile_test

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"vmr-companion/backend/testtls"
)

// pemCerts is the chain of c as a certificate file has it.
func pemCerts(c tls.Certificate) []byte {
	var b bytes.Buffer
	for _, der := range c.Certificate {
		pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: der})
	}
	return b.Bytes()
}

// pemKey is c's key in PKCS#8, as certbot writes privkey.pem.
func pemKey(t testing.TB, c tls.Certificate) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// withChain is c followed by the CA's certificate, as fullchain.pem.
func withChain(c tls.Certificate, ca *testtls.CA) tls.Certificate {
	c.Certificate = append(c.Certificate, ca.Cert.Raw)
	return c
}

// leafWith issues a certificate for key from tmpl, by ca.
func leafWith(t testing.TB, ca *testtls.CA, tmpl *x509.Certificate, key crypto.Signer) tls.Certificate {
	t.Helper()
	if tmpl.SerialNumber == nil {
		tmpl.SerialNumber = big.NewInt(time.Now().UnixNano())
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, key.Public(), ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

var (
	rsaOnce sync.Once
	rsaKey  *rsa.PrivateKey
)

// rsaLeaf is an RSA server certificate for names; the 2048-bit key is
// made once per test binary, as making one takes a while.
func rsaLeaf(t testing.TB, ca *testtls.CA, names ...string) tls.Certificate {
	t.Helper()
	rsaOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			t.Fatal(err)
		}
	})
	return leafWith(t, ca, &x509.Certificate{
		Subject: pkix.Name{CommonName: names[0]}, DNSNames: names,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(90 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, rsaKey)
}

// pair is a certificate file and key file in a test's folder, replaced
// the way certbot and most ACME clients do: a new file renamed over the
// old one.
type pair struct {
	dir, cert, key string
}

func newPair(t testing.TB) *pair {
	dir := t.TempDir()
	return &pair{dir: dir, cert: filepath.Join(dir, "fullchain.pem"), key: filepath.Join(dir, "privkey.pem")}
}

func (p *pair) write(t testing.TB, c tls.Certificate) {
	t.Helper()
	p.writeCert(t, c)
	p.writeKey(t, c)
}

func (p *pair) writeCert(t testing.TB, c tls.Certificate) {
	t.Helper()
	replace(t, p.cert, pemCerts(c))
}

func (p *pair) writeKey(t testing.TB, c tls.Certificate) {
	t.Helper()
	replace(t, p.key, pemKey(t, c))
}

// replace writes data beside path and renames it over path.
func replace(t testing.TB, path string, data []byte) {
	t.Helper()
	tmp := path + ".new"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// clock is a test's clock: it moves only when told.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Now()} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// logBuffer is a logger whose lines a test reads.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) Count(s string) int { return strings.Count(b.String(), s) }

func (b *logBuffer) Logger() *slog.Logger { return slog.New(slog.NewTextHandler(b, nil)) }
