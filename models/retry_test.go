package models_test

import (
	"fmt"
	"sync"
	"testing"

	"slant/models"
	"slant/models/modelstest"
)

// Many annotators push to one article at once. On PostgreSQL their
// transactions collide on the article's span version and some are run
// again; a retried push must answer as if it ran once: one error for its
// one bad span, one id for each good one.
func TestConcurrentBulkPushesAnswerOnce(t *testing.T) {
	t.Parallel()
	s, _, p := importFixture(t)
	arts, err := s.CreateArticles(ctx, p.ID, []models.ArticleIn{{Text: "Everyone labels this one sentence at the same time."}})
	if err != nil {
		t.Fatal(err)
	}
	const n = 12
	users := make([]*models.User, n)
	for i := range users {
		if users[i], err = s.CreateUser(ctx, fmt.Sprintf("pusher%d", i), models.RoleAnnotator, "correct horse battery"); err != nil {
			t.Fatal(err)
		}
	}
	modelstest.JoinAll(t, s, p.ID)
	var wg sync.WaitGroup
	results := make([]*models.BulkResult, n)
	errs := make([]error, n)
	for i := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			spans := []models.BulkSpan{
				{ArticleID: arts[0].ID, Label: "opinion", Start: 0, End: 8},
				{ArticleID: arts[0].ID, Label: "opinion", Start: 9, End: 15},
				{ArticleID: arts[0].ID, Label: "no_such_label", Start: 0, End: 8},
			}
			results[i], errs[i] = s.BulkCreate(ctx, p.ID, users[i].ID, spans, nil, true)
		}()
	}
	wg.Wait()
	for i, r := range results {
		if errs[i] != nil {
			t.Fatalf("push %d: %v", i, errs[i])
		}
		if len(r.Errors) != 1 || r.Created != 2 || r.Existing != 0 || r.IDs[0] == 0 || r.IDs[1] == 0 || r.IDs[2] != 0 {
			t.Fatalf("push %d answered %+v; want one error, two spans created", i, r)
		}
	}
}

// Outlet search ignores case on both backends (SQLite's LIKE folds ASCII
// case; PostgreSQL's does not).
func TestOutletSearchIgnoresCase(t *testing.T) {
	t.Parallel()
	s := modelstest.NewStore(t)
	if err := s.CreateSource(ctx, &models.Source{Domain: "lemonde-example.example", Name: "Le Monde Example", Ownership: "private"}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"MONDE", "monde", "LEMONDE-EXAMPLE.EXAMPLE"} {
		got, _, err := s.ListSources(ctx, models.SourceFilter{Q: q}, models.Page{})
		if err != nil || len(got) != 1 {
			t.Fatalf("outlets matching %q: %+v %v; want the one", q, got, err)
		}
	}
}
