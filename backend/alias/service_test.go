package alias_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"vmr-companion/backend/alias"
	"vmr-companion/backend/conference"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/store"
)

// openStore opens a store on a new file in a temporary directory.
func openStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), store.FileName))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// addIntegration stores an integration with single-use VMRs on, prefix
// "vmr", domain vc.example.com and 6 digits, changed by edit.
func addIntegration(t testing.TB, st *store.Store, n int, edit func(in *integration.Integration)) *integration.Integration {
	t.Helper()
	in := integration.Defaults()
	in.UUID = fmt.Sprintf("00000000-0000-4000-8000-%012d", n)
	in.Name = fmt.Sprintf("Site %d", n)
	prefix := "vmr"
	in.ScheduledAliasPrefix = &prefix
	in.ScheduledAliasDomain = "vc.example.com"
	if edit != nil {
		edit(in)
	}
	if err := st.Integrations().Create(context.Background(), []*integration.Integration{in}); err != nil {
		t.Fatalf("creating the integration: %v", err)
	}
	return in
}

// sequence returns digits from a fixed list, cycling, and counts the calls.
type sequence struct {
	mu     sync.Mutex
	values []string
	calls  int
}

func (s *sequence) digits(n int) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.values[s.calls%len(s.values)]
	s.calls++
	return v, nil
}

func (s *sequence) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// clock is a settable time for WithClock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func reserve(t testing.TB, svc *alias.Service, in *integration.Integration, item string) (*alias.ScheduledAlias, bool) {
	t.Helper()
	a, created, err := svc.Reserve(context.Background(), in, item, "Alice@Example.com")
	if err != nil {
		t.Fatalf("Reserve(%s): %v", item, err)
	}
	return a, created
}

