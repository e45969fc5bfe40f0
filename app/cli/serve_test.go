package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vmr-companion/backend/secrets/secretstest"
)

func TestManifestAndCert(t *testing.T) {
	secretstest.MockInit()
	dir := t.TempDir()
	if code, _, errOut := run(t, dir, "pw\n", contoso...); code != 0 {
		t.Fatalf("create: %s", errOut)
	}

	t.Run("manifest generate --dev writes an XML manifest for this machine's host", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "m.xml")
		code, _, errOut := run(t, dir, "", "manifest", "generate", "--integration", "Contoso", "--dev", "-o", out)
		if code != 0 {
			t.Fatalf("code %d: %s", code, errOut)
		}
		data, _ := os.ReadFile(out)
		if !strings.Contains(string(data), "https://127.0.0.1:3443/addin/taskpane.html") || !strings.Contains(string(data), "<Version>1.0.0</Version>") {
			t.Fatalf("unexpected manifest:\n%s", data)
		}
	})

	t.Run("a changed button label bumps the manifest version", func(t *testing.T) {
		run(t, dir, "", "integrations", "update", "Contoso", "--set", "addin_button_label=Video room")
		_, out, _ := run(t, dir, "", "manifest", "generate", "--integration", "Contoso", "--dev")
		if !strings.Contains(out, "<Version>1.0.1</Version>") || !strings.Contains(out, "Video room") {
			t.Fatalf("version not bumped:\n%s", out)
		}
	})

	t.Run("the production manifest needs the add-in server domain", func(t *testing.T) {
		code, _, errOut := run(t, dir, "", "manifest", "generate", "--integration", "Contoso", "--format", "json")
		if code != 1 || !strings.Contains(errOut, "addin_server_domain") {
			t.Fatalf("code %d: %s", code, errOut)
		}
		run(t, dir, "", "integrations", "update", "Contoso", "--set", "addin_server_domain=addins.contoso.com")
		code, out, errOut := run(t, dir, "", "manifest", "generate", "--integration", "Contoso", "--format", "json")
		if code != 0 || !strings.Contains(out, "https://addins.contoso.com/addin/taskpane.html") {
			t.Fatalf("code %d: %s %s", code, out, errOut)
		}
	})

	t.Run("a bad format is a usage error", func(t *testing.T) {
		if code, _, _ := run(t, dir, "", "manifest", "generate", "--integration", "Contoso", "--format", "yaml"); code != 2 {
			t.Fatalf("code %d", code)
		}
	})

	t.Run("cert status makes the CA on first use and keeps its key in the keychain", func(t *testing.T) {
		code, out, errOut := run(t, dir, "", "cert", "status", "--json")
		if code != 0 {
			t.Fatalf("code %d: %s", code, errOut)
		}
		var report struct {
			Name        string `json:"name"`
			KeyLocation string `json:"key_location"`
			File        string `json:"file"`
		}
		if err := json.Unmarshal([]byte(out), &report); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(report.Name, "VMR Companion local CA") || report.KeyLocation != "keychain" {
			t.Fatalf("unexpected report %+v", report)
		}
		if _, err := os.Stat(filepath.Join(dir, "devcert", "ca-key.pem")); !os.IsNotExist(err) {
			t.Fatal("the CA key was written to a file although the keychain works")
		}
	})

	t.Run("serve refuses --auth none on a non-loopback address and names the mode to use", func(t *testing.T) {
		code, _, errOut := run(t, dir, "", "serve", "--listen", "0.0.0.0:3443", "--auth", "none")
		if code != 1 || !strings.Contains(errOut, "--auth integration") {
			t.Fatalf("code %d: %s", code, errOut)
		}
	})

	t.Run("serve names the modes it knows", func(t *testing.T) {
		code, _, errOut := run(t, dir, "", "serve", "--auth", "SSO_TOKEN")
		if code != 1 || !strings.Contains(errOut, "none, integration or oidc") {
			t.Fatalf("code %d: %s", code, errOut)
		}
	})
}
