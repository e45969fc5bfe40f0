package scheduler_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"vmr-companion/backend/alias"
	"vmr-companion/backend/conference"
	"vmr-companion/backend/ews"
	"vmr-companion/backend/ews/ewstest"
	"vmr-companion/backend/infinity"
	"vmr-companion/backend/infinity/infinitytest"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/scheduler"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/templates"
	"vmr-companion/backend/templates/templatestest"
)

const (
	ivrTheme = infinitytest.ConfigPath + "ivr_theme/2/"
	idpGroup = infinitytest.ConfigPath + "identity_provider_group/5/"
)

// clients is the Infinity connection as the scheduler asks for it: a
// client over real HTTPS to the fake, or the error of not being connected.
type clients struct {
	c   *infinity.Client
	err error
}

func (c *clients) Client(context.Context) (*infinity.Client, error) { return c.c, c.err }

// provisionHarness is the scheduler harness with an integration in the
// given infinity_provisioning mode and a fake Management Node.
type provisionHarness struct {
	*harness
	mgr     *infinitytest.Server
	clients *clients
}

func newProvisionHarness(t *testing.T, mode string, extra map[string]any) *provisionHarness {
	t.Helper()
	h := newHarness(t)
	o := map[string]any{"infinity_provisioning": mode, "domains": []string{"fabrikam.com"}}
	for k, v := range extra {
		o[k] = v
	}
	h.in = h.addIntegration("Fabrikam", o)
	mgr := infinitytest.Start(t, infinitytest.Options{Username: "vmr-sched", Password: "s3cret-pass"})
	c, err := infinity.New(infinity.Config{BaseURL: mgr.URL, Username: "vmr-sched", Password: secrets.New("s3cret-pass"), RootCAs: mgr.CA.Pool,
		Sleep: func(context.Context, time.Duration) error { return nil }, Rand: func(int64) int64 { return 0 }})
	if err != nil {
		t.Fatal(err)
	}
	p := &provisionHarness{harness: h, mgr: mgr, clients: &clients{c: c}}
	p.restart()
	return p
}

// restart is a new process on the same store: a new scheduler.
func (p *provisionHarness) restart() {
	p.sched = scheduler.New(scheduler.Config{
		Repository: p.st.Scheduler(), Integrations: p.integrations, Aliases: p.aliases, Templates: templatestest.ListedOnly(p.t, templates.New()),
		Connect: p.connect, Now: p.clock, Poll: 20 * time.Millisecond, Infinity: p.clients,
	})
}

func (p *provisionHarness) setNow(t time.Time) {
	p.mu.Lock()
	p.now = t
	p.mu.Unlock()
}

// requests are the fake's requests to conference resources.
func (p *provisionHarness) requests(method string) []infinitytest.Request {
	var out []infinitytest.Request
	for _, r := range p.mgr.Requests() {
		if (method == "" || r.Method == method) && strings.HasPrefix(r.Path, infinitytest.ConfigPath+"conference") {
			out = append(out, r)
		}
	}
	return out
}

func (p *provisionHarness) meeting(uid, subject string, a *alias.ScheduledAlias, start time.Time) ewstest.Meeting {
	return ewstest.Meeting{UID: uid, Subject: subject, Organizer: alex, Start: start, End: start.Add(time.Hour), BodyHTML: body(a)}
}

func (p *provisionHarness) logCodes() []string {
	log, err := p.sched.Log(p.ctx, "", 100)
	if err != nil {
		p.t.Fatal(err)
	}
	var out []string
	for _, e := range log {
		out = append(out, e.Code)
	}
	return out
}

func aliasesOf(obj map[string]any) []string {
	var out []string
	list, _ := obj["aliases"].([]any)
	for _, a := range list {
		out = append(out, a.(map[string]any)["alias"].(string))
	}
	slices.Sort(out)
	return out
}

