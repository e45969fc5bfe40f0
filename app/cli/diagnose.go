package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"vmr-companion/backend/atomicfile"
	"vmr-companion/backend/diagnostics"
	"vmr-companion/backend/exchange"
)

func (c *command) diagnoseCmd() *cobra.Command {
	var (
		name, bundle, caFile string
		asJSON               bool
		timeout              time.Duration
	)
	cmd := &cobra.Command{
		Use:   "diagnose --integration NAME",
		Short: "Test an integration's connections (DNS, TLS, EWS sign-in, load balancer, add-in server, Office.js) and say what to fix",
		Example: `  vmr-companion diagnose --integration Contoso
  vmr-companion diagnose --integration Contoso --ca-file contoso-root.pem --bundle contoso-diagnostics.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if name == "" {
				return usageError{errors.New("name the integration to diagnose with --integration NAME")}
			}
			opt := diagnostics.Options{Timeout: timeout}
			if caFile != "" {
				pool, err := exchange.CAPool(caFile)
				if err != nil {
					return err
				}
				opt.RootCAs = pool
			}
			svc, err := c.services()
			if err != nil {
				return err
			}
			in, err := svc.Integrations.Get(c.ctx, name)
			if err != nil {
				return err
			}
			diag := svc.Diagnostics
			report := diag.Diagnose(c.ctx, in, opt)
			if bundle != "" {
				data, err := diag.Bundle(report, in)
				if err != nil {
					return err
				}
				if err := atomicfile.Write(bundle, data, 0o600); err != nil {
					return fmt.Errorf("saving the diagnostics bundle: %w", err)
				}
			}
			if asJSON {
				if err := writeJSON(cmd.OutOrStdout(), report); err != nil {
					return err
				}
			} else {
				printDiagnosis(cmd.OutOrStdout(), report)
				if bundle != "" {
					fmt.Fprintf(cmd.OutOrStdout(), "\nDiagnostics bundle (secrets redacted): %s\n", bundle)
				}
			}
			if n := count(report, diagnostics.Fail); n > 0 {
				return fmt.Errorf("%d check(s) of integration %q failed: apply the fixes above and run diagnose again", n, in.Name)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "integration", "", "name or uuid of the integration to diagnose")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	cmd.Flags().StringVar(&bundle, "bundle", "", "also write a diagnostics bundle (report, integration, log; secrets redacted) to this file")
	cmd.Flags().StringVar(&caFile, "ca-file", "", "PEM file of CA certificates to trust besides the system's, instead of the integration's ews_ca_file")
	cmd.Flags().DurationVar(&timeout, "timeout", diagnostics.DefaultTimeout, "time limit of each check")
	return cmd
}

func count(r *diagnostics.Report, outcome string) int {
	n := 0
	for _, ch := range r.Checks {
		if ch.Outcome == outcome {
			n++
		}
	}
	return n
}

var marks = map[string]string{diagnostics.Pass: "✓", diagnostics.Warn: "!", diagnostics.Fail: "✗", diagnostics.Skip: "-"}

// printDiagnosis prints one line per check, with what to do under it.
func printDiagnosis(w io.Writer, r *diagnostics.Report) {
	fmt.Fprintf(w, "Diagnosis of integration %q\n\n", r.Integration)
	for _, ch := range r.Checks {
		fmt.Fprintf(w, "%s %s: %s\n", marks[ch.Outcome], ch.Title, ch.Detail)
		if ch.Fix != "" {
			fmt.Fprintf(w, "    fix: %s\n", ch.Fix)
		}
	}
	var parts []string
	for _, o := range []string{diagnostics.Pass, diagnostics.Warn, diagnostics.Fail, diagnostics.Skip} {
		if n := count(r, o); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, map[string]string{
				diagnostics.Pass: "passed", diagnostics.Warn: "warned", diagnostics.Fail: "failed", diagnostics.Skip: "skipped"}[o]))
		}
	}
	fmt.Fprintf(w, "\n%s.\n", strings.Join(parts, ", "))
}
