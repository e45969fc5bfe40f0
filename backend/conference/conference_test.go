package conference_test

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"vmr-companion/backend/conference"
)

// valid returns a conference that passes validation, changed by edit.
func valid(edit func(c *conference.Conference)) *conference.Conference {
	c := &conference.Conference{
		Name:                     "Alice's room",
		Description:              "Where Alice meets",
		Aliases:                  []conference.Alias{{Alias: "meet.alice@vc.example.com"}, {Alias: "1001"}, {Alias: "alice"}},
		PIN:                      "1234",
		GuestPIN:                 "5678",
		AllowGuests:              true,
		PrimaryOwnerEmailAddress: "alice@example.com",
	}
	if edit != nil {
		edit(c)
	}
	return c
}

func aliases(names ...string) []conference.Alias {
	out := []conference.Alias{}
	for _, n := range names {
		out = append(out, conference.Alias{Alias: n})
	}
	return out
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(c *conference.Conference)
		want []string // JSON fields with a problem
	}{
		{"a complete conference is valid", nil, nil},
		{"a conference with only a name and an alias is valid", func(c *conference.Conference) {
			*c = conference.Conference{Name: "Lobby", Aliases: aliases("lobby")}
		}, nil},

		{"the name is required", func(c *conference.Conference) { c.Name = "" }, []string{"name"}},
		{"a name of spaces is missing", func(c *conference.Conference) { c.Name = "  \t " }, []string{"name"}},
		{"a name of 250 characters is valid", func(c *conference.Conference) { c.Name = strings.Repeat("n", 250) }, nil},
		{"a name of 250 accented characters is valid", func(c *conference.Conference) { c.Name = strings.Repeat("é", 250) }, nil},
		{"a name of 251 characters is too long", func(c *conference.Conference) { c.Name = strings.Repeat("n", 251) }, []string{"name"}},
		{"a description of 251 characters is too long", func(c *conference.Conference) { c.Description = strings.Repeat("d", 251) }, []string{"description"}},

		{"at least one alias is required", func(c *conference.Conference) { c.Aliases = nil }, []string{"aliases"}},
		{"an empty alias is refused", func(c *conference.Conference) { c.Aliases = aliases("a", " ") }, []string{"aliases"}},
		{"an alias listed twice is refused", func(c *conference.Conference) { c.Aliases = aliases("a", "b", "a") }, []string{"aliases"}},
		{"an alias listed twice in another case is refused", func(c *conference.Conference) {
			c.Aliases = aliases("Meet.Alice@vc.example.com", "meet.alice@VC.EXAMPLE.COM")
		}, []string{"aliases"}},
		{"an alias with a space is refused", func(c *conference.Conference) { c.Aliases = aliases("meet alice") }, []string{"aliases"}},
		{"an alias with a tab is refused", func(c *conference.Conference) { c.Aliases = aliases("meet\talice") }, []string{"aliases"}},
		{"an alias with a double quote is refused", func(c *conference.Conference) { c.Aliases = aliases(`"alice"@vc.example.com`) }, []string{"aliases"}},
		{"an alias in angle brackets is refused", func(c *conference.Conference) { c.Aliases = aliases("<sip:alice@vc.example.com>") }, []string{"aliases"}},
		{"an alias of 250 characters is valid", func(c *conference.Conference) { c.Aliases = aliases(strings.Repeat("a", 250)) }, nil},
		{"an alias of 251 characters is refused", func(c *conference.Conference) { c.Aliases = aliases(strings.Repeat("a", 251)) }, []string{"aliases"}},

		{"no PIN at all is valid", func(c *conference.Conference) { c.PIN, c.GuestPIN = "", "" }, nil},
		{"a PIN of 4 digits is valid", func(c *conference.Conference) { c.PIN, c.GuestPIN = "0000", "" }, nil},
		{"a PIN of 20 digits is valid", func(c *conference.Conference) { c.PIN, c.GuestPIN = strings.Repeat("9", 20), "" }, nil},
		{"a PIN of 3 digits is too short", func(c *conference.Conference) { c.PIN, c.GuestPIN = "123", "" }, []string{"pin"}},
		{"a PIN of 21 digits is too long", func(c *conference.Conference) { c.PIN, c.GuestPIN = strings.Repeat("9", 21), "" }, []string{"pin"}},
		{"a PIN with a letter is refused", func(c *conference.Conference) { c.PIN, c.GuestPIN = "12a4", "" }, []string{"pin"}},
		{"a PIN with Arabic-Indic digits is refused", func(c *conference.Conference) { c.PIN, c.GuestPIN = "١٢٣٤", "" }, []string{"pin"}},
		{"a PIN followed by a newline is refused", func(c *conference.Conference) { c.PIN, c.GuestPIN = "1234\n", "" }, []string{"pin"}},

		{"a guest PIN of 3 digits is too short", func(c *conference.Conference) { c.PIN, c.GuestPIN = "123", "456" }, []string{"pin", "guest_pin"}},
		{"a guest PIN of 21 digits is too long", func(c *conference.Conference) { c.GuestPIN = strings.Repeat("8", 21) }, []string{"guest_pin"}},
		{"a guest PIN with a letter is refused", func(c *conference.Conference) { c.GuestPIN = "56x8" }, []string{"guest_pin"}},
		{"a guest PIN without a host PIN is refused", func(c *conference.Conference) { c.PIN = "" }, []string{"guest_pin"}},
		{"a guest PIN equal to the host PIN is refused", func(c *conference.Conference) { c.GuestPIN = c.PIN }, []string{"guest_pin"}},
		{"a guest PIN shorter than the host PIN is refused", func(c *conference.Conference) { c.PIN, c.GuestPIN = "123456", "5678" }, []string{"guest_pin"}},
		{"a guest PIN longer than the host PIN is refused", func(c *conference.Conference) { c.PIN, c.GuestPIN = "1234", "567890" }, []string{"guest_pin"}},
		{"a 20-digit guest PIN beside a 20-digit host PIN is valid", func(c *conference.Conference) {
			c.PIN, c.GuestPIN = strings.Repeat("1", 20), strings.Repeat("2", 20)
		}, nil},

		{"no owner is valid", func(c *conference.Conference) { c.PrimaryOwnerEmailAddress = "" }, nil},
		{"an owner without an at sign is refused", func(c *conference.Conference) { c.PrimaryOwnerEmailAddress = "alice" }, []string{"primary_owner_email_address"}},
		{"an owner with a display name is refused", func(c *conference.Conference) {
			c.PrimaryOwnerEmailAddress = "Alice <alice@example.com>"
		}, []string{"primary_owner_email_address"}},
		{"an owner with two at signs is refused", func(c *conference.Conference) { c.PrimaryOwnerEmailAddress = "a@b@example.com" }, []string{"primary_owner_email_address"}},
		{"an owner with a space is refused", func(c *conference.Conference) { c.PrimaryOwnerEmailAddress = "alice smith@example.com" }, []string{"primary_owner_email_address"}},

		{"every problem is reported at once", func(c *conference.Conference) {
			*c = conference.Conference{Name: "", Description: strings.Repeat("d", 300), Aliases: aliases("a b"),
				PIN: "12", GuestPIN: "x", PrimaryOwnerEmailAddress: "nobody"}
		}, []string{"aliases", "description", "guest_pin", "name", "pin", "primary_owner_email_address"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := conference.Validate(valid(tt.edit))
			var got []string
			if v != nil {
				got = slices.Sorted(maps.Keys(v.Fields))
				for f, m := range v.Fields {
					if m == "" {
						t.Errorf("field %s has an empty message", f)
					}
					// The window translates the code; the CLI prints the message.
					if fe := v.FieldErrors[f]; fe.Code == "" || fe.Message != m {
						t.Errorf("field %s: field error %+v, want a code and the message %q", f, fe, m)
					}
				}
			}
			slices.Sort(tt.want)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("fields with problems %q, want %q (%v)", got, tt.want, v)
			}
		})
	}
}

