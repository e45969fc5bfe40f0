package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"vmr-companion/backend/infinitysync"
	"vmr-companion/backend/secrets"
)

func (c *command) infinityCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "infinity",
		Short: "Sync integrations and personal VMRs with a Pexip Infinity Management Node",
		Long: `Connect to a Pexip Infinity Management Node, pull its integrations
(ms_exchange_connector) and personal VMRs (conferences with an owner), compare
them with what was changed here, and push changes back without overwriting
anyone else's edit.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(c.infinityConnectCmd(), c.infinityDisconnectCmd(), c.infinityStatusCmd(), c.infinityPullCmd(),
		c.infinityDiffCmd(), c.infinityPushCmd(), c.infinityResolveCmd())
	return cmd
}

func (c *command) infinityConnectCmd() *cobra.Command {
	var conn infinitysync.Connection
	var secretField string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "connect --url URL [--username NAME --secret password | --client-id ID --secret private_key] [--ca-file FILE]",
		Short: "Connect to a Management Node (tests the address, certificate and credentials first)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if conn.URL == "" {
				return usageError{errors.New("--url is required, e.g. --url https://mgr.example.com")}
			}
			switch {
			case conn.Username != "" && conn.ClientID != "":
				return usageError{errors.New("give --username or --client-id, not both")}
			case conn.Username != "" && secretField != "password" && secretField != "":
				return usageError{errors.New("a management account signs in with --secret password")}
			case conn.ClientID != "" && secretField != "private_key" && secretField != "":
				return usageError{errors.New("an OAuth2 client signs in with --secret private_key (the PEM Infinity showed once)")}
			case conn.Username == "" && conn.ClientID == "":
				return usageError{errors.New("give --username NAME --secret password, or --client-id ID --secret private_key")}
			}
			var secret secrets.Secret
			var err error
			switch secretField {
			case "password":
				e := editFlags{secretFields: []string{"password"}}
				var got map[string]secrets.Secret
				if got, err = e.readSecrets(c.cfg.Stdin, cmd.ErrOrStderr()); err != nil {
					return err
				}
				secret = got["password"]
			case "private_key":
				if secret, err = readPEM(c.cfg.Stdin, cmd.ErrOrStderr()); err != nil {
					return err
				}
			}
			svc, err := c.services()
			if err != nil {
				return err
			}
			st, err := svc.Infinity.Connect(c.ctx, infinitysync.ConnectRequest{Connection: conn, Secret: secret})
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), st)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Connected to %s as %s (Infinity %s).\n", st.Connection.URL, plain(st.Account), plain(orUnknown(st.Version)))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&conn.URL, "url", "", "the Management Node, e.g. https://mgr.example.com")
	f.StringVar(&conn.Username, "username", "", "management account (HTTP Basic)")
	f.StringVar(&conn.ClientID, "client-id", "", "OAuth2 client id (private-key JWT)")
	f.StringVar(&secretField, "secret", "", "read this secret from a prompt or standard input: password or private_key (without it the stored one is kept)")
	f.StringVar(&conn.CAFile, "ca-file", "", "PEM file of the CA that issued the Management Node's certificate, when the system does not trust it")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// maxPEM bounds a private key read from standard input.
const maxPEM = 16 << 10

// readPEM reads a PEM private key: pasted at a prompt up to its END line,
// or the whole of standard input.
func readPEM(stdin io.Reader, prompt io.Writer) (secrets.Secret, error) {
	if file, ok := stdin.(*os.File); ok && term.IsTerminal(int(file.Fd())) {
		fmt.Fprintln(prompt, "Paste the private key (PEM), ending with its -----END line:")
	}
	var b strings.Builder
	sc := bufio.NewScanner(io.LimitReader(stdin, maxPEM+1))
	sc.Buffer(make([]byte, 0, 4096), maxPEM+1)
	for sc.Scan() {
		b.WriteString(sc.Text())
		b.WriteByte('\n')
		if strings.HasPrefix(strings.TrimSpace(sc.Text()), "-----END ") {
			break
		}
	}
	if err := sc.Err(); err != nil || b.Len() > maxPEM {
		return secrets.Secret{}, fmt.Errorf("reading the private key: more than %d bytes or unreadable: give the PEM of the oauth2_client's key", maxPEM)
	}
	if !strings.Contains(b.String(), "-----BEGIN ") {
		return secrets.Secret{}, errors.New("the private key is not PEM (a block starting -----BEGIN … PRIVATE KEY-----): give the key Infinity showed when the oauth2_client was created")
	}
	return secrets.New(b.String()), nil
}

func orUnknown(s string) string {
	if s == "" {
		return "version unknown"
	}
	return s
}

func (c *command) infinityDisconnectCmd() *cobra.Command {
	var forget bool
	cmd := &cobra.Command{
		Use:   "disconnect [--forget]",
		Short: "Forget the connection and its secret (synced objects stay)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, err := c.services()
			if err != nil {
				return err
			}
			if forget {
				if err := svc.Infinity.Forget(c.ctx); err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), "Disconnected, and the links to Infinity's objects are forgotten. The integrations and VMRs stay here; a pull matches them by name.")
				return nil
			}
			if err := svc.Infinity.Disconnect(c.ctx); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "Disconnected. The integrations and VMRs stay here; connect again to carry on.")
			return nil
		},
	}
	cmd.Flags().BoolVar(&forget, "forget", false, "also forget which objects are Infinity's (to sync with another Management Node)")
	return cmd
}

func (c *command) infinityStatusCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the connection, the last pull and push, pending changes, conflicts and the history",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, err := c.services()
			if err != nil {
				return err
			}
			st, err := svc.Infinity.Status(c.ctx)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), st)
			}
			w := cmd.OutOrStdout()
			if st.Connected {
				fmt.Fprintf(w, "Connected to %s as %s (Infinity %s)\n", st.Connection.URL, plain(st.Account), plain(orUnknown(st.Version)))
			} else {
				fmt.Fprintln(w, "Not connected (vmr-companion infinity connect --url https://<management node>)")
			}
			fmt.Fprintf(w, "Last pull: %s\nLast push: %s\nPending changes: %d\nConflicts: %d\n", when(st.LastPull), when(st.LastPush), st.Pending, st.Conflicts)
			for _, u := range st.Unfinished {
				line := fmt.Sprintf("Not finished by the last push (push again): %s %s: %s", u.Kind, plain(u.Name), u.What)
				if u.Error != "" {
					line += ": " + plain(u.Error)
				}
				fmt.Fprintln(w, line)
			}
			for _, d := range st.DeletedThere {
				fmt.Fprintf(w, "Deleted on Infinity, kept here: %s %s: %s\n", d.Kind, plain(d.Name), plain(d.Error))
			}
			if len(st.History) > 0 {
				fmt.Fprintln(w, "History:")
			}
			for _, h := range st.History {
				fmt.Fprintf(w, "  %s  %-7s %-9s %s (%s)\n", h.Time.Local().Format("2006-01-02 15:04:05"), h.Action, h.Outcome, plain(h.Summary), plain(h.Who))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func when(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return t.Local().Format("2006-01-02 15:04:05")
}

// plain keeps text from Infinity or the store on one line, without
// control characters that could move a terminal's cursor.
func plain(s string) string {
	return strings.Map(func(r rune) rune {
		// Control characters, and format characters such as the bidi
		// overrides (U+202A–U+202E, U+2066–U+2069) that make a terminal show
		// text in another order than it is.
		if r == utf8.RuneError || unicode.Is(unicode.C, r) {
			return ' '
		}
		return r
	}, s)
}

func (c *command) infinityPullCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "pull",
		Short: "Read Infinity's integrations and personal VMRs into the store",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, err := c.services()
			if err != nil {
				return err
			}
			res, err := svc.Infinity.Pull(c.ctx, nil)
			if err != nil {
				return err
			}
			return c.printResult(cmd, "Pulled", res, asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// errConflicts makes a pull or push with conflicts exit with status 1;
// the conflicts are printed already.
var errConflicts = errors.New("some objects have conflicts: resolve each field with vmr-companion infinity resolve, then push again")

func (c *command) printResult(cmd *cobra.Command, verb string, res *infinitysync.Result, asJSON bool) error {
	if asJSON {
		if err := writeJSON(cmd.OutOrStdout(), res); err != nil {
			return err
		}
	} else {
		w := cmd.OutOrStdout()
		fmt.Fprintf(w, "%s: %d created, %d updated, %d deleted, %d taken from Infinity, %d unchanged (%d requests).\n",
			verb, res.Created, res.Updated, res.Deleted, res.Taken, res.Unchanged, res.Requests)
		for _, ch := range res.Changes {
			line := fmt.Sprintf("  %s %s: %s", ch.Kind, plain(ch.Name), ch.What)
			if len(ch.Fields) > 0 {
				line += " (" + strings.Join(ch.Fields, ", ") + ")"
			}
			if ch.Error != "" {
				line += ": " + plain(ch.Error)
			}
			fmt.Fprintln(w, line)
		}
		for _, f := range res.Failed {
			fmt.Fprintf(cmd.ErrOrStderr(), "failed: %s %s: %s\n", f.Kind, plain(f.Name), plain(f.Error))
		}
		for _, cf := range res.Conflicts {
			fmt.Fprintln(cmd.ErrOrStderr(), "conflict: "+plain(cf.Error()))
		}
	}
	switch {
	case len(res.Failed) > 0:
		return fmt.Errorf("%d objects failed; run the command again to finish (the history says what went)", len(res.Failed))
	case len(res.Conflicts) > 0:
		return errConflicts
	}
	return nil
}

func (c *command) infinityDiffCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "diff",
		Short: "Compare here, Infinity and the last sync, field by field (secrets never shown)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, err := c.services()
			if err != nil {
				return err
			}
			d, err := svc.Infinity.Diff(c.ctx)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), d)
			}
			w := cmd.OutOrStdout()
			if len(d.Objects) == 0 {
				fmt.Fprintln(w, "No differences: the store and Infinity are in step.")
				return nil
			}
			for _, o := range d.Objects {
				name := plain(o.Name)
				if len(o.Fields) == 0 || o.State == infinitysync.StateCreatedHere || o.State == infinitysync.StateCreatedThere {
					fmt.Fprintf(w, "%s %s: %s\n", o.Kind, name, syncState(o.State))
					continue
				}
				for _, f := range o.Fields {
					fmt.Fprintf(w, "%s %s: field %s: %s\n", o.Kind, name, f.Field, syncField(o.State, f))
				}
			}
			fmt.Fprintf(w, "%d objects with changes to push, %d conflicts.\n", d.Pending, d.Conflicts)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func syncState(state string) string {
	return map[string]string{
		infinitysync.StateCreatedHere:  "created here (push creates it on Infinity)",
		infinitysync.StateCreatedThere: "created on Infinity (pull brings it here)",
		infinitysync.StateDeletedHere:  "deleted here (push deletes it on Infinity)",
		infinitysync.StateDeletedThere: "deleted on Infinity",
		infinitysync.StateChanged:      "changed",
		infinitysync.StateUnchanged:    "unchanged",
	}[state]
}

func syncField(state string, f infinitysync.FieldDiff) string {
	here, there, base := plain(f.Here), plain(f.Infinity), plain(f.Base)
	prefix := ""
	if state == infinitysync.StateDeletedHere || state == infinitysync.StateDeletedThere {
		prefix = syncState(state) + "; "
	}
	switch f.Side {
	case infinitysync.SideHere:
		return fmt.Sprintf("%schanged here (%s -> %s)", prefix, base, here)
	case infinitysync.SideInfinity:
		return fmt.Sprintf("%schanged on Infinity (%s -> %s)", prefix, base, there)
	case infinitysync.SideBoth:
		return fmt.Sprintf("%schanged on both sides to the same value (%s -> %s)", prefix, base, here)
	}
	return fmt.Sprintf("%sconflict: here %s, on Infinity %s (was %s)", prefix, here, there, base)
}

func (c *command) infinityPushCmd() *cobra.Command {
	var opts infinitysync.PushOptions
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "push",
		Short: "Send what changed here to Infinity (conflicting objects are left unwritten)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, err := c.services()
			if err != nil {
				return err
			}
			res, err := svc.Infinity.Push(c.ctx, opts, nil)
			if err != nil {
				return err
			}
			return c.printResult(cmd, "Pushed", res, asJSON)
		},
	}
	cmd.Flags().BoolVar(&opts.Secrets, "secrets", false, "also send the integrations' secrets from the keychain (Infinity never gives them back)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func (c *command) infinityResolveCmd() *cobra.Command {
	var integ, vmr, field, take string
	cmd := &cobra.Command{
		Use:   "resolve (--integration NAME | --vmr NAME) --field FIELD --take here|infinity",
		Short: "Settle a conflict: keep this side's value (push sends it) or take Infinity's",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			kind, name := infinitysync.KindIntegration, integ
			switch {
			case integ != "" && vmr != "":
				return usageError{errors.New("give --integration or --vmr, not both")}
			case vmr != "":
				kind, name = infinitysync.KindPersonalVMR, vmr
			case integ == "":
				return usageError{errors.New("give --integration NAME or --vmr NAME")}
			}
			if field == "" {
				return usageError{errors.New("--field is required (see: vmr-companion infinity diff)")}
			}
			if take != infinitysync.TakeHere && take != infinitysync.TakeInfinity {
				return usageError{errors.New("--take must be here or infinity")}
			}
			svc, err := c.services()
			if err != nil {
				return err
			}
			if err := svc.Infinity.Resolve(c.ctx, kind, name, field, take); err != nil {
				return err
			}
			if take == infinitysync.TakeHere {
				fmt.Fprintf(cmd.OutOrStdout(), "%s %s: field %s keeps the value here; the next push sends it.\n", kind, plain(name), field)
			} else {
				fmt.Fprintf(cmd.OutOrStdout(), "%s %s: field %s now has Infinity's value.\n", kind, plain(name), field)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&integ, "integration", "", "the integration's name")
	f.StringVar(&vmr, "vmr", "", "the personal VMR's name")
	f.StringVar(&field, "field", "", "the field to settle")
	f.StringVar(&take, "take", "", "here or infinity")
	return cmd
}
