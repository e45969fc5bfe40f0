package store

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"vmr-companion/backend/conference"
	"vmr-companion/backend/infinitysync"
)

func TestInTxCommitsAllOrNothing(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	confs := s.Conferences()
	boom := errors.New("boom")
	err := s.InTx(ctx, func(ctx context.Context) error {
		if err := confs.Create(ctx, []*conference.Conference{vmr("Alice", "alice@vc.example.com")}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if list, _ := confs.List(ctx, ""); len(list) != 0 {
		t.Fatalf("a failed transaction kept %d conferences", len(list))
	}
	// A refused write inside rolls back only itself; the rest commits.
	err = s.InTx(ctx, func(ctx context.Context) error {
		if err := confs.Create(ctx, []*conference.Conference{vmr("Bob", "bob@vc.example.com")}); err != nil {
			return err
		}
		dup := []*conference.Conference{vmr("Carol", "carol@vc.example.com"), vmr("Dave", "bob@vc.example.com")}
		if err := confs.Create(ctx, dup); err == nil {
			t.Error("a duplicate alias was accepted")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	list, _ := confs.List(ctx, "")
	if len(list) != 1 || list[0].Name != "Bob" {
		t.Fatalf("after a refused write inside the transaction: %+v", list)
	}
	// A cancelled context ends the transaction without a commit.
	cctx, cancel := context.WithCancel(ctx)
	err = s.InTx(cctx, func(ctx context.Context) error {
		if err := confs.Create(ctx, []*conference.Conference{vmr("Erin", "erin@vc.example.com")}); err != nil {
			return err
		}
		cancel()
		return ctx.Err()
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	if list, _ := confs.List(ctx, ""); len(list) != 1 {
		t.Fatalf("a cancelled transaction kept %d conferences", len(list))
	}
}

func TestInfinityLinksSurviveLocalDeletion(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	r := s.Infinity()
	c := vmr("Alice", "alice@vc.example.com")
	createConferences(t, s.Conferences(), c)
	l := &infinitysync.Link{Kind: infinitysync.KindPersonalVMR, LocalID: c.ID, Name: "Alice", RemoteID: 7,
		Base: json.RawMessage(`{"name":"Alice"}`), Remote: json.RawMessage(`{"name":"Alice"}`)}
	if err := r.SaveLink(ctx, l); err != nil {
		t.Fatal(err)
	}
	if err := s.Conferences().Delete(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	links, err := r.Links(ctx)
	if err != nil || len(links) != 1 {
		t.Fatalf("links: %v %+v", err, links)
	}
	if links[0].LocalID != 0 || links[0].RemoteID != 7 || string(links[0].Base) != `{"name":"Alice"}` {
		t.Fatalf("a deletion here must leave the link, without its local id: %+v", links[0])
	}
	// The same remote object cannot be linked twice.
	if err := r.SaveLink(ctx, &infinitysync.Link{Kind: infinitysync.KindPersonalVMR, Name: "x", RemoteID: 7}); err == nil {
		t.Fatal("a second link to remote 7 was accepted")
	}
}

func TestInfinityConnectionAndHistory(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	r := s.Infinity()
	if c, err := r.Connection(ctx); err != nil || c != nil {
		t.Fatalf("no connection yet: %v %+v", err, c)
	}
	at := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	want := infinitysync.StoredConnection{Connection: infinitysync.Connection{URL: "https://mgr.example.com", Auth: "basic", Username: "admin"},
		Account: "admin", Version: "36", ConnectedAt: at}
	if err := r.SaveConnection(ctx, want); err != nil {
		t.Fatal(err)
	}
	if got, _ := r.Connection(ctx); got == nil || *got != want {
		t.Fatalf("connection: %+v", got)
	}
	if err := r.SaveConnection(ctx, infinitysync.StoredConnection{Connection: infinitysync.Connection{URL: "x", Auth: "plain"}}); err == nil {
		t.Fatal("an unknown auth was stored")
	}
	for i, outcome := range []string{"ok", "failed", "conflicts"} {
		h := &infinitysync.HistoryRow{Time: at.Add(time.Duration(i) * time.Minute), Who: "me", Action: "pull", Outcome: outcome, Summary: "s",
			Changes: []infinitysync.Change{{Kind: "integration", Name: "Oslo", What: "created"}}}
		if err := r.AddHistory(ctx, h); err != nil || h.ID == 0 {
			t.Fatal(err)
		}
	}
	hist, err := r.History(ctx, 2)
	if err != nil || len(hist) != 2 || hist[0].Outcome != "conflicts" || hist[0].Changes[0].Name != "Oslo" {
		t.Fatalf("history: %v %+v", err, hist)
	}
	last, _ := r.LastRun(ctx, "pull")
	if last == nil || !last.Equal(at.Add(2*time.Minute)) {
		t.Fatalf("last pull: %v", last)
	}
	if last, _ := r.LastRun(ctx, "push"); last != nil {
		t.Fatalf("last push: %v", last)
	}
	if err := r.DeleteConnection(ctx); err != nil {
		t.Fatal(err)
	}
	if hist, _ := r.History(ctx, 10); len(hist) != 3 {
		t.Fatal("disconnecting must keep the history")
	}
}

// syncLeaseOnServerClock: on PostgreSQL the server's clock judges the
// sync lease, whatever the callers' clocks say.
func syncLeaseOnServerClock(t *testing.T, r *Infinity) {
	ctx := context.Background()
	now := time.Now()
	if _, ok, err := r.TakeLease(ctx, "host-a", now.Add(-3*time.Hour), time.Minute); err != nil || !ok {
		t.Fatalf("first take: %v %v", ok, err)
	}
	l, ok, err := r.TakeLease(ctx, "host-b", now.Add(3*time.Hour), time.Minute)
	if err != nil || ok || l.Holder != "host-a" || !l.Expires.After(now.Add(3*time.Hour)) {
		t.Fatalf("a clock three hours ahead took a held lease, or its expiry is not in that clock: %v %v %+v", ok, err, l)
	}
	if err := r.ReleaseLease(ctx, "host-a"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := r.TakeLease(ctx, "host-c", now, time.Millisecond); !ok {
		t.Fatal("not free after the release")
	}
	for deadline := time.Now().Add(30 * time.Second); ; {
		_, ok, err := r.TakeLease(ctx, "host-d", now.Add(-24*time.Hour), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a lease run out on the server's clock was never taken by a caller whose clock is behind")
		}
	}
}

func TestInfinitySyncLease(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	r := s.Infinity()
	if s.Engine() == Postgres {
		syncLeaseOnServerClock(t, r)
		return
	}
	t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	l, ok, err := r.TakeLease(ctx, "host-a pid 1 #aa", t0, time.Minute)
	if err != nil || !ok || l.Holder != "host-a pid 1 #aa" || !l.Since.Equal(t0) {
		t.Fatalf("first take: %v %v %+v", ok, err, l)
	}
	// Held: another holder is refused and told who holds it since when.
	l, ok, err = r.TakeLease(ctx, "host-b pid 2 #bb", t0.Add(59*time.Second), time.Minute)
	if err != nil || ok || l.Holder != "host-a pid 1 #aa" || !l.Since.Equal(t0) {
		t.Fatalf("take while held: %v %v %+v", ok, err, l)
	}
	// A renewal keeps when it began and moves the expiry.
	l, ok, err = r.TakeLease(ctx, "host-a pid 1 #aa", t0.Add(30*time.Second), time.Minute)
	if err != nil || !ok || !l.Since.Equal(t0) || !l.Expires.Equal(t0.Add(90*time.Second)) {
		t.Fatalf("renewal: %v %v %+v", ok, err, l)
	}
	if _, ok, _ := r.TakeLease(ctx, "host-b pid 2 #bb", t0.Add(80*time.Second), time.Minute); ok {
		t.Fatal("taken before the renewed expiry")
	}
	// Run out: another takes it.
	if _, ok, _ := r.TakeLease(ctx, "host-b pid 2 #bb", t0.Add(91*time.Second), time.Minute); !ok {
		t.Fatal("not taken after the expiry")
	}
	// Released: free at once, and only by its holder.
	if err := r.ReleaseLease(ctx, "host-a pid 1 #aa"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := r.TakeLease(ctx, "host-c pid 3 #cc", t0.Add(92*time.Second), time.Minute); ok {
		t.Fatal("released by a holder that no longer held it")
	}
	if err := r.ReleaseLease(ctx, "host-b pid 2 #bb"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := r.TakeLease(ctx, "host-c pid 3 #cc", t0.Add(92*time.Second), time.Minute); !ok {
		t.Fatal("not free after the release")
	}
}

func TestIntegrationInUse(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	in := sample(1)
	create(t, s.Integrations(), in)
	r := s.Infinity()
	if why, err := r.IntegrationInUse(ctx, in.ID); err != nil || why != "" {
		t.Fatalf("a new integration: %q %v", why, err)
	}
	if err := s.Scheduler().SaveSyncState(ctx, in.ID, "state-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	if why, err := r.IntegrationInUse(ctx, in.ID); err != nil || why != "the scheduler's state" {
		t.Fatalf("after a mailbox sync: %q %v", why, err)
	}
}

func TestSaveLinksInsertsAndUpdatesAllOrNothing(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	repo := s.Infinity()
	base := json.RawMessage(`{"name":"x"}`)
	a := &infinitysync.Link{Kind: infinitysync.KindPersonalVMR, Name: "a", RemoteID: 1, Base: base, Remote: base}
	b := &infinitysync.Link{Kind: infinitysync.KindPersonalVMR, Name: "b", RemoteID: 2, Base: base}
	if err := repo.SaveLinks(ctx, []*infinitysync.Link{a, b}); err != nil {
		t.Fatal(err)
	}
	if a.ID == 0 || b.ID == 0 || a.ID == b.ID {
		t.Fatalf("ids: %d, %d", a.ID, b.ID)
	}
	// One update and one insert that the schema refuses (an empty name):
	// neither is kept.
	a.Name = "a2"
	bad := &infinitysync.Link{Kind: infinitysync.KindPersonalVMR, Name: "", RemoteID: 3}
	if err := repo.SaveLinks(ctx, []*infinitysync.Link{a, bad}); err == nil {
		t.Fatal("a link without a name was saved")
	}
	links, err := repo.Links(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(links) != 2 || links[0].Name != "a" || links[1].Name != "b" {
		t.Fatalf("after a refused batch: %+v", links)
	}
	// Read back: the same bytes, and a NULL remote is nil.
	if string(links[0].Remote) != string(base) || links[1].Remote != nil {
		t.Fatalf("remote: %s, %s", links[0].Remote, links[1].Remote)
	}
	a.Name = "a2"
	if err := repo.SaveLinks(ctx, []*infinitysync.Link{a}); err != nil {
		t.Fatal(err)
	}
	if links, _ := repo.Links(ctx); links[0].Name != "a2" || links[0].ID != a.ID {
		t.Fatalf("after an update: %+v", links[0])
	}
}
