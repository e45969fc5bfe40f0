package calendar

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestScratchVectors(t *testing.T) {
	data, _ := os.ReadFile("../../../shared/fixtures/ics/vectors/libical__icalrecur_test.txt")
	blocks := strings.Split(string(data), "\n\n")
	pass, fail := 0, 0
	for _, b := range blocks {
		var rr, ds, inst, name string
		for _, l := range strings.Split(b, "\n") {
			switch {
			case strings.HasPrefix(l, "#"): name = l
			case strings.HasPrefix(l, "RRULE:"): rr = l[6:]
			case strings.HasPrefix(l, "DTSTART"): ds = l[strings.Index(l, ":")+1:]
			case strings.HasPrefix(l, "INSTANCES:"): inst = l[10:]
			}
		}
		if rr == "" { continue }
		src := "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\nDTSTART:" + ds + "\nRRULE:" + rr + "\nEND:VEVENT\nEND:VCALENDAR\n"
		cal, err := parseBytes([]byte(src), ParseOptions{})
		if err != nil || len(cal.Events) != 1 { t.Logf("%s: parse %v %v", name, err, cal.Warnings); fail++; continue }
		e := cal.Events[0]
		occ, err := Occurrences(e, nil, e.Start, e.Start.AddDate(200, 0, 0), 2000)
		var got []string
		for _, o := range occ {
			f := "20060102T150405"
			if e.startIsDate { f = "20060102" }
			if strings.HasSuffix(ds, "Z") { f += "Z" }
			got = append(got, o.Start.In(time.UTC).Format(f))
		}
		if strings.Join(got, ",") == inst { pass++ } else {
			fail++
			t.Logf("%s\n  RRULE:%s DTSTART:%s err=%v warn=%v\n  want %.300s\n  got  %.300s", name, rr, ds, err, cal.Warnings, inst, strings.Join(got, ","))
		}
	}
	t.Logf("pass %d fail %d", pass, fail)
}
