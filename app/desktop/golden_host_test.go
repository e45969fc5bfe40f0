//go:build webkit2_41

package desktop

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"testing"

	"vmr-companion/backend/addinhost"
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
