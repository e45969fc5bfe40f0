package secrets

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"vmr-companion/backend/atomicfile"

	"golang.org/x/crypto/chacha20poly1305"
)

// KeySize is the length of a secrets key: 32 bytes for XChaCha20-Poly1305.
const KeySize = chacha20poly1305.KeySize

// Where the encrypted backend finds its key.
const (
	// CredentialName is the systemd credential (LoadCredential= or
	// LoadCredentialEncrypted=) read from $CREDENTIALS_DIRECTORY.
	CredentialName = "vmr-companion.key"
	// EnvKeyFile names a key file, like --secrets-key-file.
	EnvKeyFile = "VMR_COMPANION_SECRETS_KEY_FILE"
)

// maxKeyFile bounds what is read of a key file: a key is one line of 44
// base64 characters.
const maxKeyFile = 1024

// Key is the 32-byte key of the encrypted backend. It never prints.
//
// Key file format: the 32 key bytes in standard base64 (44 characters) on
// one line; surrounding white space is ignored. The same text works as a
// systemd credential.
type Key struct {
	k      [KeySize]byte
	id     string // ID, worked out once: every Seal and Open compares it
	source string
}

// ID names the key without revealing it: the first 8 bytes of its SHA-256,
// in hex. It is stored beside every value, so a value sealed with another
// key is told apart from a corrupted one.
func (k *Key) ID() string { return k.id }

// withID fills in the key's ID once its bytes are set.
func (k *Key) withID() *Key {
	sum := sha256.Sum256(k.k[:])
	k.id = hex.EncodeToString(sum[:8])
	return k
}

// Source says where the key came from: "systemd credential <path>" or
// "key file <path>".
func (k *Key) Source() string { return k.source }

// String keeps the key out of prints and logs.
func (k *Key) String() string { return "secrets key " + k.ID() }

// GoString keeps the key out of %#v.
func (k *Key) GoString() string { return k.String() }

// NewKey makes a random key (for tests and CreateKeyFile).
func NewKey() (*Key, error) {
	k := &Key{source: "memory"}
	if _, err := io.ReadFull(rand.Reader, k.k[:]); err != nil {
		return nil, fmt.Errorf("secrets: making a key: %w", err)
	}
	return k.withID(), nil
}

// encodeKey is the key file's text.
func encodeKey(k *Key) []byte { return []byte(base64.StdEncoding.EncodeToString(k.k[:]) + "\n") }

// parseKey reads a key file's text; the error never quotes it.
func parseKey(data []byte, source string) (*Key, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(raw) != KeySize {
		return nil, fmt.Errorf("secrets: %s is not a secrets key: it must hold %d random bytes in base64 on one line; make one with `vmr-companion secrets init --key-file PATH`", source, KeySize)
	}
	k := &Key{source: source}
	copy(k.k[:], raw)
	return k.withID(), nil
}

// NoKeyError means the encrypted backend was chosen but has no usable key.
type NoKeyError struct {
	Problem string // what is wrong
	Advice  string // what to do
}

func (e *NoKeyError) Error() string {
	return "secrets: the encrypted secret store has no key: " + e.Problem + "; " + e.Advice
}

const adviceNoKey = "give a key file with --secrets-key-file PATH or " + EnvKeyFile +
	" (make one with `vmr-companion secrets init --key-file PATH`), or the systemd credential " + CredentialName

// ResolveKey finds the key of the encrypted backend: the key file keyFile
// when set (the flag or EnvKeyFile), otherwise the systemd credential in
// credentialsDir ($CREDENTIALS_DIRECTORY). Errors are *NoKeyError or say
// what is wrong with the file.
func ResolveKey(keyFile, credentialsDir string) (*Key, error) {
	if keyFile != "" {
		return LoadKeyFile(keyFile)
	}
	if credentialsDir != "" {
		path := filepath.Join(credentialsDir, CredentialName)
		data, err := readBounded(path)
		if err == nil {
			return parseKey(data, "systemd credential "+path)
		}
		if !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("secrets: reading the systemd credential %s: %w", path, err)
		}
		return nil, &NoKeyError{Problem: "$CREDENTIALS_DIRECTORY has no " + CredentialName, Advice: adviceNoKey}
	}
	return nil, &NoKeyError{Problem: "no key file was named and there is no systemd credential", Advice: adviceNoKey}
}

// LoadKeyFile reads a key file, which must be a regular file of mode 0600
// (no group or other bits) owned by the user running the program: anyone
// else who can read it can read every secret.
func LoadKeyFile(path string) (*Key, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, &NoKeyError{Problem: "the key file " + path + " does not exist", Advice: adviceNoKey}
	}
	if err != nil {
		return nil, fmt.Errorf("secrets: opening the key file: %w", err)
	}
	defer f.Close()
	// Checked on the open file, so the file checked is the file read.
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("secrets: reading the key file %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("secrets: the key file %s is not a regular file", path)
	}
	if err := checkKeyFileMode(path, fi); err != nil {
		return nil, err
	}
	data, err := readKeyText(f)
	if errors.Is(err, errKeyTooLarge) {
		return nil, fmt.Errorf("secrets: the key file %s is %w", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("secrets: reading the key file %s: %w", path, err)
	}
	return parseKey(data, "key file "+path)
}

// readBounded reads the key file or credential at path, at most maxKeyFile
// bytes: anything longer is no key.
func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readKeyText(f)
}

// errKeyTooLarge is a file too long to hold a key.
var errKeyTooLarge = fmt.Errorf("larger than %d bytes, so it is not a secrets key", maxKeyFile)

// readKeyText reads at most maxKeyFile bytes of r, or errKeyTooLarge.
func readKeyText(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxKeyFile+1))
	if err == nil && len(data) > maxKeyFile {
		return nil, errKeyTooLarge
	}
	return data, err
}

// CreateKeyFile makes a new random key and writes it to path with mode
// 0600. It never overwrites: an existing file may be the only copy of the
// key that opens a store.
func CreateKeyFile(path string) (*Key, error) {
	k, err := NewKey()
	if err != nil {
		return nil, err
	}
	err = atomicfile.CreateNew(path, encodeKey(k), 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("secrets: %s already exists; it may be the only key that opens your secrets, so it is not overwritten: choose another path", path)
	}
	if err != nil {
		return nil, fmt.Errorf("secrets: the key file: %w", err)
	}
	k.source = "key file " + path
	return k, nil
}
