package scheduler_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"vmr-companion/backend/ews"
	"vmr-companion/backend/ews/ewstest"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/scheduler"
	"vmr-companion/backend/templates"
)

// faults wraps the fake Exchange's room mailbox (through the Connect seam)
// to make chosen items or replies fail; everything else goes through.
type faults struct {
	mu sync.Mutex
	// respond fails (or panics) a reply to a meeting request id.
	respond map[string]func() error
	// getItem fails one item in GetItem answers.
	getItem map[string]error
	// getItemCall fails every GetItem call that asks for the item.
	getItemCall map[string]error
	// organizer fails the organizer's calendar (impersonation refused).
	organizer map[string]error
}

func newFaults() *faults {
	return &faults{respond: map[string]func() error{}, getItem: map[string]error{}, getItemCall: map[string]error{}, organizer: map[string]error{}}
}

func (f *faults) clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.respond, f.getItem, f.getItemCall, f.organizer = map[string]func() error{}, map[string]error{}, map[string]error{}, map[string]error{}
}

// roomBox is scheduler.Mailbox under a name that does not hide its
// Mailbox method when embedded.
type roomBox = scheduler.Mailbox

type faultyMailbox struct {
	roomBox
	f *faults
}

func (m faultyMailbox) Respond(ctx context.Context, r ews.Response) error {
	m.f.mu.Lock()
	fn := m.f.respond[r.To.ID]
	m.f.mu.Unlock()
	if fn != nil {
		if err := fn(); err != nil {
			return err
		}
	}
	return m.roomBox.Respond(ctx, r)
}

func (m faultyMailbox) GetItems(ctx context.Context, ids []ews.ItemID) ([]ews.ItemResult, error) {
	m.f.mu.Lock()
	defer m.f.mu.Unlock()
	for _, id := range ids {
		if err := m.f.getItemCall[id.ID]; err != nil {
			return nil, err
		}
	}
	var pass []ews.ItemID
	for _, id := range ids {
		if m.f.getItem[id.ID] == nil {
			pass = append(pass, id)
		}
	}
	var got []ews.ItemResult
	if len(pass) > 0 {
		var err error
		if got, err = m.roomBox.GetItems(ctx, pass); err != nil {
			return nil, err
		}
	}
	out := make([]ews.ItemResult, 0, len(ids))
	for _, id := range ids {
		if err := m.f.getItem[id.ID]; err != nil {
			out = append(out, ews.ItemResult{Err: err})
			continue
		}
		out, got = append(out, got[0]), got[1:]
	}
	return out, nil
}

func (m faultyMailbox) Organizer(email string) scheduler.OrganizerMailbox {
	m.f.mu.Lock()
	err := m.f.organizer[email]
	m.f.mu.Unlock()
	if err != nil {
		return refusedCalendar{err}
	}
	return m.roomBox.Organizer(email)
}

// refusedCalendar is an organizer's mailbox Exchange refuses to open.
type refusedCalendar struct{ err error }

func (c refusedCalendar) GetItems(context.Context, []ews.ItemID) ([]ews.ItemResult, error) {
	return nil, c.err
}
func (c refusedCalendar) FindCalendarItems(context.Context, time.Time, time.Time, int) ([]*ews.Item, error) {
	return nil, c.err
}
func (c refusedCalendar) UpdateBody(context.Context, ews.ItemID, string, bool) (ews.ItemID, error) {
	return ews.ItemID{}, c.err
}
func (c refusedCalendar) GetRecurringMaster(context.Context, ews.ItemID) (*ews.Item, error) {
	return nil, c.err
}

// withFaults makes the harness's scheduler open the room mailbox through f.
func withFaults(h *harness) *faults {
	f := newFaults()
	h.sched = scheduler.New(scheduler.Config{
		Repository: h.st.Scheduler(), Integrations: h.integrations, Aliases: h.aliases, Templates: templates.New(),
		Now: h.clock, Poll: 20 * time.Millisecond,
		Connect: func(ctx context.Context, in *integration.Integration) (scheduler.Mailbox, error) {
			m, err := h.connect(ctx, in)
			if err != nil {
				return nil, err
			}
			return faultyMailbox{roomBox: m, f: f}, nil
		},
	})
	return f
}

func (h *harness) advance(d time.Duration) {
	h.mu.Lock()
	h.now = h.now.Add(d)
	h.mu.Unlock()
}

