package devcert

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/secrets"
)

// TestTheCAIsLimitedToServerAuth checks that a stolen CA key can sign only
// TLS server certificates for local names: not client, code-signing or
// e-mail certificates, and no leaf that names an e-mail address or a URI.
func TestTheCAIsLimitedToServerAuth(t *testing.T) {
	clock := newFakeClock()
	a := newAuthority(t, clock)
	ca, caKey, _ := a.current()

	t.Run("the CA carries the server-auth usage only", func(t *testing.T) {
		if !slices.Equal(ca.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}) || len(ca.UnknownExtKeyUsage) != 0 {
			t.Errorf("ExtKeyUsage = %v, unknown %v", ca.ExtKeyUsage, ca.UnknownExtKeyUsage)
		}
	})
	t.Run("the CA permits only impossible e-mail addresses and URIs", func(t *testing.T) {
		if !slices.Equal(ca.PermittedEmailAddresses, []string{reservedDomain}) || !slices.Equal(ca.PermittedURIDomains, []string{reservedDomain}) {
			t.Errorf("permitted e-mail %v, URI %v", ca.PermittedEmailAddresses, ca.PermittedURIDomains)
		}
	})

	eku := []struct {
		name  string
		usage x509.ExtKeyUsage
	}{
		{"a client-auth leaf", x509.ExtKeyUsageClientAuth},
		{"a code-signing leaf", x509.ExtKeyUsageCodeSigning},
		{"an S/MIME leaf", x509.ExtKeyUsageEmailProtection},
		{"a time-stamping leaf", x509.ExtKeyUsageTimeStamping},
	}
	for _, tt := range eku {
		t.Run(tt.name+" signed with the key fails verification for its use", func(t *testing.T) {
			leaf := forgeWith(t, ca, caKey, clock.Now(), func(c *x509.Certificate) {
				c.ExtKeyUsage = []x509.ExtKeyUsage{tt.usage}
				c.DNSNames = []string{"localhost"}
			})
			err := verifyFor(leaf, ca, clock.Now(), tt.usage)
			var invalid x509.CertificateInvalidError
			if !errors.As(err, &invalid) || invalid.Reason != x509.IncompatibleUsage {
				t.Errorf("err = %v, want IncompatibleUsage", err)
			}
		})
	}
	t.Run("a leaf with any usage signed with the key fails verification for client auth", func(t *testing.T) {
		leaf := forgeWith(t, ca, caKey, clock.Now(), func(c *x509.Certificate) {
			c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageAny}
		})
		if err := verifyFor(leaf, ca, clock.Now(), x509.ExtKeyUsageClientAuth); err == nil {
			t.Error("verified")
		}
	})

	names := []struct {
		name   string
		change func(*x509.Certificate)
	}{
		{"a localhost leaf that also names an e-mail address", func(c *x509.Certificate) { c.EmailAddresses = []string{"ceo@example.com"} }},
		{"a localhost leaf that names an e-mail address at localhost", func(c *x509.Certificate) { c.EmailAddresses = []string{"root@localhost"} }},
		{"a localhost leaf that also names a URI", func(c *x509.Certificate) {
			c.URIs = []*url.URL{{Scheme: "https", Host: "example.com", Path: "/"}}
		}},
		{"a localhost leaf that names a URI on localhost", func(c *x509.Certificate) {
			c.URIs = []*url.URL{{Scheme: "spiffe", Host: "localhost", Path: "/admin"}}
		}},
	}
	for _, tt := range names {
		t.Run(tt.name+" fails verification", func(t *testing.T) {
			leaf := forgeWith(t, ca, caKey, clock.Now(), func(c *x509.Certificate) {
				c.DNSNames = []string{"localhost"}
				tt.change(c)
			})
			if err := verifyAs(leaf, ca, "localhost", clock.Now()); !notAuthorizedForName(err) {
				t.Errorf("err = %v, want a name-constraint violation", err)
			}
		})
	}
	t.Run("a plain server-auth leaf for localhost still verifies, so the rejections above are the limits", func(t *testing.T) {
		leaf := forgeWith(t, ca, caKey, clock.Now(), func(c *x509.Certificate) { c.DNSNames = []string{"localhost"} })
		if err := verifyAs(leaf, ca, "localhost", clock.Now()); err != nil {
			t.Error(err)
		}
	})
}

