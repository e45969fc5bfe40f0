package exidtoken

import (
	"context"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// The cache's limits.
const (
	// documentTTL is how long a metadata document is trusted: Exchange
	// changes its signing certificate rarely, and an unknown x5t refetches
	// earlier.
	documentTTL = 24 * time.Hour
	// refetchInterval is how long after a fetch that lacked a token's x5t
	// no unknown x5t fetches the document again, so that tokens with
	// made-up thumbprints cannot make us hammer the Exchange server.
	refetchInterval = time.Minute
	// failureBackoff is how long a failed fetch is answered from memory,
	// for the same reason while the server is down.
	failureBackoff = 10 * time.Second
	// maxDocuments bounds the cache: amurl is chosen by whoever sends a
	// token, though only on the integration's Exchange hosts.
	maxDocuments = 256
	// fetchTimeout and maxDocumentBytes bound one fetch (Exchange's
	// document is a few KB).
	fetchTimeout     = 10 * time.Second
	maxDocumentBytes = 1 << 20
	// maxKeys bounds the keys read from one document.
	maxKeys = 64
	// minKeyBits is the least RSA modulus accepted (NIST SP 800-131A).
	minKeyBits = 2048
)

// document is the authentication metadata document Exchange publishes
// at amurl (autodiscover/metadata/json/1). Only the keys are used; id,
// version, name, realm, serviceName, issuer, allowedAudiences and
// endpoints are ignored.
type document struct {
	Keys []struct {
		KeyInfo struct {
			X5t string `json:"x5t"`
		} `json:"keyinfo"`
		KeyValue struct {
			Type  string `json:"type"`
			Value string `json:"value"`
		} `json:"keyvalue"`
	} `json:"keys"`
}

// signingKey is one key of a document, or why it cannot be used.
type signingKey struct {
	pub    *rsa.PublicKey
	reason string
}

// cache holds the keys of the documents fetched, per URL.
type cache struct {
	mu      sync.Mutex
	entries map[string]*entry
}

// entry is one URL's document. Its fields are guarded by cache.mu; sem
// lets one fetch at a time run, which the others wait for and share.
type entry struct {
	sem       chan struct{}
	keys      map[string]signingKey
	fetched   time.Time // last successful fetch; zero before the first
	attempted time.Time // last fetch, successful or not
	failure   error     // the last fetch's error, if it failed
	missed    time.Time // last fetch that lacked the x5t it was made for
	used      time.Time
}

// entry returns the entry of url, making room for it when the cache is
// full by dropping the one used longest ago.
func (c *cache) entry(url string, now time.Time) *entry {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]*entry{}
	}
	e := c.entries[url]
	if e == nil {
		if len(c.entries) >= maxDocuments {
			var oldest string
			for u, o := range c.entries {
				if oldest == "" || o.used.Before(c.entries[oldest].used) {
					oldest = u
				}
			}
			delete(c.entries, oldest)
		}
		e = &entry{sem: make(chan struct{}, 1)}
		c.entries[url] = e
	}
	e.used = now
	return e
}

// key returns the key the metadata document at u (already checked to be
// on an Exchange host) lists under x5t, fetching the document when it is
// not cached, expired, or lacks x5t (at most once per refetchInterval).
func (v *Validator) key(ctx context.Context, u, x5t string, client *http.Client, trust string) (*rsa.PublicKey, error) {
	// One entry per URL and client: a document fetched through one
	// integration's CA file or proxy is not trusted by another's.
	e := v.cache.entry(u+"\x00"+trust, v.now())
	if k, ok := v.cached(e, x5t); ok {
		return usable(u, x5t, k)
	}
	select {
	case e.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-e.sem }()

	// Another validation may have fetched while this one waited.
	now := v.now()
	v.cache.mu.Lock()
	fresh := !e.fetched.IsZero() && now.Sub(e.fetched) < documentTTL
	k, known := e.keys[x5t]
	attempted, failure, missed, listed := e.attempted, e.failure, e.missed, len(e.keys)
	v.cache.mu.Unlock()
	switch {
	case fresh && known:
		return usable(u, x5t, k)
	case failure != nil && now.Sub(attempted) < failureBackoff:
		return nil, &UnavailableError{URL: u, Err: failure}
	case fresh && !missed.IsZero() && now.Sub(missed) < refetchInterval:
		return nil, unknownKey(u, x5t, listed)
	}

	keys, err := v.fetch(ctx, u, client)
	if err != nil {
		if ctx.Err() != nil {
			// The caller gave up: not the server's failure.
			return nil, ctx.Err()
		}
		v.log.Warn("exidtoken: authentication metadata unavailable", "url", u, "error", err)
		v.cache.mu.Lock()
		e.attempted, e.failure = now, err
		v.cache.mu.Unlock()
		return nil, &UnavailableError{URL: u, Err: err}
	}
	k, known = keys[x5t]
	v.cache.mu.Lock()
	e.keys, e.fetched, e.attempted, e.failure = keys, now, now, nil
	if !known {
		e.missed = now
	}
	v.cache.mu.Unlock()
	if !known {
		return nil, unknownKey(u, x5t, len(keys))
	}
	return usable(u, x5t, k)
}

