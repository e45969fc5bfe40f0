package scheduler_test

import (
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/alias"
	"vmr-companion/backend/ews"
	"vmr-companion/backend/ews/ewstest"
	"vmr-companion/backend/scheduler"
	"vmr-companion/backend/templates"
)

var (
	mallory  = ews.Mailbox{Name: "Mallory", Email: "mallory@contoso.com"}
	outsider = ews.Mailbox{Name: "Olga Outside", Email: "olga@fabrikam.example"}
)

const placeholderBody = `<p>Agenda</p><div class="vmr-companion-instructions"><p>Video meeting details are on their way</p></div><p>vmr-companion:pending</p>`

// withConfig replaces the harness's scheduler with one whose Config change
// alters.
func (h *harness) withConfig(change func(*scheduler.Config)) {
	cfg := scheduler.Config{Repository: h.st.Scheduler(), Integrations: h.integrations, Aliases: h.aliases, Templates: templates.New(),
		Connect: h.connect, Now: h.clock, Poll: 20 * time.Millisecond}
	change(&cfg)
	h.sched = scheduler.New(cfg)
}

func (h *harness) setNow(t time.Time) {
	h.mu.Lock()
	h.now = t
	h.mu.Unlock()
}

// logFor returns the newest log entry of a meeting UID.
func (h *harness) logFor(uid string) scheduler.LogEntry {
	h.t.Helper()
	log, err := h.sched.Log(h.ctx, "", 1000)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, e := range log {
		if e.ItemUID == uid {
			return e
		}
	}
	h.t.Fatalf("no log entry for %s", uid)
	return scheduler.LogEntry{}
}

// conferences returns every scheduled conference.
func (h *harness) conferences() []scheduler.ScheduledConference {
	h.t.Helper()
	list, err := h.sched.Conferences(h.ctx, "", time.Time{})
	if err != nil {
		h.t.Fatal(err)
	}
	return list
}

// bodyWrites returns the recorded requests that change a meeting's body in
// someone's calendar (an organizer-mailbox write).
func (h *harness) bodyWrites() []ewstest.Recorded {
	var out []ewstest.Recorded
	for _, r := range h.fake.Requests() {
		if r.Operation == "UpdateItem" && strings.Contains(string(r.Body), `FieldURI="item:Body"`) {
			out = append(out, r)
		}
	}
	return out
}

// touched tells whether any request worked in email's mailbox (anchor,
// impersonation or an explicit mailbox).
func (h *harness) touched(email string) bool {
	for _, r := range h.fake.Requests() {
		if strings.EqualFold(r.Header.Get("X-AnchorMailbox"), email) || strings.Contains(strings.ToLower(string(r.Body)), "<t:emailaddress>"+email+"<") ||
			strings.Contains(strings.ToLower(string(r.Body)), "<t:primarysmtpaddress>"+email+"<") {
			return true
		}
	}
	return false
}

func sameConference(a, b scheduler.ScheduledConference) bool {
	return a.Alias == b.Alias && a.Start.Equal(b.Start) && a.End.Equal(b.End) && a.ValidFrom.Equal(b.ValidFrom) &&
		a.ValidUntil.Equal(b.ValidUntil) && a.Recurrence == b.Recurrence && a.State == b.State && a.Organizer == b.Organizer &&
		a.Subject == b.Subject && len(a.Cancelled) == len(b.Cancelled)
}

