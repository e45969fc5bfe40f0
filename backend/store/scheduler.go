package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"vmr-companion/backend/scheduler"
)

// Scheduler is the scheduler's repository: sync state, decided items,
// scheduled conferences, the outbox and the operations log.
func (s *Store) Scheduler() *Scheduler { return &Scheduler{s: s} }

// Scheduler reads and writes the scheduler's tables.
type Scheduler struct{ s *Store }

var _ scheduler.Repository = (*Scheduler)(nil)

// SyncState returns the saved EWS sync state ("" before the first sync).
func (r *Scheduler) SyncState(ctx context.Context, integrationID int64) (string, error) {
	var st string
	err := r.s.reader.QueryRowContext(ctx, `SELECT sync_state FROM scheduler_state WHERE integration_id = ?`, integrationID).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: reading the sync state: %w", err)
	}
	return st, nil
}

const ensureState = `INSERT INTO scheduler_state (integration_id) VALUES (?) ON CONFLICT (integration_id) DO NOTHING`

// SaveSyncState advances the sync state.
func (r *Scheduler) SaveSyncState(ctx context.Context, integrationID int64, state string, at time.Time) error {
	return r.s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, ensureState, integrationID); err != nil {
			return fmt.Errorf("store: saving the sync state: %w", err)
		}
		_, err := tx.ExecContext(ctx, `UPDATE scheduler_state SET sync_state = ?, last_sync = ?, last_error = '', advice = ''
			WHERE integration_id = ?`, state, timestamp(at), integrationID)
		if err != nil {
			return fmt.Errorf("store: saving the sync state: %w", err)
		}
		return nil
	})
}

