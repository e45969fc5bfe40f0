package devcert

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"vmr-companion/backend/secrets"
	"vmr-companion/backend/secrets/secretstest"
)

// The tests route go-keyring to memory (secretstest.MockInit), which is
// process-wide, so none of them runs in parallel.

// fakeClock is a settable clock for Options.Now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// errNoSecretService is what go-keyring reports without a Secret Service;
// the secrets package turns it into an *secrets.UnavailableError.
func errNoSecretService() error {
	return errors.New("The name org.freedesktop.secrets was not provided by any .service files")
}

// memoryKeychain routes the keychain to memory for the rest of the test.
func memoryKeychain(t *testing.T) *secrets.Keychain {
	t.Helper()
	secretstest.MockInit()
	t.Cleanup(secretstest.MockInit)
	return secrets.NewUncheckedKeychain(0)
}

// unavailableKeychain makes every keychain call fail as if no Secret
// Service ran, for the rest of the test.
func unavailableKeychain(t *testing.T) *secrets.Keychain {
	t.Helper()
	secretstest.MockInitWithError(errNoSecretService())
	t.Cleanup(secretstest.MockInit)
	return secrets.NewUncheckedKeychain(0)
}

// newAuthority makes a CA in a fresh directory with an in-memory keychain.
func newAuthority(t *testing.T, clock *fakeClock, extraNames ...string) *Authority {
	t.Helper()
	a, err := LoadOrCreate(context.Background(), Options{
		Dir:        t.TempDir(),
		Keys:       memoryKeychain(t),
		ExtraNames: extraNames,
		Now:        clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}
