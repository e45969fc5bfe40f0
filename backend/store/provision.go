package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"vmr-companion/backend/scheduler"
)

// The infinity outbox: operations on Pexip Infinity for integrations that
// provision single-use VMRs through the management API (migration 0012).
//
// How far a series' occurrences were written to Infinity (the mirror's
// horizon) is kept in infinity_sent, under horizonKey, beside the
// conference's fields: it is part of what Infinity holds, and it needs no
// column of its own.

var _ scheduler.ProvisionRepository = (*Scheduler)(nil)

// horizonKey is where infinity_sent keeps the mirror's horizon (no field
// of a conference on Infinity starts with an underscore).
const horizonKey = "_scheduled_until"

// queueInfinity writes a decision's operations on Infinity and the new
// conference's state there, inside Commit's transaction.
func (r *Scheduler) queueInfinity(ctx context.Context, tx *sql.Tx, o *scheduler.Outcome, now string) error {
	if o.Conference == nil {
		return nil
	}
	if o.InfinityState != "" {
		if _, err := tx.ExecContext(ctx, `UPDATE scheduled_conferences SET infinity_state = ? WHERE id = ?`, o.InfinityState, o.Conference.ID); err != nil {
			return fmt.Errorf("store: recording where Infinity stands: %w", err)
		}
	}
	for _, op := range o.Infinity {
		_, err := tx.ExecContext(ctx, `INSERT INTO infinity_outbox (integration_id, scheduled_conference_id, op, key, state, created_at)
			VALUES (?, ?, ?, ?, 'pending', ?)`, o.IntegrationID, o.Conference.ID, op.Op, op.Key, now)
		if err != nil {
			return fmt.Errorf("store: queueing the operation on Infinity: %w", err)
		}
	}
	return nil
}

// ProvisionPending lists the oldest unfinished operation of each scheduled
// conference whose back-off has ended, oldest first.
func (r *Scheduler) ProvisionPending(ctx context.Context, integrationID int64, limit int, at time.Time) ([]scheduler.ProvisionEntry, error) {
	rows, err := r.s.reader.QueryContext(ctx, `SELECT o.id, o.integration_id, o.scheduled_conference_id, o.op, o.key, o.state,
		o.attempts, o.payload, c.name, c.description, a.alias, a.numeric_alias, a.uuid, c.meeting_uid, c.subject, c.organizer,
		c.infinity_id, c.infinity_state, c.infinity_sent, c.kind, a.alias_number,
		coalesce((SELECT x.remote_id FROM infinity_objects x WHERE x.kind = 'integration' AND x.integration_id = o.integration_id), 0),
		c.state = 'cancelled' OR (c.valid_until != '' AND c.valid_until < ?2)
		FROM infinity_outbox o
		JOIN scheduled_conferences c ON c.id = o.scheduled_conference_id
		JOIN scheduled_aliases a ON a.id = c.scheduled_alias_id
		WHERE o.integration_id = ?1 AND o.state IN ('pending', 'attempted') AND o.next_attempt <= ?2
		AND NOT EXISTS (SELECT 1 FROM infinity_outbox p WHERE p.scheduled_conference_id = o.scheduled_conference_id
			AND p.id < o.id AND p.state IN ('pending', 'attempted'))
		ORDER BY o.id LIMIT ?3`, integrationID, sortableTimestamp(at), limit)
	if err != nil {
		return nil, fmt.Errorf("store: reading the operations on Infinity: %w", err)
	}
	defer rows.Close()
	var out []scheduler.ProvisionEntry
	for rows.Next() {
		var e scheduler.ProvisionEntry
		var payload, sent string
		if err := rows.Scan(&e.ID, &e.IntegrationID, &e.ConferenceID, &e.Op, &e.Key, &e.State, &e.Attempts, &payload, &e.Name,
			&e.Description, &e.Alias, &e.NumericAlias, &e.AliasID, &e.MeetingUID, &e.Subject, &e.Organizer, &e.InfinityID,
			&e.InfinityState, &sent, &e.Kind, &e.AliasNumber, &e.ConnectorID, &e.Ended); err != nil {
			return nil, fmt.Errorf("store: reading the operations on Infinity: %w", err)
		}
		e.Payload, e.Sent = map[string]string{}, map[string]string{}
		if err := json.Unmarshal([]byte(payload), &e.Payload); err != nil {
			return nil, fmt.Errorf("store: operation on Infinity %d: %w", e.ID, err)
		}
		if err := json.Unmarshal([]byte(sent), &e.Sent); err != nil {
			return nil, fmt.Errorf("store: scheduled conference %d: what was sent to Infinity: %w", e.ConferenceID, err)
		}
		if h, ok := e.Sent[horizonKey]; ok {
			e.Horizon = parseTime(h)
			delete(e.Sent, horizonKey)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: reading the operations on Infinity: %w", err)
	}
	rows.Close()
	// The whole conference, for its occurrences (a few entries a batch).
	for i := range out {
		rec, err := scanRecord(r.s.reader.QueryRowContext(ctx, `SELECT `+recordColumns+recordFrom+` WHERE c.id = ?`, out[i].ConferenceID))
		if err != nil {
			return nil, fmt.Errorf("store: reading scheduled conference %d: %w", out[i].ConferenceID, err)
		}
		out[i].Record = rec
	}
	return out, nil
}

// ProvisionAttempted marks an operation attempted, keeping what it sends.
func (r *Scheduler) ProvisionAttempted(ctx context.Context, id int64, payload map[string]string) error {
	data, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("store: encoding an operation on Infinity: %w", err)
	}
	return r.exec(ctx, "marking an operation on Infinity attempted", `UPDATE infinity_outbox SET state = 'attempted',
		attempts = attempts + 1, payload = ? WHERE id = ?`, string(data), id)
}

