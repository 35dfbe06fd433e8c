package models

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"
)

// The import pipeline: parsers (server/ingest) turn files into a stream of
// ImportItems; Store.Import writes a stream in short committed chunks,
// hidden from readers until the import is published (see imports.go).

// ImportProblem is one thing that could not be imported, located in its
// input file. It is also the error a parser returns for a fatal problem
// (a file that cannot be read at all).
type ImportProblem struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

func (p *ImportProblem) Error() string {
	loc := p.File
	if p.Line > 0 {
		loc += ":" + itoa(p.Line)
	}
	if p.Field != "" {
		loc += " (" + p.Field + ")"
	}
	if loc == "" {
		return p.Message
	}
	return loc + ": " + p.Message
}

// ImportLimitError is a configured import limit that was exceeded. The
// HTTP layer maps it to 413.
type ImportLimitError struct{ ImportProblem }

func (e *ImportLimitError) Error() string { return e.ImportProblem.Error() }

// ImportSpan is one labelled span of an imported article.
type ImportSpan struct {
	File       string // when the span comes from another file than its article (PTC label files)
	Line       int    // its line in that file (0: the article's line)
	Label      string // a label key, or a technique name that slugifies to one ("Loaded_Language")
	Start, End int    // code points, end-exclusive
	Text       *string
	Note       string
	Attributes JSONMap
}

// ImportItem is one article (with its spans) produced by a parser, or,
// with Article nil, spans for an existing article of the project (found by
// ExternalRef), or only problems the parser found.
type ImportItem struct {
	File        string
	Line        int
	Article     *ArticleIn
	Domain      string // outlet domain when the article has no URL
	ExternalRef string
	Spans       []ImportSpan
	Problems    []ImportProblem
}

// ImportSource produces items by calling yield for each; an error from
// yield must be returned as is. It is how a parser streams a file.
type ImportSource func(yield func(*ImportItem) error) error

// ImportOptions says where an import goes and how strict it is.
type ImportOptions struct {
	ProjectID    int64
	UserID       int64 // annotator of the imported spans
	CreateLabels bool  // create unknown labels instead of reporting them
	Strict       bool  // any problem rejects the whole import
	DryRun       bool  // report only; store nothing
	MaxArticles  int   // 0: no limit
	MaxTextBytes int   // 0: no limit
	MaxProblems  int   // problems listed in the report (default 1000); all are counted
	// Chunk is how long the import may hold the writer before it commits
	// a chunk and lets other writers in (0: ImportChunk). Negative: the
	// whole import in one transaction, as before 2026-11-29; other writers
	// wait for all of it (the baseline of benchmark figure 5b).
	Chunk time.Duration
	// Pause is how long the import leaves the writer free after each full
	// chunk. Within one process other writers queue for the writer and get
	// it at once; another process (slant serve next to slant import) only
	// polls for the lock, with back-off, and needs the gap to get in.
	Pause time.Duration
	// heartbeat overrides heartbeatEvery (tests)
	heartbeat time.Duration
}

// ImportReport says what an import did (or, for a dry run, would do).
type ImportReport struct {
	ImportID        int64           `json:"import_id"`
	DryRun          bool            `json:"dry_run"`
	ArticlesCreated int             `json:"articles_created"`
	ArticlesSkipped int             `json:"articles_skipped"`
	SpansCreated    int             `json:"spans_created"`
	SpansSkipped    int             `json:"spans_skipped"` // already present (re-import) or repeated in the input
	LabelsCreated   []string        `json:"labels_created"`
	Problems        []ImportProblem `json:"problems"`
	ProblemCount    int             `json:"problem_count"`
}

// ImportFailed is the validation error of an import that stored nothing
// because of problems; the problems travel as the "problems" member.
func ImportFailed(message string, problems []ImportProblem) *ValidationError {
	if problems == nil {
		problems = []ImportProblem{}
	}
	return &ValidationError{Code: "validation_failed", Message: message, Fields: map[string]string{},
		Extra: map[string]any{"problems": problems}}
}

