//go:build !nodemo

package demo_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/demo"
	"vmr-companion/backend/devcert"
	"vmr-companion/backend/infinity"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/secrets/secretstest"
)

// The demo Management Node answers over HTTPS with a leaf of the local CA
// and this run's password, holds the examples, and a second run keeps the
// same objects (and ids) with a new password.
func TestDemoManagementNodeKeepsItsObjects(t *testing.T) {
	secretstest.MockInit()
	ctx := context.Background()
	dir := t.TempDir()
	kc := secrets.NewUncheckedKeychain(0)
	ca, err := devcert.LoadOrCreate(ctx, devcert.Options{Dir: filepath.Join(dir, "devcert"), Keys: kc})
	if err != nil {
		t.Fatal(err)
	}
	loader, err := devcert.NewLoader(ca, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := demo.Config{DataDir: dir, GetCertificate: loader.GetCertificate, CAFile: ca.CertPath()}
	pool, err := infinity.LoadCAFile(ca.CertPath())
	if err != nil {
		t.Fatal(err)
	}
	read := func(d *demo.Infinity) ([]infinity.Connector, []infinity.Conference) {
		t.Helper()
		c, err := infinity.New(infinity.Config{BaseURL: d.URL(), Username: demo.InfinityUsername, Password: d.Password(), RootCAs: pool})
		if err != nil {
			t.Fatal(err)
		}
		connectors, err := c.ListConnectors(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		vmrs, err := c.ListConferences(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		return connectors, vmrs
	}

	first, err := demo.StartInfinity(ctx, cfg, "")
	if err != nil {
		t.Fatal(err)
	}
	connectors, vmrs := read(first)
	if len(connectors) != 2 || len(vmrs) != 3 {
		t.Fatalf("%d integrations and %d VMRs, want 2 and 3", len(connectors), len(vmrs))
	}
	for _, v := range vmrs {
		if v.Conference.PrimaryOwnerEmailAddress == "" || len(v.Conference.Aliases) != 2 {
			t.Fatalf("example VMR %+v", v.Conference)
		}
	}
	stop(t, first)

	second, err := demo.StartInfinity(ctx, cfg, strings.TrimPrefix(first.URL(), "https://"))
	if err != nil {
		t.Fatal(err)
	}
	defer stop(t, second)
	if second.URL() != first.URL() {
		// Only when another process took the port meanwhile.
		t.Logf("the second run listens on %s, the first on %s", second.URL(), first.URL())
	}
	if second.Password().Reveal() == first.Password().Reveal() {
		t.Fatal("the password did not change between runs")
	}
	again, vmrsAgain := read(second)
	if len(again) != 2 || len(vmrsAgain) != 3 || again[0].ID != connectors[0].ID || vmrsAgain[2].ID != vmrs[2].ID {
		t.Fatalf("second run: %d integrations, %d VMRs; ids %d/%d and %d/%d", len(again), len(vmrsAgain), again[0].ID, connectors[0].ID, vmrsAgain[2].ID, vmrs[2].ID)
	}
}

func stop(t *testing.T, d *demo.Infinity) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.Stop(ctx); err != nil {
		t.Fatal(err)
	}
}
