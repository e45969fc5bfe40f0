package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vmr-companion/backend/conference"
	"vmr-companion/backend/secrets/secretstest"
)

func TestVMRs(t *testing.T) {
	secretstest.MockInit()
	dir := t.TempDir()

	t.Run("create takes aliases, PINs and the owner", func(t *testing.T) {
		code, out, errOut := run(t, dir, "", "vmrs", "create", "--name", "Alice's room", "--alias", "meet.alice@vc.example.com",
			"--alias", "4711", "--pin", "1234", "--guest-pin", "5678", "--allow-guests", "--owner", "Alice@Example.com")
		if code != 0 || !strings.Contains(out, "Created VMR") {
			t.Fatalf("code %d: %s %s", code, out, errOut)
		}
	})

	t.Run("list masks PINs and filters by owner", func(t *testing.T) {
		code, out, _ := run(t, dir, "", "vmrs", "list", "--owner", "alice@example.com")
		if code != 0 || strings.Contains(out, "1234") || !strings.Contains(out, "meet.alice@vc.example.com") {
			t.Fatalf("code %d: %s", code, out)
		}
		_, out, _ = run(t, dir, "", "vmrs", "list", "--owner", "bob@example.com", "--json")
		if strings.TrimSpace(out) != "[]" {
			t.Fatalf("bob has no VMRs, got %s", out)
		}
	})

	t.Run("an alias in use and a guest PIN equal to the PIN are refused together", func(t *testing.T) {
		code, _, errOut := run(t, dir, "", "vmrs", "create", "--name", "Copy", "--alias", "4711", "--pin", "1234", "--guest-pin", "1234")
		if code != 1 || !strings.Contains(errOut, "aliases:") || !strings.Contains(errOut, "guest_pin:") {
			t.Fatalf("code %d: %s", code, errOut)
		}
	})

	t.Run("a half-valid CSV imports nothing and names each line", func(t *testing.T) {
		csv := filepath.Join(t.TempDir(), "vmrs.csv")
		os.WriteFile(csv, []byte("name,aliases,pin,primary_owner_email_address\nBob,meet.bob@vc.example.com,1234,bob@example.com\nCarol,meet.carol@vc.example.com,12,carol@example.com\n"), 0o600)
		code, _, errOut := run(t, dir, "", "vmrs", "import", csv)
		if code != 1 || !strings.Contains(errOut, "line 3, pin") {
			t.Fatalf("code %d: %s", code, errOut)
		}
		_, out, _ := run(t, dir, "", "vmrs", "list", "--json")
		var list []conference.Conference
		json.Unmarshal([]byte(out), &list)
		if len(list) != 1 {
			t.Fatalf("the CSV wrote %d VMRs", len(list)-1)
		}
	})

	t.Run("delete asks for --yes", func(t *testing.T) {
		if code, _, _ := run(t, dir, "", "vmrs", "delete", "Alice's room"); code != 2 {
			t.Fatalf("code %d", code)
		}
		if code, _, errOut := run(t, dir, "", "vmrs", "delete", "Alice's room", "--yes"); code != 0 {
			t.Fatalf("code %d: %s", code, errOut)
		}
	})
}
