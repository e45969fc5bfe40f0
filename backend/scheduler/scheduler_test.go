package scheduler_test

import (
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/ews"
	"vmr-companion/backend/ews/ewstest"
	"vmr-companion/backend/scheduler"
)

func TestNewSingleMeetingIsAcceptedWithItsWindow(t *testing.T) {
	h := newHarness(t)
	a := h.reserve(alex)
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	h.fake.SendRequest(ewstest.Meeting{UID: "uid-single", Subject: "Budget review", Organizer: alex,
		Start: start, End: start.Add(time.Hour), TimeZone: "W. Europe Standard Time", BodyHTML: body(a), Attendees: []ews.Mailbox{sam}})

	sum := h.runOnce()
	if sum.Decided != 1 || sum.Sent != 1 {
		t.Fatalf("summary %+v, want 1 decided and 1 sent", sum)
	}
	c := h.conference("uid-single")
	if c.Alias != a.Alias || c.Kind != scheduler.KindSingle || c.State != scheduler.StateActive || c.Organizer != alex.Email {
		t.Fatalf("conference %+v", c)
	}
	if !c.ValidFrom.Equal(start.Add(-15*time.Minute)) || !c.ValidUntil.Equal(start.Add(90*time.Minute)) {
		t.Fatalf("valid %s to %s, want the meeting with 15 and 30 minute buffers", c.ValidFrom, c.ValidUntil)
	}
	if c.ConferenceName != "Budget review (Alex Morgan)" {
		t.Fatalf("name %q from the default conference name template", c.ConferenceName)
	}
	rs := h.responsesFor("uid-single")
	if len(rs) != 1 || rs[0].Kind != "accept" || !contains(rs[0].BodyHTML, a.Alias) || rs[0].Key == "" {
		t.Fatalf("responses %+v, want one accept naming the alias with a key", rs)
	}
	if e := h.lastLog(); e.Code != scheduler.CodeAcceptNewSingle || !e.Success || e.TransactionID == "" {
		t.Fatalf("log %+v", e)
	}
	// Nothing new: a second pass decides nothing and sends nothing.
	if again := h.runOnce(); again.Decided != 0 || again.Sent != 0 {
		t.Fatalf("second pass %+v", again)
	}
	if len(h.fake.Responses()) != 1 {
		t.Fatalf("%d responses after a second pass", len(h.fake.Responses()))
	}
}

func TestEditedSingleMeetingMovesItsWindow(t *testing.T) {
	h := newHarness(t)
	a := h.reserve(alex)
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	m := ewstest.Meeting{UID: "uid-edit", Subject: "Planning", Organizer: alex, Start: start, End: start.Add(time.Hour), BodyHTML: body(a)}
	h.fake.SendRequest(m)
	h.runOnce()
	m.Start, m.End, m.Sequence, m.Subject = start.Add(24*time.Hour), start.Add(26*time.Hour), 1, "Planning (moved)"
	h.fake.SendRequest(m)
	h.runOnce()
	c := h.conference("uid-edit")
	if !c.Start.Equal(m.Start) || !c.ValidUntil.Equal(m.End.Add(30*time.Minute)) || c.Subject != "Planning (moved)" {
		t.Fatalf("conference after the edit %+v", c)
	}
	if e := h.lastLog(); e.Code != scheduler.CodeAcceptEditedSingle {
		t.Fatalf("log %+v", e)
	}
	if rs := h.responsesFor("uid-edit"); len(rs) != 2 {
		t.Fatalf("%d responses, want one per request", len(rs))
	}
}

