package ical

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/ical/icaltest"
)

// ics and mustLoad are the shared test helpers under the names these tests use.
var (
	ics      = icaltest.Wrap
	mustLoad = icaltest.Location
)

func mustParse(t testing.TB, text string) *Calendar {
	t.Helper()
	cal, err := Parse(strings.NewReader(text), ParseOptions{})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return cal
}

func starts(occ []Occurrence, layout string, loc *time.Location) []string {
	var out []string
	for _, o := range occ {
		out = append(out, o.Start.In(loc).Format(layout))
	}
	return out
}

func TestOccurrencesOfAnOutlookWeeklySeriesWithExdateMoveAndCancellation(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	series := parseMIMEFile(t, "outlook_weekly_series.eml")
	uid := series.Events[0].UID
	master, overrides := series.Series(uid)
	if master == nil || len(overrides) != 1 || !master.IsRecurring() {
		t.Fatalf("master %v, %d overrides", master, len(overrides))
	}
	from, to := time.Date(2025, 3, 1, 0, 0, 0, 0, berlin), time.Date(2025, 5, 1, 0, 0, 0, 0, berlin)
	occ, err := Occurrences(master, overrides, from, to, 100)
	if err != nil {
		t.Fatal(err)
	}
	// 17 March and 7 April are EXDATEs, 24 March moved to Tuesday 25 14:00,
	// and the series runs until 28 April 10:00 CEST (08:00Z) inclusive.
	want := []string{"03-03 10:00 +0100", "03-10 10:00 +0100", "03-25 14:00 +0100", "03-31 10:00 +0200", "04-14 10:00 +0200", "04-21 10:00 +0200", "04-28 10:00 +0200"}
	if got := starts(occ, "01-02 15:04 -0700", berlin); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("occurrences\n got %q\nwant %q", got, want)
	}
	if moved := occ[2]; !moved.Overridden || moved.Event.Summary != "Weekly sync (moved)" || !moved.RecurrenceID.Equal(time.Date(2025, 3, 24, 10, 0, 0, 0, berlin)) {
		t.Errorf("moved occurrence %+v", moved)
	}

	t.Run("a cancellation of one occurrence removes it", func(t *testing.T) {
		cancel := parseMIMEFile(t, "outlook_cancel_occurrence.eml")
		_, cancelled := cancel.Series(uid)
		occ, err := Occurrences(master, append(overrides, cancelled...), from, to, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range occ {
			if o.Start.Equal(time.Date(2025, 3, 31, 10, 0, 0, 0, berlin)) {
				t.Fatalf("cancelled occurrence still listed: %+v", o)
			}
		}
		if len(occ) != 6 {
			t.Errorf("%d occurrences, want 6", len(occ))
		}
	})

	t.Run("the last end is the end of the last occurrence", func(t *testing.T) {
		end, ok, err := LastEnd(master, overrides)
		if err != nil || !ok || !end.Equal(time.Date(2025, 4, 28, 10, 30, 0, 0, berlin)) {
			t.Fatalf("LastEnd = %s %v %v", end, ok, err)
		}
	})

	t.Run("an override without its master is its own occurrence", func(t *testing.T) {
		occ, err := Occurrences(nil, overrides, from, to, 10)
		if err != nil || len(occ) != 1 || !occ[0].Overridden {
			t.Fatalf("occ %+v err %v", occ, err)
		}
	})
}

