package devcert

import (
	"bufio"
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
)

// On Linux, browsers do not use the system CA bundle: Firefox keeps an NSS
// database per profile, and Chrome, Chromium, Edge, Brave and friends share
// ~/.pki/nssdb. Both are changed with NSS's certutil (libnss3-tools). The
// system bundle (update-ca-certificates) serves curl, Go programs and the
// like, and needs root.

const (
	// systemCertName is the file of the CA in the system store.
	systemCertName = "vmr-companion-dev-ca"
	// nssTrust trusts the CA to issue TLS server certificates only, not
	// for e-mail or code signing.
	nssTrust = "C,,"
	// adviceCertutil is the status detail when certutil is missing.
	adviceCertutil = "certutil not found: install libnss3-tools (Debian, Ubuntu) or nss-tools (Fedora)"
)

// chromiumBrowsers are the commands of browsers that read ~/.pki/nssdb.
func chromiumBrowsers() []string {
	return []string{
		"chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
		"google-chrome-beta", "google-chrome-unstable", "microsoft-edge",
		"microsoft-edge-stable", "brave-browser", "vivaldi-stable", "opera",
	}
}

// ourNickname matches the nickname of any generation of this package's CA
// at the start of a line of `certutil -L`.
func ourNickname() *regexp.Regexp {
	return regexp.MustCompile(`^(` + regexp.QuoteMeta(namePrefix) + ` [0-9a-f]{8})\s`)
}

func trustStores(_ context.Context, opts TrustOptions) []trustStore {
	certutil, _ := exec.LookPath("certutil")
	var stores []trustStore
	for _, db := range nssDatabases(opts) {
		db.certutil = certutil
		stores = append(stores, db)
	}
	if opts.System {
		stores = append(stores, linuxSystemStore(opts))
	}
	return stores
}

// nssDatabases lists the NSS databases to use: opts.NSSDBs when set, else
// the Chromium-family database and every Firefox profile under the home
// directory (plain, snap and Flatpak installs).
//
// ~/.pki/nssdb is used when it exists, and created on Install when it does
// not but a Chromium-family browser is installed: Chrome reads it from its
// first start, so the CA is trusted even if the browser was never opened.
// Without such a browser it is left alone rather than creating a database
// nothing reads. Firefox profiles are used only when they already have a
// cert9.db, as Firefox creates that itself.
func nssDatabases(opts TrustOptions) []*nssStore {
	if opts.NSSDBs != nil {
		var dbs []*nssStore
		for _, dir := range opts.NSSDBs {
			dbs = append(dbs, &nssStore{name: "NSS database " + dir, dir: dir})
		}
		return dbs
	}
	home := opts.homeDir()
	if home == "" {
		return nil
	}
	var dbs []*nssStore
	chromium := filepath.Join(home, ".pki", "nssdb")
	if dirExists(chromium) || chromiumInstalled() {
		dbs = append(dbs, &nssStore{name: "Chrome, Chromium and Edge", dir: chromium, create: true})
	}
	if snap := filepath.Join(home, "snap", "chromium", "current", ".pki", "nssdb"); dirExists(snap) {
		dbs = append(dbs, &nssStore{name: "Chromium (snap)", dir: snap})
	}
	profiles := []struct{ dir, suffix string }{
		{filepath.Join(home, ".mozilla", "firefox"), ""},
		{filepath.Join(home, "snap", "firefox", "common", ".mozilla", "firefox"), " (snap)"},
		{filepath.Join(home, ".var", "app", "org.mozilla.firefox", ".mozilla", "firefox"), " (Flatpak)"},
	}
	for _, p := range profiles {
		matches, _ := filepath.Glob(filepath.Join(p.dir, "*", "cert9.db"))
		sort.Strings(matches)
		for _, m := range matches {
			dir := filepath.Dir(m)
			dbs = append(dbs, &nssStore{name: "Firefox profile " + filepath.Base(dir) + p.suffix, dir: dir})
		}
	}
	return dbs
}

func chromiumInstalled() bool {
	for _, b := range chromiumBrowsers() {
		if _, err := exec.LookPath(b); err == nil {
			return true
		}
	}
	return false
}

func dirExists(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// nssStore is one NSS database, changed with certutil.
type nssStore struct {
	name     string
	dir      string
	create   bool   // create the database on install when it is missing
	certutil string // path of certutil, "" when not installed
}

func (s *nssStore) db() string { return "sql:" + s.dir }

func (s *nssStore) exists() bool { return fileExists(filepath.Join(s.dir, "cert9.db")) }

func (s *nssStore) status(ctx context.Context, ca *x509.Certificate) StoreStatus {
	st := StoreStatus{Name: s.name, Path: s.dir}
	switch {
	case s.certutil == "":
		st.Detail = adviceCertutil
		return st
	case !s.exists() && s.create:
		st.Available = true
		st.Detail = "not installed; the database will be created"
		return st
	case !s.exists():
		st.Detail = "no NSS database (cert9.db) here"
		return st
	}
	st.Available = true
	out, err := run(ctx, nil, s.certutil, "-L", "-d", s.db(), "-n", nickname(ca), "-a")
	if err != nil {
		// certutil says "could not find cert" when it is not there.
		st.Detail = "not installed"
		return st
	}
	if block, _ := pem.Decode(out); block != nil && bytes.Equal(block.Bytes, ca.Raw) {
		st.Installed = true
		return st
	}
	st.Detail = "another certificate has this CA's name; uninstall and install again"
	return st
}

func (s *nssStore) install(ctx context.Context, ca *x509.Certificate) error {
	if !s.exists() {
		if err := os.MkdirAll(s.dir, 0o700); err != nil {
			return err
		}
		// An empty password, as the browsers make it: a password would
		// make the browser prompt for it.
		if _, err := run(ctx, nil, s.certutil, "-N", "-d", s.db(), "--empty-password"); err != nil {
			return err
		}
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: pemCertificate, Bytes: ca.Raw})
	_, err := run(ctx, certPEM, s.certutil, "-A", "-d", s.db(), "-t", nssTrust, "-n", nickname(ca), "-a")
	return err
}

