package conference_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"vmr-companion/backend/alias"
	"vmr-companion/backend/conference"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/store"
)

// env is the conference service over a real SQLite file, with an
// integration to reserve scheduled aliases for.
type env struct {
	store   *store.Store
	svc     *conference.Service
	aliases *alias.Service
	in      *integration.Integration
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), store.FileName))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	in := integration.Defaults()
	in.UUID, in.Name = "00000000-0000-4000-8000-000000000001", "Head office"
	prefix := "vmr"
	in.ScheduledAliasPrefix, in.ScheduledAliasDomain = &prefix, "vc.example.com"
	if err := st.Integrations().Create(ctx, []*integration.Integration{in}); err != nil {
		t.Fatalf("creating the integration: %v", err)
	}
	return &env{store: st, svc: conference.NewService(st.Conferences()), aliases: alias.NewService(st.Aliases(), 0), in: in}
}

func (e *env) create(t testing.TB, cs ...*conference.Conference) {
	t.Helper()
	for _, c := range cs {
		if err := e.svc.Create(context.Background(), c); err != nil {
			t.Fatalf("Create(%s): %v", c.Name, err)
		}
	}
}

// fields returns the fields of a validation error, or fails.
func fields(t *testing.T, err error) map[string]string {
	t.Helper()
	var v *conference.ValidationError
	if !errors.As(err, &v) {
		t.Fatalf("error %v is not a ValidationError", err)
	}
	return v.Fields
}

func TestServiceLifecycle(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	c := valid(func(c *conference.Conference) {
		c.Name = "  Alice's room "
		c.PrimaryOwnerEmailAddress = " Alice@Example.COM "
		c.Aliases = []conference.Alias{{Alias: " meet.alice@vc.example.com ", Description: "SIP"}, {Alias: "1001"}}
	})
	e.create(t, c)

	t.Run("create trims and lowercases what people paste", func(t *testing.T) {
		if c.Name != "Alice's room" || c.PrimaryOwnerEmailAddress != "alice@example.com" || c.Aliases[0].Alias != "meet.alice@vc.example.com" {
			t.Fatalf("got %q, %q, %q", c.Name, c.PrimaryOwnerEmailAddress, c.Aliases[0].Alias)
		}
		if c.ID == 0 {
			t.Fatal("no id")
		}
	})

	for _, ref := range []string{strconv.FormatInt(c.ID, 10), "Alice's room", " ALICE'S ROOM "} {
		t.Run("get by "+strconv.Quote(ref)+" finds it", func(t *testing.T) {
			got, err := e.svc.Get(ctx, ref)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if got.ID != c.ID || got.PIN != "1234" || got.GuestPIN != "5678" || !got.AllowGuests || !slices.Equal(got.Aliases, c.Aliases) {
				t.Fatalf("got %+v, want %+v", got, c)
			}
		})
	}

	t.Run("update changes fields and aliases", func(t *testing.T) {
		got, _ := e.svc.Get(ctx, "Alice's room")
		got.Name, got.PIN, got.GuestPIN, got.AllowGuests = "Alice's big room", "123456", "", false
		got.Aliases = append(got.Aliases, conference.Alias{Alias: "alice"})
		if err := e.svc.Update(ctx, got); err != nil {
			t.Fatalf("Update: %v", err)
		}
		again, err := e.svc.Get(ctx, strconv.FormatInt(c.ID, 10))
		if err != nil {
			t.Fatal(err)
		}
		if again.Name != "Alice's big room" || again.PIN != "123456" || again.GuestPIN != "" || again.AllowGuests || len(again.Aliases) != 3 {
			t.Fatalf("got %+v", again)
		}
		if _, err := e.svc.Get(ctx, "Alice's room"); !errors.Is(err, conference.ErrNotFound) {
			t.Errorf("the old name still finds it: %v", err)
		}
	})

	t.Run("update without an id is refused", func(t *testing.T) {
		if err := e.svc.Update(ctx, valid(nil)); err == nil {
			t.Fatal("Update accepted a conference without an id")
		}
	})

	t.Run("update validates like create", func(t *testing.T) {
		got, _ := e.svc.Get(ctx, strconv.FormatInt(c.ID, 10))
		got.PIN = "12"
		if f := fields(t, e.svc.Update(ctx, got)); f["pin"] == "" {
			t.Fatalf("fields %v, want pin", f)
		}
	})

	t.Run("delete by name removes it and frees its aliases", func(t *testing.T) {
		if err := e.svc.Delete(ctx, "alice's BIG room"); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if _, err := e.svc.Get(ctx, strconv.FormatInt(c.ID, 10)); !errors.Is(err, conference.ErrNotFound) {
			t.Fatalf("Get after delete = %v, want ErrNotFound", err)
		}
		e.create(t, valid(func(c *conference.Conference) { c.Aliases = aliases("meet.alice@vc.example.com", "1001") }))
	})

	t.Run("delete of an unknown conference is ErrNotFound", func(t *testing.T) {
		if err := e.svc.Delete(ctx, "Nobody"); !errors.Is(err, conference.ErrNotFound) {
			t.Fatalf("Delete = %v, want ErrNotFound", err)
		}
	})
}

