package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"vmr-companion/backend/infinitysync"
	"vmr-companion/backend/policy"
	"vmr-companion/backend/secrets"
)

// copyTables is every table of the schema in the order Copy writes them:
// each after the tables its foreign keys name. TestCopyTablesCoverTheSchema
// fails when a migration adds a table missing here or breaks the order.
// schema_version is not copied: Open wrote it on both sides.
var copyTables = []string{
	"integrations",
	"integration_domains",
	"integration_secrets",
	"addin_manifests",
	"conferences",
	"conference_aliases",
	"scheduled_aliases",
	"scheduled_conferences",
	"scheduler_state",
	"scheduler_items",
	"scheduler_outbox",
	"scheduler_log",
	"scheduler_failures",
	"scheduler_leases",
	"scheduler_instances",
	"infinity_outbox",
	"calendar_cache",
	"user_settings",
	"infinity_connection",
	"infinity_node",
	"infinity_objects",
	"infinity_history",
	"infinity_sync_lease",
	"encrypted_secrets",
	"policy_changes",
}

// policyTable holds the row the schema seeds (the policy's change
// counter): Copy sets it rather than copying it.
const policyTable = "policy_changes"

// sqlPolicyCounter is the policy counter's total (see sqlPolicyVersion).
const sqlPolicyCounter = `SELECT CAST(coalesce(sum(counter), 0) AS BIGINT) FROM policy_changes`

// copyBatchRows and copyMaxParams bound one INSERT: a few hundred rows at
// a time, under SQLite's 32,766 and PostgreSQL's 65,535 parameters.
const (
	copyBatchRows = 500
	copyMaxParams = 30000
)

// ErrTargetNotEmpty means Copy found data in the database it was to fill.
var ErrTargetNotEmpty = errors.New("store: the target database already holds data")

// CopyReport is what Copy copied.
type CopyReport struct {
	From          string       `json:"from"` // the source, without a password
	To            string       `json:"to"`
	SchemaVersion int          `json:"schema_version"`
	Tables        []TableCount `json:"tables"`
	Rows          int64        `json:"rows"`
	// PolicyCounter is the policy's change counter on the target after
	// the copy: one more than the source's, so a policy server watching
	// the target sees a change.
	PolicyCounter int64 `json:"policy_counter"`
	// KeychainSecrets counts the secrets the source refers to that are not
	// sealed in its database: they are in the source machine's keychain,
	// which the copy cannot carry (see `vmr-companion secrets`).
	KeychainSecrets int `json:"keychain_secrets"`
	// EncryptedSecrets counts the sealed values copied as they are: the
	// target's instances need the same key file.
	EncryptedSecrets int `json:"encrypted_secrets"`
}

// TableCount is the rows copied into one table.
type TableCount struct {
	Table string `json:"table"`
	Rows  int64  `json:"rows"`
}

