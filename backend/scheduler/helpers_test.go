package scheduler_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"vmr-companion/backend/alias"
	"vmr-companion/backend/ews"
	"vmr-companion/backend/ews/ewstest"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/pgtest"
	"vmr-companion/backend/scheduler"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/secrets/secretstest"
	"vmr-companion/backend/store"
	"vmr-companion/backend/templates"
	"vmr-companion/backend/templates/templatestest"
)

const room = "vmr-room@contoso.com"

var (
	alex = ews.Mailbox{Name: "Alex Morgan", Email: "alex.morgan@contoso.com"}
	sam  = ews.Mailbox{Name: "Sam Lee", Email: "sam.lee@contoso.com"}
)

// harness is a store file, the integration service over a mock keychain, a
// fake Exchange over real TLS, and a scheduler with a settable clock.
type harness struct {
	t            testing.TB
	ctx          context.Context
	st           *store.Store
	integrations *integration.Service
	aliases      *alias.Service
	fake         *ewstest.Server
	srv          *httptest.Server
	client       *http.Client
	in           *integration.Integration
	sched        *scheduler.Scheduler

	mu  sync.Mutex
	now time.Time
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	return newHarnessOn(t, store.SQLite)
}

// newHarnessOn is newHarness on the given engine: PostgreSQL is a fresh
// database of the package's private cluster (TestMain stops it).
func newHarnessOn(t testing.TB, engine store.Engine) *harness {
	t.Helper()
	secretstest.MockInit()
	ctx := context.Background()
	d := store.Database{Engine: store.SQLite, Path: filepath.Join(t.TempDir(), "vmr.db")}
	if engine == store.Postgres {
		if cluster == nil {
			cluster = pgtest.Start(t)
		}
		d = store.Database{Engine: store.Postgres, URL: cluster.NewDatabase(t)}
	}
	st, err := store.OpenDatabase(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h := &harness{t: t, ctx: ctx, st: st, now: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)}
	h.integrations = integration.NewService(st.Integrations(), secrets.NewUncheckedKeychain(0), templates.New())
	h.aliases = alias.NewService(st.Aliases(), alias.DefaultTTL, alias.WithClock(h.clock))
	h.fake = ewstest.New(room)
	h.srv = httptest.NewTLSServer(h.fake)
	t.Cleanup(h.srv.Close)
	// The test server's client trusts its certificate; keep as many idle
	// connections as the scheduler sends at once, as a real client does.
	tr := h.srv.Client().Transport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 16
	h.client = &http.Client{Transport: tr}
	h.in = h.addIntegration("Contoso", nil)
	h.sched = scheduler.New(scheduler.Config{
		Repository: st.Scheduler(), Integrations: h.integrations, Aliases: h.aliases, Templates: templatestest.ListedOnly(t, templates.New()),
		Connect: h.connect, Now: h.clock, Poll: 20 * time.Millisecond,
	})
	return h
}

func (h *harness) clock() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.now
}

// connect opens the fake room mailbox with the test server's client, which
// trusts its certificate (no verification is skipped).
func (h *harness) connect(ctx context.Context, in *integration.Integration) (scheduler.Mailbox, error) {
	c, err := ews.New(ews.Config{URL: in.URL, HTTPClient: h.client, Mailbox: *in.RoomMailboxEmailAddress,
		Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil {
		return nil, err
	}
	return scheduler.MailboxOf(c), nil
}

func (h *harness) addIntegration(name string, extra map[string]any) *integration.Integration {
	h.t.Helper()
	o := map[string]any{
		"name":                       name,
		"url":                        h.srv.URL + "/EWS/Exchange.asmx",
		"room_mailbox_email_address": room,
		"room_mailbox_name":          "VMR room",
		"username":                   "svc-vmr",
		"domains":                    []string{"contoso.com"},
		"scheduled_alias_prefix":     "meet",
		"scheduled_alias_domain":     "vc.contoso.com",
		"addin_server_domain":        "addins.contoso.com",
		"enable_dynamic_vmrs":        true,
		"meeting_buffer_before":      15,
		"meeting_buffer_after":       30,
	}
	for k, v := range extra {
		o[k] = v
	}
	data, _ := json.Marshal(o)
	in, err := h.integrations.DecodeNew(data)
	if err != nil {
		h.t.Fatalf("DecodeNew: %v", err)
	}
	saved, err := h.integrations.Create(h.ctx, in)
	if err != nil {
		h.t.Fatalf("creating integration: %v", err)
	}
	return saved.Integration
}

// reserve does what the add-in does: reserve an alias for a compose window.
func (h *harness) reserve(user ews.Mailbox) *alias.ScheduledAlias {
	h.t.Helper()
	a, _, err := h.aliases.Reserve(h.ctx, h.in, "compose-"+time.Now().Format("150405.000000000")+user.Email, user.Email)
	if err != nil {
		h.t.Fatalf("Reserve: %v", err)
	}
	return a
}

// body is the invitation body with the add-in's instructions and token.
func body(a *alias.ScheduledAlias) string {
	return `<p>Agenda: numbers.</p><div class="vmr-companion-instructions"><p>Call <a href="sip:` + a.Alias + `">` + a.Alias +
		`</a></p></div><p style="color:#707070;font-size:smaller">vmr-companion:` + a.UUID + `</p>`
}

func (h *harness) runOnce() *scheduler.Summary {
	h.t.Helper()
	sum, err := h.sched.RunOnce(h.ctx, h.in.Name)
	if err != nil {
		h.t.Fatalf("RunOnce: %v", err)
	}
	return sum
}

func (h *harness) conference(uid string) scheduler.ScheduledConference {
	h.t.Helper()
	list, err := h.sched.Conferences(h.ctx, "", time.Time{})
	if err != nil {
		h.t.Fatal(err)
	}
	for _, c := range list {
		if c.MeetingUID == uid {
			return c
		}
	}
	h.t.Fatalf("no scheduled conference for %s among %d", uid, len(list))
	return scheduler.ScheduledConference{}
}

func (h *harness) lastLog() scheduler.LogEntry {
	h.t.Helper()
	log, err := h.sched.Log(h.ctx, "", 1)
	if err != nil || len(log) == 0 {
		h.t.Fatalf("Log: %v (%d entries)", err, len(log))
	}
	return log[0]
}

// responsesFor returns what the room mailbox answered for a meeting UID.
func (h *harness) responsesFor(uid string) []ewstest.SentResponse {
	var out []ewstest.SentResponse
	for _, r := range h.fake.Responses() {
		if r.MeetingUID == uid {
			out = append(out, r)
		}
	}
	return out
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func tlsConfig(pool *x509.CertPool) *tls.Config {
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}

// limitedBuffer keeps the first max bytes a child process writes.
type limitedBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.max - len(b.buf); room > 0 {
		b.buf = append(b.buf, p[:min(len(p), room)]...)
	}
	return len(p), nil
}

func (b *limitedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

// dumpOutbox describes the outbox, for failure messages.
func dumpOutbox(h *harness) string {
	db, err := sql.Open("sqlite", "file:"+h.st.Path()+"?mode=ro")
	if err != nil {
		return err.Error()
	}
	defer db.Close()
	rows, err := db.Query(`SELECT kind, state, last_error FROM scheduler_outbox`)
	if err != nil {
		return err.Error()
	}
	defer rows.Close()
	out := ""
	for rows.Next() {
		var a, b, c string
		rows.Scan(&a, &b, &c)
		out += a + "/" + b + "/" + c + "; "
	}
	return out
}
