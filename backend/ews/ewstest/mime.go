package ewstest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"hash/fnv"
	"html"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"
	_ "time/tzdata" // the fake runs on machines without a zone database (Windows demo)
)

// timeZone is a Windows time zone as Exchange writes it into VTIMEZONE.
type timeZone struct {
	iana string
	// vtimezone is the component Exchange writes (STANDARD/DAYLIGHT with
	// yearly RRULEs from 1601), CRLF-terminated.
	vtimezone string
}

func vtz(name, std, dst, stdFrom, stdTo, stdRule, dstStart, dstRule string) string {
	var b strings.Builder
	b.WriteString("BEGIN:VTIMEZONE\r\nTZID:" + name + "\r\n")
	b.WriteString("BEGIN:STANDARD\r\nDTSTART:" + std + "\r\nTZOFFSETFROM:" + stdFrom + "\r\nTZOFFSETTO:" + stdTo + "\r\n")
	if stdRule != "" {
		b.WriteString("RRULE:" + stdRule + "\r\n")
	}
	b.WriteString("END:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:" + dst + "\r\nTZOFFSETFROM:" + stdTo + "\r\nTZOFFSETTO:" + dstStart + "\r\n")
	if dstRule != "" {
		b.WriteString("RRULE:" + dstRule + "\r\n")
	}
	b.WriteString("END:DAYLIGHT\r\nEND:VTIMEZONE\r\n")
	return b.String()
}

const (
	euStd = "FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10"
	euDst = "FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3"
	usStd = "FREQ=YEARLY;INTERVAL=1;BYDAY=1SU;BYMONTH=11"
	usDst = "FREQ=YEARLY;INTERVAL=1;BYDAY=2SU;BYMONTH=3"
)

// TimeZones are the Windows zone names the fake knows; others are taken as UTC.
var timeZones = map[string]timeZone{
	"W. Europe Standard Time": {"Europe/Berlin", vtz("W. Europe Standard Time", "16010101T030000", "16010101T020000", "+0200", "+0100", euStd, "+0200", euDst)},
	"Romance Standard Time":   {"Europe/Paris", vtz("Romance Standard Time", "16010101T030000", "16010101T020000", "+0200", "+0100", euStd, "+0200", euDst)},
	"GMT Standard Time":       {"Europe/London", vtz("GMT Standard Time", "16010101T020000", "16010101T010000", "+0100", "+0000", euStd, "+0100", euDst)},
	"Eastern Standard Time":   {"America/New_York", vtz("Eastern Standard Time", "16010101T020000", "16010101T020000", "-0400", "-0500", usStd, "-0400", usDst)},
	"Pacific Standard Time":   {"America/Los_Angeles", vtz("Pacific Standard Time", "16010101T020000", "16010101T020000", "-0700", "-0800", usStd, "-0700", usDst)},
	"UTC":                     {"UTC", vtz("UTC", "16010101T000000", "16010101T000000", "+0000", "+0000", "", "+0000", "")},
}

// TimeZones lists the Windows zone names Meeting.TimeZone may use.
func TimeZones() []string {
	out := make([]string, 0, len(timeZones))
	for name := range timeZones {
		out = append(out, name)
	}
	return out
}

// zoneOf returns the zone's Windows name and location ("UTC" for unknown).
func zoneOf(name string) (string, *time.Location) {
	tz, ok := timeZones[name]
	if !ok {
		return "UTC", time.UTC
	}
	loc, err := time.LoadLocation(tz.iana)
	if err != nil {
		return "UTC", time.UTC
	}
	return name, loc
}

