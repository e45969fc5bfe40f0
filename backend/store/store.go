// Package store keeps VMR Companion's data: by default in one SQLite file
// (modernc.org/sqlite, pure Go: WAL, foreign keys on, a busy timeout, and a
// single writer connection so writes never contend with each other), or in
// a PostgreSQL database that several instances share (engine.go).
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// FileName is the database file inside the data directory.
const FileName = "vmr-companion.db"

// EnvDataDir overrides the data directory, like the --data-dir flag (the
// command line reads it, as it reads every flag's variable).
const EnvDataDir = "VMR_COMPANION_DATA_DIR"

//go:embed migrations/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// ErrNewerSchema means the file was written by a newer VMR Companion.
var ErrNewerSchema = errors.New("store: the database was written by a newer version of vmr-companion")

// Store is the open database. Writes go through one connection; reads use a
// small pool of read-only connections, which WAL lets run beside the writer.
type Store struct {
	// path is the SQLite file, or the PostgreSQL URL without its password.
	path     string
	engine   Engine
	database Database
	writer   *sql.DB
	reader   *sql.DB // the same pool as writer on PostgreSQL

	// stmts are the hot statements, prepared at open and read-only after.
	stmts map[string]*sql.Stmt

	// The reservation worker (see Aliases.Reserve): its queue, started on
	// first use, and closed with the store.
	resMu     sync.Mutex
	resQueue  chan *reserveJob
	resClosed bool
	resDone   chan struct{}
}

// DefaultDataDir is where the database lives unless told otherwise (by
// --data-dir, which the command line also takes from EnvDataDir or its
// config file): vmr-companion/ in the user's config directory.
func DefaultDataDir() (string, error) {
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("store: finding the user's config directory: %w (set %s or pass --data-dir)", err, EnvDataDir)
	}
	return filepath.Join(base, "vmr-companion"), nil
}

// OpenDir opens (creating if needed) the database in a data directory.
func OpenDir(ctx context.Context, dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("store: creating the data directory: %w", err)
	}
	return Open(ctx, filepath.Join(dir, FileName))
}

// Open opens the database file and brings its schema up to date.
func Open(ctx context.Context, path string) (*Store, error) {
	return open(ctx, path, len(migrations()))
}

// OpenDatabase opens the store d names (see ParseDatabase) and brings its
// schema up to date.
func OpenDatabase(ctx context.Context, d Database) (*Store, error) {
	if d.Engine == Postgres {
		return openPostgres(ctx, d, len(migrations()))
	}
	if dir := filepath.Dir(d.Path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("store: creating the database's folder: %w", err)
		}
	}
	return Open(ctx, d.Path)
}

// pgPoolSize bounds one instance's PostgreSQL connections: the add-in
// host, the policy server and each mailbox worker hold one at most briefly.
const pgPoolSize = 16

func openPostgres(ctx context.Context, d Database, target int) (*Store, error) {
	connector, err := newPGConnector(d.URL)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(pgPoolSize)
	db.SetMaxIdleConns(pgPoolSize)
	db.SetConnMaxIdleTime(5 * time.Minute)
	s := &Store{path: d.String(), engine: Postgres, database: d, writer: db, reader: db}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, s.describePGError(err)
	}
	if err := s.migrate(ctx, target); err != nil {
		db.Close()
		return nil, err
	}
	if target == len(migrations()) {
		if err := s.prepareHot(ctx); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

func (s *Store) describePGError(err error) error {
	return fmt.Errorf("store: cannot use the PostgreSQL database %s: %s: check the URL, that the server runs and that it lets this host and user in (pg_hba.conf)",
		s.path, redactError(err, s.path))
}

// Engine is the database the store runs on.
func (s *Store) Engine() Engine { return s.engine }

// Database is where the store lives.
func (s *Store) Database() Database { return s.database }

func dsn(path string, readOnly bool) string {
	// '?' and '#' would end the file part of the URI, and SQLite decodes
	// %HH escapes in it, so '%' itself must be escaped too.
	p := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	q := "_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	if readOnly {
		q += "&_pragma=query_only(1)"
	} else {
		q += "&_txlock=immediate"
	}
	return "file:" + p + "?" + q
}

