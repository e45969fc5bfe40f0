package scheduler_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"vmr-companion/backend/ews/ewstest"
	"vmr-companion/backend/infinity"
	"vmr-companion/backend/infinity/infinitytest"
	"vmr-companion/backend/scheduler"
)

// setMode switches the integration's infinity_provisioning, as an admin
// editing it does; the scheduler reads it at the next pass.
func (p *provisionHarness) setMode(mode string) {
	p.t.Helper()
	data, _ := json.Marshal(map[string]any{"infinity_provisioning": mode})
	in, err := p.integrations.DecodeChange(p.ctx, p.in.Name, data)
	if err != nil {
		p.t.Fatal(err)
	}
	saved, err := p.integrations.Update(p.ctx, in)
	if err != nil {
		p.t.Fatal(err)
	}
	p.in = saved.Integration
}

// count is how many requests of method went to resource's list or objects.
func (p *provisionHarness) count(method, resource string) int {
	n := 0
	for _, r := range p.mgr.Requests() {
		if r.Method == method && strings.HasPrefix(r.Path, infinitytest.ConfigPath+resource+"/") {
			n++
		}
	}
	return n
}

// scheduled lists the scheduled_conference objects on the fake as
// "start–end" in UTC, in order.
func (p *provisionHarness) scheduled() []string {
	var out []string
	for id := 1; id <= 1000; id++ {
		if o := p.mgr.Object(infinity.ResScheduledConference, id); o != nil {
			out = append(out, o["start_time"].(string)+"–"+o["end_time"].(string))
		}
	}
	slices.Sort(out)
	return out
}

func window(start, end time.Time) string {
	return start.UTC().Format(infinitytest.TimeLayout) + "–" + end.UTC().Format(infinitytest.TimeLayout)
}

func TestSwitchingPolicyToAPICreatesLiveConferences(t *testing.T) {
	p := newProvisionHarness(t, "policy", nil)
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	live, past := p.reserve(alex), p.reserve(alex)
	p.fake.SendRequest(p.meeting("uid-live", "Live", live, start))
	p.fake.SendRequest(p.meeting("uid-past", "Past", past, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)))
	p.runOnce()
	if n := len(p.mgr.Requests()); n != 0 {
		t.Fatalf("%d requests while the integration provisions by policy", n)
	}
	p.setNow(time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)) // the first meeting is over

	p.setMode("api")
	p.runOnce()
	c := p.conference("uid-live")
	if c.InfinityState != scheduler.InfinityCreated || c.InfinityStatus != "created on Infinity as id 1" {
		t.Fatalf("after the switch to api: %+v", c)
	}
	if n, na := p.mgr.Count(infinity.ResConference), p.mgr.Count(infinity.ResConferenceAlias); n != 1 || na != 2 {
		t.Fatalf("%d conferences and %d aliases on Infinity, want the live meeting's 1 and 2", n, na)
	}
	if got, want := p.scheduled(), []string{window(c.ValidFrom, c.ValidUntil)}; !slices.Equal(got, want) {
		t.Fatalf("scheduled conferences %v, want %v", got, want)
	}
	if c := p.conference("uid-past"); c.InfinityState != scheduler.InfinityPolicy || c.InfinityStatus != "answered by policy" {
		t.Fatalf("a meeting whose window has ended: %+v, want left to the policy", c)
	}

	// Exactly once: further passes send nothing new.
	posts := len(p.requests(http.MethodPost))
	p.runOnce()
	p.runOnce()
	if got := len(p.requests(http.MethodPost)); got != posts || p.mgr.Count(infinity.ResConference) != 1 {
		t.Fatalf("%d POSTs after more passes, want %d", got, posts)
	}
}

