package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
)

// Integrations is the integration repository (integration.Repository).
func (s *Store) Integrations() *Integrations { return &Integrations{s: s} }

// Integrations reads and writes integrations, their Exchange domains and the
// references to their keychain entries.
type Integrations struct{ s *Store }

var _ integration.Repository = (*Integrations)(nil)

const summaryColumns = `id, uuid, name, description, url, room_mailbox, authentication_method,
	enable_dynamic_vmrs, enable_personal_vmrs, updated_at`

// List returns every integration's summary, by name.
func (r *Integrations) List(ctx context.Context) ([]integration.Summary, error) {
	rows, err := r.s.reader.QueryContext(ctx, `SELECT `+summaryColumns+` FROM integrations ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: listing integrations: %w", err)
	}
	defer rows.Close()
	out := []integration.Summary{}
	for rows.Next() {
		var sum integration.Summary
		var updated string
		if err := rows.Scan(&sum.ID, &sum.UUID, &sum.Name, &sum.Description, &sum.URL, &sum.RoomMailbox,
			&sum.AuthenticationMethod, &sum.EnableDynamicVMRs, &sum.EnablePersonalVMRs, &updated); err != nil {
			return nil, fmt.Errorf("store: listing integrations: %w", err)
		}
		sum.UpdatedAt = parseTime(updated)
		out = append(out, sum)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: listing integrations: %w", err)
	}
	return out, nil
}

// Get finds an integration by uuid, or else by name (case-insensitive).
func (r *Integrations) Get(ctx context.Context, ref string) (*integration.Integration, error) {
	var (
		id                   int64
		uuid, name, settings string
		created, updated     string
	)
	row := r.s.reader.QueryRowContext(ctx, `SELECT id, uuid, name, settings, created_at, updated_at
		FROM integrations WHERE uuid = ?1 OR name = ?1 ORDER BY uuid = ?1 DESC LIMIT 1`, ref)
	if err := row.Scan(&id, &uuid, &name, &settings, &created, &updated); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("%w: no integration is named %q or has that uuid (see: vmr-companion integrations list)", integration.ErrNotFound, ref)
		}
		return nil, fmt.Errorf("store: reading integration %q: %w", ref, err)
	}
	it := integration.Defaults()
	if err := json.Unmarshal([]byte(settings), it); err != nil {
		return nil, fmt.Errorf("store: integration %q has unreadable settings: %w", name, err)
	}
	it.ID, it.UUID, it.Name = id, uuid, name
	it.CreatedAt, it.UpdatedAt = parseTime(created), parseTime(updated)
	var err error
	if it.Domains, err = r.strings(ctx, `SELECT domain FROM integration_domains WHERE integration_id = ? ORDER BY position`, id); err != nil {
		return nil, err
	}
	if it.SecretsStored, err = r.strings(ctx, `SELECT field FROM integration_secrets WHERE integration_id = ? ORDER BY field`, id); err != nil {
		return nil, err
	}
	// Form order, as the service reports them after a write.
	sort.SliceStable(it.SecretsStored, func(a, b int) bool {
		return secretRank(it.SecretsStored[a]) < secretRank(it.SecretsStored[b])
	})
	return it, nil
}

func (r *Integrations) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := r.s.reader.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// settingsJSON is the integration without the fields kept in columns and
// side tables, so each fact has one home.
func settingsJSON(in *integration.Integration) (string, error) {
	c := in.Clone()
	c.ID, c.UUID, c.Name = 0, "", ""
	c.Domains, c.SecretsStored = nil, nil
	c.CreatedAt, c.UpdatedAt = time.Time{}, time.Time{}
	b, err := json.Marshal(c)
	return string(b), err
}

// Create stores new integrations in one transaction.
func (r *Integrations) Create(ctx context.Context, ins []*integration.Integration) error {
	now := time.Now().UTC()
	err := r.s.inTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO integrations (uuid, name, description, url, room_mailbox,
			authentication_method, enable_dynamic_vmrs, enable_personal_vmrs, settings, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`)
		if err != nil {
			return fmt.Errorf("store: %w", err)
		}
		defer stmt.Close()
		for _, in := range ins {
			settings, err := settingsJSON(in)
			if err != nil {
				return fmt.Errorf("store: encoding integration %q: %w", in.Name, err)
			}
			err = stmt.QueryRowContext(ctx, in.UUID, in.Name, in.Description, in.URL, mailbox(in),
				in.AuthenticationMethod, in.EnableDynamicVMRs, in.EnablePersonalVMRs, settings, timestamp(now), timestamp(now)).Scan(&in.ID)
			if err != nil {
				return describeWriteError(in.Name, err)
			}
			if err := writeChildren(ctx, tx, in); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		for _, in := range ins {
			in.ID = 0
		}
		return err
	}
	for _, in := range ins {
		in.CreatedAt, in.UpdatedAt = now, now
	}
	return nil
}

