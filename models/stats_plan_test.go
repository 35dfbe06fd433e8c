package models_test

import (
	"encoding/json"
	"strings"
	"testing"

	"slant/models"
	"slant/models/modelstest"
)

// pgPlan is PostgreSQL's plan of a statement (? placeholders) as the
// node types and index names it uses, with sequential scans off: the
// tables of a test are tiny, where a scan is always cheapest, so this
// asks whether the index serves the statement, not whether the planner
// would prefer it at this size.
func pgPlan(t *testing.T, s *models.Store, query string, args ...any) string {
	t.Helper()
	tx, err := modelstest.RawDB(t, s).Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`SET LOCAL enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}
	var out string
	if err := tx.QueryRow(`EXPLAIN (FORMAT JSON) `+modelstest.Q(s, query), args...).Scan(&out); err != nil {
		t.Fatal(err)
	}
	var plan []struct{ Plan map[string]any }
	if err := json.Unmarshal([]byte(out), &plan); err != nil {
		t.Fatal(err)
	}
	var lines []string
	var walk func(n map[string]any)
	walk = func(n map[string]any) {
		line, _ := n["Node Type"].(string)
		if ix, ok := n["Index Name"].(string); ok {
			line += " " + ix
		}
		lines = append(lines, line)
		kids, _ := n["Plans"].([]any)
		for _, k := range kids {
			if m, ok := k.(map[string]any); ok {
				walk(m)
			}
		}
	}
	for _, p := range plan {
		walk(p.Plan)
	}
	return strings.Join(lines, "\n")
}

// The stats' two passes are served by indexes on PostgreSQL too: the
// span pass reads only idx_annotations_stats and groups in its order,
// without a sort; the article pass reads the project's range of an index
// (PostgreSQL's indexes do not carry the row id as SQLite's do, so none
// covers it; the planner picks among the project_id ones).
// (SQLite's plans: TestStatsQueryPlansReadIndexesOnly.)
func TestStatsQueryPlansUseTheirIndexesOnPostgres(t *testing.T) {
	t.Parallel()
	if !modelstest.Postgres() {
		t.Skip("PostgreSQL's plans; SQLite's are checked by TestStatsQueryPlansReadIndexesOnly")
	}
	s := modelstest.NewStore(t)
	for _, byMonth := range []bool{false, true} {
		if plan := pgPlan(t, s, models.StatsArticleSQLForTest(s, byMonth), 1); strings.Contains(plan, "Seq Scan") || !strings.Contains(plan, " idx_articles_") {
			t.Errorf("article pass (by month %v):\n%s", byMonth, plan)
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
		q, args := models.StatsSpanSQLForTest(c.cols, c.byAnnotator, 1, c.user, c.label)
		plan := pgPlan(t, s, q, args...)
		if !strings.Contains(plan, "Index Only Scan idx_annotations_stats") || strings.Contains(plan, "Sort") {
			t.Errorf("span pass %+v:\n%s", c, plan)
		}
	}
}