func TestSwitchingAPIToPolicyDeletesFromInfinity(t *testing.T) {
	p := newProvisionHarness(t, "api", nil)
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	a1, a2 := p.reserve(alex), p.reserve(alex)
	kept := p.meeting("uid-kept", "Kept", a1, start)
	cancelled := p.meeting("uid-cancelled", "Cancelled", a2, start.Add(2*time.Hour))
	p.fake.SendRequest(kept)
	p.fake.SendRequest(cancelled)
	p.runOnce()
	if p.mgr.Count(infinity.ResConference) != 2 || p.mgr.Count(infinity.ResScheduledAlias) != 2 || p.mgr.Count(infinity.ResScheduledConference) != 2 {
		t.Fatal("the conferences were not created")
	}

	p.setMode("policy")
	// Cancelled after the switch: the decision queues nothing (policy);
	// the pass still deletes it from Infinity, with the other one.
	cancelled.Sequence = 1
	p.fake.SendCancellation(cancelled)
	p.runOnce()
	for _, res := range []string{infinity.ResConference, infinity.ResConferenceAlias, infinity.ResScheduledAlias, infinity.ResScheduledConference} {
		if n := p.mgr.Count(res); n != 0 {
			t.Errorf("%d %s objects left on Infinity after the switch to policy", n, res)
		}
	}
	for _, uid := range []string{"uid-kept", "uid-cancelled"} {
		if c := p.conference(uid); c.InfinityState != scheduler.InfinityPolicy || c.InfinityStatus != "answered by policy" || c.InfinityID != 0 {
			t.Errorf("%s after the switch: %+v, want answered by policy", uid, c)
		}
	}
	dels := p.count(http.MethodDelete, infinity.ResConference)
	p.runOnce()
	p.runOnce()
	if got := p.count(http.MethodDelete, infinity.ResConference); got != 2 || dels != 2 {
		t.Fatalf("%d then %d conference DELETEs, want 2 once", dels, got)
	}
}

// A create queued under api and still waiting when the integration goes
// back to policy is never sent.
func TestSwitchingBackBeforeTheCreateWasSent(t *testing.T) {
	p := newProvisionHarness(t, "api", nil)
	p.clients.err = scheduler.ErrInfinityNotConnected
	a := p.reserve(alex)
	p.fake.SendRequest(p.meeting("uid-wait", "Wait", a, time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)))
	p.runOnce()
	if c := p.conference("uid-wait"); c.InfinityState != scheduler.InfinityPending {
		t.Fatalf("%+v, want waiting", c)
	}
	// Still not connected: nothing needs Infinity to be answered by
	// policy again.
	p.setMode("policy")
	p.runOnce()
	p.clients.err = nil
	p.runOnce()
	if n := len(p.mgr.Requests()); n != 0 {
		t.Fatalf("%d requests after the switch back to policy: %+v", n, p.mgr.Requests())
	}
	if c := p.conference("uid-wait"); c.InfinityState != scheduler.InfinityPolicy {
		t.Fatalf("%+v, want answered by policy", c)
	}
}

func TestScheduledObjectsOfASingleMeeting(t *testing.T) {
	p := newProvisionHarness(t, "api", nil)
	a := p.reserve(alex)
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	m := p.meeting("uid-single", "Budget review", a, start)
	p.fake.SendRequest(m)
	p.runOnce()
	c := p.conference("uid-single")
	// The integration's buffers: 15 minutes before, 30 after.
	if got, want := p.scheduled(), []string{window(start.Add(-15*time.Minute), start.Add(90*time.Minute))}; !slices.Equal(got, want) {
		t.Fatalf("scheduled conferences %v, want %v", got, want)
	}
	sc := p.mgr.Object(infinity.ResScheduledConference, 1)
	sa := p.mgr.Object(infinity.ResScheduledAlias, 1)
	conf := infinity.ResourceURI(infinity.ResConference, c.InfinityID)
	if sc["conference"] != conf || sc["subject"] != "Budget review" || sc["ews_item_uid"] != "uid-single" ||
		sc["scheduled_alias"] != infinity.ResourceURI(infinity.ResScheduledAlias, 1) || sc["recurring_conference"] != nil {
		t.Errorf("scheduled_conference %v", sc)
	}
	if sa["alias"] != a.Alias || sa["numeric_alias"] != a.NumericAlias || sa["uuid"] != a.UUID || sa["is_used"] != true ||
		fmt.Sprint(sa["alias_number"]) != fmt.Sprint(a.AliasNumber) || sa["conference_deletion_time"] != c.ValidUntil.UTC().Format(infinitytest.TimeLayout) {
		t.Errorf("scheduled_alias %v (reservation %+v)", sa, a)
	}
	if n := p.mgr.Count(infinity.ResRecurringConference); n != 0 {
		t.Errorf("%d recurring conferences for a single meeting", n)
	}

	// Moved an hour later: the old window goes, the new one comes.
	m.Sequence, m.Start, m.End = 1, start.Add(time.Hour), start.Add(2*time.Hour)
	p.fake.SendRequest(m)
	p.runOnce()
	if got, want := p.scheduled(), []string{window(start.Add(45*time.Minute), start.Add(150*time.Minute))}; !slices.Equal(got, want) {
		t.Fatalf("after the move: %v, want %v", got, want)
	}

	// Cancelled: the conference goes, its scheduled objects with it.
	m.Sequence = 2
	p.fake.SendCancellation(m)
	p.runOnce()
	if n, ns := p.mgr.Count(infinity.ResScheduledConference), p.mgr.Count(infinity.ResScheduledAlias); n != 0 || ns != 0 {
		t.Fatalf("%d scheduled conferences and %d scheduled aliases left after the cancellation", n, ns)
	}
}

