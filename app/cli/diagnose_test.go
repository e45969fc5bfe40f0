package cli

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"vmr-companion/backend/diagnostics"
	"vmr-companion/backend/ews/ewstest"
)

// fakeExchange serves a fake EWS and an office.js over TLS for localhost,
// with a certificate from a CA made for the test and written to caFile.
func fakeExchange(t *testing.T) (fake *ewstest.Server, baseURL, caFile string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Contoso CLI Test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leafTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(90 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caFile = filepath.Join(t.TempDir(), "contoso-ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		t.Fatal(err)
	}

	fake = ewstest.New("vmr@contoso.com")
	mux := http.NewServeMux()
	mux.Handle("/EWS/", fake)
	mux.HandleFunc("/office.js", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("var Office = {};")) })
	srv := httptest.NewUnstartedServer(mux)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{leafDER}, PrivateKey: key}}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return fake, "https://localhost:" + u.Port(), caFile
}

func TestDiagnose(t *testing.T) {
	keyring.MockInit()
	dir := t.TempDir()
	const password = "Diagnose-Me-42"
	fake, base, caFile := fakeExchange(t)
	code, _, errOut := run(t, dir, password+"\n", "integrations", "create",
		"--set", "name=Contoso",
		"--set", "url="+base+"/EWS/Exchange.asmx",
		"--set", "domains=localhost",
		"--set", "room_mailbox_email_address=vmr@contoso.com",
		"--set", `username=CONTOSO\svc-vmr`,
		"--set", "ews_ca_file="+caFile,
		"--set", "use_custom_add_in_sources=true",
		"--set", "office_js_url="+base+"/office.js",
		"--secret", "password")
	if code != 0 {
		t.Fatalf("create: %d %s", code, errOut)
	}

	t.Run("a healthy integration prints a mark per check and exits 0", func(t *testing.T) {
		code, out, errOut := run(t, dir, "", "diagnose", "--integration", "Contoso")
		if code != 0 {
			t.Fatalf("code %d\n%s\n%s", code, out, errOut)
		}
		for _, want := range []string{"✓ EWS certificate: certificate localhost issued by Contoso CLI Test CA",
			`✓ Service account signs in to EWS: CONTOSO\svc-vmr signed in with BASIC`, "- OAuth token endpoint:", "✓ Office.js:"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "✗") || strings.Contains(out+errOut, password) {
			t.Fatalf("unexpected output:\n%s", out)
		}
	})

	t.Run("--json prints the report", func(t *testing.T) {
		code, out, _ := run(t, dir, "", "diagnose", "--integration", "contoso", "--json")
		var r diagnostics.Report
		if code != 0 || json.Unmarshal([]byte(out), &r) != nil || len(r.Checks) != 10 || r.Worst() != diagnostics.Pass {
			t.Fatalf("code %d: %s", code, out)
		}
	})

	t.Run("a refused password fails with its fix and exits non-zero", func(t *testing.T) {
		fake.FailNext("GetFolder", 1, ewstest.Failure{Status: http.StatusUnauthorized})
		code, out, errOut := run(t, dir, "", "diagnose", "--integration", "Contoso")
		if code != exitError {
			t.Fatalf("code %d\n%s", code, out)
		}
		if !strings.Contains(out, "✗ Service account signs in to EWS") || !strings.Contains(out, "    fix: ") {
			t.Fatalf("output:\n%s", out)
		}
		if !strings.Contains(errOut, `1 check(s) of integration "Contoso" failed`) {
			t.Fatalf("stderr %q", errOut)
		}
	})

	t.Run("--bundle writes the report, integration and log, without the password", func(t *testing.T) {
		fake.FailNext("GetFolder", 1, ewstest.Failure{Status: http.StatusUnauthorized})
		file := filepath.Join(t.TempDir(), "bundle.json")
		code, out, _ := run(t, dir, "", "diagnose", "--integration", "Contoso", "--bundle", file)
		if code != exitError || !strings.Contains(out, "Diagnostics bundle (secrets redacted): "+file) {
			t.Fatalf("code %d\n%s", code, out)
		}
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if info, _ := os.Stat(file); info.Mode().Perm() != 0o600 {
			t.Errorf("bundle mode %v, want 0600", info.Mode().Perm())
		}
		if strings.Contains(string(data), password) {
			t.Fatal("the bundle holds the password")
		}
		var b struct {
			Report      diagnostics.Report `json:"report"`
			Integration map[string]any     `json:"integration"`
			Log         []string           `json:"log"`
			Version     string             `json:"version"`
		}
		if err := json.Unmarshal(data, &b); err != nil {
			t.Fatal(err)
		}
		if b.Version != "test" || b.Integration["name"] != "Contoso" || len(b.Report.Checks) != 10 || len(b.Log) < 10 {
			t.Fatalf("bundle %s", data)
		}
	})

	t.Run("--ca-file replaces the integration's CA file", func(t *testing.T) {
		other := filepath.Join(t.TempDir(), "other.pem")
		otherKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "Other CA"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
		der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &otherKey.PublicKey, otherKey)
		os.WriteFile(other, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
		code, out, _ := run(t, dir, "", "diagnose", "--integration", "Contoso", "--ca-file", other)
		if code != exitError || !strings.Contains(out, "✗ EWS certificate") || !strings.Contains(out, `trust the CA "Contoso CLI Test CA"`) {
			t.Fatalf("code %d\n%s", code, out)
		}
	})

	t.Run("usage errors", func(t *testing.T) {
		if code, _, errOut := run(t, dir, "", "diagnose"); code != exitUsage || !strings.Contains(errOut, "--integration NAME") {
			t.Fatalf("no --integration: code %d %q", code, errOut)
		}
		if code, _, errOut := run(t, dir, "", "diagnose", "--integration", "Fabrikam"); code != exitError || errOut == "" {
			t.Fatalf("unknown integration: code %d %q", code, errOut)
		}
	})
}
