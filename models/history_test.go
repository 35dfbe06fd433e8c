package models_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"slant/models"
	"slant/models/modelstest"
	"slant/server/ingest"
)

// The history reads that look into the images (whose spans, when a span
// was made) answer the same on both backends: a blind annotator's view
// of the project's history, the owner of a deleted span, and the
// creation of an imported span, which has no history row of its own and
// is imaged from the span itself.
func TestHistoryReadsTheImages(t *testing.T) {
	t.Parallel()
	s, u, p := importFixture(t)
	rep, err := ingest.Run(ctx, s, ingest.Options{ProjectID: p.ID, UserID: u.ID, CreateLabels: true},
		items(art("x1", "https://news.example.com/1", "Ministers said 👩‍🔬 rates rose.", span("opinion", 0, 14, "Ministers said"))))
	if err != nil || rep.SpansCreated != 1 {
		t.Fatalf("import: %+v %v", rep, err)
	}
	arts, _, err := s.ListArticles(ctx, models.ArticleFilter{ProjectID: p.ID}, models.Page{})
	if err != nil || len(arts) != 1 {
		t.Fatalf("articles %v %v", arts, err)
	}
	ben, err := s.CreateUser(ctx, "ben", models.RoleAnnotator, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.SetMember(ctx, p.ID, ben.ID, models.MemberAnnotator); err != nil {
		t.Fatal(err)
	}
	imported, _, err := s.ListAnnotations(ctx, models.AnnotationFilter{ProjectID: p.ID}, models.Page{})
	if err != nil || len(imported) != 1 {
		t.Fatalf("imported spans %v %v", imported, err)
	}
	h, err := s.SpanHistory(ctx, p.ID, imported[0].ID)
	if err != nil || len(h) != 1 || !h[0].Synthetic || h[0].Action != "create" || h[0].ActorName != "importer" || h[0].At.IsZero() {
		t.Fatalf("imported span's history %+v %v", h, err)
	}
	var img struct {
		Label     string `json:"label"`
		UserID    int64  `json:"user_id"`
		Text      string `json:"text"`
		CreatedAt string `json:"created_at"`
	}
	if err := json.Unmarshal(h[0].After, &img); err != nil {
		t.Fatal(err)
	}
	if at, ok := models.ParseTime(img.CreatedAt); img.Label != "opinion" || img.UserID != u.ID || img.Text != "Ministers said" || !ok || !at.Equal(h[0].At) {
		t.Fatalf("image %+v (at %v)", img, h[0].At)
	}

	mine := mkSpan(t, s, ben, models.Article{ID: arts[0].ID}, "opinion", 15, 17)
	if err := s.DeleteAnnotation(models.WithActor(ctx, ben.ID), mine.ID); err != nil {
		t.Fatal(err)
	}
	if owner, err := s.DeletedSpanOwner(ctx, p.ID, mine.ID); err != nil || owner != ben.ID {
		t.Fatalf("deleted span's owner %d %v, want %d", owner, err, ben.ID)
	}
	if _, err := s.DeletedSpanOwner(ctx, p.ID, imported[0].ID); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("a live span's owner: %v", err)
	}
	// ben's create and delete; the importer's span has no rows
	for _, c := range []struct {
		user int64
		want int
	}{{ben.ID, 2}, {u.ID, 0}, {0, 2}} {
		got, _, err := s.ProjectHistory(ctx, p.ID, models.HistoryFilter{UserID: c.user}, models.Page{})
		if err != nil || len(got) != c.want {
			t.Errorf("history of user %d: %d entries (%v), want %d", c.user, len(got), err, c.want)
		}
	}
}

// "since" takes the changes at or after an instant, to the nanosecond on
// both backends (PostgreSQL keeps microseconds: a bound between two is
// rounded up, not cut down to include the change before it).
func TestHistorySinceIsInclusiveToTheInstant(t *testing.T) {
	t.Parallel()
	s := modelstest.NewStore(t)
	ana, p, art := fixture(t, s, "Officials said the plan works.")
	a := mkSpan(t, s, ana, art, "opinion", 0, 9)
	if _, err := s.UpdateAnnotation(models.WithActor(ctx, ana.ID), a.ID, models.AnnotationPatch{End: ptr(14)}); err != nil {
		t.Fatal(err)
	}
	all, _, err := s.ProjectHistory(ctx, p.ID, models.HistoryFilter{}, models.Page{})
	if err != nil || len(all) != 2 {
		t.Fatalf("history %+v %v", all, err)
	}
	for _, e := range all {
		for _, since := range []time.Time{e.At, e.At.Add(time.Nanosecond)} {
			want := 0
			for _, x := range all {
				if !x.At.Before(since) {
					want++
				}
			}
			got, _, err := s.ProjectHistory(ctx, p.ID, models.HistoryFilter{Since: &since}, models.Page{})
			if err != nil || len(got) != want {
				t.Errorf("since %s: %d entries (%v), want %d", since.Format(time.RFC3339Nano), len(got), err, want)
			}
		}
	}
}
