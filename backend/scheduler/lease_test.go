package scheduler_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/alias"
	"vmr-companion/backend/ews/ewstest"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/scheduler"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/store"
	"vmr-companion/backend/templates"
)

const (
	envLeaseChild = "VMR_SCHEDULER_LEASE_CHILD"
	envLeaseStore = "VMR_SCHEDULER_LEASE_STORE"
	envLeaseCA    = "VMR_SCHEDULER_LEASE_CA"
)

// TestTwoProcessesOnOneMailboxAnswerEachMeetingOnce starts two scheduler
// processes together on one store and one room mailbox of 500 meetings:
// the lease lets one work at a time, so every meeting gets exactly one
// reply and one conference.
func TestTwoProcessesOnOneMailboxAnswerEachMeetingOnce(t *testing.T) {
	if os.Getenv(envLeaseChild) != "" {
		t.Skip("this process is the lease test's child (see TestLeaseChild)")
	}
	if testing.Short() {
		t.Skip("runs two processes over 500 meetings; not in -short")
	}
	const meetings = 500
	h := newHarness(t)
	start := time.Now().Add(48 * time.Hour).Truncate(time.Hour)
	for i := range meetings {
		a, _, err := h.aliases.Reserve(h.ctx, h.in, fmt.Sprintf("compose-%d", i), alex.Email)
		if err != nil {
			t.Fatal(err)
		}
		h.fake.SendRequest(ewstest.Meeting{UID: fmt.Sprintf("lease-%03d", i), Subject: fmt.Sprintf("Meeting %d", i), Organizer: alex,
			Start: start.Add(time.Duration(i) * time.Minute), End: start.Add(time.Duration(i)*time.Minute + 30*time.Minute), BodyHTML: body(a)})
	}
	caFile := writeFakeCA(t, h)
	type child struct {
		cmd  *exec.Cmd
		out  *limitedBuffer
		done chan error
	}
	var children []child
	for range 2 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestLeaseChild$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), envLeaseChild+"=1", envLeaseStore+"="+h.st.Path(), envLeaseCA+"="+caFile)
		out := &limitedBuffer{max: 16 << 10}
		cmd.Stdout, cmd.Stderr = out, out
		children = append(children, child{cmd: cmd, out: out, done: make(chan error, 1)})
	}
	for _, c := range children {
		if err := c.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { c.done <- c.cmd.Wait() }()
	}
	bound := time.After(4 * time.Minute) // ends a hung test; no timing is asserted
	for i, c := range children {
		select {
		case err := <-c.done:
			if err != nil {
				t.Fatalf("child %d failed: %v\n%s", i, err, c.out.String())
			}
		case <-bound:
			for _, c := range children {
				c.cmd.Process.Kill()
			}
			t.Fatalf("the children did not finish:\n%s\n%s", children[0].out.String(), children[1].out.String())
		}
	}
	decided := 0
	for _, c := range children {
		var n int
		if i := strings.Index(c.out.String(), "decided="); i >= 0 {
			fmt.Sscanf(c.out.String()[i:], "decided=%d", &n)
		}
		decided += n
	}
	replies := map[string]int{}
	for _, r := range h.fake.Responses() {
		replies[r.MeetingUID]++
	}
	list, err := h.sched.Conferences(h.ctx, "", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	confs := map[string]int{}
	for _, c := range list {
		confs[c.MeetingUID]++
	}
	for i := range meetings {
		uid := fmt.Sprintf("lease-%03d", i)
		if replies[uid] != 1 || confs[uid] != 1 {
			t.Errorf("%s: %d replies and %d conferences, want exactly one each", uid, replies[uid], confs[uid])
		}
	}
	if decided != meetings {
		t.Errorf("the two processes decided %d items together, want %d:\n%s\n%s", decided, meetings, children[0].out.String(), children[1].out.String())
	}
}

// TestLeaseChild is one scheduler process of the lease test.
func TestLeaseChild(t *testing.T) {
	if os.Getenv(envLeaseChild) == "" {
		t.Skip("started only by TestTwoProcessesOnOneMailboxAnswerEachMeetingOnce, as a child process")
	}
	sched := childScheduler(t, os.Getenv(envLeaseStore), os.Getenv(envLeaseCA))
	sum, err := sched.RunOnceWaiting(context.Background(), "Contoso")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("decided=%d sent=%d skipped=%d", sum.Decided, sum.Sent, sum.Skipped)
}

