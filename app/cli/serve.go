package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"vmr-companion/app/wire"
	"vmr-companion/backend/addinhost"
	"vmr-companion/backend/alias"
	"vmr-companion/backend/atomicfile"
	"vmr-companion/backend/devcert"
	"vmr-companion/backend/metrics"
	"vmr-companion/backend/scheduler"
)

func (c *command) serveCmd() *cobra.Command {
	var o addinhost.Settings
	var demoMode bool
	var policy schedulerSettings
	var metricsListen string
	var metricsPublic bool
	var tlsf tlsFiles
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the add-in host (HTTPS) and the scheduler until interrupted",
		Long: `Run the add-in host: the Outlook add-in's files, each integration's manifest and
the add-in API, over HTTPS with a certificate from the local CA (made on first
use; trust it with: vmr-companion cert install).

On a loopback address the default is --auth none, for development on this
machine: anyone signed in to it can then act as anyone, so it is refused
where several people are signed in (a terminal server) unless
--allow-shared-host is given. On any other address the default, and the
only choice besides oidc, is --auth integration: every API call proves its
user the way its integration's addin_authentication_method says (an
Exchange identity token, Office single sign-on or nested app
authentication). --auth oidc is the earlier mode, kept: every integration
is checked as SSO_TOKEN.

The scheduler runs beside the host: one worker per integration with
single-use VMRs and a room mailbox. With --demo a fake Exchange with example
meetings runs too, so the whole flow can be seen without an Exchange server;
the demo keeps its integration and meetings in its own data folder
(<data-dir>/demo), never in yours.

Beyond this machine the host needs a certificate Outlook clients and
Conferencing Nodes trust, for addin_server_domain: --tls-cert and
--tls-key (PEM). It is re-read when the files change (a renewal) and on
SIGHUP, without dropping connections; a pair that does not load leaves
the current one served.

Health and metrics are served apart from the add-in, in plain HTTP on
--metrics-listen (default 127.0.0.1:9464; off turns it off): /healthz,
/readyz and /metrics (Prometheus). They have no authentication: an address
beyond this machine is refused unless --metrics-listen-public is given, and
belongs behind a firewall or a reverse proxy.

SIGHUP re-reads the config file (see: vmr-companion config --help): the
reservation rate and the placeholder policy change at once; other changed
settings are named and wait for a restart; a file with problems changes
nothing.

SIGTERM or Ctrl+C stops it: the host stops taking requests and finishes
those running, each worker finishes its decision and the replies it is
sending and gives its mailbox lease back, and serve exits 0 (within 10 s).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if demoMode {
				if err := demoAvailable(); err != nil {
					return usageError{err}
				}
			}
			if o.ReservationTTL < time.Minute {
				return usageError{fmt.Errorf("--reservation-ttl must be at least 1m, not %s", o.ReservationTTL)}
			}
			// Checked before anything starts, so a refused address costs nothing.
			if err := tlsf.check(o.Listen, o.Auth); err != nil {
				return usageError{err}
			}
			if metricsListen != metrics.Off {
				if err := metrics.CheckListen(metricsListen, metricsPublic); err != nil {
					return usageError{err}
				}
			}
			// Caught from here on, so that a stop asked for while serve
			// starts still ends in the orderly shutdown below.
			ctx, stop := interrupted(c.ctx)
			defer stop()
			hangups := make(chan os.Signal, 1)
			notifyHangup(hangups)
			defer signal.Stop(hangups)
			notify := c.systemd()
			svc, err := c.services()
			if err != nil {
				return err
			}
			if err := policy.apply(svc.Scheduler); err != nil {
				return usageError{err}
			}
			cert, err := tlsf.open(svc.Logger)
			if err != nil {
				return err
			}
			// Without the admin's certificate, say loudly what needs
			// attention about the local CA (its key in a file, a
			// replaced CA) before the host uses it.
			if cert != nil {
				o.Certificate = cert
			} else if _, _, err := c.loadCA(cmd.ErrOrStderr(), svc, devcert.TrustOptions{}, true); err != nil {
				return err
			}
			ph, err := c.policyHandler(cmd.ErrOrStderr(), svc)
			if err != nil {
				return err
			}
			// Deferred first, so it runs last: after the host stopped,
			// every decision it answered is written.
			defer func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				ph.Close(ctx)
			}()
			o.Policy = ph
			host, err := svc.NewHost(c.ctx, o)
			if err != nil {
				return err
			}
			var metricsSrv *metrics.Server
			if metricsListen != metrics.Off {
				ln, err := metrics.Listen(metricsListen, metricsPublic)
				if err != nil {
					return err
				}
				metricsSrv = metrics.Serve(ln, svc.Metrics.Handler(), svc.Logger)
				defer func() {
					ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
					defer cancel()
					metricsSrv.Shutdown(ctx)
				}()
				metricsListen = ln.Addr().String()
			}
			if err := host.Start(); err != nil {
				return err
			}
			out := c.logs.console(cmd.OutOrStdout())
			fmt.Fprintf(out, "Add-in host running at %s (auth: %s)\n", host.URL(), host.Auth())
			if host.Auth() == addinhost.AuthNone {
				fmt.Fprintln(out, addinhost.NoAuthWarning)
			}
			fmt.Fprintf(out, "  Infinity external policy: %s%s (HTTP Basic; see: vmr-companion policy status)\n", host.URL(), policyPath)
			if cert != nil {
				fmt.Fprintf(out, "  Certificate: %s (%s)\n", describeCertificate(cert.Certificate().Leaf), tlsf.cert)
				warnUncovered(c.ctx, cmd.ErrOrStderr(), svc, cert.Certificate().Leaf)
			}
			if metricsSrv != nil {
				fmt.Fprintf(out, "  Health and metrics: http://%s/readyz and /metrics\n", metricsListen)
			}
			if svc.SharedDatabase {
				fmt.Fprintf(out, "  Database: %s (shared: the instances on it split the room mailboxes; see: vmr-companion scheduler status)\n", svc.DatabasePath)
			}
			if list, err := svc.Integrations.List(c.ctx); err == nil {
				for _, in := range list {
					fmt.Fprintf(out, "  %s: %s/integrations/%s/manifest.xml\n", in.Name, host.URL(), in.UUID)
				}
			}
			if demoMode {
				stopDemo, err := c.startDemo(out, svc, policy)
				if err != nil {
					host.Shutdown(context.Background())
					return err
				}
				defer stopDemo()
			}
			if err := svc.Scheduler.Start(c.ctx); err != nil {
				host.Shutdown(context.Background())
				return err
			}
			defer svc.Scheduler.Stop() // on an early return; Drain below otherwise
			if sts, err := svc.Scheduler.Statuses(c.ctx); err == nil {
				for _, st := range sts {
					if st.State != scheduler.WorkerDisabled {
						fmt.Fprintf(out, "  scheduler for %s: watching its room mailbox\n", st.Integration)
					}
				}
			}
			stopWatchdog := c.ready(notify, svc, host)
			defer stopWatchdog()
			fmt.Fprintln(out, "Press Ctrl+C to stop.")
			live := serveLive(host, svc.Scheduler)
		wait:
			for {
				select {
				case <-ctx.Done():
					break wait
				case <-hangups:
					c.notified(notify.Reloading())
					c.reload(out, svc.Logger, live)
					if cert != nil {
						reloadCertificate(c.ctx, out, cmd.ErrOrStderr(), svc, cert)
					}
					c.notified(notify.Ready())
				}
			}
			c.stopping(notify, stopWatchdog)
			return shutdown(cmd.ErrOrStderr(), svc, host)
		},
	}
	cmd.Flags().StringVar(&o.Listen, "listen", addinhost.DefaultListen, "address to listen on")
	cmd.Flags().StringVar(&o.Auth, "auth", "", "none (loopback development), integration (each integration's addin_authentication_method) or oidc (every integration as SSO_TOKEN); default none on loopback, integration beyond")
	cmd.Flags().BoolVar(&o.AllowSharedHost, "allow-shared-host", false, "run --auth none even where several people are signed in to this machine (each could act as any other)")
	cmd.Flags().IntVar(&o.ReservationRate, "reservation-rate", addinhost.DefaultReservationRate, "single-use reservations per user per minute; 0 turns the limit off")
	policy.flags(cmd)
	cmd.Flags().BoolVar(&demoMode, "demo", false, demoFlagHelp)
	cmd.Flags().DurationVar(&o.ReservationTTL, "reservation-ttl", alias.DefaultTTL, "how long a reservation that no meeting used is kept")
	cmd.Flags().StringVar(&metricsListen, "metrics-listen", metrics.DefaultListen, "where /healthz, /readyz and /metrics listen (plain HTTP), or off")
	tlsf.flags(cmd)
	cmd.Flags().BoolVar(&metricsPublic, "metrics-listen-public", false, "allow --metrics-listen beyond this machine (no authentication: put it behind a firewall or a reverse proxy)")
	return cmd
}

// shutdownGrace bounds the whole shutdown; service managers kill after
// 90 s (systemd's default), admins expect less.
const shutdownGrace = 10 * time.Second

// shutdown stops serve in order: the host takes no new request and
// finishes those running, then each worker finishes its decision and its
// sends and gives its mailbox lease back.
func shutdown(stderr io.Writer, svc *wire.Services, host *addinhost.Server) error {
	fmt.Fprintln(stderr, "Stopping: finishing the requests and decisions under way…")
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	err := host.Shutdown(ctx)
	svc.Scheduler.Drain(ctx)
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// interrupted is ctx, done on Ctrl+C or SIGTERM.
func interrupted(ctx context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
}

func (c *command) manifestCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "manifest", Short: "Outlook add-in manifests of integrations"}
	var name, format, output, baseURL string
	var dev bool
	gen := &cobra.Command{
		Use:   "generate",
		Short: "Write an integration's manifest (production, or --dev for this machine's host)",
		Example: `  vmr-companion manifest generate --integration Contoso -o manifest.xml
  vmr-companion manifest generate --integration Contoso --dev --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if name == "" {
				return usageError{errors.New("--integration NAME is required")}
			}
			if format != "xml" && format != "json" {
				return usageError{fmt.Errorf("--format must be xml or json, not %q", format)}
			}
			base := strings.TrimSuffix(baseURL, "/")
			if !strings.HasPrefix(base, "https://") {
				return usageError{fmt.Errorf("--base-url must start with https://, not %q", baseURL)}
			}
			svc, err := c.services()
			if err != nil {
				return err
			}
			in, err := svc.Integrations.Get(c.ctx, name)
			if err != nil {
				return err
			}
			data, err := svc.Manifests.Manifest(c.ctx, in, format, dev, base)
			if err != nil {
				return err
			}
			if output == "" || output == "-" {
				_, err = cmd.OutOrStdout().Write(data)
				return err
			}
			if err := atomicfile.Write(output, data, 0o644); err != nil {
				return err
			}
			abs, _ := filepath.Abs(output)
			fmt.Fprintf(cmd.ErrOrStderr(), "Wrote %s\n", abs)
			return nil
		},
	}
	gen.Flags().StringVar(&name, "integration", "", "the integration's name or uuid")
	gen.Flags().BoolVar(&dev, "dev", false, "the development manifest, served by this machine's add-in host")
	gen.Flags().StringVar(&format, "format", "xml", "xml (Outlook add-in manifest) or json (Microsoft 365 unified manifest)")
	gen.Flags().StringVarP(&output, "output", "o", "", "file to write (default: standard output)")
	gen.Flags().StringVar(&baseURL, "base-url", "https://127.0.0.1:3443", "where the development host is reached (with --dev)")
	cmd.AddCommand(gen)
	return cmd
}
