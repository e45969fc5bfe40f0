package cli

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"vmr-companion/backend/account"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/oauth"
)

// openBrowser opens a URL in the user's browser; tests replace it, so that
// no browser is ever opened by a test.
var openBrowser = systemBrowser

// systemBrowser asks the desktop to open url. On Linux without a display
// there is no browser to ask, and xdg-open would start a text browser in
// the terminal (or fail after a while), so it is not tried.
func systemBrowser(url string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
			return errors.New("no graphical session (neither DISPLAY nor WAYLAND_DISPLAY is set)")
		}
		cmd = exec.Command("xdg-open", url)
	}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w", cmd.Path, err)
	}
	return nil
}

// userSignIn finds an integration and its users' sign-in
// (backend/account, as in the window).
func (c *command) userSignIn(name string) (*integration.Integration, *account.OAuth, error) {
	if name == "" {
		return nil, nil, usageError{errors.New("--integration is required: name or uuid of the integration to sign in to (see: vmr-companion integrations list)")}
	}
	svc, err := c.services()
	if err != nil {
		return nil, nil, err
	}
	in, err := svc.Integrations.Get(c.ctx, name)
	if err != nil {
		return nil, nil, err
	}
	return in, svc.SignIns, nil
}

// signedIn says how to sign in when the sign-in is missing or expired.
func signedIn(err error, in *integration.Integration, name string) error {
	switch {
	case errors.Is(err, oauth.ErrSignedOut):
		return fmt.Errorf("you are not signed in to %s; %s", in.Name, signInHint(name))
	case errors.Is(err, oauth.ErrSignInAgain):
		return fmt.Errorf("%w; %s", err, signInHint(name))
	}
	return err
}

func signInHint(name string) string { return "run: vmr-companion signin --integration " + name }

func (c *command) signinCmd() *cobra.Command {
	var name string
	var device bool
	cmd := &cobra.Command{
		Use:   "signin",
		Short: "Sign in as yourself to an integration's identity provider",
		Long: `Sign in with your own account (Entra ID, AD FS or another OpenID provider)
to see your personal VMRs and meetings. The browser opens for the sign-in; with
--device, or where no browser can be opened, a code is shown to enter on any
device instead. The sign-in is kept in the keychain until signout.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			in, signIns, err := c.userSignIn(name)
			if err != nil {
				return err
			}
			out, errOut := cmd.OutOrStdout(), cmd.ErrOrStderr()
			sess, err := signIns.SignInWith(c.ctx, in, func(p *oauth.Provider) (*oauth.Session, error) {
				if !device {
					var openErr error
					sess, err := p.SignInBrowser(c.ctx, func(url string) error {
						if openErr = openBrowser(url); openErr != nil {
							return openErr
						}
						fmt.Fprintf(errOut, "Finish the sign-in in your browser. If it did not open, open this address:\n%s\n", url)
						return nil
					})
					if !errors.Is(err, oauth.ErrBrowserUnavailable) {
						return sess, err
					}
					fmt.Fprintf(errOut, "No browser could be opened (%v); signing in with a code instead.\n", openErr)
				}
				return p.SignInDevice(c.ctx, func(dc oauth.DeviceCode) {
					fmt.Fprintf(out, "To sign in, open %s and enter the code %s\n", dc.VerificationURI, dc.UserCode)
					if dc.VerificationURIComplete != "" {
						fmt.Fprintf(out, "(or open %s)\n", dc.VerificationURIComplete)
					}
					if !dc.ExpiresAt.IsZero() {
						fmt.Fprintf(out, "The code expires at %s. Waiting for the sign-in...\n", dc.ExpiresAt.Local().Format(time.Kitchen))
					}
				})
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "Signed in to %s as %s.\n", in.Name, describeIdentity(sess.Identity))
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "integration", "", "integration (name or uuid) whose identity provider to sign in to")
	cmd.Flags().BoolVar(&device, "device", false, "sign in with a code on another device instead of opening a browser")
	return cmd
}

func (c *command) signoutCmd() *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "signout",
		Short: "Sign out: revoke the sign-in where the provider allows it and forget it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			in, signIns, err := c.userSignIn(name)
			if err != nil {
				return err
			}
			if err := signIns.SignOut(c.ctx, in); err != nil {
				var revoke *oauth.RevokeError
				if !errors.As(err, &revoke) {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: %v\n", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Signed out of %s.\n", in.Name)
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "integration", "", "integration (name or uuid) to sign out of")
	return cmd
}

func (c *command) whoamiCmd() *cobra.Command {
	var name string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "whoami",
		Short: "Show who is signed in to an integration",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			in, signIns, err := c.userSignIn(name)
			if err != nil {
				return err
			}
			sess, err := signIns.Session(c.ctx, in)
			if err != nil {
				return signedIn(err, in, name)
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), struct {
					Integration string    `json:"integration"`
					Subject     string    `json:"subject"`
					Email       string    `json:"email"`
					Name        string    `json:"name"`
					Expiry      time.Time `json:"access_token_expiry"`
				}{in.Name, sess.Identity.Subject, sess.Identity.Email, sess.Identity.Name, sess.Expiry.UTC()})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Signed in to %s as %s.\n", in.Name, describeIdentity(sess.Identity))
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "integration", "", "integration (name or uuid)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func describeIdentity(id oauth.Identity) string {
	switch {
	case id.Name != "" && id.Email != "":
		return fmt.Sprintf("%s <%s>", id.Name, id.Email)
	case id.Email != "":
		return id.Email
	case id.Name != "":
		return id.Name
	}
	return "user " + id.Subject
}
