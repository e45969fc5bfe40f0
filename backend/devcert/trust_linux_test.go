package devcert

import (
	"bytes"
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// needCertutil skips the test when NSS's certutil is missing; `make test`
// installs it.
func needCertutil(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("certutil")
	if err != nil {
		t.Skip("certutil not found: install libnss3-tools (apt-get install -y libnss3-tools) to run the NSS trust-store tests")
	}
	return p
}

// newNSSDB creates an empty NSS database in dir, as a browser would.
func newNSSDB(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("certutil", "-N", "-d", "sql:"+dir, "--empty-password").CombinedOutput()
	if err != nil {
		t.Fatalf("certutil -N: %v: %s", err, out)
	}
}

// certutilList is `certutil -L` of the database in dir.
func certutilList(t *testing.T, dir string) string {
	t.Helper()
	out, err := exec.Command("certutil", "-L", "-d", "sql:"+dir).CombinedOutput()
	if err != nil {
		t.Fatalf("certutil -L: %v: %s", err, out)
	}
	return string(out)
}

// trustLine returns the `certutil -L` line of nickname, or "".
func trustLine(list, nickname string) string {
	for line := range strings.SplitSeq(list, "\n") {
		if strings.HasPrefix(line, nickname+" ") {
			return strings.Join(strings.Fields(line), " ")
		}
	}
	return ""
}

func TestNSSDatabase(t *testing.T) {
	needCertutil(t)
	ctx := context.Background()
	a := newAuthority(t, newFakeClock())
	db := filepath.Join(t.TempDir(), "nssdb")
	newNSSDB(t, db)
	opts := TrustOptions{NSSDBs: []string{db}, Home: t.TempDir()}
	oldName := a.Name()

	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"a new database is available and lacks the CA", func(t *testing.T) {
			st := only(t, Status(ctx, a, opts))
			if !st.Available || st.Installed || st.Path != db {
				t.Errorf("status = %+v", st)
			}
		}},
		{"install trusts the CA for TLS servers under its fingerprinted name", func(t *testing.T) {
			sts, err := Install(ctx, a, opts)
			if err != nil {
				t.Fatal(err)
			}
			if st := only(t, sts); !st.Installed {
				t.Errorf("status after install = %+v", st)
			}
			if got := trustLine(certutilList(t, db), a.Name()); got != a.Name()+" C,," {
				t.Errorf("certutil -L line = %q, want %q", got, a.Name()+" C,,")
			}
		}},
		{"status reads the installed CA back", func(t *testing.T) {
			if st := only(t, Status(ctx, a, opts)); !st.Installed || !st.Available {
				t.Errorf("status = %+v", st)
			}
		}},
		{"installing twice changes nothing", func(t *testing.T) {
			if _, err := Install(ctx, a, opts); err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(certutilList(t, db), namePrefix); n != 1 {
				t.Errorf("%d VMR Companion CAs in the database, want 1", n)
			}
		}},
		{"a regenerated CA is not installed until install runs again", func(t *testing.T) {
			if err := a.Regenerate(ctx); err != nil {
				t.Fatal(err)
			}
			if st := only(t, Status(ctx, a, opts)); st.Installed {
				t.Errorf("status = %+v", st)
			}
			if _, err := Install(ctx, a, opts); err != nil {
				t.Fatal(err)
			}
			list := certutilList(t, db)
			if trustLine(list, a.Name()) == "" || trustLine(list, oldName) == "" {
				t.Errorf("want both generations before uninstall:\n%s", list)
			}
		}},
		{"uninstall removes every generation of the CA", func(t *testing.T) {
			sts, err := Uninstall(ctx, a, opts)
			if err != nil {
				t.Fatal(err)
			}
			if st := only(t, sts); st.Installed {
				t.Errorf("status after uninstall = %+v", st)
			}
			if list := certutilList(t, db); strings.Contains(list, namePrefix) {
				t.Errorf("still listed:\n%s", list)
			}
		}},
		{"uninstalling again is harmless", func(t *testing.T) {
			if _, err := Uninstall(ctx, a, opts); err != nil {
				t.Error(err)
			}
		}},
	}
	for _, s := range steps {
		if !t.Run(s.name, s.run) {
			return
		}
	}
}

