package devcert

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vmr-companion/backend/secrets"
)

// flakyKeys is a KeyStore on the in-memory keychain whose calls fail with
// a chosen keychain state. With lateSet, a failed Set still stores the
// value, like a keychain that timed out and then finished the call.
type flakyKeys struct {
	mem     *secrets.Keychain
	state   error // secrets.ErrLocked, ErrTimedOut or ErrNoKeychain; nil: works
	lateSet bool
}

func (f *flakyKeys) fail() error {
	if f.state == nil {
		return nil
	}
	return &secrets.UnavailableError{Cause: f.state.Error(), State: f.state}
}

func (f *flakyKeys) Get(ctx context.Context, account string) (secrets.Secret, error) {
	if err := f.fail(); err != nil {
		return secrets.Secret{}, err
	}
	return f.mem.Get(ctx, account)
}

func (f *flakyKeys) Set(ctx context.Context, account string, s secrets.Secret) error {
	if err := f.fail(); err != nil {
		if f.lateSet {
			_ = f.mem.Set(ctx, account, s)
		}
		return err
	}
	return f.mem.Set(ctx, account, s)
}

func (f *flakyKeys) Delete(ctx context.Context, account string) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.mem.Delete(ctx, account)
}

// TestTheKeyFileFallbackIsNeverSilent checks that a CA key written to the
// fallback file says why (locked, timed out, no keychain), and that the
// file goes as soon as the key is in the keychain.
func TestTheKeyFileFallbackIsNeverSilent(t *testing.T) {
	ctx := context.Background()
	states := []struct {
		name  string
		state error
		text  string
	}{
		{"a locked keychain", secrets.ErrLocked, "the keychain is locked"},
		{"a keychain that did not answer in time", secrets.ErrTimedOut, "the keychain did not answer in time"},
		{"no keychain", secrets.ErrNoKeychain, "no keychain is available"},
	}
	for _, tt := range states {
		t.Run(tt.name+" is named as the reason for the key file", func(t *testing.T) {
			dir := t.TempDir()
			keys := &flakyKeys{mem: memoryKeychain(t), state: tt.state}
			a, err := LoadOrCreate(ctx, Options{Dir: dir, Keys: keys})
			if err != nil {
				t.Fatal(err)
			}
			if a.KeyLocation() != filepath.Join(dir, KeyFile) {
				t.Fatalf("KeyLocation = %q", a.KeyLocation())
			}
			if !errors.Is(a.KeyFileReason(), tt.state) {
				t.Errorf("KeyFileReason = %v, want %v", a.KeyFileReason(), tt.state)
			}
			notice := a.KeyNotice()
			if !strings.Contains(notice, tt.text) || !strings.Contains(notice, filepath.Join(dir, KeyFile)) {
				t.Errorf("KeyNotice = %q, want the reason %q and the file", notice, tt.text)
			}
			again, err := LoadOrCreate(ctx, Options{Dir: dir, Keys: keys})
			if err != nil {
				t.Fatal(err)
			}
			if !errors.Is(again.KeyFileReason(), tt.state) || again.KeyNotice() == "" {
				t.Errorf("after a restart: reason %v, notice %q", again.KeyFileReason(), again.KeyNotice())
			}
		})
	}

	t.Run("a key in the keychain gives no notice", func(t *testing.T) {
		a := newAuthority(t, newFakeClock())
		if a.KeyFileReason() != nil || a.KeyNotice() != "" {
			t.Errorf("reason %v, notice %q", a.KeyFileReason(), a.KeyNotice())
		}
	})

	t.Run("the key file moves into the keychain once it works, and the file is removed", func(t *testing.T) {
		dir := t.TempDir()
		keys := &flakyKeys{mem: memoryKeychain(t), state: secrets.ErrLocked}
		first, err := LoadOrCreate(ctx, Options{Dir: dir, Keys: keys})
		if err != nil {
			t.Fatal(err)
		}
		keys.state = nil // unlocked
		a, err := LoadOrCreate(ctx, Options{Dir: dir, Keys: keys})
		if err != nil {
			t.Fatal(err)
		}
		if !a.Certificate().Equal(first.Certificate()) || a.KeyLocation() != KeyInKeychain || a.KeyNotice() != "" {
			t.Errorf("same CA %v, KeyLocation %q, notice %q", a.Certificate().Equal(first.Certificate()), a.KeyLocation(), a.KeyNotice())
		}
		if _, err := os.Stat(filepath.Join(dir, KeyFile)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the key file is still there (err %v)", err)
		}
		s, err := keys.mem.Get(ctx, KeyAccount)
		if err != nil {
			t.Fatal(err)
		}
		if k, err := parseKeyPEM([]byte(s.Reveal())); err != nil || !k.PublicKey.Equal(a.Certificate().PublicKey) {
			t.Errorf("the keychain does not hold the CA key (err %v)", err)
		}
	})

	t.Run("a key that reached the keychain after a timeout removes the file", func(t *testing.T) {
		dir := t.TempDir()
		keys := &flakyKeys{mem: memoryKeychain(t), state: secrets.ErrTimedOut, lateSet: true}
		first, err := LoadOrCreate(ctx, Options{Dir: dir, Keys: keys})
		if err != nil {
			t.Fatal(err)
		}
		keys.state = nil
		a, err := LoadOrCreate(ctx, Options{Dir: dir, Keys: keys})
		if err != nil {
			t.Fatal(err)
		}
		if !a.Certificate().Equal(first.Certificate()) || a.KeyLocation() != KeyInKeychain {
			t.Errorf("KeyLocation %q", a.KeyLocation())
		}
		if _, err := os.Stat(filepath.Join(dir, KeyFile)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the key file is still there next to the keychain copy (err %v)", err)
		}
	})

	t.Run("a stale key in the keychain is replaced by the file's and the file removed", func(t *testing.T) {
		dir := t.TempDir()
		keys := &flakyKeys{mem: memoryKeychain(t)}
		if _, err := LoadOrCreate(ctx, Options{Dir: t.TempDir(), Keys: keys}); err != nil { // leaves another CA's key
			t.Fatal(err)
		}
		keys.state = secrets.ErrNoKeychain
		first, err := LoadOrCreate(ctx, Options{Dir: dir, Keys: keys})
		if err != nil {
			t.Fatal(err)
		}
		keys.state = nil
		a, err := LoadOrCreate(ctx, Options{Dir: dir, Keys: keys})
		if err != nil {
			t.Fatal(err)
		}
		if !a.Certificate().Equal(first.Certificate()) || a.KeyLocation() != KeyInKeychain {
			t.Errorf("same CA %v, KeyLocation %q", a.Certificate().Equal(first.Certificate()), a.KeyLocation())
		}
		if _, err := os.Stat(filepath.Join(dir, KeyFile)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the key file is still there (err %v)", err)
		}
	})
}

