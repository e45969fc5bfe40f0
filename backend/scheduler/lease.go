package scheduler

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"vmr-companion/backend/integration"
)

// WorkerWaiting: another process holds the mailbox's lease, or Exchange
// asked to wait; the worker tries again later.
const WorkerWaiting = "waiting"

// DefaultLeaseTTL is how long a lease lasts unless renewed; a pass renews
// it every third of that, so a process that dies frees its mailbox within
// it (at once when it ran on this host: its process is gone).
const DefaultLeaseTTL = 30 * time.Second

// DefaultPoll is the pause between passes when a mailbox has nothing new.
const DefaultPoll = 30 * time.Second

// HeldError says that another process works on the mailbox now, or that
// Exchange asked every process to wait (BackOff).
type HeldError struct {
	Integration string
	Lease       Lease
	Now         time.Time
	BackOff     bool
	// Host is this process's host, to tell the holder's apart.
	Host string
	// Share: this instance already works on its share of the mailboxes
	// of a shared database; another instance takes this one.
	Share bool
}

// Within is when new meetings will be processed: the holder's lease runs
// out or is renewed, then its next pass comes within its poll interval.
func (e *HeldError) Within() time.Duration {
	if e.BackOff {
		return max(e.Lease.BackOffUntil.Sub(e.Now), 0)
	}
	return max(e.Lease.ExpiresAt.Sub(e.Now), 0) + e.Lease.Poll
}

func (e *HeldError) Error() string {
	if e.Share {
		return fmt.Sprintf("this instance already works on its share of the mailboxes; another instance takes %s's", e.Integration)
	}
	secs := int(math.Ceil(e.Within().Seconds()))
	if e.BackOff {
		return fmt.Sprintf("Exchange asked to wait before the next request to %s's mailbox (it is busy); the new meetings will be processed within %d s",
			e.Integration, secs)
	}
	who := fmt.Sprintf("the service in process %d", e.Lease.PID)
	if e.Lease.Host != e.Host {
		who += " on " + e.Lease.Host
	}
	return fmt.Sprintf("%s is working on this mailbox; it will process the new meetings within %d s", who, secs)
}

// IsHeld tells a HeldError.
func IsHeld(err error) bool {
	var he *HeldError
	return errors.As(err, &he)
}

// hold is a lease taken for one pass.
type hold struct {
	s      *Scheduler
	in     *integration.Integration
	token  string
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	// lost is set when the lease could not be renewed in time.
	lost atomic.Bool
	// taken is when the request that took the lease was sent (this
	// process's monotonic clock): the lease lasts at least TTL from there.
	taken time.Time
}

func (s *Scheduler) leaseRequest(token string) LeaseRequest {
	return LeaseRequest{Token: token, PID: s.cfg.PID, Host: s.cfg.Host, At: s.now(), TTL: s.cfg.LeaseTTL, Poll: s.cfg.Poll, Stale: s.stale}
}

// stale tells a holder on this host whose process is gone (killed, crashed).
func (s *Scheduler) stale(host string, pid int) bool {
	return host == s.cfg.Host && pid != s.cfg.PID && pid > 0 && !processAlive(pid)
}

// acquire takes the mailbox's lease for a pass and renews it until
// release; the pass's context ends if the lease is lost.
func (s *Scheduler) acquire(ctx context.Context, in *integration.Integration) (*hold, error) {
	token := uuid.NewString()
	keep := s.keeping()
	if keep {
		// The instance's passes share its token: one pass per mailbox at
		// a time within it.
		if !s.beginPass(in.ID) {
			now := s.now()
			return nil, &HeldError{Integration: in.Name, Now: now, Host: s.cfg.Host,
				Lease: Lease{PID: s.cfg.PID, Host: s.cfg.Host, ExpiresAt: now, Poll: s.cfg.Poll}}
		}
		token = s.instance
		if err := s.fairShare(ctx, in); err != nil {
			s.endPass(in.ID)
			return nil, err
		}
	}
	h, err := s.take(ctx, in, token)
	if err != nil && keep {
		s.endPass(in.ID)
	}
	return h, err
}

