// Package wire is VMR Companion's composition root: it opens the store and
// the keychain in a data folder and builds the services that the command
// line, the window and the add-in host share. main only chooses between
// the window and the command line; both take what Open returns.
package wire

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"

	"vmr-companion/backend/account"
	"vmr-companion/backend/addinhost"
	"vmr-companion/backend/alias"
	"vmr-companion/backend/calendar"
	"vmr-companion/backend/conference"
	"vmr-companion/backend/devcert"
	"vmr-companion/backend/diagnostics"
	"vmr-companion/backend/infinitysync"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/manifest"
	"vmr-companion/backend/metrics"
	"vmr-companion/backend/scheduler"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/store"
	"vmr-companion/backend/templates"
)

// Services are the backend parts a command or the window uses, opened on
// demand so that `version` and `--help` need no database.
type Services struct {
	Integrations *integration.Service
	Conferences  *conference.Service
	Aliases      *alias.Service
	Manifests    *manifest.Builder
	Templates    *templates.Engine
	Scheduler    *scheduler.Scheduler
	Diagnostics  *diagnostics.Service
	// Authority loads (or on first use makes) the local CA.
	Authority func(ctx context.Context) (*devcert.Authority, error)
	// NewHost builds the add-in host with its certificate.
	NewHost  func(ctx context.Context, o addinhost.Settings) (*addinhost.Server, error)
	Keychain *secrets.Keychain
	// OSKeychain is the OS keychain whatever backend Keychain is: the
	// source of `secrets import-from-keychain`.
	OSKeychain *secrets.Keychain
	// StoreKeys is the keychain as this data folder's own settings use it
	// (the Infinity connection, the policy credentials): another folder
	// (the demo's) has its own entries.
	StoreKeys    *secrets.Scoped
	DatabasePath string
	// SharedDatabase: the store is a PostgreSQL database that several
	// instances may share (DatabasePath is then its URL, without password).
	SharedDatabase bool
	Close          func() error

	// Calendars is the calendar cache and what the meeting detector knows.
	Calendars *store.Calendars
	// Settings are the window user's preferences.
	Settings *store.Settings
	// Policy is what Infinity's external policy answers from (backend/policy).
	Policy *store.Policy
	// SignIns signs users in to an integration's identity provider;
	// Account is the user's side built on it (the window's and the CLI's).
	SignIns *account.OAuth
	Account *account.Service
	// Infinity syncs integrations and personal VMRs with a Pexip Infinity
	// Management Node.
	Infinity *infinitysync.Service
	// Metrics counts what the host, the scheduler and the policy do, and
	// answers /healthz, /readyz and /metrics (serve --metrics-listen).
	Metrics *metrics.Metrics
	// Version and Logger are the ones Open was given.
	Version string
	Logger  *slog.Logger
}

// InfinityPageSize is how many objects a sync asks Infinity for per page:
// large pages keep 50,000 personal VMRs to a hundred requests.
const InfinityPageSize = 500

// Config is what Open needs besides the data folder. The zero value works:
// the real keychain, no log (unless WithLogger gives one), a host without
// the add-in's files.
type Config struct {
	// Version names this build (user agent, diagnostics bundles).
	Version string
	Logger  *slog.Logger
	// Build is the embedded frontend/dist folder (the add-in's files and
	// office.js); nil or without them, the host serves the API only.
	Build fs.FS
	// Keychain replaces the OS keychain with a checked timeout (tests pass
	// secrets.NewUncheckedKeychain after secretstest.MockInit). The
	// encrypted backend, when chosen (WithSecrets),
	// replaces it as the store of secrets.
	Keychain *secrets.Keychain
}

type loggerKey struct{}

// WithLogger returns ctx carrying the logger the command line built from
// its flags (--log-format, --log-level); Open prefers it to
// Config.Logger. Like WithSecrets, it rides on the context because main's
// Open callback takes only the data folder, and main builds cfg before
// the flags are read.
func WithLogger(ctx context.Context, l *slog.Logger) context.Context {
	return context.WithValue(ctx, loggerKey{}, l)
}

type databaseKey struct{}

// WithDatabase returns ctx carrying the command line's --database (see
// store.ParseDatabase); Open opens it instead of the file in the data
// folder. Like WithSecrets, it rides on the context because main's Open
// callback takes only the data folder.
func WithDatabase(ctx context.Context, spec string) context.Context {
	return context.WithValue(ctx, databaseKey{}, spec)
}

