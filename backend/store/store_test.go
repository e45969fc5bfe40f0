package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// openTemp opens a store on a new file in a temporary directory and closes
// it when the test ends.
func openTemp(t testing.TB) *Store {
	t.Helper()
	if testEngine == Postgres {
		return openPostgresTemp(t)
	}
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), FileName))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func latestVersion() int {
	all := migrations()
	return all[len(all)-1].version
}

func pragma(t *testing.T, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, name string) string {
	t.Helper()
	var v string
	if err := q.QueryRowContext(context.Background(), "PRAGMA "+name).Scan(&v); err != nil {
		t.Fatalf("PRAGMA %s: %v", name, err)
	}
	return v
}

func tableExists(t *testing.T, db *sql.DB, name string) bool {
	t.Helper()
	var n int
	// The file tests open SQLite stores in the PostgreSQL pass too.
	q := `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?`
	if fmt.Sprintf("%T", db.Driver()) != "*sqlite.Driver" {
		q = `SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?`
	}
	if err := db.QueryRow(q, name).Scan(&n); err != nil {
		t.Fatalf("looking up table %s: %v", name, err)
	}
	return n == 1
}

func TestConnectionSettings(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	s := openTemp(t)

	// Hold every connection of the reader pool at once so each one is a
	// distinct connection, not the same one handed out again.
	var readers []*sql.Conn
	for i := 0; i < 4; i++ {
		c, err := s.reader.Conn(ctx)
		if err != nil {
			t.Fatalf("reader connection %d: %v", i, err)
		}
		readers = append(readers, c)
	}
	defer func() {
		for _, c := range readers {
			c.Close()
		}
	}()
	writer, err := s.writer.Conn(ctx)
	if err != nil {
		t.Fatalf("writer connection: %v", err)
	}
	defer writer.Close()

	tests := []struct {
		name   string
		conns  []*sql.Conn
		pragma string
		want   string
	}{
		{"the writer enforces foreign keys", []*sql.Conn{writer}, "foreign_keys", "1"},
		{"every reader connection enforces foreign keys", readers, "foreign_keys", "1"},
		{"the writer uses the write-ahead log", []*sql.Conn{writer}, "journal_mode", "wal"},
		{"every reader connection uses the write-ahead log", readers, "journal_mode", "wal"},
		{"the writer waits for locks instead of failing at once", []*sql.Conn{writer}, "busy_timeout", "10000"},
		{"the writer is not read-only", []*sql.Conn{writer}, "query_only", "0"},
		{"every reader connection is read-only", readers, "query_only", "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i, c := range tt.conns {
				if got := strings.ToLower(pragma(t, c, tt.pragma)); got != tt.want {
					t.Errorf("connection %d: PRAGMA %s = %q, want %q", i, tt.pragma, got, tt.want)
				}
			}
		})
	}

	t.Run("a reader connection refuses to write", func(t *testing.T) {
		_, err := readers[0].ExecContext(ctx, `CREATE TABLE nope (x)`)
		if err == nil {
			t.Fatal("a reader connection created a table")
		}
	})
}

func TestOpenNewFile(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		prepare func(t *testing.T, path string)
	}{
		{"a file that does not exist yet is created at the latest version", func(*testing.T, string) {}},
		{"an empty existing file is migrated to the latest version", func(t *testing.T, path string) {
			if err := os.WriteFile(path, nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), FileName)
			tt.prepare(t, path)
			s, err := Open(ctx, path)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close()
			v, err := s.SchemaVersion(ctx)
			if err != nil {
				t.Fatalf("SchemaVersion: %v", err)
			}
			if v != latestVersion() {
				t.Fatalf("schema version %d, want %d", v, latestVersion())
			}
			for _, table := range []string{"integrations", "integration_domains", "integration_secrets"} {
				if !tableExists(t, s.writer, table) {
					t.Errorf("table %s is missing", table)
				}
			}
			if s.Path() != path {
				t.Errorf("Path() = %q, want %q", s.Path(), path)
			}
		})
	}
}

func TestOpenDir(t *testing.T) {
	ctx := context.Background()
	t.Run("a missing data directory is created with the database inside", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "nested", "data")
		s, err := OpenDir(ctx, dir)
		if err != nil {
			t.Fatalf("OpenDir: %v", err)
		}
		defer s.Close()
		if _, err := os.Stat(filepath.Join(dir, FileName)); err != nil {
			t.Fatalf("database file: %v", err)
		}
	})
}