// Copy copies every row of from into to, keeping ids, so that a
// deployment moves between SQLite and PostgreSQL (either way, or between
// two of the same). The source is read in one read transaction (a
// consistent snapshot, even while it is in use); the target is written in
// one transaction, so a failure or a cancelled ctx leaves it as it was.
// The target must be empty: Copy refuses one holding any row beyond what
// the schema seeds. progress, when set, is called after each table.
func Copy(ctx context.Context, from, to *Store, progress func(table string, rows int64)) (CopyReport, error) {
	rep := CopyReport{From: from.Database().String(), To: to.Database().String(), Tables: []TableCount{}}
	if SameDatabase(from.Database(), to.Database()) {
		return rep, fmt.Errorf("store: --from and --to are the same database (%s): copy into another, empty one", rep.To)
	}
	fv, err := from.SchemaVersion(ctx)
	if err != nil {
		return rep, fmt.Errorf("store: reading the schema version of %s: %w", rep.From, err)
	}
	tv, err := to.SchemaVersion(ctx)
	if err != nil {
		return rep, fmt.Errorf("store: reading the schema version of %s: %w", rep.To, err)
	}
	if fv != tv || fv != len(migrations()) {
		return rep, fmt.Errorf("store: the schemas differ (%s at %d, %s at %d, this build %d): open both with this build first", rep.From, fv, rep.To, tv, len(migrations()))
	}
	rep.SchemaVersion = fv

	src, err := from.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: snapshotLevel(from)})
	if err != nil {
		return rep, fmt.Errorf("store: reading %s: %w", rep.From, err)
	}
	defer src.Rollback()
	dst, err := to.writer.BeginTx(ctx, nil)
	if err != nil {
		return rep, fmt.Errorf("store: writing %s: %w", rep.To, err)
	}
	defer dst.Rollback()

	if err := checkEmpty(ctx, dst, rep.To); err != nil {
		return rep, err
	}
	// The target's own identity (made when an instance opened it) gives way
	// to the source's: the source's secrets are scoped by it.
	if _, err := dst.ExecContext(ctx, `DELETE FROM user_settings WHERE key = ?`, settingIdentity); err != nil {
		return rep, fmt.Errorf("store: writing %s: %w", rep.To, err)
	}

	for _, table := range copyTables {
		if table == policyTable {
			continue
		}
		n, err := copyTable(ctx, src, dst, table)
		if err != nil {
			return rep, fmt.Errorf("store: copying %s from %s to %s: %w; nothing was written", table, rep.From, rep.To, err)
		}
		rep.Tables = append(rep.Tables, TableCount{Table: table, Rows: n})
		rep.Rows += n
		if progress != nil {
			progress(table, n)
		}
		// A cancel between tables (Exec notices one within a table).
		if err := ctx.Err(); err != nil {
			return rep, fmt.Errorf("store: copying to %s: %w; nothing was written", rep.To, err)
		}
	}

	// The policy's version is the counter's sum (several rows on
	// PostgreSQL). The copy's writes moved the target's already; it must
	// also end above the source's, so that a policy server that watched
	// the source sees a change.
	var counter, after int64
	if err := src.QueryRowContext(ctx, sqlPolicyCounter).Scan(&counter); err != nil {
		return rep, fmt.Errorf("store: reading the policy counter of %s: %w", rep.From, err)
	}
	if err := dst.QueryRowContext(ctx, sqlPolicyCounter).Scan(&after); err != nil {
		return rep, fmt.Errorf("store: reading the policy counter of %s: %w", rep.To, err)
	}
	rep.PolicyCounter = max(counter+1, after+1)
	if _, err := dst.ExecContext(ctx, `UPDATE policy_changes SET counter = counter + ? WHERE id = 1`, rep.PolicyCounter-after); err != nil {
		return rep, fmt.Errorf("store: writing the policy counter of %s: %w", rep.To, err)
	}
	if to.engine == Postgres {
		if err := resetSequences(ctx, dst); err != nil {
			return rep, fmt.Errorf("store: writing %s: %w; nothing was written", rep.To, err)
		}
	}
	if rep.KeychainSecrets, rep.EncryptedSecrets, err = countSecrets(ctx, src); err != nil {
		return rep, fmt.Errorf("store: reading %s: %w", rep.From, err)
	}
	if err := dst.Commit(); err != nil {
		return rep, fmt.Errorf("store: committing the copy to %s: %w; nothing was written", rep.To, err)
	}
	return rep, nil
}

// snapshotLevel is the isolation of the source's read: REPEATABLE READ on
// PostgreSQL (one snapshot for every statement); SQLite's read transaction
// is a snapshot already and its driver takes only the default.
func snapshotLevel(s *Store) sql.IsolationLevel {
	if s.engine == Postgres {
		return sql.LevelRepeatableRead
	}
	return sql.LevelDefault
}

// SameDatabase tells whether two specs name the same database as far as
// can be told from here: the same file, or the same URL.
func SameDatabase(a, b Database) bool {
	if a.Engine != b.Engine {
		return false
	}
	if a.Engine == Postgres {
		return a.URL == b.URL
	}
	if a.Path == b.Path {
		return true
	}
	ai, aerr := os.Stat(a.Path)
	bi, berr := os.Stat(b.Path)
	return aerr == nil && berr == nil && os.SameFile(ai, bi)
}