func TestAPIProvisioningCreatesTheConferenceAndItsAliases(t *testing.T) {
	p := newProvisionHarness(t, "api", map[string]any{"ivr_theme": ivrTheme, "host_identity_provider_group": idpGroup,
		"non_idp_participants": "allow_if_trusted"})
	a := p.reserve(alex)
	p.fake.SendRequest(p.meeting("uid-api", "Budget review", a, time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)))
	p.runOnce()

	c := p.conference("uid-api")
	if c.InfinityState != scheduler.InfinityCreated || c.InfinityID == 0 || c.InfinityStatus != "created on Infinity as id 1" {
		t.Fatalf("conference %+v, want created on Infinity", c)
	}
	obj := p.mgr.Object(infinity.ResConference, c.InfinityID)
	want := map[string]any{"name": c.ConferenceName, "service_type": "conference", "tag": a.UUID, "ivr_theme": ivrTheme,
		"host_identity_provider_group": idpGroup, "non_idp_participants": "allow_if_trusted"}
	for k, v := range want {
		if obj[k] != v {
			t.Errorf("%s on Infinity is %v, want %v", k, obj[k], v)
		}
	}
	if !strings.Contains(obj["description"].(string), alex.Email) {
		t.Errorf("description %q, want the rendered description template", obj["description"])
	}
	wantAliases := []string{a.Alias, a.NumericAlias}
	slices.Sort(wantAliases)
	if got := aliasesOf(obj); !slices.Equal(got, wantAliases) {
		t.Fatalf("aliases %v, want %v", got, wantAliases)
	}
	if rs := p.responsesFor("uid-api"); len(rs) != 1 || rs[0].Kind != "accept" {
		t.Fatalf("responses %+v", rs)
	}
	if codes := p.logCodes(); codes[0] != scheduler.CodeInfinityCreated {
		t.Fatalf("log %v, want infinity_created last", codes)
	}
	// Nothing new: nothing more is sent to Infinity.
	before := len(p.mgr.Requests())
	p.runOnce()
	if n := len(p.mgr.Requests()); n != before {
		t.Fatalf("%d requests on a pass with nothing to do", n-before)
	}
}

func TestAPIProvisioningPatchesOnlyWhatChanged(t *testing.T) {
	p := newProvisionHarness(t, "api", nil)
	a := p.reserve(alex)
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	m := p.meeting("uid-move", "Planning", a, start)
	p.fake.SendRequest(m)
	p.runOnce()
	id := p.conference("uid-move").InfinityID

	// Moved only: the conference on Infinity has nothing that changes.
	m.Start, m.End, m.Sequence = start.Add(24*time.Hour), start.Add(25*time.Hour), 1
	p.fake.SendRequest(m)
	before := len(p.requests(""))
	p.runOnce()
	if n := len(p.requests("")) - before; n != 0 {
		t.Fatalf("%d requests for a move that changes nothing on Infinity", n)
	}

	// Moved and renamed: one PATCH with the name only.
	m.Start, m.End, m.Sequence, m.Subject = start.Add(48*time.Hour), start.Add(49*time.Hour), 2, "Planning (moved)"
	p.fake.SendRequest(m)
	p.runOnce()
	c := p.conference("uid-move")
	patches := p.requests(http.MethodPatch)
	if len(patches) != 1 || patches[0].Path != infinity.ResourceURI(infinity.ResConference, id) {
		t.Fatalf("patches %+v, want one to conference %d", patches, id)
	}
	var sent map[string]any
	if err := json.Unmarshal(patches[0].Body, &sent); err != nil {
		t.Fatal(err)
	}
	if len(sent) != 1 || sent["name"] != c.ConferenceName {
		t.Fatalf("PATCH body %s, want only the new name %q", patches[0].Body, c.ConferenceName)
	}
	if got := p.mgr.Object(infinity.ResConference, id)["name"]; got != c.ConferenceName {
		t.Fatalf("name on Infinity %v", got)
	}
	if codes := p.logCodes(); codes[0] != scheduler.CodeInfinityUpdated {
		t.Fatalf("log %v, want infinity_updated last", codes)
	}
}

