// Package secrets keeps every secret of VMR Companion (Exchange passwords,
// OAuth client secrets, refresh tokens, ...) in the OS keychain through
// github.com/zalando/go-keyring: the Secret Service on Linux, the Keychain on
// macOS, the Credential Manager on Windows. Secrets never go to SQLite, logs,
// exports or error messages, and there is deliberately no plaintext fallback
// when the keychain cannot be used.
package secrets

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/zalando/go-keyring"
)

// Service is the keychain service name under which every entry is stored.
const Service = "vmr-companion"

// DefaultTimeout bounds a keychain call when NewKeychain gets no timeout.
const DefaultTimeout = 5 * time.Second

// ErrNotFound is returned when the keychain has no entry for an account.
var ErrNotFound = errors.New("secrets: not found in the keychain")

// The states of an unusable keychain. An *UnavailableError matches at most
// one of them with errors.Is, so callers can tell them apart: a locked
// keychain may hold the value and can be unlocked; one that timed out may
// be waiting for an unlock prompt (and may still finish the call late);
// with no keychain at all nothing was or will be stored.
var (
	ErrLocked     = errors.New("secrets: the keychain is locked")
	ErrTimedOut   = errors.New("secrets: the keychain did not answer in time")
	ErrNoKeychain = errors.New("secrets: no keychain is available")
)

// State returns ErrLocked, ErrTimedOut or ErrNoKeychain when err says the
// keychain is in that state, and nil otherwise.
func State(err error) error {
	for _, st := range []error{ErrLocked, ErrTimedOut, ErrNoKeychain} {
		if errors.Is(err, st) {
			return st
		}
	}
	return nil
}

// probeAccount is read by Check; it is never written, so "not found" is the
// expected answer of a working keychain.
const probeAccount = "vmr-companion-availability-probe"

const (
	adviceUnlock    = "unlock your keychain (on Linux: gnome-keyring or KeePassXC Secret Service) and try again"
	adviceNoService = "start a Secret Service inside your desktop session: run gnome-keyring-daemon --start --components=secrets, or enable the Secret Service integration of KeePassXC"
	causeNoService  = "no Secret Service on the session bus"
	causeLocked     = "the keychain is locked"
)

// UnavailableError means the keychain cannot be used at all: no Secret
// Service on the session bus, the keychain is locked, a call timed out, ...
// Its text never contains a secret value.
type UnavailableError struct {
	Cause  string // what is wrong, e.g. "the keychain is locked"
	Advice string // what the user can do about it
	Err    error  // underlying error, if any
	// State is ErrLocked, ErrTimedOut, ErrNoKeychain, or nil when the
	// failure is none of those.
	State error
}

// Error returns "secrets: keychain unavailable: <Cause>; <Advice>".
func (e *UnavailableError) Error() string {
	msg := "secrets: keychain unavailable: " + e.Cause
	if e.Advice != "" {
		msg += "; " + e.Advice
	}
	return msg
}