func (s *nssStore) uninstall(ctx context.Context, _ *x509.Certificate) error {
	if !s.exists() {
		return nil
	}
	out, err := run(ctx, nil, s.certutil, "-L", "-d", s.db())
	if err != nil {
		return err
	}
	re := ourNickname()
	var errs []error
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		m := re.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		if _, err := run(ctx, nil, s.certutil, "-D", "-d", s.db(), "-n", m[1]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// systemStore is the Linux system CA bundle: a file in the local anchors
// directory, then the distribution's tool to rebuild the bundle.
type systemStore struct {
	name      string
	file      string   // the CA file in the anchors directory
	update    []string // rebuilds the bundle after adding a file
	refresh   []string // rebuilds it after removing one
	available bool
	detail    string
}

// linuxSystemStore picks the system store of this distribution: Debian and
// Ubuntu's update-ca-certificates, or Fedora and RHEL's update-ca-trust.
func linuxSystemStore(opts TrustOptions) *systemStore {
	root := opts.sysRoot
	if p, err := exec.LookPath("update-ca-certificates"); err == nil {
		s := &systemStore{
			name: "System CA bundle (update-ca-certificates)",
			file: filepath.Join(root, "/usr/local/share/ca-certificates", systemCertName+".crt"),
		}
		args := []string{p}
		if root != "" {
			args = append(args,
				"--certsconf", filepath.Join(root, "/etc/ca-certificates.conf"),
				"--certsdir", filepath.Join(root, "/usr/share/ca-certificates"),
				"--localcertsdir", filepath.Join(root, "/usr/local/share/ca-certificates"),
				"--etccertsdir", filepath.Join(root, "/etc/ssl/certs"),
				"--hooksdir", filepath.Join(root, "/etc/ca-certificates/update.d"))
		}
		s.update = args
		// --fresh also drops the links to the removed file, which a
		// plain run leaves dangling.
		s.refresh = append(args[:len(args):len(args)], "--fresh")
		s.setAccess(root != "", opts.sysNoRights)
		return s
	}
	if p, err := exec.LookPath("update-ca-trust"); err == nil && root == "" {
		s := &systemStore{
			name:    "System CA bundle (update-ca-trust)",
			file:    filepath.Join("/etc/pki/ca-trust/source/anchors", systemCertName+".pem"),
			update:  []string{p, "extract"},
			refresh: []string{p, "extract"},
		}
		s.setAccess(false, opts.sysNoRights)
		return s
	}
	return &systemStore{
		name:   "System CA bundle",
		detail: "neither update-ca-certificates nor update-ca-trust was found; this distribution's system store is not supported",
	}
}

// setAccess marks the store available when this process may change it
// (test: a temporary root; noRights: a test of a process without them).
func (s *systemStore) setAccess(test, noRights bool) {
	if !noRights && (test || os.Geteuid() == 0) {
		s.available = true
		return
	}
	s.detail = "needs root: run the install again with sudo"
}

func (s *systemStore) status(_ context.Context, ca *x509.Certificate) StoreStatus {
	st := StoreStatus{Name: s.name, Path: s.file, Available: s.available, Detail: s.detail}
	if s.file == "" {
		return st
	}
	data, err := os.ReadFile(s.file)
	if errors.Is(err, fs.ErrNotExist) {
		if st.Detail == "" {
			st.Detail = "not installed"
		}
		return st
	}
	if err != nil {
		st.Detail = fmt.Sprintf("cannot read %s: %v", s.file, err)
		return st
	}
	if block, _ := pem.Decode(data); block != nil && bytes.Equal(block.Bytes, ca.Raw) {
		st.Installed = true
		st.Detail = ""
		return st
	}
	if st.Detail == "" {
		st.Detail = "an older VMR Companion CA is installed"
	}
	return st
}

func (s *systemStore) install(ctx context.Context, ca *x509.Certificate) error {
	if err := os.MkdirAll(filepath.Dir(s.file), 0o755); err != nil {
		return err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: pemCertificate, Bytes: ca.Raw})
	staged, err := stageFile(filepath.Dir(s.file), filepath.Base(s.file), certPEM, 0o644)
	if err != nil {
		return err
	}
	if err := os.Rename(staged, s.file); err != nil {
		os.Remove(staged)
		return err
	}
	_, err = run(ctx, nil, s.update[0], s.update[1:]...)
	return err
}

func (s *systemStore) uninstall(ctx context.Context, _ *x509.Certificate) error {
	data, err := os.ReadFile(s.file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	// The file name is fixed, so make sure it is ours before removing it.
	block, _ := pem.Decode(data)
	if block == nil {
		return fmt.Errorf("%s holds no certificate; left in place", s.file)
	}
	if c, err := x509.ParseCertificate(block.Bytes); err != nil || !isOurs(c) {
		return fmt.Errorf("%s holds a certificate that is not VMR Companion's; left in place", s.file)
	}
	if err := os.Remove(s.file); err != nil {
		return err
	}
	_, err = run(ctx, nil, s.refresh[0], s.refresh[1:]...)
	return err
}
