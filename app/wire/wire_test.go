package wire_test

import (
	"testing"
	"testing/fstest"

	"vmr-companion/app/wire"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/secrets/secretstest"
)

func TestOpenBuildsEveryService(t *testing.T) {
	secretstest.MockInit()
	build := fstest.MapFS{"addin/taskpane.html": {Data: []byte("<p>pane</p>")}}
	svc, err := wire.Open(t.Context(), t.TempDir(), wire.Config{Version: "test", Build: build, Keychain: secrets.NewUncheckedKeychain(0)})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	if svc.Integrations == nil || svc.Conferences == nil || svc.Aliases == nil || svc.Manifests == nil || svc.Templates == nil ||
		svc.Scheduler == nil || svc.Diagnostics == nil || svc.Authority == nil || svc.NewHost == nil || svc.Keychain == nil ||
		svc.Calendars == nil || svc.Settings == nil || svc.Logger == nil || svc.DatabasePath == "" {
		t.Fatalf("a service is missing: %+v", svc)
	}
	if svc.Diagnostics.Version != "test" {
		t.Errorf("diagnostics version %q", svc.Diagnostics.Version)
	}
}

// Two data folders (the user's and the demo's) share the OS keychain but
// not their own entries; opening a folder again finds its entries.
func TestDataFoldersKeepTheirKeychainEntriesApart(t *testing.T) {
	secretstest.MockInit()
	ctx := t.Context()
	kc := secrets.NewUncheckedKeychain(0)
	mineDir := t.TempDir()
	open := func(dir string) *wire.Services {
		t.Helper()
		svc, err := wire.Open(ctx, dir, wire.Config{Version: "test", Keychain: kc})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { svc.Close() })
		return svc
	}
	mine, demo := open(mineDir), open(t.TempDir())
	if err := mine.StoreKeys.Set(ctx, "infinity/secret", secrets.New("mine")); err != nil {
		t.Fatal(err)
	}
	if err := demo.StoreKeys.Set(ctx, "infinity/secret", secrets.New("demo")); err != nil {
		t.Fatal(err)
	}
	mine.Close()
	again := open(mineDir)
	if got, err := again.StoreKeys.Get(ctx, "infinity/secret"); err != nil || got.Reveal() != "mine" {
		t.Fatalf("the user's folder reads %q (%v)", got.Reveal(), err)
	}
}
