package infinitysync_test

// Regression tests of data-loss bugs found in review: objects taken over
// by name, deletions on Infinity undone by a push, local edits lost to a
// running pull or push, integrations in use deleted by a pull, names that
// differ only in case, one long write transaction, and two runs at once.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/conference"
	"vmr-companion/backend/infinitysync"
)

// releaseAll lets every request held by the fake's Hold through from now
// on, until the test ends.
func releaseAll(t *testing.T, release chan<- struct{}) {
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	go func() {
		for {
			select {
			case release <- struct{}{}:
			case <-stop:
				return
			}
		}
	}()
}

// changeOf is the first change of res about name, nil when none.
func changeOf(res *infinitysync.Result, name string) *infinitysync.Change {
	for i := range res.Changes {
		if res.Changes[i].Name == name {
			return &res.Changes[i]
		}
	}
	return nil
}

func TestPushNeverTakesOverAConferenceOfAnotherOwner(t *testing.T) {
	for _, owner := range []string{"", "board@example.com"} {
		t.Run("owner "+owner, func(t *testing.T) {
			e := newEnv(t, 0)
			fields := map[string]any{"name": "Board", "description": "the board's room, theirs", "pin": "1234"}
			if owner != "" {
				fields["primary_owner_email_address"] = owner
			}
			e.fake.SeedConference(fields, "board@vc.example.com")
			e.connect()
			c := &conference.Conference{Name: "Board", Description: "mine", PrimaryOwnerEmailAddress: "me@example.com",
				Aliases: []conference.Alias{{Alias: "me@vc.example.com"}}}
			if err := e.confs.Create(e.ctx, c); err != nil {
				t.Fatal(err)
			}
			res := e.push(infinitysync.PushOptions{})
			if len(res.Failed) != 1 || !strings.Contains(res.Failed[0].Error, "name clash") || !strings.Contains(res.Failed[0].Error, "rename") {
				t.Fatalf("push: %+v", res)
			}
			obj := e.fake.Object("conference", 1)
			if obj["description"] != "the board's room, theirs" || obj["pin"] != "1234" || e.fake.Count("conference") != 1 {
				t.Fatalf("someone else's conference was written: %v", obj)
			}
			if n := e.requests("PATCH", confPath) + e.requests("POST", aliasPath) + e.requests("DELETE", aliasPath); n != 0 {
				t.Fatalf("%d writes to someone else's conference", n)
			}
			// A pull does not link them either: it reports the clash.
			pres := e.pull()
			if ch := changeOf(pres, "Board"); owner != "" && (ch == nil || ch.What != "clash") {
				t.Fatalf("pull: %+v", pres)
			}
			if got, _ := e.confs.Get(e.ctx, "Board"); got.Description != "mine" {
				t.Fatalf("the local VMR changed: %+v", got)
			}
		})
	}
}

func TestPushLinksAnIntegrationMadeOnBothSidesWithConflictsAndNoSecrets(t *testing.T) {
	e := newEnv(t, 0)
	id := e.seedConnector("oslo", "mail.oslo.example.com")
	e.connect()
	const password = "pw-never-to-a-stranger"
	e.newIntegration("oslo", password)
	res := e.push(infinitysync.PushOptions{Secrets: true})
	if len(res.Conflicts) == 0 || len(res.Failed) != 0 || res.Updated != 0 {
		t.Fatalf("push: %+v", res)
	}
	if n := e.requests("PATCH", connPath) + e.requests("POST", connPath); n != 0 {
		t.Fatalf("%d writes to the connector made on Infinity", n)
	}
	if got := e.fake.Secret("ms_exchange_connector", id, "password"); got != "" {
		t.Fatal("the password was sent to an object not resolved yet")
	}
	if e.fake.Object("ms_exchange_connector", id)["username"] != "svc-oslo" || e.integration("oslo").Username != "svc" {
		t.Fatal("a side was overwritten")
	}
	// A second push sends nothing either; resolving every field lets it.
	res = e.push(infinitysync.PushOptions{Secrets: true})
	if len(res.Conflicts) == 0 || e.fake.Secret("ms_exchange_connector", id, "password") != "" {
		t.Fatalf("second push: %+v", res)
	}
	for _, c := range res.Conflicts {
		if err := e.svc.Resolve(e.ctx, c.Kind, c.Name, c.Field, infinitysync.TakeHere); err != nil {
			t.Fatal(err)
		}
	}
	res = e.push(infinitysync.PushOptions{Secrets: true})
	if len(res.Conflicts)+len(res.Failed) != 0 || res.Updated != 1 {
		t.Fatalf("push after resolving: %+v", res)
	}
	if e.fake.Secret("ms_exchange_connector", id, "password") != password || e.fake.Object("ms_exchange_connector", id)["username"] != "svc" {
		t.Fatal("the resolved values were not sent")
	}
}

