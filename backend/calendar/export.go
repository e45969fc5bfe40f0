package calendar

import (
	"bytes"
	"strings"
	"time"
	"unicode/utf8"
)

// ExportICS writes one meeting as an iCalendar file (RFC 5545): a
// VCALENDAR with one VEVENT, times in UTC (dates for all-day meetings),
// text escaped and lines folded. An occurrence of a series gets a UID of
// its own (the series' UID and its recurrence id), so that importing it
// adds one meeting and changes no series.
func ExportICS(m Meeting) []byte {
	return exportICS(m, time.Now())
}

func exportICS(m Meeting, now time.Time) []byte {
	var b bytes.Buffer
	line := func(s string) { writeFolded(&b, s) }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//VMR Companion//Meetings//EN")
	line("METHOD:PUBLISH")
	line("BEGIN:VEVENT")
	uid := m.UID
	if uid == "" {
		uid = "meeting-" + m.Start.UTC().Format("20060102T150405Z") + "@vmr-companion"
	}
	if !m.RecurrenceID.IsZero() {
		uid += "_" + m.RecurrenceID.UTC().Format("20060102T150405Z")
	}
	line("UID:" + escapeText(uid))
	line("DTSTAMP:" + now.UTC().Format("20060102T150405Z"))
	if m.AllDay {
		end := m.End
		if !end.After(m.Start) {
			end = m.Start.AddDate(0, 0, 1)
		}
		line("DTSTART;VALUE=DATE:" + m.Start.Format("20060102"))
		line("DTEND;VALUE=DATE:" + end.Format("20060102"))
	} else {
		line("DTSTART:" + m.Start.UTC().Format("20060102T150405Z"))
		line("DTEND:" + m.End.UTC().Format("20060102T150405Z"))
	}
	line("SUMMARY:" + escapeText(m.Summary))
	if m.Location != "" {
		line("LOCATION:" + escapeText(m.Location))
	}
	if m.Organizer != "" {
		if strings.Contains(m.Organizer, "@") && !strings.ContainsAny(m.Organizer, " \r\n:;,\"") {
			line("ORGANIZER:mailto:" + m.Organizer)
		} else {
			line("ORGANIZER;CN=" + paramValue(m.Organizer) + ":mailto:unknown@invalid")
		}
	}
	if v := m.Video; v != nil {
		var join []string
		if v.WebURL != "" {
			join = append(join, "In a browser: "+v.WebURL)
			line("URL:" + v.WebURL)
		}
		if v.SIPURI != "" {
			join = append(join, "From a video system or app: "+v.SIPURI)
		}
		if len(join) > 0 {
			line("DESCRIPTION:" + escapeText("Join the video meeting\n"+strings.Join(join, "\n")))
		}
	}
	line("END:VEVENT")
	line("END:VCALENDAR")
	return b.Bytes()
}

// escapeText escapes a TEXT value (RFC 5545 3.3.11).
func escapeText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', ';', ',':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
		default:
			if r < 0x20 && r != '\t' {
				continue // control characters are not allowed in TEXT
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// paramValue quotes a parameter value; a quote cannot be escaped in one.
func paramValue(s string) string {
	s = strings.NewReplacer("\"", "'", "\r", " ", "\n", " ").Replace(s)
	return `"` + s + `"`
}

// writeFolded writes a content line folded at 75 octets, never inside a
// UTF-8 character (RFC 5545 3.1).
func writeFolded(b *bytes.Buffer, s string) {
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(s)
	b.WriteString("\r\n")
}
