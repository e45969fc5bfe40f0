package store

import (
	"context"
	"flag"
	"fmt"
	"os"
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
