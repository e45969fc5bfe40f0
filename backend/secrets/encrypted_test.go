package secrets

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// memVault is a Vault in memory whose Reseal is all or nothing, like the
// store's transaction.
type memVault struct {
	mu sync.Mutex
	m  map[string]Sealed
}

func newMemVault() *memVault { return &memVault{m: map[string]Sealed{}} }

func (v *memVault) GetSealed(_ context.Context, account string) (Sealed, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	s, ok := v.m[account]
	if !ok {
		return Sealed{}, ErrNotFound
	}
	return s, nil
}

func (v *memVault) PutSealed(ctx context.Context, s Sealed) error {
	return v.PutAllSealed(ctx, []Sealed{s})
}

func (v *memVault) PutAllSealed(_ context.Context, all []Sealed) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, s := range all {
		v.m[s.Account] = s
	}
	return nil
}

func (v *memVault) DeleteSealed(_ context.Context, account string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if _, ok := v.m[account]; !ok {
		return ErrNotFound
	}
	delete(v.m, account)
	return nil
}

func (v *memVault) ListSealed(context.Context) ([]Sealed, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	var out []Sealed
	for _, s := range v.m {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Account < out[j].Account })
	return out, nil
}

func (v *memVault) Reseal(_ context.Context, fn func(Sealed) (Sealed, error)) (int, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	next := map[string]Sealed{}
	for a, s := range v.m {
		n, err := fn(s)
		if err != nil {
			return 0, err
		}
		next[a] = n
	}
	v.m = next
	return len(next), nil
}

// snapshot copies the vault's rows, to show that nothing changed.
func (v *memVault) snapshot() map[string]Sealed {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := map[string]Sealed{}
	for a, s := range v.m {
		out[a] = s
	}
	return out
}

func sameRows(a, b map[string]Sealed) bool {
	if len(a) != len(b) {
		return false
	}
	for k, x := range a {
		y := b[k]
		if x.KeyID != y.KeyID || !bytes.Equal(x.Nonce, y.Nonce) || !bytes.Equal(x.Ciphertext, y.Ciphertext) {
			return false
		}
	}
	return true
}

