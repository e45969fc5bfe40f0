package certfile

import (
	"crypto/x509"
	"slices"
	"strings"
)

// Names are the names a certificate is good for: its DNS names
// (wildcards included) and IP addresses. The subject's common name is not
// one: browsers and Outlook ignore it.
func Names(leaf *x509.Certificate) []string {
	names := slices.Clone(leaf.DNSNames)
	for _, ip := range leaf.IPAddresses {
		names = append(names, ip.String())
	}
	return names
}

// Missing returns the domains of domains (host names, as
// addin_server_domain holds them) the certificate does not cover, each
// once, in the order given; blank ones are skipped.
func Missing(leaf *x509.Certificate, domains []string) []string {
	var missing []string
	for _, d := range domains {
		d = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), ".")
		if d == "" || slices.Contains(missing, d) {
			continue
		}
		if leaf.VerifyHostname(d) != nil {
			missing = append(missing, d)
		}
	}
	return missing
}