func TestSeriesOccurrenceChangesAndCancellations(t *testing.T) {
	h := newHarness(t)
	a := h.reserve(alex)
	// Mondays at 10:00 Berlin time, five times, across no DST change.
	berlin, _ := time.LoadLocation("Europe/Berlin")
	first := time.Date(2026, 12, 7, 10, 0, 0, 0, berlin)
	series := ewstest.Meeting{UID: "uid-series", Subject: "Weekly sync", Organizer: alex, Start: first, End: first.Add(30 * time.Minute),
		TimeZone: "W. Europe Standard Time", RRule: "FREQ=WEEKLY;BYDAY=MO;COUNT=5", BodyHTML: body(a)}
	h.fake.SendRequest(series)
	h.runOnce()
	c := h.conference("uid-series")
	last := first.AddDate(0, 0, 28)
	if c.Kind != scheduler.KindRecurring || c.Recurrence == "" || !c.ValidUntil.Equal(last.Add(60*time.Minute)) {
		t.Fatalf("series conference %+v; want valid until %s", c, last.Add(60*time.Minute).UTC())
	}
	if e := h.lastLog(); e.Code != scheduler.CodeAcceptNewSeries {
		t.Fatalf("log %+v", e)
	}

	// One occurrence moves an hour later.
	occ := first.AddDate(0, 0, 7)
	moved := series
	moved.RRule, moved.RecurrenceID, moved.Start, moved.End, moved.Sequence = "", occ, occ.Add(time.Hour), occ.Add(90*time.Minute), 1
	h.fake.SendRequest(moved)
	h.runOnce()
	if e := h.lastLog(); e.Code != scheduler.CodeAcceptEditedOccurrence || !e.Success {
		t.Fatalf("log after moving an occurrence %+v", e)
	}

	// Another occurrence is cancelled: the series keeps its room.
	gone := series
	gone.RRule, gone.RecurrenceID, gone.Start, gone.End, gone.Sequence = "", first.AddDate(0, 0, 14), first.AddDate(0, 0, 14), first.AddDate(0, 0, 14).Add(30*time.Minute), 2
	h.fake.SendCancellation(gone)
	h.runOnce()
	c = h.conference("uid-series")
	if c.State != scheduler.StateActive || len(c.Cancelled) != 1 || !c.Cancelled[0].Equal(first.AddDate(0, 0, 14)) {
		t.Fatalf("after cancelling one occurrence %+v", c)
	}
	if e := h.lastLog(); e.Code != scheduler.CodeCancelledOccurrence {
		t.Fatalf("log %+v", e)
	}

	// The whole series is cancelled: the room goes, and its token is dead.
	series.Sequence = 3
	h.fake.SendCancellation(series)
	h.runOnce()
	if c := h.conference("uid-series"); c.State != scheduler.StateCancelled {
		t.Fatalf("after cancelling the series %+v", c)
	}
	h.fake.SendRequest(ewstest.Meeting{UID: "uid-reuse", Subject: "Reuse", Organizer: alex, Start: first, End: first.Add(time.Hour), BodyHTML: body(a)})
	h.runOnce()
	if e := h.lastLog(); e.Code != scheduler.CodeRejectAliasDeleted || e.Success {
		t.Fatalf("reusing a cancelled meeting's token: %+v", e)
	}
	if rs := h.responsesFor("uid-reuse"); len(rs) != 1 || rs[0].Kind != "decline" {
		t.Fatalf("responses %+v", rs)
	}
	// Every request the scheduler made validates against Microsoft's schema.
	h.fake.CheckRequests(t)
}

