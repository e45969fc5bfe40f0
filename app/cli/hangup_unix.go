//go:build !windows

package cli

import (
	"os"
	"os/signal"
	"syscall"
)

// notifyHangup relays SIGHUP, which admins send to re-read settings.
func notifyHangup(c chan<- os.Signal) { signal.Notify(c, syscall.SIGHUP) }
