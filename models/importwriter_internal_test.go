package models

import (
	"context"
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
