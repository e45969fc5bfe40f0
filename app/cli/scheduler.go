package cli

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"vmr-companion/app/wire"
	"vmr-companion/backend/scheduler"
)

func (c *command) schedulerCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "scheduler", Short: "The service that watches room mailboxes and answers meetings"}
	var name string
	var once, asJSON, wait bool
	var policy schedulerSettings
	run := &cobra.Command{
		Use:   "run",
		Short: "Process what waits in the room mailboxes (--once), or keep watching them",
		Long: `Process the meeting requests waiting in each enabled integration's room mailbox:
decide, create or update the conferences, and send the replies.

With --once it returns when the mailboxes and the outbox are empty; without,
it keeps watching until interrupted (vmr-companion serve does the same next to
the add-in host).

One process at a time works on a mailbox. When another one (serve, the
window) is at it, --once says so and exits 0; with --wait it waits its turn.
Items and replies that fail are tried again later and set aside
(quarantined) after five failures: see scheduler status and scheduler retry.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, err := c.services()
			if err != nil {
				return err
			}
			if err := policy.apply(svc.Scheduler); err != nil {
				return usageError{err}
			}
			if !once {
				return c.watch(cmd, svc)
			}
			refs, err := c.schedulable(svc, name)
			if err != nil {
				return err
			}
			var sums []*scheduler.Summary
			var errs []error
			for _, ref := range refs {
				runOnce := svc.Scheduler.RunOnce
				if wait {
					runOnce = svc.Scheduler.RunOnceWaiting
				}
				sum, err := runOnce(c.ctx, ref)
				if sum != nil {
					sums = append(sums, sum)
				}
				// Another process works on the mailbox: nothing is wrong.
				if err != nil && !scheduler.IsHeld(err) {
					errs = append(errs, err)
				}
			}
			if asJSON {
				if err := writeJSON(cmd.OutOrStdout(), sums); err != nil {
					return err
				}
			} else {
				for _, s := range sums {
					if s.Held != "" {
						fmt.Fprintf(cmd.OutOrStdout(), "%s: %s\n", s.Integration, s.Held)
						continue
					}
					fmt.Fprintf(cmd.OutOrStdout(), "%s: %d decided, %d already decided, %d replies sent\n", s.Integration, s.Decided, s.Skipped, s.Sent)
					if s.Failed > 0 {
						fmt.Fprintf(cmd.OutOrStdout(), "  %d failed (tried again later), %d quarantined: see `vmr-companion scheduler status`\n", s.Failed, s.Quarantined)
					}
					if s.Error != "" {
						fmt.Fprintf(cmd.OutOrStdout(), "  error: %s\n  what to do: %s\n", s.Error, s.Advice)
					}
				}
			}
			return errors.Join(errs...)
		},
	}
	run.Flags().BoolVar(&once, "once", false, "process what waits and exit")
	run.Flags().StringVar(&name, "integration", "", "only this integration (default: every enabled one)")
	run.Flags().BoolVar(&asJSON, "json", false, "print JSON (with --once)")
	policy.flags(run)
	run.Flags().BoolVar(&wait, "wait", false, "with --once: wait while another process works on the mailbox, rather than exit")

	var statusJSON bool
	status := &cobra.Command{
		Use:   "status",
		Short: "Show each integration's scheduler state: last sync, last item, backlog, last error",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, err := c.services()
			if err != nil {
				return err
			}
			list, err := svc.Scheduler.Statuses(c.ctx)
			if err != nil {
				return err
			}
			if statusJSON {
				return writeJSON(cmd.OutOrStdout(), list)
			}
			out := cmd.OutOrStdout()
			for _, st := range list {
				fmt.Fprintf(out, "%s: %s\n", st.Integration, describeState(st))
				if !st.LastSync.IsZero() {
					fmt.Fprintf(out, "  last sync: %s\n", localTime(st.LastSync))
				}
				if st.LastItem != "" {
					fmt.Fprintf(out, "  last item: %s at %s (%d processed)\n", st.LastItem, localTime(st.LastItemAt), st.Processed)
				}
				if st.OutboxPending > 0 {
					fmt.Fprintf(out, "  replies waiting: %d\n", st.OutboxPending)
				}
				if st.LastError != "" {
					fmt.Fprintf(out, "  last error (%s): %s\n  what to do: %s\n", localTime(st.LastErrorAt), st.LastError, st.Advice)
				}
				if l := st.Lease; l != nil {
					printLease(out, l)
				}
				if st.QuarantinedCount > 0 {
					printQuarantined(out, st)
				}
			}
			if len(list) == 0 {
				fmt.Fprintln(out, "No integrations yet: create one with `vmr-companion integrations create`.")
			}
			return nil
		},
	}
	status.Flags().BoolVar(&statusJSON, "json", false, "print JSON")
	cmd.AddCommand(run, status, c.retryCmd())
	return cmd
}

func printLease(out io.Writer, l *scheduler.Lease) {
	now := time.Now()
	if l.ExpiresAt.After(now) {
		who := fmt.Sprintf("process %d on %s", l.PID, l.Host)
		if l.ThisProcess {
			who = "this process"
		}
		fmt.Fprintf(out, "  owned by: %s, since %s (lease until %s)\n", who, localTime(l.AcquiredAt), localTime(l.ExpiresAt))
	}
	if l.BackOffUntil.After(now) {
		fmt.Fprintf(out, "  Exchange asked to wait until %s (it is busy)\n", l.BackOffUntil.Local().Format("15:04:05"))
	}
}

func printQuarantined(out io.Writer, st scheduler.Status) {
	fmt.Fprintf(out, "  quarantined: %d (retry with `vmr-companion scheduler retry --item ID`, `--reply ID` or `--infinity ID`)\n", st.QuarantinedCount)
	for _, q := range st.Quarantined {
		flag := "--item"
		what := "item"
		switch q.Kind {
		case scheduler.FailedOutbox:
			flag, what = "--reply", "reply ("+q.What+")"
		case scheduler.FailedInfinity:
			flag, what = "--infinity", "operation on Pexip Infinity ("+q.What+")"
		}
		fmt.Fprintf(out, "    %s %s: %s", flag, q.ID, what)
		if q.Subject != "" {
			fmt.Fprintf(out, " %q", clip(q.Subject, 60))
		}
		if q.Organizer != "" {
			fmt.Fprintf(out, " from %s", q.Organizer)
		}
		fmt.Fprintf(out, "\n      %d attempts, %s to %s, correlation id %s\n      reason: %s\n", q.Attempts,
			localTime(q.FirstFailed), localTime(q.LastFailed), q.CorrelationID, clip(q.Reason, 300))
	}
}

func (c *command) retryCmd() *cobra.Command {
	var name, item, reply, op string
	cmd := &cobra.Command{
		Use:   "retry",
		Short: "Put a quarantined item (--item ID), reply (--reply ID) or operation on Infinity (--infinity ID) back in line",
		Long: `Put a quarantined mailbox item, reply or operation on Pexip Infinity (API
provisioning) back in line: the next pass tries it again, with a fresh count
of attempts. The ids are in scheduler status.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			given := 0
			for _, v := range []string{item, reply, op} {
				if v != "" {
					given++
				}
			}
			if given != 1 {
				return errors.New("say what to retry: --item ID, --reply ID or --infinity ID (scheduler status lists the quarantined ones)")
			}
			svc, err := c.services()
			if err != nil {
				return err
			}
			kind, id := scheduler.FailedItem, item
			switch {
			case reply != "":
				kind, id = scheduler.FailedOutbox, reply
			case op != "":
				kind, id = scheduler.FailedInfinity, op
			}
			if err := svc.Scheduler.Retry(c.ctx, name, kind, id); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "Back in line: the next pass tries it again (now, if vmr-companion serve or the window runs the scheduler here; else run `vmr-companion scheduler run --once`).")
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "integration", "", "only look in this integration (name or uuid)")
	cmd.Flags().StringVar(&item, "item", "", "the quarantined mailbox item's id")
	cmd.Flags().StringVar(&reply, "reply", "", "the quarantined reply's id")
	cmd.Flags().StringVar(&op, "infinity", "", "the quarantined operation on Pexip Infinity's id")
	return cmd
}

