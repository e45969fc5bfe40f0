package cli

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vmr-companion/backend/diagnostics"
	"vmr-companion/backend/ews/ewstest"
	"vmr-companion/backend/exidtoken/exidtokentest"
	"vmr-companion/backend/secrets/secretstest"
	"vmr-companion/backend/testtls"
)

// fakeExchange serves a fake EWS and an office.js over TLS for localhost,
// with a certificate from a CA made for the test and written to caFile.
func fakeExchange(t *testing.T) (fake *ewstest.Server, baseURL, caFile string) {
	t.Helper()
	ca := testtls.NewCA(t, "Contoso CLI Test CA")
	fake = ewstest.New("vmr@contoso.com")
	mux := http.NewServeMux()
	mux.Handle("/EWS/", fake)
	mux.HandleFunc("/office.js", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("var Office = {};")) })
	srv := testtls.Serve(t, mux, ca.Valid(t, "localhost", "127.0.0.1"))
	u, _ := url.Parse(srv.URL)
	return fake, "https://localhost:" + u.Port(), ca.File(t)
}

// bothCAs writes the certificates of two CA files into one.
func bothCAs(t *testing.T, a, b string) string {
	t.Helper()
	var pem []byte
	for _, f := range []string{a, b} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		pem = append(pem, data...)
	}
	path := filepath.Join(t.TempDir(), "cas.pem")
	if err := os.WriteFile(path, pem, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDiagnose(t *testing.T) {
	secretstest.MockInit()
	dir := t.TempDir()
	const password = "Diagnose-Me-42"
	fake, base, caFile := fakeExchange(t)
	// Exchange's authentication metadata, which the add-in identity check
	// reads: its own server, whose CA goes into the same CA file.
	meta := exidtokentest.Start(t)
	caFile = bothCAs(t, caFile, meta.CAFile(t))
	code, _, errOut := run(t, dir, password+"\n", "integrations", "create",
		"--set", "name=Contoso",
		"--set", "url="+base+"/EWS/Exchange.asmx",
		"--set", "domains=localhost,"+meta.URL,
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
		if code != 0 || json.Unmarshal([]byte(out), &r) != nil || len(r.Checks) != 11 || r.Worst() != diagnostics.Pass {
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
		if b.Version != "test" || b.Integration["name"] != "Contoso" || len(b.Report.Checks) != 11 || len(b.Log) < 10 {
			t.Fatalf("bundle %s", data)
		}
	})

	t.Run("--ca-file replaces the integration's CA file", func(t *testing.T) {
		other := testtls.NewCA(t, "Other CA").File(t)
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
