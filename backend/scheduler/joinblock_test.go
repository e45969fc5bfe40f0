package scheduler_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/ews"
	"vmr-companion/backend/ews/ewstest"
	"vmr-companion/backend/scheduler"
)

// The two behaviours that write the joining block into an organizer's
// meeting besides the placeholder: meetings booked without the add-in
// (assign_without_addin) and updates that lost their block
// (heal_join_block).

// set changes integration fields as an admin editing them does; the
// scheduler reads them at the next pass.
func (h *harness) set(fields map[string]any) {
	h.t.Helper()
	data, _ := json.Marshal(fields)
	in, err := h.integrations.DecodeChange(h.ctx, h.in.Name, data)
	if err != nil {
		h.t.Fatal(err)
	}
	saved, err := h.integrations.Update(h.ctx, in)
	if err != nil {
		h.t.Fatal(err)
	}
	h.in = saved.Integration
}

// organizerBody is the body of the meeting uid in email's calendar.
func (h *harness) organizerBody(email, uid string) string {
	h.t.Helper()
	for _, it := range h.fake.OrganizerItems(email) {
		if it.UID == uid {
			return it.Body
		}
	}
	h.t.Fatalf("no meeting %s in %s's calendar", uid, email)
	return ""
}

// writes counts the writes into the organizer's meeting uid that went
// through: each sends attendees, and so the room, an update, which the
// scheduler decides. sent is how many requests the test itself sent; run
// a pass after the last write first. (The UpdateItem requests alone
// overcount: one Exchange refused for a stale change key is tried again.)
func (h *harness) writes(uid string, sent int) int {
	h.t.Helper()
	log, err := h.sched.Log(h.ctx, "", 100000)
	if err != nil {
		h.t.Fatal(err)
	}
	n := 0
	for _, e := range log {
		if e.ItemUID == uid && (strings.HasPrefix(e.Code, "accept_") || strings.HasPrefix(e.Code, "reject_") || e.Code == scheduler.CodeIgnored) {
			n++
		}
	}
	return n - sent
}

const plainBody = `<p>Agenda: the budget.</p>`

