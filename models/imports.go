package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Imports never hold the single writer for long. An import writes in
// short chunks (ImportChunk each), committing between them so annotators'
// saves get the writer in turn; every row it writes carries its import_id
// and stays hidden from every read until the import is published, which
// is one UPDATE of its row in the imports table. A failed, cancelled,
// strict-rejected or dry-run import is never published: its rows are
// deleted afterwards, again in short chunks. Readers therefore see all
// of an import or none of it, as with one big transaction, and a crash
// in the middle leaves only hidden rows, which the next import into that
// project (or the next `slant serve`) removes.

// ImportChunk is how long an import holds the writer, by default, before
// it commits and lets others write.
const ImportChunk = 25 * time.Millisecond

// importStale is how long a running import may go without a heartbeat
// before another process may treat it as dead. Within one machine a dead
// owner is recognised at once (see ownerAlive).
const importStale = 2 * time.Minute

// ImportHeartbeatEvery is how often a running import proves it is
// alive (ImportHeartbeat), well within importStale.
const ImportHeartbeatEvery = 20 * time.Second

// The states an import ends in (EndImport).
const (
	ImportStateDone      = "done"
	ImportStateFailed    = "failed"
	ImportStateDiscarded = "discarded"
)

// hiddenImports lists the imports whose rows no reader may see: those
// not published and not yet cleaned up (whatever CleanImport keeps, an
// outlet someone has used or edited, is in use and stays visible).
const hiddenImports = `(SELECT id FROM imports WHERE state <> 'done' AND cleaned_at IS NULL)`

// noHiddenImports is true when no import's rows are hidden, which is
// nearly always. It comes first in visible(): SQLite evaluates it once
// per statement, and when it holds, import_id is never read, so a scan of
// an index stays index-only (SQLite defers the table lookup until a
// column outside the index is needed). Without it, counting a million
// spans for an export's ETag read every row.
const noHiddenImports = `NOT EXISTS (SELECT 1 FROM imports WHERE state <> 'done' AND cleaned_at IS NULL)`

// visible is the condition that a row of table alias (articles,
// annotations, labels, sources) is visible: not written by an unpublished
// import. The read pool applies it to every query by itself (readviews.go);
// it is written out only where a query may run inside a write
// transaction, on the writer's connection, which has no shadow views.
func visible(alias string) string {
	return "(" + noHiddenImports + " OR " + alias + ".import_id IS NULL OR " + alias + ".import_id NOT IN " + hiddenImports + ")"
}

// ImportRecord is one import in a project's history.
type ImportRecord struct {
	ID              int64
	ProjectID       int64
	UserID          int64
	User            string // the user's name
	State           string // running, done, failed, discarded
	DryRun          bool
	ArticlesCreated int
	ArticlesSkipped int
	SpansCreated    int
	ProblemCount    int
	Error           string
	StartedAt       time.Time
	FinishedAt      *time.Time
}

