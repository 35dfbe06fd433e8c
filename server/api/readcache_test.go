package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"slant/models"
)

// The cached article and span list are never older than the database:
// writes through the API, through a second store on the same file (as
// `slant import` or a second server would write), label renames and a
// published import all show on the next read; an unchanged list answers
// 304 to its ETag.
func TestCachedReadsFollowEveryWriter(t *testing.T) {
	t.Parallel()
	e := newEnv(t, scenarioText)
	ctx := context.Background()
	spans := fmt.Sprintf("/api/v1/articles/%d/annotations", e.article.ID)
	art := fmt.Sprintf("/api/v1/articles/%d", e.article.ID)
	count := func(step string) (int, string) {
		t.Helper()
		r := e.do("GET", spans, "ann", "")
		if r.Status != 200 {
			t.Fatalf("%s: %d %s", step, r.Status, r.Body)
		}
		var page struct{ Items []map[string]any }
		if err := json.Unmarshal(r.Body, &page); err != nil {
			t.Fatal(err)
		}
		return len(page.Items), r.Header.Get("ETag")
	}
	n0, tag0 := count("first read")
	if n0 != 1 || tag0 == "" {
		t.Fatalf("first read: %d spans, ETag %q", n0, tag0)
	}
	if r := e.do("GET", spans, "ann", "", "If-None-Match", tag0); r.Status != http.StatusNotModified || len(r.Body) != 0 {
		t.Fatalf("unchanged list with its ETag: %d %q", r.Status, r.Body)
	}
	// the same list for another reader: same bytes, same tag
	if r := e.do("GET", spans, "other", "", "If-None-Match", tag0); r.Status != http.StatusNotModified {
		t.Fatalf("another reader with the tag: %d", r.Status)
	}

	// 1. a write through the API
	if r := e.do("POST", spans, "ann", `{"label":"opinion","start":3,"end":7}`); r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	n1, tag1 := count("after a create")
	if n1 != 2 || tag1 == tag0 {
		t.Fatalf("after a create: %d spans, tag %s (was %s)", n1, tag1, tag0)
	}
	if r := e.do("GET", spans, "ann", "", "If-None-Match", tag0); r.Status != 200 {
		t.Fatalf("old ETag after a write: %d", r.Status)
	}

	// 2. a write by another process: a second store on the same file
	other, err := models.Open(e.store.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: e.article.ID, UserID: e.users["other"].ID, Label: "opinion", Start: 0, End: 2}); err != nil {
		t.Fatal(err)
	}
	if n, _ := count("after another process wrote"); n != 3 {
		t.Fatalf("after another process created a span the list has %d, want 3", n)
	}
	var list struct{ Items []struct{ ID int64 } }
	json.Unmarshal(e.do("GET", spans, "ann", "").Body, &list)
	if err := other.DeleteAnnotation(ctx, list.Items[len(list.Items)-1].ID); err != nil {
		t.Fatal(err)
	}
	if n, _ := count("after another process deleted"); n != 2 {
		t.Fatalf("after another process deleted a span the list has %d, want 2", n)
	}
	note := "changed elsewhere"
	if _, err := other.UpdateAnnotation(ctx, list.Items[0].ID, models.AnnotationPatch{Note: &note}); err != nil {
		t.Fatal(err)
	}
	if r := e.do("GET", spans, "ann", ""); !strings.Contains(string(r.Body), note) {
		t.Fatalf("an edit by another process is missing: %s", r.Body)
	}

	// 3. a label renamed: every list shows the new key
	labels, _ := e.store.ListLabels(ctx, e.project.ID)
	var opinion int64
	for _, l := range labels {
		if l.Key == "opinion" {
			opinion = l.ID
		}
	}
	if r := e.do("PATCH", fmt.Sprintf("/api/v1/labels/%d", opinion), "admin", `{"key":"opinion_as_fact"}`); r.Status != 200 {
		t.Fatalf("rename label: %d %s", r.Status, r.Body)
	}
	if r := e.do("GET", spans, "ann", ""); strings.Contains(string(r.Body), `"label":"opinion"`) || !strings.Contains(string(r.Body), `"label":"opinion_as_fact"`) {
		t.Fatalf("the list still shows the old label key: %s", r.Body)
	}

	// 4. an import onto the existing article (same external id and text)
	// counts only once published, and then shows at once
	line, _ := json.Marshal(map[string]any{"external_id": "ext-1", "title": "Article", "text": scenarioText,
		"spans": []map[string]any{{"label": "attributed_claim", "start": 1, "end": 6}}})
	if r := e.do("POST", fmt.Sprintf("/api/v1/projects/%d/import?format=jsonl", e.project.ID), "ann", string(line), "Content-Type", "application/x-ndjson"); r.Status >= 300 {
		t.Fatalf("import: %d %s", r.Status, r.Body)
	}
	if n, _ := count("after an import"); n != 3 {
		t.Fatalf("after the import the list has %d spans, want 3", n)
	}

	// the article view: cached, but an edit (here by another process) shows
	r := e.do("GET", art, "ann", "")
	atag := r.Header.Get("ETag")
	if r.Status != 200 || atag == "" {
		t.Fatalf("article: %d tag %q", r.Status, atag)
	}
	if r := e.do("GET", art, "ann", "", "If-None-Match", atag); r.Status != http.StatusNotModified {
		t.Fatalf("article with its tag: %d", r.Status)
	}
	title := "Retitled elsewhere"
	if _, err := other.UpdateArticle(ctx, e.article.ID, models.ArticlePatch{Title: &title}); err != nil {
		t.Fatal(err)
	}
	if r := e.do("GET", art, "ann", "", "If-None-Match", atag); r.Status != 200 || !strings.Contains(string(r.Body), title) {
		t.Fatalf("article after an edit by another process: %d %s", r.Status, clipBody(r.Body))
	}
	// the done mark is the caller's own
	if r := e.do("POST", art+"/done", "ann", ""); r.Status >= 300 {
		t.Fatalf("mark done: %d", r.Status)
	}
	if r := e.do("GET", art, "ann", ""); !strings.Contains(string(r.Body), `"done":true`) {
		t.Fatalf("done mark missing for ann: %s", clipBody(r.Body))
	}
	if r := e.do("GET", art, "other", ""); !strings.Contains(string(r.Body), `"done":false`) {
		t.Fatalf("ann's done mark leaks to other: %s", clipBody(r.Body))
	}
}
