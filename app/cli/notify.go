package cli

import (
	"context"
	"errors"

	"vmr-companion/app/wire"
	"vmr-companion/backend/addinhost"
	"vmr-companion/backend/sdnotify"
)

// systemd reads $NOTIFY_SOCKET (serve under a Type=notify unit) and takes
// it out of the environment before anything else starts. Without it every
// notification does nothing.
func (c *command) systemd() *sdnotify.Notifier {
	n, err := sdnotify.FromEnv()
	if err != nil {
		c.logs.logger().Warn(err.Error())
	}
	return n
}

// notified logs a notification systemd did not get: with Type=notify a
// missing READY=1 ends in systemd killing serve after TimeoutStartSec, and
// the log should say why.
func (c *command) notified(err error) {
	if err != nil {
		c.logs.logger().Warn("telling systemd how serve is doing failed", "error", err)
	}
}

// ready tells systemd that serve is up (the host listens, the scheduler
// runs), with the host's URL as its status line, and starts the watchdog's
// keep-alive. The returned function stops the keep-alive.
func (c *command) ready(n *sdnotify.Notifier, svc *wire.Services, host *addinhost.Server) (stopWatchdog func()) {
	c.notified(n.Status("serving " + host.URL() + " (auth: " + host.Auth() + ")"))
	c.notified(n.Ready())
	return n.Watchdog(c.ctx, func(ctx context.Context) error { return storeAnswers(svc, ctx) }, func(err error) {
		c.logs.logger().Warn("the watchdog's keep-alive is held back: systemd restarts serve if this lasts", "error", err)
	})
}

// storeAnswers is the watchdog's health check: the database answers. It
// leaves out what a restart would not fix (a failed worker, an expired
// certificate), which /readyz reports instead.
func storeAnswers(svc *wire.Services, ctx context.Context) error {
	for _, p := range svc.Metrics.Ready(ctx).Problems {
		if p.Check == "store" {
			return errors.New(p.Detail)
		}
	}
	return nil
}

// stopping tells systemd that serve is shutting down, once the keep-alive
// is stopped.
func (c *command) stopping(n *sdnotify.Notifier, stopWatchdog func()) {
	stopWatchdog()
	c.notified(n.Status("stopping: finishing the requests and decisions under way"))
	c.notified(n.Stopping())
}
