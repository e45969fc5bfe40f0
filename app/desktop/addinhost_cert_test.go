//go:build webkit2_41

package desktop

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"

	"vmr-companion/backend/devcert"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/secrets/secretstest"
)

// certService is the window's add-in host service on a CA in dir, with no
// per-user trust store (an empty home, no NSS databases).
func certService(t *testing.T, dir string) *AddinHostService {
	t.Helper()
	kc := secrets.NewUncheckedKeychain(0)
	return &AddinHostService{
		ctx: context.Background(),
		authority: func(ctx context.Context) (*devcert.Authority, error) {
			return devcert.LoadOrCreate(ctx, devcert.Options{Dir: dir, Keys: kc})
		},
		trust: devcert.TrustOptions{NSSDBs: []string{}, Home: t.TempDir()},
	}
}

func TestTheWindowShowsWhyTheCAKeyIsInAFile(t *testing.T) {
	secretstest.MockInitWithError(errors.New("The name org.freedesktop.secrets was not provided by any .service files"))
	t.Cleanup(secretstest.MockInit)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	info, err := certService(t, t.TempDir()).Certificate()
	if err != nil {
		t.Fatal(err)
	}
	if !info.KeyInFile || info.KeyState != "no_keychain" || !strings.Contains(info.KeyNotice, "no keychain is available") {
		t.Errorf("info %+v", info)
	}
}

func TestTheWindowCanDeleteTheCA(t *testing.T) {
	secretstest.MockInit()
	dir := t.TempDir()
	s := certService(t, dir)
	if _, err := s.Certificate(); err != nil {
		t.Fatal(err)
	}
	info, err := s.DeleteCertificateAuthority()
	var still *devcert.StillTrustedError
	if err != nil && !errors.As(err, &still) {
		t.Fatal(err)
	}
	if !info.Deleted {
		t.Errorf("info %+v", info)
	}
	if _, err := fs.Stat(os.DirFS(dir), devcert.CertFile); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ca.pem is still there (err %v)", err)
	}
	if _, err := secrets.NewUncheckedKeychain(0).Get(context.Background(), devcert.KeyAccount); !errors.Is(err, secrets.ErrNotFound) {
		t.Errorf("the keychain still holds the key (err %v)", err)
	}
}
