package models

import (
	"context"
	"errors"
	"testing"
)

// importDraft is one article of a test import with its spans (label
// key and extent).
type importDraft struct {
	text  string
	spans [][3]any // label key, start, end
}

// importThroughWriter writes drafts as import the way the pipeline in
// server/ingest does (start, chunk, article rows, the span writer, end)
// and leaves the import in state, cleaned up unless it is published.
func importThroughWriter(t *testing.T, s *Store, projectID, userID int64, state string, drafts ...importDraft) {
	t.Helper()
	ctx := context.Background()
	id, err := s.StartImport(ctx, projectID, userID, state == ImportStateDiscarded)
	if err != nil {
		t.Fatal(err)
	}
	w := s.ImportWriter(ctx, id)
	var n ImportCounts
	for _, d := range drafts {
		a, err := NewArticleRow(projectID, ArticleIn{Title: "imported", Text: d.text})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.InsertArticle(&a); err != nil {
			t.Fatal(err)
		}
		n.ArticlesCreated++
		var rows []Annotation
		for _, sp := range d.spans {
			l, err := w.LabelByKey(projectID, sp[0].(string))
			if err != nil {
				t.Fatal(err)
			}
			row, err := PrepareSpan(NewSpanIndex(a.Text), projectID, SpanDraft{ArticleID: a.ID, LabelID: l.ID, UserID: userID,
				Start: sp[1].(int), End: sp[2].(int)}, OriginImport)
			if err != nil {
				t.Fatal(err)
			}
			rows = append(rows, row)
		}
		if len(rows) > 0 {
			if _, err := w.InsertSpans(rows); err != nil {
				t.Fatal(err)
			}
			n.SpansCreated += len(rows)
		}
		if err := w.Commit(); err != nil { // a chunk per article
			t.Fatal(err)
		}
	}
	if err := s.EndImport(ctx, id, state, "", n); err != nil {
		t.Fatal(err)
	}
	if state != ImportStateDone {
		if err := s.CleanImport(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
}

// Between chunks the writer's look-ups still find the import's own
// committed rows, which the read pool hides until it is published; an
// external id taken meanwhile is ErrExternalIDTaken.
func TestImportWriterSeesItsOwnHiddenRows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newInternalStore(t)
	u, err := s.CreateUser(ctx, "imp", RoleAnnotator, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	p := &Project{Name: "Hidden"}
	if err := s.CreateProject(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	id, err := s.StartImport(ctx, p.ID, u.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	w := s.ImportWriter(ctx, id)
	ext := "x-1"
	a, err := NewArticleRow(p.ID, ArticleIn{ExternalID: &ext, Text: "Hidden text 🙈 here."})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.InsertArticle(&a); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	if open, _ := w.Open(); open {
		t.Fatal("a chunk is open after Commit")
	}
	if _, err := s.GetArticle(ctx, a.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("read pool sees the unpublished article: %v", err)
	}
	gotID, hash, err := w.ArticleByExternalID(p.ID, ext)
	if err != nil || gotID != a.ID || hash != a.TextSHA256 {
		t.Fatalf("by external id: %d %q %v", gotID, hash, err)
	}
	if text, err := w.ArticleText(a.ID); err != nil || text != a.Text {
		t.Fatalf("text: %q %v", text, err)
	}
	if _, err := w.ArticleHash(a.ID + 1000); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing article: %v", err)
	}
	again, _ := NewArticleRow(p.ID, ArticleIn{ExternalID: &ext, Text: "Other text."})
	if err := w.InsertArticle(&again); !errors.Is(err, ErrExternalIDTaken) {
		t.Fatalf("taken external id: %v", err)
	}
	w.Rollback()
	if err := s.EndImport(ctx, id, ImportStateDone, "", ImportCounts{ArticlesCreated: 1}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetArticle(ctx, a.ID); err != nil || got.Text != a.Text {
		t.Fatalf("published article: %+v %v", got, err)
	}
}

// The writer finds labels its own import created, in the open chunk and
// after it is committed, while the read pool still hides them; another
// import's hidden label stays unknown to it.
func TestImportWriterFindsItsOwnLabels(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newInternalStore(t)
	u, err := s.CreateUser(ctx, "imp", RoleAnnotator, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	p := &Project{Name: "Labels"}
	if err := s.CreateProject(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	id, err := s.StartImport(ctx, p.ID, u.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	w := s.ImportWriter(ctx, id)
	if err := w.CreateLabel(&Label{ProjectID: p.ID, Key: "loaded_language", Name: "Loaded language"}); err != nil {
		t.Fatal(err)
	}
	if l, err := w.LabelByKey(p.ID, "loaded_language"); err != nil || l.Key != "loaded_language" {
		t.Fatalf("in the open chunk: %+v %v", l, err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	if l, err := w.LabelByKey(p.ID, "loaded_language"); err != nil || l.Key != "loaded_language" {
		t.Fatalf("after the commit: %+v %v", l, err)
	}
	if _, err := s.LabelByKey(ctx, p.ID, "loaded_language"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("the read pool sees the unpublished label: %v", err)
	}
	if l, err := w.LabelByKey(p.ID, "opinion"); err != nil || l.Key != "opinion" {
		t.Fatalf("a visible label: %+v %v", l, err)
	}
	if _, err := w.LabelByKey(p.ID, "nope"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("an unknown label: %v", err)
	}
	w.Rollback()
}
