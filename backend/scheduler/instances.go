package scheduler

import (
	"context"
	"sync"
	"time"

	"vmr-companion/backend/integration"
)

// share is this instance's view of a shared database (Config.KeepLease),
// kept by its heartbeat: how many instances are alive and which mailboxes
// this one holds. With N instances and M mailboxes each takes at most
// ceil(M/N), so the work spreads, and a mailbox stays with its owner
// between passes, so only one instance polls it.
type share struct {
	mu      sync.Mutex
	running bool
	cancel  context.CancelFunc
	done    chan struct{}
	live    int
	held    map[int64]bool
	// passing are the mailboxes with a pass running in this instance.
	passing map[int64]bool
	// cut are the mailboxes whose last pass was stopped from outside:
	// their leases are left to expire (hold.release).
	cut map[int64]bool
	// looked is when fairShare last beat to refresh the view.
	looked time.Time
}

func (s *Scheduler) markCut(id int64, cut bool) {
	s.share.mu.Lock()
	defer s.share.mu.Unlock()
	if s.share.cut == nil {
		s.share.cut = map[int64]bool{}
	}
	if cut {
		s.share.cut[id] = true
	} else {
		delete(s.share.cut, id)
	}
}

func (s *Scheduler) isCut(id int64) bool {
	s.share.mu.Lock()
	defer s.share.mu.Unlock()
	return s.share.cut[id]
}

func (s *Scheduler) cutIDs() []int64 {
	s.share.mu.Lock()
	defer s.share.mu.Unlock()
	ids := make([]int64, 0, len(s.share.cut))
	for id := range s.share.cut {
		ids = append(ids, id)
	}
	return ids
}

func (s *Scheduler) beginPass(id int64) bool {
	s.share.mu.Lock()
	defer s.share.mu.Unlock()
	if s.share.passing[id] {
		return false
	}
	if s.share.passing == nil {
		s.share.passing = map[int64]bool{}
	}
	s.share.passing[id] = true
	return true
}

func (s *Scheduler) endPass(id int64) {
	s.share.mu.Lock()
	defer s.share.mu.Unlock()
	delete(s.share.passing, id)
}

// keeping tells whether this instance keeps its mailboxes between passes:
// only a long-running one on a shared database (Start with KeepLease).
func (s *Scheduler) keeping() bool {
	s.share.mu.Lock()
	defer s.share.mu.Unlock()
	return s.share.running
}

// startKeeper starts the heartbeat. Its first beat runs before it returns,
// so the workers know their share from their first pass.
func (s *Scheduler) startKeeper() {
	ir, ok := s.cfg.Repository.(InstanceRepository)
	if !s.cfg.KeepLease || !ok {
		return
	}
	s.share.mu.Lock()
	if s.share.running {
		s.share.mu.Unlock()
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.share.running, s.share.cancel, s.share.done = true, cancel, make(chan struct{})
	s.share.live, s.share.held = 1, map[int64]bool{}
	done := s.share.done
	s.share.mu.Unlock()
	s.beat(ctx, ir)
	go func() {
		defer close(done)
		t := time.NewTicker(s.cfg.LeaseTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				s.beat(ctx, ir)
			}
		}
	}()
}

// stopKeeper stops the heartbeat and gives every mailbox up at once, so
// that the other instances take them without waiting for the leases to
// expire (but those of passes stopped from outside: see hold.release).
func (s *Scheduler) stopKeeper() {
	s.share.mu.Lock()
	if !s.share.running {
		s.share.mu.Unlock()
		return
	}
	s.share.running = false
	s.share.cancel()
	done := s.share.done
	s.share.mu.Unlock()
	<-done
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.cfg.Repository.(InstanceRepository).LeaveInstances(ctx, s.instance, s.cutIDs()); err != nil {
		s.logger.Warn("giving the mailboxes up failed; other instances take them when the leases expire", "error", err)
	}
}

// beat renews the instance and its leases, and learns the others.
func (s *Scheduler) beat(ctx context.Context, ir InstanceRepository) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.LeaseTTL/3)
	defer cancel()
	view, err := ir.Heartbeat(ctx, InstanceBeat{Token: s.instance, Host: s.cfg.Host, PID: s.cfg.PID, At: s.now(), TTL: s.cfg.LeaseTTL})
	if err != nil {
		if ctx.Err() == nil || context.Cause(ctx) != context.Canceled {
			s.logger.Warn("renewing this instance's mailbox leases failed; its passes stop before the leases expire", "error", err)
		}
		return
	}
	live := 0
	for _, in := range view.Live {
		// A holder on this host whose process is gone counts no more.
		if in.Token == s.instance || !s.stale(in.Host, in.PID) {
			live++
		}
	}
	held := make(map[int64]bool, len(view.Held))
	for _, id := range view.Held {
		held[id] = true
	}
	s.share.mu.Lock()
	s.share.live, s.share.held = max(live, 1), held
	s.share.mu.Unlock()
}

// limit is this instance's share: ceil(mailboxes / live instances).
func (s *Scheduler) limit() int {
	s.mu.Lock()
	m := len(s.workers)
	s.mu.Unlock()
	s.share.mu.Lock()
	live := s.share.live
	s.share.mu.Unlock()
	return max((m+live-1)/live, 1)
}

// fairShare refuses a mailbox this instance does not hold yet when it
// already holds its share. Before refusing it looks again (at most once a
// second): the share it knows is from its last heartbeat, and an instance
// that died since, its mailboxes now free, makes every other's larger.
func (s *Scheduler) fairShare(ctx context.Context, in *integration.Integration) error {
	if s.withinShare(in.ID) {
		return nil
	}
	if ir, ok := s.cfg.Repository.(InstanceRepository); ok && s.freshBeatDue() {
		s.beat(ctx, ir)
		if s.withinShare(in.ID) {
			return nil
		}
	}
	return &HeldError{Integration: in.Name, Now: s.now(), Host: s.cfg.Host, Share: true, Lease: Lease{Poll: s.cfg.Poll}}
}

func (s *Scheduler) withinShare(id int64) bool {
	limit := s.limit()
	s.share.mu.Lock()
	defer s.share.mu.Unlock()
	return s.share.held[id] || len(s.share.held) < limit
}

// freshBeatDue tells whether the last look at the instances is more than
// a second old, and notes one now.
func (s *Scheduler) freshBeatDue() bool {
	s.share.mu.Lock()
	defer s.share.mu.Unlock()
	if time.Since(s.share.looked) < time.Second {
		return false
	}
	s.share.looked = time.Now()
	return true
}

// overShare tells an instance holding more than its share (it started
// first, or an instance joined): it gives a mailbox back after its pass.
func (s *Scheduler) overShare() bool {
	limit := s.limit()
	s.share.mu.Lock()
	defer s.share.mu.Unlock()
	return len(s.share.held) > limit
}

func (s *Scheduler) markHeld(id int64, on bool) {
	s.share.mu.Lock()
	defer s.share.mu.Unlock()
	if s.share.held == nil {
		return
	}
	if on {
		s.share.held[id] = true
	} else {
		delete(s.share.held, id)
	}
}
