package models_test

import (
	"testing"

	"slant/models"
	"slant/models/modelstest"
	"slant/server/ingest"
)

// Helpers of the import tests (imports_test.go), which drive the
// storage side of an import through the pipeline in server/ingest.

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
