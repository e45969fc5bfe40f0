package policy

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"vmr-companion/backend/secrets"
)

// Path is where Infinity's policy profile points (the base URL is the
// host's; Infinity appends /policy/v1/...).
const Path = "/policy/v1/"

// maxQuery bounds the whole query string: Infinity sends a few dozen
// short parameters.
const maxQuery = 16 << 10

// DefaultRefresh is how often the handler checks whether the store
// changed since the answers were loaded.
const DefaultRefresh = time.Second

// Config builds a Handler.
type Config struct {
	Repository  Repository
	Credentials Credentials // zero: every request is refused with 503
	// Now is the clock of the decisions (tests inject it); nil is time.Now.
	Now func() time.Time
	// Refresh is how often the store's version is checked, in the
	// background; DefaultRefresh when zero. Tests set it long and call
	// Handler.Refresh.
	Refresh time.Duration
	// Queue bounds the decisions waiting for the operations log
	// (DefaultQueue when zero); more are dropped and counted.
	Queue  int
	Logger *slog.Logger
	// Answered learns of each answer given (backend/metrics): its action
	// (continue or reject) and how long it took; nil: nobody listens.
	Answered func(action string, took time.Duration)
}

// Handler answers Infinity's policy requests from an in-memory index of
// the scheduled aliases.
type Handler struct {
	cfg       Config
	log       *slog.Logger
	user      [sha256.Size]byte
	pass      [sha256.Size]byte
	hasCreds  bool
	ix        atomic.Pointer[index]
	reloadMu  sync.Mutex
	ctx       context.Context
	cancel    context.CancelFunc
	decisions *writer
	guard     *guard
}

