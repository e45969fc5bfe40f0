package calendar

import (
	"strings"
	"time"

	"vmr-companion/backend/ical"
)

// ExportICS writes one meeting as an iCalendar file (ical.Write). An
// occurrence of a series gets a UID of its own (the series' UID and its
// recurrence id), so that importing it adds one meeting and changes no
// series; a video meeting carries its join links.
func ExportICS(m Meeting) []byte {
	return exportICS(m, time.Now())
}

func exportICS(m Meeting, now time.Time) []byte {
	uid := m.UID
	if uid == "" {
		uid = "meeting-" + m.Start.UTC().Format("20060102T150405Z") + "@vmr-companion"
	}
	if !m.RecurrenceID.IsZero() {
		uid += "_" + m.RecurrenceID.UTC().Format("20060102T150405Z")
	}
	s := ical.Single{UID: uid, Start: m.Start, End: m.End, AllDay: m.AllDay,
		Summary: m.Summary, Location: m.Location, Organizer: m.Organizer}
	if v := m.Video; v != nil {
		var join []string
		if v.WebURL != "" {
			join = append(join, "In a browser: "+v.WebURL)
			s.URL = v.WebURL
		}
		if v.SIPURI != "" {
			join = append(join, "From a video system or app: "+v.SIPURI)
		}
		if len(join) > 0 {
			s.Description = "Join the video meeting\n" + strings.Join(join, "\n")
		}
	}
	return ical.Write(s, now)
}
