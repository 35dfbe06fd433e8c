package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Store is the only type that runs SQL. Reads go through a pool; writes go
// through a single writer connection (one writer is what SQLite allows
// anyway, and queuing in Go beats spinning on SQLITE_BUSY).
type Store struct {
	r     *gorm.DB
	w     *gorm.DB
	inTx  bool
	path  string
	texts *textCache
	// exportSlots bounds the read transactions (exports) to one fewer
	// than the read connections, so a statement gorm prepares outside a
	// transaction always finds a connection (see gormConfig).
	exportSlots chan struct{}
	// spanInserts are the span writer's statements (see spans.go), one per
	// batch size, prepared once on the writer pool by database/sql, which
	// prepares on whichever connection it is handed and so cannot deadlock
	// the way gorm's cache does.
	spanInserts map[int]*sql.Stmt
	// raw reads without the shadow views of the read pool (readviews.go):
	// only the importer uses it, to find its own unpublished rows.
	raw *sql.DB
	// gold is the id of the "(gold)" user that owns gold spans.
	gold int64
	// pg is true on PostgreSQL (store_postgres.go).
	pg bool
	// stop ends the store's background work (PostgreSQL's count folding)
	stop func()
}

// now is the current UTC time as SQL in this store's dialect.
func (s *Store) now() string {
	if s.pg {
		return pgNow
	}
	return sqlNow
}

// pgNow is the time a statement started: within a statement every row
// gets the same stamp, as with SQLite's 'now'.
const pgNow = `statement_timestamp()`

