package cli

import (
	"os"
	"testing"
)

// TestMain stops the private PostgreSQL cluster a test started (the
// multi-instance tests, ha_test.go) once every test ran.
func TestMain(m *testing.M) {
	code := m.Run()
	stopTestPostgres()
	os.Exit(code)
}
