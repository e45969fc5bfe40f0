package scheduler

import "vmr-companion/backend/ews"

// SetBeforeDecide installs a function called with each item before it is
// decided (a test seam: a decision that panics, whatever the body code does).
func SetBeforeDecide(s *Scheduler, f func(*ews.Item)) { s.cfg.beforeDecide = f }

// SetAfterInfinity installs a function called after each request Infinity
// carried out (step: create, alias, patch, delete), before the store hears
// of it; an error ends the drain there, as a kill would.
func SetAfterInfinity(s *Scheduler, f func(step string) error) { s.cfg.afterInfinity = f }

// ErrSimulatedCrash is what SetAfterInfinity's function returns to stop.
var ErrSimulatedCrash = errSimulatedCrash

// Draining tells whether Drain was called (a test seam).
func Draining(s *Scheduler) bool { return s.draining.Load() }
