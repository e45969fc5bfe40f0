package devcert

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// serveTLS starts an HTTPS server on 127.0.0.1 whose certificate comes
// from l, like the add-in host, and returns its port.
func serveTLS(t *testing.T, l *Loader) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			io.WriteString(w, "add-in host")
		}),
		TLSConfig:         &tls.Config{GetCertificate: l.GetCertificate, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 5 * time.Second,
		// The refused handshakes below are expected; keep them out of
		// the test output.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	go srv.ServeTLS(ln, "", "")
	t.Cleanup(func() { srv.Close() })
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// clientTrusting returns an HTTPS client whose only root is ca.
func clientTrusting(ca *x509.Certificate) *http.Client {
	roots := x509.NewCertPool()
	if ca != nil {
		roots.AddCert(ca)
	}
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
		},
	}
}

func TestRealTLS(t *testing.T) {
	a := newAuthority(t, &fakeClock{t: time.Now()}, "vmr.test")
	l, err := NewLoader(a, []string{"vmr.test"})
	if err != nil {
		t.Fatal(err)
	}
	port := serveTLS(t, l)

	tests := []struct {
		name       string
		serverName string // SNI and the name verified; "" checks 127.0.0.1
		ca         *x509.Certificate
		wantErr    string
	}{
		{"a client trusting only the CA connects to 127.0.0.1", "", a.Certificate(), ""},
		{"a client trusting only the CA connects to localhost", "localhost", a.Certificate(), ""},
		{"a client trusting only the CA connects to a dev host name", "vmr.test", a.Certificate(), ""},
		{"a client that does not trust the CA is refused", "", nil, "certificate signed by unknown authority"},
		{"a client asking for a name the leaf lacks is refused", "example.com", a.Certificate(), "not example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := clientTrusting(tt.ca)
			c.Transport.(*http.Transport).TLSClientConfig.ServerName = tt.serverName
			resp, err := c.Get("https://127.0.0.1:" + port + "/")
			if tt.wantErr != "" {
				if err == nil {
					resp.Body.Close()
					t.Fatal("connected")
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if string(body) != "add-in host" {
				t.Errorf("body = %q", body)
			}
			if resp.TLS == nil || resp.TLS.Version < tls.VersionTLS12 {
				t.Errorf("TLS state = %+v", resp.TLS)
			}
		})
	}

	t.Run("a TLS 1.1 client is refused", func(t *testing.T) {
		conn, err := tls.Dial("tcp", "127.0.0.1:"+port, &tls.Config{
			RootCAs:    clientTrusting(a.Certificate()).Transport.(*http.Transport).TLSClientConfig.RootCAs,
			MinVersion: tls.VersionTLS10,
			MaxVersion: tls.VersionTLS11,
		})
		if err == nil {
			conn.Close()
			t.Fatal("handshake succeeded")
		}
		if !strings.Contains(err.Error(), "protocol version") {
			t.Errorf("err = %v, want a protocol version alert", err)
		}
	})
}

func TestRealTLSRenewsWithoutRestart(t *testing.T) {
	// The loader's clock runs 25 days behind, so its first leaf is still
	// valid for real clients; advancing it by 24 days brings that leaf
	// within the renewal window.
	clock := &fakeClock{t: time.Now().Add(-25 * 24 * time.Hour)}
	a := newAuthority(t, clock)
	l, err := NewLoader(a, nil)
	if err != nil {
		t.Fatal(err)
	}
	port := serveTLS(t, l)

	served := func() *x509.Certificate {
		t.Helper()
		resp, err := clientTrusting(a.Certificate()).Get("https://127.0.0.1:" + port + "/")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		return resp.TLS.PeerCertificates[0]
	}
	first := served()
	clock.Advance(24 * 24 * time.Hour)
	second := served()
	if first.SerialNumber.Cmp(second.SerialNumber) == 0 {
		t.Fatal("the same leaf is served after entering the renewal window")
	}
	if !second.NotAfter.After(first.NotAfter) {
		t.Errorf("the renewed leaf ends %v, not after the old one (%v)", second.NotAfter, first.NotAfter)
	}
}
