// Package metrics is what admins watch `serve` with: Prometheus metrics
// (every one named vmr_companion_…) and the health checks /healthz and
// /readyz, on a listener of their own, apart from the add-in host.
//
// Most values are read from the scheduler's status at scrape time; only
// what no status keeps (requests, passes, decisions, policy answers) is
// counted as it happens, through the observer hooks of backend/addinhost,
// backend/scheduler and backend/policy. Labels carry integration names,
// route patterns, status codes, decision codes and actions only: never a
// user's address, an alias or a raw path.
package metrics

import (
	"context"
	"crypto/x509"
	"errors"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"vmr-companion/backend/ews"
	"vmr-companion/backend/scheduler"
)

// namespace prefixes every metric.
const namespace = "vmr_companion"

// maxErrorCodes bounds the distinct EWS response codes counted; Exchange
// chooses them, so a misbehaving server must not mint label values.
const maxErrorCodes = 32

// Config is where the metrics and checks read from. Every field may be
// nil: that part is then left out.
type Config struct {
	// Statuses is the scheduler's state per integration
	// (scheduler.Scheduler.Statuses).
	Statuses func(ctx context.Context) ([]scheduler.Status, error)
	// Ping checks that the store is open and answers.
	Ping func(ctx context.Context) error
	// Now is the clock of the certificate's expiry; nil is time.Now.
	Now func() time.Time
}

// Metrics is one registry with its counters; make it with New.
type Metrics struct {
	cfg Config
	reg *prometheus.Registry

	mu   sync.Mutex
	cert func() (*x509.Certificate, error)

	codesMu sync.Mutex
	codes   map[string]bool

	passes        *prometheus.CounterVec
	passSeconds   *prometheus.HistogramVec
	passErrors    *prometheus.CounterVec
	decisions     *prometheus.CounterVec
	repliesSent   *prometheus.CounterVec
	repliesFailed *prometheus.CounterVec
	requests      *prometheus.CounterVec
	requestSecs   *prometheus.HistogramVec
	reservations  *prometheus.CounterVec
	answers       *prometheus.CounterVec
	answerSecs    *prometheus.HistogramVec
}

// New builds the registry. It is owned here, never the global default,
// so that tests (and two services in one process) stay apart.
func New(cfg Config) *Metrics {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	m := &Metrics{cfg: cfg, reg: prometheus.NewRegistry(), codes: map[string]bool{}}
	m.passes = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Subsystem: "scheduler", Name: "passes_total",
		Help: "Scheduler passes over a room mailbox, by result (ok, error, held: another process holds the mailbox)."}, []string{"integration", "result"})
	m.passSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace, Subsystem: "scheduler", Name: "pass_duration_seconds",
		Help:    "How long a scheduler pass took, its EWS requests included (the EWS client has no per-request hook).",
		Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120}}, []string{"integration"})
	m.passErrors = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Subsystem: "scheduler", Name: "ews_errors_total",
		Help: "Passes ended by an error, by EWS response code (ErrorServerBusy, ...), or auth, transient, other."}, []string{"integration", "code"})
	m.decisions = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Subsystem: "scheduler", Name: "decisions_total",
		Help: "Meetings decided, by outcome code (accept_new_single, reject_alias_conflict, ...)."}, []string{"integration", "code"})
	m.repliesSent = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Subsystem: "scheduler", Name: "replies_sent_total",
		Help: "Replies and meeting updates sent from the outbox."}, []string{"integration"})
	m.repliesFailed = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Subsystem: "scheduler", Name: "replies_failed_total",
		Help: "Replies and meeting updates whose send failed (tried again later, or quarantined)."}, []string{"integration"})
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Subsystem: "addin", Name: "requests_total",
		Help: "Requests to the add-in host, by route pattern and status code."}, []string{"route", "code"})
	m.requestSecs = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace, Subsystem: "addin", Name: "request_duration_seconds",
		Help: "How long the add-in host took to answer, by route pattern.", Buckets: prometheus.DefBuckets}, []string{"route"})
	m.reservations = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "reservations_created_total",
		Help: "Single-use aliases reserved through the add-in API (not those handed out again)."}, []string{"integration"})
	m.answers = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Subsystem: "policy", Name: "answers_total",
		Help: "Answers to Infinity's service configuration requests, by action (continue, reject)."}, []string{"action"})
	m.answerSecs = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace, Subsystem: "policy", Name: "answer_duration_seconds",
		Help:    "How long a policy answer took, by action.",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25}}, []string{"action"})
	m.reg.MustRegister(m.passes, m.passSeconds, m.passErrors, m.decisions, m.repliesSent, m.repliesFailed,
		m.requests, m.requestSecs, m.reservations, m.answers, m.answerSecs, &collector{m: m})
	return m
}

