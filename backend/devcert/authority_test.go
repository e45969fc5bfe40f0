package devcert

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/secrets"
)

func TestNewCA(t *testing.T) {
	clock := newFakeClock()
	a := newAuthority(t, clock, "Dev.Example.com.")
	ca := a.Certificate()

	tests := []struct {
		name string
		ok   bool
	}{
		{"the CA is a CA", ca.IsCA && ca.BasicConstraintsValid},
		{"the CA cannot sign intermediates", ca.MaxPathLen == 0 && ca.MaxPathLenZero},
		{"the CA only signs certificates and CRLs", ca.KeyUsage == x509.KeyUsageCertSign|x509.KeyUsageCRLSign},
		{"the CA key is ECDSA P-256", isP256(ca.PublicKey)},
		{"the CA is self-signed", ca.CheckSignatureFrom(ca) == nil},
		{"the CA lives two years", ca.NotAfter.Equal(clock.Now().Add(caLifetime).Truncate(time.Second))},
		{"the CA is valid now", !ca.NotBefore.After(clock.Now())},
		{"the name constraints are critical", ca.PermittedDNSDomainsCritical},
		{"localhost and the normalized extra name are the permitted DNS domains", slices.Equal(ca.PermittedDNSDomains, []string{"localhost", "dev.example.com"})},
		{"only loopback IP ranges are permitted", ipRanges(ca) == "127.0.0.0/8 ::1/128"},
		{"the subject names the product", slices.Equal(ca.Subject.Organization, []string{"VMR Companion"})},
		{"the subject names the user and host", len(ca.Subject.OrganizationalUnit) == 1 && ca.Subject.OrganizationalUnit[0] != ""},
		{"the common name ends in a key fingerprint", strings.HasPrefix(ca.Subject.CommonName, namePrefix+" ") && len(ca.Subject.CommonName) == len(namePrefix)+9},
		{"the name used in trust stores is the common name", a.Name() == ca.Subject.CommonName},
		{"the CA needs no regeneration for its own names", len(a.MissingNames()) == 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.ok {
				t.Errorf("failed; CA: %+v", ca)
			}
		})
	}
}

func isP256(pub any) bool {
	k, ok := pub.(*ecdsa.PublicKey)
	return ok && k.Curve == elliptic.P256()
}

func ipRanges(c *x509.Certificate) string {
	var s []string
	for _, r := range c.PermittedIPRanges {
		s = append(s, r.String())
	}
	return strings.Join(s, " ")
}

