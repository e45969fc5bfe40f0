package scheduler

import "vmr-companion/backend/ews"

// SetBeforeDecide installs a function called with each item before it is
// decided (a test seam: a decision that panics, whatever the body code does).
func SetBeforeDecide(s *Scheduler, f func(*ews.Item)) { s.cfg.beforeDecide = f }
