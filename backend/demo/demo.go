//go:build !nodemo

// Package demo runs the whole single-use VMR flow without an Exchange
// server: a fake Exchange (backend/ews/ewstest) on a loopback HTTPS port,
// an integration that points at it, and example meetings in its room
// mailbox for the scheduler to decide. vmr-companion serve --demo uses it.
//
// The demo keeps its store, its integration and the fake's mailboxes in a
// data folder of its own (Dir), never in the user's: its fake Exchange runs
// only as long as serve --demo, so an integration left in the user's store
// would have a worker failing against a closed port in every later window.
//
// It is the only product code that imports ewstest. A server build leaves
// both out with -tags nodemo (this package then has no files, so an
// unguarded import fails that build).
package demo

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"vmr-companion/backend/alias"
	"vmr-companion/backend/atomicfile"
	"vmr-companion/backend/ews"
	"vmr-companion/backend/ews/ewstest"
	"vmr-companion/backend/integration"
)

// IntegrationName names the integration the demo creates and keeps.
const IntegrationName = "Demo (fake Exchange)"

const (
	roomMailbox = "demo-room@vmr-companion.example"
	stateFile   = "demo-exchange.json"
)

// Dir is the demo's own data folder inside the user's data folder dataDir.
func Dir(dataDir string) string { return filepath.Join(dataDir, "demo") }

// LeftBehind reports whether s is the demo integration that versions before
// Dir created in the user's own store.
func LeftBehind(s integration.Summary) bool {
	return s.Name == IntegrationName && s.RoomMailbox == roomMailbox
}

// Config is what the demo needs.
type Config struct {
	// DataDir is where the fake keeps its mailboxes between runs: Dir of
	// the user's data folder, whose store Integrations and Aliases use.
	DataDir      string
	Integrations *integration.Service
	Aliases      *alias.Service
	// GetCertificate serves the fake Exchange's TLS (the local CA's leaf);
	// CAFile is that CA's certificate, which the integration trusts.
	GetCertificate func(*tls.ClientHelloInfo) (*tls.Certificate, error)
	CAFile         string
	Now            func() time.Time
	// ResetSync forgets an integration's mailbox sync state.
	ResetSync func(ctx context.Context, integration string) error
}

// Demo is a running fake Exchange with its integration.
type Demo struct {
	cfg         Config
	fake        *ewstest.Server
	srv         *http.Server
	url         string
	Integration *integration.Integration
}

// Start starts the fake Exchange, creates or updates the demo integration
// and, on first use, puts example meetings into the room mailbox.
func Start(ctx context.Context, cfg Config) (*Demo, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	d := &Demo{cfg: cfg}
	fresh := false
	if data, err := os.ReadFile(d.statePath()); err == nil {
		if d.fake, err = ewstest.Load(bytes.NewReader(data), roomMailbox); err != nil {
			return nil, fmt.Errorf("demo: %w (file %s)", err, d.statePath())
		}
	} else if errors.Is(err, os.ErrNotExist) {
		d.fake, fresh = ewstest.New(roomMailbox), true
	} else {
		return nil, fmt.Errorf("demo: reading the fake Exchange's state: %w", err)
	}
	srv, addr, err := serveLoopback(d.fake, cfg.GetCertificate, "")
	if err != nil {
		return nil, fmt.Errorf("demo: opening a loopback port for the fake Exchange: %w", err)
	}
	d.srv, d.url = srv, "https://"+addr+"/EWS/Exchange.asmx"
	if d.Integration, err = d.ensureIntegration(ctx, fresh); err != nil {
		d.srv.Close()
		return nil, err
	}
	if fresh {
		if err := d.seed(ctx); err != nil {
			d.srv.Close()
			return nil, err
		}
	}
	return d, nil
}

// URL is the fake Exchange's EWS URL.
func (d *Demo) URL() string { return d.url }

// Fake is the fake Exchange, for sending more meetings.
func (d *Demo) Fake() *ewstest.Server { return d.fake }

// Stop saves the fake mailboxes (so the next demo continues where this
// one stopped) and stops the server.
func (d *Demo) Stop(ctx context.Context) error {
	return errors.Join(saveState(d.statePath(), d.fake.Save), d.srv.Shutdown(ctx))
}

func (d *Demo) statePath() string { return filepath.Join(d.cfg.DataDir, stateFile) }