func TestAMeetingBookedWithoutTheAddin(t *testing.T) {
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	meeting := func(uid string, who ews.Mailbox) ewstest.Meeting {
		return ewstest.Meeting{UID: uid, Subject: "Budget", Organizer: who, Start: start, End: start.Add(time.Hour), BodyHTML: plainBody}
	}

	t.Run("is declined as before while the setting is off", func(t *testing.T) {
		h := newHarness(t)
		h.fake.SendRequest(meeting("uid-off", alex))
		h.runOnce()
		if e := h.logFor("uid-off"); e.Code != scheduler.CodeRejectInvalidAliasID || e.Success {
			t.Fatalf("log %+v", e)
		}
		if rs := h.responsesFor("uid-off"); len(rs) != 1 || rs[0].Kind != "decline" || !contains(rs[0].BodyHTML, "no valid video room") {
			t.Fatalf("responses %+v", rs)
		}
		if n := len(h.conferences()); n != 0 || len(h.bodyWrites()) != 0 {
			t.Fatalf("%d conferences, %d organizer-mailbox writes; want none", n, len(h.bodyWrites()))
		}
	})

	t.Run("gets a room and the joining block, written once, when the setting is on", func(t *testing.T) {
		h := newHarness(t)
		h.set(map[string]any{"assign_without_addin": true})
		h.fake.SendRequest(meeting("uid-on", alex))
		h.runOnce()
		e := h.logFor("uid-on")
		if e.Code != scheduler.CodeAcceptAssignedWithoutAddin || !e.Success || !contains(e.Description, "without the add-in") {
			t.Fatalf("log %+v", e)
		}
		c := h.conference("uid-on")
		if c.Organizer != alex.Email || c.State != scheduler.StateActive {
			t.Fatalf("conference %+v", c)
		}
		rs := h.responsesFor("uid-on")
		if len(rs) != 1 || rs[0].Kind != "accept" || !contains(rs[0].BodyHTML, c.Alias) || !contains(rs[0].BodyHTML, "without the video meeting add-in") ||
			!contains(rs[0].BodyHTML, "Next time") {
			t.Fatalf("responses %+v, want an accept saying the service added the room and how to use the add-in", rs)
		}
		got := h.organizerBody(alex.Email, "uid-on")
		if !contains(got, "vmr-companion:"+c.AliasUUID) || !contains(got, "Agenda: the budget.") {
			t.Fatalf("the organizer's meeting %q, want their text and the joining block", got)
		}
		// The update the write sent to attendees comes back to the room
		// with the token: an ordinary edit, nothing written again.
		h.runOnce()
		if e := h.logFor("uid-on"); e.Code != scheduler.CodeAcceptEditedSingle {
			t.Fatalf("the update the service caused: %+v", e)
		}
		if w, list := h.writes("uid-on", 1), h.conferences(); w != 1 || len(list) != 1 || list[0].Alias != c.Alias {
			t.Fatalf("%d writes and conferences %+v after the update, want 1 and the same room", w, list)
		}
	})

	t.Run("from outside the Exchange domains is declined and nothing is written", func(t *testing.T) {
		h := newHarness(t)
		h.set(map[string]any{"assign_without_addin": true})
		h.fake.SendRequest(meeting("uid-out", outsider))
		h.runOnce()
		if e := h.logFor("uid-out"); e.Code != scheduler.CodeRejectPlaceholderRefused || !contains(e.Description, "outside the integration's Exchange domains") {
			t.Fatalf("log %+v", e)
		}
		if rs := h.responsesFor("uid-out"); len(rs) != 1 || rs[0].Kind != "decline" {
			t.Fatalf("responses %+v", rs)
		}
		if len(h.conferences()) != 0 || len(h.bodyWrites()) != 0 || h.touched(outsider.Email) {
			t.Fatal("a room was made or the outside organizer's mailbox was worked in")
		}
	})

	t.Run("forwarded by an attendee changes nothing in the organizer's meeting, nor their limit", func(t *testing.T) {
		h := newHarness(t)
		h.withConfig(func(c *scheduler.Config) { c.PlaceholderLimit = 1 })
		h.set(map[string]any{"assign_without_addin": true})
		fwd := meeting("uid-fwd", alex)
		fwd.ForwardedBy = &sam
		h.fake.SendRequest(fwd)
		h.runOnce()
		if e := h.logFor("uid-fwd"); e.Code != scheduler.CodeRejectPlaceholderRefused || !contains(e.Description, "forwarded to the room by "+sam.Email) {
			t.Fatalf("log %+v", e)
		}
		if len(h.conferences()) != 0 || len(h.bodyWrites()) != 0 {
			t.Fatal("a forward made a room or wrote into the organizer's meeting")
		}
		h.fake.SendRequest(meeting("uid-own", alex))
		h.runOnce()
		if e := h.logFor("uid-own"); e.Code != scheduler.CodeAcceptAssignedWithoutAddin {
			t.Fatalf("the organizer's own meeting after a forward: %+v (the forward must not use up their limit)", e)
		}
	})

	t.Run("counts against the organizer's hourly limit with placeholder meetings", func(t *testing.T) {
		h := newHarness(t)
		h.withConfig(func(c *scheduler.Config) { c.PlaceholderLimit = 2 })
		h.set(map[string]any{"assign_without_addin": true})
		h.fake.SendRequest(ewstest.Meeting{UID: "ph-1", Subject: "P", Organizer: alex, Start: start, End: start.Add(time.Hour), BodyHTML: placeholderBody})
		h.fake.SendRequest(meeting("na-2", alex))
		h.fake.SendRequest(meeting("na-3", alex))
		h.fake.SendRequest(meeting("na-sam", sam))
		h.runOnce()
		for _, uid := range []string{"ph-1", "na-2", "na-sam"} {
			if e := h.logFor(uid); !e.Success {
				t.Fatalf("%s: %+v", uid, e)
			}
		}
		if e := h.logFor("na-3"); e.Code != scheduler.CodeRejectPlaceholderLimit {
			t.Fatalf("log %+v", e)
		}
		h.runOnce()
		for uid, want := range map[string]int{"ph-1": 1, "na-2": 1, "na-sam": 1, "na-3": 0} {
			if w := h.writes(uid, 1); w != want {
				t.Errorf("%s: %d organizer-mailbox writes, want %d", uid, w, want)
			}
		}
	})

	t.Run("as an endless series gets its room up to the horizon", func(t *testing.T) {
		h := newHarness(t)
		h.withConfig(func(c *scheduler.Config) { c.PlaceholderHorizon = 90 * 24 * time.Hour })
		h.set(map[string]any{"assign_without_addin": true})
		m := meeting("uid-endless", alex)
		m.RRule = "FREQ=WEEKLY;BYDAY=TH"
		h.fake.SendRequest(m)
		h.runOnce()
		c := h.conference("uid-endless")
		if want := start.Add(90 * 24 * time.Hour); !c.ValidUntil.Equal(want) {
			t.Fatalf("valid until %s, want %s", c.ValidUntil, want)
		}
		if rs := h.responsesFor("uid-endless"); len(rs) != 1 || !contains(rs[0].BodyHTML, "no end date") {
			t.Fatalf("responses %+v", rs)
		}
	})
}

