//go:build keychain

// These tests use the real OS keychain (the Secret Service on Linux). Run
// them through scripts/test-keychain.sh, which starts a throwaway D-Bus
// session and gnome-keyring so the user's own keychain is never touched.

package secrets

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

func init() { realKeychainBuild = true }

// realKeychain returns a Keychain on the real keychain, failing the test if
// the keychain does not work, and a random owner so runs never collide.
func realKeychain(t *testing.T) (*Keychain, string) {
	t.Helper()
	if os.Getenv("VMR_TEST_NO_SECRET_SERVICE") == "1" {
		t.Skip("VMR_TEST_NO_SECRET_SERVICE=1: no keychain in this session")
	}
	k := NewKeychain(10 * time.Second)
	if err := k.Check(context.Background()); err != nil {
		t.Fatalf("keychain not usable (run scripts/test-keychain.sh): %v", err)
	}
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return k, "test-" + hex.EncodeToString(b)
}

// forget deletes account when the test ends, whatever happened.
func forget(t *testing.T, k *Keychain, account string) {
	t.Cleanup(func() {
		if err := k.Delete(context.Background(), account); err != nil && !errors.Is(err, ErrNotFound) {
			t.Errorf("cleanup of %s: %v", account, err)
		}
	})
}

// longToken looks like an OAuth refresh token of n characters.
func longToken(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
	var b strings.Builder
	for i := range n {
		b.WriteByte(alphabet[(i*7+i/3)%len(alphabet)])
	}
	return b.String()
}

func TestRealKeychainRoundTrip(t *testing.T) {
	k, owner := realKeychain(t)
	ctx := context.Background()
	tests := []struct {
		name  string
		field string
		value string
	}{
		{"an ASCII password is stored and read back", "password", "correct horse battery staple"},
		{"a unicode value is stored and read back", "unicode", "pässwörd 🔑 密码 Ωμέγα"},
		{"a 4096-character refresh token is stored and read back", "refresh-token", longToken(4096)},
		{"quotes, newlines and surrounding spaces survive", "odd", " a\"b'c\nd\te\\f "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			acct := Account(owner, tt.field)
			forget(t, k, acct)
			if err := k.Set(ctx, acct, New(tt.value)); err != nil {
				t.Fatal(err)
			}
			got, err := k.Get(ctx, acct)
			if err != nil {
				t.Fatal(err)
			}
			if got.Reveal() != tt.value {
				t.Fatalf("read back %d bytes, want %d bytes (values differ)", len(got.Reveal()), len(tt.value))
			}
		})
	}
}

