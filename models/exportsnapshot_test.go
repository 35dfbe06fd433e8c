package models_test

import (
	"testing"

	"slant/models"
	"slant/models/modelstest"
)

// An export is one snapshot on both backends: a span written while it
// runs (here, between its first and second article) is not in it.
// PostgreSQL's default isolation would show each statement the latest
// commits.
func TestExportIsOneSnapshot(t *testing.T) {
	t.Parallel()
	s := modelstest.NewStore(t)
	ana, p, first := fixture(t, s, "The first article.")
	arts, err := s.CreateArticles(ctx, p.ID, []models.ArticleIn{{Title: "Two", Text: "The second article.", URL: "https://news.example.com/2"}})
	if err != nil {
		t.Fatal(err)
	}
	second := arts[0]
	mkSpan(t, s, ana, first, "opinion", 0, 9)
	mkSpan(t, s, ana, second, "opinion", 0, 10)
	var got []int64
	err = s.ExportAnnotations(ctx, models.AnnotationFilter{ProjectID: p.ID}, func(r *models.ExportRow) error {
		if len(got) == 0 {
			mkSpan(t, s, ana, second, "opinion", 4, 10)
		}
		got = append(got, r.AnnotationID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("the export has spans %v, want the two that were there when it started", got)
	}
}
