package policy_test

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"vmr-companion/backend/alias"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/policy"
	"vmr-companion/backend/scheduler"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/store"
)

// t0 is a Monday; meetings start at 10:00 UTC, and the integration's
// buffers are the defaults: 30 minutes before, 60 after.
var t0 = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

var creds = policy.Credentials{Username: "infinity", Password: secrets.New("s3cret pass")}

type harness struct {
	t       *testing.T
	st      *store.Store
	in, api *integration.Integration
	aliases *alias.Service
	now     atomic.Pointer[time.Time]
	h       *policy.Handler
	digits  atomic.Int64
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir()+"/policy.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h := &harness{t: t, st: st}
	h.setNow(t0)
	h.digits.Store(100000)
	mk := func(name, provisioning string) *integration.Integration {
		in := integration.Defaults()
		in.UUID = fmt.Sprintf("00000000-0000-4000-8000-%012d", h.digits.Add(1))
		in.Name, in.URL = name, "https://mail.example.com/EWS/Exchange.asmx"
		in.Username, in.Domains = "svc@example.com", []string{"example.com"}
		in.EnableDynamicVMRs = true
		in.InfinityProvisioning = provisioning
		in.AddinServerDomain = "addins.example.com"
		return in
	}
	h.in = mk("Contoso", integration.ProvisionPolicy)
	h.in.ScheduledAliasDomain = "vc.example.com"
	prefix := "meet"
	h.in.ScheduledAliasPrefix = &prefix
	group, theme := "Contoso staff", "/api/admin/configuration/v1/ivr_theme/3/"
	h.in.HostIdentityProviderGroup, h.in.IVRTheme = &group, &theme
	h.in.NonIdPParticipants = integration.NonIdPAllowIfTrusted
	h.api = mk("Fabrikam", integration.ProvisionAPI)
	h.api.ScheduledAliasDomain = "vc.fabrikam.com"
	if err := st.Integrations().Create(ctx, []*integration.Integration{h.in, h.api}); err != nil {
		t.Fatal(err)
	}
	// Predictable aliases: meet100003@vc.example.com, then 100004, …
	h.aliases = alias.NewService(st.Aliases(), 24*time.Hour, alias.WithClock(h.clock),
		alias.WithDigits(func(n int) (string, error) { return fmt.Sprint(h.digits.Add(1)), nil }))
	return h
}

func (h *harness) clock() time.Time     { return *h.now.Load() }
func (h *harness) setNow(t time.Time)   { h.now.Store(&t) }
func (h *harness) ctx() context.Context { return context.Background() }

// start builds the handler (after seeding, or call h.h.Refresh).
func (h *harness) start(c policy.Credentials) {
	h.t.Helper()
	ph, err := policy.New(h.ctx(), policy.Config{Repository: h.st.Policy(), Credentials: c, Now: h.clock, Refresh: time.Hour})
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { ph.Close(context.Background()) })
	h.h = ph
}

func (h *harness) reserve(in *integration.Integration, key string) *alias.ScheduledAlias {
	h.t.Helper()
	a, _, err := h.aliases.Reserve(h.ctx(), in, key, "kari@example.com")
	if err != nil {
		h.t.Fatal(err)
	}
	return a
}

// meeting commits a scheduled conference for a reservation through the
// scheduler's repository, as the scheduler does when it accepts a meeting.
func (h *harness) meeting(in *integration.Integration, a *alias.ScheduledAlias, subject, rrule string, until time.Time, cancelled ...time.Time) *scheduler.Record {
	h.t.Helper()
	rec := &scheduler.Record{IntegrationID: in.ID, ScheduledAliasID: a.ID, Description: "Booked by kari@example.com"}
	c := &rec.ScheduledConference
	c.Alias, c.NumericAlias, c.AliasUUID, c.MeetingUID = a.Alias, a.NumericAlias, a.UUID, "uid-"+subject
	c.ConferenceName, c.Subject, c.Organizer, c.OrganizerName = subject+" (Kari Nordmann)", subject, "kari@example.com", "Kari Nordmann"
	c.Kind, c.State, c.Recurrence = scheduler.KindSingle, scheduler.StateActive, rrule
	if rrule != "" {
		c.Kind = scheduler.KindRecurring
	}
	c.Start, c.End = t0, t0.Add(time.Hour)
	c.ValidFrom, c.ValidUntil = t0.Add(-30*time.Minute), until
	c.Cancelled = cancelled
	h.commit(in, rec, a.ID, 0)
	return rec
}