func TestWeeklyMeetingStaysAtLocalTimeAcrossDST(t *testing.T) {
	customZone := `BEGIN:VTIMEZONE
TZID:Customized Time Zone
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
`
	for _, tzid := range []string{"Europe/Berlin", "W. Europe Standard Time", "Customized Time Zone", `"(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna"`} {
		t.Run(tzid, func(t *testing.T) {
			cal := mustParse(t, ics(customZone+`BEGIN:VEVENT
UID:w
DTSTART;TZID=`+tzid+`:20250317T100000
DTEND;TZID=`+tzid+`:20250317T110000
RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=4
END:VEVENT`))
			if len(cal.Warnings) > 0 {
				t.Errorf("warnings %q", cal.Warnings)
			}
			occ, err := Occurrences(cal.Events[0], nil, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 0)
			if err != nil {
				t.Fatal(err)
			}
			want := "2025-03-17T09:00:00Z,2025-03-24T09:00:00Z,2025-03-31T08:00:00Z,2025-04-07T08:00:00Z"
			if got := strings.Join(starts(occ, time.RFC3339, time.UTC), ","); got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
			for _, o := range occ {
				if o.Start.Hour() != 10 || o.End.Sub(o.Start) != time.Hour {
					t.Errorf("occurrence %s – %s is not 10:00–11:00 local", o.Start, o.End)
				}
			}
		})
	}
}

func TestVTimezoneZonesGiveTheSameOffsetsAsTheIANADatabase(t *testing.T) {
	tests := []struct{ iana, vtimezone string }{
		{"Europe/Berlin", `BEGIN:VTIMEZONE
TZID:Zone A
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE`},
		// Southern hemisphere: daylight saving time spans the new year.
		{"Australia/Sydney", `BEGIN:VTIMEZONE
TZID:Zone A
BEGIN:STANDARD
DTSTART:20080406T030000
TZOFFSETFROM:+1100
TZOFFSETTO:+1000
RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=4
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:20081005T020000
TZOFFSETFROM:+1000
TZOFFSETTO:+1100
RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=10
END:DAYLIGHT
END:VTIMEZONE`},
		{"America/New_York", `BEGIN:VTIMEZONE
TZID:Zone A
BEGIN:DAYLIGHT
DTSTART:20070311T020000
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
TZNAME:EDT
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
END:DAYLIGHT
BEGIN:STANDARD
DTSTART:20071104T020000
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
TZNAME:EST
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
END:STANDARD
END:VTIMEZONE`},
	}
	for _, tt := range tests {
		t.Run(tt.iana, func(t *testing.T) {
			cal := mustParse(t, ics(tt.vtimezone+"\nBEGIN:VEVENT\nUID:z\nDTSTART;TZID=Zone A:20250101T000000\nEND:VEVENT"))
			built, want := cal.Events[0].Zone, mustLoad(t, tt.iana)
			if built.String() != "Zone A" {
				t.Fatalf("zone %s, want the one built from the VTIMEZONE", built)
			}
			// Every hour of 2009–2030, and a second either side of each change.
			for at := time.Date(2009, 1, 1, 0, 0, 0, 0, time.UTC); at.Year() < 2031; at = at.Add(time.Hour) {
				for _, d := range []time.Duration{-time.Second, 0, time.Second} {
					x := at.Add(d)
					_, got := x.In(built).Zone()
					_, exp := x.In(want).Zone()
					if got != exp {
						t.Fatalf("at %s offset %d, %s has %d", x, got, tt.iana, exp)
					}
				}
			}
			// Wall clocks convert back the same way, including gaps.
			for _, wall := range [][6]int{{2025, 3, 30, 2, 30, 0}, {2025, 10, 26, 2, 30, 0}, {2025, 4, 6, 2, 30, 0}, {2025, 3, 9, 2, 30, 0}, {2025, 11, 2, 1, 30, 0}} {
				a := time.Date(wall[0], time.Month(wall[1]), wall[2], wall[3], wall[4], wall[5], 0, built)
				b := time.Date(wall[0], time.Month(wall[1]), wall[2], wall[3], wall[4], wall[5], 0, want)
				if !a.Equal(b) {
					t.Errorf("wall clock %v: %s, %s gives %s", wall, a, tt.iana, b)
				}
			}
		})
	}
}

