package policy

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"vmr-companion/backend/integration"
	"vmr-companion/backend/scheduler"
)

// memRepo is a repository in memory, for the fuzz target and the writer.
type memRepo struct {
	mu     sync.Mutex
	snap   *Snapshot
	logged []Decision
	block  chan struct{} // when not nil, LogDecisions waits for it
}

func (m *memRepo) PolicySnapshot(context.Context) (*Snapshot, error) { return m.snap, nil }
func (m *memRepo) PolicyVersion(context.Context) (string, error)     { return m.snap.Version, nil }
func (m *memRepo) LogDecisions(_ context.Context, ds []Decision) error {
	if m.block != nil {
		<-m.block
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.logged = append(m.logged, ds...)
	return nil
}

func fuzzRepo() *memRepo {
	in := integration.Defaults()
	in.ID, in.Name, in.ScheduledAliasDomain = 1, "Contoso", "vc.example.com"
	start := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	conf := func(kind, rrule string) *Conference {
		return &Conference{Name: "Review", Kind: kind, State: scheduler.StateActive, Recurrence: rrule, Start: start, End: start.Add(time.Hour),
			ValidFrom: start.Add(-30 * time.Minute)}
	}
	zoned := func(zone string) *Conference {
		c := conf(scheduler.KindRecurring, "FREQ=DAILY")
		c.TimeZone = zone
		c.Moved = []scheduler.MovedOccurrence{{Original: start.Add(24 * time.Hour), Start: start.Add(26 * time.Hour), End: start.Add(27 * time.Hour)}}
		return c
	}
	return &memRepo{snap: &Snapshot{Version: "1", Integrations: []*integration.Integration{in}, Aliases: []Alias{
		{ID: 1, IntegrationID: 1, UUID: "u1", Alias: "meet123456@vc.example.com", NumericAlias: "123456", Conference: conf(scheduler.KindSingle, "")},
		{ID: 2, IntegrationID: 1, UUID: "u2", Alias: "meet654321@vc.example.com", NumericAlias: "654321", Conference: conf(scheduler.KindRecurring, "FREQ=DAILY")},
		{ID: 3, IntegrationID: 1, UUID: "u3", Alias: "meet777777@vc.example.com", NumericAlias: "777777", Conference: conf(scheduler.KindRecurring, "FREQ=BOGUS;;")},
		{ID: 4, IntegrationID: 1, UUID: "u4", Alias: "meet888888@vc.example.com", NumericAlias: "888888", Conference: zoned("Europe/Oslo")},
		// A zone name that would change the rule if it went into the
		// iCalendar text as it is.
		{ID: 5, IntegrationID: 1, UUID: "u5", Alias: "meet999999@vc.example.com", NumericAlias: "999999",
			Conference: zoned("Europe/Oslo:20261207T100000\r\nRRULE:FREQ=SECONDLY")},
	}}}
}

// FuzzPolicyAlias: whatever Infinity (or anyone with the credentials)
// sends as local_alias, normalisation stays bounded and the handler's
// decision (what ServeHTTP does between reading the query and queueing
// the log line) answers valid JSON of Infinity's shape, never panicking.
// The HTTP layer around it has adversarial cases in TestHostileParameters;
// it is left out here because the log writer's goroutine would make the
// coverage of one input depend on timing.
func FuzzPolicyAlias(f *testing.F) {
	for _, s := range []string{"sip:meet123456@vc.example.com;transport=tls", "MEET123456", "123456@vc.example.com",
		"<sips:meet654321@vc.example.com?x=y>", "tel:+4712345678", "\xff\xfe", "sip:", "@", "a@b@c", "\"x\" <", strings.Repeat("<", 200),
		"meet777777", "h323:123456", "meet888888", "999999"} {
		f.Add(s, int64(0))
	}
	ix := newIndex(fuzzRepo().snap)
	at := time.Date(2026, 12, 8, 10, 15, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string, offset int64) {
		if garbage(s) {
			return // answered 400 before any decision
		}
		if d, ok := normalize(s); ok {
			if len(d.full) > MaxParam || strings.ContainsAny(d.full, ";?") || d.full != strings.ToLower(d.full) || d.local == "" {
				t.Fatalf("normalize(%q) = %+v", s, d)
			}
		}
		now := at.Add(time.Duration(offset % int64(400*24*time.Hour)))
		d, body := ix.answer(s, clean(s), now)
		var a answer
		if err := json.Unmarshal(body, &a); err != nil || a.Status != "success" || a.Action != d.Action {
			t.Fatalf("%q: %+v %s", s, d, body)
		}
		if (a.Result != nil) != (d.Code == CodeConference) {
			t.Fatalf("%q: result with code %s", s, d.Code)
		}
		for _, v := range []string{d.Alias, d.Caller, d.Why} {
			if len(v) > 2*MaxParam || !utf8.ValidString(v) || strings.ContainsAny(v, "\x00\r\n") {
				t.Fatalf("%q: unbounded or unclean log value %q", s, v)
			}
		}
	})
}

func TestANewOccurrenceOfAnEndlessSeriesAndAnUnreadableRule(t *testing.T) {
	ix := newIndex(fuzzRepo().snap)
	day := time.Date(2026, 12, 20, 10, 10, 0, 0, time.UTC)
	e, _ := ix.lookup(dialled{full: "meet654321@vc.example.com"})
	if v := e.decide(day); v.code != CodeConference {
		t.Fatalf("a daily series without end, on a later day: %+v", v)
	}
	if v := e.decide(day.Add(6 * time.Hour)); v.code != CodeReject {
		t.Fatalf("between two days' occurrences: %+v", v)
	}
	bogus, _ := ix.lookup(dialled{full: "meet777777@vc.example.com"})
	if bogus.series != nil || bogus.seriesErr == "" {
		t.Fatalf("an unreadable rule was expanded: %+v", bogus)
	}
	if v := bogus.decide(day); v.code != CodeConference || !strings.Contains(v.why, "whole window") {
		t.Fatalf("an unreadable rule within the series' window: %+v", v)
	}
}

// TestAFullQueueDropsAndCounts: answers never wait for the log; what a
// full queue drops is counted, and the count is logged and reset.
func TestAFullQueueDropsAndCounts(t *testing.T) {
	repo := &memRepo{}
	var logged strings.Builder
	w := idleWriter(repo, slog.New(slog.NewTextHandler(&logged, nil)), 2)
	for range 10 {
		w.add(Decision{IntegrationID: 1})
	}
	if n := w.dropped.Load(); n != 8 {
		t.Fatalf("dropped %d of 10 with a queue of 2, want 8", n)
	}
	go w.run()
	if err := w.flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := w.close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(repo.logged) != 2 || w.dropped.Load() != 0 || !strings.Contains(logged.String(), "dropped=8") {
		t.Fatalf("logged %d, dropped %d, log %q", len(repo.logged), w.dropped.Load(), logged.String())
	}
}

// TestCloseWritesWhatIsQueued: serve's shutdown loses no decision.
func TestCloseWritesWhatIsQueued(t *testing.T) {
	repo := &memRepo{}
	w := newWriter(repo, discard(), 100)
	for range 50 {
		w.add(Decision{IntegrationID: 1})
	}
	if err := w.close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(repo.logged) != 50 {
		t.Fatalf("logged %d of 50", len(repo.logged))
	}
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
