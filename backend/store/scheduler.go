package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

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
	rows, err := r.s.reader.QueryContext(ctx, `SELECT item_id, change_key FROM scheduler_items
		WHERE integration_id = ? AND item_id IN (SELECT value FROM json_each(?))`, integrationID, string(list))
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
	c.recurrence, c.start_time, c.end_time, c.valid_from, c.valid_until, c.cancelled_occurrences, c.updated_at`

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
	sqlStateProcessed = `UPDATE scheduler_state SET last_item = ?, last_item_at = ?, processed = processed + 1
		WHERE integration_id = ?`
	sqlNameTaken = `SELECT (SELECT count(*) FROM conferences WHERE name = ?1) +
		(SELECT count(*) FROM scheduled_conferences WHERE name = ?1 AND id != ?2)`
	sqlInsertConference = `INSERT INTO scheduled_conferences (integration_id, scheduled_alias_id, meeting_uid, name,
		description, kind, state, subject, organizer, organizer_name, sequence, recurrence, start_time, end_time,
		valid_from, valid_until, cancelled_occurrences, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	sqlUpdateConference = `UPDATE scheduled_conferences SET name = ?, description = ?, kind = ?, state = ?, subject = ?,
		organizer = ?, organizer_name = ?, sequence = ?, recurrence = ?, start_time = ?, end_time = ?, valid_from = ?,
		valid_until = ?, cancelled_occurrences = ?, updated_at = ? WHERE id = ?`
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
	var start, end, from, until, cancelled, updated string
	err := row.Scan(&c.ID, &rec.IntegrationID, &c.Integration, &rec.ScheduledAliasID, &c.Alias, &c.NumericAlias, &c.AliasUUID,
		&c.MeetingUID, &c.ConferenceName, &rec.Description, &c.Kind, &c.State, &c.Subject, &c.Organizer, &c.OrganizerName,
		&rec.Sequence, &c.Recurrence, &start, &end, &from, &until, &cancelled, &updated)
	if err != nil {
		return nil, err
	}
	c.Start, c.End, c.ValidFrom, c.UpdatedAt = parseTime(start), parseTime(end), parseTime(from), parseTime(updated)
	if until != "" {
		c.ValidUntil = parseTime(until)
	}
	c.Cancelled = []time.Time{}
	if err := json.Unmarshal([]byte(cancelled), &c.Cancelled); err != nil {
		return nil, fmt.Errorf("store: scheduled conference %d: cancelled occurrences: %w", c.ID, err)
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
	return r.s.inTx(ctx, func(tx *sql.Tx) error {
		now := timestamp(o.Entry.Time)
		if o.Conference != nil {
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
	until := ""
	if !c.ValidUntil.IsZero() {
		until = sortableTimestamp(c.ValidUntil)
	}
	if c.ID == 0 {
		res, err := r.txExec(ctx, tx, sqlInsertConference,
			c.IntegrationID, c.ScheduledAliasID, c.MeetingUID, name, c.Description, c.Kind, c.State, c.Subject, c.Organizer,
			c.OrganizerName, c.Sequence, c.Recurrence, sortableTimestamp(c.Start), sortableTimestamp(c.End), sortableTimestamp(c.ValidFrom), until,
			string(occ), now, now)
		if err != nil {
			return fmt.Errorf("store: creating the scheduled conference %q: %w", name, err)
		}
		c.ID, _ = res.LastInsertId()
		return nil
	}
	_, err = r.txExec(ctx, tx, sqlUpdateConference,
		name, c.Description, c.Kind, c.State, c.Subject, c.Organizer, c.OrganizerName, c.Sequence, c.Recurrence,
		sortableTimestamp(c.Start), sortableTimestamp(c.End), sortableTimestamp(c.ValidFrom), until, string(occ), now, c.ID)
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
func (r *Scheduler) Pending(ctx context.Context, integrationID int64, limit int) ([]scheduler.OutboxEntry, error) {
	rows, err := r.s.reader.QueryContext(ctx, `SELECT id, integration_id, key, kind, item_id, change_key, mailbox, meeting_uid,
		body, state, attempts FROM scheduler_outbox WHERE integration_id = ? AND state IN ('pending', 'attempted')
		ORDER BY id LIMIT ?`, integrationID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: reading the outbox: %w", err)
	}
	defer rows.Close()
	var out []scheduler.OutboxEntry
	for rows.Next() {
		var e scheduler.OutboxEntry
		if err := rows.Scan(&e.ID, &e.IntegrationID, &e.Key, &e.Kind, &e.ItemID, &e.ChangeKey, &e.Mailbox, &e.MeetingUID,
			&e.Body, &e.State, &e.Attempts); err != nil {
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

// MarkAttempted records that the entries are about to be sent.
func (r *Scheduler) MarkAttempted(ctx context.Context, ids []int64) error {
	list, _ := json.Marshal(ids)
	return r.exec(ctx, "marking replies attempted", `UPDATE scheduler_outbox SET state = 'attempted', attempts = attempts + 1
		WHERE id IN (SELECT value FROM json_each(?))`, string(list))
}

// MarkSent records that Exchange took the messages.
func (r *Scheduler) MarkSent(ctx context.Context, ids []int64, at time.Time) error {
	list, _ := json.Marshal(ids)
	return r.exec(ctx, "marking replies sent", `UPDATE scheduler_outbox SET state = 'sent', sent_at = ?, last_error = ''
		WHERE id IN (SELECT value FROM json_each(?))`, timestamp(at), string(list))
}

// MarkFailed gives up on an entry Exchange refuses for good.
func (r *Scheduler) MarkFailed(ctx context.Context, id int64, reason string) error {
	return r.exec(ctx, "marking a reply failed", `UPDATE scheduler_outbox SET state = 'failed', last_error = ? WHERE id = ?`, reason, id)
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
