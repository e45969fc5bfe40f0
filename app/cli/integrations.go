package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"vmr-companion/backend/integration"
)

func (c *command) integrationsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "integrations",
		Aliases: []string{"integration"},
		Short:   "Manage integrations (one per Exchange deployment)",
	}
	cmd.AddCommand(c.listCmd(), c.showCmd(), c.createCmd(), c.updateCmd(), c.deleteCmd(),
		c.validateCmd(), c.exportCmd(), c.importCmd())
	return cmd
}

func (c *command) listCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List integrations",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, err := c.services()
			if err != nil {
				return err
			}
			list, err := svc.Integrations.List(c.ctx)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), list)
			}
			if len(list) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "No integrations yet. Create one with: vmr-companion integrations create --set name=… (see --help)")
				return nil
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tAUTH\tROOM MAILBOX\tVMRS\tUUID")
			for _, s := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.Name, s.AuthenticationMethod, orDash(s.RoomMailbox), kinds(s), s.UUID)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func kinds(s integration.Summary) string {
	var k []string
	if s.EnableDynamicVMRs {
		k = append(k, "single-use")
	}
	if s.EnablePersonalVMRs {
		k = append(k, "personal")
	}
	return orDash(strings.Join(k, ", "))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (c *command) showCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show NAME|UUID",
		Short: "Show one integration (secrets are never shown)",
		Args:  exactArgs(1, "the integration's name or uuid"),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, err := c.services()
			if err != nil {
				return err
			}
			it, err := svc.Integrations.Get(c.ctx, args[0])
			if err != nil {
				return err
			}
			report, err := svc.Integrations.Check(c.ctx, &integration.Input{Integration: it})
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), it)
			}
			return printIntegration(cmd.OutOrStdout(), it, report.Warnings)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// printIntegration prints the fields group by group, as the window shows them.
func printIntegration(w io.Writer, it *integration.Integration, warnings []integration.Warning) error {
	values := map[string]any{}
	data, _ := json.Marshal(it)
	_ = json.Unmarshal(data, &values)
	schema := integration.Describe()
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, g := range schema.Groups {
		fmt.Fprintf(tw, "\n%s\n", g.Title)
		for _, f := range schema.Fields {
			if f.Group != g.Key {
				continue
			}
			var v string
			switch {
			case f.Kind == integration.KindSecret:
				v = "(not set)"
				if contains(it.SecretsStored, f.Name) {
					v = "(stored in the keychain)"
				}
			case f.Format == integration.FormatTemplate || f.Format == integration.FormatMultiline:
				s, _ := values[f.Name].(string)
				v = fmt.Sprintf("(%d characters)", len(s))
				if s == "" {
					v = "-"
				}
			default:
				v = display(values[f.Name])
			}
			fmt.Fprintf(tw, "  %s\t%s\n", f.Label, v)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	printWarnings(w, warnings)
	return nil
}

func display(v any) string {
	switch x := v.(type) {
	case nil:
		return "-"
	case string:
		return orDash(x)
	case []any:
		parts := make([]string, len(x))
		for i, p := range x {
			parts[i] = fmt.Sprint(p)
		}
		return orDash(strings.Join(parts, ", "))
	default:
		return fmt.Sprint(x)
	}
}

func printWarnings(w io.Writer, warnings []integration.Warning) {
	if len(warnings) == 0 {
		return
	}
	fmt.Fprintln(w, "\nWarnings")
	for _, wr := range warnings {
		fmt.Fprintf(w, "  %s: %s\n", wr.Field, wr.Message)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (c *command) deleteCmd() *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "delete NAME|UUID",
		Short: "Delete an integration and its keychain entries",
		Args:  exactArgs(1, "the integration's name or uuid"),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, err := c.services()
			if err != nil {
				return err
			}
			it, err := svc.Integrations.Get(c.ctx, args[0])
			if err != nil {
				return err
			}
			if !yes {
				file, ok := c.cfg.Stdin.(*os.File)
				if !ok || !term.IsTerminal(int(file.Fd())) {
					return usageError{fmt.Errorf("deleting %q needs confirmation: pass --yes", it.Name)}
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "Delete integration %q and its secrets? Type its name to confirm: ", it.Name)
				answer, _ := bufio.NewReader(file).ReadString('\n')
				if strings.TrimSpace(answer) != it.Name {
					return errors.New("not deleted: the name did not match")
				}
			}
			if err := svc.Integrations.Delete(c.ctx, it.UUID); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Deleted integration %q.\n", it.Name)
			return nil
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "delete without asking")
	return cmd
}

func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageError{fmt.Errorf("%s takes %s (see: %s --help)", cmd.CommandPath(), what, cmd.CommandPath())}
		}
		return nil
	}
}