func TestRejections(t *testing.T) {
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		meet func(h *harness) ewstest.Meeting
		code string
		says string
	}{
		{"room invited without the add-in", func(h *harness) ewstest.Meeting {
			return ewstest.Meeting{UID: "r1", Subject: "Direct", Organizer: alex, Start: start, End: start.Add(time.Hour), BodyHTML: "<p>See you</p>"}
		}, scheduler.CodeRejectInvalidAliasID, "Use the add-in"},
		{"unknown reference", func(h *harness) ewstest.Meeting {
			return ewstest.Meeting{UID: "r2", Subject: "Forged", Organizer: alex, Start: start, End: start.Add(time.Hour),
				BodyHTML: "<p>vmr-companion:00000000-0000-4000-8000-000000000000</p>"}
		}, scheduler.CodeRejectInvalidAliasID, "no valid video room"},
		{"meeting over", func(h *harness) ewstest.Meeting {
			past := start.AddDate(0, 0, -10)
			return ewstest.Meeting{UID: "r3", Subject: "Old", Organizer: alex, Start: past, End: past.Add(time.Hour), BodyHTML: body(h.reserve(alex))}
		}, scheduler.CodeRejectSinglePast, "is over"},
		{"series over", func(h *harness) ewstest.Meeting {
			past := start.AddDate(0, -3, 0)
			return ewstest.Meeting{UID: "r4", Subject: "Old series", Organizer: alex, Start: past, End: past.Add(time.Hour),
				RRule: "FREQ=DAILY;COUNT=3", BodyHTML: body(h.reserve(alex))}
		}, scheduler.CodeRejectSeriesPast, "in the past"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			m := c.meet(h)
			h.fake.SendRequest(m)
			h.runOnce()
			e := h.lastLog()
			if e.Code != c.code || e.Success {
				t.Fatalf("log %+v, want %s", e, c.code)
			}
			rs := h.responsesFor(m.UID)
			if len(rs) != 1 || rs[0].Kind != "decline" || !contains(rs[0].BodyHTML, c.says) {
				t.Fatalf("responses %+v, want one decline saying %q", rs, c.says)
			}
			if list, _ := h.sched.Conferences(h.ctx, "", time.Time{}); len(list) != 0 {
				t.Fatalf("a rejected meeting got a conference: %+v", list)
			}
		})
	}
}

func TestAliasConflict(t *testing.T) {
	h := newHarness(t)
	a := h.reserve(alex)
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	h.fake.SendRequest(ewstest.Meeting{UID: "first", Subject: "First", Organizer: alex, Start: start, End: start.Add(time.Hour), BodyHTML: body(a)})
	// A copied invitation: another meeting of the same organizer with the
	// same joining details (another organizer's copy: organizer_test.go).
	h.fake.SendRequest(ewstest.Meeting{UID: "copy", Subject: "Copy", Organizer: alex, Start: start, End: start.Add(time.Hour), BodyHTML: body(a)})
	h.runOnce()
	if e := h.lastLog(); e.Code != scheduler.CodeRejectAliasConflict || !contains(e.Description, "first") {
		t.Fatalf("log %+v", e)
	}
	if rs := h.responsesFor("copy"); len(rs) != 1 || rs[0].Kind != "decline" || !contains(rs[0].BodyHTML, a.Alias) {
		t.Fatalf("responses %+v", rs)
	}
}

func TestDelegateSendsOnBehalfOfTheOwner(t *testing.T) {
	h := newHarness(t)
	a := h.reserve(sam) // the delegate composed the meeting in Alex's calendar
	start := time.Date(2026, 12, 4, 14, 0, 0, 0, time.UTC)
	h.fake.SendRequest(ewstest.Meeting{UID: "uid-delegate", Subject: "Board", Organizer: alex, SentBy: &sam,
		Start: start, End: start.Add(time.Hour), BodyHTML: body(a)})
	h.runOnce()
	c := h.conference("uid-delegate")
	if c.Organizer != alex.Email || c.OrganizerName != alex.Name {
		t.Fatalf("the meeting belongs to %s (%s), want the owner %s", c.Organizer, c.OrganizerName, alex.Email)
	}
	rs := h.responsesFor("uid-delegate")
	if len(rs) != 1 || rs[0].Organizer != alex.Email {
		t.Fatalf("responses %+v, want one to the owner", rs)
	}
	// The accept names both: whoever of them reads it knows whose meeting has the room.
	if want := "<p>" + sam.Email + " booked this meeting on behalf of " + alex.Email + ", whose meeting it is.</p>"; !strings.HasSuffix(rs[0].BodyHTML, want) {
		t.Errorf("the accept %q does not end with %q", rs[0].BodyHTML, want)
	}
}