// A weekly series without end: occurrences within 90 days, one cancelled
// (not written), one moved (at its new time), topped up as the clock
// moves on, deleted with the conference.
func TestScheduledObjectsOfAWeeklySeries(t *testing.T) {
	p := newProvisionHarness(t, "api", nil)
	a := p.reserve(alex)
	first := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC) // a Thursday; the clock says Dec 1, 08:00
	series := ewstest.Meeting{UID: "uid-weekly", Subject: "Weekly", Organizer: alex, Start: first, End: first.Add(time.Hour),
		RRule: "FREQ=WEEKLY;BYDAY=TH", BodyHTML: body(a)}
	p.fake.SendRequest(series)
	p.runOnce()
	want := func(from time.Time, cancelled, moved time.Time, movedTo time.Time, until time.Time) []string {
		var out []string
		for o := first; o.Before(until); o = o.AddDate(0, 0, 7) {
			switch {
			case o.Add(90 * time.Minute).Before(from), o.Equal(cancelled):
			case o.Equal(moved):
				out = append(out, window(movedTo.Add(-15*time.Minute), movedTo.Add(90*time.Minute)))
			default:
				out = append(out, window(o.Add(-15*time.Minute), o.Add(90*time.Minute)))
			}
		}
		slices.Sort(out)
		return out
	}
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	horizon := now.Add(90 * 24 * time.Hour)
	if got, w := p.scheduled(), want(now, time.Time{}, time.Time{}, time.Time{}, horizon); !slices.Equal(got, w) || len(got) != 13 {
		t.Fatalf("scheduled conferences %v, want the 13 of the next 90 days %v", got, w)
	}
	if n := p.mgr.Count(infinity.ResRecurringConference); n != 1 {
		t.Fatalf("%d recurring conferences, want 1", n)
	}
	rc := p.mgr.Object(infinity.ResRecurringConference, 1)
	if sc := p.mgr.Object(infinity.ResScheduledConference, 1); sc["recurring_conference"] != rc["resource_uri"] || rc["subject"] != "Weekly" {
		t.Fatalf("scheduled_conference %v, recurring_conference %v", sc, rc)
	}

	// The second occurrence moves to 14:00; the third is cancelled.
	moved, movedTo, gone := first.AddDate(0, 0, 7), first.AddDate(0, 0, 7).Add(4*time.Hour), first.AddDate(0, 0, 14)
	m := series
	m.RRule, m.RecurrenceID, m.Start, m.End, m.Sequence = "", moved, movedTo, movedTo.Add(time.Hour), 1
	p.fake.SendRequest(m)
	p.runOnce()
	c := series
	c.RRule, c.RecurrenceID, c.Start, c.End, c.Sequence = "", gone, gone, gone.Add(time.Hour), 2
	p.fake.SendCancellation(c)
	p.runOnce()
	if got, w := p.scheduled(), want(now, gone, moved, movedTo, horizon); !slices.Equal(got, w) {
		t.Fatalf("after a move and a cancellation: %v, want %v", got, w)
	}
	posts := p.count(http.MethodPost, infinity.ResScheduledConference)
	if posts != 14 {
		t.Fatalf("%d scheduled_conference POSTs, want 13 and the moved one", posts)
	}

	// Ten days later the horizon has moved on: the next occurrence is
	// written; those that are over stay, as Infinity keeps them.
	later := now.Add(10 * 24 * time.Hour)
	p.setNow(later)
	p.runOnce()
	if got, w := p.scheduled(), want(now, gone, moved, movedTo, later.Add(90*24*time.Hour)); !slices.Equal(got, w) {
		t.Fatalf("after ten days: %v, want %v", got, w)
	}
	if got := p.count(http.MethodPost, infinity.ResScheduledConference); got != posts+1 {
		t.Fatalf("%d POSTs after the top-up, want %d", got, posts+1)
	}
	p.runOnce()
	if got := p.count(http.MethodPost, infinity.ResScheduledConference); got != posts+1 {
		t.Fatalf("%d POSTs after another pass, want %d", got, posts+1)
	}

	// The series is cancelled: everything goes with the conference.
	series.Sequence = 3
	p.fake.SendCancellation(series)
	p.runOnce()
	for _, res := range []string{infinity.ResConference, infinity.ResScheduledConference, infinity.ResRecurringConference, infinity.ResScheduledAlias} {
		if n := p.mgr.Count(res); n != 0 {
			t.Errorf("%d %s objects left after the series was cancelled", n, res)
		}
	}
}

