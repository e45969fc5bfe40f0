package addinhost

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"vmr-companion/backend/exchange"
	"vmr-companion/backend/integration"
)

// exchangeClients keeps one HTTP client per CA file and proxy choice for
// reading Exchange's authentication metadata, so connections are reused.
// A CA file that changed on disk (by its modification time) makes a new
// client.
type exchangeClients struct {
	mu sync.Mutex
	m  map[clientKey]*http.Client
}

type clientKey struct {
	caFile  string
	modTime time.Time
	noProxy bool
}

// metadataTimeout bounds one fetch of a metadata document.
const metadataTimeout = 15 * time.Second

// get is the client for in: verified TLS against the system's roots plus
// the integration's ews_ca_file.
// The trust string names the trust store, for the metadata cache.
func (c *exchangeClients) get(in *integration.Integration) (*http.Client, string, error) {
	key := clientKey{caFile: in.EWSCAFile, noProxy: in.DisableProxy}
	if in.EWSCAFile != "" {
		fi, err := os.Stat(in.EWSCAFile)
		if err != nil {
			return nil, "", fmt.Errorf("the integration's ews_ca_file %s cannot be read: %w", in.EWSCAFile, err)
		}
		key.modTime = fi.ModTime()
	}
	trust := fmt.Sprintf("%s\x00%d\x00%t", key.caFile, key.modTime.UnixNano(), key.noProxy)
	c.mu.Lock()
	hc, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return hc, trust, nil
	}
	roots, err := exchange.RootCAs(in)
	if err != nil {
		return nil, "", err
	}
	t := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:     &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout: 10 * time.Second,
		MaxIdleConnsPerHost: 2,
		IdleConnTimeout:     90 * time.Second,
	}
	if in.DisableProxy {
		t.Proxy = nil
	}
	hc = &http.Client{Transport: t, Timeout: metadataTimeout,
		// Metadata is read from the URL the token names, on a host the
		// integration allows; a redirect elsewhere is not followed.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) > 100 {
		c.m = map[clientKey]*http.Client{}
	}
	c.m[key] = hc
	return hc, trust, nil
}