func TestAnotherOrganizerCannotTakeOverAMeetingByItsUID(t *testing.T) {
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	later := start.Add(48 * time.Hour)
	for _, c := range []struct {
		name string
		take ewstest.Meeting
	}{
		{"a higher sequence and another time", ewstest.Meeting{Start: later, End: later.Add(time.Hour), Sequence: 5}},
		{"an endless series", ewstest.Meeting{Start: start, End: start.Add(time.Hour), Sequence: 1, RRule: "FREQ=DAILY"}},
		{"the same sequence", ewstest.Meeting{Start: start, End: start.Add(time.Hour)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			a := h.reserve(alex)
			h.fake.SendRequest(ewstest.Meeting{UID: "uid-owned", Subject: "Board", Organizer: alex, Start: start, End: start.Add(time.Hour), BodyHTML: body(a)})
			h.runOnce()
			before := h.conference("uid-owned")

			// Mallory saw the invitation (same UID, same token) and sends her own.
			m := c.take
			m.UID, m.Subject, m.Organizer, m.BodyHTML = "uid-owned", "Hijacked", mallory, body(a)
			h.fake.ResetRequests()
			h.fake.SendRequest(m)
			h.runOnce()
			if e := h.logFor("uid-owned"); e.Code != scheduler.CodeRejectNotOrganizer || e.Success || !contains(e.Description, alex.Email) {
				t.Fatalf("log %+v, want %s naming the organizer", e, scheduler.CodeRejectNotOrganizer)
			}
			if after := h.conference("uid-owned"); !sameConference(before, after) {
				t.Fatalf("the conference changed:\nbefore %+v\nafter  %+v", before, after)
			}
			rs := h.responsesFor("uid-owned")
			if len(rs) != 2 || rs[1].Kind != "decline" || rs[1].Organizer != mallory.Email || contains(rs[1].BodyHTML, a.Alias) {
				t.Fatalf("responses %+v, want one decline to Mallory that does not name the room", rs)
			}
			if w := h.bodyWrites(); len(w) != 0 {
				t.Fatalf("%d organizer-mailbox writes", len(w))
			}

			// Her cancellation changes nothing and gets no answer.
			m.Sequence++
			h.fake.SendCancellation(m)
			h.runOnce()
			e := h.logFor("uid-owned")
			if e.Code != scheduler.CodeIgnored || !contains(e.Description, "not the organizer") {
				t.Fatalf("log %+v, want the cancellation ignored saying why", e)
			}
			if after := h.conference("uid-owned"); !sameConference(before, after) {
				t.Fatalf("the cancellation changed the conference: %+v", after)
			}
			if rs := h.responsesFor("uid-owned"); len(rs) != 2 {
				t.Fatalf("%d responses after the cancellation, want no new one", len(rs))
			}

			// Alex still changes and cancels his meeting.
			h.fake.SendCancellation(ewstest.Meeting{UID: "uid-owned", Subject: "Board", Organizer: alex, Start: start, End: start.Add(time.Hour), Sequence: 9})
			h.runOnce()
			if c := h.conference("uid-owned"); c.State != scheduler.StateCancelled {
				t.Fatalf("the organizer's cancellation did not apply: %+v", c)
			}
			h.fake.CheckRequests(t)
		})
	}
}

