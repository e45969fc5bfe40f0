package devcert

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// certEnhKeyUsagePropID is CERT_ENHKEY_USAGE_PROP_ID: the purposes a store
// entry is trusted for, which Windows applies on top of the certificate's
// own extended key usage (and which survives if someone edits the entry's
// purposes in certmgr.msc).
const certEnhKeyUsagePropID = 9

var (
	crypt32                               = windows.NewLazySystemDLL("crypt32.dll")
	procCertSetCertificateContextProperty = crypt32.NewProc("CertSetCertificateContextProperty")
	procCertGetCertificateContextProperty = crypt32.NewProc("CertGetCertificateContextProperty")
)

// serverAuthUsage is the DER CERT_ENHKEY_USAGE (a SEQUENCE of OIDs) that
// limits the store entry to TLS server authentication.
func serverAuthUsage() ([]byte, error) {
	return asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 1}})
}

// setServerAuthOnly sets the key-usage property of a store entry.
func setServerAuthOnly(c *windows.CertContext) error {
	der, err := serverAuthUsage()
	if err != nil {
		return err
	}
	blob := windows.CryptDataBlob{Size: uint32(len(der)), Data: &der[0]}
	r, _, callErr := procCertSetCertificateContextProperty.Call(uintptr(unsafe.Pointer(c)), certEnhKeyUsagePropID, 0, uintptr(unsafe.Pointer(&blob)))
	runtime.KeepAlive(der)
	if r == 0 {
		return fmt.Errorf("limiting the CA to server authentication: %w", callErr)
	}
	return nil
}

// isServerAuthOnly reports whether a store entry carries exactly the
// key-usage property setServerAuthOnly sets.
func isServerAuthOnly(c *windows.CertContext) bool {
	want, err := serverAuthUsage()
	if err != nil {
		return false
	}
	var size uint32
	r, _, _ := procCertGetCertificateContextProperty.Call(uintptr(unsafe.Pointer(c)), certEnhKeyUsagePropID, 0, uintptr(unsafe.Pointer(&size)))
	if r == 0 || size == 0 || size > 4096 {
		return false
	}
	buf := make([]byte, size)
	r, _, _ = procCertGetCertificateContextProperty.Call(uintptr(unsafe.Pointer(c)), certEnhKeyUsagePropID, uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&size)))
	return r != 0 && bytes.Equal(buf[:size], want)
}

// On Windows, Edge, Chrome, Outlook's add-in web view (WebView2) and
// Firefox 120 and later all use the system certificate stores, so the
// current user's Root store is enough; TrustOptions.System uses the local
// machine's Root store instead, which needs an elevated process. The
// stores are changed through crypt32 directly rather than certutil.exe,
// whose output is localized.

func trustStores(_ context.Context, opts TrustOptions) []trustStore {
	stores := []trustStore{&rootStore{
		name:     "Windows current user Root store",
		path:     `CurrentUser\Root`,
		location: windows.CERT_SYSTEM_STORE_CURRENT_USER,
	}}
	if opts.System {
		stores = append(stores, &rootStore{
			name:     "Windows local machine Root store",
			path:     `LocalMachine\Root`,
			location: windows.CERT_SYSTEM_STORE_LOCAL_MACHINE,
			admin:    true,
		})
	}
	return stores
}

// rootStore is the Root system store of the current user or the machine.
type rootStore struct {
	name     string
	path     string
	location uint32 // CERT_SYSTEM_STORE_CURRENT_USER or _LOCAL_MACHINE
	admin    bool   // changing it needs an elevated process
}

func (s *rootStore) open(readOnly bool) (windows.Handle, error) {
	name, err := windows.UTF16PtrFromString("ROOT")
	if err != nil {
		return 0, err
	}
	flags := s.location | windows.CERT_STORE_OPEN_EXISTING_FLAG
	if readOnly {
		flags |= windows.CERT_STORE_READONLY_FLAG
	}
	h, err := windows.CertOpenStore(windows.CERT_STORE_PROV_SYSTEM, 0, 0, flags, uintptr(unsafe.Pointer(name)))
	runtime.KeepAlive(name)
	if err != nil {
		return 0, fmt.Errorf("opening %s: %w", s.path, err)
	}
	return h, nil
}

