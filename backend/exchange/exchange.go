// Package exchange is the one place that turns an integration into an EWS
// client: which CAs to trust (the system's plus ews_ca_file), how to
// authenticate (the integration's method and its keychain secrets, a
// rotated refresh token written back), whether to impersonate the room
// mailbox, and how often to retry. The scheduler, the diagnosis, the
// identity provider's client and the user's own calendar all build their
// clients here, so they trust and sign in alike.
package exchange

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"vmr-companion/backend/ews"
	"vmr-companion/backend/ews/auth"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
)

// Keys reads and rotates an integration's keychain secrets
// (backend/integration.Service).
type Keys interface {
	Secret(ctx context.Context, in *integration.Integration, field string) (secrets.Secret, bool, error)
	SetSecret(ctx context.Context, in *integration.Integration, field string, v secrets.Secret) error
}

// Credentials read an integration's secrets and keep the refresh token the
// token endpoint rotates (it may revoke the old one at once).
type Credentials struct {
	// Secret reads one secret field; nil reads none, so authentication
	// reports them missing.
	Secret func(field string) (secrets.Secret, bool, error)
	// SaveRefreshToken keeps a rotated refresh token; nil drops it.
	SaveRefreshToken func(token secrets.Secret) error
}

// KeychainCredentials are in's secrets from keys, a rotated refresh token
// written back through keys.
func KeychainCredentials(ctx context.Context, keys Keys, in *integration.Integration) Credentials {
	return Credentials{
		Secret: func(field string) (secrets.Secret, bool, error) { return keys.Secret(ctx, in, field) },
		// Not ctx: the token must be kept even when the request that
		// rotated it was cancelled.
		SaveRefreshToken: func(token secrets.Secret) error {
			return keys.SetSecret(context.Background(), in, integration.SecretOAuthRefreshToken, token)
		},
	}
}

// ErrConfig marks what OpenRoom could not build from the integration's
// settings (CA file, EWS URL, mailbox): retrying will not help.
var ErrConfig = errors.New("configuration")

// RootCAs are the CAs that verify in's Exchange and identity provider: the
// system's plus those of its ews_ca_file; nil (the system's alone) when it
// has none.
func RootCAs(in *integration.Integration) (*x509.CertPool, error) {
	return CAPool(in.EWSCAFile)
}

// CAPool is the system's CAs plus those of the PEM file caFile (an
// integration's ews_ca_file, or one given to try instead); nil when caFile
// is "".
func CAPool(caFile string) (*x509.CertPool, error) {
	if caFile == "" {
		return nil, nil
	}
	return auth.LoadRootCAs(caFile)
}

// Impersonate says whether the client impersonates the room mailbox: with
// application permissions the app acts as no user, so Exchange needs the
// impersonation header to pick the mailbox (and ews.New refuses it without
// a room mailbox, which names the field to fix). The other methods sign in
// as a service account with delegate access to the room.
func Impersonate(in *integration.Integration) bool {
	return in.AuthenticationMethod == integration.AuthAppPerm
}

// RoomMailbox is in's room mailbox address, "" when it has none.
func RoomMailbox(in *integration.Integration) string {
	if in.RoomMailboxEmailAddress == nil {
		return ""
	}
	return strings.TrimSpace(*in.RoomMailboxEmailAddress)
}

// Settings are the authentication settings of in: its method and
// secrets, roots (nil: the system's) and the refresh-token write-back.
func Settings(in *integration.Integration, cred Credentials, roots *x509.CertPool) (auth.Settings, error) {
	secret := cred.Secret
	if secret == nil {
		secret = func(string) (secrets.Secret, bool, error) { return secrets.Secret{}, false, nil }
	}
	s, err := auth.FromIntegration(in, secret)
	if err != nil {
		return s, err
	}
	s.RootCAs = roots
	if save := cred.SaveRefreshToken; save != nil {
		s.OnRefreshToken = func(token string) error { return save(secrets.New(token)) }
	}
	return s, nil
}

// HTTPClient is the authenticated HTTP client for in's Exchange.
func HTTPClient(in *integration.Integration, cred Credentials, roots *x509.CertPool) (*http.Client, error) {
	s, err := Settings(in, cred, roots)
	if err != nil {
		return nil, err
	}
	return auth.NewHTTPClient(s)
}

// Options tune the EWS client.
type Options struct {
	UserAgent string
	// Retry is ews's default policy when zero; OneAttempt reports the
	// first answer (the diagnosis).
	Retry ews.RetryPolicy
}

// OneAttempt is the retry policy of a client that must not retry.
var OneAttempt = ews.RetryPolicy{MaxAttempts: 1}

// RoomClient is the EWS client for in's room mailbox over hc (from
// HTTPClient).
func RoomClient(in *integration.Integration, hc *http.Client, opt Options) (*ews.Client, error) {
	return ews.New(ews.Config{URL: in.URL, HTTPClient: hc, Mailbox: RoomMailbox(in),
		Impersonate: Impersonate(in), UserAgent: opt.UserAgent, Retry: opt.Retry})
}

// OpenRoom is the EWS client for in's room mailbox, signed in with its
// keychain secrets. Errors of the settings themselves wrap ErrConfig.
func OpenRoom(ctx context.Context, keys Keys, in *integration.Integration, opt Options) (*ews.Client, error) {
	roots, err := RootCAs(in)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	hc, err := HTTPClient(in, KeychainCredentials(ctx, keys, in), roots)
	if err != nil {
		return nil, err
	}
	c, err := RoomClient(in, hc, opt)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return c, nil
}

// userTimeout bounds a request made with a user's token.
const userTimeout = 60 * time.Second

// UserClient is the EWS client for the signed-in user's own mailbox email
// on in's Exchange, with their delegated access token (no impersonation:
// the token is theirs).
func UserClient(in *integration.Integration, email, accessToken string) (*ews.Client, error) {
	if accessToken == "" {
		return nil, errors.New("exchange: no access token for Exchange: sign in again")
	}
	roots, err := RootCAs(in)
	if err != nil {
		return nil, err
	}
	t := &http.Transport{Proxy: http.ProxyFromEnvironment, TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}}
	if in.DisableProxy {
		t.Proxy = nil
	}
	base := &http.Client{Timeout: userTimeout, Transport: t}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, base)
	hc := oauth2.NewClient(ctx, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: accessToken, TokenType: "Bearer"}))
	return ews.New(ews.Config{URL: in.URL, HTTPClient: hc, Mailbox: email})
}
