package scheduler

import (
	"testing"
	"time"

	"vmr-companion/backend/ical"
)

// A series request that carries its exceptions (as Exchange sends an
// updated series): the moves are the overrides that change the time, not
// the cancelled ones nor those that only change the text.
func TestMovedOccurrencesOfASeriesRequest(t *testing.T) {
	text := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\n" +
		"BEGIN:VEVENT\r\nUID:s\r\nDTSTART;TZID=W. Europe Standard Time:20270104T090000\r\n" +
		"DTEND;TZID=W. Europe Standard Time:20270104T093000\r\nRRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=20\r\nEND:VEVENT\r\n" +
		// Moved an hour later (summer time: 09:00 local is 07:00 UTC).
		"BEGIN:VEVENT\r\nUID:s\r\nRECURRENCE-ID;TZID=W. Europe Standard Time:20270503T090000\r\n" +
		"DTSTART;TZID=W. Europe Standard Time:20270503T100000\r\nDTEND;TZID=W. Europe Standard Time:20270503T103000\r\nEND:VEVENT\r\n" +
		// Cancelled.
		"BEGIN:VEVENT\r\nUID:s\r\nRECURRENCE-ID;TZID=W. Europe Standard Time:20270510T090000\r\nSTATUS:CANCELLED\r\n" +
		"DTSTART;TZID=W. Europe Standard Time:20270510T110000\r\nDTEND;TZID=W. Europe Standard Time:20270510T113000\r\nEND:VEVENT\r\n" +
		// Same time, new subject.
		"BEGIN:VEVENT\r\nUID:s\r\nSUMMARY:Renamed\r\nRECURRENCE-ID;TZID=W. Europe Standard Time:20270517T090000\r\n" +
		"DTSTART;TZID=W. Europe Standard Time:20270517T090000\r\nDTEND;TZID=W. Europe Standard Time:20270517T093000\r\nEND:VEVENT\r\n" +
		"END:VCALENDAR\r\n"
	cal, err := ical.ParseBytes([]byte(text), ical.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	master, overrides := cal.Series("s")
	if got := zoneName(master.Zone); got != "Europe/Berlin" {
		t.Fatalf("zone %q, want Europe/Berlin", got)
	}
	cancelled := cancelledOccurrences(master, overrides)
	moved := movedOccurrences(master, overrides, cancelled)
	utc := func(m time.Month, d, h int) time.Time { return time.Date(2027, m, d, h, 0, 0, 0, time.UTC) }
	want := MovedOccurrence{Original: utc(5, 3, 7), Start: utc(5, 3, 8), End: utc(5, 3, 8).Add(30 * time.Minute)}
	if len(moved) != 1 || !moved[0].Original.Equal(want.Original) || !moved[0].Start.Equal(want.Start) || !moved[0].End.Equal(want.End) {
		t.Fatalf("moved %+v, want only %+v", moved, want)
	}
	if len(cancelled) != 1 || !cancelled[0].Equal(utc(5, 10, 7)) {
		t.Fatalf("cancelled %v", cancelled)
	}
	for _, loc := range []*time.Location{nil, time.UTC, time.FixedZone("UTC+01:00", 3600)} {
		if got := zoneName(loc); got != "" {
			t.Errorf("zoneName(%v) = %q, want none", loc, got)
		}
	}
}
