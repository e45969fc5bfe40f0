package scheduler_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"vmr-companion/backend/ews"
	"vmr-companion/backend/ews/ewstest"
	"vmr-companion/backend/scheduler"
	"vmr-companion/backend/templates"
)

// fuzzSenders are who Exchange may say a fuzzed message comes from.
var fuzzSenders = []ews.Mailbox{alex, sam, mallory, outsider, {}, {Name: "Evil", Email: "evil@contoso.com\r\nX-Injected: 1"},
	{Email: strings.Repeat("a", 300) + "@contoso.com"}, {Email: "\xff@contoso.com"}}

// FuzzDecide decides a meeting message from raw MIME and a body, as
// Exchange would hand them over, and checks that every outcome is
// well-formed: no panic, no store error, and the parts of the outcome
// agree with its code. Bit 7 of kind turns assign_without_addin on; one
// meeting (fz-heal) is accepted beforehand, so that its updates without
// a token are healed.
func FuzzDecide(f *testing.F) {
	h := newHarness(f)
	a := h.reserve(alex)
	noUser, _, err := h.aliases.Reserve(h.ctx, h.in, "compose-fuzz-no-user", "")
	if err != nil {
		f.Fatal(err)
	}
	start := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	berlin := "W. Europe Standard Time"
	meetings := []ewstest.Meeting{
		{UID: "fz-single", Subject: "Budget", Organizer: alex, Start: start, End: start.Add(time.Hour), TimeZone: berlin, BodyHTML: body(a), Attendees: []ews.Mailbox{sam}},
		{UID: "fz-series", Subject: "Weekly", Organizer: alex, Start: start, End: start.Add(time.Hour), RRule: "FREQ=WEEKLY;BYDAY=MO;COUNT=5", BodyHTML: body(a)},
		{UID: "fz-endless", Subject: "Forever", Organizer: alex, Start: start, End: start.Add(time.Hour), RRule: "FREQ=DAILY", BodyHTML: placeholderBody},
		{UID: "fz-occ", Subject: "Weekly", Organizer: alex, Start: start.Add(7*24*time.Hour + time.Hour), End: start.Add(7*24*time.Hour + 2*time.Hour), RecurrenceID: start.Add(7 * 24 * time.Hour), Sequence: 1, BodyHTML: body(a)},
		{UID: "fz-delegate", Subject: "Board", Organizer: alex, SentBy: &sam, Start: start, End: start.Add(time.Hour), BodyHTML: body(noUser)},
		{UID: "fz-forged", Subject: "Forged", Organizer: mallory, ICalOrganizer: &alex, Start: start, End: start.Add(time.Hour), BodyHTML: body(a)},
		{UID: "fz-past", Subject: "Old", Organizer: alex, Start: start.AddDate(0, -1, 0), End: start.AddDate(0, -1, 0).Add(time.Hour), BodyHTML: body(a), AllDay: true},
		{UID: "fz-ph-outside", Subject: "Outside", Organizer: outsider, Start: start, End: start.Add(time.Hour), BodyHTML: placeholderBody},
	}
	// An accepted meeting with a room of its own, for the heal path.
	healed := ewstest.Meeting{UID: "fz-heal", Subject: "Heal", Organizer: alex, Start: start, End: start.Add(time.Hour), BodyHTML: body(h.reserve(alex))}
	h.fake.SendRequest(healed)
	h.runOnce()
	healed.BodyHTML, healed.Sequence = "<p>The block is gone.</p>", 1
	f.Add(ewstest.MeetingMIME(room, healed, false), healed.BodyHTML, byte(0))
	bare := ewstest.Meeting{UID: "fz-bare", Subject: "Phone", Organizer: alex, Start: start, End: start.Add(time.Hour), RRule: "FREQ=WEEKLY", BodyHTML: "<p>Hi</p>"}
	f.Add(ewstest.MeetingMIME(room, bare, false), bare.BodyHTML, byte(0x80))
	bare.Organizer = outsider
	f.Add(ewstest.MeetingMIME(room, bare, false), bare.BodyHTML, byte(0x80|3<<1))
	for i, m := range meetings {
		for _, cancel := range []bool{false, true} {
			kind := byte(i % len(fuzzSenders) << 1)
			if cancel {
				kind |= 1
			}
			f.Add(ewstest.MeetingMIME(room, m, cancel), m.BodyHTML, kind)
		}
	}
	files, _ := filepath.Glob("../../../shared/fixtures/ics/files/*.ics")
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data, body(a), byte(0))
		}
	}
	f.Add([]byte("From: x\r\nContent-Type: text/calendar\r\n\r\nBEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"), strings.Repeat("Ⱥ", 40)+"<style></style>", byte(0))

	cfg := scheduler.Config{Repository: h.st.Scheduler(), Aliases: h.aliases, Templates: templates.New()}
	now := h.clock()
	f.Fuzz(func(t *testing.T, mime []byte, bodyHTML string, kind byte) {
		sender := fuzzSenders[int(kind>>1)%len(fuzzSenders)]
		item := &ews.Item{ID: ews.ItemID{ID: "AAMkFuzz", ChangeKey: "CQAAFuzz"}, Kind: "MeetingRequest", ItemClass: "IPM.Schedule.Meeting.Request",
			Body: bodyHTML, BodyType: "HTML", MimeContent: mime, Organizer: sender, From: sender, Sender: sender}
		if kind&1 == 1 {
			item.Kind, item.ItemClass = "MeetingCancellation", "IPM.Schedule.Meeting.Canceled"
		}
		in := *h.in
		in.AssignWithoutAddin = kind&0x80 != 0
		out, err := scheduler.DecideItem(h.ctx, cfg, &in, now, "fuzz-tx", item)
		if err != nil {
			t.Fatalf("decide failed (only the store may fail, and it works): %v", err)
		}
		checkOutcome(t, item, out)
	})
}

