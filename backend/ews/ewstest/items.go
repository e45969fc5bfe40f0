package ewstest

import (
	"bytes"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/teambition/rrule-go"
)

// maxOccurrences bounds the expansion of one series in a calendar view.
const maxOccurrences = 5000

func xsTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func writeMailbox(b *bytes.Buffer, elem string, m Mailbox) {
	b.WriteString(`<t:` + elem + `><t:Mailbox><t:Name>`)
	esc(b, nameOr(m))
	b.WriteString(`</t:Name><t:EmailAddress>`)
	esc(b, m.Email)
	b.WriteString(`</t:EmailAddress><t:RoutingType>SMTP</t:RoutingType><t:MailboxType>Mailbox</t:MailboxType></t:Mailbox></t:` + elem + `>`)
}

func writeText(b *bytes.Buffer, elem, v string) {
	b.WriteString(`<t:` + elem + `>`)
	esc(b, v)
	b.WriteString(`</t:` + elem + `>`)
}

// writeItem writes an item element: all of it for GetItem (full), or the
// properties FindItem returns.
func writeItem(b *bytes.Buffer, sn *snapshot, full bool) {
	kind, id, ck := sn.Kind, sn.ID, sn.changeKey()
	if sn.occID != "" {
		id = sn.occID
	}
	b.WriteString(`<t:` + kind + `>`)
	if full {
		b.WriteString(`<t:MimeContent CharacterSet="UTF-8">`)
		enc := base64.NewEncoder(base64.StdEncoding, b)
		enc.Write(buildMIME(sn))
		enc.Close()
		b.WriteString(`</t:MimeContent>`)
	}
	b.WriteString(`<t:ItemId Id="` + id + `" ChangeKey="` + ck + `"/>`)
	writeText(b, "ItemClass", sn.Class)
	writeText(b, "Subject", sn.Subject)
	m := sn.Meeting
	if full {
		body := sn.body()
		if m != nil && sn.Kind != kindMeetingResponse {
			body = outlookHTML(body)
		}
		b.WriteString(`<t:Sensitivity>Normal</t:Sensitivity><t:Body BodyType="HTML" IsTruncated="false">`)
		esc(b, body)
		b.WriteString(`</t:Body><t:DateTimeReceived>` + xsTime(sn.Received) + `</t:DateTimeReceived><t:Size>` + strconv.Itoa(len(body)+1024) +
			`</t:Size><t:DateTimeSent>` + xsTime(sn.Received) + `</t:DateTimeSent><t:DateTimeCreated>` + xsTime(sn.Received) +
			`</t:DateTimeCreated><t:HasAttachments>false</t:HasAttachments>`)
	}
	if kind == kindCalendarItem {
		writeCalendarFields(b, sn, full)
		b.WriteString(`</t:` + kind + `>`)
		return
	}
	if !full {
		b.WriteString(`</t:` + kind + `>`)
		return
	}
	// Message fields.
	from := Mailbox{Name: "Contoso News", Email: "news@contoso.example"}
	sender := from
	if m != nil {
		from, sender = m.Organizer, m.Organizer
		if m.SentBy != nil {
			sender = *m.SentBy
		}
		if m.ForwardedBy != nil {
			from, sender = *m.ForwardedBy, *m.ForwardedBy
		}
		if kind == kindMeetingResponse {
			from, sender = Mailbox{Email: sn.Owner}, Mailbox{Email: sn.Owner}
		}
	}
	writeMailbox(b, "Sender", sender)
	b.WriteString(`<t:ToRecipients><t:Mailbox><t:Name>`)
	esc(b, sn.room)
	b.WriteString(`</t:Name><t:EmailAddress>`)
	esc(b, sn.room)
	b.WriteString(`</t:EmailAddress><t:RoutingType>SMTP</t:RoutingType></t:Mailbox></t:ToRecipients><t:IsRead>false</t:IsRead>`)
	writeMailbox(b, "From", from)
	writeMailbox(b, "ReceivedBy", Mailbox{Email: sn.Owner})
	writeMailbox(b, "ReceivedRepresenting", Mailbox{Email: sn.Owner})
	if m == nil {
		b.WriteString(`</t:` + kind + `>`)
		return
	}
	// Meeting message fields.
	if sn.AssociatedID != "" {
		b.WriteString(`<t:AssociatedCalendarItemId Id="` + sn.AssociatedID + `"/>`)
	}
	b.WriteString(`<t:IsDelegated>false</t:IsDelegated><t:IsOutOfDate>false</t:IsOutOfDate><t:HasBeenProcessed>true</t:HasBeenProcessed><t:ResponseType>NoResponseReceived</t:ResponseType>`)
	writeText(b, "UID", m.UID)
	if !m.RecurrenceID.IsZero() {
		b.WriteString(`<t:RecurrenceId>` + xsTime(m.RecurrenceID) + `</t:RecurrenceId>`)
	}
	if kind == kindMeetingRequest {
		reqType := "NewMeetingRequest"
		if m.Sequence > 0 {
			reqType = "FullUpdate"
		}
		b.WriteString(`<t:MeetingRequestType>` + reqType + `</t:MeetingRequestType><t:IntendedFreeBusyStatus>Busy</t:IntendedFreeBusyStatus>`)
	}
	if kind == kindMeetingRequest || kind == kindMeetingCancellation {
		writeCalendarFields(b, sn, true)
	}
	b.WriteString(`</t:` + kind + `>`)
}

