//go:build !windows

package cli

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptrace"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"vmr-companion/backend/secrets/secretstest"
	"vmr-companion/backend/testtls"
)

// certPair writes c (then the CA's certificate) and its key as certbot
// does: each into a new file renamed over the old one.
func certPair(t *testing.T, dir string, ca *testtls.CA, c tls.Certificate, withKey bool) (certFile, keyFile string) {
	t.Helper()
	certFile, keyFile = filepath.Join(dir, "fullchain.pem"), filepath.Join(dir, "privkey.pem")
	var chain bytes.Buffer
	pem.Encode(&chain, &pem.Block{Type: "CERTIFICATE", Bytes: c.Certificate[0]})
	pem.Encode(&chain, &pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw})
	files := map[string][]byte{certFile: chain.Bytes()}
	if withKey {
		der, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
		if err != nil {
			t.Fatal(err)
		}
		files[keyFile] = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	}
	for path, data := range files {
		if err := os.WriteFile(path+".new", data, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(path+".new", path); err != nil {
			t.Fatal(err)
		}
	}
	return certFile, keyFile
}

func TestServeTLSFlags(t *testing.T) {
	secretstest.MockInit()
	ca := testtls.NewCA(t, "Test ACME CA")
	files := t.TempDir()
	certFile, keyFile := certPair(t, files, ca, ca.Valid(t, "vmr.example.com"), true)

	t.Run("--tls-cert without --tls-key is a usage error", func(t *testing.T) {
		code, _, errOut := run(t, t.TempDir(), "", "serve", "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--tls-cert", certFile)
		if code != 2 || !strings.Contains(errOut, "--tls-cert and --tls-key go together") {
			t.Fatalf("code %d: %s", code, errOut)
		}
	})
	t.Run("--tls-key without --tls-cert is a usage error", func(t *testing.T) {
		code, _, errOut := run(t, t.TempDir(), "", "serve", "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--tls-key", keyFile)
		if code != 2 || !strings.Contains(errOut, "--tls-cert and --tls-key go together") {
			t.Fatalf("code %d: %s", code, errOut)
		}
	})
	t.Run("beyond this machine the local CA is refused, saying what to give", func(t *testing.T) {
		// Refused before anything listens.
		code, _, errOut := run(t, t.TempDir(), "", "serve", "--listen", "0.0.0.0:3443", "--metrics-listen", "127.0.0.1:0")
		if code != 2 || !strings.Contains(errOut, "Outlook clients and Conferencing Nodes") ||
			!strings.Contains(errOut, "--tls-cert FILE --tls-key FILE") || !strings.Contains(errOut, "addin_server_domain") {
			t.Fatalf("code %d: %s", code, errOut)
		}
	})
	t.Run("a key that is not the certificate's stops serve before it listens", func(t *testing.T) {
		other := t.TempDir()
		_, otherKey := certPair(t, other, ca, ca.Valid(t, "vmr.example.com"), true)
		code, _, errOut := run(t, t.TempDir(), "", "serve", "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0",
			"--tls-cert", certFile, "--tls-key", otherKey)
		if code != 1 || !strings.Contains(errOut, "does not belong to the certificate") || !strings.Contains(errOut, otherKey) {
			t.Fatalf("code %d: %s", code, errOut)
		}
	})
}

