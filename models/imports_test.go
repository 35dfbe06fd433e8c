package models_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"slant/models"
	"slant/models/modelstest"
	"slant/server/ingest"
)

// pausedSource yields its items, but before item at it closes paused and
// waits for resume: the import is then between two committed chunks.
type pausedSource struct {
	items          []*ingest.Item
	at             int
	paused, resume chan struct{}
	once           sync.Once
	fail           error // returned after the last item
}

// release lets the import go on (once; a test's cleanup releases it too,
// so a failing test does not leave it holding the store open).
func (p *pausedSource) release() { p.once.Do(func() { close(p.resume) }) }

func newPaused(at int, its ...*ingest.Item) *pausedSource {
	return &pausedSource{items: its, at: at, paused: make(chan struct{}), resume: make(chan struct{})}
}

func (p *pausedSource) src(yield func(*ingest.Item) error) error {
	for i, it := range p.items {
		if i == p.at {
			close(p.paused)
			<-p.resume
		}
		if err := yield(it); err != nil {
			return err
		}
	}
	return p.fail
}

type importResult struct {
	rep *ingest.Report
	err error
}

// startImport runs an import in the background and waits until its
// source pauses.
func startImport(t *testing.T, s *models.Store, opts ingest.Options, p *pausedSource) chan importResult {
	t.Helper()
	done := make(chan importResult, 1)
	t.Cleanup(p.release)
	go func() {
		rep, err := ingest.Run(ctx, s, opts, p.src)
		done <- importResult{rep, err}
	}()
	select {
	case <-p.paused:
	case r := <-done:
		t.Fatalf("import ended before pausing: %+v %v", r.rep, r.err)
	case <-time.After(30 * time.Second):
		t.Fatal("import never reached its pause")
	}
	return done
}

func finish(t *testing.T, done chan importResult) importResult {
	t.Helper()
	select {
	case r := <-done:
		return r
	case <-time.After(30 * time.Second):
		t.Fatal("import did not finish")
	}
	return importResult{}
}

