// Command vmr-companion is VMR Companion: with no arguments it opens the
// desktop window; with a subcommand it is a command-line tool. The parts
// are wired in app/wire; main only chooses between the two.
//
// The server build (-tags server, `make server`) is the same program without
// the window: main_server.go stands in for main_window.go, so that neither
// Wails nor GTK/WebKit is linked and the binary needs no cgo.
package main

import (
	"context"
	"embed"
	"io/fs"
	"os"
	"time"

	"vmr-companion/app/cli"
	"vmr-companion/app/wire"
)

// The window's and the add-in's files, built by `make build` (frontend/dist
// holds a tracked placeholder so that go vet and go test work before the
// first build). The server build embeds them too: it hosts the add-in.
//
//go:embed all:frontend/dist
var assets embed.FS

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
		Window:     func(svc *wire.Services) error { return openWindow(svc, started) },
		NoWindow:   errNoWindow,
		Stdin:      os.Stdin,
		Stdout:     os.Stdout,
		Stderr:     os.Stderr,
		ConfigFile: systemConfig,
	}))
}
