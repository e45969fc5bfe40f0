package scheduler_test

import (
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/ews/ewstest"
	"vmr-companion/backend/scheduler"
)

// The organizer-mailbox write reaches a series: the calendar view lists
// its occurrences only, and the write goes to the series (its recurring
// master), once, so that every occurrence and every attendee gets the
// joining block.

// seriesWrite checks that the writes into the organizer's meeting uid went
// to the series itself, and that the series holds the
// conference's token and the organizer's text.
func (h *harness) seriesWrite(uid, text string, c scheduler.ScheduledConference) {
	h.t.Helper()
	var masterID string
	for _, it := range h.fake.OrganizerItems(alex.Email) {
		if it.UID == uid && it.CalendarItemType == "RecurringMaster" {
			masterID = it.ID.ID
		}
	}
	if masterID == "" {
		h.t.Fatalf("no series %s in the organizer's calendar", uid)
	}
	// Each write goes to the series. (A write Exchange refused for a stale
	// change key, the room's answer having changed the series meanwhile,
	// is tried again: h.writes counts the ones that went through.)
	writes := h.bodyWrites()
	if len(writes) == 0 {
		h.t.Fatal("nothing was written into the organizer's series")
	}
	for _, w := range writes {
		if !strings.Contains(string(w.Body), `<t:ItemId Id="`+masterID+`"`) {
			h.t.Fatalf("a write did not go to the series %s:\n%s", masterID, w.Body)
		}
	}
	b := h.organizerBody(alex.Email, uid)
	if !contains(b, "vmr-companion:"+c.AliasUUID) || !contains(b, text) || contains(b, "vmr-companion:pending") {
		h.t.Fatalf("the organizer's series %q, want their text and the joining block", b)
	}
}

func TestASeriesGetsTheJoiningBlockInTheSeries(t *testing.T) {
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC) // a Thursday
	series := func(uid, bodyHTML string) ewstest.Meeting {
		return ewstest.Meeting{UID: uid, Subject: "Weekly", Organizer: alex, Start: start, End: start.Add(time.Hour),
			RRule: "FREQ=WEEKLY;BYDAY=TH;COUNT=6", BodyHTML: bodyHTML, Attendees: []ewstest.Mailbox{sam}}
	}
	// comesBack runs the pass that reads the update the write sent to
	// the attendees (the room among them): it carries the block, so it is
	// an ordinary edit of the series, and nothing is written again.
	comesBack := func(h *harness, uid string, sent int, c scheduler.ScheduledConference) {
		t.Helper()
		h.fake.ResetRequests()
		h.runOnce()
		if e := h.logFor(uid); e.Code != scheduler.CodeAcceptEditedSeries || !e.Success {
			t.Fatalf("the update the write sent: %+v, want %s", e, scheduler.CodeAcceptEditedSeries)
		}
		if w, list := h.writes(uid, sent), h.conferences(); w != 1 || len(list) != 1 || list[0].Alias != c.Alias || list[0].Kind != scheduler.KindRecurring {
			t.Fatalf("%d writes, conferences %+v; want 1 write and the same series room", w, list)
		}
		if n := len(h.bodyWrites()); n != 0 {
			t.Fatalf("%d more organizer-mailbox writes", n)
		}
		if q := h.status(); q.QuarantinedCount != 0 {
			t.Fatalf("quarantined: %+v", q.Quarantined)
		}
		h.fake.CheckRequests(t)
	}

	t.Run("booked with the placeholder", func(t *testing.T) {
		h := newHarness(t)
		h.fake.SendRequest(series("uid-ph-series", placeholderBody))
		h.runOnce()
		if e := h.logFor("uid-ph-series"); !e.Success || !strings.HasPrefix(e.Code, "accept_") {
			t.Fatalf("log %+v", e)
		}
		c := h.conference("uid-ph-series")
		h.seriesWrite("uid-ph-series", "Agenda", c)
		comesBack(h, "uid-ph-series", 1, c)
	})

	t.Run("whose first meeting the organizer deleted before the write", func(t *testing.T) {
		h := newHarness(t)
		m := series("uid-ph-gone", placeholderBody)
		h.fake.SendRequest(m)
		first := m
		first.RRule, first.RecurrenceID, first.Sequence = "", start, 1
		h.fake.SendCancellation(first)
		h.runOnce()
		c := h.conference("uid-ph-gone")
		if len(c.Cancelled) != 1 || !c.Cancelled[0].Equal(start) {
			t.Fatalf("conference %+v, want the first meeting cancelled", c)
		}
		h.seriesWrite("uid-ph-gone", "Agenda", c)
		comesBack(h, "uid-ph-gone", 1, c)
	})

	t.Run("booked without the add-in", func(t *testing.T) {
		h := newHarness(t)
		h.set(map[string]any{"assign_without_addin": true})
		h.fake.SendRequest(series("uid-na-series", plainBody))
		h.runOnce()
		if e := h.logFor("uid-na-series"); e.Code != scheduler.CodeAcceptAssignedWithoutAddin || !e.Success {
			t.Fatalf("log %+v", e)
		}
		c := h.conference("uid-na-series")
		h.seriesWrite("uid-na-series", "Agenda: the budget.", c)
		comesBack(h, "uid-na-series", 1, c)
	})

	t.Run("whose update lost its block", func(t *testing.T) {
		h := newHarness(t)
		a := h.reserve(alex)
		m := series("uid-heal-series", body(a))
		h.fake.SendRequest(m)
		h.runOnce()
		if e := h.logFor("uid-heal-series"); e.Code != scheduler.CodeAcceptNewSeries {
			t.Fatalf("the add-in's series: %+v", e)
		}
		c := h.conference("uid-heal-series")
		h.fake.ResetRequests()
		m.BodyHTML, m.Sequence = "<p>Agenda: moved to a new room.</p>", 1
		h.fake.SendRequest(m)
		h.runOnce()
		if e := h.logFor("uid-heal-series"); e.Code != scheduler.CodeAcceptHealedJoinBlock || !e.Success {
			t.Fatalf("log %+v", e)
		}
		h.seriesWrite("uid-heal-series", "moved to a new room", c)
		comesBack(h, "uid-heal-series", 2, c)
	})
}