// rawCount counts rows straight from the file, hidden ones included.
func rawCount(t *testing.T, s *models.Store, query string, args ...any) int {
	t.Helper()
	db := modelstest.RawDB(t, s)
	var n int
	if err := db.QueryRow(modelstest.Q(s, query), args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// waitRaw waits until query counts want rows.
func waitRaw(t *testing.T, s *models.Store, query string, want int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := rawCount(t, s, query)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s = %d, want %d", query, got, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func rawExec(t *testing.T, s *models.Store, query string, args ...any) {
	t.Helper()
	db := modelstest.RawDB(t, s)
	if _, err := db.Exec(modelstest.Q(s, query), args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// within runs fn and fails the test if it does not return in time: an
// import that still held the writer would make fn wait for ever.
func within(t *testing.T, what string, fn func() error) error {
	t.Helper()
	ch := make(chan error, 1)
	go func() { ch <- fn() }()
	select {
	case err := <-ch:
		return err
	case <-time.After(20 * time.Second):
		t.Fatalf("%s did not complete within 20 s: something holds the connection it needs", what)
	}
	return nil
}

func TestImportIsHiddenUntilPublishedAndLeavesTheWriterFree(t *testing.T) {
	t.Parallel()
	s, u, p := importFixture(t)
	ann, err := s.CreateUser(ctx, "annotator", models.RoleAnnotator, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	ext := "e0"
	existing, err := s.CreateArticles(ctx, p.ID, []models.ArticleIn{{ExternalID: &ext, Text: "Existing text about the harbour."}})
	if err != nil {
		t.Fatal(err)
	}
	e := existing[0]
	ps := newPaused(2,
		art("n1", "https://newoutlet.example/a", "New article 🎉 with a claim.", span("opinion", 0, 11, "New article"), span("Novel_Claim", 21, 26, "claim")),
		&ingest.Item{File: "f.jsonl", Line: 2, ExternalRef: "e0", Spans: []ingest.Span{span("opinion", 0, 8, "Existing")}},
		art("n2", "", "Second new article."),
	)
	// the default chunk length: the import must commit when its source
	// stalls, not only when a chunk is full
	v0, err := s.ExportVersionOf(ctx, models.AnnotationFilter{ProjectID: p.ID})
	if err != nil {
		t.Fatal(err)
	}
	done := startImport(t, s, ingest.Options{ProjectID: p.ID, UserID: u.ID, CreateLabels: true}, ps)

	// what came before the pause is committed (the importer commits as soon
	// as its source has nothing ready), and hidden
	waitRaw(t, s, `SELECT COUNT(*) FROM articles WHERE import_id IS NOT NULL`, 1)
	waitRaw(t, s, `SELECT COUNT(*) FROM annotations WHERE import_id IS NOT NULL`, 3)
	waitRaw(t, s, `SELECT COUNT(*) FROM labels WHERE import_id IS NOT NULL`, 1)
	var n1 int64
	if err := modelstest.RawDB(t, s).QueryRow(`SELECT id FROM articles WHERE external_id = 'n1'`).Scan(&n1); err != nil {
		t.Fatal(err)
	}

	arts, _, err := s.ListArticles(ctx, models.ArticleFilter{ProjectID: p.ID, UserID: ann.ID}, models.Page{})
	if err != nil || len(arts) != 1 || arts[0].ID != e.ID || arts[0].AnnotationCount != 0 {
		t.Fatalf("article list during the import: %+v %v; want only the existing article, with no spans", arts, err)
	}
	if _, err := s.GetArticle(ctx, n1); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("GetArticle of an unpublished article: %v, want not found", err)
	}
	if _, err := s.ArticleByExternalID(ctx, p.ID, "n1"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("ArticleByExternalID of an unpublished article: %v, want not found", err)
	}
	for _, f := range []models.AnnotationFilter{{ProjectID: p.ID}, {ArticleID: e.ID}, {ArticleID: n1}} {
		if n, err := s.CountAnnotations(ctx, f); err != nil || n != 0 {
			t.Fatalf("count %+v during the import = %d, %v; want 0", f, n, err)
		}
	}
	if _, _, err := s.ListAnnotations(ctx, models.AnnotationFilter{ArticleID: n1}, models.Page{}); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("listing spans of an unpublished article: %v, want not found", err)
	}
	projects, _, err := s.ListProjects(ctx, ann.ID, models.Page{})
	if err != nil || len(projects) != 1 || projects[0].ArticleCount != 1 || projects[0].AnnotationCount != 0 {
		t.Fatalf("project counts during the import: %+v %v", projects, err)
	}
	exported := 0
	if err := s.ExportAnnotations(ctx, models.AnnotationFilter{ProjectID: p.ID}, func(*models.ExportRow) error { exported++; return nil }); err != nil || exported != 0 {
		t.Fatalf("export during the import: %d rows, %v", exported, err)
	}
	v1, err := s.ExportVersionOf(ctx, models.AnnotationFilter{ProjectID: p.ID})
	if err != nil || !reflect.DeepEqual(v0, v1) {
		t.Fatalf("export version moved during the import: %+v -> %+v %v", v0, v1, err)
	}
	// the label the import created is not there yet for anyone
	if _, err := s.LabelByKey(ctx, p.ID, "novel_claim"); err == nil {
		t.Fatal("a label created by an unpublished import can be looked up")
	}
	if labels, err := s.ListLabels(ctx, p.ID); err != nil || len(labels) != len(models.DefaultLabels()) {
		t.Fatalf("labels during the import: %d %v; want the defaults", len(labels), err)
	}
	// nobody can write onto what is not published
	if _, err := s.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: n1, UserID: ann.ID, Label: "opinion", Start: 0, End: 3}); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("annotating an unpublished article: %v, want not found", err)
	}
	if err := s.SetDone(ctx, ann.ID, n1, true); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("marking an unpublished article done: %v, want not found", err)
	}
	if err := s.DeleteArticle(ctx, n1); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("deleting an unpublished article: %v, want not found", err)
	}
	// a second import into the project waits its turn; another project is free
	if _, err := ingest.Run(ctx, s, ingest.Options{ProjectID: p.ID, UserID: u.ID}, items(art("", "", "Other text."))); !errors.Is(err, models.ErrConflict) {
		t.Fatalf("second import into the same project: %v, want a conflict", err)
	}
	other := &models.Project{Name: "Other"}
	if err := s.CreateProject(ctx, other, nil); err != nil {
		t.Fatal(err)
	}
	if rep, err := ingest.Run(ctx, s, ingest.Options{ProjectID: other.ID, UserID: u.ID}, items(art("", "", "Other text."))); err != nil || rep.ArticlesCreated != 1 {
		t.Fatalf("import into another project during the import: %+v %v", rep, err)
	}
	// an annotator's save gets the writer while the import is under way
	var manual *models.AnnotationView
	if err := within(t, "an annotator's save", func() error {
		var err error
		manual, err = s.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: e.ID, UserID: ann.ID, Label: "opinion", Start: 9, End: 13, AnnotatorName: "annotator"})
		return err
	}); err != nil {
		t.Fatalf("annotator's save during the import: %v", err)
	}
	// The imported spans were stamped (by SQLite, to the millisecond) before
	// the pause, the manual one just now; the import is published (stamped
	// by Go, to the nanosecond) after ps.release below, so later than mark.
	mark := time.Now().UTC()
	if !manual.UpdatedAt.Before(mark) {
		t.Fatalf("the manual span's updated_at %v is not before %v", manual.UpdatedAt, mark)
	}

	ps.release()
	r := finish(t, done)
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.rep.ArticlesCreated != 2 || r.rep.ArticlesSkipped != 0 || r.rep.SpansCreated != 3 || r.rep.ImportID == 0 {
		t.Fatalf("report %+v", r.rep)
	}
	arts, _, err = s.ListArticles(ctx, models.ArticleFilter{ProjectID: p.ID, UserID: ann.ID}, models.Page{})
	if err != nil || len(arts) != 3 {
		t.Fatalf("after publishing: %d articles, %v; want 3", len(arts), err)
	}
	if a, err := s.GetArticle(ctx, n1); err != nil || a.Source == nil || a.Source.Domain != "newoutlet.example" {
		t.Fatalf("published article: %+v %v", a, err)
	}
	spans, _, err := s.ListAnnotations(ctx, models.AnnotationFilter{ArticleID: e.ID}, models.Page{})
	if err != nil || len(spans) != 2 || spans[0].Origin != models.OriginImport || spans[1].ID != manual.ID {
		t.Fatalf("existing article's spans after publishing: %+v %v; want the imported and the manual one", spans, err)
	}
	// spans written before mark but published after it are news to an
	// incremental pull from mark
	since, _, err := s.ListAnnotations(ctx, models.AnnotationFilter{ProjectID: p.ID, UpdatedSince: &mark}, models.Page{})
	if err != nil || len(since) != 3 {
		t.Fatalf("updated_since the pause: %d spans, %v; want the 3 published by the import", len(since), err)
	}
	if _, err := s.LabelByKey(ctx, p.ID, "novel_claim"); err != nil {
		t.Fatalf("the import's label after publishing: %v", err)
	}
	v2, err := s.ExportVersionOf(ctx, models.AnnotationFilter{ProjectID: p.ID})
	if err != nil || reflect.DeepEqual(v1, v2) {
		t.Fatalf("export version did not change on publishing: %+v -> %+v %v", v1, v2, err)
	}
	hist, _, err := s.ListImports(ctx, p.ID, 0, models.Page{})
	if err != nil || len(hist) != 1 || hist[0].State != "done" || hist[0].ID != r.rep.ImportID || hist[0].ArticlesCreated != 2 ||
		hist[0].SpansCreated != 3 || hist[0].User != "importer" || hist[0].FinishedAt == nil {
		t.Fatalf("import history: %+v %v", hist, err)
	}
}