// meetings puts n meetings with reservations into the room mailbox and
// returns their request ids by UID.
func (h *harness) meetings(prefix string, n int) map[string]ews.ItemID {
	h.t.Helper()
	ids := map[string]ews.ItemID{}
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	for i := range n {
		a := h.reserve(alex)
		uid := fmt.Sprintf("%s-%d", prefix, i)
		ids[uid] = h.fake.SendRequest(ewstest.Meeting{UID: uid, Subject: "Meeting " + uid, Organizer: alex,
			Start: start.Add(time.Duration(i) * time.Hour), End: start.Add(time.Duration(i)*time.Hour + 30*time.Minute), BodyHTML: body(a)})
	}
	return ids
}

func (h *harness) status() *scheduler.Status {
	h.t.Helper()
	st, err := h.sched.Status(h.ctx, h.in.Name)
	if err != nil {
		h.t.Fatal(err)
	}
	return st
}

// logWith finds the operations log entry with a transaction (correlation) id.
func (h *harness) logWith(id string) *scheduler.LogEntry {
	h.t.Helper()
	log, err := h.sched.Log(h.ctx, "", 500)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, e := range log {
		if e.TransactionID == id {
			return &e
		}
	}
	return nil
}

func TestAPanickingDecisionIsQuarantinedAndTheOthersAreDecided(t *testing.T) {
	h := newHarness(t)
	h.meetings("pd", 3)
	scheduler.SetBeforeDecide(h.sched, func(it *ews.Item) {
		if it.UID == "pd-1" {
			_ = it.UID[:len(it.UID)+1] // a real runtime panic, as the body bug made
		}
	})
	sum := h.runOnce()
	if sum.Decided != 2 || sum.Quarantined != 1 {
		t.Fatalf("summary %+v: want two decided and one quarantined", sum)
	}
	for _, uid := range []string{"pd-0", "pd-2"} {
		if rs := h.responsesFor(uid); len(rs) != 1 {
			t.Fatalf("%s: %d replies, want one", uid, len(rs))
		}
	}
	st := h.status()
	if st.QuarantinedCount != 1 || len(st.Quarantined) != 1 {
		t.Fatalf("status %+v: want one quarantined item", st)
	}
	q := st.Quarantined[0]
	if q.Kind != scheduler.FailedItem || !strings.Contains(q.Reason, "panic") || !strings.Contains(q.Reason, "slice bounds out of range") ||
		q.CorrelationID == "" || q.Attempts != 1 || q.Subject != "Meeting pd-1" {
		t.Fatalf("quarantined %+v", q)
	}
	if e := h.logWith(q.CorrelationID); e == nil || e.Code != scheduler.CodeItemQuarantined || e.Success || e.ItemUID != "pd-1" {
		t.Fatalf("operations log %+v: want the quarantine under its correlation id", e)
	}
	// Quarantined stays aside: the next pass does not decide it again.
	if again := h.runOnce(); again.Decided != 0 || len(h.responsesFor("pd-1")) != 0 {
		t.Fatalf("second pass %+v", again)
	}
	// The admin retries once the cause is gone.
	scheduler.SetBeforeDecide(h.sched, nil)
	if err := h.sched.Retry(h.ctx, h.in.Name, scheduler.FailedItem, q.ID); err != nil {
		t.Fatal(err)
	}
	if again := h.runOnce(); again.Decided != 1 || len(h.responsesFor("pd-1")) != 1 {
		t.Fatalf("after retry %+v, %d replies", again, len(h.responsesFor("pd-1")))
	}
	if st := h.status(); st.QuarantinedCount != 0 {
		t.Fatalf("still quarantined after the retry: %+v", st.Quarantined)
	}
	if err := h.sched.Retry(h.ctx, h.in.Name, scheduler.FailedItem, q.ID); !errors.Is(err, scheduler.ErrNotQuarantined) {
		t.Fatalf("retrying again: %v, want ErrNotQuarantined", err)
	}
}

func TestAPanickingSendIsQuarantinedAndTheOthersGoOut(t *testing.T) {
	h := newHarness(t)
	f := withFaults(h)
	ids := h.meetings("ps", 3)
	f.respond[ids["ps-1"].ID] = func() error { panic("send exploded") }
	sum := h.runOnce()
	if sum.Decided != 3 || sum.Sent != 2 || sum.Quarantined != 1 {
		t.Fatalf("summary %+v: want three decided, two sent, one quarantined", sum)
	}
	if len(h.responsesFor("ps-0")) != 1 || len(h.responsesFor("ps-2")) != 1 || len(h.responsesFor("ps-1")) != 0 {
		t.Fatal("the replies that do not panic did not all go out")
	}
	st := h.status()
	if st.QuarantinedCount != 1 || st.Quarantined[0].Kind != scheduler.FailedOutbox || !strings.Contains(st.Quarantined[0].Reason, "send exploded") {
		t.Fatalf("quarantined %+v", st.Quarantined)
	}
	if st.OutboxPending != 0 {
		t.Fatalf("%d replies still pending; the quarantined one must not be", st.OutboxPending)
	}
	q := st.Quarantined[0]
	if e := h.logWith(q.CorrelationID); e == nil || e.Code != scheduler.CodeReplyQuarantined || e.ItemUID != "ps-1" {
		t.Fatalf("operations log %+v", e)
	}
	f.clear()
	if err := h.sched.Retry(h.ctx, "", scheduler.FailedOutbox, q.ID); err != nil {
		t.Fatal(err)
	}
	if again := h.runOnce(); again.Sent != 1 || len(h.responsesFor("ps-1")) != 1 {
		t.Fatalf("after retry %+v", again)
	}
}

