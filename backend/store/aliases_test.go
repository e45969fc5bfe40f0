package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/alias"
	"vmr-companion/backend/conference"
	"vmr-companion/backend/integration"
)

// t0 is a whole second, so times the tests derive from it are whole seconds
// or fractions of one, as the wall clock hands them out.
var t0 = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

// candidates hands out the given numbers as candidates, prefix "vmr" and
// domain vc.example.com, then reports the list exhausted. calls counts how
// many were asked for.
func candidates(numbers ...string) (next func() (alias.Candidate, bool, error), calls *int) {
	calls = new(int)
	next = func() (alias.Candidate, bool, error) {
		if *calls == len(numbers) {
			return alias.Candidate{}, false, nil
		}
		d := numbers[*calls]
		*calls++
		var n int64
		fmt.Sscan(d, &n)
		return alias.Candidate{Alias: "vmr" + d + "@vc.example.com", NumericAlias: d, AliasNumber: n}, true, nil
	}
	return next, calls
}

// request is a reservation of item for integration id at now, kept an hour.
func request(id int64, item string, now time.Time) alias.Request {
	return alias.Request{IntegrationID: id, ItemKey: item, UserEmail: "alice@example.com",
		UUID: fmt.Sprintf("uuid-%d-%s-%d", id, item, now.UnixNano()), Now: now, TTL: time.Hour}
}

func reserve(t *testing.T, r *Aliases, req alias.Request, numbers ...string) (*alias.ScheduledAlias, bool) {
	t.Helper()
	next, _ := candidates(numbers...)
	a, created, err := r.Reserve(context.Background(), req, next)
	if err != nil {
		t.Fatalf("Reserve(%s): %v", req.ItemKey, err)
	}
	return a, created
}

// withIntegration opens a store holding one integration.
func withIntegration(t *testing.T) (*Store, *integration.Integration) {
	t.Helper()
	s := openTemp(t)
	in := sample(1)
	create(t, s.Integrations(), in)
	return s, in
}

