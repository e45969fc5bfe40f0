package devcert

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"runtime"
	"strings"
)

// StoreStatus describes one trust store and whether the CA is in it.
type StoreStatus struct {
	Name      string // for people, e.g. "Firefox profile abc.default-release"
	Path      string // the database, keychain, file or store it lives in
	Installed bool   // this CA (exactly this certificate) is trusted there
	Available bool   // the store can be changed now (tools present, rights held)
	Detail    string // what is missing or what went wrong, for the UI
}

// TrustOptions selects the trust stores.
type TrustOptions struct {
	// System adds the OS-wide store (Linux system CA bundle, macOS System
	// keychain, Windows local machine Root store), which needs root or an
	// administrator.
	System bool
	// NSSDBs, when not nil, replaces the discovery of NSS databases
	// (Linux browsers) with exactly these directories; for tests.
	NSSDBs []string
	// Home is the home directory the per-user stores are found in;
	// os.UserHomeDir() when empty.
	Home string

	// sysRoot, for tests, roots the Linux system store in a temporary
	// directory so update-ca-certificates runs there, not on /etc.
	//lint:ignore U1000 only the Linux system store has a test seam
	sysRoot string
	// sysNoRights, for tests, makes the system store behave as for a
	// process that may not change it.
	//lint:ignore U1000 only the Linux system store has a test seam
	sysNoRights bool
}

// StillTrustedError means an uninstall left the CA trusted in stores this
// process may not change (the system-wide store needs root or an
// administrator).
type StillTrustedError struct {
	Stores []StoreStatus
}

func (e *StillTrustedError) Error() string {
	names := make([]string, 0, len(e.Stores))
	for _, st := range e.Stores {
		names = append(names, st.Name)
	}
	run := "sudo vmr-companion cert uninstall --system"
	if runtime.GOOS == "windows" {
		run = "vmr-companion cert uninstall --system from an elevated prompt (Run as administrator)"
	}
	return "devcert: the CA is still trusted in " + strings.Join(names, ", ") + ", which this process may not change; run " + run
}

// UninstallAll is Uninstall over every store including the system-wide one,
// whatever opts.System says, for callers (the window) that must undo an
// install made with --system. Stores that still trust the CA because this
// process lacks the rights are reported as a *StillTrustedError.
func UninstallAll(ctx context.Context, a *Authority, opts TrustOptions) ([]StoreStatus, error) {
	opts.System = true
	sts, err := Uninstall(ctx, a, opts)
	var left []StoreStatus
	for _, st := range sts {
		if st.Installed {
			left = append(left, st)
		}
	}
	if len(left) > 0 {
		err = errors.Join(err, &StillTrustedError{Stores: left})
	}
	return sts, err
}

// trustStore is one place a CA can be trusted in. Implementations live in
// the trust_<os>.go files.
type trustStore interface {
	// status reports whether ca is installed. It never changes anything.
	status(ctx context.Context, ca *x509.Certificate) StoreStatus
	// install adds ca as a trusted root for TLS servers.
	install(ctx context.Context, ca *x509.Certificate) error
	// uninstall removes ca and every earlier CA of this package (any
	// certificate whose name starts with namePrefix).
	uninstall(ctx context.Context, ca *x509.Certificate) error
}

// Status reports, for every trust store that opts selects on this OS,
// whether the CA is installed there.
func Status(ctx context.Context, a *Authority, opts TrustOptions) []StoreStatus {
	ca := a.Certificate()
	var out []StoreStatus
	for _, s := range trustStores(ctx, opts) {
		out = append(out, s.status(ctx, ca))
	}
	return out
}