// Unwrap returns the underlying error and the state.
func (e *UnavailableError) Unwrap() []error {
	var errs []error
	for _, err := range []error{e.Err, e.State} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// Account names the keychain entry of one field of one owner:
// "<ownerUUID>/<field>", e.g. Account(integrationID, "password").
func Account(ownerUUID, field string) string { return ownerUUID + "/" + field }

// backend is the part of go-keyring that Keychain uses; tests swap it for a
// hanging or failing one.
type backend interface {
	Get(service, account string) (string, error)
	Set(service, account, value string) error
	Delete(service, account string) error
}

// goKeyring is the real backend: the package-level go-keyring functions
// (which keyring.MockInit can redirect to memory in tests).
type goKeyring struct{}

func (goKeyring) Get(service, account string) (string, error) { return keyring.Get(service, account) }
func (goKeyring) Set(service, account, value string) error {
	return keyring.Set(service, account, value)
}
func (goKeyring) Delete(service, account string) error { return keyring.Delete(service, account) }

// Keychain stores secrets in the OS keychain under Service. Every call is
// bounded by a timeout. It is safe for concurrent use; create it with
// NewKeychain (the zero Keychain is not usable).
type Keychain struct {
	timeout time.Duration
	backend backend
	// slot admits one backend call at a time. A call that timed out keeps
	// its slot until the backend finally returns, so a hung keychain (e.g.
	// an unlock prompt nobody answers) strands at most one goroutine and
	// one prompt instead of one per retry.
	slot chan struct{}
	// preflight, when set, runs before every call and can report the
	// keychain unavailable without touching it.
	preflight func() error
	// clock times calls out; tests replace it.
	clock clock
	// mapErr turns a backend error into this package's errors: mapError
	// for go-keyring; the encrypted backend's errors are already ours.
	mapErr func(err error, secret string) error
	// encrypted is set when the backend is the encrypted one.
	encrypted *Encrypted
}

// clock is the time source of call timeouts.
type clock interface {
	Now() time.Time
	// After returns a channel that receives once d has passed, and a
	// function that releases the timer early.
	After(d time.Duration) (<-chan time.Time, func())
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) After(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTimer(d)
	return t.C, func() { t.Stop() }
}

// NewKeychain returns a Keychain whose calls time out after timeout
// (DefaultTimeout when timeout <= 0) or at the context deadline, whichever
// comes first.
func NewKeychain(timeout time.Duration) *Keychain {
	k := newKeychain(timeout, goKeyring{})
	if runtime.GOOS == "linux" {
		k.preflight = func() error {
			if sessionBusMissing(os.Getenv, fileExists, os.Getuid()) {
				return noSessionBus()
			}
			return nil
		}
	}
	return k
}

// NewUncheckedKeychain is NewKeychain without the Linux session-bus check,
// for tests that route go-keyring to memory with keyring.MockInit and so
// need no session bus.
func NewUncheckedKeychain(timeout time.Duration) *Keychain {
	return newKeychain(timeout, goKeyring{})
}

func newKeychain(timeout time.Duration, b backend) *Keychain {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Keychain{timeout: timeout, backend: b, slot: make(chan struct{}, 1), clock: realClock{}, mapErr: mapError}
}

// Backend names where k keeps secrets: "keychain" (the OS keychain) or
// "encrypted" (sealed in the data folder's database).
func (k *Keychain) Backend() string {
	if k.encrypted != nil {
		return BackendEncrypted
	}
	return BackendKeychain
}

// The backends, as --secrets names them.
const (
	BackendKeychain  = "keychain"
	BackendEncrypted = "encrypted"
)

// Encrypted returns the encrypted backend, or nil for the OS keychain.
func (k *Keychain) Encrypted() *Encrypted { return k.encrypted }

// noSessionBus is the error of a Linux session without a session bus.
func noSessionBus() error {
	return &UnavailableError{
		Cause:  causeNoService,
		Advice: adviceNoService,
		Err:    errors.New("secrets: DBUS_SESSION_BUS_ADDRESS is not set and no session bus socket was found"),
		State:  ErrNoKeychain,
	}
}

// Get returns the secret stored for account, or ErrNotFound.
func (k *Keychain) Get(ctx context.Context, account string) (Secret, error) {
	if err := checkAccount(account); err != nil {
		return Secret{}, err
	}
	v, err := k.call(ctx, "", func(b backend) (string, error) { return b.Get(Service, account) })
	if err != nil {
		return Secret{}, err
	}
	return New(v), nil
}

// Set stores s for account, replacing any previous value.
func (k *Keychain) Set(ctx context.Context, account string, s Secret) error {
	if err := checkAccount(account); err != nil {
		return err
	}
	v := s.Reveal()
	_, err := k.call(ctx, v, func(b backend) (string, error) { return "", b.Set(Service, account, v) })
	return err
}

// Delete removes the entry of account; it returns ErrNotFound when there is
// none, so callers that only want it gone can ignore that with errors.Is.
func (k *Keychain) Delete(ctx context.Context, account string) error {
	if err := checkAccount(account); err != nil {
		return err
	}
	_, err := k.call(ctx, "", func(b backend) (string, error) { return "", b.Delete(Service, account) })
	return err
}

// Check probes that the keychain works by reading an account that never
// exists. It returns nil or an *UnavailableError.
//
// With the encrypted backend it returns nil, a *NoKeyError (no key) or a
// *WrongKeyError (stored values sealed with another key).
func (k *Keychain) Check(ctx context.Context) error {
	if k.encrypted != nil {
		return k.encrypted.Check(ctx)
	}
	_, err := k.Get(ctx, probeAccount)
	if err == nil || errors.Is(err, ErrNotFound) {
		return nil
	}
	var ue *UnavailableError
	if errors.As(err, &ue) {
		return ue
	}
	return &UnavailableError{
		Cause:  "the keychain check failed (" + strings.TrimPrefix(err.Error(), "secrets: ") + ")",
		Advice: adviceUnlock,
		Err:    err,
	}
}

func checkAccount(account string) error {
	if account == "" {
		return errors.New("secrets: empty account name")
	}
	return nil
}

// running counts backend operations still in progress, including those
// whose caller stopped waiting.
var running sync.WaitGroup

// Settle waits until every keychain operation this process started has
// returned, including those a caller gave up on. Tests call it before they
// replace go-keyring's process-wide mock, which such a late operation may
// still be reading.
func Settle() { running.Wait() }

// call runs op on the backend with a deadline of min(ctx deadline,
// k.timeout). secret is the value being written, if any; it is used only to
// make sure it cannot leak through an error text.
//
// go-keyring calls cannot be cancelled, so on timeout the goroutine running
// op outlives call: it finishes (or stays blocked) in the background and its
// result is dropped.
func (k *Keychain) call(ctx context.Context, secret string, op func(backend) (string, error)) (string, error) {
	if k.preflight != nil {
		if err := k.preflight(); err != nil {
			return "", err
		}
	}
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("secrets: keychain call not started: %w", err)
	}
	limit := k.timeout
	if dl, ok := ctx.Deadline(); ok {
		if left := dl.Sub(k.clock.Now()); left < limit {
			limit = left
		}
	}
	timer, stop := k.clock.After(limit)
	defer stop()

	// A free slot is taken at once, so a call never loses the race
	// against its own timer while the keychain is idle.
	select {
	case k.slot <- struct{}{}:
	default:
		select {
		case k.slot <- struct{}{}:
		case <-timer:
			return "", timedOut(limit, context.DeadlineExceeded)
		case <-ctx.Done():
			return "", doneError(ctx, limit)
		}
	}
	type result struct {
		v   string
		err error
	}
	done := make(chan result, 1) // buffered: a late result must not block the goroutine
	running.Add(1)
	go func() {
		defer running.Done()
		defer func() { <-k.slot }()
		v, err := op(k.backend)
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, k.mapErr(r.err, secret)
	case <-timer:
		return "", timedOut(limit, context.DeadlineExceeded)
	case <-ctx.Done():
		return "", doneError(ctx, limit)
	}
}