func TestValidationErrorMessage(t *testing.T) {
	v := conference.Validate(&conference.Conference{PIN: "1"})
	if v == nil {
		t.Fatal("an empty conference is valid")
	}
	var err error = v
	var got *conference.ValidationError
	t.Run("the error is found with errors.As", func(t *testing.T) {
		if !errors.As(err, &got) || got != v {
			t.Fatal("errors.As did not find the ValidationError")
		}
	})
	t.Run("the message names every field in alphabetical order", func(t *testing.T) {
		msg := err.Error()
		a, n, p := strings.Index(msg, "aliases: "), strings.Index(msg, "name: "), strings.Index(msg, "pin: ")
		if a < 0 || n < 0 || p < 0 || !(a < n && n < p) {
			t.Fatalf("message %q", msg)
		}
	})
	t.Run("the alias message gives an example", func(t *testing.T) {
		if !strings.Contains(v.Fields["aliases"], "@") {
			t.Errorf("message %q has no example alias", v.Fields["aliases"])
		}
	})
}

func TestAliasKinds(t *testing.T) {
	tests := []struct {
		name                   string
		aliases                []string
		domain, numeric, other []string
	}{
		{"no aliases give three empty lists", nil, []string{}, []string{}, []string{}},
		{"aliases are split by kind, keeping their order",
			[]string{"meet.alice@vc.example.com", "1001", "alice", "sip:bob@vc.example.com", "0044", "room-7", "alice@[10.0.0.1]"},
			[]string{"meet.alice@vc.example.com", "sip:bob@vc.example.com", "alice@[10.0.0.1]"},
			[]string{"1001", "0044"},
			[]string{"alice", "room-7"}},
		{"a number with a plus sign or a space is not numeric",
			[]string{"+4420", "12 34", "12a"}, []string{}, []string{}, []string{"+4420", "12 34", "12a"}},
		{"a numeric alias with a domain is a domain alias",
			[]string{"1001@vc.example.com"}, []string{"1001@vc.example.com"}, []string{}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &conference.Conference{Aliases: aliases(tt.aliases...)}
			d, n, o := c.AliasKinds()
			if d == nil || n == nil || o == nil {
				t.Fatalf("nil list: %#v %#v %#v", d, n, o)
			}
			if !slices.Equal(d, tt.domain) || !slices.Equal(n, tt.numeric) || !slices.Equal(o, tt.other) {
				t.Fatalf("got %q %q %q, want %q %q %q", d, n, o, tt.domain, tt.numeric, tt.other)
			}
		})
	}
}

func TestValidationErrorCodes(t *testing.T) {
	v := conference.Validate(valid(func(c *conference.Conference) { c.PIN, c.GuestPIN = "123456", "5678" }))
	fe := v.FieldErrors["guest_pin"]
	if fe.Code != "guest_pin_length" || fe.Params["digits"] != "6" {
		t.Fatalf("guest_pin: got %+v, want guest_pin_length with digits 6", fe)
	}
}
