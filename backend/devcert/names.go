package devcert

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// defaultDNSName and the loopback addresses are always in the CA's name
// constraints and in every leaf: the add-in host listens on 127.0.0.1, and
// browsers reach it as localhost too.
const defaultDNSName = "localhost"

// defaultLeafNames are the names every leaf carries besides the caller's.
func defaultLeafNames() []string { return []string{defaultDNSName, "127.0.0.1", "::1"} }

// loopbackRanges are the CA's permitted IP ranges: 127.0.0.0/8 and ::1/128.
// IPv4 ranges use the 4-byte form, as crypto/x509 compares the lengths of
// address and mask.
func loopbackRanges() []*net.IPNet {
	return []*net.IPNet{
		{IP: net.IPv4(127, 0, 0, 0).To4(), Mask: net.CIDRMask(8, 32)},
		{IP: net.IPv6loopback, Mask: net.CIDRMask(128, 128)},
	}
}

// normalizeName lowercases a host name and drops one trailing dot, so
// "LocalHost." and "localhost" are the same name.
func normalizeName(name string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(name)), ".")
}

// checkDNSName reports whether name (already normalized) is a syntactically
// valid host name: letters, digits and inner hyphens, labels of 1 to 63
// characters, 253 characters in all. Wildcards are refused: the add-in host
// needs none, and each one would widen what a leaf is good for.
func checkDNSName(name string) error {
	if name == "" {
		return fmt.Errorf("devcert: empty host name")
	}
	if len(name) > 253 {
		return fmt.Errorf("devcert: host name %q is longer than 253 characters", name)
	}
	for label := range strings.SplitSeq(name, ".") {
		if label == "*" {
			return fmt.Errorf("devcert: wildcard names such as %q are not supported", name)
		}
		if label == "" || len(label) > 63 {
			return fmt.Errorf("devcert: host name %q has an empty or too long label", name)
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Errorf("devcert: host name %q has a label that starts or ends with a hyphen", name)
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return fmt.Errorf("devcert: host name %q contains %q; only letters, digits, hyphens and dots are allowed", name, c)
			}
		}
	}
	return nil
}

// normalizeExtraNames checks the dev host names a user added for the CA's
// name constraints and returns them normalized, sorted and without
// duplicates or names that "localhost" already covers.
//
// A permitted DNS domain covers the name and everything under it, so each
// extra name widens what a stolen CA key could impersonate. Hence IP
// addresses (only loopback ranges are permitted), wildcards and public
// suffixes ("com", "co.uk", "github.io", any single label) are refused: a
// constraint like that would let the CA sign for much of the Internet.
func normalizeExtraNames(names []string) ([]string, error) {
	var out []string
	for _, raw := range names {
		name := normalizeName(raw)
		if _, err := netip.ParseAddr(name); err == nil {
			return nil, fmt.Errorf("devcert: extra name %q is an IP address; only loopback addresses are allowed and they are always included", raw)
		}
		if err := checkDNSName(name); err != nil {
			return nil, err
		}
		if withinDomains(name, []string{defaultDNSName}) {
			continue
		}
		if suffix, _ := publicsuffix.PublicSuffix(name); suffix == name {
			return nil, fmt.Errorf("devcert: extra name %q is a public suffix (a top-level or shared domain); use a name below it such as dev.%s", raw, name)
		}
		out = append(out, name)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// withinDomains reports whether name equals one of domains or lies below
// one, the way crypto/x509 matches a DNS name against permitted domains.
func withinDomains(name string, domains []string) bool {
	for _, d := range domains {
		if name == d || strings.HasSuffix(name, "."+d) {
			return true
		}
	}
	return false
}

// leafNames splits the names of a leaf into DNS names and IP addresses,
// with the default names first and without duplicates. Every name must lie
// within the CA's constraints (permittedDNS and the loopback ranges), so
// the leaf is never one that a browser would reject.
func leafNames(names []string, permittedDNS []string) ([]string, []net.IP, error) {
	var dns []string
	var ips []net.IP
	seen := map[string]bool{}
	for _, raw := range append(defaultLeafNames(), names...) {
		name := normalizeName(raw)
		if addr, err := netip.ParseAddr(strings.Trim(name, "[]")); err == nil {
			addr = addr.Unmap()
			if addr.Zone() != "" || !addr.IsLoopback() {
				return nil, nil, fmt.Errorf("devcert: %q is not a loopback address; the CA may only sign 127.0.0.0/8 and ::1", raw)
			}
			if key := addr.String(); !seen[key] {
				seen[key] = true
				ips = append(ips, net.IP(addr.AsSlice()))
			}
			continue
		}
		if err := checkDNSName(name); err != nil {
			return nil, nil, err
		}
		if !withinDomains(name, permittedDNS) {
			return nil, nil, fmt.Errorf("devcert: %q is outside the CA's permitted names (%s); add it to the dev host names and regenerate the CA", raw, strings.Join(permittedDNS, ", "))
		}
		if !seen[name] {
			seen[name] = true
			dns = append(dns, name)
		}
	}
	return dns, ips, nil
}
