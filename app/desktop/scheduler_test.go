//go:build webkit2_41

package desktop

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"vmr-companion/app/wire/wiretest"
	"vmr-companion/backend/diagnostics"
	"vmr-companion/backend/ews/ewstest"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/scheduler"
	"vmr-companion/backend/secrets/secretstest"
)

// TestSchedulerService drives the window's scheduler service against a
// fake Exchange over TLS, as the Scheduled conferences page does.
func TestSchedulerService(t *testing.T) {
	secretstest.MockInit()
	wsvc := wiretest.Open(t, t.TempDir())
	ex := wiretest.NewExchange(t, "room@contoso.com")
	fake := ex.Fake
	ctx := t.Context()
	integrations, aliases := wsvc.Integrations, wsvc.Aliases
	in, err := integrations.DecodeNew([]byte(ex.Integration("room@contoso.com")))
	if err != nil {
		t.Fatal(err)
	}
	saved, err := integrations.Create(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	bundlePath := wsvc.DatabasePath + ".bundle.json" // beside the database
	svc := &SchedulerService{ctx: ctx, scheduler: wsvc.Scheduler, integrations: integrations, dialogs: fakeDialogs{save: bundlePath},
		now: time.Now, bundle: wsvc.Diagnostics.Bundle,
		diagnose: func(ctx context.Context, in *integration.Integration) *diagnostics.Report {
			return wsvc.Diagnostics.Diagnose(ctx, in, diagnostics.Options{Timeout: 20 * time.Second})
		}}

	a, _, err := aliases.Reserve(ctx, saved.Integration, "compose", "alex@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(2 * time.Hour).Truncate(time.Minute)
	ex.SendMeeting("desk-1", "Design review", start, a.UUID)

	sum, err := svc.RunOnce("Contoso")
	if err != nil || sum.Decided != 1 || sum.Error != "" {
		t.Fatalf("RunOnce: %+v, %v", sum, err)
	}
	confs, err := svc.Conferences("")
	if err != nil || len(confs) != 1 || confs[0].Alias != a.Alias {
		t.Fatalf("Conferences: %+v, %v", confs, err)
	}
	log, err := svc.Log("Contoso", 10)
	if err != nil || len(log) != 1 || log[0].Code != scheduler.CodeAcceptNewSingle {
		t.Fatalf("Log: %+v, %v", log, err)
	}

	st1, err := svc.StartWorker("Contoso")
	if err != nil || st1.State != scheduler.WorkerRunning {
		t.Fatalf("StartWorker: %+v, %v", st1, err)
	}
	st2, err := svc.StopWorker("Contoso")
	if err != nil || st2.State != scheduler.WorkerStopped {
		t.Fatalf("StopWorker: %+v, %v", st2, err)
	}
	workers, err := svc.Workers()
	if err != nil || len(workers) != 1 || workers[0].Processed != 1 {
		t.Fatalf("Workers: %+v, %v", workers, err)
	}

	report, err := svc.TestConnection("Contoso")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range report.Checks {
		if c.ID == diagnostics.CheckEWSAuth && c.Outcome != diagnostics.Pass {
			t.Fatalf("the EWS sign-in check: %+v", c)
		}
	}
	path, err := svc.SaveDiagnostics("Contoso")
	if err != nil || path != bundlePath {
		t.Fatalf("SaveDiagnostics: %q, %v", path, err)
	}
	saved2, _ := os.ReadFile(bundlePath)
	if len(saved2) == 0 || strings.Contains(string(saved2), wiretest.Password) {
		t.Fatalf("the bundle is empty or carries the password")
	}

	// A reply Exchange refuses for good is quarantined, listed, and put
	// back by Retry.
	b, _, err := aliases.Reserve(ctx, saved.Integration, "compose-2", "alex@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	ex.SendMeeting("desk-2", "Roadmap", start, b.UUID)
	fake.FailNext("CreateItem", 1, ewstest.Failure{Code: "ErrorMessageSizeExceeded"})
	if sum, err := svc.RunOnce("Contoso"); err != nil || sum.Quarantined != 1 {
		t.Fatalf("RunOnce with a refused reply: %+v, %v", sum, err)
	}
	q, err := svc.Quarantined("Contoso")
	if err != nil || len(q) != 1 || q[0].Subject != "Roadmap" || q[0].What != scheduler.OutAccept {
		t.Fatalf("Quarantined: %+v, %v", q, err)
	}
	if err := svc.Retry("Contoso", q[0].Kind, q[0].ID); err != nil {
		t.Fatal(err)
	}
	if sum, err := svc.RunOnce("Contoso"); err != nil || sum.Sent != 1 {
		t.Fatalf("RunOnce after Retry: %+v, %v", sum, err)
	}

	// Another process holds the mailbox: RunOnce says who, without an error.
	wiretest.HoldMailbox(t, wsvc, saved.Integration.ID)
	sum, err = svc.RunOnce("Contoso")
	if err != nil || !strings.Contains(sum.Held, "the service in process 1 is working on this mailbox") {
		t.Fatalf("RunOnce while held: %+v, %v", sum, err)
	}
	workers, err = svc.Workers()
	if err != nil || workers[0].Lease == nil || workers[0].Lease.PID != 1 {
		t.Fatalf("Workers while held: %+v, %v", workers, err)
	}
}
