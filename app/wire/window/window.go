// Package window builds the desktop window's options from the shared
// services. It is apart from app/wire so that the command line, which
// imports app/wire, does not link Wails through it.
package window

import (
	"context"
	"embed"
	"time"

	"vmr-companion/app/desktop"
	"vmr-companion/app/wire"
	"vmr-companion/backend/calendar"
	"vmr-companion/backend/diagnostics"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/oauth"
)

// Options are the window's options: svc's services, the embedded build
// (assets holds frontend/dist) and icon, and when the process started.
func Options(svc *wire.Services, assets embed.FS, icon []byte, started time.Time) desktop.Options {
	accounts := userAccounts{integrations: svc.Integrations, sessions: &oauth.Sessions{Keys: svc.Keychain}}
	return desktop.Options{
		Assets:       assets,
		Icon:         icon,
		Integrations: svc.Integrations,
		Conferences:  svc.Conferences,
		Manifests:    svc.Manifests,
		Templates:    svc.Templates,
		Scheduler:    svc.Scheduler,
		User: desktop.UserBackends{
			Settings:  svc.Settings,
			Accounts:  accounts,
			Cache:     svc.Calendars,
			URLSource: func(u string) calendar.Source { return calendar.URLSource(u, nil) },
			Exchange:  accounts.exchange,
		},
		Diagnose: func(ctx context.Context, in *integration.Integration) *diagnostics.Report {
			return svc.Diagnostics.Diagnose(ctx, in, diagnostics.Options{})
		},
		Bundle:       svc.Diagnostics.Bundle,
		Authority:    svc.Authority,
		NewHost:      svc.NewHost,
		Keychain:     svc.Keychain,
		DatabasePath: svc.DatabasePath,
		Version:      svc.Version,
		Logger:       svc.Logger,
		Started:      started,
	}
}