// ImportProblemsOf returns the problems carried by an import error.
func ImportProblemsOf(err error) []ImportProblem {
	var ve *ValidationError
	if errors.As(err, &ve) {
		if ps, ok := ve.Extra["problems"].([]ImportProblem); ok {
			return ps
		}
	}
	var p *ImportProblem
	if errors.As(err, &p) {
		return []ImportProblem{*p}
	}
	var le *ImportLimitError
	if errors.As(err, &le) {
		return []ImportProblem{le.ImportProblem}
	}
	return nil
}

var errRollback = errors.New("rollback")

// LabelKeyOf turns a technique name into a label key:
// "Loaded_Language" -> "loaded_language", "Appeal_to_Fear-Prejudice" ->
// "appeal_to_fear_prejudice". Keys that would not start with a letter get
// an "l_" prefix. It returns "" when nothing usable is left.
func LabelKeyOf(name string) string {
	var b strings.Builder
	underscore := false
	for _, r := range strings.ToLower(strings.TrimSpace(name)) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			underscore = false
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			// non-ASCII letters have no slug spelling; keep a marker so
			// distinct names stay distinct
			fmt.Fprintf(&b, "u%x", r)
			underscore = false
		default:
			if !underscore && b.Len() > 0 {
				b.WriteByte('_')
				underscore = true
			}
		}
	}
	key := strings.TrimRight(b.String(), "_")
	if key == "" {
		return ""
	}
	if key[0] < 'a' || key[0] > 'z' {
		key = "l_" + key
	}
	if len(key) > 64 {
		key = strings.TrimRight(key[:64], "_")
	}
	return key
}

// importer holds the state of one running import.
type importer struct {
	s        *Store // the store, outside any transaction
	importID int64
	ctx      context.Context
	opts     ImportOptions
	rep      *ImportReport
	labels   map[string]*Label // by key; nil value: known to be missing
	srcs     map[string]int64
	// dedupe indexes over the project's articles (existing and new):
	// short hashes keep memory small for large projects
	byExt, byURL, byText map[[16]byte]int64
	// the last article whose text was loaded, for runs of span-only items
	lastID   int64
	lastHash string
	lastIx   *SpanIndex
	articles int
	// the open chunk: a write transaction begun at txStart, or nil
	tx      *Store
	sqlTx   *sql.Tx
	txStart time.Time
	chunks  int
	// statements prepared once per chunk: gorm re-prepares its cached
	// statements on every call inside a transaction, which tripled the
	// cost of a 100,000-article import
	insArticle *sql.Stmt
	queries    map[string]*sql.Stmt
}

const (
	qHash   = `SELECT text_sha256 FROM articles WHERE id = ?`
	qText   = `SELECT text FROM articles WHERE id = ?`
	qByExt  = `SELECT id, text_sha256 FROM articles WHERE project_id = ? AND external_id = ?`
	qExists = `SELECT EXISTS (SELECT 1 FROM annotations WHERE article_id = ? AND label_id = ? AND start = ? AND "end" = ? AND origin = ?)`
)

// These lookups need no visibility filter: the project holds only
// visible rows and this import's own (startImport removed what failed
// imports left, and no other import into it runs at the same time).

// cur is where the importer reads: the open chunk, which sees its own
// uncommitted rows, or else the read pool, which sees committed ones.
func (im *importer) cur() *Store {
	if im.tx != nil {
		return im.tx
	}
	return im.s
}

