package conference_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/conference"
)

// problems returns the import error's problems as "line field" strings.
func problems(t *testing.T, err error) ([]string, *conference.ImportError) {
	t.Helper()
	var imp *conference.ImportError
	if !errors.As(err, &imp) {
		t.Fatalf("error %v is not an ImportError", err)
	}
	var out []string
	for _, p := range imp.Problems {
		for _, f := range slices.Sorted(maps.Keys(p.Fields)) {
			out = append(out, fmt.Sprintf("%d %s", p.Line, f))
		}
	}
	return out, imp
}

func stored(t *testing.T, e *env) []string {
	t.Helper()
	list, err := e.svc.List(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, c := range list {
		names = append(names, c.Name)
	}
	return names
}

func TestImportCSVReadsEveryColumn(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		csv  string
		want []conference.Conference
	}{
		{"columns in the documented order are read",
			"name,description,aliases,pin,guest_pin,allow_guests,primary_owner_email_address\n" +
				"Alice,Alice's room,meet.alice@vc.example.com;1001,1234,5678,true,alice@example.com\n",
			[]conference.Conference{{Name: "Alice", Description: "Alice's room", PIN: "1234", GuestPIN: "5678", AllowGuests: true,
				PrimaryOwnerEmailAddress: "alice@example.com", Aliases: aliases("meet.alice@vc.example.com", "1001")}}},
		{"columns in any order and case are read",
			" Primary_Owner_Email_Address ,ALLOW_GUESTS,Guest_PIN,PIN,Aliases,Description,Name\n" +
				"Alice@Example.com,TRUE,5678,1234,meet.alice@vc.example.com;1001,Alice's room, Alice \n",
			[]conference.Conference{{Name: "Alice", Description: "Alice's room", PIN: "1234", GuestPIN: "5678", AllowGuests: true,
				PrimaryOwnerEmailAddress: "alice@example.com", Aliases: aliases("meet.alice@vc.example.com", "1001")}}},
		{"only name and aliases are needed",
			"aliases,name\nalice,Alice\n",
			[]conference.Conference{{Name: "Alice", Aliases: aliases("alice")}}},
		{"aliases are separated by semicolons, spaces or both",
			"name,aliases\nAlice,a1;a2 a3 ; a4;;a5  a6\n",
			[]conference.Conference{{Name: "Alice", Aliases: aliases("a1", "a2", "a3", "a4", "a5", "a6")}}},
		{"a byte order mark before the header is ignored",
			"\ufeffname,aliases\nAlice,alice\n",
			[]conference.Conference{{Name: "Alice", Aliases: aliases("alice")}}},
		{"a byte order mark before a quoted header is ignored",
			"\ufeff\"name\",\"aliases\"\n\"Alice\",\"alice\"\n",
			[]conference.Conference{{Name: "Alice", Aliases: aliases("alice")}}},
		{"Windows line endings are read",
			"name,aliases\r\nAlice,alice\r\nBob,bob\r\n",
			[]conference.Conference{{Name: "Alice", Aliases: aliases("alice")}, {Name: "Bob", Aliases: aliases("bob")}}},
		{"a row shorter than the header leaves the missing cells empty",
			"name,aliases,pin,description\nAlice,alice\n",
			[]conference.Conference{{Name: "Alice", Aliases: aliases("alice")}}},
		{"a column that is not a conference field is ignored",
			"name,aliases,notes\nAlice,alice,call her first\n",
			[]conference.Conference{{Name: "Alice", Aliases: aliases("alice")}}},
		{"a quoted cell may hold commas and line breaks",
			"name,description,aliases\n\"Alice, Bob\",\"line one\nline two\",ab\n",
			[]conference.Conference{{Name: "Alice, Bob", Description: "line one\nline two", Aliases: aliases("ab")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			got, err := e.svc.ImportCSV(ctx, strings.NewReader(tt.csv))
			if err != nil {
				t.Fatalf("ImportCSV: %v", err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("imported %d, want %d", len(got), len(tt.want))
			}
			for i, w := range tt.want {
				s, err := e.svc.Get(ctx, w.Name)
				if err != nil {
					t.Fatalf("Get(%s): %v", w.Name, err)
				}
				if s.ID != got[i].ID || s.Description != w.Description || s.PIN != w.PIN || s.GuestPIN != w.GuestPIN ||
					s.AllowGuests != w.AllowGuests || s.PrimaryOwnerEmailAddress != w.PrimaryOwnerEmailAddress ||
					!slices.Equal(s.Aliases, w.Aliases) {
					t.Errorf("stored %+v\nwant %+v", s, w)
				}
			}
		})
	}
}

func TestImportCSVAllowGuests(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		cell    string
		want    bool
		refused bool
	}{
		{"true", true, false},
		{"TRUE", true, false},
		{"True", true, false},
		{"1", true, false},
		{" t ", true, false},
		{"false", false, false},
		{"FALSE", false, false},
		{"0", false, false},
		{"", false, false},
		{"maybe", false, true},
		{"2", false, true},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("allow_guests %q is read as %v", tt.cell, tt.want)
		if tt.refused {
			name = fmt.Sprintf("allow_guests %q is refused", tt.cell)
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			_, err := e.svc.ImportCSV(ctx, strings.NewReader("name,aliases,allow_guests\nAlice,alice,\""+tt.cell+"\"\n"))
			if tt.refused {
				got, imp := problems(t, err)
				if !slices.Equal(got, []string{"2 allow_guests"}) || !strings.Contains(imp.Problems[0].Fields["allow_guests"], tt.cell) {
					t.Fatalf("problems %q (%v), want line 2 allow_guests naming the value", got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ImportCSV: %v", err)
			}
			c, err := e.svc.Get(ctx, "Alice")
			if err != nil {
				t.Fatal(err)
			}
			if c.AllowGuests != tt.want {
				t.Fatalf("allow_guests %v, want %v", c.AllowGuests, tt.want)
			}
		})
	}
}

func TestImportCSVReportsEveryProblem(t *testing.T) {
	ctx := context.Background()

	t.Run("a half-valid file reports each bad row by line and field and imports nothing", func(t *testing.T) {
		e := newEnv(t)
		e.create(t, valid(func(c *conference.Conference) { c.Name, c.Aliases = "Stored", aliases("stored-1") }))
		csv := "name,aliases,pin\n" +
			"Alice,alice-1,1234\n" + // 2: fine
			"Bob,bob-1,12\n" + // 3: bad PIN
			"ALICE,alice-2,\n" + // 4: name of line 2
			"Carol,STORED-1 carol-1,\n" + // 5: alias already stored
			"Dave,dave-1,\n" // 6: fine
		_, err := e.svc.ImportCSV(ctx, strings.NewReader(csv))
		got, imp := problems(t, err)
		want := []string{"3 pin", "4 name", "5 aliases"}
		if !slices.Equal(got, want) {
			t.Fatalf("problems %q, want %q\n%v", got, want, err)
		}
		if !strings.Contains(imp.Problems[1].Fields["name"], "line 2") {
			t.Errorf("the duplicate name message %q does not point at line 2", imp.Problems[1].Fields["name"])
		}
		if !strings.Contains(imp.Problems[2].Fields["aliases"], "STORED-1") {
			t.Errorf("the alias message %q does not name the alias", imp.Problems[2].Fields["aliases"])
		}
		if imp.Problems[0].Name != "Bob" || imp.Problems[2].Name != "Carol" {
			t.Errorf("problems name %q and %q, want Bob and Carol", imp.Problems[0].Name, imp.Problems[2].Name)
		}
		msg := err.Error()
		for _, s := range []string{"3 row(s)", "nothing was imported", "line 3, pin", "line 4, name", "line 5, aliases"} {
			if !strings.Contains(msg, s) {
				t.Errorf("the message does not say %q:\n%s", s, msg)
			}
		}
		if names := stored(t, e); !slices.Equal(names, []string{"Stored"}) {
			t.Errorf("stored %q, want only the conference from before", names)
		}
	})

	tests := []struct {
		name  string
		csv   string
		want  []string
		match string
	}{
		{"an alias on two rows is reported on the second",
			"name,aliases\nAlice,a1 shared\nBob,b1;SHARED\n", []string{"3 aliases"}, "line 2"},
		{"an alias twice in one row is reported once on that row",
			"name,aliases\nAlice,a1;a1\n", []string{"2 aliases"}, "twice"},
		{"a name already stored is reported",
			"name,aliases\nstored,fresh\n", []string{"2 name"}, "already exists"},
		{"a scheduled alias is reported",
			"name,aliases\nAlice,{scheduled}\n", []string{"2 aliases"}, "in use"},
		{"the number of a scheduled alias is reported",
			"name,aliases\nAlice,{number}\n", []string{"2 aliases"}, "in use"},
		{"a row with several problems reports each field",
			"name,aliases,pin,guest_pin,primary_owner_email_address\n,a<b,1,1,nobody\n",
			[]string{"2 aliases", "2 guest_pin", "2 name", "2 pin", "2 primary_owner_email_address"}, ""},
		{"a row of empty cells is reported",
			"name,aliases\nAlice,alice\n,\n", []string{"3 aliases", "3 name"}, ""},
		{"a blank line does not shift the line numbers",
			"name,aliases\nAlice,alice\n\nBob,bob,\nCarol,carol\nDave,x y x\n", []string{"6 aliases"}, ""},
		{"a cell spanning two lines does not shift the line numbers",
			"name,description,aliases\nAlice,\"two\nlines\",alice\nBob,,\n", []string{"4 aliases"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.create(t, valid(func(c *conference.Conference) { c.Name, c.Aliases = "Stored", aliases("stored-1") }))
			r, _, err := e.aliases.Reserve(ctx, e.in, "item", "bob@example.com")
			if err != nil {
				t.Fatal(err)
			}
			csv := strings.NewReplacer("{scheduled}", r.Alias, "{number}", r.NumericAlias).Replace(tt.csv)
			_, err = e.svc.ImportCSV(ctx, strings.NewReader(csv))
			got, imp := problems(t, err)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("problems %q, want %q\n%v", got, tt.want, err)
			}
			if tt.match != "" && !strings.Contains(err.Error(), tt.match) {
				t.Errorf("the message does not say %q:\n%v", tt.match, err)
			}
			for _, p := range imp.Problems {
				if p.Fields == nil {
					t.Errorf("line %d has no fields", p.Line)
				}
			}
			if names := stored(t, e); len(names) != 1 {
				t.Errorf("stored %q, want only the conference from before", names)
			}
		})
	}
}

func TestImportCSVRefusesFilesItCannotRead(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		data string
		want []string
	}{
		{"an empty file is refused", "", []string{"header row"}},
		{"a header without rows is refused", "name,aliases\n", []string{"at least one VMR"}},
		{"a file without a name column is refused", "title,aliases\nAlice,alice\n", []string{`"name" column`}},
		{"a file without an aliases column is refused", "name,alias\nAlice,alice\n", []string{`"aliases" column`}},
		{"a bare quote is refused as not CSV, naming the line", "name,aliases\nAlice,ali\"ce\n", []string{"not valid CSV", "line 2"}},
		{"an unclosed quote is refused as not CSV", "name,aliases\n\"Alice,alice\n", []string{"not valid CSV"}},
		{"a spreadsheet file is refused", "PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", []string{"header"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			got, err := e.svc.ImportCSV(ctx, strings.NewReader(tt.data))
			if err == nil {
				t.Fatalf("ImportCSV imported %d conferences", len(got))
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the message %q does not say %q", err, w)
				}
			}
			if names := stored(t, e); len(names) != 0 {
				t.Errorf("stored %q", names)
			}
		})
	}

	// sized is a valid one-row file padded to size bytes in a column
	// that is not read.
	sized := func(size int) *bytes.Reader {
		row := []byte("name,aliases,notes\nAlice,alice,")
		return bytes.NewReader(append(row, bytes.Repeat([]byte("x"), size-len(row))...))
	}

	t.Run("a file over 8 MB is refused", func(t *testing.T) {
		e := newEnv(t)
		_, err := e.svc.ImportCSV(ctx, sized(conference.MaxCSVBytes+1))
		if err == nil || !strings.Contains(err.Error(), "8 MB") {
			t.Fatalf("ImportCSV = %v, want a refusal naming 8 MB", err)
		}
		if names := stored(t, e); len(names) != 0 {
			t.Errorf("stored %d conferences", len(names))
		}
	})

	t.Run("a file of exactly 8 MB is read", func(t *testing.T) {
		e := newEnv(t)
		if _, err := e.svc.ImportCSV(ctx, sized(conference.MaxCSVBytes)); err != nil {
			t.Fatalf("ImportCSV: %v", err)
		}
	})

	t.Run("a reader that fails is reported", func(t *testing.T) {
		e := newEnv(t)
		boom := errors.New("disk gone")
		_, err := e.svc.ImportCSV(ctx, failingReader{boom})
		if !errors.Is(err, boom) {
			t.Fatalf("ImportCSV = %v, want the read error", err)
		}
	})
}

