package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"vmr-companion/app/wire/wiretest"
	"vmr-companion/backend/addinhost"
	"vmr-companion/backend/secrets/secretstest"
)

// TestMetricsAfterWork: two reservations through the add-in API and a
// scheduler pass against the fake Exchange show in /metrics, under the
// route pattern and the integration's name, never a user's address.
func TestMetricsAfterWork(t *testing.T) {
	secretstest.MockInit()
	dir := t.TempDir()
	ex := wiretest.NewExchange(t, "room@contoso.com")
	if code, _, stderr := run(t, dir, ex.Integration("room@contoso.com"), "integrations", "create", "-f", "-"); code != 0 {
		t.Fatalf("create: %s", stderr)
	}
	svc := wiretest.Open(t, dir)
	ctx := context.Background()
	in, err := svc.Integrations.Get(ctx, "Contoso")
	if err != nil {
		t.Fatal(err)
	}
	host, err := svc.NewHost(ctx, addinhost.Settings{Listen: "127.0.0.1:0", AllowSharedHost: true})
	if err != nil {
		t.Fatal(err)
	}
	h := host.Handler()
	var first string
	for _, key := range []string{"compose-1", "compose-2", "compose-1"} {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/integrations/"+in.UUID+"/reservations", strings.NewReader(`{"item_key": "`+key+`"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-VMR-User", "alex@contoso.com")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusCreated && rec.Code != http.StatusOK {
			t.Fatalf("reserve %s: %d %s", key, rec.Code, rec.Body)
		}
		if first == "" {
			var res addinhost.Reservation
			json.Unmarshal(rec.Body.Bytes(), &res)
			first = res.AliasUUID
		}
	}
	// Outsiders choose paths: they must not mint route labels.
	for i := range 40 {
		for _, path := range []string{fmt.Sprintf("/probe-%d", i), fmt.Sprintf("/api/v1/integrations/probe-%d/pane", i),
			fmt.Sprintf("/addin/probe-%d.js", i)} {
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil))
		}
	}
	ex.SendMeeting("metrics-meeting", "Quarterly review", time.Now().Add(48*time.Hour).Truncate(time.Hour), first)
	if sum, err := svc.Scheduler.RunOnce(ctx, "Contoso"); err != nil || sum.Decided != 1 || sum.Sent != 1 {
		t.Fatalf("pass: %+v %v", sum, err)
	}

	rec := httptest.NewRecorder()
	svc.Metrics.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`vmr_companion_reservations_created_total{integration="Contoso"} 2`,
		`vmr_companion_addin_requests_total{code="201",route="POST /api/v1/integrations/{uuid}/reservations"} 2`,
		`vmr_companion_addin_requests_total{code="200",route="POST /api/v1/integrations/{uuid}/reservations"} 1`,
		`vmr_companion_scheduler_decisions_total{code="accept_new_single",integration="Contoso"} 1`,
		`vmr_companion_scheduler_passes_total{integration="Contoso",result="ok"} 1`,
		`vmr_companion_scheduler_replies_sent_total{integration="Contoso"} 1`,
		`vmr_companion_scheduler_outbox_pending{integration="Contoso"} 0`,
		`vmr_companion_scheduler_processed_total{integration="Contoso"} 1`,
		`vmr_companion_scheduler_lease_held{integration="Contoso"} 0`,
		`vmr_companion_certificate_expiry_seconds `,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("missing %s", want)
		}
	}
	if strings.Contains(body, "alex@") || strings.Contains(body, in.UUID) || strings.Contains(body, "probe-") {
		t.Error("a user's address or a raw path is in a label")
	}
	routes := map[string]bool{}
	for _, m := range regexp.MustCompile(`route="([^"]*)"`).FindAllStringSubmatch(body, -1) {
		routes[m[1]] = true
	}
	if len(routes) > 6 {
		t.Errorf("%d route labels for 4 kinds of request: %v", len(routes), routes)
	}
	rec = httptest.NewRecorder()
	svc.Metrics.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("/readyz: %d %s", rec.Code, rec.Body)
	}
}

func TestServeRefusesPublicMetrics(t *testing.T) {
	secretstest.MockInit()
	code, _, errOut := run(t, t.TempDir(), "", "serve", "--listen", "127.0.0.1:0", "--metrics-listen", "0.0.0.0:9464")
	if code != 2 || !strings.Contains(errOut, "--metrics-listen-public") || !strings.Contains(errOut, "reverse proxy") {
		t.Fatalf("code %d: %s", code, errOut)
	}
	code, _, errOut = run(t, t.TempDir(), "", "serve", "--listen", "127.0.0.1:0", "--metrics-listen", "nowhere")
	if code != 2 || !strings.Contains(errOut, "host:port (or off)") {
		t.Fatalf("code %d: %s", code, errOut)
	}
}
