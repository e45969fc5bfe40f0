// Package devcert is VMR Companion's local certificate authority: it signs
// the short-lived certificate of the add-in host (https://127.0.0.1:3443),
// serves it through a GetCertificate loader that renews it without a
// restart, and installs the CA into the trust stores of the OS and browsers.
//
// Unlike a general-purpose development CA, this one lands on end users'
// machines, so it is built to be worth little if stolen: its name
// constraints (critical) limit it to localhost, 127.0.0.0/8, ::1 and the dev
// host names the user added, and permit no e-mail address or URI; its
// extended key usage limits it to TLS server certificates (no client,
// code-signing or S/MIME ones); it cannot sign intermediates; it expires after
// two years; and its private key lives in the OS keychain, with a 0600 file
// only where no keychain can be used.
package devcert

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"vmr-companion/backend/secrets"
)

const (
	// CertFile is the CA certificate (public) in Options.Dir.
	CertFile = "ca.pem"
	// replacedFile in Options.Dir remembers a CA that LoadOrCreate
	// replaced until MoveTrust has dealt with it, so whichever part of the
	// program loads the CA next can still say so.
	replacedFile = "replaced.json"

	// caLifetime is two years: long enough that developers do not have
	// to re-trust the CA often, short enough that a CA left behind on a
	// machine (after an uninstall, or on a laptop that changed hands)
	// stops being trusted on its own.
	caLifetime = 2 * 365 * 24 * time.Hour
	// caBackdate lets a CA made a moment ago verify on a machine whose
	// clock is a little behind (a VM that just resumed).
	caBackdate = time.Hour

	// namePrefix starts the common name of every CA this package makes
	// and the nickname it is installed under; Uninstall removes every
	// certificate whose name starts with it, so earlier generations go too.
	namePrefix = "VMR Companion local CA"
	// organization names the product in the CA and leaf subjects.
	organization = "VMR Companion"

	// reservedDomain is the only e-mail domain and URI host the CA
	// permits: RFC 6761 reserves it and guarantees it never resolves.
	reservedDomain = "invalid"

	pemCertificate = "CERTIFICATE"
)

