package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"slant/models"
)

// TestPostgresSmokeRunsFiguresOneToFive runs figures 1–5, tiny, on the
// PostgreSQL server SLANT_TEST_POSTGRES names, with this test binary
// standing in for `slant serve` and the baseline server (see TestMain).
// It checks that every figure was measured and that the databases the
// run made are gone afterwards.
func TestPostgresSmokeRunsFiguresOneToFive(t *testing.T) {
	server := os.Getenv("SLANT_TEST_POSTGRES")
	if server == "" {
		t.Skip("SLANT_TEST_POSTGRES is not set: no PostgreSQL server to run the PostgreSQL figures on")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(smokeServeEnv, "1")
	models.BcryptCost = 4
	cfg := Config{Duration: 100 * time.Millisecond, Levels: []int{1, 4}, ReadSpans: 20, BulkSpans: 100, BulkReqs: 2,
		ExportSpans: 100, ExportArts: 2, ImportArts: 20}
	res, err := RunPostgres(cfg, self, server)
	if err != nil {
		t.Fatal(err)
	}
	md := PostgresMarkdown(res)
	if !strings.HasPrefix(md, "## PostgreSQL: ") {
		t.Errorf("table not headed as PostgreSQL's:\n%s", md)
	}
	checkFigures(t, md, "1. create span, 1 client", "1. create span, 4 client", "2. read article + 20 spans",
		"3. bulk pre-annotations (2 × 100 spans)", "4. export 100 spans as csv", "4. export 100 spans as jsonl", "5. import 20 JSONL articles")
	for _, row := range res.Rows {
		if strings.HasPrefix(row.Figure, "1.") && strings.Contains(row.Note, "errors") {
			t.Errorf("%s: %s", row.Figure, row.Note)
		}
		if strings.HasPrefix(row.Figure, "3.") && !strings.Contains(row.Note, "COPY wrote") {
			t.Errorf("%s: %s", row.Figure, row.Note)
		}
		if strings.HasPrefix(row.Figure, "5.") && !row.Pass {
			t.Errorf("%s: not every article imported by both: %+v", row.Figure, row)
		}
	}
	pg, err := newPGServer(server)
	if err != nil {
		t.Fatal(err)
	}
	if left := pgBenchDatabases(t, pg); len(left) > 0 {
		t.Errorf("databases left after the run: %v", left)
	}
}

// pgBenchDatabases lists this process's bench databases on the server.
func pgBenchDatabases(t *testing.T, pg *pgServer) []string {
	t.Helper()
	var names []string
	err := pg.admin(func(c *pgx.Conn) error {
		rows, err := c.Query(context.Background(), `SELECT datname FROM pg_database WHERE starts_with(datname, $1)`, pg.prefix)
		if err != nil {
			return err
		}
		names, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}
