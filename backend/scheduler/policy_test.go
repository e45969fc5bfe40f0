package scheduler_test

import (
	"testing"
	"time"

	"vmr-companion/backend/ews"
	"vmr-companion/backend/ews/ewstest"
)

// The command line sets the placeholder rule from serve's and scheduler
// run's flags after the scheduler is built.
func TestThePlaceholderPolicyCanBeSetAfterTheSchedulerIsBuilt(t *testing.T) {
	t.Run("a horizon under a day or a negative limit is refused", func(t *testing.T) {
		h := newHarness(t)
		if err := h.sched.SetPlaceholderPolicy(time.Hour, 5); err == nil {
			t.Fatal("a one-hour horizon was accepted")
		}
		if err := h.sched.SetPlaceholderPolicy(48*time.Hour, -1); err == nil {
			t.Fatal("a negative limit was accepted")
		}
	})
	t.Run("the horizon and the limit set later are the ones used", func(t *testing.T) {
		h := newHarness(t)
		if err := h.sched.SetPlaceholderPolicy(30*24*time.Hour, 1); err != nil {
			t.Fatal(err)
		}
		start := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
		send := func(uid string, who ews.Mailbox, rrule string) {
			h.fake.SendRequest(ewstest.Meeting{UID: uid, Subject: uid, Organizer: who, Start: start, End: start.Add(time.Hour),
				RRule: rrule, BodyHTML: placeholderBody})
		}
		send("ph-endless", alex, "FREQ=WEEKLY;BYDAY=MO")
		send("ph-second", alex, "")
		h.runOnce()
		if c := h.conference("ph-endless"); !c.ValidUntil.Equal(start.Add(30 * 24 * time.Hour)) {
			t.Fatalf("valid until %s, want 30 days after the first meeting", c.ValidUntil)
		}
		if e := h.logFor("ph-second"); e.Success {
			t.Fatalf("a second placeholder meeting within the hour was accepted with a limit of 1: %+v", e)
		}
	})
}