func TestLastEnd(t *testing.T) {
	tests := []struct {
		name   string
		event  string
		want   string // RFC 3339 in UTC; "" when the series has no end
		errIs  error
		wantOK bool
	}{
		{"COUNT", "DTSTART:20250106T090000Z\nDTEND:20250106T100000Z\nRRULE:FREQ=DAILY;COUNT=5", "2025-01-10T10:00:00Z", nil, true},
		{"UNTIL in UTC includes an occurrence at UNTIL", "DTSTART:20250106T090000Z\nDURATION:PT30M\nRRULE:FREQ=WEEKLY;UNTIL=20250120T090000Z", "2025-01-20T09:30:00Z", nil, true},
		{"UNTIL as a DATE on a timed series includes that day", "DTSTART;TZID=Europe/Berlin:20250106T090000\nDTEND;TZID=Europe/Berlin:20250106T100000\nRRULE:FREQ=DAILY;UNTIL=20250108", "2025-01-08T09:00:00Z", nil, true},
		{"EXDATE on the last occurrence", "DTSTART:20250106T090000Z\nDTEND:20250106T100000Z\nRRULE:FREQ=DAILY;COUNT=3\nEXDATE:20250108T090000Z", "2025-01-07T10:00:00Z", nil, true},
		{"RDATE-only series", "DTSTART:20250106T090000Z\nDTEND:20250106T100000Z\nRDATE:20250301T090000Z,20250201T090000Z", "2025-03-01T10:00:00Z", nil, true},
		{"RDATE after the rule", "DTSTART:20250106T090000Z\nDTEND:20250106T100000Z\nRRULE:FREQ=DAILY;COUNT=2\nRDATE;VALUE=PERIOD:20250110T090000Z/PT3H", "2025-01-10T12:00:00Z", nil, true},
		{"a single meeting", "DTSTART:20250106T090000Z\nDTEND:20250106T100000Z", "2025-01-06T10:00:00Z", nil, true},
		{"an all-day series", "DTSTART;VALUE=DATE:20250106\nRRULE:FREQ=WEEKLY;COUNT=2", "2025-01-14T00:00:00Z", nil, true},
		{"no COUNT or UNTIL: no end", "DTSTART:20250106T090000Z\nRRULE:FREQ=WEEKLY", "", nil, false},
		{"one of two rules unbounded: no end", "DTSTART:20250106T090000Z\nRRULE:FREQ=WEEKLY;COUNT=2\nRRULE:FREQ=DAILY", "", nil, false},
		{"a rule rrule-go would loop on", "DTSTART:20250106T100000Z\nRRULE:FREQ=HOURLY;INTERVAL=24;BYHOUR=5", "", ErrInvalidRule, false},
		{"a huge COUNT", "DTSTART:20250106T100000Z\nRRULE:FREQ=MINUTELY;COUNT=999999999", "", ErrTooManyOccurrences, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cal := mustParse(t, ics("BEGIN:VEVENT\nUID:x\n"+tt.event+"\nEND:VEVENT"))
			end, ok, err := LastEnd(cal.Events[0], nil)
			if tt.errIs != nil {
				if !errors.Is(err, tt.errIs) {
					t.Fatalf("err = %v, want %v", err, tt.errIs)
				}
				return
			}
			if err != nil || ok != tt.wantOK {
				t.Fatalf("LastEnd = %s, %v, %v", end, ok, err)
			}
			if ok && end.UTC().Format(time.RFC3339) != tt.want {
				t.Errorf("end %s, want %s", end.UTC().Format(time.RFC3339), tt.want)
			}
		})
	}
}

func TestOccurrencesLimit(t *testing.T) {
	cal := mustParse(t, ics("BEGIN:VEVENT\nUID:x\nDTSTART:20250106T090000Z\nRRULE:FREQ=DAILY\nEND:VEVENT"))
	from := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	occ, err := Occurrences(cal.Events[0], nil, from, from.AddDate(1, 0, 0), 10)
	if !errors.Is(err, ErrTooManyOccurrences) || len(occ) != 10 {
		t.Fatalf("%d occurrences, err %v; want the first 10 and ErrTooManyOccurrences", len(occ), err)
	}
	// A window 300 years after DTSTART is answered without iterating from it.
	far := from.AddDate(300, 0, 0)
	occ, err = Occurrences(cal.Events[0], nil, far, far.AddDate(0, 0, 7), 10)
	if err != nil || len(occ) != 7 {
		t.Fatalf("%d occurrences far away, err %v", len(occ), err)
	}
}

