//go:build nodemo

package cli

// This build (-tags nodemo, as for a server) has no demo: neither
// backend/demo nor the fake Exchange it runs are linked in. serve keeps its
// --demo flag so that it can say so instead of "unknown flag".

import (
	"errors"
	"io"

	"vmr-companion/app/wire"
)

const demoFlagHelp = "not in this build (built with -tags nodemo); a desktop build has the demo"

var errNoDemo = errors.New("--demo: this build of vmr-companion has no demo (it was built with -tags nodemo, as for a server); run serve --demo with a desktop build")

// demoAvailable says whether this build has the demo: it has not.
func demoAvailable() error { return errNoDemo }

// startDemo is never reached: serve checks demoAvailable first.
func (c *command) startDemo(io.Writer, *wire.Services, schedulerSettings) (func(), error) {
	return nil, errNoDemo
}
