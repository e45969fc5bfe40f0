package diagnostics

import (
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"vmr-companion/backend/ews/auth"
	"vmr-companion/backend/exchange"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
)

// Check IDs, in report order.
const (
	CheckConfig          = "config"
	CheckDNS             = "dns"
	CheckTCP             = "tcp"
	CheckTLS             = "tls"
	CheckEWSAuth         = "ews_auth"
	CheckOAuthToken      = "oauth_token"
	CheckExchangeDomains = "exchange_domains"
	CheckLayer7          = "layer7"
	CheckAddinServer     = "addin_server"
	CheckAddinIdentity   = "addin_identity"
	CheckOfficeJS        = "office_js"
)

var order = []struct{ id, title string }{
	{CheckConfig, "Integration settings"},
	{CheckDNS, "EWS host name resolves"},
	{CheckTCP, "EWS port reachable"},
	{CheckTLS, "EWS certificate"},
	{CheckEWSAuth, "Service account signs in to EWS"},
	{CheckOAuthToken, "OAuth token endpoint"},
	{CheckExchangeDomains, "EWS host in the Exchange domains"},
	{CheckLayer7, "Load balancer keeps NTLM connections"},
	{CheckAddinServer, "Add-in server"},
	{CheckAddinIdentity, "Add-in users can prove who they are"},
	{CheckOfficeJS, "Office.js"},
}

// DefaultTimeout bounds each check when Options.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// expiryWarning is how close to its end a certificate gets a warning: two
// weeks leaves time to have a certificate reissued.
const expiryWarning = 14 * 24 * time.Hour

// Options are what Run needs besides the integration. The zero value uses
// the system's roots, resolver and dialer.
type Options struct {
	// Secret reads one of the integration's secret fields from the keychain.
	// nil: no secrets, so authentication reports them missing.
	Secret func(field string) (secrets.Secret, bool, error)
	// RootCAs verify every server; nil = the system roots plus the
	// integration's EWS CA file, as the scheduler trusts them.
	RootCAs *x509.CertPool
	// SaveRefreshToken keeps an OAuth refresh token the token endpoint
	// rotated while signing in (the old one may be revoked already).
	SaveRefreshToken func(token secrets.Secret) error
	// Resolver and Dialer are used by the checks this package makes itself
	// (the EWS client and the auth transports use the system's); nil = defaults.
	Resolver *net.Resolver
	Dialer   *net.Dialer
	// DialContext replaces Dialer when set (tests route a name's port 443
	// to a loopback server).
	DialContext func(ctx context.Context, network, address string) (net.Conn, error)
	// Timeout bounds each check; DefaultTimeout when zero.
	Timeout time.Duration
	// AddinHostURL is the URL of this machine's add-in host when it runs;
	// an add-in server domain that is this machine is then not probed.
	AddinHostURL string
	// CAFileHint says, in fixes, how to give a CA file to trust (for
	// example "pass --ca-file FILE"); a generic phrase when empty.
	CAFileHint string
	// Now is the clock for certificate validity; time.Now when nil.
	Now func() time.Time
	// ProbeLayer7 replaces auth.ProbeLayer7 (tests).
	ProbeLayer7 func(ctx context.Context, s auth.Settings, ewsURL string) (*auth.Layer7Finding, error)
}

// Run diagnoses in: every check of the deployment guide, each bounded by
// opt.Timeout, the independent ones at the same time. The report lists the
// checks in a fixed order. Cancelling ctx stops the checks still running;
// they are reported as skipped.
func Run(ctx context.Context, in *integration.Integration, opt Options) *Report {
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultTimeout
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Secret == nil {
		opt.Secret = func(string) (secrets.Secret, bool, error) { return secrets.Secret{}, false, nil }
	}
	if opt.ProbeLayer7 == nil {
		opt.ProbeLayer7 = auth.ProbeLayer7
	}
	d := &diag{in: in, opt: opt, checks: make([]Check, len(order))}
	r := &Report{Started: opt.Now()}
	if in == nil {
		d.in = &integration.Integration{}
		r.Checks = []Check{{ID: CheckConfig, Title: order[0].title, Outcome: Fail,
			Detail: "no integration was given", Fix: "choose an integration to diagnose"}}
		return r
	}
	r.Integration = in.Name
	if opt.RootCAs == nil {
		d.opt.RootCAs, d.caErr = exchange.RootCAs(in)
	}
	d.parseURL()
	d.logf("diagnosing integration %q: EWS URL %s, authentication %s", in.Name, redactURL(in.URL), in.AuthenticationMethod)

	d.run(ctx, CheckConfig, d.config)
	d.run(ctx, CheckExchangeDomains, d.exchangeDomains)

	var wg sync.WaitGroup
	wg.Go(func() {
		// The EWS chain: each step needs the one before it.
		if d.ews == nil {
			d.noEWS(ctx)
			return
		}
		if !d.run(ctx, CheckDNS, d.dns) {
			d.skipAfter(ctx, CheckDNS, CheckTCP, CheckTLS, CheckEWSAuth, CheckLayer7)
			return
		}
		if !d.run(ctx, CheckTCP, d.tcp) {
			d.skipAfter(ctx, CheckTCP, CheckTLS, CheckEWSAuth, CheckLayer7)
			return
		}
		if !d.run(ctx, CheckTLS, d.tls) {
			d.skipAfter(ctx, CheckTLS, CheckEWSAuth, CheckLayer7)
			return
		}
		var chain sync.WaitGroup
		chain.Go(func() { d.run(ctx, CheckEWSAuth, d.ewsAuth) })
		chain.Go(func() { d.run(ctx, CheckLayer7, d.layer7) })
		chain.Wait()
	})
	wg.Go(func() { d.run(ctx, CheckOAuthToken, d.oauthToken) })
	wg.Go(func() { d.run(ctx, CheckAddinServer, d.addinServer) })
	wg.Go(func() { d.run(ctx, CheckAddinIdentity, d.addinIdentity) })
	wg.Go(func() { d.run(ctx, CheckOfficeJS, d.officeJS) })
	wg.Wait()

	r.Checks = d.checks
	r.Log = d.log
	d.logf("done: %s", r.Worst())
	return r
}