func TestOpenPathsWithURICharacters(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		dir  string
	}{
		{"a question mark in the path stays part of the file name", "data?dir"},
		{"a hash sign in the path stays part of the file name", "data#dir"},
		{"a percent sign in the path is not decoded as an escape", "data%41dir"},
		{"a space in the path is kept", "data dir"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), tt.dir)
			s, err := OpenDir(ctx, dir)
			if err != nil {
				t.Fatalf("OpenDir(%q): %v", dir, err)
			}
			defer s.Close()
			info, err := os.Stat(filepath.Join(dir, FileName))
			if err != nil {
				entries, _ := os.ReadDir(filepath.Dir(dir))
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				t.Fatalf("the database is not at %s (%v); the parent holds %q", dir, err, names)
			}
			if info.Size() == 0 {
				t.Fatalf("the database at %s is empty", dir)
			}
		})
	}
}

// insertIntegrationRow writes one integration with raw SQL, as the schema of
// version 1 allows, with one domain.
func insertIntegrationRow(t *testing.T, db *sql.DB) {
	t.Helper()
	if _, err := db.Exec(`INSERT INTO integrations (uuid, name, authentication_method, enable_dynamic_vmrs,
		enable_personal_vmrs, settings, created_at, updated_at)
		VALUES ('11111111-2222-4333-8444-555555555555', 'Head office', 'BASIC', 1, 0, '{}', '2024-01-02T03:04:05Z', '2024-01-02T03:04:05Z')`); err != nil {
		t.Fatalf("inserting an integration: %v", err)
	}
	if _, err := db.Exec(`INSERT INTO integration_domains (integration_id, position, domain)
		SELECT id, 0, 'mail.example.com' FROM integrations`); err != nil {
		t.Fatalf("inserting a domain: %v", err)
	}
}

func TestMigrateFromEveryEarlierVersion(t *testing.T) {
	ctx := context.Background()
	latest := latestVersion()
	for k := 0; k < latest; k++ {
		name := fmt.Sprintf("a file at version %d is migrated to the latest version and keeps its data", k)
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), FileName)
			old, err := open(ctx, path, k)
			if err != nil {
				t.Fatalf("open at version %d: %v", k, err)
			}
			if v, err := old.SchemaVersion(ctx); err != nil || v != k {
				t.Fatalf("schema version %d (err %v), want %d", v, err, k)
			}
			hasRow := tableExists(t, old.writer, "integrations")
			if hasRow {
				insertIntegrationRow(t, old.writer)
			}
			if err := old.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}

			s, err := Open(ctx, path)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close()
			if v, err := s.SchemaVersion(ctx); err != nil || v != latest {
				t.Fatalf("schema version %d (err %v), want %d", v, err, latest)
			}
			list, err := s.Integrations().List(ctx)
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			if !hasRow {
				if len(list) != 0 {
					t.Fatalf("got %d integrations from a file that had none", len(list))
				}
				return
			}
			if len(list) != 1 || list[0].Name != "Head office" {
				t.Fatalf("after the migration List = %+v, want the one integration", list)
			}
			got, err := s.Integrations().Get(ctx, "head office")
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if len(got.Domains) != 1 || got.Domains[0] != "mail.example.com" {
				t.Errorf("domains %q, want [mail.example.com]", got.Domains)
			}
		})
	}
}

