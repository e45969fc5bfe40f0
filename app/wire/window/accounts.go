package window

import (
	"context"
	"crypto/x509"
	"errors"

	"vmr-companion/app/desktop"
	"vmr-companion/backend/calendar"
	"vmr-companion/backend/ews/auth"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/oauth"
)

// userAccounts signs the window's user in with backend/oauth
// (desktop.Accounts), the session kept in the keychain.
type userAccounts struct {
	integrations *integration.Service
	sessions     *oauth.Sessions
}

func (a userAccounts) provider(ctx context.Context, in *integration.Integration) (*oauth.Provider, error) {
	secret, _, err := a.integrations.Secret(ctx, in, integration.SecretPersonalVMROAuthClientSecret)
	if err != nil {
		return nil, err
	}
	return oauth.FromIntegration(ctx, in, secret, nil)
}

func (a userAccounts) session(ctx context.Context, in *integration.Integration) (*oauth.Session, error) {
	p, err := a.provider(ctx, in)
	if err != nil {
		return nil, err
	}
	s, err := a.sessions.Current(ctx, p, in.UUID)
	return s, signInError(err)
}

func (a userAccounts) SignIn(ctx context.Context, in *integration.Integration, open func(string) error) (*desktop.Account, error) {
	p, err := a.provider(ctx, in)
	if err != nil {
		return nil, err
	}
	s, err := p.SignInBrowser(ctx, open)
	if err != nil {
		return nil, signInError(err)
	}
	if err := a.sessions.Save(ctx, in.UUID, s); err != nil {
		return nil, err
	}
	return &desktop.Account{Email: s.Identity.Email, Name: s.Identity.Name}, nil
}

func (a userAccounts) Current(ctx context.Context, in *integration.Integration) (*desktop.Account, error) {
	s, err := a.session(ctx, in)
	if err != nil {
		return nil, err
	}
	return &desktop.Account{Email: s.Identity.Email, Name: s.Identity.Name}, nil
}

func (a userAccounts) SignOut(ctx context.Context, in *integration.Integration) error {
	p, err := a.provider(ctx, in)
	if err != nil {
		return err
	}
	return a.sessions.SignOut(ctx, p, in.UUID)
}

// exchange is the signed-in user's own Exchange calendar, read with their
// access token (delegated OAuth).
func (a userAccounts) exchange(ctx context.Context, in *integration.Integration) (calendar.Source, error) {
	s, err := a.session(ctx, in)
	if err != nil {
		return nil, err
	}
	var roots *x509.CertPool
	if in.EWSCAFile != "" {
		if roots, err = auth.LoadRootCAs(in.EWSCAFile); err != nil {
			return nil, err
		}
	}
	return calendar.UserEWSSource(in.URL, s.Identity.Email, s.AccessToken, roots)
}

// signInError gives the window the sign-in problems it explains itself.
func signInError(err error) error {
	code := ""
	switch {
	case errors.Is(err, oauth.ErrSignedOut):
		code = desktop.CodeSignedOut
	case errors.Is(err, oauth.ErrSignInAgain):
		code = desktop.CodeSignInAgain
	case errors.Is(err, oauth.ErrConsentRefused):
		code = desktop.CodeConsentRefused
	default:
		return err
	}
	return &desktop.SignInError{Code: code, Err: err}
}
