//go:build webkit2_41

package desktop

import (
	"context"
	"errors"
	"testing"

	"vmr-companion/backend/infinity"
	"vmr-companion/backend/infinitysync"
)

// shellSync stands in for the engine where a test checks only what the
// shell adds (progress events, Cancel, one run at a time, arguments); what
// the engine answers is recorded from the real one in the goldens.
type shellSync struct {
	infinitysync.API
	progress []infinitysync.Progress
	// started is closed once Pull runs; Pull then waits for its ctx to end.
	started chan struct{}
	wait    bool
	req     infinitysync.ConnectRequest
	opts    infinitysync.PushOptions
	resolve []string
}

func (f *shellSync) Pull(ctx context.Context, progress func(infinitysync.Progress)) (*infinitysync.Result, error) {
	for _, p := range f.progress {
		progress(p)
	}
	if f.wait {
		close(f.started)
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return &infinitysync.Result{Created: 1}, nil
}

func (f *shellSync) Push(_ context.Context, opts infinitysync.PushOptions, _ func(infinitysync.Progress)) (*infinitysync.Result, error) {
	f.opts = opts
	return &infinitysync.Result{}, nil
}

func (f *shellSync) Test(_ context.Context, req infinitysync.ConnectRequest) (*infinitysync.Probe, error) {
	f.req = req
	return &infinitysync.Probe{Account: req.Username}, nil
}

func (f *shellSync) Resolve(_ context.Context, kind, name, field, take string) error {
	f.resolve = []string{kind, name, field, take}
	return nil
}

func (f *shellSync) Client(context.Context) (*infinity.Client, error) {
	return nil, errors.New("no client")
}

func TestInfinityProgressIsBoundedAndKeepsFirstAndLast(t *testing.T) {
	var ps []infinitysync.Progress
	for i := 1; i <= 5055; i++ {
		ps = append(ps, infinitysync.Progress{Phase: "reading", Done: i, Total: 5055})
	}
	ps = append(ps, infinitysync.Progress{Phase: "writing", Done: 0, Total: 3}, infinitysync.Progress{Phase: "writing", Done: 3, Total: 3})
	var got []InfinityProgress
	s := &InfinityService{ctx: context.Background(), sync: &shellSync{progress: ps}, emit: func(event string, data any) {
		if event != EventInfinityProgress {
			t.Errorf("event %q", event)
		}
		got = append(got, data.(InfinityProgress))
	}}
	if _, err := s.Pull(); err != nil {
		t.Fatal(err)
	}
	if len(got) > 2*progressSteps+4 {
		t.Errorf("%d events for 5,058 steps", len(got))
	}
	first, last := got[0], got[len(got)-1]
	if first.Action != "pull" || first.Phase != "reading" || first.Done != 1 {
		t.Errorf("first event %+v", first)
	}
	if last.Phase != "writing" || last.Done != 3 {
		t.Errorf("last event %+v", last)
	}
	sawEnd := false
	for _, p := range got {
		sawEnd = sawEnd || (p.Phase == "reading" && p.Done == 5055)
	}
	if !sawEnd {
		t.Error("the last step of reading was not reported")
	}
}

func TestInfinityCancelStopsTheRunningPullAndOneRunsAtATime(t *testing.T) {
	f := &shellSync{wait: true, started: make(chan struct{})}
	s := &InfinityService{ctx: context.Background(), sync: f}
	done := make(chan error, 1)
	go func() {
		_, err := s.Pull()
		done <- err
	}()
	<-f.started
	if _, err := s.Push(false); !errors.Is(err, errSyncRunning) {
		t.Errorf("a push during a pull: %v", err)
	}
	s.Cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled pull: %v", err)
	}
	// Cancel with nothing running does nothing; the next run starts afresh.
	s.Cancel()
	if _, err := s.Push(true); err != nil || !f.opts.Secrets {
		t.Fatalf("push after cancel: %v, secrets %v", err, f.opts.Secrets)
	}
}

func TestInfinityArgumentsReachTheEngine(t *testing.T) {
	f := &shellSync{}
	s := &InfinityService{ctx: context.Background(), sync: f, dialogs: fakeDialogs{open: "/home/admin/ca.pem"}}
	conn := infinitysync.Connection{URL: "https://mgr.example.com", Auth: infinitysync.AuthBasic, Username: "admin"}
	p, err := s.Test(conn, "s3cret")
	if err != nil || p.Account != "admin" {
		t.Fatalf("test: %+v %v", p, err)
	}
	if f.req.Connection != conn || f.req.Secret.Reveal() != "s3cret" {
		t.Errorf("request %+v", f.req.Connection)
	}
	if err := s.Resolve(infinitysync.KindIntegration, "Oslo", "description", infinitysync.TakeInfinity); err != nil {
		t.Fatal(err)
	}
	if want := []string{"integration", "Oslo", "description", "infinity"}; len(f.resolve) != 4 || f.resolve[3] != want[3] || f.resolve[1] != want[1] {
		t.Errorf("resolve %v", f.resolve)
	}
	if path, err := s.ChooseCAFile(); err != nil || path != "/home/admin/ca.pem" {
		t.Errorf("CA file %q %v", path, err)
	}
}