func TestPullLinksAnObjectMadeOnBothSidesWithConflicts(t *testing.T) {
	e := newEnv(t, 0)
	e.seedConnector("oslo", "mail.oslo.example.com")
	e.connect()
	e.newIntegration("oslo", "pw-1")
	res := e.pull()
	if len(res.Conflicts) == 0 || res.Taken != 0 || changeOf(res, "oslo") == nil || changeOf(res, "oslo").What != "linked" {
		t.Fatalf("pull: %+v", res)
	}
	if e.integration("oslo").Username != "svc" {
		t.Fatal("the local integration was overwritten")
	}
	st, _ := e.svc.Status(e.ctx)
	if st.Conflicts == 0 {
		t.Fatalf("status shows no conflicts: %+v", st)
	}
	// The next push does not overwrite Infinity's either.
	res = e.push(infinitysync.PushOptions{Secrets: true})
	if len(res.Conflicts) == 0 || e.requests("PATCH", connPath) != 0 {
		t.Fatalf("push: %+v", res)
	}
}

func TestPullWithNamesDifferingOnlyInCase(t *testing.T) {
	for _, withLocal := range []bool{false, true} {
		t.Run(fmt.Sprint("local ", withLocal), func(t *testing.T) {
			e := newEnv(t, 0)
			if withLocal {
				e.newIntegration("contoso", "pw-1")
			}
			e.seedConnector("contoso", "mail.a.example.com")
			e.seedConnector("Contoso", "mail.b.example.com")
			e.seedConnector("fabrikam", "mail.c.example.com")
			e.connect()
			for range 2 {
				res, err := e.svc.Pull(e.ctx, nil)
				if err != nil {
					t.Fatalf("pull: %v", err)
				}
				if withLocal && (changeOf(res, "Contoso") == nil || changeOf(res, "Contoso").What != "clash") {
					t.Fatalf("pull: %+v", res)
				}
			}
			if _, err := e.integ.Get(e.ctx, "fabrikam"); err != nil {
				t.Fatalf("the rest of the pull: %v", err)
			}
		})
	}
}

func TestPushSecretsDoesNotCreateAgainWhatWasDeletedOnInfinity(t *testing.T) {
	e := newEnv(t, 0)
	e.connect()
	e.newIntegration("bergen", "pw-123")
	e.push(infinitysync.PushOptions{})
	e.fake.Remove("ms_exchange_connector", 1)
	res := e.push(infinitysync.PushOptions{Secrets: true})
	if e.fake.Count("ms_exchange_connector") != 0 || e.requests("POST", connPath) != 1 {
		t.Fatalf("an integration deleted on Infinity was created again: %+v", res)
	}
	// Unchanged here: followed, as a pull would.
	if _, err := e.integ.Get(e.ctx, "bergen"); err == nil || res.Deleted != 1 {
		t.Fatalf("push: %+v, local: %v", res, err)
	}
}