// DSN builds the connection string with the pragmas every pooled
// connection must get. mattn/go-sqlite3 reads the underscore parameters;
// "_pragma=" is silently ignored by this driver.
func DSN(path string, immediate bool) string {
	v := url.Values{}
	v.Set("_journal_mode", "WAL")
	v.Set("_synchronous", "NORMAL")
	v.Set("_busy_timeout", "5000")
	v.Set("_foreign_keys", "on")
	if immediate {
		v.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + v.Encode()
}

// sqlNow is the current UTC time as SQL, in exactly the text the driver
// writes for a time.Time ("2006-01-02 15:04:05.999999999-07:00": the
// fraction without trailing zeros), so stored times keep sorting as text.
// SQLite's clock has millisecond resolution.
const sqlNow = `(rtrim(rtrim(strftime('%Y-%m-%d %H:%M:%f', 'now'), '0'), '.') || '+00:00')`

// gormConfig is the configuration of both pools. prepared says whether
// gorm may cache prepared statements. The writer must not: gorm prepares
// a new statement on the pool, outside any transaction, while a
// transaction that needs the same SQL waits for that preparation, so with
// one connection a transaction and a plain write of the same statement
// deadlock (seen with an import's heartbeat). The read pool keeps the
// cache: its transactions are read-only exports, fewer than its
// connections (see exportSlots).
func gormConfig(prepared bool) *gorm.Config {
	return &gorm.Config{
		TranslateError:         true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
		Logger:                 logger.Discard,
		PrepareStmt:            prepared,
		SkipDefaultTransaction: false,
	}
}

// Open opens (creating if needed) the SQLite file at path, or the
// PostgreSQL database a postgres:// URL names, and migrates it. It refuses
// a database migrated by a newer binary (ErrTooNew).
func Open(path string) (*Store, error) {
	if IsPostgresDSN(path) {
		return openPostgres(path)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("create database directory: %w", err)
		}
	}
	w, err := gorm.Open(sqlite.Open(DSN(path, true)), gormConfig(false))
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	wdb, _ := w.DB()
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	if err := migrate(w); err != nil {
		wdb.Close()
		return nil, err
	}
	registerVisibleDriver()
	r, err := gorm.Open(sqlite.New(sqlite.Config{DriverName: visibleDriver, DSN: DSN(path, false)}), gormConfig(true))
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	rdb, _ := r.DB()
	n := max(4, 2*runtime.NumCPU())
	rdb.SetMaxOpenConns(n)
	rdb.SetMaxIdleConns(n)
	ins, err := prepareSpanInserts(wdb)
	if err != nil {
		wdb.Close()
		rdb.Close()
		return nil, fmt.Errorf("prepare: %w", err)
	}
	raw, err := sql.Open("sqlite3", DSN(path, false))
	if err != nil {
		wdb.Close()
		rdb.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	raw.SetMaxOpenConns(2)
	var gold int64
	if err := w.Raw(`SELECT id FROM users WHERE name = ?`, GoldUserName).Row().Scan(&gold); err != nil {
		wdb.Close()
		rdb.Close()
		raw.Close()
		return nil, fmt.Errorf("find the gold layer's user: %w", err)
	}
	return &Store{r: r, w: w, raw: raw, path: path, texts: newTextCache(64 << 20), exportSlots: make(chan struct{}, n-1), spanInserts: ins, gold: gold}, nil
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Close checkpoints the WAL into the main file and closes every connection.
func (s *Store) Close() error {
	var errs []error
	if s.stop != nil {
		s.stop()
	}
	if rdb, err := s.r.DB(); err == nil {
		errs = append(errs, rdb.Close())
	}
	if s.raw != nil {
		errs = append(errs, s.raw.Close())
	}
	for _, st := range s.spanInserts {
		st.Close()
	}
	if wdb, err := s.w.DB(); err == nil {
		if !s.pg {
			errs = append(errs, s.w.Exec("PRAGMA wal_checkpoint(TRUNCATE)").Error)
		}
		errs = append(errs, wdb.Close())
	}
	return errors.Join(errs...)
}

// Tx runs fn in one write transaction: everything fn writes lands, or
// nothing does. Inside fn, reads see the transaction's own writes.
func (s *Store) Tx(ctx context.Context, fn func(tx *Store) error) error {
	if s.inTx {
		return fn(s)
	}
	if s.pg {
		return s.pgTx(ctx, fn)
	}
	return s.w.WithContext(dbContext(ctx)).Transaction(func(g *gorm.DB) error {
		// the acting user, for span history (history.go): set for this
		// transaction only, and emptied before it commits
		act := actorOf(ctx)
		if act.set() {
			if err := g.Exec(`INSERT INTO history_actor (only, user_id, mute) VALUES (1, ?, ?)
				ON CONFLICT (only) DO UPDATE SET user_id = excluded.user_id, mute = excluded.mute`, act.userID(), act.mute).Error; err != nil {
				return err
			}
		}
		if err := fn(&Store{r: g, w: g, inTx: true, path: s.path, exportSlots: s.exportSlots, spanInserts: s.spanInserts, texts: s.texts, gold: s.gold}); err != nil {
			return err
		}
		if act.set() {
			return g.Exec(`DELETE FROM history_actor`).Error
		}
		return nil
	})
}

func (s *Store) rd(ctx context.Context) *gorm.DB { return s.r.WithContext(dbContext(ctx)) }
func (s *Store) wr(ctx context.Context) *gorm.DB { return s.w.WithContext(dbContext(ctx)) }

// dbContext drops cancellation from the context queries run under. With a
// cancellable context, mattn/go-sqlite3 starts a goroutine for every row
// it steps (to watch ctx.Done), which measured ~5 µs per row: half the cost
// of listing an article's spans. Our statements are short; a streamed
// export still stops when the client goes away, because writing to the
// response fails; and a write that was started completes or rolls back
// as a whole either way. Values (request ids) are kept.
func dbContext(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }

// IntegrityCheck runs PRAGMA integrity_check and returns its first line.
func (s *Store) IntegrityCheck(ctx context.Context) (string, error) {
	var res string
	if s.pg {
		// PostgreSQL checks its pages itself; this answers whether the
		// database is reachable and its schema is slant's
		err := s.rd(ctx).Raw("SELECT CASE WHEN COUNT(*) = 1 THEN 'ok' ELSE 'no slant schema' END FROM pg_tables WHERE schemaname = 'public' AND tablename = 'annotations'").Row().Scan(&res)
		return res, err
	}
	err := s.rd(ctx).Raw("PRAGMA integrity_check").Row().Scan(&res)
	return res, err
}

// Backup writes a consistent copy of the database to path (VACUUM INTO),
// safe while the server is writing.
func (s *Store) Backup(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil {
		return &ConflictError{Message: "backup target already exists: " + path}
	}
	if s.pg {
		return s.pgBackup(ctx, path)
	}
	// on the raw pool: the read pool's shadow views would stand in for
	// the tables when VACUUM rebuilds their indexes
	_, err := s.raw.ExecContext(dbContext(ctx), "VACUUM INTO ?", path)
	return err
}

// isUnique reports a unique-constraint violation.
func isUnique(err error) bool {
	return errors.Is(err, gorm.ErrDuplicatedKey) || pgCode(err) == "23505" || strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// isForeignKey reports a foreign-key violation.
func isForeignKey(err error) bool {
	return errors.Is(err, gorm.ErrForeignKeyViolated) || pgCode(err) == "23503" || strings.Contains(err.Error(), "FOREIGN KEY constraint failed")
}

// notFoundOr maps gorm's record-not-found to a named ErrNotFound.
func notFoundOr(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return notFound(what)
	}
	return err
}

// textCache keeps recently used article texts. Texts never change after
// import and ids are never reused (AUTOINCREMENT), so an entry can only go
// stale by its article being deleted, which the foreign keys then catch.
// Entries are added only from committed data (never inside a transaction,
// whose inserts could roll back and free their ids).
type textCache struct {
	mu    sync.Mutex
	max   int
	size  int
	items map[int64]cachedText
}

type cachedText struct {
	projectID int64
	text      string
}

func newTextCache(maxBytes int) *textCache {
	return &textCache{max: maxBytes, items: map[int64]cachedText{}}
}

func (c *textCache) get(id int64) (cachedText, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.items[id]
	return t, ok
}

func (c *textCache) put(id int64, t cachedText) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(t.text) > c.max/8 {
		return
	}
	if c.size+len(t.text) > c.max { // simple and amortised: start over
		c.items, c.size = map[int64]cachedText{}, 0
	}
	if _, ok := c.items[id]; !ok {
		c.items[id] = t
		c.size += len(t.text)
	}
}

func (c *textCache) clear() {
	c.mu.Lock()
	c.items, c.size = map[int64]cachedText{}, 0
	c.mu.Unlock()
}

func (c *textCache) forget(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.items[id]; ok {
		c.size -= len(t.text)
		delete(c.items, id)
	}
}

// articleText returns an article's project and text, from the cache when
// outside a transaction.
func (s *Store) articleText(ctx context.Context, id int64) (int64, string, error) {
	if !s.inTx && s.texts != nil {
		if t, ok := s.texts.get(id); ok {
			return t.projectID, t.text, nil
		}
	}
	var projectID int64
	var text string
	err := s.rd(ctx).Raw("SELECT project_id, text FROM articles WHERE id = ? AND "+visible("articles"), id).Row().Scan(&projectID, &text)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", notFound("article")
	}
	if err != nil {
		return 0, "", err
	}
	if !s.inTx && s.texts != nil {
		s.texts.put(id, cachedText{projectID, text})
	}
	return projectID, text, nil
}
