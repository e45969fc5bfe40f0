package scheduler_test

import (
	"testing"
	"time"

	"vmr-companion/backend/ews/ewstest"
	"vmr-companion/backend/scheduler"
)

// A series keeps its zone (the IANA zone of Outlook's Windows name) and
// where exceptions moved its occurrences, for the external policy.
func TestSeriesZoneAndMovedOccurrencesAreRecorded(t *testing.T) {
	h := newHarness(t)
	a := h.reserve(alex)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	// Mondays at 10:00 Berlin time, across the change to summer time.
	first := time.Date(2026, 12, 7, 10, 0, 0, 0, berlin)
	series := ewstest.Meeting{UID: "uid-zone", Subject: "Weekly sync", Organizer: alex, Start: first, End: first.Add(30 * time.Minute),
		TimeZone: "W. Europe Standard Time", RRule: "FREQ=WEEKLY;BYDAY=MO;COUNT=30", BodyHTML: body(a)}
	h.fake.SendRequest(series)
	h.runOnce()
	rec := h.record("uid-zone")
	if rec.TimeZone != "Europe/Berlin" || len(rec.Moved) != 0 {
		t.Fatalf("after the series request: zone %q, moved %+v; want Europe/Berlin and none", rec.TimeZone, rec.Moved)
	}

	// The second occurrence moves to Tuesday 14:00 and lasts an hour.
	occ := first.AddDate(0, 0, 7)
	newStart := time.Date(2026, 12, 15, 14, 0, 0, 0, berlin)
	moved := series
	moved.RRule, moved.RecurrenceID, moved.Start, moved.End, moved.Sequence = "", occ, newStart, newStart.Add(time.Hour), 1
	h.fake.SendRequest(moved)
	// The third only gets a new subject: not a move.
	renamed := series
	renamed.RRule, renamed.RecurrenceID, renamed.Sequence, renamed.Subject = "", first.AddDate(0, 0, 14), 1, "Weekly sync (agenda)"
	renamed.Start, renamed.End = first.AddDate(0, 0, 14), first.AddDate(0, 0, 14).Add(30*time.Minute)
	h.fake.SendRequest(renamed)
	h.runOnce()
	rec = h.record("uid-zone")
	want := scheduler.MovedOccurrence{Original: occ.UTC(), Start: newStart.UTC(), End: newStart.Add(time.Hour).UTC()}
	if len(rec.Moved) != 1 || !sameMove(rec.Moved[0], want) {
		t.Fatalf("moved %+v, want only %+v", rec.Moved, want)
	}
	if rec.TimeZone != "Europe/Berlin" || len(rec.Cancelled) != 0 {
		t.Fatalf("an occurrence's change altered the series: zone %q, cancelled %v", rec.TimeZone, rec.Cancelled)
	}

	// Cancelling the moved occurrence cancels it by its original start and
	// forgets the move.
	gone := moved
	gone.Sequence = 2
	h.fake.SendCancellation(gone)
	h.runOnce()
	rec = h.record("uid-zone")
	if len(rec.Moved) != 0 || len(rec.Cancelled) != 1 || !rec.Cancelled[0].Equal(occ) {
		t.Fatalf("after cancelling the moved occurrence: moved %+v, cancelled %v; want none and %s", rec.Moved, rec.Cancelled, occ.UTC())
	}
	if e := h.lastLog(); e.Code != scheduler.CodeCancelledOccurrence {
		t.Fatalf("log %+v", e)
	}
}

// A meeting in UTC (no TZID) records no zone: the policy expands it in UTC.
func TestSeriesInUTCRecordNoZone(t *testing.T) {
	h := newHarness(t)
	a := h.reserve(alex)
	first := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	h.fake.SendRequest(ewstest.Meeting{UID: "uid-utc", Subject: "UTC sync", Organizer: alex, Start: first, End: first.Add(time.Hour),
		RRule: "FREQ=DAILY;COUNT=3", BodyHTML: body(a)})
	h.runOnce()
	if rec := h.record("uid-utc"); rec.TimeZone != "" || rec.Kind != scheduler.KindRecurring {
		t.Fatalf("zone %q kind %q, want none for a UTC series", rec.TimeZone, rec.Kind)
	}
}

func (h *harness) record(uid string) *scheduler.Record {
	h.t.Helper()
	rec, err := h.st.Scheduler().Meeting(h.ctx, h.in.ID, uid)
	if err != nil {
		h.t.Fatalf("Meeting(%s): %v", uid, err)
	}
	return rec
}

func sameMove(a, b scheduler.MovedOccurrence) bool {
	return a.Original.Equal(b.Original) && a.Start.Equal(b.Start) && a.End.Equal(b.End)
}