func TestAPIProvisioningDeletesACancelledMeeting(t *testing.T) {
	p := newProvisionHarness(t, "api", nil)
	a := p.reserve(alex)
	m := p.meeting("uid-cancel", "Retro", a, time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC))
	p.fake.SendRequest(m)
	p.runOnce()
	if p.mgr.Count(infinity.ResConference) != 1 || p.mgr.Count(infinity.ResConferenceAlias) != 2 {
		t.Fatal("the conference was not created")
	}
	m.Sequence = 1
	p.fake.SendCancellation(m)
	p.runOnce()
	if n, na := p.mgr.Count(infinity.ResConference), p.mgr.Count(infinity.ResConferenceAlias); n != 0 || na != 0 {
		t.Fatalf("%d conferences and %d aliases left on Infinity", n, na)
	}
	if dels := p.requests(http.MethodDelete); len(dels) != 1 {
		t.Fatalf("deletes %+v, want one (the aliases go with their conference)", dels)
	}
	c := p.conference("uid-cancel")
	if c.InfinityState != scheduler.InfinityRemoved || c.InfinityStatus != "removed from Infinity" {
		t.Fatalf("conference %+v", c)
	}
	if codes := p.logCodes(); codes[0] != scheduler.CodeInfinityDeleted {
		t.Fatalf("log %v, want infinity_deleted last", codes)
	}
}

func TestReaperDeletesOnceTheWindowHasPassed(t *testing.T) {
	p := newProvisionHarness(t, "api", nil)
	a := p.reserve(alex)
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	p.fake.SendRequest(p.meeting("uid-reap", "Standup", a, start))
	p.runOnce()
	until := p.conference("uid-reap").ValidUntil // end + 30 minutes

	p.setNow(until.Add(-time.Second))
	p.runOnce()
	if len(p.requests(http.MethodDelete)) != 0 || p.mgr.Count(infinity.ResConference) != 1 {
		t.Fatal("the reaper deleted the conference before its window ended")
	}
	p.setNow(until.Add(time.Second))
	p.runOnce()
	if len(p.requests(http.MethodDelete)) != 1 || p.mgr.Count(infinity.ResConference) != 0 {
		t.Fatalf("deletes %+v after the window", p.requests(http.MethodDelete))
	}
	if c := p.conference("uid-reap"); c.InfinityState != scheduler.InfinityRemoved {
		t.Fatalf("conference %+v", c)
	}
	p.setNow(until.Add(time.Hour))
	p.runOnce()
	if len(p.requests(http.MethodDelete)) != 1 {
		t.Fatal("the reaper deleted a removed conference again")
	}
}

func TestPolicyProvisioningSendsNothingToInfinity(t *testing.T) {
	p := newProvisionHarness(t, "policy", nil)
	a := p.reserve(alex)
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	p.fake.SendRequest(p.meeting("uid-policy", "Policy", a, start))
	p.runOnce()
	c := p.conference("uid-policy")
	p.setNow(c.ValidUntil.Add(time.Hour))
	p.runOnce()
	if reqs := p.mgr.Requests(); len(reqs) != 0 {
		t.Fatalf("%d requests to Infinity for a policy integration: %+v", len(reqs), reqs)
	}
	if c.InfinityState != scheduler.InfinityPolicy || c.InfinityStatus != "answered by policy" {
		t.Fatalf("conference %+v", c)
	}
}

