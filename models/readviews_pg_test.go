package models_test

import (
	"testing"

	"slant/models"
	"slant/models/modelstest"
)

// Every slant process that opens the database (each serve, and every CLI
// command) must not replace the read views when nothing changed: a
// replacement waits for every reader and makes new readers on every
// server wait behind it. When a table gains a column, the views follow.
func TestOpeningAgainLeavesTheReadViewsAlone(t *testing.T) {
	t.Parallel()
	if !modelstest.Postgres() {
		t.Skip("PostgreSQL only: SQLite's views are per connection (readviews.go)")
	}
	dsn := modelstest.NewDSN(t)
	s, err := models.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	raw := modelstest.RawDB(t, s)
	// a long reader of the view, as an export is
	tx, err := raw.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`SELECT COUNT(*) FROM slant_visible.articles`); err != nil {
		t.Fatal(err)
	}
	again, err := models.Open(dsn)
	if err != nil {
		t.Fatalf("a second process opening the database while a reader is busy: %v", err)
	}
	again.Close()
	tx.Rollback()

	if _, err := raw.Exec(`ALTER TABLE articles ADD COLUMN later_column TEXT`); err != nil {
		t.Fatal(err)
	}
	third, err := models.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	third.Close()
	var n int
	if err := raw.QueryRow(`SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = 'slant_visible'
		AND table_name = 'articles' AND column_name = 'later_column'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("the view of articles after a new column: %d %v", n, err)
	}
}
