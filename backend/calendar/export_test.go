package calendar

import (
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/ical"
)

func TestExportICSReadsBackTheSameMeeting(t *testing.T) {
	m := Meeting{UID: "series-1", RecurrenceID: time.Date(2030, 1, 14, 8, 30, 0, 0, time.UTC),
		Summary:  "Planning; budget, Q1 \\ review\nsecond line — " + strings.Repeat("long ", 30),
		Location: "Room 4, Oslo", Organizer: "dpark@example.com",
		Start: time.Date(2030, 1, 14, 10, 0, 0, 0, time.UTC), End: time.Date(2030, 1, 14, 11, 0, 0, 0, time.UTC),
		Video: &VideoLink{Alias: "meet.a@vc.example.com", WebURL: "https://addins.example.com/webapp/m/meet.a@vc.example.com", SIPURI: "sip:meet.a@vc.example.com"}}
	data := exportICS(m, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	for _, line := range strings.Split(strings.TrimSuffix(string(data), "\r\n"), "\r\n") {
		if len(line) > 75 {
			t.Errorf("line longer than 75 octets: %q", line)
		}
	}
	for _, want := range []string{"DTSTART:20300114T100000Z\r\n", "DTEND:20300114T110000Z\r\n", "DTSTAMP:20300101T000000Z\r\n", "ORGANIZER:mailto:dpark@example.com\r\n", "LOCATION:Room 4\\, Oslo\r\n"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("lacks %q:\n%s", want, data)
		}
	}
	cal, err := ical.Parse(strings.NewReader(string(data)), ical.ParseOptions{})
	if err != nil || len(cal.Warnings) != 0 || len(cal.Events) != 1 {
		t.Fatalf("%v, warnings %q", err, cal.Warnings)
	}
	e := cal.Events[0]
	if e.UID != "series-1_20300114T083000Z" || !e.RecurrenceID.IsZero() {
		t.Errorf("UID %q, recurrence id %v: an exported occurrence must stand alone", e.UID, e.RecurrenceID)
	}
	if e.Summary != m.Summary || e.Location != m.Location || e.Organizer.Email != m.Organizer || !e.Start.Equal(m.Start) || !e.End.Equal(m.End) {
		t.Errorf("read back %+v", e)
	}
	if !strings.Contains(e.Description, "https://addins.example.com/webapp/m/meet.a@vc.example.com") || !strings.Contains(e.Description, "sip:meet.a@vc.example.com") {
		t.Errorf("description %q", e.Description)
	}
	d := &Detector{WebDomains: []string{"addins.example.com"}}
	if l := d.Detect(e.Location, e.Description); l == nil || l.Alias != "meet.a@vc.example.com" {
		t.Errorf("the exported meeting is not recognised as a video meeting: %+v", l)
	}
}

func TestExportICSOfAnAllDayMeeting(t *testing.T) {
	m := Meeting{UID: "offsite", Summary: "Offsite", AllDay: true,
		Start: time.Date(2030, 1, 15, 0, 0, 0, 0, time.UTC), End: time.Date(2030, 1, 17, 0, 0, 0, 0, time.UTC)}
	data := string(ExportICS(m))
	if !strings.Contains(data, "DTSTART;VALUE=DATE:20300115\r\n") || !strings.Contains(data, "DTEND;VALUE=DATE:20300117\r\n") {
		t.Errorf("%s", data)
	}
	cal, err := ical.Parse(strings.NewReader(data), ical.ParseOptions{})
	if err != nil || !cal.Events[0].AllDay || cal.Events[0].End.Sub(cal.Events[0].Start) != 48*time.Hour {
		t.Errorf("%v %+v", err, cal.Events)
	}
}
