package addinhost

import (
	"sync"
	"time"
)

// limiter allows each user perMinute requests a minute (a token bucket per
// user, refilled continuously), so nobody can drain the alias space.
type limiter struct {
	mu        sync.Mutex
	perMinute float64
	buckets   map[string]*bucket
	now       func() time.Time
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	seen   time.Time
}

func newLimiter(perMinute int, now func() time.Time) *limiter {
	return &limiter{perMinute: float64(perMinute), buckets: map[string]*bucket{}, now: now}
}

// setRate changes the rate while requests come in (serve re-reads it on
// SIGHUP); buckets keep their tokens, capped at the new rate on next use.
func (l *limiter) setRate(perMinute int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.perMinute = float64(perMinute)
}

// rate is the current rate (0: no limit).
func (l *limiter) rate() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return int(l.perMinute)
}

// allow takes a token for user; when none is left it says how long until one is.
func (l *limiter) allow(user string) (bool, time.Duration) {
	if l == nil {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.perMinute <= 0 {
		return true, 0
	}
	now := l.now()
	l.sweep(now)
	b, ok := l.buckets[user]
	if !ok {
		b = &bucket{tokens: l.perMinute, seen: now}
		l.buckets[user] = b
	}
	b.tokens = min(l.perMinute, b.tokens+now.Sub(b.seen).Minutes()*l.perMinute)
	b.seen = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.perMinute * float64(time.Minute))
	return false, wait
}

// sweep drops full buckets now and then, so memory follows active users.
func (l *limiter) sweep(now time.Time) {
	if now.Sub(l.lastSweep) < time.Minute {
		return
	}
	l.lastSweep = now
	for user, b := range l.buckets {
		if now.Sub(b.seen) > time.Minute {
			delete(l.buckets, user)
		}
	}
}