// TestServeWithTLSFiles runs serve with an admin's certificate: clients
// that trust the certificate's CA (not the local CA) connect under its
// name, /readyz and the expiry metric follow it, and SIGHUP re-reads it
// without dropping an open connection; a half-written renewal leaves it.
func TestServeWithTLSFiles(t *testing.T) {
	secretstest.MockInit()
	dir := t.TempDir()
	if code, _, errOut := run(t, dir, "pw\n", append(contoso, "--set", "addin_server_domain=addins.contoso.com")...); code != 0 {
		t.Fatalf("create: %s", errOut)
	}
	ca := testtls.NewCA(t, "Test ACME CA")
	files := t.TempDir()
	// Lifetimes far from the local CA's 30-day leaves, so the metric
	// tells whose certificate it measures.
	first := ca.Leaf(t, time.Now().Add(-time.Hour), time.Now().Add(200*24*time.Hour), "vmr.example.com")
	certFile, keyFile := certPair(t, files, ca, first, true)

	lines := make(chan string, 256)
	out := &lineWriter{onLine: func(l string) { lines <- l }}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type result struct {
		code        int
		out, errOut string
	}
	done := make(chan result, 1)
	go func() {
		code, stdout, errOut := runWith(ctx, out, t, dir, "", "serve", "--listen", "127.0.0.1:0", "--allow-shared-host",
			"--metrics-listen", "127.0.0.1:0", "--tls-cert", certFile, "--tls-key", keyFile)
		done <- result{code, stdout, errOut}
	}()
	waitFor := func(prefix string) string {
		t.Helper()
		for {
			select {
			case l := <-lines:
				if strings.HasPrefix(strings.TrimSpace(l), prefix) {
					return l
				}
			case r := <-done:
				t.Fatalf("serve stopped: %d\n%s\n%s", r.code, r.out, r.errOut)
			}
		}
	}
	waitFor("Press Ctrl+C to stop.")
	all := out.String()
	base := regexp.MustCompile(`https://127\.0\.0\.1:\d+`).FindString(all)
	metricsAddr := regexp.MustCompile(`Health and metrics: http://(\S+)/readyz`).FindStringSubmatch(all)
	if base == "" || metricsAddr == nil || !strings.Contains(all, "Certificate: CN=vmr.example.com, expires") {
		t.Fatalf("output:\n%s", all)
	}

	newClient := func() *http.Client {
		return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool, ServerName: "vmr.example.com"}}}
	}
	fetch := func(c *http.Client) (served *x509.Certificate, reused bool) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/integrations", nil)
		req = req.WithContext(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { reused = i.Reused }}))
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.TLS.PeerCertificates[0], reused
	}
	same := func(a *x509.Certificate, b tls.Certificate) bool { return a.SerialNumber.Cmp(b.Leaf.SerialNumber) == 0 }
	expiryDays := func() float64 {
		t.Helper()
		resp, err := http.Get("http://" + metricsAddr[1] + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		m := regexp.MustCompile(`(?m)^vmr_companion_certificate_expiry_seconds (\S+)$`).FindSubmatch(body)
		if m == nil {
			t.Fatalf("no expiry metric:\n%s", body)
		}
		secs, _ := strconv.ParseFloat(string(m[1]), 64)
		return secs / 86400
	}
	readyz := func() (int, string) {
		resp, err := http.Get("http://" + metricsAddr[1] + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}

	kept := newClient()
	if served, _ := fetch(kept); !same(served, first) {
		t.Fatalf("served %v, not the file's certificate", served.Subject)
	}
	if code, body := readyz(); code != 200 || !strings.Contains(body, `"ready":true`) {
		t.Fatalf("/readyz: %d %s", code, body)
	}
	if d := expiryDays(); d < 150 || d > 200 {
		t.Fatalf("the expiry metric says %.1f days: not the file's certificate", d)
	}

	// The renewal adds the add-in server's name and lives longer.
	second := ca.Leaf(t, time.Now().Add(-time.Hour), time.Now().Add(300*24*time.Hour), "vmr.example.com", "addins.contoso.com")
	certPair(t, files, ca, second, true)
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if l := waitFor("certificate re-read:"); !strings.Contains(l, "CN=vmr.example.com, expires") {
		t.Fatalf("SIGHUP said %q", l)
	}
	if served, reused := fetch(kept); !reused || !same(served, first) {
		t.Fatalf("the open connection: reused %v, first certificate %v", reused, same(served, first))
	}
	if served, reused := fetch(newClient()); reused || !same(served, second) {
		t.Fatalf("a new connection: reused %v, renewed certificate %v", reused, same(served, second))
	}
	if d := expiryDays(); d < 250 {
		t.Fatalf("the expiry metric says %.1f days after the renewal", d)
	}

	// Half written: the certificate replaced, its key not yet.
	third := ca.Valid(t, "vmr.example.com", "addins.contoso.com")
	certPair(t, files, ca, third, false)
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if l := waitFor("WARNING: certificate not re-read"); !strings.Contains(l, "half written") {
		t.Fatalf("SIGHUP said %q", l)
	}
	if served, _ := fetch(newClient()); !same(served, second) {
		t.Fatal("the half-written pair was served")
	}

	cancel()
	r := <-done
	if r.code != 0 {
		t.Fatalf("serve: %d %s", r.code, r.errOut)
	}
	// The first certificate did not name the add-in server; the renewal did.
	if n := strings.Count(r.errOut, "WARNING: the certificate covers vmr.example.com but not the addin_server_domain of: addins.contoso.com (Contoso)"); n != 1 {
		t.Fatalf("warned %d times about the add-in server's name:\n%s", n, r.errOut)
	}
	if strings.Contains(r.errOut, "local CA") {
		t.Fatalf("the local CA was loaded although a certificate was given:\n%s", r.errOut)
	}
}