// checkOutcome checks that an outcome's parts agree with its code.
func checkOutcome(t *testing.T, item *ews.Item, out *scheduler.Outcome) {
	t.Helper()
	e := out.Entry
	if e.Code == "" || e.Description == "" || e.TransactionID == "" || out.ItemID != item.ID.ID {
		t.Fatalf("incomplete outcome %+v", out)
	}
	keys := map[string]bool{}
	replies, updates := 0, 0
	writes := map[string]bool{scheduler.CodeAcceptNewSingle: true, scheduler.CodeAcceptNewSeries: true, scheduler.CodeAcceptEditedSingle: true,
		scheduler.CodeAcceptEditedSeries: true, scheduler.CodeAcceptAssignedWithoutAddin: true, scheduler.CodeAcceptHealedJoinBlock: true}
	for _, o := range out.Outbox {
		if keys[o.Key] {
			t.Fatalf("two outbox entries with the key %s", o.Key)
		}
		keys[o.Key] = true
		switch o.Kind {
		case scheduler.OutAccept, scheduler.OutDecline:
			replies++
			if o.ItemID != item.ID.ID || o.Body == "" {
				t.Fatalf("reply %+v", o)
			}
		case scheduler.OutUpdateBody:
			updates++
			// Only to the organizer's own mailbox, only in the integration's domains.
			if o.Mailbox != e.Organizer || !strings.HasSuffix(o.Mailbox, "@contoso.com") || !utf8.ValidString(o.Mailbox) ||
				strings.ContainsAny(o.Mailbox, "\r\n") || !writes[e.Code] {
				t.Fatalf("meeting update %+v with %s for %s", o, e.Code, e.Organizer)
			}
			if _, err := ews.CheckAddress(o.Mailbox); err != nil {
				t.Fatalf("meeting update to an invalid address: %v", err)
			}
		default:
			t.Fatalf("outbox entry of kind %q", o.Kind)
		}
	}
	_, replyCode := scheduler.ReplyTemplate(e.Code)
	// The two codes of the service's own writes reply with the accept
	// templates, and always write once.
	if e.Code == scheduler.CodeAcceptAssignedWithoutAddin || e.Code == scheduler.CodeAcceptHealedJoinBlock {
		replyCode = true
		if updates != 1 {
			t.Fatalf("%s with %d meeting updates", e.Code, updates)
		}
	}
	switch {
	case e.Code == scheduler.CodeIgnored:
		if !e.Success || out.Conference != nil || len(out.Outbox) != 0 || out.UseAlias != 0 || out.DeleteAlias != 0 {
			t.Fatalf("ignored, yet %+v", out)
		}
	case e.Code == scheduler.CodeCancelled || e.Code == scheduler.CodeCancelledOccurrence:
		c := out.Conference
		if !e.Success || c == nil || len(out.Outbox) != 0 || c.Organizer != e.Organizer {
			t.Fatalf("%s, yet %+v", e.Code, out)
		}
		if (e.Code == scheduler.CodeCancelled) != (c.State == scheduler.StateCancelled) {
			t.Fatalf("%s with state %s", e.Code, c.State)
		}
	case !replyCode:
		t.Fatalf("unknown code %q", e.Code)
	case e.Success:
		c := out.Conference
		if c == nil || replies != 1 || out.Outbox[0].Kind != scheduler.OutAccept || out.DeleteAlias != 0 || c.State != scheduler.StateActive ||
			c.Organizer != e.Organizer || c.Alias == "" || c.ValidFrom.IsZero() {
			t.Fatalf("accepted, yet %+v", out)
		}
		if !c.ValidUntil.IsZero() && c.ValidUntil.Before(c.ValidFrom) || c.ValidUntil.IsZero() && c.Kind != scheduler.KindRecurring {
			t.Fatalf("valid from %s until %s (%s)", c.ValidFrom, c.ValidUntil, c.Kind)
		}
	default:
		if out.Conference != nil || replies != 1 || len(out.Outbox) != 1 || out.Outbox[0].Kind != scheduler.OutDecline || out.UseAlias != 0 || out.DeleteAlias != 0 {
			t.Fatalf("rejected, yet %+v", out)
		}
	}
}
