package desktop

import (
	"context"
	"errors"
	"sync"

	"vmr-companion/backend/infinitysync"
	"vmr-companion/backend/secrets"
)

// EventInfinityProgress carries the progress of a running pull or push
// (InfinityProgress).
const EventInfinityProgress = "infinity:progress"

// historyLimit is how many sync history rows the window shows.
const historyLimit = 50

// progressSteps bounds the events of one phase: a pull of 55,000 objects
// reports about this many times, not once per object, so the window's
// bridge is not flooded.
const progressSteps = 200

// InfinityService binds the sync with a Pexip Infinity Management Node to
// the window: the connection, pull and push with progress and Cancel, the
// three-way diff, resolving conflicts, and the sync history. The logic is
// backend/infinitysync's.
type InfinityService struct {
	ctx     context.Context
	sync    infinitysync.API
	dialogs dialogs
	// emit sends an event to the window: the seam to runtime.EventsEmit.
	emit func(event string, data any)

	mu      sync.Mutex
	cancel  context.CancelFunc
	running sync.Mutex // one pull or push at a time, so Cancel stops the one running
}

// InfinityProgress is one step of a pull or push, for the window.
type InfinityProgress struct {
	Action string `json:"action"` // "pull" or "push"
	Phase  string `json:"phase"`  // "reading", "writing"
	Done   int    `json:"done"`
	Total  int    `json:"total"` // 0 while unknown
	Object string `json:"object,omitempty"`
}

// errSyncRunning is returned when a pull or push is asked for while one runs.
var errSyncRunning = errors.New("a pull or push is already running: wait for it to end, or cancel it")

// Status is the connection and where the sync stands, from the store alone.
func (s *InfinityService) Status() (*infinitysync.Status, error) {
	return s.sync.Status(s.ctx)
}

// Test checks the connection without saving it: the account and Infinity's
// version, or why it failed. secret is the password or the private key
// (PEM); it is never sent back.
func (s *InfinityService) Test(conn infinitysync.Connection, secret string) (*infinitysync.Probe, error) {
	return s.sync.Test(s.ctx, connectRequest(conn, secret))
}

// Connect tests and saves the connection; an empty secret keeps the stored
// one.
func (s *InfinityService) Connect(conn infinitysync.Connection, secret string) (*infinitysync.Status, error) {
	return s.sync.Connect(s.ctx, connectRequest(conn, secret))
}

func connectRequest(conn infinitysync.Connection, secret string) infinitysync.ConnectRequest {
	return infinitysync.ConnectRequest{Connection: conn, Secret: secrets.New(secret)}
}

// Disconnect forgets the connection and its secret (the synced objects
// stay) and returns the new status.
func (s *InfinityService) Disconnect() (*infinitysync.Status, error) {
	if err := s.sync.Disconnect(s.ctx); err != nil {
		return nil, err
	}
	return s.sync.Status(s.ctx)
}

// ChooseCAFile asks for the Management Node's CA certificate (PEM); "" when
// cancelled.
func (s *InfinityService) ChooseCAFile() (string, error) {
	return s.dialogs.Open(s.ctx, "Choose the CA certificate of the Management Node", "pem")
}

// Pull reads Infinity's integrations and personal VMRs into the store,
// reporting progress (EventInfinityProgress); Cancel stops it and a
// cancelled pull writes nothing.
func (s *InfinityService) Pull() (*infinitysync.Result, error) {
	return s.run("pull", func(ctx context.Context, progress func(infinitysync.Progress)) (*infinitysync.Result, error) {
		return s.sync.Pull(ctx, progress)
	})
}

// Push sends what changed here; withSecrets sends the integrations'
// secrets too (the window asks first).
func (s *InfinityService) Push(withSecrets bool) (*infinitysync.Result, error) {
	return s.run("push", func(ctx context.Context, progress func(infinitysync.Progress)) (*infinitysync.Result, error) {
		return s.sync.Push(ctx, infinitysync.PushOptions{Secrets: withSecrets}, progress)
	})
}

// Cancel stops the running pull or push.
func (s *InfinityService) Cancel() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancel != nil {
		s.cancel()
	}
}

func (s *InfinityService) run(action string, f func(context.Context, func(infinitysync.Progress)) (*infinitysync.Result, error)) (*infinitysync.Result, error) {
	if !s.running.TryLock() {
		return nil, errSyncRunning
	}
	defer s.running.Unlock()
	ctx, cancel := context.WithCancel(s.ctx)
	s.mu.Lock()
	s.cancel = cancel
	s.mu.Unlock()
	defer func() {
		cancel()
		s.mu.Lock()
		s.cancel = nil
		s.mu.Unlock()
	}()
	return f(ctx, s.reporter(action))
}

// reporter turns the engine's progress into events: the first and last of
// each phase, and about progressSteps in between.
func (s *InfinityService) reporter(action string) func(infinitysync.Progress) {
	phase := ""
	return func(p infinitysync.Progress) {
		if s.emit == nil {
			return
		}
		step := max(1, p.Total/progressSteps)
		if p.Phase == phase && p.Done%step != 0 && p.Done != p.Total {
			return
		}
		phase = p.Phase
		s.emit(EventInfinityProgress, InfinityProgress{Action: action, Phase: p.Phase, Done: p.Done, Total: p.Total, Object: p.Object})
	}
}

// Diff compares every synced object here, on Infinity and as last pulled
// (it reads Infinity).
func (s *InfinityService) Diff() (*infinitysync.Diff, error) {
	return s.sync.Diff(s.ctx)
}

// Resolve settles a conflict of one field: take is "here" (keep mine; the
// next push sends it) or "infinity" (take Infinity's value).
func (s *InfinityService) Resolve(kind, name, field, take string) error {
	return s.sync.Resolve(s.ctx, kind, name, field, take)
}

// History lists the latest pulls, pushes and resolves, newest first.
func (s *InfinityService) History() ([]infinitysync.HistoryRow, error) {
	return s.sync.History(s.ctx, historyLimit)
}
