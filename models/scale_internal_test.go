package models

import (
	"context"
	"errors"
	"math/rand"
	"strings"
	"testing"

	"gorm.io/gorm"
)

// newInternalStore opens a fresh file database with the production DSN.
func newInternalStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.TempDir() + "/t.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// recount is what the maintained project counts must equal: a full count
// of the visible rows.
func recount(t *testing.T, s *Store, projectID int64) (arts, spans int64) {
	t.Helper()
	ctx := context.Background()
	if err := s.rd(ctx).Raw(`SELECT (SELECT COUNT(*) FROM articles a WHERE a.project_id = ? AND `+visible("a")+`),
		(SELECT COUNT(*) FROM annotations n WHERE n.project_id = ? AND `+visible("n")+`)`, projectID, projectID).
		Row().Scan(&arts, &spans); err != nil {
		t.Fatal(err)
	}
	return arts, spans
}

func checkCounts(t *testing.T, s *Store, userID int64, step string) {
	t.Helper()
	ps, _, err := s.ListProjects(context.Background(), userID, Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		a, n := recount(t, s, p.ID)
		if p.ArticleCount != a || p.AnnotationCount != n {
			t.Fatalf("%s: project %d shows %d articles and %d spans; the rows say %d and %d", step, p.ID, p.ArticleCount, p.AnnotationCount, a, n)
		}
	}
}

// The project counts that GET /projects shows are kept by triggers; they
// must follow every kind of write, and an import's rows must count only
// once it is published.
func TestProjectCountsFollowEveryWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newInternalStore(t)
	u, err := s.CreateUser(ctx, "ann", RoleAnnotator, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	p := &Project{Name: "Counts"}
	if err := s.CreateProject(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	other := &Project{Name: "Other"}
	if err := s.CreateProject(ctx, other, nil); err != nil {
		t.Fatal(err)
	}
	checkCounts(t, s, u.ID, "empty")
	arts, err := s.CreateArticles(ctx, p.ID, []ArticleIn{{Title: "a", Text: "Officials said 🚢 the ferry runs."}, {Title: "b", Text: "Second text here."}})
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, s, u.ID, "articles created")
	one, err := s.CreateAnnotation(ctx, AnnotationIn{ArticleID: arts[0].ID, UserID: u.ID, Label: "opinion", Start: 0, End: 9})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateAnnotation(ctx, AnnotationIn{ArticleID: arts[0].ID, UserID: u.ID, Label: "opinion", Start: 0, End: 9}); !errors.Is(err, ErrConflict) {
		t.Fatalf("duplicate: %v", err)
	}
	if _, err := s.BulkCreateAnnotations(ctx, p.ID, u.ID, []BulkSpan{{ArticleID: arts[1].ID, Label: "opinion", Start: 0, End: 6},
		{ArticleID: arts[1].ID, Label: "attributed_claim", Start: 7, End: 11}, {ArticleID: arts[0].ID, Label: "opinion", Start: 0, End: 9}}, true); err != nil {
		t.Fatal(err)
	}
	checkCounts(t, s, u.ID, "spans created (one duplicate refused)")
	if err := s.DeleteAnnotation(ctx, one.ID); err != nil {
		t.Fatal(err)
	}
	checkCounts(t, s, u.ID, "span deleted")
	// a dry run and a strict import that fails leave nothing counted
	bad := importDraft{text: "Imported text"}
	importThroughWriter(t, s, p.ID, u.ID, ImportStateDiscarded, bad)
	checkCounts(t, s, u.ID, "dry run")
	importThroughWriter(t, s, p.ID, u.ID, ImportStateFailed, bad)
	checkCounts(t, s, u.ID, "strict import refused")
	// a published import counts, articles and spans
	importThroughWriter(t, s, p.ID, u.ID, ImportStateDone,
		importDraft{"First imported text", [][3]any{{"opinion", 0, 5}, {"opinion", 6, 14}}},
		importDraft{"Second imported text", [][3]any{{"opinion", 0, 6}}})
	checkCounts(t, s, u.ID, "import published")
	// deleting an article takes its spans with it (cascade)
	if err := s.DeleteArticle(ctx, arts[1].ID); err != nil {
		t.Fatal(err)
	}
	checkCounts(t, s, u.ID, "article deleted")
	if err := s.SetDone(ctx, u.ID, arts[0].ID, true); err != nil {
		t.Fatal(err)
	}
	ps, _, _ := s.ListProjects(ctx, u.ID, Page{Limit: 10})
	if ps[0].DoneCount != 1 || ps[1].DoneCount != 0 {
		t.Fatalf("done counts %d %d", ps[0].DoneCount, ps[1].DoneCount)
	}
	if err := s.DeleteProject(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	checkCounts(t, s, u.ID, "project deleted")
}

// planOf returns SQLite's query plan for the statement q would run.
func planOf(t *testing.T, s *Store, q *gorm.DB, dest any) string {
	t.Helper()
	stmt := q.Session(&gorm.Session{DryRun: true}).Scan(dest).Statement
	rows, err := s.rd(context.Background()).Raw("EXPLAIN QUERY PLAN "+stmt.SQL.String(), stmt.Vars...).Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, detail)
	}
	return strings.Join(lines, "\n")
}

