package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"vmr-companion/backend/infinitysync"
)

// Infinity is the repository of the Pexip Infinity sync
// (infinitysync.Repository): the connection, one link per synced object
// and the history.
func (s *Store) Infinity() *Infinity { return &Infinity{s: s} }

// Infinity reads and writes the sync's tables.
type Infinity struct{ s *Store }

var _ infinitysync.Repository = (*Infinity)(nil)

// InTx is Store.InTx.
func (r *Infinity) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	return r.s.InTx(ctx, fn)
}

// Connection returns the stored connection, nil when there is none.
func (r *Infinity) Connection(ctx context.Context) (*infinitysync.StoredConnection, error) {
	var c infinitysync.StoredConnection
	var at string
	err := r.s.reader.QueryRowContext(ctx, `SELECT url, auth, username, client_id, ca_file, account, version, connected_at
		FROM infinity_connection WHERE id = 1`).Scan(&c.URL, &c.Auth, &c.Username, &c.ClientID, &c.CAFile, &c.Account, &c.Version, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: reading the Infinity connection: %w", err)
	}
	c.ConnectedAt = parseTime(at)
	return &c, nil
}

// SaveConnection replaces the stored connection.
func (r *Infinity) SaveConnection(ctx context.Context, c infinitysync.StoredConnection) error {
	return r.s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO infinity_connection (id, url, auth, username, client_id, ca_file, account, version, connected_at)
			VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET url = excluded.url, auth = excluded.auth,
			username = excluded.username, client_id = excluded.client_id, ca_file = excluded.ca_file, account = excluded.account,
			version = excluded.version, connected_at = excluded.connected_at`,
			c.URL, c.Auth, c.Username, c.ClientID, c.CAFile, c.Account, c.Version, timestamp(c.ConnectedAt))
		if err != nil {
			return fmt.Errorf("store: saving the Infinity connection: %w", err)
		}
		return nil
	})
}

// DeleteConnection forgets the connection; links and history stay, so a
// reconnect to the same Management Node carries on.
func (r *Infinity) DeleteConnection(ctx context.Context) error {
	return r.s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM infinity_connection`); err != nil {
			return fmt.Errorf("store: deleting the Infinity connection: %w", err)
		}
		return nil
	})
}

