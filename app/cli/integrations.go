package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"vmr-companion/backend/atomicfile"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
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

// editFlags are the ways create and update take values: a JSON file, single
// fields, and secrets read from a prompt or standard input (never from flags,
// which end up in shell history and process lists).
type editFlags struct {
	file         string
	sets         []string
	secretFields []string
	clearSecrets []string
	asJSON       bool
}

func (e *editFlags) register(cmd *cobra.Command, update bool) {
	cmd.Flags().StringVarP(&e.file, "file", "f", "", "JSON object with the fields to set (- for standard input)")
	cmd.Flags().StringArrayVar(&e.sets, "set", nil, "set one field, as FIELD=VALUE (repeatable; lists as a,b or JSON)")
	cmd.Flags().StringArrayVar(&e.secretFields, "secret", nil, "read this secret field from a prompt, or one line of standard input (repeatable): "+strings.Join(integration.SecretFields[:4], ", "))
	if update {
		cmd.Flags().StringArrayVar(&e.clearSecrets, "clear-secret", nil, "remove this secret field from the keychain (repeatable)")
	}
	cmd.Flags().BoolVar(&e.asJSON, "json", false, "print the result as JSON")
}

// document merges the file and --set flags into one JSON object.
func (e *editFlags) document(stdin io.Reader) ([]byte, error) {
	obj := map[string]json.RawMessage{}
	if e.file != "" {
		data, err := readInput(stdin, e.file, integration.MaxImportBytes)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(data, &obj); err != nil {
			return nil, fmt.Errorf("%s is not a JSON object: %w", e.file, err)
		}
	}
	for _, s := range e.sets {
		name, value, ok := strings.Cut(s, "=")
		if !ok || name == "" {
			return nil, usageError{fmt.Errorf("--set %q: write FIELD=VALUE", s)}
		}
		f, known := integration.FieldByName(name)
		if !known {
			return nil, usageError{fmt.Errorf("--set: %q is not an integration field (see: vmr-companion integrations show NAME --json)", name)}
		}
		if f.Kind == integration.KindSecret {
			return nil, usageError{fmt.Errorf("--set: %s is a secret: use --secret %s, which reads it without echo", name, name)}
		}
		obj[name] = setValue(f, value)
	}
	return json.Marshal(obj)
}

// setValue turns FIELD=VALUE text into the JSON the field expects; anything
// that does not parse is passed as a string, so the backend names the field
// in its error.
func setValue(f integration.Field, value string) json.RawMessage {
	switch f.Kind {
	case integration.KindInt, integration.KindBool:
		if json.Valid([]byte(value)) {
			return json.RawMessage(value)
		}
	case integration.KindList:
		if strings.HasPrefix(strings.TrimSpace(value), "[") && json.Valid([]byte(value)) {
			return json.RawMessage(value)
		}
		items := []string{}
		for _, p := range strings.Split(value, ",") {
			if p = strings.TrimSpace(p); p != "" {
				items = append(items, p)
			}
		}
		b, _ := json.Marshal(items)
		return b
	}
	if f.Nullable && value == "null" {
		return json.RawMessage("null")
	}
	b, _ := json.Marshal(value)
	return b
}

