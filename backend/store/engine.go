package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// Engine names the database a store runs on.
type Engine string

const (
	// SQLite is the embedded default: one file in the data folder.
	SQLite Engine = "sqlite"
	// Postgres is a shared PostgreSQL database, for several instances.
	Postgres Engine = "postgres"
)

// Database says where the store lives: an SQLite file or a PostgreSQL URL.
type Database struct {
	Engine Engine
	// Path is the SQLite file.
	Path string
	// URL is the PostgreSQL connection URL (it may hold a password: show
	// Redacted instead).
	URL string
}

// ParseDatabase reads a --database value: "sqlite:PATH", or a
// "postgres://" / "postgresql://" URL (or a key=value connection string
// starting with "host="). "" is the SQLite file in dataDir.
func ParseDatabase(spec, dataDir string) (Database, error) {
	spec = strings.TrimSpace(spec)
	switch {
	case spec == "":
		if dataDir == "" {
			return Database{}, errors.New("store: no database given: pass --database sqlite:PATH or postgres://… (or --data-dir)")
		}
		return Database{Engine: SQLite, Path: filepath.Join(dataDir, FileName)}, nil
	case strings.HasPrefix(spec, "sqlite:"):
		p := strings.TrimPrefix(spec, "sqlite:")
		p = strings.TrimPrefix(p, "//")
		if p == "" {
			return Database{}, errors.New("store: --database sqlite: needs a file path, e.g. sqlite:/var/lib/vmr-companion/vmr-companion.db")
		}
		return Database{Engine: SQLite, Path: p}, nil
	case strings.HasPrefix(spec, "postgres://"), strings.HasPrefix(spec, "postgresql://"), strings.HasPrefix(spec, "host="):
		if Redact(spec) != spec {
			return Database{}, fmt.Errorf("store: the PostgreSQL URL %s holds a password, which would show in the process list, the config file and logs: remove it and keep it in a password file (passfile=PATH in the URL, or PGPASSFILE), or in PGPASSWORD", Redact(spec))
		}
		if _, err := pgx.ParseConfig(spec); err != nil {
			return Database{}, fmt.Errorf("store: the PostgreSQL URL is not valid (%s): write it as postgres://USER@HOST:PORT/DBNAME?sslmode=verify-full", redactError(err, spec))
		}
		return Database{Engine: Postgres, URL: spec}, nil
	}
	return Database{}, fmt.Errorf("store: --database %q is neither sqlite:PATH nor a postgres:// URL", Redact(spec))
}

// String is the database for messages: the path, or the URL without its
// password.
func (d Database) String() string {
	if d.Engine == Postgres {
		return Redact(d.URL)
	}
	return d.Path
}

// Redact hides a PostgreSQL URL's password (user:PASSWORD@ and
// password=… in the query or a key=value string).
func Redact(spec string) string {
	if u, err := url.Parse(spec); err == nil && u.Scheme != "" {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
		q := u.Query()
		if q.Has("password") {
			q.Set("password", "xxxxx")
			u.RawQuery = q.Encode()
		}
		return u.String()
	}
	return passwordField.ReplaceAllString(spec, "password=xxxxx")
}

var passwordField = regexp.MustCompile(`password\s*=\s*('(?:[^'\\]|\\.)*'|\S+)`)

// redactError is err's text with any part of spec's password removed
// (pgx's parse errors quote the input).
func redactError(err error, spec string) string {
	msg := err.Error()
	if u, perr := url.Parse(spec); perr == nil {
		if pw, has := u.User.Password(); has && pw != "" {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
		}
	}
	return passwordField.ReplaceAllString(strings.ReplaceAll(msg, spec, Redact(spec)), "password=xxxxx")
}

// pgConnector opens PostgreSQL connections for database/sql through pgx,
// translating the store's SQL (written for SQLite) on the way: the
// repositories keep one text per statement, and the few places where the
// dialects really differ ask Store.engine.
type pgConnector struct {
	inner driver.Connector
}

