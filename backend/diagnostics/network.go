package diagnostics

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"
)

func (d *diag) resolver() *net.Resolver {
	if d.opt.Resolver != nil {
		return d.opt.Resolver
	}
	return net.DefaultResolver
}

// dial connects with the options' DialContext, or their dialer (copied, so
// its fields stay the caller's) using their resolver.
func (d *diag) dial(ctx context.Context, network, address string) (net.Conn, error) {
	if d.opt.DialContext != nil {
		return d.opt.DialContext(ctx, network, address)
	}
	var dl net.Dialer
	if d.opt.Dialer != nil {
		dl = *d.opt.Dialer
	}
	if dl.Resolver == nil {
		dl.Resolver = d.opt.Resolver
	}
	return dl.DialContext(ctx, network, address)
}

func (d *diag) tlsConfig(serverName string) *tls.Config {
	return &tls.Config{RootCAs: d.opt.RootCAs, ServerName: serverName, Time: d.opt.Now, MinVersion: tls.VersionTLS12}
}

func (d *diag) dns(ctx context.Context) Check {
	if ip := net.ParseIP(d.host); ip != nil {
		return Check{Outcome: Skip, Detail: fmt.Sprintf("the EWS URL names the IP address %s: nothing to resolve", d.host)}
	}
	addrs, err := d.resolver().LookupHost(ctx, d.host)
	if err != nil {
		detail, fix := d.describe(d.host, d.port, err)
		return Check{Outcome: Fail, Detail: detail, Fix: fix}
	}
	return Check{Outcome: Pass, Detail: fmt.Sprintf("%s resolves to %s", d.host, strings.Join(addrs, ", "))}
}

func (d *diag) tcp(ctx context.Context) Check {
	addr := net.JoinHostPort(d.host, d.port)
	conn, err := d.dial(ctx, "tcp", addr)
	if err != nil {
		detail, fix := d.describe(d.host, d.port, err)
		return Check{Outcome: Fail, Detail: detail, Fix: fix}
	}
	defer conn.Close()
	return Check{Outcome: Pass, Detail: fmt.Sprintf("connected to %s (%s)", addr, conn.RemoteAddr())}
}

func (d *diag) tls(ctx context.Context) Check {
	if d.ews.Scheme != "https" {
		return Check{Outcome: Fail,
			Detail: "the EWS URL starts with http://: the service account's password or token would cross the network unencrypted",
			Fix:    fmt.Sprintf("use https://%s/EWS/Exchange.asmx", d.ews.Host)}
	}
	if d.caErr != nil {
		return Check{Outcome: Fail, Detail: d.caErr.Error(), Fix: "correct the integration's EWS CA file (ews_ca_file), or clear it to trust the system's CAs only"}
	}
	c, _ := d.handshake(ctx, d.host, d.port)
	return c
}

// handshake connects to host:port and checks its certificate chain and name.
func (d *diag) handshake(ctx context.Context, host, port string) (Check, *tls.ConnectionState) {
	raw, err := d.dial(ctx, "tcp", net.JoinHostPort(host, port))
	if err != nil {
		detail, fix := d.describe(host, port, err)
		return Check{Outcome: Fail, Detail: detail, Fix: fix}, nil
	}
	conn := tls.Client(raw, d.tlsConfig(host))
	defer conn.Close()
	if err := conn.HandshakeContext(ctx); err != nil {
		detail, fix := d.describe(host, port, err)
		return Check{Outcome: Fail, Detail: detail, Fix: fix}, nil
	}
	state := conn.ConnectionState()
	return d.certificateHealth(host, state), &state
}

// certificateHealth looks at a verified chain: it passes unless some
// certificate of it ends within expiryWarning.
func (d *diag) certificateHealth(host string, state tls.ConnectionState) Check {
	if len(state.VerifiedChains) == 0 || len(state.VerifiedChains[0]) == 0 {
		return Check{Outcome: Fail, Detail: fmt.Sprintf("%s sent no verifiable certificate", host),
			Fix: "configure the server with a certificate for its name"}
	}
	chain := state.VerifiedChains[0]
	leaf := chain[0]
	soonest := leaf
	for _, c := range chain[1:] {
		if c.NotAfter.Before(soonest.NotAfter) {
			soonest = c
		}
	}
	now := d.opt.Now()
	seen := fmt.Sprintf("certificate %s issued by %s, valid until %s (%s)", name(leaf.Subject), name(leaf.Issuer),
		leaf.NotAfter.UTC().Format(time.DateOnly), tls.VersionName(state.Version))
	if left := soonest.NotAfter.Sub(now); left < expiryWarning {
		what := "the certificate of " + host
		if soonest != leaf {
			what = "the CA certificate " + name(soonest.Subject) + " in the chain of " + host
		}
		return Check{Outcome: Warn,
			Detail: fmt.Sprintf("%s expires on %s, in %d day(s); %s", what, soonest.NotAfter.UTC().Format(time.DateOnly), int(left.Hours()/24), seen),
			Fix:    "renew it now and install the new certificate on the server (and every load balancer node): connections fail the moment it expires"}
	}
	return Check{Outcome: Pass, Detail: seen}
}

// transport reaches servers the way every check does: this run's dialer and
// the roots the integration trusts.
func (d *diag) transport() *http.Transport {
	return &http.Transport{Proxy: http.ProxyFromEnvironment, DialContext: d.dial, TLSClientConfig: d.tlsConfig(""), ForceAttemptHTTP2: true}
}

