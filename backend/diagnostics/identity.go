package diagnostics

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"vmr-companion/backend/exidtoken"
	"vmr-companion/backend/integration"
)

// addinIdentity checks that the add-in host can check the tokens the
// add-in sends under the integration's addin_authentication_method: the
// signing keys Exchange publishes for its identity tokens, or the OpenID
// metadata of the identity provider for SSO and NAA tokens.
func (d *diag) addinIdentity(ctx context.Context) Check {
	switch d.in.AddinAuthenticationMethod {
	case integration.AddinAuthSSOToken, integration.AddinAuthNAAToken:
		return d.oidcMetadata(ctx)
	default:
		return d.exchangeMetadata(ctx)
	}
}

// exchangeMetadata reads Exchange's authentication metadata on each host of
// the domains, as the add-in host does for an identity token naming it.
func (d *diag) exchangeMetadata(ctx context.Context) Check {
	urls := exidtoken.MetadataURLs(d.in.Domains)
	if len(urls) == 0 {
		return Check{Outcome: Fail, Detail: "the integration lists no Exchange domains, so no Exchange identity token can be checked",
			Fix: "add the host name of your Exchange server (or its load balancer) to the Exchange domains"}
	}
	client := d.client()
	defer client.CloseIdleConnections()
	var good, bad []string
	var firstErr error
	for _, u := range urls {
		n, err := exidtoken.Probe(ctx, u, client)
		if err != nil {
			bad = append(bad, u)
			if firstErr == nil {
				firstErr = err
			}
			d.logf("addin_identity: %s: %v", u, err)
			continue
		}
		good = append(good, fmt.Sprintf("%s lists %d signing key(s)", u, n))
	}
	if len(good) > 0 {
		c := Check{Outcome: Pass, Detail: strings.Join(good, "; ")}
		if len(bad) > 0 {
			c.Detail += fmt.Sprintf("; no metadata at %s (fine for a domain that is no Exchange server)", strings.Join(bad, ", "))
		}
		return c
	}
	// This machine may not be the one that runs serve: a warning.
	return Check{Outcome: Warn,
		Detail: fmt.Sprintf("none of the Exchange domains serves Exchange's authentication metadata to this machine (%s: %v)", urls[0], firstErr),
		Fix: "the add-in host reads the signing keys of Exchange identity tokens from https://<Exchange host>/autodiscover/metadata/json/1: " +
			"list the Exchange server's host name (with its port if not 443) in the Exchange domains, let the machine running the host reach it over HTTPS, " +
			"and give the CA of its certificate in ews_ca_file if it is private"}
}

// oidcMetadata reads the identity provider's OpenID metadata the add-in host
// verifies SSO and NAA tokens against.
func (d *diag) oidcMetadata(ctx context.Context) Check {
	raw := strings.TrimSpace(d.in.AddinOIDCMetadataURL)
	if raw == "" {
		return Check{Outcome: Fail, Detail: d.in.AddinAuthenticationMethod + " tokens are checked against the identity provider's OpenID metadata, and none is set",
			Fix: "set the add-in's OpenID metadata URL (addin_oidc_metadata_url), for Entra ID https://login.microsoftonline.com/<tenant id>/v2.0/.well-known/openid-configuration"}
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return Check{Outcome: Fail, Detail: fmt.Sprintf("the OpenID metadata URL %q is not an https URL", raw), Fix: "set it to the provider's https:// metadata address"}
	}
	req, _ := http.NewRequest(http.MethodGet, u.String(), nil)
	resp, body, err := d.get(ctx, req, 1<<20)
	if err != nil {
		c := d.failRequest(u, err)
		c.Outcome = Warn
		c.Detail = "from this machine, " + c.Detail
		return c
	}
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &doc) != nil || doc.Issuer == "" || doc.JWKSURI == "" {
		return Check{Outcome: Fail, Detail: fmt.Sprintf("%s answered HTTP %d without an OpenID metadata document (issuer and jwks_uri)", u.Redacted(), resp.StatusCode),
			Fix: "check the add-in's OpenID metadata URL: it ends in /.well-known/openid-configuration"}
	}
	return Check{Outcome: Pass, Detail: fmt.Sprintf("issuer %s, signing keys at %s", doc.Issuer, doc.JWKSURI)}
}

// client is an HTTP client like get's, trusting what the integration
// trusts, that follows no redirect (a token check follows none either).
func (d *diag) client() *http.Client {
	return &http.Client{Transport: d.transport(), Timeout: d.opt.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
