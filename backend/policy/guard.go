package policy

import (
	"net"
	"sync"
	"time"
)

// Guessing the password is slowed down per remote address: after
// maxFailures wrong or missing credentials within failureWindow, that
// address gets 429 until the window ends, whatever it sends. Conferencing
// Nodes with the right credentials never fail, so they are never held up.
const (
	maxFailures   = 20
	failureWindow = time.Minute
	// maxTracked bounds the memory a flood of addresses can take; when
	// full, the oldest windows are dropped first by the sweep, and a new
	// address is not tracked (it is still refused without credentials).
	maxTracked = 10000
)

type failures struct {
	count int
	since time.Time
}

type guard struct {
	mu        sync.Mutex
	now       func() time.Time
	seen      map[string]*failures
	lastSweep time.Time
}

func newGuard(now func() time.Time) *guard {
	return &guard{now: now, seen: map[string]*failures{}}
}

// blocked tells whether addr has failed too often, and until when.
func (g *guard) blocked(addr string) (bool, time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	f, ok := g.seen[hostOf(addr)]
	if !ok || g.now().Sub(f.since) >= failureWindow {
		return false, time.Time{}
	}
	return f.count >= maxFailures, f.since.Add(failureWindow)
}

// failed counts one failure of addr.
func (g *guard) failed(addr string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	g.sweep(now)
	host := hostOf(addr)
	f, ok := g.seen[host]
	switch {
	case ok && now.Sub(f.since) < failureWindow:
		f.count++
	case len(g.seen) < maxTracked:
		g.seen[host] = &failures{count: 1, since: now}
	}
}

func (g *guard) sweep(now time.Time) {
	if now.Sub(g.lastSweep) < failureWindow && len(g.seen) < maxTracked {
		return
	}
	g.lastSweep = now
	for host, f := range g.seen {
		if now.Sub(f.since) >= failureWindow {
			delete(g.seen, host)
		}
	}
}

// hostOf is the address without its port (a client changes ports freely).
func hostOf(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}
