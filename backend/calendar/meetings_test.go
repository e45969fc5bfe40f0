package calendar

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/ical"
	"vmr-companion/backend/ical/icaltest"
)

func meetingDates(ms []Meeting, loc *time.Location) string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Start.In(loc).Format("2006-01-02 15:04"))
	}
	return strings.Join(out, ", ")
}

// The expectations of PROVENANCE.md, through Meetings with one window for
// the whole file (wall clocks of the file's zone).
func TestMeetingsOfTheSharedFilesMatchTheirStatedOccurrences(t *testing.T) {
	tests := []struct {
		name, file, zone string
		from, to         [6]int
		want             int
		has              []string // local start times that must be listed
	}{
		{"Exchange EXDATE in UTC (rie issue 27, t1)", "rie__issue_27_t1.ics", "Europe/Berlin", day(2020, 4, 25), day(2020, 4, 30), 2, []string{"2020-04-26 14:00", "2020-04-28 14:00"}},
		{"Exchange EXDATE in UTC (rie issue 27, t2)", "rie__issue_27_t2.ics", "Europe/Berlin", day(2020, 4, 25), day(2020, 4, 30), 2, nil},
		{"all-day series with moved instances (rie issue 28)", "rie__issue_28_rrule_with_UTC_endinginZ.ics", "UTC", day(2020, 5, 25), day(2020, 9, 5), 15, nil},
		{"the moved instance alone (rie issue 28)", "rie__issue_28_rrule_with_UTC_endinginZ.ics", "UTC", day(2020, 9, 3), day(2020, 9, 5), 1, nil},
		{"Outlook holidays of 2014", "rie__Germany.ics", "UTC", day(2014, 1, 1), day(2015, 1, 1), 11, nil},
		{"last instance in PDT (rie issue 107)", "rie__issue_107_omitting_last_event.ics", "America/Los_Angeles", day(2023, 1, 30), day(2024, 1, 30), 19, []string{"2023-06-01 10:00", "2023-06-08 10:00"}},
		{"Google series across DST", "rie__daylight_saving_time.ics", "Europe/Berlin", day(2019, 3, 20), day(2019, 3, 21), 1, []string{"2019-03-20 19:00"}},
		{"Google series after DST", "rie__daylight_saving_time.ics", "Europe/Berlin", day(2019, 4, 24), day(2019, 4, 25), 1, []string{"2019-04-24 19:00"}},
		{"moved instances in Sydney (rie issue 62)", "rie__issue_62_moved_event_2.ics", "Australia/Sydney", day(2023, 8, 1), day(2023, 9, 1), 6, nil},
		{"three at once in Chicago (rie issue 48)", "rie__issue_48_dst.ics", "America/Chicago", [6]int{2020, 12, 11, 10, 0, 0}, [6]int{2020, 12, 11, 15, 0, 0}, 3, nil},
		{"an override before its master (Google)", "nodeical__google-recurrence-order.ics", "America/Denver", day(2026, 2, 1), day(2026, 3, 1), 3, []string{"2026-02-10 10:00", "2026-02-11 10:30", "2026-02-12 10:00"}},
		{"comma-separated EXDATEs (rie issue 20)", "rie__issue_20_exdate_ignored.ics", "Europe/Berlin", day(2019, 1, 1), day(2021, 1, 1), 7, []string{"2019-10-29 16:15", "2020-01-28 16:15"}},
		{"an RDATE-only series", "rie__rdate_hackerpublicradio.ics", "UTC", day(2013, 1, 1), day(2015, 1, 1), 12, []string{"2013-08-03 19:00", "2014-07-05 19:00"}},
		{"two RRULEs", "rie__multiple_rrule.ics", "Europe/London", day(2023, 1, 1), day(2024, 1, 1), 22, nil},
		{"a CANCELLED override (rie issue 18)", "rie__issue_18_cancel_status.ics", "Europe/Berlin", day(2020, 1, 1), day(2020, 2, 1), 2, nil},
		{"RANGE=THISANDFUTURE moves the later instances", "rie__issue_75_range_parameter.ics", "UTC", day(2024, 9, 1), [6]int{2024, 9, 25, 23, 59, 59}, 13, nil},
		{"Apple events, one CANCELLED", "nodeical__tentative-apple-calendar.ics", "America/Vancouver", day(2022, 7, 1), day(2022, 7, 10), 3, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cal := parseShared(t, "fixtures/ics/files/"+tt.file)
			loc := mustLoad(t, tt.zone)
			w := Window{From: time.Date(tt.from[0], time.Month(tt.from[1]), tt.from[2], tt.from[3], tt.from[4], tt.from[5], 0, loc),
				To: time.Date(tt.to[0], time.Month(tt.to[1]), tt.to[2], tt.to[3], tt.to[4], tt.to[5], 0, loc)}
			ms, err := Meetings(cal, w, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := meetingDates(ms, loc)
			if len(ms) != tt.want {
				t.Errorf("%d meetings, want %d: %s", len(ms), tt.want, got)
			}
			for _, h := range tt.has {
				if !strings.Contains(got, h) {
					t.Errorf("no meeting at %s: %s", h, got)
				}
			}
		})
	}
}

