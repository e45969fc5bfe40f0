// Command ical is the Go side of the calendar benchmark
// (scripts/bench-calendar.sh): it parses an .ics file with
// backend/ical and, unless MODE is "parse", expands it with
// calendar.Meetings for [ANCHOR 00:00 UTC, ANCHOR + MODE days). It counts
// what the ical.js peer (shared/bench-peers/ical/expand_icaljs.mjs)
// counts: occurrences whose actual start, overrides applied, lies in the
// window. One JSON line goes to standard output.
//
//	ical FILE parse|DAYS [ANCHOR=20261201]
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"time"

	"vmr-companion/backend/calendar"
	"vmr-companion/backend/ical"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "ical:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) < 2 || len(args) > 3 {
		return fmt.Errorf("usage: ical FILE parse|DAYS [ANCHOR=20261201]")
	}
	anchorText := "20261201"
	if len(args) == 3 {
		anchorText = args[2]
	}
	anchor, err := time.Parse("20060102", anchorText)
	if err != nil {
		return fmt.Errorf("ANCHOR %q is not YYYYMMDD", anchorText)
	}
	t0 := time.Now()
	f, err := os.Open(args[0])
	if err != nil {
		return err
	}
	defer f.Close()
	cal, err := ical.Parse(f, ical.ParseOptions{})
	if err != nil {
		return err
	}
	t1 := time.Now()
	out := map[string]any{"lib": "backend/calendar", "vevents": len(cal.Events), "parse_ms": ms(t1.Sub(t0))}
	if args[1] != "parse" {
		days, err := strconv.Atoi(args[1])
		if err != nil || days <= 0 {
			return fmt.Errorf("MODE %q is neither parse nor a number of days", args[1])
		}
		w := calendar.Window{From: anchor, To: anchor.AddDate(0, 0, days)}
		meetings, err := calendar.Meetings(cal, w, nil)
		if err != nil {
			return err
		}
		var n, single, recurring, moved int
		for _, m := range meetings {
			if m.Start.Before(w.From) || !m.Start.Before(w.To) {
				continue // overlaps the window but started before it
			}
			n++
			if m.RecurrenceID.IsZero() {
				single++
				continue
			}
			recurring++
			if !m.Start.Equal(m.RecurrenceID) {
				moved++
			}
		}
		out["window_days"], out["expand_ms"] = days, ms(time.Since(t1))
		out["occurrences"], out["single"], out["recurring"], out["overridden"] = n, single, recurring, moved
	}
	out["total_ms"] = ms(time.Since(t0))
	return json.NewEncoder(os.Stdout).Encode(out)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
