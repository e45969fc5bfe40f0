//go:build !nodemo

package cli

// serve --demo is in this build. A server build leaves it out with
// -tags nodemo (demo_nodemo.go), and with it backend/demo and the fake
// Exchange of backend/ews/ewstest.

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"vmr-companion/app/wire"
	"vmr-companion/backend/demo"
	"vmr-companion/backend/devcert"
)

const demoFlagHelp = "also run a fake Exchange with example meetings, and an integration for it, kept in their own data folder (<data-dir>/demo)"

// demoAvailable says whether this build has the demo: it has.
func demoAvailable() error { return nil }

// startDemo runs the demo beside serve: the fake Exchange with a leaf of the
// user's local CA (the one the browsers trust), and the demo's own store,
// integration and scheduler in demo.Dir of the user's data folder. The
// user's store is never written: an integration whose fake Exchange stops
// with serve would leave a worker failing in every later window. stop ends
// the demo's worker, saves the fake's mailboxes and closes the demo's store.
func (c *command) startDemo(out io.Writer, svc *wire.Services, policy schedulerSettings) (stop func(), err error) {
	a, err := svc.Authority(c.ctx)
	if err != nil {
		return nil, err
	}
	loader, err := devcert.NewLoader(a, nil)
	if err != nil {
		return nil, err
	}
	userDir := filepath.Dir(svc.DatabasePath)
	if list, err := svc.Integrations.List(c.ctx); err == nil {
		for _, in := range list {
			if demo.LeftBehind(in) {
				fmt.Fprintf(out, "An earlier demo left the integration %q in your own data; the demo no longer uses it. Remove it with: vmr-companion integrations delete %q\n", in.Name, in.UUID)
			}
		}
	}
	dir := demo.Dir(userDir)
	// The demo's services open only its own folder; their Authority and
	// NewHost (which would make a second CA there) are never called.
	dsvc, err := c.cfg.Open(c.ctx, dir)
	if err != nil {
		return nil, err
	}
	closeStore := func() {
		if dsvc.Close != nil {
			dsvc.Close()
		}
	}
	if err := policy.apply(dsvc.Scheduler); err != nil {
		closeStore()
		return nil, usageError{err}
	}
	d, err := demo.Start(c.ctx, demo.Config{DataDir: dir, Integrations: dsvc.Integrations, Aliases: dsvc.Aliases,
		GetCertificate: loader.GetCertificate, CAFile: a.CertPath(), ResetSync: dsvc.Scheduler.ResetSync})
	if err != nil {
		closeStore()
		return nil, err
	}
	stopFake := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		d.Stop(ctx)
	}
	mgr, err := demo.StartConnectedInfinity(c.ctx, dsvc.Infinity, demo.Config{DataDir: dir, GetCertificate: loader.GetCertificate, CAFile: a.CertPath()})
	if err != nil {
		stopFake()
		closeStore()
		return nil, err
	}
	stopFake = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		d.Stop(ctx)
		mgr.Stop(ctx)
	}
	if err := dsvc.Scheduler.StartWorker(c.ctx, d.Integration.UUID); err != nil {
		stopFake()
		closeStore()
		return nil, err
	}
	fmt.Fprintf(out, "Demo: a fake Exchange at %s with example meetings in its room mailbox (integration %q).\n", d.URL(), demo.IntegrationName)
	fmt.Fprintf(out, "  Its data is kept apart from yours, in %s.\n", dir)
	fmt.Fprintf(out, "  See what the scheduler decided: vmr-companion --data-dir \"%s\" conferences list (or: scheduler status)\n", dir)
	fmt.Fprintf(out, "  scheduler for %s: watching its room mailbox\n", demo.IntegrationName)
	fmt.Fprintf(out, "Demo: a fake Pexip Infinity Management Node at %s with example integrations and personal VMRs;\n", mgr.URL())
	fmt.Fprintf(out, "  the demo's data is connected to it as %s. Try: vmr-companion --data-dir \"%s\" infinity pull (then diff, push, status)\n", demo.InfinityUsername, dir)
	return func() {
		dsvc.Scheduler.Stop()
		stopFake()
		closeStore()
	}, nil
}
