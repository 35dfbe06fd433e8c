package models

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
)

// PostgreSQL. The same Store runs on it; what differs is kept here, in
// migrations_postgres.go and in search_postgres.go.
//
//   - No single writer: writes go through a pool, each transaction at
//     SERIALIZABLE (what SQLite's single writer gave every read-modify-
//     write for free), retried on a serialization failure or deadlock.
//     Unique constraints deduplicate, as on SQLite.
//   - Hidden imports: the read pool's connections resolve table names in
//     the schema slant_visible first, whose views apply visible() (the
//     same rule as SQLite's TEMP views, readviews.go).
//   - Several servers may share one database: migrations run under an
//     advisory lock, and nothing is kept per process that another server
//     could make stale without the database knowing (see textCache and
//     the span-list versions, which live in the database).

// pgPullHorizon is the start of the oldest transaction of this database
// that has written and not yet ended, or now: every row stamped before it
// is committed (see the updated_since filter in annotations.go).
const pgPullHorizon = `COALESCE((SELECT MIN(xact_start) FROM pg_stat_activity
	WHERE datname = current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()), statement_timestamp())`

// IsPostgresDSN reports whether dsn names a PostgreSQL database rather
// than a SQLite file.
func IsPostgresDSN(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// pgVisibleSchema holds the read pool's views.
const pgVisibleSchema = "slant_visible"

// pgMigrateLock is the advisory lock key held while a server migrates.
const pgMigrateLock = 7_115_101_901

func openPostgres(dsn string) (*Store, error) {
	w, err := gorm.Open(postgres.New(postgres.Config{DSN: dsn}), gormConfig(false))
	if err != nil {
		return nil, fmt.Errorf("open database: %w", redactDSNError(err, dsn))
	}
	wdb, _ := w.DB()
	n := max(8, 4*runtime.NumCPU())
	wdb.SetMaxOpenConns(n)
	wdb.SetMaxIdleConns(n)
	wdb.SetConnMaxIdleTime(5 * time.Minute)
	if err := wdb.Ping(); err != nil {
		wdb.Close()
		return nil, fmt.Errorf("open database: %w", redactDSNError(err, dsn))
	}
	if err := pgMigrate(w, LatestVersion()); err != nil {
		wdb.Close()
		return nil, err
	}
	// no gorm statement cache: pgx caches prepared statements per
	// connection itself, and gorm's answers a statement that fails to
	// prepare with an empty row that panics when scanned
	r, err := gorm.Open(postgres.New(postgres.Config{DSN: withSearchPath(dsn)}), gormConfig(false))
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("open database: %w", redactDSNError(err, dsn))
	}
	rdb, _ := r.DB()
	rdb.SetMaxOpenConns(n)
	rdb.SetMaxIdleConns(n)
	rdb.SetConnMaxIdleTime(5 * time.Minute)
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		wdb.Close()
		rdb.Close()
		return nil, fmt.Errorf("open database: %w", redactDSNError(err, dsn))
	}
	raw.SetMaxOpenConns(4)
	var gold int64
	if err := w.Raw(`SELECT id FROM users WHERE name = ?`, GoldUserName).Row().Scan(&gold); err != nil {
		wdb.Close()
		rdb.Close()
		raw.Close()
		return nil, fmt.Errorf("find the gold layer's user: %w", err)
	}
	st := &Store{r: r, w: w, raw: raw, pg: true, path: dsn, texts: newTextCache(64 << 20),
		exportSlots: make(chan struct{}, n-1), spanInserts: nil, gold: gold}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	st.stop = func() { cancel(); <-stopped }
	go func() {
		defer close(stopped)
		t := time.NewTicker(10 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				st.FoldCounts(ctx) // a failure leaves the changes for the next round
			}
		}
	}()
	return st, nil
}

// withSearchPath adds the read pool's search path to a connection URL.
func withSearchPath(dsn string) string {
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "search_path=" + pgVisibleSchema + ",public"
}

// dsnPasswords are the passwords a URL carries: in its user part or as
// a password= parameter (pgx accepts both).
func dsnPasswords(dsn string) []string {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil
	}
	var out []string
	if pw, ok := u.User.Password(); ok && pw != "" {
		out = append(out, pw)
	}
	for _, pw := range u.Query()["password"] {
		if pw != "" {
			out = append(out, pw)
		}
	}
	return out
}

