package diagnostics

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"vmr-companion/backend/integration"
)

// addinServer checks https://{addin_server_domain}, where Outlook loads the
// add-in from: it must answer over TLS with a certificate clients trust.
func (d *diag) addinServer(ctx context.Context) Check {
	domain := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(d.in.AddinServerDomain), "."))
	if domain == "" {
		return Check{Outcome: Skip, Detail: "no add-in server domain is set: only the development manifest, sideloaded from this machine, can be used",
			Fix: "to deploy the add-in to users, set the add-in server domain to the name of the HTTPS server that hosts it"}
	}
	if d.isThisMachine(ctx, domain) {
		return Check{Outcome: Skip,
			Detail: fmt.Sprintf("%s is this machine, whose add-in host runs at %s: it is checked from here by the add-in host itself", domain, d.opt.AddinHostURL),
			Fix:    fmt.Sprintf("from a computer where Outlook runs, open https://%s/ and check that the browser trusts its certificate", domain)}
	}
	u := &url.URL{Scheme: "https", Host: domain, Path: "/"}
	req, _ := http.NewRequest(http.MethodGet, u.String(), nil)
	resp, _, err := d.get(ctx, req, 4<<10)
	if err != nil {
		return d.failRequest(u, err)
	}
	seen := fmt.Sprintf("https://%s/ answered HTTP %d", domain, resp.StatusCode)
	if resp.StatusCode >= 500 {
		return Check{Outcome: Warn, Detail: seen + ": the add-in server is failing",
			Fix: "check the add-in server's logs and that the add-in host behind it runs"}
	}
	c := Check{Outcome: Pass, Detail: seen}
	if resp.TLS != nil {
		c = d.certificateHealth(domain, *resp.TLS)
		c.Detail = seen + "; " + c.Detail
	}
	return c
}

// isThisMachine tells whether domain is where this machine's add-in host
// serves: the host of AddinHostURL, or a name for one of this machine's
// own addresses.
func (d *diag) isThisMachine(ctx context.Context, domain string) bool {
	if d.opt.AddinHostURL == "" {
		return false
	}
	if u, err := url.Parse(d.opt.AddinHostURL); err == nil && strings.EqualFold(strings.TrimSuffix(u.Hostname(), "."), domain) {
		return true
	}
	addrs, err := d.resolver().LookupHost(ctx, domain)
	if err != nil || len(addrs) == 0 {
		return false
	}
	local := map[string]bool{}
	if ifaddrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range ifaddrs {
			if ipnet, ok := a.(*net.IPNet); ok {
				local[ipnet.IP.String()] = true
			}
		}
	}
	for _, a := range addrs {
		ip := net.ParseIP(a)
		if ip == nil || !(ip.IsLoopback() || local[ip.String()]) {
			return false
		}
	}
	return true
}

// officeJS checks that Office.js can be loaded: from Microsoft's CDN, or
// from the integration's own source in offline deployments.
func (d *diag) officeJS(ctx context.Context) Check {
	raw := integration.DefaultOfficeJSURL
	custom := d.in.UseCustomAddInSources
	if custom {
		raw = strings.TrimSpace(d.in.OfficeJSURL)
		if raw == "" {
			return Check{Outcome: Fail, Detail: "custom add-in sources are on, but no Office.js URL is set",
				Fix: "set the Office.js URL to where this deployment hosts office.js (over https), or turn custom add-in sources off to use Microsoft's CDN"}
		}
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return Check{Outcome: Fail, Detail: fmt.Sprintf("the Office.js URL %q is not a URL", raw),
			Fix: "set it to the https:// address of office.js"}
	}
	if u.Scheme != "https" {
		return Check{Outcome: Fail, Detail: "the Office.js URL is not https: Outlook does not load add-in scripts over plain http",
			Fix: "serve office.js over https and set that URL"}
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if custom && d.isThisMachine(ctx, host) {
		return Check{Outcome: Skip,
			Detail: fmt.Sprintf("the integration hosts Office.js itself, on this machine's add-in host (%s)", d.opt.AddinHostURL),
			Fix:    fmt.Sprintf("from a computer where Outlook runs, open %s and check that it loads", u.Redacted())}
	}
	req, _ := http.NewRequest(http.MethodGet, u.String(), nil)
	resp, body, err := d.get(ctx, req, 1<<20)
	if err != nil {
		c := d.failRequest(u, err)
		c.Detail = "from this machine, " + c.Detail
		if !custom {
			// Outlook clients, not this machine, load it: they may well
			// reach the CDN when this server does not.
			c.Outcome = Warn
			c.Fix = fmt.Sprintf("Outlook clients must reach %s over HTTPS: allow it through their firewalls and proxies; for an offline network, turn on custom add-in sources and host Office.js yourself", host)
		}
		return c
	}
	seen := fmt.Sprintf("%s answered HTTP %d", u.Redacted(), resp.StatusCode)
	if resp.StatusCode != http.StatusOK {
		return Check{Outcome: Fail, Detail: seen + ", not the script",
			Fix: "check the Office.js URL: it must answer 200 with office.js"}
	}
	if len(body) == 0 {
		return Check{Outcome: Fail, Detail: seen + " with an empty body",
			Fix: "check the file on the server that hosts Office.js"}
	}
	where := "Microsoft's CDN"
	if custom {
		where = "the integration's own source"
	}
	c := Check{Outcome: Pass, Detail: fmt.Sprintf("%s with Office.js from %s", seen, where)}
	if resp.TLS != nil {
		if health := d.certificateHealth(host, *resp.TLS); health.Outcome != Pass {
			health.Detail = seen + "; " + health.Detail
			return health
		}
	}
	return c
}