func TestADelegatesAddressIsTextInTheAccept(t *testing.T) {
	h := newHarness(t)
	a := h.reserve(alex)
	// Whoever sends controls the sender's address Exchange reports.
	evil := ews.Mailbox{Name: "Evil", Email: `"<img src=x onerror=alert(1)>"@contoso.com`}
	start := time.Date(2026, 12, 4, 14, 0, 0, 0, time.UTC)
	h.fake.SendRequest(ewstest.Meeting{UID: "uid-evil-delegate", Subject: "Board", Organizer: alex, SentBy: &evil,
		Start: start, End: start.Add(time.Hour), BodyHTML: body(a)})
	h.runOnce()
	rs := h.responsesFor("uid-evil-delegate")
	if len(rs) != 1 {
		t.Fatalf("responses %+v, want one", rs)
	}
	if contains(rs[0].BodyHTML, "<img") || !contains(rs[0].BodyHTML, "&lt;img src=x onerror=alert(1)&gt;") {
		t.Errorf("the delegate's address is not escaped in the accept: %s", rs[0].BodyHTML)
	}
}

func TestDelegateInTheAdminsReplyTemplate(t *testing.T) {
	h := newHarness(t)
	h.in = h.addIntegration("Own words", map[string]any{
		"accept_new_single_meeting_template": "{% if delegate_email %}{{delegate_email}} booked {{alias}} for {{organizer_email}}.{% else %}{{organizer_email}} has {{alias}}.{% endif %}",
	})
	start := time.Date(2026, 12, 4, 14, 0, 0, 0, time.UTC)
	a := h.reserve(sam)
	h.fake.SendRequest(ewstest.Meeting{UID: "uid-own-words", Subject: "Board", Organizer: alex, SentBy: &sam,
		Start: start, End: start.Add(time.Hour), BodyHTML: body(a)})
	b := h.reserve(alex)
	h.fake.SendRequest(ewstest.Meeting{UID: "uid-own", Subject: "Own", Organizer: alex,
		Start: start, End: start.Add(time.Hour), BodyHTML: body(b)})
	h.runOnce()
	// The template names the delegate itself: the product's sentence is not added.
	for uid, want := range map[string]string{
		"uid-own-words": "<p>" + sam.Email + " booked " + a.Alias + " for " + alex.Email + ".</p>",
		"uid-own":       "<p>" + alex.Email + " has " + b.Alias + ".</p>",
	} {
		if rs := h.responsesFor(uid); len(rs) != 1 || rs[0].BodyHTML != want {
			t.Errorf("%s: responses %+v, want one saying %q", uid, rs, want)
		}
	}
}

func TestPlaceholderGetsARoomAndTheMeetingIsUpdated(t *testing.T) {
	h := newHarness(t)
	start := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	h.fake.SendRequest(ewstest.Meeting{UID: "uid-ph", Subject: "Offline", Organizer: alex, Start: start, End: start.Add(time.Hour),
		BodyHTML: `<p>Agenda</p><div class="vmr-companion-instructions"><p>Video meeting details are on their way</p></div><p>vmr-companion:pending</p>`})
	sum := h.runOnce()
	if sum.Sent != 2 {
		t.Logf("outbox: %s", dumpOutbox(h))
		t.Fatalf("summary %+v, want the accept and the meeting update sent", sum)
	}
	c := h.conference("uid-ph")
	var item *ews.Item
	for _, it := range h.fake.OrganizerItems(alex.Email) {
		if it.UID == "uid-ph" {
			item = it
		}
	}
	if item == nil {
		t.Fatal("the organizer's calendar lacks the meeting")
	}
	if !contains(item.Body, "vmr-companion:"+c.AliasUUID) || !contains(item.Body, c.Alias) || contains(item.Body, "on their way") || contains(item.Body, "vmr-companion:pending") {
		t.Fatalf("the organizer's meeting was not updated with the instructions: %s", item.Body)
	}
	if !contains(item.Body, "Agenda") {
		t.Fatalf("the update lost the organizer's own text: %s", item.Body)
	}
	h.fake.CheckRequests(t)
}

