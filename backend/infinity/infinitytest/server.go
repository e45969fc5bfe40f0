// Package infinitytest is a fake Pexip Infinity Management Node for tests
// (and later the demo), built from ../shared/reference/pexip-infinity.md:
// the configuration resources ms_exchange_connector, exchange_domain,
// conference and conference_alias with paging through meta.next (a small
// default_limit), nested domains and aliases on read and resource URIs on
// write, field validation answering 400 with per-field messages, HTTP
// Basic and the OAuth2 token endpoint with a private-key JWT (ES256), 401,
// 403, 404, injectable 429 (Retry-After) and 5xx, and a record of every
// request.
package infinitytest

import (
	"crypto/ecdsa"
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"vmr-companion/backend/testtls"
)

// ConfigPath is the prefix of the configuration resources.
const ConfigPath = "/api/admin/configuration/v1/"

// Options configure a fake Management Node.
type Options struct {
	// Username and Password are the management account Basic accepts.
	Username, Password string
	// ReadOnlyUsername and ReadOnlyPassword, when set, are an account that
	// may read but whose writes are refused with 403.
	ReadOnlyUsername, ReadOnlyPassword string
	// DefaultLimit is every resource's page size (3 when 0): small, so
	// tests page.
	DefaultLimit int
	// Now is the clock of token expiry and JWT checks (time.Now when nil).
	Now func() time.Time
	// TokenLifetime is an access token's life (an hour when 0).
	TokenLifetime time.Duration
	// Version is what the status resource management_vm answers as the
	// software version; "" answers that resource with 404, as a node
	// without it would (the reference does not confirm it).
	Version string
}

// Request is one request as the fake received it.
type Request struct {
	Method, Path, Query string
	Body                []byte
	// Auth is "basic", "bearer" or "" (none).
	Auth string
}

// Fault is an injected answer: the next Times requests whose path starts
// with PathPrefix (every path when "") get Status, with Retry-After when
// set, before any other check.
type Fault struct {
	PathPrefix string
	Status     int
	RetryAfter string
	Times      int
}

// Server is a running fake Management Node.
type Server struct {
	// URL is https://127.0.0.1:port; CA issued its certificate.
	URL string
	CA  *testtls.CA

	opts Options

	mu       sync.Mutex
	data     map[string]map[int]map[string]any
	secret   map[string]map[int]map[string]string
	nextID   map[string]int
	clients  map[string]*ecdsa.PublicKey
	tokens   map[string]time.Time
	jtis     map[string]bool
	faults   []Fault
	requests []Request
	inFlight int
	maxIn    int
	arrived  chan struct{}
	gate     chan struct{}
	// gen counts writes; index (children by parent URI) is valid for
	// indexGen.
	gen      int
	index    map[string]map[string][]int
	sorted   map[string][]int // ids of each resource in order, also for indexGen
	indexGen int
}

// Start runs a fake on loopback HTTPS with a certificate from a new test
// CA; it stops when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s := newServer(opts)
	s.CA = testtls.NewCA(t, "Infinity test CA")
	srv := testtls.Serve(t, s, s.CA.Valid(t, "127.0.0.1"))
	s.URL = srv.URL
	return s
}

func newServer(opts Options) *Server {
	if opts.DefaultLimit <= 0 {
		opts.DefaultLimit = 3
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.TokenLifetime <= 0 {
		opts.TokenLifetime = time.Hour
	}
	s := &Server{opts: opts, data: map[string]map[int]map[string]any{}, secret: map[string]map[int]map[string]string{},
		nextID: map[string]int{}, clients: map[string]*ecdsa.PublicKey{}, tokens: map[string]time.Time{}, jtis: map[string]bool{}}
	for r := range schemas {
		s.data[r], s.secret[r] = map[int]map[string]any{}, map[int]map[string]string{}
	}
	return s
}

// Fail queues f.
func (s *Server) Fail(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Times <= 0 {
		f.Times = 1
	}
	s.faults = append(s.faults, f)
}

// Requests returns every request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// MaxInFlight is the most requests that were open at once.
func (s *Server) MaxInFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxIn
}

