package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"vmr-companion/backend/integration"
	"vmr-companion/backend/policy"
)

// Policy is the external policy's repository: what it answers from and
// where its decisions go.
func (s *Store) Policy() *Policy { return &Policy{s: s} }

// Policy reads the scheduled aliases and conferences for the policy, and
// writes its decisions to the operations log.
type Policy struct{ s *Store }

var _ policy.Repository = (*Policy)(nil)

// sqlPolicyVersion changes whenever the policy's answers may change:
// triggers (migration policy_changes) bump the counter in the same
// transaction as every write of a scheduled conference, a reservation or
// an integration. One row read, so the policy can ask often.
// On PostgreSQL the counter is spread over several rows (its 0014): the
// sum is the version.
const sqlPolicyVersion = `SELECT CAST(coalesce(sum(counter), 0) AS TEXT) FROM policy_changes`

// PolicyVersion implements policy.Repository.
func (r *Policy) PolicyVersion(ctx context.Context) (string, error) {
	var v string
	if err := r.s.reader.QueryRowContext(ctx, sqlPolicyVersion).Scan(&v); err != nil {
		return "", fmt.Errorf("store: checking the scheduled conferences for changes: %w", err)
	}
	return v, nil
}

// PolicySnapshot implements policy.Repository: one read transaction, so
// the version matches what was read.
func (r *Policy) PolicySnapshot(ctx context.Context) (*policy.Snapshot, error) {
	tx, err := r.s.reader.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store: reading the scheduled conferences: %w", err)
	}
	defer tx.Rollback()
	snap := &policy.Snapshot{}
	if err := tx.QueryRowContext(ctx, sqlPolicyVersion).Scan(&snap.Version); err != nil {
		return nil, fmt.Errorf("store: reading the scheduled conferences: %w", err)
	}
	if snap.Integrations, err = policyIntegrations(ctx, tx); err != nil {
		return nil, err
	}
	if snap.Aliases, err = policyAliases(ctx, tx); err != nil {
		return nil, err
	}
	return snap, nil
}

func policyIntegrations(ctx context.Context, tx *sql.Tx) ([]*integration.Integration, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, uuid, name, settings FROM integrations ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: reading integrations: %w", err)
	}
	defer rows.Close()
	var out []*integration.Integration
	for rows.Next() {
		var id int64
		var uuid, name, settings string
		if err := rows.Scan(&id, &uuid, &name, &settings); err != nil {
			return nil, fmt.Errorf("store: reading integrations: %w", err)
		}
		in := integration.Defaults()
		if err := json.Unmarshal([]byte(settings), in); err != nil {
			return nil, fmt.Errorf("store: integration %q has unreadable settings: %w", name, err)
		}
		in.ID, in.UUID, in.Name = id, uuid, name
		out = append(out, in)
	}
	return out, rows.Err()
}

// A reservation has at most one meeting; should there be several rows,
// the active one, then the latest written, wins.
const sqlPolicyAliases = `SELECT a.id, a.integration_id, a.uuid, a.alias, a.numeric_alias, a.deleted_at IS NOT NULL,
	c.id, c.meeting_uid, c.name, c.description, c.subject, c.organizer, c.kind, c.state, c.recurrence,
	c.start_time, c.end_time, c.valid_from, c.valid_until, c.cancelled_occurrences,
	c.time_zone, c.moved_occurrences, c.infinity_state
	FROM scheduled_aliases a LEFT JOIN scheduled_conferences c ON c.scheduled_alias_id = a.id
	ORDER BY a.id, c.state = 'active' DESC, c.updated_at DESC`

func policyAliases(ctx context.Context, tx *sql.Tx) ([]policy.Alias, error) {
	rows, err := tx.QueryContext(ctx, sqlPolicyAliases)
	if err != nil {
		return nil, fmt.Errorf("store: reading scheduled aliases: %w", err)
	}
	defer rows.Close()
	var out []policy.Alias
	for rows.Next() {
		var a policy.Alias
		var cid sql.NullInt64
		var uid, name, desc, subject, organizer, kind, state, rec, start, end, from, until, cancelled, zone, moved, infState sql.NullString
		if err := rows.Scan(&a.ID, &a.IntegrationID, &a.UUID, &a.Alias, &a.NumericAlias, &a.Deleted,
			&cid, &uid, &name, &desc, &subject, &organizer, &kind, &state, &rec, &start, &end, &from, &until, &cancelled,
			&zone, &moved, &infState); err != nil {
			return nil, fmt.Errorf("store: reading scheduled aliases: %w", err)
		}
		if n := len(out); n > 0 && out[n-1].ID == a.ID {
			continue
		}
		if cid.Valid {
			c := &policy.Conference{ID: cid.Int64, MeetingUID: uid.String, Name: name.String, Description: desc.String,
				Subject: subject.String, Organizer: organizer.String, Kind: kind.String, State: state.String,
				Recurrence: rec.String, TimeZone: zone.String, InfinityState: infState.String, Start: parseTime(start.String), End: parseTime(end.String), ValidFrom: parseTime(from.String)}
			if until.String != "" {
				c.ValidUntil = parseTime(until.String)
			}
			if err := json.Unmarshal([]byte(cancelled.String), &c.Cancelled); err != nil {
				return nil, fmt.Errorf("store: scheduled conference %d: cancelled occurrences: %w", c.ID, err)
			}
			if err := json.Unmarshal([]byte(moved.String), &c.Moved); err != nil {
				return nil, fmt.Errorf("store: scheduled conference %d: moved occurrences: %w", c.ID, err)
			}
			a.Conference = c
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// sqlPolicyLog writes one decision unless its integration was deleted
// meanwhile (the foreign key would fail the whole batch).
const sqlPolicyLog = `INSERT INTO scheduler_log (integration_id, transaction_uuid, time, success, code,
	description, item_uid, subject, organizer)
	SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9 WHERE EXISTS (SELECT 1 FROM integrations WHERE id = ?1)`

// LogDecisions implements policy.Repository: one transaction.
func (r *Policy) LogDecisions(ctx context.Context, ds []policy.Decision) error {
	return r.s.inTx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, sqlPolicyLog)
		if err != nil {
			return fmt.Errorf("store: writing policy decisions: %w", err)
		}
		defer st.Close()
		for _, d := range ds {
			desc := d.Alias + " from " + d.Caller + ": " + d.Action + ": " + d.Why
			_, err := st.ExecContext(ctx, d.IntegrationID, uuid.NewString(), timestamp(d.At), d.Action == "continue",
				d.Code, clipReason(desc), clipReason(d.MeetingUID), clipReason(d.Subject), clipReason(d.Organizer))
			if err != nil {
				return fmt.Errorf("store: writing policy decisions: %w", err)
			}
		}
		return nil
	})
}
