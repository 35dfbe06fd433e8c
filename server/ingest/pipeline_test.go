package ingest_test

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"context"

	"slant/models"
	"slant/models/modelstest"
	"slant/server/ingest"
)

var ctx = context.Background()

func ptr[T any](v T) *T { return &v }

// items turns a fixed list into an ingest.Stream.
func items(its ...*ingest.Item) ingest.Stream {
	return func(yield func(*ingest.Item) error) error {
		for _, it := range its {
			if err := yield(it); err != nil {
				return err
			}
		}
		return nil
	}
}

func art(ext, url, text string, spans ...ingest.Span) *ingest.Item {
	in := &models.ArticleIn{Text: text, URL: url, Title: "t"}
	if ext != "" {
		in.ExternalID = &ext
	}
	return &ingest.Item{File: "f.jsonl", Line: 1, Article: in, Spans: spans}
}

func span(label string, start, end int, text string) ingest.Span {
	return ingest.Span{Label: label, Start: start, End: end, Text: &text}
}

func importFixture(t *testing.T) (*models.Store, *models.User, *models.Project) {
	t.Helper()
	s := modelstest.NewStore(t)
	u, err := s.CreateUser(ctx, "importer", models.RoleAnnotator, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	p := &models.Project{Name: "Imports"}
	if err := s.CreateProject(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	return s, u, p
}

func TestImportStoresArticlesAndSpansAndIsIdempotent(t *testing.T) {
	t.Parallel()
	s, u, p := importFixture(t)
	text := "Crowds cheered 🎉 the glorious leader.\r\nCritics left."
	src := items(
		art("e1", "https://arabic.rt.com/x/1", text,
			span("Loaded_Language", 21, 29, "glorious"),
			span("opinion", 0, 14, "Crowds cheered")),
		art("", "", "A second text."),
	)
	opts := ingest.Options{ProjectID: p.ID, UserID: u.ID, CreateLabels: true}
	rep, err := ingest.Run(ctx, s, opts, src)
	if err != nil {
		t.Fatal(err)
	}
	if rep.ArticlesCreated != 2 || rep.SpansCreated != 2 || len(rep.LabelsCreated) != 1 || rep.LabelsCreated[0] != "loaded_language" || rep.ProblemCount != 0 {
		t.Fatalf("report %+v", rep)
	}
	l, err := s.LabelByKey(ctx, p.ID, "loaded_language")
	if err != nil || l.Name != "Loaded_Language" {
		t.Fatalf("label %+v %v", l, err)
	}
	a, err := s.ArticleByExternalID(ctx, p.ID, "e1")
	if err != nil {
		t.Fatal(err)
	}
	full, _ := s.GetArticle(ctx, a.ID)
	if full.Text != text || full.Source == nil || full.Source.Domain != "rt.com" {
		t.Fatalf("article %q source %+v", full.Text, full.Source)
	}
	anns, _, _ := s.ListAnnotations(ctx, models.AnnotationFilter{ArticleID: a.ID}, models.Page{})
	if len(anns) != 2 || anns[1].Quote != "glorious" || anns[1].Origin != models.OriginImport || anns[1].UserID != u.ID {
		t.Fatalf("annotations %+v", anns)
	}

	// The same import again changes nothing.
	rep, err = ingest.Run(ctx, s, opts, src)
	if err != nil {
		t.Fatal(err)
	}
	if rep.ArticlesCreated != 0 || rep.ArticlesSkipped != 2 || rep.SpansCreated != 0 || rep.SpansSkipped != 2 || len(rep.LabelsCreated) != 0 {
		t.Fatalf("re-import report %+v", rep)
	}
	n, _ := s.CountAnnotations(ctx, models.AnnotationFilter{ProjectID: p.ID})
	if n != 2 {
		t.Fatalf("%d annotations after re-import", n)
	}
}

func TestImportDedupesByExternalIDURLAndText(t *testing.T) {
	t.Parallel()
	s, u, p := importFixture(t)
	opts := ingest.Options{ProjectID: p.ID, UserID: u.ID}
	rep, err := ingest.Run(ctx, s, opts, items(
		art("x", "https://a.example/1", "one"),
		art("x", "", "different text, same id"),
		art("", "https://a.example/1", "different text, same url"),
		art("", "", "one"),
		// paragraphs of one page share the URL but not their ids: all kept
		art("p1", "https://a.example/page", "para one"),
		art("p2", "https://a.example/page", "para two"),
	))
	if err != nil {
		t.Fatal(err)
	}
	if rep.ArticlesCreated != 3 || rep.ArticlesSkipped != 3 {
		t.Fatalf("report %+v", rep)
	}
}

func TestImportReportsSpanProblemsPerLine(t *testing.T) {
	t.Parallel()
	s, u, p := importFixture(t)
	text := "Exactly twenty chars" // 20 code points
	it := art("e", "", text,
		ingest.Span{Line: 2, Label: "opinion", Start: 0, End: 7},          // fine
		ingest.Span{Line: 3, Label: "opinion", Start: 8, End: 25},         // past the end
		ingest.Span{Line: 4, Label: "opinion", Start: 7, End: 14},         // starts on whitespace: kept, reported
		span("opinion", 0, 7, "exactly"),                                  // quote differs
		ingest.Span{Line: 6, Label: "Unknown_Tech", Start: 0, End: 7},     // unknown label
		ingest.Span{Line: 7, Label: "opinion", Start: 5, End: 5},          // empty
		ingest.Span{Line: 8, Label: "attributed_claim", Start: 0, End: 7}, // fine
	)
	rep, err := ingest.Run(ctx, s, ingest.Options{ProjectID: p.ID, UserID: u.ID}, items(it))
	if err != nil {
		t.Fatal(err)
	}
	if rep.SpansCreated != 3 || rep.ProblemCount != 5 || len(rep.LabelsCreated) != 0 {
		t.Fatalf("report %+v", rep)
	}
	want := map[int]string{3: "ends past the end", 4: "whitespace", 1: "differs", 6: "unknown label", 7: "greater than start"}
	for _, pr := range rep.Problems {
		if pr.File != "f.jsonl" || !strings.Contains(pr.Message, want[pr.Line]) || want[pr.Line] == "" {
			t.Errorf("problem %+v", pr)
		}
	}

	// strict: the same input stores nothing
	before, _ := s.CountAnnotations(ctx, models.AnnotationFilter{ProjectID: p.ID})
	it.Article.ExternalID = ptr("e-strict")
	it.Article.Text = text + "!"
	_, err = ingest.Run(ctx, s, ingest.Options{ProjectID: p.ID, UserID: u.ID, Strict: true}, items(it))
	var ve *models.ValidationError
	if !errors.As(err, &ve) || len(ingest.ProblemsOf(err)) != 5 {
		t.Fatalf("strict: %v", err)
	}
	after, _ := s.CountAnnotations(ctx, models.AnnotationFilter{ProjectID: p.ID})
	if _, err := s.ArticleByExternalID(ctx, p.ID, "e-strict"); !errors.Is(err, models.ErrNotFound) || after != before {
		t.Fatalf("strict import stored something: %v %d %d", err, before, after)
	}
}

func TestImportDryRunAndFatalErrorsStoreNothing(t *testing.T) {
	t.Parallel()
	s, u, p := importFixture(t)
	rep, err := ingest.Run(ctx, s, ingest.Options{ProjectID: p.ID, UserID: u.ID, DryRun: true, CreateLabels: true},
		items(art("d", "", "dry text", ingest.Span{Label: "New_Label", Start: 0, End: 3})))
	if err != nil || !rep.DryRun || rep.ArticlesCreated != 1 || rep.SpansCreated != 1 || len(rep.LabelsCreated) != 1 {
		t.Fatalf("dry run %+v %v", rep, err)
	}
	if _, err := s.LabelByKey(ctx, p.ID, "new_label"); err == nil {
		t.Fatal("dry run created a label")
	}
	fatal := func(yield func(*ingest.Item) error) error {
		if err := yield(art("f1", "", "first article")); err != nil {
			return err
		}
		return &ingest.Problem{File: "bad.jsonl", Line: 2, Message: "malformed JSON"}
	}
	_, err = ingest.Run(ctx, s, ingest.Options{ProjectID: p.ID, UserID: u.ID}, fatal)
	ps := ingest.ProblemsOf(err)
	if len(ps) != 1 || ps[0].Line != 2 || ps[0].File != "bad.jsonl" {
		t.Fatalf("fatal: %v %+v", err, ps)
	}
	_, err = ingest.Run(ctx, s, ingest.Options{ProjectID: p.ID, UserID: u.ID, MaxArticles: 1},
		items(art("", "", "a"), art("", "", "b")))
	var le *ingest.LimitError
	if !errors.As(err, &le) {
		t.Fatalf("limit: %v", err)
	}
	_, err = ingest.Run(ctx, s, ingest.Options{ProjectID: p.ID, UserID: u.ID, MaxTextBytes: 3}, items(art("", "", "abcd")))
	if !errors.As(err, &le) || le.Field != "text" {
		t.Fatalf("text limit: %v", err)
	}
	var n int64
	arts, _, _ := s.ListArticles(ctx, models.ArticleFilter{ProjectID: p.ID}, models.Page{})
	n = int64(len(arts))
	if n != 0 {
		t.Fatalf("%d articles stored by failed imports", n)
	}
}

func TestImportSpansByExternalRefAndDomain(t *testing.T) {
	t.Parallel()
	s, u, p := importFixture(t)
	opts := ingest.Options{ProjectID: p.ID, UserID: u.ID}
	if _, err := ingest.Run(ctx, s, opts, items(&ingest.Item{File: "p.jsonl", Line: 1, Domain: "arabic.state-news.example",
		Article: &models.ArticleIn{ExternalID: ptr("para-1"), Text: "Some paragraph."}})); err != nil {
		t.Fatal(err)
	}
	a, _ := s.ArticleByExternalID(ctx, p.ID, "para-1")
	full, _ := s.GetArticle(ctx, a.ID)
	if full.Source == nil || full.Source.Domain != "state-news.example" {
		t.Fatalf("source %+v", full.Source)
	}
	rep, err := ingest.Run(ctx, s, opts, items(
		&ingest.Item{File: "s.jsonl", Line: 1, ExternalRef: "para-1", Spans: []ingest.Span{span("opinion", 0, 4, "Some")}},
		&ingest.Item{File: "s.jsonl", Line: 2, ExternalRef: "nope", Spans: []ingest.Span{span("opinion", 0, 4, "Some")}},
	))
	if err != nil || rep.SpansCreated != 1 || rep.ProblemCount != 1 || rep.Problems[0].Line != 2 || rep.Problems[0].Field != "external_id" {
		t.Fatalf("%+v %v", rep, err)
	}
}

func TestLabelKeyOf(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Loaded_Language": "loaded_language", "Appeal_to_Fear-Prejudice": "appeal_to_fear_prejudice",
		"Name_Calling,Labeling": "name_calling_labeling", "opinion": "opinion", "1st": "l_1st", "  ": "", "Ωmega": "u3c9mega",
	} {
		if got := ingest.LabelKeyOf(in); got != want {
			t.Errorf("LabelKeyOf(%q) = %q, want %q", in, got, want)
		}
	}
}

// 100,000 generated articles stream through one import; the heap after
// it stays far below what holding them would take.
func TestImportStreamsLargeInput(t *testing.T) {
	if testing.Short() {
		t.Skip("large import")
	}
	t.Parallel()
	s, u, p := importFixture(t)
	const n = 100_000
	// live is the heap that survives a collection: what the import (and
	// any test running beside it) holds, without garbage waiting to go.
	live := func() uint64 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	base := live()
	var peak, input uint64
	src := func(yield func(*ingest.Item) error) error {
		for i := range n {
			text := fmt.Sprintf("Article number %d says something about the harbour and the weather, at some length. %s", i, strings.Repeat("x", 200))
			input += uint64(len(text))
			if err := yield(art(fmt.Sprintf("g-%d", i), "", text)); err != nil {
				return err
			}
			if i%10000 == 9999 {
				peak = max(peak, live())
			}
		}
		return nil
	}
	rep, err := ingest.Run(ctx, s, ingest.Options{ProjectID: p.ID, UserID: u.ID}, src)
	if err != nil || rep.ArticlesCreated != n {
		t.Fatalf("%+v %v", rep, err)
	}
	grew := peak - min(peak, base)
	t.Logf("input %d MiB; live heap %d MiB before, at most %d MiB during the import (+%d MiB)", input>>20, base>>20, peak>>20, grew>>20)
	// Holding the articles would take at least the input's size; the
	// import keeps only its dedupe index (a few dozen bytes per article).
	if grew > input/2 {
		t.Fatalf("the live heap grew by %d MiB during an import of %d MiB: the import holds its input", grew>>20, input>>20)
	}
}