func TestAliasShape(t *testing.T) {
	ctx := context.Background()
	str := func(s string) *string { return &s }
	tests := []struct {
		name   string
		prefix *string
		domain string
		digits int
		shape  string
	}{
		{"prefix, digits and domain", str("vmr"), "vc.example.com", 6, `^vmr[0-9]{6}@vc\.example\.com$`},
		{"prefix and digits without a domain", str("vmr"), "", 6, `^vmr[0-9]{6}$`},
		{"digits and domain without a prefix", nil, "vc.example.com", 6, `^[0-9]{6}@vc\.example\.com$`},
		{"digits and domain with an empty prefix", str(""), "vc.example.com", 6, `^[0-9]{6}@vc\.example\.com$`},
		{"digits alone", nil, "", 6, `^[0-9]{6}$`},
		{"the fewest digits allowed", str("m-"), "vc.example.com", 5, `^m-[0-9]{5}@vc\.example\.com$`},
		{"the most digits allowed", str("vmr"), "vc.example.com", 15, `^vmr[0-9]{15}@vc\.example\.com$`},
	}
	for i, tt := range tests {
		t.Run("an alias of "+tt.name+" has the shape "+tt.shape, func(t *testing.T) {
			st := openStore(t)
			in := addIntegration(t, st, i, func(in *integration.Integration) {
				in.ScheduledAliasPrefix, in.ScheduledAliasDomain, in.ScheduledAliasSuffixLength = tt.prefix, tt.domain, tt.digits
			})
			svc := alias.NewService(st.Aliases(), 0)
			for j := range 20 {
				a, created := reserve(t, svc, in, "item-"+strconv.Itoa(j))
				if !created {
					t.Fatal("created = false for a new item")
				}
				if !regexp.MustCompile(tt.shape).MatchString(a.Alias) {
					t.Fatalf("alias %q does not match %s", a.Alias, tt.shape)
				}
				if !regexp.MustCompile(`^[0-9]{` + strconv.Itoa(tt.digits) + `}$`).MatchString(a.NumericAlias) {
					t.Fatalf("numeric alias %q is not %d digits", a.NumericAlias, tt.digits)
				}
				if !strings.Contains(a.Alias, a.NumericAlias) {
					t.Fatalf("alias %q does not hold its number %q", a.Alias, a.NumericAlias)
				}
				if n, _ := strconv.ParseInt(a.NumericAlias, 10, 64); n != a.AliasNumber {
					t.Fatalf("alias_number %d, numeric alias %q", a.AliasNumber, a.NumericAlias)
				}
				stored, err := svc.Lookup(ctx, a.UUID)
				if err != nil || stored.Alias != a.Alias || stored.NumericAlias != a.NumericAlias || stored.AliasNumber != a.AliasNumber {
					t.Fatalf("Lookup = %+v, %v; want %+v", stored, err, a)
				}
			}
		})
	}

	t.Run("digits with leading zeros keep them and count as their number", func(t *testing.T) {
		st := openStore(t)
		in := addIntegration(t, st, 1, nil)
		svc := alias.NewService(st.Aliases(), 0, alias.WithDigits((&sequence{values: []string{"000042"}}).digits))
		a, _ := reserve(t, svc, in, "item")
		if a.Alias != "vmr000042@vc.example.com" || a.NumericAlias != "000042" || a.AliasNumber != 42 {
			t.Fatalf("got %+v", a)
		}
	})

	t.Run("the reservation records the item, the user in lower case and the expiry", func(t *testing.T) {
		st := openStore(t)
		in := addIntegration(t, st, 1, nil)
		clk := &clock{now: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
		svc := alias.NewService(st.Aliases(), 2*time.Hour, alias.WithClock(clk.Now))
		a, _ := reserve(t, svc, in, "  item-7  ")
		got, err := svc.Lookup(ctx, a.UUID)
		if err != nil {
			t.Fatal(err)
		}
		if got.ItemKey != "item-7" || got.UserEmail != "alice@example.com" || got.IntegrationID != in.ID || got.IsUsed ||
			!got.CreationTime.Equal(clk.Now()) || !got.ExpiresAt.Equal(clk.Now().Add(2*time.Hour)) {
			t.Fatalf("stored %+v", got)
		}
	})
}

func TestRandomDigits(t *testing.T) {
	st := openStore(t)
	in := addIntegration(t, st, 1, func(in *integration.Integration) { in.ScheduledAliasSuffixLength = 5 })
	svc := alias.NewService(st.Aliases(), 0)
	seen := map[byte]int{}
	first := map[byte]int{}
	for i := range 300 {
		a, _ := reserve(t, svc, in, "item-"+strconv.Itoa(i))
		for j := range len(a.NumericAlias) {
			seen[a.NumericAlias[j]]++
		}
		first[a.NumericAlias[0]]++
	}
	t.Run("every digit turns up", func(t *testing.T) {
		if len(seen) != 10 {
			t.Fatalf("digits seen: %v", seen)
		}
	})
	t.Run("zero turns up as the first digit", func(t *testing.T) {
		// 300 draws: the chance of no leading zero is 0.9^300, about 2e-14.
		if first['0'] == 0 {
			t.Fatalf("no alias starts with 0: first digits %v", first)
		}
	})
}

func TestReserveIsIdempotentPerItem(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	one := addIntegration(t, st, 1, nil)
	two := addIntegration(t, st, 2, func(in *integration.Integration) {
		p := "room"
		in.ScheduledAliasPrefix, in.ScheduledAliasDomain = &p, "other.example.com"
	})
	svc := alias.NewService(st.Aliases(), 0)
	first, created := reserve(t, svc, one, "AAMkAGI2-item")
	if !created {
		t.Fatal("created = false for a new item")
	}

	t.Run("a retry of the same item returns the same uuid and alias", func(t *testing.T) {
		for range 3 {
			again, created := reserve(t, svc, one, "AAMkAGI2-item")
			if created || again.UUID != first.UUID || again.Alias != first.Alias || again.ID != first.ID {
				t.Fatalf("retry got %+v (created %v), want %+v", again, created, first)
			}
		}
	})
	t.Run("a retry with spaces around the item key is the same item", func(t *testing.T) {
		again, created := reserve(t, svc, one, " AAMkAGI2-item\n")
		if created || again.UUID != first.UUID {
			t.Fatalf("retry got %s (created %v), want %s", again.UUID, created, first.UUID)
		}
	})
	t.Run("another item gets another alias", func(t *testing.T) {
		other, created := reserve(t, svc, one, "AAMkAGI2-other")
		if !created || other.UUID == first.UUID || other.Alias == first.Alias {
			t.Fatalf("got %+v (created %v) beside %+v", other, created, first)
		}
	})
	t.Run("item keys differing only in case are different items", func(t *testing.T) {
		other, created := reserve(t, svc, one, "aamkagi2-item")
		if !created || other.UUID == first.UUID {
			t.Fatalf("got %s (created %v), want a new reservation", other.UUID, created)
		}
	})
	t.Run("another integration with the same item key gets its own", func(t *testing.T) {
		theirs, created := reserve(t, svc, two, "AAMkAGI2-item")
		if !created || theirs.UUID == first.UUID || theirs.IntegrationID != two.ID || !strings.HasPrefix(theirs.Alias, "room") {
			t.Fatalf("got %+v (created %v)", theirs, created)
		}
		again, _ := reserve(t, svc, two, "AAMkAGI2-item")
		if again.UUID != theirs.UUID {
			t.Fatalf("its retry got %s, want %s", again.UUID, theirs.UUID)
		}
	})
	t.Run("each integration counts its own", func(t *testing.T) {
		n1, _ := st.Aliases().Count(ctx, one.ID)
		n2, _ := st.Aliases().Count(ctx, two.ID)
		if n1 != 3 || n2 != 1 {
			t.Fatalf("counts %d and %d, want 3 and 1", n1, n2)
		}
	})
}

func TestReservationsExpire(t *testing.T) {
	ctx := context.Background()
	const ttl = 30 * time.Minute
	setup := func(t *testing.T) (*store.Store, *integration.Integration, *clock, *sequence, *alias.Service) {
		st := openStore(t)
		in := addIntegration(t, st, 1, nil)
		clk := &clock{now: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
		seq := &sequence{values: []string{"111111", "222222", "333333"}}
		return st, in, clk, seq, alias.NewService(st.Aliases(), ttl, alias.WithClock(clk.Now), alias.WithDigits(seq.digits))
	}

	t.Run("a retry just before the TTL returns the same reservation", func(t *testing.T) {
		_, in, clk, _, svc := setup(t)
		first, _ := reserve(t, svc, in, "item")
		clk.advance(ttl - time.Millisecond)
		again, created := reserve(t, svc, in, "item")
		if created || again.UUID != first.UUID {
			t.Fatalf("got %s (created %v), want %s", again.UUID, created, first.UUID)
		}
	})

	t.Run("past the TTL the unused reservation is dropped and the item gets a fresh alias", func(t *testing.T) {
		_, in, clk, _, svc := setup(t)
		first, _ := reserve(t, svc, in, "item")
		clk.advance(ttl + 250*time.Millisecond)
		fresh, created := reserve(t, svc, in, "item")
		if !created || fresh.UUID == first.UUID || fresh.Alias == first.Alias {
			t.Fatalf("got %+v (created %v) after %+v", fresh, created, first)
		}
		if !fresh.ExpiresAt.Equal(clk.Now().Add(ttl)) {
			t.Errorf("expires %v, want %v", fresh.ExpiresAt, clk.Now().Add(ttl))
		}
		if _, err := svc.Lookup(ctx, first.UUID); !errors.Is(err, alias.ErrNotFound) {
			t.Errorf("Lookup of the old reservation = %v, want ErrNotFound", err)
		}
	})

	t.Run("past the TTL an expired alias is free for another item", func(t *testing.T) {
		st, in, clk, seq, svc := setup(t)
		first, _ := reserve(t, svc, in, "old-item")
		seq.values = []string{"111111"}
		clk.advance(ttl)
		reused, created := reserve(t, svc, in, "new-item")
		if !created || reused.Alias != first.Alias {
			t.Fatalf("got %s, want the freed %s", reused.Alias, first.Alias)
		}
		if n, _ := st.Aliases().Count(ctx, in.ID); n != 1 {
			t.Errorf("%d reservations, want 1", n)
		}
	})

	t.Run("the default TTL is a day", func(t *testing.T) {
		st := openStore(t)
		in := addIntegration(t, st, 1, nil)
		clk := &clock{now: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
		svc := alias.NewService(st.Aliases(), -time.Second, alias.WithClock(clk.Now))
		a, _ := reserve(t, svc, in, "item")
		if got := a.ExpiresAt.Sub(a.CreationTime); got != alias.DefaultTTL || alias.DefaultTTL != 24*time.Hour {
			t.Fatalf("TTL %v, want a day", got)
		}
	})
}

func TestExhaustionAndCollisions(t *testing.T) {
	ctx := context.Background()

	t.Run("when every draw is taken the next item gets ErrExhausted at once", func(t *testing.T) {
		st := openStore(t)
		in := addIntegration(t, st, 1, func(in *integration.Integration) { in.Name = "Head office" })
		seq := &sequence{values: []string{"424242"}}
		svc := alias.NewService(st.Aliases(), 0, alias.WithDigits(seq.digits))
		reserve(t, svc, in, "first")
		before := seq.count()
		_, _, err := svc.Reserve(ctx, in, "second", "bob@example.com")
		if !errors.Is(err, alias.ErrExhausted) {
			t.Fatalf("Reserve = %v, want ErrExhausted", err)
		}
		if !strings.Contains(err.Error(), `"Head office"`) || !strings.Contains(err.Error(), "scheduled_alias_suffix_length") {
			t.Errorf("the message %q does not name the integration and the setting to raise", err)
		}
		// Giving up "at once" is counted in draws, not measured in time.
		if draws := seq.count() - before; draws < 2 || draws > 100 {
			t.Errorf("%d draws before giving up, want a small bounded number", draws)
		}
		if n, _ := st.Aliases().Count(ctx, in.ID); n != 1 {
			t.Errorf("%d reservations, want 1", n)
		}
	})

	t.Run("the item that holds the alias still gets it back", func(t *testing.T) {
		st := openStore(t)
		in := addIntegration(t, st, 1, nil)
		svc := alias.NewService(st.Aliases(), 0, alias.WithDigits((&sequence{values: []string{"424242"}}).digits))
		first, _ := reserve(t, svc, in, "first")
		again, created := reserve(t, svc, in, "first")
		if created || again.UUID != first.UUID {
			t.Fatalf("got %s (created %v), want %s", again.UUID, created, first.UUID)
		}
	})

	collisions := []struct {
		name  string
		taken string // a conference alias
	}{
		{"a draw that collides with a conference's alias is skipped", "vmr111111@vc.example.com"},
		{"a draw that collides with a conference's alias in another case is skipped", "VMR111111@VC.EXAMPLE.COM"},
		{"a draw that collides with a conference's numeric alias is skipped", "111111"},
	}
	for _, tt := range collisions {
		t.Run(tt.name, func(t *testing.T) {
			st := openStore(t)
			in := addIntegration(t, st, 1, nil)
			c := &conference.Conference{Name: "Alice", Aliases: []conference.Alias{{Alias: tt.taken}}}
			if err := conference.NewService(st.Conferences()).Create(ctx, c); err != nil {
				t.Fatalf("creating the conference: %v", err)
			}
			seq := &sequence{values: []string{"111111", "222222"}}
			svc := alias.NewService(st.Aliases(), 0, alias.WithDigits(seq.digits))
			a, _ := reserve(t, svc, in, "item")
			if a.Alias != "vmr222222@vc.example.com" || seq.count() != 2 {
				t.Fatalf("got %s after %d draws, want vmr222222@vc.example.com after 2", a.Alias, seq.count())
			}
		})
	}

	t.Run("a draw whose number another integration holds is skipped", func(t *testing.T) {
		st := openStore(t)
		one := addIntegration(t, st, 1, nil)
		two := addIntegration(t, st, 2, func(in *integration.Integration) {
			p := "room"
			in.ScheduledAliasPrefix, in.ScheduledAliasDomain = &p, "other.example.com"
		})
		seq := &sequence{values: []string{"111111", "111111", "222222"}}
		svc := alias.NewService(st.Aliases(), 0, alias.WithDigits(seq.digits))
		reserve(t, svc, one, "item")
		a, _ := reserve(t, svc, two, "item")
		if a.Alias != "room222222@other.example.com" {
			t.Fatalf("got %s, want room222222@other.example.com", a.Alias)
		}
	})

	t.Run("a failing digit source is reported", func(t *testing.T) {
		st := openStore(t)
		in := addIntegration(t, st, 1, nil)
		boom := errors.New("no entropy")
		svc := alias.NewService(st.Aliases(), 0, alias.WithDigits(func(int) (string, error) { return "", boom }))
		if _, _, err := svc.Reserve(ctx, in, "item", ""); !errors.Is(err, boom) {
			t.Fatalf("Reserve = %v, want the digit error", err)
		}
	})
}

func TestReserveRefusesBadRequests(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		edit func(in *integration.Integration)
		item string
		want string
	}{
		{"single-use VMRs turned off are refused", func(in *integration.Integration) { in.EnableDynamicVMRs = false }, "item", "turned off"},
		{"an empty item key is refused", nil, "", "item_key"},
		{"an item key of spaces is refused", nil, "   ", "item_key"},
		{"an item key over 512 characters is refused", nil, strings.Repeat("k", 513), "item_key"},
		{"a suffix length under 5 is refused", func(in *integration.Integration) { in.ScheduledAliasSuffixLength = 4 }, "item", "suffix length"},
		{"a suffix length over 15 is refused", func(in *integration.Integration) { in.ScheduledAliasSuffixLength = 16 }, "item", "suffix length"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := openStore(t)
			in := addIntegration(t, st, 1, tt.edit)
			svc := alias.NewService(st.Aliases(), 0)
			a, _, err := svc.Reserve(ctx, in, tt.item, "alice@example.com")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Reserve = %+v, %v; want an error saying %q", a, err, tt.want)
			}
			if n, _ := st.Aliases().Count(ctx, in.ID); n != 0 {
				t.Errorf("%d reservations, want 0", n)
			}
		})
	}

	t.Run("an item key of 512 characters is accepted", func(t *testing.T) {
		st := openStore(t)
		in := addIntegration(t, st, 1, nil)
		reserve(t, alias.NewService(st.Aliases(), 0), in, strings.Repeat("k", 512))
	})

	t.Run("a deleted integration is refused", func(t *testing.T) {
		st := openStore(t)
		in := addIntegration(t, st, 1, nil)
		if err := st.Integrations().Delete(ctx, in.UUID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := alias.NewService(st.Aliases(), 0).Reserve(ctx, in, "item", ""); !errors.Is(err, integration.ErrNotFound) {
			t.Fatalf("Reserve = %v, want integration.ErrNotFound", err)
		}
	})
}

func TestLookup(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	in := addIntegration(t, st, 1, nil)
	svc := alias.NewService(st.Aliases(), 0)
	a, _ := reserve(t, svc, in, "item")
	t.Run("a reservation is found by its uuid", func(t *testing.T) {
		got, err := svc.Lookup(ctx, a.UUID)
		if err != nil || got.ID != a.ID || got.Alias != a.Alias {
			t.Fatalf("Lookup = %+v, %v; want %+v", got, err, a)
		}
	})
	for _, id := range []string{"", "00000000-0000-4000-8000-000000000000", a.Alias} {
		t.Run(fmt.Sprintf("lookup of %q is ErrNotFound", id), func(t *testing.T) {
			if _, err := svc.Lookup(ctx, id); !errors.Is(err, alias.ErrNotFound) {
				t.Fatalf("Lookup = %v, want ErrNotFound", err)
			}
		})
	}
}

// countDistinct counts the reservations of the store and their distinct
// aliases, numbers and item keys with its own read-only connection.
func countDistinct(t *testing.T, st *store.Store) (rows, aliases, numbers, items int) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+st.Path()+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRow(`SELECT count(*), count(DISTINCT alias), count(DISTINCT numeric_alias), count(DISTINCT item_key)
		FROM scheduled_aliases`).Scan(&rows, &aliases, &numbers, &items); err != nil {
		t.Fatal(err)
	}
	return rows, aliases, numbers, items
}