func TestICalendarOrganizerMustBeExchangesOrganizer(t *testing.T) {
	h := newHarness(t)
	a := h.reserve(alex)
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	// Mallory writes Alex into ORGANIZER; Exchange says Mallory sent it.
	forged := ewstest.Meeting{UID: "uid-forged", Subject: "Forged", Organizer: mallory, ICalOrganizer: &alex,
		Start: start, End: start.Add(time.Hour), BodyHTML: body(a)}
	h.fake.SendRequest(forged)
	h.runOnce()
	e := h.logFor("uid-forged")
	if e.Code != scheduler.CodeRejectOrganizerMismatch || e.Success || e.Organizer != mallory.Email ||
		!contains(e.Description, alex.Email) || !contains(e.Description, mallory.Email) || !contains(e.Description, e.TransactionID) {
		t.Fatalf("log %+v, want %s naming both addresses and the correlation id", e, scheduler.CodeRejectOrganizerMismatch)
	}
	if list := h.conferences(); len(list) != 0 {
		t.Fatalf("conferences %+v", list)
	}
	if rs := h.responsesFor("uid-forged"); len(rs) != 1 || rs[0].Kind != "decline" || contains(rs[0].BodyHTML, a.Alias) {
		t.Fatalf("responses %+v, want one decline that does not name the room", rs)
	}
	// The token is still Alex's to use.
	h.fake.SendRequest(ewstest.Meeting{UID: "uid-real", Subject: "Real", Organizer: alex, Start: start, End: start.Add(time.Hour), BodyHTML: body(a)})
	h.runOnce()
	if c := h.conference("uid-real"); c.Alias != a.Alias || c.Organizer != alex.Email {
		t.Fatalf("conference %+v", c)
	}
	// A forged cancellation of Alex's meeting is ignored.
	h.fake.SendCancellation(ewstest.Meeting{UID: "uid-real", Subject: "Real", Organizer: mallory, ICalOrganizer: &alex, Start: start, End: start.Add(time.Hour), Sequence: 1})
	h.runOnce()
	if e := h.logFor("uid-real"); e.Code != scheduler.CodeIgnored {
		t.Fatalf("log %+v", e)
	}
	if c := h.conference("uid-real"); c.State != scheduler.StateActive {
		t.Fatalf("a forged cancellation cancelled %+v", c)
	}
	if w := h.bodyWrites(); len(w) != 0 {
		t.Fatalf("%d organizer-mailbox writes", len(w))
	}
}

func TestATokenBindsToTheUserWhoReservedIt(t *testing.T) {
	h := newHarness(t)
	a := h.reserve(alex)
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	h.fake.SendRequest(ewstest.Meeting{UID: "uid-mallory", Subject: "Mine now", Organizer: mallory, Start: start, End: start.Add(time.Hour), BodyHTML: body(a)})
	h.runOnce()
	e := h.logFor("uid-mallory")
	if e.Code != scheduler.CodeRejectNotOrganizer || !contains(e.Description, alex.Email) {
		t.Fatalf("log %+v", e)
	}
	if list := h.conferences(); len(list) != 0 {
		t.Fatalf("conferences %+v", list)
	}
	if rs := h.responsesFor("uid-mallory"); len(rs) != 1 || rs[0].Kind != "decline" || contains(rs[0].BodyHTML, a.Alias) {
		t.Fatalf("responses %+v", rs)
	}
	// The token was not used up: Alex's own meeting gets the room.
	h.fake.SendRequest(ewstest.Meeting{UID: "uid-alex", Subject: "Mine", Organizer: alex, Start: start, End: start.Add(time.Hour), BodyHTML: body(a)})
	h.runOnce()
	if c := h.conference("uid-alex"); c.Alias != a.Alias {
		t.Fatalf("conference %+v", c)
	}
}

func TestAReservationWithoutUserBindsToTheFirstOrganizer(t *testing.T) {
	h := newHarness(t)
	a, _, err := h.aliases.Reserve(h.ctx, h.in, "compose-no-user", "")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	h.fake.SendRequest(ewstest.Meeting{UID: "uid-first", Subject: "First", Organizer: sam, Start: start, End: start.Add(time.Hour), BodyHTML: body(a)})
	h.runOnce()
	before := h.conference("uid-first")
	if before.Organizer != sam.Email {
		t.Fatalf("conference %+v", before)
	}
	// Another organizer: with the same UID, and with a meeting of their own.
	h.fake.SendRequest(ewstest.Meeting{UID: "uid-first", Subject: "Second", Organizer: alex, Start: start.Add(time.Hour), End: start.Add(2 * time.Hour), Sequence: 2, BodyHTML: body(a)})
	h.runOnce()
	if e := h.logFor("uid-first"); e.Code != scheduler.CodeRejectNotOrganizer {
		t.Fatalf("log %+v", e)
	}
	h.fake.SendRequest(ewstest.Meeting{UID: "uid-other", Subject: "Other", Organizer: alex, Start: start, End: start.Add(time.Hour), BodyHTML: body(a)})
	h.runOnce()
	if e := h.logFor("uid-other"); e.Success {
		t.Fatalf("log %+v", e)
	}
	h.fake.SendCancellation(ewstest.Meeting{UID: "uid-first", Subject: "Second", Organizer: alex, Start: start, End: start.Add(time.Hour), Sequence: 3})
	h.runOnce()
	if after := h.conference("uid-first"); !sameConference(before, after) {
		t.Fatalf("the conference changed: %+v", after)
	}
	if len(h.conferences()) != 1 {
		t.Fatalf("conferences %+v", h.conferences())
	}
	// The first organizer still changes it.
	h.fake.SendRequest(ewstest.Meeting{UID: "uid-first", Subject: "First, moved", Organizer: sam, Start: start.Add(time.Hour), End: start.Add(2 * time.Hour), Sequence: 4, BodyHTML: body(a)})
	h.runOnce()
	if c := h.conference("uid-first"); c.Subject != "First, moved" || c.Organizer != sam.Email {
		t.Fatalf("conference %+v", c)
	}
}

