package store

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"vmr-companion/backend/conference"
)

// vmr is a conference with the given name and aliases.
func vmr(name string, aliases ...string) *conference.Conference {
	c := &conference.Conference{Name: name, Description: "VMR of " + name, PIN: "1234", GuestPIN: "5678",
		AllowGuests: true, PrimaryOwnerEmailAddress: strings.ToLower(name) + "@example.com", Aliases: []conference.Alias{}}
	for _, a := range aliases {
		c.Aliases = append(c.Aliases, conference.Alias{Alias: a, Description: "dial " + a})
	}
	return c
}

func createConferences(t *testing.T, r *Conferences, cs ...*conference.Conference) {
	t.Helper()
	if err := r.Create(context.Background(), cs); err != nil {
		t.Fatalf("Create: %v", err)
	}
}

func countAliasRows(t *testing.T, s *Store, conferenceID int64) int {
	t.Helper()
	var n int
	if err := s.writer.QueryRow(`SELECT count(*) FROM conference_aliases WHERE conference_id = ?`, conferenceID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// fieldError returns the message of field if err is a conference
// validation error naming it.
func fieldError(err error, field string) (string, bool) {
	var v *conference.ValidationError
	if !errors.As(err, &v) {
		return "", false
	}
	m, ok := v.Fields[field]
	return m, ok
}

func TestConferencesReadBackAsWritten(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	r := s.Conferences()
	alice := vmr("Alice", "meet.alice@vc.example.com", "zz-alice", "1001", "a-alice")
	bob := vmr("Bob", "meet.bob@vc.example.com")
	createConferences(t, r, alice, bob)

	t.Run("create assigns ids and times", func(t *testing.T) {
		if alice.ID == 0 || bob.ID == 0 || alice.ID == bob.ID {
			t.Fatalf("ids %d and %d", alice.ID, bob.ID)
		}
		if alice.CreatedAt.IsZero() || !alice.UpdatedAt.Equal(alice.CreatedAt) {
			t.Errorf("created %v, updated %v", alice.CreatedAt, alice.UpdatedAt)
		}
	})

	for _, ref := range []string{strconv.FormatInt(alice.ID, 10), "Alice", "ALICE"} {
		t.Run("get by "+ref+" returns every field and the aliases in their order", func(t *testing.T) {
			got, err := r.Get(ctx, ref)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if got.ID != alice.ID || got.Name != alice.Name || got.Description != alice.Description || got.PIN != alice.PIN ||
				got.GuestPIN != alice.GuestPIN || got.AllowGuests != alice.AllowGuests ||
				got.PrimaryOwnerEmailAddress != alice.PrimaryOwnerEmailAddress || !got.CreatedAt.Equal(alice.CreatedAt) {
				t.Errorf("got %+v\nwant %+v", got, alice)
			}
			if !slices.Equal(got.Aliases, alice.Aliases) {
				t.Errorf("aliases %v, want %v", got.Aliases, alice.Aliases)
			}
		})
	}

	t.Run("list keeps each conference's aliases in their order", func(t *testing.T) {
		list, err := r.List(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].Name != "Alice" || list[1].Name != "Bob" {
			t.Fatalf("List = %v", list)
		}
		if !slices.Equal(list[0].Aliases, alice.Aliases) || !slices.Equal(list[1].Aliases, bob.Aliases) {
			t.Errorf("aliases %v and %v", list[0].Aliases, list[1].Aliases)
		}
	})

	t.Run("a conference without aliases reads back with an empty list", func(t *testing.T) {
		bare := vmr("Bare")
		createConferences(t, r, bare)
		got, err := r.Get(ctx, "Bare")
		if err != nil {
			t.Fatal(err)
		}
		if got.Aliases == nil || len(got.Aliases) != 0 {
			t.Fatalf("aliases %#v, want an empty list", got.Aliases)
		}
	})

	t.Run("get of an unknown reference is ErrNotFound", func(t *testing.T) {
		if _, err := r.Get(ctx, "Nobody"); !errors.Is(err, conference.ErrNotFound) {
			t.Fatalf("Get = %v, want ErrNotFound", err)
		}
	})
}

func TestConferenceAliasesCascade(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	r := s.Conferences()
	alice := vmr("Alice", "meet.alice@vc.example.com", "1001")
	bob := vmr("Bob", "meet.bob@vc.example.com")
	createConferences(t, r, alice, bob)

	t.Run("an update replaces the aliases", func(t *testing.T) {
		alice.Aliases = []conference.Alias{{Alias: "1002"}}
		if err := r.Update(ctx, alice); err != nil {
			t.Fatalf("Update: %v", err)
		}
		if n := countAliasRows(t, s, alice.ID); n != 1 {
			t.Fatalf("%d alias rows, want 1", n)
		}
		if taken, _ := r.AliasesTaken(ctx, []string{"1001"}, 0); len(taken) != 0 {
			t.Errorf("the replaced alias is still taken: %v", taken)
		}
	})

	t.Run("deleting a conference deletes its aliases and only its", func(t *testing.T) {
		if err := r.Delete(ctx, alice.ID); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if n := countAliasRows(t, s, alice.ID); n != 0 {
			t.Errorf("%d alias rows left, want 0", n)
		}
		if n := countAliasRows(t, s, bob.ID); n != 1 {
			t.Errorf("%d alias rows of the other conference, want 1", n)
		}
	})

	t.Run("deleting it again is ErrNotFound", func(t *testing.T) {
		if err := r.Delete(ctx, alice.ID); !errors.Is(err, conference.ErrNotFound) {
			t.Fatalf("Delete = %v, want ErrNotFound", err)
		}
	})

	t.Run("updating a deleted conference is ErrNotFound and writes no aliases", func(t *testing.T) {
		alice.Aliases = []conference.Alias{{Alias: "ghost"}}
		if err := r.Update(ctx, alice); !errors.Is(err, conference.ErrNotFound) {
			t.Fatalf("Update = %v, want ErrNotFound", err)
		}
		if n := countAliasRows(t, s, alice.ID); n != 0 {
			t.Errorf("%d alias rows, want 0", n)
		}
	})
}

func TestConferenceSchemaIsTheLastLine(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		batch []*conference.Conference
		field string
	}{
		{"a name taken in another case is refused", []*conference.Conference{vmr("ALICE", "other")}, "name"},
		{"an alias taken in another case is refused", []*conference.Conference{vmr("Carol", "MEET.ALICE@VC.EXAMPLE.COM")}, "aliases"},
		{"the same alias twice in one conference is refused", []*conference.Conference{vmr("Carol", "x", "X")}, "aliases"},
		{"a batch with one bad conference stores none of it", []*conference.Conference{vmr("Carol", "carol"), vmr("Dave", "1001")}, "aliases"},
		{"a scheduled alias is refused", []*conference.Conference{vmr("Carol", "vmr555555@vc.example.com")}, "aliases"},
		{"the number of a scheduled alias is refused", []*conference.Conference{vmr("Carol", "555555")}, "aliases"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, in := withIntegration(t)
			reserve(t, s.Aliases(), request(in.ID, "item", t0), "555555")
			r := s.Conferences()
			createConferences(t, r, vmr("Alice", "meet.alice@vc.example.com", "1001"))

			err := r.Create(ctx, tt.batch)
			if _, ok := fieldError(err, tt.field); !ok {
				t.Fatalf("Create = %v, want a validation error on %s", err, tt.field)
			}
			for _, c := range tt.batch {
				if c.ID != 0 {
					t.Errorf("%s kept the id %d of a rolled-back insert", c.Name, c.ID)
				}
			}
			list, _ := r.List(ctx, "")
			if len(list) != 1 {
				t.Errorf("%d conferences stored, want only the first one", len(list))
			}
			var rows int
			s.writer.QueryRow(`SELECT count(*) FROM conference_aliases`).Scan(&rows)
			if rows != 2 {
				t.Errorf("%d alias rows, want 2", rows)
			}
		})
	}
}

