package models

import (
	"context"
	"strings"
	"testing"
)

// rawPlan is SQLite's plan for a statement on the read pool (where the
// tables are the visibility views).
func rawPlan(t *testing.T, s *Store, query string, args ...any) string {
	t.Helper()
	rows, err := s.rd(context.Background()).Raw("EXPLAIN QUERY PLAN "+query, args...).Rows()
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

// The stats' two passes read their indexes, not the rows (an article row
// holds its text, a span row its quote, note and attributes): SQLite
// names them "USING INDEX", not "COVERING", only because the visibility
// views mention import_id, which is never read while no import is hidden
// (see noHiddenImports). The span pass needs no sort: the index is in
// article order.
func TestStatsQueryPlansReadIndexesOnly(t *testing.T) {
	t.Parallel()
	s := newInternalStore(t)
	for _, byMonth := range []bool{false, true} {
		plan := rawPlan(t, s, s.statsArticleSQL(byMonth), 1)
		if !strings.Contains(plan, "USING INDEX idx_articles_stats (project_id=?)") || !strings.Contains(plan, "w USING INTEGER PRIMARY KEY") {
			t.Errorf("article pass:\n%s", plan)
		}
	}
	for _, c := range []struct {
		cols        string
		byAnnotator bool
		user, label int64
	}{
		{"article_id, label_id, 0", false, 0, 0},
		{"article_id, label_id, user_id", true, 0, 0},
		{"article_id, label_id, user_id", true, 7, 0},
		{"article_id, label_id, 0", false, 7, 3},
		{"article_id, label_id, 0", false, 0, 3},
	} {
		q, args := statsSpanSQL(c.cols, c.byAnnotator, 1, c.user, c.label)
		plan := rawPlan(t, s, q, args...)
		seek := "(project_id=? AND layer=?)"
		if c.label != 0 {
			seek = "(project_id=? AND layer=? AND label_id=?)"
		}
		if !strings.Contains(plan, "USING INDEX idx_annotations_stats "+seek) || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("span pass %+v:\n%s", c, plan)
		}
	}
}

// The span browser's outlet and date filters read the project's articles
// once through the stats index (a list of ids), not a scan of all
// articles or a lookup of each span's article row.
func TestSpanFilterPlan(t *testing.T) {
	t.Parallel()
	s := newInternalStore(t)
	p := &Project{Name: "Plans"}
	if err := s.CreateProject(context.Background(), p, nil); err != nil {
		t.Fatal(err)
	}
	q, _, err := s.listQuery(context.Background(), AnnotationFilter{ProjectID: p.ID, SpanFilter: SpanFilter{Ownership: OwnershipStateFunded}}, Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var rows []AnnotationView
	plan := planOf(t, s, q.Select(annotationViewCols), &rows)
	if !strings.Contains(plan, "idx_articles_stats") || strings.Contains(plan, "SCAN a\n") || strings.Contains(plan, "SCAN articles") {
		t.Errorf("ownership filter:\n%s", plan)
	}
}