// get sends one request over verified TLS and reads at most limit bytes of
// the answer.
func (d *diag) get(ctx context.Context, req *http.Request, limit int64) (*http.Response, []byte, error) {
	tr := d.transport()
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: d.opt.Timeout,
		CheckRedirect: func(r *http.Request, via []*http.Request) error {
			if r.URL.Scheme != "https" {
				return fmt.Errorf("redirected from %s to %s, which is not https", via[len(via)-1].URL.Redacted(), r.URL.Redacted())
			}
			if len(via) >= 5 {
				return fmt.Errorf("more than 5 redirects, the last to %s", r.URL.Redacted())
			}
			return nil
		}}
	resp, err := client.Do(req.WithContext(ctx))
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		return nil, nil, err
	}
	return resp, body, nil
}

// failRequest describes a failed request to u as a failing check.
func (d *diag) failRequest(u *url.URL, err error) Check {
	port := u.Port()
	if port == "" {
		port = "443"
	}
	detail, fix := d.describe(u.Hostname(), port, err)
	return Check{Outcome: Fail, Detail: detail, Fix: fix}
}

// describe says what a network or TLS error means for host:port and what to
// do about it.
func (d *diag) describe(host, port string, err error) (detail, fix string) {
	addr := net.JoinHostPort(host, port)
	var (
		dnsErr     *net.DNSError
		hostErr    x509.HostnameError
		invalid    x509.CertificateInvalidError
		unknown    x509.UnknownAuthorityError
		verify     *tls.CertificateVerificationError
		record     tls.RecordHeaderError
		noRoots    x509.SystemRootsError
		redirected *url.Error
	)
	switch {
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return fmt.Sprintf("%s does not resolve: the DNS server knows no such name", host),
			fmt.Sprintf("check the host name %s for typos; if it is right, add a DNS record for it (A or CNAME) where this machine looks it up", host)
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("looking up %s failed: %v", host, dnsErr),
			"check this machine's DNS servers (/etc/resolv.conf or the network settings) and that they answer"
	case errors.As(err, &hostErr):
		return fmt.Sprintf("the certificate of %s is for %s, not for %s", addr, certNames(hostErr.Certificate), hostErr.Host),
			fmt.Sprintf("use one of the certificate's names in the URL, or have the certificate reissued with %s among its subject alternative names", hostErr.Host)
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		now := d.opt.Now()
		if invalid.Cert != nil && now.Before(invalid.Cert.NotBefore) {
			return fmt.Sprintf("the certificate %s of %s is not valid before %s", name(invalid.Cert.Subject), addr, invalid.Cert.NotBefore.UTC().Format(time.RFC3339)),
				"check this machine's clock and time zone; if they are right, the server's certificate was issued for the future: reissue it"
		}
		what, when := "the certificate of "+addr, ""
		if invalid.Cert != nil {
			what = fmt.Sprintf("the certificate %s of %s", name(invalid.Cert.Subject), addr)
			when = " on " + invalid.Cert.NotAfter.UTC().Format(time.DateOnly)
		}
		return what + " expired" + when,
			"renew the certificate and install it on the server (and every load balancer node in front of it)"
	case errors.As(err, &invalid):
		return fmt.Sprintf("the certificate chain of %s is not valid: %v", addr, invalid),
			"have the certificate reissued by a CA for use as a TLS server certificate"
	case errors.As(err, &unknown) || errors.As(err, &noRoots):
		errors.As(err, &verify)
		ca := "that issued the server's certificate"
		subject := ""
		if verify != nil && len(verify.UnverifiedCertificates) > 0 {
			certs := verify.UnverifiedCertificates
			last := certs[len(certs)-1]
			subject = name(certs[0].Subject)
			ca = fmt.Sprintf("%q", name(last.Issuer))
		} else if unknown.Cert != nil {
			subject = name(unknown.Cert.Subject)
			ca = fmt.Sprintf("%q", name(unknown.Cert.Issuer))
		}
		return fmt.Sprintf("the certificate %s of %s is issued by %s, which this machine does not trust", subject, addr, strings.Trim(ca, `"`)),
			d.trustFix(ca)
	case errors.As(err, &record):
		return fmt.Sprintf("%s answers, but not with TLS (plain HTTP on a TLS port?)", addr),
			"check the port in the URL: it must be the server's HTTPS port (normally 443)"
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("the connection to %s was refused: nothing listens on that port", addr),
			fmt.Sprintf("check the port in the URL (HTTPS is normally 443) and that the server or load balancer at %s is up and listening", host)
	case errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH):
		return fmt.Sprintf("there is no route from this machine to %s", addr),
			"check this machine's network connection, routing and VPN"
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return fmt.Sprintf("no answer from %s within %s", addr, d.timeout()),
			fmt.Sprintf("a firewall may be dropping the traffic: allow TCP port %s from this machine to %s", port, host)
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Sprintf("%s closed the connection during the TLS handshake: %v", addr, err),
			"the server may accept only TLS versions or ciphers this machine does not offer (it needs TLS 1.2 or later), or a firewall resets the connection: check the server's TLS settings"
	case errors.As(err, &redirected) && strings.Contains(redirected.Err.Error(), "redirect"):
		return fmt.Sprintf("%s: %v", addr, redirected.Err), "point the URL at the final address, served over https"
	}
	return fmt.Sprintf("connecting to %s failed: %v", addr, err),
		"check the network path from this machine to " + host + " (firewall, proxy, load balancer)"
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// name is a distinguished name as people know it: its common name, or the
// whole name when it has none.
func name(n pkix.Name) string {
	if n.CommonName != "" {
		return n.CommonName
	}
	return n.String()
}

// certNames lists what a certificate is valid for.
func certNames(c *x509.Certificate) string {
	if c == nil {
		return "other names"
	}
	var names []string
	names = append(names, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 && c.Subject.CommonName != "" {
		return c.Subject.CommonName + " (in the subject only; clients need it as a subject alternative name)"
	}
	if len(names) == 0 {
		return "no names at all"
	}
	return strings.Join(names, ", ")
}
