package models

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Moving a SQLite database into PostgreSQL (`slant migrate-db`).
//
// CopyDatabase copies every table of a SQLite store into an empty
// PostgreSQL store of the same schema version, in one transaction on the
// target: ids are kept (the identity sequences are moved past them
// afterwards), SQLite's text times become timestamptz and its 0/1 flags
// booleans. PostgreSQL's triggers are switched off for the copy, since
// what they derive (counts, span versions, history) is copied as it is,
// except the search triggers, which build the tsvector tables from the
// copied rows (SQLite's FTS5 tables are not copied). CompareDatabases then
// reads every table on both sides in primary-key order and compares row
// counts and a hash of the content.

// TableCopy is one table in a copy's or a comparison's report.
type TableCopy struct {
	Table      string
	SourceRows int64
	TargetRows int64
	SourceHash string // sha256 of the rows in primary-key order, after conversion
	TargetHash string
	Note       string // for tables only one side has, why
}

// Equal reports whether both sides hold the same rows.
func (t TableCopy) Equal() bool {
	return t.Note != "" || (t.SourceRows == t.TargetRows && t.SourceHash == t.TargetHash)
}

// copyTable is a PostgreSQL table as the copy sees it.
type copyTable struct {
	name  string
	cols  []string
	types []string // information_schema data_type per column
	pk    []string
	deps  []string // tables its foreign keys point at
}

// systemUsers are the users every migrated database starts with: a fresh
// target holds them (and cache_epoch's row), and they come again, with
// their ids, from the source.
var systemUsers = []string{GoldUserName, "(suggestions)"}

// CopyDatabase copies the SQLite store from into the empty PostgreSQL
// store to (see above) and returns per table what it copied. A target
// that holds anything besides what migrating created is refused
// (ConflictError), as is a pair at different schema versions.
func CopyDatabase(ctx context.Context, from, to *Store) ([]TableCopy, error) {
	tables, report, err := copyPlan(ctx, from, to)
	if err != nil {
		return nil, err
	}
	src, err := from.raw.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer src.Rollback()
	conn, err := to.raw.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		tx, err := pc.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		// DISABLE TRIGGER locks each table against every other session
		// until the commit, so the emptiness check below stays true
		for _, t := range tables {
			if _, err := tx.Exec(ctx, `ALTER TABLE public.`+quoteIdent(t.name)+` DISABLE TRIGGER USER`); err != nil {
				return err
			}
		}
		if err := pgCheckEmpty(ctx, tx, tables); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM cache_epoch`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM users`); err != nil {
			return err
		}
		if err := pgEnableSearchTriggers(ctx, tx); err != nil {
			return err
		}
		for i, t := range tables {
			n, err := copyOne(ctx, src, tx, t)
			if err != nil {
				return fmt.Errorf("copy %s: %w", t.name, err)
			}
			report[i].SourceRows = n
		}
		for _, t := range tables {
			if _, err := tx.Exec(ctx, `ALTER TABLE public.`+quoteIdent(t.name)+` ENABLE TRIGGER USER`); err != nil {
				return err
			}
			if slices.Equal(t.pk, []string{"id"}) && slices.Contains(t.cols, "id") {
				var seq *string
				if err := tx.QueryRow(ctx, `SELECT pg_get_serial_sequence($1, 'id')`, "public."+t.name).Scan(&seq); err != nil {
					return err
				}
				if seq != nil {
					if _, err := tx.Exec(ctx, `SELECT setval($1, COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM public.`+quoteIdent(t.name), *seq); err != nil {
						return fmt.Errorf("reset the id sequence of %s: %w", t.name, err)
					}
				}
			}
		}
		return tx.Commit(ctx)
	})
	if err != nil {
		return nil, err
	}
	return report, nil
}

// CompareDatabases reads every table of the SQLite store from and the
// PostgreSQL store to in primary-key order and reports, per table, the
// row counts and content hashes of both (values compared after the copy's
// conversions: times to the microsecond, flags as booleans).
func CompareDatabases(ctx context.Context, from, to *Store) ([]TableCopy, error) {
	tables, report, err := copyPlan(ctx, from, to)
	if err != nil {
		return nil, err
	}
	src, err := from.raw.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer src.Rollback()
	dst, err := to.raw.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return nil, err
	}
	defer dst.Rollback()
	for i, t := range tables {
		if report[i].SourceRows, report[i].SourceHash, err = hashTable(ctx, src, t, false); err != nil {
			return nil, fmt.Errorf("read %s from SQLite: %w", t.name, err)
		}
		if report[i].TargetRows, report[i].TargetHash, err = hashTable(ctx, dst, t, true); err != nil {
			return nil, fmt.Errorf("read %s from PostgreSQL: %w", t.name, err)
		}
	}
	return report, nil
}

