package infinitysync_test

import (
	"errors"
	"strings"
	"testing"

	"vmr-companion/backend/infinity/infinitytest"
	"vmr-companion/backend/infinitysync"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/store/storetest"
)

func TestConnectWithOAuth2KeepsTheKeyInTheKeychainOnly(t *testing.T) {
	e := newEnv(t, 0)
	key := e.fake.AddOAuthClient("sync-client")
	req := infinitysync.ConnectRequest{
		Connection: infinitysync.Connection{URL: e.fake.URL + "/", ClientID: "sync-client", CAFile: e.fake.CA.File(t)},
		Secret:     secrets.New(key),
	}
	probe, err := e.svc.Test(e.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if probe.Account != "OAuth2 client sync-client" || probe.Version != "36.1" {
		t.Fatalf("probe: %+v", probe)
	}
	if st, _ := e.svc.Status(e.ctx); st.Connected {
		t.Fatal("Test saved the connection")
	}
	st, err := e.svc.Connect(e.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if st.Connection.Auth != infinitysync.AuthOAuth2 || st.Connection.URL != e.fake.URL {
		t.Fatalf("status: %+v", st.Connection)
	}
	if got, err := e.keys.Get(e.ctx, infinitysync.SecretAccount); err != nil || got.Reveal() != key {
		t.Fatalf("keychain: %v", err)
	}
	if files := storetest.FilesHolding(t, e.st.Path(), "PRIVATE KEY"); len(files) > 0 {
		t.Fatalf("the private key is in %v", files)
	}
	// Connecting again without a secret keeps the stored one.
	req.Secret = secrets.Secret{}
	if _, err := e.svc.Connect(e.ctx, req); err != nil {
		t.Fatal(err)
	}
	var reqs int
	for _, r := range e.fake.Requests() {
		if r.Auth == "bearer" {
			reqs++
		}
	}
	if reqs == 0 {
		t.Fatal("no request used the bearer token")
	}
	if err := e.svc.Disconnect(e.ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.keys.Get(e.ctx, infinitysync.SecretAccount); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("the key outlived disconnect: %v", err)
	}
	if _, err := e.svc.Pull(e.ctx, nil); !errors.Is(err, infinitysync.ErrNotConnected) {
		t.Fatalf("pull after disconnect: %v", err)
	}
}

func TestConnectRefusals(t *testing.T) {
	e := newEnv(t, 0)
	for _, tc := range []struct {
		conn infinitysync.Connection
		want string
	}{
		{infinitysync.Connection{URL: "http://" + strings.TrimPrefix(e.fake.URL, "https://"), Username: adminUser}, "https://"},
		{infinitysync.Connection{URL: e.fake.URL}, "--username"},
		{infinitysync.Connection{URL: e.fake.URL, Username: "a", ClientID: "b"}, "not both"},
		// The system's roots do not know the test CA: never skipped.
		{infinitysync.Connection{URL: e.fake.URL, Username: adminUser}, "certificate"},
	} {
		_, err := e.svc.Connect(e.ctx, infinitysync.ConnectRequest{Connection: tc.conn, Secret: secrets.New(adminPass)})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.conn, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), adminPass) {
			t.Errorf("the error shows the password: %v", err)
		}
	}
	// A node that does not say its version still connects.
	fake := infinitytest.Start(t, infinitytest.Options{Username: adminUser, Password: adminPass})
	st, err := e.svc.Connect(e.ctx, infinitysync.ConnectRequest{
		Connection: infinitysync.Connection{URL: fake.URL, Username: adminUser, CAFile: fake.CA.File(t)}, Secret: secrets.New(adminPass)})
	if err != nil || st.Version != "" {
		t.Fatalf("a node without a version: %v %+v", err, st)
	}
}

// Names and texts are Infinity's, so an outsider's: a value our rules
// refuse fails that object alone, and what is shown is bounded.
func TestHostileRemoteObjects(t *testing.T) {
	e := newEnv(t, 0)
	e.fake.SeedConference(map[string]any{"name": strings.Repeat("x", 400), "primary_owner_email_address": "a@example.com"}, "a@vc.example.com")
	e.fake.SeedConference(map[string]any{"name": "no aliases", "primary_owner_email_address": "b@example.com"})
	e.fake.SeedConference(map[string]any{"name": "ok\x1b[2J", "primary_owner_email_address": "c@example.com", "description": "fine"}, "c@vc.example.com")
	e.connect()
	res := e.pull()
	if res.Created != 1 || len(res.Failed) != 2 {
		t.Fatalf("pull: %+v", res)
	}
	for _, f := range res.Failed {
		if len(f.Error) > 1000 || len(f.Name) > 300 {
			t.Fatalf("an unbounded error: %d bytes", len(f.Error))
		}
	}
	d, err := e.svc.Diff(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range d.Objects {
		for _, f := range o.Fields {
			if len(f.Here) > 1000 || len(f.Infinity) > 1000 {
				t.Fatalf("unbounded field text: %d", len(f.Infinity))
			}
		}
	}
}

func TestAnotherManagementNodeIsRefusedUntilForgotten(t *testing.T) {
	e := newEnv(t, 0)
	e.seedVMR("Alice", "alice@example.com", "alice@vc.example.com")
	e.connect()
	e.pull()
	other := infinitytest.Start(t, infinitytest.Options{Username: adminUser, Password: adminPass})
	req := infinitysync.ConnectRequest{Connection: infinitysync.Connection{URL: other.URL, Username: adminUser, CAFile: other.CA.File(t)}, Secret: secrets.New(adminPass)}
	if err := e.svc.Disconnect(e.ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Connect(e.ctx, req); err == nil || !strings.Contains(err.Error(), "disconnect --forget") {
		t.Fatalf("connecting to another node: %v", err)
	}
	if err := e.svc.Forget(e.ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Connect(e.ctx, req); err != nil {
		t.Fatal(err)
	}
	res := e.pull()
	if res.Deleted != 0 {
		t.Fatalf("a pull from another node deleted %d objects", res.Deleted)
	}
	if _, err := e.confs.Get(e.ctx, "Alice"); err != nil {
		t.Fatal(err)
	}
}
