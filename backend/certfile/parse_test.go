package certfile_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/certfile"
	"vmr-companion/backend/testtls"
)

func TestParse(t *testing.T) {
	ca := testtls.NewCA(t, "Test ACME CA")
	now := time.Now()
	good := ca.Valid(t, "vmr.example.com")
	other := ca.Valid(t, "vmr.example.com")
	ecKey := good.PrivateKey.(*ecdsa.PrivateKey)
	sec1, err := x509.MarshalECPrivateKey(ecKey)
	if err != nil {
		t.Fatal(err)
	}
	rsaCert := rsaLeaf(t, ca, "vmr.example.com")
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	edPKCS8, _ := x509.MarshalPKCS8PrivateKey(edKey)
	tmpl := func(mod func(*x509.Certificate)) *x509.Certificate {
		c := &x509.Certificate{Subject: pkix.Name{CommonName: "vmr.example.com"}, DNSNames: []string{"vmr.example.com"},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour)}
		mod(c)
		return c
	}
	withTemplate := func(mod func(*x509.Certificate)) ([]byte, []byte) {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		c := leafWith(t, ca, tmpl(mod), key)
		return pemCerts(c), pemKey(t, c)
	}
	var eleven bytes.Buffer
	for range 11 {
		eleven.Write(pemCerts(good))
	}

	type tc struct {
		name       string
		cert, key  []byte
		wantErr    string // "" for success
		wantIs     error
		wantChain  int
		notInError []byte
	}
	cases := []tc{
		{name: "an ECDSA pair in PKCS#8 loads", cert: pemCerts(good), key: pemKey(t, good), wantChain: 1},
		{name: "the chain after the leaf is kept, in order", cert: pemCerts(withChain(good, ca)), key: pemKey(t, good), wantChain: 2},
		{name: "a SEC1 key after EC PARAMETERS loads, as openssl ecparam -genkey writes it",
			cert: pemCerts(good), wantChain: 1,
			key: append(pem.EncodeToMemory(&pem.Block{Type: "EC PARAMETERS", Bytes: []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}}),
				pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1})...)},
		{name: "an RSA key in PKCS#1 loads", cert: pemCerts(rsaCert), wantChain: 1,
			key: pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)})},
		{name: "an RSA key in PKCS#8 loads", cert: pemCerts(rsaCert), key: pemKey(t, rsaCert), wantChain: 1},
		{name: "a combined file (certificate and key in one) loads", cert: append(pemCerts(good), pemKey(t, good)...), key: append(pemCerts(good), pemKey(t, good)...), wantChain: 1},
		{name: "a certificate without extended key usage loads", wantChain: 1, cert: nil},
		{name: "another certificate's key is refused as a half-written renewal", cert: pemCerts(good), key: pemKey(t, other),
			wantIs: certfile.ErrMismatch, wantErr: "half written", notInError: pemKey(t, other)},
		{name: "a chain that does not start with the server's certificate is refused", cert: pemCerts(withChain(good, ca))[len(pemCerts(good)):], key: pemKey(t, good),
			wantIs: certfile.ErrMismatch, wantErr: "fullchain.pem"},
		{name: "an expired certificate is refused", wantIs: certfile.ErrValidity, wantErr: "expired at"},
		{name: "a certificate not yet valid is refused", wantIs: certfile.ErrValidity, wantErr: "clock"},
		{name: "a client certificate is refused", wantErr: "serverAuth"},
		{name: "a certificate that may not sign is refused", wantErr: "digitalSignature"},
		{name: "an encrypted key is refused, saying how to decrypt it", cert: pemCerts(good),
			key: pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte("opaque")}), wantErr: "passphrase"},
		{name: "an RFC 1421 encrypted key is refused", cert: pemCerts(good), wantErr: "passphrase",
			key: pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-256-CBC,00"}, Bytes: []byte("opaque")})},
		{name: "an Ed25519 key is refused", cert: pemCerts(good), key: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: edPKCS8}), wantErr: "RSA or ECDSA"},
		{name: "a DER certificate is refused, saying how to convert it", cert: good.Certificate[0], key: pemKey(t, good), wantErr: "openssl x509 -inform der"},
		{name: "a key file without a key is refused", cert: pemCerts(good), key: pemCerts(good), wantErr: "no private key"},
		{name: "a broken key is refused without quoting it", cert: pemCerts(good), key: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("secret-material")}),
			wantErr: "cannot be read", notInError: []byte("secret-material")},
		{name: "a chain longer than ten is refused", cert: eleven.Bytes(), key: pemKey(t, good), wantErr: "more than 10"},
	}
	// The cases whose certificate needs its own template.
	for i := range cases {
		c := &cases[i]
		switch c.name {
		case "a certificate without extended key usage loads":
			c.cert, c.key = withTemplate(func(*x509.Certificate) {})
		case "an expired certificate is refused":
			c.cert, c.key = withTemplate(func(x *x509.Certificate) { x.NotBefore, x.NotAfter = now.Add(-48*time.Hour), now.Add(-time.Hour) })
		case "a certificate not yet valid is refused":
			c.cert, c.key = withTemplate(func(x *x509.Certificate) { x.NotBefore = now.Add(time.Hour) })
		case "a client certificate is refused":
			c.cert, c.key = withTemplate(func(x *x509.Certificate) { x.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth} })
		case "a certificate that may not sign is refused":
			c.cert, c.key = withTemplate(func(x *x509.Certificate) { x.KeyUsage = x509.KeyUsageKeyEncipherment })
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := certfile.Parse(c.cert, c.key, now)
			if c.wantErr == "" && c.wantIs == nil {
				if err != nil {
					t.Fatal(err)
				}
				if len(got.Certificate) != c.wantChain || got.Leaf == nil || got.PrivateKey == nil {
					t.Fatalf("chain %d, leaf %v", len(got.Certificate), got.Leaf)
				}
				return
			}
			if err == nil {
				t.Fatal("loaded")
			}
			if c.wantIs != nil && !errors.Is(err, c.wantIs) {
				t.Errorf("%v is not %v", err, c.wantIs)
			}
			if !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%q does not say %q", err, c.wantErr)
			}
			if c.notInError != nil {
				for _, line := range strings.Split(string(c.notInError), "\n") {
					if len(line) > 8 && !strings.HasPrefix(line, "-----") && strings.Contains(err.Error(), line) {
						t.Errorf("the error quotes the key: %s", err)
					}
				}
			}
		})
	}
}