func TestOccurrencesWindowOverlap(t *testing.T) {
	cal := mustParse(t, ics("BEGIN:VEVENT\nUID:x\nDTSTART:20250106T090000Z\nDTEND:20250106T110000Z\nRRULE:FREQ=DAILY;COUNT=3\nEND:VEVENT"))
	e := cal.Events[0]
	at := func(d, h int) time.Time { return time.Date(2025, 1, d, h, 0, 0, 0, time.UTC) }
	for _, tt := range []struct {
		from, to time.Time
		want     int
	}{
		{at(6, 10), at(6, 12), 1}, // in progress at from
		{at(6, 11), at(7, 9), 0},  // ends at from, starts at to
		{at(6, 0), at(9, 0), 3},
	} {
		occ, err := Occurrences(e, nil, tt.from, tt.to, 0)
		if err != nil || len(occ) != tt.want {
			t.Errorf("[%s, %s): %d occurrences (%v), want %d", tt.from, tt.to, len(occ), err, tt.want)
		}
	}
}

// The fast path that restarts a rule near the window must give exactly what
// iterating from DTSTART gives.
func TestFastForwardMatchesFullExpansion(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	rules := []string{
		"FREQ=DAILY", "FREQ=DAILY;INTERVAL=3", "FREQ=DAILY;BYHOUR=8,17", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE,FR",
		"FREQ=WEEKLY;INTERVAL=3;WKST=SU;BYDAY=SU,SA", "FREQ=WEEKLY", "FREQ=MONTHLY;BYDAY=-1FR", "FREQ=MONTHLY;INTERVAL=5",
		"FREQ=MONTHLY;BYMONTHDAY=31", "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", "FREQ=YEARLY", "FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29",
		"FREQ=YEARLY;BYDAY=20MO", "FREQ=DAILY;UNTIL=20400101T000000Z",
		// Expanded by periodIterator, not rrule-go.
		"FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", "FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9,15;BYSETPOS=2,3",
		"FREQ=YEARLY;BYWEEKNO=1,-1;BYDAY=MO,SU", "FREQ=YEARLY;INTERVAL=3;WKST=SU;BYWEEKNO=53;BYDAY=TH",
	}
	dtstart := time.Date(2024, 1, 31, 10, 30, 0, 0, berlin)
	for _, r := range rules {
		parsed, err := parseRule(r, dtstart, false, func(v string) (time.Time, error) { d, err := parseDateTime(v, berlin); return d.t, err })
		if err != nil {
			t.Fatalf("%s: %v", r, err)
		}
		for _, target := range []time.Time{dtstart.AddDate(0, 0, 45), dtstart.AddDate(3, 2, 1).Add(5 * time.Hour), dtstart.AddDate(11, 7, 13)} {
			fast, slow := parsed.iterator(target), parsed.iterator(time.Time{})
			var a, b []string
			for len(a) < 20 {
				t1, ok := fast()
				if !ok {
					break
				}
				if !t1.Before(target) {
					a = append(a, t1.String())
				}
			}
			for n := 0; len(b) < len(a) && n < 100000; n++ {
				t2, ok := slow()
				if !ok {
					break
				}
				if !t2.Before(target) {
					b = append(b, t2.String())
				}
			}
			if fmt.Sprint(a) != fmt.Sprint(b) || len(a) == 0 && !strings.Contains(r, "UNTIL") {
				t.Errorf("%s from %s:\nfast %v\nfull %v", r, target, a, b)
			}
		}
	}
}

