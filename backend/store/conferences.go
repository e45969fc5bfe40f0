package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"vmr-companion/backend/conference"
)

// Conferences is the conference repository (conference.Repository).
func (s *Store) Conferences() *Conferences { return &Conferences{s: s} }

// Conferences reads and writes conferences and their aliases.
type Conferences struct{ s *Store }

var _ conference.Repository = (*Conferences)(nil)

const conferenceColumns = `id, name, description, pin, guest_pin, allow_guests, primary_owner_email_address, created_at, updated_at`

// List returns conferences by name, only the owner's when owner is set.
func (r *Conferences) List(ctx context.Context, owner string) ([]*conference.Conference, error) {
	q := `SELECT ` + conferenceColumns + ` FROM conferences`
	var args []any
	if owner != "" {
		q += ` WHERE primary_owner_email_address = ? COLLATE NOCASE`
		args = append(args, owner)
	}
	rows, err := r.s.reader.QueryContext(ctx, q+` ORDER BY name`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: listing conferences: %w", err)
	}
	out := []*conference.Conference{}
	byID := map[int64]*conference.Conference{}
	for rows.Next() {
		c, err := scanConference(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, c)
		byID[c.ID] = c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: listing conferences: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	ids := make([]int64, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	list, _ := json.Marshal(ids)
	arows, err := r.s.reader.QueryContext(ctx, `SELECT conference_id, alias, description FROM conference_aliases
		WHERE conference_id IN (SELECT CAST(value AS INTEGER) FROM json_each(?)) ORDER BY conference_id, position`, string(list))
	if err != nil {
		return nil, fmt.Errorf("store: listing conference aliases: %w", err)
	}
	defer arows.Close()
	for arows.Next() {
		var id int64
		var a conference.Alias
		if err := arows.Scan(&id, &a.Alias, &a.Description); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		byID[id].Aliases = append(byID[id].Aliases, a)
	}
	return out, arows.Err()
}

type scanner interface{ Scan(...any) error }

func scanConference(row scanner) (*conference.Conference, error) {
	c := &conference.Conference{Aliases: []conference.Alias{}}
	var created, updated string
	if err := row.Scan(&c.ID, &c.Name, &c.Description, &c.PIN, &c.GuestPIN, &c.AllowGuests, &c.PrimaryOwnerEmailAddress, &created, &updated); err != nil {
		return nil, err
	}
	c.CreatedAt, c.UpdatedAt = parseTime(created), parseTime(updated)
	return c, nil
}

// Get finds a conference by id, or else by name.
func (r *Conferences) Get(ctx context.Context, ref string) (*conference.Conference, error) {
	id, _ := strconv.ParseInt(ref, 10, 64)
	row := r.s.reader.QueryRowContext(ctx, `SELECT `+conferenceColumns+` FROM conferences
		WHERE id = ? OR name = ? ORDER BY id = ? DESC LIMIT 1`, id, ref, id)
	c, err := scanConference(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: no VMR is named %q or has that id (see: vmr-companion vmrs list)", conference.ErrNotFound, ref)
	}
	if err != nil {
		return nil, fmt.Errorf("store: reading conference %q: %w", ref, err)
	}
	rows, err := r.s.reader.QueryContext(ctx, `SELECT alias, description FROM conference_aliases WHERE conference_id = ? ORDER BY position`, c.ID)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a conference.Alias
		if err := rows.Scan(&a.Alias, &a.Description); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		c.Aliases = append(c.Aliases, a)
	}
	return c, rows.Err()
}

// Create stores conferences in one transaction.
func (r *Conferences) Create(ctx context.Context, cs []*conference.Conference) error {
	now := time.Now().UTC()
	err := r.s.inTx(ctx, func(tx *sql.Tx) error {
		for _, c := range cs {
			err := tx.QueryRowContext(ctx, `INSERT INTO conferences (name, description, pin, guest_pin, allow_guests,
				primary_owner_email_address, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
				c.Name, c.Description, c.PIN, c.GuestPIN, c.AllowGuests, c.PrimaryOwnerEmailAddress, timestamp(now), timestamp(now)).Scan(&c.ID)
			if err != nil {
				return describeConferenceError(c.Name, err)
			}
			if err := writeAliases(ctx, tx, c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		for _, c := range cs {
			c.ID = 0
		}
		return err
	}
	for _, c := range cs {
		c.CreatedAt, c.UpdatedAt = now, now
	}
	return nil
}

// Update replaces a conference's fields and aliases.
func (r *Conferences) Update(ctx context.Context, c *conference.Conference) error {
	now := time.Now().UTC()
	err := r.s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE conferences SET name = ?, description = ?, pin = ?, guest_pin = ?,
			allow_guests = ?, primary_owner_email_address = ?, updated_at = ? WHERE id = ?`,
			c.Name, c.Description, c.PIN, c.GuestPIN, c.AllowGuests, c.PrimaryOwnerEmailAddress, timestamp(now), c.ID)
		if err != nil {
			return describeConferenceError(c.Name, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: conference %d was deleted meanwhile", conference.ErrNotFound, c.ID)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM conference_aliases WHERE conference_id = ?`, c.ID); err != nil {
			return fmt.Errorf("store: %w", err)
		}
		return writeAliases(ctx, tx, c)
	})
	if err == nil {
		c.UpdatedAt = now
	}
	return err
}

func writeAliases(ctx context.Context, tx *sql.Tx, c *conference.Conference) error {
	for i, a := range c.Aliases {
		// Scheduled aliases live in their own table; the same transaction
		// sees every reservation, as there is one writer.
		var clash int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM scheduled_aliases WHERE alias = ? OR numeric_alias = ?`, a.Alias, a.Alias).Scan(&clash); err != nil {
			return fmt.Errorf("store: %w", err)
		}
		if clash > 0 {
			return &conference.ValidationError{Fields: map[string]string{"aliases": fmt.Sprintf("alias %q is reserved for a scheduled meeting", a.Alias)}}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO conference_aliases (conference_id, position, alias, description) VALUES (?, ?, ?, ?)`,
			c.ID, i, a.Alias, a.Description); err != nil {
			return describeConferenceError(c.Name, err)
		}
	}
	return nil
}

// Delete removes a conference; its aliases go with it.
func (r *Conferences) Delete(ctx context.Context, id int64) error {
	return r.s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM conferences WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("store: deleting conference %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: conference %d", conference.ErrNotFound, id)
		}
		return nil
	})
}