func (s *Scheduler) take(ctx context.Context, in *integration.Integration, token string) (*hold, error) {
	keep := token == s.instance
	taken := time.Now()
	l, ok, err := s.cfg.Repository.Lease(ctx, in.ID, s.leaseRequest(token))
	if err != nil {
		return nil, err
	}
	if !ok {
		if keep {
			s.markHeld(in.ID, false) // another instance has it now
		}
		return nil, &HeldError{Integration: in.Name, Lease: *l, Now: s.now(), Host: s.cfg.Host}
	}
	if now := s.now(); l.BackOffUntil.After(now) {
		s.release(in, token)
		return nil, &HeldError{Integration: in.Name, Lease: *l, Now: now, BackOff: true, Host: s.cfg.Host}
	}
	if keep {
		s.markHeld(in.ID, true)
	}
	h := &hold{s: s, in: in, token: token, done: make(chan struct{}), taken: taken}
	h.ctx, h.cancel = context.WithCancel(ctx)
	go h.renew()
	return h, nil
}

// renew renews the lease every third of its time while the pass runs.
// The pass may act only while the lease surely holds: a renewal that
// fails, or does not come back (the database is out of reach), ends the
// pass a third of the lease time before the lease could expire, judged
// by this process's monotonic clock from when the last renewal was sent,
// so no other instance can have taken the mailbox yet.
func (h *hold) renew() {
	defer close(h.done)
	ttl := h.s.cfg.LeaseTTL
	safeUntil := h.taken.Add(ttl * 2 / 3)
	t := time.NewTicker(ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-h.ctx.Done():
			return
		case <-t.C:
		}
		sent := time.Now()
		rctx, cancel := context.WithDeadline(h.ctx, safeUntil)
		_, ok, err := h.s.cfg.Repository.Lease(rctx, h.in.ID, h.s.leaseRequest(h.token))
		cancel()
		if h.ctx.Err() != nil {
			return
		}
		if err != nil || !ok {
			// Another process took the mailbox (this one stalled past the
			// expiry), or the database cannot be reached: stop before two
			// instances work on it.
			h.lost.Store(true)
			h.s.logger.Error("the mailbox lease could not be renewed; stopping this pass", "integration", h.in.Name, "error", err)
			h.cancel()
			return
		}
		safeUntil = sent.Add(ttl * 2 / 3)
	}
}

// release ends the pass's hold. An instance on a shared database keeps
// the mailbox between passes (its heartbeat renews the lease), unless it
// holds more than its share or lost the lease; otherwise the lease is
// given back for the next pass, whoever runs it.
//
// A pass that could not renew its lease leaves it to expire; so does, on
// a shared database, a pass stopped from outside (its worker stopped).
// Requests such a pass gave up on may still land at Exchange: another
// instance must not read the mailbox (and find a reply not yet in Sent
// Items) before they have. On one machine the stopped pass gives its
// lease back, so that "Process now" in the same window goes ahead.
func (h *hold) release() {
	cut := h.ctx.Err() != nil && (h.lost.Load() || h.token == h.s.instance)
	h.cancel()
	<-h.done
	s := h.s
	s.markCut(h.in.ID, cut)
	if h.token == s.instance {
		defer s.endPass(h.in.ID)
		if !cut && s.keeping() && !s.overShare() {
			return
		}
		s.markHeld(h.in.ID, false)
	}
	if cut {
		s.logger.Info("the pass was stopped; its mailbox lease is left to expire", "integration", h.in.Name)
		return
	}
	s.release(h.in, h.token)
}

func (s *Scheduler) release(in *integration.Integration, token string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.cfg.Repository.ReleaseLease(ctx, in.ID, token); err != nil {
		s.logger.Warn("releasing the mailbox lease failed; it expires by itself", "integration", in.Name, "error", err)
	}
}

// keepBackOff stores Exchange's BackOffMilliseconds with the lease, so
// that every process honours it.
func (s *Scheduler) keepBackOff(in *integration.Integration, d time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.cfg.Repository.BackOff(ctx, in.ID, s.now().Add(d)); err != nil {
		s.logger.Warn("keeping Exchange's back-off failed", "integration", in.Name, "error", err)
	}
}

// SetLeaseTTL sets how long a mailbox lease lasts unless renewed; the
// command line sets it from its flags before Start.
func (s *Scheduler) SetLeaseTTL(d time.Duration) error {
	if d < 3*time.Second || d > 10*time.Minute {
		return fmt.Errorf("the lease time must be between 3s and 10m, not %s", d)
	}
	if s.keeping() {
		return errors.New("the lease time cannot change while the scheduler runs: restart it")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.LeaseTTL = d
	return nil
}

// SetPoll sets the pause between passes when the mailbox has nothing new;
// the command line sets it from its flags before Start.
func (s *Scheduler) SetPoll(d time.Duration) error {
	if d < time.Second || d > time.Hour {
		return fmt.Errorf("the poll interval must be between 1s and 1h, not %s", d)
	}
	if s.keeping() {
		return errors.New("the poll interval cannot change while the scheduler runs: restart it")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.Poll = d
	return nil
}
