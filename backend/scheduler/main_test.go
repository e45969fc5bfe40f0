package scheduler_test

import (
	"os"
	"testing"

	"vmr-companion/backend/pgtest"
)

// cluster is the private PostgreSQL of the tests that run on it too
// (newHarnessOn), started by the first of them.
var cluster *pgtest.Cluster

func TestMain(m *testing.M) {
	code := m.Run()
	if cluster != nil {
		cluster.Stop()
	}
	os.Exit(code)
}