func TestKeyStorage(t *testing.T) {
	ctx := context.Background()

	t.Run("the key goes to the keychain as PKCS#8 PEM and no key file is written", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		keys := memoryKeychain(t)
		a, err := LoadOrCreate(ctx, Options{Dir: dir, Keys: keys})
		if err != nil {
			t.Fatal(err)
		}
		if a.KeyLocation() != KeyInKeychain {
			t.Errorf("KeyLocation = %q, want %q", a.KeyLocation(), KeyInKeychain)
		}
		s, err := keys.Get(ctx, KeyAccount)
		if err != nil {
			t.Fatal(err)
		}
		key, err := parseKeyPEM([]byte(s.Reveal()))
		if err != nil {
			t.Fatal(err)
		}
		if !key.PublicKey.Equal(a.Certificate().PublicKey) {
			t.Error("the keychain holds a key that does not match the CA")
		}
		if _, err := os.Stat(filepath.Join(dir, KeyFile)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("key file exists (err %v)", err)
		}
		assertMode(t, filepath.Join(dir, CertFile), 0o644)
		assertMode(t, dir, 0o700|os.ModeDir)
	})

	t.Run("a second start loads the same CA from ca.pem and the keychain", func(t *testing.T) {
		dir := t.TempDir()
		keys := memoryKeychain(t)
		first, err := LoadOrCreate(ctx, Options{Dir: dir, Keys: keys})
		if err != nil {
			t.Fatal(err)
		}
		second, err := LoadOrCreate(ctx, Options{Dir: dir, Keys: keys})
		if err != nil {
			t.Fatal(err)
		}
		if !first.Certificate().Equal(second.Certificate()) {
			t.Error("a new CA was made instead of loading the stored one")
		}
		if second.KeyLocation() != KeyInKeychain {
			t.Errorf("KeyLocation = %q", second.KeyLocation())
		}
	})

	t.Run("without a keychain the key goes to a 0600 file that KeyLocation names", func(t *testing.T) {
		dir := t.TempDir()
		keys := unavailableKeychain(t)
		a, err := LoadOrCreate(ctx, Options{Dir: dir, Keys: keys})
		if err != nil {
			t.Fatal(err)
		}
		keyPath := filepath.Join(dir, KeyFile)
		if a.KeyLocation() != keyPath {
			t.Errorf("KeyLocation = %q, want %q", a.KeyLocation(), keyPath)
		}
		assertMode(t, keyPath, 0o600)
		again, err := LoadOrCreate(ctx, Options{Dir: dir, Keys: keys})
		if err != nil {
			t.Fatal(err)
		}
		if !again.Certificate().Equal(a.Certificate()) || again.KeyLocation() != keyPath {
			t.Error("the CA was not reloaded with its key from the file")
		}
	})

	t.Run("a key file in the fallback moves into the keychain once it works", func(t *testing.T) {
		dir := t.TempDir()
		a, err := LoadOrCreate(ctx, Options{Dir: dir, Keys: unavailableKeychain(t)})
		if err != nil {
			t.Fatal(err)
		}
		again, err := LoadOrCreate(ctx, Options{Dir: dir, Keys: memoryKeychain(t)})
		if err != nil {
			t.Fatal(err)
		}
		if !again.Certificate().Equal(a.Certificate()) || again.KeyLocation() != KeyInKeychain {
			t.Errorf("the CA was not reloaded with its key moved to the keychain: %q", again.KeyLocation())
		}
		if _, err := os.Stat(filepath.Join(dir, KeyFile)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("key file still exists (err %v)", err)
		}
	})

	t.Run("a key file readable by others is restricted to 0600 again", func(t *testing.T) {
		dir := t.TempDir()
		keys := unavailableKeychain(t)
		if _, err := LoadOrCreate(ctx, Options{Dir: dir, Keys: keys}); err != nil {
			t.Fatal(err)
		}
		keyPath := filepath.Join(dir, KeyFile)
		if err := os.Chmod(keyPath, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadOrCreate(ctx, Options{Dir: dir, Keys: keys}); err != nil {
			t.Fatal(err)
		}
		assertMode(t, keyPath, 0o600)
	})

	t.Run("a locked keychain holding the key is an error, not a new CA", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := LoadOrCreate(ctx, Options{Dir: dir, Keys: memoryKeychain(t)}); err != nil {
			t.Fatal(err)
		}
		before, _ := os.ReadFile(filepath.Join(dir, CertFile))
		_, err := LoadOrCreate(ctx, Options{Dir: dir, Keys: unavailableKeychain(t)})
		var ue *secrets.UnavailableError
		if !errors.As(err, &ue) || !strings.HasPrefix(err.Error(), "devcert: ") {
			t.Fatalf("err = %v, want a devcert error wrapping *secrets.UnavailableError", err)
		}
		after, _ := os.ReadFile(filepath.Join(dir, CertFile))
		if !bytes.Equal(before, after) {
			t.Error("ca.pem was replaced")
		}
	})
}