func newPGConnector(spec string) (*pgConnector, error) {
	cfg, err := pgx.ParseConfig(spec)
	if err != nil {
		return nil, fmt.Errorf("store: the PostgreSQL URL is not valid (%s)", redactError(err, spec))
	}
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	// Timestamps are written by the store as UTC text; the session's zone
	// only matters to now(), which the leases read as UTC anyway.
	cfg.RuntimeParams["timezone"] = "UTC"
	cfg.RuntimeParams["application_name"] = "vmr-companion"
	return &pgConnector{inner: stdlib.GetConnector(*cfg)}, nil
}

func (c *pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &pgConn{Conn: conn}, nil
}

func (c *pgConnector) Driver() driver.Driver { return c.inner.Driver() }

// pgConn is a pgx connection whose statements are translated by pgQuery.
type pgConn struct {
	driver.Conn
}

func (c *pgConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, pgQuery(query))
}

func (c *pgConn) Prepare(query string) (driver.Stmt, error) {
	return c.Conn.Prepare(pgQuery(query))
}

func (c *pgConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, pgQuery(query), args)
}

func (c *pgConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, pgQuery(query), args)
}

// BeginTx makes every write transaction SERIALIZABLE: the store was written
// for SQLite's single writer, and serializable transactions (retried by
// inTx when PostgreSQL aborts one) keep that meaning across instances.
func (c *pgConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if !opts.ReadOnly && sql.IsolationLevel(opts.Isolation) == sql.LevelDefault {
		opts.Isolation = driver.IsolationLevel(sql.LevelSerializable)
	}
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *pgConn) Ping(ctx context.Context) error { return c.Conn.(driver.Pinger).Ping(ctx) }

func (c *pgConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *pgConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

// CheckNamedValue passes SQLite's 0/1 for booleans, as the columns hold.
func (c *pgConn) CheckNamedValue(nv *driver.NamedValue) error {
	if b, ok := nv.Value.(bool); ok {
		nv.Value = int64(0)
		if b {
			nv.Value = int64(1)
		}
	}
	return nil
}

// pgQueries caches translations (SQLite text -> PostgreSQL text). The
// store's statements are a few hundred; texts built at run time (a LIMIT,
// store copy's multi-row inserts) are translated each time once it is
// full, so it never grows without bound.
var pgQueries = struct {
	sync.RWMutex
	m map[string]string
}{m: map[string]string{}}

const maxCachedQueries = 1024

// pgQuery translates a statement of the store from SQLite's dialect:
// ?/?N parameters become $N, json_each and json_extract their PostgreSQL
// forms, and two-argument max/min become greatest/least. COLLATE NOCASE
// stays: the PostgreSQL schema defines a case-insensitive "nocase".
func pgQuery(q string) string {
	pgQueries.RLock()
	out, ok := pgQueries.m[q]
	pgQueries.RUnlock()
	if ok {
		return out
	}
	out = rebind(q)
	out = jsonEach.ReplaceAllString(out, "json_array_elements_text(CAST($1 AS json))")
	out = jsonExtract.ReplaceAllString(out, "(CAST($1 AS jsonb) ->> '$2')")
	out = scalarMinMax(out)
	pgQueries.Lock()
	if len(pgQueries.m) < maxCachedQueries {
		pgQueries.m[q] = out
	}
	pgQueries.Unlock()
	return out
}

var (
	jsonEach    = regexp.MustCompile(`json_each\((\$\d+)\)`)
	jsonExtract = regexp.MustCompile(`json_extract\(([A-Za-z_.]+), '\$\.([A-Za-z_]+)'\)`)
	minMaxCall  = regexp.MustCompile(`(?i)\b(max|min)\(`)
)

// rebind numbers parameters the PostgreSQL way, outside quotes and
// comments. A bare ? takes the number after the largest so far, as in
// SQLite.
func rebind(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 8)
	highest := 0
	for i := 0; i < len(q); i++ {
		ch := q[i]
		switch {
		case ch == '\'' || ch == '"':
			j := i + 1
			for j < len(q) && q[j] != ch {
				j++
			}
			b.WriteString(q[i:min(j+1, len(q))])
			i = j
		case ch == '-' && i+1 < len(q) && q[i+1] == '-':
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				j = len(q) - i
			}
			b.WriteString(q[i : i+j])
			i += j - 1
		case ch == '?':
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			n := highest + 1
			if j > i+1 {
				n, _ = strconv.Atoi(q[i+1 : j])
			}
			highest = max(highest, n)
			b.WriteString("$" + strconv.Itoa(n))
			i = j - 1
		default:
			b.WriteByte(ch)
		}
	}
	return b.String()
}