func open(ctx context.Context, path string, target int) (*Store, error) {
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		return nil, fmt.Errorf("store: %s is a directory, not a database file", path)
	}
	writer, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("store: opening %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetConnMaxIdleTime(0)
	if err := writer.PingContext(ctx); err != nil {
		writer.Close()
		return nil, describeOpenError(path, err)
	}
	s := &Store{path: path, engine: SQLite, database: Database{Engine: SQLite, Path: path}, writer: writer}
	if err := s.migrate(ctx, target); err != nil {
		writer.Close()
		return nil, err
	}
	reader, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("store: opening %s for reading: %w", path, err)
	}
	reader.SetMaxOpenConns(4)
	s.reader = reader
	if target == len(migrations()) {
		if err := s.prepareHot(ctx); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

func describeOpenError(path string, err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "file is not a database"), strings.Contains(msg, "(26)"):
		return fmt.Errorf("store: %s is not a vmr-companion database (not an SQLite file): move it away or choose another --data-dir", path)
	case strings.Contains(msg, "unable to open"), strings.Contains(msg, "(14)"):
		return fmt.Errorf("store: cannot open %s: check that the folder exists and is writable, or choose another --data-dir: %w", path, err)
	case strings.Contains(msg, "locked"), strings.Contains(msg, "busy"):
		return fmt.Errorf("store: %s is locked by another program: close other vmr-companion windows and try again: %w", path, err)
	}
	return fmt.Errorf("store: opening %s: %w", path, err)
}

// Path is the database file's path.
func (s *Store) Path() string { return s.path }

// Close closes both pools.
func (s *Store) Close() error {
	s.resMu.Lock()
	s.resClosed = true
	queue, done := s.resQueue, s.resDone
	if queue != nil {
		close(queue)
	}
	s.resMu.Unlock()
	if done != nil {
		<-done // the worker finishes what was queued before the pools close
	}
	var errs []error
	for _, st := range s.stmts {
		errs = append(errs, st.Close())
	}
	if s.reader != nil && s.reader != s.writer {
		errs = append(errs, s.reader.Close())
	}
	errs = append(errs, s.writer.Close())
	return errors.Join(errs...)
}

// submitReservation queues a reservation, starting the worker on first use.
func (s *Store) submitReservation(r *Aliases, job *reserveJob) error {
	s.resMu.Lock()
	defer s.resMu.Unlock()
	if s.resClosed {
		return errors.New("store: closed")
	}
	if s.resQueue == nil {
		s.resQueue, s.resDone = make(chan *reserveJob, 1024), make(chan struct{})
		go s.reservationWorker(r, s.resQueue, s.resDone)
	}
	// Sent under the lock, so Close cannot close the queue in between; the
	// worker never takes the lock, so a full queue drains.
	s.resQueue <- job
	return nil
}

// reservationWorker takes what is queued, up to maxBatch at a time, and
// runs each batch in one transaction.
//
// On PostgreSQL batches are smaller: other instances' reservations run at
// the same time, and a serialization failure runs the whole batch again.
func (s *Store) reservationWorker(r *Aliases, queue chan *reserveJob, done chan struct{}) {
	defer close(done)
	limit := maxBatch
	if s.engine == Postgres {
		limit = maxBatchShared
	}
	for job := range queue {
		batch := append(make([]*reserveJob, 0, limit), job)
	fill:
		for len(batch) < limit {
			select {
			case j, ok := <-queue:
				if !ok {
					break fill
				}
				batch = append(batch, j)
			default:
				break fill
			}
		}
		r.runBatch(batch)
	}
}

// migration is one step of the one ordered list both engines follow. pg
// is its PostgreSQL form: a file of the same name in migrations/postgres
// where the dialects differ, else the SQLite text translated by pgDDL.
type migration struct {
	version int
	name    string
	sql     string
	pg      string
}

// migrations returns the embedded migrations in order; file names start with
// their version number.
func migrations() []migration {
	entries, err := migrationFiles.ReadDir("migrations")
	if err != nil {
		panic(err) // embedded at build time: cannot fail
	}
	var out []migration
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		var v int
		if _, err := fmt.Sscanf(e.Name(), "%04d_", &v); err != nil {
			panic(fmt.Sprintf("store: migration %s has no version prefix", e.Name()))
		}
		body, _ := migrationFiles.ReadFile("migrations/" + e.Name())
		pg := pgDDL(string(body))
		if own, err := migrationFiles.ReadFile("migrations/postgres/" + e.Name()); err == nil {
			pg = string(own)
		}
		if v == 1 {
			pg = pgPrelude + pg
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(body), pg: pg})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out
}

// SchemaVersion is the number of migrations applied to the file.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.writer.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return v, err
}