func TestPlaceholderFromOutsideTheDomainsIsRefused(t *testing.T) {
	h := newHarness(t)
	start := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	h.fake.SendRequest(ewstest.Meeting{UID: "uid-outside", Subject: "Outside", Organizer: outsider, Start: start, End: start.Add(time.Hour), BodyHTML: placeholderBody})
	h.runOnce()
	e := h.logFor("uid-outside")
	if e.Code != scheduler.CodeRejectPlaceholderRefused || !contains(e.Description, "contoso.com") {
		t.Fatalf("log %+v", e)
	}
	if list := h.conferences(); len(list) != 0 {
		t.Fatalf("conferences %+v", list)
	}
	if rs := h.responsesFor("uid-outside"); len(rs) != 1 || rs[0].Kind != "decline" {
		t.Fatalf("responses %+v", rs)
	}
	if w := h.bodyWrites(); len(w) != 0 {
		t.Fatalf("%d organizer-mailbox writes", len(w))
	}
	if h.touched(outsider.Email) {
		t.Fatal("a request worked in the outside organizer's mailbox")
	}
	for _, it := range h.fake.OrganizerItems(outsider.Email) {
		if contains(it.Body, "vmr-companion:") && !contains(it.Body, "vmr-companion:pending") {
			t.Fatalf("the outside organizer's meeting was changed: %s", it.Body)
		}
	}
}

func TestEndlessPlaceholderSeriesIsCappedAtTheHorizon(t *testing.T) {
	h := newHarness(t)
	h.withConfig(func(c *scheduler.Config) { c.PlaceholderHorizon = 90 * 24 * time.Hour })
	start := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	h.fake.SendRequest(ewstest.Meeting{UID: "uid-endless", Subject: "Forever", Organizer: alex, Start: start, End: start.Add(time.Hour),
		RRule: "FREQ=WEEKLY;BYDAY=MO", BodyHTML: placeholderBody})
	h.runOnce()
	c := h.conference("uid-endless")
	if want := start.Add(90 * 24 * time.Hour); !c.ValidUntil.Equal(want) || c.Kind != scheduler.KindRecurring {
		t.Fatalf("conference valid until %s, want %s (the horizon from the first meeting): %+v", c.ValidUntil, want, c)
	}
	rs := h.responsesFor("uid-endless")
	if len(rs) == 0 || rs[0].Kind != "accept" || !contains(rs[0].BodyHTML, "no end date") || !contains(rs[0].BodyHTML, "7 March 2027") {
		t.Fatalf("responses %+v, want an accept saying the room ends on 7 March 2027", rs)
	}
	// The organizer's updated meeting comes back with the real token: the
	// cap holds.
	h.runOnce()
	if c := h.conference("uid-endless"); c.ValidUntil.IsZero() {
		t.Fatalf("the cap was lost on the update: %+v", c)
	}
	// A series reserved through the add-in keeps having no end.
	a := h.reserve(alex)
	h.fake.SendRequest(ewstest.Meeting{UID: "uid-addin-endless", Subject: "Forever too", Organizer: alex, Start: start, End: start.Add(time.Hour),
		RRule: "FREQ=WEEKLY;BYDAY=MO", BodyHTML: body(a)})
	h.runOnce()
	if c := h.conference("uid-addin-endless"); !c.ValidUntil.IsZero() {
		t.Fatalf("an add-in series was capped: %+v", c)
	}
}

