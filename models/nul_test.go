package models_test

import (
	"errors"
	"testing"

	"slant/models"
)

// NUL (U+0000) is refused in stored text and JSON on both backends:
// PostgreSQL cannot store it, and a SQLite database must be able to move
// there. Nothing is written.
func TestNULIsRefusedEverywhere(t *testing.T) {
	t.Parallel()
	s, u, p := importFixture(t)
	if _, err := s.CreateArticles(ctx, p.ID, []models.ArticleIn{{Text: "a\x00b"}}); !errors.Is(err, models.ErrInvalid) {
		t.Fatalf("article text with NUL: %v", err)
	}
	if _, err := s.CreateArticles(ctx, p.ID, []models.ArticleIn{{Text: "fine", Title: "t\x00"}}); !errors.Is(err, models.ErrInvalid) {
		t.Fatalf("title with NUL: %v", err)
	}
	if _, err := s.CreateArticles(ctx, p.ID, []models.ArticleIn{{Text: "fine", Metadata: models.JSONMap{"k": "v\x00"}}}); !errors.Is(err, models.ErrInvalid) {
		t.Fatalf("metadata with NUL: %v", err)
	}
	arts, err := s.CreateArticles(ctx, p.ID, []models.ArticleIn{{Text: "A clean sentence."}})
	if err != nil {
		t.Fatal(err)
	}
	in := models.AnnotationIn{ArticleID: arts[0].ID, UserID: u.ID, Label: "opinion", Start: 0, End: 7, AnnotatorName: "importer"}
	in.Note = "x\x00"
	if _, err := s.CreateAnnotation(ctx, in); !errors.Is(err, models.ErrInvalid) {
		t.Fatalf("note with NUL: %v", err)
	}
	in.Note, in.Attributes = "", models.JSONMap{"speaker": "a\x00"}
	if _, err := s.CreateAnnotation(ctx, in); !errors.Is(err, models.ErrInvalid) {
		t.Fatalf("attributes with NUL: %v", err)
	}
	if n, err := s.CountAnnotations(ctx, models.AnnotationFilter{ProjectID: p.ID}); err != nil || n != 0 {
		t.Fatalf("%d spans stored (%v), want none", n, err)
	}
}
