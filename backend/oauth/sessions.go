package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"vmr-companion/backend/secrets"
)

// KeyStore is the keychain as Sessions needs it (backend/secrets.Keychain).
type KeyStore interface {
	Get(ctx context.Context, account string) (secrets.Secret, error)
	Set(ctx context.Context, account string, s secrets.Secret) error
	Delete(ctx context.Context, account string) error
}

// Keychain fields of the signed-in user, per integration. Three entries,
// not one: the Windows Credential Manager holds 2560 bytes per value, and
// an Entra ID refresh token alone can take most of that.
const (
	fieldRefreshToken = "user_refresh_token"
	fieldAccessToken  = "user_access_token"
	fieldSession      = "user_session" // identity and access token expiry, JSON
)

// SessionFields are those fields: what a signed-in user leaves in the
// keychain under an integration.
var SessionFields = []string{fieldRefreshToken, fieldAccessToken, fieldSession}

// expirySkew renews an access token this long before it expires, so it
// does not expire on its way to a server.
const expirySkew = time.Minute

// Sessions keeps one signed-in user per integration in the keychain (the
// refresh token, the current access token and who the user is), never in
// the database. Safe for concurrent use: a refresh is serialized, since a
// provider that rotates refresh tokens accepts each one only once.
type Sessions struct {
	Keys KeyStore

	mu sync.Mutex
}

type storedSession struct {
	Identity Identity  `json:"identity"`
	Expiry   time.Time `json:"access_token_expiry"`
}

// Save stores a session of an integration, replacing the previous one.
func (s *Sessions) Save(ctx context.Context, integrationUUID string, sess *Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.save(ctx, integrationUUID, sess)
}

func (s *Sessions) save(ctx context.Context, owner string, sess *Session) error {
	if sess.RefreshToken.IsZero() {
		return errors.New("oauth: the identity provider issued no refresh token, so the sign-in cannot be kept; ask your IT team to allow refresh tokens (Entra ID: the offline_access scope) for the app")
	}
	meta, err := json.Marshal(storedSession{Identity: sess.Identity, Expiry: sess.Expiry})
	if err != nil {
		return fmt.Errorf("oauth: saving the sign-in: %w", err)
	}
	if err := s.Keys.Set(ctx, secrets.Account(owner, fieldRefreshToken), sess.RefreshToken); err != nil {
		return fmt.Errorf("oauth: saving the sign-in in the keychain: %w", err)
	}
	if err := s.Keys.Set(ctx, secrets.Account(owner, fieldAccessToken), secrets.New(sess.AccessToken)); err != nil {
		return fmt.Errorf("oauth: saving the sign-in in the keychain: %w", err)
	}
	if err := s.Keys.Set(ctx, secrets.Account(owner, fieldSession), secrets.New(string(meta))); err != nil {
		return fmt.Errorf("oauth: saving the sign-in in the keychain: %w", err)
	}
	return nil
}

// load reads a stored session; ErrSignedOut when there is none.
func (s *Sessions) load(ctx context.Context, owner string) (*Session, error) {
	get := func(field string) (secrets.Secret, error) {
		v, err := s.Keys.Get(ctx, secrets.Account(owner, field))
		if errors.Is(err, secrets.ErrNotFound) {
			return secrets.Secret{}, ErrSignedOut
		}
		if err != nil {
			return secrets.Secret{}, fmt.Errorf("oauth: reading the sign-in from the keychain: %w", err)
		}
		return v, nil
	}
	refresh, err := get(fieldRefreshToken)
	if err != nil {
		return nil, err
	}
	meta, err := get(fieldSession)
	if err != nil {
		return nil, err
	}
	var st storedSession
	if err := json.Unmarshal([]byte(meta.Reveal()), &st); err != nil {
		return nil, fmt.Errorf("%w (the stored sign-in is damaged)", ErrSignInAgain)
	}
	sess := &Session{Identity: st.Identity, Expiry: st.Expiry, RefreshToken: refresh}
	if access, err := get(fieldAccessToken); err == nil {
		sess.AccessToken = access.Reveal()
	}
	return sess, nil
}

// Current returns the signed-in user of an integration with a valid
// access token, refreshing it (and saving what the provider rotated) when
// it expired. ErrSignedOut when no one signed in, ErrSignInAgain when the
// provider no longer accepts the sign-in.
func (s *Sessions) Current(ctx context.Context, p *Provider, integrationUUID string) (*Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, err := s.load(ctx, integrationUUID)
	if err != nil {
		return nil, err
	}
	if sess.AccessToken != "" && time.Until(sess.Expiry) > expirySkew {
		return sess, nil
	}
	fresh, err := p.Refresh(ctx, sess.RefreshToken)
	if err != nil {
		return nil, err
	}
	switch {
	case fresh.Identity.Subject == "":
		// No ID token with the refresh (RFC 6749 6 does not promise one).
		fresh.Identity = sess.Identity
	case sess.Identity.Subject != "" && fresh.Identity.Subject != sess.Identity.Subject:
		// OIDC Core 12.2: a refreshed ID token names the same user.
		return nil, fmt.Errorf("%w (the identity provider returned tokens of another user)", ErrSignInAgain)
	}
	if err := s.save(ctx, integrationUUID, fresh); err != nil {
		return nil, err
	}
	return fresh, nil
}

// SignOut revokes the refresh token where the provider offers revocation,
// then forgets the session. The session is forgotten even when revocation
// fails; the error is then a *RevokeError.
func (s *Sessions) SignOut(ctx context.Context, p *Provider, integrationUUID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var revokeErr error
	if refresh, err := s.Keys.Get(ctx, secrets.Account(integrationUUID, fieldRefreshToken)); err == nil && p != nil {
		revokeErr = p.Revoke(ctx, refresh)
	} else if err != nil && !errors.Is(err, secrets.ErrNotFound) {
		return fmt.Errorf("oauth: reading the sign-in from the keychain: %w", err)
	}
	for _, f := range []string{fieldRefreshToken, fieldAccessToken, fieldSession} {
		if err := s.Keys.Delete(ctx, secrets.Account(integrationUUID, f)); err != nil && !errors.Is(err, secrets.ErrNotFound) {
			return fmt.Errorf("oauth: removing the sign-in from the keychain: %w", err)
		}
	}
	if revokeErr != nil {
		return &RevokeError{Err: revokeErr}
	}
	return nil
}

// RevokeError is a sign-out whose session was forgotten on this computer
// but that the provider could not revoke: a warning more than a failure.
type RevokeError struct{ Err error }

func (e *RevokeError) Error() string { return e.Err.Error() }
func (e *RevokeError) Unwrap() error { return e.Err }
