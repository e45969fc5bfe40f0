package store

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"vmr-companion/backend/calendar"
)

func meetingsAt(start time.Time, summaries ...string) []calendar.Meeting {
	var out []calendar.Meeting
	for i, s := range summaries {
		at := start.Add(time.Duration(i) * time.Hour)
		out = append(out, calendar.Meeting{UID: fmt.Sprintf("uid-%d", i), Summary: s, Start: at, End: at.Add(30 * time.Minute),
			Video: &calendar.VideoLink{Alias: "meet.a@vc.example.com", SIPURI: "sip:meet.a@vc.example.com"}})
	}
	return out
}

func TestCalendarCacheKeepsTheLastGoodCopy(t *testing.T) {
	s := openTemp(t)
	r := s.Calendars()
	ctx := context.Background()

	ms, at, lastErr, err := r.Load(ctx, "alice@example.com", "url:1")
	if err != nil || ms != nil || !at.IsZero() || lastErr != "" {
		t.Fatalf("an empty cache gave %v %v %q %v", ms, at, lastErr, err)
	}
	if err := r.RecordFailure(ctx, "alice@example.com", "url:1", "calendar: the feed is down", t0); err != nil {
		t.Fatal(err)
	}
	ms, at, lastErr, _ = r.Load(ctx, "alice@example.com", "url:1")
	if ms != nil || !at.IsZero() || lastErr != "calendar: the feed is down" {
		t.Errorf("a failure before any copy: %v %v %q", ms, at, lastErr)
	}

	good := meetingsAt(t0, "Standup", "Review")
	if err := r.Save(ctx, "alice@example.com", "url:1", good, t0); err != nil {
		t.Fatal(err)
	}
	ms, at, lastErr, err = r.Load(ctx, "alice@example.com", "url:1")
	if err != nil || len(ms) != 2 || ms[1].Summary != "Review" || !ms[0].Start.Equal(t0) || ms[0].Video.SIPURI != "sip:meet.a@vc.example.com" || !at.Equal(t0) || lastErr != "" {
		t.Fatalf("after Save: %+v %v %q %v", ms, at, lastErr, err)
	}

	if err := r.RecordFailure(ctx, "alice@example.com", "url:1", strings.Repeat("x", 5000), t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	ms, at, lastErr, _ = r.Load(ctx, "alice@example.com", "url:1")
	if len(ms) != 2 || !at.Equal(t0) || len(lastErr) > maxCachedError+10 || lastErr == "" {
		t.Errorf("a failure changed the copy: %d meetings, fetched %v, error of %d bytes", len(ms), at, len(lastErr))
	}

	// Another source and another user are apart; an empty calendar is a copy too.
	if err := r.Save(ctx, "bob@example.com", "url:1", nil, t0); err != nil {
		t.Fatal(err)
	}
	if ms, at, _, _ := r.Load(ctx, "bob@example.com", "url:1"); ms == nil || len(ms) != 0 || at.IsZero() {
		t.Errorf("bob's empty calendar: %v %v", ms, at)
	}
	if err := r.Forget(ctx, "alice@example.com"); err != nil {
		t.Fatal(err)
	}
	if ms, _, _, _ := r.Load(ctx, "alice@example.com", "url:1"); ms != nil {
		t.Errorf("Forget kept %v", ms)
	}
	if ms, _, _, _ := r.Load(ctx, "bob@example.com", "url:1"); ms == nil {
		t.Error("Forget removed another user's copy")
	}
}

// Every bad input of the issue through calendar.Refresh against the real
// cache: a clear error, no hang, and the last good copy untouched.
func TestRefreshFailuresLeaveTheCachedCopyUntouched(t *testing.T) {
	s := openTemp(t)
	cache := s.Calendars()
	ctx := context.Background()
	feed := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a\r\nSUMMARY:Standup\r\nLOCATION:sip:meet.a@vc.example.com\r\n" +
		"DTSTART:20300101T090000Z\r\nDTEND:20300101T091500Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	var mode atomic.Value // what the feed does next
	mode.Store("good")
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch mode.Load() {
		case "good":
			fmt.Fprint(w, feed)
		case "html":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html>sign in</html>")
		case "huge":
			w.Header().Set("Content-Length", fmt.Sprint(50<<20))
			fmt.Fprint(w, "BEGIN:VCALENDAR\r\n")
		case "loop":
			http.Redirect(w, r, r.URL.Path, http.StatusFound)
		case "slow":
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		}
	}))
	t.Cleanup(ts.Close)
	// Only the slow feed's test may end by the clock: the others get time
	// to spare on a loaded machine, the slow one a short limit to run into.
	src := &calendar.URLFeed{URL: ts.URL + "/cal.ics", Client: ts.Client(), Timeout: time.Hour}
	slow := &calendar.URLFeed{URL: src.URL, Client: src.Client, Timeout: 300 * time.Millisecond}
	w := calendar.Window{From: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2030, 1, 16, 0, 0, 0, 0, time.UTC)}
	d := &calendar.Detector{Aliases: []string{"meet.a@vc.example.com"}}

	id := calendar.FeedCacheName(src.URL)
	snap, err := calendar.Refresh(ctx, cache, "alice", id, src, w, d, t0)
	if err != nil || snap.Stale || len(snap.Meetings) != 1 || snap.Meetings[0].Video == nil {
		t.Fatalf("%+v, %v", snap, err)
	}
	for _, tt := range []struct{ mode, want string }{
		{"html", "is a web page"},
		{"huge", "is 50 MiB"},
		{"loop", "redirects in a loop"},
		{"slow", "did not send the calendar within 300ms"},
	} {
		t.Run(tt.mode, func(t *testing.T) {
			mode.Store(tt.mode)
			feed := src
			if tt.mode == "slow" {
				feed = slow
			}
			snap, err := calendar.Refresh(ctx, cache, "alice", id, feed, w, d, t0.Add(time.Hour))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if !snap.Stale || snap.Error != err.Error() || len(snap.Meetings) != 1 || snap.Meetings[0].Summary != "Standup" || !snap.FetchedAt.Equal(t0) {
				t.Errorf("snapshot %+v", snap)
			}
			ms, at, lastErr, _ := cache.Load(ctx, "alice", id)
			if len(ms) != 1 || ms[0].Summary != "Standup" || !at.Equal(t0) || lastErr != err.Error() {
				t.Errorf("cache: %+v %v %q", ms, at, lastErr)
			}
		})
	}
	mode.Store("good")
	if _, err := calendar.Refresh(ctx, cache, "alice", id, src, w, d, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, at, lastErr, _ := cache.Load(ctx, "alice", id); !at.Equal(t0.Add(2*time.Hour)) || lastErr != "" {
		t.Errorf("a good refresh after failures: %v %q", at, lastErr)
	}

	t.Run("a cancelled refresh records nothing and gives the copy back as it was", func(t *testing.T) {
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		snap, err := calendar.Refresh(cancelled, cache, "alice", id, src, w, d, t0.Add(3*time.Hour))
		if !errors.Is(err, context.Canceled) || snap.Stale || len(snap.Meetings) != 1 || !snap.FetchedAt.Equal(t0.Add(2*time.Hour)) {
			t.Fatalf("%+v, %v", snap, err)
		}
		if _, _, lastErr, _ := cache.Load(ctx, "alice", id); lastErr != "" {
			t.Errorf("the cancel was recorded: %q", lastErr)
		}
	})
}