// ProvisionCreated keeps the id Infinity gave a conference.
func (r *Scheduler) ProvisionCreated(ctx context.Context, conferenceID int64, infinityID int) error {
	return r.exec(ctx, "keeping the conference's id on Infinity", `UPDATE scheduled_conferences SET infinity_id = ? WHERE id = ?`,
		infinityID, conferenceID)
}

// ProvisionDone ends an operation, records the conference's state on
// Infinity and writes the operations log, in one transaction.
func (r *Scheduler) ProvisionDone(ctx context.Context, id int64, res scheduler.ProvisionResult, at time.Time) error {
	fields := map[string]string{}
	for k, v := range res.Sent {
		fields[k] = v
	}
	if !res.Horizon.IsZero() {
		fields[horizonKey] = sortableTimestamp(res.Horizon)
	}
	sent, err := json.Marshal(fields)
	if err != nil {
		sent = []byte("{}")
	}
	return r.s.inTx(ctx, func(tx *sql.Tx) error {
		var integrationID, conferenceID int64
		err := tx.QueryRowContext(ctx, `UPDATE infinity_outbox SET state = 'done', done_at = ?, last_error = '' WHERE id = ?
			RETURNING integration_id, scheduled_conference_id`, timestamp(at), id).Scan(&integrationID, &conferenceID)
		if err != nil {
			return fmt.Errorf("store: ending the operation on Infinity %d: %w", id, err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE scheduled_conferences SET infinity_state = ?, infinity_id = ?, infinity_sent = ?,
			infinity_error = '' WHERE id = ?`, res.State, res.InfinityID, string(sent), conferenceID)
		if err != nil {
			return fmt.Errorf("store: recording where Infinity stands: %w", err)
		}
		return r.logInfinity(ctx, tx, integrationID, res.Entry)
	})
}

func (r *Scheduler) logInfinity(ctx context.Context, tx *sql.Tx, integrationID int64, e scheduler.LogEntry) error {
	if e.Code == "" {
		return nil
	}
	_, err := r.txExec(ctx, tx, sqlInsertLog, integrationID, e.TransactionID, timestamp(e.Time), e.Success, e.Code,
		clipReason(e.Description), clipReason(e.ItemUID), clipReason(e.Subject), clipReason(e.Organizer))
	if err != nil {
		return fmt.Errorf("store: writing the operations log: %w", err)
	}
	return nil
}

// ProvisionWaiting keeps why operations wait, on them and on their
// conferences; nothing is counted.
func (r *Scheduler) ProvisionWaiting(ctx context.Context, ids []int64, reason string) error {
	list, _ := json.Marshal(ids)
	reason = clipReason(reason)
	return r.s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE infinity_outbox SET last_error = ? WHERE id IN (SELECT CAST(value AS INTEGER) FROM json_each(?))`,
			reason, string(list)); err != nil {
			return fmt.Errorf("store: recording why operations on Infinity wait: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE scheduled_conferences SET infinity_error = ? WHERE id IN
			(SELECT scheduled_conference_id FROM infinity_outbox WHERE id IN (SELECT CAST(value AS INTEGER) FROM json_each(?)))`,
			reason, string(list)); err != nil {
			return fmt.Errorf("store: recording why operations on Infinity wait: %w", err)
		}
		return nil
	})
}

// ProvisionFail records a failed operation: back-off, or (quarantined)
// the operation and its conference failed; the operations log says so.
func (r *Scheduler) ProvisionFail(ctx context.Context, id int64, f scheduler.FailureReport, policy scheduler.RetryPolicy) (*scheduler.Failure, error) {
	var out *scheduler.Failure
	err := r.s.inTx(ctx, func(tx *sql.Tx) error {
		var count int
		var integrationID, conferenceID int64
		var first, op string
		err := tx.QueryRowContext(ctx, `SELECT failures, first_failed, op, integration_id, scheduled_conference_id FROM infinity_outbox
			WHERE id = ?`, id).Scan(&count, &first, &op, &integrationID, &conferenceID)
		if err != nil {
			return fmt.Errorf("store: reading the operation on Infinity %d: %w", id, err)
		}
		n, firstAt, next, q := failureTimes(count, first, f, policy)
		reason := clipReason(f.Reason)
		_, err = tx.ExecContext(ctx, `UPDATE infinity_outbox SET failures = ?, first_failed = ?, last_failed = ?, next_attempt = ?,
			last_error = ?, correlation_id = ?, state = CASE WHEN ? = 1 THEN 'failed' ELSE state END WHERE id = ?`,
			n, firstAt, sortableTimestamp(f.At), next, reason, f.CorrelationID, q, id)
		if err != nil {
			return fmt.Errorf("store: recording a failed operation on Infinity: %w", err)
		}
		state := `infinity_state`
		if q && op != scheduler.OpDelete {
			// A conference that was never created fails; one that exists
			// keeps saying so, with the reason.
			state = `CASE WHEN infinity_state = 'created' THEN 'created' ELSE 'failed' END`
		}
		if _, err := tx.ExecContext(ctx, `UPDATE scheduled_conferences SET infinity_state = `+state+`, infinity_error = ? WHERE id = ?`,
			reason, conferenceID); err != nil {
			return fmt.Errorf("store: recording where Infinity stands: %w", err)
		}
		desc := "the " + op + " on Infinity failed: " + reason
		if !q {
			desc += fmt.Sprintf(" (attempt %d; tried again later)", n)
		}
		e := scheduler.LogEntry{TransactionID: f.CorrelationID, Time: f.At, Code: f.LogCode, Description: desc, ItemUID: f.MeetingUID,
			Subject: f.Subject, Organizer: f.Organizer}
		if q && f.LogQuarantined != "" {
			e.Code = f.LogQuarantined
		}
		if err := r.logInfinity(ctx, tx, integrationID, e); err != nil {
			return err
		}
		out = &scheduler.Failure{Kind: "infinity", ID: fmt.Sprint(id), What: op, Subject: f.Subject, Organizer: f.Organizer,
			Reason: reason, Attempts: n, FirstFailed: parseTime(firstAt), LastFailed: f.At, NextAttempt: parseTime(next),
			CorrelationID: f.CorrelationID, Quarantined: q}
		return nil
	})
	return out, err
}

// ProvisionReap queues the deletion of every conference on Infinity (or
// on its way there) whose window ended before at, once.
func (r *Scheduler) ProvisionReap(ctx context.Context, integrationID int64, at time.Time) (int, error) {
	res, err := r.s.writer.ExecContext(ctx, `INSERT INTO infinity_outbox (integration_id, scheduled_conference_id, op, key, state, created_at)
		SELECT c.integration_id, c.id, 'delete', 'reap/' || c.id || '/' || c.valid_until, 'pending', ?3
		FROM scheduled_conferences c
		WHERE c.integration_id = ?1 AND c.valid_until != '' AND c.valid_until < ?2
		AND (c.infinity_state IN ('pending', 'created') OR (c.infinity_id != 0 AND c.infinity_state != 'removed'))
		AND NOT EXISTS (SELECT 1 FROM infinity_outbox o WHERE o.scheduled_conference_id = c.id AND o.op = 'delete'
			AND o.state IN ('pending', 'attempted'))
		ON CONFLICT (key) DO NOTHING`, integrationID, sortableTimestamp(at), timestamp(at))
	if err != nil {
		return 0, fmt.Errorf("store: queueing the deletion of ended conferences from Infinity: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// retryInfinity puts a failed operation on Infinity back in line (as
// attempted when it was tried, so that a create first looks for what it
// may have made), and its conference back to waiting.
func (r *Scheduler) retryInfinity(ctx context.Context, integrationID int64, id string) error {
	return r.s.inTx(ctx, func(tx *sql.Tx) error {
		var conferenceID int64
		err := tx.QueryRowContext(ctx, `UPDATE infinity_outbox SET failures = 0, next_attempt = '',
			state = CASE WHEN attempts > 0 THEN 'attempted' ELSE 'pending' END
			WHERE CAST(id AS TEXT) = ?1 AND state = 'failed' AND (?2 = 0 OR integration_id = ?2)
			RETURNING scheduled_conference_id`, id, integrationID).Scan(&conferenceID)
		if errors.Is(err, sql.ErrNoRows) {
			return scheduler.ErrNotQuarantined
		}
		if err != nil {
			return fmt.Errorf("store: retrying an operation on Infinity: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE scheduled_conferences SET infinity_state = 'pending'
			WHERE id = ? AND infinity_state = 'failed'`, conferenceID); err != nil {
			return fmt.Errorf("store: retrying an operation on Infinity: %w", err)
		}
		return nil
	})
}

// ProvisionReconcile brings an integration's conferences in line with its
// infinity_provisioning now (it may have been switched since they were
// decided), and queues the top-up of series written to Infinity only up
// to a horizon before topUpBefore. Each conference gets at most one
// operation queued at a time (none while one waits), keyed so that
// a second pass queues nothing more.
//
// api: active conferences whose window has not ended and that Infinity
// does not have (answered by policy until now) are queued for creation.
// policy: conferences on Infinity (or on their way there) are queued for
// deletion; one that never reached Infinity is answered by policy at once.
func (r *Scheduler) ProvisionReconcile(ctx context.Context, integrationID int64, api bool, at, topUpBefore time.Time) (int, error) {
	n := 0
	err := r.s.inTx(ctx, func(tx *sql.Tx) error {
		idle := `NOT EXISTS (SELECT 1 FROM infinity_outbox o WHERE o.scheduled_conference_id = c.id AND o.state IN ('pending', 'attempted'))`
		// The key names the conference's last operation so far: a later
		// switch back and forth queues anew, a repeated pass does not.
		queue := func(op, reason, where string, args ...any) error {
			res, err := tx.ExecContext(ctx, `INSERT INTO infinity_outbox (integration_id, scheduled_conference_id, op, key, state, created_at)
				SELECT c.integration_id, c.id, ?1, ?2 || '/' || c.id || '/' || coalesce((SELECT max(o.id) FROM infinity_outbox o
					WHERE o.scheduled_conference_id = c.id), 0), 'pending', ?3
				FROM scheduled_conferences c WHERE c.integration_id = ?4 AND `+idle+` AND `+where+`
				ON CONFLICT (key) DO NOTHING`, append([]any{op, reason, timestamp(at), integrationID}, args...)...)
			if err != nil {
				return fmt.Errorf("store: queueing operations on Infinity after a change of provisioning: %w", err)
			}
			k, _ := res.RowsAffected()
			n += int(k)
			return nil
		}
		if !api {
			// Never created and nothing on its way: nothing to delete.
			if _, err := tx.ExecContext(ctx, `UPDATE scheduled_conferences SET infinity_state = 'policy', infinity_error = ''
				WHERE integration_id = ? AND infinity_id = 0 AND infinity_state = 'failed' AND NOT EXISTS
				(SELECT 1 FROM infinity_outbox o WHERE o.scheduled_conference_id = scheduled_conferences.id AND o.state IN ('pending', 'attempted'))`,
				integrationID); err != nil {
				return fmt.Errorf("store: recording where Infinity stands: %w", err)
			}
			return queue(scheduler.OpDelete, "mode/policy", `(c.infinity_state IN ('pending', 'created')
				OR (c.infinity_id != 0 AND c.infinity_state NOT IN ('removed', 'policy')))`)
		}
		live := `c.state = 'active' AND (c.valid_until = '' OR c.valid_until >= ?5)`
		before := n
		if err := queue(scheduler.OpCreate, "mode/api", live+` AND c.infinity_state IN ('', 'policy')`, sortableTimestamp(at)); err != nil {
			return err
		}
		if n > before {
			if _, err := tx.ExecContext(ctx, `UPDATE scheduled_conferences SET infinity_state = 'pending', infinity_error = ''
				WHERE integration_id = ?1 AND infinity_state IN ('', 'policy') AND id IN (SELECT scheduled_conference_id
				FROM infinity_outbox WHERE integration_id = ?1 AND state = 'pending' AND op = 'create' AND key LIKE 'mode/api/%')`, integrationID); err != nil {
				return fmt.Errorf("store: recording where Infinity stands: %w", err)
			}
		}
		// Series (or conferences written before the mirror existed) whose
		// occurrences on Infinity end before topUpBefore: written further.
		return queue(scheduler.OpUpdate, "topup", live+` AND c.infinity_state = 'created'
			AND coalesce(json_extract(c.infinity_sent, '$.`+horizonKey+`'), '') < ?6
			AND (c.valid_until = '' OR coalesce(json_extract(c.infinity_sent, '$.`+horizonKey+`'), '') < c.valid_until)`,
			sortableTimestamp(at), sortableTimestamp(topUpBefore))
	})
	return n, err
}
