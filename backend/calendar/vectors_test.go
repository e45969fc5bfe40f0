package calendar

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// rrulegoDiffers names the libical vectors where rrule-go's expansion
// differs from libical's: BYWEEKNO (rrule-go expands whole weeks and counts
// weeks differently), BYSETPOS on WEEKLY rules, and YEARLY with only
// BYMONTHDAY (rrule-go takes every month, libical DTSTART's). None of these
// is written by Outlook or Exchange.
func rrulegoDiffers(rule string) bool {
	return strings.Contains(rule, "BYWEEKNO") ||
		strings.Contains(rule, "FREQ=WEEKLY") && strings.Contains(rule, "BYSETPOS") ||
		strings.HasPrefix(rule, "FREQ=YEARLY;BYMONTHDAY=")
}

// TestLibicalRecurrenceVectors expands every rule of libical's
// icalrecur_test.txt and compares the instances.
func TestLibicalRecurrenceVectors(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(sharedDir(t), "fixtures", "ics", "vectors", "libical__icalrecur_test.txt"))
	if err != nil {
		t.Fatal(err)
	}
	passed, differs := 0, 0
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
		case got == instances && err == nil:
			passed++
		case rrulegoDiffers(rule):
			differs++
		default:
			t.Errorf("%s\nRRULE:%s DTSTART:%s (%v)\n got %.400s\nwant %.400s", title, rule, dtstart, err, got, instances)
		}
	}
	t.Logf("%d vectors pass, %d differ where rrule-go is known to differ from libical", passed, differs)
	if passed < 120 {
		t.Errorf("only %d vectors pass", passed)
	}
}
