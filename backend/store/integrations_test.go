package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
)

// sample returns a filled-in integration; n makes its name and uuid unique.
func sample(n int) *integration.Integration {
	in := integration.Defaults()
	in.UUID = fmt.Sprintf("00000000-0000-4000-8000-%012d", n)
	in.Name = fmt.Sprintf("Integration %05d", n)
	in.Description = "Exchange of site " + fmt.Sprint(n)
	in.URL = "https://mail.example.com/EWS/Exchange.asmx"
	mailbox := fmt.Sprintf("vmr-room-%d@example.com", n)
	in.RoomMailboxEmailAddress = &mailbox
	in.RoomMailboxName = "VMR room"
	in.Username = "svc-vmr@example.com"
	in.Domains = []string{"mail.example.com", "example.com"}
	in.ScheduledAliasDomain = "vc.example.com"
	in.AddinServerDomain = "addins.example.com"
	return in
}

func create(t testing.TB, r *Integrations, ins ...*integration.Integration) {
	t.Helper()
	if err := r.Create(context.Background(), ins); err != nil {
		t.Fatalf("Create: %v", err)
	}
}

// diff names the JSON fields that differ between two integrations, times
// aside, or returns "".
func diff(got, want *integration.Integration) string {
	asMap := func(in *integration.Integration) map[string]any {
		c := in.Clone()
		c.CreatedAt, c.UpdatedAt = time.Time{}, time.Time{}
		b, err := json.Marshal(c)
		if err != nil {
			panic(err)
		}
		m := map[string]any{}
		if err := json.Unmarshal(b, &m); err != nil {
			panic(err)
		}
		return m
	}
	g, w := asMap(got), asMap(want)
	var out []string
	for k := range w {
		if !reflect.DeepEqual(g[k], w[k]) {
			out = append(out, fmt.Sprintf("%s: got %v, want %v", k, g[k], w[k]))
		}
	}
	slices.Sort(out)
	return strings.Join(out, "; ")
}

func countRows(t *testing.T, s *Store, table string, id int64) int {
	t.Helper()
	var n int
	if err := s.writer.QueryRow(`SELECT count(*) FROM `+table+` WHERE integration_id = ?`, id).Scan(&n); err != nil {
		t.Fatalf("counting %s: %v", table, err)
	}
	return n
}

func TestCreateAndGet(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	r := s.Integrations()
	in := sample(1)
	prefix, client := "vmr", "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"
	in.ScheduledAliasPrefix = &prefix
	in.PersonalVMROAuthClientID = &client
	in.EnablePersonalVMRs = true
	in.MeetingBufferBefore = 15
	in.SecretsStored = []string{integration.SecretPassword, integration.SecretOAuthClientSecret}
	create(t, r, in)

	t.Run("create assigns an id and both times", func(t *testing.T) {
		if in.ID == 0 {
			t.Error("the id was not set")
		}
		if in.CreatedAt.IsZero() || !in.UpdatedAt.Equal(in.CreatedAt) {
			t.Errorf("created %v, updated %v: want both set and equal", in.CreatedAt, in.UpdatedAt)
		}
	})

	tests := []struct {
		name string
		ref  string
	}{
		{"get by uuid returns every field as stored", in.UUID},
		{"get by name returns every field as stored", in.Name},
		{"get by name ignores case", strings.ToUpper(in.Name)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.Get(ctx, tt.ref)
			if err != nil {
				t.Fatalf("Get(%q): %v", tt.ref, err)
			}
			if d := diff(got, in); d != "" {
				t.Errorf("the stored integration differs: %s", d)
			}
			if !got.CreatedAt.Equal(in.CreatedAt) || !got.UpdatedAt.Equal(in.UpdatedAt) {
				t.Errorf("times %v/%v, want %v/%v", got.CreatedAt, got.UpdatedAt, in.CreatedAt, in.UpdatedAt)
			}
		})
	}

	t.Run("get of an unknown reference is ErrNotFound", func(t *testing.T) {
		_, err := r.Get(ctx, "No such integration")
		if !errors.Is(err, integration.ErrNotFound) {
			t.Fatalf("Get = %v, want ErrNotFound", err)
		}
	})

	t.Run("a uuid match wins over an integration named like that uuid", func(t *testing.T) {
		other := sample(2)
		other.Name = in.UUID
		create(t, r, other)
		got, err := r.Get(ctx, in.UUID)
		if err != nil {
			t.Fatal(err)
		}
		if got.UUID != in.UUID {
			t.Fatalf("got %s (%q), want %s", got.UUID, got.Name, in.UUID)
		}
	})

	t.Run("a nil domain list reads back as an empty list", func(t *testing.T) {
		bare := sample(3)
		bare.Domains = nil
		bare.SecretsStored = nil
		create(t, r, bare)
		got, err := r.Get(ctx, bare.UUID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Domains == nil || len(got.Domains) != 0 || got.SecretsStored == nil || len(got.SecretsStored) != 0 {
			t.Fatalf("domains %#v, secrets %#v: want empty lists", got.Domains, got.SecretsStored)
		}
	})
}