func TestPushKeepsALocalEditMadeWhileItRuns(t *testing.T) {
	e := newEnv(t, 0)
	id := e.seedConnector("oslo", "mail.oslo.example.com")
	e.connect()
	e.pull()
	e.editIntegration("oslo", `{"description": "edited here"}`)
	e.fake.Edit("ms_exchange_connector", id, map[string]any{"room_mailbox_name": "Edited on Infinity", "url": "https://new.oslo.example.com/EWS/Exchange.asmx"})
	arrived, release := e.fake.Hold()
	done := make(chan *infinitysync.Result)
	go func() {
		res, _ := e.svc.Push(e.ctx, infinitysync.PushOptions{}, nil)
		done <- res
	}()
	<-arrived // the push's re-read is in flight
	e.editIntegration("oslo", `{"username": "svc-changed-meanwhile", "url": "https://mine.oslo.example.com/EWS/Exchange.asmx"}`)
	releaseAll(t, release)
	res := <-done
	in := e.integration("oslo")
	if in.Username != "svc-changed-meanwhile" || in.URL != "https://mine.oslo.example.com/EWS/Exchange.asmx" {
		t.Fatalf("the local edit made during the push was overwritten: %+v", in)
	}
	if in.RoomMailboxName != "Edited on Infinity" || in.Description != "edited here" {
		t.Fatalf("the push's own work: %+v", in)
	}
	// url was changed on both sides meanwhile: a conflict, not a loss.
	if len(res.Conflicts) != 1 || res.Conflicts[0].Field != "url" {
		t.Fatalf("push: %+v", res)
	}
	d, _ := e.svc.Diff(e.ctx)
	sides := map[string]string{}
	for _, o := range d.Objects {
		for _, f := range o.Fields {
			sides[f.Field] = f.Side
		}
	}
	if sides["username"] != infinitysync.SideHere || sides["url"] != infinitysync.SideConflict {
		t.Fatalf("diff after the push: %v", sides)
	}
}