// ListImports returns a project's imports, newest first.
// With onlyUser set (a blind project's annotator), only that user's
// imports are listed: the others' span counts would tell about
// colleagues' spans.
func (s *Store) ListImports(ctx context.Context, projectID, onlyUser int64, pg Page) ([]ImportRecord, *string, error) {
	if _, err := s.GetProject(ctx, projectID); err != nil {
		return nil, nil, err
	}
	after, err := decodeCursor(pg.Cursor, 1)
	if err != nil {
		return nil, nil, err
	}
	q := `SELECT i.id, i.project_id, i.user_id, COALESCE(u.name, ''), i.state, i.dry_run, i.articles_created,
		i.articles_skipped, i.spans_created, i.problem_count, i.error, i.started_at, i.finished_at
		FROM imports i LEFT JOIN users u ON u.id = i.user_id WHERE i.project_id = ?`
	args := []any{projectID}
	if onlyUser != 0 {
		q += ` AND i.user_id = ?`
		args = append(args, onlyUser)
	}
	if after != nil {
		q += ` AND i.id < ?`
		args = append(args, after[0])
	}
	q += ` ORDER BY i.id DESC LIMIT ?`
	args = append(args, pg.limit()+1)
	rows, err := s.rd(ctx).Raw(q, args...).Rows()
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	out := []ImportRecord{}
	for rows.Next() {
		var r ImportRecord
		var fin sql.NullTime
		if err := rows.Scan(&r.ID, &r.ProjectID, &r.UserID, &r.User, &r.State, &r.DryRun, &r.ArticlesCreated,
			&r.ArticlesSkipped, &r.SpansCreated, &r.ProblemCount, &r.Error, &r.StartedAt, &fin); err != nil {
			return nil, nil, err
		}
		r.StartedAt = r.StartedAt.UTC()
		if fin.Valid {
			t := fin.Time.UTC()
			r.FinishedAt = &t
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	out, next := pageOf(out, pg.limit(), func(r ImportRecord) []int64 { return []int64{r.ID} })
	return out, next, nil
}

// StartImport registers a running import into the project, after taking
// over (and cleaning up) one whose process has died. A live import into
// the same project is a conflict: two imports at once could not dedupe
// against each other.
func (s *Store) StartImport(ctx context.Context, projectID, userID int64, dryRun bool) (int64, error) {
	if s.inTx {
		return 0, errors.New("import: must not run inside a transaction")
	}
	var running struct {
		ID        int64
		UserID    int64
		Owner     string
		Heartbeat time.Time
		StartedAt time.Time
	}
	err := s.rd(ctx).Raw(`SELECT id, user_id, owner, heartbeat_at, started_at FROM imports WHERE project_id = ? AND state = 'running'`,
		projectID).Row().Scan(&running.ID, &running.UserID, &running.Owner, &running.Heartbeat, &running.StartedAt)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return 0, err
	case ownerAlive(running.Owner, running.Heartbeat):
		who := "user " + itoa(int(running.UserID))
		if u, err := s.GetUser(ctx, running.UserID); err == nil {
			who = u.Name
		}
		return 0, &ConflictError{Message: fmt.Sprintf("import %d into this project (by %s, started %s) is still running; try again when it has finished",
			running.ID, who, running.StartedAt.UTC().Format(time.RFC3339))}
	default:
		if err := s.abandonImport(ctx, running.ID, running.Heartbeat); err != nil {
			return 0, err
		}
	}
	// Hidden rows left by failed imports would collide with this one's
	// (external ids are unique per project), so they go first.
	if err := s.cleanImports(ctx, projectID); err != nil {
		return 0, err
	}
	now := time.Now().UTC()
	var id int64
	err = s.wr(ctx).Raw(`INSERT INTO imports (project_id, user_id, state, owner, dry_run, started_at, heartbeat_at)
		VALUES (?, ?, 'running', ?, ?, ?, ?) RETURNING id`, projectID, userID, selfOwner(), dryRun, now, now).Row().Scan(&id)
	if err != nil {
		if isUnique(err) {
			return 0, &ConflictError{Message: "another import into this project has just started; try again when it has finished"}
		}
		if isForeignKey(err) {
			return 0, notFound("project")
		}
		return 0, err
	}
	return id, nil
}

// ErrImportGone is a running import that is no longer running: taken
// over by another process, or its project deleted.
var ErrImportGone = errors.New("import is no longer running (taken over or its project deleted)")

// ImportCounts are an import's figures, recorded in its history.
type ImportCounts struct {
	ArticlesCreated, ArticlesSkipped, SpansCreated, Problems int
}

// EndImport moves a running import to state (ImportStateDone publishes
// it) and records its figures. ErrImportGone: it was not running any
// more.
func (s *Store) EndImport(ctx context.Context, id int64, state, msg string, n ImportCounts) error {
	created, skipped, spans, problems := n.ArticlesCreated, n.ArticlesSkipped, n.SpansCreated, n.Problems
	if len(msg) > 2000 {
		msg = msg[:2000]
	}
	// finished_at is taken once the writer is held, right before the
	// commit: an incremental pull (updated_since) that read just before
	// the publish passes a time earlier than it, so it sees the import
	// next time
	// on PostgreSQL by the database's clock (several servers' clocks may
	// differ; pulls compare with the database's), on SQLite by Go's at
	// full precision, as every SQLite stamp a pull compares with
	return s.Tx(ctx, func(tx *Store) error {
		finished, finishedArg := "?", []any{time.Now().UTC()}
		if s.pg {
			finished, finishedArg = s.now(), nil
		}
		res := tx.wr(ctx).Exec(`UPDATE imports SET state = ?, error = ?, articles_created = ?, articles_skipped = ?,
			spans_created = ?, problem_count = ?, finished_at = `+finished+` WHERE id = ? AND state = 'running'`,
			append([]any{state, msg, created, skipped, spans, problems}, append(finishedArg, id)...)...)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrImportGone
		}
		return nil
	})
}

// abandonImport fails a running import judged dead, unless it has shown
// a sign of life since it was judged (a heartbeat after hb).
func (s *Store) abandonImport(ctx context.Context, id int64, hb time.Time) error {
	return s.wr(ctx).Exec(`UPDATE imports SET state = 'failed', error = 'abandoned: the process running it stopped', finished_at = ?
		WHERE id = ? AND state = 'running' AND heartbeat_at <= ?`, time.Now().UTC(), id, hb.UTC()).Error
}