func TestMeetingsCarryTheOccurrencesFields(t *testing.T) {
	cal := mustParse(t, ics(`BEGIN:VEVENT
UID:weekly
SUMMARY:Weekly sync
LOCATION:sip:meet.team@vc.example.com
ORGANIZER;CN=Dan Park:mailto:dpark@example.com
DTSTART;TZID=W. Europe Standard Time:20300107T093000
DTEND;TZID=W. Europe Standard Time:20300107T100000
RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=4
EXDATE;TZID=W. Europe Standard Time:20300114T093000
END:VEVENT
BEGIN:VEVENT
UID:weekly
RECURRENCE-ID;TZID=W. Europe Standard Time:20300121T093000
SUMMARY:Weekly sync (moved)
DTSTART;TZID=W. Europe Standard Time:20300122T110000
DTEND;TZID=W. Europe Standard Time:20300122T113000
SEQUENCE:1
END:VEVENT
BEGIN:VEVENT
UID:single
SUMMARY:Lunch
ORGANIZER;CN=Erin:mailto:erin@example.com
DTSTART:20300110T110000Z
DTEND:20300110T120000Z
END:VEVENT
BEGIN:VEVENT
UID:offsite
SUMMARY:Offsite
DTSTART;VALUE=DATE:20300115
DTEND;VALUE=DATE:20300117
END:VEVENT`))
	d := &Detector{Aliases: []string{"meet.team@vc.example.com"}, WebDomains: []string{"addins.example.com"}}
	ms, err := Meetings(cal, Window{From: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2030, 2, 1, 0, 0, 0, 0, time.UTC)}, d)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		rid := "-"
		if !m.RecurrenceID.IsZero() {
			rid = m.RecurrenceID.UTC().Format(time.RFC3339)
		}
		video := "-"
		if m.Video != nil {
			video = m.Video.WebURL
		}
		got = append(got, strings.Join([]string{m.UID, rid, m.Summary, m.Start.UTC().Format(time.RFC3339), m.End.UTC().Format(time.RFC3339),
			map[bool]string{true: "all-day", false: "timed"}[m.AllDay], m.Organizer, video}, " | "))
	}
	want := []string{
		"weekly | 2030-01-07T08:30:00Z | Weekly sync | 2030-01-07T08:30:00Z | 2030-01-07T09:00:00Z | timed | dpark@example.com | https://addins.example.com/webapp/m/meet.team@vc.example.com",
		"single | - | Lunch | 2030-01-10T11:00:00Z | 2030-01-10T12:00:00Z | timed | erin@example.com | -",
		"offsite | - | Offsite | 2030-01-15T00:00:00Z | 2030-01-17T00:00:00Z | all-day |  | -",
		// The override has no LOCATION: it is not recognised as a video meeting.
		"weekly | 2030-01-21T08:30:00Z | Weekly sync (moved) | 2030-01-22T10:00:00Z | 2030-01-22T10:30:00Z | timed |  | -",
		"weekly | 2030-01-28T08:30:00Z | Weekly sync | 2030-01-28T08:30:00Z | 2030-01-28T09:00:00Z | timed | dpark@example.com | https://addins.example.com/webapp/m/meet.team@vc.example.com",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestMeetingsWindowEdges(t *testing.T) {
	cal := mustParse(t, ics(`BEGIN:VEVENT
UID:a
SUMMARY:ends at the window's start
DTSTART:20300101T230000Z
DTEND:20300102T000000Z
END:VEVENT
BEGIN:VEVENT
UID:b
SUMMARY:runs into the window
DTSTART:20300101T233000Z
DTEND:20300102T003000Z
END:VEVENT
BEGIN:VEVENT
UID:c
SUMMARY:starts at the window's end
DTSTART:20300103T000000Z
DTEND:20300103T010000Z
END:VEVENT
BEGIN:VEVENT
UID:d
SUMMARY:a reminder without duration at the start
DTSTART:20300102T000000Z
END:VEVENT`))
	ms, err := Meetings(cal, Window{From: time.Date(2030, 1, 2, 0, 0, 0, 0, time.UTC), To: time.Date(2030, 1, 3, 0, 0, 0, 0, time.UTC)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		got = append(got, m.UID)
	}
	if strings.Join(got, ",") != "b,d" {
		t.Errorf("meetings %v, want b (overlaps) and d (starts in it)", got)
	}
	if ms, err := Meetings(cal, Window{From: time.Date(2030, 1, 3, 0, 0, 0, 0, time.UTC), To: time.Date(2030, 1, 2, 0, 0, 0, 0, time.UTC)}, nil); ms != nil || err != nil {
		t.Errorf("an empty window gave %v, %v", ms, err)
	}
}

func TestDefaultWindowIsTodayAndTheNext14Days(t *testing.T) {
	oslo := mustLoad(t, "Europe/Oslo")
	// 23:30 UTC on 30 March is already 31 March in Oslo (CEST since the 29th).
	w := DefaultWindow(time.Date(2025, 3, 30, 23, 30, 0, 0, time.UTC), oslo)
	if got := w.From.Format(time.RFC3339); got != "2025-03-31T00:00:00+02:00" {
		t.Errorf("from %s", got)
	}
	if got := w.To.Format(time.RFC3339); got != "2025-04-15T00:00:00+02:00" {
		t.Errorf("to %s", got)
	}
}

func TestMeetingsOfBadInputAreBounded(t *testing.T) {
	far := Window{From: time.Date(2400, 3, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2400, 3, 15, 0, 0, 0, 0, time.UTC)}
	t.Run("an RRULE without end, window centuries later", func(t *testing.T) {
		cal := mustParse(t, ics("BEGIN:VEVENT\nUID:x\nSUMMARY:Daily\nDTSTART;TZID=Europe/Berlin:20200106T100000\nDURATION:PT30M\nRRULE:FREQ=DAILY\nEND:VEVENT"))
		start := time.Now()
		ms, err := Meetings(cal, far, nil)
		if err != nil || len(ms) != 14 {
			t.Fatalf("%d meetings, %v; want 14", len(ms), err)
		}
		if ms[0].Start.In(mustLoad(t, "Europe/Berlin")).Hour() != 10 {
			t.Errorf("first at %s, want 10:00 Berlin", ms[0].Start)
		}
		t.Logf("took %s", time.Since(start))
	})
	t.Run("a secondly RRULE without end, window years later", func(t *testing.T) {
		cal := mustParse(t, ics(`BEGIN:VEVENT
UID:x
SUMMARY:Every second
DTSTART:20200106T100000Z
RRULE:FREQ=SECONDLY
END:VEVENT
BEGIN:VEVENT
UID:y
SUMMARY:Still listed
DTSTART:24000302T100000Z
END:VEVENT`))
		ms, err := Meetings(cal, far, nil)
		if !errors.Is(err, ical.ErrTooManyOccurrences) || !strings.Contains(err.Error(), `series "Every second" (line 3)`) {
			t.Fatalf("err = %v, want ical.ErrTooManyOccurrences naming the series", err)
		}
		if len(ms) != 1 || ms[0].UID != "y" {
			t.Errorf("the other meetings must still be listed: %+v", ms)
		}
	})
	t.Run("a minutely series over a year is cut short", func(t *testing.T) {
		cal := mustParse(t, ics("BEGIN:VEVENT\nUID:x\nSUMMARY:Every minute\nDTSTART:20300101T000000Z\nRRULE:FREQ=MINUTELY\nEND:VEVENT"))
		ms, err := Meetings(cal, Window{From: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)}, nil)
		if !errors.Is(err, ical.ErrTooManyOccurrences) || len(ms) != maxSeriesOccurrences {
			t.Errorf("%d meetings, %v", len(ms), err)
		}
	})
	t.Run("an invalid RRULE keeps its first occurrence", func(t *testing.T) {
		cal := mustParse(t, ics("BEGIN:VEVENT\nUID:x\nSUMMARY:Odd\nDTSTART:24000302T100000Z\nRRULE:FREQ=HOURLY;INTERVAL=24;BYHOUR=5\nEND:VEVENT"))
		ms, err := Meetings(cal, far, nil)
		if !errors.Is(err, ical.ErrInvalidRule) || len(ms) != 1 || !ms[0].RecurrenceID.IsZero() && !ms[0].RecurrenceID.Equal(ms[0].Start) {
			t.Errorf("%+v, %v", ms, err)
		}
	})
	t.Run("an unknown TZID is a warning, read as UTC", func(t *testing.T) {
		cal := mustParse(t, ics("BEGIN:VEVENT\nUID:x\nDTSTART;TZID=Mars/Olympus_Mons:24000302T100000\nEND:VEVENT"))
		if len(cal.Warnings) != 1 || !strings.Contains(cal.Warnings[0], `time zone "Mars/Olympus_Mons" is not known`) {
			t.Errorf("warnings %q", cal.Warnings)
		}
		ms, err := Meetings(cal, far, nil)
		if err != nil || len(ms) != 1 || ms[0].Start.UTC().Hour() != 10 {
			t.Errorf("%+v, %v", ms, err)
		}
	})
	t.Run("the total is bounded", func(t *testing.T) {
		// 13 minutely series over 14 days: 20,160 each, cut to 20,000; 260,000 in all.
		var b strings.Builder
		for i := range 13 {
			b.WriteString("BEGIN:VEVENT\nUID:u" + string(rune('a'+i)) + "\nDTSTART:20300101T000000Z\nRRULE:FREQ=MINUTELY\nEND:VEVENT\n")
		}
		cal := mustParse(t, ics(b.String()))
		ms, err := Meetings(cal, Window{From: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2030, 1, 15, 0, 0, 0, 0, time.UTC)}, nil)
		if !errors.Is(err, ical.ErrTooManyOccurrences) || len(ms) != MaxMeetings || !strings.Contains(err.Error(), "ask for a shorter period") {
			t.Fatalf("%d meetings, %v", len(ms), err)
		}
		if strings.Count(err.Error(), "\n") > maxSeriesErrors+2 {
			t.Errorf("the error lists every series:\n%s", err)
		}
	})
}