// copyPlan checks the pair of stores and lists the tables to copy, in an
// order where every table comes after those its foreign keys point at,
// with a report row each (and one for each table only one side has).
func copyPlan(ctx context.Context, from, to *Store) ([]copyTable, []TableCopy, error) {
	if from.pg || !to.pg {
		return nil, nil, errors.New("migrate-db copies a SQLite database into a PostgreSQL one")
	}
	var vFrom, vTo int
	if err := from.raw.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&vFrom); err != nil {
		return nil, nil, err
	}
	if err := to.raw.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&vTo); err != nil {
		return nil, nil, err
	}
	if vFrom != vTo {
		return nil, nil, &ConflictError{Message: fmt.Sprintf("the SQLite database is at schema version %d, the PostgreSQL one at %d", vFrom, vTo)}
	}
	pgTabs, err := pgCopyTables(ctx, to.raw)
	if err != nil {
		return nil, nil, err
	}
	liteCols, err := sqliteColumns(ctx, from.raw)
	if err != nil {
		return nil, nil, err
	}
	var tables []copyTable
	var report []TableCopy
	var extra []TableCopy
	for _, t := range pgTabs {
		cols, ok := liteCols[t.name]
		if !ok {
			if strings.HasSuffix(t.name, "_search") {
				extra = append(extra, TableCopy{Table: t.name, Note: "PostgreSQL's search index: built by its triggers from the copied rows"})
				continue
			}
			if t.name == "project_count_deltas" {
				extra = append(extra, TableCopy{Table: t.name, Note: "PostgreSQL's pending count changes: the counts are copied whole into projects"})
				continue
			}
			return nil, nil, fmt.Errorf("table %s exists in PostgreSQL but not in the SQLite database", t.name)
		}
		for _, c := range t.cols {
			if !slices.Contains(cols, c) {
				return nil, nil, fmt.Errorf("column %s.%s exists in PostgreSQL but not in the SQLite database", t.name, c)
			}
		}
		for _, c := range cols {
			if !slices.Contains(t.cols, c) {
				return nil, nil, fmt.Errorf("column %s.%s of the SQLite database has no place in PostgreSQL", t.name, c)
			}
		}
		if len(t.pk) == 0 {
			return nil, nil, fmt.Errorf("table %s has no primary key to compare it by", t.name)
		}
		tables = append(tables, t)
		report = append(report, TableCopy{Table: t.name})
	}
	for name := range liteCols {
		if !slices.ContainsFunc(pgTabs, func(t copyTable) bool { return t.name == name }) {
			extra = append(extra, TableCopy{Table: name, Note: "SQLite's own (search index, bookkeeping): not copied"})
		}
	}
	slices.SortFunc(extra, func(a, b TableCopy) int { return strings.Compare(a.Table, b.Table) })
	return tables, append(report, extra...), nil
}

