// Command vmr-companion is VMR Companion: with no arguments it opens the
// desktop window; with a subcommand it is a command-line tool. main only
// wires the parts together.
package main

import (
	"context"
	"crypto/x509"
	"embed"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"vmr-companion/app/cli"
	"vmr-companion/app/desktop"
	"vmr-companion/backend/addinhost"
	"vmr-companion/backend/alias"
	"vmr-companion/backend/calendar"
	"vmr-companion/backend/conference"
	"vmr-companion/backend/devcert"
	"vmr-companion/backend/diagnostics"
	"vmr-companion/backend/ews/auth"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/manifest"
	"vmr-companion/backend/oauth"
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
		accounts := userAccounts{integrations: svc.Integrations, sessions: &oauth.Sessions{Keys: svc.Keychain}}
		return desktop.Run(desktop.Options{
			Assets:       assets,
			Icon:         icon,
			Integrations: svc.Integrations,
			Conferences:  svc.Conferences,
			Manifests:    svc.Manifests,
			Templates:    svc.Templates,
			Scheduler:    svc.Scheduler,
			User: desktop.UserBackends{
				Settings:  db.Settings(),
				Accounts:  accounts,
				Cache:     db.Calendars(),
				URLSource: func(u string) calendar.Source { return calendar.URLSource(u, nil) },
				Exchange:  accounts.exchange,
			},
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

// userAccounts signs the window's user in with backend/oauth
// (desktop.Accounts), the session kept in the keychain.
type userAccounts struct {
	integrations *integration.Service
	sessions     *oauth.Sessions
}

func (a userAccounts) provider(ctx context.Context, in *integration.Integration) (*oauth.Provider, error) {
	secret, _, err := a.integrations.Secret(ctx, in, integration.SecretPersonalVMROAuthClientSecret)
	if err != nil {
		return nil, err
	}
	return oauth.FromIntegration(ctx, in, secret, nil)
}

func (a userAccounts) session(ctx context.Context, in *integration.Integration) (*oauth.Session, error) {
	p, err := a.provider(ctx, in)
	if err != nil {
		return nil, err
	}
	s, err := a.sessions.Current(ctx, p, in.UUID)
	return s, signInError(err)
}

func (a userAccounts) SignIn(ctx context.Context, in *integration.Integration, open func(string) error) (*desktop.Account, error) {
	p, err := a.provider(ctx, in)
	if err != nil {
		return nil, err
	}
	s, err := p.SignInBrowser(ctx, open)
	if err != nil {
		return nil, signInError(err)
	}
	if err := a.sessions.Save(ctx, in.UUID, s); err != nil {
		return nil, err
	}
	return &desktop.Account{Email: s.Identity.Email, Name: s.Identity.Name}, nil
}

func (a userAccounts) Current(ctx context.Context, in *integration.Integration) (*desktop.Account, error) {
	s, err := a.session(ctx, in)
	if err != nil {
		return nil, err
	}
	return &desktop.Account{Email: s.Identity.Email, Name: s.Identity.Name}, nil
}

func (a userAccounts) SignOut(ctx context.Context, in *integration.Integration) error {
	p, err := a.provider(ctx, in)
	if err != nil {
		return err
	}
	return a.sessions.SignOut(ctx, p, in.UUID)
}

// exchange is the signed-in user's own Exchange calendar, read with their
// access token (delegated OAuth).
func (a userAccounts) exchange(ctx context.Context, in *integration.Integration) (calendar.Source, error) {
	s, err := a.session(ctx, in)
	if err != nil {
		return nil, err
	}
	var roots *x509.CertPool
	if in.EWSCAFile != "" {
		if roots, err = auth.LoadRootCAs(in.EWSCAFile); err != nil {
			return nil, err
		}
	}
	return calendar.UserEWSSource(in.URL, s.Identity.Email, s.AccessToken, roots)
}

// signInError gives the window the sign-in problems it explains itself.
func signInError(err error) error {
	code := ""
	switch {
	case errors.Is(err, oauth.ErrSignedOut):
		code = desktop.CodeSignedOut
	case errors.Is(err, oauth.ErrSignInAgain):
		code = desktop.CodeSignInAgain
	case errors.Is(err, oauth.ErrConsentRefused):
		code = desktop.CodeConsentRefused
	default:
		return err
	}
	return &desktop.SignInError{Code: code, Err: err}
}

// devManifests serves the development manifests: the host hands out the
// variant that points at itself.
type devManifests struct{ b *manifest.Builder }

func (d devManifests) Manifest(ctx context.Context, in *integration.Integration, format, baseURL string) ([]byte, error) {
	return d.b.Manifest(ctx, in, format, true, baseURL)
}