// outlookHTML wraps body the way Outlook sends it: a Word-generated page
// with the text inside div.WordSection1, long lines broken at spaces and
// runs of spaces written as " &nbsp;". A body that is already a page is
// kept (an UpdateItem body, say).
func outlookHTML(body string) string {
	if strings.Contains(strings.ToLower(body[:min(len(body), 200)]), "<html") {
		return body
	}
	var b strings.Builder
	b.Grow(len(body) + 900)
	b.WriteString("<html xmlns:v=\"urn:schemas-microsoft-com:vml\" xmlns:o=\"urn:schemas-microsoft-com:office:office\" xmlns:w=\"urn:schemas-microsoft-com:office:word\" xmlns:m=\"http://schemas.microsoft.com/office/2004/12/omml\" xmlns=\"http://www.w3.org/TR/REC-html40\">\r\n" +
		"<head>\r\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\r\n" +
		"<meta name=\"Generator\" content=\"Microsoft Word 15 (filtered medium)\">\r\n" +
		"<style><!--\r\n/* Font Definitions */\r\n@font-face\r\n\t{font-family:\"Cambria Math\";\r\n\tpanose-1:2 4 5 3 5 4 6 3 2 4;}\r\n" +
		"p.MsoNormal, li.MsoNormal, div.MsoNormal\r\n\t{margin:0cm;\r\n\tfont-size:11.0pt;\r\n\tfont-family:\"Calibri\",sans-serif;}\r\n" +
		"div.WordSection1\r\n\t{page:WordSection1;}\r\n--></style>\r\n</head>\r\n" +
		"<body lang=\"EN-US\" link=\"#0563C1\" vlink=\"#954F72\" style=\"word-wrap:break-word\">\r\n<div class=\"WordSection1\">\r\n")
	rewrap(&b, body)
	b.WriteString("\r\n</div>\r\n</body>\r\n</html>\r\n")
	return b.String()
}

// rewrap copies body, breaking text (never tags) at a space once a line
// passes 76 characters and turning double spaces into " &nbsp;".
func rewrap(b *strings.Builder, body string) {
	col, inTag := 0, false
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c == '<':
			inTag = true
		case c == '>':
			inTag = false
		case c == '\n':
			col = -1
		case !inTag && c == ' ' && i+1 < len(body) && body[i+1] == ' ':
			b.WriteString(" &nbsp;")
			i++
			col += 7
			continue
		case !inTag && c == ' ' && col >= 76:
			b.WriteString("\r\n")
			col = 0
			continue
		}
		b.WriteByte(c)
		col++
	}
}

// plainText is a rough text rendering of an HTML body, for DESCRIPTION.
func plainText(h string) string {
	var b strings.Builder
	inTag := false
	for _, r := range h {
		switch {
		case r == '<':
			inTag = true
		case r == '>':
			inTag = false
			b.WriteByte(' ')
		case !inTag:
			b.WriteRune(r)
		}
	}
	return strings.Join(strings.Fields(html.UnescapeString(b.String())), " ")
}

func boundary(id string) string {
	h := fnv.New64a()
	h.Write([]byte(id))
	return fmt.Sprintf("_000_%016x_", h.Sum64())
}

func address(m Mailbox) string {
	return (&mail.Address{Name: m.Name, Address: m.Email}).String()
}

// MeetingMIME is the RFC 822 message Exchange gives as the MimeContent of
// m's request (or, with cancel, cancellation) in room's inbox. Fuzz tests
// seed their corpora with it.
func MeetingMIME(room string, m Meeting, cancel bool) []byte {
	sn := &snapshot{room: strings.ToLower(room), item: item{ID: "AAMkAGV3c3Rlc3Qseed", Kind: kindMeetingRequest,
		Class: "IPM.Schedule.Meeting.Request", Owner: strings.ToLower(room), Folder: "inbox", Subject: m.Subject,
		Received: m.Start.Add(-24 * time.Hour).UTC(), Meeting: copyMeeting(m)}}
	if cancel {
		sn.Kind, sn.Class, sn.Subject = kindMeetingCancellation, "IPM.Schedule.Meeting.Canceled", "Canceled: "+m.Subject
	}
	return buildMIME(sn)
}

