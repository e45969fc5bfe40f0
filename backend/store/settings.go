package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
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

// Seal moves a setting's value out of the database, for a value that
// turned out to be a secret (a published calendar's link). put stores it
// elsewhere (the keychain) and returns the values that replace it; then,
// in one transaction, the key's row is replaced, only if it still holds
// what put stored. Last, the file is rewritten and its WAL emptied, so no
// copy of the value is left in free pages or old frames. When put fails
// nothing changes; false when there was no value.
func (r *Settings) Seal(ctx context.Context, key string, put func(ctx context.Context, value string) (map[string]string, error)) (bool, error) {
	var value string
	err := r.s.writer.QueryRowContext(ctx, `SELECT value FROM user_settings WHERE key = ?`, key).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: reading setting %q: %w", key, err)
	}
	replace, err := put(ctx, value)
	if err != nil {
		return false, err
	}
	for k, v := range replace {
		if k == "" || len(k) > maxSettingKey || utf8.RuneCountInString(v) > maxSettingValue {
			return false, fmt.Errorf("store: the replacement setting %q is invalid", k)
		}
	}
	// secure_delete zeroes what a delete or update frees (this writer
	// connection is the only one that writes).
	if r.s.engine == SQLite {
		if _, err := r.s.writer.ExecContext(ctx, `PRAGMA secure_delete = ON`); err != nil {
			return false, fmt.Errorf("store: sealing setting %q: %w", key, err)
		}
	}
	at := timestamp(time.Now())
	err = r.s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM user_settings WHERE key = ? AND value = ?`, key, value)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errors.New("the value changed meanwhile; try again")
		}
		for k, v := range replace {
			if _, err := tx.ExecContext(ctx, `INSERT INTO user_settings (key, value, updated_at) VALUES (?, ?, ?)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, k, v, at); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("store: sealing setting %q: %w", key, err)
	}
	if err := r.s.scrub(ctx); err != nil {
		return true, fmt.Errorf("store: setting %q was moved, but old copies may remain in the database file until the app next starts: %w", key, err)
	}
	return true, nil
}

// scrub rewrites the database without its free pages and empties the WAL,
// whose old frames still hold what was deleted.
//
// PostgreSQL has no such rewrite: VACUUM frees the dead rows for reuse,
// and the server's files and WAL keep old copies until they are
// overwritten (docs/high-availability.md says so).
func (s *Store) scrub(ctx context.Context) error {
	if s.engine == Postgres {
		if _, err := s.writer.ExecContext(ctx, `VACUUM user_settings`); err != nil {
			return fmt.Errorf("VACUUM: %w", err)
		}
		return nil
	}
	for _, q := range []string{`PRAGMA secure_delete = ON`, `VACUUM`, `PRAGMA wal_checkpoint(TRUNCATE)`} {
		if _, err := s.writer.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

// settingIdentity names the store's identity in user_settings.
const settingIdentity = "store_identity"

// Identity is this store's random identity, made on first use and kept: it
// keeps the keychain entries of one data folder apart from another's
// (secrets.Scope), and survives moving the folder.
func (s *Store) Identity(ctx context.Context) (string, error) {
	var id string
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO user_settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING`,
			settingIdentity, uuid.NewString(), timestamp(time.Now())); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT value FROM user_settings WHERE key = ?`, settingIdentity).Scan(&id)
	})
	if err != nil {
		return "", fmt.Errorf("store: reading the store's identity: %w", err)
	}
	return id, nil
}
