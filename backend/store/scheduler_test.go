package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"vmr-companion/backend/scheduler"
)

// TestMailboxLease: one holder at a time; the same token renews; an expired
// or released lease, or one whose holder is gone, is taken; Exchange's
// back-off stays with the row and only grows.
func TestMailboxLease(t *testing.T) {
	s, in := withIntegration(t)
	ctx := context.Background()
	r := s.Scheduler()
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