func TestReplacingAnUnusableCA(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		spoil func(t *testing.T, dir string, keys *secrets.Keychain, clock *fakeClock)
	}{
		{"a CA whose key is gone is replaced", func(t *testing.T, _ string, keys *secrets.Keychain, _ *fakeClock) {
			if err := keys.Delete(ctx, KeyAccount); err != nil {
				t.Fatal(err)
			}
		}},
		{"a CA whose stored key does not match is replaced", func(t *testing.T, dir string, keys *secrets.Keychain, _ *fakeClock) {
			other, err := LoadOrCreate(ctx, Options{Dir: t.TempDir(), Keys: keys})
			if err != nil || other == nil {
				t.Fatal(err)
			}
		}},
		{"an expired CA is replaced", func(_ *testing.T, _ string, _ *secrets.Keychain, clock *fakeClock) {
			clock.Advance(caLifetime + time.Hour)
		}},
		{"an unreadable ca.pem is replaced", func(t *testing.T, dir string, _ *secrets.Keychain, _ *fakeClock) {
			if err := os.WriteFile(filepath.Join(dir, CertFile), []byte("not a certificate"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			keys := memoryKeychain(t)
			clock := newFakeClock()
			old, err := LoadOrCreate(ctx, Options{Dir: dir, Keys: keys, Now: clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			tt.spoil(t, dir, keys, clock)
			a, err := LoadOrCreate(ctx, Options{Dir: dir, Keys: keys, Now: clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			if a.Certificate().Equal(old.Certificate()) {
				t.Fatal("the old CA was kept")
			}
			stored, err := readCertFile(filepath.Join(dir, CertFile))
			if err != nil || !stored.Equal(a.Certificate()) {
				t.Errorf("ca.pem does not hold the new CA (err %v)", err)
			}
			if _, err := a.IssueLeaf(nil); err != nil {
				t.Errorf("the new CA cannot issue: %v", err)
			}
		})
	}
}

func TestRegenerate(t *testing.T) {
	ctx := context.Background()

	t.Run("regenerating makes a new CA with a new name and stores it", func(t *testing.T) {
		dir := t.TempDir()
		keys := memoryKeychain(t)
		a, err := LoadOrCreate(ctx, Options{Dir: dir, Keys: keys})
		if err != nil {
			t.Fatal(err)
		}
		old := a.Certificate()
		if err := a.Regenerate(ctx); err != nil {
			t.Fatal(err)
		}
		if a.Certificate().Equal(old) || a.Name() == old.Subject.CommonName {
			t.Fatal("Regenerate kept the old CA or its name")
		}
		reloaded, err := LoadOrCreate(ctx, Options{Dir: dir, Keys: keys})
		if err != nil {
			t.Fatal(err)
		}
		if !reloaded.Certificate().Equal(a.Certificate()) {
			t.Error("the regenerated CA was not stored")
		}
	})

	t.Run("names added after the CA was made are missing until it is regenerated", func(t *testing.T) {
		dir := t.TempDir()
		keys := memoryKeychain(t)
		if _, err := LoadOrCreate(ctx, Options{Dir: dir, Keys: keys}); err != nil {
			t.Fatal(err)
		}
		a, err := LoadOrCreate(ctx, Options{Dir: dir, Keys: keys, ExtraNames: []string{"vmr.test"}})
		if err != nil {
			t.Fatal(err)
		}
		if got := a.MissingNames(); !slices.Equal(got, []string{"vmr.test"}) {
			t.Fatalf("MissingNames = %v", got)
		}
		if _, err := a.IssueLeaf([]string{"vmr.test"}); err == nil {
			t.Error("the old CA issued a leaf for a name it does not permit")
		}
		if err := a.Regenerate(ctx); err != nil {
			t.Fatal(err)
		}
		if got := a.MissingNames(); len(got) != 0 {
			t.Errorf("MissingNames after Regenerate = %v", got)
		}
		if _, err := a.IssueLeaf([]string{"vmr.test"}); err != nil {
			t.Error(err)
		}
	})

	t.Run("regenerating without a keychain moves the key to the file", func(t *testing.T) {
		dir := t.TempDir()
		a, err := LoadOrCreate(ctx, Options{Dir: dir, Keys: memoryKeychain(t)})
		if err != nil {
			t.Fatal(err)
		}
		unavailableKeychain(t)
		if err := a.Regenerate(ctx); err != nil {
			t.Fatal(err)
		}
		if a.KeyLocation() != filepath.Join(dir, KeyFile) {
			t.Errorf("KeyLocation = %q", a.KeyLocation())
		}
		assertMode(t, filepath.Join(dir, KeyFile), 0o600)
	})
}

func TestOptionsAreChecked(t *testing.T) {
	keys := memoryKeychain(t)
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{"a missing directory is refused", Options{Keys: keys}, "no data directory"},
		{"a missing key store is refused", Options{Dir: t.TempDir()}, "no key store"},
		{"a top-level domain as extra name is refused", Options{Dir: t.TempDir(), Keys: keys, ExtraNames: []string{"com"}}, "public suffix"},
		{"an IP address as extra name is refused", Options{Dir: t.TempDir(), Keys: keys, ExtraNames: []string{"10.0.0.1"}}, "IP address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadOrCreate(context.Background(), tt.o)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "devcert: ") {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestPrintingAnAuthorityNeverShowsTheKey(t *testing.T) {
	a := newAuthority(t, newFakeClock())
	raw, err := a.key.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	d := hex.EncodeToString(raw)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%d"} {
		t.Run("the verb "+verb+" prints no key", func(t *testing.T) {
			for _, out := range []string{fmt.Sprintf(verb, a), fmt.Sprintf(verb, struct{ A *Authority }{a})} {
				if strings.Contains(out, d) || strings.Contains(out, "PRIVATE KEY") {
					t.Errorf("%s leaked the key: %s", verb, out)
				}
			}
		})
	}
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	if runtime.GOOS == "windows" {
		return // no Unix permission bits; files inherit the folder's ACL
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode() & (os.ModePerm | os.ModeDir); got != want {
		t.Errorf("mode of %s = %v, want %v", filepath.Base(path), got, want)
	}
}

func TestTheKeychainIsAKeyStore(t *testing.T) {
	var _ KeyStore = secrets.NewUncheckedKeychain(0)
}