func TestTemplateFailureIsAGeneralErrorWithACorrelationID(t *testing.T) {
	h := newHarness(t)
	h.in = h.addIntegration("Broken", map[string]any{
		"conference_name_template": "{% for i in range(20000) %}{% for j in range(20000) %}x{% endfor %}{% endfor %}",
	})
	a, _, err := h.aliases.Reserve(h.ctx, h.in, "k", alex.Email)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	h.fake.SendRequest(ewstest.Meeting{UID: "uid-err", Subject: "Err", Organizer: alex, Start: start, End: start.Add(time.Hour), BodyHTML: body(a)})
	h.runOnce()
	e := h.lastLog()
	if e.Code != scheduler.CodeRejectGeneralError || !contains(e.Description, e.TransactionID) {
		t.Fatalf("log %+v", e)
	}
	rs := h.responsesFor("uid-err")
	if len(rs) != 1 || rs[0].Kind != "decline" || !contains(rs[0].BodyHTML, e.TransactionID) {
		t.Fatalf("responses %+v, want a decline with the correlation id %s", rs, e.TransactionID)
	}
}

func TestAFailedSendIsRetriedOnceAndOnlyOnce(t *testing.T) {
	h := newHarness(t)
	a := h.reserve(alex)
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	h.fake.SendRequest(ewstest.Meeting{UID: "uid-retry", Subject: "Retry", Organizer: alex, Start: start, End: start.Add(time.Hour), BodyHTML: body(a)})
	h.fake.FailNext("CreateItem", 1, ewstest.Failure{Status: 500})
	// The mailbox worked through the pass: the 500 is the reply's failure,
	// tried again after a back-off (quarantine_test.go has the rule).
	if sum := h.runOnce(); sum.Failed != 1 || sum.Sent != 0 {
		t.Fatalf("summary %+v: want the reply's failure counted", sum)
	}
	st, err := h.sched.Status(h.ctx, h.in.Name)
	if err != nil || st.OutboxPending != 1 || h.lastLog().Code != scheduler.CodeReplyFailed {
		t.Fatalf("status %+v, %v, log %+v: want one reply waiting and its failure logged", st, err, h.lastLog())
	}
	h.mu.Lock()
	h.now = h.now.Add(scheduler.DefaultRetryBase)
	h.mu.Unlock()
	h.runOnce()
	if rs := h.responsesFor("uid-retry"); len(rs) != 1 {
		t.Fatalf("%d responses, want exactly one", len(rs))
	}
	if c := h.conference("uid-retry"); c.State != scheduler.StateActive {
		t.Fatalf("conference %+v", c)
	}
	h.fake.CheckRequests(t)
}

func TestWorkerRunsAndStopsOnAuthFailure(t *testing.T) {
	h := newHarness(t)
	a := h.reserve(alex)
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	h.fake.SendRequest(ewstest.Meeting{UID: "uid-w", Subject: "W", Organizer: alex, Start: start, End: start.Add(time.Hour), BodyHTML: body(a)})
	if err := h.sched.Start(h.ctx); err != nil {
		t.Fatal(err)
	}
	defer h.sched.Stop()
	waitFor(t, func() bool { return len(h.responsesFor("uid-w")) == 1 })
	st, _ := h.sched.Status(h.ctx, h.in.Name)
	if st.State != scheduler.WorkerRunning || st.Processed != 1 {
		t.Fatalf("status %+v", st)
	}
	h.fake.FailNext("SyncFolderItems", 1000, ewstest.Failure{Status: 401})
	waitFor(t, func() bool { st, _ := h.sched.Status(h.ctx, h.in.Name); return st.State == scheduler.WorkerFailed })
	st, _ = h.sched.Status(h.ctx, h.in.Name)
	if st.LastError == "" || st.Advice == "" {
		t.Fatalf("failed status without error and advice: %+v", st)
	}
	h.sched.StopWorker(h.in.Name)
	if st, _ := h.sched.Status(h.ctx, h.in.Name); st.State != scheduler.WorkerStopped {
		t.Fatalf("after stop: %+v", st)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	// The limit only stops a hang; a loaded machine may take its time.
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("condition not met within 2 minutes")
}