func TestPullKeepsALocalEditMadeWhileItRuns(t *testing.T) {
	e := newEnv(t, 0)
	e.seedConnector("a-corp", "mail.a.example.com")
	id := e.seedConnector("b-corp", "mail.b.example.com")
	e.connect()
	e.pull()
	e.fake.Edit("ms_exchange_connector", id, map[string]any{"room_mailbox_name": "Edited on Infinity", "description": "theirs"})
	e.reconfigure(func(c *infinitysync.Config) { c.ChunkSize = 1 })
	res, err := e.svc.Pull(e.ctx, func(p infinitysync.Progress) {
		if p.Phase == "writing" && p.Done == 1 && p.Total == 2 { // a-corp committed, b-corp next
			e.editIntegration("b-corp", `{"username": "svc-changed-meanwhile", "description": "mine"}`)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	in := e.integration("b-corp")
	if in.Username != "svc-changed-meanwhile" || in.Description != "mine" || in.RoomMailboxName != "Edited on Infinity" {
		t.Fatalf("after the pull: %+v", in)
	}
	if len(res.Conflicts) != 1 || res.Conflicts[0].Field != "description" {
		t.Fatalf("pull: %+v", res)
	}
}

func TestPullKeepsAnIntegrationWithItsOwnSettingsThatInfinityDeleted(t *testing.T) {
	e := newEnv(t, 0)
	id := e.seedConnector("oslo", "mail.oslo.example.com")
	e.seedConnector("bergen", "mail.bergen.example.com")
	e.connect()
	e.pull()
	e.editIntegration("oslo", `{"infinity_provisioning": "api"}`)
	e.fake.Remove("ms_exchange_connector", id)
	res := e.pull()
	if _, err := e.integ.Get(e.ctx, "oslo"); err != nil {
		t.Fatalf("an integration with its own settings was deleted: %v", err)
	}
	ch := changeOf(res, "oslo")
	if res.Deleted != 0 || ch == nil || ch.What != "kept" || !strings.Contains(ch.Error, "infinity_provisioning") || !strings.Contains(ch.Error, "integrations delete") {
		t.Fatalf("pull: %+v", res)
	}
	d, _ := e.svc.Diff(e.ctx)
	if len(d.Objects) != 1 || d.Objects[0].State != infinitysync.StateDeletedThere {
		t.Fatalf("diff: %+v", d.Objects)
	}
	st, _ := e.svc.Status(e.ctx)
	if len(st.DeletedThere) != 1 || st.DeletedThere[0].Name != "oslo" || !strings.Contains(st.DeletedThere[0].Error, "--take here") {
		t.Fatalf("status: %+v", st.DeletedThere)
	}
	// The next pull keeps it, and says so again.
	if res := e.pull(); changeOf(res, "oslo") == nil || res.Deleted != 0 {
		t.Fatalf("second pull: %+v", res)
	}
	// Nor does a push create it again; the admin says what to do.
	e.push(infinitysync.PushOptions{Secrets: true})
	if e.fake.Count("ms_exchange_connector") != 1 {
		t.Fatal("a push created it again")
	}
	if err := e.svc.Resolve(e.ctx, infinitysync.KindIntegration, "oslo", "name", infinitysync.TakeInfinity); err != nil {
		t.Fatal(err)
	}
	if _, err := e.integ.Get(e.ctx, "oslo"); err == nil {
		t.Fatal("resolve --take infinity kept it")
	}
}

func TestPullFollowsAnAliasMovedBetweenVMRs(t *testing.T) {
	e := newEnv(t, 0)
	b := e.seedVMR("Bob", "bob@example.com", "bob@vc.example.com")
	e.seedVMR("Alice", "alice@example.com", "alice@vc.example.com", "shared@vc.example.com")
	e.connect()
	e.pull()
	for id := 1; id <= 10; id++ {
		if o := e.fake.Object("conference_alias", id); o != nil && o["alias"] == "shared@vc.example.com" {
			e.fake.Edit("conference_alias", id, map[string]any{"conference": fmt.Sprintf("%s%d/", confPath, b)})
		}
	}
	// Bob comes before Alice: his update waits for hers (the alias is still
	// Alice's here), and the pull goes on; the next one completes it.
	if _, err := e.svc.Pull(e.ctx, nil); err != nil {
		t.Fatalf("pull after the move: %v", err)
	}
	res, err := e.svc.Pull(e.ctx, nil)
	if err != nil || len(res.Failed) != 0 {
		t.Fatalf("pull after the move: %v %+v", err, res)
	}
	bob, _ := e.confs.Get(e.ctx, "Bob")
	if len(bob.Aliases) != 2 {
		t.Fatalf("Bob's aliases: %+v", bob.Aliases)
	}
}

func TestPullCommitsChunkByChunk(t *testing.T) {
	e := newEnv(t, 0)
	e.seedConnector("oslo", "mail.oslo.example.com") // a chunk of its own: kinds are not mixed
	for i := range 5 {
		e.seedVMR(fmt.Sprint("VMR ", i), fmt.Sprint("u", i, "@example.com"), fmt.Sprint("u", i, "@vc.example.com"))
	}
	e.connect()
	e.reconfigure(func(c *infinitysync.Config) { c.ChunkSize = 2 })
	var seen []int
	res, err := e.svc.Pull(e.ctx, func(p infinitysync.Progress) {
		if p.Phase != "writing" || p.Done%2 != 1 || p.Done == 1 {
			return // after the VMRs' first and second chunks only
		}
		// Between chunks the writer is free: another write goes through
		// (it would wait for the pull's transaction otherwise), and the
		// committed objects are there.
		ctx, cancel := context.WithTimeout(e.ctx, time.Minute) // a safety net, not a measurement
		defer cancel()
		if err := e.st.Settings().Set(ctx, map[string]string{"other-writer": fmt.Sprint(p.Done)}, time.Now()); err != nil {
			t.Errorf("a write between chunks: %v", err)
		}
		list, _ := e.confs.List(e.ctx, "")
		seen = append(seen, len(list))
	})
	if err != nil || res.Created != 6 {
		t.Fatalf("pull: %v %+v", err, res)
	}
	if fmt.Sprint(seen) != "[2 4]" {
		t.Fatalf("committed after each chunk: %v", seen)
	}
}

func TestACancelledPullKeepsItsCommittedChunks(t *testing.T) {
	e := newEnv(t, 0)
	for i := range 5 {
		e.seedVMR(fmt.Sprint("VMR ", i), fmt.Sprint("u", i, "@example.com"), fmt.Sprint("u", i, "@vc.example.com"))
	}
	e.connect()
	e.reconfigure(func(c *infinitysync.Config) { c.ChunkSize = 2 })
	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	_, err := e.svc.Pull(ctx, func(p infinitysync.Progress) {
		if p.Phase == "writing" && p.Done == 2 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled pull: %v", err)
	}
	if list, _ := e.confs.List(e.ctx, ""); len(list) != 2 {
		t.Fatalf("a pull cancelled after its first chunk kept %d conferences", len(list))
	}
	st, _ := e.svc.Status(e.ctx)
	if h := st.History[0]; h.Outcome != "cancelled" || !strings.Contains(h.Summary, "2 of 5") || st.LastPull != nil {
		t.Fatalf("history: %+v", h)
	}
	// Cancelled inside a chunk (its last object written): that chunk goes.
	ctx, cancel = context.WithCancel(e.ctx)
	defer cancel()
	_, err = e.svc.Pull(ctx, func(p infinitysync.Progress) {
		if p.Phase == "writing" && p.Done == 5 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled pull: %v", err)
	}
	if list, _ := e.confs.List(e.ctx, ""); len(list) != 4 {
		t.Fatalf("a pull cancelled inside its last chunk kept %d conferences, want 4", len(list))
	}
	// The next pull carries on, without duplicates.
	res := e.pull()
	if res.Created != 1 || res.Unchanged != 4 {
		t.Fatalf("the next pull: %+v", res)
	}
}

func TestOnePullOrPushAtATime(t *testing.T) {
	e := newEnv(t, 0)
	e.connect()
	e.newIntegration("bergen", "pw-1")
	arrived, release := e.fake.Hold()
	done := make(chan error)
	go func() {
		_, err := e.svc.Push(e.ctx, infinitysync.PushOptions{}, nil)
		done <- err
	}()
	<-arrived
	var busy *infinitysync.BusyError
	if _, err := e.svc.Pull(e.ctx, nil); !errors.As(err, &busy) || !strings.Contains(err.Error(), "another pull or push is running (") {
		t.Errorf("a pull during a push: %v", err)
	}
	if _, err := e.svc.Push(e.ctx, infinitysync.PushOptions{}, nil); !errors.As(err, &busy) {
		t.Errorf("a push during a push: %v", err)
	}
	if err := e.svc.Resolve(e.ctx, infinitysync.KindIntegration, "bergen", "name", infinitysync.TakeHere); !errors.As(err, &busy) {
		t.Errorf("a resolve during a push: %v", err)
	}
	releaseAll(t, release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	e.pull() // released

	// A holder that died keeps it until its lease runs out.
	now := time.Now()
	if _, ok, err := e.st.Infinity().TakeLease(e.ctx, "other-host pid 7 #dead", now, time.Minute); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if _, err := e.svc.Pull(e.ctx, nil); !errors.As(err, &busy) || !strings.Contains(err.Error(), "other-host pid 7") {
		t.Fatalf("a pull while another holds the lease: %v", err)
	}
	e.reconfigure(func(c *infinitysync.Config) { c.LeaseClock = func() time.Time { return now.Add(2 * time.Minute) } })
	e.pull()
}

// A run whose lease another process took (this one stalled past the
// expiry) stops rather than write alongside it.
func TestAPushThatLostItsLeaseStops(t *testing.T) {
	e := newEnv(t, 0)
	e.connect()
	e.newIntegration("bergen", "pw-1")
	e.newIntegration("tromso", "pw-1")
	// Renewed every few milliseconds: the renewal after the takeover below
	// finds the lease gone.
	e.reconfigure(func(c *infinitysync.Config) { c.LeaseTTL = 30 * time.Millisecond })
	arrived, release := e.fake.Hold()
	done := make(chan error)
	var res *infinitysync.Result
	go func() {
		var err error
		res, err = e.svc.Push(e.ctx, infinitysync.PushOptions{}, nil)
		done <- err
	}()
	<-arrived
	if _, ok, err := e.st.Infinity().TakeLease(e.ctx, "other-host pid 9 #new", time.Now().Add(time.Hour), time.Hour); err != nil || !ok {
		t.Fatal(ok, err)
	}
	err := <-done // the held request is abandoned when the push stops
	releaseAll(t, release)
	if err == nil || !strings.Contains(err.Error(), "lease") || res == nil || res.Created != 0 {
		t.Fatalf("push after losing the lease: %v %+v", err, res)
	}
	st, _ := e.svc.Status(e.ctx)
	if st.History[0].Outcome != "failed" || !strings.Contains(st.History[0].Summary, "lease") {
		t.Fatalf("history: %+v", st.History[0])
	}
}