// RedactDSN is a database URL as it may be shown or logged: without its
// passwords (a SQLite path is shown as it is).
func RedactDSN(dsn string) string {
	if !IsPostgresDSN(dsn) {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://(unparsable URL)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// redactDSNError keeps the URL's passwords out of an error message.
func redactDSNError(err error, dsn string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	for _, pw := range dsnPasswords(dsn) {
		msg = strings.ReplaceAll(msg, pw, "xxxxx")
		msg = strings.ReplaceAll(msg, url.QueryEscape(pw), "xxxxx")
	}
	return errors.New(msg)
}

// pgMigrate applies PostgreSQL's steps up to target, under an advisory
// lock so that servers starting together migrate once; then (re)creates
// the read pool's views, whose column lists follow the tables.
func pgMigrate(db *gorm.DB, target int) error {
	return db.Connection(func(c *gorm.DB) error {
		if err := c.Exec(`SELECT pg_advisory_lock(?)`, pgMigrateLock).Error; err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		defer c.Exec(`SELECT pg_advisory_unlock(?)`, pgMigrateLock)
		if err := c.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY,
			name TEXT NOT NULL,
			applied_at TIMESTAMPTZ NOT NULL)`).Error; err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		var current int
		if err := c.Raw(`SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Row().Scan(&current); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if current > LatestVersion() {
			return fmt.Errorf("%w: database is at version %d, this binary knows up to %d", ErrTooNew, current, LatestVersion())
		}
		if last := pgMigrations[len(pgMigrations)-1].Version; last != LatestVersion() {
			return fmt.Errorf("migrate: this binary's PostgreSQL steps end at version %d, its SQLite steps at %d", last, LatestVersion())
		}
		for _, m := range pgMigrations {
			if m.Version <= current || m.Version > target {
				continue
			}
			err := c.Transaction(func(tx *gorm.DB) error {
				for _, stmt := range m.SQL {
					if err := tx.Exec(stmt).Error; err != nil {
						return fmt.Errorf("%w in: %.200s", err, stmt)
					}
				}
				return tx.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
					m.Version, m.Name, time.Now().UTC()).Error
			})
			if err != nil {
				return fmt.Errorf("migrate to version %d (%s): %w", m.Version, m.Name, err)
			}
		}
		stmts := []string{`CREATE SCHEMA IF NOT EXISTS ` + pgVisibleSchema}
		for _, t := range shadowedTables {
			stmts = append(stmts, `CREATE OR REPLACE VIEW `+pgVisibleSchema+`.`+t+` AS SELECT * FROM public.`+t+` AS t WHERE `+visible("t"))
		}
		// readers see a project's counts with the changes not yet folded
		var cols []string
		if err := c.Raw(`SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'projects'
			ORDER BY ordinal_position`).Scan(&cols).Error; err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		for i, col := range cols {
			switch col {
			case "article_count":
				cols[i] = `p.article_count + COALESCE((SELECT SUM(d.articles) FROM project_count_deltas d WHERE d.project_id = p.id), 0) AS article_count`
			case "annotation_count":
				cols[i] = `p.annotation_count + COALESCE((SELECT SUM(d.annotations) FROM project_count_deltas d WHERE d.project_id = p.id), 0) AS annotation_count`
			default:
				cols[i] = `p.` + col
			}
		}
		stmts = append(stmts, `CREATE OR REPLACE VIEW `+pgVisibleSchema+`.projects AS SELECT `+strings.Join(cols, ", ")+` FROM public.projects p`)
		// Replacing a view waits for every reader of it and makes new
		// readers wait behind it, on every server: so the views are
		// replaced only when they would change (their statements and the
		// tables' columns, remembered in the schema's comment), and
		// never wait long for a lock.
		var shape []string
		if err := c.Raw(`SELECT table_name || '.' || column_name FROM information_schema.columns
			WHERE table_schema = 'public' AND table_name IN ('articles', 'annotations', 'labels', 'sources', 'projects')
			ORDER BY table_name, ordinal_position`).Scan(&shape).Error; err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		sum := sha256.Sum256([]byte(strings.Join(stmts, "\n") + "\n" + strings.Join(shape, ",")))
		want := hex.EncodeToString(sum[:])
		var have string
		c.Raw(`SELECT COALESCE(obj_description(oid, 'pg_namespace'), '') FROM pg_namespace WHERE nspname = ?`, pgVisibleSchema).Scan(&have)
		if have == want {
			return nil
		}
		stmts = append(stmts, `COMMENT ON SCHEMA `+pgVisibleSchema+` IS '`+want+`'`)
		return c.Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec(`SET LOCAL lock_timeout = '10s'`).Error; err != nil {
				return err
			}
			for _, s := range stmts {
				if err := tx.Exec(s).Error; err != nil {
					return fmt.Errorf("create read views: %w", err)
				}
			}
			return nil
		})
	})
}

