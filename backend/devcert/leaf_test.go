package devcert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"slices"
	"strings"
	"testing"
	"time"
)

// verifyAs verifies leaf (and any intermediates) against ca alone, as a
// client connecting to host would.
func verifyAs(leaf, ca *x509.Certificate, host string, now time.Time, intermediates ...*x509.Certificate) error {
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	inter := x509.NewCertPool()
	for _, c := range intermediates {
		inter.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{
		DNSName:       host,
		Roots:         roots,
		Intermediates: inter,
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	return err
}

func TestIssuedLeavesVerify(t *testing.T) {
	clock := newFakeClock()
	a := newAuthority(t, clock, "dev.example.com")
	cert, err := a.IssueLeaf([]string{"app.localhost", "dev.example.com", "api.dev.example.com", "127.0.0.2"})
	if err != nil {
		t.Fatal(err)
	}
	leaf := cert.Leaf
	for _, host := range []string{"localhost", "127.0.0.1", "::1", "app.localhost", "dev.example.com", "api.dev.example.com", "127.0.0.2"} {
		t.Run("a client connecting to "+host+" accepts the leaf", func(t *testing.T) {
			if err := verifyAs(leaf, a.Certificate(), host, clock.Now()); err != nil {
				t.Error(err)
			}
		})
	}

	checks := []struct {
		name string
		ok   bool
	}{
		{"the leaf key is ECDSA P-256", isP256(leaf.PublicKey)},
		{"the leaf lives 30 days", leaf.NotAfter.Equal(clock.Now().Add(leafLifetime))},
		{"the leaf is valid now", !leaf.NotBefore.After(clock.Now())},
		{"the leaf is for TLS servers only", slices.Equal(leaf.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth})},
		{"the leaf is not a CA", !leaf.IsCA && leaf.BasicConstraintsValid},
		{"the leaf names localhost first", slices.Equal(leaf.DNSNames, []string{"localhost", "app.localhost", "dev.example.com", "api.dev.example.com"})},
		{"the leaf carries the loopback addresses", ipList(leaf.IPAddresses) == "127.0.0.1 ::1 127.0.0.2"},
		{"the served chain is the leaf alone", len(cert.Certificate) == 1},
		{"the private key matches the leaf", cert.PrivateKey.(*ecdsa.PrivateKey).PublicKey.Equal(leaf.PublicKey)},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if !c.ok {
				t.Errorf("failed; leaf: DNS %v IP %v, %v to %v", leaf.DNSNames, leaf.IPAddresses, leaf.NotBefore, leaf.NotAfter)
			}
		})
	}
}

func ipList(ips []net.IP) string {
	var s []string
	for _, ip := range ips {
		s = append(s, ip.String())
	}
	return strings.Join(s, " ")
}

func TestIssueLeafRefusesNamesOutsideTheConstraints(t *testing.T) {
	a := newAuthority(t, newFakeClock(), "dev.example.com")
	tests := []struct {
		name  string
		names []string
	}{
		{"a public name is refused", []string{"example.com"}},
		{"a sibling of an extra name is refused", []string{"prod.example.com"}},
		{"a name that merely ends like localhost is refused", []string{"evillocalhost"}},
		{"a private IPv4 address is refused", []string{"10.0.0.1"}},
		{"a LAN IPv6 address is refused", []string{"fe80::1"}},
		{"a wildcard is refused", []string{"*.localhost"}},
		{"an invalid name is refused", []string{"under_score.localhost"}},
		{"an empty name is refused", []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cert, err := a.IssueLeaf(tt.names)
			if err == nil {
				t.Fatalf("issued a leaf for %v: DNS %v IP %v", tt.names, cert.Leaf.DNSNames, cert.Leaf.IPAddresses)
			}
			if !strings.HasPrefix(err.Error(), "devcert: ") {
				t.Errorf("err = %v", err)
			}
		})
	}
}

