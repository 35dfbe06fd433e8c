package models_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"slant/models"
	"slant/models/modelstest"
	"slant/seeds"
)

// demoSQLite is a SQLite store with the demo data, a session and a token.
func demoSQLite(t *testing.T) *models.Store {
	t.Helper()
	ctx := context.Background()
	src, err := models.Open(filepath.Join(t.TempDir(), "demo.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	res, err := seeds.Load(ctx, src)
	if err != nil || !res.Loaded {
		t.Fatalf("demo: %+v %v", res, err)
	}
	admin, err := src.UserByName(ctx, res.AdminName)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := src.CreateSession(ctx, admin.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := src.CreateToken(ctx, admin.ID, "notebook"); err != nil {
		t.Fatal(err)
	}
	return src
}

// The demo database moves into an empty PostgreSQL database: every table
// compares equal, the search index is built, new rows get fresh ids; a
// second copy into the now full database is refused and changes nothing;
// and the comparison does notice a row that differs.
func TestCopyDatabaseDemoIntoPostgres(t *testing.T) {
	if !modelstest.Postgres() {
		t.Skip("copying into PostgreSQL needs a server: set " + modelstest.PostgresEnv)
	}
	t.Parallel()
	ctx := context.Background()
	src := demoSQLite(t)
	dst := modelstest.NewStore(t)

	copied, err := models.CopyDatabase(ctx, src, dst)
	if err != nil {
		t.Fatalf("copy: %v", err)
	}
	rows := map[string]int64{}
	for _, c := range copied {
		if c.Note == "" {
			rows[c.Table] = c.SourceRows
		}
	}
	for _, tab := range []string{"projects", "users", "articles", "annotations", "labels", "relations", "span_history", "sessions", "tokens", "project_members"} {
		if rows[tab] == 0 {
			t.Errorf("copied no rows of %s (%v)", tab, rows)
		}
	}
	report, err := models.CompareDatabases(ctx, src, dst)
	if err != nil {
		t.Fatal(err)
	}
	compared := 0
	for _, c := range report {
		if !c.Equal() {
			t.Errorf("%s differs: %d rows %s vs %d rows %s", c.Table, c.SourceRows, c.SourceHash, c.TargetRows, c.TargetHash)
		}
		if c.Note == "" {
			compared++
			if c.SourceRows != rows[c.Table] {
				t.Errorf("%s: copied %d rows, compared %d", c.Table, rows[c.Table], c.SourceRows)
			}
		}
	}
	if compared < 20 {
		t.Errorf("compared only %d tables", compared)
	}

	// the search tables were built from the copied rows
	raw := modelstest.RawDB(t, dst)
	var arts, indexed, spans, spansIndexed int
	if err := raw.QueryRow(`SELECT (SELECT COUNT(*) FROM articles), (SELECT COUNT(*) FROM articles_search),
		(SELECT COUNT(*) FROM annotations WHERE layer <> 'suggestion'), (SELECT COUNT(*) FROM annotations_search)`).Scan(&arts, &indexed, &spans, &spansIndexed); err != nil {
		t.Fatal(err)
	}
	if arts == 0 || indexed != arts || spansIndexed != spans {
		t.Errorf("search index: %d of %d articles, %d of %d spans", indexed, arts, spansIndexed, spans)
	}

	// new rows continue after the copied ids
	var maxID, artID int64
	if err := raw.QueryRow(`SELECT MAX(id), MIN(article_id) FROM annotations`).Scan(&maxID, &artID); err != nil {
		t.Fatal(err)
	}
	var label string
	if err := raw.QueryRow(`SELECT l.key FROM labels l JOIN articles a ON a.project_id = l.project_id WHERE a.id = $1 ORDER BY l.id LIMIT 1`, artID).Scan(&label); err != nil {
		t.Fatal(err)
	}
	admin, err := dst.UserByName(ctx, "admin")
	if err != nil {
		t.Fatal(err)
	}
	a, err := dst.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: artID, UserID: admin.ID, Label: label, Start: 0, End: 3})
	if err != nil {
		t.Fatalf("a span after the copy: %v", err)
	}
	if a.ID <= maxID {
		t.Errorf("a new span got id %d, not after the copied %d", a.ID, maxID)
	}
	// a second copy is refused and writes nothing
	before, err := models.CompareDatabases(ctx, src, dst)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.CopyDatabase(ctx, src, dst); !errors.Is(err, models.ErrConflict) {
		t.Fatalf("copy into a database with data: %v, want a conflict", err)
	}
	after, err := models.CompareDatabases(ctx, src, dst)
	if err != nil {
		t.Fatal(err)
	}
	for i := range after {
		if after[i] != before[i] {
			t.Errorf("the refused copy changed %s: %+v -> %+v", after[i].Table, before[i], after[i])
		}
	}

	// the comparison sees one changed character
	if _, err := raw.Exec(`UPDATE articles SET title = title || '.' WHERE id = (SELECT MIN(id) FROM articles)`); err != nil {
		t.Fatal(err)
	}
	changed, err := models.CompareDatabases(ctx, src, dst)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range changed {
		if same := c == after[i]; same != (c.Table != "articles") || c.Table == "articles" && c.Equal() {
			t.Errorf("after changing an article title, %s: %+v (was %+v)", c.Table, c, after[i])
		}
	}
}

// A SQLite target, or a PostgreSQL source, is refused before anything is
// read.
func TestCopyDatabaseWantsSQLiteIntoPostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := modelstest.NewStore(t), modelstest.NewStore(t)
	if _, err := models.CopyDatabase(ctx, a, b); err == nil {
		t.Fatal("copied between two stores of one kind")
	}
}
