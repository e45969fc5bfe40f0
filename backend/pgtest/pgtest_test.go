package pgtest

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	code := m.Run()
	// Stop the cluster only if a test started one.
	sharedMu.Lock()
	c := shared
	sharedMu.Unlock()
	if c != nil {
		c.Stop()
	}
	os.Exit(code)
}

func open(t *testing.T, url string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestDatabasesAreSeparate checks the cluster is the expected server, with
// the fast test settings, and that each test database is a world of its own.
func TestDatabasesAreSeparate(t *testing.T) {
	c := Start(t)
	if again := Start(t); again != c {
		t.Fatal("a second Start started another cluster")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	url1, url2 := c.NewDatabase(t), c.NewDatabase(t)
	if url1 == url2 {
		t.Fatalf("two databases with one URL %s", url1)
	}
	db1, db2 := open(t, url1), open(t, url2)

	var version, fsync string
	if err := db1.QueryRowContext(ctx, "SELECT version(), current_setting('fsync')").Scan(&version, &fsync); err != nil {
		t.Fatal(err)
	}
	if want := "PostgreSQL " + c.version; !strings.Contains(version, want) {
		t.Errorf("version() = %q, want it to contain %q", version, want)
	}
	if fsync != "off" {
		t.Errorf("fsync = %q, want off", fsync)
	}

	if _, err := db1.ExecContext(ctx, "CREATE TABLE only_in_one (id int PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	if _, err := db1.ExecContext(ctx, "INSERT INTO only_in_one VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db1.QueryRowContext(ctx, "SELECT count(*) FROM only_in_one").Scan(&n); err != nil || n != 1 {
		t.Fatalf("count in db1 = %d, %v; want 1", n, err)
	}
	var found bool
	if err := db2.QueryRowContext(ctx, "SELECT to_regclass('only_in_one') IS NOT NULL").Scan(&found); err != nil {
		t.Fatal(err)
	}
	if found {
		t.Error("the second database sees the first one's table")
	}
}

// TestDatabaseIsDropped checks that NewDatabase's cleanup drops the database
// even while a connection to it is still open.
func TestDatabaseIsDropped(t *testing.T) {
	c := Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	var name string
	t.Run("inner", func(t *testing.T) {
		// Closed only after the drop (cleanups run last first), so the
		// drop meets an open connection.
		var db *sql.DB
		t.Cleanup(func() {
			if db != nil {
				db.Close()
			}
		})
		var err error
		db, err = sql.Open("pgx", c.NewDatabase(t))
		if err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRowContext(ctx, "SELECT current_database()").Scan(&name); err != nil {
			t.Fatal(err)
		}
	})
	if name == "" {
		t.Fatal("no database name")
	}
	var exists bool
	if err := open(t, c.URL("postgres")).QueryRowContext(ctx,
		"SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Errorf("database %s still exists after its test's cleanup", name)
	}
	if got := c.SocketDir(); !strings.HasPrefix(filepath.Base(filepath.Dir(got)), "vmrpg-") {
		t.Errorf("SocketDir() = %q, want it in a vmrpg-* folder", got)
	}
	if _, err := os.Stat(filepath.Join(c.SocketDir(), ".s.PGSQL."+strconv.Itoa(c.Port()))); err != nil {
		t.Errorf("socket file: %v", err)
	}
}
