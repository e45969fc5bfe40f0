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
// live conferences, a tenth of them daily series.
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
