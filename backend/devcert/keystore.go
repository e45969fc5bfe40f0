package devcert

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"vmr-companion/backend/secrets"
)

// Where the CA private key is kept: in the OS keychain, or in a 0600 file
// beside ca.pem only while no keychain can be used.

const (
	// KeyAccount is the keychain account holding the CA private key as
	// PKCS#8 PEM.
	KeyAccount = "devcert/ca-key"
	// KeyInKeychain is what KeyLocation returns when the key is in the
	// keychain.
	KeyInKeychain = "keychain"
	// KeyFile is the fallback for the CA private key in Options.Dir, used
	// only when the keychain is unavailable.
	KeyFile = "ca-key.pem"

	pemPrivateKey = "PRIVATE KEY"
)

// KeyStore keeps the CA private key. *secrets.Keychain satisfies it.
type KeyStore interface {
	Get(ctx context.Context, account string) (secrets.Secret, error)
	Set(ctx context.Context, account string, s secrets.Secret) error
	Delete(ctx context.Context, account string) error
}

// KeyFileReason says why the CA key is in the fallback file rather than
// the keychain: an error matching secrets.ErrLocked, ErrTimedOut or
// ErrNoKeychain (or another keychain failure). It is nil when the key is in
// the keychain.
func (a *Authority) KeyFileReason() error {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.keyFileReason
}

// KeyState names why the key is in the fallback file, for JSON and the
// window: "locked", "timed_out", "no_keychain" or "keychain_error"; "" when
// the key is in the keychain.
func (a *Authority) KeyState() string {
	reason := a.KeyFileReason()
	switch st := secrets.State(reason); {
	case reason == nil:
		return ""
	case st == secrets.ErrLocked:
		return "locked"
	case st == secrets.ErrTimedOut:
		return "timed_out"
	case st == secrets.ErrNoKeychain:
		return "no_keychain"
	}
	return "keychain_error"
}

// KeyNotice is the warning to show wherever the CA is shown (serve's
// banner, the window, cert status) while its key is in the fallback file:
// the file, why, and what to do. It is "" when the key is in the keychain.
func (a *Authority) KeyNotice() string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.keyFileReason == nil {
		return ""
	}
	why, todo := "the keychain could not be used", "Fix the keychain and run `vmr-companion cert status`"
	switch secrets.State(a.keyFileReason) {
	case secrets.ErrLocked:
		why, todo = "the keychain is locked", "Unlock the keychain and run `vmr-companion cert status`"
	case secrets.ErrTimedOut:
		why, todo = "the keychain did not answer in time (an unlock prompt may be waiting)", "Unlock the keychain and run `vmr-companion cert status`"
	case secrets.ErrNoKeychain:
		why, todo = "no keychain is available", "Start a keychain (on Linux a Secret Service such as gnome-keyring) and run `vmr-companion cert status`"
	}
	return fmt.Sprintf("The local CA's private key is in the file %s, not in the keychain, because %s. "+
		"Anyone who can read that file can make certificates this computer trusts for local names. "+
		"%s: the key then moves into the keychain and the file is deleted.", a.keyLocation, why, todo)
}

// KeyLocation says where the CA private key is: KeyInKeychain ("keychain")
// or the path of the 0600 fallback file.
func (a *Authority) KeyLocation() string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.keyLocation
}

// keyPlace is where the CA key is: KeyInKeychain or the fallback file's
// path, and for the file the keychain's error that sent it there.
type keyPlace struct {
	location string
	reason   error
}

