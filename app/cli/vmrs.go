package cli

import (
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"vmr-companion/backend/conference"
)

func (c *command) vmrsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "vmrs",
		Aliases: []string{"vmr"},
		Short:   "Manage personal VMRs (conferences with an owner)",
	}
	cmd.AddCommand(c.vmrsListCmd(), c.vmrsShowCmd(), c.vmrsCreateCmd(), c.vmrsUpdateCmd(), c.vmrsDeleteCmd(), c.vmrsImportCmd())
	return cmd
}

func (c *command) vmrsListCmd() *cobra.Command {
	var owner string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List VMRs",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, err := c.services()
			if err != nil {
				return err
			}
			list, err := svc.Conferences.List(c.ctx, owner)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), list)
			}
			if len(list) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "No VMRs yet. Add one with: vmr-companion vmrs create --name … --alias … --owner …")
				return nil
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tOWNER\tALIASES\tPIN\tGUESTS")
			for _, v := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", v.Name, orDash(v.PrimaryOwnerEmailAddress), aliasText(v), masked(v.PIN), guests(v))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&owner, "owner", "", "only the VMRs of this owner (email)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func aliasText(v *conference.Conference) string {
	parts := make([]string, len(v.Aliases))
	for i, a := range v.Aliases {
		parts[i] = a.Alias
	}
	return orDash(strings.Join(parts, ", "))
}

// masked keeps PINs off screens that others may see; --json shows them.
func masked(pin string) string {
	if pin == "" {
		return "-"
	}
	return strings.Repeat("•", len(pin))
}

func guests(v *conference.Conference) string {
	if v.AllowGuests {
		return "allowed"
	}
	return "-"
}

func (c *command) vmrsShowCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show NAME|ID",
		Short: "Show one VMR",
		Args:  exactArgs(1, "the VMR's name or id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, err := c.services()
			if err != nil {
				return err
			}
			v, err := svc.Conferences.Get(c.ctx, args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), v)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintf(tw, "Name\t%s\nDescription\t%s\nOwner\t%s\nAliases\t%s\nPIN\t%s\nGuest PIN\t%s\nGuests\t%s\n",
				v.Name, orDash(v.Description), orDash(v.PrimaryOwnerEmailAddress), aliasText(v), masked(v.PIN), masked(v.GuestPIN), guests(v))
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (PINs included)")
	return cmd
}

type vmrFlags struct {
	name, description, pin, guestPIN, owner string
	aliases                                 []string
	allowGuests                             bool
}

func (f *vmrFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.name, "name", "", "name of the VMR")
	cmd.Flags().StringVar(&f.description, "description", "", "description")
	cmd.Flags().StringArrayVar(&f.aliases, "alias", nil, "an alias (repeatable): meet.alice@vc.example.com, 4711, …")
	cmd.Flags().StringVar(&f.pin, "pin", "", "host PIN, 4–20 digits")
	cmd.Flags().StringVar(&f.guestPIN, "guest-pin", "", "guest PIN, 4–20 digits, different from the host PIN")
	cmd.Flags().BoolVar(&f.allowGuests, "allow-guests", false, "let guests join")
	cmd.Flags().StringVar(&f.owner, "owner", "", "owner's email address (personal VMR)")
}

// apply copies the flags that were given onto v.
func (f *vmrFlags) apply(cmd *cobra.Command, v *conference.Conference) {
	set := func(name string) bool { return cmd.Flags().Changed(name) }
	if set("name") {
		v.Name = f.name
	}
	if set("description") {
		v.Description = f.description
	}
	if set("alias") {
		v.Aliases = nil
		for _, a := range f.aliases {
			v.Aliases = append(v.Aliases, conference.Alias{Alias: a})
		}
	}
	if set("pin") {
		v.PIN = f.pin
	}
	if set("guest-pin") {
		v.GuestPIN = f.guestPIN
	}
	if set("allow-guests") {
		v.AllowGuests = f.allowGuests
	}
	if set("owner") {
		v.PrimaryOwnerEmailAddress = f.owner
	}
}

func (c *command) vmrsCreateCmd() *cobra.Command {
	var f vmrFlags
	cmd := &cobra.Command{
		Use:     "create",
		Short:   "Create a VMR",
		Example: "  vmr-companion vmrs create --name \"Alice's room\" --alias meet.alice@vc.example.com --alias 4711 --pin 1234 --guest-pin 5678 --allow-guests --owner alice@example.com",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, err := c.services()
			if err != nil {
				return err
			}
			v := &conference.Conference{}
			f.apply(cmd, v)
			if err := svc.Conferences.Create(c.ctx, v); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Created VMR %q (id %d).\n", v.Name, v.ID)
			return nil
		},
	}
	f.register(cmd)
	return cmd
}

func (c *command) vmrsUpdateCmd() *cobra.Command {
	var f vmrFlags
	cmd := &cobra.Command{
		Use:   "update NAME|ID",
		Short: "Change a VMR (--alias replaces all aliases)",
		Args:  exactArgs(1, "the VMR's name or id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().NFlag() == 0 {
				return usageError{errors.New("nothing to change: give at least one flag")}
			}
			svc, err := c.services()
			if err != nil {
				return err
			}
			v, err := svc.Conferences.Get(c.ctx, args[0])
			if err != nil {
				return err
			}
			f.apply(cmd, v)
			if err := svc.Conferences.Update(c.ctx, v); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Updated VMR %q.\n", v.Name)
			return nil
		},
	}
	f.register(cmd)
	return cmd
}

func (c *command) vmrsDeleteCmd() *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "delete NAME|ID",
		Short: "Delete a VMR",
		Args:  exactArgs(1, "the VMR's name or id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !yes {
				return usageError{errors.New("deleting a VMR cannot be undone: pass --yes")}
			}
			svc, err := c.services()
			if err != nil {
				return err
			}
			if err := svc.Conferences.Delete(c.ctx, args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Deleted VMR %q.\n", args[0])
			return nil
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "delete without asking")
	return cmd
}

func (c *command) vmrsImportCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "import FILE.csv|-",
		Short: "Import VMRs from CSV; all or nothing",
		Long: "Import VMRs from a CSV file whose header names the columns: " + strings.Join(conference.CSVColumns, ", ") +
			".\nAliases are separated by \";\" or spaces. Every row is checked first; if any is invalid, each problem is\nreported by line and column and nothing is imported.",
		Args: exactArgs(1, "a CSV file, or - for standard input"),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := readInput(c.cfg.Stdin, args[0], conference.MaxCSVBytes)
			if err != nil {
				return err
			}
			svc, err := c.services()
			if err != nil {
				return err
			}
			created, err := svc.Conferences.ImportCSV(c.ctx, strings.NewReader(string(data)))
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), created)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Imported %d VMR(s).\n", len(created))
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the created VMRs as JSON")
	return cmd
}
