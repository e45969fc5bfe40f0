package scheduler

import (
	"context"
	"errors"
	"fmt"
	"math"
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
const DefaultLeaseTTL = time.Minute

// HeldError says that another process works on the mailbox now, or that
// Exchange asked every process to wait (BackOff).
type HeldError struct {
	Integration string
	Lease       Lease
	Now         time.Time
	BackOff     bool
	// Host is this process's host, to tell the holder's apart.
	Host string
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
	l, ok, err := s.cfg.Repository.Lease(ctx, in.ID, s.leaseRequest(token))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &HeldError{Integration: in.Name, Lease: *l, Now: s.now(), Host: s.cfg.Host}
	}
	if now := s.now(); l.BackOffUntil.After(now) {
		s.release(in, token)
		return nil, &HeldError{Integration: in.Name, Lease: *l, Now: now, BackOff: true, Host: s.cfg.Host}
	}
	h := &hold{s: s, in: in, token: token, done: make(chan struct{})}
	h.ctx, h.cancel = context.WithCancel(ctx)
	go h.renew()
	return h, nil
}

func (h *hold) renew() {
	defer close(h.done)
	t := time.NewTicker(h.s.cfg.LeaseTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-h.ctx.Done():
			return
		case <-t.C:
		}
		_, ok, err := h.s.cfg.Repository.Lease(h.ctx, h.in.ID, h.s.leaseRequest(h.token))
		if h.ctx.Err() != nil {
			return
		}
		if err != nil || !ok {
			// Another process took the mailbox (this one stalled past the
			// expiry): stop before both work on it.
			h.s.logger.Error("the mailbox lease was lost; stopping this pass", "integration", h.in.Name, "error", err)
			h.cancel()
			return
		}
	}
}

func (h *hold) release() {
	h.cancel()
	<-h.done
	h.s.release(h.in, h.token)
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