func TestAJoinBlockHealsItself(t *testing.T) {
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	// accepted books a meeting through the add-in and lets the service
	// accept it; it returns the meeting and its conference.
	accepted := func(h *harness, uid string) (ewstest.Meeting, scheduler.ScheduledConference) {
		a := h.reserve(alex)
		m := ewstest.Meeting{UID: uid, Subject: "Review", Organizer: alex, Start: start, End: start.Add(time.Hour), BodyHTML: body(a)}
		h.fake.SendRequest(m)
		h.runOnce()
		if e := h.logFor(uid); e.Code != scheduler.CodeAcceptNewSingle {
			t.Fatalf("the add-in's meeting: %+v", e)
		}
		return m, h.conference(uid)
	}

	t.Run("an update without the block keeps the room and gets the block back, once", func(t *testing.T) {
		h := newHarness(t)
		m, c := accepted(h, "uid-heal")
		m.BodyHTML, m.Sequence, m.Start, m.End = "<p>Agenda: numbers, moved an hour.</p>", 1, start.Add(time.Hour), start.Add(2*time.Hour)
		h.fake.SendRequest(m)
		h.runOnce()
		e := h.logFor("uid-heal")
		if e.Code != scheduler.CodeAcceptHealedJoinBlock || !e.Success {
			t.Fatalf("log %+v", e)
		}
		got := h.conference("uid-heal")
		if got.Alias != c.Alias || !got.Start.Equal(start.Add(time.Hour)) {
			t.Fatalf("conference %+v, want the same room at the new time", got)
		}
		rs := h.responsesFor("uid-heal")
		if last := rs[len(rs)-1]; last.Kind != "accept" || !contains(last.BodyHTML, "put back") {
			t.Fatalf("reply %+v", last)
		}
		b := h.organizerBody(alex.Email, "uid-heal")
		if !contains(b, "vmr-companion:"+c.AliasUUID) || !contains(b, "moved an hour") {
			t.Fatalf("the organizer's meeting %q", b)
		}
		h.runOnce() // the update the write sent comes back with the token
		if e := h.logFor("uid-heal"); e.Code != scheduler.CodeAcceptEditedSingle {
			t.Fatalf("log %+v", e)
		}
		if w := h.writes("uid-heal", 2); w != 1 || len(h.conferences()) != 1 {
			t.Fatalf("%d writes, %d conferences; want 1 each", w, len(h.conferences()))
		}
	})

	t.Run("a mangled block is replaced, not doubled", func(t *testing.T) {
		h := newHarness(t)
		m, c := accepted(h, "uid-mangled")
		m.BodyHTML, m.Sequence = `<p>Agenda</p><div class="vmr-companion-instructions"><p>Call me maybe</p><p>vmr-compan ion:`+c.AliasUUID[:8]+`</p></div><p>Bye</p>`, 1
		h.fake.SendRequest(m)
		h.runOnce()
		if e := h.logFor("uid-mangled"); e.Code != scheduler.CodeAcceptHealedJoinBlock {
			t.Fatalf("log %+v", e)
		}
		b := h.organizerBody(alex.Email, "uid-mangled")
		if strings.Count(b, "vmr-companion-instructions") != 1 || contains(b, "Call me maybe") || !contains(b, "Bye") || !contains(b, c.AliasUUID) {
			t.Fatalf("the organizer's meeting %q, want one block in the old one's place", b)
		}
	})

	t.Run("with the setting off the update is declined as before", func(t *testing.T) {
		h := newHarness(t)
		h.set(map[string]any{"heal_join_block": false})
		m, c := accepted(h, "uid-noheal")
		m.BodyHTML, m.Sequence, m.Start = plainBody, 1, start.Add(time.Hour)
		h.fake.SendRequest(m)
		h.runOnce()
		if e := h.logFor("uid-noheal"); e.Code != scheduler.CodeRejectInvalidAliasID {
			t.Fatalf("log %+v", e)
		}
		if got := h.conference("uid-noheal"); !sameConference(got, c) {
			t.Fatalf("the conference changed: %+v", got)
		}
		if w := h.bodyWrites(); len(w) != 0 {
			t.Fatalf("%d organizer-mailbox writes", len(w))
		}
	})

	t.Run("another reservation's token is still an alias conflict", func(t *testing.T) {
		h := newHarness(t)
		m, c := accepted(h, "uid-conflict")
		other := h.reserve(alex)
		m.BodyHTML, m.Sequence = body(other), 1
		h.fake.SendRequest(m)
		h.runOnce()
		if e := h.logFor("uid-conflict"); e.Code != scheduler.CodeRejectAliasConflict {
			t.Fatalf("log %+v", e)
		}
		if got := h.conference("uid-conflict"); !sameConference(got, c) || len(h.bodyWrites()) != 0 {
			t.Fatalf("conference %+v, %d writes", got, len(h.bodyWrites()))
		}
	})

	t.Run("someone else reusing the UID without a token changes nothing", func(t *testing.T) {
		h := newHarness(t)
		m, c := accepted(h, "uid-other")
		m.Organizer, m.BodyHTML, m.Sequence = mallory, plainBody, 3
		h.fake.SendRequest(m)
		h.runOnce()
		if e := h.logFor("uid-other"); e.Code != scheduler.CodeRejectNotOrganizer {
			t.Fatalf("log %+v", e)
		}
		if got := h.conference("uid-other"); !sameConference(got, c) || len(h.bodyWrites()) != 0 || h.touched(mallory.Email) {
			t.Fatal("the meeting changed or someone's mailbox was written")
		}
	})

	t.Run("an organizer outside the domains is declined and not written to", func(t *testing.T) {
		h := newHarness(t)
		a := h.reserve(outsider)
		m := ewstest.Meeting{UID: "uid-outside", Subject: "Review", Organizer: outsider, Start: start, End: start.Add(time.Hour), BodyHTML: body(a)}
		h.fake.SendRequest(m)
		h.runOnce()
		m.BodyHTML, m.Sequence = plainBody, 1
		h.fake.SendRequest(m)
		h.runOnce()
		if e := h.logFor("uid-outside"); e.Code != scheduler.CodeRejectPlaceholderRefused {
			t.Fatalf("log %+v", e)
		}
		if len(h.bodyWrites()) != 0 || h.touched(outsider.Email) {
			t.Fatal("the outside organizer's mailbox was worked in")
		}
	})

	t.Run("a client that keeps dropping the block meets the hourly limit", func(t *testing.T) {
		h := newHarness(t)
		h.withConfig(func(c *scheduler.Config) { c.PlaceholderLimit = 2 })
		m, _ := accepted(h, "uid-loop")
		for seq := 1; seq <= 3; seq++ {
			m.BodyHTML, m.Sequence = plainBody, seq*10
			h.fake.SendRequest(m)
			h.runOnce()
		}
		if e := h.logFor("uid-loop"); e.Code != scheduler.CodeRejectPlaceholderLimit {
			t.Fatalf("the third heal within the hour: %+v", e)
		}
		h.runOnce()
		if w := h.writes("uid-loop", 4); w != 2 {
			t.Fatalf("%d organizer-mailbox writes, want 2", w)
		}
	})
}

