package ical

import (
	"errors"
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/ical/icaltest"
)

func TestParseErrorsSayWhatAndWhere(t *testing.T) {
	tests := []struct{ name, input, want string }{
		{"empty input", "", "not an iCalendar file: it is empty"},
		{"an email", "From: a@example.com\r\n\r\nhello", "not an iCalendar file: it begins with"},
		{"a truncated file", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\n", "line 3: the file ends inside VEVENT (opened at line 2)"},
		{"END of the wrong component", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VTODO\r\nEND:VCALENDAR\r\n", "line 3: END:VTODO but VEVENT (line 2) is still open"},
		{"END without BEGIN", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\nEND:VEVENT\r\n", "line 3: END:VEVENT without a matching BEGIN"},
		{"deep nesting", "BEGIN:VCALENDAR\r\n" + strings.Repeat("BEGIN:X\r\n", 40), "nested more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.input), ParseOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "calendar: ") {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestMalformedLinesAreSkippedWithAWarning(t *testing.T) {
	// go-ical panics on the first two (a quoted parameter followed by
	// something else than , ; or :, or by the end of the line).
	cal := mustParse(t, ics(`BEGIN:VEVENT
UID:x
X-BROKEN;P="a"b:c
X-BROKEN2;P="a"
X-NO-COLON
DTSTART:20250101T100000Z
END:VEVENT`))
	if len(cal.Events) != 1 || len(cal.Warnings) != 3 {
		t.Fatalf("%d events, warnings %q", len(cal.Events), cal.Warnings)
	}
	if !strings.HasPrefix(cal.Warnings[0], "line 5: ") {
		t.Errorf("warning %q lacks the line number", cal.Warnings[0])
	}
}

func TestOutlooksMisquotedTZIDIsRepaired(t *testing.T) {
	cal := mustParse(t, ics(`BEGIN:VEVENT
UID:x
DTSTART;TZID="W. Europe Standard Time:20200609T090000"
DTEND;TZID=W. Europe Standard Time:20200609T093000
END:VEVENT`))
	e := cal.Events[0]
	if got := e.Start.UTC().Format(time.RFC3339); got != "2020-06-09T07:00:00Z" || e.Zone.String() != "Europe/Berlin" {
		t.Errorf("start %s in %s", got, e.Zone)
	}
}

func TestValuesOutlookAndOthersWrite(t *testing.T) {
	cal := mustParse(t, ics(`BEGIN:VEVENT
UID:x
DTSTART;TZID=Europe/Berlin:20250303T100000
DURATION:P1DT30M
RRULE:FREQ=DAILY;UNTIL=20250322T080000Z;INTERVAL=1;BYDAY=MO, TU, WE, TH, FR;
EXDATE;TZID=Europe/Berlin:20250304T100000,20250305T100000
EXDATE:20250306T090000Z
EXDATE;VALUE=DATE:20250307
RDATE;TZID=Europe/Berlin:20250323T150000
SUMMARY:a\, b\; c\\d\nnext \:odd
SEQUENCE:x
END:VEVENT`))
	e := cal.Events[0]
	if e.Summary != "a, b; c\\d\nnext :odd" {
		t.Errorf("summary %q", e.Summary)
	}
	if len(e.ExDates) != 4 || len(e.RDates) != 1 {
		t.Errorf("%d EXDATEs, %d RDATEs", len(e.ExDates), len(e.RDates))
	}
	if got := e.End.Sub(e.Start); got != 24*time.Hour+30*time.Minute {
		t.Errorf("duration %s", got)
	}
	if len(cal.Warnings) != 1 || !strings.Contains(cal.Warnings[0], "SEQUENCE") {
		t.Errorf("warnings %q", cal.Warnings)
	}
	occ, err := Occurrences(e, nil, e.Start, e.Start.AddDate(0, 1, 0), 0)
	if err != nil {
		t.Fatal(err)
	}
	berlin := mustLoad(t, "Europe/Berlin")
	want := "03-03,03-10,03-11,03-12,03-13,03-14,03-17,03-18,03-19,03-20,03-21,03-23"
	if got := strings.Join(starts(occ, "01-02", berlin), ","); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestDurationDaysAreNominalAcrossDST(t *testing.T) {
	cal := mustParse(t, ics("BEGIN:VEVENT\nUID:x\nDTSTART;TZID=Europe/Berlin:20250329T120000\nDURATION:P1D\nEND:VEVENT"))
	if got := cal.Events[0].End.Sub(cal.Events[0].Start); got != 23*time.Hour {
		t.Errorf("P1D over the spring change lasts %s, want 23h (same wall clock next day)", got)
	}
}

func TestFloatingTimesUseTheGivenLocation(t *testing.T) {
	text := ics("BEGIN:VEVENT\nUID:x\nDTSTART:20250115T090000\nEND:VEVENT")
	cal := mustParse(t, text)
	if e := cal.Events[0]; !e.Floating || e.Start.Location() != time.UTC {
		t.Errorf("default floating location %s, floating %v; want UTC", e.Start.Location(), e.Floating)
	}
	tokyo := mustLoad(t, "Asia/Tokyo")
	cal, err := Parse(strings.NewReader(text), ParseOptions{Floating: tokyo})
	if err != nil || cal.Events[0].Start.UTC().Hour() != 0 {
		t.Errorf("floating 09:00 in Tokyo = %s UTC (%v)", cal.Events[0].Start.UTC(), err)
	}
}

func TestRulesThatWouldNotEndAreRefused(t *testing.T) {
	for _, rule := range []string{
		"FREQ=HOURLY;INTERVAL=24;BYHOUR=5",
		"FREQ=MINUTELY;INTERVAL=60;BYMINUTE=5",
		"FREQ=SECONDLY;INTERVAL=86400;BYSECOND=1",
		"FREQ=DAILY;INTERVAL=99999999",
		"FREQ=DAILY;COUNT=0",
		"FREQ=WEEKLY;RSCALE=GREGORIAN",
		"INTERVAL=2",
	} {
		t.Run(rule, func(t *testing.T) {
			cal := mustParse(t, ics("BEGIN:VEVENT\nUID:x\nDTSTART:20250106T100000Z\nRRULE:"+rule+"\nEND:VEVENT"))
			_, err := Occurrences(cal.Events[0], nil, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 0)
			if !errors.Is(err, ErrInvalidRule) || !strings.Contains(err.Error(), "line 6") {
				t.Errorf("err = %v, want ErrInvalidRule naming line 6", err)
			}
			if len(cal.Warnings) != 1 {
				t.Errorf("warnings %q", cal.Warnings)
			}
		})
	}
	// Reachable sub-daily rules still work.
	cal := mustParse(t, ics("BEGIN:VEVENT\nUID:x\nDTSTART:20250106T100000Z\nRRULE:FREQ=HOURLY;INTERVAL=5;BYHOUR=5,9;COUNT=3\nEND:VEVENT"))
	occ, err := Occurrences(cal.Events[0], nil, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 0)
	if err != nil || len(occ) != 3 {
		t.Errorf("%v, %v", starts(occ, time.RFC3339, time.UTC), err)
	}
}

// libical refuses these (or RFC 5545 forbids them); rrule-go would number
// the weeks differently from RFC 5545.
func TestWeekNumberRulesLibicalRefusesAreRefused(t *testing.T) {
	for _, rule := range []string{
		"FREQ=MONTHLY;BYWEEKNO=1",
		"FREQ=YEARLY;BYWEEKNO=1;BYMONTH=1",
		"FREQ=YEARLY;BYWEEKNO=1;BYYEARDAY=1",
		"FREQ=YEARLY;BYWEEKNO=1;BYDAY=1MO",
		"FREQ=YEARLY;BYWEEKNO=54",
	} {
		cal := mustParse(t, ics("BEGIN:VEVENT\nUID:x\nDTSTART:20250106T100000Z\nRRULE:"+rule+"\nEND:VEVENT"))
		_, err := Occurrences(cal.Events[0], nil, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 0)
		if !errors.Is(err, ErrInvalidRule) {
			t.Errorf("%s: err = %v, want ErrInvalidRule", rule, err)
		}
	}
}

// A yearly rule with a day of the month but no month takes DTSTART's month
// (RFC 5545, libical), also with BYDAY; rrule-go alone takes every month.
func TestYearlyMonthDayTakesTheMonthOfDTSTART(t *testing.T) {
	cal := mustParse(t, ics("BEGIN:VEVENT\nUID:x\nDTSTART:20260213T100000Z\nRRULE:FREQ=YEARLY;BYMONTHDAY=13;BYDAY=FR;COUNT=3\nEND:VEVENT"))
	occ, err := Occurrences(cal.Events[0], nil, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2060, 1, 1, 0, 0, 0, 0, time.UTC), 0)
	if got := strings.Join(starts(occ, "2006-01-02", time.UTC), ","); got != "2026-02-13,2032-02-13,2037-02-13" || err != nil {
		t.Errorf("got %s (%v)", got, err)
	}
}

func TestImpossibleRulesEndQuickly(t *testing.T) {
	// No 30 February: rrule-go searches until year 9999, which must stay fast.
	cal := mustParse(t, ics("BEGIN:VEVENT\nUID:x\nDTSTART:20250106T100000Z\nRRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30\nEND:VEVENT"))
	start := time.Now()
	occ, err := Occurrences(cal.Events[0], nil, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 0)
	if err != nil || len(occ) != 0 {
		t.Fatalf("%d occurrences, %v", len(occ), err)
	}
	t.Logf("an impossible daily rule took %s", time.Since(start))

	// Rules expanded period by period give up after a Gregorian cycle of
	// empty periods: no 30 February; 2025 has no week 53 and every 400th
	// year is alike.
	for _, rule := range []string{"FREQ=WEEKLY;BYMONTH=2;BYMONTHDAY=30;BYSETPOS=1", "FREQ=YEARLY;INTERVAL=400;BYWEEKNO=53"} {
		cal := mustParse(t, ics("BEGIN:VEVENT\nUID:x\nDTSTART:20250106T100000Z\nRRULE:"+rule+"\nEND:VEVENT"))
		// That it returns at all is the point; how fast is the benchmark's
		// business, not a test's.
		occ, err := Occurrences(cal.Events[0], nil, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9000, 1, 1, 0, 0, 0, 0, time.UTC), 0)
		if err != nil || len(occ) != 0 {
			t.Errorf("%s: %d occurrences, %v", rule, len(occ), err)
		}
	}
}

// FuzzParse feeds messages and calendars to ParseMIME and expands what it
// returns: nothing may panic or run unbounded. calendar.FuzzMeetings
// takes the same input down the meetings page's path.
func FuzzParse(f *testing.F) {
	icaltest.FuzzSeeds(f, "testdata")
	f.Fuzz(func(t *testing.T, data []byte) {
		cal, err := ParseMIME(data, ParseOptions{})
		if err != nil {
			return
		}
		for _, e := range cal.Events {
			if e.Start.IsZero() && e.Zone == nil {
				t.Fatalf("event without start or zone: %+v", e)
			}
			if e.End.Before(e.Start) {
				t.Fatalf("end %s before start %s", e.End, e.Start)
			}
			master, overrides := cal.Series(e.UID)
			if _, err := Occurrences(master, overrides, e.Start.AddDate(0, -1, 0), e.Start.AddDate(1, 0, 0), 50); err != nil &&
				!errors.Is(err, ErrTooManyOccurrences) && !errors.Is(err, ErrInvalidRule) {
				t.Fatalf("Occurrences: %v", err)
			}
		}
	})
}