// A kill after Infinity carried out a request and before the store heard
// of it, at every such step: the restarted scheduler ends with exactly one
// conference and its two aliases.
func TestAPIProvisioningSurvivesAKillAtEveryStep(t *testing.T) {
	for _, step := range []string{"create", "alias", "patch", "delete"} {
		t.Run(step, func(t *testing.T) {
			p := newProvisionHarness(t, "api", nil)
			a := p.reserve(alex)
			start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
			m := p.meeting("uid-kill", "Kill", a, start)
			p.fake.SendRequest(m)
			crash := func(s string) error {
				if s == step {
					return scheduler.ErrSimulatedCrash
				}
				return nil
			}
			switch step {
			case "create", "alias":
				scheduler.SetAfterInfinity(p.sched, crash)
				p.runOnce()
				if c := p.conference("uid-kill"); c.InfinityState != scheduler.InfinityPending {
					t.Fatalf("after the kill %+v, want pending", c)
				}
			case "patch", "delete":
				p.runOnce()
				scheduler.SetAfterInfinity(p.sched, crash)
				m.Sequence = 1
				if step == "patch" {
					m.Subject = "Kill (renamed)"
					p.fake.SendRequest(m)
				} else {
					p.fake.SendCancellation(m)
				}
				p.runOnce()
			}
			p.restart()
			p.runOnce()
			p.runOnce()
			c := p.conference("uid-kill")
			posts := 0
			for _, r := range p.requests(http.MethodPost) {
				if r.Path == infinitytest.ConfigPath+"conference/" {
					posts++
				}
			}
			if posts != 1 {
				t.Fatalf("%d POSTs of the conference, want 1", posts)
			}
			if step == "delete" {
				if p.mgr.Count(infinity.ResConference) != 0 || c.InfinityState != scheduler.InfinityRemoved {
					t.Fatalf("after the restart: %d conferences, %+v", p.mgr.Count(infinity.ResConference), c)
				}
				return
			}
			if n, na := p.mgr.Count(infinity.ResConference), p.mgr.Count(infinity.ResConferenceAlias); n != 1 || na != 2 {
				t.Fatalf("%d conferences and %d aliases on Infinity, want 1 and 2", n, na)
			}
			if c.InfinityState != scheduler.InfinityCreated || c.InfinityID != 1 {
				t.Fatalf("conference %+v", c)
			}
			if got := p.mgr.Object(infinity.ResConference, 1)["name"]; got != c.ConferenceName {
				t.Fatalf("name on Infinity %v, want %q", got, c.ConferenceName)
			}
		})
	}
}

func TestInfinityDownLeavesOperationsWaiting(t *testing.T) {
	p := newProvisionHarness(t, "api", nil)
	p.mgr.Fail(infinitytest.Fault{PathPrefix: infinitytest.ConfigPath + "conference/", Status: http.StatusServiceUnavailable, Times: 1})
	a := p.reserve(alex)
	p.fake.SendRequest(p.meeting("uid-down", "Down", a, time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)))
	sum := p.runOnce()
	if sum.Decided != 1 || sum.Sent != 1 {
		t.Fatalf("summary %+v: the mailbox's work must go on", sum)
	}
	c := p.conference("uid-down")
	if c.InfinityState != scheduler.InfinityPending || !strings.Contains(c.InfinityStatus, "waiting (") || !strings.Contains(c.InfinityReason, "503") {
		t.Fatalf("conference %+v, want waiting with the 503", c)
	}
	p.runOnce()
	if c := p.conference("uid-down"); c.InfinityState != scheduler.InfinityCreated || p.mgr.Count(infinity.ResConferenceAlias) != 2 {
		t.Fatalf("after Infinity came back %+v", c)
	}
}

func TestNotConnectedLeavesOperationsWaiting(t *testing.T) {
	p := newProvisionHarness(t, "api", nil)
	working := p.clients.c
	p.clients.c, p.clients.err = nil, scheduler.ErrInfinityNotConnected
	a := p.reserve(alex)
	p.fake.SendRequest(p.meeting("uid-nc", "Not connected", a, time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)))
	if sum := p.runOnce(); sum.Decided != 1 || sum.Sent != 1 {
		t.Fatalf("summary %+v", sum)
	}
	c := p.conference("uid-nc")
	if c.InfinityState != scheduler.InfinityPending || !strings.Contains(c.InfinityStatus, "run vmr-companion infinity connect") {
		t.Fatalf("conference %+v", c)
	}
	p.clients.c, p.clients.err = working, nil
	p.runOnce()
	if c := p.conference("uid-nc"); c.InfinityState != scheduler.InfinityCreated {
		t.Fatalf("after connecting %+v", c)
	}
}