// cleanImports deletes the hidden rows of a project's failed and
// discarded imports (projectID 0: of every project), a chunk per
// transaction so that annotators' writes interleave.
func (s *Store) cleanImports(ctx context.Context, projectID int64) error {
	q := `SELECT id FROM imports WHERE state IN ('failed', 'discarded') AND cleaned_at IS NULL`
	args := []any{}
	if projectID != 0 {
		q += ` AND project_id = ?`
		args = append(args, projectID)
	}
	var ids []int64
	if err := s.rd(ctx).Raw(q, args...).Scan(&ids).Error; err != nil {
		return err
	}
	for _, id := range ids {
		if err := s.CleanImport(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// CleanImport deletes what one unpublished import wrote. Labels and
// outlets it created are removed only while nothing else uses them and
// nobody has edited them (an edit moves updated_at past created_at).
func (s *Store) CleanImport(ctx context.Context, id int64) error {
	steps := []string{
		`DELETE FROM annotations WHERE id IN (SELECT id FROM annotations WHERE import_id = ? LIMIT 2000)`,
		`DELETE FROM articles WHERE id IN (SELECT id FROM articles WHERE import_id = ? LIMIT 200)`,
	}
	for _, step := range steps {
		for {
			res := s.wr(ctx).Exec(step, id)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				break
			}
		}
	}
	return s.Tx(ctx, func(tx *Store) error {
		if err := tx.wr(ctx).Exec(`DELETE FROM labels WHERE import_id = ? AND updated_at = created_at
			AND NOT EXISTS (SELECT 1 FROM annotations n WHERE n.label_id = labels.id)`, id).Error; err != nil {
			return err
		}
		if err := tx.wr(ctx).Exec(`DELETE FROM sources WHERE import_id = ? AND updated_at = created_at
			AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.source_id = sources.id)`, id).Error; err != nil {
			return err
		}
		if err := tx.wr(ctx).Exec(`DELETE FROM relation_types WHERE import_id = ? AND updated_at = created_at
			AND NOT EXISTS (SELECT 1 FROM relations r WHERE r.type_id = relation_types.id)`, id).Error; err != nil {
			return err
		}
		return tx.wr(ctx).Exec(`UPDATE imports SET cleaned_at = ? WHERE id = ?`, time.Now().UTC(), id).Error
	})
}

// SweepImports marks running imports whose process has died as failed
// and removes the hidden rows of every unpublished import. `slant serve`
// runs it at start; an import runs it for its own project.
func (s *Store) SweepImports(ctx context.Context) error {
	rows, err := s.rd(ctx).Raw(`SELECT id, owner, heartbeat_at FROM imports WHERE state = 'running'`).Rows()
	if err != nil {
		return err
	}
	type run struct {
		id    int64
		owner string
		hb    time.Time
	}
	var runs []run
	for rows.Next() {
		var r run
		if err := rows.Scan(&r.id, &r.owner, &r.hb); err != nil {
			rows.Close()
			return err
		}
		runs = append(runs, r)
	}
	rows.Close()
	for _, r := range runs {
		if ownerAlive(r.owner, r.hb) {
			continue
		}
		if err := s.abandonImport(ctx, r.id, r.hb); err != nil {
			return err
		}
	}
	return s.cleanImports(ctx, 0)
}

// An import's owner is "host:pid:start:pidns:boot": the process start
// time, pid namespace and the kernel's boot id from /proc (empty where
// there is no /proc). A process of this machine (same host name and boot
// id) and pid namespace that no longer exists (or is another process with
// a recycled pid) cannot be running it, and one that does exists is alive
// however long its heartbeat has been silent (a stopped `slant import`, a
// long chunk). Anything we cannot see into goes by the heartbeat: on
// PostgreSQL, servers on other machines (which may share a host name, and
// whose root pid namespaces all look alike) hold their imports by the
// heartbeat lease alone. Owners written before the boot id was added have
// four fields and are judged as before.

var (
	selfOnce   sync.Once
	selfOwnerS string
)

func selfOwner() string {
	selfOnce.Do(func() {
		host, _ := os.Hostname()
		pid := os.Getpid()
		selfOwnerS = host + ":" + strconv.Itoa(pid) + ":" + procStart(pid) + ":" + pidNamespace() + ":" + bootID()
	})
	return selfOwnerS
}

// procStart is field 22 of /proc/PID/stat (start time in clock ticks
// since boot), or "" when it cannot be read.
func procStart(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')') // the command name may hold spaces
	if i < 0 {
		return ""
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return ""
	}
	return f[19] // fields after ")" start at field 3
}

// pidNamespace names this process's pid namespace ("" without /proc).
func pidNamespace() string {
	ns, _ := os.Readlink("/proc/self/ns/pid")
	return strings.TrimSuffix(strings.TrimPrefix(ns, "pid:["), "]")
}

// bootID tells this machine's boots apart ("" without /proc).
func bootID() string {
	b, _ := os.ReadFile("/proc/sys/kernel/random/boot_id")
	return strings.TrimSpace(string(b))
}

// ownerAlive tells whether the import owned by owner, last seen at hb,
// may still be running.
func ownerAlive(owner string, hb time.Time) bool {
	fresh := time.Since(hb) <= importStale
	parts := strings.Split(owner, ":")
	if len(parts) == 5 && (parts[4] == "" || parts[4] != bootID()) {
		return fresh // another machine, or no /proc
	}
	if len(parts) != 4 && len(parts) != 5 {
		return fresh
	}
	host, _ := os.Hostname()
	if parts[0] != host || parts[2] == "" || parts[3] != pidNamespace() {
		return fresh // another machine or pid namespace, or no /proc
	}
	pid, err := strconv.Atoi(parts[1])
	if err != nil {
		return fresh
	}
	return procStart(pid) == parts[2]
}
