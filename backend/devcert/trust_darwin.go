package devcert

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// On macOS, Safari, Chrome, Edge and Outlook's add-in web view all use the
// keychain's trust settings: the user's login keychain by default, the
// System keychain with TrustOptions.System (needs root). Firefox 120 and
// later also trust the roots a user added to the keychain
// (security.enterprise_roots.enabled), so no NSS step is needed here.

func trustStores(_ context.Context, opts TrustOptions) []trustStore {
	security, _ := exec.LookPath("security")
	var stores []trustStore
	login := &keychainStore{name: "macOS login keychain", security: security}
	if home := opts.homeDir(); home != "" {
		login.keychain = filepath.Join(home, "Library", "Keychains", "login.keychain-db")
		if !fileExists(login.keychain) {
			// Keychains made before macOS 10.12 keep the old name.
			if old := filepath.Join(home, "Library", "Keychains", "login.keychain"); fileExists(old) {
				login.keychain = old
			}
		}
	}
	stores = append(stores, login)
	if opts.System {
		stores = append(stores, &keychainStore{
			name:     "macOS System keychain",
			keychain: "/Library/Keychains/System.keychain",
			admin:    true,
			security: security,
		})
	}
	return stores
}

// keychainStore is one keychain together with its trust-settings domain:
// the user's (login keychain) or the administrator's (System keychain).
type keychainStore struct {
	name     string
	keychain string
	admin    bool   // admin trust domain (security -d); needs root
	security string // path of security(1), "" if missing
}

func (s *keychainStore) status(ctx context.Context, ca *x509.Certificate) StoreStatus {
	st := StoreStatus{Name: s.name, Path: s.keychain}
	switch {
	case s.security == "":
		st.Detail = "the security command was not found"
		return st
	case s.keychain == "" || !fileExists(s.keychain):
		st.Detail = "keychain not found"
		return st
	case s.admin && os.Geteuid() != 0:
		st.Detail = "needs root: run the install again with sudo"
	default:
		st.Available = true
	}
	out, err := run(ctx, nil, s.security, "find-certificate", "-a", "-c", nickname(ca), "-Z", s.keychain)
	if err != nil || !bytes.Contains(bytes.ToUpper(out), []byte(sha1Hex(ca))) {
		if st.Detail == "" {
			st.Detail = "not installed"
		}
		return st
	}
	if !s.trusted(ctx, ca) {
		if st.Detail == "" {
			st.Detail = "in the keychain but not trusted; install again"
		}
		return st
	}
	st.Installed = true
	return st
}

// trusted reports whether the trust settings of the store's domain name
// the CA. security prints them as "Cert <n>: <name>" lines, and fails when
// the domain has no trust settings at all.
func (s *keychainStore) trusted(ctx context.Context, ca *x509.Certificate) bool {
	args := []string{"dump-trust-settings"}
	if s.admin {
		args = append(args, "-d")
	}
	out, err := run(ctx, nil, s.security, args...)
	if err != nil {
		return false
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if _, name, ok := strings.Cut(line, ": "); ok && strings.HasPrefix(line, "Cert ") && name == nickname(ca) {
			return true
		}
	}
	return false
}

func (s *keychainStore) install(ctx context.Context, ca *x509.Certificate) error {
	path, cleanup, err := tempCertFile(ca)
	if err != nil {
		return err
	}
	defer cleanup()
	// trustRoot for the SSL policy only: the CA is trusted for TLS
	// servers, not for code signing or mail. For the login keychain
	// macOS asks the user to confirm with their password.
	args := []string{"add-trusted-cert"}
	if s.admin {
		args = append(args, "-d")
	}
	args = append(args, "-r", "trustRoot", "-p", "ssl", "-k", s.keychain, path)
	_, err = run(ctx, nil, s.security, args...)
	return err
}

func (s *keychainStore) uninstall(ctx context.Context, _ *x509.Certificate) error {
	// find-certificate -c matches names containing the prefix, so this
	// finds every generation; it fails when there is none.
	out, err := run(ctx, nil, s.security, "find-certificate", "-a", "-c", namePrefix, "-p", s.keychain)
	if err != nil {
		return nil
	}
	var errs []error
	for rest := out; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil || !isOurs(c) {
			continue
		}
		if err := s.remove(ctx, c); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// remove drops the trust settings of c, then c itself.
func (s *keychainStore) remove(ctx context.Context, c *x509.Certificate) error {
	path, cleanup, err := tempCertFile(c)
	if err != nil {
		return err
	}
	defer cleanup()
	args := []string{"remove-trusted-cert"}
	if s.admin {
		args = append(args, "-d")
	}
	// It fails when c has no trust settings, which is fine here.
	_, _ = run(ctx, nil, s.security, append(args, path)...)
	_, err = run(ctx, nil, s.security, "delete-certificate", "-Z", sha1Hex(c), s.keychain)
	return err
}

// sha1Hex is the certificate's SHA-1 hash as security(1) prints it; it
// only identifies the certificate in the keychain.
func sha1Hex(c *x509.Certificate) string {
	sum := sha1.Sum(c.Raw)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// tempCertFile writes c as PEM to a temporary file, as security(1) reads
// certificates from files only.
func tempCertFile(c *x509.Certificate) (string, func(), error) {
	f, err := os.CreateTemp("", "vmr-companion-ca-*.pem")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { os.Remove(f.Name()) }
	if err := pem.Encode(f, &pem.Block{Type: pemCertificate, Bytes: c.Raw}); err != nil {
		f.Close()
		cleanup()
		return "", nil, err
	}
	if err := f.Close(); err != nil {
		cleanup()
		return "", nil, err
	}
	return f.Name(), cleanup, nil
}