// migrate applies each missing migration in its own transaction, recording
// the version in the same transaction.
func (s *Store) migrate(ctx context.Context, target int) error {
	if s.engine == Postgres {
		// Instances starting together take turns: the first migrates, the
		// others find the schema current.
		conn, err := s.writer.Conn(ctx)
		if err != nil {
			return s.describePGError(err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(?)`, migrationLock); err != nil {
			return fmt.Errorf("store: waiting for another instance's migration: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(?)`, migrationLock)
	}
	if _, err := s.writer.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return describeOpenError(s.path, err)
	}
	current, err := s.SchemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("store: reading the schema version: %w", err)
	}
	all := migrations()
	if current > len(all) {
		if s.engine == Postgres {
			return fmt.Errorf("%w (schema %d; this build knows up to %d): another instance was upgraded; upgrade vmr-companion on this one too", ErrNewerSchema, current, len(all))
		}
		return fmt.Errorf("%w (schema %d; this build knows up to %d): upgrade vmr-companion, or choose another --data-dir", ErrNewerSchema, current, len(all))
	}
	for _, m := range all {
		if m.version <= current || m.version > target {
			continue
		}
		if err := s.apply(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) apply(ctx context.Context, m migration) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: migration %s: %w", m.name, err)
	}
	defer tx.Rollback()
	body := m.sql
	if s.engine == Postgres {
		body = m.pg
	}
	if _, err := tx.ExecContext(ctx, body); err != nil {
		return fmt.Errorf("store: migration %s: %w", m.name, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM schema_version`); err != nil {
		return fmt.Errorf("store: migration %s: %w", m.name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (?)`, m.version); err != nil {
		return fmt.Errorf("store: migration %s: %w", m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: migration %s: %w", m.name, err)
	}
	return nil
}

// hotStatements are prepared once when the store opens, on the writer
// connection: these paths run often, and SQLite's parser otherwise costs
// more than their work.
var hotStatements = []string{findReservation, dropExpired, aliasClashes, insertReservation,
	sqlMarkAliasUsed, sqlInsertOutbox, sqlInsertLog, sqlDecideItem, sqlClearItemFailures, ensureState, sqlStateProcessed, sqlNameTaken,
	sqlInsertConference, sqlUpdateConference}

// hotReads are prepared on the reader pool.
var hotReads = []string{sqlMeeting, sqlLookupAlias}

func (s *Store) prepareHot(ctx context.Context) error {
	s.stmts = map[string]*sql.Stmt{}
	for _, q := range hotStatements {
		st, err := s.writer.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("store: preparing a statement: %w", err)
		}
		s.stmts[q] = st
	}
	for _, q := range hotReads {
		st, err := s.reader.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("store: preparing a statement: %w", err)
		}
		s.stmts[q] = st
	}
	return nil
}

// readStmt returns a prepared read statement.
func (s *Store) readStmt(query string) *sql.Stmt { return s.stmts[query] }

// txStmt returns query for use inside tx: the prepared statement when it is
// a hot one, otherwise one prepared on the transaction's own connection
// (preparing on the pool would wait for the connection tx holds).
func (s *Store) txStmt(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	if st, ok := s.stmts[query]; ok {
		return tx.StmtContext(ctx, st), nil
	}
	st, err := tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("store: preparing a statement: %w", err)
	}
	return st, nil
}

// inTx runs fn in a write transaction, committing only if fn succeeds.
// Inside InTx's context it runs in that transaction instead, under a
// savepoint that a failure of fn rolls back.
//
// On PostgreSQL a transaction that a concurrent one made impossible
// (serialization failure, deadlock) runs again after a short random pause
// that grows with each attempt, for up to txRetryWindow: fn must only
// write through tx, and reset what it sets outside it at its start.
func (s *Store) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	if o, ok := ctx.Value(outerTxKey{}).(*outerTx); ok && o.s == s {
		return o.savepoint(ctx, fn)
	}
	deadline := time.Now().Add(txRetryWindow)
	for attempt := 1; ; attempt++ {
		err := s.inTxOnce(ctx, fn)
		if s.engine != Postgres || !retryable(err) || time.Now().After(deadline) || ctx.Err() != nil {
			return err
		}
		// Full jitter over a ceiling that doubles from 2 ms up to 100 ms.
		ceiling := min(time.Duration(1<<min(attempt, 6))*time.Millisecond, 100*time.Millisecond)
		pause := time.Duration(rand.Int64N(int64(ceiling))) + time.Millisecond
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
	}
}

// txRetryWindow bounds how long one transaction is tried again under
// contention: well past the worst seen (a few hundred milliseconds with
// three instances at full load), well within a request's patience.
const txRetryWindow = 15 * time.Second

// migrationLock is the advisory lock key instances migrate under.
const migrationLock = 0x766d72636f6d70 // "vmrcomp"

func (s *Store) inTxOnce(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: starting a transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: committing: %w", err)
	}
	return nil
}

func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}