// Install trusts the CA in every available store that lacks it and returns
// the statuses afterwards. Unavailable stores are skipped (their Detail
// says why); the error joins the failures, and is also set when the CA
// ended up installed nowhere. Some stores ask the user first (macOS asks
// for the login password, Windows shows a confirmation dialog), so ctx
// should allow for that. Browsers may need a restart to notice.
func Install(ctx context.Context, a *Authority, opts TrustOptions) ([]StoreStatus, error) {
	ca := a.Certificate()
	stores := trustStores(ctx, opts)
	var errs []error
	for _, s := range stores {
		st := s.status(ctx, ca)
		if !st.Available || st.Installed {
			continue
		}
		if err := s.install(ctx, ca); err != nil {
			errs = append(errs, fmt.Errorf("devcert: installing the CA into %s: %w", st.Name, err))
		}
	}
	statuses := statusAll(ctx, stores, ca)
	if len(errs) == 0 && !anyInstalled(statuses) {
		errs = append(errs, errors.New("devcert: the CA is installed in no trust store: "+unavailableSummary(statuses)))
	}
	return statuses, errors.Join(errs...)
}

// Uninstall removes the CA, and every earlier CA of VMR Companion (left by
// Regenerate), from every available store and returns the statuses
// afterwards. The error joins the failures.
func Uninstall(ctx context.Context, a *Authority, opts TrustOptions) ([]StoreStatus, error) {
	ca := a.Certificate()
	stores := trustStores(ctx, opts)
	var errs []error
	for _, s := range stores {
		st := s.status(ctx, ca)
		if !st.Available {
			continue
		}
		if err := s.uninstall(ctx, ca); err != nil {
			errs = append(errs, fmt.Errorf("devcert: removing the CA from %s: %w", st.Name, err))
		}
	}
	return statusAll(ctx, stores, ca), errors.Join(errs...)
}

// Renew makes a new CA and moves trust to it: every generation is removed
// from the stores first (Uninstall removes them all, so it cannot come after
// Install), and the new CA is installed where the old one was trusted.
func Renew(ctx context.Context, a *Authority, opts TrustOptions) ([]StoreStatus, error) {
	wasTrusted := anyInstalled(Status(ctx, a, opts))
	if _, err := Uninstall(ctx, a, opts); err != nil {
		return nil, err
	}
	if err := a.Regenerate(ctx); err != nil {
		return nil, err
	}
	if wasTrusted {
		return Install(ctx, a, opts)
	}
	return Status(ctx, a, opts), nil
}

// MoveTrust follows up a CA that LoadOrCreate replaced (Authority.Replaced):
// where the old CA was trusted, every generation is removed and the new CA
// installed, so the add-in host keeps working without a manual step. It
// reports whether trust was moved; without a replacement, or when the old
// CA was trusted nowhere, it changes nothing and returns the statuses. Once
// trust was moved (or there was none to move), later loads no longer report
// the replacement.
func MoveTrust(ctx context.Context, a *Authority, opts TrustOptions) (bool, []StoreStatus, error) {
	r := a.Replaced()
	stores := trustStores(ctx, opts)
	if r == nil || r.Old == nil || !anyInstalled(statusAll(ctx, stores, r.Old)) {
		if r != nil {
			if err := a.replacementHandled(); err != nil {
				return false, nil, err
			}
		}
		return false, statusAll(ctx, stores, a.Certificate()), nil
	}
	if _, err := Uninstall(ctx, a, opts); err != nil {
		return false, nil, err
	}
	sts, err := Install(ctx, a, opts)
	if err == nil {
		err = a.replacementHandled()
	}
	return true, sts, err
}

func statusAll(ctx context.Context, stores []trustStore, ca *x509.Certificate) []StoreStatus {
	out := make([]StoreStatus, 0, len(stores))
	for _, s := range stores {
		out = append(out, s.status(ctx, ca))
	}
	return out
}

func anyInstalled(statuses []StoreStatus) bool {
	for _, st := range statuses {
		if st.Installed {
			return true
		}
	}
	return false
}

// unavailableSummary lists why stores could not be used, for an error.
func unavailableSummary(statuses []StoreStatus) string {
	if len(statuses) == 0 {
		return "no trust store found"
	}
	var parts []string
	for _, st := range statuses {
		if st.Detail != "" {
			parts = append(parts, st.Name+": "+st.Detail)
		}
	}
	if len(parts) == 0 {
		return "no store accepted it"
	}
	return strings.Join(parts, "; ")
}

// isOurs reports whether c is a CA of this package, of any generation.
func isOurs(c *x509.Certificate) bool {
	return strings.HasPrefix(c.Subject.CommonName, namePrefix+" ")
}