func TestRecurrenceIDMatching(t *testing.T) {
	t.Run("a DATE-TIME RECURRENCE-ID in another zone replaces a DATE occurrence (Exchange all-day)", func(t *testing.T) {
		cal := mustParse(t, ics(`BEGIN:VEVENT
UID:a
DTSTART;VALUE=DATE:20260219
DTEND;VALUE=DATE:20260220
RRULE:FREQ=WEEKLY;BYDAY=TU,TH;COUNT=4
END:VEVENT
BEGIN:VEVENT
UID:a
RECURRENCE-ID;TZID=W. Europe Standard Time:20260226T000000
DTSTART;VALUE=DATE:20260227
DTEND;VALUE=DATE:20260228
END:VEVENT`))
		m, o := cal.Series("a")
		occ, err := Occurrences(m, o, time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(starts(occ, "01-02", time.UTC), ","); got != "02-19,02-24,02-27,03-03" {
			t.Errorf("got %s", got)
		}
	})
	t.Run("a UTC RECURRENCE-ID replaces a zoned occurrence", func(t *testing.T) {
		cal := mustParse(t, ics(`BEGIN:VEVENT
UID:b
DTSTART;TZID=Europe/Berlin:20200910T140000
RRULE:FREQ=WEEKLY;COUNT=3
END:VEVENT
BEGIN:VEVENT
UID:b
RECURRENCE-ID:20200917T120000Z
DTSTART;TZID=Europe/Berlin:20200918T090000
SUMMARY:moved
END:VEVENT`))
		m, o := cal.Series("b")
		occ, _ := Occurrences(m, o, time.Date(2020, 9, 1, 0, 0, 0, 0, time.UTC), time.Date(2020, 10, 1, 0, 0, 0, 0, time.UTC), 0)
		if len(occ) != 3 || occ[1].Event.Summary != "moved" {
			t.Errorf("occurrences %v", starts(occ, time.RFC3339, time.UTC))
		}
	})
	t.Run("the override with the highest SEQUENCE wins, wherever it is in the file", func(t *testing.T) {
		cal := mustParse(t, ics(`BEGIN:VEVENT
UID:c
RECURRENCE-ID:20250102T100000Z
DTSTART:20250102T120000Z
SEQUENCE:2
SUMMARY:newer
END:VEVENT
BEGIN:VEVENT
UID:c
DTSTART:20250101T100000Z
RRULE:FREQ=DAILY;COUNT=3
END:VEVENT
BEGIN:VEVENT
UID:c
RECURRENCE-ID:20250102T100000Z
DTSTART:20250102T110000Z
SEQUENCE:1
SUMMARY:older
END:VEVENT`))
		m, o := cal.Series("c")
		if len(o) != 1 || o[0].Summary != "newer" || m == nil || m.RRule != "FREQ=DAILY;COUNT=3" {
			t.Fatalf("master %+v overrides %+v", m, o)
		}
	})
}

// A budget shared by several series (calendar.Budget) stops an expansion
// through OccurrencesWithin's step, and the occurrences found until then
// come back with its error.
func TestOccurrencesWithinStopsWhenTheStepFails(t *testing.T) {
	cal := mustParse(t, ics("BEGIN:VEVENT\nUID:d\nDTSTART:20300101T090000Z\nDTEND:20300101T093000Z\nRRULE:FREQ=DAILY\nEND:VEVENT"))
	spent := errors.New("budget spent")
	calls := 0
	step := func() error {
		if calls++; calls > 5 {
			return spent
		}
		return nil
	}
	from := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	occ, err := OccurrencesWithin(cal.Events[0], nil, from, from.AddDate(0, 1, 0), 0, step)
	if !errors.Is(err, spent) || len(occ) != 5 || calls != 6 {
		t.Fatalf("%d occurrences, %d steps, err %v; want 5, 6 and the step's error", len(occ), calls, err)
	}
	if occ, err := OccurrencesWithin(cal.Events[0], nil, from, from.AddDate(0, 1, 0), 0, nil); err != nil || len(occ) != 31 {
		t.Fatalf("without a step: %d occurrences, %v", len(occ), err)
	}
}
