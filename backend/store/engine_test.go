package store

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"vmr-companion/backend/pgtest"
)

// testEngine is the engine openTemp opens: TestMain runs every test of the
// package on SQLite, then again on a private PostgreSQL cluster.
var testEngine = SQLite

var cluster *pgtest.Cluster

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	// A fuzz run or one that asked for SQLite alone stops here.
	if code != 0 || os.Getenv("VMR_STORE_TEST_ENGINES") == "sqlite" || flagSet("test.fuzz") {
		os.Exit(code)
	}
	fmt.Println("=== the same tests on PostgreSQL")
	testEngine = Postgres
	code = m.Run()
	if cluster != nil {
		cluster.Stop()
	}
	os.Exit(code)
}

func flagSet(name string) bool {
	f := flag.Lookup(name)
	return f != nil && f.Value.String() != ""
}

// openPostgres opens a store on a fresh database of the test cluster.
func openPostgresTemp(t testing.TB) *Store {
	t.Helper()
	if cluster == nil {
		cluster = pgtest.Start(t)
	}
	d, err := ParseDatabase(cluster.NewDatabase(t), "")
	if err != nil {
		t.Fatal(err)
	}
	s, err := OpenDatabase(context.Background(), d)
	if err != nil {
		t.Fatalf("OpenDatabase: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// sqliteOnly marks a test of the SQLite file itself (its pragmas, its
// folder, upgrading old files): it ran in the SQLite pass already.
func sqliteOnly(t testing.TB) {
	t.Helper()
	if testEngine != SQLite {
		t.Skip("a test of the SQLite file: it ran in the SQLite pass")
	}
}

func TestParseDatabase(t *testing.T) {
	tests := []struct {
		spec, dir string
		want      Database
		err       string
	}{
		{"", "/var/lib/vmr", Database{Engine: SQLite, Path: "/var/lib/vmr/" + FileName}, ""},
		{"sqlite:/srv/x.db", "", Database{Engine: SQLite, Path: "/srv/x.db"}, ""},
		{"sqlite:", "", Database{}, "needs a file path"},
		{"postgres://vmr@db.example.com/vmr?sslmode=verify-full", "", Database{Engine: Postgres, URL: "postgres://vmr@db.example.com/vmr?sslmode=verify-full"}, ""},
		{"postgresql://vmr@db/vmr", "", Database{Engine: Postgres, URL: "postgresql://vmr@db/vmr"}, ""},
		{"postgres://vmr:hunter2@db/vmr", "", Database{}, "holds a password"},
		{"postgres://vmr@db/vmr?password=hunter2", "", Database{}, "holds a password"},
		{"host=db user=vmr password=hunter2", "", Database{}, "holds a password"},
		{"mysql://db/vmr", "", Database{}, "neither sqlite:PATH nor a postgres:// URL"},
		{"postgres://vmr@db:notaport/vmr", "", Database{}, "not valid"},
	}
	for _, tt := range tests {
		got, err := ParseDatabase(tt.spec, tt.dir)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseDatabase(%q) = %v, want an error with %q", tt.spec, err, tt.err)
			}
			if err != nil && strings.Contains(err.Error(), "hunter2") {
				t.Errorf("the error shows the password: %v", err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseDatabase(%q) = %+v, %v; want %+v", tt.spec, got, err, tt.want)
		}
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://vmr:s3cret@db/vmr":              "postgres://vmr:xxxxx@db/vmr",
		"postgres://vmr@db/vmr?password=s3cret&x=1": "postgres://vmr@db/vmr?password=xxxxx&x=1",
		"host=db password='s3 cret' user=vmr":       "host=db password=xxxxx user=vmr",
		"postgres://vmr@db/vmr?sslmode=verify-full": "postgres://vmr@db/vmr?sslmode=verify-full",
		"/var/lib/vmr-companion/vmr-companion.db":   "/var/lib/vmr-companion/vmr-companion.db",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPGQuery(t *testing.T) {
	for in, want := range map[string]string{
		`SELECT a FROM t WHERE x = ? AND y = ?`:                                  `SELECT a FROM t WHERE x = $1 AND y = $2`,
		`SELECT ?2, ?1, ?2`:                                                      `SELECT $2, $1, $2`,
		`SELECT '?', "a?" FROM t WHERE x = ? -- why?` + "\n" + `AND ?`:           `SELECT '?', "a?" FROM t WHERE x = $1 -- why?` + "\n" + `AND $2`,
		`WHERE id IN (SELECT CAST(value AS INTEGER) FROM json_each(?))`:          `WHERE id IN (SELECT CAST(value AS INTEGER) FROM json_array_elements_text(CAST($1 AS json)))`,
		`SELECT coalesce(json_extract(c.settings, '$.addin_server_domain'), '')`: `SELECT coalesce((CAST(c.settings AS jsonb) ->> 'addin_server_domain'), '')`,
		`SET b = max(t.b, ?2), c = (SELECT max(o.id) FROM o)`:                    `SET b = greatest(t.b, $2), c = (SELECT max(o.id) FROM o)`,
		`SELECT min(coalesce(a, 1), 2)`:                                          `SELECT least(coalesce(a, 1), 2)`,
	} {
		if got := pgQuery(in); got != want {
			t.Errorf("pgQuery(%q)\n got %q\nwant %q", in, got, want)
		}
	}
}

func TestPGDDL(t *testing.T) {
	in := "CREATE TABLE t (\n    id INTEGER PRIMARY KEY,\n    name TEXT NOT NULL COLLATE NOCASE UNIQUE,\n    -- a TEXT comment\n" +
		"    blob BLOB NOT NULL,\n    body TEXT NOT NULL CHECK (json_valid(body))\n);"
	want := "CREATE TABLE t (\n    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,\n    name TEXT COLLATE nocase NOT NULL UNIQUE,\n    -- a TEXT comment\n" +
		"    blob BYTEA NOT NULL,\n    body TEXT COLLATE \"C\" NOT NULL CHECK ((CAST(body AS json) IS NOT NULL))\n);"
	if got := pgDDL(in); got != want {
		t.Errorf("pgDDL:\n got %s\nwant %s", got, want)
	}
}

// FuzzRebind: whatever the text, rebinding never panics, keeps quoted
// and commented text as it was, and leaves no ? outside them.
func FuzzRebind(f *testing.F) {
	f.Add(`SELECT ?1, '?' -- ?` + "\n" + `, ?`)
	f.Add(`'unterminated ?`)
	f.Add(`?99999999999999999999`)
	f.Fuzz(func(t *testing.T, q string) {
		out := rebind(q)
		if !strings.Contains(q, "?") && out != q {
			t.Fatalf("rebind changed a text without parameters: %q -> %q", q, out)
		}
	})
}

// TestInstancesStartingTogetherMigrateOnce: instances opening one empty
// database at once all come up on the latest schema (they migrate under
// the advisory lock, one after the other); a database a newer build
// wrote is refused, saying what to do.
func TestInstancesStartingTogetherMigrateOnce(t *testing.T) {
	if testEngine != Postgres {
		t.Skip("instances on one PostgreSQL database: it runs in the PostgreSQL pass")
	}
	openTemp(t) // starts the cluster
	fresh, err := ParseDatabase(cluster.NewDatabase(t), "")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	errs := make(chan error, 4)
	stores := make(chan *Store, 4)
	for range 4 {
		go func() {
			st, err := OpenDatabase(ctx, fresh)
			errs <- err
			stores <- st
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatalf("an instance starting with the others: %v", err)
		}
		st := <-stores
		if v, err := st.SchemaVersion(ctx); err != nil || v != latestVersion() {
			t.Errorf("schema %d (%v), want %d", v, err, latestVersion())
		}
		st.Close()
	}
	newer, err := OpenDatabase(ctx, fresh)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newer.writer.Exec(`UPDATE schema_version SET version = ?`, latestVersion()+1); err != nil {
		t.Fatal(err)
	}
	newer.Close()
	_, err = OpenDatabase(ctx, fresh)
	if !errors.Is(err, ErrNewerSchema) || !strings.Contains(err.Error(), "upgrade vmr-companion on this one too") {
		t.Fatalf("OpenDatabase on a newer schema = %v", err)
	}
}