// The first page of every list must not grow with the project: no plan
// may scan the caller's spans (the user_id index) or a whole table of
// spans; per-row counts read one article's index range.
func TestListQueryPlansStayFlat(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newInternalStore(t)
	p := &Project{Name: "Plans"}
	if err := s.CreateProject(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	filters := map[string]ArticleFilter{
		"all":       {ProjectID: p.ID, UserID: 1},
		"ownership": {ProjectID: p.ID, UserID: 1, Ownership: OwnershipStateControlled},
		"outlet":    {ProjectID: p.ID, UserID: 1, Source: "example.org"},
		"title":     {ProjectID: p.ID, UserID: 1, Q: "ferry"},
		"todo":      {ProjectID: p.ID, UserID: 1, Status: "todo"},
		"done":      {ProjectID: p.ID, UserID: 1, Status: "done"},
	}
	for name, f := range filters {
		q, err := s.articleListQuery(ctx, f, Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var rows []ArticleSummary
		// the partial index of hidden imports holds only running ones
		plan := strings.ReplaceAll(planOf(t, s, q, &rows), "SCAN imports USING INDEX idx_imports_hidden", "(hidden imports)")
		for _, bad := range []string{"idx_annotations_user ", "SCAN n", "SCAN annotations", "SCAN d", "SCAN imports"} {
			if strings.Contains(plan+" ", bad) {
				t.Errorf("article list (%s) plan uses %q:\n%s", name, bad, plan)
			}
		}
		if !strings.Contains(plan, "idx_annotations_article_user") {
			t.Errorf("article list (%s) does not count spans through (article_id, user_id):\n%s", name, plan)
		}
	}
	var rows []ProjectSummary
	plan := planOf(t, s, s.projectListQuery(ctx, 1, &User{ID: 1, Role: RoleAnnotator}, nil, Page{Limit: 100}), &rows)
	for _, bad := range []string{"SCAN n", "SCAN a", "SCAN annotations", "SCAN articles", "SCAN d"} {
		if strings.Contains(plan+" ", bad+" ") || strings.HasSuffix(plan, bad) {
			t.Errorf("project list plan uses %q:\n%s", bad, plan)
		}
	}
}

// The per-(user, project) done state that GET /projects and ?status=todo
// read is kept by triggers; after any sequence of marks, unmarks, new and
// deleted articles it must say what the rows say: the count of marks, and
// no article below first_todo left to do.
func TestDoneStateFollowsEveryMark(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newInternalStore(t)
	u, err := s.CreateUser(ctx, "ann", RoleAnnotator, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	p := &Project{Name: "Done"}
	if err := s.CreateProject(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	add := func(n int) {
		for i := 0; i < n; i++ {
			arts, err := s.CreateArticles(ctx, p.ID, []ArticleIn{{Title: "t", Text: "text " + itoa(len(ids))}})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, arts[0].ID)
		}
	}
	add(12)
	check := func(step string) {
		t.Helper()
		var marks, count, firstTodo int64
		s.rd(ctx).Raw(`SELECT COUNT(*) FROM article_done WHERE user_id = ? AND project_id = ?`, u.ID, p.ID).Row().Scan(&marks)
		s.rd(ctx).Raw(`SELECT COALESCE((SELECT done_count FROM done_state WHERE user_id = ? AND project_id = ?), 0),
			COALESCE((SELECT first_todo FROM done_state WHERE user_id = ? AND project_id = ?), 0)`, u.ID, p.ID, u.ID, p.ID).Row().Scan(&count, &firstTodo)
		if marks != count {
			t.Fatalf("%s: done_count %d, %d marks", step, count, marks)
		}
		var below int64
		s.rd(ctx).Raw(`SELECT COUNT(*) FROM articles a WHERE a.project_id = ? AND a.id < ?
			AND NOT EXISTS (SELECT 1 FROM article_done d WHERE d.user_id = ? AND d.article_id = a.id)`, p.ID, firstTodo, u.ID).Row().Scan(&below)
		if below != 0 {
			t.Fatalf("%s: %d articles below first_todo %d are not done", step, below, firstTodo)
		}
		todo, _, err := s.ListArticles(ctx, ArticleFilter{ProjectID: p.ID, UserID: u.ID, Status: "todo"}, Page{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		var want int64
		s.rd(ctx).Raw(`SELECT COUNT(*) FROM articles a WHERE a.project_id = ?
			AND NOT EXISTS (SELECT 1 FROM article_done d WHERE d.user_id = ? AND d.article_id = a.id)`, p.ID, u.ID).Row().Scan(&want)
		if int64(len(todo)) != want {
			t.Fatalf("%s: the to-do list has %d articles, %d are not done", step, len(todo), want)
		}
	}
	check("nothing done")
	// working through the list in order moves first_todo along with it
	for _, id := range []int64{ids[2], ids[0], ids[1], ids[3]} {
		if err := s.SetDone(ctx, u.ID, id, true); err != nil {
			t.Fatal(err)
		}
	}
	var first int64
	s.rd(ctx).Raw(`SELECT first_todo FROM done_state WHERE user_id = ? AND project_id = ?`, u.ID, p.ID).Row().Scan(&first)
	if first != ids[4] {
		t.Fatalf("after marking the first four articles, first_todo is %d, want %d", first, ids[4])
	}
	check("first four done")
	rng := rand.New(rand.NewSource(7))
	for i := 0; i < 300; i++ {
		switch op := rng.Intn(10); {
		case op < 6: // mark, mostly in list order
			j := rng.Intn(len(ids))
			if rng.Intn(3) > 0 {
				j = min(len(ids)-1, i/10)
			}
			if err := s.SetDone(ctx, u.ID, ids[j], true); err != nil && !isNotFound(err) {
				t.Fatal(err)
			}
		case op < 8:
			if err := s.SetDone(ctx, u.ID, ids[rng.Intn(len(ids))], false); err != nil && !isNotFound(err) {
				t.Fatal(err)
			}
		case op < 9:
			add(1)
		default:
			if err := s.DeleteArticle(ctx, ids[rng.Intn(len(ids))]); err != nil && !isNotFound(err) {
				t.Fatal(err)
			}
		}
		check("step " + itoa(i))
	}
}
