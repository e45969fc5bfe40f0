package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"vmr-companion/backend/manifest"
)

// Manifests is the manifest identity repository (manifest.Repository).
func (s *Store) Manifests() *Manifests { return &Manifests{s: s} }

// Manifests keeps each integration's add-in ids and manifest revision.
type Manifests struct{ s *Store }

var _ manifest.Repository = (*Manifests)(nil)

// Settle implements manifest.Repository.
func (r *Manifests) Settle(ctx context.Context, integrationID int64, fingerprint string) (manifest.Identity, error) {
	var id manifest.Identity
	err := r.s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT addin_id, dev_addin_id, revision, fingerprint FROM addin_manifests WHERE integration_id = ?`,
			integrationID).Scan(&id.AddinID, &id.DevAddinID, &id.Revision, &id.Fingerprint)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			id = manifest.Identity{AddinID: uuid.NewString(), DevAddinID: uuid.NewString(), Revision: 0, Fingerprint: fingerprint}
			_, err = tx.ExecContext(ctx, `INSERT INTO addin_manifests (integration_id, addin_id, dev_addin_id, revision, fingerprint) VALUES (?, ?, ?, ?, ?)`,
				integrationID, id.AddinID, id.DevAddinID, id.Revision, id.Fingerprint)
		case err != nil:
		case id.Fingerprint != fingerprint:
			id.Revision++
			id.Fingerprint = fingerprint
			_, err = tx.ExecContext(ctx, `UPDATE addin_manifests SET revision = ?, fingerprint = ? WHERE integration_id = ?`,
				id.Revision, id.Fingerprint, integrationID)
		}
		if err != nil {
			return fmt.Errorf("store: settling the manifest of integration %d: %w", integrationID, err)
		}
		return nil
	})
	return id, err
}
