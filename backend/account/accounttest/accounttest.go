// Package accounttest stands in for an identity provider in the tests of
// backend/account and of the window's bindings over it.
package accounttest

import (
	"context"
	"errors"
	"sync"

	"vmr-companion/backend/account"
	"vmr-companion/backend/integration"
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
