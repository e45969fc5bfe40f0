//go:build webkit2_41

package desktop

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"vmr-companion/backend/alias"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/scheduler"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/store"
	"vmr-companion/backend/templates"
)

// goldenScheduler records the scheduler page's answers that need no
// Exchange: the workers of an eligible and an ineligible integration, and
// the errors of what cannot be done. No worker is started.
func goldenScheduler(t *testing.T, g *goldenRecorder) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "golden.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	engine := templates.New()
	integrations := integration.NewService(st.Integrations(), secrets.NewUncheckedKeychain(0), engine)
	// Contoso HQ can have a worker; Woodgrove lab (here with Northwind's
	// personal-only settings) cannot.
	for _, s := range goldenWorld {
		values := map[string]any{}
		for k, v := range s.values {
			values[k] = v
		}
		switch values["name"] {
		case "Contoso HQ":
		case "Northwind Traders":
			values["name"] = "Woodgrove lab"
		default:
			continue
		}
		data, _ := json.Marshal(values)
		in, err := integrations.DecodeNew(data)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := integrations.Create(ctx, in); err != nil {
			t.Fatal(FormatError(err))
		}
	}
	now := func() time.Time { return time.Date(2025, 11, 20, 9, 30, 0, 0, time.UTC) }
	sched := scheduler.New(scheduler.Config{Repository: st.Scheduler(), Integrations: integrations,
		Aliases: alias.NewService(st.Aliases(), alias.DefaultTTL), Templates: engine,
		Connect: scheduler.EWSConnector(integrations, "golden"), Now: now, PID: 1000, Host: "this-machine"})
	defer sched.Stop()
	s := &SchedulerService{ctx: ctx, scheduler: sched, integrations: integrations, now: now}

	workers, err := s.Workers()
	g.record("scheduler workers", "SchedulerService.Workers", []any{}, workers, err)
	status, err := s.StartWorker("Woodgrove lab")
	g.record("scheduler start ineligible", "SchedulerService.StartWorker", []any{"Woodgrove lab"}, status, err)
	sum, err := s.RunOnce("Woodgrove lab")
	g.record("scheduler run ineligible", "SchedulerService.RunOnce", []any{"Woodgrove lab"}, sum, err)
	status, err = s.StartWorker("No such integration")
	g.record("scheduler start missing", "SchedulerService.StartWorker", []any{"No such integration"}, status, err)
	err = s.Retry("Contoso HQ", "item", "AAMkItem1")
	g.record("scheduler retry unknown", "SchedulerService.Retry", []any{"Contoso HQ", "item", "AAMkItem1"}, nil, err)
	// Another process (on another machine) works on Contoso HQ's mailbox.
	contoso, err := integrations.Get(ctx, "Contoso HQ")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := st.Scheduler().Lease(ctx, contoso.ID, scheduler.LeaseRequest{Token: "other-process", PID: 4242, Host: "vmr-server-1",
		At: now(), TTL: time.Minute, Poll: 30 * time.Second}); err != nil || !ok {
		t.Fatalf("lease: %v %v", ok, err)
	}
	sum, err = s.RunOnce("Contoso HQ")
	g.record("scheduler run held", "SchedulerService.RunOnce", []any{"Contoso HQ"}, sum, err)
	conferences, err := s.Conferences("")
	g.record("scheduler conferences none", "SchedulerService.Conferences", []any{""}, conferences, err)
}