func TestConcurrentReservations(t *testing.T) {
	ctx := context.Background()

	t.Run("64 goroutines making 50 reservations each get 3,200 distinct aliases", func(t *testing.T) {
		const workers, each = 64, 50
		st := openStore(t)
		// 5 digits: 100,000 aliases, so some draws collide and are retried.
		in := addIntegration(t, st, 1, func(in *integration.Integration) { in.ScheduledAliasSuffixLength = 5 })
		svc := alias.NewService(st.Aliases(), 0)
		errs := make(chan error, workers*each)
		var wg sync.WaitGroup
		start := time.Now()
		for w := range workers {
			wg.Go(func() {
				for i := range each {
					a, created, err := svc.Reserve(ctx, in, fmt.Sprintf("worker-%02d-item-%02d", w, i), "alice@example.com")
					if err == nil && (!created || a == nil) {
						err = fmt.Errorf("item %d of worker %d: created = %v", i, w, created)
					}
					if err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("Reserve: %v", err)
		}
		t.Logf("%d reservations in %v", workers*each, time.Since(start))
		rows, aliases, numbers, items := countDistinct(t, st)
		if want := workers * each; rows != want || aliases != want || numbers != want || items != want {
			t.Fatalf("%d rows, %d distinct aliases, %d numbers, %d items; want %d of each", rows, aliases, numbers, items, want)
		}
	})

	t.Run("16 goroutines retrying the same 20 items get one reservation per item", func(t *testing.T) {
		const workers, items = 16, 20
		st := openStore(t)
		in := addIntegration(t, st, 1, nil)
		svc := alias.NewService(st.Aliases(), 0)
		var mu sync.Mutex
		byItem := map[string]map[string]bool{}
		created := 0
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for i := range items {
					item := fmt.Sprintf("item-%02d", i)
					a, c, err := svc.Reserve(ctx, in, item, "")
					if err != nil {
						t.Errorf("Reserve: %v", err)
						return
					}
					mu.Lock()
					if byItem[item] == nil {
						byItem[item] = map[string]bool{}
					}
					byItem[item][a.UUID+" "+a.Alias] = true
					if c {
						created++
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		for item, got := range byItem {
			if len(got) != 1 {
				t.Errorf("item %s got %d different reservations", item, len(got))
			}
		}
		if created != items {
			t.Errorf("%d calls say they created the reservation, want %d", created, items)
		}
		if rows, _, _, _ := countDistinct(t, st); rows != items {
			t.Errorf("%d rows, want %d", rows, items)
		}
	})
}

func TestReserveAsRecordsTheOwner(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	in := addIntegration(t, st, 1, nil)
	svc := alias.NewService(st.Aliases(), 0)
	owner := alias.Owner{Email: "Erin@Contoso.example", Key: "exchange:https://mail.contoso.example/autodiscover/metadata/json/1#uid-1", Verified: false}
	a, created, err := svc.ReserveAs(ctx, in, "item-1", owner)
	if err != nil || !created {
		t.Fatalf("ReserveAs = %v, %v", created, err)
	}
	t.Run("the stable identity, the lower-cased address and whether it was verified are stored", func(t *testing.T) {
		got, err := svc.Lookup(ctx, a.UUID)
		if err != nil {
			t.Fatal(err)
		}
		if got.UserKey != owner.Key || got.UserEmail != "erin@contoso.example" || got.UserVerified {
			t.Errorf("stored %+v", got)
		}
	})
	t.Run("a verified owner is stored as verified", func(t *testing.T) {
		b, _, err := svc.ReserveAs(ctx, in, "item-2", alias.Owner{Email: "ed@contoso.example", Key: "entra:t/o", Verified: true})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := svc.Lookup(ctx, b.UUID); err != nil || !got.UserVerified || got.UserKey != "entra:t/o" {
			t.Errorf("stored %+v, %v", got, err)
		}
	})
	t.Run("a reservation by address only has no identity", func(t *testing.T) {
		b, _ := reserve(t, svc, in, "item-3")
		if got, err := svc.Lookup(ctx, b.UUID); err != nil || got.UserKey != "" || got.UserVerified {
			t.Errorf("stored %+v, %v", got, err)
		}
	})
	t.Run("an identity longer than the column holds is refused before any write", func(t *testing.T) {
		if _, _, err := svc.ReserveAs(ctx, in, "item-4", alias.Owner{Email: "x@example.com", Key: strings.Repeat("k", 601)}); err == nil {
			t.Fatal("ReserveAs accepted a 601-byte identity")
		}
		if n, err := st.Aliases().Count(ctx, in.ID); err != nil || n != 3 {
			t.Errorf("%d reservations (%v), want 3", n, err)
		}
	})
}
