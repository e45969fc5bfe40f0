package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/conference"
	"vmr-companion/backend/infinitysync"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/policy"
	"vmr-companion/backend/scheduler"
	"vmr-companion/backend/secrets"
)

// copyTest marks a test that opens both engines itself: it runs once, in
// the PostgreSQL pass (whose end stops the cluster).
func copyTest(t testing.TB) {
	t.Helper()
	if testEngine != Postgres {
		t.Skip("a copy between engines: it runs in the PostgreSQL pass")
	}
}

func openSQLiteAt(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// fillEveryTable writes, through the repositories, rows into every table
// of the schema; tag keeps names and keys apart between calls.
func fillEveryTable(t *testing.T, s *Store, tag string, key *secrets.Key) {
	t.Helper()
	ctx := context.Background()
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)

	// Integrations with domains and secret references, and add-in ids.
	var ins []*integration.Integration
	for i := range 3 {
		in := sample(0)
		in.UUID = fmt.Sprintf("00000000-0000-4000-8000-%s%011d", tag, i)
		in.Name = fmt.Sprintf("Ünïcode “%s” %d; '?', $1 -- x", tag, i)
		in.Description = strings.Repeat("long text ", 500)
		in.Domains = []string{tag + ".example.com", fmt.Sprintf("d%d.example.org", i)}
		if i < 2 {
			in.SecretsStored = []string{integration.SecretPassword}
		}
		ins = append(ins, in)
	}
	create(t, s.Integrations(), ins...)
	for _, in := range ins {
		if _, err := s.Manifests().Settle(ctx, in.ID, "fp-"+in.UUID); err != nil {
			t.Fatal(err)
		}
	}
	in := ins[0]

	// Personal VMRs with aliases.
	confs := []*conference.Conference{vmr("Meeting room "+tag, "room-"+tag+"@vc.example.com", "7"+tag+"1"), vmr("Board "+tag, "board-"+tag+"@vc.example.com")}
	confs[0].PIN, confs[0].GuestPIN, confs[0].AllowGuests = "1234", "5678", true
	createConferences(t, s.Conferences(), confs...)

	// Reservations, one used by a scheduled conference (the scheduler's
	// Commit: log, decided item, outbox, Infinity outbox), one cancelled.
	a1, _ := reserve(t, s.Aliases(), request(in.ID, "item-1-"+tag, at), tag+"1111")
	a2, _ := reserve(t, s.Aliases(), request(in.ID, "item-2-"+tag, at), tag+"2222")
	reserve(t, s.Aliases(), request(ins[1].ID, "item-3-"+tag, at), tag+"3333")
	rec := &scheduler.Record{IntegrationID: in.ID, ScheduledAliasID: a1.ID, Description: "weekly", Sequence: 2, TimeZone: "Europe/Oslo",
		Moved: []scheduler.MovedOccurrence{{Original: at.Add(7 * 24 * time.Hour), Start: at.Add(8 * 24 * time.Hour), End: at.Add(8*24*time.Hour + time.Hour)}}}
	c := &rec.ScheduledConference
	c.MeetingUID, c.ConferenceName, c.Kind, c.State = "uid-1-"+tag, "Weekly "+tag, scheduler.KindRecurring, scheduler.StateActive
	c.Subject, c.Organizer, c.Recurrence = "Weekly sync", "alice@example.com", "FREQ=WEEKLY;COUNT=5"
	c.Start, c.End, c.ValidFrom, c.ValidUntil = at, at.Add(time.Hour), at.Add(-15*time.Minute), at.Add(40*24*time.Hour)
	o := &scheduler.Outcome{IntegrationID: in.ID, ItemID: "ews-item-1-" + tag, ChangeKey: "ck1", Conference: rec, UseAlias: a1.ID,
		Entry: scheduler.LogEntry{TransactionID: "tx-1-" + tag, Time: at, Success: true, Code: scheduler.CodeAcceptNewSingle, ItemUID: c.MeetingUID,
			Subject: "Weekly sync", Organizer: "alice@example.com", Description: "accepted"},
		Outbox: []scheduler.OutboxEntry{{Key: "out-1-" + tag, Kind: scheduler.OutAccept, ItemID: "ews-item-1-" + tag, ChangeKey: "ck1",
			Mailbox: "alice@example.com", MeetingUID: c.MeetingUID, Body: "<p>Join: sip:" + a1.Alias + "</p>\x01"}},
		Infinity: []scheduler.InfinityOp{{Key: "tx-1-" + tag + "/infinity", Op: scheduler.OpCreate}}, InfinityState: scheduler.InfinityPending}
	if err := s.Scheduler().Commit(ctx, o); err != nil {
		t.Fatal(err)
	}
	decline := &scheduler.Outcome{IntegrationID: in.ID, ItemID: "ews-item-2-" + tag, ChangeKey: "ck", DeleteAlias: a2.ID,
		Entry:  scheduler.LogEntry{TransactionID: "tx-2-" + tag, Time: at, Code: scheduler.CodeRejectInvalidAliasID},
		Outbox: []scheduler.OutboxEntry{{Key: "out-2-" + tag, Kind: scheduler.OutDecline, ItemID: "ews-item-2-" + tag, Body: "no"}}}
	if err := s.Scheduler().Commit(ctx, decline); err != nil {
		t.Fatal(err)
	}
	if err := s.Scheduler().SaveSyncState(ctx, in.ID, "sync-state-"+tag, at); err != nil {
		t.Fatal(err)
	}
	if err := s.Scheduler().RecordError(ctx, ins[1].ID, "Exchange said no", "check the password", at); err != nil {
		t.Fatal(err)
	}
	retry := func(n int, at time.Time) (time.Time, bool) { return at.Add(time.Minute), n >= 2 }
	if _, err := s.Scheduler().FailItem(ctx, in.ID, scheduler.FailureReport{ItemID: "poison-" + tag, ChangeKey: "ck", Subject: "Poison",
		Reason: "cannot parse", CorrelationID: "corr-" + tag, At: at, LogCode: scheduler.CodeItemFailed, LogQuarantined: scheduler.CodeItemQuarantined}, retry); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.Scheduler().Lease(ctx, in.ID, scheduler.LeaseRequest{Token: "tok-" + tag, PID: 4242, Host: "old-host", At: at, TTL: time.Minute, Poll: 30 * time.Second}); err != nil || !ok {
		t.Fatalf("lease: %v %v", ok, err)
	}
	if _, err := s.Scheduler().Heartbeat(ctx, scheduler.InstanceBeat{Token: "tok-" + tag, Host: "old-host", PID: 4242, At: at, TTL: time.Minute}); err != nil {
		t.Fatal(err)
	}
	if err := s.Scheduler().BackOff(ctx, ins[1].ID, at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}

	// The calendar cache, settings and the store's identity.
	if err := s.Calendars().Save(ctx, "user:"+tag, "ews:"+tag, meetingsAt(at, "Standup", "Review ✓"), at); err != nil {
		t.Fatal(err)
	}
	if err := s.Calendars().RecordFailure(ctx, "user:"+tag, "ews:"+tag, "offline", at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.Settings().Set(ctx, map[string]string{"join_" + tag: "sip", policy.SettingUsername: "infinity"}, at); err != nil {
		t.Fatal(err)
	}
	identity, err := s.Identity(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// Infinity: the connection, links (one whose local object is gone:
	// NULL), history, the node, the sync lease.
	r := s.Infinity()
	if err := r.SaveConnection(ctx, infinitysync.StoredConnection{Connection: infinitysync.Connection{URL: "https://mgr.example.com", Auth: "basic", Username: "admin"},
		Account: "admin", Version: "36", ConnectedAt: at}); err != nil {
		t.Fatal(err)
	}
	base := json.RawMessage(`{"name":"x ` + tag + `"}`)
	remote := int(tag[0]) * 10
	links := []*infinitysync.Link{
		{Kind: infinitysync.KindIntegration, LocalID: in.ID, Name: in.Name, RemoteID: remote + 1, Base: base, Remote: base},
		{Kind: infinitysync.KindPersonalVMR, LocalID: confs[0].ID, Name: confs[0].Name, RemoteID: remote + 2, Base: base},
		{Kind: infinitysync.KindPersonalVMR, Name: "gone " + tag, PushState: "failed", PushError: "refused"},
	}
	if err := r.SaveLinks(ctx, links); err != nil {
		t.Fatal(err)
	}
	if err := r.AddHistory(ctx, &infinitysync.HistoryRow{Time: at, Who: "me", Action: "pull", Outcome: "ok", Summary: "pulled " + tag,
		Changes: []infinitysync.Change{{Kind: "integration", Name: in.Name, What: "created"}}}); err != nil {
		t.Fatal(err)
	}
	if err := r.SetNodeURL(ctx, "https://mgr.example.com"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.TakeLease(ctx, "old-host/4242/"+tag, at, time.Minute); err != nil {
		t.Fatal(err)
	}

	// Sealed secrets: one of an integration's, and the store's own
	// Infinity secret (so only the rest count as keychain references).
	vault := secrets.NewEncrypted(s.Secrets(), key, nil, 0)
	if err := vault.Set(ctx, secrets.Account(in.UUID, integration.SecretPassword), secrets.New("pw-"+tag)); err != nil {
		t.Fatal(err)
	}
	if err := vault.Set(ctx, secrets.Scope(nil, identity).Account(infinitysync.SecretAccount), secrets.New("inf-"+tag)); err != nil {
		t.Fatal(err)
	}
}

// primaryKey lists a table's primary key columns, from SQLite's schema
// (the same on both engines).
func primaryKey(t *testing.T, s *Store, table string) []string {
	t.Helper()
	cols := readStrings(t, s, `SELECT name FROM pragma_table_info('`+table+`') WHERE pk > 0 ORDER BY pk`)
	if len(cols) == 0 {
		t.Fatalf("%s has no primary key", table)
	}
	return cols
}

// readStrings reads one text column.
func readStrings(t *testing.T, s *Store, query string) []string {
	t.Helper()
	rows, err := s.reader.QueryContext(context.Background(), query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// dump reads a table as text, one line per row in primary-key order, the
// same whatever the engine.
func dump(t *testing.T, s *Store, table string, pk []string) []string {
	t.Helper()
	rows, err := s.reader.QueryContext(context.Background(), `SELECT * FROM "`+table+`" ORDER BY `+strings.Join(pk, ", "))
	if err != nil {
		t.Fatalf("reading %s: %v", table, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for i, v := range vals {
			switch x := v.(type) {
			case nil:
				fmt.Fprintf(&b, "%s=NULL ", cols[i])
			case []byte:
				fmt.Fprintf(&b, "%s=x'%s' ", cols[i], hex.EncodeToString(x))
			case string:
				fmt.Fprintf(&b, "%s=%q ", cols[i], x)
			default:
				fmt.Fprintf(&b, "%s=%v ", cols[i], x)
			}
		}
		out = append(out, b.String())
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// sameRows compares every copied table of two stores row by row.
func sameRows(t *testing.T, schema, a, b *Store) {
	t.Helper()
	for _, table := range copyTables {
		if table == policyTable {
			continue
		}
		pk := primaryKey(t, schema, table)
		ra, rb := dump(t, a, table, pk), dump(t, b, table, pk)
		if !slices.Equal(ra, rb) {
			t.Errorf("%s differs after the copy:\n%s:\n  %s\n%s:\n  %s", table, a.Database(), strings.Join(ra, "\n  "), b.Database(), strings.Join(rb, "\n  "))
		}
	}
}

func policyCounter(t *testing.T, s *Store) int64 {
	t.Helper()
	var n int64
	if err := s.reader.QueryRow(sqlPolicyCounter).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func rowCount(t *testing.T, s *Store, table string) int {
	t.Helper()
	var n int
	if err := s.reader.QueryRow(`SELECT count(*) FROM "` + table + `"`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCopySQLiteToPostgresAndBack: every row of every table arrives as it
// was, ids kept; new rows made on PostgreSQL afterwards get fresh ids;
// copied back into a new SQLite file, everything is the same again.
func TestCopySQLiteToPostgresAndBack(t *testing.T) {
	copyTest(t)
	ctx := context.Background()
	key, err := secrets.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	lite := openSQLiteAt(t, filepath.Join(t.TempDir(), FileName))
	fillEveryTable(t, lite, "a", key)
	for _, table := range copyTables {
		if rowCount(t, lite, table) == 0 {
			t.Fatalf("the fixture left %s empty: fill it too", table)
		}
	}

	pg := openPostgresTemp(t)
	var seen []string
	rep, err := Copy(ctx, lite, pg, func(table string, rows int64) { seen = append(seen, table) })
	if err != nil {
		t.Fatalf("Copy: %v", err)
	}
	sameRows(t, lite, lite, pg)
	if want := slices.DeleteFunc(slices.Clone(copyTables), func(s string) bool { return s == policyTable }); !slices.Equal(seen, want) {
		t.Errorf("progress saw %v, want %v", seen, want)
	}
	var total int64
	for _, tc := range rep.Tables {
		if int64(rowCount(t, lite, tc.Table)) != tc.Rows {
			t.Errorf("report: %s %d rows, the source has %d", tc.Table, tc.Rows, rowCount(t, lite, tc.Table))
		}
		total += tc.Rows
	}
	if rep.Rows != total || rep.SchemaVersion != latestVersion() || rep.From != lite.Path() || strings.Contains(rep.To, "password") {
		t.Errorf("report %+v", rep)
	}
	// Two integrations refer to a password; one is sealed, and the store's
	// policy password (policy_username is set) is not: two in the keychain.
	if rep.KeychainSecrets != 2 || rep.EncryptedSecrets != 2 {
		t.Errorf("secrets: %d in the keychain, %d sealed; want 2 and 2", rep.KeychainSecrets, rep.EncryptedSecrets)
	}
	if got, src := policyCounter(t, pg), policyCounter(t, lite); got <= src || rep.PolicyCounter != got {
		t.Errorf("policy counter %d (report %d), source %d: want above the source's", got, rep.PolicyCounter, src)
	}
	// The sealed values open with the key on the target, under the
	// copied identity.
	if id, _ := pg.Identity(ctx); id == "" {
		t.Fatal("no identity")
	} else if v, err := secrets.NewEncrypted(pg.Secrets(), key, nil, 0).Get(ctx, secrets.Scope(nil, id).Account(infinitysync.SecretAccount)); err != nil || v.Reveal() != "inf-a" {
		t.Fatalf("the Infinity secret on the target: %v", err)
	}

	// New rows on PostgreSQL, through the repositories: the sequences
	// start past the copied ids.
	fillEveryTable(t, pg, "b", key)
	for _, table := range []string{"integrations", "conferences", "scheduled_aliases", "scheduled_conferences", "scheduler_outbox", "scheduler_log", "infinity_objects", "infinity_history", "infinity_outbox"} {
		if got, want := rowCount(t, pg, table), 2*rowCount(t, lite, table); got != want {
			t.Errorf("%s: %d rows after adding on PostgreSQL, want %d", table, got, want)
		}
	}

	back := openSQLiteAt(t, filepath.Join(t.TempDir(), "back.db"))
	rep2, err := Copy(ctx, pg, back, nil)
	if err != nil {
		t.Fatalf("Copy back: %v", err)
	}
	sameRows(t, lite, pg, back)
	if rep2.Rows <= rep.Rows || policyCounter(t, back) <= policyCounter(t, pg) {
		t.Errorf("back: %d rows (first copy %d), counter %d", rep2.Rows, rep.Rows, policyCounter(t, back))
	}
	// And the file works: a reservation there takes a new id.
	in, err := back.Integrations().Get(ctx, "00000000-0000-4000-8000-b00000000000")
	if err != nil {
		t.Fatal(err)
	}
	if _, created := reserve(t, back.Aliases(), request(in.ID, "after", time.Now()), "999999"); !created {
		t.Fatal("no new reservation")
	}
}

// TestCopyRefusesATargetWithData: a target holding any row is left as it
// was, with a message naming the table; only the policy counter and an
// identity an instance made are allowed.
func TestCopyRefusesATargetWithData(t *testing.T) {
	copyTest(t)
	ctx := context.Background()
	key, _ := secrets.NewKey()
	lite := openSQLiteAt(t, filepath.Join(t.TempDir(), FileName))
	fillEveryTable(t, lite, "a", key)

	for _, engine := range []Engine{Postgres, SQLite} {
		t.Run(string(engine), func(t *testing.T) {
			target := openPostgresTemp(t)
			if engine == SQLite {
				target = openSQLiteAt(t, filepath.Join(t.TempDir(), "target.db"))
			}
			// An instance opened it: an identity and a moved counter are fine.
			if _, err := target.Identity(ctx); err != nil {
				t.Fatal(err)
			}
			if err := target.Calendars().Save(ctx, "k", "s", nil, time.Now()); err != nil {
				t.Fatal(err)
			}
			before := dump(t, target, "calendar_cache", []string{"key", "source"})
			counter := policyCounter(t, target)
			_, err := Copy(ctx, lite, target, nil)
			if !errors.Is(err, ErrTargetNotEmpty) || !strings.Contains(err.Error(), "calendar_cache") || !strings.Contains(err.Error(), "empty database") {
				t.Fatalf("Copy into a database with data: %v", err)
			}
			if after := dump(t, target, "calendar_cache", []string{"key", "source"}); !slices.Equal(before, after) || policyCounter(t, target) != counter ||
				rowCount(t, target, "integrations") != 0 || rowCount(t, target, "user_settings") != 1 {
				t.Fatal("the refused target changed")
			}
		})
	}

	t.Run("an identity alone is replaced by the source's", func(t *testing.T) {
		target := openPostgresTemp(t)
		if _, err := target.Identity(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := Copy(ctx, lite, target, nil); err != nil {
			t.Fatal(err)
		}
		a, _ := lite.Identity(ctx)
		b, _ := target.Identity(ctx)
		if a != b {
			t.Fatalf("identity %s on the target, %s on the source", b, a)
		}
	})

	t.Run("the same database", func(t *testing.T) {
		again := openSQLiteAt(t, lite.Path())
		if _, err := Copy(ctx, lite, again, nil); err == nil || !strings.Contains(err.Error(), "same database") {
			t.Fatalf("Copy onto itself: %v", err)
		}
	})
}

// TestCopyStoppedHalfWayLeavesTheTargetEmpty: a cancel after the third
// table rolls everything back, on either engine.
func TestCopyStoppedHalfWayLeavesTheTargetEmpty(t *testing.T) {
	copyTest(t)
	key, _ := secrets.NewKey()
	lite := openSQLiteAt(t, filepath.Join(t.TempDir(), FileName))
	fillEveryTable(t, lite, "a", key)

	for _, engine := range []Engine{Postgres, SQLite} {
		t.Run(string(engine), func(t *testing.T) {
			target := openPostgresTemp(t)
			if engine == SQLite {
				target = openSQLiteAt(t, filepath.Join(t.TempDir(), "target.db"))
			}
			counter := policyCounter(t, target)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			tables := 0
			_, err := Copy(ctx, lite, target, func(string, int64) {
				if tables++; tables == 3 {
					cancel()
				}
			})
			if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "nothing was written") {
				t.Fatalf("a cancelled copy: %v", err)
			}
			for _, table := range copyTables {
				if table != policyTable && rowCount(t, target, table) != 0 {
					t.Errorf("%s has rows after a cancelled copy", table)
				}
			}
			if policyCounter(t, target) != counter {
				t.Error("the policy counter moved")
			}
			// The target is still usable: a copy now succeeds.
			if _, err := Copy(context.Background(), lite, target, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestCopyTablesCoverTheSchema: the ordered list holds every table of the
// latest schema, on both engines, each after the tables it refers to.
func TestCopyTablesCoverTheSchema(t *testing.T) {
	copyTest(t)
	lite := openSQLiteAt(t, filepath.Join(t.TempDir(), FileName))
	tables := readStrings(t, lite, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_version' ORDER BY name`)
	listed := slices.Sorted(slices.Values(copyTables))
	if !slices.Equal(tables, listed) {
		t.Fatalf("the schema's tables %v, copyTables %v: add the new table to copyTables, after those it refers to", tables, listed)
	}
	for i, table := range copyTables {
		for _, ref := range readStrings(t, lite, `SELECT "table" FROM pragma_foreign_key_list('`+table+`')`) {
			if j := slices.Index(copyTables, ref); j < 0 || j >= i {
				t.Errorf("copyTables has %s before %s, which it refers to", table, ref)
			}
		}
	}
	pg := openPostgresTemp(t)
	pgTables := readStrings(t, pg, `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name <> 'schema_version' ORDER BY table_name COLLATE "C"`)
	if !slices.Equal(pgTables, listed) {
		t.Fatalf("PostgreSQL's tables %v, copyTables %v", pgTables, listed)
	}
	// Only the policy counter is seeded by the migrations.
	for _, table := range copyTables {
		if n := rowCount(t, lite, table); (table == policyTable) != (n > 0) {
			t.Errorf("%s holds %d rows in a new database", table, n)
		}
	}
}

// TestCopyConvertsValues: what either driver may hand out becomes what
// the target column takes; damaged text is refused with its column named
// but not its content.
func TestCopyConvertsValues(t *testing.T) {
	for _, c := range []struct {
		in   any
		kind columnKind
		want any
	}{
		{int64(5), kindInteger, int64(5)}, {"7", kindInteger, int64(7)}, {[]byte("8"), kindInteger, int64(8)}, {float64(3), kindInteger, int64(3)}, {true, kindInteger, int64(1)},
		{[]byte("héllo"), kindText, "héllo"}, {"x", kindText, "x"}, {int64(9), kindText, "9"},
		{"ab", kindBytes, []byte("ab")}, {[]byte{0, 1}, kindBytes, []byte{0, 1}},
		{nil, kindText, nil},
	} {
		got, err := convert(c.in, c.kind)
		if err != nil || fmt.Sprint(got) != fmt.Sprint(c.want) || fmt.Sprintf("%T", got) != fmt.Sprintf("%T", c.want) {
			t.Errorf("convert(%#v, %d) = %#v, %v; want %#v", c.in, c.kind, got, err, c.want)
		}
	}
	for _, c := range []struct {
		in   any
		kind columnKind
	}{{"secret-ish", kindInteger}, {1.5, kindInteger}, {[]byte("a\x00b"), kindText}, {"\xff", kindText}, {int64(1), kindBytes}} {
		_, err := convert(c.in, c.kind)
		if err == nil || strings.Contains(err.Error(), "secret-ish") {
			t.Errorf("convert(%#v, %d): %v", c.in, c.kind, err)
		}
	}
	if kindOf("INT8") != kindInteger || kindOf("INTEGER") != kindInteger || kindOf("BYTEA") != kindBytes || kindOf("BLOB") != kindBytes || kindOf("TEXT") != kindText {
		t.Error("kindOf")
	}
}

// BenchmarkCopySQLiteToPostgres copies 10,000 integrations (20,000
// domains) and 20,000 reservations into a fresh PostgreSQL database.
func BenchmarkCopySQLiteToPostgres(b *testing.B) {
	copyTest(b)
	ctx := context.Background()
	lite, err := Open(ctx, filepath.Join(b.TempDir(), FileName))
	if err != nil {
		b.Fatal(err)
	}
	defer lite.Close()
	for i := 0; i < 10000; i += 1000 {
		var list []*integration.Integration
		for j := i; j < i+1000; j++ {
			list = append(list, sample(j+1))
		}
		create(b, lite.Integrations(), list...)
	}
	// Reservations straight into the table: the copy is measured, not Reserve.
	err = lite.inTx(ctx, func(tx *sql.Tx) error {
		now := time.Now()
		for i := range 20000 {
			if _, err := tx.ExecContext(ctx, insertReservation, int64(i%10000+1), fmt.Sprintf("uuid-%d", i), fmt.Sprintf("vmr%07d@vc.example.com", i),
				fmt.Sprintf("%07d", i), int64(i), fmt.Sprintf("item-%d", i), "alice@example.com", "", 0, timestamp(now), timestamp(now.Add(time.Hour))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	var rows int64
	for b.Loop() {
		b.StopTimer()
		pg := openPostgresTemp(b)
		b.StartTimer()
		rep, err := Copy(ctx, lite, pg, nil)
		if err != nil {
			b.Fatal(err)
		}
		rows = rep.Rows
	}
	b.ReportMetric(float64(rows), "rows")
}