// pgCopyTables lists PostgreSQL's tables (but schema_migrations, which
// each side keeps for itself) with their columns, primary keys and
// foreign keys, ordered parents first.
func pgCopyTables(ctx context.Context, db *sql.DB) ([]copyTable, error) {
	rows, err := db.QueryContext(ctx, `SELECT table_name, column_name, data_type FROM information_schema.columns
		WHERE table_schema = 'public' AND table_name IN (SELECT table_name FROM information_schema.tables
			WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations')
		ORDER BY table_name, ordinal_position`)
	if err != nil {
		return nil, err
	}
	byName := map[string]*copyTable{}
	var names []string
	for rows.Next() {
		var tab, col, typ string
		if err := rows.Scan(&tab, &col, &typ); err != nil {
			rows.Close()
			return nil, err
		}
		t := byName[tab]
		if t == nil {
			t = &copyTable{name: tab}
			byName[tab] = t
			names = append(names, tab)
		}
		t.cols = append(t.cols, col)
		t.types = append(t.types, typ)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = db.QueryContext(ctx, `SELECT c.conrelid::regclass::text, c.contype, COALESCE(c.confrelid::regclass::text, ''), a.attname, k.ord
		FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
		CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
		JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
		WHERE n.nspname = 'public' AND c.contype IN ('p', 'f')
		ORDER BY 1, 2, c.conname, k.ord`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var tab, typ, ref, col string
		var ord int
		if err := rows.Scan(&tab, &typ, &ref, &col, &ord); err != nil {
			rows.Close()
			return nil, err
		}
		t := byName[strings.TrimPrefix(tab, "public.")]
		if t == nil {
			continue
		}
		switch typ {
		case "p":
			t.pk = append(t.pk, col)
		case "f":
			ref = strings.TrimPrefix(ref, "public.")
			if ref != t.name && !slices.Contains(t.deps, ref) {
				t.deps = append(t.deps, ref)
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// parents first; names sorted within a round, so the order is stable
	slices.Sort(names)
	var out []copyTable
	done := map[string]bool{}
	for len(out) < len(names) {
		progress := false
		for _, n := range names {
			t := byName[n]
			if done[n] || slices.ContainsFunc(t.deps, func(d string) bool { return !done[d] && byName[d] != nil }) {
				continue
			}
			out = append(out, *t)
			done[n] = true
			progress = true
		}
		if !progress {
			return nil, errors.New("the foreign keys of the PostgreSQL schema form a cycle")
		}
	}
	return out, nil
}

// sqliteColumns lists the SQLite database's tables and their columns.
func sqliteColumns(ctx context.Context, db *sql.DB) (map[string][]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name <> 'schema_migrations' ORDER BY m.name, p.cid`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var tab, col string
		if err := rows.Scan(&tab, &col); err != nil {
			return nil, err
		}
		out[tab] = append(out[tab], col)
	}
	// a virtual table's shadow tables are listed by sqlite_master too
	return out, rows.Err()
}

// pgCheckEmpty refuses a target with any row besides those migrating
// created: the system users and cache_epoch's one row.
func pgCheckEmpty(ctx context.Context, tx pgx.Tx, tables []copyTable) error {
	var full []string
	for _, t := range tables {
		q := `SELECT COUNT(*) FROM public.` + quoteIdent(t.name)
		var args []any
		switch t.name {
		case "cache_epoch":
			continue
		case "users":
			q += ` WHERE NOT (name = ANY($1))`
			args = append(args, systemUsers)
		}
		var n int64
		if err := tx.QueryRow(ctx, q, args...).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			full = append(full, fmt.Sprintf("%s (%d rows)", t.name, n))
		}
	}
	if len(full) > 0 {
		return &ConflictError{Message: "the PostgreSQL database is not empty: " + strings.Join(full, ", ") +
			"; migrate-db copies into a new, empty database only"}
	}
	return nil
}

// pgEnableSearchTriggers switches the search index triggers back on
// (after DISABLE TRIGGER USER), so the copy builds the tsvector tables.
func pgEnableSearchTriggers(ctx context.Context, tx pgx.Tx) error {
	rows, err := tx.Query(ctx, `SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND NOT t.tgisinternal AND t.tgname LIKE '%\_search' ORDER BY 1, 2`)
	if err != nil {
		return err
	}
	var stmts []string
	for rows.Next() {
		var tab, trg string
		if err := rows.Scan(&tab, &trg); err != nil {
			rows.Close()
			return err
		}
		stmts = append(stmts, `ALTER TABLE public.`+quoteIdent(tab)+` ENABLE TRIGGER `+quoteIdent(trg))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, s := range stmts {
		if _, err := tx.Exec(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// copyOne streams one table from SQLite into PostgreSQL with COPY.
func copyOne(ctx context.Context, src *sql.Tx, dst pgx.Tx, t copyTable) (int64, error) {
	rows, err := src.QueryContext(ctx, selectOrdered(t, false))
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n, err := dst.CopyFrom(ctx, pgx.Identifier{"public", t.name}, t.cols, &liteRows{rows: rows, t: t})
	if err != nil {
		return 0, err
	}
	return n, rows.Err()
}

// liteRows feeds COPY from a SQLite query, converting each value to what
// its PostgreSQL column takes.
type liteRows struct {
	rows *sql.Rows
	t    copyTable
	vals []any
	err  error
}

func (r *liteRows) Next() bool {
	if r.err != nil || !r.rows.Next() {
		return false
	}
	raw := make([]any, len(r.t.cols))
	ptrs := make([]any, len(raw))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	if r.err = r.rows.Scan(ptrs...); r.err != nil {
		return false
	}
	r.vals = raw
	for i, v := range raw {
		if r.vals[i], r.err = toPostgres(v, r.t.types[i]); r.err != nil {
			r.err = fmt.Errorf("column %s: %w", r.t.cols[i], r.err)
			return false
		}
	}
	return true
}

func (r *liteRows) Values() ([]any, error) { return r.vals, r.err }

func (r *liteRows) Err() error {
	if r.err != nil {
		return r.err
	}
	return r.rows.Err()
}

// selectOrdered reads a table's columns in primary-key order.
func selectOrdered(t copyTable, pg bool) string {
	cols := make([]string, len(t.cols))
	for i, c := range t.cols {
		cols[i] = quoteIdent(c)
	}
	pk := make([]string, len(t.pk))
	for i, c := range t.pk {
		pk[i] = quoteIdent(c)
	}
	from := quoteIdent(t.name)
	if pg {
		from = "public." + from
	}
	return `SELECT ` + strings.Join(cols, ", ") + ` FROM ` + from + ` ORDER BY ` + strings.Join(pk, ", ")
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// toPostgres converts a value read from SQLite for a PostgreSQL column of
// type typ (information_schema's data_type).
func toPostgres(v any, typ string) (any, error) {
	if v == nil {
		return nil, nil
	}
	if b, ok := v.([]byte); ok && typ != "bytea" {
		v = string(b)
	}
	switch typ {
	case "boolean":
		switch x := v.(type) {
		case bool:
			return x, nil
		case int64:
			return x != 0, nil
		case string:
			if b, err := strconv.ParseBool(x); err == nil {
				return b, nil
			}
		}
	case "timestamp with time zone", "timestamp without time zone", "date":
		switch x := v.(type) {
		case time.Time:
			return x.UTC().Truncate(time.Microsecond), nil
		case string:
			if t, ok := parseSQLiteTime(x); ok {
				return t.Truncate(time.Microsecond), nil
			}
			if t, err := time.Parse("2006-01-02", x); err == nil {
				return t, nil
			}
		}
	case "bigint", "integer", "smallint":
		switch x := v.(type) {
		case int64:
			return x, nil
		case bool:
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		case float64:
			if x == math.Trunc(x) {
				return int64(x), nil
			}
		case string:
			if n, err := strconv.ParseInt(x, 10, 64); err == nil {
				return n, nil
			}
		}
	case "double precision", "real":
		switch x := v.(type) {
		case float64:
			return x, nil
		case int64:
			return float64(x), nil
		case string:
			if f, err := strconv.ParseFloat(x, 64); err == nil {
				return f, nil
			}
		}
	case "text", "character varying", "character", "json", "jsonb":
		switch x := v.(type) {
		case string:
			return x, nil
		case int64:
			return strconv.FormatInt(x, 10), nil
		case float64:
			return strconv.FormatFloat(x, 'g', -1, 64), nil
		case time.Time:
			// mattn/go-sqlite3 parses a DATETIME-looking text column
			return x.Format("2006-01-02 15:04:05.999999999-07:00"), nil
		}
	case "bytea":
		switch x := v.(type) {
		case []byte:
			return x, nil
		case string:
			return []byte(x), nil
		}
	default:
		return nil, fmt.Errorf("type %s is not supported by the copy", typ)
	}
	return nil, fmt.Errorf("cannot store %T %.40v as %s", v, v, typ)
}

// hashTable counts a table's rows and hashes them in primary-key order,
// each value in one canonical form for both sides (after toPostgres, for
// the SQLite side).
func hashTable(ctx context.Context, tx *sql.Tx, t copyTable, pg bool) (int64, string, error) {
	rows, err := tx.QueryContext(ctx, selectOrdered(t, pg))
	if err != nil {
		return 0, "", err
	}
	defer rows.Close()
	h := sha256.New()
	raw := make([]any, len(t.cols))
	ptrs := make([]any, len(raw))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	var n int64
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return 0, "", err
		}
		for i, v := range raw {
			if !pg {
				if v, err = toPostgres(v, t.types[i]); err != nil {
					return 0, "", fmt.Errorf("column %s: %w", t.cols[i], err)
				}
			}
			if err := canonical(h, v, t.types[i]); err != nil {
				return 0, "", fmt.Errorf("column %s: %w", t.cols[i], err)
			}
		}
		h.Write([]byte{'\n'})
		n++
	}
	if err := rows.Err(); err != nil {
		return 0, "", err
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// canonical writes one value to h in a form that does not depend on the
// driver that read it (length-prefixed, so values cannot run together).
func canonical(h hash.Hash, v any, typ string) error {
	var s string
	switch x := v.(type) {
	case nil:
		s = "N"
	case bool:
		s = "b" + strconv.FormatBool(x)
	case time.Time:
		s = "t" + x.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
	case int64:
		s = "i" + strconv.FormatInt(x, 10)
	case int32:
		s = "i" + strconv.FormatInt(int64(x), 10)
	case float64:
		s = "f" + strconv.FormatFloat(x, 'g', -1, 64)
	case float32:
		s = "f" + strconv.FormatFloat(float64(x), 'g', -1, 32)
	case string:
		s = "s" + x
	case []byte:
		if typ == "bytea" {
			s = "x" + hex.EncodeToString(x)
		} else {
			s = "s" + string(x)
		}
	default:
		return fmt.Errorf("unexpected %T", v)
	}
	fmt.Fprintf(h, "%d:%s|", len(s), s)
	return nil
}
