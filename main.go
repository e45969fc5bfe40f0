// Command vmr-companion is VMR Companion: with no arguments it opens the
// desktop window; with a subcommand it is a command-line tool. main only
// wires the parts together.
package main

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"vmr-companion/app/cli"
	"vmr-companion/app/desktop"
	"vmr-companion/backend/account"
	"vmr-companion/backend/addinhost"
	"vmr-companion/backend/alias"
	"vmr-companion/backend/calendar"
	"vmr-companion/backend/conference"
	"vmr-companion/backend/devcert"
	"vmr-companion/backend/diagnostics"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/manifest"
	"vmr-companion/backend/scheduler"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/store"
	"vmr-companion/backend/templates"
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
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	var db *store.Store // the window's user settings and calendar copy
	open := func(ctx context.Context, dataDir string) (*cli.Services, error) {
		st, err := store.OpenDir(ctx, dataDir)
		if err != nil {
			return nil, err
		}
		db = st
		keychain := secrets.NewKeychain(secrets.DefaultTimeout)
		engine := templates.New()
		svc := &cli.Services{
			Integrations: integration.NewService(st.Integrations(), keychain, engine),
			Conferences:  conference.NewService(st.Conferences()),
			Aliases:      alias.NewService(st.Aliases(), alias.DefaultTTL),
			Manifests:    manifest.NewBuilder(st.Manifests()),
			Templates:    engine,
			Keychain:     keychain,
			Calendars:    st.Calendars(),
			DatabasePath: st.Path(),
			Close:        st.Close,
		}
		svc.Scheduler = scheduler.New(scheduler.Config{
			Repository:   st.Scheduler(),
			Integrations: svc.Integrations,
			Aliases:      svc.Aliases,
			Templates:    engine,
			Connect:      scheduler.EWSConnector(svc.Integrations, "vmr-companion/"+version),
			Logger:       logger,
		})
		svc.Authority = func(ctx context.Context) (*devcert.Authority, error) {
			return devcert.LoadOrCreate(ctx, devcert.Options{Dir: filepath.Join(dataDir, "devcert"), Keys: keychain})
		}
		svc.NewHost = func(ctx context.Context, o addinhost.Settings) (*addinhost.Server, error) {
			ca, err := svc.Authority(ctx)
			if err != nil {
				return nil, err
			}
			loader, err := devcert.NewLoader(ca, nil)
			if err != nil {
				return nil, err
			}
			return addinhost.New(addinhost.Config{
				Listen: o.Listen, Auth: o.Auth, ReservationRate: o.ReservationRate, OnRequest: o.OnRequest, AllowSharedHost: o.AllowSharedHost,
				AddinFiles: subdir("frontend/dist/addin"), OfficeJS: subdir("frontend/dist/office-js"),
				Integrations: svc.Integrations, Conferences: svc.Conferences, Aliases: alias.NewService(st.Aliases(), o.ReservationTTL),
				Templates: engine, Manifests: devManifests{svc.Manifests},
				GetCertificate: loader.GetCertificate, Logger: logger,
			})
		}
		return svc, nil
	}
	window := func(svc *cli.Services) error {
		diag := &diagnostics.Service{Keys: svc.Integrations, Version: version}
		signIns := account.NewOAuth(svc.Integrations, svc.Keychain)
		return desktop.Run(desktop.Options{
			Assets:       assets,
			Icon:         icon,
			Integrations: svc.Integrations,
			Conferences:  svc.Conferences,
			Manifests:    svc.Manifests,
			Templates:    svc.Templates,
			Scheduler:    svc.Scheduler,
			User: account.New(account.Config{
				Integrations: svc.Integrations, Conferences: svc.Conferences, Templates: svc.Templates,
				Settings: db.Settings(), Secrets: svc.Keychain, SignIns: signIns, Cache: db.Calendars(),
				URLSource: func(u string) calendar.Source { return calendar.URLSource(u, nil) },
				Exchange:  signIns.Exchange,
			}),
			Diagnose: func(ctx context.Context, in *integration.Integration) *diagnostics.Report {
				return diag.Diagnose(ctx, in, diagnostics.Options{})
			},
			Bundle:       diag.Bundle,
			Authority:    svc.Authority,
			NewHost:      svc.NewHost,
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

// subdir is a folder of the embedded build, or nil when this build has none.
func subdir(dir string) fs.FS {
	if _, err := fs.Stat(assets, dir); err != nil {
		return nil
	}
	sub, _ := fs.Sub(assets, dir)
	return sub
}

// devManifests serves the development manifests: the host hands out the
// variant that points at itself.
type devManifests struct{ b *manifest.Builder }

func (d devManifests) Manifest(ctx context.Context, in *integration.Integration, format, baseURL string) ([]byte, error) {
	return d.b.Manifest(ctx, in, format, true, baseURL)
}
