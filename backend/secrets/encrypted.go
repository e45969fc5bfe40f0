package secrets

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"

	"golang.org/x/crypto/chacha20poly1305"
)

// The encrypted backend keeps secrets in the data folder's database for
// machines without a keychain (servers without D-Bus): every value sealed
// with XChaCha20-Poly1305, a fresh random nonce per value and the account
// name as associated data, so a value moved to another account's row does
// not open. The key never sits in the database (see Key).

// Sealed is one value as the encrypted backend stores it.
type Sealed struct {
	Account    string
	KeyID      string // Key.ID of the key that sealed it
	Nonce      []byte
	Ciphertext []byte
}

// Vault is where sealed values live (backend/store.Secrets). GetSealed and
// DeleteSealed return ErrNotFound for an account without a value.
type Vault interface {
	GetSealed(ctx context.Context, account string) (Sealed, error)
	PutSealed(ctx context.Context, s Sealed) error
	DeleteSealed(ctx context.Context, account string) error
	ListSealed(ctx context.Context) ([]Sealed, error)
	// PutAllSealed stores every value in one transaction.
	PutAllSealed(ctx context.Context, all []Sealed) error
	// Reseal replaces every stored value by fn's result in one
	// transaction; an error of fn changes nothing.
	Reseal(ctx context.Context, fn func(Sealed) (Sealed, error)) (int, error)
}

// aad binds a value to its account (and to this format).
func aad(account string) []byte { return []byte("vmr-companion secrets v1\x00" + account) }

// maxSealedValue bounds a value read back from the database, so a damaged
// row cannot make Open allocate without limit.
const maxSealedValue = 1 << 20

