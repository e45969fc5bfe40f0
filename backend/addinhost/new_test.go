package addinhost_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"vmr-companion/backend/addinhost"
)

func TestNew(t *testing.T) {
	tests := []struct {
		name        string
		cfg         addinhost.Config
		notLoopback bool // want ErrNotLoopback
		wantErr     bool
		auth        string // the mode in force, when not the one asked for
	}{
		{name: "the default listen address is accepted", cfg: addinhost.Config{}},
		{name: "127.0.0.1 is accepted", cfg: addinhost.Config{Listen: "127.0.0.1:3443"}},
		{name: "another loopback address is accepted", cfg: addinhost.Config{Listen: "127.0.0.2:3443"}},
		{name: "localhost is accepted", cfg: addinhost.Config{Listen: "localhost:3443"}},
		{name: "LOCALHOST is accepted", cfg: addinhost.Config{Listen: "LOCALHOST:3443"}},
		{name: "[::1] is accepted", cfg: addinhost.Config{Listen: "[::1]:3443"}},
		{name: "0.0.0.0 without a mode checks each integration's method", cfg: addinhost.Config{Listen: "0.0.0.0:3443"}, auth: addinhost.AuthIntegration},
		{name: "an empty host without a mode checks each integration's method", cfg: addinhost.Config{Listen: ":3443"}, auth: addinhost.AuthIntegration},
		{name: "[::] without a mode checks each integration's method", cfg: addinhost.Config{Listen: "[::]:3443"}, auth: addinhost.AuthIntegration},
		{name: "a LAN address without a mode checks each integration's method", cfg: addinhost.Config{Listen: "192.0.2.1:3443"}, auth: addinhost.AuthIntegration},
		{name: "a host name without a mode checks each integration's method", cfg: addinhost.Config{Listen: "vmr.example.com:3443"}, auth: addinhost.AuthIntegration},
		{name: "explicit auth none beyond loopback is refused", cfg: addinhost.Config{Listen: "192.0.2.1:3443", Auth: addinhost.AuthNone}, notLoopback: true},
		{name: "explicit auth none on 0.0.0.0 is refused", cfg: addinhost.Config{Listen: "0.0.0.0:3443", Auth: addinhost.AuthNone}, notLoopback: true},
		{name: "0.0.0.0 with oidc is accepted", cfg: addinhost.Config{Listen: "0.0.0.0:3443", Auth: addinhost.AuthOIDC}},
		{name: "a LAN address with oidc is accepted", cfg: addinhost.Config{Listen: "192.0.2.1:3443", Auth: addinhost.AuthOIDC}},
		{name: "a LAN address with integration is accepted", cfg: addinhost.Config{Listen: "192.0.2.1:3443", Auth: addinhost.AuthIntegration}},
		{name: "loopback with integration is accepted", cfg: addinhost.Config{Listen: "127.0.0.1:3443", Auth: addinhost.AuthIntegration}},
		{name: "an unknown auth mode is refused", cfg: addinhost.Config{Auth: "basic"}, wantErr: true},
		{name: "an auth mode in capitals is refused", cfg: addinhost.Config{Auth: "OIDC"}, wantErr: true},
		{name: "an integration's method is no host mode", cfg: addinhost.Config{Auth: "SSO_TOKEN"}, wantErr: true},
		{name: "a negative reservation rate is refused", cfg: addinhost.Config{ReservationRate: -1}, wantErr: true},
		{name: "a listen address without a port is refused", cfg: addinhost.Config{Listen: "127.0.0.1"}, wantErr: true},
		{name: "add-in files that cannot be read are refused", cfg: addinhost.Config{AddinFiles: brokenFS{}}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := addinhost.New(tc.cfg)
			switch {
			case tc.notLoopback:
				if !errors.Is(err, addinhost.ErrNotLoopback) {
					t.Fatalf("err = %v, want ErrNotLoopback", err)
				}
			case tc.wantErr:
				if err == nil {
					t.Fatal("New accepted the configuration")
				}
				if errors.Is(err, addinhost.ErrNotLoopback) {
					t.Fatalf("err = %v: not a loopback problem", err)
				}
			default:
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				want := tc.cfg.Auth
				if tc.auth != "" {
					want = tc.auth
				}
				if want == "" {
					want = addinhost.AuthNone
				}
				if s.Auth() != want {
					t.Errorf("Auth() = %q, want %q", s.Auth(), want)
				}
			}
		})
	}
}

// brokenFS fails every read.
type brokenFS struct{}

func (brokenFS) Open(name string) (fs.File, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: errors.New("disk on fire")}
}

func TestStart(t *testing.T) {
	e := newEnv(t)

	t.Run("a host without a certificate refuses to start", func(t *testing.T) {
		s := newServer(t, e.config())
		if err := s.Start(); err == nil {
			s.Shutdown(context.Background())
			t.Fatal("Start served without a certificate")
		}
	})

	t.Run("a host on a port in use fails with advice", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		cfg := e.config()
		cfg.Listen = ln.Addr().String()
		cfg.GetCertificate = func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return nil, errors.New("unused") }
		s := newServer(t, cfg)
		err = s.Start()
		if err == nil {
			s.Shutdown(context.Background())
			t.Fatal("Start listened on a port in use")
		}
		if !strings.Contains(err.Error(), "--listen") {
			t.Errorf("err = %v, want advice to pick another port", err)
		}
	})

	t.Run("every request reaches OnRequest", func(t *testing.T) {
		var mu sync.Mutex
		var logs []addinhost.RequestLog
		cfg := e.config()
		cfg.OnRequest = func(l addinhost.RequestLog) {
			mu.Lock()
			logs = append(logs, l)
			mu.Unlock()
		}
		h := startHost(t, e, cfg)
		h.get(t, "/healthz", nil)
		h.get(t, "/addin/missing.js", nil)
		h.get(t, "/addin/assets/app-abc123.js", nil)
		if err := h.srv.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		want := []struct {
			path   string
			status int
		}{{"/healthz", 200}, {"/addin/missing.js", 404}, {"/addin/assets/app-abc123.js", 200}}
		if len(logs) != len(want) {
			t.Fatalf("logs = %+v", logs)
		}
		for i, w := range want {
			if logs[i].Path != w.path || logs[i].Status != w.status || logs[i].Method != http.MethodGet || logs[i].Remote == "" {
				t.Errorf("log %d = %+v, want %s %d", i, logs[i], w.path, w.status)
			}
		}
		if logs[2].Bytes != int64(len(appJS)) {
			t.Errorf("log of the script counts %d bytes, want %d", logs[2].Bytes, len(appJS))
		}
	})

	t.Run("the URL of a host on 127.0.0.1 names 127.0.0.1", func(t *testing.T) {
		h := startHost(t, e, e.config())
		if want := fmt.Sprintf("https://%s", h.srv.Addr()); h.srv.URL() != want {
			t.Errorf("URL() = %q, want %q", h.srv.URL(), want)
		}
	})
}