// cached is the fast path: a fresh document that lists x5t.
func (v *Validator) cached(e *entry, x5t string) (signingKey, bool) {
	v.cache.mu.Lock()
	defer v.cache.mu.Unlock()
	if e.fetched.IsZero() || v.now().Sub(e.fetched) >= documentTTL {
		return signingKey{}, false
	}
	k, ok := e.keys[x5t]
	return k, ok
}

func usable(u, x5t string, k signingKey) (*rsa.PublicKey, error) {
	if k.pub == nil {
		return nil, &UnavailableError{URL: u, Err: fmt.Errorf("the signing key %s cannot be used: %s", x5t, k.reason)}
	}
	return k.pub, nil
}

func unknownKey(u, x5t string, n int) error {
	return refused("x5t", "the token was signed with the key %s, which the metadata document at %s does not list (it lists %d keys); if Exchange's signing certificate changed less than a minute ago, try again",
		x5t, clip(u), n)
}

// fetch reads and parses the document at u.
func (v *Validator) fetch(ctx context.Context, u string, client *http.Client) (map[string]signingKey, error) {
	if client == nil {
		client = http.DefaultClient
	}
	// A redirect could lead to a host that is not one of the
	// integration's Exchange domains: it is not followed.
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.Do(req)
	if _, untrusted := errors.AsType[*tls.CertificateVerificationError](err); untrusted {
		return nil, fmt.Errorf("%w; if Exchange's certificate is issued by a private CA, give that CA in the integration's ews_ca_file", err)
	}
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 3 {
		return nil, fmt.Errorf("the server answered %s, a redirect to %s, which is not followed; amurl must be the document's own URL",
			clip(resp.Status), clip(resp.Header.Get("Location")))
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("the server answered %s", clip(resp.Status))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocumentBytes+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxDocumentBytes {
		return nil, fmt.Errorf("the document is larger than %d bytes", maxDocumentBytes)
	}
	return parseDocument(body)
}

// parseDocument reads the signing keys of a document: X.509 certificates
// carrying RSA keys, by thumbprint. The certificates' dates and issuers
// are not checked: the document is trusted because of the TLS connection
// it came over, as Microsoft's validation samples do.
func parseDocument(body []byte) (map[string]signingKey, error) {
	var doc document
	if err := decodeObject(body, &doc); err != nil {
		return nil, fmt.Errorf("the answer is not an authentication metadata document (JSON): %w", err)
	}
	keys := map[string]signingKey{}
	for i, k := range doc.Keys {
		if i == maxKeys {
			break
		}
		x5t := k.KeyInfo.X5t
		if x5t == "" {
			continue
		}
		keys[x5t] = readKey(k.KeyValue.Type, k.KeyValue.Value)
	}
	if len(keys) == 0 {
		return nil, errors.New("the document lists no signing keys")
	}
	return keys, nil
}

func readKey(typ, value string) signingKey {
	if !strings.EqualFold(typ, "x509Certificate") {
		return signingKey{reason: fmt.Sprintf("its type is %s, not x509Certificate", clip(typ))}
	}
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(value), ""))
	if err != nil {
		return signingKey{reason: "its certificate is not base64"}
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return signingKey{reason: "its certificate cannot be read: " + clip(err.Error())}
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return signingKey{reason: fmt.Sprintf("its certificate holds a %s key, not RSA", cert.PublicKeyAlgorithm)}
	}
	if pub.N.BitLen() < minKeyBits {
		return signingKey{reason: fmt.Sprintf("its RSA key has %d bits, fewer than %d", pub.N.BitLen(), minKeyBits)}
	}
	return signingKey{pub: pub}
}