func TestUnpublishedImportsLeaveNothing(t *testing.T) {
	t.Parallel()
	input := func() []*ingest.Item {
		return []*ingest.Item{
			art("x1", "https://brand-new-outlet.example/1", "Fresh text one.", span("Novel_Label", 0, 5, "Fresh")),
			art("x2", "", "Fresh text two.", span("opinion", 0, 5, "Fresh")),
			art("x3", "", "Fresh text three.", span("opinion", 0, 5, "Wrong")), // a problem
		}
	}
	cases := []struct {
		name     string
		opts     ingest.Options
		fail     error
		cancel   bool
		state    string
		wantErr  bool
		problems int // problem_count in the history: the bad span, and a fatal problem
	}{
		{name: "fatal error from the source", fail: &ingest.Problem{File: "f.jsonl", Line: 4, Message: "truncated file"}, state: "failed", wantErr: true, problems: 2},
		{name: "strict with a problem", opts: ingest.Options{Strict: true}, state: "failed", wantErr: true, problems: 1},
		{name: "dry run", opts: ingest.Options{DryRun: true}, state: "discarded", problems: 1},
		{name: "client went away", cancel: true, state: "failed", wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, u, p := importFixture(t)
			opts := tc.opts
			opts.ProjectID, opts.UserID, opts.CreateLabels, opts.Chunk = p.ID, u.ID, true, time.Nanosecond
			its := input()
			c, cancel := context.WithCancel(ctx)
			defer cancel()
			src := func(yield func(*ingest.Item) error) error {
				for i, it := range its {
					if i == 2 && tc.cancel {
						cancel()
					}
					if err := yield(it); err != nil {
						return err
					}
				}
				return tc.fail
			}
			rep, err := ingest.Run(c, s, opts, src)
			importErr := err
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			for q, want := range map[string]int{
				`SELECT COUNT(*) FROM articles`:                                          0,
				`SELECT COUNT(*) FROM annotations`:                                       0,
				`SELECT COUNT(*) FROM labels WHERE key = 'novel_label'`:                  0,
				`SELECT COUNT(*) FROM sources WHERE domain = 'brand-new-outlet.example'`: 0,
				`SELECT COUNT(*) FROM imports WHERE state = '` + tc.state + `' AND cleaned_at IS NOT NULL AND finished_at IS NOT NULL`: 1,
			} {
				if got := rawCount(t, s, q); got != want {
					t.Errorf("%s = %d, want %d", q, got, want)
				}
			}
			if tc.opts.DryRun {
				// the dry run's report is the real import's report
				real, err := ingest.Run(ctx, s, ingest.Options{ProjectID: p.ID, UserID: u.ID, CreateLabels: true}, items(input()...))
				if err != nil {
					t.Fatal(err)
				}
				if rep.ImportID == real.ImportID {
					t.Fatal("dry run and import share an id")
				}
				rep.ImportID, real.ImportID, rep.DryRun = 0, 0, false
				if !reflect.DeepEqual(rep, real) {
					t.Fatalf("dry run reported %+v\nthe import   %+v", rep, real)
				}
			}
			if _, err := s.LabelByKey(ctx, p.ID, "opinion"); err != nil {
				t.Errorf("a label that was there before the import is gone: %v", err)
			}
			hist, _, err := s.ListImports(ctx, p.ID, 0, models.Page{})
			if err != nil || len(hist) == 0 || hist[len(hist)-1].ProblemCount != tc.problems || hist[len(hist)-1].Error == "" {
				t.Errorf("history %+v %v; want the first import with %d problem(s) and its reason", hist, err, tc.problems)
			}
			if tc.fail != nil {
				ps := ingest.ProblemsOf(importErr)
				if len(ps) != 2 || ps[1].Message != "truncated file" || !strings.Contains(hist[len(hist)-1].Error, "truncated file") {
					t.Errorf("fatal problem: error lists %+v, history %+v", ps, hist[len(hist)-1])
				}
			}
		})
	}
}

