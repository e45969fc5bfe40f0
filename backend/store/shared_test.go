package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"vmr-companion/backend/alias"
)

// TestReservationsFromSeveralStoresOnOneDatabase: three stores on one
// database (three instances on PostgreSQL, three processes on one SQLite
// file) reserve at once from a small number space, so candidates clash
// all the time: every reservation succeeds, no alias is given twice, and
// a retry of the same item returns the same reservation.
func TestReservationsFromSeveralStoresOnOneDatabase(t *testing.T) {
	first, in := withIntegration(t)
	stores := []*Store{first}
	for range 2 {
		s, err := OpenDatabase(context.Background(), first.Database())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		stores = append(stores, s)
	}
	const reservations, clients = 600, 24
	now := time.Now()
	type result struct {
		item string
		a    *alias.ScheduledAlias
		err  error
	}
	results := make(chan result, reservations)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for i := c; i < reservations; i += clients {
				item := fmt.Sprintf("item-%d", i)
				// Candidates drawn from 2,000 numbers: three in ten clash.
				next := func() (alias.Candidate, bool, error) {
					d := fmt.Sprintf("%06d", rand.IntN(2000))
					var n int64
					fmt.Sscan(d, &n)
					return alias.Candidate{Alias: "vmr" + d + "@vc.example.com", NumericAlias: d, AliasNumber: n}, true, nil
				}
				req := request(in.ID, item, now)
				a, _, err := stores[i%len(stores)].Aliases().Reserve(context.Background(), req, next)
				results <- result{item, a, err}
			}
		})
	}
	wg.Wait()
	close(results)
	seen := map[string]string{}
	byItem := map[string]string{}
	for r := range results {
		if r.err != nil {
			t.Errorf("%s: %v", r.item, r.err)
			continue
		}
		if other, ok := seen[r.a.NumericAlias]; ok {
			t.Errorf("%s was given to %s and %s", r.a.NumericAlias, other, r.item)
		}
		seen[r.a.NumericAlias], byItem[r.item] = r.item, r.a.UUID
	}
	var n int
	if err := first.reader.QueryRow(`SELECT count(*) FROM scheduled_aliases`).Scan(&n); err != nil || n != reservations {
		t.Fatalf("%d reservations stored (%v), want %d", n, err, reservations)
	}
	// Idempotent across instances: the same item on another store.
	next, _ := candidates("999999")
	a, created, err := stores[2].Aliases().Reserve(context.Background(), request(in.ID, "item-0", now), next)
	if err != nil || created || a.UUID != byItem["item-0"] {
		t.Fatalf("a retry on another instance: %+v created=%v %v", a, created, err)
	}
}
