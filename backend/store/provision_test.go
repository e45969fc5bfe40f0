package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"vmr-companion/backend/scheduler"
)

// acceptWithOp commits an accepted meeting whose decision queues op on
// Infinity, as the scheduler does with infinity_provisioning api.
func acceptWithOp(t *testing.T, s *Store, integrationID, aliasID int64, uid string, until time.Time, op, state string) *scheduler.Record {
	t.Helper()
	rec := &scheduler.Record{IntegrationID: integrationID, ScheduledAliasID: aliasID}
	rec.MeetingUID, rec.ConferenceName, rec.Kind, rec.State = uid, "Meeting "+uid, scheduler.KindSingle, scheduler.StateActive
	rec.Start, rec.End, rec.ValidFrom, rec.ValidUntil = t0, t0.Add(time.Hour), t0.Add(-15*time.Minute), until
	o := &scheduler.Outcome{IntegrationID: integrationID, ItemID: "item-" + uid, ChangeKey: "ck", Conference: rec, UseAlias: aliasID,
		Entry:         scheduler.LogEntry{TransactionID: "tx-" + uid, Time: t0, Success: true, Code: scheduler.CodeAcceptNewSingle, ItemUID: uid},
		InfinityState: state}
	if op != "" { // "" queues nothing: a policy integration
		o.Infinity = []scheduler.InfinityOp{{Key: "tx-" + uid + "/infinity", Op: op}}
	}
	if err := s.Scheduler().Commit(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	return rec
}

// TestInfinityOutbox: operations are queued with the decision, listed one
// per conference in order, marked attempted with what they send, ended
// with the conference's state and a log line; waiting keeps the reason
// without counting; failures back off, then fail the conference; the
// reaper queues a deletion once the window has passed, and only once.
func TestInfinityOutbox(t *testing.T) {
	s, in := withIntegration(t)
	ctx := context.Background()
	r := s.Scheduler()
	a1, _ := reserve(t, s.Aliases(), request(in.ID, "item-a", t0), "111111")
	a2, _ := reserve(t, s.Aliases(), request(in.ID, "item-b", t0), "222222")
	c1 := acceptWithOp(t, s, in.ID, a1.ID, "uid-1", t0.Add(90*time.Minute), scheduler.OpCreate, scheduler.InfinityPending)
	acceptWithOp(t, s, in.ID, a2.ID, "uid-2", t0.Add(90*time.Minute), scheduler.OpCreate, scheduler.InfinityPending)
	// A later change of the first: queued behind its create.
	o := &scheduler.Outcome{IntegrationID: in.ID, ItemID: "item-uid-1", ChangeKey: "ck2", Conference: c1,
		Entry:    scheduler.LogEntry{TransactionID: "tx-upd", Time: t0, Success: true, Code: scheduler.CodeAcceptEditedSingle},
		Infinity: []scheduler.InfinityOp{{Key: "tx-upd/infinity", Op: scheduler.OpUpdate}}}
	if err := r.Commit(ctx, o); err != nil {
		t.Fatal(err)
	}

	list, err := r.ProvisionPending(ctx, in.ID, 10, t0)
	if err != nil || len(list) != 2 || list[0].Op != scheduler.OpCreate || list[1].Op != scheduler.OpCreate ||
		list[0].Alias != a1.Alias || list[0].NumericAlias != "111111" || list[0].AliasID != a1.UUID || list[0].Name != "Meeting uid-1" {
		t.Fatalf("pending %+v, %v: want the two creates, one per conference", list, err)
	}
	if err := r.ProvisionAttempted(ctx, list[0].ID, map[string]string{"name": "Meeting uid-1"}); err != nil {
		t.Fatal(err)
	}
	again, _ := r.ProvisionPending(ctx, in.ID, 10, t0)
	if again[0].State != "attempted" || again[0].Attempts != 1 || again[0].Payload["name"] != "Meeting uid-1" {
		t.Fatalf("after the attempt %+v", again[0])
	}
	if err := r.ProvisionCreated(ctx, c1.ID, 41); err != nil {
		t.Fatal(err)
	}
	res := scheduler.ProvisionResult{State: scheduler.InfinityCreated, InfinityID: 41, Sent: map[string]string{"name": "Meeting uid-1"},
		Entry: scheduler.LogEntry{TransactionID: "tx-done", Time: t0, Success: true, Code: scheduler.CodeInfinityCreated, Description: "created"}}
	if err := r.ProvisionDone(ctx, list[0].ID, res, t0); err != nil {
		t.Fatal(err)
	}
	list, _ = r.ProvisionPending(ctx, in.ID, 10, t0)
	if len(list) != 2 || list[0].Op != scheduler.OpCreate || list[1].Op != scheduler.OpUpdate || list[1].InfinityID != 41 ||
		list[1].Sent["name"] != "Meeting uid-1" {
		t.Fatalf("pending after the create %+v: want the second create and the update with what was sent", list)
	}
	confs, _ := r.Conferences(ctx, scheduler.Filter{IntegrationID: in.ID})
	if confs[0].InfinityState != scheduler.InfinityCreated || confs[0].InfinityStatus != "created on Infinity as id 41" {
		t.Fatalf("conference %+v", confs[0])
	}
	if log, _ := r.Log(ctx, in.ID, 1); log[0].Code != scheduler.CodeInfinityCreated {
		t.Fatalf("log %+v", log)
	}

	// Waiting: the reason shows, nothing counts.
	if err := r.ProvisionWaiting(ctx, []int64{list[0].ID}, "not connected to Pexip Infinity"); err != nil {
		t.Fatal(err)
	}
	confs, _ = r.Conferences(ctx, scheduler.Filter{IntegrationID: in.ID})
	if confs[1].InfinityStatus != "waiting (not connected to Pexip Infinity)" {
		t.Fatalf("waiting conference %+v", confs[1])
	}

	// Failures: back-off, then (quarantined) the conference fails, with a
	// bounded reason.
	policy := func(n int, at time.Time) (time.Time, bool) { return at.Add(time.Duration(n) * time.Minute), n >= 2 }
	long := strings.Repeat("Ⱥ", 800) + "\xff"
	f := scheduler.FailureReport{Reason: long, CorrelationID: "corr", At: t0, LogCode: scheduler.CodeInfinityFailed, LogQuarantined: scheduler.CodeInfinityFailed}
	got, err := r.ProvisionFail(ctx, list[0].ID, f, policy)
	if err != nil || got.Quarantined || got.Attempts != 1 {
		t.Fatalf("first failure %+v, %v", got, err)
	}
	if due, _ := r.ProvisionPending(ctx, in.ID, 10, t0); len(due) != 1 || due[0].Op != scheduler.OpUpdate {
		t.Fatalf("pending during the back-off %+v", due)
	}
	got, _ = r.ProvisionFail(ctx, list[0].ID, f, policy)
	if !got.Quarantined || !utf8.ValidString(got.Reason) || len(got.Reason) > maxReason+len("…") {
		t.Fatalf("second failure %+v", got)
	}
	confs, _ = r.Conferences(ctx, scheduler.Filter{IntegrationID: in.ID})
	if confs[1].InfinityState != scheduler.InfinityFailed || !strings.HasPrefix(confs[1].InfinityStatus, "failed: ȺȺ") {
		t.Fatalf("failed conference %.200s", fmt.Sprintf("%+v", confs[1]))
	}
	if log, _ := r.Log(ctx, in.ID, 1); log[0].Code != scheduler.CodeInfinityFailed || log[0].Success {
		t.Fatalf("log %+v", log[0])
	}

	// The reaper: not before the window ends, once after; not for a
	// conference that failed without ever being created.
	if n, err := r.ProvisionReap(ctx, in.ID, t0.Add(90*time.Minute)); err != nil || n != 0 {
		t.Fatalf("reaped %d at the window's end (%v)", n, err)
	}
	if n, _ := r.ProvisionReap(ctx, in.ID, t0.Add(91*time.Minute)); n != 1 {
		t.Fatalf("reaped %d after the window, want the created one", n)
	}
	if n, _ := r.ProvisionReap(ctx, in.ID, t0.Add(92*time.Minute)); n != 0 {
		t.Fatalf("reaped %d again", n)
	}
	list, _ = r.ProvisionPending(ctx, in.ID, 10, t0.Add(92*time.Minute))
	if len(list) != 1 || list[0].Op != scheduler.OpUpdate {
		t.Fatalf("pending %+v: the deletion waits behind the update", list)
	}
}

// TestProvisionReconcile: a switch to api queues one create per live
// conference answered by policy, a switch to policy one delete per
// conference on Infinity, each once; the mirror's horizon round-trips
// through infinity_sent without showing in Sent, and a horizon that has
// fallen behind queues one top-up.
func TestProvisionReconcile(t *testing.T) {
	s, in := withIntegration(t)
	ctx := context.Background()
	r := s.Scheduler()
	a1, _ := reserve(t, s.Aliases(), request(in.ID, "item-a", t0), "111111")
	a2, _ := reserve(t, s.Aliases(), request(in.ID, "item-b", t0), "222222")
	live := acceptWithOp(t, s, in.ID, a1.ID, "uid-live", t0.Add(90*time.Minute), "", scheduler.InfinityPolicy)
	acceptWithOp(t, s, in.ID, a2.ID, "uid-over", t0.Add(10*time.Minute), "", scheduler.InfinityPolicy)
	at := t0.Add(30 * time.Minute) // the second one's window has ended
	far := at.Add(89 * 24 * time.Hour)

	if n, err := r.ProvisionReconcile(ctx, in.ID, true, at, far); err != nil || n != 1 {
		t.Fatalf("switch to api: %d queued (%v), want the live one", n, err)
	}
	if n, _ := r.ProvisionReconcile(ctx, in.ID, true, at, far); n != 0 {
		t.Fatalf("queued %d more on a second pass", n)
	}
	list, _ := r.ProvisionPending(ctx, in.ID, 10, at)
	if len(list) != 1 || list[0].Op != scheduler.OpCreate || list[0].ConferenceID != live.ID || list[0].InfinityState != scheduler.InfinityPending ||
		list[0].Record == nil || list[0].Record.MeetingUID != "uid-live" || list[0].AliasNumber == 0 {
		t.Fatalf("pending %+v", list)
	}
	horizon := t0.Add(90 * time.Minute)
	res := scheduler.ProvisionResult{State: scheduler.InfinityCreated, InfinityID: 7, Sent: map[string]string{"name": "Meeting uid-live"}, Horizon: horizon}
	if err := r.ProvisionDone(ctx, list[0].ID, res, at); err != nil {
		t.Fatal(err)
	}
	// The horizon is the window's end: no top-up.
	if n, _ := r.ProvisionReconcile(ctx, in.ID, true, at, far); n != 0 {
		t.Fatalf("queued %d for a conference written to its end", n)
	}
	// Behind (a series written up to less than its end): one top-up.
	if _, err := s.writer.ExecContext(ctx, `UPDATE scheduled_conferences SET valid_until = '' WHERE id = ?`, live.ID); err != nil {
		t.Fatal(err)
	}
	if n, _ := r.ProvisionReconcile(ctx, in.ID, true, at, far); n != 1 {
		t.Fatalf("queued %d top-ups, want 1", n)
	}
	if n, _ := r.ProvisionReconcile(ctx, in.ID, true, at, far); n != 0 {
		t.Fatalf("queued %d more top-ups", n)
	}
	list, _ = r.ProvisionPending(ctx, in.ID, 10, at)
	if len(list) != 1 || list[0].Op != scheduler.OpUpdate || !list[0].Horizon.Equal(horizon) || list[0].Sent["name"] != "Meeting uid-live" || len(list[0].Sent) != 1 {
		t.Fatalf("top-up %+v", list)
	}
	if err := r.ProvisionDone(ctx, list[0].ID, scheduler.ProvisionResult{State: scheduler.InfinityCreated, InfinityID: 7, Sent: res.Sent, Horizon: far.Add(time.Hour)}, at); err != nil {
		t.Fatal(err)
	}

	// Back to policy: the created one is deleted, once.
	if n, _ := r.ProvisionReconcile(ctx, in.ID, false, at, far); n != 1 {
		t.Fatalf("switch to policy: %d queued, want 1", n)
	}
	if n, _ := r.ProvisionReconcile(ctx, in.ID, false, at, far); n != 0 {
		t.Fatalf("queued %d more deletions", n)
	}
	list, _ = r.ProvisionPending(ctx, in.ID, 10, at)
	if len(list) != 1 || list[0].Op != scheduler.OpDelete || list[0].InfinityID != 7 {
		t.Fatalf("pending %+v", list)
	}
}
