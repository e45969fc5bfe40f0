package oauth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/oauth2"
)

// DeviceCode is what the user needs to approve a device sign-in on another
// device: a URL to open and a code to type there (RFC 8628 3.2).
type DeviceCode struct {
	UserCode                string
	VerificationURI         string
	VerificationURIComplete string // with the code in it; may be empty
	ExpiresAt               time.Time
	Interval                time.Duration // how often this app asks whether the user approved
}

// SignInDevice signs the user in with the device authorization grant (RFC
// 8628), for a terminal without a browser: show presents the code and the
// URL, then the token endpoint is polled until the user approves, refuses
// (ErrConsentRefused), the code expires or SignInTimeout passes
// (ErrSignInTimedOut), or ctx ends.
func (p *Provider) SignInDevice(ctx context.Context, show func(DeviceCode)) (*Session, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	if p.DeviceAuthURL == "" {
		return nil, ErrNoDeviceFlow
	}
	ctx, cancel := context.WithTimeout(ctx, p.signInTimeout())
	defer cancel()
	cfg := p.config("")
	opts := p.extraParams()
	if !p.ClientSecret.IsZero() {
		// RFC 8628 3.1: a confidential client authenticates; x/oauth2 sends
		// only client_id with the device request.
		opts = append(opts, oauth2.SetAuthURLParam("client_secret", p.ClientSecret.Reveal()))
	}
	da, err := cfg.DeviceAuth(p.ctx(ctx), opts...)
	if err != nil {
		return nil, p.tokenError(err, "the device code request")
	}
	interval := da.Interval
	if interval <= 0 {
		interval = 5 // RFC 8628 3.2, as x/oauth2 polls
	}
	show(DeviceCode{UserCode: da.UserCode, VerificationURI: da.VerificationURI, VerificationURIComplete: da.VerificationURIComplete,
		ExpiresAt: da.Expiry, Interval: time.Duration(interval) * time.Second})
	tok, err := cfg.DeviceAccessToken(p.ctx(ctx), da, opts...)
	if err != nil {
		var re *oauth2.RetrieveError
		switch {
		case errors.As(err, &re) && re.ErrorCode == "access_denied":
			return nil, ErrConsentRefused
		case errors.As(err, &re) && re.ErrorCode == "expired_token":
			return nil, fmt.Errorf("%w (the code expired)", ErrSignInTimedOut)
		case ctx.Err() != nil:
			return nil, endedError(ctx)
		case errors.Is(err, context.DeadlineExceeded): // the code's own expiry
			return nil, fmt.Errorf("%w (the code expired)", ErrSignInTimedOut)
		}
		return nil, p.tokenError(err, "the device code")
	}
	return p.session(ctx, tok, "")
}
