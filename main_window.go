//go:build !server

package main

// The desktop build: the only file of this package that links Wails (and
// through it GTK and WebKit).

import (
	_ "embed"
	"time"

	"vmr-companion/app/desktop"
	"vmr-companion/app/wire"
	"vmr-companion/app/wire/window"
)

//go:embed build/appicon.png
var icon []byte

// errNoWindow is nil: this build has the window.
var errNoWindow error

// systemConfig is empty: the desktop app reads a config file only when
// --config or VMR_COMPANION_CONFIG names one. /etc/vmr-companion/config.toml
// belongs to the server package's service, and a desktop user beside it
// may not even be allowed to read it.
const systemConfig = ""

// openWindow opens the desktop window on svc and returns when it closes.
func openWindow(svc *wire.Services, started time.Time) error {
	return desktop.Run(window.Options(svc, assets, icon, started))
}