func TestOpenRefusesFilesItCannotUse(t *testing.T) {
	ctx := context.Background()

	t.Run("a file written by a newer version is refused with advice to upgrade", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), FileName)
		s, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if _, err := s.writer.Exec(`UPDATE schema_version SET version = ?`, latestVersion()+1); err != nil {
			t.Fatalf("raising the version: %v", err)
		}
		s.Close()

		_, err = Open(ctx, path)
		if !errors.Is(err, ErrNewerSchema) {
			t.Fatalf("Open = %v, want ErrNewerSchema", err)
		}
		if !strings.Contains(err.Error(), "upgrade vmr-companion") {
			t.Errorf("the message %q does not tell to upgrade", err)
		}
	})

	t.Run("a file that is not SQLite is refused and left as it was", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), FileName)
		content := bytes.Repeat([]byte("These are meeting notes, not a database.\n"), 100)[:4096]
		if err := os.WriteFile(path, content, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := Open(ctx, path)
		if err == nil {
			s.Close()
			t.Fatal("Open accepted a text file")
		}
		if !strings.Contains(err.Error(), "not a vmr-companion database") {
			t.Errorf("the message %q does not say the file is not a vmr-companion database", err)
		}
		if !strings.Contains(err.Error(), path) {
			t.Errorf("the message %q does not name the file", err)
		}
		after, readErr := os.ReadFile(path)
		if readErr != nil {
			t.Fatal(readErr)
		}
		if !bytes.Equal(after, content) {
			t.Errorf("the file changed: %d bytes before, %d after", len(content), len(after))
		}
	})

	t.Run("a directory is refused with a clear message", func(t *testing.T) {
		dir := t.TempDir()
		s, err := Open(ctx, dir)
		if err == nil {
			s.Close()
			t.Fatal("Open accepted a directory")
		}
		if !strings.Contains(err.Error(), "is a directory") {
			t.Errorf("the message %q does not say the path is a directory", err)
		}
	})

	t.Run("a file in a missing folder is refused with advice", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "missing", FileName)
		s, err := Open(ctx, path)
		if err == nil {
			s.Close()
			t.Fatal("Open created a file in a missing folder")
		}
		if !strings.Contains(err.Error(), "--data-dir") {
			t.Errorf("the message %q gives no advice", err)
		}
	})
}

func TestApplyIsAtomic(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		sql  string
	}{
		{"a migration whose second statement fails creates nothing", `CREATE TABLE half_done (x INTEGER); CREATE TABLE broken (`},
		{"a migration that breaks a constraint creates nothing", `CREATE TABLE half_done (x INTEGER NOT NULL); INSERT INTO half_done (x) VALUES (NULL)`},
		{"a migration referring to a missing table creates nothing", `CREATE TABLE half_done (x INTEGER); INSERT INTO no_such_table VALUES (1)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTemp(t)
			before, err := s.SchemaVersion(ctx)
			if err != nil {
				t.Fatal(err)
			}
			m := migration{version: before + 1, name: "9999_broken.sql", sql: tt.sql, pg: tt.sql}
			err = s.apply(ctx, m)
			if err == nil {
				t.Fatal("apply accepted a broken migration")
			}
			if !strings.Contains(err.Error(), m.name) {
				t.Errorf("the message %q does not name the migration", err)
			}
			after, err := s.SchemaVersion(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if after != before {
				t.Errorf("schema version moved from %d to %d", before, after)
			}
			if tableExists(t, s.writer, "half_done") {
				t.Error("the first statement of the broken migration was kept")
			}
		})
	}

	t.Run("a good migration moves the version and creates its table", func(t *testing.T) {
		s := openTemp(t)
		before, _ := s.SchemaVersion(ctx)
		if err := s.apply(ctx, migration{version: before + 1, name: "9999_ok.sql", sql: `CREATE TABLE extra (x INTEGER)`, pg: `CREATE TABLE extra (x INTEGER)`}); err != nil {
			t.Fatalf("apply: %v", err)
		}
		after, _ := s.SchemaVersion(ctx)
		if after != before+1 {
			t.Errorf("schema version %d, want %d", after, before+1)
		}
		if !tableExists(t, s.writer, "extra") {
			t.Error("the table of the migration is missing")
		}
	})
}

func TestMigrationsAreNumberedFromOne(t *testing.T) {
	for i, m := range migrations() {
		t.Run("migration "+m.name+" has the version of its position", func(t *testing.T) {
			if m.version != i+1 {
				t.Fatalf("version %d at position %d", m.version, i)
			}
		})
	}
}

func TestDefaultDataDir(t *testing.T) {
	t.Run("the data lives in the user's config directory", func(t *testing.T) {
		t.Setenv("XDG_CONFIG_HOME", "/home/someone/.config")
		t.Setenv("HOME", "/home/someone")
		got, err := DefaultDataDir()
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(got) != "vmr-companion" {
			t.Fatalf("DefaultDataDir() = %q, want a vmr-companion folder", got)
		}
	})
}
