package addinhost_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"vmr-companion/backend/addinhost"
)

func TestConcurrentReservations(t *testing.T) {
	e := newEnv(t)
	in := e.addIntegration(t, "Contoso", nil)
	cfg := e.config()
	cfg.ReservationRate = 0
	// The log tells why a request failed, should one fail.
	var logMu sync.Mutex
	var logs bytes.Buffer
	cfg.Logger = slog.New(slog.NewTextHandler(lockedWriter{&logMu, &logs}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	h := startHost(t, e, cfg)
	const n = 64

	type result struct {
		status int
		res    addinhost.Reservation
		err    error
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			// Eight users, so that requests share limiter buckets too.
			r, err := h.reserveRetrying(in.UUID, fmt.Sprintf("compose-%d", i), fmt.Sprintf("user%d@example.com", i%8))
			results[i].status, results[i].err = r.status, err
			if err == nil {
				results[i].err = json.Unmarshal(r.body, &results[i].res)
			}
		})
	}
	close(start)
	wg.Wait()

	t.Run("64 concurrent reservations with distinct keys get 64 distinct aliases", func(t *testing.T) {
		aliases, uuids := map[string]int{}, map[string]int{}
		for i, r := range results {
			// 200: a retry after a 503 got the reservation made by the try
			// that timed out rendering.
			if r.err != nil || (r.status != http.StatusCreated && r.status != http.StatusOK) {
				logMu.Lock()
				defer logMu.Unlock()
				t.Fatalf("request %d: status %d, %v; the host logged:\n%s", i, r.status, r.err, logs.String())
			}
			if j, dup := aliases[r.res.Alias]; dup {
				t.Errorf("requests %d and %d both got %s", j, i, r.res.Alias)
			}
			if j, dup := uuids[r.res.AliasUUID]; dup {
				t.Errorf("requests %d and %d both got uuid %s", j, i, r.res.AliasUUID)
			}
			aliases[r.res.Alias], uuids[r.res.AliasUUID] = i, i
		}
		if count, err := e.store.Aliases().Count(t.Context(), in.ID); err != nil || count != n {
			t.Errorf("the store holds %d reservations (%v), want %d", count, err, n)
		}
	})

	t.Run("concurrent retries of one item all get its one reservation", func(t *testing.T) {
		const m = 16
		got := make([]result, m)
		var wg sync.WaitGroup
		for i := range got {
			wg.Go(func() {
				r, err := h.reserveRetrying(in.UUID, "the-same-item", "alice@example.com")
				got[i].status, got[i].err = r.status, err
				if err == nil {
					got[i].err = json.Unmarshal(r.body, &got[i].res)
				}
			})
		}
		wg.Wait()
		created := 0
		for i, r := range got {
			if r.err != nil || (r.status != http.StatusCreated && r.status != http.StatusOK) {
				t.Fatalf("retry %d: status %d, %v", i, r.status, r.err)
			}
			if r.status == http.StatusCreated {
				created++
			}
			if r.res.AliasUUID != got[0].res.AliasUUID || r.res.Alias != got[0].res.Alias {
				t.Errorf("retry %d got %s, retry 0 got %s", i, r.res.Alias, got[0].res.Alias)
			}
		}
		// Exactly one 201, unless the try that made it was too busy to
		// render and its own retry got a 200.
		if created > 1 {
			t.Errorf("%d retries answered 201, want one", created)
		}
		if count, err := e.store.Aliases().Count(t.Context(), in.ID); err != nil || count != n+1 {
			t.Errorf("the store holds %d reservations (%v), want %d", count, err, n+1)
		}
	})
}

func TestConcurrentRateLimit(t *testing.T) {
	e := newEnv(t)
	in := e.addIntegration(t, "Contoso", nil)
	cfg := e.config()
	cfg.ReservationRate = 10
	// A frozen clock: nothing refills while the requests race, however
	// slow the machine.
	frozen := time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC)
	cfg.Now = func() time.Time { return frozen }
	h := startHost(t, e, cfg)

	t.Run("a user racing 40 reservations gets no more than the rate allows", func(t *testing.T) {
		var wg sync.WaitGroup
		statuses := make([]int, 40)
		errs := make([]error, 40)
		for i := range statuses {
			wg.Go(func() {
				r, err := h.tryReserve(in.UUID, fmt.Sprintf("race-%d", i), "racer@example.com")
				statuses[i], errs[i] = r.status, err
			})
		}
		wg.Wait()
		// The bucket holds 10 and the clock does not move: exactly 10.
		most := 10
		counts := map[int]int{}
		for i, s := range statuses {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			counts[s]++
		}
		if c := counts[http.StatusCreated]; c < 10 || c > most || c+counts[http.StatusTooManyRequests] != 40 {
			t.Errorf("answers by status: %v, want 10 to %d created and the rest 429", counts, most)
		}
	})
}

// reserveRetrying is tryReserve as a pane does it: a 503 with Retry-After
// (the host was too busy to render the instructions in time) is tried
// again, a few times. Any other answer is returned.
func (h *host) reserveRetrying(uuid, itemKey, user string) (response, error) {
	for try := 1; ; try++ {
		r, err := h.tryReserve(uuid, itemKey, user)
		if err != nil || r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" || try == 5 {
			return r, err
		}
	}
}
