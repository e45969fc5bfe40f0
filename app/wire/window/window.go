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
	"vmr-companion/backend/diagnostics"
	"vmr-companion/backend/integration"
)

// Options are the window's options: svc's services, the embedded build
// (assets holds frontend/dist) and icon, and when the process started.
func Options(svc *wire.Services, assets embed.FS, icon []byte, started time.Time) desktop.Options {
	return desktop.Options{
		Assets:       assets,
		Icon:         icon,
		Integrations: svc.Integrations,
		Conferences:  svc.Conferences,
		Manifests:    svc.Manifests,
		Templates:    svc.Templates,
		Scheduler:    svc.Scheduler,
		User:         svc.Account,
		Infinity:     svc.Infinity,
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