// Options configures LoadOrCreate.
type Options struct {
	// Dir is the data directory: ca.pem (0644) lives here, and ca-key.pem
	// (0600) when the keychain is unavailable. It is created 0700.
	Dir string
	// Keys is the keychain; required.
	Keys KeyStore
	// ExtraNames are dev host names the user added explicitly. They become
	// permitted DNS domains of the CA (each with everything below it), so
	// they take effect only when a CA is made: after changing them
	// (SetExtraNames), check MissingNames and call Regenerate.
	ExtraNames []string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Authority is the local CA. It is safe for concurrent use.
type Authority struct {
	dir  string
	keys KeyStore
	now  func() time.Time

	regen sync.Mutex // serializes Regenerate

	mu          sync.RWMutex
	names       []string // normalized extra names, for the next CA
	cert        *x509.Certificate
	key         *ecdsa.PrivateKey
	keyLocation string
	generation  uint64 // bumped by Regenerate; the Loader re-issues when it changes
	replaced    *Replacement
	// keyFileReason is why the key is in the fallback file; nil when it
	// is in the keychain.
	keyFileReason error
}

// LoadOrCreate loads the CA from o.Dir and its key from the keychain (or
// the fallback file), and makes a new CA on first use.
//
// A new CA is also made when the stored one cannot be used and nothing of
// value is lost by replacing it: its key is gone (not in the keychain, no
// fallback file), does not match ca.pem, or the CA has expired or lacks
// this package's constraints (server authentication only; local names and
// loopback addresses only; no e-mail address or URI). Replaced then says
// which CA was replaced and why, and MoveTrust moves trust to the new one;
// until then Status shows the new one as not installed. When the
// keychain is unavailable and no fallback file exists, the key may be in
// the locked keychain, so LoadOrCreate fails (wrapping the
// *secrets.UnavailableError) rather than replace a CA that still works.
func LoadOrCreate(ctx context.Context, o Options) (*Authority, error) {
	if o.Dir == "" {
		return nil, errors.New("devcert: no data directory")
	}
	if o.Keys == nil {
		return nil, errors.New("devcert: no key store")
	}
	names, err := normalizeExtraNames(o.ExtraNames)
	if err != nil {
		return nil, err
	}
	a := &Authority{dir: o.Dir, keys: o.Keys, names: names, now: o.Now}
	if a.now == nil {
		a.now = time.Now
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("devcert: creating the data directory: %w", err)
	}

	// A missing or unreadable ca.pem means a new CA: without a
	// certificate that parses, no stored key is of any use.
	// An expired CA or one without this package's limits is replaced
	// whether or not its key can be read.
	cert, err := readCertFile(filepath.Join(o.Dir, CertFile))
	var replaced *Replacement
	if err == nil {
		why := a.unusable(cert)
		if why == "" {
			key, place, err := a.loadKey(ctx, cert)
			if err != nil {
				return nil, err
			}
			if key != nil {
				a.cert, a.key, a.keyLocation, a.keyFileReason = cert, key, place.location, place.reason
				a.replaced = a.readReplaced(cert)
				return a, nil
			}
			why = "its private key is gone or does not match"
		}
		replaced = &Replacement{Old: cert, Reason: why}
	}
	if err := a.create(ctx); err != nil {
		return nil, err
	}
	a.replaced = replaced
	if replaced != nil {
		if err := a.writeReplaced(replaced); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// replacedRecord is replacedFile: the replaced CA, why, and the CA that
// replaced it (a record about another CA is stale).
type replacedRecord struct {
	Old    string `json:"old"` // PEM
	Reason string `json:"reason"`
	New    string `json:"new"` // SHA-256 of the new CA's DER, hex
}

func fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return hex.EncodeToString(sum[:])
}

func (a *Authority) writeReplaced(r *Replacement) error {
	data, err := json.Marshal(replacedRecord{
		Old:    string(pem.EncodeToMemory(&pem.Block{Type: pemCertificate, Bytes: r.Old.Raw})),
		Reason: r.Reason,
		New:    fingerprint(a.Certificate()),
	})
	if err != nil {
		return fmt.Errorf("devcert: recording the replaced CA: %w", err)
	}
	staged, err := stageFile(a.dir, replacedFile, data, 0o644)
	if err != nil {
		return fmt.Errorf("devcert: recording the replaced CA: %w", err)
	}
	if err := os.Rename(staged, filepath.Join(a.dir, replacedFile)); err != nil {
		os.Remove(staged)
		return fmt.Errorf("devcert: recording the replaced CA: %w", err)
	}
	return nil
}

// readReplaced returns the recorded replacement by cert, or nil; a record
// that does not parse or is about another CA is dropped.
func (a *Authority) readReplaced(cert *x509.Certificate) *Replacement {
	path := filepath.Join(a.dir, replacedFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var rec replacedRecord
	if json.Unmarshal(data, &rec) == nil && rec.New == fingerprint(cert) {
		if block, _ := pem.Decode([]byte(rec.Old)); block != nil {
			if old, err := x509.ParseCertificate(block.Bytes); err == nil {
				return &Replacement{Old: old, Reason: rec.Reason}
			}
		}
	}
	_ = removeIfExists(path)
	return nil
}

// replacementHandled forgets the record of the replaced CA once its trust
// was dealt with; this Authority keeps reporting it for its own callers.
func (a *Authority) replacementHandled() error {
	if err := removeIfExists(filepath.Join(a.dir, replacedFile)); err != nil {
		return fmt.Errorf("devcert: forgetting the replaced CA: %w", err)
	}
	return nil
}

// create makes a new CA, stores it, and makes it current.
func (a *Authority) create(ctx context.Context) error {
	cert, key, place, err := a.makeAndStore(ctx)
	if err != nil {
		return err
	}
	// A record of an earlier replacement no longer applies to this CA.
	if err := a.replacementHandled(); err != nil {
		return err
	}
	a.mu.Lock()
	a.cert, a.key, a.keyLocation, a.keyFileReason = cert, key, place.location, place.reason
	a.generation++
	a.mu.Unlock()
	return nil
}

// Regenerate replaces the CA with a new one: a new key, and name
// constraints from the current extra names. A Loader notices the change
// and serves a leaf of the new CA from the next handshake on. On failure
// the current CA stays in use.
//
// The caller must refresh trust, in this order: Uninstall (it removes
// every generation of this package's CA, so calling it after Install
// would remove the new one too), then Install. Until Install, browsers
// reject the add-in host's new leaf; the old CA stays trusted, though
// useless, until Uninstall.
func (a *Authority) Regenerate(ctx context.Context) error {
	a.regen.Lock()
	defer a.regen.Unlock()
	return a.create(ctx)
}

// Replacement tells why LoadOrCreate replaced a stored CA.
type Replacement struct {
	Old    *x509.Certificate // the CA that was replaced
	Reason string            // why, for people
}

// Replaced reports the CA that this load, or an earlier one whose trust
// MoveTrust has not dealt with yet, replaced; nil when there is none.
func (a *Authority) Replaced() *Replacement {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.replaced
}

// Delete removes the CA for good: its key from the keychain and the
// fallback file, and ca.pem. Remove its trust first (Uninstall), as the
// stores are found by the certificate. Afterwards this Authority issues
// nothing; the next LoadOrCreate makes a new CA. A keychain that is locked
// or does not answer stops the deletion before any file is removed.
func (a *Authority) Delete(ctx context.Context) error {
	a.regen.Lock()
	defer a.regen.Unlock()
	err := a.keys.Delete(ctx, KeyAccount)
	if err != nil && !errors.Is(err, secrets.ErrNotFound) && !errors.Is(err, secrets.ErrNoKeychain) {
		// A locked or slow keychain may hold the key (even one that timed
		// out and landed late), so it must not be left behind silently.
		return fmt.Errorf("devcert: deleting the CA key from the keychain: %w", err)
	}
	if err := removeIfExists(filepath.Join(a.dir, KeyFile)); err != nil {
		return fmt.Errorf("devcert: deleting the CA key file: %w", err)
	}
	if err := removeIfExists(filepath.Join(a.dir, CertFile)); err != nil {
		return fmt.Errorf("devcert: deleting %s: %w", CertFile, err)
	}
	if err := a.replacementHandled(); err != nil {
		return err
	}
	a.mu.Lock()
	a.cert, a.key, a.keyLocation, a.keyFileReason = nil, nil, "", nil
	a.generation++
	a.mu.Unlock()
	return nil
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// ReplacedNotice says, for people, that LoadOrCreate replaced a CA and why,
// and whether its trust was moved (MoveTrust); "" when nothing was replaced.
func (a *Authority) ReplacedNotice(trustMoved bool) string {
	r := a.Replaced()
	if r == nil {
		return ""
	}
	old := "the stored local CA"
	if r.Old != nil {
		old = "the local CA " + r.Old.Subject.CommonName
	}
	msg := fmt.Sprintf("VMR Companion replaced %s with a new one (%s) because %s.", old, a.Name(), r.Reason)
	if trustMoved {
		return msg + " The new CA is now trusted where the old one was; restart your browsers and Outlook."
	}
	return msg + " Trust it with: vmr-companion cert install (add --system, as root, where the old one was in the system store)."
}

// Certificate returns the CA certificate. Do not modify it.
func (a *Authority) Certificate() *x509.Certificate {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.cert
}

// CertPEM returns the CA certificate as PEM, as stored in ca.pem.
func (a *Authority) CertPEM() []byte {
	c := a.Certificate()
	if c == nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemCertificate, Bytes: c.Raw})
}

// CertPath is the path of ca.pem, the public CA certificate.
func (a *Authority) CertPath() string { return filepath.Join(a.dir, CertFile) }

// Name is the name the CA is installed under in trust stores: its common
// name, which ends in a short fingerprint of its public key so that
// regenerated CAs never collide.
func (a *Authority) Name() string {
	if c := a.Certificate(); c != nil {
		return c.Subject.CommonName
	}
	return ""
}

// SetExtraNames replaces the dev host names (see Options.ExtraNames). They
// take effect at the next Regenerate; MissingNames tells whether one is due.
func (a *Authority) SetExtraNames(names []string) error {
	n, err := normalizeExtraNames(names)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.names = n
	return nil
}

// MissingNames returns the extra names the current CA does not permit,
// because they were added after it was made. Regenerate includes them.
func (a *Authority) MissingNames() []string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.cert == nil {
		return nil
	}
	permitted := a.cert.PermittedDNSDomains
	var missing []string
	for _, n := range a.names {
		if !withinDomains(n, permitted) {
			missing = append(missing, n)
		}
	}
	return missing
}

// Format prints the CA's name and key location for every verb, so that
// printing an Authority (%v, %+v, %#v, ...) can never show its key.
func (a *Authority) Format(f fmt.State, _ rune) {
	if a == nil || a.Certificate() == nil {
		fmt.Fprint(f, "devcert.Authority(none)")
		return
	}
	fmt.Fprintf(f, "devcert.Authority(%s, key in %s)", a.Name(), a.KeyLocation())
}

// current returns the CA certificate, key and generation together.
func (a *Authority) current() (*x509.Certificate, *ecdsa.PrivateKey, uint64) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.cert, a.key, a.generation
}

