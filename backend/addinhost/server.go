// Package addinhost is the HTTPS server behind the Outlook add-in: it serves
// the task pane and command pages, each integration's manifest, Office.js for
// offline deployments, and the add-in API under /api/v1/.
package addinhost

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"vmr-companion/backend/alias"
	"vmr-companion/backend/conference"
	"vmr-companion/backend/exidtoken"
	"vmr-companion/backend/integration"
)

// DefaultListen is where the host listens unless told otherwise.
const DefaultListen = "127.0.0.1:3443"

// DefaultReservationRate is how many reservations a user may make a minute.
const DefaultReservationRate = 60

// maxBody caps every request body; the API's requests are tiny.
const maxBody = 64 << 10

// Manifests builds an integration's manifest for this host.
type Manifests interface {
	// Manifest returns the manifest in format "xml" or "json"; baseURL is
	// where this host is reached (the dev variant).
	Manifest(ctx context.Context, in *integration.Integration, format, baseURL string) ([]byte, error)
}

// Config is everything the host needs; main and the desktop window build it.
type Config struct {
	Listen string
	// Auth is AuthNone, AuthIntegration or AuthOIDC; "" picks AuthNone
	// on loopback and AuthIntegration beyond it.
	Auth            string
	ReservationRate int
	// AddinFiles is the built add-in (task pane, commands, icons).
	AddinFiles fs.FS
	// OfficeJS holds Office.js for integrations that host it themselves;
	// nil when this build carries none.
	OfficeJS       fs.FS
	Integrations   *integration.Service
	Conferences    *conference.Service
	Aliases        *alias.Service
	Templates      conference.Renderer
	Manifests      Manifests
	GetCertificate func(*tls.ClientHelloInfo) (*tls.Certificate, error)
	// HTTPClient reaches identity providers (OIDC discovery and keys).
	HTTPClient *http.Client
	// ExchangeTokens validates Exchange identity tokens; nil is an
	// exidtoken.Validator with the host's logger.
	ExchangeTokens ExchangeTokens
	Logger         *slog.Logger
	// OnRequest receives every request's log entry (the window's live log).
	OnRequest func(RequestLog)
	// AllowSharedHost runs AuthNone even where several people are signed
	// in to this machine (serve --allow-shared-host).
	AllowSharedHost bool
	// InteractiveUsers counts them; nil asks the system.
	InteractiveUsers SessionCounter
	// Now is the rate limit's clock; nil is time.Now (tests freeze it).
	Now func() time.Time
	// Policy answers Infinity's external policy requests under
	// /policy/v1/ with its own authentication (HTTP Basic); nil: 404.
	Policy http.Handler
	// Observer learns of requests and reservations (backend/metrics);
	// nil: nobody listens.
	Observer Observer
}

// Observer learns what the host does, for metrics. Its methods must
// return quickly: they run on the request's goroutine.
type Observer interface {
	// Request is one handled request. route is the pattern that matched
	// ("GET /api/v1/integrations/{uuid}/pane"; "" when none did), never
	// the raw path, so that outsiders cannot mint new label values.
	Request(route string, status int, took time.Duration)
	// Reserved is one reservation made (not one handed out again).
	Reserved(integration string)
}

// RequestLog is one handled request.
type RequestLog struct {
	Time       time.Time `json:"time"`
	Method     string    `json:"method"`
	Path       string    `json:"path"`
	Status     int       `json:"status"`
	DurationMS float64   `json:"duration_ms"`
	Bytes      int64     `json:"bytes"`
	Remote     string    `json:"remote"`
}

// Server is a configured add-in host.
type Server struct {
	cfg       Config
	log       *slog.Logger
	files     assets
	officeJS  assets
	limiter   *limiter
	verifiers verifiers
	signIns   signIns // the personal VMR sign-ins (signin.go)
	// signInLimit counts sign-ins started per client address, so nobody
	// can crowd out the pending sign-ins of others.
	signInLimit *limiter
	exchange    ExchangeTokens
	loopback    bool // listens on this machine only
	clients     exchangeClients
	csp         atomic.Pointer[cspEntry]
	cacheMu     sync.Mutex
	cache       map[string]cachedIntegration
	mu          sync.Mutex
	srv         *http.Server
	addr        string
}

// ErrNotLoopback refuses to expose an unauthenticated host to the network.
var ErrNotLoopback = errors.New("addinhost: refusing --auth none beyond this machine (use --auth integration)")