// doneError explains why ctx ended: a deadline means the keychain did not
// answer in time; anything else is the caller's cancellation.
func doneError(ctx context.Context, limit time.Duration) error {
	err := ctx.Err()
	if errors.Is(err, context.DeadlineExceeded) {
		return timedOut(limit, err)
	}
	return fmt.Errorf("secrets: keychain call canceled: %w", err)
}

// timedOut is the error of a call that got no answer within limit.
func timedOut(limit time.Duration, err error) error {
	return &UnavailableError{
		Cause:  "the keychain did not answer within " + formatDuration(limit),
		Advice: adviceUnlock,
		Err:    err,
		State:  ErrTimedOut,
	}
}

// formatDuration rounds a limit for humans: 5s, 1.5s, 250ms.
func formatDuration(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(100 * time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(time.Millisecond).String()
	default:
		return d.String()
	}
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// mapError turns a go-keyring error into ErrNotFound, an *UnavailableError,
// a size error or a generic "secrets: keychain error". The value being
// written is never formatted; if a backend error ever echoed it, the error
// is replaced by one that withholds the details.
func mapError(err error, secret string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, keyring.ErrNotFound):
		return ErrNotFound
	case errors.Is(err, keyring.ErrSetDataTooBig):
		return fmt.Errorf("secrets: value too large for the keychain (%s): %w", sizeLimit(), keyring.ErrSetDataTooBig)
	}
	if secret != "" && strings.Contains(err.Error(), secret) {
		err = errors.New("keychain error details withheld because they contained the secret value")
	}
	// Substrings (lowercase) of go-keyring, godbus and Secret Service
	// error texts; the D-Bus error names are matched too because
	// dbus.Error prints its name when it has no message.
	lockedHints := []string{
		"islocked", // org.freedesktop.Secret.Error.IsLocked
		"is locked",
		"locked collection", // gnome-keyring: "Cannot create an item in a locked collection"
		"locked object",
		"failed to unlock", // go-keyring: the unlock prompt was dismissed
		"dismissed",
		"user interaction is not allowed", // macOS: keychain locked and no UI
	}
	noServiceHints := []string{
		"org.freedesktop.secrets was not provided", // nothing owns or activates the name
		"serviceunknown", // org.freedesktop.DBus.Error.ServiceUnknown
		"no such service",
		"could not connect to the bus",
		"couldn't determine address of session bus", // godbus found no bus
		"dbus-launch",                               // godbus tried to start a bus and failed
		"dial unix",                                 // bus socket missing or dead
	}
	msg := strings.ToLower(err.Error())
	switch {
	case containsAny(msg, lockedHints):
		return &UnavailableError{Cause: causeLocked, Advice: adviceUnlock, Err: err, State: ErrLocked}
	case containsAny(msg, noServiceHints),
		// Without a session bus address godbus cannot reach any Secret
		// Service, whatever the error text says.
		runtime.GOOS == "linux" && os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "":
		return &UnavailableError{Cause: causeNoService, Advice: adviceNoService, Err: err, State: ErrNoKeychain}
	}
	return fmt.Errorf("secrets: keychain error: %w", err)
}

// sizeLimit names the platform's limit for keychain values, as enforced by
// go-keyring.
func sizeLimit() string {
	switch runtime.GOOS {
	case "windows":
		return "the Windows Credential Manager stores at most 2560 bytes per value"
	case "darwin":
		return "the macOS keychain accepts about 3000 bytes of value once encoded, as service, account and base64 value must fit in 4096 bytes"
	default:
		return "the Secret Service rejected the size of the value"
	}
}

// sessionBusMissing reports that godbus would find no session bus: no
// DBUS_SESSION_BUS_ADDRESS and no socket in /run/user/<uid>. godbus would
// then run dbus-launch, which starts a stray private bus (and with it an
// auto-activated, locked gnome-keyring) instead of reaching the user's
// keychain, so Keychain reports the problem without calling go-keyring.
func sessionBusMissing(getenv func(string) string, exists func(string) bool, uid int) bool {
	if addr := getenv("DBUS_SESSION_BUS_ADDRESS"); addr != "" && addr != "autolaunch:" {
		return false
	}
	dir := filepath.Join("/run/user", strconv.Itoa(uid))
	return !exists(filepath.Join(dir, "bus")) && !exists(filepath.Join(dir, "dbus-session"))
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
