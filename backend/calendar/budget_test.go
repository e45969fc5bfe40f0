package calendar

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/ical"
)

// hostileFeed is a calendar of n series that each need the most steps a
// series may take (a daily COUNT from 1900 seen from 2030), and one
// ordinary meeting after them.
func hostileFeed(t *testing.T, n int) *ical.Calendar {
	t.Helper()
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n")
	for i := range n {
		fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:s%d@example.com\r\nDTSTAMP:20250101T000000Z\r\nDTSTART:19000101T%02d0000Z\r\nDTEND:19000101T%02d3000Z\r\nRRULE:FREQ=DAILY;COUNT=10000000\r\nSUMMARY:Series %d\r\nEND:VEVENT\r\n", i, i%24, i%24, i)
	}
	b.WriteString("BEGIN:VEVENT\r\nUID:real@example.com\r\nDTSTAMP:20250101T000000Z\r\nDTSTART:20300102T090000Z\r\nDTEND:20300102T100000Z\r\nSUMMARY:Real meeting\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
	cal, err := ical.Parse(strings.NewReader(b.String()), ical.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

var budgetWindow = Window{From: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2030, 1, 15, 0, 0, 0, 0, time.UTC)}

func TestExpansionBudget(t *testing.T) {
	cal := hostileFeed(t, 40)

	t.Run("a calendar of costly series stops at the budget's steps, and its single meetings are still listed", func(t *testing.T) {
		b := &Budget{Steps: 3 * ical.MaxExpansionSteps}
		ms, err := MeetingsWithin(cal, budgetWindow, nil, b)
		if !errors.Is(err, ErrExpansionBudget) || !strings.Contains(err.Error(), "steps") {
			t.Fatalf("err = %v, want ErrExpansionBudget naming the steps", err)
		}
		if b.Used() > 3*ical.MaxExpansionSteps {
			t.Fatalf("used %d steps, more than the %d allowed", b.Used(), 3*ical.MaxExpansionSteps)
		}
		series, real := map[string]bool{}, false
		for _, m := range ms {
			if m.UID == "real@example.com" {
				real = true
			} else {
				series[m.UID] = true
			}
		}
		// Each series takes some 47,000 steps (daily from 1900): the
		// budget expands about a dozen and leaves the rest out.
		if !real || len(series) == 0 || len(series) >= 40 {
			t.Fatalf("the single meeting listed: %v; %d of the 40 series listed, want some but not all", real, len(series))
		}
	})

	t.Run("the deadline is checked on the budget's clock as the steps go", func(t *testing.T) {
		start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
		calls := 0
		// Each look at the clock moves it one second on: the deadline,
		// ten seconds away, passes on the eleventh look.
		now := func() time.Time { calls++; return start.Add(time.Duration(calls) * time.Second) }
		b := &Budget{Steps: 1 << 40, Deadline: start.Add(10 * time.Second), Now: now}
		_, err := MeetingsWithin(cal, budgetWindow, nil, b)
		if !errors.Is(err, ErrExpansionBudget) || !strings.Contains(err.Error(), "time") {
			t.Fatalf("err = %v, want ErrExpansionBudget naming the time", err)
		}
		if calls > 11 || b.Used() > 11*budgetCheckEvery {
			t.Fatalf("went on for %d clock looks and %d steps after the deadline", calls, b.Used())
		}
	})

	t.Run("a cancelled refresh stops expanding", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		b := &Budget{Steps: 1 << 40, Context: ctx}
		_, err := MeetingsWithin(cal, budgetWindow, nil, b)
		if !errors.Is(err, context.Canceled) || b.Used() > budgetCheckEvery {
			t.Fatalf("err = %v after %d steps, want context.Canceled at once", err, b.Used())
		}
	})

	t.Run("the default budget bounds Meetings too", func(t *testing.T) {
		b := NewBudget(context.Background())
		if b.Steps <= 0 || b.Steps > 50*ical.MaxExpansionSteps || b.Deadline.IsZero() {
			t.Fatalf("default budget %+v", b)
		}
	})
}
