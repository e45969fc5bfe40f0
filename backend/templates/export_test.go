package templates

import "time"

// NewForTest returns an Engine whose render time limit is started by
// startTimer instead of time.AfterFunc, that calls step at every budget
// check and ended when a render's goroutine is done. Nil hooks are skipped.
func NewForTest(startTimer func(d time.Duration, expire func()) (stop func() bool), step, ended func()) *Engine {
	e := New()
	if startTimer != nil {
		e.startTimer = startTimer
	}
	e.step, e.ended = step, ended
	return e
}

// NewUntimed returns an Engine whose render time limit never runs out, for
// the tests that are not about it: a paused or loaded machine cannot turn
// their renders into timeouts.
func NewUntimed() *Engine {
	return NewForTest(func(time.Duration, func()) func() bool { return func() bool { return true } }, nil, nil)
}