// writeCalendarFields writes the calendar properties shared by calendar
// items and meeting requests.
func writeCalendarFields(b *bytes.Buffer, sn *snapshot, full bool) {
	m := sn.Meeting
	if m == nil {
		return
	}
	start, end, typ := m.Start, m.End, calendarItemType(m)
	if sn.occID != "" {
		start, end, typ = sn.occStart, sn.occEnd, "Occurrence"
	}
	if sn.Kind == kindCalendarItem {
		writeText(b, "UID", m.UID)
		if !m.RecurrenceID.IsZero() {
			b.WriteString(`<t:RecurrenceId>` + xsTime(m.RecurrenceID) + `</t:RecurrenceId>`)
		} else if sn.occID != "" {
			b.WriteString(`<t:RecurrenceId>` + xsTime(start) + `</t:RecurrenceId>`)
		}
	}
	b.WriteString(`<t:Start>` + xsTime(start) + `</t:Start><t:End>` + xsTime(end) + `</t:End><t:IsAllDayEvent>` + strconv.FormatBool(m.AllDay) + `</t:IsAllDayEvent>`)
	writeText(b, "Location", m.Location)
	b.WriteString(`<t:IsCancelled>` + strconv.FormatBool(sn.Kind == kindMeetingCancellation) + `</t:IsCancelled><t:CalendarItemType>` + typ + `</t:CalendarItemType>`)
	writeMailbox(b, "Organizer", m.Organizer)
	if !full {
		return
	}
	if len(m.Attendees) > 0 {
		b.WriteString(`<t:RequiredAttendees>`)
		for _, a := range m.Attendees {
			writeAttendee(b, a, sn.Responses[strings.ToLower(a.Email)])
		}
		b.WriteString(`</t:RequiredAttendees>`)
	}
	b.WriteString(`<t:Resources>`)
	writeAttendee(b, Mailbox{Email: sn.room}, sn.Responses[sn.room])
	b.WriteString(`</t:Resources>`)
}

func writeAttendee(b *bytes.Buffer, m Mailbox, response string) {
	if response == "" {
		response = "Unknown"
	}
	b.WriteString(`<t:Attendee><t:Mailbox><t:Name>`)
	esc(b, nameOr(m))
	b.WriteString(`</t:Name><t:EmailAddress>`)
	esc(b, m.Email)
	b.WriteString(`</t:EmailAddress><t:RoutingType>SMTP</t:RoutingType></t:Mailbox><t:ResponseType>` + response + `</t:ResponseType></t:Attendee>`)
}

// calendarView lists the items of a calendar folder overlapping
// [start, end), series expanded into occurrences. Callers hold mu.
func (s *Server) calendarView(f *folder, start, end time.Time) []*snapshot {
	var out []*snapshot
	overlaps := func(a, b time.Time) bool { return a.Before(end) && b.After(start) }
	for _, it := range sortedItems(f) {
		m := it.Meeting
		if m == nil {
			continue
		}
		if m.RRule == "" || !m.RecurrenceID.IsZero() {
			if overlaps(m.Start, m.End) {
				out = append(out, &snapshot{item: *it, room: s.st.Room})
			}
			continue
		}
		_, loc := zoneOf(m.TimeZone)
		opt, err := rrule.StrToROption(m.RRule)
		if err != nil {
			continue // the fake only expands rules it understands
		}
		opt.Dtstart = m.Start.In(loc)
		r, err := rrule.NewRRule(*opt)
		if err != nil {
			continue
		}
		dur := m.End.Sub(m.Start)
		for i, occ := range r.Between(start.Add(-dur), end, true) {
			if i >= maxOccurrences {
				break
			}
			if !overlaps(occ, occ.Add(dur)) || containsTime(m.ExDates, occ) || s.findCalendarItem(it.Owner, m.UID, occ) != nil {
				continue
			}
			sn := &snapshot{item: *it, room: s.st.Room, occStart: occ, occEnd: occ.Add(dur)}
			sn.occID = occurrenceID(it.ID, occ)
			out = append(out, sn)
		}
	}
	return out
}

func containsTime(ts []time.Time, t time.Time) bool {
	for _, x := range ts {
		if x.Equal(t) {
			return true
		}
	}
	return false
}
