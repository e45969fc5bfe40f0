//go:build webkit2_41

package desktop

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"

	"vmr-companion/backend/addinhost"
	"vmr-companion/backend/manifest"
	"vmr-companion/backend/store"
)

// goldenHost records how the add-in host starts, stops and refuses, with
// the real addinhost.New checks. users is how many people are signed in.
func goldenHost(t *testing.T, g *goldenRecorder) {
	users := 1
	s := &AddinHostService{ctx: context.Background(),
		newHost: func(_ context.Context, o addinhost.Settings) (*addinhost.Server, error) {
			return addinhost.New(addinhost.Config{Listen: o.Listen, Auth: o.Auth, ReservationRate: o.ReservationRate,
				OnRequest: o.OnRequest, AllowSharedHost: o.AllowSharedHost,
				InteractiveUsers: func() (int, error) { return users, nil },
				// Never asked: nothing connects to the host here.
				GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return nil, errors.New("no certificate") }})
		}}
	// start records Start(listen…) as the window would call it on the
	// address shown; free ports stand in for the shown ones.
	start := func(scenario, listen, shown, auth string, rate int, allow bool) {
		t.Helper()
		st, err := s.Start(listen, auth, rate, allow)
		if st.Running {
			g.show(s.host.Addr(), shown)
		}
		g.record(scenario, "AddinHostService.Start", []any{shown, auth, rate, allow}, st, err)
		if st.Running {
			if _, err := s.Stop(); err != nil {
				t.Fatal(err)
			}
		}
	}
	g.record("host status stopped", "AddinHostService.Status", []any{}, s.Status(), nil)
	start("host start running", "127.0.0.1:0", addinhost.DefaultListen, "none", 60, false)
	start("host start oidc", "127.0.0.1:0", "127.0.0.1:8443", "oidc", 0, false)
	start("host start oidc default", "127.0.0.1:0", addinhost.DefaultListen, "oidc", 60, false)
	start("host start integration", "127.0.0.1:0", "127.0.0.1:8443", "integration", 60, false)
	start("host start beyond machine", "0.0.0.0:8443", "0.0.0.0:8443", "none", 60, false)

	// Another program holds the port.
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	g.show(busy.Addr().String(), addinhost.DefaultListen)
	start("host start busy", busy.Addr().String(), addinhost.DefaultListen, "none", 60, false)

	users = 2
	start("host start shared", "127.0.0.1:0", addinhost.DefaultListen, "none", 60, false)
	start("host start shared allowed", "127.0.0.1:0", addinhost.DefaultListen, "none", 60, true)
	st, err := s.Stop()
	g.record("host stop", "AddinHostService.Stop", []any{}, st, err)
}

// savedAs is a save dialog that takes the name it suggests, in dir.
type savedAs struct{ dir string }

func (savedAs) Open(context.Context, string, string) (string, error) { return "", nil }
func (d savedAs) Save(_ context.Context, _, name, _ string) (string, error) {
	return filepath.Join(d.dir, name), nil
}

// goldenManifests records SaveManifest for the seeded integrations: each
// variant of Contoso's, and Woodgrove's production one, which needs an
// add-in server domain it does not have.
func goldenManifests(t *testing.T, g *goldenRecorder, world *IntegrationService, st *store.Store) {
	dir := t.TempDir()
	g.hidePath(dir)
	downloads := filepath.Join(dir, "Downloads")
	if err := os.MkdirAll(downloads, 0o755); err != nil {
		t.Fatal(err)
	}
	s := &AddinHostService{ctx: context.Background(), integrations: world.backend, manifests: manifest.NewBuilder(st.Manifests()),
		dialogs: savedAs{downloads}}
	save := func(scenario, ref string, dev bool, format string) {
		in, err := world.backend.Get(context.Background(), ref)
		uuid := ref
		if err == nil {
			uuid = in.UUID
		}
		path, err := s.SaveManifest(uuid, dev, format)
		g.record(scenario, "AddinHostService.SaveManifest", []any{uuid, dev, format}, path, err)
	}
	for _, dev := range []bool{true, false} {
		for _, format := range []string{"xml", "json"} {
			kind := map[bool]string{true: "dev", false: "prod"}[dev]
			save("host save manifest Contoso "+kind+" "+format, "Contoso", dev, format)
		}
	}
	save("host save manifest Woodgrove prod xml", "Woodgrove", false, "xml")
	save("host save manifest missing", "no-such-integration", true, "xml")
}