// Open opens the store (the file in dataDir unless WithDatabase chose
// another) and builds every service on it.
func Open(ctx context.Context, dataDir string, cfg Config) (*Services, error) {
	choice, err := resolveSecrets(ctx)
	if err != nil {
		return nil, err
	}
	spec, _ := ctx.Value(databaseKey{}).(string)
	var st *store.Store
	if spec == "" {
		st, err = store.OpenDir(ctx, dataDir)
	} else {
		var d store.Database
		if d, err = store.ParseDatabase(spec, dataDir); err == nil && d.Engine == store.Postgres && choice.Backend != secrets.BackendEncrypted {
			// Secrets in one machine's keychain would be missing on the
			// other instances: they live sealed in the shared database.
			err = fmt.Errorf("a PostgreSQL database is shared by instances, and they must all read the same secrets: add --secrets encrypted (%s=encrypted) with the same key on every server (see docs/high-availability.md)", EnvSecrets)
		}
		if err == nil {
			st, err = store.OpenDatabase(ctx, d)
		}
	}
	if err != nil {
		return nil, err
	}
	logger := cfg.Logger
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok {
		logger = l
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	osKeychain := cfg.Keychain
	if osKeychain == nil {
		osKeychain = secrets.NewKeychain(secrets.DefaultTimeout)
	}
	keychain := openKeychain(choice, st, osKeychain)
	identity, err := st.Identity(ctx)
	if err != nil {
		st.Close()
		return nil, err
	}
	engine := templates.New()
	svc := &Services{
		Integrations:   integration.NewService(st.Integrations(), keychain, engine),
		Conferences:    conference.NewService(st.Conferences()),
		Aliases:        alias.NewService(st.Aliases(), alias.DefaultTTL),
		Manifests:      manifest.NewBuilder(st.Manifests()),
		Templates:      engine,
		Keychain:       keychain,
		OSKeychain:     osKeychain,
		StoreKeys:      secrets.Scope(keychain, identity),
		Calendars:      st.Calendars(),
		Settings:       st.Settings(),
		Policy:         st.Policy(),
		DatabasePath:   st.Path(),
		SharedDatabase: st.Engine() == store.Postgres,
		Close:          st.Close,
		Version:        cfg.Version,
		Logger:         logger,
	}
	svc.SignIns = account.NewOAuth(svc.Integrations, keychain)
	svc.Account = account.New(account.Config{
		Integrations: svc.Integrations, Conferences: svc.Conferences, Templates: engine,
		Settings: svc.Settings, Secrets: keychain, SignIns: svc.SignIns, Cache: svc.Calendars,
		URLSource: func(u string) calendar.Source { return calendar.URLSource(u, nil) },
		Exchange:  svc.SignIns.Exchange,
	})
	svc.Infinity = infinitysync.New(infinitysync.Config{
		Repo: st.Infinity(), Integrations: svc.Integrations, Conferences: svc.Conferences, Keychain: svc.StoreKeys,
		PageSize: InfinityPageSize,
	})
	svc.Diagnostics = &diagnostics.Service{Keys: svc.Integrations, Version: cfg.Version}
	svc.Metrics = metrics.New(metrics.Config{
		Ping: func(ctx context.Context) error { _, err := st.SchemaVersion(ctx); return err },
	})
	svc.Scheduler = scheduler.New(scheduler.Config{
		Repository:   st.Scheduler(),
		Integrations: svc.Integrations,
		Aliases:      svc.Aliases,
		Templates:    engine,
		Connect:      scheduler.EWSConnector(svc.Integrations, "vmr-companion/"+cfg.Version),
		Infinity:     svc.Infinity,
		Logger:       logger,
		Observer:     svc.Metrics,
		// Instances sharing a PostgreSQL database keep their mailboxes
		// between passes and split them (see docs/high-availability.md).
		KeepLease: st.Engine() == store.Postgres,
	})
	svc.Metrics.Watch(svc.Scheduler.Statuses)
	svc.Authority = func(ctx context.Context) (*devcert.Authority, error) {
		return devcert.LoadOrCreate(ctx, devcert.Options{Dir: filepath.Join(dataDir, "devcert"), Keys: keychain})
	}
	addinFiles, officeJS := subdir(cfg.Build, "addin"), subdir(cfg.Build, "office-js")
	svc.NewHost = func(ctx context.Context, o addinhost.Settings) (*addinhost.Server, error) {
		getCertificate, err := svc.hostCertificate(ctx, o.Certificate)
		if err != nil {
			return nil, err
		}
		return addinhost.New(addinhost.Config{
			Listen: o.Listen, Auth: o.Auth, ReservationRate: o.ReservationRate, OnRequest: o.OnRequest, AllowSharedHost: o.AllowSharedHost,
			Policy:     o.Policy,
			AddinFiles: addinFiles, OfficeJS: officeJS,
			Integrations: svc.Integrations, Conferences: svc.Conferences, Aliases: alias.NewService(st.Aliases(), o.ReservationTTL),
			Templates: engine, Manifests: devManifests{svc.Manifests},
			GetCertificate: getCertificate, Logger: logger, Observer: svc.Metrics,
		})
	}
	return svc, nil
}

// hostCertificate is what the add-in host serves: file, the admin's
// certificate (serve --tls-cert), or else a leaf of the local CA. Either
// becomes the certificate that /readyz and the expiry metric watch.
func (svc *Services) hostCertificate(ctx context.Context, file addinhost.Certificate) (func(*tls.ClientHelloInfo) (*tls.Certificate, error), error) {
	if file != nil {
		svc.Metrics.SetCertificate(func() (*x509.Certificate, error) { return file.Leaf(), nil })
		return file.GetCertificate, nil
	}
	ca, err := svc.Authority(ctx)
	if err != nil {
		return nil, err
	}
	loader, err := devcert.NewLoader(ca, nil)
	if err != nil {
		return nil, err
	}
	svc.Metrics.SetCertificate(func() (*x509.Certificate, error) {
		// As a client gets it: renewed first when due.
		c, err := loader.GetCertificate(&tls.ClientHelloInfo{})
		if err != nil || c == nil || c.Leaf == nil {
			return nil, errors.Join(errors.New("the certificate could not be read"), err)
		}
		return c.Leaf, nil
	})
	return loader.GetCertificate, nil
}

// subdir is a folder of the embedded build, or nil when this build has none.
func subdir(build fs.FS, dir string) fs.FS {
	if build == nil {
		return nil
	}
	if _, err := fs.Stat(build, dir); err != nil {
		return nil
	}
	sub, _ := fs.Sub(build, dir)
	return sub
}

// devManifests serves the development manifests: the host hands out the
// variant that points at itself.
type devManifests struct{ b *manifest.Builder }

func (d devManifests) Manifest(ctx context.Context, in *integration.Integration, format, baseURL string) ([]byte, error) {
	return d.b.Manifest(ctx, in, format, true, baseURL)
}