func TestAbandonedImportIsTakenOverAndCannotPublish(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"next import", "sweep"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			s, u, p := importFixture(t)
			its := []*ingest.Item{art("a1", "", "Alpha text."), art("a2", "", "Beta text."), art("a3", "", "Gamma text.")}
			ps := newPaused(2, its...)
			done := startImport(t, s, ingest.Options{ProjectID: p.ID, UserID: u.ID, Chunk: time.Nanosecond}, ps)
			waitRaw(t, s, `SELECT COUNT(*) FROM articles WHERE import_id IS NOT NULL`, 2)
			// its owner is alive (this process), so a silent heartbeat alone
			// does not make it abandoned
			rawExec(t, s, `UPDATE imports SET heartbeat_at = ? WHERE state = 'running'`, time.Now().Add(-time.Hour).UTC())
			if _, err := ingest.Run(ctx, s, ingest.Options{ProjectID: p.ID, UserID: u.ID}, items(art("", "", "Other."))); !errors.Is(err, models.ErrConflict) {
				t.Fatalf("import next to a live one with a silent heartbeat: %v, want a conflict", err)
			}
			// pretend its process died: a pid of this host that is not running
			host, _ := os.Hostname()
			ns, _ := os.Readlink("/proc/self/ns/pid")
			ns = strings.TrimSuffix(strings.TrimPrefix(ns, "pid:["), "]")
			rawExec(t, s, `UPDATE imports SET owner = ? WHERE state = 'running'`, host+":2147483646:12345:"+ns)
			switch how {
			case "next import":
				// the same external ids must not collide with the dead import's rows
				rep, err := ingest.Run(ctx, s, ingest.Options{ProjectID: p.ID, UserID: u.ID}, items(art("a1", "", "Alpha text."), art("a2", "", "Beta text.")))
				if err != nil || rep.ArticlesCreated != 2 {
					t.Fatalf("import after a dead one: %+v %v", rep, err)
				}
			case "sweep":
				if err := s.SweepImports(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if n := rawCount(t, s, `SELECT COUNT(*) FROM articles WHERE import_id IN (SELECT id FROM imports WHERE state <> 'done')`); n != 0 {
				t.Fatalf("%d rows of the dead import remain", n)
			}
			ps.release()
			r := finish(t, done)
			if r.err == nil || !strings.Contains(r.err.Error(), "no longer running") {
				t.Fatalf("the taken-over import finished with %+v, %v; want it refused", r.rep, r.err)
			}
			want := 0
			if how == "next import" {
				want = 2
			}
			if n := rawCount(t, s, `SELECT COUNT(*) FROM articles`); n != want {
				t.Fatalf("%d articles stored, want %d (only the successful import's)", n, want)
			}
			if n := rawCount(t, s, `SELECT COUNT(*) FROM imports WHERE state = 'failed' AND error LIKE 'abandoned%'`); n != 1 {
				t.Fatalf("%d imports recorded as abandoned, want 1", n)
			}
		})
	}
}

