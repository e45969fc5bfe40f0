package policy

import (
	"fmt"
	"testing"
	"time"
)

// A flood of addresses cannot grow the guard past maxTracked, and windows
// that ended are swept.
func TestGuardStaysBounded(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	g := newGuard(func() time.Time { return now })
	for i := range maxTracked + 500 {
		g.failed(fmt.Sprintf("10.%d.%d.%d:1", i>>16&255, i>>8&255, i&255))
	}
	if len(g.seen) > maxTracked {
		t.Fatalf("%d addresses tracked", len(g.seen))
	}
	now = now.Add(failureWindow)
	g.failed("192.0.2.1:1")
	if len(g.seen) != 1 {
		t.Fatalf("%d addresses after the window", len(g.seen))
	}
	if stop, _ := g.blocked("192.0.2.1:2"); stop {
		t.Fatal("one failure blocks")
	}
}