// unusable says why a stored CA may not be used as is, or "" when it may:
// it must be unexpired and made with this package's limits (a CA from
// elsewhere, or from a version with fewer limits, is replaced rather than
// trusted).
func (a *Authority) unusable(c *x509.Certificate) string {
	if !c.IsCA || !c.BasicConstraintsValid || c.MaxPathLen != 0 || !c.MaxPathLenZero {
		return "it may sign intermediate CAs"
	}
	if !a.now().Before(c.NotAfter) {
		return "it expired on " + c.NotAfter.Format(time.DateOnly)
	}
	if !slices.Equal(c.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}) || len(c.UnknownExtKeyUsage) != 0 {
		return "it is not limited to server authentication (it could sign client, code-signing or e-mail certificates)"
	}
	if !c.PermittedDNSDomainsCritical || !slices.Contains(c.PermittedDNSDomains, defaultDNSName) {
		return "it is not limited to local host names"
	}
	for _, d := range c.PermittedDNSDomains {
		if d == defaultDNSName {
			continue
		}
		if n, err := normalizeExtraNames([]string{d}); err != nil || len(n) != 1 || n[0] != d {
			return "it permits the host name " + d
		}
	}
	want := loopbackRanges()
	ipsOK := len(c.PermittedIPRanges) == len(want)
	for i := 0; ipsOK && i < len(want); i++ {
		ipsOK = c.PermittedIPRanges[i].String() == want[i].String()
	}
	if !ipsOK || len(c.ExcludedDNSDomains) != 0 || len(c.ExcludedIPRanges) != 0 {
		return "it is not limited to loopback addresses"
	}
	if !slices.Equal(c.PermittedEmailAddresses, []string{reservedDomain}) || len(c.ExcludedEmailAddresses) != 0 {
		return "it does not forbid e-mail addresses"
	}
	if !slices.Equal(c.PermittedURIDomains, []string{reservedDomain}) || len(c.ExcludedURIDomains) != 0 {
		return "it does not forbid URI names"
	}
	return ""
}