// storeKey puts key in the keychain, or in the 0600 fallback file when the
// keychain is unavailable, and removes the copy from the other place so an
// old key does not linger. It returns the key location and, for the file,
// the keychain's error as the reason.
func (a *Authority) storeKey(ctx context.Context, key *ecdsa.PrivateKey) (keyPlace, error) {
	keyPEM, err := encodeKey(key)
	if err != nil {
		return keyPlace{}, err
	}
	keyPath := filepath.Join(a.dir, KeyFile)

	kerr := a.keys.Set(ctx, KeyAccount, secrets.New(string(keyPEM)))
	if kerr == nil {
		if err := removeIfExists(keyPath); err != nil {
			return keyPlace{}, fmt.Errorf("devcert: removing the old key file: %w", err)
		}
		return keyPlace{location: KeyInKeychain}, nil
	}
	if !isUnavailable(kerr) {
		return keyPlace{}, fmt.Errorf("devcert: storing the CA key in the keychain: %w", kerr)
	}
	staged, err := stageFile(a.dir, KeyFile, keyPEM, 0o600)
	if err != nil {
		return keyPlace{}, fmt.Errorf("devcert: writing the CA key file: %w", err)
	}
	if err := os.Rename(staged, keyPath); err != nil {
		os.Remove(staged)
		return keyPlace{}, fmt.Errorf("devcert: writing the CA key file: %w", err)
	}
	// Best effort: the keychain was unavailable a moment ago, so this
	// usually fails too. A key that still lands there (a call that timed
	// out and finished late) is found by the next loadKey, which then
	// deletes the file.
	_ = a.keys.Delete(ctx, KeyAccount)
	return keyPlace{location: keyPath, reason: kerr}, nil
}

func encodeKey(key *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("devcert: encoding the CA key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemPrivateKey, Bytes: der}), nil
}

// loadKey finds the private key of cert: first in the keychain, then in
// the fallback file. The key never stays in both places: a key found in
// the keychain removes the file, and a key found in the file moves into the
// keychain when that works now. It returns the key, its location and, when
// that is the file, the keychain's error as the reason. The key is nil
// when neither place has a key matching cert; the error is set only when
// the keychain is unavailable and no fallback file exists, or something
// else went wrong.
func (a *Authority) loadKey(ctx context.Context, cert *x509.Certificate) (*ecdsa.PrivateKey, keyPlace, error) {
	keyPath := filepath.Join(a.dir, KeyFile)
	s, kerr := a.keys.Get(ctx, KeyAccount)
	switch {
	case kerr == nil:
		if key, err := parseKeyPEM([]byte(s.Reveal())); err == nil && key.PublicKey.Equal(cert.PublicKey) {
			if err := removeIfExists(keyPath); err != nil {
				return nil, keyPlace{}, fmt.Errorf("devcert: the CA key is in the keychain, but its old file %s could not be deleted: %w", keyPath, err)
			}
			return key, keyPlace{location: KeyInKeychain}, nil
		}
	case errors.Is(kerr, secrets.ErrNotFound), isUnavailable(kerr):
	default:
		return nil, keyPlace{}, fmt.Errorf("devcert: reading the CA key from the keychain: %w", kerr)
	}

	data, err := os.ReadFile(keyPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if isUnavailable(kerr) {
			return nil, keyPlace{}, fmt.Errorf("devcert: the CA key is in the keychain, which cannot be used now: %w", kerr)
		}
		return nil, keyPlace{}, nil
	case err != nil:
		return nil, keyPlace{}, fmt.Errorf("devcert: reading the CA key file: %w", err)
	}
	key, err := parseKeyPEM(data)
	if err != nil || !key.PublicKey.Equal(cert.PublicKey) {
		return nil, keyPlace{}, nil
	}
	if err := tightenKeyFile(keyPath); err != nil {
		return nil, keyPlace{}, err
	}
	if isUnavailable(kerr) {
		return key, keyPlace{location: keyPath, reason: kerr}, nil
	}
	// The keychain works now: move the key there (replacing any stale key
	// of another CA) and delete the file.
	place, err := a.storeKey(ctx, key)
	if err != nil {
		return nil, keyPlace{}, err
	}
	return key, place, nil
}

// tightenKeyFile makes the key file 0600 again if it was loosened (a copy
// or a restore from backup). Windows has no such mode bits.
func tightenKeyFile(path string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("devcert: checking the CA key file: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(path, 0o600); err != nil {
			return fmt.Errorf("devcert: restricting the CA key file to its owner: %w", err)
		}
	}
	return nil
}

func isUnavailable(err error) bool {
	var ue *secrets.UnavailableError
	return errors.As(err, &ue)
}

// parseKeyPEM parses a PKCS#8 PEM ECDSA key. Errors never quote the input.
func parseKeyPEM(data []byte) (*ecdsa.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != pemPrivateKey {
		return nil, errors.New("devcert: the CA key is not a PKCS#8 PEM block")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, errors.New("devcert: the CA key does not parse as PKCS#8")
	}
	key, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, errors.New("devcert: the CA key is not an ECDSA key")
	}
	return key, nil
}
