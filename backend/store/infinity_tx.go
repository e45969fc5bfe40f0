package store

import (
	"context"
	"database/sql"
	"fmt"
)

// outerTxKey marks a context of InTx.
type outerTxKey struct{}

// outerTx is the transaction InTx opened; repositories called with its
// context write in it (see inTx).
type outerTx struct {
	s  *Store
	tx *sql.Tx
	n  int
}

// InTx runs fn with a context in which every write of this store's
// repositories joins one transaction, committed only when fn succeeds: a
// sync applies many integrations and conferences through their own
// services, all or nothing. Reads still see only committed data. Every
// write inside must use the context fn gets: one on another context waits
// for the single writer connection that this transaction holds.
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(outerTxKey{}).(*outerTx); ok {
		return fn(ctx) // already inside one
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		return fn(context.WithValue(ctx, outerTxKey{}, &outerTx{s: s, tx: tx}))
	})
}

// savepoint runs fn in the outer transaction; its failure undoes only
// what fn wrote, so the caller may go on (a refused object is skipped).
func (o *outerTx) savepoint(ctx context.Context, fn func(*sql.Tx) error) error {
	o.n++
	name := fmt.Sprintf("sp%d", o.n)
	if _, err := o.tx.ExecContext(ctx, "SAVEPOINT "+name); err != nil {
		return fmt.Errorf("store: starting a savepoint: %w", err)
	}
	if err := fn(o.tx); err != nil {
		// Rolled back even when ctx ended: the outer transaction decides.
		_, _ = o.tx.ExecContext(context.WithoutCancel(ctx), "ROLLBACK TO "+name)
		_, _ = o.tx.ExecContext(context.WithoutCancel(ctx), "RELEASE "+name)
		return err
	}
	if _, err := o.tx.ExecContext(ctx, "RELEASE "+name); err != nil {
		return fmt.Errorf("store: releasing a savepoint: %w", err)
	}
	return nil
}