func testKey(t testing.TB) *Key {
	t.Helper()
	k, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// noBus makes sure no test here could reach a Secret Service: the
// encrypted backend must not need one.
func noBus(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
}

func TestEncryptedBackend(t *testing.T) {
	ctx := context.Background()
	const acct, value = "3f2a6a4e-8c1b-4c7e-9d0a-1b2c3d4e5f60/password", "correct horse battery staple"

	t.Run("a stored value reads back, and the vault never holds the plaintext", func(t *testing.T) {
		noBus(t)
		v := newMemVault()
		k := NewEncrypted(v, testKey(t), nil, 0)
		if k.Backend() != BackendEncrypted || k.Encrypted() == nil {
			t.Fatalf("backend %q", k.Backend())
		}
		if err := k.Check(ctx); err != nil {
			t.Fatal(err)
		}
		if err := k.Set(ctx, acct, New(value)); err != nil {
			t.Fatal(err)
		}
		got, err := k.Get(ctx, acct)
		if err != nil || got.Reveal() != value {
			t.Fatalf("got %q, %v", got.Reveal(), err)
		}
		for _, s := range v.snapshot() {
			if bytes.Contains(s.Ciphertext, []byte(value)) || bytes.Contains(s.Nonce, []byte(value)) {
				t.Fatal("the vault holds the plaintext")
			}
		}
	})
	t.Run("each value gets a fresh nonce", func(t *testing.T) {
		key := testKey(t)
		a, _ := key.Seal(acct, New(value))
		b, _ := key.Seal(acct, New(value))
		if bytes.Equal(a.Nonce, b.Nonce) || bytes.Equal(a.Ciphertext, b.Ciphertext) || len(a.Nonce) != 24 {
			t.Fatal("two seals of one value share a nonce or a ciphertext")
		}
	})
	t.Run("a value moved to another account does not open", func(t *testing.T) {
		key := testKey(t)
		s, _ := key.Seal(acct, New(value))
		s.Account = "other/password"
		var ce *CorruptError
		if _, err := key.Open(s); !errors.As(err, &ce) || strings.Contains(err.Error(), value) {
			t.Fatalf("got %v, want a CorruptError", err)
		}
	})
	t.Run("missing values and deletes answer ErrNotFound", func(t *testing.T) {
		k := NewEncrypted(newMemVault(), testKey(t), nil, 0)
		if _, err := k.Get(ctx, acct); !errors.Is(err, ErrNotFound) {
			t.Fatalf("got %v", err)
		}
		if err := k.Delete(ctx, acct); !errors.Is(err, ErrNotFound) {
			t.Fatalf("got %v", err)
		}
		if err := k.Set(ctx, acct, New(value)); err != nil {
			t.Fatal(err)
		}
		if err := k.Delete(ctx, acct); err != nil {
			t.Fatal(err)
		}
		if _, err := k.Get(ctx, acct); !errors.Is(err, ErrNotFound) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("a wrong key is told apart and overwrites nothing", func(t *testing.T) {
		v := newMemVault()
		if err := NewEncrypted(v, testKey(t), nil, 0).Set(ctx, acct, New(value)); err != nil {
			t.Fatal(err)
		}
		before := v.snapshot()
		wrong := NewEncrypted(v, testKey(t), nil, 0)
		var wk *WrongKeyError
		if _, err := wrong.Get(ctx, acct); !errors.As(err, &wk) || !strings.Contains(err.Error(), "wrong key") {
			t.Fatalf("Get: %v", err)
		}
		if err := wrong.Set(ctx, acct, New("other")); !errors.As(err, &wk) {
			t.Fatalf("Set: %v", err)
		}
		if err := wrong.Set(ctx, "new/password", New("other")); !errors.As(err, &wk) {
			t.Fatalf("Set of a new account: %v", err)
		}
		if err := wrong.Delete(ctx, acct); !errors.As(err, &wk) {
			t.Fatalf("Delete: %v", err)
		}
		if err := wrong.Check(ctx); !errors.As(err, &wk) || wk.Accounts[0] != acct {
			t.Fatalf("Check: %v", err)
		}
		n, failed, err := wrong.Encrypted().Verify(ctx)
		if n != 1 || len(failed) != 1 || failed[0] != acct || !errors.As(err, &wk) {
			t.Fatalf("Verify: %d %v %v", n, failed, err)
		}
		if !sameRows(before, v.snapshot()) {
			t.Fatal("the wrong key changed the stored values")
		}
	})
	t.Run("without a key every call says so", func(t *testing.T) {
		_, kerr := ResolveKey("", "")
		k := NewEncrypted(newMemVault(), nil, kerr, 0)
		var nk *NoKeyError
		if err := k.Check(ctx); !errors.As(err, &nk) || !strings.Contains(err.Error(), "has no key") {
			t.Fatalf("Check: %v", err)
		}
		if _, err := k.Get(ctx, acct); !errors.As(err, &nk) {
			t.Fatalf("Get: %v", err)
		}
		if err := k.Set(ctx, acct, New(value)); !errors.As(err, &nk) {
			t.Fatalf("Set: %v", err)
		}
	})
	t.Run("rotate re-encrypts every value; the old key no longer opens them", func(t *testing.T) {
		v := newMemVault()
		old := testKey(t)
		k := NewEncrypted(v, old, nil, 0)
		for _, a := range []string{"a/password", "b/oauth_client_secret"} {
			if err := k.Set(ctx, a, New(value+a)); err != nil {
				t.Fatal(err)
			}
		}
		next := testKey(t)
		if n, err := k.Encrypted().Rotate(ctx, next); err != nil || n != 2 {
			t.Fatalf("rotate: %d %v", n, err)
		}
		fresh := NewEncrypted(v, next, nil, 0)
		for _, a := range []string{"a/password", "b/oauth_client_secret"} {
			got, err := fresh.Get(ctx, a)
			if err != nil || got.Reveal() != value+a {
				t.Fatalf("%s: %q %v", a, got.Reveal(), err)
			}
		}
		if got, err := k.Get(ctx, "a/password"); err != nil || got.Reveal() != value+"a/password" {
			t.Fatalf("the rotating keychain uses the new key: %v", err)
		}
		if _, err := NewEncrypted(v, old, nil, 0).Get(ctx, "a/password"); err == nil {
			t.Fatal("the old key still opens a value")
		}
		if _, err := k.Encrypted().Rotate(ctx, next); err == nil {
			t.Fatal("rotating to the key in use was accepted")
		}
	})
	t.Run("a rotation that meets a value it cannot open changes nothing", func(t *testing.T) {
		v := newMemVault()
		key := testKey(t)
		k := NewEncrypted(v, key, nil, 0)
		for _, a := range []string{"a/password", "b/password"} {
			if err := k.Set(ctx, a, New(value)); err != nil {
				t.Fatal(err)
			}
		}
		bad := v.snapshot()["b/password"]
		bad.Ciphertext = append([]byte(nil), bad.Ciphertext...)
		bad.Ciphertext[0] ^= 1
		v.PutSealed(ctx, bad)
		before := v.snapshot()
		if _, err := k.Encrypted().Rotate(ctx, testKey(t)); err == nil || !strings.Contains(err.Error(), "nothing was changed") {
			t.Fatalf("got %v", err)
		}
		if !sameRows(before, v.snapshot()) {
			t.Fatal("a failed rotation changed values")
		}
		if got, _ := k.Get(ctx, "a/password"); got.Reveal() != value {
			t.Fatal("the key in use changed after a failed rotation")
		}
	})
	t.Run("import refuses a value sealed with another key, importing nothing", func(t *testing.T) {
		v := newMemVault()
		key := testKey(t)
		good, _ := key.Seal("a/password", New(value))
		other, _ := testKey(t).Seal("b/password", New(value))
		k := NewEncrypted(v, key, nil, 0)
		if err := k.Encrypted().Import(ctx, []Sealed{good, other}); err == nil {
			t.Fatal("import accepted a foreign value")
		}
		if len(v.snapshot()) != 0 {
			t.Fatal("a failed import stored values")
		}
		if err := k.Encrypted().Import(ctx, []Sealed{good}); err != nil {
			t.Fatal(err)
		}
		if got, err := k.Get(ctx, "a/password"); err != nil || got.Reveal() != value {
			t.Fatalf("got %q %v", got.Reveal(), err)
		}
	})
}

func TestKeyFiles(t *testing.T) {
	dir := t.TempDir()

	t.Run("init writes a 0600 key file that loads back, and never overwrites", func(t *testing.T) {
		path := filepath.Join(dir, "k")
		k, err := CreateKeyFile(path)
		if err != nil {
			t.Fatal(err)
		}
		fi, _ := os.Stat(path)
		if fi.Mode().Perm() != 0o600 {
			t.Fatalf("mode %v", fi.Mode())
		}
		got, err := LoadKeyFile(path)
		if err != nil || got.ID() != k.ID() || !strings.Contains(got.Source(), path) {
			t.Fatalf("got %v, %v", got, err)
		}
		if _, err := CreateKeyFile(path); err == nil || !strings.Contains(err.Error(), "not overwritten") {
			t.Fatalf("got %v", err)
		}
		if again, _ := LoadKeyFile(path); again.ID() != k.ID() {
			t.Fatal("the key file was overwritten")
		}
	})
	t.Run("a key never prints", func(t *testing.T) {
		k := testKey(t)
		raw := encodeKey(k)
		for _, s := range []string{k.String(), k.GoString()} {
			if strings.Contains(s, strings.TrimSpace(string(raw))) {
				t.Fatal("the key printed")
			}
		}
	})
	t.Run("a key file others can read is refused with what to run", func(t *testing.T) {
		path := filepath.Join(dir, "loose")
		if _, err := CreateKeyFile(path); err != nil {
			t.Fatal(err)
		}
		for _, mode := range []os.FileMode{0o640, 0o604, 0o644} {
			os.Chmod(path, mode)
			if _, err := LoadKeyFile(path); err == nil || !strings.Contains(err.Error(), "chmod 600 "+path) {
				t.Fatalf("mode %o: got %v", mode, err)
			}
		}
	})
	t.Run("a key file of another user is refused with what to run", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("needs root to give a file to another user")
		}
		path := filepath.Join(dir, "nobody")
		if _, err := CreateKeyFile(path); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(path, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadKeyFile(path); err == nil || !strings.Contains(err.Error(), "chown ") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("a file that is not a key is refused without quoting it", func(t *testing.T) {
		path := filepath.Join(dir, "notakey")
		os.WriteFile(path, []byte("hunter2-not-a-key\n"), 0o600)
		if _, err := LoadKeyFile(path); err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "secrets init") {
			t.Fatalf("got %v", err)
		}
		big := filepath.Join(dir, "big")
		os.WriteFile(big, bytes.Repeat([]byte("A"), 4096), 0o600)
		if _, err := LoadKeyFile(big); err == nil {
			t.Fatal("a large file was read as a key")
		}
	})
	t.Run("a missing key file is a NoKeyError", func(t *testing.T) {
		var nk *NoKeyError
		if _, err := LoadKeyFile(filepath.Join(dir, "missing")); !errors.As(err, &nk) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("the systemd credential is used when no key file is named", func(t *testing.T) {
		creds := t.TempDir()
		k := testKey(t)
		os.WriteFile(filepath.Join(creds, CredentialName), encodeKey(k), 0o400)
		got, err := ResolveKey("", creds)
		if err != nil || got.ID() != k.ID() || !strings.Contains(got.Source(), "systemd credential") {
			t.Fatalf("got %v, %v", got, err)
		}
		var nk *NoKeyError
		if _, err := ResolveKey("", t.TempDir()); !errors.As(err, &nk) {
			t.Fatalf("an empty credentials directory: %v", err)
		}
	})
}

// FuzzOpen feeds Open stored rows an attacker with write access to the
// database could make: it must never panic, and never accept a changed
// value.
func FuzzOpen(f *testing.F) {
	key, _ := NewKey()
	good, _ := key.Seal("a/password", New("value"))
	f.Add("a/password", good.Nonce, good.Ciphertext, false)
	f.Add("a/password", []byte{}, []byte{}, false)
	f.Add("b/password", good.Nonce, good.Ciphertext, true)
	f.Add("a/password", good.Nonce[:23], good.Ciphertext[:3], false)
	f.Fuzz(func(t *testing.T, account string, nonce, ct []byte, otherKeyID bool) {
		s := Sealed{Account: account, KeyID: key.ID(), Nonce: nonce, Ciphertext: ct}
		if otherKeyID {
			s.KeyID = "0000000000000000"
		}
		v, err := key.Open(s)
		if err != nil {
			if err.Error() == "" || !strings.HasPrefix(err.Error(), "secrets: ") {
				t.Fatalf("unclear error %q", err)
			}
			return
		}
		unchanged := account == good.Account && bytes.Equal(nonce, good.Nonce) && bytes.Equal(ct, good.Ciphertext)
		if !unchanged || v.Reveal() != "value" {
			t.Fatalf("a changed row opened as %q", v.Reveal())
		}
	})
}
