package cli

import (
	"os"
	"testing"
)

// TestMain stops the private PostgreSQL cluster a test started (the
// multi-instance tests, ha_test.go, and store copy's) once every test ran.
func TestMain(m *testing.M) {
	code := m.Run()
	stopTestPostgres()
	if pgCluster != nil {
		pgCluster.Stop()
	}
	os.Exit(code)
}
