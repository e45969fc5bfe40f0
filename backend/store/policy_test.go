package store

import (
	"context"
	"testing"
	"time"

	"vmr-companion/backend/scheduler"
)

// TestPolicyVersionChangesWithEveryWriteThatChangesAnswers: the policy
// reloads only when the version changes, so each kind of write it answers
// from must change it, and its own log lines must not.
func TestPolicyVersionChangesWithEveryWriteThatChangesAnswers(t *testing.T) {
	s, in := withIntegration(t)
	ctx := context.Background()
	p := s.Policy()
	version := func() string {
		t.Helper()
		v, err := p.PolicyVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	changed := func(what string, before string) string {
		t.Helper()
		v := version()
		if v == before {
			t.Fatalf("%s did not change the version %q", what, v)
		}
		return v
	}
	v := version()
	a, _ := reserve(t, s.Aliases(), request(in.ID, "item-1", t0), "123456")
	v = changed("a reservation", v)

	rec := &scheduler.Record{IntegrationID: in.ID, ScheduledAliasID: a.ID}
	c := &rec.ScheduledConference
	c.Alias, c.NumericAlias, c.AliasUUID, c.MeetingUID, c.ConferenceName = a.Alias, a.NumericAlias, a.UUID, "uid-1", "Review"
	c.Kind, c.State, c.Start, c.End, c.ValidFrom, c.ValidUntil = scheduler.KindSingle, scheduler.StateActive, t0, t0.Add(time.Hour), t0, t0.Add(2*time.Hour)
	commit := func(at time.Time, del int64) {
		t.Helper()
		err := s.Scheduler().Commit(ctx, &scheduler.Outcome{IntegrationID: in.ID, ItemID: "item", ChangeKey: at.String(),
			Entry: scheduler.LogEntry{TransactionID: "tx", Time: at, Success: true, Code: "accept_new_single"}, Conference: rec, UseAlias: a.ID, DeleteAlias: del})
		if err != nil {
			t.Fatal(err)
		}
	}
	commit(t0, 0)
	v = changed("a new conference", v)
	commit(t0.Add(time.Second), 0)
	v = changed("an edited conference", v)

	snap, err := p.PolicySnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Version != v || len(snap.Aliases) != 1 || snap.Aliases[0].Conference == nil || snap.Aliases[0].Conference.Name != "Review" ||
		len(snap.Integrations) != 1 || snap.Integrations[0].ID != in.ID {
		t.Fatalf("snapshot %+v", snap)
	}

	if err := p.LogDecisions(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if v2 := version(); v2 != v {
		t.Fatal("an empty log write changed the version")
	}

	rec.State = scheduler.StateCancelled
	commit(t0.Add(2*time.Second), a.ID)
	v = changed("a cancelled meeting", v)
	if snap, _ := p.PolicySnapshot(ctx); !snap.Aliases[0].Deleted || snap.Aliases[0].Conference.State != scheduler.StateCancelled {
		t.Fatalf("after the cancellation: %+v", snap.Aliases[0])
	}

	in.Description = "edited"
	if err := s.Integrations().Update(ctx, in); err != nil {
		t.Fatal(err)
	}
	v = changed("an integration edit", v)
	if err := s.Integrations().Delete(ctx, in.UUID); err != nil {
		t.Fatal(err)
	}
	changed("a deleted integration", v)
}
