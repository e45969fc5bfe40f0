package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
	"unicode/utf8"
)

// Settings limits, as the table's CHECK constraints enforce them.
const (
	maxSettingKey   = 64
	maxSettingValue = 4096
)

// Settings is the desktop user's key/value settings repository.
func (s *Store) Settings() *Settings { return &Settings{s: s} }

// Settings keeps the user's own choices (what they are is app/desktop's
// business; the store only keeps strings).
type Settings struct{ s *Store }

// All returns every setting; a missing key was never set.
func (r *Settings) All(ctx context.Context) (map[string]string, error) {
	rows, err := r.s.reader.QueryContext(ctx, `SELECT key, value FROM user_settings`)
	if err != nil {
		return nil, fmt.Errorf("store: reading the user settings: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, fmt.Errorf("store: reading the user settings: %w", err)
		}
		out[k] = v
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: reading the user settings: %w", err)
	}
	return out, nil
}

// Set writes values in one transaction: all of them or none. An empty
// value removes the key, so "not set" has one spelling.
func (r *Settings) Set(ctx context.Context, values map[string]string, at time.Time) error {
	for k, v := range values {
		if k == "" || len(k) > maxSettingKey {
			return fmt.Errorf("store: setting name %q must be 1 to %d bytes", k, maxSettingKey)
		}
		if utf8.RuneCountInString(v) > maxSettingValue {
			return fmt.Errorf("store: the value of setting %q is longer than %d characters: shorten it", k, maxSettingValue)
		}
	}
	return r.s.inTx(ctx, func(tx *sql.Tx) error {
		for k, v := range values {
			var err error
			if v == "" {
				_, err = tx.ExecContext(ctx, `DELETE FROM user_settings WHERE key = ?`, k)
			} else {
				_, err = tx.ExecContext(ctx, `INSERT INTO user_settings (key, value, updated_at) VALUES (?, ?, ?)
					ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, k, v, timestamp(at))
			}
			if err != nil {
				return fmt.Errorf("store: saving setting %q: %w", k, err)
			}
		}
		return nil
	})
}
