package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"slant/models"
	"slant/models/modelstest"
	"slant/seeds"
)

// demoFile writes a SQLite database with the demo data.
func demoFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "demo.db")
	s, err := models.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if res, err := seeds.Load(context.Background(), s); err != nil || !res.Loaded {
		t.Fatalf("demo: %+v %v", res, err)
	}
	return path
}

// migrate-db refuses what it cannot do before it touches either database.
func TestMigrateDBRefusesWrongArguments(t *testing.T) {
	t.Parallel()
	src := demoFile(t)
	unreachable := "postgres://nobody:secret-pw@127.0.0.1:1/none"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--from", src}, "usage"},
		{[]string{"--from", src, "--to", filepath.Join(t.TempDir(), "other.db")}, "--to must be a postgres:// URL"},
		{[]string{"--from", unreachable, "--to", unreachable}, "--from is the SQLite file"},
		{[]string{"--from", filepath.Join(t.TempDir(), "missing.db"), "--to", unreachable}, "no such file"},
	} {
		err := run(append([]string{"migrate-db"}, tc.args...), strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("migrate-db %v: %v, want %q", tc.args, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "secret-pw") {
			t.Errorf("migrate-db %v shows the password: %v", tc.args, err)
		}
	}
}

// A SQLite file a server is using is not copied: it could change under
// the copy.
func TestMigrateDBRefusesAFileInUse(t *testing.T) {
	t.Parallel()
	src := demoFile(t)
	s := startServe(t, src)
	out, err := exec.Command(slantBinary(t), "migrate-db", "--from", src, "--to", "postgres://nobody@127.0.0.1:1/none").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "slant serve is using") {
		t.Fatalf("migrate-db next to a running server: %v\n%s", err, out)
	}
	stopAndCheck(t, s)
}

// The demo database moves into PostgreSQL and compares equal table by
// table; a second run into the same, now full, database is refused and
// leaves it as it was; a server then serves the copy.
func TestMigrateDBDemoIntoPostgres(t *testing.T) {
	if !modelstest.Postgres() {
		t.Skip("migrate-db copies into PostgreSQL: set " + modelstest.PostgresEnv + " to run this test")
	}
	t.Parallel()
	src := demoFile(t)
	dsn := modelstest.NewDSN(t)
	var out, errOut bytes.Buffer
	if err := run([]string{"migrate-db", "--from", src, "--to", dsn}, strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("migrate-db: %v\n%s%s", err, errOut.String(), out.String())
	}
	report := out.String()
	for _, want := range []string{"every table compared equal", "annotations ", "span_history ", "articles_search", "PostgreSQL's search index"} {
		if !strings.Contains(report, want) {
			t.Errorf("the report lacks %q:\n%s", want, report)
		}
	}
	if strings.Contains(report, "DIFFERENT") {
		t.Errorf("a table differs:\n%s", report)
	}
	out.Reset()
	err := run([]string{"migrate-db", "--from", src, "--to", dsn}, strings.NewReader(""), &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "not empty") || !strings.Contains(err.Error(), "annotations (") {
		t.Fatalf("a second migrate-db into the full database: %v", err)
	}

	// the copy serves: the demo project's counts over HTTP match the file's
	var want projectJSON
	lite, err := sql.Open("sqlite3", "file:"+src)
	if err != nil {
		t.Fatal(err)
	}
	err = lite.QueryRow(`SELECT article_count, annotation_count FROM projects WHERE id = 1`).Scan(&want.ArticleCount, &want.AnnotationCount)
	lite.Close()
	if err != nil || want.ArticleCount == 0 || want.AnnotationCount == 0 {
		t.Fatalf("the file's project 1: %+v %v", want, err)
	}
	s := startServe(t, dsn)
	token, err := exec.Command(slantBinary(t), "token", "create", "--user", "admin", "--db", dsn).Output()
	if err != nil {
		t.Fatal(err)
	}
	c := apiClient{url: s.url, auth: "Bearer " + strings.TrimSpace(string(token))}
	if got := c.project1(t); got.ArticleCount != want.ArticleCount || got.AnnotationCount != want.AnnotationCount {
		t.Fatalf("the copy serves project 1 with %d articles and %d spans, the file has %d and %d",
			got.ArticleCount, got.AnnotationCount, want.ArticleCount, want.AnnotationCount)
	}
	s.cmd.Process.Signal(os.Interrupt)
	s.cmd.Wait()
}

// slant backup on PostgreSQL writes a pg_dump archive that pg_restore
// reads.
func TestBackupOnPostgresRunsPgDump(t *testing.T) {
	if !modelstest.Postgres() {
		t.Skip("backup through pg_dump: set " + modelstest.PostgresEnv + " to run this test")
	}
	restore, err := exec.LookPath("pg_restore")
	if err != nil {
		t.Skip("pg_restore is not installed")
	}
	t.Parallel()
	dsn := modelstest.NewDSN(t)
	dump := filepath.Join(t.TempDir(), "slant.dump")
	out, err := exec.Command(slantBinary(t), "backup", dump, "--db", dsn).CombinedOutput()
	if err != nil {
		t.Fatalf("slant backup: %v\n%s", err, out)
	}
	list, err := exec.Command(restore, "--list", dump).CombinedOutput()
	if err != nil {
		t.Fatalf("pg_restore --list: %v\n%s", err, list)
	}
	for _, want := range []string{"TABLE public annotations", "TABLE DATA public users", "TRIGGER public annotations trg_history"} {
		if !strings.Contains(string(list), want) {
			t.Errorf("the dump lacks %q", want)
		}
	}
	// a second backup to the same file is refused, not overwritten
	if out, err := exec.Command(slantBinary(t), "backup", dump, "--db", dsn).CombinedOutput(); err == nil {
		t.Errorf("backup over an existing file: %s", out)
	}
}
