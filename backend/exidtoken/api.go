// Package exidtoken validates Exchange identity tokens: the JWT that
// Office.context.mailbox.getUserIdentityTokenAsync gives an Outlook add-in
// on Exchange Server (and, where still enabled, Exchange Online). Exchange
// signs it with a key it publishes in an authentication metadata document
// at the token's amurl; the user's stable identity is the token's msexchuid
// together with that amurl.
package exidtoken

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// Config tunes a Validator.
type Config struct {
	// Now is the clock; nil is time.Now (tests freeze it).
	Now func() time.Time
	// Logger receives fetch failures; nil discards them. Tokens are never
	// logged.
	Logger *slog.Logger
}

// Expect is what a token must match for one integration.
type Expect struct {
	// Audiences are the add-in's task pane URLs (the SourceLocation of the
	// integration's production and development manifests), without query
	// string; aud must be one of them, compared without its query string.
	Audiences []string
	// Hosts are the integration's Exchange domains (the host part of each
	// entry of domains); amurl must be https on one of them, and no
	// metadata is ever fetched from any other host.
	Hosts []string
	// Client fetches the metadata document over verified TLS (the
	// integration's ews_ca_file, when set, among its roots); nil is
	// http.DefaultClient. Redirects are not followed, whatever it says.
	Client *http.Client
	// Trust names what Client trusts (the CA file, its version, the proxy
	// choice): documents are cached per URL and Trust, so one fetched
	// through one integration's trust store never serves another's.
	Trust string
}

// Identity is the Exchange user a valid token names.
type Identity struct {
	// ExchangeUID is appctx.msexchuid; MetadataURL is appctx.amurl.
	ExchangeUID string
	MetadataURL string
	// Key is the stable identity: "exchange:" + amurl + "#" + msexchuid.
	Key string
	// Audience is the task pane URL the token was issued for.
	Audience string
	// Issuer is the token's iss, as Exchange wrote it (recorded, not
	// checked: Exchange's issuer names vary by deployment).
	Issuer string
	// Expires is the token's exp.
	Expires time.Time
}

// RefusedError is a token that is not acceptable: the answer is a 401.
// Check names the failed check ("signature", "aud", "exp", "amurl", ...);
// Detail says it in words an admin can act on, without key material or
// the token itself.
type RefusedError struct {
	Check  string
	Detail string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("exidtoken: %s: %s", e.Check, e.Detail)
}

// UnavailableError is a metadata document that could not be read or used
// (the Exchange server down, a TLS failure, no usable keys): the answer is
// a 503, not a 401.
type UnavailableError struct {
	URL string
	Err error
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("exidtoken: reading the authentication metadata at %s: %v", e.URL, e.Err)
}

func (e *UnavailableError) Unwrap() error { return e.Err }

// Validate checks raw against want and returns the user it names. Errors
// are *RefusedError or *UnavailableError (or the context's error).
func (v *Validator) Validate(ctx context.Context, raw string, want Expect) (*Identity, error) {
	return v.validate(ctx, raw, want)
}
