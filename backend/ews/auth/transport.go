package auth

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"time"
)

// baseTransport is the connection layer under every method: verified TLS
// with s.RootCAs, the environment's proxy unless disabled, and bounded
// dials and handshakes. http2 false keeps to HTTP/1.1, which NTLM needs
// (it authenticates the TCP connection; IIS refuses it over HTTP/2).
func baseTransport(s Settings, http2 bool) *http.Transport {
	t := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       &tls.Config{RootCAs: s.RootCAs, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   15 * time.Second,
		ExpectContinueTimeout: time.Second,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     http2,
	}
	if s.DisableProxy {
		t.Proxy = nil
	}
	if !http2 {
		t.Protocols = new(http.Protocols)
		t.Protocols.SetHTTP1(true)
	}
	return t
}

// LoadRootCAs returns the system roots plus the certificates of the PEM file
// caFile, for Exchange servers whose certificate comes from an internal CA.
func LoadRootCAs(caFile string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(caFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("auth: the CA file %s does not exist: export the CA certificate that issued the Exchange server's certificate (PEM, Base-64 encoded X.509) and give its path", caFile)
	}
	if err != nil {
		return nil, fmt.Errorf("auth: reading the CA file %s: %w (check the path and its permissions)", caFile, err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		// No system roots (some minimal systems): the file alone still
		// verifies a server whose chain it issued.
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("auth: the CA file %s holds no PEM certificate: export the CA certificate as Base-64 encoded X.509 (a file starting with -----BEGIN CERTIFICATE-----), not DER or PKCS#12", caFile)
	}
	return pool, nil
}

// closeIdler is what http.Client.CloseIdleConnections looks for.
type closeIdler interface{ CloseIdleConnections() }

func closeIdle(rt http.RoundTripper) {
	if c, ok := rt.(closeIdler); ok {
		c.CloseIdleConnections()
	}
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the
// connection layer.
func (t *basicTransport) CloseIdleConnections() { closeIdle(t.base) }

func (t *ntlmTransport) CloseIdleConnections() { closeIdle(t.ntlm.RoundTripper) }

func (h *handshakeRecorder) CloseIdleConnections() { closeIdle(h.base) }

func (t *bearerTransport) CloseIdleConnections() { closeIdle(t.base) }