func TestServiceUniqueness(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		edit  func(c *conference.Conference)
		field string // "" when it is accepted
	}{
		{"a new name and new aliases are accepted", func(c *conference.Conference) {
			c.Name, c.Aliases = "Carol", aliases("carol")
		}, ""},
		{"the name of another conference is refused", func(c *conference.Conference) {
			c.Name, c.Aliases = "Alice", aliases("carol")
		}, "name"},
		{"the name of another conference in another case is refused", func(c *conference.Conference) {
			c.Name, c.Aliases = "aLICE", aliases("carol")
		}, "name"},
		{"an alias of another conference is refused", func(c *conference.Conference) {
			c.Name, c.Aliases = "Carol", aliases("carol", "1002")
		}, "aliases"},
		{"an alias of another conference in another case is refused", func(c *conference.Conference) {
			c.Name, c.Aliases = "Carol", aliases("MEET.BOB@VC.EXAMPLE.COM")
		}, "aliases"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.create(t, valid(func(c *conference.Conference) {
				c.Name, c.Aliases = "Alice", aliases("meet.alice@vc.example.com", "1001")
			}),
				valid(func(c *conference.Conference) { c.Name, c.Aliases = "Bob", aliases("meet.bob@vc.example.com", "1002") }))
			err := e.svc.Create(ctx, valid(tt.edit))
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Create: %v", err)
				}
				return
			}
			if f := fields(t, err); f[tt.field] == "" {
				t.Fatalf("fields %v, want %s", f, tt.field)
			}
			if list, _ := e.svc.List(ctx, ""); len(list) != 2 {
				t.Errorf("%d conferences stored, want 2", len(list))
			}
		})
	}

	t.Run("a taken name and a taken alias are reported together", func(t *testing.T) {
		e := newEnv(t)
		e.create(t, valid(func(c *conference.Conference) { c.Name, c.Aliases = "Alice", aliases("1001") }))
		f := fields(t, e.svc.Create(ctx, valid(func(c *conference.Conference) { c.Name, c.Aliases = "alice", aliases("1001") })))
		if f["name"] == "" || !strings.Contains(f["aliases"], "1001") {
			t.Fatalf("fields %v, want name and aliases naming 1001", f)
		}
	})

	updates := []struct {
		name  string
		edit  func(c *conference.Conference)
		field string
	}{
		{"an update keeping its own name and aliases is accepted", func(c *conference.Conference) { c.Description = "new" }, ""},
		{"an update changing only the case of its name and aliases is accepted", func(c *conference.Conference) {
			c.Name, c.Aliases = "ALICE", aliases("MEET.ALICE@vc.example.com", "1001")
		}, ""},
		{"an update reordering its aliases is accepted", func(c *conference.Conference) {
			c.Aliases = aliases("1001", "meet.alice@vc.example.com")
		}, ""},
		{"an update to another conference's name is refused", func(c *conference.Conference) { c.Name = "Bob" }, "name"},
		{"an update adding another conference's alias is refused", func(c *conference.Conference) {
			c.Aliases = append(c.Aliases, conference.Alias{Alias: "1002"})
		}, "aliases"},
	}
	for _, tt := range updates {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			alice := valid(func(c *conference.Conference) {
				c.Name, c.Aliases = "Alice", aliases("meet.alice@vc.example.com", "1001")
			})
			e.create(t, alice, valid(func(c *conference.Conference) { c.Name, c.Aliases = "Bob", aliases("meet.bob@vc.example.com", "1002") }))
			got, err := e.svc.Get(ctx, "Alice")
			if err != nil {
				t.Fatal(err)
			}
			tt.edit(got)
			err = e.svc.Update(ctx, got)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Update: %v", err)
				}
				return
			}
			if f := fields(t, err); f[tt.field] == "" {
				t.Fatalf("fields %v, want %s", f, tt.field)
			}
			again, _ := e.svc.Get(ctx, "Alice")
			if again == nil || len(again.Aliases) != 2 {
				t.Errorf("the refused update changed the stored conference: %+v", again)
			}
		})
	}
}