// The benchmark's calendar (shared/bench-peers/ical/gen_ics.py) gives the
// counts ical.js 2.2.1 gives (shared/bench-peers/README.md): occurrences
// whose actual start is in [2026-12-01, +N days) UTC.
func TestMeetingsOfTheGeneratedBenchmarkCalendarMatchICalJS(t *testing.T) {
	gen := filepath.Join(icaltest.SharedDir(t), "bench-peers", "ical", "gen_ics.py")
	if _, err := exec.LookPath("python3"); err != nil {
		t.Fatal("this test needs python3 (Debian package python3) to generate the calendar")
	}
	file := filepath.Join(t.TempDir(), "cal10k.ics")
	if out, err := exec.Command("python3", gen, file, "20261201").CombinedOutput(); err != nil {
		t.Fatalf("gen_ics.py: %v: %s", err, out)
	}
	cal, err := FileSource(file).Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(cal.Events) != 10622 || len(cal.Warnings) != 0 {
		t.Fatalf("%d events, warnings %q", len(cal.Events), cal.Warnings)
	}
	anchor := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct{ days, want, moved int }{{14, 2556, 21}, {365, 101902, 508}} {
		w := Window{From: anchor, To: anchor.AddDate(0, 0, tt.days)}
		ms, err := Meetings(cal, w, nil)
		if err != nil {
			t.Fatal(err)
		}
		n, moved := 0, 0
		for _, m := range ms {
			if !m.Start.Before(w.From) && m.Start.Before(w.To) {
				n++
				if !m.RecurrenceID.IsZero() && !m.RecurrenceID.Equal(m.Start) {
					moved++
				}
			}
		}
		if n != tt.want || moved != tt.moved {
			t.Errorf("%d days: %d occurrences (%d moved), ical.js gives %d (%d)", tt.days, n, moved, tt.want, tt.moved)
		}
	}
}