// TestAPoisonReplyDoesNotStopTheMailbox: a reply Exchange always fails
// (HTTP 500) must not keep later meetings from being decided and answered;
// it is tried with back-off and quarantined at the fifth failure.
func TestAPoisonReplyDoesNotStopTheMailbox(t *testing.T) {
	h := newHarness(t)
	f := withFaults(h)
	poison := h.meetings("poison", 1)["poison-0"]
	f.respond[poison.ID] = func() error { return &ews.HTTPError{Op: "CreateItem", Status: 500} }
	h.sched.RunOnce(h.ctx, h.in.Name)
	h.meetings("ok", 3)
	var errs []string
	for range 8 {
		h.advance(time.Hour)
		if _, err := h.sched.RunOnce(h.ctx, h.in.Name); err != nil {
			errs = append(errs, err.Error())
		}
	}
	for i := range 3 {
		if rs := h.responsesFor(fmt.Sprintf("ok-%d", i)); len(rs) != 1 {
			t.Fatalf("ok-%d: %d replies, want one (pass errors: %q)", i, len(rs), errs)
		}
	}
	st := h.status()
	if st.QuarantinedCount != 1 || st.Quarantined[0].Attempts != scheduler.DefaultMaxAttempts || !strings.Contains(st.Quarantined[0].Reason, "500") {
		t.Fatalf("quarantined %+v: want the poison reply after %d failures", st.Quarantined, scheduler.DefaultMaxAttempts)
	}
	if st.OutboxPending != 0 {
		t.Fatalf("%d replies pending", st.OutboxPending)
	}
}

// TestAFailingItemIsRecordedAndThePageAdvances: GetItem failing for one
// item must not keep the others from being decided nor the sync state
// from advancing; the item is retried after its back-off, and quarantined
// at the fifth failure.
func TestAFailingItemIsRecordedAndThePageAdvances(t *testing.T) {
	h := newHarness(t)
	f := withFaults(h)
	poison := h.meetings("bad", 1)["bad-0"]
	f.getItem[poison.ID] = &ews.Error{Op: "GetItem", ResponseClass: "Error", ResponseCode: "ErrorCorruptData", MessageText: "Injected"}
	h.meetings("good", 3)
	sum, err := h.sched.RunOnce(h.ctx, h.in.Name)
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	if sum.Decided != 3 || sum.Failed != 1 {
		t.Fatalf("summary %+v: want three decided and one failed", sum)
	}
	for i := range 3 {
		if rs := h.responsesFor(fmt.Sprintf("good-%d", i)); len(rs) != 1 {
			t.Fatalf("good-%d: %d replies", i, len(rs))
		}
	}
	// The sync state went past the page: a pass before the back-off ends
	// reads nothing and retries nothing.
	h.fake.ResetRequests()
	if again := h.runOnce(); again.Decided != 0 || again.Failed != 0 || h.fake.RequestCount("GetItem") != 0 {
		t.Fatalf("pass within the back-off %+v, %d GetItem", again, h.fake.RequestCount("GetItem"))
	}
	for range scheduler.DefaultMaxAttempts - 1 {
		h.advance(24 * time.Hour)
		if again := h.runOnce(); again.Failed != 1 {
			t.Fatalf("retry pass %+v: want the item tried again", again)
		}
	}
	st := h.status()
	if st.QuarantinedCount != 1 || st.Quarantined[0].ID != poison.ID || !strings.Contains(st.Quarantined[0].Reason, "ErrorCorruptData") {
		t.Fatalf("quarantined %+v", st.Quarantined)
	}
	h.advance(24 * time.Hour)
	if again := h.runOnce(); again.Failed != 0 {
		t.Fatalf("a quarantined item was tried again: %+v", again)
	}
	f.clear()
	if err := h.sched.Retry(h.ctx, h.in.Name, scheduler.FailedItem, poison.ID); err != nil {
		t.Fatal(err)
	}
	if again := h.runOnce(); again.Decided != 1 || len(h.responsesFor("bad-0")) != 1 {
		t.Fatalf("after retry %+v", again)
	}
}