func TestConferencesTaken(t *testing.T) {
	ctx := context.Background()
	s, in := withIntegration(t)
	r := s.Conferences()
	alice := vmr("Alice", "meet.alice@vc.example.com", "1001")
	createConferences(t, r, alice, vmr("Bob", "meet.bob@vc.example.com"))
	reserve(t, s.Aliases(), request(in.ID, "item", t0), "555555")

	tests := []struct {
		name     string
		aliases  []string
		exceptID int64
		want     []string
	}{
		{"aliases of stored conferences are taken whatever their case", []string{"Meet.Alice@vc.example.com", "1001", "free"}, 0, []string{"Meet.Alice@vc.example.com", "1001"}},
		{"a conference's own aliases are not taken for itself", []string{"meet.alice@vc.example.com", "1001", "meet.bob@vc.example.com"}, alice.ID, []string{"meet.bob@vc.example.com"}},
		{"a scheduled alias is taken whatever its case, even for its own conference", []string{"VMR555555@vc.example.com"}, alice.ID, []string{"VMR555555@vc.example.com"}},
		{"the number of a scheduled alias is taken", []string{"555555"}, 0, []string{"555555"}},
		{"no aliases are none taken", nil, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.AliasesTaken(ctx, tt.aliases, tt.exceptID)
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(got)
			slices.Sort(tt.want)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("AliasesTaken = %q, want %q", got, tt.want)
			}
		})
	}

	names := []struct {
		name     string
		names    []string
		exceptID int64
		want     int
	}{
		{"a stored name is taken whatever its case", []string{"aLiCe", "Carol"}, 0, 1},
		{"a conference's own name is not taken for itself", []string{"alice"}, alice.ID, 0},
		{"another conference's name is taken on update", []string{"bob"}, alice.ID, 1},
	}
	for _, tt := range names {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.NamesTaken(ctx, tt.names, tt.exceptID)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.want {
				t.Fatalf("NamesTaken = %q, want %d", got, tt.want)
			}
		})
	}
}

