package scheduler_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"vmr-companion/backend/ews"
	"vmr-companion/backend/ews/ewstest"
	"vmr-companion/backend/scheduler"
	"vmr-companion/backend/templates"
	"vmr-companion/backend/templates/templatestest"
)

// Drain (serve's SIGTERM) lets the decision under way commit, stops
// before the next, gives the lease back; a later pass does the rest and
// nothing is lost or decided twice.
func TestDrainFinishesTheDecisionUnderWayAndReleasesTheLease(t *testing.T) {
	h := newHarness(t)
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	for i := range 3 {
		a := h.reserve(alex)
		h.fake.SendRequest(ewstest.Meeting{UID: fmt.Sprintf("uid-d%d", i), Subject: "D", Organizer: alex,
			Start: start.Add(time.Duration(i) * time.Hour), End: start.Add(time.Duration(i)*time.Hour + 30*time.Minute), BodyHTML: body(a)})
	}
	var once sync.Once
	drained := make(chan struct{})
	scheduler.SetBeforeDecide(h.sched, func(*ews.Item) {
		once.Do(func() {
			go func() {
				h.sched.Drain(context.Background())
				close(drained)
			}()
			// The decision under way goes on once the stop is asked for.
			for !scheduler.Draining(h.sched) {
				runtime.Gosched()
			}
		})
	})
	if err := h.sched.Start(h.ctx); err != nil {
		t.Fatal(err)
	}
	<-drained
	st, err := h.sched.Status(h.ctx, h.in.Name)
	if err != nil {
		t.Fatal(err)
	}
	if st.State != scheduler.WorkerStopped || st.Processed != 1 || st.Lease != nil || st.LastError != "" {
		t.Fatalf("after Drain: state %s, processed %d, lease %+v, error %q", st.State, st.Processed, st.Lease, st.LastError)
	}
	if err := h.sched.StartWorker(h.ctx, h.in.Name); !errors.Is(err, scheduler.ErrStopping) {
		t.Fatalf("StartWorker after Drain: %v", err)
	}
	if st, _ := h.sched.Status(h.ctx, h.in.Name); st.State != scheduler.WorkerStopped {
		t.Fatalf("a worker started after Drain: %s", st.State)
	}

	// The next process does the rest.
	next := scheduler.New(scheduler.Config{Repository: h.st.Scheduler(), Integrations: h.integrations, Aliases: h.aliases,
		Templates: templatestest.ListedOnly(t, templates.New()), Connect: h.connect, Now: h.clock})
	sum, err := next.RunOnce(h.ctx, h.in.Name)
	if err != nil || sum.Decided != 2 || sum.Sent != 3 {
		t.Fatalf("next pass: %+v %v", sum, err)
	}
	for i := range 3 {
		if rs := h.responsesFor(fmt.Sprintf("uid-d%d", i)); len(rs) != 1 {
			t.Errorf("meeting %d: %d replies", i, len(rs))
		}
	}
}