func TestDomainsKeepTheirOrder(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		domains []string
	}{
		{"domains out of alphabetical order come back in the order given", []string{"zeta.example.com", "alpha.example.com", "mid.example.com"}},
		{"a metadata URL among the domains keeps its place", []string{"mail.example.com", "https://adfs.example.com/FederationMetadata/2007-06/FederationMetadata.xml", "example.com"}},
		{"twelve domains keep their order past position nine", []string{"d0.example", "d1.example", "d2.example", "d3.example", "d4.example", "d5.example", "d6.example", "d7.example", "d8.example", "d9.example", "d10.example", "d11.example"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := openTemp(t).Integrations()
			in := sample(i)
			in.Domains = tt.domains
			create(t, r, in)
			got, err := r.Get(ctx, in.UUID)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Domains, tt.domains) {
				t.Fatalf("got %q, want %q", got.Domains, tt.domains)
			}

			reversed := slices.Clone(tt.domains)
			slices.Reverse(reversed)
			got.Domains = reversed
			if err := r.Update(ctx, got); err != nil {
				t.Fatalf("Update: %v", err)
			}
			again, err := r.Get(ctx, in.UUID)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(again.Domains, reversed) {
				t.Fatalf("after the update got %q, want %q", again.Domains, reversed)
			}
		})
	}
}

func TestSecretReferences(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name          string
		first, second []string
	}{
		{"references are saved and replaced by a different set", []string{integration.SecretPassword}, []string{integration.SecretOAuthClientSecret, integration.SecretOAuthRefreshToken}},
		{"references are all removed by an empty set", []string{integration.SecretPassword, integration.SecretPrivateKey}, nil},
		{"references come back in form order", nil, []string{integration.SecretPassword, integration.SecretOAuthClientSecret, integration.SecretPersonalVMROAuthClientSecret}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTemp(t)
			r := s.Integrations()
			in := sample(i)
			in.SecretsStored = tt.first
			create(t, r, in)
			got, err := r.Get(ctx, in.UUID)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.SecretsStored, orEmpty(tt.first)) {
				t.Fatalf("after create got %q, want %q", got.SecretsStored, tt.first)
			}

			got.SecretsStored = tt.second
			if err := r.Update(ctx, got); err != nil {
				t.Fatalf("Update: %v", err)
			}
			again, err := r.Get(ctx, in.UUID)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(again.SecretsStored, orEmpty(tt.second)) {
				t.Fatalf("after update got %q, want %q", again.SecretsStored, tt.second)
			}

			rows, err := s.writer.Query(`SELECT field, account FROM integration_secrets WHERE integration_id = ?`, in.ID)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			n := 0
			for rows.Next() {
				var field, account string
				if err := rows.Scan(&field, &account); err != nil {
					t.Fatal(err)
				}
				if want := secrets.Account(in.UUID, field); account != want {
					t.Errorf("account of %s is %q, want %q", field, account, want)
				}
				n++
			}
			if n != len(tt.second) {
				t.Errorf("%d reference rows, want %d", n, len(tt.second))
			}
		})
	}
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func TestUpdate(t *testing.T) {
	ctx := context.Background()

	t.Run("an update changes the columns and the settings and keeps the creation time", func(t *testing.T) {
		r := openTemp(t).Integrations()
		in := sample(1)
		create(t, r, in)
		got, _ := r.Get(ctx, in.UUID)
		got.Name = "Renamed"
		got.Description = "New description"
		got.AuthenticationMethod = integration.AuthNTLM
		got.MeetingBufferAfter = 120
		got.RoomMailboxEmailAddress = nil
		if err := r.Update(ctx, got); err != nil {
			t.Fatalf("Update: %v", err)
		}
		again, err := r.Get(ctx, "renamed")
		if err != nil {
			t.Fatalf("Get by the new name: %v", err)
		}
		if d := diff(again, got); d != "" {
			t.Errorf("the updated integration differs: %s", d)
		}
		if !again.CreatedAt.Equal(in.CreatedAt) {
			t.Errorf("creation time moved from %v to %v", in.CreatedAt, again.CreatedAt)
		}
		list, _ := r.List(ctx)
		if len(list) != 1 || list[0].Name != "Renamed" || list[0].RoomMailbox != "" || list[0].AuthenticationMethod != integration.AuthNTLM {
			t.Errorf("the list columns did not follow: %+v", list)
		}
	})

	t.Run("an update of an unknown uuid is ErrNotFound", func(t *testing.T) {
		r := openTemp(t).Integrations()
		err := r.Update(ctx, sample(9))
		if !errors.Is(err, integration.ErrNotFound) {
			t.Fatalf("Update = %v, want ErrNotFound", err)
		}
	})
}