// A kill after each request on the scheduled objects, before the store
// hears of it: the restarted scheduler ends with each object once.
func TestScheduledObjectsSurviveAKillAtEveryStep(t *testing.T) {
	for _, step := range []string{"scheduled_alias", "recurring", "occurrence", "occurrence_delete", "scheduled_alias_delete"} {
		t.Run(step, func(t *testing.T) {
			p := newProvisionHarness(t, "api", nil)
			a := p.reserve(alex)
			first := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
			series := ewstest.Meeting{UID: "uid-kill", Subject: "Kill", Organizer: alex, Start: first, End: first.Add(time.Hour),
				RRule: "FREQ=WEEKLY;COUNT=3", BodyHTML: body(a)}
			p.fake.SendRequest(series)
			crashed := false
			crash := func(s string) error {
				if s == step && !crashed {
					crashed = true
					return scheduler.ErrSimulatedCrash
				}
				return nil
			}
			switch step {
			case "occurrence_delete":
				p.runOnce()
				scheduler.SetAfterInfinity(p.sched, crash)
				c := series
				c.RRule, c.RecurrenceID, c.Start, c.End, c.Sequence = "", first.AddDate(0, 0, 7), first.AddDate(0, 0, 7), first.AddDate(0, 0, 7).Add(time.Hour), 1
				p.fake.SendCancellation(c)
			case "scheduled_alias_delete":
				p.runOnce()
				scheduler.SetAfterInfinity(p.sched, crash)
				series.Sequence = 1
				p.fake.SendCancellation(series)
			default:
				scheduler.SetAfterInfinity(p.sched, crash)
			}
			p.runOnce()
			if !crashed {
				t.Fatalf("no %s step was taken", step)
			}
			p.restart()
			p.runOnce()
			p.runOnce()
			if step == "scheduled_alias_delete" {
				if n, ns := p.mgr.Count(infinity.ResConference), p.mgr.Count(infinity.ResScheduledAlias); n != 0 || ns != 0 {
					t.Fatalf("%d conferences and %d scheduled aliases left", n, ns)
				}
				return
			}
			wantOcc := 3
			if step == "occurrence_delete" {
				wantOcc = 2
			}
			if n := p.mgr.Count(infinity.ResScheduledConference); n != wantOcc {
				t.Fatalf("%d scheduled conferences %v, want %d", n, p.scheduled(), wantOcc)
			}
			if n, nr := p.mgr.Count(infinity.ResScheduledAlias), p.mgr.Count(infinity.ResRecurringConference); n != 1 || nr != 1 {
				t.Fatalf("%d scheduled aliases and %d recurring conferences, want 1 each", n, nr)
			}
			if posts := p.count(http.MethodPost, infinity.ResScheduledAlias); posts != 1 {
				t.Fatalf("%d scheduled_alias POSTs, want 1", posts)
			}
			if c := p.conference("uid-kill"); c.InfinityState != scheduler.InfinityCreated {
				t.Fatalf("conference %+v", c)
			}
		})
	}
}