func (h *harness) commit(in *integration.Integration, rec *scheduler.Record, use, del int64) {
	h.t.Helper()
	out := &scheduler.Outcome{IntegrationID: in.ID, ItemID: "item-" + rec.MeetingUID, ChangeKey: fmt.Sprint(h.digits.Add(1)),
		Entry:      scheduler.LogEntry{TransactionID: "tx-" + rec.MeetingUID, Time: h.clock(), Success: true, Code: "accept_new_single"},
		Conference: rec, UseAlias: use, DeleteAlias: del}
	if err := h.st.Scheduler().Commit(h.ctx(), out); err != nil {
		h.t.Fatal(err)
	}
}

// infinityState sets where a conference stands on Infinity, as API
// provisioning records it.
func (h *harness) infinityState(rec *scheduler.Record, state string) {
	h.t.Helper()
	db, err := sql.Open("sqlite", h.st.Path())
	if err != nil {
		h.t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(h.ctx(), `UPDATE scheduled_conferences SET infinity_state = ? WHERE meeting_uid = ?`, state, rec.MeetingUID); err != nil {
		h.t.Fatal(err)
	}
}

type reply struct {
	Status int
	Header http.Header
	Body   struct {
		Status any            `json:"status"` // "success", or a problem's status code
		Action string         `json:"action"`
		Detail string         `json:"detail"`
		Result map[string]any `json:"result"`
	}
	Raw string
}

func (h *harness) ask(rawQuery string, c *policy.Credentials) reply {
	h.t.Helper()
	req := httptest.NewRequest(http.MethodGet, "https://policy.example.com/policy/v1/service/configuration", nil)
	req.URL.RawQuery = rawQuery
	if c != nil {
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(c.Username+":"+c.Password.Reveal())))
	}
	rec := httptest.NewRecorder()
	h.h.ServeHTTP(rec, req)
	r := reply{Status: rec.Code, Header: rec.Header(), Raw: rec.Body.String()}
	if err := json.Unmarshal(rec.Body.Bytes(), &r.Body); err != nil {
		h.t.Fatalf("answer is not JSON: %q", r.Raw)
	}
	return r
}

// dial asks for an alias at an instant, with the right credentials.
func (h *harness) dial(alias string, at time.Time) reply {
	h.t.Helper()
	h.setNow(at)
	q := url.Values{"local_alias": {alias}, "remote_alias": {"sip:guest@partner.example"}, "protocol": {"sip"}, "call_direction": {"dial_in"}}
	return h.ask(q.Encode(), &creds)
}

func wantAction(t *testing.T, r reply, action string, withResult bool) {
	t.Helper()
	if r.Status != http.StatusOK || r.Body.Status != "success" || r.Body.Action != action || (r.Body.Result != nil) != withResult {
		t.Fatalf("got %d %s, want action %s (result: %v)", r.Status, r.Raw, action, withResult)
	}
}

func TestSingleMeetingWindow(t *testing.T) {
	h := newHarness(t)
	a := h.reserve(h.in, "compose-1")
	h.meeting(h.in, a, "Weekly review", "", t0.Add(2*time.Hour))
	h.start(creds)

	cases := []struct {
		name   string
		at     time.Time
		action string
	}{
		{"a minute before the buffer opens", t0.Add(-31 * time.Minute), "reject"},
		{"the buffer before the meeting", t0.Add(-30 * time.Minute), "continue"},
		{"during the meeting", t0.Add(30 * time.Minute), "continue"},
		{"the end of the buffer after", t0.Add(2 * time.Hour), "continue"},
		{"after the buffer", t0.Add(2*time.Hour + time.Second), "reject"},
		{"the next day", t0.Add(24 * time.Hour), "reject"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantAction(t, h.dial(a.Alias, c.at), c.action, c.action == "continue")
		})
	}

	t.Run("the result is the stored conference with the integration's settings", func(t *testing.T) {
		r := h.dial(a.Alias, t0)
		want := map[string]any{"service_type": "conference", "name": "Weekly review (Kari Nordmann)", "service_tag": a.UUID,
			"description": "Booked by kari@example.com", "host_identity_provider_group": "Contoso staff",
			"non_idp_participants": "allow_if_trusted"}
		if fmt.Sprint(r.Body.Result) != fmt.Sprint(want) {
			t.Fatalf("result %v, want %v (the IVR theme is a URI, not a name: left out)", r.Body.Result, want)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Fatalf("Content-Type %q", ct)
		}
	})

	t.Run("the alias in the forms Infinity users dial it", func(t *testing.T) {
		local := strings.TrimSuffix(a.Alias, "@vc.example.com")
		for _, form := range []string{
			"sip:" + a.Alias, "SIP:" + strings.ToUpper(a.Alias), "sips:" + a.Alias + ";transport=tls",
			"sip:" + a.Alias + "?subject=hi", "h323:" + a.Alias, "<sip:" + a.Alias + ">", `"Kari" <sip:` + a.Alias + `;user=phone>`,
			local, strings.ToUpper(local), a.NumericAlias, a.NumericAlias + "@vc.example.com", "tel:" + a.NumericAlias,
			" " + a.Alias + " ",
		} {
			if r := h.dial(form, t0); r.Body.Action != "continue" || r.Body.Result == nil {
				t.Errorf("%q: %s", form, r.Raw)
			}
		}
		for _, other := range []string{"meet999999@vc.example.com", local + "@other.example.com", a.NumericAlias + "@other.example.com",
			"foo:" + a.Alias, a.NumericAlias + "0", local + "x"} {
			if r := h.dial(other, t0); r.Body.Action != "continue" || r.Body.Result != nil {
				t.Errorf("%q is not ours but got %s", other, r.Raw)
			}
		}
	})
}

