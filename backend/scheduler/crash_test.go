package scheduler_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"vmr-companion/backend/ews/ewstest"
	"vmr-companion/backend/scheduler"
)

// The crash test's child: a scheduler process over the parent's store and
// fake Exchange, which the parent kills with SIGKILL at random moments.
const (
	envCrashChild = "VMR_SCHEDULER_CRASH_CHILD"
	envCrashStore = "VMR_SCHEDULER_CRASH_STORE"
	envCrashCA    = "VMR_SCHEDULER_CRASH_CA"
)

// TestCrashSafety kills the scheduler process (SIGKILL) at random points
// while it works through 2,000 meetings, restarts it each time, and checks
// that every meeting ends with exactly one reply and exactly one conference.
func TestCrashSafety(t *testing.T) {
	if os.Getenv(envCrashChild) != "" {
		t.Skip("this process is the crash test's child (see TestCrashChild)")
	}
	if testing.Short() {
		t.Skip("the crash test runs 2,000 meetings through killed processes; not in -short")
	}
	const meetings = 2000
	h := newHarness(t)
	start := time.Now().Add(48 * time.Hour).Truncate(time.Hour)
	for i := range meetings {
		a, _, err := h.aliases.Reserve(h.ctx, h.in, fmt.Sprintf("compose-%d", i), alex.Email)
		if err != nil {
			t.Fatal(err)
		}
		m := ewstest.Meeting{UID: fmt.Sprintf("crash-%04d", i), Subject: fmt.Sprintf("Meeting %d", i), Organizer: alex,
			Start: start.Add(time.Duration(i) * time.Minute), End: start.Add(time.Duration(i)*time.Minute + 30*time.Minute), BodyHTML: body(a)}
		if i%10 == 0 {
			m.RRule = "FREQ=WEEKLY;COUNT=4"
		}
		h.fake.SendRequest(m)
	}
	caFile := writeFakeCA(t, h)

	kills := 0
	deadline := time.Now().Add(4 * time.Minute)
	for run := 0; ; run++ {
		if time.Now().After(deadline) {
			t.Fatalf("the scheduler did not finish within the bound after %d kills", kills)
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), envCrashChild+"=1", envCrashStore+"="+h.st.Path(), envCrashCA+"="+caFile)
		out := &limitedBuffer{max: 8 << 10}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		// Early runs die at random moments; after 25 kills the child is let
		// finish, so the test always ends.
		var timer <-chan time.Time
		if kills < 25 {
			timer = time.After(time.Duration(40+rand.IntN(400)) * time.Millisecond)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("the scheduler child failed: %v\n%s", err, out.String())
			}
			if kills < 5 {
				t.Fatalf("the child finished after only %d kills: the test did not crash it enough", kills)
			}
			t.Logf("finished after %d kills (SIGKILL) and %d runs", kills, run+1)
			goto check
		case <-timer:
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			<-done
			kills++
		}
	}
check:
	// Every meeting: exactly one reply and exactly one active conference.
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
		if c.State != scheduler.StateActive {
			t.Errorf("%s: state %s", c.MeetingUID, c.State)
		}
	}
	for i := range meetings {
		uid := fmt.Sprintf("crash-%04d", i)
		if replies[uid] != 1 || confs[uid] != 1 {
			t.Errorf("%s: %d replies and %d conferences, want exactly one each", uid, replies[uid], confs[uid])
		}
	}
	if len(list) != meetings {
		t.Errorf("%d conferences for %d meetings", len(list), meetings)
	}
}

// TestCrashChild is the scheduler process of TestCrashSafety; it does
// nothing unless that test started it.
func TestCrashChild(t *testing.T) {
	if os.Getenv(envCrashChild) == "" {
		t.Skip("started only by TestCrashSafety, as a child process")
	}
	sched := childScheduler(t, os.Getenv(envCrashStore), os.Getenv(envCrashCA))
	if _, err := sched.RunOnce(context.Background(), "Contoso"); err != nil {
		t.Fatal(err)
	}
}
