//go:build !nodemo

package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"vmr-companion/backend/demo"
	"vmr-companion/backend/secrets/secretstest"
)

// stopOnLine cancels serve once it has printed line: serve is then up,
// its demo included, and stops as on Ctrl+C.
type stopOnLine struct {
	line   string
	cancel context.CancelFunc
	buf    bytes.Buffer
}

func (s *stopOnLine) Write(p []byte) (int, error) {
	s.buf.Write(p)
	if strings.Contains(s.buf.String(), s.line) {
		s.cancel()
	}
	return len(p), nil
}

// serveDemo runs serve --demo on dataDir until it is up, then stops it.
func serveDemo(t *testing.T, dataDir string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	watch := &stopOnLine{line: "Press Ctrl+C to stop.", cancel: cancel}
	return runWith(ctx, watch, t, dataDir, "", "serve", "--demo", "--listen", "127.0.0.1:0", "--allow-shared-host", "--metrics-listen", "127.0.0.1:0")
}

// TestServeDemoKeepsItsDataApart is what a new user tried: serve --demo,
// stop it, open the window. The user's store must have no demo integration
// afterwards, so the window's scheduler has no worker retrying against the
// fake Exchange that stopped with serve.
func TestServeDemoKeepsItsDataApart(t *testing.T) {
	secretstest.MockInit()
	dir := t.TempDir()
	demoDir := demo.Dir(dir)

	code, out, errOut := serveDemo(t, dir)
	if code != 0 {
		t.Fatalf("serve --demo: code %d: %s", code, errOut)
	}
	if !strings.Contains(out, demo.IntegrationName) || !strings.Contains(out, demoDir) {
		t.Fatalf("serve --demo did not say where the demo keeps its data:\n%s", out)
	}

	t.Run("the user's store has no demo integration and no worker", func(t *testing.T) {
		_, out, _ := run(t, dir, "", "integrations", "list")
		if !strings.Contains(out, "No integrations yet") {
			t.Fatalf("the user's store has integrations after the demo:\n%s", out)
		}
		code, out, errOut := run(t, dir, "", "scheduler", "status", "--json")
		var statuses []json.RawMessage
		if code != 0 || json.Unmarshal([]byte(out), &statuses) != nil || len(statuses) != 0 {
			t.Fatalf("scheduler status in the user's store: code %d, %s %s", code, out, errOut)
		}
		if _, err := os.Stat(filepath.Join(dir, "demo-exchange.json")); !os.IsNotExist(err) {
			t.Fatalf("the fake Exchange's mailboxes landed in the user's folder (%v)", err)
		}
	})

	t.Run("the demo's own folder has its integration and mailboxes", func(t *testing.T) {
		_, out, _ := run(t, demoDir, "", "integrations", "list")
		if !strings.Contains(out, demo.IntegrationName) {
			t.Fatalf("no demo integration in %s:\n%s", demoDir, out)
		}
		if _, err := os.Stat(filepath.Join(demoDir, "demo-exchange.json")); err != nil {
			t.Fatalf("the fake Exchange's mailboxes were not saved in the demo's folder: %v", err)
		}
	})

	t.Run("the demo uses the user's local CA, and makes none of its own", func(t *testing.T) {
		// A second CA would share the keychain entry of the first.
		if _, err := os.Stat(filepath.Join(demoDir, "devcert")); !os.IsNotExist(err) {
			t.Fatalf("the demo made a CA in its own folder (%v)", err)
		}
		if _, err := os.Stat(filepath.Join(dir, "devcert", "ca.pem")); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("a second run continues the same demo", func(t *testing.T) {
		if code, _, errOut := serveDemo(t, dir); code != 0 {
			t.Fatalf("code %d: %s", code, errOut)
		}
		_, out, _ := run(t, demoDir, "", "integrations", "list", "--json")
		if n := strings.Count(out, demo.IntegrationName); n != 1 {
			t.Fatalf("%d demo integrations in the demo's folder:\n%s", n, out)
		}
	})

	t.Run("the demo's folder is connected to the demo Management Node, which pull and push reach", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var pulled, pushed, status string
		watch := &onLine{line: "Press Ctrl+C to stop.", ready: make(chan struct{}), then: func() {
			defer cancel()
			_, pulled, _ = run(t, demoDir, "", "infinity", "pull")
			_, pushed, _ = run(t, demoDir, "", "infinity", "push")
			_, status, _ = run(t, demoDir, "", "infinity", "status", "--json")
		}}
		code, out, errOut := runWith(ctx, watch, t, dir, "", "serve", "--demo", "--listen", "127.0.0.1:0", "--allow-shared-host", "--metrics-listen", "127.0.0.1:0")
		if code != 0 || !strings.Contains(out, "fake Pexip Infinity Management Node") {
			t.Fatalf("serve --demo: code %d\n%s\n%s", code, out, errOut)
		}
		if !strings.Contains(pulled, "Bergen lab") && !strings.Contains(pulled, "created") {
			t.Fatalf("infinity pull in the demo's folder:\n%s", pulled)
		}
		if pushed == "" || !strings.Contains(status, `"connected": true`) || !strings.Contains(status, demo.InfinityUsername) {
			t.Fatalf("after pull and push: push said %q, status %s", pushed, status)
		}
		_, out, _ = run(t, demoDir, "", "vmrs", "list")
		if !strings.Contains(out, "Kari Nordmann's room") {
			t.Fatalf("the pulled personal VMRs are not in the demo's store:\n%s", out)
		}
		// The user's own store is not connected anywhere.
		_, out, _ = run(t, dir, "", "infinity", "status", "--json")
		if !strings.Contains(out, `"connected": false`) {
			t.Fatalf("the user's store is connected after the demo: %s", out)
		}
	})

	t.Run("a demo integration an earlier version left in the user's store is pointed out", func(t *testing.T) {
		args := []string{"integrations", "create",
			"--set", "name=" + demo.IntegrationName,
			"--set", "url=https://127.0.0.1:1/EWS/Exchange.asmx",
			"--set", "domains=127.0.0.1,vmr-companion.example",
			"--set", "room_mailbox_email_address=demo-room@vmr-companion.example",
			"--set", "username=demo-service",
			"--secret", "password"}
		if code, _, errOut := run(t, dir, "pw\n", args...); code != 0 {
			t.Fatalf("create: %s", errOut)
		}
		_, out, _ := serveDemo(t, dir)
		if !strings.Contains(out, "vmr-companion integrations delete") {
			t.Fatalf("serve --demo did not point out the old demo integration:\n%s", out)
		}
	})
}

// TestNodemoBuildLeavesTheFakeExchangeOut: a server build (-tags nodemo)
// links neither the demo nor the fake Exchange it runs.
func TestNodemoBuildLeavesTheFakeExchangeOut(t *testing.T) {
	// go test puts its own go first on PATH.
	cmd := exec.Command("go", "list", "-tags", "nodemo", "-deps", "vmr-companion/app/cli")
	cmd.Env = append(os.Environ(), "GOFLAGS=")
	deps, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, pkg := range strings.Fields(string(deps)) {
		if pkg == "vmr-companion/backend/demo" || pkg == "vmr-companion/backend/ews/ewstest" || pkg == "vmr-companion/backend/infinity/infinitytest" {
			t.Errorf("a -tags nodemo build links %s", pkg)
		}
	}
	if !strings.Contains(string(deps), "vmr-companion/backend/scheduler") {
		t.Fatalf("go list gave no dependencies of app/cli:\n%s", deps)
	}
}