// scalarMinMax turns max(a, b) into greatest(a, b) (and min into least):
// SQLite's scalar forms; the one-argument aggregates stay.
func scalarMinMax(q string) string {
	locs := minMaxCall.FindAllStringSubmatchIndex(q, -1)
	slices.Reverse(locs) // from the end, so that earlier offsets stay valid
	for _, loc := range locs {
		open := loc[1] - 1
		depth, comma, end := 0, false, -1
		for i := open; i < len(q) && end < 0; i++ {
			switch q[i] {
			case '(':
				depth++
			case ')':
				depth--
				if depth == 0 {
					end = i
				}
			case ',':
				if depth == 1 {
					comma = true
				}
			}
		}
		if !comma || end < 0 {
			continue
		}
		name := "greatest"
		if strings.EqualFold(q[loc[2]:loc[3]], "min") {
			name = "least"
		}
		q = q[:loc[0]] + name + q[open:]
	}
	return q
}

// pgDDL translates a migration written for SQLite: identity ids, 64-bit
// integers, byte strings, byte-wise text order (as SQLite's BINARY, so
// timestamps written as text sort the same whatever the database's
// locale) and json_valid as a cast to json.
func pgDDL(q string) string {
	q = idColumn.ReplaceAllString(q, "${1}id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY")
	q = integerType.ReplaceAllString(q, "BIGINT")
	q = blobType.ReplaceAllString(q, "BYTEA")
	// PostgreSQL wants a column's COLLATE right after its type.
	lines := strings.Split(q, "\n")
	for i, line := range lines {
		loc := textType.FindStringIndex(line)
		if loc == nil || strings.HasPrefix(strings.TrimSpace(line), "--") {
			continue
		}
		collate := ` COLLATE "C"`
		if strings.Contains(line, " COLLATE NOCASE") {
			line = strings.Replace(line, " COLLATE NOCASE", "", 1)
			collate = " COLLATE nocase"
		}
		lines[i] = line[:loc[1]] + collate + line[loc[1]:]
	}
	q = strings.Join(lines, "\n")
	// A cast to json checks the text without a subtransaction per row (a
	// PL/pgSQL function catching the error would need one).
	return jsonValid.ReplaceAllString(q, "(CAST($1 AS json) IS NOT NULL)")
}

var (
	idColumn    = regexp.MustCompile(`(?m)^(\s*)id\s+INTEGER PRIMARY KEY`)
	integerType = regexp.MustCompile(`\bINTEGER\b`)
	blobType    = regexp.MustCompile(`\bBLOB\b`)
	textType    = regexp.MustCompile(`\bTEXT\b`)
	jsonValid   = regexp.MustCompile(`\bjson_valid\(([A-Za-z_]+)\)`)
)

// pgPrelude runs before the first migration on PostgreSQL: what the
// translated SQL relies on.
const pgPrelude = `
CREATE COLLATION IF NOT EXISTS nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
`

// isUnique tells a unique-constraint failure on table.column, on either
// engine (PostgreSQL's default constraint name is table_column_key).
func isUnique(err error, table, column string) bool {
	if err == nil {
		return false
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505" && pg.ConstraintName == table+"_"+column+"_key"
	}
	return strings.Contains(err.Error(), "UNIQUE constraint failed: "+table+"."+column)
}

// isForeignKey tells a write refused because a row it refers to is gone.
func isForeignKey(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23503"
	}
	return err != nil && strings.Contains(err.Error(), "FOREIGN KEY")
}

// retryable tells a PostgreSQL transaction aborted by a serialization
// failure or a deadlock, which the whole transaction may simply run again.
func retryable(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && (pg.Code == "40001" || pg.Code == "40P01")
}
