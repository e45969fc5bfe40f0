package wiretest

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"vmr-companion/app/wire"
	"vmr-companion/backend/ews"
	"vmr-companion/backend/ews/ewstest"
	"vmr-companion/backend/scheduler"
	"vmr-companion/backend/store"
	"vmr-companion/backend/testtls"
)

// Password is the service account's password in Integration; tests check
// that it shows nowhere.
const Password = "correct horse"

// Exchange is a fake Exchange room mailbox (ewstest) over TLS, trusted
// through a CA file as an admin gives one.
type Exchange struct {
	Fake   *ewstest.Server
	URL    string // the EWS URL
	CAFile string
}

// NewExchange serves a fake Exchange with room's mailbox until the test
// ends.
func NewExchange(t testing.TB, room string) *Exchange {
	t.Helper()
	fake := ewstest.New(room)
	srv := httptest.NewTLSServer(fake)
	t.Cleanup(srv.Close)
	return &Exchange{Fake: fake, URL: srv.URL + "/EWS/Exchange.asmx", CAFile: testtls.WritePEM(t, srv.Certificate())}
}

// Integration is the JSON of the integration "Contoso" for this Exchange:
// Basic authentication with Password, room's mailbox, scheduled aliases
// meet…@vc.contoso.com.
func (e *Exchange) Integration(room string) string {
	return fmt.Sprintf(`{"name": "Contoso", "url": %q, "room_mailbox_email_address": %q,
		"username": "svc-vmr", "password": %q, "domains": ["127.0.0.1"], "ews_ca_file": %q,
		"scheduled_alias_prefix": "meet", "scheduled_alias_domain": "vc.contoso.com", "enable_dynamic_vmrs": true}`,
		e.URL, room, Password, e.CAFile)
}

// SendMeeting puts a meeting request from Alex into the room mailbox, its
// body carrying the add-in's reservation (an alias's uuid).
func (e *Exchange) SendMeeting(uid, subject string, start time.Time, reservation string) {
	e.Fake.SendRequest(ewstest.Meeting{UID: uid, Subject: subject, Organizer: ews.Mailbox{Name: "Alex", Email: "alex@contoso.com"},
		Start: start, End: start.Add(time.Hour), BodyHTML: "<p>vmr-companion:" + reservation + "</p>"})
}

// HoldMailbox makes another living process (pid 1 always lives) on this
// host hold the integration's mailbox, as a running serve does; release
// lets it go.
func HoldMailbox(t testing.TB, svc *wire.Services, integrationID int64) (host string, release func()) {
	t.Helper()
	ctx := context.Background()
	// The other process has a connection of its own.
	st, err := store.Open(ctx, svc.DatabasePath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	host, _ = os.Hostname()
	repo := st.Scheduler()
	if _, ok, err := repo.Lease(ctx, integrationID, scheduler.LeaseRequest{Token: "serve", PID: 1, Host: host, At: time.Now(),
		TTL: time.Hour, Poll: 30 * time.Second}); err != nil || !ok {
		t.Fatalf("lease: %v %v", ok, err)
	}
	return host, func() {
		if err := repo.ReleaseLease(ctx, integrationID, "serve"); err != nil {
			t.Fatal(err)
		}
	}
}
