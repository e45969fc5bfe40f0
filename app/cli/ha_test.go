//go:build linux

package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"vmr-companion/backend/addinhost"
)

// TestHAReservations: 2,000 reservations at once, from 64 clients spread
// round-robin over three serve processes on one PostgreSQL database: no
// 5xx, no alias nor numeric alias given twice, and exactly 2,000
// reservations in the database.
func TestHAReservations(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL and three serve processes; not in -short")
	}
	const requests, clients = 2000, 64
	e := newHAEnv(t, 1, nil)
	procs := []*haProc{e.start(""), e.start(""), e.start("")}
	in := e.rooms[0].in

	type answer struct {
		status int
		res    addinhost.Reservation
		err    error
		body   string
	}
	answers := make([]answer, requests)
	next := make(chan int)
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for i := range next {
				p := procs[i%len(procs)]
				body := fmt.Sprintf(`{"item_key": "ha-compose-%d"}`, i)
				req, _ := http.NewRequest(http.MethodPost, p.URL+"/api/v1/integrations/"+in.UUID+"/reservations", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-VMR-User", fmt.Sprintf("user%d@contoso.com", i%50))
				resp, err := e.client.Do(req)
				if err != nil {
					answers[i].err = err
					continue
				}
				data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
				resp.Body.Close()
				answers[i].status, answers[i].body = resp.StatusCode, string(data)
				if resp.StatusCode == http.StatusCreated {
					answers[i].err = json.Unmarshal(data, &answers[i].res)
				}
			}
		})
	}
	for i := range requests {
		next <- i
	}
	close(next)
	wg.Wait()

	aliases, numeric := map[string]int{}, map[string]int{}
	failed := 0
	for i, a := range answers {
		switch {
		case a.err != nil:
			t.Errorf("request %d (instance %d): %v", i, i%len(procs), a.err)
		case a.status >= 500:
			t.Errorf("request %d (instance %d): %d %s", i, i%len(procs), a.status, a.body)
		case a.status != http.StatusCreated:
			t.Errorf("request %d (instance %d): %d %s, want 201", i, i%len(procs), a.status, a.body)
		default:
			if a.res.Alias == "" || a.res.NumericAlias == "" {
				t.Errorf("request %d: no alias in %s", i, a.body)
			}
			aliases[a.res.Alias]++
			numeric[a.res.NumericAlias]++
			continue
		}
		if failed++; failed > 20 {
			t.Fatalf("more than 20 requests failed")
		}
	}
	for k, n := range aliases {
		if n > 1 {
			t.Errorf("the alias %s was given %d times", k, n)
		}
	}
	for k, n := range numeric {
		if n > 1 {
			t.Errorf("the numeric alias %s was given %d times", k, n)
		}
	}
	st := e.store()
	if n, err := st.Aliases().Count(context.Background(), in.ID); err != nil || n != requests {
		t.Errorf("the database holds %d reservations (%v), want %d", n, err, requests)
	}
	for _, p := range procs {
		e.stop(p)
	}
}