func TestSeriesWithACancelledOccurrence(t *testing.T) {
	h := newHarness(t)
	a := h.reserve(h.in, "compose-series")
	week := 7 * 24 * time.Hour
	// Four Mondays; the second is cancelled.
	h.meeting(h.in, a, "Standup", "FREQ=WEEKLY;COUNT=4", t0.Add(3*week+2*time.Hour), t0.Add(week))
	h.start(creds)

	wantAction(t, h.dial(a.Alias, t0.Add(10*time.Minute)), "continue", true)
	t.Run("the cancelled occurrence is refused", func(t *testing.T) {
		r := h.dial(a.Alias, t0.Add(week+10*time.Minute))
		wantAction(t, r, "reject", false)
	})
	t.Run("a later occurrence of the same series answers with the conference", func(t *testing.T) {
		r := h.dial(a.Alias, t0.Add(2*week+10*time.Minute))
		wantAction(t, r, "continue", true)
		if r.Body.Result["name"] != "Standup (Kari Nordmann)" {
			t.Fatalf("result %v", r.Body.Result)
		}
	})
	t.Run("between occurrences, inside the series' window, is refused", func(t *testing.T) {
		wantAction(t, h.dial(a.Alias, t0.Add(3*24*time.Hour)), "reject", false)
	})
	t.Run("after the last occurrence is refused", func(t *testing.T) {
		wantAction(t, h.dial(a.Alias, t0.Add(4*week)), "reject", false)
	})
}

func TestWhatIsNotOursContinues(t *testing.T) {
	h := newHarness(t)
	apiAlias := h.reserve(h.api, "compose-api")
	created := h.meeting(h.api, apiAlias, "Fabrikam board", "", t0.Add(2*time.Hour))
	h.infinityState(created, scheduler.InfinityCreated)
	waiting := h.reserve(h.api, "compose-api-waiting")
	queued := h.meeting(h.api, waiting, "Fabrikam review", "", t0.Add(2*time.Hour))
	h.infinityState(queued, scheduler.InfinityPending)
	unused := h.reserve(h.in, "compose-unused")
	cancelled := h.reserve(h.in, "compose-cancelled")
	rec := h.meeting(h.in, cancelled, "Called off", "", t0.Add(2*time.Hour))
	rec.State = scheduler.StateCancelled
	h.commit(h.in, rec, 0, cancelled.ID)
	h.start(creds)

	t.Run("an unknown alias", func(t *testing.T) {
		wantAction(t, h.dial("sip:alice.vmr@example.com", t0), "continue", false)
	})
	t.Run("an alias whose conference was created on Infinity through the API", func(t *testing.T) {
		wantAction(t, h.dial(apiAlias.Alias, t0), "continue", false)
	})
	t.Run("an API integration's meeting not created on Infinity yet is answered here meanwhile", func(t *testing.T) {
		wantAction(t, h.dial(waiting.Alias, t0), "continue", true)
	})
	t.Run("a reservation no meeting used yet is ours, and refused", func(t *testing.T) {
		wantAction(t, h.dial(unused.Alias, t0), "reject", false)
	})
	t.Run("a cancelled meeting's alias is refused", func(t *testing.T) {
		wantAction(t, h.dial(cancelled.Alias, t0), "reject", false)
	})
	t.Run("a meeting written after the start is answered after a refresh", func(t *testing.T) {
		h.meeting(h.in, unused, "Late addition", "", t0.Add(2*time.Hour))
		if err := h.h.Refresh(h.ctx()); err != nil {
			t.Fatal(err)
		}
		wantAction(t, h.dial(unused.Alias, t0), "continue", true)
	})
}

