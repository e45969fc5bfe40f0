// Package desktop is the Wails shell of VMR Companion: it binds thin,
// typed services to the window. It is the only package that imports Wails.
package desktop

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"runtime"
	"time"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"
	wruntime "github.com/wailsapp/wails/v2/pkg/runtime"

	"vmr-companion/backend/account"
	"vmr-companion/backend/addinhost"
	"vmr-companion/backend/conference"
	"vmr-companion/backend/devcert"
	"vmr-companion/backend/diagnostics"
	"vmr-companion/backend/infinitysync"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/manifest"
	"vmr-companion/backend/scheduler"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/templates"
)

// Options are what the window needs from main.
type Options struct {
	Assets       embed.FS
	Icon         []byte
	Integrations *integration.Service
	Conferences  *conference.Service
	Manifests    *manifest.Builder
	Templates    *templates.Engine
	Scheduler    *scheduler.Scheduler
	// User is the end user's side (sign-in, preferences, calendar, VMRs).
	User *account.Service
	// Infinity is the sync with a Pexip Infinity Management Node.
	Infinity infinitysync.API
	// Diagnose runs an integration's connection test; Bundle makes the
	// redacted diagnostics bundle of a report.
	Diagnose     func(ctx context.Context, in *integration.Integration) *diagnostics.Report
	Bundle       func(r *diagnostics.Report, in *integration.Integration) ([]byte, error)
	Authority    func(context.Context) (*devcert.Authority, error)
	NewHost      func(context.Context, addinhost.Settings) (*addinhost.Server, error)
	Keychain     *secrets.Keychain
	DatabasePath string
	Version      string
	Logger       *slog.Logger
	Started      time.Time
}

// ErrNoDisplay is returned when there is no graphical session to open the
// window in.
var ErrNoDisplay = errors.New("desktop: no display: the window needs a graphical session (neither DISPLAY nor WAYLAND_DISPLAY is set); run it from a desktop session, or use the command line: vmr-companion --help")

// Run opens the window and returns when it is closed.
func Run(opts Options) error {
	if !generatingBindings && runtime.GOOS == "linux" && os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return ErrNoDisplay
	}
	assets, err := fs.Sub(opts.Assets, "frontend/dist")
	if err != nil {
		return fmt.Errorf("desktop: reading the embedded window: %w", err)
	}
	if _, err := fs.Stat(assets, "index.html"); err != nil && !generatingBindings {
		return errors.New("desktop: this binary was built without the window (frontend/dist has no index.html): build it with `make build`")
	}
	d := wailsDialogs{}
	integrations := &IntegrationService{backend: opts.Integrations, dialogs: d}
	vmrs := &VMRService{backend: opts.Conferences, dialogs: d}
	tmpl := &TemplateService{engine: opts.Templates}
	host := &AddinHostService{integrations: opts.Integrations, manifests: opts.Manifests, authority: opts.Authority, newHost: opts.NewHost, dialogs: d}
	sched := &SchedulerService{scheduler: opts.Scheduler, integrations: opts.Integrations, diagnose: opts.Diagnose,
		bundle: opts.Bundle, dialogs: d, now: time.Now}
	user := &UserService{account: opts.User, dialogs: d}
	infinity := &InfinityService{sync: opts.Infinity, dialogs: d}
	system := &SystemService{keychain: opts.Keychain, databasePath: opts.DatabasePath, version: opts.Version, logger: opts.Logger, started: opts.Started}
	return wails.Run(&options.App{
		Title:            "VMR Companion",
		Width:            1180,
		Height:           820,
		MinWidth:         760,
		MinHeight:        540,
		AssetServer:      &assetserver.Options{Assets: assets},
		BackgroundColour: &options.RGBA{R: 250, G: 250, B: 250, A: 255},
		OnStartup: func(ctx context.Context) {
			integrations.ctx, system.ctx, vmrs.ctx, tmpl.ctx, host.ctx, sched.ctx, user.ctx, infinity.ctx = ctx, ctx, ctx, ctx, ctx, ctx, ctx, ctx
			// The window runs the workers, as vmr-companion serve does.
			if opts.Scheduler != nil {
				if err := opts.Scheduler.Start(ctx); err != nil {
					opts.Logger.Warn("the scheduler did not start", "error", err)
				}
			}
			emit := func(event string, data any) { wruntime.EventsEmit(ctx, event, data) }
			host.emit, infinity.emit = emit, emit
			user.browser = func(url string) error { wruntime.BrowserOpenURL(ctx, url); return nil }
		},
		OnShutdown: func(context.Context) {
			host.shutdown()
			if opts.Scheduler != nil {
				opts.Scheduler.Stop()
			}
		},
		Linux:          &linux.Options{Icon: opts.Icon, ProgramName: "vmr-companion"},
		Bind:           []any{integrations, system, vmrs, tmpl, host, sched, user, infinity},
		ErrorFormatter: FormatError,
	})
}

// dialogs is the one seam to Wails' file dialogs, so the services can be
// tested without a running window. kind is the file type: json, csv, xml, ics,
// pem.
type dialogs interface {
	Open(ctx context.Context, title, kind string) (string, error)
	Save(ctx context.Context, title, name, kind string) (string, error)
}

type wailsDialogs struct{}

var fileFilters = map[string][]wruntime.FileFilter{
	"json": {{DisplayName: "JSON files (*.json)", Pattern: "*.json"}},
	"csv":  {{DisplayName: "CSV files (*.csv)", Pattern: "*.csv"}},
	"xml":  {{DisplayName: "XML files (*.xml)", Pattern: "*.xml"}},
	"ics":  {{DisplayName: "Calendar files (*.ics)", Pattern: "*.ics"}},
	"pem":  {{DisplayName: "Certificates (*.pem, *.crt, *.cer)", Pattern: "*.pem;*.crt;*.cer"}},
}

func (wailsDialogs) Open(ctx context.Context, title, kind string) (string, error) {
	return wruntime.OpenFileDialog(ctx, wruntime.OpenDialogOptions{Title: title, Filters: fileFilters[kind]})
}

func (wailsDialogs) Save(ctx context.Context, title, name, kind string) (string, error) {
	return wruntime.SaveFileDialog(ctx, wruntime.SaveDialogOptions{Title: title, DefaultFilename: name, Filters: fileFilters[kind]})
}
