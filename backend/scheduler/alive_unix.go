//go:build !windows

package scheduler

import (
	"errors"
	"syscall"
)

// processAlive tells whether a process of this host exists (signal 0 checks
// without sending anything; EPERM means it exists under another user).
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
