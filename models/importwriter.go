package models

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"gorm.io/gorm"
)

// The storage side of an import: what the pipeline in server/ingest
// needs from the database, and nothing of its orchestration. An import
// writes through an ImportWriter, one short write transaction (a chunk)
// at a time; every row it writes carries the import's id and stays
// hidden until the import is published (imports.go).

// ErrExternalIDTaken is an article whose external_id the project already
// has (created through the API since the import started).
var ErrExternalIDTaken = errors.New("external_id already in this project")

// NewArticleRow validates article input and builds its row, the same way
// POST /articles does (validateArticleIn, newArticle).
func NewArticleRow(projectID int64, in ArticleIn) (Article, error) {
	if err := validateArticleIn(&in); err != nil {
		return Article{}, err
	}
	return newArticle(projectID, in), nil
}

// OutletDomain is the outlet an imported article is linked to: its URL's
// registrable domain or, without a URL, that of hint (a domain a parser
// found beside the article); "" when there is none.
func OutletDomain(url, hint string) string {
	if url != "" {
		d, _ := DomainOfURL(url)
		return d
	}
	if d := RegistrableDomain(hint); d != "" && validateSource(&Source{Domain: d}) == nil {
		return d
	}
	return ""
}

// ImportIndex calls fn for every visible article of a project with its
// dedupe keys: external id, URL and text hash.
func (s *Store) ImportIndex(ctx context.Context, projectID int64, fn func(id int64, ext *string, url, sum string)) error {
	rows, err := s.rd(ctx).Model(&Article{}).Select("id, external_id, url, text_sha256").
		Where("project_id = ?", projectID).Where(visible("articles")).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var ext *string
		var url, sum string
		if err := rows.Scan(&id, &ext, &url, &sum); err != nil {
			return err
		}
		fn(id, ext, url, sum)
	}
	return rows.Err()
}

// ImportHeartbeat tells other processes that import id is alive.
func (s *Store) ImportHeartbeat(ctx context.Context, id int64) error {
	return s.wr(ctx).Exec(`UPDATE imports SET heartbeat_at = ? WHERE id = ? AND state = 'running'`, time.Now().UTC(), id).Error
}

const (
	qHash  = `SELECT text_sha256 FROM articles WHERE id = ?`
	qText  = `SELECT text FROM articles WHERE id = ?`
	qByExt = `SELECT id, text_sha256 FROM articles WHERE project_id = ? AND external_id = ?`
	// per annotator: another member's span on the same extent neither
	// stops this one nor may be revealed by a skip (blind projects)
	qExists = `SELECT EXISTS (SELECT 1 FROM annotations WHERE article_id = ? AND label_id = ? AND start = ? AND "end" = ? AND origin = ? AND user_id = ?)`
)

// ImportWriter writes one import in chunks. It is not safe for
// concurrent use. Its lookups need no visibility filter: the project
// holds only visible rows and this import's own (StartImport removed
// what failed imports left, and no other import into it runs at the
// same time).
type ImportWriter struct {
	s        *Store // outside any transaction
	ctx      context.Context
	importID int64
	// the open chunk: a write transaction begun at started, or nil
	tx      *Store
	sqlTx   *sql.Tx
	started time.Time
	// statements prepared once per chunk: gorm re-prepares its cached
	// statements on every call inside a transaction, which tripled the
	// cost of a 100,000-article import
	insArticle *sql.Stmt
	queries    map[string]*sql.Stmt
	// relation types the import created (relationimport.go)
	relTypes []int64
}

// ImportWriter returns the writer of running import id.
func (s *Store) ImportWriter(ctx context.Context, id int64) *ImportWriter {
	return &ImportWriter{s: s, ctx: ctx, importID: id}
}

// Open says whether a chunk is open, and since when.
func (w *ImportWriter) Open() (bool, time.Time) { return w.tx != nil, w.started }

// cur is where the writer reads: the open chunk, which sees its own
// uncommitted rows, or else the read pool, which sees committed ones.
func (w *ImportWriter) cur() *Store {
	if w.tx != nil {
		return w.tx
	}
	return w.s
}