// Links returns every link, by kind and name.
func (r *Infinity) Links(ctx context.Context) ([]infinitysync.Link, error) {
	rows, err := r.s.reader.QueryContext(ctx, `SELECT id, kind, coalesce(integration_id, conference_id, 0), name,
		coalesce(remote_id, 0), base, remote, push_state, push_error FROM infinity_objects ORDER BY kind, name, id`)
	if err != nil {
		return nil, fmt.Errorf("store: reading the Infinity links: %w", err)
	}
	defer rows.Close()
	var out []infinitysync.Link
	for rows.Next() {
		var l infinitysync.Link
		// Straight into the byte slices (NULL is nil): one copy, not two.
		if err := rows.Scan(&l.ID, &l.Kind, &l.LocalID, &l.Name, &l.RemoteID, (*[]byte)(&l.Base), (*[]byte)(&l.Remote), &l.PushState, &l.PushError); err != nil {
			return nil, fmt.Errorf("store: reading the Infinity links: %w", err)
		}
		if l.Remote != nil && bytes.Equal(l.Base, l.Remote) {
			l.Remote = l.Base // in step: one copy (neither is changed in place)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

func nullJSON(b json.RawMessage) any {
	if b == nil {
		return nil
	}
	return string(b)
}

func nullID[T int | int64](v T) any {
	if v == 0 {
		return nil
	}
	return v
}

// SaveLink inserts a link (ID 0) or updates it.
func (r *Infinity) SaveLink(ctx context.Context, l *infinitysync.Link) error {
	return r.SaveLinks(ctx, []*infinitysync.Link{l})
}

// SaveLinks saves every link of ls as SaveLink does, in one transaction
// with one prepared statement per kind of write: a pull saves tens of
// thousands.
func (r *Infinity) SaveLinks(ctx context.Context, ls []*infinitysync.Link) error {
	if len(ls) == 0 {
		return nil
	}
	now := timestamp(time.Now())
	// A run PostgreSQL aborts runs again (inTx) from the ids as given, not
	// with those the aborted run's inserts set.
	ids := make([]int64, len(ls))
	for i, l := range ls {
		ids[i] = l.ID
	}
	return r.s.inTx(ctx, func(tx *sql.Tx) error {
		for i, l := range ls {
			l.ID = ids[i]
		}
		var ins, upd *sql.Stmt
		defer func() {
			for _, st := range []*sql.Stmt{ins, upd} {
				if st != nil {
					st.Close()
				}
			}
		}()
		for _, l := range ls {
			var integ, conf any
			if l.Kind == infinitysync.KindIntegration {
				integ = nullID(l.LocalID)
			} else {
				conf = nullID(l.LocalID)
			}
			if len(l.PushError) > 2000 {
				l.PushError = l.PushError[:2000]
			}
			var err error
			if l.ID == 0 {
				if ins == nil {
					if ins, err = tx.PrepareContext(ctx, `INSERT INTO infinity_objects (kind, integration_id, conference_id, name, remote_id,
						base, remote, push_state, push_error, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`); err != nil {
						return fmt.Errorf("store: saving the Infinity links: %w", err)
					}
				}
				err = ins.QueryRowContext(ctx, l.Kind, integ, conf, l.Name, nullID(l.RemoteID), nullJSON(l.Base), nullJSON(l.Remote), l.PushState, l.PushError, now).Scan(&l.ID)
			} else {
				if upd == nil {
					if upd, err = tx.PrepareContext(ctx, `UPDATE infinity_objects SET integration_id = ?, conference_id = ?, name = ?, remote_id = ?,
						base = ?, remote = ?, push_state = ?, push_error = ?, updated_at = ? WHERE id = ?`); err != nil {
						return fmt.Errorf("store: saving the Infinity links: %w", err)
					}
				}
				_, err = upd.ExecContext(ctx, integ, conf, l.Name, nullID(l.RemoteID), nullJSON(l.Base), nullJSON(l.Remote), l.PushState, l.PushError, now, l.ID)
			}
			if err != nil {
				return fmt.Errorf("store: saving the Infinity link of %s %q: %w", l.Kind, l.Name, err)
			}
		}
		return nil
	})
}

// DeleteLink removes a link.
func (r *Infinity) DeleteLink(ctx context.Context, id int64) error {
	return r.s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM infinity_objects WHERE id = ?`, id); err != nil {
			return fmt.Errorf("store: deleting an Infinity link: %w", err)
		}
		return nil
	})
}

// AddHistory appends h, setting its ID.
func (r *Infinity) AddHistory(ctx context.Context, h *infinitysync.HistoryRow) error {
	changes := h.Changes
	if changes == nil {
		changes = []infinitysync.Change{}
	}
	data, err := json.Marshal(changes)
	if err != nil {
		return fmt.Errorf("store: encoding the sync history: %w", err)
	}
	summary, who := clip(h.Summary, 2000), clip(h.Who, 600)
	return r.s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO infinity_history (at, who, action, outcome, summary, changes) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			timestamp(h.Time), who, h.Action, h.Outcome, summary, string(data)).Scan(&h.ID)
		if err != nil {
			return fmt.Errorf("store: recording the sync history: %w", err)
		}
		return nil
	})
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// History returns the last limit rows, newest first.
func (r *Infinity) History(ctx context.Context, limit int) ([]infinitysync.HistoryRow, error) {
	rows, err := r.s.reader.QueryContext(ctx, `SELECT id, at, who, action, outcome, summary, changes FROM infinity_history
		ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: reading the sync history: %w", err)
	}
	defer rows.Close()
	out := []infinitysync.HistoryRow{}
	for rows.Next() {
		var h infinitysync.HistoryRow
		var at, changes string
		if err := rows.Scan(&h.ID, &at, &h.Who, &h.Action, &h.Outcome, &h.Summary, &changes); err != nil {
			return nil, fmt.Errorf("store: reading the sync history: %w", err)
		}
		h.Time = parseTime(at)
		if err := json.Unmarshal([]byte(changes), &h.Changes); err != nil {
			return nil, fmt.Errorf("store: reading the sync history: %w", err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// LastRun is when action last ran ok or with conflicts.
func (r *Infinity) LastRun(ctx context.Context, action string) (*time.Time, error) {
	var at sql.NullString
	err := r.s.reader.QueryRowContext(ctx, `SELECT at FROM infinity_history WHERE action = ? AND outcome IN ('ok', 'conflicts')
		ORDER BY id DESC LIMIT 1`, action).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: reading the sync history: %w", err)
	}
	if !at.Valid {
		return nil, nil
	}
	t := parseTime(at.String)
	return &t, nil
}

// NodeURL is the Management Node the links belong to, "" when none.
func (r *Infinity) NodeURL(ctx context.Context) (string, error) {
	var u string
	err := r.s.reader.QueryRowContext(ctx, `SELECT url FROM infinity_node WHERE id = 1`).Scan(&u)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: reading the Infinity node: %w", err)
	}
	return u, nil
}

// SetNodeURL records the Management Node the links belong to.
func (r *Infinity) SetNodeURL(ctx context.Context, url string) error {
	return r.s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO infinity_node (id, url) VALUES (1, ?)
			ON CONFLICT (id) DO UPDATE SET url = excluded.url WHERE infinity_node.url <> excluded.url`, url); err != nil { // the same node: no write
			return fmt.Errorf("store: saving the Infinity node: %w", err)
		}
		return nil
	})
}

// ForgetLinks drops every link and the node they belong to; the local
// objects and the history stay.
func (r *Infinity) ForgetLinks(ctx context.Context) error {
	return r.s.inTx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{`DELETE FROM infinity_objects`, `DELETE FROM infinity_node`} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("store: forgetting the Infinity links: %w", err)
			}
		}
		return nil
	})
}

// TakeLease takes or renews the sync lease for holder until at+ttl. The
// stored expiry is compared with at in the same transaction, so of two
// processes asking at once one gets it; while another holder's lease has
// not run out it returns that lease and false. On PostgreSQL the
// database server's clock stands for at (see Scheduler.Lease); the lease
// returned is in the caller's clock.
func (r *Infinity) TakeLease(ctx context.Context, holder string, at time.Time, ttl time.Duration) (*infinitysync.SyncLease, bool, error) {
	var out infinitysync.SyncLease
	var ok bool
	err := r.s.inTx(ctx, func(tx *sql.Tx) error {
		at, shift, err := r.s.dbClock(ctx, tx, at)
		if err != nil {
			return err
		}
		var cur, acquired, expires string
		err = tx.QueryRowContext(ctx, `SELECT holder, acquired_at, expires_at FROM infinity_sync_lease WHERE id = 1`).Scan(&cur, &acquired, &expires)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: reading the sync lease: %w", err)
		}
		if cur != "" && cur != holder && parseTime(expires).After(at) {
			out = infinitysync.SyncLease{Holder: cur, Since: parseTime(acquired).Add(shift), Expires: parseTime(expires).Add(shift)}
			return nil
		}
		since := at
		if cur == holder {
			since = parseTime(acquired) // a renewal keeps when it began
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO infinity_sync_lease (id, holder, acquired_at, expires_at) VALUES (1, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at`,
			clip(holder, 600), sortableTimestamp(since), sortableTimestamp(at.Add(ttl)))
		if err != nil {
			return fmt.Errorf("store: taking the sync lease: %w", err)
		}
		out, ok = infinitysync.SyncLease{Holder: holder, Since: since.Add(shift), Expires: at.Add(ttl).Add(shift)}, true
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return &out, ok, nil
}

// ReleaseLease gives the sync lease up if holder still holds it.
func (r *Infinity) ReleaseLease(ctx context.Context, holder string) error {
	return r.s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE infinity_sync_lease SET holder = '', expires_at = '' WHERE id = 1 AND holder = ?`, holder); err != nil {
			return fmt.Errorf("store: releasing the sync lease: %w", err)
		}
		return nil
	})
}

// IntegrationInUse says what of this product hangs on integration id
// (scheduled conferences, the scheduler's state, queued Infinity
// operations), "" when nothing: deleting it would cascade to them.
func (r *Infinity) IntegrationInUse(ctx context.Context, id int64) (string, error) {
	var parts []string
	for _, q := range []struct{ table, what string }{
		{"scheduled_conferences", "scheduled conferences"},
		{"scheduled_aliases", "reserved aliases"},
		{"scheduler_items", "scheduler items"},
		{"scheduler_outbox", "scheduler outbox messages"},
		{"scheduler_failures", "scheduler failures"},
		{"infinity_outbox", "queued Infinity operations"},
	} {
		var n int
		// The table names are constants above, never input.
		if err := r.s.reader.QueryRowContext(ctx, `SELECT count(*) FROM `+q.table+` WHERE integration_id = ?`, id).Scan(&n); err != nil {
			return "", fmt.Errorf("store: counting what uses an integration: %w", err)
		}
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, q.what))
		}
	}
	var state int
	if err := r.s.reader.QueryRowContext(ctx, `SELECT count(*) FROM scheduler_state WHERE integration_id = ? AND (processed > 0 OR last_sync <> '')`, id).Scan(&state); err != nil {
		return "", fmt.Errorf("store: counting what uses an integration: %w", err)
	}
	if state > 0 {
		parts = append(parts, "the scheduler's state")
	}
	return strings.Join(parts, ", "), nil
}
