package ical_test

import (
	"fmt"
	"os"
	"time"

	"vmr-companion/backend/ical"
)

// A room mailbox receives an Outlook request for a weekly series; the
// scheduler reads it and lists the meetings in a window.
func ExampleParseMIME() {
	raw, err := os.ReadFile("testdata/outlook_weekly_series.eml")
	if err != nil {
		panic(err)
	}
	cal, err := ical.ParseMIME(raw, ical.ParseOptions{})
	if err != nil {
		panic(err)
	}
	master, overrides := cal.Series(cal.Events[0].UID)
	fmt.Println(cal.Method, master.Summary, master.Organizer.Email, master.Zone)

	from := time.Date(2025, 3, 20, 0, 0, 0, 0, time.UTC)
	occ, err := ical.Occurrences(master, overrides, from, from.AddDate(0, 0, 14), 10)
	if err != nil {
		panic(err)
	}
	for _, o := range occ {
		fmt.Println(o.Start.Format("Mon 2 Jan 15:04 MST"), o.Overridden)
	}
	end, ok, _ := ical.LastEnd(master, overrides)
	fmt.Println("last ends", end.Format("2 Jan 15:04 MST"), ok)
	// Output:
	// REQUEST Weekly sync alice@example.com Europe/Berlin
	// Tue 25 Mar 14:00 CET true
	// Mon 31 Mar 10:00 CEST false
	// last ends 28 Apr 10:30 CEST true
}