// checkEmpty refuses a target holding any row besides what the schema
// seeds (the policy counter) and an identity an instance made on opening.
func checkEmpty(ctx context.Context, tx *sql.Tx, name string) error {
	for _, table := range copyTables {
		if table == policyTable {
			continue
		}
		q := `SELECT 1 FROM "` + table + `" LIMIT 1`
		var args []any
		if table == "user_settings" {
			q = `SELECT 1 FROM user_settings WHERE key <> ? LIMIT 1`
			args = append(args, settingIdentity)
		}
		var one int
		err := tx.QueryRowContext(ctx, q, args...).Scan(&one)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			continue
		case err != nil:
			return fmt.Errorf("store: reading %s: %w", name, err)
		}
		return fmt.Errorf("%w: %s has rows in %s; copy into a new, empty database (for PostgreSQL: createdb), nothing was written", ErrTargetNotEmpty, name, table)
	}
	return nil
}

// columnKind is how a target column takes values.
type columnKind int

const (
	kindText columnKind = iota
	kindInteger
	kindBytes
)

func kindOf(databaseType string) columnKind {
	t := strings.ToUpper(databaseType)
	switch {
	case strings.Contains(t, "INT"):
		return kindInteger
	case t == "BYTEA" || t == "BLOB":
		return kindBytes
	}
	return kindText
}

// copyTable copies one table's rows, several hundred per INSERT, and
// returns how many.
func copyTable(ctx context.Context, src, dst *sql.Tx, table string) (int64, error) {
	quoted := `"` + table + `"`
	srcCols, err := columnsOf(ctx, src, quoted)
	if err != nil {
		return 0, err
	}
	dstTypes, err := columnTypesOf(ctx, dst, quoted)
	if err != nil {
		return 0, err
	}
	kinds := make([]columnKind, len(srcCols))
	names := make([]string, len(srcCols))
	for i, c := range srcCols {
		k, ok := dstTypes[c]
		if !ok {
			return 0, fmt.Errorf("the target has no column %s (are both at the same schema version?)", c)
		}
		kinds[i], names[i] = k, `"`+c+`"`
	}
	perBatch := max(1, min(copyBatchRows, copyMaxParams/len(names)))
	insertOf := func(rows int) string {
		one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(names)), ", ") + ")"
		return "INSERT INTO " + quoted + " (" + strings.Join(names, ", ") + ") VALUES " +
			strings.TrimSuffix(strings.Repeat(one+", ", rows), ", ")
	}

	rows, err := src.QueryContext(ctx, "SELECT "+strings.Join(names, ", ")+" FROM "+quoted)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	args := make([]any, 0, perBatch*len(names))
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		n := len(args) / len(names)
		var err error
		if n == perBatch {
			if full == nil {
				if full, err = dst.PrepareContext(ctx, insertOf(perBatch)); err != nil {
					return err
				}
			}
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = dst.ExecContext(ctx, insertOf(n), args...)
		}
		args = args[:0]
		return err
	}
	vals := make([]any, len(names))
	ptrs := make([]any, len(names))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var count int64
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return 0, err
		}
		count++
		for i, v := range vals {
			cv, err := convert(v, kinds[i])
			if err != nil {
				return 0, fmt.Errorf("row %d, column %s: %w", count, srcCols[i], err)
			}
			args = append(args, cv)
		}
		if len(args) == perBatch*len(names) {
			if err := flush(); err != nil {
				return 0, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if err := flush(); err != nil {
		return 0, err
	}
	return count, nil
}

func columnsOf(ctx context.Context, tx *sql.Tx, quoted string) ([]string, error) {
	rows, err := tx.QueryContext(ctx, "SELECT * FROM "+quoted+" LIMIT 0")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return rows.Columns()
}

func columnTypesOf(ctx context.Context, tx *sql.Tx, quoted string) (map[string]columnKind, error) {
	rows, err := tx.QueryContext(ctx, "SELECT * FROM "+quoted+" LIMIT 0")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	out := make(map[string]columnKind, len(types))
	for _, t := range types {
		out[t.Name()] = kindOf(t.DatabaseTypeName())
	}
	return out, nil
}

// convert turns a value as the source's driver read it into what the
// target column takes: SQLite may hand out text as bytes, and PostgreSQL
// refuses bytes into TEXT and text into BIGINT.
func convert(v any, kind columnKind) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch kind {
	case kindInteger:
		switch x := v.(type) {
		case int64:
			return x, nil
		case bool:
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
				return int64(x), nil
			}
		case string:
			if n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64); err == nil {
				return n, nil
			}
		case []byte:
			if n, err := strconv.ParseInt(strings.TrimSpace(string(x)), 10, 64); err == nil {
				return n, nil
			}
		}
		return nil, fmt.Errorf("%s is not an integer", describeValue(v))
	case kindBytes:
		switch x := v.(type) {
		case []byte:
			return x, nil
		case string:
			return []byte(x), nil
		}
		return nil, fmt.Errorf("%s is not a byte string", describeValue(v))
	}
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case []byte:
		s = string(x)
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	default:
		return nil, fmt.Errorf("%s is not text", describeValue(v))
	}
	// PostgreSQL's TEXT takes neither; SQLite's would, from a damaged row.
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		return nil, errors.New("the text is not valid UTF-8 or holds a NUL byte, which PostgreSQL refuses: fix the row in the source first")
	}
	return s, nil
}

