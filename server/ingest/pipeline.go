package ingest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"time"

	"slant/models"
)

// The import pipeline: parsers turn files into a Stream of Items; Run
// writes a stream through a models.ImportWriter in short committed
// chunks, hidden from readers until the import is published (see
// models/imports.go). The API (POST /projects/:id/import) and `slant
// import` are transports over Run.

// Options says where an import goes and how strict it is.
type Options struct {
	ProjectID    int64
	UserID       int64 // annotator of the imported spans
	CreateLabels bool  // create unknown labels instead of reporting them
	// OtherAnnotators lets spans name another annotator (Span.Annotator,
	// a project member) than UserID: the project's managers only.
	OtherAnnotators bool
	Strict          bool // any problem rejects the whole import
	DryRun          bool // report only; store nothing
	MaxArticles     int  // 0: no limit
	MaxTextBytes    int  // 0: no limit
	MaxProblems     int  // problems listed in the report (default 1000); all are counted
	// Chunk is how long the import may hold the writer before it commits
	// a chunk and lets other writers in (0: models.ImportChunk). Negative:
	// the whole import in one transaction, as before 2026-11-29; other
	// writers wait for all of it (the baseline of benchmark figure 5b).
	Chunk time.Duration
	// Pause is how long the import leaves the writer free after each full
	// chunk. Within one process other writers queue for the writer and get
	// it at once; another process (slant serve next to slant import) only
	// polls for the lock, with back-off, and needs the gap to get in.
	Pause time.Duration
	// heartbeat overrides models.ImportHeartbeatEvery (tests)
	heartbeat time.Duration
}

var errRollback = errors.New("rollback")

// errStopped tells a source that the import stopped taking items.
var errStopped = errors.New("import stopped")

// importer holds the state of one running import.
type importer struct {
	s      *models.Store
	w      *models.ImportWriter
	ctx    context.Context
	opts   Options
	rep    *Report
	labels map[string]*models.Label // by key; nil value: known to be missing
	users  map[string]annotatorRef  // Span.Annotator -> user (bratpipeline.go)
	rtypes map[string]*models.RelationType
	srcs   map[string]int64
	// dedupe indexes over the project's articles (existing and new):
	// short hashes keep memory small for large projects
	byExt, byURL, byText map[[16]byte]int64
	// the last article whose text was loaded, for runs of span-only items
	lastID   int64
	lastHash string
	lastIx   *models.SpanIndex
	articles int
}

func short(s string) [16]byte {
	sum := sha256.Sum256([]byte(s))
	var k [16]byte
	copy(k[:], sum[:16])
	return k
}

