//go:build server

package main

// The server build (`make server`): every command of the desktop build, but
// no window, so no Wails, GTK or WebKit and no cgo. Running it with no
// command says so instead of opening anything.

import (
	"errors"
	"time"

	"vmr-companion/app/cli"
	"vmr-companion/app/wire"
)

var errNoWindow = errors.New("this is the server build of VMR Companion (vmr-companion-server): it has no window; use its commands (see vmr-companion-server --help); the desktop app is the vmr-companion package")

// systemConfig is read when --config and VMR_COMPANION_CONFIG name none:
// the file the server package installs.
var systemConfig = cli.SystemConfigFile()

// openWindow is never reached: cli answers errNoWindow before opening anything.
func openWindow(*wire.Services, time.Time) error { return errNoWindow }