// makeAndStore creates a CA and stores its key and certificate, replacing
// the stored ones. ca.pem is staged first and renamed into place only once
// the key is stored, so a failure leaves the previous pair intact.
func (a *Authority) makeAndStore(ctx context.Context) (*x509.Certificate, *ecdsa.PrivateKey, keyPlace, error) {
	cert, key, err := a.makeCA()
	if err != nil {
		return nil, nil, keyPlace{}, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: pemCertificate, Bytes: cert.Raw})
	staged, err := stageFile(a.dir, CertFile, certPEM, 0o644)
	if err != nil {
		return nil, nil, keyPlace{}, fmt.Errorf("devcert: writing %s: %w", CertFile, err)
	}
	defer os.Remove(staged) // no-op once renamed
	place, err := a.storeKey(ctx, key)
	if err != nil {
		return nil, nil, keyPlace{}, err
	}
	if err := os.Rename(staged, filepath.Join(a.dir, CertFile)); err != nil {
		return nil, nil, keyPlace{}, fmt.Errorf("devcert: writing %s: %w", CertFile, err)
	}
	return cert, key, place, nil
}

// makeCA creates a CA key and self-signed certificate.
func (a *Authority) makeCA() (*x509.Certificate, *ecdsa.PrivateKey, error) {
	tmpl, key, err := a.caTemplate()
	if err != nil {
		return nil, nil, err
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("devcert: creating the CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("devcert: parsing the new CA certificate: %w", err)
	}
	return cert, key, nil
}

// caTemplate makes a CA key and the template of its certificate.
func (a *Authority) caTemplate() (*x509.Certificate, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("devcert: generating the CA key: %w", err)
	}
	spki, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, nil, fmt.Errorf("devcert: encoding the CA public key: %w", err)
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, nil, err
	}
	sum := sha256.Sum256(spki)
	now := a.now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{
			// The fingerprint keeps names (and trust-store nicknames)
			// of successive CAs apart.
			CommonName:         namePrefix + " " + hex.EncodeToString(sum[:4]),
			Organization:       []string{organization},
			OrganizationalUnit: []string{ownerName()},
		},
		NotBefore:             now.Add(-caBackdate),
		NotAfter:              now.Add(caLifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		// It signs leaves only, never intermediates.
		MaxPathLen:     0,
		MaxPathLenZero: true,
		// Critical, so that a client that does not understand name
		// constraints rejects the CA instead of ignoring them.
		PermittedDNSDomainsCritical: true,
		PermittedDNSDomains:         append([]string{defaultDNSName}, a.extraNames()...),
		PermittedIPRanges:           loopbackRanges(),
		// A stolen key must not sign client, code-signing or e-mail
		// certificates: verifiers (Go, Windows, NSS) intersect a chain's
		// extended key usages, so server auth here limits every leaf.
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		// Permitted subtrees that nothing real falls in: a leaf naming
		// any e-mail address or URI fails verification. (An empty
		// excluded subtree would mean "everything" to Go but "nothing"
		// to OpenSSL, so it is not used.)
		PermittedEmailAddresses: []string{reservedDomain},
		PermittedURIDomains:     []string{reservedDomain},
	}
	return tmpl, key, nil
}

func (a *Authority) extraNames() []string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.names
}

// ownerName is "user@host", so a CA seen in a trust store can be traced to
// the account that made it.
func ownerName() string {
	name := "unknown"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		name += "@" + h
	}
	return name
}

func randomSerial() (*big.Int, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("devcert: generating a serial number: %w", err)
	}
	return serial, nil
}

func readCertFile(path string) (*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("devcert: reading %s: %w", CertFile, err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != pemCertificate {
		return nil, fmt.Errorf("devcert: %s holds no PEM certificate", CertFile)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("devcert: parsing %s: %w", CertFile, err)
	}
	return cert, nil
}

// stageFile writes data to a new temporary file next to name in dir, with
// mode perm, and returns its path for the caller to rename into place. The
// file is created 0600 (os.CreateTemp) so a key is never readable by
// others, not even for a moment.
func stageFile(dir, name string, data []byte, perm fs.FileMode) (string, error) {
	f, err := os.CreateTemp(dir, "."+name+".*")
	if err != nil {
		return "", err
	}
	path := f.Name()
	fail := func(err error) (string, error) {
		f.Close()
		os.Remove(path)
		return "", err
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Chmod(perm); err != nil && runtime.GOOS != "windows" {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return "", err
	}
	return path, nil
}
