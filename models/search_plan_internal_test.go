package models

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gorm.io/gorm"
)

// searchTestStore opens a fresh store for this package's own tests: a
// SQLite file, or with SLANT_TEST_POSTGRES (modelstest's variable; that
// package imports this one, so it cannot be used here) a new PostgreSQL
// database, migrated from scratch and dropped at the end.
func searchTestStore(tb testing.TB) *Store {
	tb.Helper()
	server := os.Getenv("SLANT_TEST_POSTGRES")
	if server == "" {
		s, err := Open(filepath.Join(tb.TempDir(), "s.db"))
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { s.Close() })
		return s
	}
	admin, err := sql.Open("pgx", server)
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	name := "slant_t_search_" + hex.EncodeToString(b)
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		tb.Fatal(err)
	}
	u, err := url.Parse(server)
	if err != nil {
		tb.Fatal(err)
	}
	u.Path = "/" + name
	s, err := Open(u.String())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		s.Close()
		if a, err := sql.Open("pgx", server); err == nil {
			a.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
			a.Close()
		}
	})
	return s
}

// On PostgreSQL a search for a word that few articles have reads the GIN
// index of the tsvectors: over 1,500 articles of 5 KB (SLANT_SEARCH_PLAN_N
// for another count; it prints the plans with their times), the plan of
// a rare word's page is a bitmap scan of idx_articles_search. The index's
// pending list is merged first (VACUUM; autovacuum does it after inserts):
// while it is long, the planner reckons the index dear and reads the
// whole table, whose tsvectors it does not know to be large (TOAST).
// SQLite's FTS5 is a virtual table without a plan to choose.
func TestSearchPlanUsesIndex(t *testing.T) {
	if os.Getenv("SLANT_TEST_POSTGRES") == "" {
		t.Skip("a PostgreSQL query plan; FTS5 on SQLite is a virtual table without one")
	}
	t.Parallel()
	ctx := context.Background()
	s := searchTestStore(t)
	n := 1500
	if v, err := strconv.Atoi(os.Getenv("SLANT_SEARCH_PLAN_N")); err == nil && v > 0 {
		n = v
	}
	u, err := s.CreateUser(ctx, "ana", RoleAdmin, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	p := &Project{Name: "P"}
	if err := s.CreateProject(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	// news-like texts of about 5 KB: words drawn with a long tail, so a
	// few are in every article and most in a few; "xylophonist" in 5
	rng := mrand.New(mrand.NewPCG(1, 2))
	vocab := make([]string, 5000)
	syl := []string{"ka", "lo", "mi", "ter", "san", "bre", "dun", "vel", "or", "is", "tha", "pre", "gon", "ul", "ex"}
	for i := range vocab {
		var w strings.Builder
		for k := 0; k < 2+i%3; k++ {
			w.WriteString(syl[rng.IntN(len(syl))])
		}
		vocab[i] = w.String()
	}
	vocab[0], vocab[1], vocab[2] = "the", "officials", "said"
	var batch []ArticleIn
	for i := range n {
		var b strings.Builder
		for b.Len() < 5000 {
			k := int(float64(len(vocab)) * rng.Float64() * rng.Float64() * rng.Float64())
			b.WriteString(vocab[k])
			b.WriteByte(' ')
		}
		if i%(n/5) == 7 {
			b.WriteString("xylophonist ")
		}
		batch = append(batch, ArticleIn{Title: fmt.Sprint("Article ", i), Text: b.String()})
		if len(batch) == 500 || i == n-1 {
			if _, err := s.CreateArticles(ctx, p.ID, batch); err != nil {
				t.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	db, err := s.w.DB()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `VACUUM ANALYZE`); err != nil {
		t.Fatal(err)
	}
	verbose := os.Getenv("SLANT_SEARCH_PLAN_N") != ""
	for _, q := range []string{"xylophonist", `"officials said"`, "the", "title:article"} {
		sq, err := ParseSearch(q, ArticleSearchFields)
		if err != nil {
			t.Fatal(err)
		}
		gq, err := s.pgSearchQuery(ctx, ArticleFilter{ProjectID: p.ID, UserID: u.ID}, sq, nil, 51)
		if err != nil {
			t.Fatal(err)
		}
		stmt := gq.Session(&gorm.Session{DryRun: true}).Find(&[]searchHit{}).Statement
		explain := "EXPLAIN (FORMAT JSON) "
		if verbose {
			explain = "EXPLAIN (ANALYZE, BUFFERS) "
		}
		rows, err := db.QueryContext(ctx, explain+stmt.SQL.String(), stmt.Vars...)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		var plan strings.Builder
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan.WriteString(line + "\n")
		}
		rows.Close()
		if verbose {
			t.Logf("%s:\n%s", q, plan.String())
		} else if q == "xylophonist" && !strings.Contains(plan.String(), `"Index Name": "idx_articles_search"`) {
			t.Errorf("the search for a rare word does not read idx_articles_search:\n%s", plan.String())
		}
	}
	rows, _, err := s.ListArticles(ctx, ArticleFilter{ProjectID: p.ID, UserID: u.ID, Q: "xylophonist"}, Page{})
	if err != nil || len(rows) != 5 {
		t.Errorf("xylophonist: %d articles, %v", len(rows), err)
	}
}