// row runs one of the q* queries, on the chunk's prepared statements.
func (w *ImportWriter) row(query string, args ...any) *sql.Row {
	if st := w.queries[query]; st != nil {
		return st.QueryRowContext(dbContext(w.ctx), args...)
	}
	// the raw pool: the read pool's views would hide this import's own
	// committed rows
	return w.s.raw.QueryRowContext(dbContext(w.ctx), w.s.rebind(query), args...)
}

// rawTx digs the *sql.Tx out of a gorm transaction, or nil.
func rawTx(db *gorm.DB) *sql.Tx {
	switch p := db.Statement.ConnPool.(type) {
	case *sql.Tx:
		return p
	case *gorm.PreparedStmtTX:
		t, _ := p.Tx.(*sql.Tx)
		return t
	}
	return nil
}

// Begin opens a chunk unless one is open, waiting for the writer.
func (w *ImportWriter) Begin() error {
	_, err := w.chunk()
	return err
}

func (w *ImportWriter) chunk() (*Store, error) {
	if w.tx != nil {
		return w.tx, nil
	}
	g := w.s.w.WithContext(dbContext(w.ctx)).Begin()
	if g.Error != nil {
		return nil, g.Error
	}
	w.tx, w.sqlTx, w.started = &Store{r: g, w: g, inTx: true, pg: w.s.pg, path: w.s.path, spanInserts: w.s.spanInserts, texts: w.s.texts, gold: w.s.gold}, rawTx(g), time.Now()
	if err := w.prepare(); err != nil {
		w.Rollback()
		return nil, err
	}
	return w.tx, nil
}

func (w *ImportWriter) prepare() error {
	tx := w.sqlTx
	if tx == nil {
		return errors.New("import: no raw transaction under gorm")
	}
	ctx := dbContext(w.ctx)
	var err error
	w.insArticle, err = tx.PrepareContext(ctx, w.s.rebind(`INSERT INTO articles (project_id, source_id, external_id, url, title, author,
		published_at, language, text, text_sha256, length, metadata, created_at, updated_at, import_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (project_id, external_id) DO NOTHING RETURNING id`))
	if err != nil {
		return err
	}
	w.queries = map[string]*sql.Stmt{}
	for _, q := range []string{qHash, qText, qByExt, qExists} {
		if w.queries[q], err = tx.PrepareContext(ctx, w.s.rebind(q)); err != nil {
			return err
		}
	}
	return nil
}

func (w *ImportWriter) closeStmts() {
	if w.insArticle != nil {
		w.insArticle.Close()
	}
	for _, st := range w.queries {
		st.Close()
	}
	w.insArticle, w.queries = nil, nil
}

// Commit ends the open chunk, if any. Its rows become durable but stay
// hidden; the heartbeat moves on, and a chunk of an import that was
// taken over meanwhile (or whose project was deleted) is refused with
// ErrImportGone.
func (w *ImportWriter) Commit() error {
	if w.tx == nil {
		return nil
	}
	res := w.tx.w.Exec(`UPDATE imports SET heartbeat_at = ? WHERE id = ? AND state = 'running'`, time.Now().UTC(), w.importID)
	if res.Error == nil && res.RowsAffected == 0 {
		res.Error = ErrImportGone
	}
	if res.Error != nil {
		w.Rollback()
		return res.Error
	}
	w.closeStmts()
	err := w.tx.w.Commit().Error
	w.tx, w.sqlTx = nil, nil
	return err
}

// Rollback drops the open chunk, if any.
func (w *ImportWriter) Rollback() {
	if w.tx == nil {
		return
	}
	w.closeStmts()
	w.tx.w.Rollback()
	w.tx, w.sqlTx = nil, nil
}

