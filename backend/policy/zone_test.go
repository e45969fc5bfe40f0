package policy_test

import (
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/alias"
	"vmr-companion/backend/scheduler"
)

// series commits a recurring conference as the scheduler records one:
// first occurrence start..end (any zone; stored in UTC), the series' zone
// name ("" for rows from before zones were kept), cancelled occurrences
// by original start and moved ones.
func (h *harness) series(a *alias.ScheduledAlias, subject, rrule, zone string, start, end time.Time,
	cancelled []time.Time, moved []scheduler.MovedOccurrence) {
	h.t.Helper()
	rec := &scheduler.Record{IntegrationID: h.in.ID, ScheduledAliasID: a.ID, TimeZone: zone, Moved: moved}
	c := &rec.ScheduledConference
	c.Alias, c.NumericAlias, c.AliasUUID, c.MeetingUID = a.Alias, a.NumericAlias, a.UUID, "uid-"+subject
	c.ConferenceName, c.Subject, c.Organizer = subject, subject, "kari@example.com"
	c.Kind, c.State, c.Recurrence = scheduler.KindRecurring, scheduler.StateActive, rrule
	c.Start, c.End = start.UTC(), end.UTC()
	c.ValidFrom = start.Add(-30 * time.Minute).UTC() // no end: ValidUntil stays zero
	c.Cancelled = cancelled
	h.commit(h.in, rec, a.ID, 0)
}

type at struct {
	name   string
	at     time.Time
	action string
	why    string // a part of the reason a refusal gives, when it matters
}

func (h *harness) check(t *testing.T, alias string, cases []at) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := h.dial(alias, c.at)
			wantAction(t, r, c.action, c.action == "continue")
			if c.why == "" {
				return
			}
			if err := h.h.Flush(h.ctx()); err != nil {
				t.Fatal(err)
			}
			log, err := h.st.Scheduler().Log(h.ctx(), h.in.ID, 1)
			if err != nil || len(log) != 1 || !strings.Contains(log[0].Description, c.why) {
				t.Fatalf("the log says %+v (%v), want %q in it", log, err, c.why)
			}
		})
	}
}

// The buffers are the integration's defaults: 30 minutes before, 60 after.
func TestSeriesOccurrencesKeepTheirLocalTimeAcrossDaylightSaving(t *testing.T) {
	oslo, _ := time.LoadLocation("Europe/Oslo")
	h := newHarness(t)
	a := h.reserve(h.in, "compose-oslo")
	// Mondays 09:00-10:00 Oslo time, made in winter (08:00 UTC).
	first := time.Date(2027, 1, 4, 9, 0, 0, 0, oslo)
	h.series(a, "Oslo weekly", "FREQ=WEEKLY;BYDAY=MO", "Europe/Oslo", first, first.Add(time.Hour), nil, nil)
	h.start(creds)

	// In summer 09:00 Oslo is 07:00 UTC: the room is open 06:30 to 09:00 UTC.
	summer := time.Date(2027, 6, 7, 9, 0, 0, 0, oslo)
	if summer.UTC().Hour() != 7 {
		t.Fatalf("the test's summer Monday is at %s", summer.UTC())
	}
	h.check(t, a.Alias, []at{
		{"the winter occurrence at 09:00 local", first.Add(10 * time.Minute), "continue", ""},
		{"an hour before the summer buffer starts", summer.Add(-90 * time.Minute), "reject", "no occurrence"},
		{"a second before the summer buffer starts", summer.Add(-30*time.Minute - time.Second), "reject", "no occurrence"},
		{"the summer buffer starts at 08:30 local", summer.Add(-30 * time.Minute), "continue", ""},
		{"the summer meeting at 09:00 local", summer, "continue", ""},
		{"the summer buffer ends at 11:00 local", summer.Add(2 * time.Hour), "continue", ""},
		{"a second after the summer buffer", summer.Add(2*time.Hour + time.Second), "reject", "no occurrence"},
		{"an hour after the summer buffer ends (the winter UTC time's buffer)", summer.Add(3 * time.Hour), "reject", "no occurrence"},
	})
}