func TestConferencesListByOwner(t *testing.T) {
	ctx := context.Background()
	r := openTemp(t).Conferences()
	a1, a2, b := vmr("Alice one", "a1"), vmr("Alice two", "a2"), vmr("Bob", "b")
	a1.PrimaryOwnerEmailAddress, a2.PrimaryOwnerEmailAddress = "alice@example.com", "alice@example.com"
	createConferences(t, r, a2, b, a1)
	tests := []struct {
		name, owner string
		want        []string
	}{
		{"no owner lists every conference by name", "", []string{"Alice one", "Alice two", "Bob"}},
		{"an owner lists only theirs", "alice@example.com", []string{"Alice one", "Alice two"}},
		{"the owner matches whatever its case", "ALICE@Example.COM", []string{"Alice one", "Alice two"}},
		{"an owner with none lists an empty list", "carol@example.com", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list, err := r.List(ctx, tt.owner)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, c := range list {
				got = append(got, c.Name)
			}
			if list == nil || !slices.Equal(got, tt.want) {
				t.Fatalf("List(%q) = %q, want %q", tt.owner, got, tt.want)
			}
		})
	}
}

func TestMigrationToConferencesAndReservations(t *testing.T) {
	ctx := context.Background()
	for _, from := range []int{0, 3, 4} {
		t.Run("a file at version "+strconv.Itoa(from)+" can hold conferences and reservations after the upgrade", func(t *testing.T) {
			path := filepath.Join(t.TempDir(), FileName)
			old, err := open(ctx, path, from)
			if err != nil {
				t.Fatal(err)
			}
			old.Close()
			s, err := Open(ctx, path)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close()
			for _, table := range []string{"conferences", "conference_aliases", "scheduled_aliases"} {
				if !tableExists(t, s.writer, table) {
					t.Fatalf("table %s is missing", table)
				}
			}
			in := sample(1)
			create(t, s.Integrations(), in)
			reserve(t, s.Aliases(), request(in.ID, "item", t0), "123456")
			createConferences(t, s.Conferences(), vmr("Alice", "meet.alice@vc.example.com"))
		})
	}
}