// Run stores what src yields into a project: all of it or, on a fatal
// error (or a problem with Strict), none of it. With DryRun the report is
// computed and nothing is kept.
//
// The import is written in short chunks so that it never holds up other
// writers for long, and published at the end in one step: until then no
// reader sees any of it. One import into a project runs at a time; a
// second one is a models.ConflictError.
//
// Articles already in the project are skipped: same external_id; same URL
// when the incoming article has no external_id (several paragraphs of one
// page share a URL but not an id); or the same text. Spans of a skipped
// article whose text is identical are added to the existing article
// unless an imported span with the same label and offsets is already
// there, so importing the same file twice changes nothing.
func Run(ctx context.Context, s *models.Store, opts Options, src Stream) (*Report, error) {
	if opts.MaxProblems <= 0 {
		opts.MaxProblems = 1000
	}
	if opts.Chunk == 0 {
		opts.Chunk = models.ImportChunk
	}
	if opts.heartbeat <= 0 {
		opts.heartbeat = models.ImportHeartbeatEvery
	}
	rep := &Report{DryRun: opts.DryRun, LabelsCreated: []string{}, RelationTypesCreated: []string{}, Problems: []Problem{}}
	if _, err := s.GetProject(ctx, opts.ProjectID); err != nil {
		return nil, err
	}
	if _, err := s.GetUser(ctx, opts.UserID); err != nil {
		return nil, err
	}
	id, err := s.StartImport(ctx, opts.ProjectID, opts.UserID, opts.DryRun)
	if err != nil {
		return nil, err
	}
	rep.ImportID = id
	im := &importer{s: s, w: s.ImportWriter(ctx, id), ctx: ctx, opts: opts, rep: rep, labels: map[string]*models.Label{},
		srcs: map[string]int64{}, byExt: map[[16]byte]int64{}, byURL: map[[16]byte]int64{}, byText: map[[16]byte]int64{}}
	stop := keepAlive(ctx, s, id, opts.heartbeat)
	defer func() {
		// A panic must not leave the writer held, the heartbeat beating
		// (the project would refuse imports until a restart) or hidden
		// rows behind: fail the import like any error, then re-panic.
		if r := recover(); r != nil {
			im.w.Rollback()
			stop()
			bg := context.WithoutCancel(ctx)
			if s.EndImport(bg, id, models.ImportStateFailed, fmt.Sprintf("internal error: %v", r), rep.counts()) == nil {
				if s.CleanImport(bg, id) == nil {
					im.w.DropRelationTypes(bg)
				}
			}
			panic(r)
		}
	}()
	err = im.run(src)
	stop()
	if err == nil && opts.Strict && rep.ProblemCount > 0 {
		err = Failed(fmt.Sprintf("strict import rejected: %d problem(s); nothing was stored", rep.ProblemCount), rep.Problems)
	}
	if err == nil && opts.DryRun {
		err = errRollback
	}
	// what follows must happen even when the client has gone away
	bg := context.WithoutCancel(ctx)
	if err == nil {
		if err = s.EndImport(bg, id, models.ImportStateDone, "", rep.counts()); err == nil {
			return rep, nil
		}
	}
	// a fatal problem (a file that cannot be read, a limit) is counted and
	// listed, in the history too, even when the list is full
	var fatal *Problem
	var limit *LimitError
	if errors.As(err, &limit) {
		fatal = &limit.Problem
	} else {
		errors.As(err, &fatal)
	}
	if fatal != nil {
		rep.ProblemCount++
		rep.Problems = append(rep.Problems, *fatal)
	}
	state, msg := models.ImportStateFailed, err.Error()
	if errors.Is(err, errRollback) {
		state, msg = models.ImportStateDiscarded, "dry run"
	}
	if e := s.EndImport(bg, id, state, msg, rep.counts()); e != nil && !errors.Is(e, models.ErrImportGone) {
		return nil, errors.Join(err, e)
	}
	if e := s.CleanImport(bg, id); e != nil {
		return nil, errors.Join(err, e) // the rows stay hidden; the next sweep removes them
	}
	if e := im.w.DropRelationTypes(bg); e != nil {
		return nil, errors.Join(err, e)
	}
	if errors.Is(err, errRollback) {
		return rep, nil
	}
	if fatal != nil && limit == nil {
		return nil, Failed(fatal.Error()+"; nothing was stored", rep.Problems)
	}
	return nil, err
}

// run feeds src through the importer. The source runs in its own
// goroutine, so that reading and parsing (a zip member read whole, a
// slow HTML extraction) never happen while the writer is held: the open
// chunk is committed whenever the next item is not ready yet, and at the
// latest after opts.Chunk.
func (im *importer) run(src Stream) error {
	if err := im.s.ImportIndex(im.ctx, im.opts.ProjectID, im.index); err != nil {
		return err
	}
	items := make(chan *Item, 32)
	stopped := make(chan struct{})
	srcErr := make(chan error, 1)
	go func() {
		defer close(items)
		defer func() {
			if r := recover(); r != nil { // a parser bug fails the import, not the process
				srcErr <- fmt.Errorf("import: the parser failed: %v", r)
			}
		}()
		srcErr <- src(func(it *Item) error {
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
		var it *Item
		ok := true
		select {
		case it, ok = <-items:
		default:
			if im.opts.Chunk > 0 {
				if err = im.w.Commit(); err != nil {
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
		if err = im.item(it); err == nil && im.opts.Chunk > 0 {
			if open, since := im.w.Open(); open && time.Since(since) >= im.opts.Chunk {
				if err = im.w.Commit(); err == nil && im.opts.Pause > 0 {
					time.Sleep(im.opts.Pause)
				}
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
		err = im.w.Commit()
	}
	im.w.Rollback()
	return err
}

// keepAlive refreshes the import's heartbeat while it runs, so a slow
// source (a long fetch, a huge zip member) does not look abandoned.
func keepAlive(ctx context.Context, s *models.Store, id int64, every time.Duration) (stop func()) {
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
				s.ImportHeartbeat(ctx, id)
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

func (im *importer) problem(p Problem) {
	im.rep.ProblemCount++
	if len(im.rep.Problems) < im.opts.MaxProblems {
		im.rep.Problems = append(im.rep.Problems, p)
	}
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