func TestSeriesWeekdaysAreTheSeriesZones(t *testing.T) {
	auckland, _ := time.LoadLocation("Pacific/Auckland")
	h := newHarness(t)
	a := h.reserve(h.in, "compose-akl")
	// Mondays 00:30 in Auckland: Sundays 11:30 UTC in the southern summer.
	first := time.Date(2027, 1, 4, 0, 30, 0, 0, auckland)
	if first.UTC().Weekday() != time.Sunday {
		t.Fatalf("the first occurrence is on %s in UTC", first.UTC().Weekday())
	}
	h.series(a, "Auckland Monday", "FREQ=WEEKLY;BYDAY=MO", "Pacific/Auckland", first, first.Add(time.Hour), nil, nil)
	h.start(creds)

	next := time.Date(2027, 1, 11, 0, 30, 0, 0, auckland)
	winter := time.Date(2027, 5, 3, 0, 30, 0, 0, auckland) // after New Zealand's clocks went back
	h.check(t, a.Alias, []at{
		{"the next local Monday (a Sunday in UTC)", next.Add(10 * time.Minute), "continue", ""},
		{"the UTC Monday after it is not the meeting", next.Add(24*time.Hour + 10*time.Minute), "reject", "no occurrence"},
		{"a local Monday in the southern winter", winter.Add(10 * time.Minute), "continue", ""},
		{"an hour before that one's buffer", winter.Add(-90 * time.Minute), "reject", "no occurrence"},
	})
}

func TestMovedAndCancelledOccurrences(t *testing.T) {
	oslo, _ := time.LoadLocation("Europe/Oslo")
	h := newHarness(t)
	a := h.reserve(h.in, "compose-moves")
	first := time.Date(2027, 1, 4, 9, 0, 0, 0, oslo)
	week := func(n int) time.Time { return first.AddDate(0, 0, 7*n) }
	// The second Monday moves to Tuesday 14:00; the summer Monday of 14
	// June is cancelled (07:00 UTC: recorded by original start). The row
	// also names 21 June at 08:00 UTC, an hour off that Monday's 07:00:
	// cancellations match exactly, so that one still takes place.
	newTime := time.Date(2027, 1, 12, 14, 0, 0, 0, oslo)
	cancelled := time.Date(2027, 6, 14, 9, 0, 0, 0, oslo)
	hourOff := time.Date(2027, 6, 21, 9, 0, 0, 0, oslo)
	h.series(a, "Moves", "FREQ=WEEKLY;BYDAY=MO", "Europe/Oslo", first, first.Add(time.Hour),
		[]time.Time{cancelled.UTC(), hourOff.Add(time.Hour).UTC()},
		[]scheduler.MovedOccurrence{{Original: week(1).UTC(), Start: newTime.UTC(), End: newTime.Add(time.Hour).UTC()}})
	h.start(creds)

	h.check(t, a.Alias, []at{
		{"the moved occurrence's old time", week(1).Add(10 * time.Minute), "reject", "was moved to 2027-01-12T13:00:00Z"},
		{"the moved occurrence's new time", newTime.Add(10 * time.Minute), "continue", ""},
		{"the buffer before the new time", newTime.Add(-30 * time.Minute), "continue", ""},
		{"a second before that buffer", newTime.Add(-30*time.Minute - time.Second), "reject", "no occurrence"},
		{"the buffer after the new time", newTime.Add(2 * time.Hour), "continue", ""},
		{"the cancelled occurrence", cancelled.Add(10 * time.Minute), "reject", "was cancelled"},
		{"the buffer before the cancelled occurrence", cancelled.Add(-20 * time.Minute), "reject", "was cancelled"},
		{"the occurrence a cancellation an hour off does not match", hourOff.Add(10 * time.Minute), "continue", ""},
		{"the week after the cancelled one", cancelled.AddDate(0, 0, 14).Add(10 * time.Minute), "continue", ""},
	})
}

// Rows written before zones were kept are expanded in UTC, exactly.
func TestSeriesWithoutAZoneRunAtTheirUTCTime(t *testing.T) {
	oslo, _ := time.LoadLocation("Europe/Oslo")
	h := newHarness(t)
	a := h.reserve(h.in, "compose-old")
	first := time.Date(2027, 1, 4, 9, 0, 0, 0, oslo) // 08:00 UTC
	h.series(a, "Old row", "FREQ=WEEKLY;BYDAY=MO", "", first, first.Add(time.Hour),
		[]time.Time{time.Date(2027, 6, 14, 8, 0, 0, 0, time.UTC)}, nil)
	h.start(creds)

	summer := time.Date(2027, 6, 7, 8, 0, 0, 0, time.UTC)
	h.check(t, a.Alias, []at{
		{"the UTC time of the first occurrence, in summer", summer.Add(10 * time.Minute), "continue", ""},
		{"the buffer before", summer.Add(-30 * time.Minute), "continue", ""},
		{"a second before the buffer (no slack)", summer.Add(-30*time.Minute - time.Second), "reject", "no occurrence"},
		{"the buffer after", summer.Add(2 * time.Hour), "continue", ""},
		{"a second after the buffer (no slack)", summer.Add(2*time.Hour + time.Second), "reject", "no occurrence"},
		{"the cancelled occurrence", summer.AddDate(0, 0, 7).Add(10 * time.Minute), "reject", "was cancelled"},
	})
}