// Registry is the registry the metrics live in (tests gather from it).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Watch names where the scheduler's state comes from, when it is made
// after the metrics (it observes them).
func (m *Metrics) Watch(statuses func(ctx context.Context) ([]scheduler.Status, error)) {
	m.mu.Lock()
	m.cfg.Statuses = statuses
	m.mu.Unlock()
}

func (m *Metrics) statuses() func(ctx context.Context) ([]scheduler.Status, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cfg.Statuses
}

// SetCertificate names where the add-in host's certificate comes from, for
// its expiry and /readyz; the host calls it once it has one.
func (m *Metrics) SetCertificate(get func() (*x509.Certificate, error)) {
	m.mu.Lock()
	m.cert = get
	m.mu.Unlock()
}

func (m *Metrics) certificate() func() (*x509.Certificate, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cert
}

// Request counts one add-in host request (addinhost.Observer).
func (m *Metrics) Request(route string, status int, took time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(route, statusLabel(status)).Inc()
	m.requestSecs.WithLabelValues(route).Observe(took.Seconds())
}

// Reserved counts one reservation made (addinhost.Observer).
func (m *Metrics) Reserved(integration string) {
	m.reservations.WithLabelValues(integration).Inc()
}

// Decided counts one decision (scheduler.Observer).
func (m *Metrics) Decided(integration, code string) {
	m.decisions.WithLabelValues(integration, code).Inc()
}

// Passed counts one pass (scheduler.Observer).
func (m *Metrics) Passed(integration string, r scheduler.PassReport) {
	result := "ok"
	switch {
	case scheduler.IsHeld(r.Err):
		result = "held"
	case errors.Is(r.Err, context.Canceled), errors.Is(r.Err, scheduler.ErrStopping):
		result = "stopped"
	case r.Err != nil:
		result = "error"
		m.passErrors.WithLabelValues(integration, m.errorCode(r.Err)).Inc()
	}
	m.passes.WithLabelValues(integration, result).Inc()
	m.passSeconds.WithLabelValues(integration).Observe(r.Took.Seconds())
	if r.RepliesSent > 0 {
		m.repliesSent.WithLabelValues(integration).Add(float64(r.RepliesSent))
	}
	if r.RepliesFailed > 0 {
		m.repliesFailed.WithLabelValues(integration).Add(float64(r.RepliesFailed))
	}
}

// Answered counts one policy answer (policy.Config.Answered).
func (m *Metrics) Answered(action string, took time.Duration) {
	m.answers.WithLabelValues(action).Inc()
	m.answerSecs.WithLabelValues(action).Observe(took.Seconds())
}

var responseCode = regexp.MustCompile(`^[A-Za-z]{1,64}$`)

// errorCode names a pass's error for a label: the EWS response code while
// fewer than maxErrorCodes were seen, else a coarse kind.
func (m *Metrics) errorCode(err error) string {
	var ee *ews.Error
	if errors.As(err, &ee) && responseCode.MatchString(ee.ResponseCode) {
		m.codesMu.Lock()
		defer m.codesMu.Unlock()
		if m.codes[ee.ResponseCode] || len(m.codes) < maxErrorCodes {
			m.codes[ee.ResponseCode] = true
			return ee.ResponseCode
		}
		return "other"
	}
	switch {
	case scheduler.Fatal(err):
		return "auth"
	case ews.IsTransient(err):
		return "transient"
	}
	return "other"
}

// statusLabel is an HTTP status as a label; the host writes only real
// codes, but a bound costs nothing.
func statusLabel(status int) string {
	if status == 0 {
		status = 200 // nothing written: net/http answers 200
	}
	if status < 100 || status > 599 {
		return "other"
	}
	return strconv.Itoa(status)
}
