package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"slant/models"
	"slant/seeds"
	"slant/server/export"
)

func TestCLIUserTokenExportBackup(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "cli.db")
	var out, errOut bytes.Buffer

	// user add: password from stdin, never from an argument.
	err := run([]string{"user", "add", "ada", "--role", "admin", "--db", db}, strings.NewReader("s3cret-password\n"), &out, &errOut)
	if err != nil || !strings.Contains(out.String(), `created admin "ada"`) {
		t.Fatalf("user add: %v %q %q", err, out.String(), errOut.String())
	}
	if err := run([]string{"user", "add", "bob", "--db", db}, strings.NewReader(""), &out, &errOut); err == nil {
		t.Fatal("user add without a password succeeded")
	}
	if err := run([]string{"user", "add", "cy", "--role", "king", "--db", db}, strings.NewReader("long-enough-pw\n"), &out, &errOut); err == nil {
		t.Fatal("bad role accepted")
	}

	// token create prints the token and nothing else.
	out.Reset()
	if err := run([]string{"token", "create", "--user", "ada", "--name", "nb", "--db", db}, nil, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	secret := strings.TrimSpace(out.String())
	if !strings.HasPrefix(secret, "slant_") || strings.Count(out.String(), "\n") != 1 {
		t.Fatalf("token output %q", out.String())
	}
	store, err := models.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	if u, _, err := store.UserByToken(context.Background(), secret); err != nil || u.Name != "ada" {
		t.Fatalf("printed token does not authenticate: %v", err)
	}
	if _, err := store.Authenticate(context.Background(), "ada", "s3cret-password"); err != nil {
		t.Fatalf("stdin password not set: %v", err)
	}
	store.Close()

	// export: the demo loads only into an empty database, so use a second one.
	demoDB := filepath.Join(dir, "demo.db")
	demo, _ := models.Open(demoDB)
	res, err := seeds.Load(context.Background(), demo)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := demo.CountAnnotations(context.Background(), models.AnnotationFilter{ProjectID: res.ProjectID})
	demo.Close()
	csvPath := filepath.Join(dir, "out.csv")
	if err := run([]string{"export", "--project", "1", "--raw", "-o", csvPath, "--db", demoDB}, nil, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(csvPath)
	recs, err := export.ReadCSV(f)
	f.Close()
	if err != nil || int64(len(recs)-1) != n {
		t.Fatalf("export: %d records for %d annotations (%v)", len(recs)-1, n, err)
	}
	out.Reset()
	if err := run([]string{"export", "--project", "1", "--label", "opinion", "--db", demoDB}, nil, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	recs, _ = export.ReadCSV(&out)
	for _, r := range recs[1:] {
		if r[11] != "opinion" {
			t.Fatalf("label filter leaked %q", r[11])
		}
	}
	if err := run([]string{"export", "--db", demoDB}, nil, &out, &errOut); err == nil {
		t.Fatal("export without --project succeeded")
	}

	// backup: a consistent copy that opens with the same data.
	bak := filepath.Join(dir, "backup.db")
	if err := run([]string{"backup", bak, "--db", demoDB}, nil, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	copyStore, err := models.Open(bak)
	if err != nil {
		t.Fatal(err)
	}
	defer copyStore.Close()
	m, _ := copyStore.CountAnnotations(context.Background(), models.AnnotationFilter{ProjectID: res.ProjectID})
	if m != n {
		t.Fatalf("backup has %d annotations, want %d", m, n)
	}
	if ok, _ := copyStore.IntegrityCheck(context.Background()); ok != "ok" {
		t.Fatalf("integrity_check = %q", ok)
	}
	if err := run([]string{"backup", bak, "--db", demoDB}, nil, &out, &errOut); err == nil {
		t.Fatal("backup overwrote an existing file")
	}
	if err := run([]string{"nonsense"}, nil, &out, &errOut); err == nil {
		t.Fatal("unknown command accepted")
	}
}

// slant export --bom writes the byte-order mark Excel needs; --format xlsx
// writes a workbook; --bom with another format is refused.
func TestCLIExportBOMAndWorkbook(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "demo.db")
	demo, err := models.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seeds.Load(context.Background(), demo); err != nil {
		t.Fatal(err)
	}
	demo.Close()
	var out, errOut bytes.Buffer
	if err := run([]string{"export", "--project", "1", "--bom", "--db", db}, nil, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(out.Bytes(), []byte("\xEF\xBB\xBFannotation_id,")) {
		t.Fatalf("csv with --bom starts %q", out.Bytes()[:min(out.Len(), 20)])
	}
	xlsx := filepath.Join(dir, "out.xlsx")
	if err := run([]string{"export", "--project", "1", "--format", "xlsx", "-o", xlsx, "--db", db}, nil, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(xlsx); !bytes.HasPrefix(b, []byte("PK\x03\x04")) || len(b) < 2000 {
		t.Fatalf("xlsx export is not a workbook (%d bytes)", len(b))
	}
	if err := run([]string{"export", "--project", "1", "--format", "jsonl", "--bom", "--db", db}, nil, &out, &errOut); err == nil {
		t.Fatal("--bom with jsonl accepted")
	}
}

// slant member manages who is in a project, as managers do in the API.
func TestCLIMember(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "m.db")
	s, err := models.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := s.CreateUser(ctx, "ana", models.RoleAnnotator, "long-enough-pw"); err != nil {
		t.Fatal(err)
	}
	p := &models.Project{Name: "Team"}
	if err := s.CreateProject(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	s.Close()
	var out, errOut bytes.Buffer
	if err := run([]string{"member", "add", "--project", "1", "ana", "curator", "--db", db}, nil, &out, &errOut); err != nil || !strings.Contains(out.String(), `added "ana" as curator`) {
		t.Fatalf("member add: %v %q", err, out.String())
	}
	out.Reset()
	if err := run([]string{"member", "list", "--project", "1", "--db", db}, nil, &out, &errOut); err != nil || !strings.Contains(out.String(), "ana") || !strings.Contains(out.String(), "curator") {
		t.Fatalf("member list: %v %q", err, out.String())
	}
	if err := run([]string{"member", "add", "--project", "1", "ana", "boss", "--db", db}, nil, &out, &errOut); err == nil {
		t.Fatal("a bad role was accepted")
	}
	if err := run([]string{"member", "remove", "--project", "1", "ana", "--db", db}, nil, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	s, _ = models.Open(db)
	defer s.Close()
	if ms, _ := s.ListMembers(ctx, 1); len(ms) != 0 {
		t.Fatalf("members after remove: %+v", ms)
	}
}

// slant member add, in a project that assigns articles, gives the new
// member their slots at once, as the API does.
func TestCLIMemberAddAssigns(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "a.db")
	s, err := models.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, n := range []string{"ana", "ben"} {
		if _, err := s.CreateUser(ctx, n, models.RoleAnnotator, "long-enough-pw"); err != nil {
			t.Fatal(err)
		}
	}
	p := &models.Project{Name: "Assigned", AnnotatorsPerArticle: 2}
	if err := s.CreateProject(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateArticles(ctx, p.ID, []models.ArticleIn{{Title: "a", Text: "One."}, {Title: "b", Text: "Two."}}); err != nil {
		t.Fatal(err)
	}
	ana, _ := s.UserByName(ctx, "ana")
	if _, _, err := s.SetMember(ctx, p.ID, ana.ID, models.MemberAnnotator); err != nil {
		t.Fatal(err)
	}
	if n, err := s.AutoAssign(ctx, p.ID); err != nil || n != 2 {
		t.Fatalf("first run: %d %v", n, err)
	}
	s.Close()
	var out, errOut bytes.Buffer
	if err := run([]string{"member", "add", "--project", fmt.Sprint(p.ID), "ben", "--db", db}, nil, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "assigned 2 article slot(s)") {
		t.Fatalf("member add: %q", out.String())
	}
}