// row runs one of the q* queries, on the chunk's prepared statements.
func (im *importer) row(query string, args ...any) *sql.Row {
	if st := im.queries[query]; st != nil {
		return st.QueryRowContext(dbContext(im.ctx), args...)
	}
	// the raw pool: the read pool's views would hide this import's own
	// committed rows
	return im.s.raw.QueryRowContext(dbContext(im.ctx), query, args...)
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

// w returns the open chunk, beginning one (and so waiting for the
// writer) when there is none.
func (im *importer) w() (*Store, error) {
	if im.tx != nil {
		return im.tx, nil
	}
	g := im.s.w.WithContext(dbContext(im.ctx)).Begin()
	if g.Error != nil {
		return nil, g.Error
	}
	im.tx, im.sqlTx, im.txStart = &Store{r: g, w: g, inTx: true, path: im.s.path, spanInserts: im.s.spanInserts, texts: im.s.texts}, rawTx(g), time.Now()
	if err := im.prepare(); err != nil {
		im.rollback()
		return nil, err
	}
	return im.tx, nil
}

func (im *importer) prepare() error {
	tx := im.sqlTx
	if tx == nil {
		return errors.New("import: no raw transaction under gorm")
	}
	ctx := dbContext(im.ctx)
	var err error
	im.insArticle, err = tx.PrepareContext(ctx, `INSERT INTO articles (project_id, source_id, external_id, url, title, author,
		published_at, language, text, text_sha256, length, metadata, created_at, updated_at, import_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	im.queries = map[string]*sql.Stmt{}
	for _, q := range []string{qHash, qText, qByExt, qExists} {
		if im.queries[q], err = tx.PrepareContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

func (im *importer) closeStmts() {
	for _, st := range []*sql.Stmt{im.insArticle} {
		if st != nil {
			st.Close()
		}
	}
	for _, st := range im.queries {
		st.Close()
	}
	im.insArticle, im.queries = nil, nil
}

// commit ends the open chunk. Its rows become durable but stay hidden;
// the heartbeat moves on, and a chunk of an import that was taken over
// meanwhile (or whose project was deleted) is refused.
func (im *importer) commit() error {
	if im.tx == nil {
		return nil
	}
	res := im.tx.w.Exec(`UPDATE imports SET heartbeat_at = ? WHERE id = ? AND state = 'running'`, time.Now().UTC(), im.importID)
	if res.Error == nil && res.RowsAffected == 0 {
		res.Error = errImportGone
	}
	if res.Error != nil {
		im.rollback()
		return res.Error
	}
	im.closeStmts()
	err := im.tx.w.Commit().Error
	im.tx, im.sqlTx = nil, nil
	im.chunks++
	return err
}

func (im *importer) rollback() {
	if im.tx == nil {
		return
	}
	im.closeStmts()
	im.tx.w.Rollback()
	im.tx, im.sqlTx = nil, nil
}

func (im *importer) createArticle(a *Article) error {
	if _, err := im.w(); err != nil {
		return err
	}
	now := time.Now().UTC()
	a.CreatedAt, a.UpdatedAt = now, now
	res, err := im.insArticle.ExecContext(dbContext(im.ctx), a.ProjectID, a.SourceID, a.ExternalID, a.URL, a.Title, a.Author,
		a.PublishedAt, a.Language, a.Text, a.TextSHA256, a.Length, a.Metadata, now, now, im.importID)
	if err != nil {
		if strings.Contains(err.Error(), "FOREIGN KEY constraint failed") {
			return notFound("project (deleted during the import)")
		}
		return err
	}
	a.ID, err = res.LastInsertId()
	return err
}

// source returns the outlet of domain, creating a blank profile tagged
// with this import (removed again if the import is not published).
func (im *importer) source(domain string) (int64, error) {
	if id, ok := im.srcs[domain]; ok {
		return id, nil
	}
	tx, err := im.w()
	if err != nil {
		return 0, err
	}
	return tx.ensureSource(im.ctx, domain, im.srcs, im.importID)
}

func short(s string) [16]byte {
	sum := sha256.Sum256([]byte(s))
	var k [16]byte
	copy(k[:], sum[:16])
	return k
}

// Import stores what src yields into a project: all of it or, on a
// fatal error (or a problem with Strict), none of it. With DryRun the
// report is computed and nothing is kept.
//
// The import is written in short chunks so that it never holds up other
// writers for long, and published at the end in one step: until then no
// reader sees any of it (see imports.go). One import into a project runs
// at a time; a second one is a ConflictError.
//
// Articles already in the project are skipped: same external_id; same URL
// when the incoming article has no external_id (several paragraphs of one
// page share a URL but not an id); or the same text. Spans of a skipped
// article whose text is identical are added to the existing article
// unless an imported span with the same label and offsets is already
// there, so importing the same file twice changes nothing.
func (s *Store) Import(ctx context.Context, opts ImportOptions, src ImportSource) (*ImportReport, error) {
	if s.inTx {
		return nil, errors.New("import: must not run inside a transaction")
	}
	if opts.MaxProblems <= 0 {
		opts.MaxProblems = 1000
	}
	if opts.Chunk == 0 {
		opts.Chunk = ImportChunk
	}
	rep := &ImportReport{DryRun: opts.DryRun, LabelsCreated: []string{}, Problems: []ImportProblem{}}
	if _, err := s.GetProject(ctx, opts.ProjectID); err != nil {
		return nil, err
	}
	if _, err := s.GetUser(ctx, opts.UserID); err != nil {
		return nil, err
	}
	id, err := s.startImport(ctx, opts)
	if err != nil {
		return nil, err
	}
	rep.ImportID = id
	im := &importer{s: s, importID: id, ctx: ctx, opts: opts, rep: rep, labels: map[string]*Label{}, srcs: map[string]int64{},
		byExt: map[[16]byte]int64{}, byURL: map[[16]byte]int64{}, byText: map[[16]byte]int64{}}
	if opts.heartbeat <= 0 {
		opts.heartbeat = heartbeatEvery
	}
	stop := s.keepAlive(ctx, id, opts.heartbeat)
	defer func() {
		// A panic must not leave the writer held, the heartbeat beating
		// (the project would refuse imports until a restart) or hidden
		// rows behind: fail the import like any error, then re-panic.
		if r := recover(); r != nil {
			im.rollback()
			stop()
			bg := context.WithoutCancel(ctx)
			if s.endImport(bg, id, stateFailed, fmt.Sprintf("internal error: %v", r), rep) == nil {
				s.cleanImport(bg, id)
			}
			panic(r)
		}
	}()
	err = im.run(src)
	stop()
	if err == nil && opts.Strict && rep.ProblemCount > 0 {
		err = ImportFailed(fmt.Sprintf("strict import rejected: %d problem(s); nothing was stored", rep.ProblemCount), rep.Problems)
	}
	if err == nil && opts.DryRun {
		err = errRollback
	}
	// what follows must happen even when the client has gone away
	bg := context.WithoutCancel(ctx)
	if err == nil {
		if err = s.endImport(bg, id, stateDone, "", rep); err == nil {
			return rep, nil
		}
	}
	// a fatal problem (a file that cannot be read, a limit) is counted and
	// listed, in the history too, even when the list is full
	var fatal *ImportProblem
	var limit *ImportLimitError
	if errors.As(err, &limit) {
		fatal = &limit.ImportProblem
	} else {
		errors.As(err, &fatal)
	}
	if fatal != nil {
		rep.ProblemCount++
		rep.Problems = append(rep.Problems, *fatal)
	}
	state, msg := stateFailed, err.Error()
	if errors.Is(err, errRollback) {
		state, msg = stateDiscarded, "dry run"
	}
	if e := s.endImport(bg, id, state, msg, rep); e != nil && !errors.Is(e, errImportGone) {
		return nil, errors.Join(err, e)
	}
	if e := s.cleanImport(bg, id); e != nil {
		return nil, errors.Join(err, e) // the rows stay hidden; the next sweep removes them
	}
	if errors.Is(err, errRollback) {
		return rep, nil
	}
	if fatal != nil && limit == nil {
		return nil, ImportFailed(fatal.Error()+"; nothing was stored", rep.Problems)
	}
	return nil, err
}

// errStopped tells a source that the import stopped taking items.
var errStopped = errors.New("import stopped")

// run feeds src through the importer. The source runs in its own
// goroutine, so that reading and parsing (a zip member read whole, a
// slow HTML extraction) never happen while the writer is held: the open
// chunk is committed whenever the next item is not ready yet, and at the
// latest after opts.Chunk.
func (im *importer) run(src ImportSource) error {
	if err := im.loadIndex(); err != nil {
		return err
	}
	items := make(chan *ImportItem, 32)
	stopped := make(chan struct{})
	srcErr := make(chan error, 1)
	go func() {
		defer close(items)
		defer func() {
			if r := recover(); r != nil { // a parser bug fails the import, not the process
				srcErr <- fmt.Errorf("import: the parser failed: %v", r)
			}
		}()
		srcErr <- src(func(it *ImportItem) error {
			select {
			case items <- it:
				return nil
			case <-stopped:
				return errStopped
			}
		})
	}()
	var err error
	for err == nil {
		var it *ImportItem
		ok := true
		select {
		case it, ok = <-items:
		default:
			if im.opts.Chunk > 0 {
				if err = im.commit(); err != nil {
					continue
				}
			}
			select {
			case it, ok = <-items:
			case <-im.ctx.Done():
				err = im.ctx.Err()
				continue
			}
		}
		if !ok {
			break
		}
		if err = im.item(it); err == nil && im.tx != nil && im.opts.Chunk > 0 && time.Since(im.txStart) >= im.opts.Chunk {
			if err = im.commit(); err == nil && im.opts.Pause > 0 {
				time.Sleep(im.opts.Pause)
			}
		}
	}
	close(stopped)
	for range items { // let the source return
	}
	if e := <-srcErr; err == nil {
		err = e
	}
	if err == nil {
		err = im.commit()
	}
	im.rollback()
	return err
}

// keepAlive refreshes the import's heartbeat while it runs, so a slow
// source (a long fetch, a huge zip member) does not look abandoned.
func (s *Store) keepAlive(ctx context.Context, id int64, every time.Duration) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				s.wr(ctx).Exec(`UPDATE imports SET heartbeat_at = ? WHERE id = ? AND state = 'running'`, time.Now().UTC(), id)
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

func (im *importer) problem(p ImportProblem) {
	im.rep.ProblemCount++
	if len(im.rep.Problems) < im.opts.MaxProblems {
		im.rep.Problems = append(im.rep.Problems, p)
	}
}

func (im *importer) loadIndex() error {
	rows, err := im.s.rd(im.ctx).Model(&Article{}).Select("id, external_id, url, text_sha256").
		Where("project_id = ?", im.opts.ProjectID).Where(visible("articles")).Rows()
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
		im.index(id, ext, url, sum)
	}
	return rows.Err()
}

func (im *importer) index(id int64, ext *string, url, sum string) {
	if ext != nil {
		im.byExt[short(*ext)] = id
	}
	if url != "" {
		im.byURL[short(url)] = id
	}
	im.byText[short(sum)] = id
}

func (im *importer) item(it *ImportItem) error {
	if err := im.ctx.Err(); err != nil {
		return err
	}
	for _, p := range it.Problems {
		im.problem(p)
	}
	if it.Article == nil {
		if it.ExternalRef == "" {
			for _, sp := range it.Spans {
				im.problem(im.spanProblem(it, &sp, "", "span has no article"))
			}
			return nil
		}
		var id int64
		var hash string
		err := im.row(qByExt, im.opts.ProjectID, it.ExternalRef).Scan(&id, &hash)
		if errors.Is(err, sql.ErrNoRows) {
			if len(it.Spans) > 0 {
				for _, sp := range it.Spans {
					im.problem(im.spanProblem(it, &sp, "external_id", "no article with external_id "+quoteKey(it.ExternalRef)+" in this project; import the article first"))
				}
			}
			return nil
		}
		if err != nil {
			return err
		}
		return im.spans(it, id, hash, true)
	}
	im.articles++
	if im.opts.MaxArticles > 0 && im.articles > im.opts.MaxArticles {
		return &ImportLimitError{ImportProblem{File: it.File, Line: it.Line,
			Message: "more than " + itoa(im.opts.MaxArticles) + " articles in one import; split the file"}}
	}
	in := *it.Article
	if im.opts.MaxTextBytes > 0 && len(in.Text) > im.opts.MaxTextBytes {
		return &ImportLimitError{ImportProblem{File: it.File, Line: it.Line, Field: "text",
			Message: "text is " + itoa(len(in.Text)) + " bytes; the limit is " + itoa(im.opts.MaxTextBytes)}}
	}
	if err := validateArticleIn(&in); err != nil {
		var ve *ValidationError
		if !errors.As(err, &ve) {
			return err
		}
		field := ""
		for f := range ve.Fields {
			field = f
		}
		im.problem(ImportProblem{File: it.File, Line: it.Line, Field: field, Message: "article not imported: " + ve.Error()})
		return nil
	}
	a := newArticle(im.opts.ProjectID, in)
	hash, url := a.TextSHA256, a.URL
	var dupID int64
	if in.ExternalID != nil {
		dupID = im.byExt[short(*in.ExternalID)]
	} else if url != "" {
		dupID = im.byURL[short(url)]
	}
	if dupID == 0 {
		dupID = im.byText[short(hash)]
	}
	if dupID != 0 {
		// the index is from the start of the import; annotators may have
		// deleted the article since, and then it is imported again
		var existing string
		switch err := im.row(qHash, dupID).Scan(&existing); {
		case errors.Is(err, sql.ErrNoRows):
			dupID = 0
		case err != nil:
			return err
		default:
			return im.duplicate(it, dupID, hash, existing)
		}
	}
	domain := ""
	if a.URL != "" {
		domain, _ = DomainOfURL(a.URL)
	} else if d := RegistrableDomain(it.Domain); d != "" && validateSource(&Source{Domain: d}) == nil {
		domain = d
	}
	if domain != "" {
		id, err := im.source(domain)
		if err != nil {
			return err
		}
		a.SourceID = &id
	}
	if err := im.createArticle(&a); err != nil {
		if a.ExternalID == nil || !strings.Contains(err.Error(), "UNIQUE constraint failed") {
			return err
		}
		// created through the API since the import started
		var h string
		if err := im.row(qByExt, im.opts.ProjectID, *a.ExternalID).Scan(&dupID, &h); err != nil {
			return err
		}
		im.index(dupID, a.ExternalID, "", h)
		return im.duplicate(it, dupID, hash, h)
	}
	im.rep.ArticlesCreated++
	im.index(a.ID, a.ExternalID, a.URL, hash)
	im.lastID, im.lastHash, im.lastIx = a.ID, hash, NewSpanIndex(a.Text)
	return im.spans(it, a.ID, hash, false)
}

// duplicate handles an item whose article is already there as dupID:
// its spans go onto that article when the texts are the same.
func (im *importer) duplicate(it *ImportItem, dupID int64, hash, existing string) error {
	im.rep.ArticlesSkipped++
	if len(it.Spans) == 0 {
		return nil
	}
	if existing != hash {
		im.problem(ImportProblem{File: it.File, Line: it.Line, Field: "text",
			Message: fmt.Sprintf("article skipped as a duplicate of article %d (same external_id or URL) whose text differs; its %d span(s) were not imported", dupID, len(it.Spans))})
		return nil
	}
	return im.spans(it, dupID, hash, true)
}

func (im *importer) spanProblem(it *ImportItem, sp *ImportSpan, field, msg string) ImportProblem {
	p := ImportProblem{File: it.File, Line: it.Line, Field: field, Message: msg}
	if sp.File != "" {
		p.File = sp.File
	}
	if sp.Line > 0 {
		p.Line = sp.Line
	}
	return p
}

// spans stores the spans of item it on article id. existing says the
// article was there before this item, so spans already imported on it
// are skipped rather than repeated.
func (im *importer) spans(it *ImportItem, id int64, hash string, existing bool) error {
	if len(it.Spans) == 0 {
		return nil
	}
	if im.lastID != id || im.lastHash != hash {
		var text string
		if err := im.row(qText, id).Scan(&text); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				for i := range it.Spans {
					im.problem(im.spanProblem(it, &it.Spans[i], "", "span not imported: its article was deleted during the import"))
				}
				return nil
			}
			return err
		}
		im.lastID, im.lastHash, im.lastIx = id, hash, NewSpanIndex(text)
	}
	ix := im.lastIx
	var rows []Annotation
	var from []int // rows[j] is it.Spans[from[j]]
	for i := range it.Spans {
		sp := &it.Spans[i]
		label, err := im.label(it, sp)
		if err != nil {
			return err
		}
		if label == nil {
			continue
		}
		row, err := PrepareSpan(ix, im.opts.ProjectID, SpanDraft{ArticleID: id, LabelID: label.ID, UserID: im.opts.UserID,
			Start: sp.Start, End: sp.End, Text: sp.Text, Note: sp.Note, Attributes: sp.Attributes, Origin: OriginImport}, OriginImport)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) {
				return err
			}
			field, msg := spanProblemText(ve, sp, ix.Len())
			im.problem(im.spanProblem(it, sp, field, msg))
			continue
		}
		first, _ := utf8.DecodeRuneInString(row.Quote)
		last, _ := utf8.DecodeLastRuneInString(row.Quote)
		if unicode.IsSpace(first) || unicode.IsSpace(last) {
			field := "start"
			if !unicode.IsSpace(first) {
				field = "end"
			}
			// Offsets are kept exactly as given (other tools' offsets must stay
			// valid and exports must round-trip), but the likely sloppy span is
			// reported; strict mode turns the report into a rejection.
			im.problem(im.spanProblem(it, sp, field, fmt.Sprintf("span imported, but [%d, %d) starts or ends on whitespace (%q)", sp.Start, sp.End, clip(row.Quote))))
		}
		if existing {
			var found bool
			err := im.row(qExists, id, label.ID, sp.Start, sp.End, OriginImport).Scan(&found)
			if err != nil {
				return err
			}
			if found {
				im.rep.SpansSkipped++
				continue
			}
		}
		rows, from = append(rows, row), append(from, i)
	}
	if len(rows) == 0 {
		return nil
	}
	tx, err := im.w()
	if err != nil {
		return err
	}
	ids, err := tx.insertSpans(im.ctx, rows, &im.importID)
	if errors.Is(err, ErrNotFound) {
		// the article or a label was deleted during the import
		for _, i := range from {
			im.problem(im.spanProblem(it, &it.Spans[i], "", "span not imported: its article or label "+quoteKey(it.Spans[i].Label)+" was deleted during the import"))
		}
		clear(im.labels)
		return nil
	}
	if err != nil {
		return err
	}
	for _, id := range ids {
		if id == 0 {
			im.rep.SpansSkipped++
		} else {
			im.rep.SpansCreated++
		}
	}
	return nil
}

// spanProblemText words a refused span for the import report.
func spanProblemText(ve *ValidationError, sp *ImportSpan, n int) (field, msg string) {
	msg, field = ve.Error(), "end"
	for f := range ve.Fields {
		field = f
	}
	if ve.Code == "quote_mismatch" {
		field = "text"
		msg = fmt.Sprintf("span text %q differs from the article text at [%d, %d): %q", clip(*sp.Text), sp.Start, sp.End, clip(ve.Extra["actual"].(string)))
		if at, ok := ve.Extra["found_at"].([]int); ok {
			msg += fmt.Sprintf(" (the text occurs at [%d, %d))", at[0], at[1])
		}
	} else if field == "end" && sp.End > n {
		msg = fmt.Sprintf("span [%d, %d) ends past the end of its text (%d code points)", sp.Start, sp.End, n)
	}
	return field, "span not imported: " + msg
}

// label resolves a span's label, creating it when allowed. nil with no
// error means the span was reported and must be skipped.
func (im *importer) label(it *ImportItem, sp *ImportSpan) (*Label, error) {
	name := strings.TrimSpace(sp.Label)
	key := LabelKeyOf(name)
	if key == "" {
		im.problem(im.spanProblem(it, sp, "label", "span not imported: empty or unusable label "+quoteKey(sp.Label)))
		return nil, nil
	}
	if l, ok := im.labels[key]; ok && l != nil {
		return l, nil
	}
	if _, ok := im.labels[key]; !ok {
		l, err := im.cur().LabelByKey(im.ctx, im.opts.ProjectID, key)
		if err == nil {
			im.labels[key] = l
			return l, nil
		}
		if !errors.Is(err, ErrInvalid) {
			return nil, err
		}
		im.labels[key] = nil
	}
	if !im.opts.CreateLabels {
		im.problem(im.spanProblem(it, sp, "label", "span not imported: unknown label "+quoteKey(name)+" (key "+key+"); import with create_labels=true to create it"))
		return nil, nil
	}
	l := &Label{ProjectID: im.opts.ProjectID, Key: key, Name: name}
	if utf8.RuneCountInString(l.Name) > 100 {
		l.Name = string([]rune(l.Name)[:100])
	}
	tx, err := im.w()
	if err != nil {
		return nil, err
	}
	if err := tx.CreateLabel(im.ctx, l); err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			im.problem(im.spanProblem(it, sp, "label", "span not imported: cannot create label "+quoteKey(name)+": "+ve.Error()))
			return nil, nil
		}
		return nil, err
	}
	if err := tx.wr(im.ctx).Exec(`UPDATE labels SET import_id = ?, updated_at = created_at WHERE id = ?`, im.importID, l.ID).Error; err != nil {
		return nil, err
	}
	im.labels[key] = l
	im.rep.LabelsCreated = append(im.rep.LabelsCreated, key)
	return l, nil
}

// clip shortens s for messages.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= 60 {
		return s
	}
	return string([]rune(s)[:57]) + "..."
}
