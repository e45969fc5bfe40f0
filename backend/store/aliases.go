package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"vmr-companion/backend/alias"
	"vmr-companion/backend/integration"
)

// Aliases is the scheduled alias repository (alias.Repository).
func (s *Store) Aliases() *Aliases { return &Aliases{s: s} }

// Aliases reads and writes single-use alias reservations.
type Aliases struct{ s *Store }

var _ alias.Repository = (*Aliases)(nil)

const aliasColumns = `id, integration_id, uuid, alias, numeric_alias, alias_number, item_key, user_email,
	user_key, user_verified, is_used, ews_item_uid, creation_time, expires_at, deleted_at`

func scanAlias(row scanner) (*alias.ScheduledAlias, error) {
	a := &alias.ScheduledAlias{}
	var created, expires string
	var deleted sql.NullString
	err := row.Scan(&a.ID, &a.IntegrationID, &a.UUID, &a.Alias, &a.NumericAlias, &a.AliasNumber, &a.ItemKey,
		&a.UserEmail, &a.UserKey, &a.UserVerified, &a.IsUsed, &a.EWSItemUID, &created, &expires, &deleted)
	if err != nil {
		return nil, err
	}
	if deleted.Valid {
		t := parseTime(deleted.String)
		a.DeletedAt = &t
	}
	a.CreationTime, a.ExpiresAt = parseTime(created), parseTime(expires)
	return a, nil
}

// sortableTimestamp writes a time with all nine fractional digits, so that
// SQL compares the expiry times of reservations as text in time order.
// (RFC3339Nano drops trailing zeros: "…:05Z" sorts after "…:05.5Z".)
// parseTime reads it back.
func sortableTimestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z") }

