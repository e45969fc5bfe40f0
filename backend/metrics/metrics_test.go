package metrics_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/ews"
	"vmr-companion/backend/metrics"
	"vmr-companion/backend/scheduler"
)

var t0 = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

type fixture struct {
	now      time.Time
	statuses []scheduler.Status
	ping     error
	cert     *x509.Certificate
	m        *metrics.Metrics
}

func newFixture() *fixture {
	f := &fixture{now: t0, cert: &x509.Certificate{NotAfter: t0.Add(30 * 24 * time.Hour)},
		statuses: []scheduler.Status{
			{Integration: "Contoso", State: scheduler.WorkerRunning, OutboxPending: 3, QuarantinedCount: 2, Processed: 7, LastSync: t0.Add(-time.Minute),
				Lease: &scheduler.Lease{ThisProcess: true}},
			{Integration: "Fabrikam", State: scheduler.WorkerDisabled},
		}}
	f.m = metrics.New(metrics.Config{
		Statuses: func(context.Context) ([]scheduler.Status, error) { return f.statuses, nil },
		Ping:     func(context.Context) error { return f.ping },
		Now:      func() time.Time { return f.now },
	})
	f.m.SetCertificate(func() (*x509.Certificate, error) { return f.cert, nil })
	return f
}

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	body, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(body)
}

func TestHealth(t *testing.T) {
	f := newFixture()
	h := f.m.Handler()
	if code, body := get(t, h, "/healthz"); code != 200 || !strings.Contains(body, `"ok"`) {
		t.Fatalf("/healthz: %d %s", code, body)
	}
	if code, body := get(t, h, "/readyz"); code != 200 || !strings.Contains(body, `"ready":true`) {
		t.Fatalf("/readyz ready: %d %s", code, body)
	}

	t.Run("a failed worker makes it not ready, naming the integration", func(t *testing.T) {
		f.statuses[0].State, f.statuses[0].LastError = scheduler.WorkerFailed, "ews: the account was refused"
		defer func() { f.statuses[0].State = scheduler.WorkerRunning }()
		code, body := get(t, h, "/readyz")
		var rd metrics.Readiness
		if err := json.Unmarshal([]byte(body), &rd); err != nil || code != 503 || rd.Ready || len(rd.Problems) != 1 ||
			rd.Problems[0].Check != "scheduler" || rd.Problems[0].Integration != "Contoso" || !strings.Contains(rd.Problems[0].Detail, "refused") {
			t.Fatalf("%d %s", code, body)
		}
	})

	t.Run("an expired certificate makes it not ready", func(t *testing.T) {
		f.now = f.cert.NotAfter
		defer func() { f.now = t0 }()
		code, body := get(t, h, "/readyz")
		if code != 503 || !strings.Contains(body, `"check":"certificate"`) || !strings.Contains(body, "expired") {
			t.Fatalf("%d %s", code, body)
		}
	})

	t.Run("a closed store makes it not ready", func(t *testing.T) {
		f.ping = errors.New("sql: database is closed")
		defer func() { f.ping = nil }()
		if code, body := get(t, h, "/readyz"); code != 503 || !strings.Contains(body, `"check":"store"`) {
			t.Fatalf("%d %s", code, body)
		}
	})

	t.Run("other paths are not found", func(t *testing.T) {
		if code, _ := get(t, h, "/api/v1/x"); code != 404 {
			t.Fatalf("%d", code)
		}
	})
}