// describeValue names a value's type without its content, which may be a
// sealed secret or personal data.
func describeValue(v any) string { return fmt.Sprintf("a value of type %T", v) }

// resetSequences moves each identity column's sequence past the copied
// ids, so the target's next rows do not take an id already used.
func resetSequences(ctx context.Context, tx *sql.Tx) error {
	var tables []string
	err := eachString(ctx, tx, `SELECT table_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND column_name = 'id' AND is_identity = 'YES' ORDER BY table_name`,
		func(t string) { tables = append(tables, t) })
	if err != nil {
		return fmt.Errorf("listing the id sequences: %w", err)
	}
	for _, table := range tables {
		q := `SELECT setval(pg_get_serial_sequence(?, 'id'), (SELECT coalesce(max(id), 0) + 1 FROM "` + table + `"), false)`
		if _, err := tx.ExecContext(ctx, q, table); err != nil {
			return fmt.Errorf("resetting the id sequence of %s: %w", table, err)
		}
	}
	return nil
}

// countSecrets counts, in the source, the secrets it refers to that are
// not sealed in it (so in its machine's keychain), and the sealed ones.
func countSecrets(ctx context.Context, tx *sql.Tx) (keychain, encrypted int, err error) {
	sealed := map[string]bool{}
	if err := eachString(ctx, tx, `SELECT account FROM encrypted_secrets`, func(a string) { sealed[a] = true }); err != nil {
		return 0, 0, err
	}
	if err := eachString(ctx, tx, `SELECT account FROM integration_secrets`, func(a string) {
		if !sealed[a] {
			keychain++
		}
	}); err != nil {
		return 0, 0, err
	}
	// The store's own secrets (Infinity's connection, the policy's
	// password) are scoped by its identity (secrets.Scope).
	var identity string
	if err := tx.QueryRowContext(ctx, `SELECT value FROM user_settings WHERE key = ?`, settingIdentity).Scan(&identity); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, 0, err
	}
	scope := secrets.Scope(nil, identity)
	for _, c := range []struct{ query, account string }{
		{`SELECT count(*) FROM infinity_connection`, infinitysync.SecretAccount},
		{`SELECT count(*) FROM user_settings WHERE key = '` + policy.SettingUsername + `'`, policy.SecretAccount},
	} {
		var n int
		if err := tx.QueryRowContext(ctx, c.query).Scan(&n); err != nil {
			return 0, 0, err
		}
		if n > 0 && !sealed[scope.Account(c.account)] {
			keychain++
		}
	}
	return keychain, len(sealed), nil
}

func eachString(ctx context.Context, tx *sql.Tx, query string, fn func(string)) error {
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		fn(s)
	}
	return rows.Err()
}
