// Package sdnotify tells systemd how the service is doing (sd_notify(3)):
// ready, reloading, stopping, a status line, and the watchdog's keep-alive.
// Each message is one datagram to the socket named by $NOTIFY_SOCKET; with
// no such socket (not started by systemd, or not Type=notify) every call
// does nothing. It is a few lines of protocol, so no library is used.
package sdnotify

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Environment variables systemd sets for a Type=notify service
// (sd_notify(3), sd_watchdog_enabled(3)).
const (
	EnvSocket        = "NOTIFY_SOCKET"
	EnvWatchdogUSec  = "WATCHDOG_USEC"
	EnvWatchdogPID   = "WATCHDOG_PID"
	maxSocketName    = 107 // sun_path holds 108 bytes with its NUL
	maxWatchdogUSec  = uint64(1<<63-1) / 1000
	maxStatusMessage = 4096
)

// Notifier sends notifications to one socket. The zero value (and a nil
// *Notifier) sends nothing.
type Notifier struct {
	socket   string
	watchdog time.Duration
	// monotonic reads CLOCK_MONOTONIC, as RELOADING=1 needs it.
	monotonic func() (time.Duration, error)
	// newTicker paces the watchdog; tests replace it.
	newTicker func(d time.Duration) (<-chan time.Time, func())
	mu        sync.Mutex // one datagram at a time, in order
}

// Parse reads systemd's variables through getenv. A missing NOTIFY_SOCKET
// is not an error: the Notifier then does nothing. Values are checked
// before use, so a malformed environment gives an error and a Notifier
// that does nothing, never a message sent somewhere unexpected.
func Parse(getenv func(string) string) (*Notifier, error) {
	n := &Notifier{monotonic: monotonic, newTicker: newTicker}
	socket := getenv(EnvSocket)
	if socket == "" {
		return n, nil
	}
	if len(socket) > maxSocketName || (socket[0] != '/' && socket[0] != '@') || strings.ContainsRune(socket, 0) {
		return n, fmt.Errorf("sdnotify: %s is not an absolute path or an abstract socket name (@…) of at most %d bytes; notifications are off",
			EnvSocket, maxSocketName)
	}
	n.socket = socket
	usec := getenv(EnvWatchdogUSec)
	if usec == "" {
		return n, nil
	}
	v, err := strconv.ParseUint(usec, 10, 64)
	if err != nil || v == 0 || v > maxWatchdogUSec {
		return n, fmt.Errorf("sdnotify: %s is not a positive number of microseconds; the watchdog is off", EnvWatchdogUSec)
	}
	// The watchdog is this process's only when WATCHDOG_PID says so or is
	// unset (sd_watchdog_enabled(3)).
	if pid := getenv(EnvWatchdogPID); pid != "" && pid != strconv.Itoa(os.Getpid()) {
		return n, nil
	}
	n.watchdog = time.Duration(v) * time.Microsecond
	return n, nil
}

// FromEnv is Parse on the process's environment, and then removes the
// variables from it, so that processes started later (a browser, a
// helper) do not send in this service's name.
func FromEnv() (*Notifier, error) {
	n, err := Parse(os.Getenv)
	for _, k := range []string{EnvSocket, EnvWatchdogUSec, EnvWatchdogPID} {
		os.Unsetenv(k)
	}
	return n, err
}

// Enabled tells whether notifications go anywhere.
func (n *Notifier) Enabled() bool { return n != nil && n.socket != "" }

// WatchdogInterval is WATCHDOG_USEC for this process, or 0 without a
// watchdog.
func (n *Notifier) WatchdogInterval() time.Duration {
	if !n.Enabled() {
		return 0
	}
	return n.watchdog
}

// Ready says start-up is done (READY=1).
func (n *Notifier) Ready() error { return n.send("READY=1") }

// Stopping says the service is shutting down (STOPPING=1).
func (n *Notifier) Stopping() error { return n.send("STOPPING=1") }

// Reloading says the configuration is being re-read; Ready says when it
// is done. MONOTONIC_USEC is what Type=notify-reload (systemd 253 and
// later) requires; earlier versions ignore it.
func (n *Notifier) Reloading() error {
	if !n.Enabled() {
		return nil
	}
	now, err := n.monotonic()
	if err != nil {
		return fmt.Errorf("sdnotify: reading the monotonic clock: %w", err)
	}
	return n.send("RELOADING=1\nMONOTONIC_USEC=" + strconv.FormatInt(now.Microseconds(), 10))
}

// Status sets the line `systemctl status` shows. A newline would start
// another assignment, so text is kept to its first line.
func (n *Notifier) Status(text string) error {
	text, _, _ = strings.Cut(text, "\n")
	if len(text) > maxStatusMessage {
		text = text[:maxStatusMessage]
	}
	return n.send("STATUS=" + text)
}

// send writes one datagram. A service manager that has gone away must not
// hold the service up: the write has a deadline.
func (n *Notifier) send(state string) error {
	if !n.Enabled() {
		return nil
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: n.socket, Net: "unixgram"})
	if err != nil {
		return fmt.Errorf("sdnotify: %w", err)
	}
	defer conn.Close()
	conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write([]byte(state)); err != nil {
		return fmt.Errorf("sdnotify: %w", err)
	}
	return nil
}

// Watchdog sends WATCHDOG=1 every half interval (as sd_watchdog_enabled(3)
// advises) while healthy answers nil within that half interval, until ctx
// is done or stop is called; stop waits for the goroutine. Without a
// watchdog it starts nothing. An unhealthy process stays silent, so that
// systemd restarts it once the interval is over: healthy should check
// what only a restart fixes (a database that no longer answers), not what
// lies outside (an Exchange server that is down).
func (n *Notifier) Watchdog(ctx context.Context, healthy func(context.Context) error, failed func(error)) (stop func()) {
	every := n.WatchdogInterval() / 2
	if every <= 0 {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	ticks, stopTicker := n.newTicker(every)
	go func() {
		defer close(done)
		defer stopTicker()
		for {
			select {
			case <-ctx.Done():
				return
			case <-ticks:
			}
			// At least a second: a watchdog set shorter than any real one
			// must not turn every check into a timeout.
			check, cancelCheck := context.WithTimeout(ctx, max(every, time.Second))
			err := healthy(check)
			cancelCheck()
			if err == nil {
				err = n.send("WATCHDOG=1")
			}
			if err != nil && failed != nil && ctx.Err() == nil {
				failed(err)
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

func newTicker(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(d)
	return t.C, t.Stop
}
