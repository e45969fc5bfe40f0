package scheduler

import (
	"fmt"
	"sync"
	"time"
)

// placeholderLimit counts, per integration and organizer, the placeholder
// meetings given a room within the last hour. It lives in the process: a
// restart forgets the counts, which only ever lets more through, never
// fewer.
type placeholderLimit struct {
	max int // per organizer per hour; <= 0 means no limit

	mu   sync.Mutex
	seen map[placeholderKeyOf][]time.Time
}

type placeholderKeyOf struct {
	integration int64
	organizer   string
}

const placeholderWindow = time.Hour

func newPlaceholderLimit(max int) *placeholderLimit {
	return &placeholderLimit{max: max, seen: map[placeholderKeyOf][]time.Time{}}
}

// allow tells whether organizer may have one more placeholder room at now.
func (l *placeholderLimit) allow(integration int64, organizer string, now time.Time) bool {
	if l == nil || l.max <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	k := placeholderKeyOf{integration, organizer}
	l.seen[k] = recent(l.seen[k], now)
	if len(l.seen[k]) == 0 {
		delete(l.seen, k)
		return true
	}
	return len(l.seen[k]) < l.max
}

// add counts one placeholder room for organizer at now.
func (l *placeholderLimit) add(integration int64, organizer string, now time.Time) {
	if l == nil || l.max <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	k := placeholderKeyOf{integration, organizer}
	l.seen[k] = append(recent(l.seen[k], now), now)
	// Forget organizers with nothing recent, so the map stays small.
	if len(l.seen) > 1024 {
		for key, ts := range l.seen {
			if ts = recent(ts, now); len(ts) == 0 {
				delete(l.seen, key)
			} else {
				l.seen[key] = ts
			}
		}
	}
}

// recent drops the times that are an hour or more before now.
func recent(ts []time.Time, now time.Time) []time.Time {
	i := 0
	for i < len(ts) && !ts[i].After(now.Add(-placeholderWindow)) {
		i++
	}
	return ts[i:]
}

// Defaults of Config.PlaceholderHorizon and Config.PlaceholderLimit.
const (
	DefaultPlaceholderHorizon = 365 * 24 * time.Hour
	DefaultPlaceholderLimit   = 10
)

// newDecider is the decider for one item of the pass.
func (p *pass) newDecider(txID string) *decider {
	cfg := &p.s.cfg
	p.s.mu.Lock()
	horizon, limit := cfg.PlaceholderHorizon, cfg.placeholders
	p.s.mu.Unlock()
	return &decider{in: p.in, repo: cfg.Repository, aliases: cfg.Aliases, templates: cfg.Templates,
		now: p.s.now(), txID: txID, horizon: horizon, limit: limit}
}

// SetPlaceholderPolicy changes how long a placeholder meeting without an end
// keeps its room and how many placeholder meetings an organizer may send in
// an hour (0: no limit). The command line sets it from its flags after the
// scheduler was built; passes that start later use it.
func (s *Scheduler) SetPlaceholderPolicy(horizon time.Duration, limit int) error {
	if horizon < 24*time.Hour {
		return fmt.Errorf("scheduler: the placeholder horizon must be at least a day (24h), not %s", horizon)
	}
	if limit < 0 {
		return fmt.Errorf("scheduler: the placeholder limit must be 0 (none) or more, not %d", limit)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.PlaceholderHorizon, s.cfg.PlaceholderLimit = horizon, limit
	s.cfg.placeholders = newPlaceholderLimit(limit)
	return nil
}
