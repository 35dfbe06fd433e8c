package models_test

import (
	"testing"
	"time"

	"slant/models"
	"slant/models/modelstest"
)

// An export's version (ETag, Last-Modified) follows the article-level
// choices too: a choice counts, and replacing one with another (same
// count) still moves the version, through the newest choice's time.
func TestExportVersionFollowsArticleLabels(t *testing.T) {
	t.Parallel()
	s := modelstest.NewStore(t)
	ana, _, _, p, art := curationFixture(t, s, "A short article.")
	mkSpan(t, s, ana, art, "opinion", 0, 5)
	genre := &models.DocLabelGroup{ProjectID: p.ID, Key: "genre", Options: []models.DocLabelOption{{Key: "news"}, {Key: "opinion"}}}
	if err := s.SaveDocLabelGroup(ctx, genre); err != nil {
		t.Fatal(err)
	}
	version := func() models.ExportVersion {
		t.Helper()
		v, err := s.ExportVersionOf(ctx, models.AnnotationFilter{ProjectID: p.ID})
		if err != nil {
			t.Fatal(err)
		}
		return *v
	}
	v0 := version()
	if v0.Count != 1 || v0.Links != 0 || v0.LastModified.IsZero() {
		t.Fatalf("before any choice %+v", v0)
	}
	if err := s.SetArticleLabels(ctx, art.ID, "genre", ana.ID, false, []string{"news"}); err != nil {
		t.Fatal(err)
	}
	// date the choice and everything else in the past, so that the next
	// choice is newer whatever the clock's resolution
	past := "2020-01-02 03:04:05+00:00"
	raw := modelstest.RawDB(t, s)
	for _, table := range []string{"article_labels", "projects", "labels", "sources", "articles", "annotations"} {
		col := "updated_at"
		if table == "article_labels" {
			col = "created_at"
		}
		if _, err := raw.Exec(`UPDATE ` + table + ` SET ` + col + ` = '` + past + `'`); err != nil {
			t.Fatal(err)
		}
	}
	v1 := version()
	if v1.Links != 1 || !v1.LastModified.Equal(time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Fatalf("after a dated choice %+v", v1)
	}
	if err := s.SetArticleLabels(ctx, art.ID, "genre", ana.ID, false, []string{"opinion"}); err != nil {
		t.Fatal(err)
	}
	v2 := version()
	if v2.Links != 1 || v2.LinksMax == v1.LinksMax || !v2.LastModified.After(v1.LastModified) {
		t.Fatalf("after replacing the choice %+v, was %+v", v2, v1)
	}
}
