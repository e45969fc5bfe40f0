package wire_test

import (
	"testing"
	"testing/fstest"

	"github.com/zalando/go-keyring"

	"vmr-companion/app/wire"
	"vmr-companion/backend/secrets"
)

func TestOpenBuildsEveryService(t *testing.T) {
	keyring.MockInit()
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
