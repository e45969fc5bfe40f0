package ical

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/ical/icaltest"
)

// TestLibicalRecurrenceVectors expands every rule of libical's
// icalrecur_test.txt and compares the instances. Where libical answers
// "*** UNIMPLEMENTED" (BYWEEKNO with BYMONTH or BYMONTHDAY) the rule must be
// refused as invalid too.
func TestLibicalRecurrenceVectors(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(icaltest.SharedDir(t), "fixtures", "ics", "vectors", "libical__icalrecur_test.txt"))
	if err != nil {
		t.Fatal(err)
	}
	passed, refused := 0, 0
	for _, block := range strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n\n") {
		var title, rule, dtstart, instances string
		for _, l := range strings.Split(block, "\n") {
			switch {
			case strings.HasPrefix(l, "#"):
				title = l
			case strings.HasPrefix(l, "RRULE:"):
				rule = l[len("RRULE:"):]
			case strings.HasPrefix(l, "DTSTART"):
				dtstart = l[strings.Index(l, ":")+1:]
			case strings.HasPrefix(l, "INSTANCES:"):
				instances = l[len("INSTANCES:"):]
			}
		}
		if rule == "" {
			continue
		}
		cal, err := Parse(strings.NewReader(ics("BEGIN:VEVENT\nUID:v\nDTSTART:"+dtstart+"\nRRULE:"+rule+"\nEND:VEVENT")), ParseOptions{})
		if err != nil || len(cal.Events) != 1 {
			t.Errorf("%s: %v", title, err)
			continue
		}
		e := cal.Events[0]
		occ, err := Occurrences(e, nil, e.Start, e.Start.AddDate(200, 0, 0), 5000)
		layout := "20060102T150405"
		if e.startIsDate {
			layout = "20060102"
		} else if strings.HasSuffix(dtstart, "Z") {
			layout += "Z"
		}
		got := strings.Join(starts(occ, layout, time.UTC), ",")
		switch {
		case strings.HasPrefix(strings.TrimSpace(instances), "*** UNIMPLEMENTED"):
			if !errors.Is(err, ErrInvalidRule) || len(occ) > 0 {
				t.Errorf("%s\nRRULE:%s DTSTART:%s: libical refuses it, got %q (%v), want ErrInvalidRule", title, rule, dtstart, got, err)
				continue
			}
			refused++
		case got == instances && err == nil:
			passed++
		default:
			t.Errorf("%s\nRRULE:%s DTSTART:%s (%v)\n got %.400s\nwant %.400s", title, rule, dtstart, err, got, instances)
		}
	}
	t.Logf("%d vectors give libical's instances, %d are refused as libical refuses them", passed, refused)
	if passed+refused != 146 {
		t.Errorf("%d vectors checked, want all 146 of the file", passed+refused)
	}
}