func TestNSSDatabasesAreFoundInTheHomeDirectory(t *testing.T) {
	certutil := needCertutil(t)
	ctx := context.Background()
	a := newAuthority(t, newFakeClock())

	// A PATH with certutil and, in some cases, a stand-in chromium, so
	// the browsers installed on this machine do not matter.
	bin := t.TempDir()
	if err := os.Symlink(certutil, filepath.Join(bin, "certutil")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	addChromium := func(t *testing.T) {
		if err := os.WriteFile(filepath.Join(bin, "chromium"), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Remove(filepath.Join(bin, "chromium")) })
	}

	tests := []struct {
		name      string
		setup     func(t *testing.T, home string)
		wantNames []string
	}{
		{"an empty home without Chromium has no databases", func(*testing.T, string) {}, nil},
		{"Firefox profiles with a cert9.db are found, plain and snap", func(t *testing.T, home string) {
			newNSSDB(t, filepath.Join(home, ".mozilla", "firefox", "abc.default-release"))
			newNSSDB(t, filepath.Join(home, "snap", "firefox", "common", ".mozilla", "firefox", "xyz.default"))
			if err := os.MkdirAll(filepath.Join(home, ".mozilla", "firefox", "empty.profile"), 0o700); err != nil {
				t.Fatal(err)
			}
		}, []string{"Firefox profile abc.default-release", "Firefox profile xyz.default (snap)"}},
		{"an existing ~/.pki/nssdb is used", func(t *testing.T, home string) {
			newNSSDB(t, filepath.Join(home, ".pki", "nssdb"))
		}, []string{"Chrome, Chromium and Edge"}},
		{"a missing ~/.pki/nssdb is created when Chromium is installed", func(t *testing.T, _ string) {
			addChromium(t)
		}, []string{"Chrome, Chromium and Edge"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			tt.setup(t, home)
			opts := TrustOptions{Home: home}
			var names []string
			for _, st := range Status(ctx, a, opts) {
				names = append(names, st.Name)
				if !st.Available || st.Installed {
					t.Errorf("status before install = %+v", st)
				}
			}
			if strings.Join(names, "|") != strings.Join(tt.wantNames, "|") {
				t.Fatalf("stores = %q, want %q", names, tt.wantNames)
			}
			sts, err := Install(ctx, a, opts)
			if len(tt.wantNames) == 0 {
				if err == nil || !strings.Contains(err.Error(), "no trust store") {
					t.Errorf("Install with no stores: err = %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range sts {
				if !st.Installed {
					t.Errorf("after install: %+v", st)
				}
				if trustLine(certutilList(t, st.Path), a.Name()) == "" {
					t.Errorf("%s: certutil does not list the CA", st.Path)
				}
			}
			if _, err := Uninstall(ctx, a, opts); err != nil {
				t.Fatal(err)
			}
			for _, st := range Status(ctx, a, opts) {
				if st.Installed {
					t.Errorf("after uninstall: %+v", st)
				}
			}
		})
	}
}

func TestMissingCertutilIsExplained(t *testing.T) {
	ctx := context.Background()
	a := newAuthority(t, newFakeClock())
	t.Setenv("PATH", t.TempDir())
	opts := TrustOptions{NSSDBs: []string{t.TempDir()}, Home: t.TempDir()}

	st := only(t, Status(ctx, a, opts))
	if st.Available || st.Installed || !strings.Contains(st.Detail, "install libnss3-tools") {
		t.Errorf("status = %+v, want unavailable with advice to install libnss3-tools", st)
	}
	_, err := Install(ctx, a, opts)
	if err == nil || !strings.HasPrefix(err.Error(), "devcert: ") || !strings.Contains(err.Error(), "libnss3-tools") {
		t.Errorf("Install err = %v", err)
	}
	if _, err := Uninstall(ctx, a, opts); err != nil {
		t.Errorf("Uninstall err = %v", err)
	}
}

func TestSystemStore(t *testing.T) {
	if _, err := exec.LookPath("update-ca-certificates"); err != nil {
		t.Skip("update-ca-certificates not found (apt-get install -y ca-certificates)")
	}
	ctx := context.Background()
	a := newAuthority(t, newFakeClock())

	t.Run("the system store is left out unless asked for", func(t *testing.T) {
		if sts := Status(ctx, a, TrustOptions{NSSDBs: []string{}, Home: t.TempDir()}); len(sts) != 0 {
			t.Errorf("stores = %+v", sts)
		}
	})

	// update-ca-certificates runs for real, on a copy of the directory
	// layout under a temporary root instead of /etc and /usr.
	root := t.TempDir()
	for _, d := range []string{"etc/ssl/certs", "usr/share/ca-certificates", "etc/ca-certificates/update.d"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// One distribution root, as on a real system: without any, the tool
	// leaves the last bundle in place instead of writing an empty one.
	other, _, err := a.makeCA()
	if err != nil {
		t.Fatal(err)
	}
	otherPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: other.Raw})
	if err := os.WriteFile(filepath.Join(root, "usr/share/ca-certificates/Other_Root.crt"), otherPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc/ca-certificates.conf"), []byte("Other_Root.crt\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := TrustOptions{System: true, NSSDBs: []string{}, Home: t.TempDir(), sysRoot: root}
	anchor := filepath.Join(root, "usr/local/share/ca-certificates", systemCertName+".crt")
	bundle := filepath.Join(root, "etc/ssl/certs/ca-certificates.crt")

	t.Run("install adds the CA to the system bundle", func(t *testing.T) {
		if st := only(t, Status(ctx, a, opts)); !st.Available || st.Installed {
			t.Fatalf("status before = %+v", st)
		}
		sts, err := Install(ctx, a, opts)
		if err != nil {
			t.Fatal(err)
		}
		if st := only(t, sts); !st.Installed || st.Path != anchor {
			t.Errorf("status after = %+v", st)
		}
		assertMode(t, anchor, 0o644)
		if !bundleHas(t, bundle, a.Certificate()) {
			t.Error("the bundle lacks the CA")
		}
	})

	t.Run("uninstall takes it out of the bundle again", func(t *testing.T) {
		sts, err := Uninstall(ctx, a, opts)
		if err != nil {
			t.Fatal(err)
		}
		if st := only(t, sts); st.Installed {
			t.Errorf("status after = %+v", st)
		}
		if _, err := os.Lstat(anchor); !os.IsNotExist(err) {
			t.Errorf("anchor file still there (err %v)", err)
		}
		if bundleHas(t, bundle, a.Certificate()) || !bundleHas(t, bundle, other) {
			t.Error("the bundle still has the CA, or lost the other root")
		}
		if _, err := os.Lstat(filepath.Join(root, "etc/ssl/certs", systemCertName+".pem")); !os.IsNotExist(err) {
			t.Errorf("link in etc/ssl/certs still there (err %v)", err)
		}
	})
}

func bundleHas(t *testing.T, path string, c *x509.Certificate) bool {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return false
		}
		if bytes.Equal(block.Bytes, c.Raw) {
			return true
		}
	}
}