func TestCalendarDetectorKnowsThisDeploymentsVMRs(t *testing.T) {
	s, in := withIntegration(t)
	ctx := context.Background()
	createConferences(t, s.Conferences(), vmr("Alice", "meet.alice@vc.example.com", "4711"))
	req := request(in.ID, "item", t0)
	req.UUID = "0b6a3c58-3f55-4f6c-9d46-1a2b3c4d5e6f"
	a, _ := reserve(t, s.Aliases(), req, "1234567")
	d, err := s.Calendars().Detector(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.WebDomains) != 1 || d.WebDomains[0] != "addins.example.com" {
		t.Errorf("web domains %q", d.WebDomains)
	}
	l := d.Detect("sip:meet.alice@vc.example.com")
	if l == nil || l.WebURL != "https://addins.example.com/webapp/m/meet.alice@vc.example.com" {
		t.Errorf("personal VMR: %+v", l)
	}
	l = d.Detect("Meeting room reference: vmr-companion:" + a.UUID)
	if a.UUID == "" || l == nil || l.Alias != a.Alias {
		t.Errorf("single-use token %q: %+v", a.UUID, l)
	}
	if l := d.Detect("call " + a.Alias); l == nil || l.Alias != a.Alias {
		t.Errorf("single-use alias: %+v", l)
	}
}
