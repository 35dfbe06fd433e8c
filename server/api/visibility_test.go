package api

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"slant/models"
	"slant/models/modelstest"
	"slant/server/ingest"
)

// hiddenIDs reads, straight from the file, the ids of rows written by
// imports that are not published.
func hiddenIDs(t *testing.T, db *sql.DB, table string) []int64 {
	t.Helper()
	rows, err := db.Query(`SELECT id FROM ` + table + ` WHERE import_id IN (SELECT id FROM imports WHERE state <> 'done')`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		ids = append(ids, id)
	}
	return ids
}

// Every GET route of the API is called while an import has committed
// rows but is not published: a new outlet, a new label, new articles with
// spans, and spans on an existing article. None of them may show through
// any route — lists, gets by id, counts, exports in every text format —
// and each of them shows once the import is published (so the check can
// fail). Routes are taken from the router, so a new GET route is checked
// without anyone remembering to add it here.
func TestUnpublishedImportIsInvisibleThroughEveryReadRoute(t *testing.T) {
	t.Parallel()
	e := newEnv(t, scenarioText)
	ctx := context.Background()
	const marker = "Zqhidden"
	items := []*ingest.Item{
		{Article: &models.ArticleIn{Title: marker + " title one", Text: marker + " body one, officials said.", URL: "https://news." + strings.ToLower(marker) + "-outlet.example/a/1"},
			Spans: []ingest.Span{{Label: marker + " label", Start: 0, End: 8, Note: marker + " note"}}},
		{Article: &models.ArticleIn{Title: marker + " title two", Text: marker + " body two."},
			Spans: []ingest.Span{{Label: "opinion", Start: 0, End: 8}}},
		// spans onto the existing, visible article (same external id, same text)
		{Article: &models.ArticleIn{ExternalID: ptr("ext-1"), Title: "Article", Text: scenarioText},
			Spans: []ingest.Span{{Label: "attributed_claim", Start: 3, End: 9, Note: marker + " on a visible article"}}},
	}
	release := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := ingest.Run(ctx, e.store, ingest.Options{ProjectID: e.project.ID, UserID: e.users["admin"].ID, CreateLabels: true},
			func(yield func(*ingest.Item) error) error {
				for _, it := range items {
					if err := yield(it); err != nil {
						return err
					}
				}
				<-release // the parser stalls: the chunk commits, unpublished
				return nil
			})
		done <- err
	}()
	raw := modelstest.RawDB(t, e.store)
	deadline := time.Now().Add(30 * time.Second)
	for len(hiddenIDs(t, raw, "annotations")) < 3 {
		if time.Now().After(deadline) {
			close(release)
			t.Fatal("the import never committed its rows")
		}
		time.Sleep(5 * time.Millisecond)
	}
	hidden := map[string][]int64{}
	for _, tb := range []string{"articles", "annotations", "labels", "sources"} {
		hidden[tb] = hiddenIDs(t, raw, tb)
		if len(hidden[tb]) == 0 {
			t.Fatalf("the import left no hidden %s", tb)
		}
	}

	// every GET route, with the ids of visible and of hidden rows
	h := &Handler{}
	type call struct{ path, hiddenRow string }
	var calls []call
	idsFor := func(prefix string) (visible []string, hid []int64, table string) {
		switch prefix {
		case "projects":
			return []string{fmt.Sprint(e.project.ID)}, nil, ""
		case "articles":
			return []string{fmt.Sprint(e.article.ID)}, hidden["articles"], "articles"
		case "annotations":
			return []string{fmt.Sprint(e.annID)}, hidden["annotations"], "annotations"
		case "sources":
			return []string{"1"}, hidden["sources"], "sources"
		case "labels":
			return []string{"1"}, hidden["labels"], "labels"
		}
		return []string{"1"}, nil, ""
	}
	for _, r := range h.Routes() {
		if r.Method != "GET" {
			continue
		}
		path := "/api/v1" + r.Path
		if !strings.Contains(path, ":id") {
			calls = append(calls, call{path: path})
			continue
		}
		prefix := strings.Split(strings.TrimPrefix(r.Path, "/"), "/")[0]
		vis, hid, table := idsFor(prefix)
		for _, id := range vis {
			calls = append(calls, call{path: strings.Replace(path, ":id", id, 1)})
		}
		for _, id := range hid {
			calls = append(calls, call{path: strings.Replace(path, ":id", fmt.Sprint(id), 1), hiddenRow: table})
		}
	}
	var more []call
	for _, c := range calls {
		if strings.HasSuffix(c.path, "/export") {
			for _, f := range []string{"csv", "jsonl", "w3c", "doccano", "ptc"} {
				more = append(more, call{path: c.path + "?format=" + f})
			}
		}
		if strings.HasSuffix(c.path, "/articles") || strings.HasSuffix(c.path, "/sources") {
			more = append(more, call{path: c.path + "?q=" + marker})
		}
	}
	calls = append(calls, more...)
	before := e.do("GET", "/api/v1/projects", "admin", "").Body

	checkAll := func(wantHidden bool) (shown int) {
		for _, c := range calls {
			for _, user := range []string{"admin", "ann"} {
				r := e.do("GET", c.path, user, "")
				if c.hiddenRow != "" {
					if !wantHidden && r.Status != 404 {
						t.Errorf("GET %s (a hidden %s row) as %s: %d %s", c.path, c.hiddenRow, user, r.Status, clipBody(r.Body))
					}
					if wantHidden && r.Status == 200 {
						shown++
					}
					continue
				}
				if strings.Contains(strings.ToLower(string(r.Body)), strings.ToLower(marker)) {
					if !wantHidden {
						t.Errorf("GET %s as %s shows the unpublished import: %s", c.path, user, clipBody(r.Body))
					}
					shown++
				}
			}
		}
		return shown
	}
	checkAll(false)
	if after := e.do("GET", "/api/v1/projects", "admin", "").Body; string(after) != string(before) {
		t.Errorf("project list changed during the import:\n%s\n%s", before, after)
	}
	t.Logf("%d GET calls checked while the import was unpublished", len(calls)*2)

	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if shown := checkAll(true); shown < 10 {
		t.Fatalf("after publishing, only %d calls show the import; the check above could not have failed", shown)
	}
}