func TestDelete(t *testing.T) {
	ctx := context.Background()

	t.Run("delete removes the integration with its domains and secret references", func(t *testing.T) {
		s := openTemp(t)
		r := s.Integrations()
		keep, gone := sample(1), sample(2)
		gone.SecretsStored = []string{integration.SecretPassword, integration.SecretOAuthClientSecret}
		keep.SecretsStored = []string{integration.SecretPassword}
		create(t, r, keep, gone)
		if err := r.Delete(ctx, gone.UUID); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if _, err := r.Get(ctx, gone.UUID); !errors.Is(err, integration.ErrNotFound) {
			t.Errorf("Get after Delete = %v, want ErrNotFound", err)
		}
		for _, table := range []string{"integration_domains", "integration_secrets"} {
			if n := countRows(t, s, table, gone.ID); n != 0 {
				t.Errorf("%d rows of %s are left", n, table)
			}
			if n := countRows(t, s, table, keep.ID); n == 0 {
				t.Errorf("the rows of %s of the other integration went too", table)
			}
		}
	})

	t.Run("delete of an unknown uuid is ErrNotFound", func(t *testing.T) {
		r := openTemp(t).Integrations()
		if err := r.Delete(ctx, sample(5).UUID); !errors.Is(err, integration.ErrNotFound) {
			t.Fatalf("Delete = %v, want ErrNotFound", err)
		}
	})
}

func TestTaken(t *testing.T) {
	ctx := context.Background()
	r := openTemp(t).Integrations()
	a, b := sample(1), sample(2)
	a.Name, b.Name = "Head Office", "Branch"
	create(t, r, a, b)
	free := sample(3).UUID

	tests := []struct {
		name             string
		names, uuids     []string
		except           string
		wantNames        []string
		wantUUIDs        []string
		wantNothingAtAll bool
	}{
		{name: "nothing asked, nothing taken", wantNothingAtAll: true},
		{name: "a stored name is taken", names: []string{"Branch"}, wantNames: []string{"Branch"}},
		{name: "a stored name in another case is taken", names: []string{"HEAD OFFICE"}, wantNames: []string{"Head Office"}},
		{name: "a new name is free", names: []string{"Annex"}, wantNothingAtAll: true},
		{name: "a stored uuid is taken", uuids: []string{a.UUID, free}, wantUUIDs: []string{a.UUID}},
		{name: "names and uuids are checked together", names: []string{"branch", "Annex"}, uuids: []string{b.UUID}, wantNames: []string{"Branch"}, wantUUIDs: []string{b.UUID}},
		{name: "the integration being edited does not take its own name", names: []string{"head office"}, except: a.UUID, wantNothingAtAll: true},
		{name: "the excepted integration does not hide the others", names: []string{"Head Office", "Branch"}, except: a.UUID, wantNames: []string{"Branch"}},
		{name: "many names in one call are all checked", names: append(manyNames(500), "Branch"), wantNames: []string{"Branch"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			names, uuids, err := r.Taken(ctx, tt.names, tt.uuids, tt.except)
			if err != nil {
				t.Fatalf("Taken: %v", err)
			}
			if tt.wantNothingAtAll {
				if len(names) != 0 || len(uuids) != 0 {
					t.Fatalf("got %q and %q, want nothing taken", names, uuids)
				}
				return
			}
			slices.Sort(names)
			slices.Sort(uuids)
			if !slices.Equal(names, tt.wantNames) || !slices.Equal(uuids, tt.wantUUIDs) {
				t.Fatalf("got names %q uuids %q, want %q %q", names, uuids, tt.wantNames, tt.wantUUIDs)
			}
		})
	}
}

func manyNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("Unused %d", i)
	}
	return out
}

