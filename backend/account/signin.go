package account

import (
	"context"
	"errors"
	"fmt"

	"vmr-companion/backend/calendar"
	"vmr-companion/backend/exchange"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/oauth"
)

// Codes of sign-in problems the window explains in its own words.
const (
	CodeSignedOut      = "signed_out"
	CodeSignInAgain    = "sign_in_again"
	CodeConsentRefused = "consent_refused"
	CodeSignInFailed   = "sign_in_failed"
)

// SignInError is a sign-in problem a caller branches on, keyed by Code;
// Err says what happened.
type SignInError struct {
	Code string
	Err  error
}

func (e *SignInError) Error() string { return e.Err.Error() }
func (e *SignInError) Unwrap() error { return e.Err }

// signInError classifies backend/oauth's errors; others pass unchanged.
func signInError(err error) error {
	code := ""
	switch {
	case errors.Is(err, oauth.ErrSignedOut):
		code = CodeSignedOut
	case errors.Is(err, oauth.ErrSignInAgain):
		code = CodeSignInAgain
	case errors.Is(err, oauth.ErrConsentRefused):
		code = CodeConsentRefused
	default:
		return err
	}
	return &SignInError{Code: code, Err: err}
}

// Person is who is signed in.
type Person struct {
	Email string
	Name  string
}

// SignIns signs users in to an integration's identity provider, with the
// session in the keychain (OAuth; tests give a fake).
type SignIns interface {
	SignIn(ctx context.Context, in *integration.Integration, open func(url string) error) (*Person, error)
	// Current is the stored sign-in, refreshed if needed; a *SignInError
	// with CodeSignedOut when there is none.
	Current(ctx context.Context, in *integration.Integration) (*Person, error)
	SignOut(ctx context.Context, in *integration.Integration) error
}

// OAuth signs users in with backend/oauth: the provider is the
// integration's, with its personal VMR client secret, and the sessions are
// kept in the keychain. The window and the command line both use it.
type OAuth struct {
	integrations *integration.Service
	sessions     *oauth.Sessions
}

// NewOAuth signs in to the integrations of integrations, keeping sessions
// in keys.
func NewOAuth(integrations *integration.Service, keys oauth.KeyStore) *OAuth {
	return &OAuth{integrations: integrations, sessions: &oauth.Sessions{Keys: keys}}
}

// Provider is the identity provider the users of in sign in with.
func (o *OAuth) Provider(ctx context.Context, in *integration.Integration) (*oauth.Provider, error) {
	secret, _, err := o.integrations.Secret(ctx, in, integration.SecretPersonalVMROAuthClientSecret)
	if err != nil {
		return nil, err
	}
	return oauth.FromIntegration(ctx, in, secret, nil)
}

// Session is the stored sign-in of in, refreshed if needed.
func (o *OAuth) Session(ctx context.Context, in *integration.Integration) (*oauth.Session, error) {
	p, err := o.Provider(ctx, in)
	if err != nil {
		return nil, err
	}
	s, err := o.sessions.Current(ctx, p, in.UUID)
	return s, signInError(err)
}

// SignInWith runs a sign-in flow (the browser's, or the device code's)
// with in's provider and keeps the session it gives.
func (o *OAuth) SignInWith(ctx context.Context, in *integration.Integration, flow func(p *oauth.Provider) (*oauth.Session, error)) (*oauth.Session, error) {
	p, err := o.Provider(ctx, in)
	if err != nil {
		return nil, err
	}
	s, err := flow(p)
	if err != nil {
		return nil, signInError(err)
	}
	if err := o.sessions.Save(ctx, in.UUID, s); err != nil {
		return nil, err
	}
	return s, nil
}

// SignIn signs in through the system browser, which open shows the
// sign-in page in.
func (o *OAuth) SignIn(ctx context.Context, in *integration.Integration, open func(string) error) (*Person, error) {
	s, err := o.SignInWith(ctx, in, func(p *oauth.Provider) (*oauth.Session, error) { return p.SignInBrowser(ctx, open) })
	if err != nil {
		return nil, err
	}
	return &Person{Email: s.Identity.Email, Name: s.Identity.Name}, nil
}

// Current is who is signed in to in.
func (o *OAuth) Current(ctx context.Context, in *integration.Integration) (*Person, error) {
	s, err := o.Session(ctx, in)
	if err != nil {
		return nil, err
	}
	return &Person{Email: s.Identity.Email, Name: s.Identity.Name}, nil
}

// SignOut revokes the sign-in where the provider can, and forgets it. A
// misconfigured provider must not keep a sign-in on this computer: it is
// then forgotten without revoking. Either way a sign-in forgotten but not
// revoked is an *oauth.RevokeError, a warning more than a failure.
func (o *OAuth) SignOut(ctx context.Context, in *integration.Integration) error {
	p, perr := o.Provider(ctx, in)
	if perr != nil {
		p = nil
	}
	err := o.sessions.SignOut(ctx, p, in.UUID)
	if err == nil && perr != nil {
		return &oauth.RevokeError{Err: fmt.Errorf("the sign-in cannot be revoked at the identity provider (%w); it is forgotten on this computer only", perr)}
	}
	return err
}

// Exchange is the signed-in user's own Exchange calendar, read with their
// access token (delegated OAuth).
func (o *OAuth) Exchange(ctx context.Context, in *integration.Integration) (calendar.Source, error) {
	s, err := o.Session(ctx, in)
	if err != nil {
		return nil, err
	}
	c, err := exchange.UserClient(in, s.Identity.Email, s.AccessToken)
	if err != nil {
		return nil, err
	}
	return calendar.EWSSource(c), nil
}
