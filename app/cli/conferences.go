package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
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
			fmt.Fprintln(tw, "ALIAS\tSUBJECT\tORGANIZER\tSTART\tEND\tVALID FROM\tVALID UNTIL\tKIND\tSTATE\tON INFINITY")
			for _, sc := range list {
				until := "no end"
				if !sc.ValidUntil.IsZero() {
					until = localTime(sc.ValidUntil)
				}
				// Where Infinity stands: answered by policy, created as id N,
				// waiting (why), failed: why, removed (--json has it whole).
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", sc.Alias, clip(sc.Subject, 40), sc.Organizer,
					localTime(sc.Start), localTime(sc.End), localTime(sc.ValidFrom), until, sc.Kind, sc.State, clip(strings.Join(strings.Fields(sc.InfinityStatus), " "), 120))
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
