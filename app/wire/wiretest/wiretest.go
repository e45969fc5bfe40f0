// Package wiretest opens the shared services for tests of the command line
// and the window: a real SQLite file in a test's folder and the keychain
// that go-keyring's in-memory mock serves (call secretstest.MockInit first,
// once per test: it forgets every secret).
package wiretest

import (
	"context"
	"testing"

	"vmr-companion/app/wire"
	"vmr-companion/backend/secrets"
)

// Config is wire.Config for tests: version "test" and a keychain that does
// not ask for a session bus, as the mock needs none.
func Config() wire.Config {
	return wire.Config{Version: "test", Keychain: secrets.NewUncheckedKeychain(0)}
}

// Open opens the services in dir with Config, closed when the test ends.
func Open(t testing.TB, dir string) *wire.Services {
	t.Helper()
	svc, err := wire.Open(context.Background(), dir, Config())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		svc.Scheduler.Stop()
		svc.Close()
	})
	return svc
}
