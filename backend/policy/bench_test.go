package policy

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"vmr-companion/backend/integration"
	"vmr-companion/backend/scheduler"
	"vmr-companion/backend/secrets"
)

// BenchmarkServeHTTP is one policy answer without the network: 10,000
// live conferences, a tenth of them daily series in a zone.
func BenchmarkServeHTTP(b *testing.B) {
	in := integration.Defaults()
	in.ID, in.Name, in.ScheduledAliasDomain = 1, "Bench", "vc.example.com"
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	snap := &Snapshot{Version: "1", Integrations: []*integration.Integration{in}}
	for i := range 10000 {
		c := &Conference{Name: fmt.Sprint("Meeting ", i), Kind: scheduler.KindSingle, State: scheduler.StateActive,
			Start: now.Add(-10 * time.Minute), End: now.Add(time.Hour), ValidFrom: now.Add(-40 * time.Minute), ValidUntil: now.Add(2 * time.Hour)}
		if i%10 == 0 {
			c.Kind, c.Recurrence, c.ValidUntil = scheduler.KindRecurring, "FREQ=DAILY;COUNT=30", now.Add(30*24*time.Hour)
			// Expanded at the local time in its zone, with a moved and a
			// cancelled occurrence to check.
			c.TimeZone, c.Cancelled = "Europe/Oslo", []time.Time{c.Start.Add(48 * time.Hour)}
			c.Moved = []scheduler.MovedOccurrence{{Original: c.Start.Add(24 * time.Hour), Start: c.Start.Add(26 * time.Hour), End: c.End.Add(26 * time.Hour)}}
		}
		snap.Aliases = append(snap.Aliases, Alias{ID: int64(i), IntegrationID: 1, UUID: fmt.Sprint("u", i),
			Alias: fmt.Sprintf("%08d@vc.example.com", i), NumericAlias: fmt.Sprintf("%08d", i), Conference: c})
	}
	h, err := New(context.Background(), Config{Repository: &memRepo{snap: snap}, Credentials: Credentials{Username: "u", Password: secrets.New("p")},
		Now: func() time.Time { return now }, Refresh: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close(context.Background())
	reqs := make([]*http.Request, 1000)
	for i := range reqs {
		reqs[i] = httptest.NewRequest(http.MethodGet, "/policy/v1/service/configuration?local_alias="+
			url.QueryEscape(fmt.Sprintf("sip:%08d@vc.example.com", i*10+i%10))+"&remote_alias=sip%3Aguest%40example.com&protocol=sip&call_direction=dial_in", nil)
		reqs[i].SetBasicAuth("u", "p")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, reqs[i%len(reqs)])
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}

// BenchmarkSeriesDecide is the decision alone for a weekly series in a
// zone, asked 52 weeks after its first occurrence (the rule's expansion is
// the cost of an answer for a series).
func BenchmarkSeriesDecide(b *testing.B) {
	in := integration.Defaults()
	in.ID, in.Name, in.ScheduledAliasDomain = 1, "Bench", "vc.example.com"
	oslo, _ := time.LoadLocation("Europe/Oslo")
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, oslo)
	c := &Conference{Name: "Weekly", Kind: scheduler.KindRecurring, State: scheduler.StateActive, Recurrence: "FREQ=WEEKLY;BYDAY=MO",
		TimeZone: "Europe/Oslo", Start: start.UTC(), End: start.Add(time.Hour).UTC(), ValidFrom: start.Add(-time.Hour).UTC()}
	ix := newIndex(&Snapshot{Version: "1", Integrations: []*integration.Integration{in},
		Aliases: []Alias{{ID: 1, IntegrationID: 1, UUID: "u", Alias: "meet1@vc.example.com", Conference: c}}})
	e := ix.full["meet1@vc.example.com"]
	now := start.AddDate(0, 0, 52*7).Add(10 * time.Minute)
	b.ReportAllocs()
	for b.Loop() {
		if v := e.decide(now); v.action != actionContinue {
			b.Fatal(v.why)
		}
	}
}
