package cli

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"vmr-companion/app/wire"
	"vmr-companion/backend/devcert"
)

func (c *command) certCmd() *cobra.Command {
	var system, asJSON, deleteKey bool
	cmd := &cobra.Command{
		Use:   "cert",
		Short: "The local certificate authority of the add-in host",
	}
	run := func(what string, f func(ctx context.Context, a *devcert.Authority, opts devcert.TrustOptions) ([]devcert.StoreStatus, error)) *cobra.Command {
		sub := &cobra.Command{
			Use:  what,
			Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, args []string) error {
				svc, err := c.services()
				if err != nil {
					return err
				}
				opts := devcert.TrustOptions{System: system}
				// uninstall and regenerate change trust themselves; the
				// others first move it to a CA that replaced an older one.
				a, moved, err := c.loadCA(cmd.ErrOrStderr(), svc, opts, what != "uninstall" && what != "regenerate")
				if err != nil {
					return err
				}
				statuses, opErr := f(c.ctx, a, opts)
				report := certReport(a, statuses, moved)
				if what == "uninstall" && deleteKey {
					if opErr != nil {
						return fmt.Errorf("%w; the CA was not deleted, as it is still trusted somewhere", opErr)
					}
					if err := a.Delete(c.ctx); err != nil {
						return err
					}
					report.Deleted = true
				}
				if asJSON {
					if err := writeJSON(cmd.OutOrStdout(), report); err != nil {
						return err
					}
				} else {
					printCert(cmd.OutOrStdout(), report)
				}
				return opErr
			},
		}
		sub.Flags().BoolVar(&system, "system", false, "include the system-wide store (needs root or an administrator)")
		sub.Flags().BoolVar(&asJSON, "json", false, "print JSON")
		return sub
	}
	status := run("status", func(ctx context.Context, a *devcert.Authority, opts devcert.TrustOptions) ([]devcert.StoreStatus, error) {
		return devcert.Status(ctx, a, opts), nil
	})
	status.Short = "Show the CA and where it is trusted"
	install := run("install", devcert.Install)
	install.Short = "Trust the CA in this user's browsers (and with --system the OS store)"
	uninstall := run("uninstall", devcert.Uninstall)
	uninstall.Short = "Remove every VMR Companion CA from the trust stores (with --delete-key, the CA itself too)"
	uninstall.Flags().BoolVar(&deleteKey, "delete-key", false, "also delete the CA: its private key (keychain and file) and ca.pem")
	regenerate := run("regenerate", devcert.Renew)
	regenerate.Short = "Make a new CA (and trust it where the old one was)"
	cmd.AddCommand(status, install, uninstall, regenerate)
	return cmd
}

// loadCA loads (or makes) the local CA and says loudly on w what needs the
// user's attention: a CA that was replaced (its trust moved to the new one
// when moveTrust is set) and a private key kept in a file.
func (c *command) loadCA(w io.Writer, svc *wire.Services, opts devcert.TrustOptions, moveTrust bool) (*devcert.Authority, bool, error) {
	a, err := svc.Authority(c.ctx)
	if err != nil {
		return nil, false, err
	}
	moved := false
	if moveTrust && a.Replaced() != nil {
		m, _, err := devcert.MoveTrust(c.ctx, a, opts)
		if err != nil {
			fmt.Fprintf(w, "WARNING: trusting the new local CA where the old one was failed: %v\n", err)
		}
		moved = m && err == nil
	}
	if n := a.ReplacedNotice(moved); n != "" {
		fmt.Fprintln(w, "NOTE: "+n)
	}
	if n := a.KeyNotice(); n != "" {
		fmt.Fprintln(w, "WARNING: "+n)
	}
	return a, moved, nil
}

type storeJSON struct {
	Name      string `json:"name"`
	Path      string `json:"path"`
	Installed bool   `json:"installed"`
	Available bool   `json:"available"`
	Detail    string `json:"detail,omitempty"`
}

type replacedJSON struct {
	Name       string `json:"name"`
	Reason     string `json:"reason"`
	TrustMoved bool   `json:"trust_moved"`
}

type certJSON struct {
	Name        string `json:"name"`
	File        string `json:"file"`
	KeyLocation string `json:"key_location"`
	// KeyState says why the key is in a file: locked, timed_out,
	// no_keychain or keychain_error; empty when it is in the keychain.
	KeyState  string        `json:"key_state,omitempty"`
	KeyNotice string        `json:"key_notice,omitempty"`
	Replaced  *replacedJSON `json:"replaced,omitempty"`
	NotAfter  time.Time     `json:"not_after"`
	Stores    []storeJSON   `json:"stores"`
	Deleted   bool          `json:"deleted,omitempty"`
}

func certReport(a *devcert.Authority, statuses []devcert.StoreStatus, trustMoved bool) certJSON {
	r := certJSON{Name: a.Name(), File: a.CertPath(), KeyLocation: a.KeyLocation(), KeyState: a.KeyState(), KeyNotice: a.KeyNotice(),
		NotAfter: a.Certificate().NotAfter, Stores: []storeJSON{}}
	if rep := a.Replaced(); rep != nil {
		r.Replaced = &replacedJSON{Reason: rep.Reason, TrustMoved: trustMoved}
		if rep.Old != nil {
			r.Replaced.Name = rep.Old.Subject.CommonName
		}
	}
	for _, s := range statuses {
		r.Stores = append(r.Stores, storeJSON(s))
	}
	return r
}

func printCert(out io.Writer, r certJSON) {
	key := "the OS keychain"
	if r.KeyLocation != devcert.KeyInKeychain {
		key = "file " + r.KeyLocation + " (NOT in the keychain: see the warning above)"
	}
	fmt.Fprintf(out, "%s\n  certificate: %s\n  key: %s\n  valid until: %s\n\n", r.Name, r.File, key, r.NotAfter.Format("2006-01-02"))
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STORE\tTRUSTED\tPATH")
	for _, s := range r.Stores {
		state := "no"
		switch {
		case s.Installed:
			state = "yes"
		case !s.Available:
			state = "unavailable: " + s.Detail
		case s.Detail != "":
			state = "no (" + s.Detail + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Name, state, s.Path)
	}
	if len(r.Stores) == 0 {
		fmt.Fprintln(tw, "(no trust store found for this user)\t\t")
	}
	tw.Flush()
	if r.Deleted {
		fmt.Fprintln(out, "\nThe CA was deleted: its private key and "+devcert.CertFile+" are gone. A new CA is made the next time it is needed.")
	}
}