func TestUniqueness(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		clash  func(stored *integration.Integration) *integration.Integration
		field  string
		update bool
	}{
		{"creating a second integration with the same name is a name error", func(s *integration.Integration) *integration.Integration {
			c := sample(2)
			c.Name = s.Name
			return c
		}, "name", false},
		{"creating a second integration with the same name in another case is a name error", func(s *integration.Integration) *integration.Integration {
			c := sample(2)
			c.Name = strings.ToLower(s.Name)
			return c
		}, "name", false},
		{"creating a second integration with the same uuid is a uuid error", func(s *integration.Integration) *integration.Integration {
			c := sample(2)
			c.UUID = s.UUID
			return c
		}, "uuid", false},
		{"renaming an integration to a stored name is a name error", func(s *integration.Integration) *integration.Integration {
			c := sample(2)
			c.Name = strings.ToUpper(s.Name)
			return c
		}, "name", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := openTemp(t).Integrations()
			stored := sample(1)
			create(t, r, stored)
			c := tt.clash(stored)
			var err error
			if tt.update {
				other := sample(2)
				create(t, r, other)
				c.ID = other.ID
				err = r.Update(ctx, c)
			} else {
				err = r.Create(ctx, []*integration.Integration{c})
			}
			var verr *integration.ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("got %v, want a *integration.ValidationError", err)
			}
			if verr.Fields[tt.field] == "" || len(verr.Fields) != 1 {
				t.Fatalf("fields %v, want exactly a %q problem", verr.Fields, tt.field)
			}
			list, _ := r.List(ctx)
			for _, l := range list {
				if l.UUID == stored.UUID && l.Name != stored.Name {
					t.Errorf("the stored integration changed: %+v", l)
				}
			}
		})
	}
}

func TestCreateBatchIsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		batch func() []*integration.Integration
	}{
		{"a batch whose second item repeats the first's name stores nothing", func() []*integration.Integration {
			a, b := sample(1), sample(2)
			b.Name = a.Name
			return []*integration.Integration{a, b}
		}},
		{"a batch whose last item repeats a uuid stores nothing", func() []*integration.Integration {
			a, b, c := sample(1), sample(2), sample(3)
			c.UUID = a.UUID
			return []*integration.Integration{a, b, c}
		}},
		{"a batch whose second item breaks the name length check stores nothing", func() []*integration.Integration {
			a, b := sample(1), sample(2)
			b.Name = ""
			return []*integration.Integration{a, b}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTemp(t)
			r := s.Integrations()
			batch := tt.batch()
			if err := r.Create(ctx, batch); err == nil {
				t.Fatal("Create accepted the batch")
			}
			list, err := r.List(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 0 {
				t.Fatalf("%d integrations were stored", len(list))
			}
			var domains int
			if err := s.writer.QueryRow(`SELECT count(*) FROM integration_domains`).Scan(&domains); err != nil {
				t.Fatal(err)
			}
			if domains != 0 {
				t.Errorf("%d domain rows were stored", domains)
			}
			for i, in := range batch {
				if in.ID != 0 {
					t.Errorf("item %d kept the id %d of a rolled back row", i, in.ID)
				}
			}
		})
	}
}

func TestList(t *testing.T) {
	ctx := context.Background()

	t.Run("an empty store lists an empty, non-nil slice", func(t *testing.T) {
		list, err := openTemp(t).Integrations().List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if list == nil || len(list) != 0 {
			t.Fatalf("got %#v", list)
		}
	})

	t.Run("integrations are listed by name, ignoring case", func(t *testing.T) {
		r := openTemp(t).Integrations()
		var ins []*integration.Integration
		for i, name := range []string{"delta", "Bravo", "alpha", "Charlie"} {
			in := sample(i)
			in.Name = name
			ins = append(ins, in)
		}
		create(t, r, ins...)
		list, err := r.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, l := range list {
			got = append(got, l.Name)
		}
		if want := []string{"alpha", "Bravo", "Charlie", "delta"}; !slices.Equal(got, want) {
			t.Fatalf("got %q, want %q", got, want)
		}
	})

	t.Run("a summary carries the list columns of its integration", func(t *testing.T) {
		r := openTemp(t).Integrations()
		in := sample(7)
		in.EnablePersonalVMRs = true
		in.AuthenticationMethod = integration.AuthOAuth
		create(t, r, in)
		list, err := r.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := in.Summarize()
		if len(list) != 1 {
			t.Fatalf("got %d summaries", len(list))
		}
		got := list[0]
		if !got.UpdatedAt.Equal(want.UpdatedAt) {
			t.Errorf("updated %v, want %v", got.UpdatedAt, want.UpdatedAt)
		}
		got.UpdatedAt = want.UpdatedAt
		if got != want {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
	})
}