// TestTheConstraintsHoldAgainstAStolenKey forges certificates with the CA
// key directly, as a thief could, and checks that clients reject them.
func TestTheConstraintsHoldAgainstAStolenKey(t *testing.T) {
	clock := newFakeClock()
	a := newAuthority(t, clock, "dev.example.com")
	ca, caKey, _ := a.current()

	tests := []struct {
		name  string
		host  string
		dns   []string
		ips   []net.IP
		check func(error) bool
	}{
		{"a leaf for example.com fails verification", "example.com", []string{"example.com"}, nil, notAuthorizedForName},
		{"a leaf for a bank fails verification", "www.bank.example", []string{"www.bank.example"}, nil, notAuthorizedForName},
		{"a leaf for 10.0.0.1 fails verification", "10.0.0.1", nil, []net.IP{net.ParseIP("10.0.0.1")}, notAuthorizedForName},
		{"a leaf for 192.168.1.1 fails verification", "192.168.1.1", nil, []net.IP{net.ParseIP("192.168.1.1")}, notAuthorizedForName},
		{"a leaf for a public IPv6 address fails verification", "2001:db8::1", nil, []net.IP{net.ParseIP("2001:db8::1")}, notAuthorizedForName},
		{"a leaf smuggling example.com next to localhost fails verification", "localhost", []string{"localhost", "example.com"}, nil, notAuthorizedForName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			leaf := forge(t, ca, caKey, clock.Now(), tt.dns, tt.ips)
			err := verifyAs(leaf, ca, tt.host, clock.Now())
			if !tt.check(err) {
				t.Errorf("err = %v, want a name-constraint violation", err)
			}
		})
	}

	t.Run("a forged leaf for localhost itself does verify, so the rejections above are the constraints", func(t *testing.T) {
		leaf := forge(t, ca, caKey, clock.Now(), []string{"localhost"}, []net.IP{net.ParseIP("127.0.0.1")})
		for _, host := range []string{"localhost", "127.0.0.1"} {
			if err := verifyAs(leaf, ca, host, clock.Now()); err != nil {
				t.Errorf("%s: %v", host, err)
			}
		}
	})

	t.Run("an intermediate CA signed with the key fails verification", func(t *testing.T) {
		inter, interKey := forgeCA(t, ca, caKey, clock.Now())
		leaf := forge(t, inter, interKey, clock.Now(), []string{"localhost"}, nil)
		err := verifyAs(leaf, ca, "localhost", clock.Now(), inter)
		var invalid x509.CertificateInvalidError
		if !errors.As(err, &invalid) || invalid.Reason != x509.TooManyIntermediates {
			t.Errorf("err = %v, want TooManyIntermediates", err)
		}
	})
}

func notAuthorizedForName(err error) bool {
	var invalid x509.CertificateInvalidError
	return errors.As(err, &invalid) && invalid.Reason == x509.CANotAuthorizedForThisName
}

// forge signs a server certificate with key, bypassing IssueLeaf's checks.
func forge(t *testing.T, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, now time.Time, dns []string, ips []net.IP) *x509.Certificate {
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
		DNSNames:              dns,
		IPAddresses:           ips,
	}
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

// forgeCA signs an intermediate CA with key.
func forgeCA(t *testing.T, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, now time.Time) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(2),
		Subject:               pkix.Name{CommonName: "forged intermediate"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(time.Hour),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c, key
}

func TestLeafNeverOutlivesTheCA(t *testing.T) {
	clock := newFakeClock()
	a := newAuthority(t, clock)
	ca := a.Certificate()

	t.Run("a leaf issued ten days before the CA expires ends with the CA", func(t *testing.T) {
		clock.Advance(ca.NotAfter.Sub(clock.Now()) - 10*24*time.Hour)
		cert, err := a.IssueLeaf(nil)
		if err != nil {
			t.Fatal(err)
		}
		if !cert.Leaf.NotAfter.Equal(ca.NotAfter) {
			t.Errorf("leaf ends %v, CA ends %v", cert.Leaf.NotAfter, ca.NotAfter)
		}
	})

	t.Run("an expired CA issues nothing", func(t *testing.T) {
		clock.Advance(11 * 24 * time.Hour)
		if _, err := a.IssueLeaf(nil); err == nil || !strings.Contains(err.Error(), "expired") {
			t.Errorf("err = %v", err)
		}
	})
}
