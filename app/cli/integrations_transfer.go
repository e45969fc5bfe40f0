package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"vmr-companion/backend/atomicfile"
	"vmr-companion/backend/integration"
)

func (c *command) validateCmd() *cobra.Command {
	var file string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "validate [NAME|UUID]",
		Short: "Check a stored integration, or a JSON file, against every rule and the deployment guide",
		Example: `  vmr-companion integrations validate Contoso
  vmr-companion integrations validate --file contoso.json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if (file == "") == (len(args) == 0) {
				return usageError{errors.New("give either an integration's name or --file")}
			}
			svc, err := c.services()
			if err != nil {
				return err
			}
			var in *integration.Input
			if file != "" {
				data, err := readInput(c.cfg.Stdin, file, integration.MaxImportBytes)
				if err != nil {
					return err
				}
				in, err = svc.Integrations.DecodeNew(data)
				if err != nil {
					return err
				}
			} else {
				it, err := svc.Integrations.Get(c.ctx, args[0])
				if err != nil {
					return err
				}
				in = &integration.Input{Integration: it}
			}
			report, err := svc.Integrations.Check(c.ctx, in)
			if err != nil {
				return err
			}
			if asJSON {
				if err := writeJSON(cmd.OutOrStdout(), report); err != nil {
					return err
				}
			} else {
				printReport(cmd.OutOrStdout(), report)
			}
			if len(report.Errors) > 0 {
				return fmt.Errorf("%d field(s) are invalid", len(report.Errors))
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "JSON object to check instead of a stored integration (- for standard input)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func printReport(w io.Writer, r integration.Report) {
	if len(r.Errors) == 0 {
		fmt.Fprintln(w, "Valid.")
	} else {
		fmt.Fprintln(w, "Errors")
		keys := make([]string, 0, len(r.Errors))
		for k := range r.Errors {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "  %s: %s\n", k, r.Errors[k])
		}
	}
	printWarnings(w, r.Warnings)
}

func (c *command) exportCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "export [NAME|UUID...]",
		Short: "Export integrations as JSON (all when none are named; never with secrets)",
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, err := c.services()
			if err != nil {
				return err
			}
			doc, err := svc.Integrations.Export(c.ctx, args)
			if err != nil {
				return err
			}
			if output == "" || output == "-" {
				return writeJSON(cmd.OutOrStdout(), doc)
			}
			return writeFileAtomic(output, doc)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to this file instead of standard output")
	return cmd
}

// writeFileAtomic writes v as indented JSON, all or nothing.
func writeFileAtomic(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(path, append(data, '\n'), 0o600)
}

func (c *command) importCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "import [FILE|-]",
		Short: "Import integrations: one object, an array, or an API list response; all or nothing",
		Long: `Import integrations from a JSON file or standard input. The document may be
one integration object, an array of them, or a Pexip Infinity management API
list response ({"meta": …, "objects": […]}). Every object is checked first;
if any is invalid, each problem is reported by index and field and nothing is
imported.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := "-"
			if len(args) == 1 {
				path = args[0]
			}
			data, err := readInput(c.cfg.Stdin, path, integration.MaxImportBytes)
			if err != nil {
				return err
			}
			svc, err := c.services()
			if err != nil {
				return err
			}
			res, err := svc.Integrations.Import(c.ctx, data)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), res)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Imported %d integration(s).\n", len(res.Created))
			for i, s := range res.Created {
				fmt.Fprintf(cmd.OutOrStdout(), "  %s (uuid %s)\n", s.Name, s.UUID)
				if u := res.Unknown[i]; len(u) > 0 {
					fmt.Fprintf(cmd.OutOrStdout(), "    ignored unknown fields: %s\n", strings.Join(u, ", "))
				}
				for _, w := range res.Warnings[i] {
					fmt.Fprintf(cmd.OutOrStdout(), "    warning: %s: %s\n", w.Field, w.Message)
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}
