package sdnotify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// listen is a service manager's notification socket at name (a path, or
// @name for an abstract socket).
func listen(t *testing.T, name string) *net.UnixConn {
	t.Helper()
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// socketPath is a path short enough for sun_path.
func socketPath(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "sdnotify")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "notify")
}

// receive reads one datagram; the deadline only ends a test that hangs.
func receive(t *testing.T, conn *net.UnixConn) string {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(time.Minute))
	buf := make([]byte, 8192)
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatalf("no notification: %v", err)
	}
	return string(buf[:n])
}

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func parse(t *testing.T, vars map[string]string) *Notifier {
	t.Helper()
	n, err := Parse(env(vars))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestMessagesArriveExactly(t *testing.T) {
	sockets := map[string]string{"a socket file": socketPath(t)}
	if runtime.GOOS == "linux" {
		sockets["an abstract socket"] = fmt.Sprintf("@vmr-companion-test-%d", os.Getpid())
	}
	for name, socket := range sockets {
		t.Run(name, func(t *testing.T) {
			conn := listen(t, socket)
			n := parse(t, map[string]string{EnvSocket: socket})
			if !n.Enabled() {
				t.Fatal("not enabled with NOTIFY_SOCKET set")
			}
			for _, tc := range []struct {
				send func() error
				want string
			}{
				{n.Ready, "READY=1"},
				{func() error { return n.Status("serving https://127.0.0.1:3443") }, "STATUS=serving https://127.0.0.1:3443"},
				{func() error { return n.Status("one line\nREADY=1") }, "STATUS=one line"},
				{n.Stopping, "STOPPING=1"},
			} {
				if err := tc.send(); err != nil {
					t.Fatal(err)
				}
				if got := receive(t, conn); got != tc.want {
					t.Errorf("got %q, want %q", got, tc.want)
				}
			}
		})
	}
}

func TestReloadingCarriesTheMonotonicClock(t *testing.T) {
	socket := socketPath(t)
	conn := listen(t, socket)
	n := parse(t, map[string]string{EnvSocket: socket})
	before, err := monotonic()
	if err != nil {
		t.Skipf("no monotonic clock here: %v", err)
	}
	if err := n.Reloading(); err != nil {
		t.Fatal(err)
	}
	after, _ := monotonic()
	got := receive(t, conn)
	value, ok := strings.CutPrefix(got, "RELOADING=1\nMONOTONIC_USEC=")
	if !ok {
		t.Fatalf("got %q", got)
	}
	usec, err := strconv.ParseInt(value, 10, 64)
	if err != nil || usec < before.Microseconds() || usec > after.Microseconds() {
		t.Fatalf("MONOTONIC_USEC=%s is not the clock between %d and %d", value, before.Microseconds(), after.Microseconds())
	}
}

func TestWithoutASocketNothingHappens(t *testing.T) {
	for _, n := range []*Notifier{nil, {}, parse(t, map[string]string{})} {
		if n.Enabled() || n.WatchdogInterval() != 0 {
			t.Fatal("enabled without NOTIFY_SOCKET")
		}
		for _, err := range []error{n.Ready(), n.Reloading(), n.Stopping(), n.Status("x")} {
			if err != nil {
				t.Fatal(err)
			}
		}
		n.Watchdog(context.Background(), func(context.Context) error { t.Fatal("health checked without a watchdog"); return nil }, nil)()
	}
}

func TestTheEnvironmentIsChecked(t *testing.T) {
	long := "/" + strings.Repeat("x", maxSocketName)
	pid := strconv.Itoa(os.Getpid())
	for _, tc := range []struct {
		name     string
		vars     map[string]string
		enabled  bool
		watchdog time.Duration
		err      string
	}{
		{"a relative path is refused", map[string]string{EnvSocket: "notify"}, false, 0, "absolute path"},
		{"a name longer than sun_path is refused", map[string]string{EnvSocket: long}, false, 0, "at most"},
		{"a NUL in the name is refused", map[string]string{EnvSocket: "/run/a\x00b"}, false, 0, "absolute path"},
		{"a vsock address is refused", map[string]string{EnvSocket: "vsock:2:1234"}, false, 0, "absolute path"},
		{"the watchdog is read", map[string]string{EnvSocket: "/run/n", EnvWatchdogUSec: "30000000"}, true, 30 * time.Second, ""},
		{"the watchdog is this process's", map[string]string{EnvSocket: "/run/n", EnvWatchdogUSec: "30000000", EnvWatchdogPID: pid}, true, 30 * time.Second, ""},
		{"another process's watchdog is not ours", map[string]string{EnvSocket: "/run/n", EnvWatchdogUSec: "30000000", EnvWatchdogPID: "1"}, true, 0, ""},
		{"a watchdog of 0 is refused", map[string]string{EnvSocket: "/run/n", EnvWatchdogUSec: "0"}, true, 0, "positive"},
		{"a negative watchdog is refused", map[string]string{EnvSocket: "/run/n", EnvWatchdogUSec: "-5"}, true, 0, "positive"},
		{"a watchdog beyond a Duration is refused", map[string]string{EnvSocket: "/run/n", EnvWatchdogUSec: "18446744073709551615"}, true, 0, "positive"},
		{"a watchdog of digits without end is refused", map[string]string{EnvSocket: "/run/n", EnvWatchdogUSec: strings.Repeat("9", 100000)}, true, 0, "positive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := Parse(env(tc.vars))
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("error %v, want %q", err, tc.err)
			}
			if n.Enabled() != tc.enabled || n.WatchdogInterval() != tc.watchdog {
				t.Fatalf("enabled %v watchdog %s", n.Enabled(), n.WatchdogInterval())
			}
		})
	}
}

