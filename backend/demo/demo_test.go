//go:build !nodemo

package demo_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"vmr-companion/backend/alias"
	"vmr-companion/backend/demo"
	"vmr-companion/backend/devcert"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/scheduler"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/secrets/secretstest"
	"vmr-companion/backend/store"
	"vmr-companion/backend/templates"
)

// TestDemoRunsTheWholeFlow: the demo's fake Exchange, served with a leaf
// of the local CA, and its integration, which trusts that CA through its
// CA file; the real EWS connector with Basic auth from the keychain; the
// scheduler decides the example meetings. A second start continues with
// the saved mailboxes and adds nothing.
func TestDemoRunsTheWholeFlow(t *testing.T) {
	secretstest.MockInit()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.OpenDir(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	kc := secrets.NewUncheckedKeychain(0)
	engine := templates.New()
	integrations := integration.NewService(st.Integrations(), kc, engine)
	aliases := alias.NewService(st.Aliases(), alias.DefaultTTL)
	sched := scheduler.New(scheduler.Config{Repository: st.Scheduler(), Integrations: integrations, Aliases: aliases,
		Templates: engine, Connect: scheduler.EWSConnector(integrations, "test")})
	ca, err := devcert.LoadOrCreate(ctx, devcert.Options{Dir: filepath.Join(dir, "devcert"), Keys: kc})
	if err != nil {
		t.Fatal(err)
	}
	loader, err := devcert.NewLoader(ca, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := demo.Config{DataDir: dir, Integrations: integrations, Aliases: aliases, GetCertificate: loader.GetCertificate,
		CAFile: ca.CertPath(), ResetSync: sched.ResetSync}

	d, err := demo.Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := sched.RunOnce(ctx, demo.IntegrationName)
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	if sum.Decided != 4 {
		t.Fatalf("summary %+v, want the 4 example meetings decided", sum)
	}
	log, _ := sched.Log(ctx, demo.IntegrationName, 10)
	codes := map[string]string{}
	for _, e := range log {
		codes[e.ItemUID] = e.Code
	}
	want := map[string]string{
		"demo-single": scheduler.CodeAcceptNewSingle, "demo-weekly": scheduler.CodeAcceptNewSeries,
		"demo-direct": scheduler.CodeRejectInvalidAliasID, "demo-placeholder": scheduler.CodeAcceptNewSingle,
	}
	for uid, code := range want {
		if codes[uid] != code {
			t.Errorf("%s: %q, want %q (log %v)", uid, codes[uid], code, codes)
		}
	}
	if n := len(d.Fake().Responses()); n != 4 {
		t.Errorf("%d responses, want 4", n)
	}
	firstURL := d.URL()
	// No deadline: Stop returning is what the test waits for, however
	// loaded the machine (a hang is go test's own timeout to report).
	stop := ctx
	if err := d.Stop(stop); err != nil {
		t.Fatal(err)
	}

	d, err = demo.Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Stop(stop)
	if d.URL() == firstURL {
		t.Log("the same port came back; the test still checks the state")
	}
	in, _ := integrations.Get(ctx, demo.IntegrationName)
	if in.URL != d.URL() {
		t.Fatalf("the integration points at %s, not the new fake at %s", in.URL, d.URL())
	}
	// The organizer's update of the placeholder meeting came back as a new
	// request; the seeded ones are not sent again.
	sum, err = sched.RunOnce(ctx, demo.IntegrationName)
	if err != nil {
		t.Fatalf("second RunOnce: %v", err)
	}
	if n := len(d.Fake().Responses()); n != 4+sum.Sent {
		t.Fatalf("%d responses after the restart, summary %+v", n, sum)
	}
	list, _ := sched.Conferences(ctx, demo.IntegrationName, time.Time{})
	if len(list) != 3 {
		t.Fatalf("%d conferences, want 3 (two accepted meetings and the placeholder one)", len(list))
	}
}