func TestRealKeychainLifecycle(t *testing.T) {
	k, owner := realKeychain(t)
	ctx := context.Background()
	acct := Account(owner, "password")
	forget(t, k, acct)

	t.Run("a missing entry is reported as ErrNotFound", func(t *testing.T) {
		if _, err := k.Get(ctx, acct); !errors.Is(err, ErrNotFound) {
			t.Fatalf("got %v, want ErrNotFound", err)
		}
	})
	t.Run("deleting a missing entry is reported as ErrNotFound", func(t *testing.T) {
		if err := k.Delete(ctx, acct); !errors.Is(err, ErrNotFound) {
			t.Fatalf("got %v, want ErrNotFound", err)
		}
	})
	t.Run("setting an entry twice keeps only the second value", func(t *testing.T) {
		for _, v := range []string{"first", "second"} {
			if err := k.Set(ctx, acct, New(v)); err != nil {
				t.Fatal(err)
			}
		}
		got, err := k.Get(ctx, acct)
		if err != nil || got.Reveal() != "second" {
			t.Fatalf("got %q, %v", got.Reveal(), err)
		}
	})
	t.Run("a deleted entry is gone", func(t *testing.T) {
		if err := k.Delete(ctx, acct); err != nil {
			t.Fatal(err)
		}
		if _, err := k.Get(ctx, acct); !errors.Is(err, ErrNotFound) {
			t.Fatalf("got %v, want ErrNotFound", err)
		}
	})
	t.Run("entries of different owners do not mix", func(t *testing.T) {
		a, b := Account(owner+"-a", "password"), Account(owner+"-b", "password")
		forget(t, k, a)
		forget(t, k, b)
		if err := k.Set(ctx, a, New("for a")); err != nil {
			t.Fatal(err)
		}
		if _, err := k.Get(ctx, b); !errors.Is(err, ErrNotFound) {
			t.Fatalf("got %v, want ErrNotFound", err)
		}
	})
	t.Run("Check reports the keychain as working", func(t *testing.T) {
		if err := k.Check(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestRealKeychainConcurrentUse(t *testing.T) {
	k, owner := realKeychain(t)
	ctx := context.Background()
	shared := Account(owner, "shared")
	forget(t, k, shared)
	if err := k.Set(ctx, shared, New("shared value")); err != nil {
		t.Fatal(err)
	}

	const workers = 8
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		acct := Account(owner, fmt.Sprintf("worker-%d", w))
		forget(t, k, acct)
		wg.Go(func() {
			for i := range 3 {
				want := fmt.Sprintf("value %d of worker %d", i, w)
				if err := k.Set(ctx, acct, New(want)); err != nil {
					errs <- err
					return
				}
				got, err := k.Get(ctx, acct)
				if err != nil || got.Reveal() != want {
					errs <- fmt.Errorf("worker %d: read back wrong value (%v)", w, err)
					return
				}
				if s, err := k.Get(ctx, shared); err != nil || s.Reveal() != "shared value" {
					errs <- fmt.Errorf("worker %d: shared entry wrong (%v)", w, err)
					return
				}
			}
			if err := k.Delete(ctx, acct); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestNoSecretService runs in a D-Bus session without any Secret Service
// (scripts/test-keychain.sh phase 2 sets VMR_TEST_NO_SECRET_SERVICE=1).
func TestNoSecretService(t *testing.T) {
	if os.Getenv("VMR_TEST_NO_SECRET_SERVICE") != "1" {
		t.Skip("needs a session bus without a Secret Service (VMR_TEST_NO_SECRET_SERVICE=1)")
	}
	k := NewKeychain(5 * time.Second)
	ctx := context.Background()
	const value = "must-not-leak-0xC0FFEE"

	t.Run("Check reports that there is no Secret Service on the session bus", func(t *testing.T) {
		err := k.Check(ctx)
		var ue *UnavailableError
		if !errors.As(err, &ue) {
			t.Fatalf("want *UnavailableError, got %T: %v", err, err)
		}
		if !strings.Contains(ue.Cause, "no Secret Service on the session bus") {
			t.Fatalf("cause %q does not mention the missing Secret Service (underlying: %v)", ue.Cause, ue.Err)
		}
		if !errors.Is(err, ErrNoKeychain) || errors.Is(err, ErrLocked) || errors.Is(err, ErrTimedOut) {
			t.Fatalf("%v is not ErrNoKeychain alone", err)
		}
		t.Logf("error shown to users: %v (underlying: %v)", err, ue.Err)
	})
	t.Run("Set fails without falling back and without showing the value", func(t *testing.T) {
		err := k.Set(ctx, Account("owner", "password"), New(value))
		var ue *UnavailableError
		if !errors.As(err, &ue) {
			t.Fatalf("want *UnavailableError, got %T: %v", err, err)
		}
		if strings.Contains(err.Error(), value) || strings.Contains(fmt.Sprint(ue.Err), value) {
			t.Fatal("error contains the secret value")
		}
	})
}

// TestLockedKeychain runs against a gnome-keyring whose login collection
// was locked over D-Bus (scripts/test-keychain.sh phase 3 sets
// VMR_TEST_LOCKED_KEYCHAIN=1). No prompter runs in that session, so the
// unlock go-keyring asks for is refused at once.
func TestLockedKeychain(t *testing.T) {
	if os.Getenv("VMR_TEST_LOCKED_KEYCHAIN") != "1" {
		t.Skip("needs a locked gnome-keyring (VMR_TEST_LOCKED_KEYCHAIN=1)")
	}
	k := NewKeychain(30 * time.Second)
	ctx := context.Background()
	for _, op := range []struct {
		name string
		call func() error
	}{
		{"Get", func() error { _, err := k.Get(ctx, Account("owner", "password")); return err }},
		{"Set", func() error { return k.Set(ctx, Account("owner", "password"), New("x")) }},
		{"Check", func() error { return k.Check(ctx) }},
	} {
		t.Run(op.name+" reports the keychain as locked, not missing or slow", func(t *testing.T) {
			err := op.call()
			if !errors.Is(err, ErrLocked) || errors.Is(err, ErrTimedOut) || errors.Is(err, ErrNoKeychain) {
				var ue *UnavailableError
				errors.As(err, &ue)
				t.Fatalf("got %v (underlying %v), want ErrLocked only", err, ue)
			}
		})
	}
}