func TestFromEnvRemovesTheVariables(t *testing.T) {
	socket := socketPath(t)
	t.Setenv(EnvSocket, socket)
	t.Setenv(EnvWatchdogUSec, "1000000")
	t.Setenv(EnvWatchdogPID, strconv.Itoa(os.Getpid()))
	n, err := FromEnv()
	if err != nil || !n.Enabled() || n.WatchdogInterval() != time.Second {
		t.Fatalf("%v %v %s", err, n.Enabled(), n.WatchdogInterval())
	}
	for _, k := range []string{EnvSocket, EnvWatchdogUSec, EnvWatchdogPID} {
		if _, set := os.LookupEnv(k); set {
			t.Errorf("%s is still in the environment", k)
		}
	}
}

func TestWatchdogPingsWhileHealthy(t *testing.T) {
	socket := socketPath(t)
	conn := listen(t, socket)
	n := parse(t, map[string]string{EnvSocket: socket, EnvWatchdogUSec: "20000000"})
	ticks := make(chan time.Time) // unbuffered: a send returns once the goroutine took the tick
	var period time.Duration
	stopped := make(chan struct{})
	n.newTicker = func(d time.Duration) (<-chan time.Time, func()) {
		period = d
		return ticks, func() { close(stopped) }
	}
	health := []error{nil, errors.New("the database does not answer"), nil}
	checks := 0
	var failures []error
	stop := n.Watchdog(context.Background(), func(context.Context) error {
		err := health[checks]
		checks++
		return err
	}, func(err error) { failures = append(failures, err) })
	if period != 10*time.Second {
		t.Fatalf("pings every %s, want half of 20s", period)
	}
	for range health {
		ticks <- time.Time{}
	}
	for range 2 {
		if got := receive(t, conn); got != "WATCHDOG=1" {
			t.Fatalf("got %q, want WATCHDOG=1", got)
		}
	}
	stop()
	<-stopped
	// Three checks, one unhealthy: two pings. Had the unhealthy check
	// pinged, a third WATCHDOG=1 would come before the marker.
	if err := n.Status("marker"); err != nil {
		t.Fatal(err)
	}
	if got := receive(t, conn); got != "STATUS=marker" {
		t.Fatalf("got %q after the pings, want the marker", got)
	}
	if checks != 3 || len(failures) != 1 {
		t.Fatalf("%d checks, failures %v", checks, failures)
	}
}

func TestWatchdogStopsWithItsContext(t *testing.T) {
	socket := socketPath(t)
	listen(t, socket)
	n := parse(t, map[string]string{EnvSocket: socket, EnvWatchdogUSec: "1000000"})
	stopped := make(chan struct{})
	n.newTicker = func(time.Duration) (<-chan time.Time, func()) { return nil, func() { close(stopped) } }
	ctx, cancel := context.WithCancel(context.Background())
	stop := n.Watchdog(ctx, func(context.Context) error { return nil }, nil)
	cancel()
	<-stopped
	stop() // after the context: returns at once
}
