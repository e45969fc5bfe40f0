package devcert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"time"
)

const (
	// leafLifetime is 30 days: a leaf key copied off the machine is soon
	// useless, and short costs nothing because the Loader renews the leaf
	// without a restart. It is also far below the 398 days that Apple
	// platforms and browsers accept for server certificates.
	leafLifetime = 30 * 24 * time.Hour
	// leafBackdate covers a small clock difference between the host and
	// a client (a VM that just resumed) without making the leaf live
	// noticeably longer.
	leafBackdate = 5 * time.Minute
)

// IssueLeaf signs a server certificate (ECDSA P-256, 30 days, server auth
// only) for localhost, 127.0.0.1, ::1 and names. It refuses any name the CA
// may not sign: IP addresses other than loopback, and DNS names outside
// localhost and the CA's dev host names. The leaf never outlives the CA.
func (a *Authority) IssueLeaf(names []string) (*tls.Certificate, error) {
	ca, caKey, _ := a.current()
	if ca == nil {
		return nil, errors.New("devcert: the authority has no CA; make it with LoadOrCreate")
	}
	return issueLeaf(ca, caKey, names, a.now())
}

func issueLeaf(ca *x509.Certificate, caKey *ecdsa.PrivateKey, names []string, now time.Time) (*tls.Certificate, error) {
	if !now.Before(ca.NotAfter) {
		return nil, fmt.Errorf("devcert: the CA expired on %s; regenerate it", ca.NotAfter.Format(time.DateOnly))
	}
	dnsNames, ips, err := leafNames(names, ca.PermittedDNSDomains)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("devcert: generating the leaf key: %w", err)
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	notAfter := now.Add(leafLifetime)
	if notAfter.After(ca.NotAfter) {
		notAfter = ca.NotAfter
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		// No common name: clients match the SANs, and a CN would only be
		// one more name to keep within the constraints.
		Subject:               pkix.Name{Organization: []string{organization + " add-in host"}},
		NotBefore:             now.Add(-leafBackdate),
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              dnsNames,
		IPAddresses:           ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("devcert: signing the leaf: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("devcert: parsing the new leaf: %w", err)
	}
	// Verify as a client would, so a leaf the CA's constraints reject is
	// caught here rather than in the user's browser.
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
		return nil, fmt.Errorf("devcert: the new leaf does not verify against the CA: %w", err)
	}
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}