// TestDeletingTheCA checks that Delete removes the key from the keychain,
// the key file and ca.pem, so nothing of the CA is left on the machine.
func TestDeletingTheCA(t *testing.T) {
	ctx := context.Background()
	for _, inFile := range []bool{false, true} {
		name := "a CA with its key in the keychain is deleted"
		if inFile {
			name = "a CA with its key in the file is deleted, and the keychain is cleaned too"
		}
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			keys := &flakyKeys{mem: memoryKeychain(t)}
			if inFile {
				keys.state = secrets.ErrLocked
			}
			a, err := LoadOrCreate(ctx, Options{Dir: dir, Keys: keys})
			if err != nil {
				t.Fatal(err)
			}
			keys.state = nil
			if err := a.Delete(ctx); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{CertFile, KeyFile} {
				if _, err := os.Stat(filepath.Join(dir, f)); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("%s is still there (err %v)", f, err)
				}
			}
			if _, err := keys.mem.Get(ctx, KeyAccount); !errors.Is(err, secrets.ErrNotFound) {
				t.Errorf("the keychain still has the key (err %v)", err)
			}
			if _, err := a.IssueLeaf(nil); err == nil {
				t.Error("a deleted CA still issues leaves")
			}
		})
	}
	t.Run("a locked keychain stops the deletion with an error that says so, keeping ca.pem", func(t *testing.T) {
		dir := t.TempDir()
		keys := &flakyKeys{mem: memoryKeychain(t)}
		a, err := LoadOrCreate(ctx, Options{Dir: dir, Keys: keys})
		if err != nil {
			t.Fatal(err)
		}
		keys.state = secrets.ErrLocked
		err = a.Delete(ctx)
		if !errors.Is(err, secrets.ErrLocked) || !strings.HasPrefix(err.Error(), "devcert: ") {
			t.Fatalf("err = %v", err)
		}
		if _, err := os.Stat(filepath.Join(dir, CertFile)); err != nil {
			t.Errorf("ca.pem is gone although the key stayed: %v", err)
		}
	})
}
