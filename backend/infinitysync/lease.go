package infinitysync

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"time"
)

// DefaultLeaseTTL is how long the sync lease lasts unless renewed; a
// running pull or push renews it every third of that, so a process that
// died frees it within this time.
const DefaultLeaseTTL = 2 * time.Minute

// BusyError says that another pull, push or resolve holds the sync lease.
type BusyError struct {
	Lease SyncLease
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("infinitysync: another pull or push is running (%s since %s): wait for it to finish, or, if that process was killed, try again after %s",
		bounded(e.Lease.Holder, 200), e.Lease.Since.Local().Format(time.DateTime), e.Lease.Expires.Local().Format(time.DateTime))
}

// errLeaseLost stops a pull or push whose lease another process took
// (this one stalled past the expiry).
var errLeaseLost = errors.New("infinitysync: the sync lease ran out and another process took it: this run stopped; run it again")

func newHolder() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown host"
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s pid %d #%s", bounded(host, 200), os.Getpid(), hex.EncodeToString(b))
}

// lock takes the sync lease, so that one pull, push or resolve runs at a
// time across processes, and renews it until unlock. The context it
// returns ends if the lease is lost.
func (s *Service) lock(ctx context.Context) (context.Context, func(), error) {
	holder := newHolder()
	cur, ok, err := s.cfg.Repo.TakeLease(ctx, holder, s.cfg.LeaseClock(), s.cfg.LeaseTTL)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, &BusyError{Lease: *cur}
	}
	ctx, cancel := context.WithCancelCause(ctx)
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(s.cfg.LeaseTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				_, ok, err := s.cfg.Repo.TakeLease(context.WithoutCancel(ctx), holder, s.cfg.LeaseClock(), s.cfg.LeaseTTL)
				if err == nil && !ok {
					cancel(errLeaseLost)
					return
				}
			}
		}
	}()
	unlock := func() {
		close(stop)
		<-done
		cancel(nil)
		_ = s.cfg.Repo.ReleaseLease(context.WithoutCancel(ctx), holder) // it runs out by itself otherwise
	}
	return ctx, unlock, nil
}
