package ical

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/ical/icaltest"
)

func parseShared(t *testing.T, rel string) *Calendar {
	return mustParse(t, string(icaltest.ReadShared(t, rel)))
}

func TestRealWorldFilesParseAndExpand(t *testing.T) {
	for _, name := range icaltest.RealWorldFiles(t) {
		t.Run(filepath.Base(name), func(t *testing.T) {
			data, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			cal, err := Parse(strings.NewReader(string(data)), ParseOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(cal.Events) == 0 {
				t.Fatal("no events")
			}
			for _, w := range cal.Warnings {
				if strings.Contains(w, "not known") {
					t.Errorf("unresolved zone: %s", w)
				}
			}
			for _, e := range cal.Events {
				if !e.RecurrenceID.IsZero() {
					continue
				}
				master, overrides := e, []*Event(nil)
				if e.UID != "" {
					_, overrides = cal.Series(e.UID)
				}
				if _, err := Occurrences(master, overrides, e.Start.AddDate(0, 0, -1), e.Start.AddDate(2, 0, 0), 2000); err != nil {
					t.Errorf("event at line %d: %v", e.Line, err)
				}
				if _, _, err := LastEnd(master, overrides); err != nil {
					t.Errorf("event at line %d: LastEnd: %v", e.Line, err)
				}
			}
		})
	}
}

// between lists the occurrences of every series of cal overlapping [a, b),
// with a and b read as wall clocks in each series' own zone (the semantics
// of python-recurring-ical-events, whose tests state most expectations).
// Events without UID stand alone.
func between(t *testing.T, cal *Calendar, a, b [6]int) []Occurrence {
	t.Helper()
	var all []Occurrence
	for _, e := range cal.Events {
		if !e.RecurrenceID.IsZero() {
			continue
		}
		var overrides []*Event
		if e.UID != "" {
			_, overrides = cal.Series(e.UID)
		}
		loc := e.Zone
		from := time.Date(a[0], time.Month(a[1]), a[2], a[3], a[4], a[5], 0, loc)
		to := time.Date(b[0], time.Month(b[1]), b[2], b[3], b[4], b[5], 0, loc)
		occ, err := Occurrences(e, overrides, from, to, 5000)
		if err != nil {
			t.Fatalf("event at line %d: %v", e.Line, err)
		}
		all = append(all, occ...)
	}
	return all
}

func day(y, m, d int) [6]int { return [6]int{y, m, d, 0, 0, 0} }

func dates(occ []Occurrence) string {
	var out []string
	for _, o := range occ {
		out = append(out, o.Start.Format("2006-01-02 15:04 -0700"))
	}
	return strings.Join(out, ", ")
}

// The expectations PROVENANCE.md states for the shared files (stated by
// the upstream projects' tests, or derived by two other implementations).
func TestStatedOccurrencesOfRealWorldFiles(t *testing.T) {
	files := "fixtures/ics/files/"
	count := func(t *testing.T, file string, a, b [6]int, want int) []Occurrence {
		t.Helper()
		occ := between(t, parseShared(t, files+file), a, b)
		if len(occ) != want {
			t.Errorf("%d occurrences, want %d: %s", len(occ), want, dates(occ))
		}
		return occ
	}
	t.Run("Exchange EXDATE in UTC cancels the CEST instance (issue 27)", func(t *testing.T) {
		for _, f := range []string{"rie__issue_27_t1.ics", "rie__issue_27_t2.ics"} {
			occ := count(t, f, day(2020, 4, 25), day(2020, 4, 30), 2)
			if got := dates(occ); got != "2020-04-26 14:00 +0200, 2020-04-28 14:00 +0200" {
				t.Errorf("%s: %s", f, got)
			}
		}
	})
	t.Run("Exchange all-day series with UTC UNTIL and moved instances (issue 28)", func(t *testing.T) {
		count(t, "rie__issue_28_rrule_with_UTC_endinginZ.ics", day(2020, 5, 25), day(2020, 9, 5), 15)
		count(t, "rie__issue_28_rrule_with_UTC_endinginZ.ics", day(2020, 9, 3), day(2020, 9, 5), 1)
	})
	t.Run("Outlook holiday export (Germany)", func(t *testing.T) {
		occ := count(t, "rie__Germany.ics", day(2014, 5, 11), day(2014, 5, 12), 1)
		if len(occ) == 1 && occ[0].Event.Summary != "Germany: Mother's Day [Not a public holiday]" {
			t.Errorf("summary %q", occ[0].Event.Summary)
		}
		count(t, "rie__Germany.ics", day(2014, 1, 1), day(2015, 1, 1), 11)
	})
	t.Run("the last instance in PDT of a series started in PST (issue 107)", func(t *testing.T) {
		occ := count(t, "rie__issue_107_omitting_last_event.ics", day(2023, 1, 30), day(2024, 1, 30), 19)
		if got := dates(occ); !strings.HasSuffix(got, "2023-06-01 10:00 -0700, 2023-06-08 10:00 -0700") {
			t.Errorf("%s", got)
		}
	})
	t.Run("OWA display-name zones without VTIMEZONE", func(t *testing.T) {
		cal := parseShared(t, files+"nodeical__Office-2012-owa.ics")
		if occ := between(t, cal, day(2020, 10, 1), day(2020, 12, 1)); len(occ) != 11 {
			t.Errorf("%d occurrences, want 11: %s", len(occ), dates(occ))
		}
		for _, e := range cal.Events {
			want := map[string]string{" TEST": "2020-10-28", " TEST 3": "2020-11-02"}[e.Summary]
			if want != "" && e.End.UTC().Format("2006-01-02") != want {
				t.Errorf("%q ends %s UTC, want %s", e.Summary, e.End.UTC(), want)
			}
		}
	})
	t.Run("Google series across the DST change (Europe/Berlin)", func(t *testing.T) {
		cal := parseShared(t, files+"rie__daylight_saving_time.ics")
		m, o := cal.Series("7uartkcnhf0elbvs8md0itrf6c@google.com")
		occ, err := Occurrences(m, o, time.Date(2019, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2019, 5, 1, 0, 0, 0, 0, time.UTC), 0)
		if err != nil {
			t.Fatal(err)
		}
		got := dates(occ)
		for _, want := range []string{"2019-03-20 19:00 +0100", "2019-04-24 19:00 +0200"} {
			if !strings.Contains(got, want) {
				t.Errorf("%s lacks %s", got, want)
			}
		}
	})
	t.Run("moved instances in Australia/Sydney (issue 62)", func(t *testing.T) {
		occ := count(t, "rie__issue_62_moved_event_2.ics", day(2023, 8, 1), day(2023, 9, 1), 6)
		got := dates(occ)
		for _, d := range []string{"08-10", "08-16", "08-24", "08-08", "08-14", "08-22"} {
			if !strings.Contains(got, "2023-"+d) {
				t.Errorf("no occurrence on %s: %s", d, got)
			}
		}
	})
	t.Run("three meetings at once in America/Chicago (issue 48)", func(t *testing.T) {
		count(t, "rie__issue_48_dst.ics", [6]int{2020, 12, 11, 10, 0, 0}, [6]int{2020, 12, 11, 15, 0, 0}, 3)
	})
	t.Run("EXDATE and RECURRENCE-ID on one series (issue 151)", func(t *testing.T) {
		cal := parseShared(t, files+"rie__issue_151_macos_linux_difference.ics")
		var n int
		for _, e := range cal.Events {
			if e.RecurrenceID.IsZero() {
				_, o := cal.Series(e.UID)
				occ, _ := Occurrences(e, o, time.Unix(1722564000, 0), time.Unix(1722567600, 0), 0)
				n += len(occ)
			}
		}
		if n != 1 {
			t.Errorf("%d occurrences, want 1", n)
		}
		count(t, "rie__issue_151_macos_linux_difference.ics", day(2024, 8, 1), day(2024, 8, 2), 1)
	})
	t.Run("an override before its master (Google)", func(t *testing.T) {
		occ := count(t, "nodeical__google-recurrence-order.ics", day(2026, 2, 1), day(2026, 3, 1), 3)
		if got := dates(occ); got != "2026-02-10 10:00 -0700, 2026-02-11 10:30 -0700, 2026-02-12 10:00 -0700" {
			t.Errorf("%s", got)
		}
	})
	t.Run("statuses of Apple events", func(t *testing.T) {
		var got []string
		for _, e := range parseShared(t, files+"nodeical__tentative-apple-calendar.ics").Events {
			got = append(got, e.Status)
		}
		if strings.Join(got, ",") != "TENTATIVE,CONFIRMED,CANCELLED," {
			t.Errorf("statuses %q", got)
		}
	})
	t.Run("RECURRENCE-ID in three forms (issue 36)", func(t *testing.T) {
		cal := parseShared(t, files+"rie__issue_36_recurrence_ID_format.ics")
		for d, want := range map[int]string{17: "Modified event", 14: "Modified event 1", 21: "Modified event 2"} {
			occ := between(t, cal, day(2020, 9, d), day(2020, 9, d+1))
			if len(occ) != 1 || occ[0].Event.Summary != want {
				t.Errorf("2020-09-%d: %s, want one %q", d, dates(occ), want)
			}
		}
	})
	t.Run("comma-separated EXDATEs folded over lines (issue 20)", func(t *testing.T) {
		occ := count(t, "rie__issue_20_exdate_ignored.ics", day(2019, 1, 1), day(2021, 1, 1), 7)
		want := "2019-10-29 16:15 +0100, 2019-11-12 16:15 +0100, 2019-12-10 16:15 +0100, 2020-01-07 16:15 +0100, 2020-01-14 16:15 +0100, 2020-01-21 16:15 +0100, 2020-01-28 16:15 +0100"
		if got := dates(occ); got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	})
	t.Run("an RDATE-only series", func(t *testing.T) {
		count(t, "rie__rdate_hackerpublicradio.ics", day(2013, 1, 1), day(2015, 1, 1), 12)
	})
	t.Run("two RRULEs are a union", func(t *testing.T) {
		occ := count(t, "rie__multiple_rrule.ics", day(2023, 1, 1), day(2024, 1, 1), 22)
		got := dates(occ)
		for _, d := range []string{"02-09", "02-13", "02-16", "03-13"} {
			if !strings.Contains(got, "2023-"+d) {
				t.Errorf("no occurrence on %s", d)
			}
		}
	})
	t.Run("a CANCELLED override removes its occurrence (issue 18)", func(t *testing.T) {
		// Upstream lists the cancelled instance with its status; here it is gone.
		occ := count(t, "rie__issue_18_cancel_status.ics", day(2020, 1, 1), day(2020, 2, 1), 2)
		if got := dates(occ); got != "2020-01-28 22:00 +0100, 2020-01-30 22:00 +0100" {
			t.Errorf("%s", got)
		}
	})
	t.Run("RANGE=THISANDFUTURE moves every later instance (issue 75)", func(t *testing.T) {
		// Upstream states 13, the last an "EDITED EVENT"; ical.js agrees.
		occ := count(t, "rie__issue_75_range_parameter.ics", [6]int{2024, 9, 1, 0, 0, 0}, [6]int{2024, 9, 25, 23, 59, 59}, 13)
		if last := occ[len(occ)-1]; last.Event.Summary != "EDITED EVENT" || last.Start.Format("01-02 15:04") != "09-24 14:22" {
			t.Errorf("last occurrence %s %q, want 09-24 14:22 EDITED EVENT", last.Start, last.Event.Summary)
		}
		if o := occ[9]; o.Event.Summary != "MODIFIED EVENT" || o.Start.Format("01-02 15:04") != "09-17 09:00" || o.End.Sub(o.Start) != 7*time.Hour {
			t.Errorf("09-17: %s–%s %q, want moved -3h, 7 hours, MODIFIED EVENT", o.Start, o.End, o.Event.Summary)
		}
	})
}

// AllSeries, the one-pass grouping Meetings uses, chooses what Series
// chooses UID by UID.
func TestAllSeriesAgreesWithSeries(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(icaltest.SharedDir(t), "fixtures", "ics", "files", "*.ics"))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		cal, err := Parse(strings.NewReader(string(data)), ParseOptions{})
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(name), err)
		}
		groups := 0
		for _, g := range cal.AllSeries() {
			e := g.Master
			if e == nil {
				e = g.Overrides[0]
			}
			groups++
			if e.UID == "" {
				continue
			}
			master, overrides := cal.Series(e.UID)
			if master != g.Master || !slices.Equal(overrides, g.Overrides) {
				t.Errorf("%s: UID %q: AllSeries gives %p and %d overrides, Series %p and %d", filepath.Base(name), e.UID, g.Master, len(g.Overrides), master, len(overrides))
			}
		}
		if len(cal.Events) > 0 && groups == 0 {
			t.Errorf("%s: no series", filepath.Base(name))
		}
	}
}
