// Package accounttest builds a user's account for the tests of
// backend/account and of the window's bindings over it, with an identity
// provider in memory.
package accounttest

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"vmr-companion/backend/account"
	"vmr-companion/backend/conference"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/secrets/secretstest"
	"vmr-companion/backend/store"
	"vmr-companion/backend/templates"
)

// SignIns is an identity provider (account.SignIns) in memory: SignIn
// "opens the browser" through the function it is given, then fails with
// FailWith, waits for the context to end when Block is set (closing
// Started first), or signs in as Email per integration.
type SignIns struct {
	Email    string
	FailWith error
	Block    bool
	Started  chan struct{}

	mu       sync.Mutex
	signedIn map[string]bool
}

// SignIn signs in to in.
func (f *SignIns) SignIn(ctx context.Context, in *integration.Integration, open func(string) error) (*account.Person, error) {
	if err := open("https://login.example.com/authorize?client_id=x"); err != nil {
		return nil, err
	}
	if f.Block {
		close(f.Started)
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if f.FailWith != nil {
		return nil, f.FailWith
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.signedIn == nil {
		f.signedIn = map[string]bool{}
	}
	f.signedIn[in.UUID] = true
	return f.person(), nil
}

// Current is who is signed in to in, or account.CodeSignedOut.
func (f *SignIns) Current(_ context.Context, in *integration.Integration) (*account.Person, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.signedIn[in.UUID] {
		return nil, &account.SignInError{Code: account.CodeSignedOut, Err: errors.New("oauth: you are not signed in; sign in first")}
	}
	return f.person(), nil
}

// SignOut forgets the sign-in to in.
func (f *SignIns) SignOut(_ context.Context, in *integration.Integration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.signedIn, in.UUID)
	return nil
}

func (f *SignIns) person() *account.Person {
	email := f.Email
	if email == "" {
		email = "Alex.Morgan@example.com"
	}
	return &account.Person{Email: email, Name: "Alex Morgan"}
}

// Now is the fixed time of Config's clock: 20 November 2025, 09:00 UTC.
var Now = time.Date(2025, 11, 20, 9, 0, 0, 0, time.UTC)

// Config is an account on a real store in a test's folder, as in the app
// (the meeting detector reads the integrations and VMRs from the same file
// as the calendar copy), with the in-memory keychain (it calls
// secretstest.MockInit), signIns as the identity provider and a clock fixed
// at Now in UTC. The store closes when the test ends.
func Config(t testing.TB, signIns account.SignIns) (account.Config, *store.Store) {
	t.Helper()
	secretstest.MockInit()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "user.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	keys := secrets.NewUncheckedKeychain(0)
	return account.Config{Integrations: integration.NewService(st.Integrations(), keys), Conferences: conference.NewService(st.Conferences()),
		Templates: templates.New(), Settings: st.Settings(), SignIns: signIns, Cache: st.Calendars(), Secrets: keys,
		Now: func() time.Time { return Now }, Location: time.UTC}, st
}