func TestLoadBoundsTheFiles(t *testing.T) {
	ca := testtls.NewCA(t, "Test ACME CA")
	good := ca.Valid(t, "vmr.example.com")
	p := newPair(t)
	p.write(t, good)

	t.Run("a file larger than 1 MiB is refused without being read", func(t *testing.T) {
		big := filepath.Join(p.dir, "big.pem")
		f, err := os.Create(big)
		if err != nil {
			t.Fatal(err)
		}
		f.Write(pemCerts(good))
		f.Truncate(certfile.MaxFileSize + 1) // sparse: costs no disk
		f.Close()
		if _, err := certfile.Load(big, p.key, time.Now()); err == nil || !strings.Contains(err.Error(), "larger than 1024 KiB") {
			t.Fatalf("%v", err)
		}
	})
	t.Run("a missing file is named", func(t *testing.T) {
		_, err := certfile.Load(filepath.Join(p.dir, "nope.pem"), p.key, time.Now())
		if err == nil || !strings.Contains(err.Error(), "nope.pem") || !strings.Contains(err.Error(), "certificate file") {
			t.Fatalf("%v", err)
		}
	})
	t.Run("a failure names both files", func(t *testing.T) {
		other := ca.Valid(t, "vmr.example.com")
		p2 := newPair(t)
		p2.writeCert(t, good)
		p2.writeKey(t, other)
		_, err := certfile.Load(p2.cert, p2.key, time.Now())
		if !errors.Is(err, certfile.ErrMismatch) || !strings.Contains(err.Error(), p2.cert) || !strings.Contains(err.Error(), p2.key) {
			t.Fatalf("%v", err)
		}
	})
}

func TestMissing(t *testing.T) {
	ca := testtls.NewCA(t, "Test ACME CA")
	leaf := ca.Valid(t, "vmr.example.com", "*.addins.example.com", "192.0.2.10").Leaf
	if got := certfile.Names(leaf); strings.Join(got, ",") != "vmr.example.com,*.addins.example.com,192.0.2.10" {
		t.Fatalf("names %v", got)
	}
	got := certfile.Missing(leaf, []string{"VMR.example.com.", "", "eu.addins.example.com", "other.example.com", "other.example.com", "a.b.addins.example.com"})
	if strings.Join(got, ",") != "other.example.com,a.b.addins.example.com" {
		t.Fatalf("missing %v", got)
	}
}