func TestImportIntoProjectDeletedMidwayFails(t *testing.T) {
	t.Parallel()
	s, u, p := importFixture(t)
	ps := newPaused(1, art("", "https://fresh-outlet.example/1", "One."), art("", "", "Two."))
	done := startImport(t, s, ingest.Options{ProjectID: p.ID, UserID: u.ID}, ps)
	waitRaw(t, s, `SELECT COUNT(*) FROM sources WHERE domain = 'fresh-outlet.example'`, 1)
	if err := within(t, "deleting the project", func() error { return s.DeleteProject(ctx, p.ID) }); err != nil {
		t.Fatal(err)
	}
	ps.release()
	if r := finish(t, done); !errors.Is(r.err, models.ErrNotFound) && (r.err == nil || !strings.Contains(r.err.Error(), "no longer running")) {
		t.Fatalf("import into a deleted project: %+v %v; want the project not found, or the import no longer running", r.rep, r.err)
	}
	// the outlet profile it created went with it
	if n := rawCount(t, s, `SELECT COUNT(*) FROM sources WHERE domain = 'fresh-outlet.example'`); n != 0 {
		t.Fatalf("the import's outlet is left behind")
	}
}

// Exports run in read transactions on the read pool: while many of them
// are stalled mid-stream (a slow client), annotators still save and read,
// and each export stays a consistent snapshot.
func TestLongExportsNeverBlockAnnotators(t *testing.T) {
	t.Parallel()
	s, u, p := importFixture(t)
	arts, err := s.CreateArticles(ctx, p.ID, []models.ArticleIn{{Text: "One two three four five six seven."}})
	if err != nil {
		t.Fatal(err)
	}
	a := arts[0]
	for i := 0; i < 5; i++ {
		if _, err := s.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: a.ID, UserID: u.ID, Label: "opinion", Start: 0, End: 3 + i}); err != nil {
			t.Fatal(err)
		}
	}
	const exports = 12
	release := make(chan struct{})
	started := make(chan int, exports)
	type result struct {
		rows      int
		firstSeen bool // its snapshot was taken before the save below started
		err       error
	}
	results := make(chan result, exports)
	saving := make(chan struct{}) // closed before the save starts
	for i := 0; i < exports; i++ {
		go func(i int) {
			var r result
			r.err = s.ExportAnnotations(ctx, models.AnnotationFilter{ProjectID: p.ID}, func(*models.ExportRow) error {
				if r.rows == 0 {
					select {
					case <-saving:
					default:
						r.firstSeen = true
					}
					started <- i
					<-release
				}
				r.rows++
				return nil
			})
			results <- r
		}(i)
	}
	<-started // at least one export holds its read transaction open
	close(saving)
	if err := within(t, "an annotator's save during stalled exports", func() error {
		_, err := s.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: a.ID, UserID: u.ID, Label: "opinion", Start: 4, End: 7})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := within(t, "reads during stalled exports", func() error {
		if _, err := s.GetArticle(ctx, a.ID); err != nil {
			return err
		}
		spans, _, err := s.ListAnnotations(ctx, models.AnnotationFilter{ArticleID: a.ID}, models.Page{})
		if err == nil && len(spans) != 6 {
			err = errors.New("wrong span count during exports")
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	close(release)
	for i := 0; i < exports; i++ {
		r := <-results
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.firstSeen && r.rows != 5 || !r.firstSeen && r.rows != 6 && r.rows != 5 {
			t.Fatalf("export saw %d rows (snapshot before the save: %v)", r.rows, r.firstSeen)
		}
	}
}

// A parser that panics fails its import like any error: nothing stays
// behind, the writer is free and the project takes the next import.
func TestImportParserPanicFailsCleanly(t *testing.T) {
	t.Parallel()
	s, u, p := importFixture(t)
	src := func(yield func(*ingest.Item) error) error {
		for _, it := range []*ingest.Item{art("", "", "First text."), art("", "", "Second text.")} {
			if err := yield(it); err != nil {
				return err
			}
		}
		var m map[string]int
		//lint:ignore SA5000 the parser bug this test simulates
		m["boom"]++
		return nil
	}
	_, err := ingest.Run(ctx, s, ingest.Options{ProjectID: p.ID, UserID: u.ID, Chunk: time.Nanosecond}, src)
	if err == nil || !strings.Contains(err.Error(), "parser failed") {
		t.Fatalf("import with a panicking parser: %v", err)
	}
	if n := rawCount(t, s, `SELECT COUNT(*) FROM articles`); n != 0 {
		t.Fatalf("%d articles left behind", n)
	}
	if err := within(t, "the next import", func() error {
		rep, err := ingest.Run(ctx, s, ingest.Options{ProjectID: p.ID, UserID: u.ID}, items(art("", "", "First text.")))
		if err == nil && rep.ArticlesCreated != 1 {
			err = errors.New("not created")
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// An article the file refers to is deleted while the import runs: the
// import neither fails nor points at the deleted row; the article comes
// back from the file with its spans.
func TestImportSurvivesDeletionsBetweenChunks(t *testing.T) {
	t.Parallel()
	s, u, p := importFixture(t)
	ext := "e0"
	text := "The council's plan is reckless, critics said."
	existing, err := s.CreateArticles(ctx, p.ID, []models.ArticleIn{{ExternalID: &ext, Text: text}})
	if err != nil {
		t.Fatal(err)
	}
	ps := newPaused(1,
		art("x1", "", "Unrelated first article."),
		art("e0", "", text, span("opinion", 22, 30, "reckless")),
	)
	done := startImport(t, s, ingest.Options{ProjectID: p.ID, UserID: u.ID}, ps)
	if err := within(t, "deleting the article", func() error { return s.DeleteArticle(ctx, existing[0].ID) }); err != nil {
		t.Fatal(err)
	}
	ps.release()
	r := finish(t, done)
	if r.err != nil || r.rep.ArticlesCreated != 2 || r.rep.SpansCreated != 1 {
		t.Fatalf("import after a deletion: %+v %v; want both articles created and the span", r.rep, r.err)
	}
	a, err := s.ArticleByExternalID(ctx, p.ID, "e0")
	if err != nil || a.ID == existing[0].ID {
		t.Fatalf("article e0 after the import: %+v %v", a, err)
	}
	if n, err := s.CountAnnotations(ctx, models.AnnotationFilter{ArticleID: a.ID}); err != nil || n != 1 {
		t.Fatalf("spans on the re-imported article: %d %v", n, err)
	}
}

// A save that waits for the writer (behind an import chunk, a bulk push)
// is stamped when it gets it: updated_at follows commit order, so an
// incremental pull from the newest updated_at it has seen misses nothing.
func TestSavesAreStampedHoldingTheWriter(t *testing.T) {
	t.Parallel()
	if modelstest.Postgres() {
		t.Skip("SQLite's single writer; on PostgreSQL see TestPullWaitsForOpenWrites")
	}
	s, u, p := importFixture(t)
	arts, err := s.CreateArticles(ctx, p.ID, []models.ArticleIn{{Text: "Waiting for the writer."}})
	if err != nil {
		t.Fatal(err)
	}
	hold, held := make(chan struct{}), make(chan struct{})
	go s.Tx(ctx, func(*models.Store) error { close(held); <-hold; return nil })
	<-held
	waits := s.WriterWaits()
	created := make(chan *models.AnnotationView, 1)
	go func() {
		a, err := s.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: arts[0].ID, UserID: u.ID, Label: "opinion", Start: 0, End: 7, AnnotatorName: "importer"})
		if err != nil {
			t.Error(err)
		}
		created <- a
	}()
	// the save is queued for the writer connection the transaction holds
	deadline := time.Now().Add(20 * time.Second)
	for s.WriterWaits() == waits {
		if time.Now().After(deadline) {
			t.Fatal("the save never waited for the writer")
		}
		time.Sleep(time.Millisecond)
	}
	released := time.Now()
	close(hold)
	a := <-created
	if a == nil {
		t.FailNow()
	}
	if a.UpdatedAt.Before(released.Truncate(time.Millisecond)) { // SQLite's clock has ms resolution
		t.Fatalf("updated_at %v is before the writer was free (%v)", a.UpdatedAt, released)
	}
	stored, err := s.GetAnnotation(ctx, a.ID)
	if err != nil || !stored.UpdatedAt.Equal(a.UpdatedAt) {
		t.Fatalf("stored %v, answered %v (%v)", stored.UpdatedAt, a.UpdatedAt, err)
	}
	// the stored text is the driver's own format for that time, so times
	// written by SQLite and by Go compare correctly as text
	if modelstest.Postgres() {
		return // PostgreSQL stores timestamptz, not text
	}
	db, err := sql.Open("sqlite3", "file:"+s.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var raw string
	if err := db.QueryRow(`SELECT CAST(updated_at AS TEXT) FROM annotations WHERE id = ?`, a.ID).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if want := a.UpdatedAt.UTC().Format("2006-01-02 15:04:05.999999999-07:00"); raw != want {
		t.Fatalf("stored %q, the driver would write %q", raw, want)
	}
}

// On PostgreSQL several transactions write at once, so stamps do not
// follow commit order: a pull (updated_since) must not pass a span that
// is stamped but not yet committed. It answers only spans stamped before
// the oldest open write began; the held-back span comes on the next pull.
func TestPullWaitsForOpenWrites(t *testing.T) {
	t.Parallel()
	if !modelstest.Postgres() {
		t.Skip("PostgreSQL only: SQLite's single writer stamps in commit order (TestSavesAreStampedHoldingTheWriter)")
	}
	s, u, p := importFixture(t)
	// two articles: writers of one article queue on its span version
	arts, err := s.CreateArticles(ctx, p.ID, []models.ArticleIn{{Text: "Two writers at once, one slow."}, {Text: "The other writer is quick."}})
	if err != nil {
		t.Fatal(err)
	}
	since := time.Now().Add(-time.Minute)
	// a slow transaction stamps a span first and commits last
	stamped, commit, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- s.Tx(ctx, func(tx *models.Store) error {
			if _, err := tx.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: arts[0].ID, UserID: u.ID, Label: "opinion", Start: 0, End: 3, AnnotatorName: "importer"}); err != nil {
				return err
			}
			close(stamped)
			<-commit
			return nil
		})
	}()
	<-stamped
	fast, err := s.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: arts[1].ID, UserID: u.ID, Label: "opinion", Start: 4, End: 9, AnnotatorName: "importer"})
	if err != nil {
		t.Fatal(err)
	}
	pull := func() []int {
		t.Helper()
		got, _, err := s.ListAnnotations(ctx, models.AnnotationFilter{ProjectID: p.ID, UpdatedSince: &since}, models.Page{})
		if err != nil {
			t.Fatal(err)
		}
		var starts []int
		for _, a := range got {
			starts = append(starts, a.Start)
		}
		return starts
	}
	if got := pull(); len(got) != 0 {
		t.Fatalf("pull while the slow write is open: spans at %v; want none (the committed one is stamped after the open one)", got)
	}
	close(commit)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := pull(); len(got) != 2 {
		t.Fatalf("pull after the commit: spans at %v; want both (and the fast one %d)", got, fast.Start)
	}
}
