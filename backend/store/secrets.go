package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"vmr-companion/backend/secrets"
)

// Secrets holds the values of the encrypted secrets backend, sealed: this
// package never sees a key or a plaintext. It implements secrets.Vault.
type Secrets struct{ s *Store }

// Secrets returns the repository of sealed secrets.
func (s *Store) Secrets() *Secrets { return &Secrets{s: s} }

var _ secrets.Vault = (*Secrets)(nil)

// GetSealed returns the sealed value of account, or secrets.ErrNotFound.
func (r *Secrets) GetSealed(ctx context.Context, account string) (secrets.Sealed, error) {
	v := secrets.Sealed{Account: account}
	err := r.s.reader.QueryRowContext(ctx, `SELECT key_id, nonce, ciphertext FROM encrypted_secrets WHERE account = ?`, account).
		Scan(&v.KeyID, &v.Nonce, &v.Ciphertext)
	if errors.Is(err, sql.ErrNoRows) {
		return secrets.Sealed{}, secrets.ErrNotFound
	}
	if err != nil {
		return secrets.Sealed{}, fmt.Errorf("store: reading a sealed secret: %w", err)
	}
	return v, nil
}

// PutSealed stores v, replacing the account's previous value.
func (r *Secrets) PutSealed(ctx context.Context, v secrets.Sealed) error {
	return r.PutAllSealed(ctx, []secrets.Sealed{v})
}

// PutAllSealed stores every value in one transaction.
func (r *Secrets) PutAllSealed(ctx context.Context, all []secrets.Sealed) error {
	now := timestamp(time.Now())
	return r.s.inTx(ctx, func(tx *sql.Tx) error {
		for _, v := range all {
			if err := putSealed(ctx, tx, v, now); err != nil {
				return err
			}
		}
		return nil
	})
}

func putSealed(ctx context.Context, tx *sql.Tx, v secrets.Sealed, now string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO encrypted_secrets (account, key_id, nonce, ciphertext, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (account) DO UPDATE SET key_id = excluded.key_id, nonce = excluded.nonce, ciphertext = excluded.ciphertext, updated_at = excluded.updated_at`,
		v.Account, v.KeyID, v.Nonce, v.Ciphertext, now)
	if err != nil {
		return fmt.Errorf("store: saving the sealed secret of %s: %w", v.Account, err)
	}
	return nil
}

// DeleteSealed removes the value of account, or returns secrets.ErrNotFound.
func (r *Secrets) DeleteSealed(ctx context.Context, account string) error {
	return r.s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM encrypted_secrets WHERE account = ?`, account)
		if err != nil {
			return fmt.Errorf("store: deleting the sealed secret of %s: %w", account, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return secrets.ErrNotFound
		}
		return nil
	})
}

// ListSealed returns every sealed value, by account.
func (r *Secrets) ListSealed(ctx context.Context) ([]secrets.Sealed, error) {
	return listSealed(ctx, r.s.reader)
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func listSealed(ctx context.Context, q querier) ([]secrets.Sealed, error) {
	rows, err := q.QueryContext(ctx, `SELECT account, key_id, nonce, ciphertext FROM encrypted_secrets ORDER BY account`)
	if err != nil {
		return nil, fmt.Errorf("store: listing sealed secrets: %w", err)
	}
	defer rows.Close()
	var out []secrets.Sealed
	for rows.Next() {
		var v secrets.Sealed
		if err := rows.Scan(&v.Account, &v.KeyID, &v.Nonce, &v.Ciphertext); err != nil {
			return nil, fmt.Errorf("store: listing sealed secrets: %w", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: listing sealed secrets: %w", err)
	}
	return out, nil
}

// Reseal replaces every value with fn's result in one transaction (a key
// rotation); an error of fn or of a write changes nothing.
func (r *Secrets) Reseal(ctx context.Context, fn func(secrets.Sealed) (secrets.Sealed, error)) (int, error) {
	n := 0
	now := timestamp(time.Now())
	err := r.s.inTx(ctx, func(tx *sql.Tx) error {
		all, err := listSealed(ctx, tx)
		if err != nil {
			return err
		}
		for _, v := range all {
			next, err := fn(v)
			if err != nil {
				return err
			}
			next.Account = v.Account
			if err := putSealed(ctx, tx, next, now); err != nil {
				return err
			}
		}
		n = len(all)
		return nil
	})
	return n, err
}
