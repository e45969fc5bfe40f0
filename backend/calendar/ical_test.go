package calendar

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/ical"
	"vmr-companion/backend/ical/icaltest"
)

func mustParse(t testing.TB, text string) *ical.Calendar {
	t.Helper()
	cal, err := ical.Parse(strings.NewReader(text), ical.ParseOptions{})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return cal
}

// The shared test helpers, under the names these tests use.
var (
	ics      = icaltest.Wrap
	mustLoad = icaltest.Location
)

// parseShared parses a file of the shared reference folder.
func parseShared(t *testing.T, rel string) *ical.Calendar {
	return mustParse(t, string(icaltest.ReadShared(t, rel)))
}

func day(y, m, d int) [6]int { return [6]int{y, m, d, 0, 0, 0} }

func TestMeetingsOfTheRealWorldFilesAgreeWithTheirOccurrences(t *testing.T) {
	for _, name := range icaltest.RealWorldFiles(t) {
		t.Run(filepath.Base(name), func(t *testing.T) {
			data, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			cal, err := ical.Parse(strings.NewReader(string(data)), ical.ParseOptions{})
			if err != nil {
				t.Fatal(err)
			}
			meetingsAgreeWithOccurrences(t, cal)
		})
	}
}

// meetingsAgreeWithOccurrences checks that Meetings, over a window
// holding every event of cal, lists what ical.Occurrences gives series by series.
func meetingsAgreeWithOccurrences(t *testing.T, cal *ical.Calendar) {
	t.Helper()
	var first, last time.Time
	for _, e := range cal.Events {
		if first.IsZero() || e.Start.Before(first) {
			first = e.Start
		}
		if e.Start.After(last) {
			last = e.Start
		}
	}
	w := Window{From: first.AddDate(0, 0, -2), To: last.AddDate(1, 0, 0)}
	want := 0
	seen := map[string]bool{}
	for _, e := range cal.Events {
		master, overrides := e, []*ical.Event(nil)
		if e.UID != "" {
			if seen[e.UID] {
				continue
			}
			seen[e.UID] = true
			master, overrides = cal.Series(e.UID)
		} else if !e.RecurrenceID.IsZero() {
			master, overrides = nil, []*ical.Event{e}
		}
		occ, err := ical.Occurrences(master, overrides, w.From, w.To, maxSeriesOccurrences)
		if err != nil {
			t.Fatalf("Occurrences of UID %q: %v", e.UID, err)
		}
		want += len(occ)
	}
	got, err := Meetings(cal, w, nil)
	if err != nil {
		t.Fatalf("Meetings: %v", err)
	}
	if len(got) != want {
		t.Errorf("Meetings lists %d meetings between %s and %s, the series' occurrences are %d", len(got), w.From, w.To, want)
	}
	for i := 1; i < len(got); i++ {
		if got[i].Start.Before(got[i-1].Start) {
			t.Fatalf("meetings not sorted: %s after %s", got[i].Start, got[i-1].Start)
		}
	}
}

// FuzzMeetings takes messages and calendars down the meetings page's path:
// ParseMIME, every series, the detector, the export. Nothing may panic or
// run unbounded. ical.FuzzParse fuzzes the parser and the expansion alone.
func FuzzMeetings(f *testing.F) {
	icaltest.FuzzSeeds(f, "../ical/testdata")
	f.Fuzz(func(t *testing.T, data []byte) {
		cal, err := ical.ParseMIME(data, ical.ParseOptions{})
		if err != nil || len(cal.Events) == 0 {
			return
		}
		start := cal.Events[0].Start
		ms, err := Meetings(cal, Window{From: start.AddDate(0, 0, -7), To: start.AddDate(0, 2, 0)}, fuzzDetector)
		if err != nil && !errors.Is(err, ical.ErrTooManyOccurrences) && !errors.Is(err, ical.ErrInvalidRule) {
			t.Fatalf("Meetings: %v", err)
		}
		for i, m := range ms {
			if i > 0 && m.Start.Before(ms[i-1].Start) {
				t.Fatalf("meetings not sorted")
			}
			if i < 3 {
				if _, err := ical.Parse(bytes.NewReader(ExportICS(m)), ical.ParseOptions{}); err != nil {
					t.Fatalf("the export of %+v does not parse: %v", m, err)
				}
			}
		}
	})
}

var fuzzDetector = &Detector{Aliases: []string{"meet.a@vc.example.com"}, WebDomains: []string{"addins.example.com"},
	Tokens: map[string]string{"0b6a3c58-3f55-4f6c-9d46-1a2b3c4d5e6f": "meet.a@vc.example.com"}}