func TestAFieldErrorFailsTheConferenceNamingTheField(t *testing.T) {
	p := newProvisionHarness(t, "api", map[string]any{"ivr_theme": "Corporate theme"})
	a := p.reserve(alex)
	p.fake.SendRequest(p.meeting("uid-400", "Refused", a, time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)))
	p.runOnce()
	c := p.conference("uid-400")
	if c.InfinityState != scheduler.InfinityFailed || !strings.HasPrefix(c.InfinityStatus, "failed: ") || !strings.Contains(c.InfinityReason, "ivr_theme") {
		t.Fatalf("conference %+v, want failed naming ivr_theme", c)
	}
	if codes := p.logCodes(); codes[0] != scheduler.CodeInfinityFailed {
		t.Fatalf("log %v", codes)
	}
	// Failed for good: not tried again.
	before := len(p.requests(""))
	p.runOnce()
	if n := len(p.requests("")) - before; n != 0 {
		t.Fatalf("%d requests for a failed conference", n)
	}
}

// A conference of someone else's on Infinity has the name: it is not
// adopted; Infinity refuses the name, the conference fails naming the
// field, the status lists it, and once the clash is gone a retry creates it.
func TestANameTakenOnInfinityFailsThenRetries(t *testing.T) {
	p := newProvisionHarness(t, "api", nil)
	other, err := p.clients.c.CreateConference(p.ctx, infinity.Conference{Conference: conference.Conference{Name: "Budget review (Alex Morgan)"},
		Tag: "someone-else"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := p.reserve(alex)
	p.fake.SendRequest(p.meeting("uid-clash", "Budget review", a, time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)))
	p.runOnce()
	c := p.conference("uid-clash")
	if c.InfinityState != scheduler.InfinityFailed || !strings.Contains(c.InfinityReason, "name: A conference with this name already exists") {
		t.Fatalf("conference %+v, want failed naming the name", c)
	}
	q, err := p.sched.Quarantined(p.ctx, "")
	if err != nil || len(q) != 1 || q[0].Kind != scheduler.FailedInfinity || q[0].What != scheduler.OpCreate {
		t.Fatalf("quarantined %+v, %v", q, err)
	}
	if err := p.clients.c.Delete(p.ctx, infinity.ResConference, other); err != nil {
		t.Fatal(err)
	}
	if err := p.sched.Retry(p.ctx, "", scheduler.FailedInfinity, q[0].ID); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	c = p.conference("uid-clash")
	if c.InfinityState != scheduler.InfinityCreated || p.mgr.Count(infinity.ResConference) != 1 || p.mgr.Count(infinity.ResConferenceAlias) != 2 {
		t.Fatalf("after the retry %+v", c)
	}
	if obj := p.mgr.Object(infinity.ResConference, c.InfinityID); obj["tag"] != a.UUID {
		t.Fatalf("the conference on Infinity %+v is not ours", obj)
	}
}

// What an organizer writes reaches Infinity bounded: a subject far over
// Infinity's 250 characters, with markup and quotes, makes a conference
// Infinity accepts, its name at most 250 characters.
func TestAHostileSubjectIsBoundedOnInfinity(t *testing.T) {
	p := newProvisionHarness(t, "api", nil)
	a := p.reserve(alex)
	subject := `<script>alert("x")</script> '; DROP TABLE conference; -- ` + strings.Repeat("Ωé漢", 400)
	p.fake.SendRequest(p.meeting("uid-hostile", subject, a, time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)))
	p.runOnce()
	c := p.conference("uid-hostile")
	if c.InfinityState != scheduler.InfinityCreated {
		t.Fatalf("conference %+v", c)
	}
	name, _ := p.mgr.Object(infinity.ResConference, c.InfinityID)["name"].(string)
	if n := utf8.RuneCountInString(name); n == 0 || n > 250 || name != c.ConferenceName {
		t.Fatalf("name on Infinity %q (%d characters), stored %q", name, n, c.ConferenceName)
	}
}