// Update replaces a stored integration's fields, domains and secret references.
func (r *Integrations) Update(ctx context.Context, in *integration.Integration) error {
	now := time.Now().UTC()
	settings, err := settingsJSON(in)
	if err != nil {
		return fmt.Errorf("store: encoding integration %q: %w", in.Name, err)
	}
	err = r.s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE integrations SET name = ?, description = ?, url = ?, room_mailbox = ?,
			authentication_method = ?, enable_dynamic_vmrs = ?, enable_personal_vmrs = ?, settings = ?, updated_at = ?
			WHERE uuid = ?`, in.Name, in.Description, in.URL, mailbox(in), in.AuthenticationMethod,
			in.EnableDynamicVMRs, in.EnablePersonalVMRs, settings, timestamp(now), in.UUID)
		if err != nil {
			return describeWriteError(in.Name, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: integration %s was deleted meanwhile", integration.ErrNotFound, in.UUID)
		}
		if err := tx.QueryRowContext(ctx, `SELECT id FROM integrations WHERE uuid = ?`, in.UUID).Scan(&in.ID); err != nil {
			return fmt.Errorf("store: %w", err)
		}
		for _, q := range []string{`DELETE FROM integration_domains WHERE integration_id = ?`, `DELETE FROM integration_secrets WHERE integration_id = ?`} {
			if _, err := tx.ExecContext(ctx, q, in.ID); err != nil {
				return fmt.Errorf("store: %w", err)
			}
		}
		return writeChildren(ctx, tx, in)
	})
	if err == nil {
		in.UpdatedAt = now
	}
	return err
}

func writeChildren(ctx context.Context, tx *sql.Tx, in *integration.Integration) error {
	for i, d := range in.Domains {
		if _, err := tx.ExecContext(ctx, `INSERT INTO integration_domains (integration_id, position, domain) VALUES (?, ?, ?)`, in.ID, i, d); err != nil {
			return fmt.Errorf("store: saving the domains of %q: %w", in.Name, err)
		}
	}
	for _, f := range in.SecretsStored {
		if _, err := tx.ExecContext(ctx, `INSERT INTO integration_secrets (integration_id, field, account) VALUES (?, ?, ?)`,
			in.ID, f, secrets.Account(in.UUID, f)); err != nil {
			return fmt.Errorf("store: saving the secret references of %q: %w", in.Name, err)
		}
	}
	return nil
}

// Delete removes an integration; its domains and references go with it.
func (r *Integrations) Delete(ctx context.Context, uuid string) error {
	return r.s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM integrations WHERE uuid = ?`, uuid)
		if err != nil {
			return fmt.Errorf("store: deleting integration %s: %w", uuid, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: integration %s", integration.ErrNotFound, uuid)
		}
		return nil
	})
}

// Taken returns which of the names and uuids other integrations already use.
func (r *Integrations) Taken(ctx context.Context, names, uuids []string, exceptUUID string) ([]string, []string, error) {
	takenNames, err := r.taken(ctx, "name", names, exceptUUID)
	if err != nil {
		return nil, nil, err
	}
	takenUUIDs, err := r.taken(ctx, "uuid", uuids, exceptUUID)
	return takenNames, takenUUIDs, err
}

func (r *Integrations) taken(ctx context.Context, column string, values []string, except string) ([]string, error) {
	if len(values) == 0 {
		return nil, nil
	}
	// json_each takes the whole list as one parameter, whatever its length.
	list, _ := json.Marshal(values)
	rows, err := r.s.reader.QueryContext(ctx, `SELECT `+column+` FROM integrations
		WHERE `+column+` IN (SELECT value FROM json_each(?)) AND uuid <> ?`, string(list), except)
	if err != nil {
		return nil, fmt.Errorf("store: checking %ss: %w", column, err)
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

// secretRank is a secret field's place in integration.SecretFields; unknown
// fields go last.
func secretRank(field string) int {
	for i, f := range integration.SecretFields {
		if f == field {
			return i
		}
	}
	return len(integration.SecretFields)
}

func mailbox(in *integration.Integration) string {
	if in.RoomMailboxEmailAddress == nil {
		return ""
	}
	return *in.RoomMailboxEmailAddress
}

func describeWriteError(name string, err error) error {
	switch {
	case isUnique(err, "integrations", "name"):
		return &integration.ValidationError{Fields: map[string]string{"name": fmt.Sprintf("an integration named %q already exists: choose another name", name)}}
	case isUnique(err, "integrations", "uuid"):
		return &integration.ValidationError{Fields: map[string]string{"uuid": "this uuid already belongs to another integration"}}
	}
	return fmt.Errorf("store: saving integration %q: %w", name, err)
}
