// Package infinity is a client for Pexip Infinity's management API (the
// Management Node's /api/admin/configuration/v1/ resources), as
// ../shared/reference/pexip-infinity.md describes it: HTTP Basic or OAuth2
// client credentials with an ES256 private-key JWT, paging through
// meta.next, at most five requests in flight, retries with back-off on 429
// and 5xx (never on other 4xx), and errors that say what to do. Its
// objects wrap the product's models (integration.Integration,
// conference.Conference) and add only what Infinity holds differently.
package infinity

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"vmr-companion/backend/secrets"
)

// ConfigPath is the prefix of every configuration resource.
const ConfigPath = "/api/admin/configuration/v1/"

// MaxInFlight is how many requests one Client has open at once: Pexip's own
// CLI stops at five because more slows the Management Node down.
const MaxInFlight = 5

// Config says where the Management Node is and how to sign in to it. Set
// Username+Password (HTTP Basic) or ClientID+PrivateKey (OAuth2), not both.
type Config struct {
	// BaseURL is the Management Node, e.g. https://mgr.example.com.
	BaseURL  string
	Username string
	Password secrets.Secret
	// ClientID and PrivateKey (the PEM of the oauth2_client's EC P-256
	// key, shown once by Infinity) select OAuth2 client credentials.
	ClientID   string
	PrivateKey secrets.Secret
	// RootCAs verifies the Management Node's certificate; nil is the
	// system's roots (ews/auth.LoadRootCAs adds an internal CA file).
	// Verification is never turned off.
	RootCAs *x509.CertPool

	// Transport replaces the HTTP transport (tests); its TLS settings are
	// then the caller's.
	Transport http.RoundTripper
	// Sleep waits d or until ctx ends; nil waits on a timer. Tests pass
	// one that records d and returns at once.
	Sleep func(ctx context.Context, d time.Duration) error
	// Rand is backoff.Full's random source; nil is math/rand/v2's.
	Rand func(n int64) int64
	// Now is the clock of JWT claims and token expiry; nil is time.Now.
	Now func() time.Time
	// MaxAttempts bounds tries per request (default 5).
	MaxAttempts int
	// RetryBase and RetryMax shape the back-off (default 500 ms and 30 s).
	RetryBase, RetryMax time.Duration
}

// Client talks to one Management Node. It is safe for concurrent use.
type Client struct {
	base  *url.URL
	cfg   Config
	http  *http.Client
	sem   chan struct{}
	auth  authenticator
	sleep func(context.Context, time.Duration) error
	now   func() time.Time
	// requests counts the HTTP requests sent (a sync reports them).
	requests atomic.Int64
	// authFailed is set once a request ended with an AuthError.
	authFailed atomic.Bool
}

// AuthFailed tells whether a request of this client ended with an
// AuthError: its credentials no longer work (a password changed, a key
// revoked), so whoever keeps the client should build a new one with the
// current secret.
func (c *Client) AuthFailed() bool { return c.authFailed.Load() }

// Requests is how many HTTP requests the client has sent, retries and
// token requests included.
func (c *Client) Requests() int { return int(c.requests.Load()) }

// New checks cfg and returns a Client; it makes no request.
func New(cfg Config) (*Client, error) {
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || base.Host == "" {
		return nil, fmt.Errorf("infinity: the Management Node address %q is not a URL such as https://mgr.example.com", cfg.BaseURL)
	}
	if base.Scheme != "https" {
		return nil, fmt.Errorf("infinity: the Management Node address %q must start with https:// (credentials are never sent in the clear)", cfg.BaseURL)
	}
	base.Path, base.RawQuery, base.Fragment = "", "", ""
	c := &Client{base: base, cfg: cfg, sem: make(chan struct{}, MaxInFlight), sleep: cfg.Sleep, now: cfg.Now}
	if c.sleep == nil {
		c.sleep = timerSleep
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.cfg.Rand == nil {
		c.cfg.Rand = rand.Int64N
	}
	if c.cfg.MaxAttempts <= 0 {
		c.cfg.MaxAttempts = 5
	}
	if c.cfg.RetryBase <= 0 {
		c.cfg.RetryBase = 500 * time.Millisecond
	}
	if c.cfg.RetryMax <= 0 {
		c.cfg.RetryMax = 30 * time.Second
	}
	rt := cfg.Transport
	if rt == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.TLSClientConfig = &tls.Config{RootCAs: cfg.RootCAs, MinVersion: tls.VersionTLS12}
		rt = t
	}
	c.http = &http.Client{Transport: rt, Timeout: 2 * time.Minute,
		// A redirect could carry the Authorization header elsewhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	switch {
	case cfg.ClientID != "" && cfg.Username != "":
		return nil, errors.New("infinity: give either a username and password or an OAuth2 client id and private key, not both")
	case cfg.ClientID != "":
		o, err := newOAuth(c, cfg.ClientID, cfg.PrivateKey)
		if err != nil {
			return nil, err
		}
		c.auth = o
	case cfg.Username != "":
		if cfg.Password.IsZero() {
			return nil, fmt.Errorf("infinity: no password for the management account %s", cfg.Username)
		}
		c.auth = basicAuth{user: cfg.Username, pass: cfg.Password}
	default:
		return nil, errors.New("infinity: no credentials: give a management account's username and password, or an OAuth2 client id and private key")
	}
	return c, nil
}

// Account names who the client signs in as (the username or client id),
// for "connected as" lines; it is never secret.
func (c *Client) Account() string {
	if c.cfg.ClientID != "" {
		return "OAuth2 client " + c.cfg.ClientID
	}
	return c.cfg.Username
}

// BaseURL is the Management Node's address.
func (c *Client) BaseURL() string { return c.base.String() }

func timerSleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// resolve turns a path or a relative URI from Infinity (meta.next, a
// Location header) into an absolute URL on the Management Node, refusing
// any other host so credentials never leave it.
func (c *Client) resolve(ref string) (*url.URL, error) {
	u, err := c.base.Parse(ref)
	if err != nil {
		return nil, fmt.Errorf("infinity: Infinity answered with a bad URI %q", truncate(ref, 200))
	}
	if u.Scheme != c.base.Scheme || u.Host != c.base.Host {
		return nil, fmt.Errorf("infinity: Infinity pointed to %s, not the Management Node %s: refused", u.Host, c.base.Host)
	}
	return u, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// LoadCAFile returns the system's roots plus the PEM certificates of path,
// for a Management Node whose certificate an internal CA issued.
func LoadCAFile(path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("infinity: reading the CA file: %w (give the PEM file of the CA that issued the Management Node's certificate)", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool() // no system roots: the file alone still verifies its own chain
	}
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("infinity: the CA file %s holds no PEM certificate (a file starting with -----BEGIN CERTIFICATE-----)", path)
	}
	return pool, nil
}