func TestPlaceholderMeetingsAreRateLimitedPerOrganizer(t *testing.T) {
	h := newHarness(t)
	h.withConfig(func(c *scheduler.Config) { c.PlaceholderLimit = 2 })
	start := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	send := func(uid string, who ews.Mailbox) {
		h.fake.SendRequest(ewstest.Meeting{UID: uid, Subject: uid, Organizer: who, Start: start, End: start.Add(time.Hour), BodyHTML: placeholderBody})
	}
	send("ph-1", alex)
	send("ph-2", alex)
	send("ph-3", alex)
	send("ph-sam", sam)
	h.runOnce()
	for _, uid := range []string{"ph-1", "ph-2", "ph-sam"} {
		if e := h.logFor(uid); !e.Success {
			t.Fatalf("%s: %+v", uid, e)
		}
	}
	e := h.logFor("ph-3")
	if e.Code != scheduler.CodeRejectPlaceholderLimit || !contains(e.Description, "2 meetings") {
		t.Fatalf("log %+v", e)
	}
	if rs := h.responsesFor("ph-3"); len(rs) != 1 || rs[0].Kind != "decline" {
		t.Fatalf("responses %+v", rs)
	}
	for _, it := range h.fake.OrganizerItems(alex.Email) {
		if it.UID == "ph-3" && !contains(it.Body, "vmr-companion:pending") {
			t.Fatalf("the refused meeting was written to: %s", it.Body)
		}
	}
	// An hour later Alex may again.
	h.setNow(h.clock().Add(time.Hour + time.Minute))
	send("ph-4", alex)
	h.runOnce()
	if e := h.logFor("ph-4"); !e.Success {
		t.Fatalf("after the hour: %+v", e)
	}
}

func TestAMeetingWithoutThePlaceholderIsNeverAppendedTo(t *testing.T) {
	h := newHarness(t)
	// With heal_join_block on, the update of the accepted meeting would
	// get the block back (joinblock_test.go); this is the rule without it.
	h.set(map[string]any{"heal_join_block": false})
	start := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	m := ewstest.Meeting{UID: "uid-gone", Subject: "Offline", Organizer: alex, Start: start, End: start.Add(time.Hour), BodyHTML: placeholderBody}
	h.fake.SendRequest(m)
	// Before the service gets to it, Alex replaces the placeholder with a
	// dial-in of his own and sends the update.
	m.BodyHTML, m.Sequence = "<p>Agenda</p><p>We use the phone bridge instead.</p>", 1
	h.fake.SendRequest(m)
	h.runOnce()
	if w := h.bodyWrites(); len(w) != 0 {
		t.Fatalf("%d organizer-mailbox writes, want none", len(w))
	}
	for _, it := range h.fake.OrganizerItems(alex.Email) {
		if it.UID == "uid-gone" && (contains(it.Body, "vmr-companion:") || !contains(it.Body, "phone bridge")) {
			t.Fatalf("the organizer's meeting was changed: %s", it.Body)
		}
	}
	// The update is set aside at once, saying why: no retry can help.
	st, err := h.sched.Status(h.ctx, h.in.Name)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, q := range st.Quarantined {
		found = found || q.What == scheduler.OutUpdateBody && contains(q.Reason, "no longer holds the placeholder")
	}
	if !found {
		t.Fatalf("quarantined %+v, want the meeting update with its reason", st.Quarantined)
	}
}

