package desktop

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"vmr-companion/backend/addinhost"
	"vmr-companion/backend/atomicfile"
	"vmr-companion/backend/devcert"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/manifest"
)

// EventHostRequest carries each request the add-in host handles.
const EventHostRequest = "addinhost:request"

// AddinHostService starts and stops the add-in host from the window, shows
// the local CA's trust, and saves manifests.
type AddinHostService struct {
	ctx          context.Context
	integrations *integration.Service
	manifests    *manifest.Builder
	authority    func(context.Context) (*devcert.Authority, error)
	trust        devcert.TrustOptions // where trust stores are found; tests point it at temporary ones
	newHost      func(context.Context, addinhost.Settings) (*addinhost.Server, error)
	dialogs      dialogs
	emit         func(event string, data any)

	mu      sync.Mutex
	host    *addinhost.Server
	lastErr string
	recent  []addinhost.RequestLog
}

// HostStatus is the host's state for the window.
type HostStatus struct {
	Running bool   `json:"running"`
	URL     string `json:"url"`
	Auth    string `json:"auth"`
	// Warning is said plainly whenever the host runs without authentication.
	Warning string `json:"warning"`
	Error   string `json:"error"`
}

const recentLimit = 200

// Status reports whether the host runs and where.
func (s *AddinHostService) Status() HostStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.statusLocked()
}

func (s *AddinHostService) statusLocked() HostStatus {
	st := HostStatus{Error: s.lastErr}
	if s.host != nil {
		st.Running, st.URL, st.Auth = true, s.host.URL(), s.host.Auth()
		if st.Auth == addinhost.AuthNone {
			st.Warning = addinhost.NoAuthWarning
		}
	}
	return st
}

// Start runs the host with the given settings (empty values take defaults).
// auth is addinhost.AuthNone, AuthIntegration or AuthOIDC; "" is none on
// loopback and integration beyond it. allowSharedHost runs it without authentication even where several people
// are signed in to this machine (serve --allow-shared-host).
func (s *AddinHostService) Start(listen, auth string, reservationRate int, allowSharedHost bool) (HostStatus, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.host != nil {
		return s.statusLocked(), nil
	}
	if listen == "" {
		listen = addinhost.DefaultListen
	}
	host, err := s.newHost(s.ctx, addinhost.Settings{Listen: listen, Auth: auth, ReservationRate: reservationRate, OnRequest: s.record, AllowSharedHost: allowSharedHost})
	if err == nil {
		err = host.Start()
	}
	if err != nil {
		s.lastErr = err.Error()
		return s.statusLocked(), err
	}
	s.host, s.lastErr = host, ""
	return s.statusLocked(), nil
}

// Stop ends the host, letting running requests finish.
func (s *AddinHostService) Stop() (HostStatus, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.host == nil {
		return s.statusLocked(), nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.host.Shutdown(ctx)
	s.host = nil
	return s.statusLocked(), err
}

func (s *AddinHostService) record(entry addinhost.RequestLog) {
	s.mu.Lock()
	s.recent = append(s.recent, entry)
	if len(s.recent) > recentLimit {
		s.recent = s.recent[len(s.recent)-recentLimit:]
	}
	s.mu.Unlock()
	if s.emit != nil {
		s.emit(EventHostRequest, entry)
	}
}

// RecentRequests returns the last requests, oldest first.
func (s *AddinHostService) RecentRequests() []addinhost.RequestLog {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]addinhost.RequestLog{}, s.recent...)
}

// CertInfo describes the local CA and where it is trusted.
type CertInfo struct {
	Name        string `json:"name"`
	File        string `json:"file"`
	KeyLocation string `json:"key_location"`
	KeyInFile   bool   `json:"key_in_file"`
	// KeyState says why the key is in a file: locked, timed_out,
	// no_keychain or keychain_error; "" when it is in the keychain.
	KeyState string `json:"key_state"`
	// KeyNotice is the warning to show while the key is in a file.
	KeyNotice string `json:"key_notice"`
	// Replaced says that an older CA was replaced, why, and whether its
	// trust moved to this one; "" normally.
	Replaced string        `json:"replaced"`
	NotAfter time.Time     `json:"not_after"`
	Stores   []TrustStatus `json:"stores"`
	// Deleted is set by DeleteCertificateAuthority: the CA is gone, and
	// a new one is made the next time it is needed.
	Deleted bool `json:"deleted"`
}

// TrustStatus is one trust store.
type TrustStatus struct {
	Name      string `json:"name"`
	Path      string `json:"path"`
	Installed bool   `json:"installed"`
	Available bool   `json:"available"`
	Detail    string `json:"detail"`
}