// Switched to policy and back to api before the deletion could be sent:
// the deletion goes, and the conference is created again, once.
func TestSwitchingBackAndForthEndsCreatedOnce(t *testing.T) {
	p := newProvisionHarness(t, "api", nil)
	a := p.reserve(alex)
	p.fake.SendRequest(p.meeting("uid-flip", "Flip", a, time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)))
	p.runOnce()
	p.setMode("policy")
	p.clients.err = scheduler.ErrInfinityNotConnected
	p.runOnce()
	if c := p.conference("uid-flip"); c.InfinityState != scheduler.InfinityCreated || !strings.Contains(c.InfinityStatus, "not connected") {
		t.Fatalf("deletion waiting: %+v", c)
	}
	p.setMode("api")
	p.clients.err = nil
	p.runOnce()
	p.runOnce()
	c := p.conference("uid-flip")
	if c.InfinityState != scheduler.InfinityCreated || p.mgr.Count(infinity.ResConference) != 1 || p.mgr.Count(infinity.ResScheduledAlias) != 1 ||
		p.mgr.Count(infinity.ResScheduledConference) != 1 {
		t.Fatalf("after switching back: %+v; %d conferences, %d scheduled aliases, %d scheduled conferences", c,
			p.mgr.Count(infinity.ResConference), p.mgr.Count(infinity.ResScheduledAlias), p.mgr.Count(infinity.ResScheduledConference))
	}
	p.runOnce()
	if n := p.count(http.MethodPost, infinity.ResConference); n != 2 {
		t.Fatalf("%d conference POSTs, want the first and the one after switching back", n)
	}
}

// A subject and a UID an outsider chose, longer than Infinity takes:
// the scheduled objects are written, bounded, never refused.
func TestHostileSubjectAndUIDAreBoundedInScheduledObjects(t *testing.T) {
	p := newProvisionHarness(t, "api", nil)
	a := p.reserve(alex)
	subject := `<img src=x onerror=alert(1)> "quoted" ` + strings.Repeat("Ωé漢", 200)
	uid := strings.Repeat("040000008200E00074C5B7101A82E008", 20) // 640 characters
	first := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	p.fake.SendRequest(ewstest.Meeting{UID: uid, Subject: subject, Organizer: alex, Start: first, End: first.Add(time.Hour),
		RRule: "FREQ=DAILY;COUNT=3", BodyHTML: body(a)})
	p.runOnce()
	c := p.conference(uid)
	if c.InfinityState != scheduler.InfinityCreated || p.mgr.Count(infinity.ResScheduledConference) != 3 {
		t.Fatalf("conference %+v, %d scheduled conferences", c, p.mgr.Count(infinity.ResScheduledConference))
	}
	sc := p.mgr.Object(infinity.ResScheduledConference, 1)
	for _, f := range []string{"subject", "ews_item_uid", "ews_item_id"} {
		if s, _ := sc[f].(string); s == "" || utf8.RuneCountInString(s) > 255 || !utf8.ValidString(s) {
			t.Errorf("%s on Infinity %q", f, s)
		}
	}
	if rc := p.mgr.Object(infinity.ResRecurringConference, 1); utf8.RuneCountInString(rc["subject"].(string)) > 255 {
		t.Errorf("recurring_conference subject %q", rc["subject"])
	}
	// The same again: nothing new (the bounded values still match).
	posts := p.count(http.MethodPost, infinity.ResScheduledConference)
	p.setNow(p.clock().Add(25 * time.Hour))
	p.runOnce()
	if got := p.count(http.MethodPost, infinity.ResScheduledConference); got != posts {
		t.Fatalf("%d scheduled_conference POSTs after a top-up, want %d", got, posts)
	}
}