// One operation failing while others go through counts against it alone
// (back-off, then tried again); Infinity down for every operation stops
// the pass after a few, counting nothing.
func TestOneFailingOperationDoesNotHoldUpTheRest(t *testing.T) {
	p := newProvisionHarness(t, "api", nil)
	working := p.clients.c
	p.clients.c, p.clients.err = nil, scheduler.ErrInfinityNotConnected
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	for i, uid := range []string{"uid-a", "uid-b"} {
		a := p.reserve(alex)
		p.fake.SendRequest(p.meeting(uid, "Meeting "+uid, a, start.Add(time.Duration(i)*time.Hour)))
	}
	p.runOnce() // both decided, waiting for a connection
	p.clients.c, p.clients.err = working, nil
	p.mgr.Fail(infinitytest.Fault{PathPrefix: infinitytest.ConfigPath + "conference/", Status: http.StatusInternalServerError, Times: 1})
	p.runOnce()
	a, b := p.conference("uid-a"), p.conference("uid-b")
	if a.InfinityState != scheduler.InfinityPending || b.InfinityState != scheduler.InfinityCreated {
		t.Fatalf("a %s (%s), b %s: want a waiting and b created", a.InfinityState, a.InfinityReason, b.InfinityState)
	}
	if codes := p.logCodes(); !slices.Contains(codes, scheduler.CodeInfinityFailed) {
		t.Fatalf("log %v: the failure of a counts", codes)
	}
	// Within the back-off: not tried; after it: created.
	posts := len(p.requests(http.MethodPost))
	p.runOnce()
	if len(p.requests(http.MethodPost)) != posts {
		t.Fatal("tried again during its back-off")
	}
	p.setNow(p.clock().Add(scheduler.DefaultRetryBase))
	p.runOnce()
	if a := p.conference("uid-a"); a.InfinityState != scheduler.InfinityCreated || p.mgr.Count(infinity.ResConference) != 2 {
		t.Fatalf("after the back-off %+v", a)
	}
}

func TestInfinityDownForEveryOperationStopsThePass(t *testing.T) {
	p := newProvisionHarness(t, "api", nil)
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	for i := range 6 {
		a := p.reserve(alex)
		p.fake.SendRequest(p.meeting(fmt.Sprintf("uid-%d", i), fmt.Sprintf("Meeting %d", i), a, start.Add(time.Duration(i)*time.Hour)))
	}
	p.mgr.Fail(infinitytest.Fault{PathPrefix: infinitytest.ConfigPath, Status: http.StatusBadGateway, Times: 1000})
	if sum := p.runOnce(); sum.Decided != 6 || sum.Sent != 6 {
		t.Fatalf("summary %+v: the mailbox's work must go on", sum)
	}
	// However the decisions and the sender interleave, the first batch in
	// which nothing goes through stops the pass: at most 3 POSTs.
	if n := len(p.requests(http.MethodPost)); n > 3 {
		t.Fatalf("%d POSTs while Infinity is down, want the pass to stop after a few", n)
	}
	for i := range 6 {
		c := p.conference(fmt.Sprintf("uid-%d", i))
		if c.InfinityState != scheduler.InfinityPending || !strings.Contains(c.InfinityReason, "502") {
			t.Fatalf("conference %d: %s (%s), want waiting with the 502", i, c.InfinityState, c.InfinityReason)
		}
	}
	if codes := p.logCodes(); slices.Contains(codes, scheduler.CodeInfinityFailed) {
		t.Fatalf("log %v: nothing counts while Infinity is down", codes)
	}
}