// only returns the single status of sts.
func only(t *testing.T, sts []StoreStatus) StoreStatus {
	t.Helper()
	if len(sts) != 1 {
		t.Fatalf("want one store, got %+v", sts)
	}
	return sts[0]
}

func TestRenewMovesTrustToTheNewCA(t *testing.T) {
	needCertutil(t)
	ctx := context.Background()
	a := newAuthority(t, newFakeClock())
	db := filepath.Join(t.TempDir(), "nssdb")
	newNSSDB(t, db)
	opts := TrustOptions{NSSDBs: []string{db}, Home: t.TempDir()}

	t.Run("an untrusted CA is renewed without being installed", func(t *testing.T) {
		old := a.Name()
		sts, err := Renew(ctx, a, opts)
		if err != nil {
			t.Fatal(err)
		}
		if a.Name() == old || only(t, sts).Installed {
			t.Errorf("name %q (was %q), status %+v", a.Name(), old, sts)
		}
	})

	t.Run("a trusted CA is replaced by the new one in the same store", func(t *testing.T) {
		if _, err := Install(ctx, a, opts); err != nil {
			t.Fatal(err)
		}
		old := a.Name()
		sts, err := Renew(ctx, a, opts)
		if err != nil {
			t.Fatal(err)
		}
		list := certutilList(t, db)
		if !only(t, sts).Installed || trustLine(list, old) != "" || trustLine(list, a.Name()) == "" {
			t.Errorf("after renewal: status %+v, certutil -L:\n%s", sts, list)
		}
	})
}

