package main

import (
	"context"
	"path/filepath"
	"testing"

	"slant/models"
)

// The scale figure's generator writes around the store's API: what the
// store then reads (the trigger-kept project counts, the caller's done
// marks, the lists' filters) must match what was generated.
func TestScaleGeneratorKeepsStoreCounts(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "scale.db")
	db, err := generateScale(path, scaleSize{Articles: 41, Spans: 333})
	if err != nil {
		t.Fatal(err)
	}
	s, err := models.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	ps, _, err := s.ListProjects(ctx, db.UserID, models.Page{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range ps {
		if p.ID == db.Project {
			found = true
			if p.ArticleCount != 41 || p.AnnotationCount != 333 || p.DoneCount != 20 || db.Done != 20 {
				t.Errorf("project shows %d articles, %d spans, %d done; generated 41, 333, %d", p.ArticleCount, p.AnnotationCount, p.DoneCount, db.Done)
			}
		}
	}
	if !found || len(ps) != 3 {
		t.Fatalf("projects: %+v", ps)
	}
	for name, f := range map[string]models.ArticleFilter{
		"todo":   {Status: "todo"},
		"source": {Source: db.Domain},
		"common": {Q: scaleCommonWord},
	} {
		f.ProjectID, f.UserID = db.Project, db.UserID
		rows, _, err := s.ListArticles(ctx, f, models.Page{})
		if err != nil || len(rows) == 0 {
			t.Errorf("%s: %d rows, %v", name, len(rows), err)
		}
	}
	n, err := s.CountAnnotations(ctx, models.AnnotationFilter{ProjectID: db.Project, Label: scaleLabel})
	if err != nil || n == 0 {
		t.Errorf("label %s: %d spans, %v", scaleLabel, n, err)
	}
}
