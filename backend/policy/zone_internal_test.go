package policy

import (
	"strings"
	"testing"
	"time"
)

// Zone names come from the store: only IANA names this machine knows are
// used, anything else is expanded in UTC and never reaches the iCalendar
// text of the rule.
func TestZoneNamesFromTheStoreAreChecked(t *testing.T) {
	cache := map[string]*time.Location{}
	for _, name := range []string{"Europe/Oslo", "America/Argentina/Buenos_Aires", "Etc/GMT+5"} {
		if loc := zoneOf(cache, name); loc == nil || loc.String() != name {
			t.Errorf("zoneOf(%q) = %v", name, loc)
		}
	}
	for _, name := range []string{"", "UTC", "Local", "europe/oslo", "Mars/Olympus_Mons", "../../etc/passwd", "/usr/share/zoneinfo/UTC",
		"Europe/Oslo\r\nRRULE:FREQ=SECONDLY", "Europe/Oslo:20260101T000000", "Europe/Oslo;X=1", strings.Repeat("A/", 5000) + "B",
		"W. Europe Standard Time"} {
		if loc := zoneOf(cache, name); loc != nil {
			t.Errorf("zoneOf(%q) = %v, want none (UTC)", name, loc)
		}
	}

	ix := newIndex(fuzzRepo().snap)
	// Series 5's zone is hostile: expanded in UTC, daily at 10:00 as stored.
	e, _ := ix.lookup(dialled{full: "meet999999@vc.example.com"})
	if e.series == nil || e.seriesErr != "" {
		t.Fatalf("a series with a bad zone name was not expanded in UTC: %q", e.seriesErr)
	}
	day := time.Date(2026, 12, 20, 10, 0, 0, 0, time.UTC)
	if v := e.decide(day); v.code != CodeConference {
		t.Fatalf("at the stored UTC time: %+v", v)
	}
	if v := e.decide(day.Add(4 * time.Hour)); v.code != CodeReject {
		t.Fatalf("between occurrences (a SECONDLY rule was injected?): %+v", v)
	}
}

// Answers from the cached expansion are the same as fresh ones, whichever
// order the instants come in.
func TestTheExpansionCacheAnswersLikeAFreshExpansion(t *testing.T) {
	cached := newIndex(fuzzRepo().snap)
	e, _ := cached.lookup(dialled{full: "meet888888@vc.example.com"})
	oslo, _ := time.LoadLocation("Europe/Oslo")
	base := time.Date(2027, 3, 27, 0, 0, 0, 0, oslo) // over the change to summer time
	for i := range 2000 {
		// Forwards and backwards in minutes over three days.
		step := (i*7919)%(3*24*60) - 60
		now := base.Add(time.Duration(step) * time.Minute)
		fresh, _ := newIndex(fuzzRepo().snap).lookup(dialled{full: "meet888888@vc.example.com"})
		if got, want := e.decide(now), fresh.decide(now); got != want {
			t.Fatalf("at %s: cached %+v, fresh %+v", now, got, want)
		}
	}
}