// TestARefusedOrganizerMailboxAffectsOnlyThatEntry: Exchange refusing
// impersonation of one organizer quarantines that meeting update; the
// worker keeps running and other meetings are answered.
func TestARefusedOrganizerMailboxAffectsOnlyThatEntry(t *testing.T) {
	h := newHarness(t)
	f := withFaults(h)
	f.organizer[alex.Email] = &ews.Error{Op: "FindItem", ResponseClass: "Error", ResponseCode: "ErrorImpersonateUserDenied", MessageText: "Injected"}
	start := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	h.fake.SendRequest(ewstest.Meeting{UID: "uid-ph", Subject: "Offline", Organizer: alex, Start: start, End: start.Add(time.Hour),
		BodyHTML: `<p>Agenda</p><div class="vmr-companion-instructions"><p>Video meeting details are on their way</p></div><p>vmr-companion:pending</p>`})
	h.meetings("other", 2)
	if err := h.sched.Start(h.ctx); err != nil {
		t.Fatal(err)
	}
	defer h.sched.Stop()
	waitFor(t, func() bool {
		st := h.status()
		return st.State == scheduler.WorkerFailed ||
			st.QuarantinedCount == 1 && len(h.responsesFor("other-0")) == 1 && len(h.responsesFor("other-1")) == 1
	})
	st := h.status()
	if st.State == scheduler.WorkerFailed || st.Quarantined[0].What != scheduler.OutUpdateBody ||
		!strings.Contains(st.Quarantined[0].Reason, "ErrorImpersonateUserDenied") || st.Quarantined[0].Organizer != alex.Email {
		t.Fatalf("status %+v", st)
	}
	if rs := h.responsesFor("uid-ph"); len(rs) != 1 || rs[0].Kind != "accept" {
		t.Fatalf("the placeholder meeting's own reply: %+v", rs)
	}
}

// TestAnOutageOfExchangeCountsAgainstNoReply: when Exchange fails as a
// whole (the sync fails too), the replies that failed in that pass are not
// counted against; the worker's pass fails instead.
func TestAnOutageOfExchangeCountsAgainstNoReply(t *testing.T) {
	h := newHarness(t)
	h.meetings("outage", 2)
	h.fake.FailNext("CreateItem", 2, ewstest.Failure{Status: 503})
	if sum := h.runOnce(); sum.Failed != 2 {
		t.Fatalf("first pass %+v: the sync worked, so the two failed replies count", sum)
	}
	// Exchange down: the drain's sends and then the sync fail.
	h.advance(scheduler.DefaultRetryBase)
	h.fake.FailNext("CreateItem", 100, ewstest.Failure{Status: 503})
	h.fake.FailNext("SyncFolderItems", 100, ewstest.Failure{Status: 503})
	for range 6 {
		h.advance(24 * time.Hour)
		if sum, err := h.sched.RunOnce(h.ctx, h.in.Name); err == nil || sum.Failed != 0 {
			t.Fatalf("pass during the outage: %+v, %v; want the mailbox's error and nothing counted", sum, err)
		}
	}
	if st := h.status(); st.QuarantinedCount != 0 || st.OutboxPending != 2 {
		t.Fatalf("after the outage: %d quarantined, %d pending; want nothing quarantined", st.QuarantinedCount, st.OutboxPending)
	}
}

// TestABatchExchangeChokesOnIsReadOneItemAtATime: when a GetItem call
// fails because of one item in it (HTTP 500 each time that item is asked
// for), the batch is read one item at a time: the others are decided and
// only that item fails.
func TestABatchExchangeChokesOnIsReadOneItemAtATime(t *testing.T) {
	h := newHarness(t)
	f := withFaults(h)
	ids := h.meetings("choke", 4)
	f.getItemCall[ids["choke-2"].ID] = &ews.HTTPError{Op: "GetItem", Status: 500}
	sum, err := h.sched.RunOnce(h.ctx, h.in.Name)
	if err != nil || sum.Decided != 3 || sum.Failed != 1 {
		t.Fatalf("RunOnce: %+v, %v; want three decided and one failed", sum, err)
	}
	if len(h.responsesFor("choke-2")) != 0 || len(h.responsesFor("choke-3")) != 1 {
		t.Fatal("the items after the culprit were not answered")
	}
}