// readSecrets asks for each named secret: without echo on a terminal, else
// one line each from standard input.
func (e *editFlags) readSecrets(stdin io.Reader, prompt io.Writer) (map[string]secrets.Secret, error) {
	out := map[string]secrets.Secret{}
	if len(e.secretFields) == 0 {
		return out, nil
	}
	if e.file == "-" {
		return nil, usageError{errors.New("--secret reads standard input, which --file - already uses: put the JSON in a file")}
	}
	var lines *bufio.Reader
	for _, field := range e.secretFields {
		if _, dup := out[field]; dup {
			return nil, usageError{fmt.Errorf("--secret %s is given twice", field)}
		}
		if err := integration.ValidateSecret(field, ""); err != nil {
			return nil, usageError{err}
		}
		f, _ := integration.FieldByName(field)
		var value string
		if file, ok := stdin.(*os.File); ok && term.IsTerminal(int(file.Fd())) {
			fmt.Fprintf(prompt, "%s: ", f.Label)
			b, err := term.ReadPassword(int(file.Fd()))
			fmt.Fprintln(prompt)
			if err != nil {
				return nil, fmt.Errorf("reading %s: %w", field, err)
			}
			value = string(b)
		} else {
			if lines == nil {
				lines = bufio.NewReader(stdin)
			}
			line, err := lines.ReadString('\n')
			if err != nil && (err != io.EOF || line == "") {
				return nil, fmt.Errorf("reading %s from standard input: expected one line per --secret, in order", field)
			}
			value = strings.TrimRight(line, "\r\n")
		}
		if value == "" {
			return nil, fmt.Errorf("%s is empty: to remove a stored secret use --clear-secret %s", field, field)
		}
		if err := integration.ValidateSecret(field, value); err != nil {
			return nil, err
		}
		out[field] = secrets.New(value)
	}
	return out, nil
}

func (c *command) createCmd() *cobra.Command {
	var e editFlags
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create an integration",
		Example: `  vmr-companion integrations create --set name=Contoso \
      --set url=https://mail.contoso.com/EWS/Exchange.asmx --set domains=mail.contoso.com \
      --set room_mailbox_email_address=vmr@contoso.com --set username='CONTOSO\svc-vmr' \
      --secret password
  vmr-companion integrations create --file contoso.json --secret password < password.txt`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			doc, err := e.document(c.cfg.Stdin)
			if err != nil {
				return err
			}
			secretValues, err := e.readSecrets(c.cfg.Stdin, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			svc, err := c.services()
			if err != nil {
				return err
			}
			in, err := svc.Integrations.DecodeNew(doc)
			if err != nil {
				return err
			}
			for k, v := range secretValues {
				in.Secrets[k] = v
			}
			saved, err := svc.Integrations.Create(c.ctx, in)
			if err != nil {
				return err
			}
			return c.printSaved(cmd, "Created", saved, e.asJSON)
		},
	}
	e.register(cmd, false)
	return cmd
}

func (c *command) updateCmd() *cobra.Command {
	var e editFlags
	cmd := &cobra.Command{
		Use:     "update NAME|UUID",
		Short:   "Change fields or secrets of an integration",
		Example: "  vmr-companion integrations update Contoso --set meeting_buffer_before=15 --secret password",
		Args:    exactArgs(1, "the integration's name or uuid"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if e.file == "" && len(e.sets) == 0 && len(e.secretFields) == 0 && len(e.clearSecrets) == 0 {
				return usageError{errors.New("nothing to change: give --set, --file, --secret or --clear-secret")}
			}
			doc, err := e.document(c.cfg.Stdin)
			if err != nil {
				return err
			}
			svc, err := c.services()
			if err != nil {
				return err
			}
			in, err := svc.Integrations.DecodeChange(c.ctx, args[0], doc)
			if err != nil {
				return err
			}
			secretValues, err := e.readSecrets(c.cfg.Stdin, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			for k, v := range secretValues {
				in.Secrets[k] = v
			}
			for _, f := range e.clearSecrets {
				if err := integration.ValidateSecret(f, ""); err != nil {
					return usageError{err}
				}
				in.Secrets[f] = secrets.Secret{}
			}
			saved, err := svc.Integrations.Update(c.ctx, in)
			if err != nil {
				return err
			}
			return c.printSaved(cmd, "Updated", saved, e.asJSON)
		},
	}
	e.register(cmd, true)
	return cmd
}

func (c *command) printSaved(cmd *cobra.Command, verb string, saved *integration.Saved, asJSON bool) error {
	if asJSON {
		return writeJSON(cmd.OutOrStdout(), saved)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s integration %q (uuid %s).\n", verb, saved.Integration.Name, saved.Integration.UUID)
	printWarnings(cmd.OutOrStdout(), saved.Warnings)
	return nil
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

func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageError{fmt.Errorf("%s takes %s (see: %s --help)", cmd.CommandPath(), what, cmd.CommandPath())}
		}
		return nil
	}
}