// AliasesTaken returns the aliases already used by another conference or by
// a scheduled alias.
func (r *Conferences) AliasesTaken(ctx context.Context, aliases []string, exceptID int64) ([]string, error) {
	if len(aliases) == 0 {
		return nil, nil
	}
	list, _ := json.Marshal(aliases)
	return r.column(ctx, `SELECT j.value FROM json_each(?1) j WHERE
		EXISTS (SELECT 1 FROM conference_aliases a WHERE a.alias = j.value AND a.conference_id <> ?2)
		OR EXISTS (SELECT 1 FROM scheduled_aliases s WHERE s.alias = j.value COLLATE NOCASE OR s.numeric_alias = j.value)`, string(list), exceptID)
}

// NamesTaken returns the names already used by another conference.
func (r *Conferences) NamesTaken(ctx context.Context, names []string, exceptID int64) ([]string, error) {
	if len(names) == 0 {
		return nil, nil
	}
	list, _ := json.Marshal(names)
	return r.column(ctx, `SELECT name FROM conferences WHERE name IN (SELECT value FROM json_each(?1)) AND id <> ?2`, string(list), exceptID)
}

func (r *Conferences) column(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := r.s.reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func describeConferenceError(name string, err error) error {
	switch {
	case isUnique(err, "conferences", "name"):
		return &conference.ValidationError{Fields: map[string]string{"name": fmt.Sprintf("a conference named %q already exists", name)}}
	case isUnique(err, "conference_aliases", "alias"):
		return &conference.ValidationError{Fields: map[string]string{"aliases": "an alias is already in use by another VMR"}}
	}
	return fmt.Errorf("store: saving conference %q: %w", name, err)
}