func TestMetrics(t *testing.T) {
	f := newFixture()
	m := f.m
	m.Request("POST /api/v1/integrations/{uuid}/reservations", 201, 3*time.Millisecond)
	m.Request("", 404, time.Millisecond)
	m.Reserved("Contoso")
	m.Decided("Contoso", "accept_new_single")
	m.Passed("Contoso", scheduler.PassReport{Took: time.Second, RepliesSent: 2, RepliesFailed: 1})
	m.Passed("Contoso", scheduler.PassReport{Took: time.Second, Err: &ews.Error{Op: "SyncFolderItems", ResponseCode: "ErrorServerBusy"}})
	m.Passed("Contoso", scheduler.PassReport{Err: &scheduler.HeldError{}})
	m.Answered("continue", 100*time.Microsecond)
	_, body := get(t, m.Handler(), "/metrics")
	for _, want := range []string{
		`vmr_companion_addin_requests_total{code="201",route="POST /api/v1/integrations/{uuid}/reservations"} 1`,
		`vmr_companion_addin_requests_total{code="404",route="unmatched"} 1`,
		`vmr_companion_addin_request_duration_seconds_count{route="POST /api/v1/integrations/{uuid}/reservations"} 1`,
		`vmr_companion_reservations_created_total{integration="Contoso"} 1`,
		`vmr_companion_scheduler_decisions_total{code="accept_new_single",integration="Contoso"} 1`,
		`vmr_companion_scheduler_passes_total{integration="Contoso",result="ok"} 1`,
		`vmr_companion_scheduler_passes_total{integration="Contoso",result="error"} 1`,
		`vmr_companion_scheduler_passes_total{integration="Contoso",result="held"} 1`,
		`vmr_companion_scheduler_ews_errors_total{code="ErrorServerBusy",integration="Contoso"} 1`,
		`vmr_companion_scheduler_replies_sent_total{integration="Contoso"} 2`,
		`vmr_companion_scheduler_replies_failed_total{integration="Contoso"} 1`,
		`vmr_companion_scheduler_pass_duration_seconds_count{integration="Contoso"} 3`,
		`vmr_companion_policy_answers_total{action="continue"} 1`,
		`vmr_companion_policy_answer_duration_seconds_count{action="continue"} 1`,
		`vmr_companion_scheduler_worker_state{integration="Contoso",state="running"} 1`,
		`vmr_companion_scheduler_worker_state{integration="Contoso",state="failed"} 0`,
		`vmr_companion_scheduler_worker_state{integration="Fabrikam",state="disabled"} 1`,
		`vmr_companion_scheduler_outbox_pending{integration="Contoso"} 3`,
		`vmr_companion_scheduler_quarantined{integration="Contoso"} 2`,
		`vmr_companion_scheduler_lease_held{integration="Contoso"} 1`,
		`vmr_companion_scheduler_lease_held{integration="Fabrikam"} 0`,
		`vmr_companion_scheduler_processed_total{integration="Contoso"} 7`,
		fmt.Sprintf(`vmr_companion_scheduler_last_sync_timestamp_seconds{integration="Contoso"} %g`, float64(t0.Add(-time.Minute).Unix())),
		`vmr_companion_certificate_expiry_seconds 2.592e+06`,
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("missing %s", want)
		}
	}
	for _, line := range strings.Split(body, "\n") {
		if line != "" && !strings.HasPrefix(line, "#") && !strings.HasPrefix(line, "vmr_companion_") {
			t.Errorf("a metric outside vmr_companion_: %s", line)
		}
	}
}

// Exchange chooses its response codes: a server sending a new one on every
// pass must not grow the label set without bound, nor put odd text in it.
func TestErrorCodesAreBounded(t *testing.T) {
	m := newFixture().m
	for i := range 200 {
		m.Passed("Contoso", scheduler.PassReport{Err: &ews.Error{ResponseCode: fmt.Sprintf("ErrorMade%c%c", 'a'+i%26, 'a'+i/26)}})
	}
	m.Passed("Contoso", scheduler.PassReport{Err: &ews.Error{ResponseCode: `Error"}\n evil{x="1`}})
	_, body := get(t, m.Handler(), "/metrics")
	n := strings.Count(body, "vmr_companion_scheduler_ews_errors_total{")
	if n > 33 {
		t.Fatalf("%d error code series, want at most 33", n)
	}
	if !strings.Contains(body, `vmr_companion_scheduler_ews_errors_total{code="other",integration="Contoso"} 169`) || strings.Contains(body, "evil") {
		t.Fatalf("unexpected:\n%s", body)
	}
}

func TestListen(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0", "192.0.2.1:9464"} {
		if _, err := metrics.Listen(addr, false); !errors.Is(err, metrics.ErrPublic) || !strings.Contains(err.Error(), "--metrics-listen-public") {
			t.Errorf("%s: %v", addr, err)
		}
	}
	if _, err := metrics.Listen("9464", false); err == nil || !strings.Contains(err.Error(), "host:port") {
		t.Errorf("no port: %v", err)
	}
	ln, err := metrics.Listen("127.0.0.1:0", false)
	if err != nil {
		t.Fatal(err)
	}
	srv := metrics.Serve(ln, newFixture().m.Handler(), nil)
	defer srv.Shutdown(context.Background())
	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v %v", resp, err)
	}
	resp.Body.Close()
	pub, err := metrics.Listen("0.0.0.0:0", true)
	if err != nil {
		t.Fatalf("with public: %v", err)
	}
	pub.Close()
}