// New checks the configuration and loads the add-in files into memory.
func New(cfg Config) (*Server, error) {
	if cfg.Listen == "" {
		cfg.Listen = DefaultListen
	}
	switch cfg.Auth {
	case "", AuthNone, AuthIntegration, AuthOIDC:
	default:
		return nil, fmt.Errorf("addinhost: --auth must be none, integration or oidc, not %q", cfg.Auth)
	}
	if cfg.ReservationRate < 0 {
		return nil, fmt.Errorf("addinhost: --reservation-rate must be 0 (off) or more, not %d", cfg.ReservationRate)
	}
	loopback, err := isLoopback(cfg.Listen)
	if err != nil {
		return nil, err
	}
	if cfg.Auth == "" {
		// Beyond this machine every call must prove its user.
		cfg.Auth = AuthNone
		if !loopback {
			cfg.Auth = AuthIntegration
		}
	}
	if !loopback && cfg.Auth == AuthNone {
		return nil, fmt.Errorf("%w: %s is reachable from other machines, and anyone there could reserve aliases as anyone", ErrNotLoopback, cfg.Listen)
	}
	if err := checkSharedHost(cfg); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{cfg: cfg, log: cfg.Logger, limiter: newLimiter(cfg.ReservationRate, cfg.Now), exchange: cfg.ExchangeTokens, loopback: loopback,
		signInLimit: newLimiter(signInStartsPerMinute, cfg.Now)}
	if s.exchange == nil {
		s.exchange = exidtoken.New(exidtoken.Config{Logger: cfg.Logger})
	}
	if cfg.AddinFiles != nil {
		if s.files, err = loadAssets(cfg.AddinFiles, ""); err != nil {
			return nil, err
		}
	}
	if cfg.OfficeJS != nil {
		if s.officeJS, err = loadAssets(cfg.OfficeJS, ""); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// SetReservationRate changes how many reservations a user may make a
// minute (0: no limit) while the host runs; serve calls it when SIGHUP
// re-reads the config file.
func (s *Server) SetReservationRate(perMinute int) error {
	if perMinute < 0 {
		return fmt.Errorf("addinhost: --reservation-rate must be 0 (off) or more, not %d", perMinute)
	}
	s.limiter.setRate(perMinute)
	return nil
}

// isLoopback tells whether a listen address only accepts local connections.
func isLoopback(listen string) (bool, error) {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false, fmt.Errorf("addinhost: --listen %q is not host:port: %w", listen, err)
	}
	if strings.EqualFold(host, "localhost") {
		return true, nil
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback(), nil
}

// Handler is the host's whole HTTP surface, for tests and benchmarks.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.index)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /addin/{path...}", s.static)
	mux.HandleFunc("GET /office-js/{path...}", s.officeJSFile)
	mux.HandleFunc("GET /manifest.xml", s.defaultManifest)
	// A wildcard must fill a whole path segment, so the file name is
	// matched as one and split in the handler.
	mux.HandleFunc("GET /integrations/{uuid}/{file}", s.manifest)
	mux.HandleFunc("GET /api/v1/integrations/{uuid}/pane", s.pane)
	mux.HandleFunc("POST /api/v1/integrations/{uuid}/reservations", s.reserve)
	mux.HandleFunc("GET /api/v1/integrations/{uuid}/personal-vmrs", s.personalVMRs)
	mux.HandleFunc("DELETE /api/v1/integrations/{uuid}/session", s.signOut)
	mux.HandleFunc("GET /signin/{uuid}/start", s.signInStart)
	mux.HandleFunc("GET "+signInCallbackPath, s.signInCallback)
	if s.cfg.Policy != nil {
		mux.Handle("/policy/v1/", s.cfg.Policy)
	}
	// The catch-all below would answer 404 for a known path asked with the
	// wrong method; these answer 405 instead.
	for path, allow := range map[string]string{
		"/api/v1/integrations/{uuid}/pane":          "GET, HEAD",
		"/api/v1/integrations/{uuid}/reservations":  "POST",
		"/api/v1/integrations/{uuid}/personal-vmrs": "GET, HEAD",
		"/api/v1/integrations/{uuid}/session":       "DELETE",
	} {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allow)
			writeProblem(w, Problem{Type: typeMethod, Title: "Method not allowed", Status: http.StatusMethodNotAllowed,
				Detail: r.Method + " is not allowed here; use " + allow})
		})
	}
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, Problem{Type: typeNotFound, Title: "No such API", Status: http.StatusNotFound,
			Detail: "see docs/addin-api.md for the paths under /api/v1/"})
	})
	return s.middleware(mux)
}

// Start listens and serves in the background; Addr then tells the address.
func (s *Server) Start() error {
	if s.cfg.GetCertificate == nil {
		return errors.New("addinhost: no certificate: the host serves HTTPS only")
	}
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("addinhost: listening on %s: %w (is another vmr-companion running? use --listen to pick another port)", s.cfg.Listen, err)
	}
	srv := &http.Server{
		Handler:           s.Handler(),
		TLSConfig:         &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: s.cfg.GetCertificate},
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	s.mu.Lock()
	s.srv, s.addr = srv, ln.Addr().String()
	s.mu.Unlock()
	if s.cfg.Auth == AuthNone {
		s.log.Warn("add-in host: "+NoAuthWarning, "listen", s.addr, "allow_shared_host", s.cfg.AllowSharedHost)
	}
	s.log.Info("add-in host listening", "url", s.URL())
	go func() {
		if err := srv.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("add-in host stopped", "error", err)
		}
	}()
	return nil
}

// Addr is the address the host listens on, once started.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// URL is the host's base URL, once started.
func (s *Server) URL() string {
	addr := s.Addr()
	host, port, _ := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() && ip.To4() != nil {
		host = "127.0.0.1"
	}
	return "https://" + net.JoinHostPort(host, port)
}

// Shutdown stops accepting requests and waits for those running.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	srv := s.srv
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	return srv.Shutdown(ctx)
}

// Auth is the authentication mode in force.
func (s *Server) Auth() string { return s.cfg.Auth }
