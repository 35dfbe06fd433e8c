package models

// Test hooks for the external tests (package models_test): the stats'
// two passes, for the PostgreSQL plan check in stats_plan_test.go.

func StatsArticleSQLForTest(s *Store, byMonth bool) string { return s.statsArticleSQL(byMonth) }

func StatsSpanSQLForTest(cols string, byAnnotator bool, projectID, userID, labelID int64) (string, []any) {
	return statsSpanSQL(cols, byAnnotator, projectID, userID, labelID)
}
