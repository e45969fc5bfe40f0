package policy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"vmr-companion/backend/secrets"
)

// Where the credentials live: the username in the store's settings, the
// password in the keychain (never in the database).
const (
	SettingUsername = "policy_username"
	SecretAccount   = "policy/password" // in the store-scoped keychain
	maxUsername     = 100
	maxPassword     = 100
)

// Settings is the store's key/value settings.
type Settings interface {
	All(ctx context.Context) (map[string]string, error)
	Set(ctx context.Context, values map[string]string, at time.Time) error
}

// Keys is the keychain.
type Keys interface {
	Get(ctx context.Context, account string) (secrets.Secret, error)
	Set(ctx context.Context, account string, s secrets.Secret) error
	Delete(ctx context.Context, account string) error
}

// CheckCredentials says what is wrong with a username and password that
// Infinity's policy profile would send (HTTP Basic).
func CheckCredentials(username string, password secrets.Secret) error {
	switch {
	case username == "" || utf8.RuneCountInString(username) > maxUsername:
		return fmt.Errorf("the username must be 1 to %d characters", maxUsername)
	case strings.ContainsRune(username, ':'):
		return errors.New("the username may not contain ':' (HTTP Basic separates the password with it)")
	case garbage(username) || strings.TrimSpace(username) != username:
		return errors.New("the username may not contain control characters or start or end with a space")
	}
	p := password.Reveal()
	switch {
	case p == "" || utf8.RuneCountInString(p) > maxPassword:
		return fmt.Errorf("the password must be 1 to %d characters", maxPassword)
	case garbage(p):
		return errors.New("the password may not contain control characters")
	}
	return nil
}

// SaveCredentials stores the credentials: the password first, then the
// username, so that a failure leaves the old pair in force (the password
// is put back when the username cannot be saved).
func SaveCredentials(ctx context.Context, st Settings, keys Keys, c Credentials, now time.Time) error {
	if err := CheckCredentials(c.Username, c.Password); err != nil {
		return err
	}
	old, oldErr := keys.Get(ctx, SecretAccount)
	if oldErr != nil && !errors.Is(oldErr, secrets.ErrNotFound) {
		return fmt.Errorf("policy: reading the keychain: %w", oldErr)
	}
	if err := keys.Set(ctx, SecretAccount, c.Password); err != nil {
		return fmt.Errorf("policy: saving the password in the keychain: %w", err)
	}
	if err := st.Set(ctx, map[string]string{SettingUsername: c.Username}, now); err != nil {
		if oldErr == nil {
			keys.Set(ctx, SecretAccount, old)
		} else {
			keys.Delete(ctx, SecretAccount)
		}
		return fmt.Errorf("policy: saving the username: %w", err)
	}
	return nil
}

// LoadCredentials reads the credentials; zero when none are set.
func LoadCredentials(ctx context.Context, st Settings, keys Keys) (Credentials, error) {
	all, err := st.All(ctx)
	if err != nil {
		return Credentials{}, err
	}
	user := all[SettingUsername]
	if user == "" {
		return Credentials{}, nil
	}
	pass, err := keys.Get(ctx, SecretAccount)
	if errors.Is(err, secrets.ErrNotFound) {
		return Credentials{Username: user}, nil
	}
	if err != nil {
		return Credentials{Username: user}, fmt.Errorf("policy: reading the password from the keychain: %w", err)
	}
	return Credentials{Username: user, Password: pass}, nil
}

// ClearCredentials removes both: the username first, so the endpoint
// refuses every request even when the keychain fails.
func ClearCredentials(ctx context.Context, st Settings, keys Keys, now time.Time) error {
	if err := st.Set(ctx, map[string]string{SettingUsername: ""}, now); err != nil {
		return fmt.Errorf("policy: removing the username: %w", err)
	}
	if err := keys.Delete(ctx, SecretAccount); err != nil && !errors.Is(err, secrets.ErrNotFound) {
		return fmt.Errorf("policy: removing the password from the keychain: %w", err)
	}
	return nil
}