// InsertArticle stores a row built by NewArticleRow, tagged with the
// import, and sets its id and stamps. ErrExternalIDTaken: the project
// has its external_id already.
func (w *ImportWriter) InsertArticle(a *Article) error {
	if err := w.Begin(); err != nil {
		return err
	}
	now := time.Now().UTC()
	a.CreatedAt, a.UpdatedAt = now, now
	err := w.insArticle.QueryRowContext(dbContext(w.ctx), a.ProjectID, a.SourceID, a.ExternalID, a.URL, a.Title, a.Author,
		a.PublishedAt, a.Language, a.Text, a.TextSHA256, a.Length, a.Metadata, now, now, w.importID).Scan(&a.ID)
	if errors.Is(err, sql.ErrNoRows) {
		// the external_id is taken (by an article written meanwhile):
		// ON CONFLICT, not a failed statement, which on PostgreSQL would
		// abort the whole chunk
		return ErrExternalIDTaken
	}
	if err != nil {
		if isForeignKey(err) {
			return notFound("project (deleted during the import)")
		}
		if a.ExternalID != nil && isUnique(err) {
			return errors.Join(ErrExternalIDTaken, err)
		}
		return err
	}
	return nil
}

// EnsureSource returns the outlet of domain (cache first), creating a
// blank profile tagged with the import (removed again if the import is
// not published).
func (w *ImportWriter) EnsureSource(domain string, cache map[string]int64) (int64, error) {
	if id, ok := cache[domain]; ok {
		return id, nil
	}
	tx, err := w.chunk()
	if err != nil {
		return 0, err
	}
	return tx.ensureSource(w.ctx, domain, cache, w.importID)
}

// LabelByKey finds a project's label — a visible one or one this import
// created — reading in the open chunk if any.
func (w *ImportWriter) LabelByKey(projectID int64, key string) (*Label, error) {
	var l Label
	err := w.cur().rd(w.ctx).Raw(`SELECT * FROM `+w.s.baseTable("labels")+` l WHERE l.project_id = ? AND l.key = ?
		AND (l.import_id = ? OR `+visible("l")+`)`, projectID, key, w.importID).Scan(&l).Error
	if err != nil {
		return nil, err
	}
	if l.ID == 0 {
		return nil, unknownLabel(key)
	}
	return &l, nil
}

// CreateLabel creates a label tagged with the import (removed again if
// the import is not published and nobody uses it).
func (w *ImportWriter) CreateLabel(l *Label) error {
	tx, err := w.chunk()
	if err != nil {
		return err
	}
	if err := tx.CreateLabel(w.ctx, l); err != nil {
		return err
	}
	return tx.wr(w.ctx).Exec(`UPDATE labels SET import_id = ?, updated_at = created_at WHERE id = ?`, w.importID, l.ID).Error
}

// InsertSpans stores rows prepared by PrepareSpan through the one span
// writer, tagged with the import: new ids in row order, 0 for a row
// already there. ErrNotFound: an article or label was deleted meanwhile.
func (w *ImportWriter) InsertSpans(rows []Annotation) ([]int64, error) {
	tx, err := w.chunk()
	if err != nil {
		return nil, err
	}
	return tx.insertSpans(w.ctx, rows, &w.importID)
}

// notFoundRow maps a lookup's sql.ErrNoRows to ErrNotFound.
func notFoundRow(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return notFound(what)
	}
	return err
}

// ArticleByExternalID finds the project's article with external id ext
// (this import's own included): its id and text hash.
func (w *ImportWriter) ArticleByExternalID(projectID int64, ext string) (id int64, hash string, err error) {
	err = w.row(qByExt, projectID, ext).Scan(&id, &hash)
	return id, hash, notFoundRow(err, "article")
}

// ArticleHash is the text hash of article id.
func (w *ImportWriter) ArticleHash(id int64) (string, error) {
	var h string
	err := w.row(qHash, id).Scan(&h)
	return h, notFoundRow(err, "article")
}

// ArticleText is the text of article id.
func (w *ImportWriter) ArticleText(id int64) (string, error) {
	var text string
	err := w.row(qText, id).Scan(&text)
	return text, notFoundRow(err, "article")
}

// ImportedSpanExists says whether userID already has an imported span
// with this label and extent on the article.
func (w *ImportWriter) ImportedSpanExists(articleID, labelID, userID int64, start, end int) (bool, error) {
	var found bool
	err := w.row(qExists, articleID, labelID, start, end, OriginImport, userID).Scan(&found)
	return found, err
}