// pgTx is Store.Tx on PostgreSQL: SERIALIZABLE, retried while PostgreSQL
// reports a serialization failure or a deadlock, with the acting user in
// the transaction's settings for the history triggers.
func (s *Store) pgTx(ctx context.Context, fn func(tx *Store) error) error {
	act := actorOf(ctx)
	var err error
	for attempt := 0; attempt < 40; attempt++ {
		err = s.w.WithContext(dbContext(ctx)).Transaction(func(g *gorm.DB) error {
			// a transaction id now, not at the first write: the pull
			// horizon (pgPullHorizon) counts the transactions that have
			// one, and a write waiting on a lock has none yet
			if !act.set() {
				if err := g.Exec(`SELECT pg_current_xact_id()`).Error; err != nil {
					return err
				}
			} else {
				uid := ""
				if v := act.userID(); v != nil {
					uid = fmt.Sprint(v)
				}
				mute := "0"
				if act.mute {
					mute = "1"
				}
				if err := g.Exec(`SELECT pg_current_xact_id(), set_config('slant.actor', ?, true), set_config('slant.mute', ?, true)`, uid, mute).Error; err != nil {
					return err
				}
			}
			return fn(&Store{r: g, w: g, inTx: true, pg: true, path: s.path, exportSlots: s.exportSlots, texts: s.texts, gold: s.gold})
		}, serializable)
		if !retryable(err) {
			return err
		}
		// back off a random while, growing up to 50 ms, so that the
		// transactions that collided do not collide again in lockstep
		// (writers of one article all move its span version)
		time.Sleep(time.Duration(rand.Int64N(int64(min(50, 1<<min(attempt, 6))*int(time.Millisecond)) + 1)))
	}
	return err
}

// serializable begins a write transaction at SERIALIZABLE in its BEGIN
// (one round trip less than a SET TRANSACTION after it).
var serializable = &sql.TxOptions{Isolation: sql.LevelSerializable}

// retryable reports PostgreSQL's serialization failure and deadlock.
func retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	return false
}

// pgCode is the SQLSTATE of a PostgreSQL error, or "".
func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// rebind turns ? placeholders into PostgreSQL's $n for statements that go
// to database/sql directly (gorm does this itself). It skips quoted text.
func (s *Store) rebind(q string) string {
	if !s.pg {
		return q
	}
	var sb strings.Builder
	n := 0
	inStr := false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			inStr = !inStr
		case c == '?' && !inStr:
			n++
			sb.WriteString(fmt.Sprintf("$%d", n))
			continue
		}
		sb.WriteByte(c)
	}
	return sb.String()
}

// pgBackup writes a dump of the database with pg_dump (custom format,
// for pg_restore).
func (s *Store) pgBackup(ctx context.Context, path string) error {
	bin, err := exec.LookPath("pg_dump")
	if err != nil {
		return &ValidationError{Code: "validation_failed", Message: "slant backup on PostgreSQL runs pg_dump, which is not installed here; back up with the database's own tools (pg_dump, or your provider's snapshots)", Fields: map[string]string{}}
	}
	cmd := pgDumpCommand(ctx, bin, s.path, path)
	if out, err := cmd.CombinedOutput(); err != nil {
		os.Remove(path)
		return fmt.Errorf("pg_dump: %v: %s", err, redactDSNError(errors.New(string(out)), s.path))
	}
	return nil
}

// FoldCounts adds the count changes the triggers appended into the
// projects' own counts (PostgreSQL; nothing to do on SQLite). Readers see
// the same counts before and after. A server runs it now and then.
func (s *Store) FoldCounts(ctx context.Context) error {
	if !s.pg {
		return nil
	}
	return s.wr(ctx).Exec(`WITH gone AS (DELETE FROM project_count_deltas RETURNING project_id, articles, annotations),
		sums AS (SELECT project_id, SUM(articles) AS a, SUM(annotations) AS n FROM gone GROUP BY project_id)
		UPDATE projects p SET article_count = p.article_count + sums.a, annotation_count = p.annotation_count + sums.n
		FROM sums WHERE p.id = sums.project_id`).Error
}

// pgDumpCommand is pg_dump of the database at dsn into path. A password
// in the URL goes in the environment, not on the command line, where
// every user of the machine could read it (ps).
func pgDumpCommand(ctx context.Context, bin, dsn, path string) *exec.Cmd {
	env := os.Environ()
	if u, err := url.Parse(dsn); err == nil {
		if pw, ok := u.User.Password(); ok {
			env = append(env, "PGPASSWORD="+pw)
			u.User = url.User(u.User.Username())
		}
		if q := u.Query(); q.Has("password") {
			env = append(env, "PGPASSWORD="+q.Get("password"))
			q.Del("password")
			u.RawQuery = q.Encode()
		}
		dsn = u.String()
	}
	cmd := exec.CommandContext(ctx, bin, "--format=custom", "--no-owner", "--file", path, "--dbname", dsn)
	cmd.Env = env
	return cmd
}
