package addinhost

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Where Outlook embeds add-ins: the pane runs in a frame of these pages.
const frameAncestors = "'self' https://*.office.com https://*.office365.com https://*.outlook.com https://outlook.live.com https://*.cloud.microsoft https://*.microsoft.com"

// microsoftOffice is where Office.js comes from unless an integration hosts it.
const microsoftOffice = "https://appsforoffice.microsoft.com"

type cspEntry struct {
	value string
	made  time.Time
}

// contentSecurityPolicy allows scripts and styles from this host, Microsoft's
// Office.js CDN and the sources the integrations configure. It is rebuilt at
// most every few seconds, as it needs the integration list.
func (s *Server) contentSecurityPolicy(ctx context.Context) string {
	if e := s.csp.Load(); e != nil && time.Since(e.made) < 5*time.Second {
		return e.value
	}
	sources := map[string]bool{microsoftOffice: true}
	if s.cfg.Integrations != nil {
		if list, err := s.cfg.Integrations.List(ctx); err == nil {
			for _, sum := range list {
				in, err := s.cfg.Integrations.Get(ctx, sum.UUID)
				if err != nil || !in.UseCustomAddInSources {
					continue
				}
				for _, u := range append([]string{in.OfficeJSURL, in.MicrosoftFabricURL, in.MicrosoftFabricComponentsURL},
					strings.Split(in.AdditionalAddInScriptSources, "\n")...) {
					if o := origin(strings.TrimSpace(u)); o != "" {
						sources[o] = true
					}
				}
			}
		}
	}
	list := make([]string, 0, len(sources))
	for o := range sources {
		list = append(list, o)
	}
	sort.Strings(list)
	extra := strings.Join(list, " ")
	value := "default-src 'self'; script-src 'self' " + extra + "; style-src 'self' 'unsafe-inline' " + extra +
		"; img-src 'self' data:; font-src 'self' data: " + extra + "; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors " + frameAncestors
	s.csp.Store(&cspEntry{value: value, made: time.Now()})
	return value
}

// origin is scheme://host[:port] of an https URL, or "".
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
	// policy gives the Content-Security-Policy of an HTML answer.
	policy func() string
}

// WriteHeader adds the Content-Security-Policy to every HTML answer,
// whatever its path (the task pane is also served as /addin/).
func (r *recorder) WriteHeader(code int) {
	if r.status != 0 {
		return
	}
	r.status = code
	h := r.Header()
	if r.policy != nil && strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		h.Set("Content-Security-Policy", r.policy())
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.WriteHeader(http.StatusOK)
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// RequestIDHeader carries the id of each answer: the request's log line
// has it as request_id, and so do its problem+json body and, for an
// Infinity policy request, the answer's log line. A client's own value is
// never taken: a header an outsider chooses would let one request pass for
// another in the log.
const RequestIDHeader = "X-Request-Id"

// requestID is the id the middleware gave the answer written to w, or a
// new one where no middleware ran (a handler called on its own).
func requestID(w http.ResponseWriter) string {
	if id := w.Header().Get(RequestIDHeader); id != "" {
		return id
	}
	return uuid.NewString()
}

// middleware adds the request id, the security headers, CORS for the
// host's own origin, the body cap, panic recovery and the request log.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w, policy: func() string { return s.contentSecurityPolicy(r.Context()) }}
		h := w.Header()
		// Set first, so that every answer (an early one included) and every
		// handler's log line can name it.
		h.Set(RequestIDHeader, uuid.NewString())
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("Strict-Transport-Security", "max-age=31536000")
		// The pane calls the API from this host's own origin; any other
		// origin gets no CORS grant, so browsers keep its pages out.
		if o := r.Header.Get("Origin"); o != "" && o == "https://"+r.Host {
			h.Set("Access-Control-Allow-Origin", o)
			h.Add("Vary", "Origin")
			if r.Method == http.MethodOptions {
				h.Set("Access-Control-Allow-Methods", "GET, POST")
				h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, "+userHeader)
				h.Set("Access-Control-Max-Age", "600")
				rec.WriteHeader(http.StatusNoContent)
				s.logRequest(r, rec, start)
				return
			}
		}
		r.Body = http.MaxBytesReader(rec, r.Body, maxBody)
		defer func() {
			if p := recover(); p != nil {
				id := requestID(rec)
				s.log.Error("add-in host: handler panicked", "request_id", id, "panic", p, "path", r.URL.Path)
				if rec.status == 0 {
					writeProblem(rec, Problem{Type: typeInternal, Title: "Internal error", Status: http.StatusInternalServerError,
						Detail: "the error was logged with request id " + id})
				}
			}
			s.logRequest(r, rec, start)
		}()
		next.ServeHTTP(rec, r)
	})
}

func (s *Server) logRequest(r *http.Request, rec *recorder, start time.Time) {
	took := time.Since(start)
	entry := RequestLog{Time: start, Method: r.Method, Path: r.URL.Path, Status: rec.status,
		DurationMS: float64(took.Microseconds()) / 1000, Bytes: rec.bytes, Remote: r.RemoteAddr}
	if strings.HasPrefix(r.URL.Path, "/api/") || rec.status >= 400 {
		s.log.Info("request", "method", entry.Method, "path", entry.Path, "status", entry.Status, "ms", entry.DurationMS,
			"request_id", rec.Header().Get(RequestIDHeader))
	}
	if s.cfg.OnRequest != nil {
		s.cfg.OnRequest(entry)
	}
	if s.cfg.Observer != nil {
		// The mux wrote the matched pattern into r (r is the request it
		// was handed).
		s.cfg.Observer.Request(r.Pattern, rec.status, took)
	}
}
