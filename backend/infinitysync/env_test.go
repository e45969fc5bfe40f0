package infinitysync_test

import (
	"context"
	"testing"
	"time"

	"vmr-companion/backend/conference"
	"vmr-companion/backend/infinity"
	"vmr-companion/backend/infinity/infinitytest"
	"vmr-companion/backend/infinitysync"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/secrets/secretstest"
	"vmr-companion/backend/store"
	"vmr-companion/backend/templates"
)

// env is the engine on a real SQLite file and the mock keychain, connected
// to a fake Management Node over HTTPS with its test CA.
type env struct {
	t     testing.TB
	ctx   context.Context
	fake  *infinitytest.Server
	st    *store.Store
	integ *integration.Service
	confs *conference.Service
	keys  *secrets.Keychain
	svc   *infinitysync.Service

	pageSize int
	// tweak adjusts the service's configuration (see reconfigure).
	tweak func(*infinitysync.Config)
}

const (
	adminUser = "admin"
	adminPass = "s3cret-pw"
)

// freshStore replaces the store with an empty one (benchmarks pull the
// same Management Node into a new store each time).
func (e *env) freshStore() {
	e.t.Helper()
	st, err := store.OpenDir(e.ctx, e.t.TempDir())
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { st.Close() })
	e.build(st)
}

func newEnv(t testing.TB, pageSize int) *env {
	t.Helper()
	secretstest.MockInit()
	e := &env{t: t, ctx: context.Background()}
	e.fake = infinitytest.Start(t, infinitytest.Options{Username: adminUser, Password: adminPass, Version: "36.1"})
	st, err := store.OpenDir(e.ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e.pageSize = pageSize
	e.build(st)
	return e
}

func (e *env) build(st *store.Store) {
	e.st = st
	e.keys = secrets.NewUncheckedKeychain(0)
	e.integ = integration.NewService(st.Integrations(), e.keys, templates.New())
	e.confs = conference.NewService(st.Conferences())
	clock := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	cfg := infinitysync.Config{
		Repo: st.Infinity(), Integrations: e.integ, Conferences: e.confs, Keychain: e.keys,
		Now:  func() time.Time { clock = clock.Add(time.Second); return clock },
		User: func() string { return "tester" },
		// Retries answer at once: no test waits on a back-off timer.
		ClientConfig: func(c *infinity.Config) { c.Sleep = func(context.Context, time.Duration) error { return nil } },
		PageSize:     e.pageSize,
	}
	if e.tweak != nil {
		e.tweak(&cfg)
	}
	e.svc = infinitysync.New(cfg)
}

// reconfigure rebuilds the service on the same store with f applied to
// its configuration.
func (e *env) reconfigure(f func(*infinitysync.Config)) {
	e.tweak = f
	e.build(e.st)
}

func (e *env) connect() {
	e.t.Helper()
	_, err := e.svc.Connect(e.ctx, infinitysync.ConnectRequest{
		Connection: infinitysync.Connection{URL: e.fake.URL, Username: adminUser, CAFile: e.fake.CA.File(e.t)},
		Secret:     secrets.New(adminPass),
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// connectorFields is a connector as an admin would make it on Infinity.
func connectorFields(name string) map[string]any {
	return map[string]any{
		"name": name, "description": "", "addin_server_domain": "addins.example.com",
		"url":                        "https://mail." + name + ".example.com/EWS/Exchange.asmx",
		"room_mailbox_email_address": "vmr@" + name + ".example.com", "username": "svc-" + name,
	}
}

func (e *env) seedConnector(name string, domains ...string) int {
	return e.fake.SeedConnector(connectorFields(name), domains...)
}

func (e *env) seedVMR(name, owner string, aliases ...string) int {
	return e.fake.SeedConference(map[string]any{"name": name, "primary_owner_email_address": owner, "description": "VMR of " + owner}, aliases...)
}

func (e *env) pull() *infinitysync.Result {
	e.t.Helper()
	res, err := e.svc.Pull(e.ctx, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

func (e *env) push(opts infinitysync.PushOptions) *infinitysync.Result {
	e.t.Helper()
	res, err := e.svc.Push(e.ctx, opts, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

func (e *env) integration(name string) *integration.Integration {
	e.t.Helper()
	in, err := e.integ.Get(e.ctx, name)
	if err != nil {
		e.t.Fatalf("integration %s: %v", name, err)
	}
	return in
}

// editIntegration changes a stored integration as the window would.
func (e *env) editIntegration(name, change string) {
	e.t.Helper()
	in, err := e.integ.DecodeChange(e.ctx, name, []byte(change))
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.integ.Update(e.ctx, in); err != nil {
		e.t.Fatal(err)
	}
}

// requests counts the fake's requests with method whose path starts with prefix.
func (e *env) requests(method, prefix string) int {
	n := 0
	for _, r := range e.fake.Requests() {
		if r.Method == method && len(r.Path) >= len(prefix) && r.Path[:len(prefix)] == prefix {
			n++
		}
	}
	return n
}

const (
	connPath  = infinity.ConfigPath + infinity.ResConnector + "/"
	confPath  = infinity.ConfigPath + infinity.ResConference + "/"
	aliasPath = infinity.ConfigPath + infinity.ResConferenceAlias + "/"
)
