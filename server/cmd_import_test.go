package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"slant/models"
)

func TestCLIImportAndSources(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "imp.db")
	var out, errOut bytes.Buffer
	if err := run([]string{"user", "add", "boss", "--role", "admin", "--db", db}, strings.NewReader("long-password-1\n"), &out, &errOut); err != nil {
		t.Fatal(err)
	}
	store, err := models.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	p := &models.Project{Name: "CLI"}
	if err := store.CreateProject(context.Background(), p, nil); err != nil {
		t.Fatal(err)
	}
	store.Close()

	jsonl := filepath.Join(dir, "a.jsonl")
	os.WriteFile(jsonl, []byte(`{"external_id":"c1","text":"The glorious plan.","url":"https://www.sputnikglobe.com/x","spans":[{"label":"Loaded_Language","start":4,"end":12}]}`+"\n"), 0o644)
	ptcDir := filepath.Join(dir, "ptc")
	os.Mkdir(ptcDir, 0o755)
	os.WriteFile(filepath.Join(ptcDir, "article5.txt"), []byte("Title\r\n\r\nDoubtful claims.\r\n"), 0o644)
	os.WriteFile(filepath.Join(ptcDir, "article5.labels.tsv"), []byte("5\tDoubt\t9\t17\n"), 0o644)

	args := []string{"import", "--project", "1", "--db", db, jsonl, ptcDir}
	if err := run(append(args, "--dry-run"), nil, &out, &errOut); err == nil {
		// unknown labels without --create-labels are problems, not errors
		if !strings.Contains(out.String(), "dry run") || !strings.Contains(out.String(), "unknown label") {
			t.Fatalf("dry run output %q", out.String())
		}
	} else {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(append(args, "--create-labels"), nil, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "imported 2 article(s)") || !strings.Contains(out.String(), "2 span(s) created") || !strings.Contains(out.String(), "doubt, loaded_language") {
		t.Fatalf("output %q", out.String())
	}
	out.Reset()
	if err := run(append(args, "--create-labels", "--json"), nil, &out, &errOut); err != nil || !strings.Contains(out.String(), `"articles_skipped": 2`) {
		t.Fatalf("re-import %v %q", err, out.String())
	}
	// a fatal problem names file and line and stores nothing
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte("{\"text\":\"ok\"}\n{\"text\":"), 0o644)
	err = run([]string{"import", "--project", "1", "--db", db, bad}, nil, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "bad.jsonl:2") {
		t.Fatalf("bad file: %v", err)
	}
	if err := run([]string{"import", "--db", db, bad}, nil, &out, &errOut); err == nil {
		t.Fatal("import without --project succeeded")
	}

	// sources: the import linked the article to sputnikglobe.com; an admin list updates it
	csv := filepath.Join(dir, "outlets.csv")
	os.WriteFile(csv, []byte("domain,name,country,ownership,notes\r\nsputnikglobe.com,Sputnik,RU,state_controlled,\"EU sanctions 2022, by hand\"\r\nlocal-paper.example,Local Paper,NO,private,\r\n"), 0o644)
	out.Reset()
	if err := run([]string{"sources", "import", csv, "--db", db}, nil, &out, &errOut); err != nil || !strings.Contains(out.String(), "1 outlet(s) created, 1 updated") {
		t.Fatalf("sources import %v %q", err, out.String())
	}
	out.Reset()
	if err := run([]string{"sources", "list", "--ownership", "state_controlled", "--db", db}, nil, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "sputnikglobe.com\tSputnik\tRU\tstate_controlled\tEU sanctions 2022, by hand") || strings.Contains(out.String(), "local-paper") {
		t.Fatalf("list %q", out.String())
	}
}
