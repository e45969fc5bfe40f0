package devcert

import (
	"crypto/tls"
	"fmt"
	"slices"
	"sync"
	"time"
)

const (
	// DefaultRenewBefore is how long before expiry the Loader re-issues
	// the leaf: a week leaves days to notice and fix a failing renewal
	// while the old leaf still works.
	DefaultRenewBefore = 7 * 24 * time.Hour
	// retryInterval spaces renewal attempts after a failure, so a broken
	// CA costs one attempt a minute rather than one per handshake.
	retryInterval = time.Minute
)

// Loader serves the add-in host's certificate through
// tls.Config.GetCertificate. It issues a leaf when created and re-issues it
// on a handshake once the leaf is within the renewal window of its expiry,
// or once the Authority was regenerated; if re-issuing fails, it keeps
// serving the old leaf and retries a minute later. It is safe for
// concurrent use; make it with NewLoader.
type Loader struct {
	a *Authority

	mu          sync.RWMutex
	names       []string // the leaf's names besides the defaults
	cert        *tls.Certificate
	generation  uint64 // the Authority generation that signed cert
	renewBefore time.Duration
	lastTry     time.Time
	lastTryGen  uint64
	lastErr     error
}

// NewLoader issues the first leaf for names (besides localhost, 127.0.0.1
// and ::1) and returns a Loader that keeps it fresh.
func NewLoader(a *Authority, names []string) (*Loader, error) {
	l := &Loader{a: a, names: slices.Clone(names), renewBefore: DefaultRenewBefore}
	_, _, gen := a.current()
	cert, err := a.IssueLeaf(l.names)
	if err != nil {
		return nil, err
	}
	l.cert, l.generation = cert, gen
	return l, nil
}

// SetRenewBefore sets how long before expiry the leaf is re-issued
// (DefaultRenewBefore unless set). A window as long as the leaf's 30-day
// lifetime would re-issue once a minute; keep it well below.
func (l *Loader) SetRenewBefore(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.renewBefore = d
}

// GetCertificate returns the current leaf, re-issuing it first when due.
// It never fails while a leaf exists: a failed renewal is reported by
// LastError and the old leaf is served.
func (l *Loader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	now := l.a.now()
	_, _, gen := l.a.current()

	l.mu.RLock()
	cert, due := l.cert, l.dueLocked(now, gen)
	l.mu.RUnlock()
	if !due {
		return cert, nil
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	// Another handshake may have renewed it meanwhile. Attempts with the
	// same CA are spaced by retryInterval: after a failure, and near the
	// CA's expiry, where a new leaf cannot outlive the CA and so is due
	// again at once.
	if !l.dueLocked(now, gen) {
		return l.cert, nil
	}
	if gen == l.lastTryGen && !l.lastTry.IsZero() && now.Sub(l.lastTry) < retryInterval {
		return l.cert, nil
	}
	l.lastTry, l.lastTryGen = now, gen
	fresh, err := l.a.IssueLeaf(l.names)
	if err != nil {
		l.lastErr = fmt.Errorf("devcert: renewing the add-in host certificate (the old one stays in use; it expires %s): %w",
			l.cert.Leaf.NotAfter.Format(time.RFC3339), err)
		return l.cert, nil
	}
	l.cert, l.generation, l.lastErr = fresh, gen, nil
	return l.cert, nil
}

// SetNames replaces the leaf's names (besides localhost and the loopback
// addresses) and issues a leaf for them at once. If that fails, the
// current names and leaf stay.
func (l *Loader) SetNames(names []string) error {
	names = slices.Clone(names)
	_, _, gen := l.a.current()
	cert, err := l.a.IssueLeaf(names)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.names, l.cert, l.generation, l.lastErr = names, cert, gen, nil
	return nil
}

// LastError returns why the last renewal failed, or nil once one succeeds.
func (l *Loader) LastError() error {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.lastErr
}

// Current returns the certificate currently served, without renewing it.
// Do not modify it.
func (l *Loader) Current() *tls.Certificate {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.cert
}

// dueLocked reports whether the leaf needs re-issuing at now, given the
// Authority's current generation. Callers hold l.mu.
func (l *Loader) dueLocked(now time.Time, gen uint64) bool {
	return gen != l.generation || !now.Before(l.cert.Leaf.NotAfter.Add(-l.renewBefore))
}
