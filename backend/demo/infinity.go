//go:build !nodemo

package demo

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"vmr-companion/backend/conference"
	"vmr-companion/backend/infinity"
	"vmr-companion/backend/infinity/infinitytest"
	"vmr-companion/backend/infinitysync"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
)

// InfinityUsername is the demo Management Node's management account.
const InfinityUsername = "demo-admin"

const infinityStateFile = "demo-infinity.json"

// Infinity is a running fake Pexip Infinity Management Node: the
// connect, pull, diff and push of `vmr-companion infinity` work against
// it. Its objects are kept in the demo's folder between runs, so a store
// synced with it still matches; its account's password is new each run
// and lives only in memory and in the keychain of the connection.
type Infinity struct {
	fake     *infinitytest.Server
	srv      *http.Server
	url      string
	password secrets.Secret
	stateDir string
}

// StartInfinity starts the fake Management Node on a loopback port and,
// the first time, fills it with example integrations and personal VMRs.
// prefer is the address of the last run ("" for none): the Management
// Node listens there again when it is free, so the demo's store stays
// synced with the same node.
func StartInfinity(ctx context.Context, cfg Config, prefer string) (*Infinity, error) {
	pw := make([]byte, 18)
	rand.Read(pw)
	d := &Infinity{password: secrets.New(base64.RawURLEncoding.EncodeToString(pw)), stateDir: cfg.DataDir}
	d.fake = infinitytest.New(infinitytest.Options{Username: InfinityUsername, Password: d.password.Reveal(), DefaultLimit: 25, Now: cfg.Now})
	fresh := false
	if data, err := os.ReadFile(d.statePath()); err == nil {
		if err := d.fake.Load(bytes.NewReader(data)); err != nil {
			return nil, fmt.Errorf("demo: %w (file %s)", err, d.statePath())
		}
	} else if errors.Is(err, os.ErrNotExist) {
		fresh = true
	} else {
		return nil, fmt.Errorf("demo: reading the fake Management Node's state: %w", err)
	}
	srv, addr, err := serveLoopback(d.fake, cfg.GetCertificate, prefer)
	if err != nil {
		return nil, fmt.Errorf("demo: opening a loopback port for the fake Management Node: %w", err)
	}
	d.srv, d.url = srv, "https://"+addr
	d.fake.URL = d.url
	if fresh {
		if err := d.seed(ctx, cfg.CAFile); err != nil {
			d.srv.Close()
			return nil, err
		}
	}
	return d, nil
}

// URL is the Management Node's base URL.
func (d *Infinity) URL() string { return d.url }

// Password is this run's password of InfinityUsername.
func (d *Infinity) Password() secrets.Secret { return d.password }

// Stop saves the objects and stops the server.
func (d *Infinity) Stop(ctx context.Context) error {
	return errors.Join(saveState(d.statePath(), d.fake.Save), d.srv.Shutdown(ctx))
}

func (d *Infinity) statePath() string { return filepath.Join(d.stateDir, infinityStateFile) }

// seed creates the examples through the management API, as an admin
// would: two integrations and three personal VMRs with their aliases.
func (d *Infinity) seed(ctx context.Context, caFile string) error {
	pool, err := infinity.LoadCAFile(caFile)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	c, err := infinity.New(infinity.Config{BaseURL: d.url, Username: InfinityUsername, Password: d.password, RootCAs: pool})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	for _, ex := range []struct{ name, mailbox, domain string }{
		{"Oslo office", "vmr-oslo@vmr-companion.example", "mail.oslo.vmr-companion.example"},
		{"Bergen lab", "vmr-bergen@vmr-companion.example", "mail.bergen.vmr-companion.example"},
	} {
		in := integration.Defaults()
		in.Name, in.RoomMailboxEmailAddress = ex.name, &ex.mailbox
		in.URL = "https://" + ex.domain + "/EWS/Exchange.asmx"
		in.Username = "svc-vmr@vmr-companion.example"
		in.ScheduledAliasDomain, in.AddinServerDomain = "vc.vmr-companion.example", "addin.vmr-companion.example"
		id, err := c.CreateConnector(ctx, infinity.Connector{Integration: *in}, nil)
		if err != nil {
			return fmt.Errorf("demo: creating the example integration %q on the fake Management Node: %w", ex.name, err)
		}
		if _, err := c.CreateExchangeDomain(ctx, id, ex.domain); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	for _, vmr := range []struct{ name, owner, alias, number string }{
		{"Alex Morgan's room", "alex.morgan@vmr-companion.example", "alex.morgan@vc.vmr-companion.example", "5551001"},
		{"Sam Lee's room", "sam.lee@vmr-companion.example", "sam.lee@vc.vmr-companion.example", "5551002"},
		{"Kari Nordmann's room", "kari.nordmann@vmr-companion.example", "kari.nordmann@vc.vmr-companion.example", "5551003"},
	} {
		id, err := c.CreateConference(ctx, infinity.Conference{Conference: conference.Conference{
			Name: vmr.name, Description: "Personal room", PrimaryOwnerEmailAddress: vmr.owner, PIN: "2468", AllowGuests: true, GuestPIN: "1357"}}, nil)
		if err != nil {
			return fmt.Errorf("demo: creating the example VMR %q on the fake Management Node: %w", vmr.name, err)
		}
		for _, a := range []string{vmr.alias, vmr.number} {
			if _, err := c.CreateConferenceAlias(ctx, id, a, ""); err != nil {
				return fmt.Errorf("demo: %w", err)
			}
		}
	}
	return nil
}

// StartConnectedInfinity runs the demo's Management Node on the last run's
// port when it is free and connects the demo's own store (sync) to it; its
// password is new each run, so each run connects again. When the port was
// taken, the demo's objects are the same ones on a new address: their
// links are forgotten and the next pull matches them by name.
func StartConnectedInfinity(ctx context.Context, sync *infinitysync.Service, cfg Config) (*Infinity, error) {
	st, err := sync.Status(ctx)
	if err != nil {
		return nil, err
	}
	prefer := ""
	if st.Connection != nil {
		prefer = strings.TrimPrefix(st.Connection.URL, "https://")
	}
	mgr, err := StartInfinity(ctx, cfg, prefer)
	if err != nil {
		return nil, err
	}
	if st.Connection != nil && st.Connection.URL != mgr.URL() {
		err = sync.Forget(ctx)
	}
	if err == nil {
		req := infinitysync.ConnectRequest{Connection: infinitysync.Connection{URL: mgr.URL(), Auth: infinitysync.AuthBasic,
			Username: InfinityUsername, CAFile: cfg.CAFile}, Secret: mgr.Password()}
		_, err = sync.Connect(ctx, req)
	}
	if err != nil {
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		mgr.Stop(stopCtx)
		return nil, fmt.Errorf("demo: connecting the demo's data to its Management Node: %w", err)
	}
	return mgr, nil
}