// New loads the index and starts the operations log writer; Close stops it.
func New(ctx context.Context, cfg Config) (*Handler, error) {
	if cfg.Repository == nil {
		return nil, errors.New("policy: no repository")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Refresh <= 0 {
		cfg.Refresh = DefaultRefresh
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	h := &Handler{cfg: cfg, log: cfg.Logger, guard: newGuard(cfg.Now)}
	if !cfg.Credentials.IsZero() {
		// Hashes compare in constant time whatever the lengths.
		h.user = sha256.Sum256([]byte(cfg.Credentials.Username))
		h.pass = sha256.Sum256([]byte(cfg.Credentials.Password.Reveal()))
		h.hasCreds = true
	}
	if err := h.Refresh(ctx); err != nil {
		return nil, err
	}
	h.ctx, h.cancel = context.WithCancel(context.Background())
	h.decisions = newWriter(cfg.Repository, cfg.Logger, cfg.Queue)
	go h.watch()
	return h, nil
}

// Refresh reloads the index now if the store changed since it was loaded.
func (h *Handler) Refresh(ctx context.Context) error {
	h.reloadMu.Lock()
	defer h.reloadMu.Unlock()
	if cur := h.ix.Load(); cur != nil {
		v, err := h.cfg.Repository.PolicyVersion(ctx)
		if err != nil {
			return fmt.Errorf("policy: checking for changes: %w", err)
		}
		if v == cur.version {
			return nil
		}
	}
	snap, err := h.cfg.Repository.PolicySnapshot(ctx)
	if err != nil {
		return fmt.Errorf("policy: loading the scheduled conferences: %w", err)
	}
	h.ix.Store(newIndex(snap))
	return nil
}

// watch keeps the index current: every cfg.Refresh it checks the store's
// version and reloads on a change, in the background, so that requests
// never wait for it and a meeting accepted while nobody called is known
// to the first caller.
func (h *Handler) watch() {
	t := time.NewTicker(h.cfg.Refresh)
	defer t.Stop()
	for {
		select {
		case <-h.ctx.Done():
			return
		case <-t.C:
			if err := h.Refresh(h.ctx); err != nil && h.ctx.Err() == nil {
				h.log.Error("policy: keeping the answers current failed; answering from the last load", "error", err)
			}
		}
	}
}

// Flush waits until every decision made so far is in the operations log.
func (h *Handler) Flush(ctx context.Context) error { return h.decisions.flush(ctx) }

// Close writes the decisions still queued and stops the writer.
func (h *Handler) Close(ctx context.Context) error {
	h.cancel()
	return h.decisions.close(ctx)
}

// requestIDHeader is the id the add-in host's middleware gives every
// answer (addinhost.RequestIDHeader; this package does not import the
// host that mounts it).
const requestIDHeader = "X-Request-Id"

var (
	bodyContinue = []byte(`{"status":"success","action":"continue"}`)
	bodyReject   = []byte(`{"status":"success","action":"reject"}`)
)

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	hdr := w.Header()
	hdr.Set("Cache-Control", "no-store")
	if !h.hasCreds {
		fail(w, http.StatusServiceUnavailable, "unavailable", "the policy server has no credentials: run vmr-companion policy credentials --username NAME, then restart serve")
		return
	}
	if stop, until := h.guard.blocked(r.RemoteAddr); stop {
		hdr.Set("Retry-After", strconv.Itoa(max(1, int(until.Sub(h.cfg.Now()).Seconds()+0.999))))
		fail(w, http.StatusTooManyRequests, "too-many-failures", "too many requests with wrong or missing credentials from this address: wait, then check the policy profile's username and password")
		return
	}
	if !h.authorized(r) {
		h.guard.failed(r.RemoteAddr)
		hdr.Set("WWW-Authenticate", `Basic realm="vmr-companion policy", charset="UTF-8"`)
		fail(w, http.StatusUnauthorized, "unauthorized", "wrong or missing credentials: set the policy profile's username and password on Infinity to those given to vmr-companion policy credentials")
		return
	}
	if r.URL.Path != Path+"service/configuration" {
		fail(w, http.StatusNotFound, "not-found", "only service configuration requests are answered here: turn off the other request types in Infinity's policy profile")
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr.Set("Allow", "GET, HEAD")
		fail(w, http.StatusMethodNotAllowed, "method-not-allowed", r.Method+" is not allowed: Infinity asks with GET")
		return
	}
	if len(r.URL.RawQuery) > maxQuery {
		fail(w, http.StatusBadRequest, "bad-request", "the query is too long")
		return
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		fail(w, http.StatusBadRequest, "bad-request", "the query is not valid URL encoding")
		return
	}
	local := q.Get("local_alias")
	if local == "" {
		fail(w, http.StatusBadRequest, "bad-request", "local_alias is missing")
		return
	}
	if garbage(local) {
		fail(w, http.StatusBadRequest, "bad-request", "local_alias holds invalid UTF-8 or control characters")
		return
	}
	d, body := h.ix.Load().answer(local, caller(q), h.cfg.Now())
	d.RequestID = hdr.Get(requestIDHeader)
	h.decisions.add(d)
	hdr.Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
	if h.cfg.Answered != nil {
		h.cfg.Answered(d.Action, time.Since(start))
	}
}

func (h *Handler) authorized(r *http.Request) bool {
	u, p, ok := r.BasicAuth()
	if !ok || len(u) > MaxParam || len(p) > MaxParam {
		return false
	}
	uh, ph := sha256.Sum256([]byte(u)), sha256.Sum256([]byte(p))
	return subtle.ConstantTimeCompare(uh[:], h.user[:])&subtle.ConstantTimeCompare(ph[:], h.pass[:]) == 1
}

// caller names who calls: the remote alias, else the remote address.
func caller(q url.Values) string {
	for _, k := range []string{"remote_alias", "remote_address"} {
		if v := q.Get(k); v != "" {
			return clean(v)
		}
	}
	return "unknown caller"
}

// fail answers an RFC 9457 problem, as the host's other errors: Infinity
// only needs the status (anything but 200 means "no answer" to it), an
// admin reading its logs the detail.
func fail(w http.ResponseWriter, status int, kind, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	b, _ := json.Marshal(struct {
		Type   string `json:"type"`
		Title  string `json:"title"`
		Status int    `json:"status"`
		Detail string `json:"detail"`
	}{"https://vmr-companion.invalid/problems/" + kind, http.StatusText(status), status, detail})
	w.WriteHeader(status)
	w.Write(b)
}

// Credentials are what Infinity's policy profile sends (HTTP Basic).
type Credentials struct {
	Username string
	Password secrets.Secret
}

// IsZero tells whether no credentials are set.
func (c Credentials) IsZero() bool { return c.Username == "" || c.Password.IsZero() }

// answer decides for a dialled alias at now: the decision to log and the
// body to send.
func (ix *index) answer(local, caller string, now time.Time) (Decision, []byte) {
	d := Decision{At: now, Alias: clean(local), Caller: caller}
	dl, ok := normalize(local)
	if !ok {
		d.Action, d.Code, d.Why = actionContinue, CodeNotOurs, "not an alias this service gives out (empty or longer than "+fmt.Sprint(MaxParam)+" bytes)"
		return d, bodyContinue
	}
	e, why := ix.lookup(dl)
	if e == nil {
		if why == "" {
			why = "no single-use alias is " + dl.full
		}
		d.Action, d.Code, d.Why = actionContinue, CodeNotOurs, clean(why)
		return d, bodyContinue
	}
	v := e.decide(now)
	d.IntegrationID, d.Action, d.Code, d.Why = e.a.IntegrationID, v.action, v.code, v.why
	if c := e.a.Conference; c != nil {
		d.MeetingUID, d.Subject, d.Organizer = c.MeetingUID, c.Subject, c.Organizer
	}
	switch v.code {
	case CodeConference:
		return d, e.answer
	case CodeReject:
		return d, bodyReject
	}
	return d, bodyContinue
}

// Check is what the policy answers for a dialled alias at an instant,
// from the store as it is now: for admins (vmr-companion policy check)
// and support, without Infinity. Nothing is logged.
type Check struct {
	Action string          `json:"action"`
	Code   string          `json:"code"`
	Why    string          `json:"why"`
	Answer json.RawMessage `json:"answer"`
}

// Explain answers like the endpoint, without credentials or a log line.
func Explain(ctx context.Context, repo Repository, alias string, at time.Time) (*Check, error) {
	if garbage(alias) {
		return nil, errors.New("policy: the alias holds invalid UTF-8 or control characters (Infinity would get 400)")
	}
	snap, err := repo.PolicySnapshot(ctx)
	if err != nil {
		return nil, fmt.Errorf("policy: loading the scheduled conferences: %w", err)
	}
	d, body := newIndex(snap).answer(alias, "", at)
	return &Check{Action: d.Action, Code: d.Code, Why: d.Why, Answer: body}, nil
}