func TestCredentials(t *testing.T) {
	t.Run("without configured credentials every request is refused", func(t *testing.T) {
		h := newHarness(t)
		h.start(policy.Credentials{})
		r := h.ask("local_alias=x", &creds)
		if r.Status != http.StatusServiceUnavailable || !strings.Contains(r.Body.Detail, "vmr-companion policy credentials --username") {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
	})
	h := newHarness(t)
	h.start(creds)
	for name, c := range map[string]*policy.Credentials{
		"no credentials":   nil,
		"a wrong password": {Username: creds.Username, Password: secrets.New("guess")},
		"a wrong username": {Username: "admin", Password: creds.Password},
		"empty ones":       {},
	} {
		t.Run(name+" is 401", func(t *testing.T) {
			r := h.ask("local_alias=meet1%40vc.example.com", c)
			if r.Status != http.StatusUnauthorized || !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Basic ") || r.Header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("%d %v %s", r.Status, r.Header, r.Raw)
			}
			if strings.Contains(r.Raw, creds.Password.Reveal()) {
				t.Fatal("the answer holds the password")
			}
		})
	}
}

func TestHostileParameters(t *testing.T) {
	h := newHarness(t)
	a := h.reserve(h.in, "compose-1")
	h.meeting(h.in, a, "Review", "", t0.Add(2*time.Hour))
	h.start(creds)
	huge := strings.Repeat("9", 100_000)
	cases := []struct {
		name, query string
		status      int
	}{
		{"a huge alias", "local_alias=" + strings.Repeat("a", 5000) + "%40vc.example.com", 200},
		{"a huge query", "local_alias=x&remote_alias=" + huge, 400},
		{"control characters", "local_alias=meet%00100001%0d%0a%40vc.example.com", 400},
		{"invalid UTF-8", "local_alias=%ff%fe" + url.QueryEscape(a.Alias), 400},
		{"broken escapes", "local_alias=%zz", 400},
		{"no local alias", "remote_alias=x", 400},
		{"only a scheme", "local_alias=sip%3A", 200},
		{"only a domain", "local_alias=%40vc.example.com", 200},
		{"a huge caller", "local_alias=" + url.QueryEscape(a.Alias) + "&remote_alias=" + strings.Repeat("%e2%80%ae", 1000), 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h.setNow(t0)
			r := h.ask(c.query, &creds)
			if r.Status != c.status {
				t.Fatalf("%d %s, want %d", r.Status, r.Raw, c.status)
			}
			if len(r.Raw) > 1024 {
				t.Fatalf("answer of %d bytes echoes the input", len(r.Raw))
			}
		})
	}
	t.Run("the long caller is logged clipped", func(t *testing.T) {
		if err := h.h.Flush(h.ctx()); err != nil {
			t.Fatal(err)
		}
		log, err := h.st.Scheduler().Log(h.ctx(), h.in.ID, 10)
		if err != nil || len(log) == 0 {
			t.Fatalf("%v %v", log, err)
		}
		if n := len(log[0].Description); n > 1100 {
			t.Fatalf("a log line of %d bytes", n)
		}
	})
}