// Seal encrypts v for account with a fresh random nonce.
func (k *Key) Seal(account string, v Secret) (Sealed, error) {
	aead, err := chacha20poly1305.NewX(k.k[:])
	if err != nil {
		return Sealed{}, fmt.Errorf("secrets: %w", err)
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := io.ReadFull(rand.Reader, nonce); err != nil {
		return Sealed{}, fmt.Errorf("secrets: making a nonce: %w", err)
	}
	ct := aead.Seal(nil, nonce, []byte(v.Reveal()), aad(account))
	return Sealed{Account: account, KeyID: k.ID(), Nonce: nonce, Ciphertext: ct}, nil
}

// Open decrypts s. A value sealed with another key is a *WrongKeyError; one
// that does not authenticate is a *CorruptError. It never panics, whatever
// the row holds.
func (k *Key) Open(s Sealed) (Secret, error) {
	if s.KeyID != k.ID() {
		return Secret{}, &WrongKeyError{Accounts: []string{s.Account}, StoredKeyID: s.KeyID, Key: k}
	}
	aead, err := chacha20poly1305.NewX(k.k[:])
	if err != nil {
		return Secret{}, fmt.Errorf("secrets: %w", err)
	}
	switch {
	case len(s.Nonce) != aead.NonceSize():
		return Secret{}, &CorruptError{Account: s.Account, Reason: fmt.Sprintf("its nonce has %d bytes instead of %d", len(s.Nonce), aead.NonceSize())}
	case len(s.Ciphertext) < aead.Overhead():
		return Secret{}, &CorruptError{Account: s.Account, Reason: "it is shorter than its authentication tag"}
	case len(s.Ciphertext) > maxSealedValue:
		return Secret{}, &CorruptError{Account: s.Account, Reason: "it is larger than 1 MB"}
	}
	pt, err := aead.Open(nil, s.Nonce, s.Ciphertext, aad(s.Account))
	if err != nil {
		return Secret{}, &CorruptError{Account: s.Account, Reason: "it does not authenticate with the key that sealed it (damaged, tampered with, or moved from another account)"}
	}
	return New(string(pt)), nil
}

// WrongKeyError means stored values were sealed with another key than the
// one in use. Nothing is read or overwritten with the wrong key.
type WrongKeyError struct {
	Accounts    []string // the accounts that the key cannot open
	StoredKeyID string   // the id of (one of) the keys that sealed them
	Key         *Key     // the key in use
}

func (e *WrongKeyError) Error() string {
	what := "the stored secrets"
	if len(e.Accounts) == 1 {
		what = "the secret " + e.Accounts[0]
	} else if len(e.Accounts) > 1 {
		what = fmt.Sprintf("%d stored secrets", len(e.Accounts))
	}
	return fmt.Sprintf("secrets: wrong key: %s were sealed with key %s, but the key in use is %s (%s); start with the key that sealed them, or `vmr-companion secrets rotate` with that key first",
		what, e.StoredKeyID, e.Key.ID(), e.Key.Source())
}

// CorruptError means a stored value cannot be opened although it names the
// key in use.
type CorruptError struct {
	Account string
	Reason  string
}

func (e *CorruptError) Error() string {
	return "secrets: the stored value of " + e.Account + " is corrupted: " + e.Reason + "; store it again (the integration's or setting's secret)"
}

// Encrypted is the encrypted backend: a Vault and its key.
type Encrypted struct {
	vault Vault

	mu     sync.RWMutex // guards key, which Rotate replaces
	key    *Key
	keyErr error
}

// current returns the key in use.
func (e *Encrypted) current() (*Key, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.key, e.keyErr
}

// NewEncrypted returns a Keychain that stores its values sealed in vault.
// When the key could not be resolved, pass its error as keyErr: every call
// then fails with it (the backend was chosen, so nothing falls back).
func NewEncrypted(vault Vault, key *Key, keyErr error, timeout time.Duration) *Keychain {
	if key == nil && keyErr == nil {
		keyErr = &NoKeyError{Problem: "no key was given", Advice: adviceNoKey}
	}
	e := &Encrypted{vault: vault, key: key, keyErr: keyErr}
	k := newKeychain(timeout, e)
	k.encrypted = e
	k.mapErr = func(err error, _ string) error { return err }
	return k
}

// Key returns the key in use, or the reason there is none.
func (e *Encrypted) Key() (*Key, error) { return e.current() }

// usable fails when there is no key, or when stored values were sealed with
// another key: writing beside them would leave a store that no single key
// opens, so nothing is written until the right key is given.
func (e *Encrypted) usable(ctx context.Context) error {
	key, err := e.current()
	if err != nil {
		return err
	}
	return e.onlySealedWith(ctx, key)
}

// onlySealedWith fails with a *WrongKeyError when a stored value was sealed
// with another key than key.
func (e *Encrypted) onlySealedWith(ctx context.Context, key *Key) error {
	all, err := e.vault.ListSealed(ctx)
	if err != nil {
		return err
	}
	var foreign []string
	stored := ""
	for _, s := range all {
		if s.KeyID != key.ID() {
			foreign = append(foreign, s.Account)
			stored = s.KeyID
		}
	}
	if len(foreign) > 0 {
		return &WrongKeyError{Accounts: foreign, StoredKeyID: stored, Key: key}
	}
	return nil
}

// writing checks the store as usable does and holds the key for a write:
// Rotate cannot swap it between the check and the write. The caller calls
// done when the write is over.
func (e *Encrypted) writing(ctx context.Context) (key *Key, done func(), err error) {
	e.mu.RLock()
	if e.keyErr != nil {
		e.mu.RUnlock()
		return nil, nil, e.keyErr
	}
	if err := e.onlySealedWith(ctx, e.key); err != nil {
		e.mu.RUnlock()
		return nil, nil, err
	}
	return e.key, e.mu.RUnlock, nil
}

// Get, Set and Delete are the Keychain's backend (go-keyring's shape, so
// service is unused): call them through the Keychain, which bounds them.
// They have no context: the Keychain bounds the caller's wait, and SQLite
// calls are short.

func (e *Encrypted) Get(_, account string) (string, error) {
	key, err := e.current()
	if err != nil {
		return "", err
	}
	s, err := e.vault.GetSealed(context.Background(), account)
	if err != nil {
		return "", err
	}
	v, err := key.Open(s)
	return v.Reveal(), err
}

func (e *Encrypted) Set(_, account, value string) error {
	ctx := context.Background()
	key, done, err := e.writing(ctx)
	if err != nil {
		return err
	}
	defer done()
	s, err := key.Seal(account, New(value))
	if err != nil {
		return err
	}
	return e.vault.PutSealed(ctx, s)
}

func (e *Encrypted) Delete(_, account string) error {
	ctx := context.Background()
	_, done, err := e.writing(ctx)
	if err != nil {
		return err
	}
	defer done()
	return e.vault.DeleteSealed(ctx, account)
}

// Check says whether the backend can be used: nil, a *NoKeyError (or the
// key file's problem) or a *WrongKeyError.
func (e *Encrypted) Check(ctx context.Context) error { return e.usable(ctx) }

// Verify opens every stored value and returns the accounts it could not
// open (never a value), with the first error; nil when all open.
func (e *Encrypted) Verify(ctx context.Context) (count int, failed []string, err error) {
	key, err := e.current()
	if err != nil {
		return 0, nil, err
	}
	all, err := e.vault.ListSealed(ctx)
	if err != nil {
		return 0, nil, err
	}
	var first error
	for _, s := range all {
		if _, oerr := key.Open(s); oerr != nil {
			failed = append(failed, s.Account)
			if first == nil {
				first = oerr
			}
		}
	}
	if len(failed) > 0 {
		var wk *WrongKeyError
		if errors.As(first, &wk) {
			first = &WrongKeyError{Accounts: failed, StoredKeyID: wk.StoredKeyID, Key: key}
		}
	}
	return len(all), failed, first
}

// Accounts lists the accounts that have a stored value, sorted.
func (e *Encrypted) Accounts(ctx context.Context) ([]string, error) {
	all, err := e.vault.ListSealed(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(all))
	for _, s := range all {
		out = append(out, s.Account)
	}
	sort.Strings(out)
	return out, nil
}

// Rotate re-encrypts every stored value with next in one transaction. Every
// value must open with the current key first: a failure changes nothing.
func (e *Encrypted) Rotate(ctx context.Context, next *Key) (int, error) {
	e.mu.Lock() // waits for the writes under way (writing); none starts meanwhile
	defer e.mu.Unlock()
	if e.keyErr != nil {
		return 0, e.keyErr
	}
	if next.ID() == e.key.ID() {
		return 0, errors.New("secrets: the new key is the key in use; make a new one with `vmr-companion secrets init --key-file PATH`")
	}
	n, err := e.vault.Reseal(ctx, func(s Sealed) (Sealed, error) {
		v, err := e.key.Open(s)
		if err != nil {
			return Sealed{}, err
		}
		return next.Seal(s.Account, v)
	})
	if err != nil {
		return 0, fmt.Errorf("%w (nothing was changed)", err)
	}
	e.key = next
	return n, nil
}

// Import stores values sealed elsewhere with the key in use (an export
// bundle), in one transaction, after checking that each opens: a value
// that does not changes nothing.
func (e *Encrypted) Import(ctx context.Context, all []Sealed) error {
	key, done, err := e.writing(ctx)
	if err != nil {
		return err
	}
	defer done()
	for _, s := range all {
		if _, err := key.Open(s); err != nil {
			return fmt.Errorf("%w (nothing was imported)", err)
		}
	}
	return e.vault.PutAllSealed(ctx, all)
}
