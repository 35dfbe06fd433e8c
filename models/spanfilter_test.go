package models_test

import (
	"testing"
	"time"

	"slant/models"
	"slant/models/modelstest"
)

// The span browser's context counts code points on both backends, is
// cut at the text's edges, and brings the article's title, outlet and
// date; an unknown id is left out.
func TestSpanContextsCountCodePoints(t *testing.T) {
	t.Parallel()
	s := modelstest.NewStore(t)
	ana, p, _ := fixture(t, s, "unused")
	pub := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	arts, err := s.CreateArticles(ctx, p.ID, []models.ArticleIn{{Title: "Ctx", Text: "👩‍🔬é said: «rates rose» — عربي end", URL: "https://www.news.example.co.uk/b", PublishedAt: &pub}})
	if err != nil {
		t.Fatal(err)
	}
	art := arts[0]
	// [11, 23) is «rates rose» after 👩‍🔬 (3 code points), é, " said: "
	a := mkSpan(t, s, ana, art, "opinion", 11, 23)
	b := mkSpan(t, s, ana, art, "opinion", 0, 3)
	got, err := s.SpanContexts(ctx, []int64{a.ID, b.ID, b.ID + 1000}, 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("contexts %+v", got)
	}
	ca, cb := got[a.ID], got[b.ID]
	if ca.Before != "id: " || ca.After != " — ع" || ca.Title != "Ctx" || ca.Source != "example.co.uk" || ca.PublishedAt == nil || !ca.PublishedAt.Equal(pub) {
		t.Errorf("context of a %+v", ca)
	}
	if cb.Before != "" || cb.After != "é sa" {
		t.Errorf("context at the start %+v", cb)
	}
	if got, err := s.SpanContexts(ctx, []int64{a.ID}, 40); err != nil || got[a.ID].Before != "👩‍🔬é said: " || got[a.ID].After != " — عربي end" {
		t.Errorf("context past the edges %+v %v", got, err)
	}
}

// The publication-date bounds hold to the nanosecond on both backends:
// from an instant includes it, from a nanosecond later does not, and
// before an instant excludes it.
func TestPublishedBoundsToTheNanosecond(t *testing.T) {
	t.Parallel()
	s := modelstest.NewStore(t)
	ana, p, _ := fixture(t, s, "unused")
	pub := time.Date(2026, 1, 31, 23, 0, 0, 0, time.UTC)
	arts, err := s.CreateArticles(ctx, p.ID, []models.ArticleIn{{Title: "Dated", Text: "A dated article.", URL: "https://news.example.com/d", PublishedAt: &pub}})
	if err != nil {
		t.Fatal(err)
	}
	mkSpan(t, s, ana, arts[0], "opinion", 0, 7)
	later := pub.Add(time.Nanosecond)
	for _, c := range []struct {
		name         string
		from, before *time.Time
		want         int
	}{
		{"from the instant", &pub, nil, 1},
		{"from a nanosecond later", &later, nil, 0},
		{"before the instant", nil, &pub, 0},
		{"before a nanosecond later", nil, &later, 1},
	} {
		got, _, err := s.ListAnnotations(ctx, models.AnnotationFilter{ProjectID: p.ID, SpanFilter: models.SpanFilter{PublishedFrom: c.from, PublishedBefore: c.before}}, models.Page{})
		if err != nil || len(got) != c.want {
			t.Errorf("%s: %d spans (%v), want %d", c.name, len(got), err, c.want)
		}
	}
}