func TestDecisionsGoToTheOperationsLog(t *testing.T) {
	h := newHarness(t)
	a := h.reserve(h.in, "compose-1")
	h.meeting(h.in, a, "Review", "", t0.Add(2*time.Hour))
	h.start(creds)
	h.dial("sip:"+a.Alias, t0)
	h.dial(a.Alias, t0.Add(-time.Hour))
	h.dial("nobody@example.com", t0)
	if err := h.h.Flush(h.ctx()); err != nil {
		t.Fatal(err)
	}
	log, err := h.st.Scheduler().Log(h.ctx(), h.in.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	var policyRows []scheduler.LogEntry
	for _, e := range log {
		if strings.HasPrefix(e.Code, "policy_") {
			policyRows = append(policyRows, e)
		}
	}
	if len(policyRows) != 2 {
		t.Fatalf("%d policy rows, want 2 (the unknown alias has no integration): %+v", len(policyRows), log)
	}
	// Newest first.
	reject, open := policyRows[0], policyRows[1]
	if open.Code != policy.CodeConference || !open.Success || open.ItemUID != "uid-Review" ||
		!strings.Contains(open.Description, "sip:"+a.Alias) || !strings.Contains(open.Description, "guest@partner.example") {
		t.Fatalf("the answered call's row: %+v", open)
	}
	if reject.Code != policy.CodeReject || reject.Success || !strings.Contains(reject.Description, "too early") {
		t.Fatalf("the refused call's row: %+v", reject)
	}
	for _, e := range policyRows {
		if e.TransactionID == "" || !e.Time.Equal(t0) && !e.Time.Equal(t0.Add(-time.Hour)) {
			t.Fatalf("row %+v", e)
		}
	}
}

// TestDecisionsOfADeletedIntegrationAreSkipped: a batch must not fail on
// a row whose integration went meanwhile.
func TestDecisionsOfADeletedIntegrationAreSkipped(t *testing.T) {
	h := newHarness(t)
	err := h.st.Policy().LogDecisions(h.ctx(), []policy.Decision{
		{At: t0, IntegrationID: 9999, Alias: "x", Caller: "y", Action: "reject", Code: policy.CodeReject},
		{At: t0, IntegrationID: h.in.ID, Alias: "x", Caller: "y", Action: "reject", Code: policy.CodeReject},
	})
	if err != nil {
		t.Fatal(err)
	}
	if log, _ := h.st.Scheduler().Log(h.ctx(), 0, 10); len(log) != 1 {
		t.Fatalf("%+v", log)
	}
}

func TestExplainAnswersLikeTheEndpointWithoutLogging(t *testing.T) {
	h := newHarness(t)
	a := h.reserve(h.in, "compose-1")
	h.meeting(h.in, a, "Review", "", t0.Add(2*time.Hour))
	c, err := policy.Explain(h.ctx(), h.st.Policy(), "sip:"+strings.ToUpper(a.Alias), t0)
	if err != nil {
		t.Fatal(err)
	}
	if c.Action != "continue" || c.Code != policy.CodeConference || !strings.Contains(string(c.Answer), `"service_tag":"`+a.UUID+`"`) {
		t.Fatalf("%+v %s", c, c.Answer)
	}
	if c, _ := policy.Explain(h.ctx(), h.st.Policy(), a.Alias, t0.Add(-time.Hour)); c.Action != "reject" || !strings.Contains(c.Why, "too early") {
		t.Fatalf("an hour before: %+v", c)
	}
	if _, err := policy.Explain(h.ctx(), h.st.Policy(), "a\x00b", t0); err == nil {
		t.Fatal("a control character was accepted")
	}
	if log, _ := h.st.Scheduler().Log(h.ctx(), h.in.ID, 10); len(log) != 1 { // the meeting's own decision only
		t.Fatalf("Explain wrote to the log: %+v", log)
	}
}

// Guessing the password is slowed per address: after 20 failures within a
// minute that address gets 429, even with the right credentials, until the
// minute is over; other addresses (the Conferencing Nodes) are not held up.
func TestGuessingIsSlowedPerAddress(t *testing.T) {
	h := newHarness(t)
	h.start(creds)
	wrong := &policy.Credentials{Username: creds.Username, Password: secrets.New("guess")}
	askFrom := func(addr string, c *policy.Credentials) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, "https://policy.example.com/policy/v1/service/configuration?local_alias=x%40example.com", nil)
		req.RemoteAddr = addr
		req.SetBasicAuth(c.Username, c.Password.Reveal())
		rec := httptest.NewRecorder()
		h.h.ServeHTTP(rec, req)
		return rec
	}
	for i := range 20 {
		if rec := askFrom("198.51.100.7:40000", wrong); rec.Code != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i+1, rec.Code)
		}
	}
	rec := askFrom("198.51.100.7:40001", &creds)
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("after 20 guesses: %d %v", rec.Code, rec.Header())
	}
	if rec := askFrom("203.0.113.9:5000", &creds); rec.Code != http.StatusOK {
		t.Fatalf("another address: %d %s", rec.Code, rec.Body)
	}
	later := t0.Add(2 * time.Minute)
	h.now.Store(&later)
	if rec := askFrom("198.51.100.7:40002", &creds); rec.Code != http.StatusOK {
		t.Fatalf("after the minute: %d %s", rec.Code, rec.Body)
	}
}
