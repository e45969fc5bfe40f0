package backoff_test

import (
	"math"
	"testing"
	"time"

	"vmr-companion/backend/backoff"
)

// top is a random source that always answers the highest value, so the
// delay is the window's ceiling.
func top(n int64) int64 { return n - 1 }

func TestFullGrowsToTheCeiling(t *testing.T) {
	base, max := 500*time.Millisecond, 30*time.Second
	want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second}
	for i, w := range want {
		if got := backoff.Full(i+1, base, max, top); got != w {
			t.Errorf("attempt %d: %v, want %v", i+1, got, w)
		}
	}
	if got := backoff.Full(1000, time.Second, time.Duration(math.MaxInt64), top); got != time.Duration(math.MaxInt64-1) {
		t.Errorf("a huge attempt number: %v, want the maximum", got)
	}
}

func TestFullJittersFromZero(t *testing.T) {
	var asked int64
	got := backoff.Full(3, time.Second, time.Minute, func(n int64) int64 { asked = n; return 0 })
	if got != 0 || asked != int64(4*time.Second)+1 {
		t.Fatalf("full jitter draws from [0, ceiling]: got %v from n=%d", got, asked)
	}
	if d := backoff.Full(70, time.Second, time.Duration(math.MaxInt64), nil); d < 0 {
		t.Fatalf("the widest window: %v", d)
	}
	for range 100 {
		if d := backoff.Full(2, time.Second, time.Minute, nil); d < 0 || d > 2*time.Second {
			t.Fatalf("the default source left the window: %v", d)
		}
	}
}