// each calls fn for every certificate in store, with a copy of its DER
// bytes, until fn returns false.
func each(store windows.Handle, fn func(c *windows.CertContext, der []byte) bool) error {
	var prev *windows.CertContext
	for {
		// Passing prev frees it, so only the context that ends the loop
		// early needs freeing.
		c, err := windows.CertEnumCertificatesInStore(store, prev)
		if err != nil {
			var errno syscall.Errno
			if errors.As(err, &errno) && (errno == windows.ERROR_NO_MORE_FILES || uint32(errno) == uint32(windows.CRYPT_E_NOT_FOUND)) {
				return nil
			}
			return err
		}
		der := bytes.Clone(unsafe.Slice(c.EncodedCert, c.Length))
		if !fn(c, der) {
			windows.CertFreeCertificateContext(c)
			return nil
		}
		prev = c
	}
}

func (s *rootStore) status(_ context.Context, ca *x509.Certificate) StoreStatus {
	st := StoreStatus{Name: s.name, Path: s.path, Available: true}
	if s.admin && !windows.GetCurrentProcessToken().IsElevated() {
		st.Available = false
		st.Detail = "needs an administrator: run the install again from an elevated prompt"
	}
	store, err := s.open(true)
	if err != nil {
		st.Available = false
		st.Detail = err.Error()
		return st
	}
	defer windows.CertCloseStore(store, 0)
	limited := true
	err = each(store, func(c *windows.CertContext, der []byte) bool {
		st.Installed = bytes.Equal(der, ca.Raw)
		if st.Installed {
			limited = isServerAuthOnly(c)
		}
		return !st.Installed
	})
	if st.Installed && !limited {
		// An entry from an earlier version: Install adds the property.
		st.Installed = false
		st.Detail = "installed without the server-authentication-only property; install again"
	}
	if err != nil {
		st.Detail = fmt.Sprintf("listing %s: %v", s.path, err)
	} else if !st.Installed && st.Detail == "" {
		st.Detail = "not installed"
	}
	return st
}

// install adds ca to the store. For the current user's store Windows
// shows a confirmation dialog and the call waits for the user's answer.
func (s *rootStore) install(_ context.Context, ca *x509.Certificate) error {
	store, err := s.open(false)
	if err != nil {
		return err
	}
	defer windows.CertCloseStore(store, 0)
	c, err := windows.CertCreateCertificateContext(windows.X509_ASN_ENCODING|windows.PKCS_7_ASN_ENCODING, &ca.Raw[0], uint32(len(ca.Raw)))
	if err != nil {
		return fmt.Errorf("reading the CA certificate: %w", err)
	}
	defer windows.CertFreeCertificateContext(c)
	// Adding copies the context's properties into the store, so the
	// entry is limited from the moment it exists, in one (confirmed)
	// change of the protected Root store.
	if err := setServerAuthOnly(c); err != nil {
		return err
	}
	if err := windows.CertAddCertificateContextToStore(store, c, windows.CERT_STORE_ADD_REPLACE_EXISTING, nil); err != nil {
		if errors.Is(err, windows.ERROR_CANCELLED) {
			return errors.New("the user declined the certificate installation")
		}
		return fmt.Errorf("adding to %s: %w", s.path, err)
	}
	return nil
}

func (s *rootStore) uninstall(_ context.Context, _ *x509.Certificate) error {
	store, err := s.open(false)
	if err != nil {
		return err
	}
	defer windows.CertCloseStore(store, 0)
	var errs []error
	err = each(store, func(c *windows.CertContext, der []byte) bool {
		cert, err := x509.ParseCertificate(der)
		if err != nil || !isOurs(cert) {
			return true
		}
		// Deleting frees the context it is given; the enumeration still
		// needs c, so delete a duplicate.
		if err := windows.CertDeleteCertificateFromStore(windows.CertDuplicateCertificateContext(c)); err != nil {
			errs = append(errs, fmt.Errorf("deleting %q from %s: %w", cert.Subject.CommonName, s.path, err))
		}
		return true
	})
	return errors.Join(append(errs, err)...)
}
