// Command vmr-companion is VMR Companion: with no arguments it opens the
// desktop window; with a subcommand it is a command-line tool. main only
// wires the parts together.
package main

import (
	"context"
	"embed"
	"log/slog"
	"os"
	"time"

	"vmr-companion/app/cli"
	"vmr-companion/app/desktop"
	"vmr-companion/backend/alias"
	"vmr-companion/backend/conference"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/store"
	"vmr-companion/backend/templates"
)

// The window's files, built by `make build` (frontend/dist holds a tracked
// placeholder so that go vet and go test work before the first build).
//
//go:embed all:frontend/dist
var assets embed.FS

//go:embed build/appicon.png
var icon []byte

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	started := time.Now()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	open := func(ctx context.Context, dataDir string) (*cli.Services, error) {
		st, err := store.OpenDir(ctx, dataDir)
		if err != nil {
			return nil, err
		}
		keychain := secrets.NewKeychain(secrets.DefaultTimeout)
		engine := templates.New()
		return &cli.Services{
			Integrations: integration.NewService(st.Integrations(), keychain, engine),
			Conferences:  conference.NewService(st.Conferences()),
			Aliases:      alias.NewService(st.Aliases(), alias.DefaultTTL),
			Keychain:     keychain,
			DatabasePath: st.Path(),
			Close:        st.Close,
		}, nil
	}
	window := func(svc *cli.Services) error {
		return desktop.Run(desktop.Options{
			Assets:       assets,
			Icon:         icon,
			Integrations: svc.Integrations,
			Keychain:     svc.Keychain,
			DatabasePath: svc.DatabasePath,
			Version:      version,
			Logger:       logger,
			Started:      started,
		})
	}
	os.Exit(cli.Main(context.Background(), os.Args[1:], cli.Config{
		Version: version,
		Open:    open,
		Window:  window,
		Stdin:   os.Stdin,
		Stdout:  os.Stdout,
		Stderr:  os.Stderr,
	}))
}
