package cli

import (
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"vmr-companion/backend/scheduler"
)

func (c *command) conferencesCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "conferences", Short: "Single-use VMRs the scheduler made for meetings"}
	var name string
	var asJSON, all bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List scheduled conferences: upcoming and the last 24 hours (--all: every one)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, err := c.services()
			if err != nil {
				return err
			}
			since := time.Now().Add(-24 * time.Hour)
			if all {
				since = time.Time{}
			}
			list, err := svc.Scheduler.Conferences(c.ctx, name, since)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), list)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ALIAS\tSUBJECT\tORGANIZER\tSTART\tEND\tVALID FROM\tVALID UNTIL\tKIND\tSTATE")
			for _, sc := range list {
				until := "no end"
				if !sc.ValidUntil.IsZero() {
					until = localTime(sc.ValidUntil)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", sc.Alias, clip(sc.Subject, 40), sc.Organizer,
					localTime(sc.Start), localTime(sc.End), localTime(sc.ValidFrom), until, sc.Kind, sc.State)
			}
			if len(list) == 0 {
				fmt.Fprintln(tw, "(no scheduled conferences)")
			}
			return tw.Flush()
		},
	}
	list.Flags().StringVar(&name, "integration", "", "only this integration (name or uuid)")
	list.Flags().BoolVar(&all, "all", false, "include conferences that ended more than 24 hours ago")
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.AddCommand(list)
	return cmd
}

func localTime(t time.Time) string { return t.Local().Format("2006-01-02 15:04") }

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func (c *command) schedulerCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "scheduler", Short: "The service that watches room mailboxes and answers meetings"}
	var name string
	var once, asJSON bool
	run := &cobra.Command{
		Use:   "run",
		Short: "Process what waits in the room mailboxes (--once), or keep watching them",
		Long: `Process the meeting requests waiting in each enabled integration's room mailbox:
decide, create or update the conferences, and send the replies.

With --once it returns when the mailboxes and the outbox are empty; without,
it keeps watching until interrupted (vmr-companion serve does the same next to
the add-in host).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, err := c.services()
			if err != nil {
				return err
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
				sum, err := svc.Scheduler.RunOnce(c.ctx, ref)
				if sum != nil {
					sums = append(sums, sum)
				}
				if err != nil {
					errs = append(errs, err)
				}
			}
			if asJSON {
				if err := writeJSON(cmd.OutOrStdout(), sums); err != nil {
					return err
				}
			} else {
				for _, s := range sums {
					fmt.Fprintf(cmd.OutOrStdout(), "%s: %d decided, %d already decided, %d replies sent\n", s.Integration, s.Decided, s.Skipped, s.Sent)
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
			}
			if len(list) == 0 {
				fmt.Fprintln(out, "No integrations yet: create one with `vmr-companion integrations create`.")
			}
			return nil
		},
	}
	status.Flags().BoolVar(&statusJSON, "json", false, "print JSON")
	cmd.AddCommand(run, status)
	return cmd
}

func describeState(st scheduler.Status) string {
	switch st.State {
	case scheduler.WorkerDisabled:
		return "disabled (single-use VMRs off, or no room mailbox or EWS URL)"
	case scheduler.WorkerStopped:
		return "not running here (vmr-companion serve or the window runs it)"
	}
	return st.State
}

// schedulable returns the integrations to run: the named one, or every
// eligible one.
func (c *command) schedulable(svc *Services, name string) ([]string, error) {
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
func (c *command) watch(cmd *cobra.Command, svc *Services) error {
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
