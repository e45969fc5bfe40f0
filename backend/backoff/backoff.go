// Package backoff is the one retry delay of VMR Companion: exponential
// growth with full jitter, as the EWS client between attempts and the
// scheduler's workers after failed passes both wait.
package backoff

import (
	"math"
	"math/rand/v2"
	"time"
)

// Full is the wait before retry number attempt (1 for the first): uniform
// in [0, min(max, base·2^(attempt-1))]. Full jitter spreads clients that
// failed together over the whole window, so they do not come back in step.
// rnd returns a uniform value in [0, n); nil is math/rand/v2's (tests pass
// their own to stay deterministic).
func Full(attempt int, base, max time.Duration, rnd func(n int64) int64) time.Duration {
	ceiling := base
	for i := 1; i < attempt && ceiling < max; i++ {
		ceiling *= 2
	}
	if ceiling > max || ceiling <= 0 { // <= 0: doubled past the int64 range
		ceiling = max
	}
	if ceiling <= 0 {
		return 0
	}
	if rnd == nil {
		rnd = rand.Int64N
	}
	n := int64(ceiling)
	if n < math.MaxInt64 {
		n++ // ceiling itself is a possible wait
	}
	return time.Duration(rnd(n))
}
