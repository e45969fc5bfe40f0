package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"vmr-companion/backend/integration"
)

// Layer7Finding reports signs of an HTTP (Layer 7) proxy or load balancer
// between here and the EWS server.
type Layer7Finding struct {
	// Detected: a response carried the mark of a proxy or load balancer.
	Detected bool
	// Pooled: an unauthenticated request on a new connection was answered
	// as authenticated, so the hop hands connections that NTLM
	// authenticated to other clients. Anyone who reaches it is served as
	// the service account.
	Pooled   bool
	Evidence []string
}

const layer7Fix = "Configure it as Layer 4 (TCP) passthrough, or turn off its upstream connection pooling (keepalive) for Exchange"

// proxyServers are Server header values of HTTP proxies and load balancers,
// lower case. Exchange answers with Microsoft-IIS (and X-FEServer when its
// own front end proxied the request, which keeps NTLM working).
var proxyServers = []string{
	"nginx", "openresty", "haproxy", "envoy", "bigip", "big-ip", "netscaler", "awselb", "kemp",
	"cloudflare", "akamaighost", "varnish", "squid", "traefik", "microsoft-azure-application-gateway",
	"apache traffic server", "zscaler", "fortiweb", "barracuda", "sophos",
}

// proxyHeaders only appear when a cache, CDN or proxy handled the response.
var proxyHeaders = []string{"Via", "X-Cache", "X-Cache-Lookup", "X-Varnish", "X-Served-By", "X-Amz-Cf-Id", "X-Azure-Ref"}

// proxyCookies are affinity cookies set by load balancers (name prefixes).
var proxyCookies = []string{"BIGipServer", "NSC_", "AWSALB", "AWSELB", "ApplicationGatewayAffinity", "SERVERID", "KEMP", "TS01"}

// layer7Evidence lists the marks of a Layer 7 hop in res.
func layer7Evidence(res *http.Response) []string {
	var out []string
	if server := res.Header.Get("Server"); server != "" {
		lower := strings.ToLower(server)
		for _, p := range proxyServers {
			if strings.Contains(lower, p) {
				out = append(out, "Server: "+server)
				break
			}
		}
	}
	for _, h := range proxyHeaders {
		if v := res.Header.Get(h); v != "" {
			out = append(out, h+": "+v)
		}
	}
	for _, c := range res.Cookies() {
		for _, p := range proxyCookies {
			if strings.HasPrefix(c.Name, p) {
				out = append(out, "a load balancer affinity cookie ("+c.Name+")")
				break
			}
		}
	}
	return out
}

// ProbeLayer7 looks for an HTTP proxy or load balancer in front of the EWS
// server at ewsURL: it reads the marks of one in the responses and, with
// NTLM settings, sets the pooling trap: after authenticating on one
// connection, an unauthenticated request on a brand-new connection must be
// refused (401); if it is answered, a Layer 7 hop reuses the authenticated
// upstream connection for other clients. The probe only reads (GET).
func ProbeLayer7(ctx context.Context, s Settings, ewsURL string) (*Layer7Finding, error) {
	f := &Layer7Finding{}
	note := func(evidence ...string) {
		if len(evidence) > 0 {
			f.Detected = true
		}
		f.Evidence = appendNew(f.Evidence, evidence...)
	}

	// An anonymous request on its own connection: what does a stranger get?
	anonymous, err := anonymousStatus(ctx, s, ewsURL, note)
	if err != nil {
		return nil, err
	}
	if s.Method != integration.AuthNTLM {
		if anonymous >= 200 && anonymous < 300 {
			f.Evidence = append(f.Evidence, fmt.Sprintf("an unauthenticated request was answered %d: Exchange always asks for credentials; check that the URL is Exchange's EWS endpoint", anonymous))
		}
		return f, nil
	}

	client, err := NewHTTPClient(s)
	if err != nil {
		return nil, err
	}
	defer client.CloseIdleConnections()
	res, err := get(ctx, client, ewsURL)
	var refused *Error
	if errors.As(err, &refused) {
		// The trap needs an authenticated connection; a refusal is itself
		// a finding (its advice names the evidence it saw).
		f.Evidence = append(f.Evidence, "NTLM authentication failed, so the pooling test was not run: "+refused.Error())
		return f, nil
	}
	if err != nil {
		return nil, err
	}
	note(layer7Evidence(res)...)
	discard(res)
	authenticated := res.StatusCode

	if anonymous != http.StatusUnauthorized {
		// Exchange always asks a new connection for credentials. Answered
		// as the service account is, a stranger is most likely served on
		// a connection NTLM authenticated earlier (this service keeps its
		// connections), and the probe cannot reset a pool to prove it.
		if !pastAuthentication(anonymous) || anonymous != authenticated {
			f.Evidence = append(f.Evidence, fmt.Sprintf("the pooling test was not run: the server answered an unauthenticated request with %d instead of 401", anonymous))
			return f, nil
		}
		f.Detected, f.Pooled = true, true
		f.Evidence = append(f.Evidence, fmt.Sprintf(
			"DANGEROUS: an unauthenticated request on a new connection was answered %d, as the authenticated service account is, but Exchange always asks for credentials: "+
				"an HTTP proxy or load balancer is most likely serving a connection that NTLM authenticated earlier (this service's or another client's) to anyone, "+
				"or the URL is not Exchange's EWS endpoint. "+layer7Fix, anonymous))
		return f, nil
	}

	after, err := anonymousStatus(ctx, s, ewsURL, note)
	if err != nil {
		return nil, err
	}
	if after != http.StatusUnauthorized && pastAuthentication(after) {
		f.Detected, f.Pooled = true, true
		f.Evidence = append(f.Evidence, fmt.Sprintf(
			"DANGEROUS: an unauthenticated request on a new connection was answered %d instead of 401 right after the service account authenticated with NTLM: "+
				"an HTTP proxy or load balancer pools connections to Exchange and serves other clients on the one NTLM authenticated, as the service account. "+layer7Fix, after))
	}
	return f, nil
}

// pastAuthentication reports whether a status comes from behind
// authentication: the application answered (a success, a method or request
// it refuses, a fault), not a gateway, a redirect or an access rule.
func pastAuthentication(status int) bool {
	switch {
	case status >= 200 && status < 300:
		return true
	case status == http.StatusUnauthorized, status == http.StatusForbidden, status == http.StatusNotFound,
		status == http.StatusProxyAuthRequired, status == http.StatusRequestTimeout, status == http.StatusTooManyRequests:
		return false
	case status >= 400 && status < 500, status == http.StatusInternalServerError:
		return true
	}
	return false
}

// anonymousStatus sends an unauthenticated GET on a connection of its own.
func anonymousStatus(ctx context.Context, s Settings, ewsURL string, note func(...string)) (int, error) {
	t := baseTransport(s, false)
	t.DisableKeepAlives = true
	defer t.CloseIdleConnections()
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	client := &http.Client{Transport: t, Timeout: timeout, CheckRedirect: refuseRedirect(s.Method)}
	res, err := get(ctx, client, ewsURL)
	if err != nil {
		return 0, err
	}
	note(layer7Evidence(res)...)
	discard(res)
	return res.StatusCode, nil
}

func get(ctx context.Context, client *http.Client, url string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("auth: the EWS URL %q is not a URL: %w (use https://<server>/EWS/Exchange.asmx)", url, err)
	}
	res, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("auth: probing %s: %w", req.URL.Redacted(), err)
	}
	return res, nil
}