// otherScheduler is a second scheduler on its own connection pool to the
// same store file, as another process has.
func otherScheduler(h *harness, sleep func(context.Context, time.Duration) error) *scheduler.Scheduler {
	h.t.Helper()
	st, err := store.Open(h.ctx, h.st.Path())
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { st.Close() })
	return scheduler.New(scheduler.Config{
		Repository: st.Scheduler(), Integrations: integration.NewService(st.Integrations(), secrets.NewUncheckedKeychain(0), templates.New()),
		Aliases: alias.NewService(st.Aliases(), alias.DefaultTTL, alias.WithClock(h.clock)), Templates: templates.New(),
		Connect: h.connect, Now: h.clock, Poll: 30 * time.Second, Sleep: sleep,
	})
}

func TestASecondProcessIsToldWhoHoldsTheMailboxOrWaits(t *testing.T) {
	h := newHarness(t)
	h.meetings("held", 1)
	host, _ := os.Hostname()
	// Another holder in this (living) process, as a second instance would be.
	repo := h.st.Scheduler()
	_, ok, err := repo.Lease(h.ctx, h.in.ID, scheduler.LeaseRequest{Token: "serve", PID: os.Getpid(), Host: host, At: h.clock(),
		TTL: time.Minute, Poll: 30 * time.Second})
	if err != nil || !ok {
		t.Fatalf("taking the lease: %v %v", ok, err)
	}
	released := false
	other := otherScheduler(h, func(context.Context, time.Duration) error {
		// The holder finishes its pass while this one waits.
		released = true
		return repo.ReleaseLease(h.ctx, h.in.ID, "serve")
	})
	sum, err := other.RunOnce(h.ctx, h.in.Name)
	want := fmt.Sprintf("the service in process %d is working on this mailbox; it will process the new meetings within 90 s", os.Getpid())
	if !scheduler.IsHeld(err) || err.Error() != want || sum.Held != want || sum.Decided != 0 {
		t.Fatalf("RunOnce while held: %+v, %v; want %q", sum, err, want)
	}
	if n := len(h.responsesFor("held-0")); n != 0 {
		t.Fatalf("%d replies while another process held the mailbox", n)
	}
	st, err := other.Status(h.ctx, h.in.Name)
	if err != nil || st.Lease == nil || st.Lease.PID != os.Getpid() || st.Lease.ExpiresAt.IsZero() {
		t.Fatalf("status %+v, %v: want the holder", st.Lease, err)
	}
	sum, err = other.RunOnceWaiting(h.ctx, h.in.Name)
	if err != nil || !released || sum.Decided != 1 || len(h.responsesFor("held-0")) != 1 {
		t.Fatalf("RunOnceWaiting: %+v, %v (released %v)", sum, err, released)
	}
	// The pass gave the lease back.
	if st, _ := other.Status(h.ctx, h.in.Name); st.Lease != nil {
		t.Fatalf("lease after the pass: %+v", st.Lease)
	}
}

func TestALeaseOfADeadProcessIsTakenOver(t *testing.T) {
	h := newHarness(t)
	h.meetings("dead", 1)
	// A process of this host that has ended.
	gone := exec.Command(os.Args[0], "-test.run=^$")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	if _, ok, err := h.st.Scheduler().Lease(h.ctx, h.in.ID, scheduler.LeaseRequest{Token: "killed", PID: gone.Process.Pid, Host: host,
		At: h.clock(), TTL: time.Hour}); err != nil || !ok {
		t.Fatalf("taking the lease: %v %v", ok, err)
	}
	if sum := h.runOnce(); sum.Decided != 1 {
		t.Fatalf("summary %+v: the dead holder's lease was not taken over", sum)
	}
}

func TestExchangesBackOffIsHonouredByEveryProcess(t *testing.T) {
	h := newHarness(t)
	h.meetings("busy", 1)
	h.fake.FailNext("SyncFolderItems", 4, ewstest.Failure{Status: 500, Code: "ErrorServerBusy", BackOff: 30 * time.Second})
	if _, err := h.sched.RunOnce(h.ctx, h.in.Name); err == nil || !strings.Contains(err.Error(), "ErrorServerBusy") {
		t.Fatalf("RunOnce: %v, want ErrorServerBusy", err)
	}
	h.fake.ResetRequests()
	other := otherScheduler(h, nil)
	sum, err := other.RunOnce(h.ctx, h.in.Name)
	if !scheduler.IsHeld(err) || !strings.Contains(err.Error(), "Exchange asked to wait") || !strings.Contains(err.Error(), "within 30 s") {
		t.Fatalf("RunOnce during the back-off: %+v, %v", sum, err)
	}
	if n := len(h.fake.Requests()) + h.fake.RequestCount("SyncFolderItems"); n != 0 {
		t.Fatalf("%d requests to Exchange during its back-off", n)
	}
	h.advance(31 * time.Second)
	if sum, err := other.RunOnce(h.ctx, h.in.Name); err != nil || sum.Decided != 1 {
		t.Fatalf("after the back-off: %+v, %v", sum, err)
	}
}