// ensureIntegration points the demo integration at this run's port. The
// service account's password is made up: the fake accepts any.
func (d *Demo) ensureIntegration(ctx context.Context, fresh bool) (*integration.Integration, error) {
	fields := map[string]any{
		"name":                       IntegrationName,
		"description":                "Runs against the fake Exchange of vmr-companion serve --demo.",
		"url":                        d.url,
		"room_mailbox_email_address": roomMailbox,
		"room_mailbox_name":          "Demo VMR room",
		// The EWS host, and the organizers' mail domain: the scheduler gives
		// placeholder meetings a room only for organizers in these domains.
		"domains":                []string{"127.0.0.1", "vmr-companion.example"},
		"ews_ca_file":            d.cfg.CAFile,
		"username":               "demo-service",
		"enable_dynamic_vmrs":    true,
		"scheduled_alias_prefix": "demo",
		"scheduled_alias_domain": "vc.vmr-companion.example",
		"addin_server_domain":    "localhost",
	}
	existing, err := d.cfg.Integrations.Get(ctx, IntegrationName)
	switch {
	case err == nil:
		if fresh && d.cfg.ResetSync != nil {
			// A new fake mailbox: the old sync state means nothing to it.
			if err := d.cfg.ResetSync(ctx, existing.UUID); err != nil {
				return nil, err
			}
		}
		data, _ := json.Marshal(map[string]any{"url": d.url, "ews_ca_file": d.cfg.CAFile})
		in, err := d.cfg.Integrations.DecodeChange(ctx, existing.UUID, data)
		if err != nil {
			return nil, err
		}
		saved, err := d.cfg.Integrations.Update(ctx, in)
		if err != nil {
			return nil, err
		}
		return saved.Integration, nil
	case errors.Is(err, integration.ErrNotFound):
	default:
		return nil, err
	}
	pw := make([]byte, 18)
	rand.Read(pw)
	fields["password"] = base64.RawURLEncoding.EncodeToString(pw)
	data, _ := json.Marshal(fields)
	in, err := d.cfg.Integrations.DecodeNew(data)
	if err != nil {
		return nil, err
	}
	saved, err := d.cfg.Integrations.Create(ctx, in)
	if err != nil {
		return nil, err
	}
	return saved.Integration, nil
}

// seed sends the example meetings: one the add-in made a room for, a
// weekly series, one whose organizer invited the room directly, and one
// with the placeholder the add-in inserts when the service is down.
func (d *Demo) seed(ctx context.Context) error {
	alex := ews.Mailbox{Name: "Alex Morgan", Email: "alex.morgan@vmr-companion.example"}
	sam := ews.Mailbox{Name: "Sam Lee", Email: "sam.lee@vmr-companion.example"}
	tomorrow := d.cfg.Now().Add(24 * time.Hour).Truncate(time.Hour)
	reserved := func(key string, who ews.Mailbox) (string, error) {
		a, _, err := d.cfg.Aliases.Reserve(ctx, d.Integration, "demo-"+key, who.Email)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf(`<div class="vmr-companion-instructions"><p>Join by video: <a href="sip:%s">%s</a></p></div><p style="color:#707070;font-size:smaller">vmr-companion:%s</p>`,
			a.Alias, a.Alias, a.UUID), nil
	}
	single, err := reserved("single", alex)
	if err != nil {
		return err
	}
	weekly, err := reserved("weekly", sam)
	if err != nil {
		return err
	}
	d.fake.SendRequest(ewstest.Meeting{UID: "demo-single", Subject: "Project kick-off", Organizer: alex, Attendees: []ews.Mailbox{sam},
		Start: tomorrow, End: tomorrow.Add(time.Hour), TimeZone: "W. Europe Standard Time", BodyHTML: "<p>Let's start.</p>" + single})
	d.fake.SendRequest(ewstest.Meeting{UID: "demo-weekly", Subject: "Weekly team call", Organizer: sam, Attendees: []ews.Mailbox{alex},
		Start: tomorrow.Add(2 * time.Hour), End: tomorrow.Add(150 * time.Minute), TimeZone: "GMT Standard Time",
		RRule: "FREQ=WEEKLY;COUNT=8", BodyHTML: weekly})
	d.fake.SendRequest(ewstest.Meeting{UID: "demo-direct", Subject: "Room booked without the add-in", Organizer: alex,
		Start: tomorrow.Add(4 * time.Hour), End: tomorrow.Add(5 * time.Hour), BodyHTML: "<p>No joining details here.</p>"})
	d.fake.SendRequest(ewstest.Meeting{UID: "demo-placeholder", Subject: "Sent while the service was down", Organizer: sam,
		Start: tomorrow.Add(6 * time.Hour), End: tomorrow.Add(7 * time.Hour),
		BodyHTML: `<div class="vmr-companion-instructions"><p>Video meeting details are on their way.</p></div><p>vmr-companion:pending</p>`})
	return nil
}

// serveLoopback serves h over HTTPS on a loopback port: prefer when it is
// a free loopback address (the last run's), else any free port.
func serveLoopback(h http.Handler, getCert func(*tls.ClientHelloInfo) (*tls.Certificate, error), prefer string) (*http.Server, string, error) {
	var ln net.Listener
	if host, _, err := net.SplitHostPort(prefer); err == nil && host == "127.0.0.1" {
		ln, _ = net.Listen("tcp", prefer)
	}
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return nil, "", err
		}
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second,
		TLSConfig: &tls.Config{GetCertificate: getCert, MinVersion: tls.VersionTLS12}}
	go srv.ServeTLS(ln, "", "")
	return srv, ln.Addr().String(), nil
}

// saveState writes what save produces to path (0600, all or nothing), so a
// fake continues where it stopped on the next run.
func saveState(path string, save func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := save(&buf); err != nil {
		return err
	}
	return atomicfile.Write(path, buf.Bytes(), 0o600)
}
