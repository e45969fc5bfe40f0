package store

import (
	"context"
	"testing"
	"time"

	"vmr-companion/backend/scheduler"
)

// Workers commit in any order and RFC 3339 times do not sort as text: a
// meeting moved by a decision whose timestamp sorts before an earlier
// one still changes the version.
func TestPolicyVersionChangesWhenAMeetingMovesAfterALaterOne(t *testing.T) {
	s, in := withIntegration(t)
	ctx := context.Background()
	p := s.Policy()
	mk := func(item, uid, name, num string) (*scheduler.Record, int64) {
		a, _ := reserve(t, s.Aliases(), request(in.ID, item, t0), num)
		rec := &scheduler.Record{IntegrationID: in.ID, ScheduledAliasID: a.ID}
		c := &rec.ScheduledConference
		c.Alias, c.NumericAlias, c.AliasUUID, c.MeetingUID, c.ConferenceName = a.Alias, a.NumericAlias, a.UUID, uid, name
		c.Kind, c.State, c.Start, c.End, c.ValidFrom, c.ValidUntil = scheduler.KindSingle, scheduler.StateActive, t0, t0.Add(time.Hour), t0, t0.Add(2*time.Hour)
		return rec, a.ID
	}
	commit := func(rec *scheduler.Record, aid int64, item string, at time.Time) {
		t.Helper()
		err := s.Scheduler().Commit(ctx, &scheduler.Outcome{IntegrationID: in.ID, ItemID: item, ChangeKey: at.String(),
			Entry: scheduler.LogEntry{TransactionID: "tx-" + at.String(), Time: at, Success: true, Code: "accept_new_single"}, Conference: rec, UseAlias: aid})
		if err != nil {
			t.Fatal(err)
		}
	}
	base := time.Date(2026, 12, 7, 9, 0, 1, 0, time.UTC)
	recB, bID := mk("item-b", "uid-b", "B", "111111")
	commit(recB, bID, "item-b", base.Add(100*time.Millisecond))
	recA, aID := mk("item-a", "uid-a", "A", "222222")
	commit(recA, aID, "item-a", base.Add(500*time.Millisecond)) // updated_at …:01.5Z
	v1, _ := p.PolicyVersion(ctx)
	// B is moved 3 hours later, decided 20 ms after A (…:01.52Z).
	recB.ScheduledConference.Start = t0.Add(3 * time.Hour)
	recB.ScheduledConference.End = t0.Add(4 * time.Hour)
	recB.ScheduledConference.ValidFrom = t0.Add(3 * time.Hour)
	recB.ScheduledConference.ValidUntil = t0.Add(5 * time.Hour)
	commit(recB, bID, "item-b", base.Add(520*time.Millisecond))
	v2, _ := p.PolicyVersion(ctx)
	t.Logf("before %q after %q", v1, v2)
	if v1 == v2 {
		t.Fatal("a moved meeting did not change the policy version: the policy keeps answering from the old window")
	}
}
