//go:build webkit2_41

package desktop

import (
	"context"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"testing"

	"vmr-companion/app/wire/wiretest"
	"vmr-companion/backend/infinity"
	"vmr-companion/backend/infinity/infinitytest"
	"vmr-companion/backend/infinitysync"
	"vmr-companion/backend/secrets/secretstest"
)

// The management account of the fake Management Node; the goldens never
// show the password (args leave it out).
const (
	goldenInfinityUser     = "vmr-sync"
	goldenInfinityPassword = "golden-s3cret"
)

// goldenInfinity records the Pexip Infinity page's answers: the real
// engine (backend/infinitysync) on the window's services, against the fake
// Management Node over HTTPS with its test CA, from not connected through
// test, connect, pull, a conflict, resolve and push to disconnect.
func goldenInfinity(t *testing.T, g *goldenRecorder) {
	secretstest.MockInit()
	ctx := context.Background()
	dir := t.TempDir()
	g.hidePath(dir)
	fake := infinitytest.Start(t, infinitytest.Options{Username: goldenInfinityUser, Password: goldenInfinityPassword, Version: "36.1"})
	g.show(fake.URL, "https://mgr.example.com")

	// What an admin made on Infinity: two integrations, two personal VMRs.
	oslo := fake.SeedConnector(map[string]any{"name": "Oslo", "description": "Oslo office", "addin_server_domain": "addins.example.com",
		"url": "https://mail.oslo.example.com/EWS/Exchange.asmx", "room_mailbox_email_address": "vmr@oslo.example.com", "username": "svc-oslo"},
		"oslo.example.com")
	fake.SeedConnector(map[string]any{"name": "Bergen", "description": "Bergen office", "addin_server_domain": "addins.example.com",
		"url": "https://mail.bergen.example.com/EWS/Exchange.asmx", "room_mailbox_email_address": "vmr@bergen.example.com", "username": "svc-bergen"},
		"bergen.example.com")
	fake.SeedConference(map[string]any{"name": "Kari Nordmann", "primary_owner_email_address": "kari@example.com", "description": "VMR of Kari"},
		"kari@vc.example.com", "81234567")
	fake.SeedConference(map[string]any{"name": "Ola Nordmann", "primary_owner_email_address": "ola@example.com", "description": "VMR of Ola"},
		"ola@vc.example.com")

	svc := wiretest.Open(t, filepath.Join(dir, "data"))
	engine := svc.Infinity
	caFile := filepath.Join(dir, "infinity-ca.pem")
	if err := os.WriteFile(caFile, readFile(t, fake.CA.File(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	var events []InfinityProgress
	var onEvent func(InfinityProgress)
	s := &InfinityService{ctx: ctx, sync: engine, dialogs: fakeDialogs{open: caFile}, emit: func(event string, data any) {
		if p, ok := data.(InfinityProgress); ok && event == EventInfinityProgress {
			events = append(events, p)
			if onEvent != nil {
				onEvent(p)
			}
		}
	}}
	basic := infinitysync.Connection{URL: fake.URL, Auth: infinitysync.AuthBasic, Username: goldenInfinityUser, CAFile: caFile}
	// The window sends the secret as the second argument; the goldens say
	// only whether there was one.
	const given, none = "(secret)", ""

	status, err := s.Status()
	g.record("infinity status disconnected", "InfinityService.Status", []any{}, stableWho(status), err)
	path, err := s.ChooseCAFile()
	g.record("infinity choose CA file", "InfinityService.ChooseCAFile", []any{}, path, err)

	probe, err := s.Test(infinitysync.Connection{Auth: infinitysync.AuthBasic, Username: goldenInfinityUser}, goldenInfinityPassword)
	g.record("infinity test no url", "InfinityService.Test", []any{infinitysync.Connection{Auth: infinitysync.AuthBasic, Username: goldenInfinityUser}, given}, probe, err)
	probe, err = s.Test(basic, "wrong password")
	g.record("infinity test bad password", "InfinityService.Test", []any{basic, given}, probe, err)
	oauth := infinitysync.Connection{URL: fake.URL, Auth: infinitysync.AuthOAuth2, ClientID: "vmr-companion", CAFile: caFile}
	probe, err = s.Test(oauth, "not a key")
	g.record("infinity test bad key", "InfinityService.Test", []any{oauth, given}, probe, err)
	probe, err = s.Test(basic, goldenInfinityPassword)
	g.record("infinity test ok", "InfinityService.Test", []any{basic, given}, probe, err)

	status, err = s.Connect(basic, goldenInfinityPassword)
	g.record("infinity connect", "InfinityService.Connect", []any{basic, given}, stableWho(status), err)

	result, err := s.Pull()
	g.record("infinity pull", "InfinityService.Pull", []any{}, result, err)
	g.save("infinity pull progress", map[string]any{"scenario": "infinity pull progress", "binding": "event " + EventInfinityProgress, "result": events})
	status, err = s.Status()
	g.record("infinity status after pull", "InfinityService.Status", []any{}, stableWho(status), err)

	// The same field changed on both sides (a conflict), another only on
	// Infinity, and a personal VMR changed only here.
	in, err := svc.Integrations.DecodeChange(ctx, "Oslo", []byte(`{"description": "Oslo office, 3rd floor"}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Integrations.Update(ctx, in); err != nil {
		t.Fatal(err)
	}
	fake.Edit(infinity.ResConnector, oslo, map[string]any{"description": "Oslo HQ", "username": "svc-oslo-2"})
	kari, err := svc.Conferences.Get(ctx, "Kari Nordmann")
	if err != nil {
		t.Fatal(err)
	}
	kari.Description = "Kari’s room"
	if err := svc.Conferences.Update(ctx, kari); err != nil {
		t.Fatal(err)
	}

	diff, err := s.Diff()
	g.record("infinity diff conflict", "InfinityService.Diff", []any{}, diff, err)
	result, err = s.Push(false)
	g.record("infinity push conflict", "InfinityService.Push", []any{false}, result, err)
	status, err = s.Status()
	g.record("infinity status conflict", "InfinityService.Status", []any{}, stableWho(status), err)

	resolve := []any{infinitysync.KindIntegration, "Oslo", "description", infinitysync.TakeHere}
	err = s.Resolve(infinitysync.KindIntegration, "Oslo", "description", infinitysync.TakeHere)
	g.record("infinity resolve", "InfinityService.Resolve", resolve, nil, err)
	status, err = s.Status()
	g.record("infinity status after resolve", "InfinityService.Status", []any{}, stableWho(status), err)
	diff, err = s.Diff()
	g.record("infinity diff after resolve", "InfinityService.Diff", []any{}, diff, err)

	result, err = s.Push(false)
	g.record("infinity push", "InfinityService.Push", []any{false}, result, err)
	status, err = s.Status()
	g.record("infinity status connected", "InfinityService.Status", []any{}, stableWho(status), err)
	history, err := s.History()
	g.record("infinity history", "InfinityService.History", []any{}, stableRows(history), err)

	// Cancel as the window does, once the pull has started: at its first
	// event, before any request, so the answer does not depend on timing.
	onEvent = func(InfinityProgress) { s.Cancel() }
	result, err = s.Pull()
	onEvent = nil
	g.record("infinity pull cancelled", "InfinityService.Pull", []any{}, result, err)

	status, err = s.Disconnect()
	g.record("infinity disconnect", "InfinityService.Disconnect", []any{}, stableWho(status), err)
	probe, err = s.Test(basic, none)
	g.record("infinity test no secret", "InfinityService.Test", []any{basic, none}, probe, err)

	goldenInfinityHostile(t, g)
}

// goldenInfinityHostile records what a Management Node an outsider
// controls can make the page show: markup in names and values, a name
// longer than the store allows.
func goldenInfinityHostile(t *testing.T, g *goldenRecorder) {
	ctx := context.Background()
	svc := wiretest.Open(t, t.TempDir())
	fake := wiretest.Infinity(t, svc)
	g.show(fake.URL, "https://mgr.example.com")
	if st, err := svc.Infinity.Status(ctx); err == nil && st.Connection != nil {
		g.show(filepath.Dir(st.Connection.CAFile), "/home/admin/infinity")
	}
	markup := `<img src=x onerror="window.__pwned=1">`
	id := fake.SeedConference(map[string]any{"name": markup, "primary_owner_email_address": "eve@example.com", "description": "<b>bold</b>"},
		"eve@vc.example.com")
	fake.SeedConference(map[string]any{"name": strings.Repeat("x", 400), "primary_owner_email_address": "long@example.com"}, "long@vc.example.com")
	s := &InfinityService{ctx: ctx, sync: svc.Infinity}
	result, err := s.Pull()
	g.record("infinity pull hostile", "InfinityService.Pull", []any{}, result, err)
	fake.Edit(infinity.ResConference, id, map[string]any{"description": `<script>window.__pwned=2</script>`})
	diff, err := s.Diff()
	g.record("infinity diff hostile", "InfinityService.Diff", []any{}, diff, err)

	// A push Infinity refuses half way leaves the object unfinished.
	eve, err := svc.Conferences.Get(ctx, markup)
	if err != nil {
		t.Fatal(err)
	}
	eve.Description = "Eve’s room"
	if err := svc.Conferences.Update(ctx, eve); err != nil {
		t.Fatal(err)
	}
	fake.Fail(infinitytest.Fault{PathPrefix: infinity.ConfigPath + infinity.ResConference + "/", Status: http.StatusBadRequest, Times: 100})
	result, err = s.Push(false)
	g.record("infinity push refused", "InfinityService.Push", []any{false}, result, err)
	status, err := s.Status()
	g.record("infinity status unfinished", "InfinityService.Status", []any{}, stableWho(status), err)

	// Deleted on Infinity while changed here: the pull keeps it, and the
	// status lists it with how to settle it.
	svc2 := wiretest.Open(t, t.TempDir())
	fake2 := wiretest.Infinity(t, svc2)
	g.show(fake2.URL, "https://mgr.example.com")
	if st, err := svc2.Infinity.Status(ctx); err == nil && st.Connection != nil {
		g.show(filepath.Dir(st.Connection.CAFile), "/home/admin/infinity")
	}
	kari := fake2.SeedConference(map[string]any{"name": "Kari's room", "primary_owner_email_address": "kari@example.com"}, "kari@vc.example.com")
	s2 := &InfinityService{ctx: ctx, sync: svc2.Infinity}
	if _, err := s2.Pull(); err != nil {
		t.Fatal(err)
	}
	room, err := svc2.Conferences.Get(ctx, "Kari's room")
	if err != nil {
		t.Fatal(err)
	}
	room.Description = "Kari’s team room"
	if err := svc2.Conferences.Update(ctx, room); err != nil {
		t.Fatal(err)
	}
	fake2.Remove(infinity.ResConference, kari)
	if _, err := s2.Pull(); err != nil {
		t.Fatal(err)
	}
	status, err = s2.Status()
	g.record("infinity status deleted there", "InfinityService.Status", []any{}, stableWho(status), err)
}

// stableWho makes the OS user in the history "admin", so the goldens do
// not depend on who runs them.
func stableWho(st *infinitysync.Status) *infinitysync.Status {
	if st != nil {
		st.History = stableRows(st.History)
	}
	return st
}

func stableRows(rows []infinitysync.HistoryRow) []infinitysync.HistoryRow {
	u, err := user.Current()
	if err != nil || u.Username == "" {
		return rows
	}
	for i, r := range rows {
		if r.Who == u.Username {
			rows[i].Who = "admin"
		} else if rest, ok := strings.CutPrefix(r.Who, u.Username+" as "); ok {
			rows[i].Who = "admin as " + rest
		}
	}
	return rows
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