func TestTheOwnerChangesAMeetingTheirDelegateBooked(t *testing.T) {
	h := newHarness(t)
	a := h.reserve(sam) // Sam, Alex's delegate, reserved the room in Alex's calendar
	start := time.Date(2026, 12, 4, 14, 0, 0, 0, time.UTC)
	m := ewstest.Meeting{UID: "uid-owner-edits", Subject: "Board", Organizer: alex, SentBy: &sam, Start: start, End: start.Add(time.Hour), BodyHTML: body(a)}
	h.fake.SendRequest(m)
	h.runOnce()
	// Alex moves it himself.
	m.SentBy, m.Start, m.End, m.Sequence = nil, start.Add(time.Hour), start.Add(2*time.Hour), 1
	h.fake.SendRequest(m)
	h.runOnce()
	if e := h.logFor("uid-owner-edits"); e.Code != scheduler.CodeAcceptEditedSingle {
		t.Fatalf("log %+v", e)
	}
	if c := h.conference("uid-owner-edits"); !c.Start.Equal(start.Add(time.Hour)) || c.Organizer != alex.Email {
		t.Fatalf("conference %+v", c)
	}
	// Sam, though he reserved the room, cannot move it as organizer of a
	// meeting of his own with the same UID.
	m.Organizer, m.Sequence = sam, 2
	h.fake.SendRequest(m)
	h.runOnce()
	if e := h.logFor("uid-owner-edits"); e.Code != scheduler.CodeRejectNotOrganizer {
		t.Fatalf("log %+v", e)
	}
}

// TestAVerifiedUsersReservationBindsToTheClaimedAddress: a reservation the
// add-in host made for a user an Exchange identity token proved records
// their stable identity and the address the pane claimed, unverified. The
// meeting that arrives must be organized by that claimed address: a user
// who claimed someone else's gets nothing, their own gets the room.
func TestAVerifiedUsersReservationBindsToTheClaimedAddress(t *testing.T) {
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	const malloryKey = "exchange:https://mail.contoso.com/autodiscover/metadata/json/1#uid-mallory"
	t.Run("a claimed address that is not the organizer's is rejected", func(t *testing.T) {
		h := newHarness(t)
		// Mallory's token is valid; the address her pane claims is Alex's.
		a, _, err := h.aliases.ReserveAs(h.ctx, h.in, "compose-claimed", alias.Owner{Email: alex.Email, Key: malloryKey})
		if err != nil {
			t.Fatal(err)
		}
		h.fake.SendRequest(ewstest.Meeting{UID: "uid-claimed", Subject: "Claimed", Organizer: mallory, Start: start, End: start.Add(time.Hour), BodyHTML: body(a)})
		h.runOnce()
		if e := h.logFor("uid-claimed"); e.Code != scheduler.CodeRejectNotOrganizer || e.Success || !contains(e.Description, alex.Email) {
			t.Fatalf("log %+v, want %s naming the reservation's address", e, scheduler.CodeRejectNotOrganizer)
		}
		if list := h.conferences(); len(list) != 0 {
			t.Fatalf("conferences %+v", list)
		}
	})
	t.Run("the claimed address of the organizer gets the room", func(t *testing.T) {
		h := newHarness(t)
		a, _, err := h.aliases.ReserveAs(h.ctx, h.in, "compose-own", alias.Owner{Email: mallory.Email, Key: malloryKey})
		if err != nil {
			t.Fatal(err)
		}
		h.fake.SendRequest(ewstest.Meeting{UID: "uid-own", Subject: "Own", Organizer: mallory, Start: start, End: start.Add(time.Hour), BodyHTML: body(a)})
		h.runOnce()
		if e := h.logFor("uid-own"); !e.Success {
			t.Fatalf("log %+v", e)
		}
		if c := h.conference("uid-own"); c.Alias != a.Alias || c.Organizer != mallory.Email {
			t.Fatalf("conference %+v", c)
		}
	})
}
