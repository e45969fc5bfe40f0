//go:build !linux

package sdnotify

import (
	"errors"
	"time"
)

// monotonic has nothing to read where systemd does not run.
func monotonic() (time.Duration, error) {
	return 0, errors.New("no monotonic clock to read on this system")
}