// TestAReplacedCAIsTrustedWhereTheOldOneWas stores a CA without the usage
// limits, trusts it in an NSS database, and checks that MoveTrust, after
// LoadOrCreate replaced it, removes it there and installs the new one.
func TestAReplacedCAIsTrustedWhereTheOldOneWas(t *testing.T) {
	needCertutil(t)
	ctx := context.Background()
	dir := t.TempDir()
	keys := memoryKeychain(t)
	clock := newFakeClock()
	old := storeOldStyleCA(t, dir, keys, clock.Now(), func(c *x509.Certificate) { c.ExtKeyUsage = nil })
	db := filepath.Join(t.TempDir(), "nssdb")
	newNSSDB(t, db)
	opts := TrustOptions{NSSDBs: []string{db}, Home: t.TempDir()}
	if err := (&nssStore{name: "old", dir: db, certutil: needCertutil(t)}).install(ctx, old); err != nil {
		t.Fatal(err)
	}

	a, err := LoadOrCreate(ctx, Options{Dir: dir, Keys: keys, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	moved, sts, err := MoveTrust(ctx, a, opts)
	if err != nil {
		t.Fatal(err)
	}
	list := certutilList(t, db)
	if !moved || !only(t, sts).Installed || trustLine(list, old.Subject.CommonName) != "" || trustLine(list, a.Name()) == "" {
		t.Errorf("moved %v, status %+v, certutil -L:\n%s", moved, sts, list)
	}

	t.Run("a CA that replaced an untrusted one is not installed", func(t *testing.T) {
		dir := t.TempDir()
		storeOldStyleCA(t, dir, keys, clock.Now(), func(c *x509.Certificate) { c.ExtKeyUsage = nil })
		db := filepath.Join(t.TempDir(), "nssdb")
		newNSSDB(t, db)
		a, err := LoadOrCreate(ctx, Options{Dir: dir, Keys: keys, Now: clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		moved, sts, err := MoveTrust(ctx, a, TrustOptions{NSSDBs: []string{db}, Home: t.TempDir()})
		if err != nil || moved || only(t, sts).Installed {
			t.Errorf("moved %v, status %+v, err %v", moved, sts, err)
		}
	})
}

// TestNSSHonoursTheUsageLimits has NSS itself (certutil -V) check leaves
// forged with the CA key: only a plain server certificate verifies.
func TestNSSHonoursTheUsageLimits(t *testing.T) {
	needCertutil(t)
	ctx := context.Background()
	// NSS verifies at the real time, so the CA and its leaves are made now.
	clock := &fakeClock{t: time.Now()}
	a := newAuthority(t, clock)
	ca, caKey, _ := a.current()
	db := filepath.Join(t.TempDir(), "nssdb")
	newNSSDB(t, db)
	if _, err := Install(ctx, a, TrustOptions{NSSDBs: []string{db}, Home: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		usage  string // certutil -V -u: V server, C client, S e-mail signer, O object (code) signer
		change func(*x509.Certificate)
		ok     bool
	}{
		{"a plain localhost server leaf verifies", "V", func(*x509.Certificate) {}, true},
		{"a leaf naming an e-mail address is refused as a server", "V", func(c *x509.Certificate) { c.EmailAddresses = []string{"ceo@example.com"} }, false},
		{"a leaf naming a URI is refused as a server", "V", func(c *x509.Certificate) {
			c.URIs = []*url.URL{{Scheme: "https", Host: "example.com"}}
		}, false},
		{"a client-auth leaf is refused as a client", "C", func(c *x509.Certificate) {
			c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		}, false},
		{"an S/MIME leaf is refused as an e-mail signer", "S", func(c *x509.Certificate) {
			c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}
			c.EmailAddresses = []string{"ceo@example.com"}
			c.KeyUsage |= x509.KeyUsageContentCommitment
		}, false},
		{"a code-signing leaf is refused as an object signer", "O", func(c *x509.Certificate) {
			c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}
		}, false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			leaf := forgeWith(t, ca, caKey, clock.Now(), func(c *x509.Certificate) {
				c.SerialNumber = big.NewInt(int64(1000 + i))
				c.Subject = pkix.Name{CommonName: "localhost"}
				c.DNSNames = []string{"localhost"}
				tt.change(c)
			})
			nick := "leaf" + strconv.Itoa(i)
			f := filepath.Join(t.TempDir(), "leaf.pem")
			if err := os.WriteFile(f, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw}), 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command("certutil", "-A", "-d", "sql:"+db, "-n", nick, "-t", ",,", "-a", "-i", f).CombinedOutput(); err != nil {
				t.Fatalf("certutil -A: %v: %s", err, out)
			}
			out, err := exec.Command("certutil", "-V", "-d", "sql:"+db, "-n", nick, "-u", tt.usage).CombinedOutput()
			if (err == nil) != tt.ok {
				t.Errorf("certutil -V -u %s: err %v, want ok=%v: %s", tt.usage, err, tt.ok, out)
			}
		})
	}
}

// TestUninstallAllReachesTheSystemStore installs the CA in an NSS database
// and the (temporary) system store, then uninstalls from a process that may
// and one that may not change the system store.
func TestUninstallAllReachesTheSystemStore(t *testing.T) {
	needCertutil(t)
	if _, err := exec.LookPath("update-ca-certificates"); err != nil {
		t.Skip("update-ca-certificates not found (apt-get install -y ca-certificates)")
	}
	ctx := context.Background()
	setup := func(t *testing.T) (*Authority, TrustOptions) {
		a := newAuthority(t, newFakeClock())
		root := t.TempDir()
		for _, d := range []string{"etc/ssl/certs", "usr/share/ca-certificates", "etc/ca-certificates/update.d"} {
			if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(root, "etc/ca-certificates.conf"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		db := filepath.Join(t.TempDir(), "nssdb")
		newNSSDB(t, db)
		opts := TrustOptions{System: true, NSSDBs: []string{db}, Home: t.TempDir(), sysRoot: root}
		if _, err := Install(ctx, a, opts); err != nil {
			t.Fatal(err)
		}
		opts.System = false // as the window calls it
		return a, opts
	}

	t.Run("with the rights, the system store is emptied too", func(t *testing.T) {
		a, opts := setup(t)
		sts, err := UninstallAll(ctx, a, opts)
		if err != nil {
			t.Fatal(err)
		}
		if len(sts) != 2 || sts[0].Installed || sts[1].Installed {
			t.Errorf("statuses %+v", sts)
		}
	})
	t.Run("without them, the error says which store still trusts the CA and what to run", func(t *testing.T) {
		a, opts := setup(t)
		opts.sysNoRights = true
		sts, err := UninstallAll(ctx, a, opts)
		var still *StillTrustedError
		if !errors.As(err, &still) || len(still.Stores) != 1 || !strings.Contains(err.Error(), "sudo vmr-companion cert uninstall --system") {
			t.Fatalf("err = %v", err)
		}
		if len(sts) != 2 || sts[0].Installed || !sts[1].Installed {
			t.Errorf("statuses %+v", sts)
		}
	})
}
