package secrets

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

// realKeychainBuild is set by keychain_test.go (build tag keychain). Those
// tests need go-keyring's real provider, which keyring.MockInit replaces for
// the whole test binary, so the mock-based tests step aside in that build.
var realKeychainBuild bool

// mockKeyring points go-keyring at memory (or at a failing mock when err is
// set) and returns a Keychain that goes through it.
func mockKeyring(t *testing.T, err error) *Keychain {
	t.Helper()
	if realKeychainBuild {
		t.Skip("keyring mocks would replace the real keychain in this build (tag keychain)")
	}
	if err != nil {
		keyring.MockInitWithError(err)
	} else {
		keyring.MockInit()
	}
	// A bus address keeps mapError's "no session bus" rule out of tests
	// that are about other errors.
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
	return newKeychain(time.Second, goKeyring{})
}

func TestAccount(t *testing.T) {
	tests := []struct {
		name         string
		owner, field string
		want         string
	}{
		{"owner and field are joined by a slash", "3f2a6a4e-8c1b-4c7e-9d0a-1b2c3d4e5f60", "password", "3f2a6a4e-8c1b-4c7e-9d0a-1b2c3d4e5f60/password"},
		{"a field with a dash is kept as is", "u", "refresh-token", "u/refresh-token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Account(tt.owner, tt.field); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNewKeychainTimeout(t *testing.T) {
	tests := []struct {
		name string
		in   time.Duration
		want time.Duration
	}{
		{"a zero timeout becomes the default", 0, DefaultTimeout},
		{"a negative timeout becomes the default", -time.Second, DefaultTimeout},
		{"a positive timeout is kept", 2 * time.Second, 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NewKeychain(tt.in).timeout; got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestKeychainWithMockKeyring(t *testing.T) {
	ctx := context.Background()
	acct := Account("3f2a6a4e-8c1b-4c7e-9d0a-1b2c3d4e5f60", "password")

	t.Run("a stored secret can be read back", func(t *testing.T) {
		k := mockKeyring(t, nil)
		if err := k.Set(ctx, acct, New("s3cret")); err != nil {
			t.Fatal(err)
		}
		got, err := k.Get(ctx, acct)
		if err != nil || got.Reveal() != "s3cret" {
			t.Fatalf("got %q, %v", got.Reveal(), err)
		}
	})
	t.Run("setting a secret again overwrites it", func(t *testing.T) {
		k := mockKeyring(t, nil)
		for _, v := range []string{"first", "second"} {
			if err := k.Set(ctx, acct, New(v)); err != nil {
				t.Fatal(err)
			}
		}
		if got, _ := k.Get(ctx, acct); got.Reveal() != "second" {
			t.Fatalf("got %q", got.Reveal())
		}
	})
	t.Run("a deleted secret is no longer found", func(t *testing.T) {
		k := mockKeyring(t, nil)
		if err := k.Set(ctx, acct, New("x")); err != nil {
			t.Fatal(err)
		}
		if err := k.Delete(ctx, acct); err != nil {
			t.Fatal(err)
		}
		if _, err := k.Get(ctx, acct); !errors.Is(err, ErrNotFound) {
			t.Fatalf("got %v, want ErrNotFound", err)
		}
	})
	t.Run("getting a missing secret returns ErrNotFound", func(t *testing.T) {
		k := mockKeyring(t, nil)
		if _, err := k.Get(ctx, "nobody/password"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("got %v, want ErrNotFound", err)
		}
	})
	t.Run("deleting a missing secret returns ErrNotFound", func(t *testing.T) {
		k := mockKeyring(t, nil)
		if err := k.Delete(ctx, "nobody/password"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("got %v, want ErrNotFound", err)
		}
	})
	t.Run("an empty account name is rejected", func(t *testing.T) {
		k := mockKeyring(t, nil)
		if err := k.Set(ctx, "", New("x")); err == nil || !strings.HasPrefix(err.Error(), "secrets: ") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("Check reports a working keychain as nil", func(t *testing.T) {
		k := mockKeyring(t, nil)
		if err := k.Check(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestErrorMapping(t *testing.T) {
	const value = "TopSecretValue-42"
	tests := []struct {
		name        string
		backendErr  error
		noBus       bool   // run without DBUS_SESSION_BUS_ADDRESS
		setOnly     bool   // only Set knows the value it could leak
		wantIs      error  // errors.Is target, if any
		wantCause   string // substring of UnavailableError.Cause; "" means not unavailable
		wantMessage string // substring of Error()
	}{
		{
			name:       "go-keyring's not-found becomes ErrNotFound",
			backendErr: keyring.ErrNotFound, wantIs: ErrNotFound,
			wantMessage: "secrets: not found in the keychain",
		},
		{
			name:       "a value that is too big names the limit",
			backendErr: keyring.ErrSetDataTooBig, wantIs: keyring.ErrSetDataTooBig,
			wantMessage: "secrets: value too large for the keychain",
		},
		{
			name:       "a Secret Service name nobody provides means no Secret Service",
			backendErr: errors.New("The name org.freedesktop.secrets was not provided by any .service files"),
			wantCause:  "no Secret Service on the session bus", wantMessage: "gnome-keyring-daemon",
		},
		{
			name:       "a bare ServiceUnknown D-Bus error means no Secret Service",
			backendErr: errors.New("org.freedesktop.DBus.Error.ServiceUnknown"),
			wantCause:  "no Secret Service on the session bus", wantMessage: "KeePassXC",
		},
		{
			name:       "a failed bus connection means no Secret Service",
			backendErr: errors.New("dial unix /run/user/1000/bus: connect: no such file or directory"),
			wantCause:  "no Secret Service on the session bus",
		},
		{
			name:       "any error without a session bus address means no Secret Service",
			backendErr: errors.New("dbus: authentication failed"), noBus: true,
			wantCause: "no Secret Service on the session bus",
		},
		{
			name:       "a locked collection means the keychain is locked",
			backendErr: errors.New("Cannot create an item in a locked collection"),
			wantCause:  "the keychain is locked", wantMessage: "unlock your keychain",
		},
		{
			name:       "an IsLocked D-Bus error means the keychain is locked",
			backendErr: errors.New("org.freedesktop.Secret.Error.IsLocked"),
			wantCause:  "the keychain is locked",
		},
		{
			name:       "a dismissed unlock prompt means the keychain is locked",
			backendErr: errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'"),
			wantCause:  "the keychain is locked",
		},
		{
			name:        "any other error is wrapped as a keychain error",
			backendErr:  errors.New("org.freedesktop.DBus.Error.NoReply"),
			wantMessage: "secrets: keychain error: org.freedesktop.DBus.Error.NoReply",
		},
		{
			name:       "an error that echoes the value is withheld",
			backendErr: errors.New("bad value " + value), setOnly: true,
			wantMessage: "secrets: keychain error: keychain error details withheld",
		},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := mockKeyring(t, tt.backendErr)
			if tt.noBus {
				t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
			}
			errs := map[string]error{"Set": k.Set(ctx, "owner/password", New(value))}
			if !tt.setOnly {
				_, errs["Get"] = k.Get(ctx, "owner/password")
				errs["Delete"] = k.Delete(ctx, "owner/password")
			}
			for op, err := range errs {
				if err == nil {
					t.Fatalf("%s: want an error", op)
				}
				msg := err.Error()
				if strings.Contains(msg, value) {
					t.Fatalf("%s: error contains the secret: %s", op, msg)
				}
				if !strings.HasPrefix(msg, "secrets: ") || msg[len("secrets: ")] != strings.ToLower(msg)[len("secrets: ")] {
					t.Errorf("%s: error is not a lowercase secrets: error: %s", op, msg)
				}
				if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
					t.Errorf("%s: %v is not %v", op, err, tt.wantIs)
				}
				if !strings.Contains(msg, tt.wantMessage) {
					t.Errorf("%s: %q does not contain %q", op, msg, tt.wantMessage)
				}
				var ue *UnavailableError
				switch isUE := errors.As(err, &ue); {
				case tt.wantCause == "" && isUE:
					t.Errorf("%s: unexpected UnavailableError: %v", op, err)
				case tt.wantCause != "" && !isUE:
					t.Errorf("%s: want UnavailableError, got %T: %v", op, err, err)
				case isUE && !strings.Contains(ue.Cause, tt.wantCause):
					t.Errorf("%s: cause %q does not contain %q", op, ue.Cause, tt.wantCause)
				case isUE && !errors.Is(err, tt.backendErr) && !strings.Contains(tt.backendErr.Error(), value):
					t.Errorf("%s: UnavailableError does not wrap the backend error", op)
				}
			}
		})
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name       string
		backendErr error
		wantCause  string
	}{
		{"a missing probe entry counts as working", keyring.ErrNotFound, ""},
		{"a locked keychain is unavailable", errors.New("org.freedesktop.Secret.Error.IsLocked"), "the keychain is locked"},
		{"a missing Secret Service is unavailable", errors.New("The name org.freedesktop.secrets was not provided by any .service files"), "no Secret Service on the session bus"},
		{"an unknown failure is still reported as unavailable", errors.New("org.freedesktop.DBus.Error.NoReply"), "the keychain check failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := mockKeyring(t, tt.backendErr).Check(context.Background())
			if tt.wantCause == "" {
				if err != nil {
					t.Fatalf("want nil, got %v", err)
				}
				return
			}
			var ue *UnavailableError
			if !errors.As(err, &ue) {
				t.Fatalf("want *UnavailableError, got %T: %v", err, err)
			}
			if !strings.Contains(ue.Cause, tt.wantCause) {
				t.Fatalf("cause %q does not contain %q", ue.Cause, tt.wantCause)
			}
		})
	}
}

func TestUnavailableErrorText(t *testing.T) {
	tests := []struct {
		name string
		err  *UnavailableError
		want string
	}{
		{"cause and advice are joined by a semicolon", &UnavailableError{Cause: "c", Advice: "a"}, "secrets: keychain unavailable: c; a"},
		{"a missing advice leaves no dangling semicolon", &UnavailableError{Cause: "c"}, "secrets: keychain unavailable: c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// hangingBackend blocks every call until release is closed, like a keychain
// waiting for an unlock prompt nobody answers. started receives once per
// call that reached the backend.
type hangingBackend struct {
	release chan struct{}
	started chan struct{}
	calls   atomic.Int32
}

func newHangingBackend(t *testing.T) *hangingBackend {
	h := &hangingBackend{release: make(chan struct{}), started: make(chan struct{}, 16)}
	t.Cleanup(func() { close(h.release) })
	return h
}

func (h *hangingBackend) enter() {
	h.calls.Add(1)
	h.started <- struct{}{}
	<-h.release
}

func (h *hangingBackend) Get(string, string) (string, error) {
	h.enter()
	return "late", nil
}

func (h *hangingBackend) Set(string, string, string) error {
	h.enter()
	return nil
}

func (h *hangingBackend) Delete(string, string) error {
	h.enter()
	return nil
}

// manualClock is the Keychain's clock in tests: Now stands still and every
// timer waits until the test fires it, so no test depends on how fast the
// machine is.
type manualClock struct {
	now    time.Time
	timers chan manualTimer
}

// manualTimer is one timer the Keychain asked for.
type manualTimer struct {
	d    time.Duration
	fire chan time.Time
}

func newManualClock() *manualClock {
	// Far in the future, so a context deadline set relative to it never
	// expires on the real clock during the test.
	return &manualClock{now: time.Now().Add(24 * time.Hour), timers: make(chan manualTimer, 16)}
}

func (c *manualClock) Now() time.Time { return c.now }

func (c *manualClock) After(d time.Duration) (<-chan time.Time, func()) {
	t := manualTimer{d: d, fire: make(chan time.Time, 1)}
	c.timers <- t
	return t.fire, func() {}
}

// next returns the next timer the Keychain asked for.
func (c *manualClock) next(t *testing.T) manualTimer {
	t.Helper()
	return <-c.timers
}

// withClock returns a Keychain on b whose timers are under the test's control.
func withClock(timeout time.Duration, b backend) (*Keychain, *manualClock) {
	k := newKeychain(timeout, b)
	c := newManualClock()
	k.clock = c
	return k, c
}

func TestTimeout(t *testing.T) {
	tests := []struct {
		name      string
		timeout   time.Duration
		ctxLimit  time.Duration // 0: no deadline on ctx
		wantCause string
	}{
		{"the keychain timeout applies when the context has no deadline", 50 * time.Millisecond, 0, "the keychain did not answer within 50ms"},
		{"a shorter context deadline wins over the keychain timeout", 5 * time.Second, 60 * time.Millisecond, "the keychain did not answer within 60ms"},
		{"a longer context deadline leaves the keychain timeout in charge", 40 * time.Millisecond, time.Minute, "the keychain did not answer within 40ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, clock := withClock(tt.timeout, newHangingBackend(t))
			ctx := context.Background()
			if tt.ctxLimit > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithDeadline(ctx, clock.Now().Add(tt.ctxLimit))
				defer cancel()
			}
			errc := make(chan error, 1)
			go func() { errc <- k.Set(ctx, "owner/password", New("hunter2")) }()
			timer := clock.next(t)
			timer.fire <- clock.Now()
			err := <-errc
			var ue *UnavailableError
			if !errors.As(err, &ue) {
				t.Fatalf("want *UnavailableError, got %T: %v", err, err)
			}
			if ue.Cause != tt.wantCause {
				t.Errorf("cause %q, want %q", ue.Cause, tt.wantCause)
			}
			if !strings.Contains(ue.Advice, "unlock your keychain") {
				t.Errorf("advice %q does not say to unlock", ue.Advice)
			}
			if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrTimedOut) {
				t.Errorf("%v does not wrap context.DeadlineExceeded and ErrTimedOut", err)
			}
			if errors.Is(err, ErrLocked) || errors.Is(err, ErrNoKeychain) {
				t.Errorf("%v also matches another state", err)
			}
		})
	}

	t.Run("the default timeout is reported as 5s", func(t *testing.T) {
		if got := timedOut(DefaultTimeout, context.DeadlineExceeded).Error(); !strings.Contains(got, "did not answer within 5s;") {
			t.Fatalf("got %q", got)
		}
	})
	t.Run("a caller's cancellation is not reported as an unavailable keychain", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		h := newHangingBackend(t)
		k, _ := withClock(5*time.Second, h)
		errc := make(chan error, 1)
		go func() {
			_, err := k.Get(ctx, "owner/password")
			errc <- err
		}()
		<-h.started
		cancel()
		err := <-errc
		var ue *UnavailableError
		if errors.As(err, &ue) || !errors.Is(err, context.Canceled) {
			t.Fatalf("got %T: %v", err, err)
		}
	})
	t.Run("an already expired context does not call the keychain", func(t *testing.T) {
		h := newHangingBackend(t)
		k, _ := withClock(time.Second, h)
		if _, err := k.Get(expired(t), "owner/password"); err == nil {
			t.Fatal("want an error")
		}
		if n := h.calls.Load(); n != 0 {
			t.Fatalf("backend called %d times", n)
		}
	})
	t.Run("a hung keychain strands only one goroutine however often it is retried", func(t *testing.T) {
		h := newHangingBackend(t)
		k, clock := withClock(20*time.Millisecond, h)
		for i := range 5 {
			errc := make(chan error, 1)
			go func() { errc <- k.Delete(context.Background(), "owner/password") }()
			timer := clock.next(t)
			if i == 0 {
				<-h.started // the first call reaches the backend and hangs there
			}
			timer.fire <- clock.Now()
			if err := <-errc; !errors.Is(err, ErrTimedOut) {
				t.Fatalf("call %d: got %T: %v", i, err, err)
			}
		}
		if n := h.calls.Load(); n != 1 {
			t.Fatalf("backend called %d times, want 1", n)
		}
	})
	t.Run("Check reports a hung keychain as timed out", func(t *testing.T) {
		k, clock := withClock(20*time.Millisecond, newHangingBackend(t))
		errc := make(chan error, 1)
		go func() { errc <- k.Check(context.Background()) }()
		clock.next(t).fire <- clock.Now()
		err := <-errc
		var ue *UnavailableError
		if !errors.As(err, &ue) || !strings.HasPrefix(ue.Cause, "the keychain did not answer within") || !errors.Is(err, ErrTimedOut) {
			t.Fatalf("got %T: %v", err, err)
		}
	})
	t.Run("the keychain works again once a hung call returns", func(t *testing.T) {
		h := &hangingBackend{release: make(chan struct{}), started: make(chan struct{}, 16)}
		k, clock := withClock(20*time.Millisecond, h)
		errc := make(chan error, 1)
		go func() {
			_, err := k.Get(context.Background(), "owner/password")
			errc <- err
		}()
		<-h.started
		clock.next(t).fire <- clock.Now()
		if err := <-errc; !errors.Is(err, ErrTimedOut) {
			t.Fatalf("want a timeout, got %v", err)
		}
		close(h.release)
		// This call's timer is never fired: it waits for the hung call to
		// let go of the keychain, then answers.
		got, err := k.Get(context.Background(), "owner/password")
		if err != nil || got.Reveal() != "late" {
			t.Fatalf("got %q, %v", got.Reveal(), err)
		}
	})
}

// TestUnavailableStatesAreTold checks that callers can tell a locked
// keychain, one that did not answer in time and no keychain at all apart
// with errors.Is, whatever the message.
func TestUnavailableStatesAreTold(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name       string
		backendErr error
		want       error
	}{
		{"an IsLocked D-Bus error is ErrLocked", errors.New("org.freedesktop.Secret.Error.IsLocked"), ErrLocked},
		{"a dismissed unlock prompt is ErrLocked", errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'"), ErrLocked},
		{"macOS refusing interaction is ErrLocked", errors.New("User interaction is not allowed."), ErrLocked},
		{"no Secret Service is ErrNoKeychain", errors.New("The name org.freedesktop.secrets was not provided by any .service files"), ErrNoKeychain},
		{"no bus socket is ErrNoKeychain", errors.New("dial unix /run/user/1000/bus: connect: no such file or directory"), ErrNoKeychain},
		{"an unknown failure is none of the three", errors.New("org.freedesktop.DBus.Error.NoReply"), nil},
	}
	states := []error{ErrLocked, ErrTimedOut, ErrNoKeychain}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := mockKeyring(t, tt.backendErr)
			_, err := k.Get(ctx, "owner/password")
			for _, st := range states {
				if got := errors.Is(err, st); got != (st == tt.want) {
					t.Errorf("errors.Is(%v, %v) = %v", err, st, got)
				}
			}
			if tt.want != nil && State(err) != tt.want {
				t.Errorf("State = %v, want %v", State(err), tt.want)
			}
		})
	}
	t.Run("a missing session bus is ErrNoKeychain before go-keyring is called", func(t *testing.T) {
		k := newKeychain(time.Second, newHangingBackend(t))
		k.preflight = func() error { return noSessionBus() }
		err := k.Set(ctx, "owner/password", New("x"))
		if !errors.Is(err, ErrNoKeychain) || State(err) != ErrNoKeychain {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("the states are not ErrNotFound and ErrNotFound is none of them", func(t *testing.T) {
		for _, st := range states {
			if errors.Is(st, ErrNotFound) || errors.Is(ErrNotFound, st) || State(ErrNotFound) != nil {
				t.Errorf("%v and ErrNotFound mix", st)
			}
		}
	})
}

func expired(t *testing.T) context.Context {
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	t.Cleanup(cancel)
	return ctx
}

func TestSessionBusMissing(t *testing.T) {
	tests := []struct {
		name    string
		env     string
		sockets []string
		want    bool
	}{
		{"a bus address in the environment is enough", "unix:path=/run/user/1000/bus", nil, false},
		{"the systemd user bus socket is found without the variable", "", []string{"/run/user/1000/bus"}, false},
		{"a dbus-session file is found without the variable", "", []string{"/run/user/1000/dbus-session"}, false},
		{"no variable and no socket means no session bus", "", nil, true},
		{"the autolaunch placeholder does not count as an address", "autolaunch:", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == "DBUS_SESSION_BUS_ADDRESS" {
					return tt.env
				}
				return ""
			}
			exists := func(p string) bool {
				for _, s := range tt.sockets {
					if s == p {
						return true
					}
				}
				return false
			}
			if got := sessionBusMissing(getenv, exists, 1000); got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}
