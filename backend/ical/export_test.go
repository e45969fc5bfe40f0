package ical

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestWriteFoldsEscapesAndReadsBack(t *testing.T) {
	m := Single{UID: "one@example.com", Summary: "Größe; Q1, review\\ " + strings.Repeat("ü", 60),
		Location: "Room 4", Organizer: "Dan Park", URL: "https://example.com/m/1", Description: "first\nsecond",
		Start: time.Date(2030, 1, 14, 10, 0, 0, 0, time.UTC), End: time.Date(2030, 1, 14, 11, 0, 0, 0, time.UTC)}
	data := string(Write(m, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)))
	for _, line := range strings.Split(strings.TrimSuffix(data, "\r\n"), "\r\n") {
		if len(line) > 75 || !utf8.ValidString(line) {
			t.Errorf("line longer than 75 octets or cut inside a character: %q", line)
		}
	}
	// A name without an address still makes a valid ORGANIZER.
	if !strings.Contains(data, "ORGANIZER;CN=\"Dan Park\":mailto:unknown@invalid\r\n") || !strings.Contains(data, "URL:https://example.com/m/1\r\n") {
		t.Errorf("%s", data)
	}
	cal, err := Parse(strings.NewReader(data), ParseOptions{})
	if err != nil || len(cal.Warnings) != 0 || len(cal.Events) != 1 {
		t.Fatalf("%v, warnings %q", err, cal.Warnings)
	}
	e := cal.Events[0]
	if e.UID != m.UID || e.Summary != m.Summary || e.Description != m.Description || e.Organizer.Name != "Dan Park" || !e.Start.Equal(m.Start) || !e.End.Equal(m.End) {
		t.Errorf("read back %+v", e)
	}
}