// TestTwoUpdatesOfOneMeetingWriteItOnce: two decisions that each queue a
// write into the same organizer meeting, sent in one batch, write it once.
func TestTwoUpdatesOfOneMeetingWriteItOnce(t *testing.T) {
	h := newHarness(t)
	h.set(map[string]any{"assign_without_addin": true})
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	m := ewstest.Meeting{UID: "uid-twice", Subject: "Twice", Organizer: alex, Start: start, End: start.Add(time.Hour), BodyHTML: plainBody}
	h.fake.SendRequest(m)
	m.Sequence, m.Subject = 1, "Twice, renamed"
	h.fake.SendRequest(m)
	h.runOnce()
	h.runOnce()
	if w := h.writes("uid-twice", 2); w != 1 {
		t.Fatalf("%d organizer-mailbox writes, want 1: %s", w, dumpOutbox(h))
	}
	if list := h.conferences(); len(list) != 1 || list[0].Subject != "Twice, renamed" {
		t.Fatalf("conferences %+v", list)
	}
}

func TestACancelledMeetingIsNotHealed(t *testing.T) {
	h := newHarness(t)
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	a := h.reserve(alex)
	m := ewstest.Meeting{UID: "uid-gone", Subject: "Gone", Organizer: alex, Start: start, End: start.Add(time.Hour), BodyHTML: body(a)}
	h.fake.SendRequest(m)
	h.runOnce()
	m.Sequence = 1
	h.fake.SendCancellation(m)
	h.runOnce()
	m.BodyHTML, m.Sequence = plainBody, 2
	h.fake.SendRequest(m)
	h.runOnce()
	if e := h.logFor("uid-gone"); e.Code != scheduler.CodeRejectInvalidAliasID {
		t.Fatalf("log %+v", e)
	}
	if c := h.conference("uid-gone"); c.State != scheduler.StateCancelled || len(h.bodyWrites()) != 0 {
		t.Fatalf("conference %+v, %d writes", c, len(h.bodyWrites()))
	}
}
