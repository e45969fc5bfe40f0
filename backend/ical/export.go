package ical

import (
	"bytes"
	"strings"
	"time"
	"unicode/utf8"
)

// Single is one meeting as Write writes it: its times and texts, no
// recurrence.
type Single struct {
	UID        string
	Start, End time.Time
	// AllDay writes Start and End as dates; an End not after Start is the
	// day after it.
	AllDay            bool
	Summary, Location string
	// Organizer is an email address, else a name.
	Organizer   string
	URL         string
	Description string
}

// Write writes m as an iCalendar file (RFC 5545): a VCALENDAR with one
// VEVENT stamped now, times in UTC (dates for all-day meetings), text
// escaped and lines folded. Empty Location, Organizer, URL and
// Description are left out.
func Write(m Single, now time.Time) []byte {
	var b bytes.Buffer
	line := func(s string) { writeFolded(&b, s) }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//VMR Companion//Meetings//EN")
	line("METHOD:PUBLISH")
	line("BEGIN:VEVENT")
	line("UID:" + escapeText(m.UID))
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
	if m.URL != "" {
		line("URL:" + m.URL)
	}
	if m.Description != "" {
		line("DESCRIPTION:" + escapeText(m.Description))
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