func TestServiceRefusesScheduledAliases(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	r, _, err := e.aliases.Reserve(ctx, e.in, "compose-item-1", "bob@example.com")
	if err != nil {
		t.Fatalf("Reserve: %v", err)
	}
	tests := []struct {
		name  string
		alias string
	}{
		{"a scheduled alias is refused", r.Alias},
		{"a scheduled alias in another case is refused", strings.ToUpper(r.Alias)},
		{"the number of a scheduled alias is refused", r.NumericAlias},
	}
	for i, tt := range tests {
		t.Run(tt.name+" on create", func(t *testing.T) {
			err := e.svc.Create(ctx, valid(func(c *conference.Conference) { c.Aliases = aliases("free-one", tt.alias) }))
			if f := fields(t, err); !strings.Contains(f["aliases"], tt.alias) {
				t.Fatalf("fields %v, want aliases naming %s", f, tt.alias)
			}
		})
		t.Run(tt.name+" on update", func(t *testing.T) {
			c := valid(func(c *conference.Conference) {
				c.Name, c.Aliases = "Holder "+strconv.Itoa(i), aliases("holder-"+strconv.Itoa(i))
			})
			e.create(t, c)
			c.Aliases = append(c.Aliases, conference.Alias{Alias: tt.alias})
			if f := fields(t, e.svc.Update(ctx, c)); f["aliases"] == "" {
				t.Fatalf("fields %v, want aliases", f)
			}
		})
	}
}

func TestServiceListByOwner(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	owned := func(name, owner string) *conference.Conference {
		return valid(func(c *conference.Conference) {
			c.Name, c.PrimaryOwnerEmailAddress, c.Aliases = name, owner, aliases(strings.ToLower(strings.ReplaceAll(name, " ", "-")))
		})
	}
	e.create(t, owned("Zed", "Alice@Example.com"), owned("Bob room", "bob@example.com"), owned("Alice room", "alice@example.com"), owned("Shared", ""))
	tests := []struct {
		name, owner string
		want        []string
	}{
		{"without an owner every conference is listed by name", "", []string{"Alice room", "Bob room", "Shared", "Zed"}},
		{"an owner lists only theirs, whatever the case it was stored in", "alice@example.com", []string{"Alice room", "Zed"}},
		{"an owner in capitals with spaces around lists the same", "  ALICE@EXAMPLE.COM ", []string{"Alice room", "Zed"}},
		{"an owner with none gets an empty list", "nobody@example.com", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list, err := e.svc.List(ctx, tt.owner)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, c := range list {
				got = append(got, c.Name)
				if len(c.Aliases) != 1 {
					t.Errorf("%s has %d aliases, want 1", c.Name, len(c.Aliases))
				}
			}
			if list == nil || !slices.Equal(got, tt.want) {
				t.Fatalf("List(%q) = %q, want %q", tt.owner, got, tt.want)
			}
		})
	}
}

func TestServiceAliasKindsOfAStoredConference(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.create(t, valid(func(c *conference.Conference) {
		c.Aliases = aliases("1001", "meet.alice@vc.example.com", "alice", "0042", "alice@vc.example.com")
	}))
	c, err := e.svc.Get(ctx, "Alice's room")
	if err != nil {
		t.Fatal(err)
	}
	d, n, o := c.AliasKinds()
	if !slices.Equal(d, []string{"meet.alice@vc.example.com", "alice@vc.example.com"}) || !slices.Equal(n, []string{"1001", "0042"}) || !slices.Equal(o, []string{"alice"}) {
		t.Fatalf("got %q %q %q", d, n, o)
	}
}
