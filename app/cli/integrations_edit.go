package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
)

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
// readSecret reads one secret: without echo after label on a terminal,
// else the next line of standard input (*lines, made on first use). A
// missing line is io.EOF.
func readSecret(stdin io.Reader, lines **bufio.Reader, prompt io.Writer, label string) (string, error) {
	if file, ok := stdin.(*os.File); ok && term.IsTerminal(int(file.Fd())) {
		fmt.Fprintf(prompt, "%s: ", label)
		b, err := term.ReadPassword(int(file.Fd()))
		fmt.Fprintln(prompt)
		return string(b), err
	}
	if *lines == nil {
		*lines = bufio.NewReader(stdin)
	}
	line, err := (*lines).ReadString('\n')
	if err != nil && (err != io.EOF || line == "") {
		return "", io.EOF
	}
	return strings.TrimRight(line, "\r\n"), nil
}

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
		value, err := readSecret(stdin, &lines, prompt, f.Label)
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("reading %s from standard input: expected one line per --secret, in order", field)
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", field, err)
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
