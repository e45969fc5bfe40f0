package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"vmr-companion/app/wire"
	"vmr-companion/backend/policy"
	"vmr-companion/backend/secrets"
)

// policyPath is where serve answers Infinity (serve.go's own "policy" is
// the placeholder rule).
const policyPath = policy.Path

// policyUnset is what serve and policy status say while no credentials are set.
const policyUnset = "the external policy endpoint (" + policy.Path + ") refuses every request until its credentials are set: " +
	"vmr-companion policy credentials --username NAME"

func (c *command) policyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Infinity's external policy endpoint for single-use VMRs",
		Long: `serve answers Pexip Infinity's external policy requests at
https://<host>` + policy.Path + `service/configuration for the single-use VMRs of
integrations with infinity_provisioning = policy. Infinity's policy profile
sends HTTP Basic credentials; set the same ones here.`,
	}
	cmd.AddCommand(c.policyCredentialsCmd(), c.policyStatusCmd(), c.policyCheckCmd())
	return cmd
}

func (c *command) policyCredentialsCmd() *cobra.Command {
	var username string
	var clear bool
	cmd := &cobra.Command{
		Use:   "credentials",
		Short: "Set (or --clear) the username and password Infinity's policy profile sends",
		Long: `Set the HTTP Basic username and password that Infinity's policy profile
sends. The password is read without echo on a terminal, else as one line of
standard input; it is kept in the keychain, the username in the database.
A running serve reads them when it starts: restart it afterwards.`,
		Example: `  vmr-companion policy credentials --username infinity
  printf '%s\n' "$PASSWORD" | vmr-companion policy credentials --username infinity
  vmr-companion policy credentials --clear`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if clear == (username != "") {
				return usageError{errors.New("give --username NAME (the password is read next) or --clear")}
			}
			if !clear {
				// Checked before the password is asked for.
				if err := policy.CheckCredentials(username, secrets.New("x")); err != nil {
					return usageError{fmt.Errorf("--username: %w", err)}
				}
			}
			svc, err := c.services()
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if clear {
				if err := policy.ClearCredentials(c.ctx, svc.Settings, svc.StoreKeys, time.Now()); err != nil {
					return err
				}
				fmt.Fprintln(out, "Policy credentials removed: the endpoint refuses every request (restart serve).")
				return nil
			}
			var lines *bufio.Reader
			pass, err := readSecret(c.cfg.Stdin, &lines, cmd.ErrOrStderr(), "Password")
			if errors.Is(err, io.EOF) {
				return errors.New("reading the password from standard input: expected one line")
			}
			if err != nil {
				return fmt.Errorf("reading the password: %w", err)
			}
			creds := policy.Credentials{Username: username, Password: secrets.New(pass)}
			if err := policy.SaveCredentials(c.ctx, svc.Settings, svc.StoreKeys, creds, time.Now()); err != nil {
				return err
			}
			fmt.Fprintf(out, "Policy credentials set for %s. Restart serve, and set the same username and password in Infinity's policy profile.\n", username)
			return nil
		},
	}
	cmd.Flags().StringVar(&username, "username", "", "the username Infinity's policy profile sends")
	cmd.Flags().BoolVar(&clear, "clear", false, "remove the credentials (the endpoint then refuses every request)")
	return cmd
}

func (c *command) policyStatusCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show whether the policy credentials are set (never the password)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, err := c.services()
			if err != nil {
				return err
			}
			creds, err := policy.LoadCredentials(c.ctx, svc.Settings, svc.StoreKeys)
			st := struct {
				Path        string `json:"path"`
				Username    string `json:"username"`
				PasswordSet bool   `json:"password_set"`
				Ready       bool   `json:"ready"`
				Problem     string `json:"problem,omitempty"`
			}{Path: policy.Path + "service/configuration", Username: creds.Username, PasswordSet: !creds.Password.IsZero(), Ready: !creds.IsZero()}
			switch {
			case err != nil:
				st.Problem = err.Error()
			case creds.Username == "":
				st.Problem = policyUnset
			case creds.Password.IsZero():
				st.Problem = "the password is missing from the keychain: set both again with vmr-companion policy credentials --username " + creds.Username
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), st)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "Endpoint: %s\n", st.Path)
			if st.Username == "" {
				fmt.Fprintln(out, "Username: (not set)")
			} else {
				fmt.Fprintf(out, "Username: %s\n", st.Username)
			}
			fmt.Fprintf(out, "Password: %s\n", map[bool]string{true: "set (in the keychain)", false: "not set"}[st.PasswordSet])
			if st.Problem != "" {
				fmt.Fprintln(out, "Problem:", st.Problem)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func (c *command) policyCheckCmd() *cobra.Command {
	var at string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "check ALIAS",
		Short: "Show what the policy answers Infinity for an alias (now, or --at a time)",
		Example: `  vmr-companion policy check sip:meet81234567@vc.example.com
  vmr-companion policy check 81234567 --at 2026-12-07T09:45:00+01:00`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			when := time.Now()
			if at != "" {
				t, err := time.Parse(time.RFC3339, at)
				if err != nil {
					return usageError{fmt.Errorf("--at must be an RFC 3339 time such as 2026-12-07T09:45:00+01:00, not %q", at)}
				}
				when = t
			}
			svc, err := c.services()
			if err != nil {
				return err
			}
			res, err := policy.Explain(c.ctx, svc.Policy, args[0], when)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), res)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "Action: %s (%s)\nWhy: %s\nAnswer: %s\n", res.Action, res.Code, res.Why, res.Answer)
			return nil
		},
	}
	cmd.Flags().StringVar(&at, "at", "", "the time of the call (RFC 3339; default now)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// policyHandler builds serve's policy endpoint with the credentials read
// once now (no keychain call per request). Without them it still runs and
// refuses every request, and serve says so.
func (c *command) policyHandler(stderr io.Writer, svc *wire.Services) (*policy.Handler, error) {
	creds, err := policy.LoadCredentials(c.ctx, svc.Settings, svc.StoreKeys)
	switch {
	case err != nil:
		fmt.Fprintf(stderr, "Warning: %v; %s\n", err, policyUnset)
		svc.Logger.Warn("policy: "+policyUnset, "error", err)
		creds = policy.Credentials{}
	case creds.IsZero():
		fmt.Fprintln(stderr, "Warning: "+policyUnset)
		svc.Logger.Warn("policy: " + policyUnset)
	}
	return policy.New(c.ctx, policy.Config{Repository: svc.Policy, Credentials: creds, Logger: svc.Logger, Answered: svc.Metrics.Answered})
}
