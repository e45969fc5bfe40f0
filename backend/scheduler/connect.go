package scheduler

import (
	"context"
	"fmt"
	"net/http"

	"vmr-companion/backend/ews"
	"vmr-companion/backend/ews/auth"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
)

// Secrets reads and rotates an integration's keychain secrets
// (backend/integration.Service).
type Secrets interface {
	Secret(ctx context.Context, in *integration.Integration, field string) (secrets.Secret, bool, error)
	SetSecret(ctx context.Context, in *integration.Integration, field string, v secrets.Secret) error
}

// EWSConnector opens room mailboxes over EWS with each integration's
// authentication, trusting the system's CAs plus the integration's CA file.
func EWSConnector(keys Secrets, userAgent string) Connector {
	return func(ctx context.Context, in *integration.Integration) (Mailbox, error) {
		hc, err := HTTPClient(ctx, keys, in)
		if err != nil {
			return nil, err
		}
		c, err := ews.New(ews.Config{URL: in.URL, HTTPClient: hc, Mailbox: *in.RoomMailboxEmailAddress,
			Impersonate: in.AuthenticationMethod == integration.AuthAppPerm, UserAgent: userAgent})
		if err != nil {
			return nil, fmt.Errorf("%w: %w", errConfig, err)
		}
		return MailboxOf(c), nil
	}
}

// HTTPClient builds the authenticated HTTP client for an integration's
// Exchange.
func HTTPClient(ctx context.Context, keys Secrets, in *integration.Integration) (*http.Client, error) {
	settings, err := auth.FromIntegration(in, func(field string) (secrets.Secret, bool, error) {
		return keys.Secret(ctx, in, field)
	})
	if err != nil {
		return nil, err
	}
	if in.EWSCAFile != "" {
		pool, err := auth.LoadRootCAs(in.EWSCAFile)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", errConfig, err)
		}
		settings.RootCAs = pool
	}
	settings.OnRefreshToken = func(token string) error {
		return keys.SetSecret(context.Background(), in, integration.SecretOAuthRefreshToken, secrets.New(token))
	}
	return auth.NewHTTPClient(settings)
}

// ewsMailbox adapts *ews.Client to Mailbox.
type ewsMailbox struct{ *ews.Client }

func (m ewsMailbox) Organizer(email string) OrganizerMailbox { return m.Client.As(email, true) }

// MailboxOf adapts an EWS client to Mailbox.
func MailboxOf(c *ews.Client) Mailbox { return ewsMailbox{c} }