func TestReserveStoresTheFirstFreeCandidate(t *testing.T) {
	ctx := context.Background()

	t.Run("a new item gets the first candidate with every field stored", func(t *testing.T) {
		s, in := withIntegration(t)
		r := s.Aliases()
		req := request(in.ID, "item-1", t0)
		a, created := reserve(t, r, req, "123456")
		if !created {
			t.Error("created = false for a new item")
		}
		got, err := r.Lookup(ctx, req.UUID)
		if err != nil {
			t.Fatalf("Lookup: %v", err)
		}
		want := &alias.ScheduledAlias{ID: a.ID, IntegrationID: in.ID, UUID: req.UUID, Alias: "vmr123456@vc.example.com",
			NumericAlias: "123456", AliasNumber: 123456, ItemKey: "item-1", UserEmail: "alice@example.com",
			CreationTime: t0, ExpiresAt: t0.Add(time.Hour)}
		for _, sa := range []*alias.ScheduledAlias{a, got} {
			if fmt.Sprintf("%+v", *sa) != fmt.Sprintf("%+v", *want) {
				t.Errorf("got  %+v\nwant %+v", *sa, *want)
			}
		}
	})

	t.Run("candidates taken by a reservation, its number or a conference alias are skipped", func(t *testing.T) {
		s, in := withIntegration(t)
		r := s.Aliases()
		reserve(t, r, request(in.ID, "first", t0), "111111")
		c := &conference.Conference{Name: "Alice", Aliases: []conference.Alias{{Alias: "VMR222222@VC.example.com"}, {Alias: "333333"}}}
		if err := s.Conferences().Create(ctx, []*conference.Conference{c}); err != nil {
			t.Fatalf("Create conference: %v", err)
		}
		next, calls := candidates("111111", "222222", "333333", "444444")
		a, _, err := r.Reserve(ctx, request(in.ID, "second", t0), next)
		if err != nil {
			t.Fatalf("Reserve: %v", err)
		}
		if a.NumericAlias != "444444" || *calls != 4 {
			t.Fatalf("got %s after %d candidates, want 444444 after 4", a.Alias, *calls)
		}
	})

	t.Run("running out of candidates is ErrExhausted and stores nothing", func(t *testing.T) {
		s, in := withIntegration(t)
		r := s.Aliases()
		reserve(t, r, request(in.ID, "first", t0), "111111")
		next, _ := candidates("111111", "111111")
		_, _, err := r.Reserve(ctx, request(in.ID, "second", t0), next)
		if !errors.Is(err, alias.ErrExhausted) {
			t.Fatalf("Reserve = %v, want ErrExhausted", err)
		}
		if n, _ := r.Count(ctx, in.ID); n != 1 {
			t.Errorf("%d reservations, want 1", n)
		}
	})

	t.Run("an error drawing a candidate is returned and stores nothing", func(t *testing.T) {
		s, in := withIntegration(t)
		r := s.Aliases()
		boom := errors.New("no entropy")
		_, _, err := r.Reserve(ctx, request(in.ID, "item", t0), func() (alias.Candidate, bool, error) {
			return alias.Candidate{}, false, boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Reserve = %v, want the candidate error", err)
		}
		if n, _ := r.Count(ctx, in.ID); n != 0 {
			t.Errorf("%d reservations, want 0", n)
		}
	})

	t.Run("a reservation for an integration that does not exist is refused", func(t *testing.T) {
		s := openTemp(t)
		next, _ := candidates("123456")
		_, _, err := s.Aliases().Reserve(ctx, request(999, "item", t0), next)
		if !errors.Is(err, integration.ErrNotFound) || !strings.Contains(err.Error(), "deleted") {
			t.Fatalf("Reserve = %v, want integration.ErrNotFound", err)
		}
	})

	t.Run("lookup of an unknown uuid is ErrNotFound", func(t *testing.T) {
		s, _ := withIntegration(t)
		_, err := s.Aliases().Lookup(ctx, "no-such-uuid")
		if !errors.Is(err, alias.ErrNotFound) {
			t.Fatalf("Lookup = %v, want ErrNotFound", err)
		}
	})
}

func TestReserveIsIdempotentUntilExpiry(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name        string
		used        bool
		retryAt     time.Time
		wantSame    bool
		wantDropped bool
	}{
		{"a retry before expiry returns the same reservation", false, t0.Add(59 * time.Minute), true, false},
		{"a retry a nanosecond before expiry returns the same reservation", false, t0.Add(time.Hour - time.Nanosecond), true, false},
		{"a retry at the expiry time gets a new reservation", false, t0.Add(time.Hour), false, true},
		{"a retry half a second after expiry gets a new reservation", false, t0.Add(time.Hour + 500*time.Millisecond), false, true},
		{"a retry a millisecond after expiry gets a new reservation", false, t0.Add(time.Hour + time.Millisecond), false, true},
		{"a retry a day after expiry gets a new reservation", false, t0.Add(25 * time.Hour), false, true},
		{"a used reservation is kept and returned long after expiry", true, t0.Add(48 * time.Hour), true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, in := withIntegration(t)
			r := s.Aliases()
			first, _ := reserve(t, r, request(in.ID, "item", t0), "111111")
			if tt.used {
				if _, err := s.writer.Exec(`UPDATE scheduled_aliases SET is_used = 1 WHERE id = ?`, first.ID); err != nil {
					t.Fatal(err)
				}
			}
			again, created := reserve(t, r, request(in.ID, "item", tt.retryAt), "222222")
			if same := again.UUID == first.UUID; same != tt.wantSame || created == tt.wantSame {
				t.Fatalf("retry at %s: uuid %s (first %s), created %v; want same = %v",
					tt.retryAt.Sub(t0), again.UUID, first.UUID, created, tt.wantSame)
			}
			_, err := r.Lookup(ctx, first.UUID)
			if dropped := errors.Is(err, alias.ErrNotFound); dropped != tt.wantDropped {
				t.Errorf("first reservation dropped = %v (err %v), want %v", dropped, err, tt.wantDropped)
			}
			if n, _ := r.Count(ctx, in.ID); n != 1 {
				t.Errorf("%d reservations, want 1", n)
			}
		})
	}

	t.Run("an expired reservation of another item frees its alias", func(t *testing.T) {
		s, in := withIntegration(t)
		r := s.Aliases()
		reserve(t, r, request(in.ID, "old", t0), "111111")
		a, _ := reserve(t, r, request(in.ID, "new", t0.Add(2*time.Hour)), "111111")
		if a.NumericAlias != "111111" {
			t.Fatalf("got %s, want the freed 111111", a.Alias)
		}
	})

	t.Run("an expired reservation of another integration is dropped too", func(t *testing.T) {
		s, in := withIntegration(t)
		other := sample(2)
		create(t, s.Integrations(), other)
		r := s.Aliases()
		reserve(t, r, request(other.ID, "old", t0), "111111")
		reserve(t, r, request(in.ID, "new", t0.Add(2*time.Hour)), "222222")
		if n, _ := r.Count(ctx, other.ID); n != 0 {
			t.Errorf("%d reservations of the other integration, want 0", n)
		}
	})
}

func TestDeletingAnIntegrationDropsItsReservations(t *testing.T) {
	ctx := context.Background()
	s, in := withIntegration(t)
	keep := sample(2)
	create(t, s.Integrations(), keep)
	r := s.Aliases()
	reserve(t, r, request(in.ID, "a", t0), "111111")
	reserve(t, r, request(in.ID, "b", t0), "222222")
	reserve(t, r, request(keep.ID, "a", t0), "333333")

	if err := s.Integrations().Delete(ctx, in.UUID); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	t.Run("the deleted integration's reservations are gone", func(t *testing.T) {
		if n := countRows(t, s, "scheduled_aliases", in.ID); n != 0 {
			t.Fatalf("%d reservations left, want 0", n)
		}
	})
	t.Run("another integration's reservations stay", func(t *testing.T) {
		if n := countRows(t, s, "scheduled_aliases", keep.ID); n != 1 {
			t.Fatalf("%d reservations, want 1", n)
		}
	})
	t.Run("the aliases of the deleted integration are free again", func(t *testing.T) {
		a, _ := reserve(t, r, request(keep.ID, "c", t0), "111111")
		if a.NumericAlias != "111111" {
			t.Fatalf("got %s, want 111111", a.Alias)
		}
	})
}
