package scheduler

import (
	"context"
	"crypto/rand"
	"os"

	"vmr-companion/backend/ews"
	"vmr-companion/backend/exchange"
	"vmr-companion/backend/integration"
)

// Secrets reads and rotates an integration's keychain secrets
// (backend/integration.Service).
type Secrets = exchange.Keys

// EWSConnector opens room mailboxes over EWS as backend/exchange builds
// their clients. Their User-Agent adds this instance's host and pid to
// userAgent, and each request carries its pass's id (ews.PassHeader), so
// that Exchange's logs tell which instance sent what.
func EWSConnector(keys Secrets, userAgent string) Connector {
	host, _ := os.Hostname()
	userAgent = ews.InstanceUserAgent(userAgent, host, os.Getpid())
	return func(ctx context.Context, in *integration.Integration) (Mailbox, error) {
		c, err := exchange.OpenRoom(ctx, keys, in, exchange.Options{UserAgent: userAgent})
		if err != nil {
			return nil, err
		}
		return MailboxOf(c), nil
	}
}

// ewsMailbox adapts *ews.Client to Mailbox.
type ewsMailbox struct{ *ews.Client }

func (m ewsMailbox) Organizer(email string) OrganizerMailbox { return m.Client.As(email, true) }

// MailboxOf adapts an EWS client to Mailbox.
func MailboxOf(c *ews.Client) Mailbox { return ewsMailbox{c} }

// errConfig marks settings a retry cannot fix (exchange.ErrConfig).
var errConfig = exchange.ErrConfig

// withPass gives a pass's context its random id for ews.PassHeader.
func withPass(ctx context.Context) context.Context {
	return ews.WithPass(ctx, rand.Text()[:16])
}