// Decided returns which items were decided at their change keys.
func (r *Scheduler) Decided(ctx context.Context, integrationID int64, items []scheduler.ItemKey) (map[scheduler.ItemKey]bool, error) {
	out := map[scheduler.ItemKey]bool{}
	if len(items) == 0 {
		return out, nil
	}
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	list, _ := json.Marshal(ids)
	// Quarantined items count as decided at their change key: a page that
	// meets one again leaves it aside until an admin retries it.
	rows, err := r.s.reader.QueryContext(ctx, `SELECT item_id, change_key FROM scheduler_items
		WHERE integration_id = ?1 AND item_id IN (SELECT value FROM json_each(?2))
		UNION SELECT item_id, change_key FROM scheduler_failures
		WHERE integration_id = ?1 AND quarantined = 1 AND item_id IN (SELECT value FROM json_each(?2))`, integrationID, string(list))
	if err != nil {
		return nil, fmt.Errorf("store: reading decided items: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k scheduler.ItemKey
		if err := rows.Scan(&k.ID, &k.ChangeKey); err != nil {
			return nil, fmt.Errorf("store: reading decided items: %w", err)
		}
		out[k] = true
	}
	return out, rows.Err()
}

const recordColumns = `c.id, c.integration_id, i.name, c.scheduled_alias_id, a.alias, a.numeric_alias, a.uuid,
	c.meeting_uid, c.name, c.description, c.kind, c.state, c.subject, c.organizer, c.organizer_name, c.sequence,
	c.recurrence, c.start_time, c.end_time, c.valid_from, c.valid_until, c.cancelled_occurrences, c.updated_at,
	c.infinity_state, c.infinity_id, c.infinity_error, c.time_zone, c.moved_occurrences`

const recordFrom = ` FROM scheduled_conferences c
	JOIN integrations i ON i.id = c.integration_id
	JOIN scheduled_aliases a ON a.id = c.scheduled_alias_id`

const sqlMeeting = `SELECT ` + recordColumns + recordFrom + ` WHERE c.integration_id = ? AND c.meeting_uid = ?`

// The statements of Commit, prepared once (see Store.stmts).
const (
	sqlMarkAliasUsed = `UPDATE scheduled_aliases SET is_used = 1, ews_item_uid = ? WHERE id = ?`
	sqlInsertOutbox  = `INSERT INTO scheduler_outbox (integration_id, key, kind, item_id, change_key,
		mailbox, meeting_uid, body, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)`
	sqlInsertLog = `INSERT INTO scheduler_log (integration_id, transaction_uuid, time, success, code,
		description, item_uid, subject, organizer) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
	sqlDecideItem = `INSERT INTO scheduler_items (integration_id, item_id, change_key, code, decided_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (integration_id, item_id) DO UPDATE SET change_key = excluded.change_key,
		code = excluded.code, decided_at = excluded.decided_at`
	sqlClearItemFailures = `DELETE FROM scheduler_failures WHERE integration_id = ? AND item_id = ?`
	sqlStateProcessed    = `UPDATE scheduler_state SET last_item = ?, last_item_at = ?, processed = processed + 1
		WHERE integration_id = ?`
	sqlNameTaken = `SELECT (SELECT count(*) FROM conferences WHERE name = ?1) +
		(SELECT count(*) FROM scheduled_conferences WHERE name = ?1 AND id != ?2)`
	sqlInsertConference = `INSERT INTO scheduled_conferences (integration_id, scheduled_alias_id, meeting_uid, name,
		description, kind, state, subject, organizer, organizer_name, sequence, recurrence, start_time, end_time,
		valid_from, valid_until, cancelled_occurrences, time_zone, moved_occurrences, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
	sqlUpdateConference = `UPDATE scheduled_conferences SET name = ?, description = ?, kind = ?, state = ?, subject = ?,
		organizer = ?, organizer_name = ?, sequence = ?, recurrence = ?, start_time = ?, end_time = ?, valid_from = ?,
		valid_until = ?, cancelled_occurrences = ?, time_zone = ?, moved_occurrences = ?, updated_at = ? WHERE id = ?`
)

// exec runs a hot statement inside tx.
func (r *Scheduler) txExec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	st, err := r.s.txStmt(ctx, tx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func scanRecord(row scanner) (*scheduler.Record, error) {
	rec := &scheduler.Record{}
	c := &rec.ScheduledConference
	var start, end, from, until, cancelled, updated, moved string
	err := row.Scan(&c.ID, &rec.IntegrationID, &c.Integration, &rec.ScheduledAliasID, &c.Alias, &c.NumericAlias, &c.AliasUUID,
		&c.MeetingUID, &c.ConferenceName, &rec.Description, &c.Kind, &c.State, &c.Subject, &c.Organizer, &c.OrganizerName,
		&rec.Sequence, &c.Recurrence, &start, &end, &from, &until, &cancelled, &updated, &c.InfinityState, &c.InfinityID, &c.InfinityReason,
		&rec.TimeZone, &moved)
	if err != nil {
		return nil, err
	}
	c.Start, c.End, c.ValidFrom, c.UpdatedAt = parseTime(start), parseTime(end), parseTime(from), parseTime(updated)
	if until != "" {
		c.ValidUntil = parseTime(until)
	}
	c.InfinityStatus = c.InfinityLine()
	c.Cancelled = []time.Time{}
	if err := json.Unmarshal([]byte(cancelled), &c.Cancelled); err != nil {
		return nil, fmt.Errorf("store: scheduled conference %d: cancelled occurrences: %w", c.ID, err)
	}
	rec.Moved = []scheduler.MovedOccurrence{}
	if err := json.Unmarshal([]byte(moved), &rec.Moved); err != nil {
		return nil, fmt.Errorf("store: scheduled conference %d: moved occurrences: %w", c.ID, err)
	}
	return rec, nil
}

// Meeting finds the scheduled conference of a meeting UID.
func (r *Scheduler) Meeting(ctx context.Context, integrationID int64, uid string) (*scheduler.Record, error) {
	rec, err := scanRecord(r.s.readStmt(sqlMeeting).QueryRowContext(ctx, integrationID, uid))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, scheduler.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: reading a scheduled conference: %w", err)
	}
	return rec, nil
}

// Commit writes one decision: the conference change, the reservation's
// state, the outbox entries, the log line and the decided item, together.
func (r *Scheduler) Commit(ctx context.Context, o *scheduler.Outcome) error {
	// A transaction PostgreSQL aborts runs again (inTx): each run starts
	// from the conference as given, not with the id and name the aborted
	// run set (an update of a row that was never created).
	var id int64
	var name string
	if o.Conference != nil {
		id, name = o.Conference.ID, o.Conference.ConferenceName
	}
	return r.s.inTx(ctx, func(tx *sql.Tx) error {
		now := timestamp(o.Entry.Time)
		if o.Conference != nil {
			o.Conference.ID, o.Conference.ConferenceName = id, name
			if err := r.writeConference(ctx, tx, o.Conference, now); err != nil {
				return err
			}
		}
		if o.UseAlias != 0 {
			if _, err := r.txExec(ctx, tx, sqlMarkAliasUsed, o.Conference.MeetingUID, o.UseAlias); err != nil {
				return fmt.Errorf("store: marking the alias used: %w", err)
			}
		}
		if o.DeleteAlias != 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE scheduled_aliases SET deleted_at = ?, conference_deletion_time = ? WHERE id = ?`,
				now, now, o.DeleteAlias); err != nil {
				return fmt.Errorf("store: marking the alias deleted: %w", err)
			}
		}
		if err := r.queueInfinity(ctx, tx, o, now); err != nil {
			return err
		}
		for _, e := range o.Outbox {
			if _, err := r.txExec(ctx, tx, sqlInsertOutbox, o.IntegrationID, e.Key, e.Kind, e.ItemID, e.ChangeKey, e.Mailbox, e.MeetingUID, e.Body, now); err != nil {
				return fmt.Errorf("store: queueing the reply: %w", err)
			}
		}
		e := o.Entry
		if _, err := r.txExec(ctx, tx, sqlInsertLog, o.IntegrationID, e.TransactionID, now, e.Success, e.Code, e.Description, e.ItemUID, e.Subject, e.Organizer); err != nil {
			return fmt.Errorf("store: writing the operations log: %w", err)
		}
		if _, err := r.txExec(ctx, tx, sqlDecideItem, o.IntegrationID, o.ItemID, o.ChangeKey, e.Code, now); err != nil {
			return fmt.Errorf("store: recording the decided item: %w", err)
		}
		if _, err := r.txExec(ctx, tx, sqlClearItemFailures, o.IntegrationID, o.ItemID); err != nil {
			return fmt.Errorf("store: clearing the item's failures: %w", err)
		}
		if _, err := r.txExec(ctx, tx, ensureState, o.IntegrationID); err != nil {
			return fmt.Errorf("store: updating the scheduler state: %w", err)
		}
		_, err := r.txExec(ctx, tx, sqlStateProcessed, describeItem(e), now, o.IntegrationID)
		if err != nil {
			return fmt.Errorf("store: updating the scheduler state: %w", err)
		}
		return nil
	})
}

func describeItem(e scheduler.LogEntry) string {
	if e.Subject == "" {
		return e.ItemUID
	}
	return e.Subject + " (" + e.ItemUID + ")"
}

// writeConference creates or updates a scheduled conference, making its
// name unique among every conference this deployment knows.
func (r *Scheduler) writeConference(ctx context.Context, tx *sql.Tx, c *scheduler.Record, now string) error {
	name, err := uniqueName(ctx, r.s, tx, c.ConferenceName, c.Alias, c.ID)
	if err != nil {
		return err
	}
	c.ConferenceName = name
	cancelled := c.Cancelled
	if cancelled == nil {
		cancelled = []time.Time{}
	}
	occ, _ := json.Marshal(cancelled)
	moved := c.Moved
	if moved == nil {
		moved = []scheduler.MovedOccurrence{}
	}
	movedJSON, _ := json.Marshal(moved)
	until := ""
	if !c.ValidUntil.IsZero() {
		until = sortableTimestamp(c.ValidUntil)
	}
	if c.ID == 0 {
		st, err := r.s.txStmt(ctx, tx, sqlInsertConference)
		if err == nil {
			err = st.QueryRowContext(ctx,
				c.IntegrationID, c.ScheduledAliasID, c.MeetingUID, name, c.Description, c.Kind, c.State, c.Subject, c.Organizer,
				c.OrganizerName, c.Sequence, c.Recurrence, sortableTimestamp(c.Start), sortableTimestamp(c.End), sortableTimestamp(c.ValidFrom), until,
				string(occ), c.TimeZone, string(movedJSON), now, now).Scan(&c.ID)
		}
		if err != nil {
			return fmt.Errorf("store: creating the scheduled conference %q: %w", name, err)
		}
		return nil
	}
	_, err = r.txExec(ctx, tx, sqlUpdateConference,
		name, c.Description, c.Kind, c.State, c.Subject, c.Organizer, c.OrganizerName, c.Sequence, c.Recurrence,
		sortableTimestamp(c.Start), sortableTimestamp(c.End), sortableTimestamp(c.ValidFrom), until, string(occ), c.TimeZone, string(movedJSON), now, c.ID)
	if err != nil {
		return fmt.Errorf("store: updating the scheduled conference %q: %w", name, err)
	}
	return nil
}

// uniqueName returns name, or when another conference (personal or
// scheduled) has it, the name with the meeting's alias, which is unique
// (many meetings share a subject), then with a number.
func uniqueName(ctx context.Context, s *Store, tx *sql.Tx, name, alias string, self int64) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		name = "Meeting"
	}
	if r := []rune(name); len(r) > 180 {
		name = string(r[:180])
	}
	taken := func(n string) (bool, error) {
		var count int
		st, err := s.txStmt(ctx, tx, sqlNameTaken)
		if err != nil {
			return false, err
		}
		err = st.QueryRowContext(ctx, n, self).Scan(&count)
		if err != nil {
			return false, fmt.Errorf("store: checking the conference name: %w", err)
		}
		return count > 0, nil
	}
	candidates := []string{name, name + " - " + alias}
	for n := 2; n <= 20; n++ {
		candidates = append(candidates, fmt.Sprintf("%s - %s (%d)", name, alias, n))
	}
	for _, c := range candidates {
		t, err := taken(c)
		if err != nil {
			return "", err
		}
		if !t {
			return c, nil
		}
	}
	return "", fmt.Errorf("store: no free conference name for %q: rename the conferences that use it", name)
}

// Pending lists the outbox entries not yet sent, oldest first.
func (r *Scheduler) Pending(ctx context.Context, integrationID int64, limit int, at time.Time) ([]scheduler.OutboxEntry, error) {
	rows, err := r.s.reader.QueryContext(ctx, `SELECT id, integration_id, key, kind, item_id, change_key, mailbox, meeting_uid,
		body, state, attempts, failures FROM scheduler_outbox WHERE integration_id = ? AND state IN ('pending', 'attempted')
		AND next_attempt <= ? ORDER BY id LIMIT ?`, integrationID, sortableTimestamp(at), limit)
	if err != nil {
		return nil, fmt.Errorf("store: reading the outbox: %w", err)
	}
	defer rows.Close()
	var out []scheduler.OutboxEntry
	for rows.Next() {
		var e scheduler.OutboxEntry
		if err := rows.Scan(&e.ID, &e.IntegrationID, &e.Key, &e.Kind, &e.ItemID, &e.ChangeKey, &e.Mailbox, &e.MeetingUID,
			&e.Body, &e.State, &e.Attempts, &e.Failures); err != nil {
			return nil, fmt.Errorf("store: reading the outbox: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func (r *Scheduler) exec(ctx context.Context, what, q string, args ...any) error {
	if _, err := r.s.writer.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	return nil
}

// MarkAttempted implements scheduler.Repository: one statement claims
// the entries still waiting. On PostgreSQL the rows are locked with SKIP
// LOCKED, so of two instances claiming the same entries at once (which
// the mailbox lease already prevents) only one gets each.
func (r *Scheduler) MarkAttempted(ctx context.Context, ids []int64) ([]int64, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	list, _ := json.Marshal(ids)
	q := `UPDATE scheduler_outbox SET state = 'attempted', attempts = attempts + 1
		WHERE id IN (SELECT CAST(value AS INTEGER) FROM json_each(?)) AND state IN ('pending', 'attempted') RETURNING id`
	if r.s.engine == Postgres {
		q = `UPDATE scheduler_outbox SET state = 'attempted', attempts = attempts + 1
			WHERE id IN (SELECT id FROM scheduler_outbox WHERE id IN (SELECT CAST(value AS INTEGER) FROM json_each(?))
				AND state IN ('pending', 'attempted') ORDER BY id FOR UPDATE SKIP LOCKED) RETURNING id`
	}
	var claimed []int64
	err := r.s.inTx(ctx, func(tx *sql.Tx) error {
		claimed = claimed[:0]
		rows, err := tx.QueryContext(ctx, q, string(list))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			claimed = append(claimed, id)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: marking replies attempted: %w", err)
	}
	return claimed, nil
}

// MarkSent records that Exchange took the messages.
func (r *Scheduler) MarkSent(ctx context.Context, ids []int64, at time.Time) error {
	list, _ := json.Marshal(ids)
	return r.exec(ctx, "marking replies sent", `UPDATE scheduler_outbox SET state = 'sent', sent_at = ?, last_error = ''
		WHERE id IN (SELECT CAST(value AS INTEGER) FROM json_each(?))`, timestamp(at), string(list))
}

// RecordError keeps the worker's last error and what to do about it.
func (r *Scheduler) RecordError(ctx context.Context, integrationID int64, msg, advice string, at time.Time) error {
	return r.s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, ensureState, integrationID); err != nil {
			return fmt.Errorf("store: recording the scheduler error: %w", err)
		}
		_, err := tx.ExecContext(ctx, `UPDATE scheduler_state SET last_error = ?, last_error_at = ?, advice = ? WHERE integration_id = ?`,
			msg, timestamp(at), advice, integrationID)
		if err != nil {
			return fmt.Errorf("store: recording the scheduler error: %w", err)
		}
		return nil
	})
}

// Status returns an integration's stored scheduler state (State is left for
// the caller, who knows whether a worker runs).
func (r *Scheduler) Status(ctx context.Context, integrationID int64) (*scheduler.Status, error) {
	st := &scheduler.Status{}
	var lastSync, lastItemAt, lastErrAt string
	err := r.s.reader.QueryRowContext(ctx, `SELECT i.name, coalesce(s.last_sync, ''), coalesce(s.last_item, ''),
		coalesce(s.last_item_at, ''), coalesce(s.processed, 0), coalesce(s.last_error, ''), coalesce(s.last_error_at, ''),
		coalesce(s.advice, ''),
		(SELECT count(*) FROM scheduler_outbox o WHERE o.integration_id = i.id AND o.state IN ('pending', 'attempted'))
		FROM integrations i LEFT JOIN scheduler_state s ON s.integration_id = i.id WHERE i.id = ?`, integrationID).
		Scan(&st.Integration, &lastSync, &st.LastItem, &lastItemAt, &st.Processed, &st.LastError, &lastErrAt, &st.Advice, &st.OutboxPending)
	if err != nil {
		return nil, fmt.Errorf("store: reading the scheduler state: %w", err)
	}
	st.LastSync, st.LastItemAt, st.LastErrorAt = parseTime(lastSync), parseTime(lastItemAt), parseTime(lastErrAt)
	err = r.s.reader.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM scheduler_failures WHERE integration_id = ?1 AND quarantined = 1) +
		(SELECT count(*) FROM scheduler_outbox WHERE integration_id = ?1 AND state = 'failed') +
		(SELECT count(*) FROM infinity_outbox WHERE integration_id = ?1 AND state = 'failed')`, integrationID).Scan(&st.QuarantinedCount)
	if err != nil {
		return nil, fmt.Errorf("store: counting quarantined items: %w", err)
	}
	if st.Quarantined, err = r.Quarantined(ctx, integrationID, 50); err != nil {
		return nil, err
	}
	if st.Lease, err = r.LeaseOf(ctx, integrationID); err != nil {
		return nil, err
	}
	return st, nil
}

// Conferences lists scheduled conferences by start time.
func (r *Scheduler) Conferences(ctx context.Context, f scheduler.Filter) ([]scheduler.ScheduledConference, error) {
	q := `SELECT ` + recordColumns + recordFrom + ` WHERE 1 = 1`
	var args []any
	if f.IntegrationID != 0 {
		q += ` AND c.integration_id = ?`
		args = append(args, f.IntegrationID)
	}
	if !f.Since.IsZero() {
		q += ` AND (c.valid_until = '' OR c.valid_until >= ?)`
		args = append(args, sortableTimestamp(f.Since))
	}
	q += ` ORDER BY c.start_time, c.id`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	rows, err := r.s.reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: listing scheduled conferences: %w", err)
	}
	defer rows.Close()
	out := []scheduler.ScheduledConference{}
	for rows.Next() {
		rec, err := scanRecord(rows)
		if err != nil {
			return nil, fmt.Errorf("store: listing scheduled conferences: %w", err)
		}
		out = append(out, rec.ScheduledConference)
	}
	return out, rows.Err()
}

// Log returns an integration's latest operations log entries, newest first.
func (r *Scheduler) Log(ctx context.Context, integrationID int64, limit int) ([]scheduler.LogEntry, error) {
	if limit <= 0 {
		limit = 200
	}
	q := `SELECT l.id, i.name, l.transaction_uuid, l.time, l.success, l.code, l.description, l.item_uid, l.subject, l.organizer
		FROM scheduler_log l JOIN integrations i ON i.id = l.integration_id`
	var args []any
	if integrationID != 0 {
		q += ` WHERE l.integration_id = ?`
		args = append(args, integrationID)
	}
	q += ` ORDER BY l.id DESC LIMIT ?`
	rows, err := r.s.reader.QueryContext(ctx, q, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("store: reading the operations log: %w", err)
	}
	defer rows.Close()
	out := []scheduler.LogEntry{}
	for rows.Next() {
		var e scheduler.LogEntry
		var at string
		if err := rows.Scan(&e.ID, &e.Integration, &e.TransactionID, &at, &e.Success, &e.Code, &e.Description, &e.ItemUID,
			&e.Subject, &e.Organizer); err != nil {
			return nil, fmt.Errorf("store: reading the operations log: %w", err)
		}
		e.Time = parseTime(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// maxReason bounds a stored failure reason: it may quote what a sender wrote.
const maxReason = 1000

func clipReason(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= maxReason {
		return s
	}
	cut := maxReason
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func failureTimes(count int, first string, f scheduler.FailureReport, policy scheduler.RetryPolicy) (n int, firstAt, next string, quarantine bool) {
	n = count + 1
	firstAt = first
	if firstAt == "" {
		firstAt = sortableTimestamp(f.At)
	}
	nextAt, q := policy(n, f.At)
	quarantine = q || f.Quarantine
	if !quarantine {
		next = sortableTimestamp(nextAt)
	}
	return n, firstAt, next, quarantine
}

// FailOutbox records a failed send; a quarantined entry gets state failed.
func (r *Scheduler) FailOutbox(ctx context.Context, id int64, f scheduler.FailureReport, policy scheduler.RetryPolicy) (*scheduler.Failure, error) {
	var out *scheduler.Failure
	err := r.s.inTx(ctx, func(tx *sql.Tx) error {
		var count int
		var integrationID int64
		var first, kind, uid, mailbox string
		err := tx.QueryRowContext(ctx, `SELECT failures, first_failed, kind, integration_id, meeting_uid, mailbox FROM scheduler_outbox
			WHERE id = ?`, id).Scan(&count, &first, &kind, &integrationID, &uid, &mailbox)
		if err != nil {
			return fmt.Errorf("store: reading the outbox entry %d: %w", id, err)
		}
		n, firstAt, next, q := failureTimes(count, first, f, policy)
		_, err = tx.ExecContext(ctx, `UPDATE scheduler_outbox SET failures = ?, first_failed = ?, last_failed = ?, next_attempt = ?,
			last_error = ?, correlation_id = ?, state = CASE WHEN ? = 1 THEN 'failed' ELSE state END WHERE id = ?`,
			n, firstAt, sortableTimestamp(f.At), next, clipReason(f.Reason), f.CorrelationID, q, id)
		if err != nil {
			return fmt.Errorf("store: recording a failed send: %w", err)
		}
		f.MeetingUID, f.Organizer = uid, mailbox
		if err := r.failureLog(ctx, tx, integrationID, f, q); err != nil {
			return err
		}
		out = &scheduler.Failure{Kind: scheduler.FailedOutbox, ID: fmt.Sprint(id), What: kind, Reason: clipReason(f.Reason), Attempts: n,
			FirstFailed: parseTime(firstAt), LastFailed: f.At, NextAttempt: parseTime(next), CorrelationID: f.CorrelationID, Quarantined: q}
		return nil
	})
	return out, err
}

// FailItem records that an item could not be fetched or decided.
func (r *Scheduler) FailItem(ctx context.Context, integrationID int64, f scheduler.FailureReport, policy scheduler.RetryPolicy) (*scheduler.Failure, error) {
	var out *scheduler.Failure
	err := r.s.inTx(ctx, func(tx *sql.Tx) error {
		var count int
		var first string
		err := tx.QueryRowContext(ctx, `SELECT attempts, first_failed FROM scheduler_failures WHERE integration_id = ? AND item_id = ?`,
			integrationID, f.ItemID).Scan(&count, &first)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: reading the item's failures: %w", err)
		}
		n, firstAt, next, q := failureTimes(count, first, f, policy)
		_, err = tx.ExecContext(ctx, `INSERT INTO scheduler_failures (integration_id, item_id, change_key, subject, organizer, attempts,
			reason, correlation_id, first_failed, last_failed, next_attempt, quarantined) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (integration_id, item_id) DO UPDATE SET change_key = excluded.change_key,
			subject = CASE WHEN excluded.subject != '' THEN excluded.subject ELSE scheduler_failures.subject END,
			organizer = CASE WHEN excluded.organizer != '' THEN excluded.organizer ELSE scheduler_failures.organizer END,
			attempts = excluded.attempts, reason = excluded.reason, correlation_id = excluded.correlation_id,
			last_failed = excluded.last_failed, next_attempt = excluded.next_attempt, quarantined = excluded.quarantined`,
			integrationID, f.ItemID, f.ChangeKey, clipReason(f.Subject), clipReason(f.Organizer), n, clipReason(f.Reason), f.CorrelationID,
			firstAt, sortableTimestamp(f.At), next, q)
		if err != nil {
			return fmt.Errorf("store: recording a failed item: %w", err)
		}
		if err := r.failureLog(ctx, tx, integrationID, f, q); err != nil {
			return err
		}
		out = &scheduler.Failure{Kind: scheduler.FailedItem, ID: f.ItemID, Subject: f.Subject, Organizer: f.Organizer, Reason: clipReason(f.Reason),
			Attempts: n, FirstFailed: parseTime(firstAt), LastFailed: f.At, NextAttempt: parseTime(next), CorrelationID: f.CorrelationID, Quarantined: q}
		return nil
	})
	return out, err
}

// failureLog writes a failure into the operations log, with its
// correlation id as the transaction.
func (r *Scheduler) failureLog(ctx context.Context, tx *sql.Tx, integrationID int64, f scheduler.FailureReport, quarantined bool) error {
	code := f.LogCode
	if quarantined && f.LogQuarantined != "" {
		code = f.LogQuarantined
	}
	if code == "" {
		return nil
	}
	_, err := r.txExec(ctx, tx, sqlInsertLog, integrationID, f.CorrelationID, timestamp(f.At), false, code, clipReason(f.Reason),
		clipReason(f.MeetingUID), clipReason(f.Subject), clipReason(f.Organizer))
	if err != nil {
		return fmt.Errorf("store: writing the operations log: %w", err)
	}
	return nil
}

// DueItems lists failed items whose back-off has ended.
func (r *Scheduler) DueItems(ctx context.Context, integrationID int64, at time.Time, limit int) ([]scheduler.ItemKey, error) {
	rows, err := r.s.reader.QueryContext(ctx, `SELECT item_id, change_key FROM scheduler_failures
		WHERE integration_id = ? AND quarantined = 0 AND next_attempt <= ? ORDER BY last_failed LIMIT ?`,
		integrationID, sortableTimestamp(at), limit)
	if err != nil {
		return nil, fmt.Errorf("store: reading items to retry: %w", err)
	}
	defer rows.Close()
	var out []scheduler.ItemKey
	for rows.Next() {
		var k scheduler.ItemKey
		if err := rows.Scan(&k.ID, &k.ChangeKey); err != nil {
			return nil, fmt.Errorf("store: reading items to retry: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// Quarantined lists quarantined items and outbox entries, newest first.
func (r *Scheduler) Quarantined(ctx context.Context, integrationID int64, limit int) ([]scheduler.Failure, error) {
	if limit <= 0 {
		limit = 200
	}
	rows, err := r.s.reader.QueryContext(ctx, `SELECT * FROM (
		SELECT 'item', f.item_id, i.name, '', f.subject, f.organizer, f.reason, f.attempts, f.first_failed, f.last_failed,
			f.correlation_id FROM scheduler_failures f JOIN integrations i ON i.id = f.integration_id
			WHERE f.quarantined = 1 AND (?1 = 0 OR f.integration_id = ?1)
		UNION ALL
		SELECT 'outbox', CAST(o.id AS TEXT), i.name, o.kind, coalesce(c.subject, o.meeting_uid),
			CASE WHEN o.mailbox != '' THEN o.mailbox ELSE coalesce(c.organizer, '') END, o.last_error, o.failures,
			o.first_failed, o.last_failed, o.correlation_id
			FROM scheduler_outbox o JOIN integrations i ON i.id = o.integration_id
			LEFT JOIN scheduled_conferences c ON c.integration_id = o.integration_id AND c.meeting_uid = o.meeting_uid
			WHERE o.state = 'failed' AND (?1 = 0 OR o.integration_id = ?1)
		UNION ALL
		SELECT 'infinity', CAST(x.id AS TEXT), i.name, x.op, c.subject, c.organizer, x.last_error, x.failures,
			x.first_failed, x.last_failed, x.correlation_id
			FROM infinity_outbox x JOIN integrations i ON i.id = x.integration_id
			JOIN scheduled_conferences c ON c.id = x.scheduled_conference_id
			WHERE x.state = 'failed' AND (?1 = 0 OR x.integration_id = ?1)
		) quarantined ORDER BY 10 DESC LIMIT ?2`, integrationID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: listing quarantined items: %w", err)
	}
	defer rows.Close()
	out := []scheduler.Failure{}
	for rows.Next() {
		var f scheduler.Failure
		var first, last string
		if err := rows.Scan(&f.Kind, &f.ID, &f.Integration, &f.What, &f.Subject, &f.Organizer, &f.Reason, &f.Attempts, &first, &last,
			&f.CorrelationID); err != nil {
			return nil, fmt.Errorf("store: listing quarantined items: %w", err)
		}
		f.FirstFailed, f.LastFailed, f.Quarantined = parseTime(first), parseTime(last), true
		out = append(out, f)
	}
	return out, rows.Err()
}

// Retry puts a quarantined item or outbox entry back in line. An entry
// tried before goes back as attempted, so that Sent Items are checked for
// it before it is sent again.
func (r *Scheduler) Retry(ctx context.Context, integrationID int64, kind, id string) error {
	var res sql.Result
	var err error
	switch kind {
	case scheduler.FailedItem:
		res, err = r.s.writer.ExecContext(ctx, `UPDATE scheduler_failures SET quarantined = 0, attempts = 0, next_attempt = ''
			WHERE item_id = ?1 AND quarantined = 1 AND (?2 = 0 OR integration_id = ?2)`, id, integrationID)
	case scheduler.FailedOutbox:
		res, err = r.s.writer.ExecContext(ctx, `UPDATE scheduler_outbox SET failures = 0, next_attempt = '',
			state = CASE WHEN attempts > 0 THEN 'attempted' ELSE 'pending' END
			WHERE CAST(id AS TEXT) = ?1 AND state = 'failed' AND (?2 = 0 OR integration_id = ?2)`, id, integrationID)
	case scheduler.FailedInfinity:
		return r.retryInfinity(ctx, integrationID, id)
	default:
		return fmt.Errorf("store: unknown kind %q of quarantined entry (item, outbox or infinity)", kind)
	}
	if err != nil {
		return fmt.Errorf("store: retrying a quarantined %s: %w", kind, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return scheduler.ErrNotQuarantined
	}
	return nil
}

// Lease takes or renews the mailbox's lease. On SQLite (one machine) the
// expiry is the stored time compared with the caller's (injectable)
// clock; on PostgreSQL, shared by instances whose clocks may disagree,
// with the database server's clock (dbClock), and the lease returned is
// shifted into the caller's clock.
func (r *Scheduler) Lease(ctx context.Context, integrationID int64, req scheduler.LeaseRequest) (*scheduler.Lease, bool, error) {
	var out *scheduler.Lease
	var ok bool
	err := r.s.inTx(ctx, func(tx *sql.Tx) error {
		at, shift, err := r.s.dbClock(ctx, tx, req.At)
		if err != nil {
			return err
		}
		cur, err := readLease(ctx, tx, integrationID)
		if err != nil {
			return err
		}
		held := cur != nil && cur.Token != "" && cur.Token != req.Token && cur.ExpiresAt.After(at) &&
			(req.Stale == nil || !req.Stale(cur.Host, cur.PID))
		if held {
			out = shiftLease(cur, shift)
			return nil
		}
		acquired := at
		if cur != nil && cur.Token == req.Token {
			acquired = cur.AcquiredAt
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO scheduler_leases (integration_id, token, pid, host, acquired_at, expires_at, poll_ms)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (integration_id) DO UPDATE SET token = excluded.token, pid = excluded.pid,
			host = excluded.host, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at, poll_ms = excluded.poll_ms`,
			integrationID, req.Token, req.PID, req.Host, sortableTimestamp(acquired), sortableTimestamp(at.Add(req.TTL)), req.Poll.Milliseconds())
		if err != nil {
			return fmt.Errorf("store: taking the mailbox lease: %w", err)
		}
		cur, err = readLease(ctx, tx, integrationID)
		out, ok = shiftLease(cur, shift), true
		return err
	})
	return out, ok, err
}

// dbClock is the time leases are judged by: the caller's at on SQLite,
// the database server's clock on PostgreSQL. shift turns the latter back
// into the caller's clock (at - server time).
func (s *Store) dbClock(ctx context.Context, q queryRower, at time.Time) (time.Time, time.Duration, error) {
	if s.engine != Postgres {
		return at, 0, nil
	}
	var micros int64
	if err := q.QueryRowContext(ctx, `SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)`).Scan(&micros); err != nil {
		return time.Time{}, 0, fmt.Errorf("store: reading the database's clock: %w", err)
	}
	server := time.UnixMicro(micros).UTC()
	return server, at.Sub(server), nil
}

func shiftLease(l *scheduler.Lease, d time.Duration) *scheduler.Lease {
	if l == nil || d == 0 {
		return l
	}
	c := *l
	for _, t := range []*time.Time{&c.AcquiredAt, &c.ExpiresAt, &c.BackOffUntil} {
		if !t.IsZero() {
			*t = t.Add(d)
		}
	}
	return &c
}

// Heartbeat implements scheduler.InstanceRepository: in one transaction
// it renews the instance's row and every mailbox lease it holds (so that
// a mailbox stays with its owner between passes), forgets instances gone
// for an hour, and tells who is alive and which mailboxes this one holds.
func (r *Scheduler) Heartbeat(ctx context.Context, b scheduler.InstanceBeat) (*scheduler.InstanceView, error) {
	var view scheduler.InstanceView
	err := r.s.inTx(ctx, func(tx *sql.Tx) error {
		view = scheduler.InstanceView{}
		at, _, err := r.s.dbClock(ctx, tx, b.At)
		if err != nil {
			return err
		}
		now, until := sortableTimestamp(at), sortableTimestamp(at.Add(b.TTL))
		if _, err := tx.ExecContext(ctx, `INSERT INTO scheduler_instances (token, host, pid, started_at, expires_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (token) DO UPDATE SET expires_at = excluded.expires_at`, b.Token, clipReason(b.Host), b.PID, now, until); err != nil {
			return fmt.Errorf("store: renewing this instance: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE scheduler_leases SET expires_at = ? WHERE token = ? AND expires_at > ?`, until, b.Token, now); err != nil {
			return fmt.Errorf("store: renewing the mailbox leases: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM scheduler_instances WHERE expires_at < ?`, sortableTimestamp(at.Add(-time.Hour))); err != nil {
			return fmt.Errorf("store: forgetting stopped instances: %w", err)
		}
		rows, err := tx.QueryContext(ctx, `SELECT token, host, pid FROM scheduler_instances WHERE expires_at > ? ORDER BY token`, now)
		if err != nil {
			return fmt.Errorf("store: listing the instances: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var in scheduler.Instance
			if err := rows.Scan(&in.Token, &in.Host, &in.PID); err != nil {
				return err
			}
			view.Live = append(view.Live, in)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		held, err := tx.QueryContext(ctx, `SELECT integration_id FROM scheduler_leases WHERE token = ? AND expires_at > ?`, b.Token, now)
		if err != nil {
			return fmt.Errorf("store: listing this instance's mailboxes: %w", err)
		}
		defer held.Close()
		for held.Next() {
			var id int64
			if err := held.Scan(&id); err != nil {
				return err
			}
			view.Held = append(view.Held, id)
		}
		return held.Err()
	})
	if err != nil {
		return nil, err
	}
	return &view, nil
}

// LeaveInstances implements scheduler.InstanceRepository: a stopping
// instance gives its mailboxes and its row up at once.
func (r *Scheduler) LeaveInstances(ctx context.Context, token string, keep []int64) error {
	list, _ := json.Marshal(append([]int64{}, keep...))
	return r.s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE scheduler_leases SET token = '', expires_at = '' WHERE token = ?
			AND integration_id NOT IN (SELECT CAST(value AS INTEGER) FROM json_each(?))`, token, string(list)); err != nil {
			return fmt.Errorf("store: giving the mailbox leases up: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM scheduler_instances WHERE token = ?`, token); err != nil {
			return fmt.Errorf("store: removing this instance: %w", err)
		}
		return nil
	})
}

type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func readLease(ctx context.Context, q queryRower, integrationID int64) (*scheduler.Lease, error) {
	var l scheduler.Lease
	var acquired, expires, backoff string
	var pollMS int64
	err := q.QueryRowContext(ctx, `SELECT token, pid, host, acquired_at, expires_at, poll_ms, backoff_until FROM scheduler_leases
		WHERE integration_id = ?`, integrationID).Scan(&l.Token, &l.PID, &l.Host, &acquired, &expires, &pollMS, &backoff)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: reading the mailbox lease: %w", err)
	}
	l.AcquiredAt, l.ExpiresAt, l.BackOffUntil = parseTime(acquired), parseTime(expires), parseTime(backoff)
	l.Poll = time.Duration(pollMS) * time.Millisecond
	return &l, nil
}

// LeaseOf reads the lease row of a mailbox (nil: none yet), in the
// caller's clock.
func (r *Scheduler) LeaseOf(ctx context.Context, integrationID int64) (*scheduler.Lease, error) {
	_, shift, err := r.s.dbClock(ctx, r.s.reader, time.Now())
	if err != nil {
		return nil, err
	}
	l, err := readLease(ctx, r.s.reader, integrationID)
	return shiftLease(l, shift), err
}

// ReleaseLease gives the lease up if token still holds it.
func (r *Scheduler) ReleaseLease(ctx context.Context, integrationID int64, token string) error {
	return r.exec(ctx, "releasing the mailbox lease", `UPDATE scheduler_leases SET token = '', expires_at = ''
		WHERE integration_id = ? AND token = ?`, integrationID, token)
}

// BackOff keeps Exchange's back-off; a later one than stored wins.
func (r *Scheduler) BackOff(ctx context.Context, integrationID int64, until time.Time) error {
	return r.exec(ctx, "keeping Exchange's back-off", `INSERT INTO scheduler_leases (integration_id, backoff_until) VALUES (?1, ?2)
		ON CONFLICT (integration_id) DO UPDATE SET backoff_until = max(scheduler_leases.backoff_until, ?2)`, integrationID, sortableTimestamp(until))
}