// A meeting cancelled before its conference could be created (Infinity
// out of reach meanwhile) costs no request once Infinity is back.
func TestCancelledBeforeCreatedSendsNothing(t *testing.T) {
	p := newProvisionHarness(t, "api", nil)
	working := p.clients.c
	p.clients.c, p.clients.err = nil, scheduler.ErrInfinityNotConnected
	a := p.reserve(alex)
	m := p.meeting("uid-never", "Never", a, time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC))
	p.fake.SendRequest(m)
	p.runOnce()
	m.Sequence = 1
	p.fake.SendCancellation(m)
	p.runOnce()
	p.clients.c, p.clients.err = working, nil
	p.runOnce()
	if reqs := p.mgr.Requests(); len(reqs) != 0 {
		t.Fatalf("%d requests for a conference cancelled before it was created: %+v", len(reqs), reqs)
	}
	if c := p.conference("uid-never"); c.InfinityState != scheduler.InfinityRemoved {
		t.Fatalf("conference %+v", c)
	}
}

// signalMailbox tells each reply Exchange took.
type signalMailbox struct {
	inner
	sent chan<- struct{}
}

type inner = scheduler.Mailbox

func (m *signalMailbox) Respond(ctx context.Context, r ews.Response) error {
	err := m.inner.Respond(ctx, r)
	if err == nil {
		m.sent <- struct{}{}
	}
	return err
}

// While Infinity holds a request, the pass still reads the mailbox and
// replies: sending to Infinity goes alongside.
func TestASlowInfinityDoesNotHoldUpTheMailbox(t *testing.T) {
	p := newProvisionHarness(t, "api", nil)
	sent := make(chan struct{}, 16)
	p.sched = scheduler.New(scheduler.Config{
		Repository: p.st.Scheduler(), Integrations: p.integrations, Aliases: p.aliases, Templates: templatestest.ListedOnly(t, templates.New()),
		Now: p.clock, Poll: 20 * time.Millisecond, Infinity: p.clients,
		Connect: func(ctx context.Context, in *integration.Integration) (scheduler.Mailbox, error) {
			mb, err := p.connect(ctx, in)
			if err != nil {
				return nil, err
			}
			return &signalMailbox{inner: mb, sent: sent}, nil
		},
	})
	a1 := p.reserve(alex)
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	p.fake.SendRequest(p.meeting("uid-slow-1", "First", a1, start))
	arrived, release := p.mgr.Hold()
	done := make(chan *scheduler.Summary)
	go func() {
		sum, _ := p.sched.RunOnce(p.ctx, p.in.Name)
		done <- sum
	}()
	guard := time.NewTimer(time.Minute) // fires only if the pass is stuck
	defer guard.Stop()
	for _, what := range []string{"the request to Infinity", "the reply"} {
		ch := (<-chan struct{})(arrived)
		if what == "the reply" {
			ch = sent
		}
		select {
		case <-ch:
		case <-guard.C:
			t.Fatalf("%s never came while Infinity held its request", what)
		}
	}
	// The reply went while Infinity held the create: let Infinity answer
	// this and every later request.
	stop := make(chan struct{})
	defer close(stop)
	release <- struct{}{}
	go func() {
		for {
			select {
			case <-arrived:
				release <- struct{}{}
			case <-stop:
				return
			}
		}
	}()
	select {
	case sum := <-done:
		if sum == nil || sum.Decided != 1 || sum.Sent != 1 {
			t.Fatalf("summary %+v", sum)
		}
	case <-guard.C:
		t.Fatal("the pass did not end")
	}
	if c := p.conference("uid-slow-1"); c.InfinityState != scheduler.InfinityCreated {
		t.Fatalf("conference %+v", c)
	}
}
