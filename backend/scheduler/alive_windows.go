//go:build windows

package scheduler

import "os"

// processAlive tells whether a process of this host exists: on Windows
// FindProcess opens it and fails when there is none.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	p.Release()
	return true
}
