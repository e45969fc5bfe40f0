package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"vmr-companion/backend/scheduler"
)

// A series written before migration 13 has no zone and no moved
// occurrences: the scheduler and the policy read them as UTC and none, and
// a write keeps what the scheduler records.
func TestSeriesFromBeforeZonesWereKept(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	old, err := open(ctx, path, 12)
	if err != nil {
		t.Fatal(err)
	}
	insertIntegrationRow(t, old.writer)
	for _, q := range []string{
		`INSERT INTO scheduled_aliases (integration_id, uuid, alias, numeric_alias, alias_number, item_key, is_used,
			ews_item_uid, creation_time, expires_at) SELECT id, 'a-uuid', 'meet100001@vc.example.com', '100001', 100001,
			'compose-1', 1, 'uid-old', '2026-12-01T08:00:00Z', '2026-12-02T08:00:00Z' FROM integrations`,
		`INSERT INTO scheduled_conferences (integration_id, scheduled_alias_id, meeting_uid, name, kind, state, recurrence,
			start_time, end_time, valid_from, cancelled_occurrences, created_at, updated_at)
			SELECT i.id, a.id, 'uid-old', 'Old series', 'recurring', 'active', 'FREQ=WEEKLY',
			'2026-12-07T09:00:00Z', '2026-12-07T10:00:00Z', '2026-12-07T08:30:00Z', '["2026-12-14T09:00:00Z"]',
			'2026-12-01T08:00:00Z', '2026-12-01T08:00:00Z' FROM integrations i, scheduled_aliases a`,
	} {
		if _, err := old.writer.Exec(q); err != nil {
			t.Fatalf("writing a version 12 row: %v", err)
		}
	}
	old.Close()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	snap, err := s.Policy().PolicySnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Aliases) != 1 || snap.Aliases[0].Conference == nil {
		t.Fatalf("snapshot %+v", snap.Aliases)
	}
	if c := snap.Aliases[0].Conference; c.TimeZone != "" || len(c.Moved) != 0 || len(c.Cancelled) != 1 {
		t.Fatalf("the old row reads zone %q, moved %+v, cancelled %v", c.TimeZone, c.Moved, c.Cancelled)
	}
	rec, err := s.Scheduler().Meeting(ctx, snap.Aliases[0].IntegrationID, "uid-old")
	if err != nil {
		t.Fatal(err)
	}
	if rec.TimeZone != "" || rec.Moved == nil || len(rec.Moved) != 0 {
		t.Fatalf("the old record: zone %q, moved %#v", rec.TimeZone, rec.Moved)
	}

	// The scheduler records the zone and a move; both read back, in the
	// policy's snapshot too.
	orig := time.Date(2026, 12, 21, 9, 0, 0, 0, time.UTC)
	move := scheduler.MovedOccurrence{Original: orig, Start: orig.Add(26 * time.Hour), End: orig.Add(27 * time.Hour)}
	rec.TimeZone, rec.Moved = "Europe/Oslo", []scheduler.MovedOccurrence{move}
	out := &scheduler.Outcome{IntegrationID: rec.IntegrationID, ItemID: "item", ChangeKey: "ck", Conference: rec,
		Entry: scheduler.LogEntry{TransactionID: "tx", Time: orig, Success: true, Code: scheduler.CodeAcceptEditedOccurrence}}
	if err := s.Scheduler().Commit(ctx, out); err != nil {
		t.Fatal(err)
	}
	again, err := s.Scheduler().Meeting(ctx, rec.IntegrationID, "uid-old")
	if err != nil {
		t.Fatal(err)
	}
	if again.TimeZone != "Europe/Oslo" || len(again.Moved) != 1 || !again.Moved[0].Start.Equal(move.Start) ||
		!again.Moved[0].Original.Equal(orig) || !again.Moved[0].End.Equal(move.End) {
		t.Fatalf("read back: zone %q, moved %+v", again.TimeZone, again.Moved)
	}
	snap, err = s.Policy().PolicySnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c := snap.Aliases[0].Conference; c.TimeZone != "Europe/Oslo" || len(c.Moved) != 1 || !c.Moved[0].Start.Equal(move.Start) {
		t.Fatalf("the policy reads zone %q, moved %+v", c.TimeZone, c.Moved)
	}
	// A moved_occurrences value that is not JSON is refused by the table.
	if _, err := s.writer.Exec(`UPDATE scheduled_conferences SET moved_occurrences = 'nope'`); err == nil {
		t.Fatal("moved_occurrences accepted text that is not JSON")
	}
}