// Hold makes every later request wait, once it has been counted in
// flight, for one value on release; each arrival sends on arrived. Tests
// use it to see how many requests a client keeps open, without timing.
func (s *Server) Hold() (arrived <-chan struct{}, release chan<- struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.arrived, s.gate = make(chan struct{}, 1024), make(chan struct{})
	return s.arrived, s.gate
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: body, Auth: authKind(r)})
	s.inFlight++
	s.maxIn = max(s.maxIn, s.inFlight)
	arrived, gate := s.arrived, s.gate
	s.mu.Unlock()
	// The answer is buffered and sent only once the request no longer
	// counts as in flight: a client may start its next request the moment
	// it has the answer.
	rec := httptest.NewRecorder()
	s.serve(rec, r, body, arrived, gate)
	s.mu.Lock()
	s.inFlight--
	s.mu.Unlock()
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, body []byte, arrived, gate chan struct{}) {
	if arrived != nil {
		arrived <- struct{}{}
		select {
		case <-gate:
		case <-r.Context().Done():
			return
		}
	}
	if f, ok := s.takeFault(r.URL.Path); ok {
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		writeJSON(w, f.Status, map[string]string{"error": http.StatusText(f.Status)})
		return
	}
	if r.URL.Path == "/oauth/token/" {
		s.token(w, r, body)
		return
	}
	status := r.URL.Path == StatusPath+"management_vm/"
	if !strings.HasPrefix(r.URL.Path, ConfigPath) && !status {
		http.NotFound(w, r)
		return
	}
	switch s.account(r) {
	case "":
		w.Header().Set("WWW-Authenticate", `Basic realm="Pexip Infinity"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"detail": "Authentication credentials were not provided or are wrong."})
		return
	case "readonly":
		if r.Method != http.MethodGet {
			writeJSON(w, http.StatusForbidden, map[string]string{"detail": "You do not have permission to perform this action."})
			return
		}
	}
	if status {
		s.managementVM(w, r)
		return
	}
	s.config(w, r, body)
}

// StatusPath is the prefix of the read-only status resources.
const StatusPath = "/api/admin/status/v1/"

// managementVM answers the status of the Management Node with its version.
func (s *Server) managementVM(w http.ResponseWriter, r *http.Request) {
	if s.opts.Version == "" || r.Method != http.MethodGet {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such resource"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"meta":    map[string]any{"limit": s.opts.DefaultLimit, "offset": 0, "next": nil, "previous": nil, "total_count": 1},
		"objects": []any{map[string]any{"id": 1, "name": "mgr", "version": s.opts.Version}},
	})
}

func (s *Server) takeFault(path string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if strings.HasPrefix(path, f.PathPrefix) {
			s.faults[i].Times--
			if s.faults[i].Times <= 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
			return f, true
		}
	}
	return Fault{}, false
}

func authKind(r *http.Request) string {
	h := r.Header.Get("Authorization")
	switch {
	case strings.HasPrefix(h, "Basic "):
		return "basic"
	case strings.HasPrefix(h, "Bearer "):
		return "bearer"
	}
	return ""
}

// account is "admin", "readonly" or "" (refused).
func (s *Server) account(r *http.Request) string {
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		s.mu.Lock()
		exp, ok := s.tokens[strings.TrimPrefix(h, "Bearer ")]
		s.mu.Unlock()
		if ok && s.opts.Now().Before(exp) {
			return "admin"
		}
		return ""
	}
	u, p, ok := r.BasicAuth()
	switch {
	case !ok:
		return ""
	case s.opts.Username != "" && same(u, s.opts.Username) && same(p, s.opts.Password):
		return "admin"
	case s.opts.ReadOnlyUsername != "" && same(u, s.opts.ReadOnlyUsername) && same(p, s.opts.ReadOnlyPassword):
		return "readonly"
	}
	return ""
}

func same(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
