package models_test

import (
	"errors"
	"testing"

	"slant/models"
	"slant/models/modelstest"
)

// An article or outlet written by someone else while an import's chunk
// is open does not break the import: the chunk's insert of the same
// external_id says it is taken (the pipeline then uses the stored
// article), and its outlet is the other's. On PostgreSQL a failed
// statement would abort the chunk's transaction, and the import with it.
func TestImportChunkSurvivesRowsWrittenMeanwhile(t *testing.T) {
	t.Parallel()
	if !modelstest.Postgres() {
		t.Skip("PostgreSQL only: on SQLite the open chunk holds the only writer, so nothing is written meanwhile")
	}
	s, u, p := importFixture(t)
	id, err := s.StartImport(ctx, p.ID, u.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	w := s.ImportWriter(ctx, id)
	first, err := models.NewArticleRow(p.ID, models.ArticleIn{Title: "first", Text: "Opens the chunk."})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.InsertArticle(&first); err != nil {
		t.Fatal(err)
	}
	// meanwhile, through the API: the same external_id and outlet
	ext := "shared-1"
	if _, err := s.CreateArticles(ctx, p.ID, []models.ArticleIn{{Text: "Came first.", ExternalID: &ext, URL: "https://meanwhile-outlet.example/a"}}); err != nil {
		t.Fatal(err)
	}
	dup, err := models.NewArticleRow(p.ID, models.ArticleIn{Text: "Came second.", ExternalID: &ext})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.InsertArticle(&dup); !errors.Is(err, models.ErrExternalIDTaken) {
		t.Fatalf("the taken external_id: %v, want ErrExternalIDTaken", err)
	}
	srcID, err := w.EnsureSource("meanwhile-outlet.example", map[string]int64{})
	if err != nil {
		t.Fatalf("the outlet created meanwhile: %v", err)
	}
	third, err := models.NewArticleRow(p.ID, models.ArticleIn{Title: "third", Text: "After both."})
	if err != nil {
		t.Fatal(err)
	}
	third.SourceID = &srcID
	if err := w.InsertArticle(&third); err != nil {
		t.Fatalf("the chunk after both: %v", err)
	}
	if err := w.Commit(); err != nil {
		t.Fatalf("commit: %v", err)
	}
	if err := s.EndImport(ctx, id, models.ImportStateDone, "", models.ImportCounts{ArticlesCreated: 2}); err != nil {
		t.Fatal(err)
	}
	arts, _, err := s.ListArticles(ctx, models.ArticleFilter{ProjectID: p.ID}, models.Page{})
	if err != nil || len(arts) != 3 {
		t.Fatalf("articles after the import: %d %v, want 3", len(arts), err)
	}
}

// An annotator's "to do" list starts after the articles they have done
// (done_state.first_todo). On PostgreSQL, articles commit out of id
// order: one an import holds in its open chunk is invisible when a done
// mark moves the pointer past it. Once the import is published, the list
// must still offer it.
func TestTodoListKeepsAnArticleCommittedLate(t *testing.T) {
	t.Parallel()
	if !modelstest.Postgres() {
		t.Skip("PostgreSQL only: on SQLite the open chunk holds the only writer, so nothing is marked done meanwhile")
	}
	s, u, p := importFixture(t)
	modelstest.JoinAll(t, s, p.ID)
	before, err := s.CreateArticles(ctx, p.ID, []models.ArticleIn{{Text: "First."}, {Text: "Second."}})
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.StartImport(ctx, p.ID, u.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	w := s.ImportWriter(ctx, id)
	late, err := models.NewArticleRow(p.ID, models.ArticleIn{Title: "late", Text: "Held in an open chunk."})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.InsertArticle(&late); err != nil {
		t.Fatal(err)
	}
	after, err := s.CreateArticles(ctx, p.ID, []models.ArticleIn{{Text: "Written meanwhile."}})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range before {
		if err := s.SetDone(ctx, u.ID, a.ID, true); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := s.EndImport(ctx, id, models.ImportStateDone, "", models.ImportCounts{ArticlesCreated: 1}); err != nil {
		t.Fatal(err)
	}
	todo, _, err := s.ListArticles(ctx, models.ArticleFilter{ProjectID: p.ID, UserID: u.ID, Status: "todo"}, models.Page{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, a := range todo {
		ids = append(ids, a.ID)
	}
	if len(ids) != 2 || ids[0] != late.ID || ids[1] != after[0].ID {
		t.Fatalf("to do after the import: %v, want [%d %d] (the late article and the one written meanwhile)", ids, late.ID, after[0].ID)
	}
}
