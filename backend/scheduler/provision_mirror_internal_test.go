package scheduler

import (
	"testing"
	"time"
)

// A weekly series in Oslo keeps 09:00 local across the change to summer
// time: the windows written to Infinity move an hour in UTC; a cancelled
// occurrence is left out, a moved one is at its new time, a zone that is
// not an IANA name is expanded in UTC.
func TestOccurrencesWithinFollowTheSeriesZone(t *testing.T) {
	oslo, _ := time.LoadLocation("Europe/Oslo")
	first := time.Date(2027, 3, 18, 9, 0, 0, 0, oslo)
	rec := &Record{}
	rec.Kind, rec.Recurrence, rec.TimeZone = KindRecurring, "FREQ=WEEKLY;COUNT=4", "Europe/Oslo"
	rec.Start, rec.End = first.UTC(), first.Add(time.Hour).UTC()
	rec.Cancelled = []time.Time{first.AddDate(0, 0, 21).UTC()}
	moved := first.AddDate(0, 0, 7)
	rec.Moved = []MovedOccurrence{{Original: moved.UTC(), Start: moved.Add(2 * time.Hour).UTC(), End: moved.Add(3 * time.Hour).UTC()}}
	got, more, err := occurrencesWithin(rec, 15*time.Minute, 30*time.Minute, first.Add(-time.Hour), first.AddDate(0, 1, 0), 10)
	if err != nil || more {
		t.Fatal(err, more)
	}
	want := []span{
		{time.Date(2027, 3, 18, 7, 45, 0, 0, time.UTC), time.Date(2027, 3, 18, 9, 30, 0, 0, time.UTC)},  // 09:00 CET
		{time.Date(2027, 3, 25, 9, 45, 0, 0, time.UTC), time.Date(2027, 3, 25, 11, 30, 0, 0, time.UTC)}, // moved to 11:00 CET
		{time.Date(2027, 4, 1, 6, 45, 0, 0, time.UTC), time.Date(2027, 4, 1, 8, 30, 0, 0, time.UTC)},    // 09:00 CEST
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if !got[i].Start.Equal(want[i].Start) || !got[i].End.Equal(want[i].End) {
			t.Errorf("occurrence %d: %v–%v, want %v–%v", i, got[i].Start, got[i].End, want[i].Start, want[i].End)
		}
	}
	rec.TimeZone, rec.Cancelled, rec.Moved = "../../etc/passwd", nil, nil
	got, _, _ = occurrencesWithin(rec, 0, 0, first.Add(-time.Hour), first.AddDate(0, 1, 0), 10)
	if len(got) != 4 || !got[3].Start.Equal(first.UTC().AddDate(0, 0, 21)) {
		t.Fatalf("a name that is not a zone: %v, want the UTC expansion", got[3].Start)
	}
}
