package infinitysync_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"vmr-companion/backend/conference"
	"vmr-companion/backend/infinity"
	"vmr-companion/backend/infinity/infinitytest"
	"vmr-companion/backend/infinitysync"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/store/storetest"
)

func TestPullPagesThroughEverything(t *testing.T) {
	e := newEnv(t, 0) // the fake's default_limit of 3: many pages
	for i := range 7 {
		e.seedConnector(string(rune('a'+i))+"-corp", "mail.example.com")
	}
	for i := range 8 {
		e.seedVMR("VMR "+string(rune('a'+i)), string(rune('a'+i))+"@example.com", string(rune('a'+i))+".vmr@vc.example.com")
	}
	e.fake.SeedConference(map[string]any{"name": "lobby"}, "lobby@vc.example.com") // no owner: not personal
	e.connect()
	res := e.pull()
	if res.Created != 15 || len(res.Failed) != 0 {
		t.Fatalf("pull: %+v", res)
	}
	if n := e.requests("GET", confPath); n < 3 {
		t.Fatalf("%d conference pages: expected paging", n)
	}
	in := e.integration("a-corp")
	if in.AddinServerDomain != "addins.example.com" || len(in.Domains) != 1 {
		t.Fatalf("pulled integration: %+v", in)
	}
	if in.InfinityProvisioning != "policy" {
		t.Fatalf("product-only field: %q, want the default", in.InfinityProvisioning)
	}
	st, err := e.svc.Status(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Connected || st.Version != "36.1" || st.Pending != 0 || st.Conflicts != 0 || st.LastPull == nil || len(st.History) != 1 {
		t.Fatalf("status: %+v", st)
	}
	// A second pull changes nothing.
	res = e.pull()
	if res.Created+res.Updated+res.Deleted != 0 || res.Unchanged != 15 {
		t.Fatalf("second pull: %+v", res)
	}
	_ = infinitysync.KindIntegration
}

func TestPushMergesEditsOfDifferentFields(t *testing.T) {
	e := newEnv(t, 0)
	id := e.seedConnector("oslo", "mail.oslo.example.com")
	e.connect()
	e.pull()
	e.editIntegration("oslo", `{"description": "edited here"}`)
	e.fake.Edit("ms_exchange_connector", id, map[string]any{"room_mailbox_name": "Edited on Infinity"})

	d, err := e.svc.Diff(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Objects) != 1 || len(d.Objects[0].Fields) != 2 || d.Pending != 1 || d.Conflicts != 0 {
		t.Fatalf("diff: %+v", d)
	}
	res := e.push(infinitysync.PushOptions{})
	if res.Updated != 1 || len(res.Conflicts) != 0 || len(res.Failed) != 0 {
		t.Fatalf("push: %+v", res)
	}
	var patches []string
	for _, r := range e.fake.Requests() {
		if r.Method == "PATCH" {
			patches = append(patches, string(r.Body))
		}
	}
	if len(patches) != 1 || patches[0] != `{"description":"edited here"}` {
		t.Fatalf("PATCH bodies %q: want only the field changed here", patches)
	}
	if got := e.fake.Object("ms_exchange_connector", id)["description"]; got != "edited here" {
		t.Fatalf("Infinity's description: %v", got)
	}
	if got := e.integration("oslo").RoomMailboxName; got != "Edited on Infinity" {
		t.Fatalf("the change made on Infinity was not taken: %q", got)
	}
	st, _ := e.svc.Status(e.ctx)
	if st.Pending != 0 || st.Conflicts != 0 || st.LastPush == nil {
		t.Fatalf("status after the push: %+v", st)
	}
}

func TestSameFieldOnBothSidesIsAConflictAndNothingIsWritten(t *testing.T) {
	for _, take := range []string{infinitysync.TakeHere, infinitysync.TakeInfinity} {
		t.Run("take "+take, func(t *testing.T) {
			e := newEnv(t, 0)
			id := e.seedConnector("oslo")
			e.connect()
			e.pull()
			e.editIntegration("oslo", `{"description": "a"}`)
			e.fake.Edit("ms_exchange_connector", id, map[string]any{"description": "b"})
			res := e.push(infinitysync.PushOptions{})
			if len(res.Conflicts) != 1 || res.Updated != 0 {
				t.Fatalf("push: %+v", res)
			}
			if got, want := res.Conflicts[0].Error(), `integration oslo: field description: here "a", on Infinity "b"`; got != want {
				t.Fatalf("conflict %q, want %q", got, want)
			}
			if n := e.requests("PATCH", infinity.ConfigPath); n != 0 {
				t.Fatalf("%d PATCH requests for a conflicting object", n)
			}
			st, _ := e.svc.Status(e.ctx)
			if st.Conflicts != 1 || st.History[0].Outcome != "conflicts" {
				t.Fatalf("status: %+v", st)
			}
			if err := e.svc.Resolve(e.ctx, infinitysync.KindIntegration, "oslo", "description", take); err != nil {
				t.Fatal(err)
			}
			res = e.push(infinitysync.PushOptions{})
			if len(res.Conflicts) != 0 || len(res.Failed) != 0 {
				t.Fatalf("push after resolve: %+v", res)
			}
			want := map[string]string{infinitysync.TakeHere: "a", infinitysync.TakeInfinity: "b"}[take]
			if got := e.fake.Object("ms_exchange_connector", id)["description"]; got != want {
				t.Fatalf("Infinity: %v, want %q", got, want)
			}
			if got := e.integration("oslo").Description; got != want {
				t.Fatalf("here: %q, want %q", got, want)
			}
			if n := e.requests("PATCH", infinity.ConfigPath); (take == infinitysync.TakeHere) != (n == 1) {
				t.Fatalf("%d PATCH requests after taking %s", n, take)
			}
			hist, _ := e.svc.History(e.ctx, 10)
			if hist[1].Action != "resolve" {
				t.Fatalf("history: %+v", hist)
			}
		})
	}
}

// newIntegration stores an integration made here, with a password.
func (e *env) newIntegration(name, password string) *integration.Integration {
	e.t.Helper()
	in := integration.Defaults()
	in.Name, in.URL, in.Domains = name, "https://mail."+name+".example.com/EWS/Exchange.asmx", []string{"mail." + name + ".example.com"}
	mailbox := "vmr@" + name + ".example.com"
	in.RoomMailboxEmailAddress, in.Username, in.AddinServerDomain = &mailbox, "svc", "addins.example.com"
	saved, err := e.integ.Create(e.ctx, &integration.Input{Integration: in, Secrets: map[string]secrets.Secret{integration.SecretPassword: secrets.New(password)}})
	if err != nil {
		e.t.Fatal(err)
	}
	return saved.Integration
}

func TestSecretsAreSentOnlyWhenAsked(t *testing.T) {
	e := newEnv(t, 0)
	e.connect()
	const password = "exchange-pw-123"
	e.newIntegration("bergen", password)
	res := e.push(infinitysync.PushOptions{})
	if res.Created != 1 || len(res.Failed) != 0 {
		t.Fatalf("push: %+v", res)
	}
	for _, r := range e.fake.Requests() {
		if strings.Contains(string(r.Body), password) {
			t.Fatalf("%s %s sent the password without --secrets", r.Method, r.Path)
		}
	}
	if got := e.fake.Secret("ms_exchange_connector", 1, "password"); got != "" {
		t.Fatalf("Infinity holds a password: %q", got)
	}
	if obj := e.fake.Object("ms_exchange_connector", 1); len(obj["domains"].([]any)) != 1 {
		t.Fatalf("domains on Infinity: %v", obj["domains"])
	}
	res = e.push(infinitysync.PushOptions{Secrets: true})
	if len(res.Failed) != 0 {
		t.Fatalf("push --secrets: %+v", res)
	}
	if got := e.fake.Secret("ms_exchange_connector", 1, "password"); got != password {
		t.Fatalf("Infinity's password: %q", got)
	}
	d, err := e.svc.Diff(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Objects) != 0 {
		t.Fatalf("diff after pushing: %+v", d)
	}
	hist, _ := e.svc.History(e.ctx, 10)
	for _, h := range hist {
		if strings.Contains(fmt.Sprint(h), password) {
			t.Fatal("the history holds the password")
		}
	}
	if files := storetest.FilesHolding(t, e.st.Path(), password); len(files) > 0 {
		t.Fatalf("the password is in %v", files)
	}
}

func (e *env) newVMR(name string) {
	e.t.Helper()
	c := &conference.Conference{Name: name, PrimaryOwnerEmailAddress: strings.ToLower(name) + "@example.com",
		Aliases: []conference.Alias{{Alias: strings.ToLower(name) + "@vc.example.com", Description: "SIP"}, {Alias: "8" + fmt.Sprint(len(name)) + fmt.Sprint(int(name[0]))}}}
	if err := e.confs.Create(e.ctx, c); err != nil {
		e.t.Fatal(err)
	}
}

// remoteState is what Infinity holds, for comparing two runs.
func (e *env) remoteState() string {
	var b strings.Builder
	for _, res := range []string{"conference", "conference_alias", "ms_exchange_connector", "exchange_domain"} {
		fmt.Fprintf(&b, "%s: %d\n", res, e.fake.Count(res))
	}
	return b.String()
}

func TestAPushStoppedHalfWayFinishesWithoutDuplicates(t *testing.T) {
	setup := func(t *testing.T) *env {
		e := newEnv(t, 0)
		e.connect()
		for _, n := range []string{"Alice", "Bob", "Carol"} {
			e.newVMR(n)
		}
		e.newIntegration("tromso", "pw-1234")
		return e
	}
	clean := setup(t)
	clean.push(infinitysync.PushOptions{})
	want := clean.remoteState()

	check := func(t *testing.T, e *env) {
		t.Helper()
		res := e.push(infinitysync.PushOptions{})
		if len(res.Failed) != 0 || len(res.Conflicts) != 0 {
			t.Fatalf("second push: %+v", res)
		}
		if got := e.remoteState(); got != want {
			t.Fatalf("after the second push Infinity holds\n%s\nwant (a clean push)\n%s", got, want)
		}
		st, _ := e.svc.Status(e.ctx)
		if st.Pending != 0 {
			t.Fatalf("pending after finishing: %+v", st)
		}
		d, _ := e.svc.Diff(e.ctx)
		if len(d.Objects) != 0 {
			t.Fatalf("diff: %+v", d.Objects)
		}
	}

	t.Run("a request refused", func(t *testing.T) {
		e := setup(t)
		e.fake.Fail(infinitytest.Fault{PathPrefix: aliasPath, Status: 400})
		res, err := e.svc.Push(e.ctx, infinitysync.PushOptions{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Failed) != 1 || res.Created != 3 {
			t.Fatalf("push with a failure: %+v", res)
		}
		st, _ := e.svc.Status(e.ctx)
		if st.History[0].Outcome != "failed" || st.Pending != 1 {
			t.Fatalf("status after the failure: %+v", st)
		}
		if len(st.Unfinished) != 1 || st.Unfinished[0].Name != "Alice" || st.Unfinished[0].What != infinitysync.PushFailed || !strings.Contains(st.Unfinished[0].Error, "refused") {
			t.Fatalf("unfinished: %+v", st.Unfinished)
		}
		check(t, e)
		if st, _ := e.svc.Status(e.ctx); len(st.Unfinished) != 0 {
			t.Fatalf("unfinished after the second push: %+v", st.Unfinished)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		e := setup(t)
		ctx, cancel := context.WithCancel(e.ctx)
		defer cancel()
		res, err := e.svc.Push(ctx, infinitysync.PushOptions{}, func(p infinitysync.Progress) {
			if p.Done == 2 {
				cancel()
			}
		})
		if !errors.Is(err, context.Canceled) || res == nil {
			t.Fatalf("cancelled push: %v %+v", err, res)
		}
		if len(res.Failed) != 0 || res.Created != 2 {
			t.Fatalf("a cancelled push must stop between objects: %+v", res)
		}
		st, _ := e.svc.Status(e.ctx)
		if st.History[0].Outcome != "cancelled" || st.Pending != 2 {
			t.Fatalf("status after cancelling: pending %d, %+v", st.Pending, st.History[0])
		}
		check(t, e)
	})
	t.Run("killed between the POST and the commit", func(t *testing.T) {
		e := setup(t)
		// As an earlier push leaves it when killed after creating Bob there:
		// its intent recorded, the id not.
		bob, _ := e.confs.Get(e.ctx, "Bob")
		if err := e.st.Infinity().SaveLink(e.ctx, &infinitysync.Link{Kind: infinitysync.KindPersonalVMR, LocalID: bob.ID, Name: "Bob", PushState: infinitysync.PushPending}); err != nil {
			t.Fatal(err)
		}
		e.fake.SeedConference(map[string]any{"name": "Bob", "primary_owner_email_address": "bob@example.com"}, "bob@vc.example.com")
		check(t, e)
		if n := e.requests("POST", confPath); n != 2 {
			t.Fatalf("%d conferences POSTed: Bob should have been adopted", n)
		}
	})
	t.Run("killed, then pulled before pushing again", func(t *testing.T) {
		e := setup(t)
		bob, _ := e.confs.Get(e.ctx, "Bob")
		if err := e.st.Infinity().SaveLink(e.ctx, &infinitysync.Link{Kind: infinitysync.KindPersonalVMR, LocalID: bob.ID, Name: "Bob", PushState: infinitysync.PushPending}); err != nil {
			t.Fatal(err)
		}
		e.fake.SeedConference(map[string]any{"name": "Bob", "primary_owner_email_address": "bob@example.com", "description": "x"}, "bob@vc.example.com")
		res := e.pull()
		if res.Taken != 1 || len(res.Failed) != 0 {
			t.Fatalf("pull: %+v", res)
		}
		check(t, e)
	})
}

func TestDeletions(t *testing.T) {
	e := newEnv(t, 0)
	a := e.seedVMR("Alice", "alice@example.com", "alice@vc.example.com")
	b := e.seedVMR("Bob", "bob@example.com", "bob@vc.example.com")
	e.seedVMR("Carol", "carol@example.com", "carol@vc.example.com")
	e.connect()
	e.pull()
	bob, _ := e.confs.Get(e.ctx, "Bob")
	bob.Description = "edited here"
	if err := e.confs.Update(e.ctx, bob); err != nil {
		t.Fatal(err)
	}
	e.fake.Remove("conference", a)
	e.fake.Remove("conference", b)
	res := e.pull()
	if res.Deleted != 1 {
		t.Fatalf("pull after deletions there: %+v", res)
	}
	if _, err := e.confs.Get(e.ctx, "Alice"); !errors.Is(err, conference.ErrNotFound) {
		t.Fatalf("Alice, deleted on Infinity and unchanged here: %v", err)
	}
	if _, err := e.confs.Get(e.ctx, "Bob"); err != nil {
		t.Fatalf("Bob, deleted there but edited here, must stay: %v", err)
	}
	// Deleted here: the push deletes it there.
	if err := e.confs.Delete(e.ctx, "Carol"); err != nil {
		t.Fatal(err)
	}
	d, _ := e.svc.Diff(e.ctx)
	states := map[string]string{}
	for _, o := range d.Objects {
		states[o.Name] = o.State
	}
	if states["Carol"] != infinitysync.StateDeletedHere || states["Bob"] != infinitysync.StateDeletedThere {
		t.Fatalf("diff states: %v", states)
	}
	// Bob, deleted there by someone, is not created again unasked: a
	// conflict until the admin says so.
	res = e.push(infinitysync.PushOptions{})
	if res.Deleted != 1 || res.Created != 0 || len(res.Failed) != 0 || len(res.Conflicts) != 1 || res.Conflicts[0].Name != "Bob" {
		t.Fatalf("push: %+v", res)
	}
	if e.fake.Count("conference") != 0 {
		t.Fatalf("Infinity holds %d conferences, want none", e.fake.Count("conference"))
	}
	if err := e.svc.Resolve(e.ctx, infinitysync.KindPersonalVMR, "Bob", "description", infinitysync.TakeHere); err != nil {
		t.Fatal(err)
	}
	res = e.push(infinitysync.PushOptions{})
	if res.Created != 1 || len(res.Failed)+len(res.Conflicts) != 0 {
		t.Fatalf("push after resolving: %+v", res)
	}
	if e.fake.Count("conference") != 1 {
		t.Fatalf("Infinity holds %d conferences, want Bob only", e.fake.Count("conference"))
	}
}

func TestLocalRulesRefuseBeforeAnyRequest(t *testing.T) {
	e := newEnv(t, 0)
	e.connect()
	in := e.newIntegration("kiruna", "pw-1234")
	in.AddinServerDomain = ""
	if _, err := e.integ.Update(e.ctx, &integration.Input{Integration: in}); err != nil {
		t.Fatal(err)
	}
	before := len(e.fake.Requests())
	_, err := e.svc.Push(e.ctx, infinitysync.PushOptions{}, nil)
	if err == nil || !strings.Contains(err.Error(), "integration kiruna: field addin_server_domain") {
		t.Fatalf("push of an integration without addin_server_domain: %v", err)
	}
	if len(e.fake.Requests()) != before {
		t.Fatal("requests were sent")
	}
}

// A pull commits chunk by chunk; one cancelled inside a chunk writes none
// of that chunk (here the only one). See TestACancelledPullKeepsItsCommittedChunks.
func TestACancelledPullWritesNoPartialChunk(t *testing.T) {
	e := newEnv(t, 0)
	for i := range 5 {
		e.seedVMR(fmt.Sprint("VMR ", i), fmt.Sprint("u", i, "@example.com"), fmt.Sprint("u", i, "@vc.example.com"))
	}
	e.connect()
	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	_, err := e.svc.Pull(ctx, func(p infinitysync.Progress) {
		if p.Phase == "writing" {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled pull: %v", err)
	}
	list, _ := e.confs.List(e.ctx, "")
	if len(list) != 0 {
		t.Fatalf("a pull cancelled inside its only chunk wrote %d conferences", len(list))
	}
	st, _ := e.svc.Status(e.ctx)
	if st.History[0].Outcome != "cancelled" || st.LastPull != nil {
		t.Fatalf("status: %+v", st)
	}
}

func TestDeletedHereButChangedThere(t *testing.T) {
	for _, take := range []string{infinitysync.TakeHere, infinitysync.TakeInfinity} {
		t.Run(take, func(t *testing.T) {
			e := newEnv(t, 0)
			id := e.seedVMR("Alice", "alice@example.com", "alice@vc.example.com")
			e.connect()
			e.pull()
			if err := e.confs.Delete(e.ctx, "Alice"); err != nil {
				t.Fatal(err)
			}
			e.fake.Edit("conference", id, map[string]any{"description": "changed there"})
			res := e.push(infinitysync.PushOptions{})
			if len(res.Conflicts) != 1 || res.Conflicts[0].Field != "description" || e.fake.Count("conference") != 1 {
				t.Fatalf("push: %+v", res)
			}
			if err := e.svc.Resolve(e.ctx, infinitysync.KindPersonalVMR, "Alice", "description", take); err != nil {
				t.Fatal(err)
			}
			res = e.push(infinitysync.PushOptions{})
			if len(res.Conflicts) != 0 {
				t.Fatalf("push after resolve: %+v", res)
			}
			e.pull()
			_, err := e.confs.Get(e.ctx, "Alice")
			if take == infinitysync.TakeHere && (e.fake.Count("conference") != 0 || !errors.Is(err, conference.ErrNotFound)) {
				t.Fatalf("take here: %d there, %v here", e.fake.Count("conference"), err)
			}
			if take == infinitysync.TakeInfinity && (e.fake.Count("conference") != 1 || err != nil) {
				t.Fatalf("take infinity: %d there, %v here", e.fake.Count("conference"), err)
			}
		})
	}
}

func TestAFailedPullWritesNothing(t *testing.T) {
	e := newEnv(t, 0)
	e.seedConnector("oslo")
	for i := range 4 {
		e.seedVMR(fmt.Sprint("VMR ", i), fmt.Sprint("u", i, "@example.com"), fmt.Sprint("u", i, "@vc.example.com"))
	}
	e.connect()
	// One 503 is retried.
	e.fake.Fail(infinitytest.Fault{PathPrefix: confPath, Status: 503, Times: 1})
	_, err := e.svc.Pull(e.ctx, nil)
	if err != nil {
		t.Fatalf("a pull after one 503: %v", err)
	}
	e2 := newEnv(t, 0)
	e2.seedConnector("oslo")
	e2.seedVMR("VMR x", "x@example.com", "x@vc.example.com")
	e2.connect()
	// Every attempt at the conferences fails, after the connectors were read.
	e2.fake.Fail(infinitytest.Fault{PathPrefix: confPath, Status: 503, Times: 100})
	if _, err := e2.svc.Pull(e2.ctx, nil); err == nil {
		t.Fatal("a pull whose listing fails succeeded")
	}
	if list, _ := e2.integ.List(e2.ctx); len(list) != 0 {
		t.Fatalf("a failed pull wrote %d integrations", len(list))
	}
	st, _ := e2.svc.Status(e2.ctx)
	if st.History[0].Outcome != "failed" || st.LastPull != nil {
		t.Fatalf("status: %+v", st.History[0])
	}
}

func TestPushMatchesDomainsAndAliases(t *testing.T) {
	e := newEnv(t, 0)
	id := e.seedConnector("oslo", "a.oslo.example.com", "b.oslo.example.com")
	vid := e.seedVMR("Alice", "alice@example.com", "alice@vc.example.com", "4711")
	e.connect()
	e.pull()
	e.editIntegration("oslo", `{"domains": ["b.oslo.example.com", "c.oslo.example.com"]}`)
	alice, _ := e.confs.Get(e.ctx, "Alice")
	alice.Aliases = []conference.Alias{{Alias: "alice@vc.example.com", Description: "SIP"}, {Alias: "4712"}}
	if err := e.confs.Update(e.ctx, alice); err != nil {
		t.Fatal(err)
	}
	res := e.push(infinitysync.PushOptions{})
	if res.Updated != 2 || len(res.Failed) != 0 {
		t.Fatalf("push: %+v", res)
	}
	var domains, aliases []string
	for _, d := range e.fake.Object("ms_exchange_connector", id)["domains"].([]any) {
		domains = append(domains, d.(map[string]any)["domain"].(string))
	}
	for _, a := range e.fake.Object("conference", vid)["aliases"].([]any) {
		m := a.(map[string]any)
		aliases = append(aliases, fmt.Sprint(m["alias"], "/", m["description"]))
	}
	if fmt.Sprint(domains) != "[b.oslo.example.com c.oslo.example.com]" || fmt.Sprint(aliases) != "[alice@vc.example.com/SIP 4712/]" {
		t.Fatalf("Infinity holds domains %v, aliases %v", domains, aliases)
	}
	if n := e.requests("PATCH", connPath); n != 0 {
		t.Fatalf("%d PATCHes of the connector: domains are objects of their own", n)
	}
	if d, _ := e.svc.Diff(e.ctx); len(d.Objects) != 0 {
		t.Fatalf("diff after the push: %+v", d.Objects)
	}
}
