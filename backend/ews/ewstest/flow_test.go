package ewstest_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
	"time"

	ical "github.com/emersion/go-ical"

	"vmr-companion/backend/ews"
	"vmr-companion/backend/ews/ewstest"
)

// parts splits an item's MIME into its HTML body and its iCalendar text.
func parts(t *testing.T, raw []byte) (htmlPart, calPart, calMethod string, hdr mail.Header) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("MIME is not a message: %v\n%s", err, raw)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("MIME type %q %v", mt, err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for range 10 {
		p, err := mr.NextPart() // decodes quoted-printable
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(p)
		pt, pp, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		switch pt {
		case "text/html":
			htmlPart = string(body)
		case "text/calendar":
			dec := make([]byte, len(body))
			n, err := base64Decode(dec, body)
			if err != nil {
				t.Fatalf("calendar part is not base64: %v", err)
			}
			calPart, calMethod = string(dec[:n]), pp["method"]
		}
	}
	return htmlPart, calPart, calMethod, msg.Header
}

func parseICS(t *testing.T, text string) *ical.Calendar {
	t.Helper()
	cal, err := ical.NewDecoder(strings.NewReader(text)).Decode()
	if err != nil {
		t.Fatalf("the text/calendar part does not parse as iCalendar: %v\n%s", err, text)
	}
	return cal
}

func TestAMeetingRequestFromADelegateIsReadAnsweredAndLeavesTheInbox(t *testing.T) {
	s := ewstest.New(room)
	c, _, _ := fake(t, s)
	ctx := context.Background()
	start := time.Date(2030, 3, 4, 9, 0, 0, 0, time.UTC)
	id := s.SendRequest(ewstest.Meeting{
		UID: "040000008200E00074C5B7101A82E008-single", Subject: "Budget Q3", Organizer: dan, SentBy: &assistant,
		Start: start, End: start.Add(time.Hour), TimeZone: "W. Europe Standard Time",
		BodyHTML: "<p>Join the  video meeting: vmr-token:abc123 and please be on time because the budget review has a lot of items to go through this quarter.</p>",
		Location: "VMR", Attendees: []ews.Mailbox{alice}, Sequence: 0,
	})

	changes, state := syncAll(t, c, ews.Inbox, "")
	if len(changes) != 1 || changes[0].Kind != ews.ChangeCreate || changes[0].ItemKind != "MeetingRequest" || changes[0].Item != id {
		t.Fatalf("changes = %+v, want one MeetingRequest create of %v", changes, id)
	}
	it := getOne(t, c, id)
	if it.Kind != "MeetingRequest" || it.UID != "040000008200E00074C5B7101A82E008-single" || it.Subject != "Budget Q3" {
		t.Errorf("item = %+v", it)
	}
	smtp := func(m ews.Mailbox) ews.Mailbox { m.RoutingType = "SMTP"; return m }
	if it.Organizer != smtp(dan) || it.From != smtp(dan) || it.Sender != smtp(assistant) {
		t.Errorf("organizer %v from %v sender %v; want the owner as organizer and from, the delegate as sender", it.Organizer, it.From, it.Sender)
	}
	if !it.Start.Equal(start) || !it.End.Equal(start.Add(time.Hour)) || it.CalendarItemType != "Single" || it.Location != "VMR" {
		t.Errorf("times/type/location = %v %v %q %q", it.Start, it.End, it.CalendarItemType, it.Location)
	}
	if len(it.Required) != 1 || it.Required[0].Email != alice.Email || len(it.Resources) != 1 || it.Resources[0].Email != room {
		t.Errorf("attendees %+v resources %+v", it.Required, it.Resources)
	}
	if it.AssociatedCalendarItem == nil {
		t.Error("no AssociatedCalendarItemId")
	}
	if !strings.Contains(it.Body, `<div class="WordSection1">`) || !strings.Contains(it.Body, "video meeting") || !strings.Contains(it.Body, " &nbsp;") {
		t.Errorf("body is not rewrapped like Outlook's:\n%s", it.Body)
	}
	htmlPart, calPart, method, hdr := parts(t, it.MimeContent)
	if method != "REQUEST" || !strings.Contains(htmlPart, "vmr-token:abc123") {
		t.Errorf("method %q html %q", method, htmlPart)
	}
	if !strings.Contains(hdr.Get("Sender"), assistant.Email) || !strings.Contains(hdr.Get("From"), dan.Email) {
		t.Errorf("MIME From %q Sender %q", hdr.Get("From"), hdr.Get("Sender"))
	}
	cal := parseICS(t, calPart)
	if m := cal.Props.Get("METHOD"); m == nil || m.Value != "REQUEST" {
		t.Errorf("METHOD = %v", m)
	}
	for _, want := range []string{
		"TZID:W. Europe Standard Time", "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10",
		"DTSTART;TZID=W. Europe Standard Time:20300304T100000", "DTEND;TZID=W. Europe Standard Time:20300304T110000",
		`ORGANIZER;CN=Dan Park;SENT-BY="mailto:ann@contoso.example":mailto:dpark@contoso.example`,
		`CN="Alice, Team Lead":mailto:alice@contoso.example`, "UID:040000008200E00074C5B7101A82E008-single",
		"SUMMARY;LANGUAGE=en-US:Budget Q3", "SEQUENCE:0", "LOCATION;LANGUAGE=en-US:VMR", "CUTYPE=RESOURCE",
	} {
		if !strings.Contains(unfold(calPart), want) {
			t.Errorf("calendar part lacks %q:\n%s", want, calPart)
		}
	}

	if err := c.Respond(ctx, ews.Response{Kind: ews.Accept, To: id, BodyHTML: "<p>Accepted: your VMR is ready.</p>", Key: "reply-1"}); err != nil {
		t.Fatalf("Respond: %v", err)
	}
	resps := s.Responses()
	if len(resps) != 1 || resps[0].Kind != ews.Accept || resps[0].Key != "reply-1" || resps[0].MeetingUID != it.UID ||
		resps[0].Organizer != dan.Email || resps[0].To.ID != id.ID || !strings.Contains(resps[0].BodyHTML, "VMR is ready") {
		t.Errorf("responses = %+v", resps)
	}
	for key, want := range map[string]bool{"reply-1": true, "reply-2": false} {
		got, err := c.FindSentByKey(ctx, key)
		if err != nil || got != want {
			t.Errorf("FindSentByKey(%s) = %v, %v; want %v", key, got, err, want)
		}
	}
	changes, state = syncAll(t, c, ews.Inbox, state)
	if len(changes) != 1 || changes[0].Kind != ews.ChangeDelete || changes[0].Item.ID != id.ID {
		t.Errorf("after answering, changes = %+v, want the request's deletion", changes)
	}
	if changes, _ = syncAll(t, c, ews.Inbox, state); len(changes) != 0 {
		t.Errorf("a pass with nothing new gave %+v", changes)
	}
	org := s.OrganizerItems(dan.Email)
	if len(org) != 1 || org[0].Resources[0].Response != "Accept" {
		t.Errorf("organizer's calendar = %+v", org)
	}
	if _, err := c.GetItems(ctx, []ews.ItemID{id}); err != nil {
		t.Fatal(err)
	}
	res, _ := c.GetItems(ctx, []ews.ItemID{id})
	if !ews.IsNotFound(res[0].Err) {
		t.Errorf("the answered request should be gone from where it was: %v", res[0].Err)
	}
	s.CheckRequests(t)
}

// unfold undoes RFC 5545 line folding.
func unfold(s string) string { return strings.ReplaceAll(s, "\r\n ", "") }