type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }

func TestImportCSVOfAThousandRows(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	var b strings.Builder
	b.WriteString("name,description,aliases,pin,guest_pin,allow_guests,primary_owner_email_address\n")
	const n = 1000
	for i := range n {
		fmt.Fprintf(&b, "VMR %04d,Room %d,vmr%04d@vc.example.com;8%04d,%04d,%04d,%v,user%d@example.com\n",
			i, i, i, i, 1000+i, 2000+i%7000, i%2 == 0, i%10)
	}
	start := time.Now()
	got, err := e.svc.ImportCSV(ctx, strings.NewReader(b.String()))
	if err != nil {
		t.Fatalf("ImportCSV: %v", err)
	}
	t.Logf("imported %d conferences in %v", len(got), time.Since(start))

	t.Run("every row is imported with an id", func(t *testing.T) {
		if len(got) != n {
			t.Fatalf("imported %d, want %d", len(got), n)
		}
		ids := map[int64]bool{}
		for _, c := range got {
			ids[c.ID] = true
		}
		if len(ids) != n || ids[0] {
			t.Fatalf("%d distinct ids (zero among them: %v)", len(ids), ids[0])
		}
	})
	t.Run("every row is stored with its aliases", func(t *testing.T) {
		list, err := e.svc.List(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != n {
			t.Fatalf("stored %d, want %d", len(list), n)
		}
		for i, c := range list {
			if want := fmt.Sprintf("VMR %04d", i); c.Name != want || len(c.Aliases) != 2 {
				t.Fatalf("row %d is %q with %d aliases, want %q with 2", i, c.Name, len(c.Aliases), want)
			}
		}
	})
	t.Run("an owner sees their hundred", func(t *testing.T) {
		list, _ := e.svc.List(ctx, "USER3@example.com")
		if len(list) != n/10 {
			t.Fatalf("listed %d, want %d", len(list), n/10)
		}
	})
	t.Run("importing the same file again reports every row and imports nothing", func(t *testing.T) {
		_, err := e.svc.ImportCSV(ctx, strings.NewReader(b.String()))
		_, imp := problems(t, err)
		if len(imp.Problems) != n {
			t.Fatalf("%d problems, want %d", len(imp.Problems), n)
		}
		for i, p := range imp.Problems {
			if p.Line != i+2 || p.Fields["name"] == "" || p.Fields["aliases"] == "" {
				t.Fatalf("problem %d: %+v", i, p)
			}
		}
		if list, _ := e.svc.List(ctx, ""); len(list) != n {
			t.Fatalf("stored %d, want %d", len(list), n)
		}
	})
}