// An article added through the API on the domain of an outlet that a
// running, unpublished import created (in another project) links to that
// outlet, which from then on is an ordinary visible one: before, the POST
// stored the article but answered 404 "source not found", and so did every
// read of the article until the import ended.
func TestArticleOnAHiddenImportsOutletIsReadable(t *testing.T) {
	t.Parallel()
	e := newEnv(t, scenarioText)
	ctx := context.Background()
	other := &models.Project{Name: "Elsewhere"}
	if err := e.store.CreateProject(ctx, other, nil); err != nil {
		t.Fatal(err)
	}
	release, done := make(chan struct{}), make(chan error, 1)
	go func() {
		_, err := ingest.Run(ctx, e.store, ingest.Options{ProjectID: other.ID, UserID: e.users["admin"].ID},
			func(yield func(*ingest.Item) error) error {
				if err := yield(&ingest.Item{Article: &models.ArticleIn{Title: "x", Text: "Imported body.", URL: "https://news.quiet-outlet.example/1"}}); err != nil {
					return err
				}
				<-release
				return nil
			})
		done <- err
	}()
	defer func() { close(release); <-done }()
	raw := modelstest.RawDB(t, e.store)
	for deadline := time.Now().Add(30 * time.Second); len(hiddenIDs(t, raw, "sources")) == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the import never committed its outlet")
		}
	}
	r := e.do("POST", fmt.Sprintf("/api/v1/projects/%d/articles", e.project.ID), "ann", `{"title":"t","text":"Our own text.","url":"https://quiet-outlet.example/ours"}`)
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	id := r.JSON(t)["id"]
	if r := e.do("GET", fmt.Sprintf("/api/v1/articles/%v", id), "ann", ""); r.Status != 200 || !strings.Contains(string(r.Body), "quiet-outlet.example") {
		t.Fatalf("read: %d %s", r.Status, r.Body)
	}
}
