package exidtoken

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// MetadataURLs are the metadata documents tokens for an integration may
// name: Exchange's document on each host of its domains (with the port an
// entry names), each once. Diagnostics probe them.
func MetadataURLs(domains []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, entry := range domains {
		host, port := hostPortOf(entry)
		if host == "" || exchangeOnline[host] {
			continue
		}
		u := &url.URL{Scheme: "https", Host: host, Path: MetadataPath}
		if strings.Contains(host, ":") {
			u.Host = "[" + host + "]"
		}
		if port != "" && port != "443" {
			u.Host = net.JoinHostPort(host, port)
		}
		if s := u.String(); !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// Probe reads the metadata document at metadataURL as a token check
// would (verified TLS through client, no redirects, the same limits) and
// says how many signing keys it lists.
func Probe(ctx context.Context, metadataURL string, client *http.Client) (int, error) {
	keys, err := (&Validator{}).fetch(ctx, metadataURL, client)
	return len(keys), err
}
