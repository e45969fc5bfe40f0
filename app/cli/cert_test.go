package cli

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/devcert"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/secrets/secretstest"
	"vmr-companion/backend/testtls"
)

type certReportJSON struct {
	Name        string `json:"name"`
	KeyLocation string `json:"key_location"`
	KeyState    string `json:"key_state"`
	KeyNotice   string `json:"key_notice"`
	Replaced    *struct {
		Name       string `json:"name"`
		Reason     string `json:"reason"`
		TrustMoved bool   `json:"trust_moved"`
	} `json:"replaced"`
}

func TestCertSaysWhereTheKeyIsAndWhy(t *testing.T) {
	t.Run("without a keychain cert status warns loudly that the key is in a file, and why", func(t *testing.T) {
		secretstest.MockInitWithError(errors.New("The name org.freedesktop.secrets was not provided by any .service files"))
		t.Cleanup(secretstest.MockInit)
		dir := t.TempDir()
		code, _, errOut := run(t, dir, "", "cert", "status")
		if code != 0 {
			t.Fatalf("code %d: %s", code, errOut)
		}
		if !strings.Contains(errOut, "WARNING") || !strings.Contains(errOut, "no keychain is available") || !strings.Contains(errOut, "ca-key.pem") {
			t.Errorf("no loud warning on stderr:\n%s", errOut)
		}
		code, out, errOut := run(t, dir, "", "cert", "status", "--json")
		var r certReportJSON
		if err := json.Unmarshal([]byte(out), &r); code != 0 || err != nil {
			t.Fatalf("code %d, %v: %s %s", code, err, out, errOut)
		}
		if r.KeyState != "no_keychain" || !strings.Contains(r.KeyNotice, "no keychain is available") {
			t.Errorf("report %+v", r)
		}
	})

	t.Run("once the keychain works cert status moves the key there and stops warning", func(t *testing.T) {
		secretstest.MockInitWithError(errors.New("The name org.freedesktop.secrets was not provided by any .service files"))
		dir := t.TempDir()
		if code, _, errOut := run(t, dir, "", "cert", "status"); code != 0 {
			t.Fatalf("code %d: %s", code, errOut)
		}
		secretstest.MockInit()
		code, out, errOut := run(t, dir, "", "cert", "status", "--json")
		var r certReportJSON
		if err := json.Unmarshal([]byte(out), &r); code != 0 || err != nil {
			t.Fatalf("code %d, %v: %s %s", code, err, out, errOut)
		}
		if r.KeyLocation != "keychain" || r.KeyState != "" || r.KeyNotice != "" || strings.Contains(errOut, "WARNING") {
			t.Errorf("report %+v, stderr %s", r, errOut)
		}
		if _, err := os.Stat(filepath.Join(dir, "devcert", devcert.KeyFile)); !os.IsNotExist(err) {
			t.Errorf("the key file is still there (err %v)", err)
		}
	})
}

func TestCertReplacesACAWithoutUsageLimits(t *testing.T) {
	secretstest.MockInit()
	dir := t.TempDir()
	old := storeUnlimitedCA(t, filepath.Join(dir, "devcert"))
	code, out, errOut := run(t, dir, "", "cert", "status", "--json")
	var r certReportJSON
	if err := json.Unmarshal([]byte(out), &r); code != 0 || err != nil {
		t.Fatalf("code %d, %v: %s %s", code, err, out, errOut)
	}
	if r.Name == old.Subject.CommonName || r.Replaced == nil || r.Replaced.Name != old.Subject.CommonName || !strings.Contains(r.Replaced.Reason, "server authentication") {
		t.Fatalf("report %+v", r)
	}
	if !strings.Contains(errOut, "replaced") || !strings.Contains(errOut, old.Subject.CommonName) {
		t.Errorf("stderr does not say the CA was replaced:\n%s", errOut)
	}
	code, out, _ = run(t, dir, "", "cert", "status", "--json")
	r = certReportJSON{}
	if err := json.Unmarshal([]byte(out), &r); code != 0 || err != nil || r.Replaced != nil {
		t.Errorf("the replacement is reported again: %+v", r)
	}
}

func TestCertUninstallCanDeleteTheCA(t *testing.T) {
	secretstest.MockInit()
	dir := t.TempDir()
	if code, _, errOut := run(t, dir, "", "cert", "status"); code != 0 {
		t.Fatalf("code %d: %s", code, errOut)
	}
	code, out, errOut := run(t, dir, "", "cert", "uninstall", "--delete-key")
	if code != 0 {
		t.Fatalf("code %d: %s %s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "devcert", devcert.CertFile)); !os.IsNotExist(err) {
		t.Errorf("ca.pem is still there (err %v)", err)
	}
	kc := secrets.NewUncheckedKeychain(0)
	if _, err := kc.Get(context.Background(), devcert.KeyAccount); !errors.Is(err, secrets.ErrNotFound) {
		t.Errorf("the keychain still holds the CA key (err %v)", err)
	}
	if !strings.Contains(out, "deleted") {
		t.Errorf("output does not say the CA was deleted:\n%s", out)
	}
}

// storeUnlimitedCA stores a CA as earlier versions made it: local names
// only, but no extended key usage and no e-mail or URI constraints.
func storeUnlimitedCA(t *testing.T, dir string) *x509.Certificate {
	t.Helper()
	now := time.Now()
	cert, key := testtls.Sign(t, &x509.Certificate{
		SerialNumber:                big.NewInt(7),
		Subject:                     pkix.Name{CommonName: "VMR Companion local CA 0123abcd", Organization: []string{"VMR Companion"}},
		NotBefore:                   now.Add(-time.Hour),
		NotAfter:                    now.Add(365 * 24 * time.Hour),
		KeyUsage:                    x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid:       true,
		IsCA:                        true,
		MaxPathLenZero:              true,
		PermittedDNSDomainsCritical: true,
		PermittedDNSDomains:         []string{"localhost"},
		PermittedIPRanges: []*net.IPNet{
			{IP: net.IPv4(127, 0, 0, 0).To4(), Mask: net.CIDRMask(8, 32)},
			{IP: net.IPv6loopback, Mask: net.CIDRMask(128, 128)},
		},
	}, nil, nil)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, devcert.CertFile), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	kc := secrets.NewUncheckedKeychain(0)
	if err := kc.Set(context.Background(), devcert.KeyAccount, secrets.New(string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})))); err != nil {
		t.Fatal(err)
	}
	return cert
}

func TestServeWarnsWhenTheCAKeyIsInAFile(t *testing.T) {
	secretstest.MockInitWithError(errors.New("The name org.freedesktop.secrets was not provided by any .service files"))
	t.Cleanup(secretstest.MockInit)
	// --auth none on a non-loopback address stops serve right after the
	// banner's CA check, so the test needs no running host.
	code, _, errOut := run(t, t.TempDir(), "", "serve", "--listen", "0.0.0.0:3443", "--auth", "none")
	if code != 1 || !strings.Contains(errOut, "WARNING: The local CA's private key is in the file") || !strings.Contains(errOut, "no keychain is available") {
		t.Fatalf("code %d, stderr:\n%s", code, errOut)
	}
}