// verifyFor verifies leaf against ca alone for one extended key usage.
func verifyFor(leaf, ca *x509.Certificate, now time.Time, usage x509.ExtKeyUsage) error {
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	_, err := leaf.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{usage}})
	return err
}

// forgeWith signs a server-auth leaf with key after change edits its
// template, bypassing IssueLeaf's checks as a thief of the key could.
func forgeWith(t *testing.T, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, now time.Time, change func(*x509.Certificate)) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(now.UnixNano()),
		Subject:               pkix.Name{CommonName: "forged"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	change(tmpl)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestACAWithoutTheUsageLimitsIsReplaced stores a CA as earlier versions
// made it (no extended key usage, no e-mail or URI constraints) with its
// key, and checks that loading replaces it and says why.
func TestACAWithoutTheUsageLimitsIsReplaced(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		change func(*x509.Certificate)
		why    string
	}{
		{"a CA without extended key usage", func(c *x509.Certificate) {
			c.ExtKeyUsage = nil
		}, "server authentication"},
		{"a CA that may also sign client certificates", func(c *x509.Certificate) {
			c.ExtKeyUsage = append(c.ExtKeyUsage, x509.ExtKeyUsageClientAuth)
		}, "server authentication"},
		{"a CA without e-mail constraints", func(c *x509.Certificate) {
			c.PermittedEmailAddresses = nil
		}, "e-mail"},
		{"a CA without URI constraints", func(c *x509.Certificate) {
			c.PermittedURIDomains = nil
		}, "URI"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is replaced, saying so", func(t *testing.T) {
			dir := t.TempDir()
			keys := memoryKeychain(t)
			clock := newFakeClock()
			old := storeOldStyleCA(t, dir, keys, clock.Now(), tt.change)

			a, err := LoadOrCreate(ctx, Options{Dir: dir, Keys: keys, Now: clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			if a.Certificate().Equal(old) {
				t.Fatal("the old CA was kept")
			}
			r := a.Replaced()
			if r == nil || !r.Old.Equal(old) || !strings.Contains(r.Reason, tt.why) {
				t.Fatalf("Replaced() = %+v, want the old CA and a reason naming %q", r, tt.why)
			}
			// Until trust has been moved, every load says so, whichever
			// part of the program loaded the CA first.
			again, err := LoadOrCreate(ctx, Options{Dir: dir, Keys: keys, Now: clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			if !again.Certificate().Equal(a.Certificate()) {
				t.Fatal("the new CA was not kept")
			}
			if r := again.Replaced(); r == nil || !r.Old.Equal(old) || r.Reason != a.Replaced().Reason {
				t.Fatalf("a second load forgot the replacement: %+v", r)
			}
			if _, _, err := MoveTrust(ctx, again, TrustOptions{NSSDBs: []string{}, Home: t.TempDir()}); err != nil {
				t.Fatal(err)
			}
			third, err := LoadOrCreate(ctx, Options{Dir: dir, Keys: keys, Now: clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			if third.Replaced() != nil || !third.Certificate().Equal(a.Certificate()) {
				t.Errorf("after MoveTrust: replaced %+v", third.Replaced())
			}
		})
	}
	t.Run("a first CA replaces nothing", func(t *testing.T) {
		if r := newAuthority(t, newFakeClock()).Replaced(); r != nil {
			t.Errorf("Replaced() = %+v", r)
		}
	})
}

// storeOldStyleCA writes ca.pem and the keychain key of a CA made like the
// current one and then changed, and returns it.
func storeOldStyleCA(t *testing.T, dir string, keys *secrets.Keychain, now time.Time, change func(*x509.Certificate)) *x509.Certificate {
	t.Helper()
	a := &Authority{dir: dir, keys: keys, now: func() time.Time { return now }}
	tmpl, key, err := a.caTemplate()
	if err != nil {
		t.Fatal(err)
	}
	change(tmpl)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, CertFile), pem.EncodeToMemory(&pem.Block{Type: pemCertificate, Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: pemPrivateKey, Bytes: pkcs8})
	if err := keys.Set(context.Background(), KeyAccount, secrets.New(string(keyPEM))); err != nil {
		t.Fatal(err)
	}
	return cert
}