func (s *AddinHostService) certInfo(a *devcert.Authority, statuses []devcert.StoreStatus, trustMoved bool) CertInfo {
	info := CertInfo{Name: a.Name(), File: a.CertPath(), KeyLocation: a.KeyLocation(), KeyInFile: a.KeyLocation() != devcert.KeyInKeychain,
		KeyState: a.KeyState(), KeyNotice: a.KeyNotice(), Replaced: a.ReplacedNotice(trustMoved), Stores: []TrustStatus{}}
	if c := a.Certificate(); c != nil {
		info.NotAfter = c.NotAfter
	}
	for _, st := range statuses {
		info.Stores = append(info.Stores, TrustStatus(st))
	}
	return info
}

// allTrust is what the window shows: this user's stores and the
// system-wide one, so an install made with --system is seen and undone.
func (s *AddinHostService) allTrust() devcert.TrustOptions {
	o := s.trust
	o.System = true
	return o
}

// userTrust is what the window changes: this user's stores only, as it
// runs without administrator rights.
func (s *AddinHostService) userTrust() devcert.TrustOptions {
	o := s.trust
	o.System = false
	return o
}

// Certificate reports the CA (made on first use) and its trust per store.
// A CA that replaced an older one is trusted where the old one was.
func (s *AddinHostService) Certificate() (CertInfo, error) {
	a, err := s.authority(s.ctx)
	if err != nil {
		return CertInfo{}, err
	}
	moved := false
	if a.Replaced() != nil {
		// This user's stores only: the window is not an administrator.
		if moved, _, err = devcert.MoveTrust(s.ctx, a, s.userTrust()); err != nil {
			return s.certInfo(a, devcert.Status(s.ctx, a, s.allTrust()), false), err
		}
	}
	return s.certInfo(a, devcert.Status(s.ctx, a, s.allTrust()), moved), nil
}

// InstallCertificate trusts the CA in this user's stores.
func (s *AddinHostService) InstallCertificate() (CertInfo, error) {
	a, err := s.authority(s.ctx)
	if err != nil {
		return CertInfo{}, err
	}
	_, err = devcert.Install(s.ctx, a, s.userTrust())
	return s.certInfo(a, devcert.Status(s.ctx, a, s.allTrust()), false), err
}

// UninstallCertificate removes every VMR Companion CA from this user's
// stores and the system-wide one; where the window may not change the
// system store, the error says what to run.
func (s *AddinHostService) UninstallCertificate() (CertInfo, error) {
	a, err := s.authority(s.ctx)
	if err != nil {
		return CertInfo{}, err
	}
	statuses, err := devcert.UninstallAll(s.ctx, a, s.userTrust())
	return s.certInfo(a, statuses, false), err
}

// DeleteCertificateAuthority uninstalls the CA everywhere it can and then
// deletes it: its private key (keychain and file) and ca.pem. The window
// asks first. It refuses while the add-in host runs, as the host signs
// with the CA. The key is deleted even when a store the window may not
// change still trusts the CA (the error then says what to run), as a CA
// without a key can sign nothing.
func (s *AddinHostService) DeleteCertificateAuthority() (CertInfo, error) {
	if s.Status().Running {
		return CertInfo{}, errors.New("desktop: stop the add-in host before deleting its certificate authority")
	}
	a, err := s.authority(s.ctx)
	if err != nil {
		return CertInfo{}, err
	}
	statuses, uerr := devcert.UninstallAll(s.ctx, a, s.userTrust())
	info := s.certInfo(a, statuses, false)
	if err := a.Delete(s.ctx); err != nil {
		return info, errors.Join(uerr, err)
	}
	info.Deleted, info.KeyNotice, info.KeyState, info.KeyInFile = true, "", "", false
	return info, uerr
}

// SaveManifest asks where to save an integration's manifest and writes it.
// dev selects the variant served by this machine's host; format is "xml" or
// "json". It returns the file written, or "" when cancelled.
func (s *AddinHostService) SaveManifest(uuid string, dev bool, format string) (string, error) {
	if format != "xml" && format != "json" {
		return "", fmt.Errorf("desktop: manifest format must be xml or json, not %q", format)
	}
	in, err := s.integrations.Get(s.ctx, uuid)
	if err != nil {
		return "", err
	}
	base := "https://" + addinhost.DefaultListen
	if st := s.Status(); st.Running {
		base = st.URL
	}
	data, err := s.manifests.Manifest(s.ctx, in, format, dev, base)
	if err != nil {
		return "", err
	}
	name := "manifest." + format
	if dev {
		name = "manifest-dev." + format
	}
	path, err := s.dialogs.Save(s.ctx, "Save the manifest of "+in.Name, name, format)
	if err != nil || path == "" {
		return "", err
	}
	if err := atomicfile.Write(path, data, 0o644); err != nil {
		return "", fmt.Errorf("desktop: %w", err)
	}
	return path, nil
}

// shutdown stops the host with the window.
func (s *AddinHostService) shutdown() {
	if _, err := s.Stop(); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		fmt.Fprintln(os.Stderr, "vmr-companion: stopping the add-in host:", err)
	}
}