// The statements of Reserve, prepared once (see Store.stmt).
const (
	findReservation = `SELECT ` + aliasColumns + ` FROM scheduled_aliases
		WHERE integration_id = ? AND item_key = ? AND (is_used = 1 OR expires_at > ?)`
	dropExpired  = `DELETE FROM scheduled_aliases WHERE is_used = 0 AND expires_at <= ?`
	aliasClashes = `SELECT
		(SELECT count(*) FROM scheduled_aliases WHERE alias = ?1 OR numeric_alias = ?2) +
		(SELECT count(*) FROM conference_aliases WHERE alias IN (?1, ?2))`
	insertReservation = `INSERT INTO scheduled_aliases (integration_id, uuid, alias, numeric_alias,
		alias_number, item_key, user_email, user_key, user_verified, creation_time, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
)

const sqlLookupAlias = `SELECT ` + aliasColumns + ` FROM scheduled_aliases WHERE uuid = ?`

// maxBatch bounds how many reservations share one transaction.
const maxBatch = 64

// maxBatchShared is maxBatch on a database shared by instances.
const maxBatchShared = 8

// reserveJob is one Reserve call waiting for the reservation worker.
type reserveJob struct {
	ctx  context.Context
	req  alias.Request
	next func() (alias.Candidate, bool, error)
	done chan reserveResult

	// drawn are the candidates next gave so far; a batch run again after a
	// serialization failure offers them again from pos 0, so that retries
	// do not use up the alias generator's tries.
	drawn []alias.Candidate
	pos   int
}

// candidate is the job's next candidate: one drawn before, in a run
// again, or a new one.
func (j *reserveJob) candidate() (alias.Candidate, bool, error) {
	if j.pos < len(j.drawn) {
		j.pos++
		return j.drawn[j.pos-1], true, nil
	}
	c, ok, err := j.next()
	if ok && err == nil {
		j.drawn = append(j.drawn, c)
		j.pos++
	}
	return c, ok, err
}

type reserveResult struct {
	a       *alias.ScheduledAlias
	created bool
	err     error
}

// Reserve implements alias.Repository. Reservations queue for one worker
// that runs those waiting together in one transaction (group commit): a
// commit costs more than a reservation, and there is one writer anyway.
// Each reservation finds the compose item's existing one, or drops expired
// ones and stores the first free candidate; one failing does not fail the
// others.
func (r *Aliases) Reserve(ctx context.Context, req alias.Request, next func() (alias.Candidate, bool, error)) (*alias.ScheduledAlias, bool, error) {
	job := &reserveJob{ctx: ctx, req: req, next: next, done: make(chan reserveResult, 1)}
	if err := r.s.submitReservation(r, job); err != nil {
		return nil, false, err
	}
	select {
	case res := <-job.done:
		return res.a, res.created, res.err
	case <-ctx.Done():
		return nil, false, fmt.Errorf("store: reserving an alias: %w", ctx.Err())
	}
}

// runBatch reserves for every job in one transaction and answers each.
func (r *Aliases) runBatch(batch []*reserveJob) {
	results := make([]reserveResult, len(batch))
	var err error
	if r.s.engine == Postgres {
		err = r.sweepBefore(batch)
	}
	if err == nil {
		err = r.s.inTx(context.Background(), func(tx *sql.Tx) error {
			return r.reserveAll(tx, batch, results)
		})
	}
	for i, j := range batch {
		if err != nil {
			results[i] = reserveResult{err: err}
		}
		j.done <- results[i]
	}
}

// sweepBefore drops, on PostgreSQL, the reservations that expired unused
// before any job of the batch, in a transaction of its own at READ
// COMMITTED: inside every serializable reservation, the sweep's range
// would make concurrent reservations of other instances conflict. A row
// marked used meanwhile is read again by the DELETE and kept.
func (r *Aliases) sweepBefore(batch []*reserveJob) error {
	earliest := batch[0].req.Now
	for _, j := range batch[1:] {
		if j.req.Now.Before(earliest) {
			earliest = j.req.Now
		}
	}
	ctx := context.Background()
	tx, err := r.s.writer.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return fmt.Errorf("store: dropping expired reservations: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, dropExpired, sortableTimestamp(earliest)); err != nil {
		return fmt.Errorf("store: dropping expired reservations: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: dropping expired reservations: %w", err)
	}
	return nil
}

// reserveAll runs a batch's jobs inside tx, each result in results.
func (r *Aliases) reserveAll(tx *sql.Tx, batch []*reserveJob, results []reserveResult) error {
	for _, j := range batch {
		j.pos = 0 // a run again offers the same candidates first
	}
	for i, j := range batch {
		if err := j.ctx.Err(); err != nil {
			results[i].err = fmt.Errorf("store: reserving an alias: %w", err)
			continue
		}
		results[i].a, results[i].created, results[i].err = r.reserveOne(tx, j)
		if retryable(results[i].err) {
			return results[i].err // another instance's batch won: run this one again
		}
	}
	return nil
}

// reserveOne runs one job of a batch. On PostgreSQL a failed statement
// ends the whole transaction, so each job runs under its own savepoint
// and a refused one (its integration deleted meanwhile) leaves the others
// be, as on SQLite.
func (r *Aliases) reserveOne(tx *sql.Tx, j *reserveJob) (*alias.ScheduledAlias, bool, error) {
	ctx := context.Background()
	if r.s.engine != Postgres {
		return r.reserveIn(ctx, tx, j.req, j.candidate)
	}
	if _, err := tx.ExecContext(ctx, `SAVEPOINT reservation`); err != nil {
		return nil, false, fmt.Errorf("store: reserving an alias: %w", err)
	}
	a, created, err := r.reserveIn(ctx, tx, j.req, j.candidate)
	if err != nil {
		if _, rerr := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT reservation`); rerr != nil && !retryable(err) {
			return nil, false, errors.Join(err, rerr)
		}
		return nil, false, err
	}
	if _, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT reservation`); err != nil {
		return nil, false, fmt.Errorf("store: reserving an alias: %w", err)
	}
	return a, created, nil
}

// reserveIn does one reservation inside tx. Its only write is the final
// insert, so a reservation that fails leaves nothing behind in the batch.
func (r *Aliases) reserveIn(ctx context.Context, tx *sql.Tx, req alias.Request, next func() (alias.Candidate, bool, error)) (*alias.ScheduledAlias, bool, error) {
	now := sortableTimestamp(req.Now)
	find, err := r.s.txStmt(ctx, tx, findReservation)
	if err != nil {
		return nil, false, err
	}
	existing, err := scanAlias(find.QueryRowContext(ctx, req.IntegrationID, req.ItemKey, now))
	if err == nil {
		return existing, false, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, false, fmt.Errorf("store: looking up the reservation: %w", err)
	}
	// Reservations nobody used free their aliases after their time (on
	// PostgreSQL, sweepBefore did it for the batch).
	if r.s.engine != Postgres {
		sweep, err := r.s.txStmt(ctx, tx, dropExpired)
		if err != nil {
			return nil, false, err
		}
		if _, err := sweep.ExecContext(ctx, now); err != nil {
			return nil, false, fmt.Errorf("store: dropping expired reservations: %w", err)
		}
	}
	check, err := r.s.txStmt(ctx, tx, aliasClashes)
	if err != nil {
		return nil, false, err
	}
	insert, err := r.s.txStmt(ctx, tx, insertReservation)
	if err != nil {
		return nil, false, err
	}
	for {
		c, ok, err := next()
		if err != nil {
			return nil, false, err
		}
		if !ok {
			return nil, false, alias.ErrExhausted
		}
		var clash int
		if err := check.QueryRowContext(ctx, c.Alias, c.NumericAlias).Scan(&clash); err != nil {
			return nil, false, fmt.Errorf("store: checking alias %s: %w", c.Alias, err)
		}
		if clash > 0 {
			continue
		}
		expires := req.Now.Add(req.TTL)
		var id int64
		err = insert.QueryRowContext(ctx, req.IntegrationID, req.UUID, c.Alias, c.NumericAlias, c.AliasNumber, req.ItemKey, req.UserEmail,
			req.UserKey, req.UserVerified, now, sortableTimestamp(expires)).Scan(&id)
		if err != nil {
			if isForeignKey(err) {
				return nil, false, fmt.Errorf("%w: integration %d was deleted meanwhile", integration.ErrNotFound, req.IntegrationID)
			}
			return nil, false, fmt.Errorf("store: saving the reservation: %w", err)
		}
		return &alias.ScheduledAlias{ID: id, IntegrationID: req.IntegrationID, UUID: req.UUID, Alias: c.Alias,
			NumericAlias: c.NumericAlias, AliasNumber: c.AliasNumber, ItemKey: req.ItemKey, UserEmail: req.UserEmail,
			UserKey: req.UserKey, UserVerified: req.UserVerified, CreationTime: req.Now, ExpiresAt: expires}, true, nil
	}
}

// Lookup finds a reservation by uuid.
func (r *Aliases) Lookup(ctx context.Context, uuid string) (*alias.ScheduledAlias, error) {
	a, err := scanAlias(r.s.readStmt(sqlLookupAlias).QueryRowContext(ctx, uuid))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %s", alias.ErrNotFound, uuid)
	}
	return a, err
}

// Count returns how many reservations an integration holds.
func (r *Aliases) Count(ctx context.Context, integrationID int64) (int, error) {
	var n int
	err := r.s.reader.QueryRowContext(ctx, `SELECT count(*) FROM scheduled_aliases WHERE integration_id = ?`, integrationID).Scan(&n)
	return n, err
}