// diag is one run: the integration, the options, and the results so far.
type diag struct {
	in  *integration.Integration
	opt Options

	ews    *url.URL // nil when the EWS URL is missing or unparsable
	ewsErr string   // why ews is nil
	host   string   // EWS host, without brackets
	port   string   // EWS port, explicit or from the scheme
	caErr  error    // the integration's CA file could not be loaded

	mu     sync.Mutex
	checks []Check
	log    []string
}

func (d *diag) parseURL() {
	raw := strings.TrimSpace(d.in.URL)
	if raw == "" {
		d.ewsErr = "the integration has no EWS URL"
		return
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		d.ewsErr = fmt.Sprintf("the EWS URL %q is not an http(s) URL with a host", redactURL(raw))
		return
	}
	d.ews = u
	d.host = strings.TrimSuffix(u.Hostname(), ".")
	d.port = u.Port()
	if d.port == "" {
		d.port = "443"
		if u.Scheme == "http" {
			d.port = "80"
		}
	}
}

func (d *diag) logf(format string, args ...any) {
	line := d.opt.Now().UTC().Format("15:04:05.000") + " " + fmt.Sprintf(format, args...)
	d.mu.Lock()
	d.log = append(d.log, line)
	d.mu.Unlock()
}

func index(id string) int {
	for i, o := range order {
		if o.id == id {
			return i
		}
	}
	panic("diagnostics: unknown check " + id)
}

func (d *diag) set(c Check) {
	d.mu.Lock()
	d.checks[index(c.ID)] = c
	d.mu.Unlock()
}

// run runs one check within the timeout, records it, and says whether the
// checks that depend on it may go on (pass, warn, or skip for "nothing to
// check here", such as an IP address for dns).
func (d *diag) run(ctx context.Context, id string, fn func(ctx context.Context) Check) (proceed bool) {
	title := order[index(id)].title
	if err := ctx.Err(); err != nil {
		d.set(Check{ID: id, Title: title, Outcome: Skip, Detail: "the diagnosis was cancelled before this check started"})
		return false
	}
	cctx, cancel := context.WithTimeout(ctx, d.opt.Timeout)
	defer cancel()
	start := time.Now()
	c := func() (c Check) {
		defer func() {
			if p := recover(); p != nil {
				c = Check{Outcome: Fail, Detail: fmt.Sprintf("the check itself failed: %v", p),
					Fix: "this is a bug in VMR Companion: report it with the diagnostics bundle"}
			}
		}()
		return fn(cctx)
	}()
	if ctx.Err() != nil && c.Outcome != Pass {
		c = Check{Outcome: Skip, Detail: "the diagnosis was cancelled before this check finished"}
	}
	c.ID, c.Title, c.Elapsed = id, title, time.Since(start)
	if c.Outcome == Pass {
		c.Fix = ""
	}
	d.set(c)
	d.logf("%s: %s: %s", id, c.Outcome, c.Detail)
	return c.Outcome != Fail && !(c.Outcome == Skip && ctx.Err() != nil)
}

// noEWS reports the EWS chain when there is no usable EWS URL: skipped
// when the integration does not use Exchange's web services at all.
func (d *diag) noEWS(ctx context.Context) {
	chain := []string{CheckDNS, CheckTCP, CheckTLS, CheckEWSAuth, CheckLayer7}
	if !d.in.EnableDynamicVMRs && strings.TrimSpace(d.in.URL) == "" {
		for _, id := range chain {
			d.set(Check{ID: id, Title: order[index(id)].title, Outcome: Skip,
				Detail: "single-use VMRs are off and no EWS URL is set: the service does not connect to Exchange"})
		}
		return
	}
	d.set(Check{ID: CheckDNS, Title: order[index(CheckDNS)].title, Outcome: Fail, Detail: d.ewsErr,
		Fix: "set the EWS URL to https://<Exchange server or load balancer>/EWS/Exchange.asmx"})
	d.logf("%s: %s: %s", CheckDNS, Fail, d.ewsErr)
	d.skipAfter(ctx, CheckDNS, chain[1:]...)
}

// skipAfter marks the checks that need a failed one as skipped.
func (d *diag) skipAfter(ctx context.Context, failed string, ids ...string) {
	detail := fmt.Sprintf("not checked: it needs the %q check to succeed first", failed)
	if ctx.Err() != nil {
		detail = "the diagnosis was cancelled before this check started"
	}
	for _, id := range ids {
		d.set(Check{ID: id, Title: order[index(id)].title, Outcome: Skip, Detail: detail})
	}
}

func (d *diag) timeout() string { return d.opt.Timeout.String() }

// trustFix says how to trust a CA by name.
func (d *diag) trustFix(ca string) string {
	how := "or set the integration's EWS CA file (ews_ca_file) to a PEM file holding it"
	if d.opt.CAFileHint != "" {
		how = "or " + d.opt.CAFileHint + " with a PEM file holding it"
	}
	return fmt.Sprintf("trust the CA %s: add its certificate to this machine's trust store, %s (if the server sends no intermediate certificates, configure it to send the whole chain)", ca, how)
}

// redactURL drops a password from a URL's user info, in case one was typed there.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	return u.Redacted()
}
