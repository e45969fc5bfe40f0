package scheduler_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"vmr-companion/backend/alias"
	"vmr-companion/backend/ews"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/scheduler"
	"vmr-companion/backend/store"
	"vmr-companion/backend/templates"
)

// owners counts, per host, the mailboxes whose lease is held now.
func owners(t *testing.T, h *harness, ins []*integration.Integration) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, in := range ins {
		l, err := h.st.Scheduler().LeaseOf(h.ctx, in.ID)
		if err != nil {
			t.Fatal(err)
		}
		if l != nil && l.Token != "" && l.ExpiresAt.After(time.Now()) {
			out[l.Host]++
		}
	}
	return out
}

// TestInstancesSplitTheMailboxes runs two instances of the service on one
// database with KeepLease, as two servers on PostgreSQL do: the first
// takes every mailbox, the second, once started, gets its share, and when
// it stops (drained, as serve stops) the first takes them all back.
func TestInstancesSplitTheMailboxes(t *testing.T) {
	for _, engine := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(engine), func(t *testing.T) { instancesSplitTheMailboxes(t, newHarnessOn(t, engine)) })
	}
}

func instancesSplitTheMailboxes(t *testing.T, h *harness) {
	ins := []*integration.Integration{h.in}
	for i := 2; i <= 4; i++ {
		ins = append(ins, h.addIntegration(fmt.Sprintf("Contoso %d", i), nil))
	}
	instance := func(host string) *scheduler.Scheduler {
		return scheduler.New(scheduler.Config{
			Repository: h.st.Scheduler(), Integrations: h.integrations, Aliases: alias.NewService(h.st.Aliases(), alias.DefaultTTL),
			Templates: templates.New(), Connect: h.connect, Poll: 20 * time.Millisecond,
			LeaseTTL: 3 * time.Second, Host: host, PID: 1000, KeepLease: true,
		})
	}
	a := instance("host-a")
	if err := a.Start(h.ctx); err != nil {
		t.Fatal(err)
	}
	defer a.Stop()
	waitFor(t, func() bool { return owners(t, h, ins)["host-a"] == 4 })

	b := instance("host-b")
	if err := b.Start(h.ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		o := owners(t, h, ins)
		return o["host-a"] == 2 && o["host-b"] == 2
	})
	st, err := b.Statuses(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	mine := 0
	for _, s := range st {
		if s.Lease != nil && s.Lease.ThisProcess {
			mine++
		}
	}
	if mine != 2 {
		t.Errorf("scheduler status on host-b shows %d mailboxes as its own, want 2", mine)
	}

	// Stopped as serve stops (SIGTERM): its passes end between two steps,
	// and it gives every mailbox up at once.
	b.Drain(h.ctx)
	if o := owners(t, h, ins); o["host-b"] != 0 {
		t.Fatalf("a stopped instance still holds %d mailboxes", o["host-b"])
	}
	waitFor(t, func() bool { return owners(t, h, ins)["host-a"] == 4 })
}

// realMailbox names the embedded mailbox apart from its Mailbox method.
type realMailbox = scheduler.Mailbox

// stalledMailbox is a room mailbox whose sync never answers: the pass
// waits in it until its context ends.
type stalledMailbox struct {
	realMailbox // the real one, for everything but the sync
	entered     chan struct{}
	once        sync.Once
}

func (m *stalledMailbox) SyncFolderItems(ctx context.Context, _ ews.FolderName, _ string, _ int) (*ews.SyncResult, error) {
	m.once.Do(func() { close(m.entered) })
	<-ctx.Done()
	return nil, ctx.Err()
}

// unreachableLeases answers the first lease request, then behaves as a
// database out of reach: every later one hangs until its context ends.
type unreachableLeases struct {
	scheduler.Repository
	mu    sync.Mutex
	calls int
}

func (r *unreachableLeases) Lease(ctx context.Context, id int64, req scheduler.LeaseRequest) (*scheduler.Lease, bool, error) {
	r.mu.Lock()
	r.calls++
	first := r.calls == 1
	r.mu.Unlock()
	if first {
		return r.Repository.Lease(ctx, id, req)
	}
	<-ctx.Done()
	return nil, false, ctx.Err()
}

// TestPassStopsWhenItsLeaseCannotBeRenewed: an instance cut off from the
// database must stop working the mailbox before its lease can expire and
// another instance take it. The renewal hangs (no error comes back); the
// pass still ends, and says why.
func TestPassStopsWhenItsLeaseCannotBeRenewed(t *testing.T) {
	h := newHarness(t)
	var logs bytes.Buffer
	var logMu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &logMu}, nil))
	mbox := &stalledMailbox{entered: make(chan struct{})}
	repo := &unreachableLeases{Repository: h.st.Scheduler()}
	s := scheduler.New(scheduler.Config{
		Repository: repo, Integrations: h.integrations, Aliases: h.aliases, Templates: templates.New(),
		Connect: func(ctx context.Context, in *integration.Integration) (scheduler.Mailbox, error) {
			real, err := h.connect(ctx, in)
			if err != nil {
				return nil, err
			}
			mbox.realMailbox = real
			return mbox, nil
		},
		LeaseTTL: 300 * time.Millisecond, Logger: logger,
	})
	done := make(chan error, 1)
	go func() {
		_, err := s.RunOnce(h.ctx, h.in.Name)
		done <- err
	}()
	<-mbox.entered
	err := <-done // returns only because the pass was stopped
	if err == nil || !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("RunOnce = %v, want the pass stopped", err)
	}
	logMu.Lock()
	defer logMu.Unlock()
	if !bytes.Contains(logs.Bytes(), []byte("could not be renewed")) {
		t.Errorf("the log does not say why the pass stopped:\n%s", logs.String())
	}
	if repo.calls < 2 {
		t.Errorf("%d lease requests: the pass was not renewing its lease", repo.calls)
	}
	// Requests it gave up on may still land at Exchange: the lease is
	// left to expire, not given back for another to take at once.
	if l, err := h.st.Scheduler().LeaseOf(h.ctx, h.in.ID); err != nil || l == nil || l.Token == "" {
		t.Errorf("the stopped pass gave its lease back: %+v %v", l, err)
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