func describeState(st scheduler.Status) string {
	switch st.State {
	case scheduler.WorkerDisabled:
		return "disabled (single-use VMRs off, or no room mailbox or EWS URL)"
	case scheduler.WorkerStopped:
		return "not running here (vmr-companion serve or the window runs it)"
	case scheduler.WorkerWaiting:
		return "waiting (another process works on the mailbox, or Exchange asked to wait)"
	}
	return st.State
}

// schedulable returns the integrations to run: the named one, or every
// eligible one.
func (c *command) schedulable(svc *wire.Services, name string) ([]string, error) {
	if name != "" {
		return []string{name}, nil
	}
	list, err := svc.Integrations.List(c.ctx)
	if err != nil {
		return nil, err
	}
	var refs []string
	for _, sum := range list {
		in, err := svc.Integrations.Get(c.ctx, sum.UUID)
		if err != nil {
			return nil, err
		}
		if scheduler.Eligible(in) == "" {
			refs = append(refs, in.UUID)
		}
	}
	if len(refs) == 0 {
		return nil, errors.New("no integration has single-use VMRs enabled with a room mailbox and an EWS URL: set them with `vmr-companion integrations update`")
	}
	return refs, nil
}

// watch runs every worker until interrupted.
func (c *command) watch(cmd *cobra.Command, svc *wire.Services) error {
	if err := svc.Scheduler.Start(c.ctx); err != nil {
		return err
	}
	defer svc.Scheduler.Stop()
	fmt.Fprintln(cmd.OutOrStdout(), "Watching the room mailboxes. Press Ctrl+C to stop.")
	ctx, stop := interrupted(c.ctx)
	defer stop()
	<-ctx.Done()
	return nil
}
