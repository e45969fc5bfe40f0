// Command vmr-companion is VMR Companion: with no arguments it opens the
// desktop window; with a subcommand it is a command-line tool. The parts
// are wired in app/wire; main only chooses between the two.
package main

import (
	"context"
	"embed"
	"io/fs"
	"os"
	"time"

	"vmr-companion/app/cli"
	"vmr-companion/app/desktop"
	"vmr-companion/app/wire"
	"vmr-companion/app/wire/window"
)

// The window's and the add-in's files, built by `make build` (frontend/dist
// holds a tracked placeholder so that go vet and go test work before the
// first build).
//
//go:embed all:frontend/dist
var assets embed.FS

//go:embed build/appicon.png
var icon []byte

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	started := time.Now()
	build, _ := fs.Sub(assets, "frontend/dist")
	// The log is the command line's to build: its flags choose the format.
	cfg := wire.Config{Version: version, Build: build}
	os.Exit(cli.Main(context.Background(), os.Args[1:], cli.Config{
		Version: version,
		Open: func(ctx context.Context, dataDir string) (*wire.Services, error) {
			return wire.Open(ctx, dataDir, cfg)
		},
		Window: func(svc *wire.Services) error {
			return desktop.Run(window.Options(svc, assets, icon, started))
		},
		Stdin:      os.Stdin,
		Stdout:     os.Stdout,
		Stderr:     os.Stderr,
		ConfigFile: cli.SystemConfigFile(),
	}))
}
