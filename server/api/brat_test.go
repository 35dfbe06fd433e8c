package api

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"slant/server/ingest"
)

// brat over HTTP: a multi-file upload with NAME_ANNOTATOR.ann (browsers
// send no folders) becomes that member's spans and relations when a
// manager imports it, a reported problem when an annotator does; the
// export gives the same .ann back under the annotator's folder.
func TestBratImportAndExportOverHTTP(t *testing.T) {
	t.Parallel()
	e := newImportEnv(t, ingest.Limits{})
	text := "„Alles gut“, sagt 👩‍🔬 Ben.\r\nMehr nicht.\r\n"
	ann := "T1\tattributed_claim 1 10\tAlles gut\n" +
		"T2\tsource 18 25\t👩‍🔬 Ben\n" +
		"R1\tsaid_by Arg1:T1 Arg2:T2\n" +
		"A1\tnegated T1\n" +
		"#1\tAnnotatorNotes T2\tder Laborant\n"
	body, ct := multipartBody(t, [2]string{"doc1.txt", text}, [2]string{"doc1_ann.ann", ann})

	// an annotator may not import spans as the admin
	other, otherCT := multipartBody(t, [2]string{"doc1.txt", text}, [2]string{"doc1_admin.ann", ann})
	var rep struct {
		report
		RelationsCreated int `json:"relations_created"`
	}
	r := e.do("POST", e.importPath("format=brat&dry_run=true"), "ann", other, "Content-Type", otherCT)
	if err := json.Unmarshal(r.Body, &rep); err != nil || r.Status != 200 || rep.SpansCreated != 0 || len(rep.Problems) == 0 ||
		!strings.Contains(rep.Problems[0].Message, "only the project's managers") {
		t.Fatalf("annotator importing the admin's spans: %d %s", r.Status, r.Body)
	}

	r = e.do("POST", e.importPath("format=brat"), "admin", body, "Content-Type", ct)
	if err := json.Unmarshal(r.Body, &rep); err != nil || r.Status != 200 || rep.SpansCreated != 2 || rep.RelationsCreated != 1 || len(rep.Problems) != 0 {
		t.Fatalf("import: %d %s", r.Status, r.Body)
	}
	a, err := e.store.ArticleByExternalID(context.Background(), e.project.ID, "doc1")
	if err != nil {
		t.Fatal(err)
	}
	r = e.do("GET", fmt.Sprintf("/api/v1/articles/%d/relations", a.ID), "ann", "")
	if r.Status != 200 || !strings.Contains(string(r.Body), `"type":"said_by"`) || !strings.Contains(string(r.Body), `"annotator":"ann"`) {
		t.Fatalf("relations: %d %s", r.Status, r.Body)
	}

	r = e.do("GET", fmt.Sprintf("/api/v1/projects/%d/export?format=brat", e.project.ID), "admin", "")
	if r.Status != 200 || r.Header.Get("Content-Type") != "application/zip" || !strings.Contains(r.Header.Get("Content-Disposition"), ".brat.zip") {
		t.Fatalf("export: %d %v", r.Status, r.Header)
	}
	zr, err := zip.NewReader(bytes.NewReader(r.Body), int64(len(r.Body)))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		got[f.Name] = string(b)
	}
	want := "T1\tattributed_claim 1 10\tAlles gut\nA1\tnegated T1\nT2\tsource 18 25\t👩‍🔬 Ben\n#1\tAnnotatorNotes T2\tder Laborant\nR1\tsaid_by Arg1:T1 Arg2:T2\n"
	if len(got) != 2 || got["doc1.txt"] != text || got["ann/doc1.ann"] != want {
		t.Fatalf("export entries %q", got)
	}
	if r := e.do("GET", fmt.Sprintf("/api/v1/projects/%d/export?format=brat", e.project.ID), "admin", "", "If-None-Match", r.Header.Get("ETag")); r.Status != http.StatusNotModified {
		t.Fatalf("ETag: %d", r.Status)
	}
}
