package models_test

import (
	"fmt"
	"strings"
	"testing"

	"slant/models"
	"slant/models/modelstest"
)

// Search takes candidates from the index a window at a time, in rank
// order: a project whose few matches rank below hundreds of another
// project's still gets all of them, in order, across pages.
func TestSearchFindsAProjectsMatchesBehindAnothers(t *testing.T) {
	t.Parallel()
	s := modelstest.NewStore(t)
	u, err := s.CreateUser(ctx, "ana", models.RoleAnnotator, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	busy, quiet := &models.Project{Name: "Busy"}, &models.Project{Name: "Quiet"}
	for _, p := range []*models.Project{busy, quiet} {
		if err := s.CreateProject(ctx, p, nil); err != nil {
			t.Fatal(err)
		}
	}
	// 900 short articles full of the word: they rank first
	var many []models.ArticleIn
	for i := 0; i < 900; i++ {
		many = append(many, models.ArticleIn{Text: fmt.Sprintf("tariff tariff tariff %d", i)})
	}
	if _, err := s.CreateArticles(ctx, busy.ID, many); err != nil {
		t.Fatal(err)
	}
	// three long ones that mention it once, in the quiet project
	filler := strings.Repeat("harbour ferry council winter ", 60)
	var few []models.ArticleIn
	for i := 0; i < 3; i++ {
		few = append(few, models.ArticleIn{Title: fmt.Sprint("Quiet ", i), Text: filler + fmt.Sprintf("a tariff %d ", i) + strings.Repeat("x ", i)})
	}
	arts, err := s.CreateArticles(ctx, quiet.ID, few)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	pg := models.Page{Limit: 2}
	for {
		rows, next, err := s.ListArticles(ctx, models.ArticleFilter{ProjectID: quiet.ID, UserID: u.ID, Q: "tariff"}, pg)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			got = append(got, r.ID)
		}
		if next == nil {
			break
		}
		pg.Cursor = *next
	}
	if len(got) != 3 {
		t.Fatalf("found %v, want the quiet project's 3 articles %v", got, []int64{arts[0].ID, arts[1].ID, arts[2].ID})
	}
	seen := map[int64]bool{}
	for _, id := range got {
		if seen[id] {
			t.Fatalf("article %d twice: %v", id, got)
		}
		seen[id] = true
	}
}
