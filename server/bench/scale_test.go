package main

import (
	"context"
	"os"
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

// The scale figure end to end at its -quick sizes, against the API router
// served by this test binary (see serveRouter): every list answers a
// non-empty first page on both databases and the project counts shown by
// GET /projects match the generated rows.
func TestScaleFigureQuick(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(smokeServeEnv, "1")
	t.Setenv("SLANT_BENCH_SCALE_DIR", "")
	models.BcryptCost = 4
	res := &Results{}
	if err := scaleFigure(t.TempDir(), self, scaleSize{10, 100}, scaleSize{40, 400}, 1, res); err != nil {
		t.Fatal(err)
	}
	if got, want := len(res.Rows), len(scaleLists()); got != want {
		t.Fatalf("%d rows, want one per list (%d):\n%s", got, want, res.Markdown())
	}
	checkFigures(t, res.Markdown(), "7. first page, 10 → 40 articles: GET /projects/{id}/articles", "… ?status=todo", "GET /sources")
}
