package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"vmr-companion/backend/scheduler"
)

// TestMailboxLease: one holder at a time; the same token renews; an expired
// or released lease, or one whose holder is gone, is taken; Exchange's
// back-off stays with the row and only grows.
//
// On PostgreSQL the database's clock judges instead (leaseOnServerClock).
func TestMailboxLease(t *testing.T) {
	s, in := withIntegration(t)
	ctx := context.Background()
	r := s.Scheduler()
	if s.Engine() == Postgres {
		leaseOnServerClock(t, r, in.ID)
		return
	}
	t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	req := func(token string, pid int, at time.Time) scheduler.LeaseRequest {
		return scheduler.LeaseRequest{Token: token, PID: pid, Host: "h1", At: at, TTL: time.Minute, Poll: 30 * time.Second}
	}
	if l, err := r.LeaseOf(ctx, in.ID); err != nil || l != nil {
		t.Fatalf("LeaseOf before any: %+v, %v", l, err)
	}
	l, ok, err := r.Lease(ctx, in.ID, req("a", 10, t0))
	if err != nil || !ok || l.PID != 10 || !l.ExpiresAt.Equal(t0.Add(time.Minute)) || l.Poll != 30*time.Second {
		t.Fatalf("first lease: %+v %v %v", l, ok, err)
	}
	if l, ok, _ := r.Lease(ctx, in.ID, req("b", 11, t0.Add(30*time.Second))); ok || l.PID != 10 {
		t.Fatalf("a second holder got the lease: %+v", l)
	}
	// Renewal keeps the acquisition time and moves the expiry.
	if l, ok, _ := r.Lease(ctx, in.ID, req("a", 10, t0.Add(50*time.Second))); !ok || !l.AcquiredAt.Equal(t0) || !l.ExpiresAt.Equal(t0.Add(110*time.Second)) {
		t.Fatalf("renewal: %+v %v", l, ok)
	}
	// Expired (by the stored time, on the caller's clock): taken.
	if l, ok, _ := r.Lease(ctx, in.ID, req("b", 11, t0.Add(111*time.Second))); !ok || l.PID != 11 {
		t.Fatalf("after expiry: %+v %v", l, ok)
	}
	// A gone holder is taken before expiry.
	stale := req("c", 12, t0.Add(112*time.Second))
	stale.Stale = func(host string, pid int) bool { return host == "h1" && pid == 11 }
	if l, ok, _ := r.Lease(ctx, in.ID, stale); !ok || l.PID != 12 {
		t.Fatalf("over a gone holder: %+v %v", l, ok)
	}
	// Released: free at once; releasing with another token does nothing.
	if err := r.ReleaseLease(ctx, in.ID, "b"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := r.Lease(ctx, in.ID, req("d", 13, t0.Add(113*time.Second))); ok {
		t.Fatal("a release by a former holder freed the lease")
	}
	if err := r.ReleaseLease(ctx, in.ID, "c"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := r.Lease(ctx, in.ID, req("d", 13, t0.Add(113*time.Second))); !ok {
		t.Fatal("a released lease was not free")
	}
	if err := r.BackOff(ctx, in.ID, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := r.BackOff(ctx, in.ID, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if l, _ := r.LeaseOf(ctx, in.ID); l == nil || !l.BackOffUntil.Equal(t0.Add(time.Hour)) || l.PID != 13 {
		t.Fatalf("back-off: %+v", l)
	}
}

// leaseOnServerClock: instances whose clocks disagree with the database
// server's by hours still see one holder; expiry follows the server.
func leaseOnServerClock(t *testing.T, r *Scheduler, id int64) {
	ctx := context.Background()
	now := time.Now()
	req := func(token string, pid int, at time.Time, ttl time.Duration) scheduler.LeaseRequest {
		return scheduler.LeaseRequest{Token: token, PID: pid, Host: "h1", At: at, TTL: ttl, Poll: 30 * time.Second}
	}
	l, ok, err := r.Lease(ctx, id, req("a", 10, now, time.Minute))
	if err != nil || !ok || l.PID != 10 || !l.ExpiresAt.After(now) {
		t.Fatalf("first lease: %+v %v %v", l, ok, err)
	}
	ahead := now.Add(2 * time.Hour)
	l, ok, err = r.Lease(ctx, id, req("b", 11, ahead, time.Minute))
	if err != nil || ok || l.PID != 10 {
		t.Fatalf("an instance whose clock runs two hours ahead took the lease: %+v %v %v", l, ok, err)
	}
	if !l.ExpiresAt.After(ahead) {
		t.Errorf("the holder's lease is not shown in the asking instance's clock: expires %s, its now %s", l.ExpiresAt, ahead)
	}
	// The holder renews, even with its clock two hours behind.
	if l, ok, err := r.Lease(ctx, id, req("a", 10, now.Add(-2*time.Hour), time.Minute)); err != nil || !ok || l.PID != 10 {
		t.Fatalf("renewal with a slow clock: %+v %v %v", l, ok, err)
	}
	stale := req("c", 12, now, time.Minute)
	stale.Stale = func(host string, pid int) bool { return host == "h1" && pid == 10 }
	if l, ok, _ := r.Lease(ctx, id, stale); !ok || l.PID != 12 {
		t.Fatalf("over a gone holder: %+v %v", l, ok)
	}
	if err := r.ReleaseLease(ctx, id, "c"); err != nil {
		t.Fatal(err)
	}
	// A very short lease: another instance, its clock a day behind, gets
	// it as soon as the server's clock passes the expiry.
	if _, ok, err := r.Lease(ctx, id, req("d", 13, now, time.Millisecond)); err != nil || !ok {
		t.Fatalf("short lease: %v %v", ok, err)
	}
	behind := now.Add(-24 * time.Hour)
	for deadline := time.Now().Add(30 * time.Second); ; {
		l, ok, err := r.Lease(ctx, id, req("e", 14, behind, time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			if l.PID != 14 {
				t.Fatalf("after expiry: %+v", l)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a lease expired on the server's clock was never given to an instance whose clock is behind")
		}
	}
	if err := r.BackOff(ctx, id, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := r.BackOff(ctx, id, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if l, _ := r.LeaseOf(ctx, id); l == nil || l.BackOffUntil.Before(now.Add(59*time.Minute)) || l.PID != 14 {
		t.Fatalf("back-off: %+v", l)
	}
}

// TestInstanceHeartbeat: instances on a shared database see each other;
// a heartbeat renews the instance's leases; leaving frees them at once.
func TestInstanceHeartbeat(t *testing.T) {
	s, in := withIntegration(t)
	in2 := sample(2)
	create(t, s.Integrations(), in2)
	ctx := context.Background()
	r := s.Scheduler()
	now := time.Now()
	beat := func(token, host string) *scheduler.InstanceView {
		t.Helper()
		v, err := r.Heartbeat(ctx, scheduler.InstanceBeat{Token: token, Host: host, PID: 7, At: time.Now(), TTL: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := beat("tok-a", "a"); len(v.Live) != 1 || v.Live[0].Host != "a" || len(v.Held) != 0 {
		t.Fatalf("first beat: %+v", v)
	}
	take := func(id int64, token string) bool {
		t.Helper()
		_, ok, err := r.Lease(ctx, id, scheduler.LeaseRequest{Token: token, PID: 7, Host: token, At: now, TTL: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !take(in.ID, "tok-a") || !take(in2.ID, "tok-b") {
		t.Fatal("free mailboxes were not taken")
	}
	if v := beat("tok-b", "b"); len(v.Live) != 2 || len(v.Held) != 1 || v.Held[0] != in2.ID {
		t.Fatalf("second instance's beat: %+v", v)
	}
	if v := beat("tok-a", "a"); len(v.Held) != 1 || v.Held[0] != in.ID {
		t.Fatalf("first instance's mailboxes: %+v", v)
	}
	if err := r.LeaveInstances(ctx, "tok-a", nil); err != nil {
		t.Fatal(err)
	}
	if !take(in.ID, "tok-c") {
		t.Fatal("a mailbox of an instance that left was not free")
	}
	if take(in2.ID, "tok-c") {
		t.Fatal("another instance's mailbox was taken")
	}
	if v := beat("tok-b", "b"); len(v.Live) != 1 || v.Live[0].Host != "b" {
		t.Fatalf("after one instance left: %+v", v)
	}
}

// TestFailuresAndQuarantine: failures count, back off, quarantine, show in
// status and the log, and Retry puts them back; a decision clears them.
func TestFailuresAndQuarantine(t *testing.T) {
	s, in := withIntegration(t)
	ctx := context.Background()
	r := s.Scheduler()
	t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	policy := func(n int, at time.Time) (time.Time, bool) { return at.Add(time.Duration(n) * time.Minute), n >= 3 }
	long := strings.Repeat("Ⱥ", 800) + "\xff"
	f := scheduler.FailureReport{ItemID: "item-1", ChangeKey: "ck1", Subject: "Poison", Organizer: "eve@example.com", Reason: long,
		CorrelationID: "corr-1", At: t0, LogCode: scheduler.CodeItemFailed, LogQuarantined: scheduler.CodeItemQuarantined}
	got, err := r.FailItem(ctx, in.ID, f, policy)
	if err != nil || got.Attempts != 1 || got.Quarantined || !got.NextAttempt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("first failure: %+v, %v", got, err)
	}
	if !utf8.ValidString(got.Reason) || len(got.Reason) > maxReason+len("…") {
		t.Fatalf("the reason is not bounded valid text: %d bytes", len(got.Reason))
	}
	if due, _ := r.DueItems(ctx, in.ID, t0, 10); len(due) != 0 {
		t.Fatalf("due during the back-off: %v", due)
	}
	if due, _ := r.DueItems(ctx, in.ID, t0.Add(time.Minute), 10); len(due) != 1 || due[0] != (scheduler.ItemKey{ID: "item-1", ChangeKey: "ck1"}) {
		t.Fatalf("due after the back-off: %v", due)
	}
	r.FailItem(ctx, in.ID, f, policy)
	got, _ = r.FailItem(ctx, in.ID, f, policy)
	if !got.Quarantined || got.Attempts != 3 || !got.FirstFailed.Equal(t0) {
		t.Fatalf("third failure: %+v", got)
	}
	if due, _ := r.DueItems(ctx, in.ID, t0.Add(time.Hour), 10); len(due) != 0 {
		t.Fatalf("a quarantined item is due: %v", due)
	}
	if done, _ := r.Decided(ctx, in.ID, []scheduler.ItemKey{{ID: "item-1", ChangeKey: "ck1"}, {ID: "item-1", ChangeKey: "ck2"}}); !done[scheduler.ItemKey{ID: "item-1", ChangeKey: "ck1"}] ||
		done[scheduler.ItemKey{ID: "item-1", ChangeKey: "ck2"}] {
		t.Fatalf("a quarantined item must be left aside at its change key only: %v", done)
	}
	st, err := r.Status(ctx, in.ID)
	if err != nil || st.QuarantinedCount != 1 || st.Quarantined[0].Subject != "Poison" || st.Quarantined[0].CorrelationID != "corr-1" {
		t.Fatalf("status %+v, %v", st, err)
	}
	log, _ := r.Log(ctx, in.ID, 10)
	if len(log) != 3 || log[0].Code != scheduler.CodeItemQuarantined || log[1].Code != scheduler.CodeItemFailed || log[0].Success {
		t.Fatalf("log %+v", log)
	}
	if err := r.Retry(ctx, in.ID, scheduler.FailedItem, "nope"); !errors.Is(err, scheduler.ErrNotQuarantined) {
		t.Fatalf("retry of an unknown id: %v", err)
	}
	if err := r.Retry(ctx, in.ID, "other", "item-1"); err == nil {
		t.Fatal("an unknown kind was accepted")
	}
	if err := r.Retry(ctx, in.ID, scheduler.FailedItem, "item-1"); err != nil {
		t.Fatal(err)
	}
	if due, _ := r.DueItems(ctx, in.ID, t0, 10); len(due) != 1 {
		t.Fatalf("a retried item is not due at once: %v", due)
	}
	// Deciding it clears the failure.
	o := &scheduler.Outcome{IntegrationID: in.ID, ItemID: "item-1", ChangeKey: "ck1",
		Entry: scheduler.LogEntry{TransactionID: "tx", Time: t0, Code: scheduler.CodeRejectInvalidAliasID}}
	if err := r.Commit(ctx, o); err != nil {
		t.Fatal(err)
	}
	if due, _ := r.DueItems(ctx, in.ID, t0.Add(time.Hour), 10); len(due) != 0 {
		t.Fatalf("a decided item is still due: %v", due)
	}
}

// TestOutboxClaims: MarkAttempted claims only entries still waiting, and
// on PostgreSQL skips rows another transaction holds at that moment.
func TestOutboxClaims(t *testing.T) {
	s, in := withIntegration(t)
	ctx := context.Background()
	r := s.Scheduler()
	t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	o := &scheduler.Outcome{IntegrationID: in.ID, ItemID: "item", ChangeKey: "ck",
		Entry: scheduler.LogEntry{TransactionID: "tx", Time: t0, Success: true, Code: "accept_new_single"}}
	for i := range 3 {
		o.Outbox = append(o.Outbox, scheduler.OutboxEntry{Key: fmt.Sprintf("key-%d", i), Kind: scheduler.OutAccept, ItemID: "item", Body: "<p>ok</p>"})
	}
	if err := r.Commit(ctx, o); err != nil {
		t.Fatal(err)
	}
	pending, err := r.Pending(ctx, in.ID, 10, t0)
	if err != nil || len(pending) != 3 {
		t.Fatalf("Pending: %v %v", pending, err)
	}
	ids := []int64{pending[0].ID, pending[1].ID, pending[2].ID}
	if err := r.MarkSent(ctx, ids[:1], t0); err != nil {
		t.Fatal(err)
	}
	if s.Engine() == Postgres {
		// Another instance's claim in progress holds the last row.
		tx, err := s.writer.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, `SELECT id FROM scheduler_outbox WHERE id = ? FOR UPDATE`, ids[2]); err != nil {
			t.Fatal(err)
		}
		claimed, err := r.MarkAttempted(ctx, ids)
		if err != nil || len(claimed) != 1 || claimed[0] != ids[1] {
			t.Fatalf("claimed %v (%v), want only %d: the sent entry and the locked one are left", claimed, err, ids[1])
		}
		tx.Rollback()
	}
	claimed, err := r.MarkAttempted(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(claimed) != 2 || claimed[0] != ids[1] || claimed[1] != ids[2] {
		t.Fatalf("claimed %v, want %v: a sent entry is never claimed again", claimed, ids[1:])
	}
	left, _ := r.Pending(ctx, in.ID, 10, t0)
	for _, e := range left {
		if e.State != "attempted" {
			t.Errorf("entry %d is %s after its claim", e.ID, e.State)
		}
	}
}
