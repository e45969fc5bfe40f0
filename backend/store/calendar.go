package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"vmr-companion/backend/calendar"
)

// Calendars is the calendar cache (calendar.Cache) and what the meeting
// detector needs to know of this deployment's VMRs.
func (s *Store) Calendars() *Calendars { return &Calendars{s: s} }

// Calendars keeps the last good copy of each calendar source's meetings.
type Calendars struct{ s *Store }

var _ calendar.Cache = (*Calendars)(nil)

// maxCachedError bounds a stored error message.
const maxCachedError = 2000

// Save stores the meetings of a successful refresh as the last good copy
// and clears the last error.
func (r *Calendars) Save(ctx context.Context, key, source string, meetings []calendar.Meeting, at time.Time) error {
	if meetings == nil {
		meetings = []calendar.Meeting{}
	}
	data, err := json.Marshal(meetings)
	if err != nil {
		return fmt.Errorf("store: saving the meetings of %s: %w", source, err)
	}
	_, err = r.s.writer.ExecContext(ctx, `INSERT INTO calendar_cache (key, source, meetings, fetched_at, last_error, last_error_at)
		VALUES (?, ?, ?, ?, '', '')
		ON CONFLICT (key, source) DO UPDATE SET meetings = excluded.meetings, fetched_at = excluded.fetched_at,
			last_error = '', last_error_at = ''`, key, source, string(data), timestamp(at))
	if err != nil {
		return fmt.Errorf("store: saving the meetings of %s: %w", source, err)
	}
	return nil
}

// RecordFailure records why a refresh failed. The last good copy stays;
// Load then returns it with this message, which marks it stale.
func (r *Calendars) RecordFailure(ctx context.Context, key, source, msg string, at time.Time) error {
	if msg == "" {
		msg = "the refresh failed"
	}
	if len(msg) > maxCachedError {
		msg = msg[:maxCachedError] + "…"
	}
	_, err := r.s.writer.ExecContext(ctx, `INSERT INTO calendar_cache (key, source, last_error, last_error_at)
		VALUES (?, ?, ?, ?)
		ON CONFLICT (key, source) DO UPDATE SET last_error = excluded.last_error, last_error_at = excluded.last_error_at`,
		key, source, msg, timestamp(at))
	if err != nil {
		return fmt.Errorf("store: recording the failure of %s: %w", source, err)
	}
	return nil
}

// Load returns the last good copy, when it was fetched (zero: never), and
// the error of the last refresh if it failed after that copy ("" when the
// copy is current). No row is not an error: nil, zero time, "".
func (r *Calendars) Load(ctx context.Context, key, source string) ([]calendar.Meeting, time.Time, string, error) {
	var data, fetched, lastError string
	err := r.s.reader.QueryRowContext(ctx, `SELECT meetings, fetched_at, last_error FROM calendar_cache WHERE key = ? AND source = ?`,
		key, source).Scan(&data, &fetched, &lastError)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, time.Time{}, "", nil
	}
	if err != nil {
		return nil, time.Time{}, "", fmt.Errorf("store: reading the cached meetings of %s: %w", source, err)
	}
	if fetched == "" {
		return nil, time.Time{}, lastError, nil // only failures so far
	}
	var meetings []calendar.Meeting
	if err := json.Unmarshal([]byte(data), &meetings); err != nil {
		return nil, time.Time{}, lastError, fmt.Errorf("store: the cached meetings of %s are unreadable (%v): refresh the calendar", source, err)
	}
	return meetings, parseTime(fetched), lastError, nil
}

// Forget removes the cached copies of a key (a user signing out).
func (r *Calendars) Forget(ctx context.Context, key string) error {
	if _, err := r.s.writer.ExecContext(ctx, `DELETE FROM calendar_cache WHERE key = ?`, key); err != nil {
		return fmt.Errorf("store: forgetting the cached calendars: %w", err)
	}
	return nil
}

// Detector builds the video meeting detector from this deployment's VMRs:
// every personal VMR alias, every single-use alias that was not withdrawn
// (with its reservation uuid, for vmr-companion:<uuid> tokens), and each
// integration's add-in server domain, which serves the web join link.
func (r *Calendars) Detector(ctx context.Context) (*calendar.Detector, error) {
	d := &calendar.Detector{Tokens: map[string]string{}, AliasDomains: map[string]string{}}
	domains := map[int64]string{}
	err := r.each(ctx, `SELECT id, coalesce(json_extract(settings, '$.addin_server_domain'), '') FROM integrations ORDER BY name`,
		func(rows *sql.Rows) error {
			var id int64
			var domain string
			if err := rows.Scan(&id, &domain); err != nil {
				return err
			}
			if domain = strings.TrimSpace(domain); domain != "" {
				domains[id] = domain
				d.WebDomains = append(d.WebDomains, domain)
			}
			return nil
		})
	if err != nil {
		return nil, err
	}
	err = r.each(ctx, `SELECT alias FROM conference_aliases ORDER BY conference_id, position`, func(rows *sql.Rows) error {
		var a string
		if err := rows.Scan(&a); err != nil {
			return err
		}
		d.Aliases = append(d.Aliases, a)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = r.each(ctx, `SELECT integration_id, uuid, alias FROM scheduled_aliases WHERE deleted_at IS NULL ORDER BY id`, func(rows *sql.Rows) error {
		var id int64
		var uuid, a string
		if err := rows.Scan(&id, &uuid, &a); err != nil {
			return err
		}
		d.Aliases = append(d.Aliases, a)
		d.Tokens[uuid] = a
		if domain := domains[id]; domain != "" {
			d.AliasDomains[a] = domain
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

func (r *Calendars) each(ctx context.Context, query string, fn func(*sql.Rows) error) error {
	rows, err := r.s.reader.QueryContext(ctx, query)
	if err != nil {
		return fmt.Errorf("store: reading the VMRs for the meeting detector: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return fmt.Errorf("store: reading the VMRs for the meeting detector: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: reading the VMRs for the meeting detector: %w", err)
	}
	return nil
}