// buildMIME renders an item's RFC 822 message the way Exchange returns
// Outlook's messages in MimeContent.
func buildMIME(sn *snapshot) []byte {
	var b bytes.Buffer
	b.Grow(4096)
	m := sn.Meeting
	from, to := Mailbox{Name: "Contoso News", Email: "news@contoso.example"}, []Mailbox{{Email: sn.room}}
	var sender *Mailbox
	if m != nil {
		from = m.Organizer
		sender = m.SentBy
		if m.ForwardedBy != nil {
			from, sender = *m.ForwardedBy, nil
		}
		to = append(append([]Mailbox(nil), m.Attendees...), Mailbox{Email: sn.room})
		if sn.Kind == kindMeetingResponse {
			from, to, sender = Mailbox{Email: sn.Owner}, []Mailbox{m.Organizer}, nil
		}
	}
	b.WriteString("From: " + address(from) + "\r\n")
	if sender != nil {
		b.WriteString("Sender: " + address(*sender) + "\r\n")
	}
	addrs := make([]string, len(to))
	for i, a := range to {
		addrs[i] = address(a)
	}
	subject := mime.QEncoding.Encode("utf-8", sn.Subject)
	b.WriteString("To: " + strings.Join(addrs, ",\r\n\t") + "\r\n")
	b.WriteString("Subject: " + subject + "\r\nThread-Topic: " + subject + "\r\n")
	b.WriteString("Date: " + sn.Received.Format(time.RFC1123Z) + "\r\n")
	b.WriteString("Message-ID: <" + strings.TrimRight(sn.ID, "=") + "@ewstest.example>\r\n")
	b.WriteString("Content-Language: en-US\r\nX-MS-Has-Attach:\r\nX-MS-TNEF-Correlator:\r\n")
	bnd := boundary(sn.ID)
	b.WriteString("Content-Type: multipart/alternative;\r\n\tboundary=\"" + bnd + "\"\r\nMIME-Version: 1.0\r\n\r\n")

	body := sn.body()
	if m != nil && sn.Kind != kindMeetingResponse {
		body = outlookHTML(body)
	} else if sn.Filler > 0 {
		body = fmt.Sprintf("<html><body><p>Newsletter number %d: nothing about meetings.</p></body></html>", sn.Filler)
	}
	b.WriteString("--" + bnd + "\r\nContent-Type: text/html; charset=\"utf-8\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	qp := quotedprintable.NewWriter(&b)
	qp.Write([]byte(body))
	qp.Close()
	b.WriteString("\r\n\r\n")
	if m != nil && (sn.Kind == kindMeetingRequest || sn.Kind == kindMeetingCancellation) {
		method := "REQUEST"
		if sn.Kind == kindMeetingCancellation {
			method = "CANCEL"
		}
		b.WriteString("--" + bnd + "\r\nContent-Type: text/calendar; charset=\"utf-8\"; method=" + method + "\r\nContent-Transfer-Encoding: base64\r\n\r\n")
		ics := buildICS(sn, method)
		enc := base64.StdEncoding.EncodeToString(ics)
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		b.WriteString(enc + "\r\n\r\n")
	}
	b.WriteString("--" + bnd + "--\r\n")
	return b.Bytes()
}

// icsWriter writes content lines folded at 75 octets (RFC 5545 3.1),
// never inside a UTF-8 sequence.
type icsWriter struct{ b *bytes.Buffer }

func (w icsWriter) line(s string) {
	for len(s) > 75 {
		cut := 75
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		w.b.WriteString(s[:cut] + "\r\n ")
		s = s[cut:]
	}
	w.b.WriteString(s + "\r\n")
}

// icsText escapes a TEXT value (RFC 5545 3.3.11).
func icsText(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`).Replace(s)
}

// icsParam quotes a parameter value when it holds ':', ';' or ','.
func icsParam(s string) string {
	s = strings.ReplaceAll(s, `"`, "'")
	if strings.ContainsAny(s, ":;,") {
		return `"` + s + `"`
	}
	return s
}

func buildICS(sn *snapshot, method string) []byte {
	var b bytes.Buffer
	w := icsWriter{&b}
	m := sn.Meeting
	tzName, loc := zoneOf(m.TimeZone)
	w.line("BEGIN:VCALENDAR")
	w.line("METHOD:" + method)
	w.line("PRODID:Microsoft Exchange Server 2010")
	w.line("VERSION:2.0")
	if !m.AllDay {
		b.WriteString(timeZones[tzName].vtimezone)
	}
	w.line("BEGIN:VEVENT")
	organizer := m.Organizer
	if m.ICalOrganizer != nil {
		organizer = *m.ICalOrganizer
	}
	org := "ORGANIZER"
	if organizer.Name != "" {
		org += ";CN=" + icsParam(organizer.Name)
	}
	if m.SentBy != nil {
		org += `;SENT-BY="mailto:` + m.SentBy.Email + `"`
	}
	w.line(org + ":mailto:" + organizer.Email)
	for _, a := range m.Attendees {
		w.line("ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CN=" + icsParam(nameOr(a)) + ":mailto:" + a.Email)
	}
	w.line("ATTENDEE;CUTYPE=RESOURCE;ROLE=NON-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CN=" + icsParam(sn.room) + ":mailto:" + sn.room)
	w.line("DESCRIPTION;LANGUAGE=en-US:" + icsText(plainText(sn.body())))
	dt := func(prop string, t time.Time) string {
		if m.AllDay {
			return prop + ";VALUE=DATE:" + t.In(loc).Format("20060102")
		}
		return prop + ";TZID=" + tzName + ":" + t.In(loc).Format("20060102T150405")
	}
	if m.RRule != "" && m.RecurrenceID.IsZero() {
		w.line("RRULE:" + m.RRule)
		if len(m.ExDates) > 0 {
			ex := make([]string, len(m.ExDates))
			for i, d := range m.ExDates {
				ex[i] = strings.SplitN(dt("EXDATE", d), ":", 2)[1]
			}
			prefix := strings.SplitN(dt("EXDATE", m.ExDates[0]), ":", 2)[0]
			w.line(prefix + ":" + strings.Join(ex, ","))
		}
	}
	if !m.RecurrenceID.IsZero() {
		w.line(dt("RECURRENCE-ID", m.RecurrenceID))
	}
	summary := m.Subject
	if method == "CANCEL" {
		summary = "Canceled: " + summary
	}
	w.line("UID:" + m.UID)
	w.line("SUMMARY;LANGUAGE=en-US:" + icsText(summary))
	w.line(dt("DTSTART", m.Start))
	w.line(dt("DTEND", m.End))
	w.line("CLASS:PUBLIC")
	w.line("PRIORITY:5")
	w.line("DTSTAMP:" + sn.Received.UTC().Format("20060102T150405Z"))
	w.line("TRANSP:OPAQUE")
	if method == "CANCEL" {
		w.line("STATUS:CANCELLED")
	} else {
		w.line("STATUS:CONFIRMED")
	}
	w.line(fmt.Sprintf("SEQUENCE:%d", m.Sequence))
	if m.Location != "" {
		w.line("LOCATION;LANGUAGE=en-US:" + icsText(m.Location))
	}
	w.line(fmt.Sprintf("X-MICROSOFT-CDO-APPT-SEQUENCE:%d", m.Sequence))
	busy := "BUSY"
	if method == "CANCEL" {
		busy = "FREE"
	}
	w.line("X-MICROSOFT-CDO-BUSYSTATUS:TENTATIVE")
	w.line("X-MICROSOFT-CDO-INTENDEDSTATUS:" + busy)
	w.line("X-MICROSOFT-CDO-ALLDAYEVENT:" + strings.ToUpper(fmt.Sprint(m.AllDay)))
	w.line("X-MICROSOFT-CDO-IMPORTANCE:1")
	inst := "0"
	switch {
	case !m.RecurrenceID.IsZero():
		inst = "3"
	case m.RRule != "":
		inst = "1"
	}
	w.line("X-MICROSOFT-CDO-INSTTYPE:" + inst)
	w.line("X-MICROSOFT-DONOTFORWARDMEETING:FALSE")
	w.line("X-MICROSOFT-DISALLOW-COUNTER:FALSE")
	if method == "REQUEST" {
		w.line("BEGIN:VALARM")
		w.line("DESCRIPTION:REMINDER")
		w.line("TRIGGER;RELATED=START:-PT15M")
		w.line("ACTION:DISPLAY")
		w.line("END:VALARM")
	}
	w.line("END:VEVENT")
	w.line("END:VCALENDAR")
	return b.Bytes()
}

func nameOr(m Mailbox) string {
	if m.Name != "" {
		return m.Name
	}
	return m.Email
}
