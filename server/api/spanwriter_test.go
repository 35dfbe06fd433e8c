package api

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// nested returns a JSON object nested depth levels deep.
func nested(depth int) string {
	return strings.Repeat(`{"a":`, depth-1) + `{}` + strings.Repeat(`}`, depth-1)
}

// Every entry that stores a span or an article refuses JSON nested past
// the limit or larger than it, with a 422 naming the field, and stores
// nothing. Before the limits, 1,000 levels were accepted and SQLite's
// json() then failed every list of the article with a 500.
func TestJSONLimitsAtEveryEntry(t *testing.T) {
	t.Parallel()
	e := newEnv(t, scenarioText)
	ann := fmt.Sprintf("/api/v1/articles/%d/annotations", e.article.ID)
	bulk := fmt.Sprintf("/api/v1/projects/%d/annotations/bulk", e.project.ID)
	imp := fmt.Sprintf("/api/v1/projects/%d/import?format=jsonl", e.project.ID)
	arts := fmt.Sprintf("/api/v1/projects/%d/articles", e.project.ID)
	patch := fmt.Sprintf("/api/v1/annotations/%d", e.annID)
	big := `{"blob":"` + strings.Repeat("x", 70<<10) + `"}`
	for _, bad := range []struct{ name, attrs string }{{"deep", nested(33)}, {"1000 deep", nested(1000)}, {"large", big}} {
		spans := func() int64 { return countSpans(t, e) }
		before := spans()
		cases := []struct{ method, path, body string }{
			{"POST", ann, `{"label":"opinion","start":0,"end":2,"attributes":` + bad.attrs + `}`},
			{"POST", bulk, `[{"article_id":` + fmt.Sprint(e.article.ID) + `,"label":"opinion","start":3,"end":5,"attributes":` + bad.attrs + `}]`},
			{"PATCH", patch, `{"attributes":` + bad.attrs + `}`},
		}
		for _, c := range cases {
			r := e.do(c.method, c.path, "ann", c.body)
			if r.Status != 422 {
				t.Fatalf("%s %s %s: %d %s", bad.name, c.method, c.path, r.Status, clipBody(r.Body))
			}
			if f := errorOf(t, r)["fields"].(map[string]any); !hasFieldSuffix(f, "attributes") && !bytes.Contains(r.Body, []byte(`"attributes":"must`)) {
				t.Fatalf("%s %s: fields %v", bad.name, c.path, f)
			}
		}
		// the import reports the span and stores the article without it
		line := `{"external_id":"deep-` + bad.name + `","title":"t","text":"Some text here.","spans":[{"label":"opinion","start":0,"end":4,"attributes":` + bad.attrs + `}]}`
		r := e.do("POST", imp, "ann", line, "Content-Type", "application/x-ndjson")
		if r.Status >= 300 || !strings.Contains(string(r.Body), "attributes") {
			t.Fatalf("%s import: %d %s", bad.name, r.Status, clipBody(r.Body))
		}
		if got := spans(); got != before {
			t.Fatalf("%s: %d spans stored, want %d", bad.name, got, before)
		}
		// the article list and the span list still answer
		if r := e.do("GET", ann, "ann", ""); r.Status != 200 {
			t.Fatalf("list after %s: %d", bad.name, r.Status)
		}
	}
	// the stored span is unchanged by the refused PATCHes
	if r := e.do("GET", patch, "ann", ""); r.Status != 200 || !bytes.Contains(r.Body, []byte(`"attributes":{}`)) {
		t.Fatalf("annotation after refused patches: %s", r.Body)
	}
	// article metadata: the same depth limit through POST and import
	for _, body := range []string{
		`{"title":"m","text":"Body text.","metadata":` + nested(40) + `}`,
		`{"title":"m","text":"Body text.","metadata":{"blob":"` + strings.Repeat("y", 300<<10) + `"}}`,
	} {
		if r := e.do("POST", arts, "ann", body); r.Status != 422 || !hasFieldSuffix(errorOf(t, r)["fields"].(map[string]any), "metadata") {
			t.Fatalf("deep or large metadata: %d %s", r.Status, clipBody(r.Body))
		}
	}
	// a nesting just under the limit is fine
	if r := e.do("POST", ann, "ann", `{"label":"opinion","start":0,"end":3,"attributes":`+nested(32)+`}`); r.Status != 201 {
		t.Fatalf("32 levels: %d %s", r.Status, clipBody(r.Body))
	}
}

func hasFieldSuffix(fields map[string]any, suffix string) bool {
	for k := range fields {
		if strings.HasSuffix(k, suffix) {
			return true
		}
	}
	return false
}

func clipBody(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}

func countSpans(t *testing.T, e *testEnv) int64 {
	t.Helper()
	var n int64
	r := e.do("GET", fmt.Sprintf("/api/v1/projects/%d/annotations?limit=1000", e.project.ID), "admin", "")
	var page struct{ Items []json.RawMessage }
	if err := json.Unmarshal(r.Body, &page); err != nil {
		t.Fatal(err)
	}
	n = int64(len(page.Items))
	return n
}

// A span reads the same whichever path stored it and whichever path reads
// it: the list of an article (built by SQLite's json_object), the project
// list, GET /annotations/{id} and the create response (built in Go), and
// the JSONL export row.
func TestOneAnnotationEncoderParity(t *testing.T) {
	t.Parallel()
	e := newEnv(t, scenarioText)
	ann := fmt.Sprintf("/api/v1/articles/%d/annotations", e.article.ID)
	created := map[float64]map[string]any{}
	r := e.do("POST", ann, "ann", `{"label":"opinion","start":8,"end":12,"note":"ünïcode “quoted”","attributes":{"speaker":"Ада","n":1.50,"deep":{"x":[1,"two",null]}}}`)
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	m := r.JSON(t)
	created[m["id"].(float64)] = m
	r = e.do("POST", fmt.Sprintf("/api/v1/projects/%d/annotations/bulk", e.project.ID), "ann",
		fmt.Sprintf(`[{"article_id":%d,"label":"attributed_claim","start":35,"end":46,"client_id":"c-1","origin":"model:x-1"},{"external_id":"ext-1","label":"opinion","start":0,"end":5,"note":""}]`, e.article.ID))
	if r.Status != 200 {
		t.Fatalf("bulk: %d %s", r.Status, r.Body)
	}
	line, _ := json.Marshal(map[string]any{"external_id": "ext-1", "title": "Article", "text": scenarioText,
		"spans": []map[string]any{{"label": "state_media_framing", "start": 1, "end": 6, "note": "from a file"}}})
	r = e.do("POST", fmt.Sprintf("/api/v1/projects/%d/import?format=jsonl", e.project.ID), "ann", string(line), "Content-Type", "application/x-ndjson")
	if r.Status >= 300 || !bytes.Contains(r.Body, []byte(`"spans_created":1`)) {
		t.Fatalf("import: %d %s", r.Status, r.Body)
	}

	var list struct{ Items []map[string]any }
	if err := json.Unmarshal(e.do("GET", ann, "ann", "").Body, &list); err != nil {
		t.Fatal(err)
	}
	var plist struct{ Items []map[string]any }
	if err := json.Unmarshal(e.do("GET", fmt.Sprintf("/api/v1/projects/%d/annotations", e.project.ID), "ann", "").Body, &plist); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 5 || len(plist.Items) != 5 {
		t.Fatalf("article list has %d spans, project list %d, want 5 (the fixture's, one POST, two bulk, one import)", len(list.Items), len(plist.Items))
	}
	byID := map[float64]map[string]any{}
	for _, it := range plist.Items {
		byID[it["id"].(float64)] = it
	}
	origins := map[string]bool{}
	for _, it := range list.Items {
		id := it["id"].(float64)
		one := e.do("GET", fmt.Sprintf("/api/v1/annotations/%v", id), "ann", "").JSON(t)
		if !reflect.DeepEqual(it, one) {
			t.Errorf("article list item and GET /annotations/%v differ:\n%v\n%v", id, it, one)
		}
		if !reflect.DeepEqual(it, byID[id]) {
			t.Errorf("article list and project list differ for %v:\n%v\n%v", id, it, byID[id])
		}
		if c, ok := created[id]; ok && !reflect.DeepEqual(it, c) {
			t.Errorf("create response and list item differ:\n%v\n%v", c, it)
		}
		origins[it["origin"].(string)] = true
	}
	for _, o := range []string{"human", "import", "model:x-1"} {
		if !origins[o] {
			t.Errorf("no span with origin %s in %v", o, list.Items)
		}
	}

	// the JSONL export carries the same values under its own column names
	ex := e.do("GET", fmt.Sprintf("/api/v1/projects/%d/export?format=jsonl", e.project.ID), "ann", "")
	if ex.Status != 200 {
		t.Fatalf("export: %d", ex.Status)
	}
	rows := 0
	sc := bufio.NewScanner(bytes.NewReader(ex.Body))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var row map[string]any
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatal(err)
		}
		it := byID[row["annotation_id"].(float64)]
		if it == nil {
			t.Fatalf("export row %v is not in the list", row["annotation_id"])
		}
		rows++
		for listKey, exportKey := range map[string]string{"article_id": "article_id", "label": "label", "start": "start", "end": "end",
			"text": "text", "note": "note", "attributes": "attributes", "annotator": "annotator", "origin": "origin",
			"created_at": "created_at", "updated_at": "updated_at"} {
			if !reflect.DeepEqual(it[listKey], row[exportKey]) {
				t.Errorf("span %v: list %s=%#v, export %s=%#v", it["id"], listKey, it[listKey], exportKey, row[exportKey])
			}
		}
	}
	if rows != 5 {
		t.Fatalf("export has %d rows, want 5", rows)
	}
}

// The span rule lives in one place: no code outside the span writer
// (models/spans.go) inserts into annotations.
func TestOneSpanWriter(t *testing.T) {
	t.Parallel()
	insert := regexp.MustCompile(`(?i)insert\s+(or\s+\w+\s+)?into\s+"?annotations"?\s*\(`)
	var found []string
	for _, dir := range []string{"../../models", ".", "../ingest", "../export", ".."} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if insert.Match(b) && filepath.Base(f) != "spans.go" {
				found = append(found, f)
			}
		}
	}
	if len(found) > 0 {
		t.Fatalf("annotations are inserted outside models/spans.go in %v", found)
	}
}

// One reading of timestamps: what an import accepts, POST /articles accepts.
func TestPublishedAtNearMissesAccepted(t *testing.T) {
	t.Parallel()
	e := newEnv(t, scenarioText)
	arts := fmt.Sprintf("/api/v1/projects/%d/articles", e.project.ID)
	for in, want := range map[string]string{
		"2024-01-01T10:00+02:00":    "2024-01-01T08:00:00Z",
		"2024-01-01T10:00:00+0200":  "2024-01-01T08:00:00Z",
		"2024-01-01 10:00:00":       "2024-01-01T10:00:00Z",
		"2024-01-01":                "2024-01-01T00:00:00Z",
		"2024-01-01T10:00:00.5Z":    "2024-01-01T10:00:00.5Z",
		"2024-01-01T10:00:00-05:30": "2024-01-01T15:30:00Z",
	} {
		r := e.do("POST", arts, "ann", `{"title":"t","text":"x `+in+`","published_at":"`+in+`"}`)
		if r.Status != 201 || r.JSON(t)["published_at"] != want {
			t.Errorf("published_at %q: %d %s, want %s", in, r.Status, clipBody(r.Body), want)
		}
	}
	if r := e.do("POST", arts, "ann", `{"title":"t","text":"y","published_at":"yesterday"}`); r.Status != 422 {
		t.Errorf("published_at yesterday: %d", r.Status)
	}
}

// The bulk size limit is checked once, with one status, whatever the body.
func TestBulkCountLimitIsOne413(t *testing.T) {
	t.Parallel()
	e := newEnv(t, scenarioText)
	one := fmt.Sprintf(`{"article_id":%d,"label":"opinion","start":0,"end":1}`, e.article.ID)
	body := "[" + strings.TrimSuffix(strings.Repeat(one+",", 10_001), ",") + "]"
	for _, partial := range []string{"", "?partial=true"} {
		r := e.do("POST", fmt.Sprintf("/api/v1/projects/%d/annotations/bulk%s", e.project.ID, partial), "ann", body)
		if r.Status != 413 || errorOf(t, r)["code"] != "too_large" {
			t.Fatalf("10,001 spans%s: %d %s", partial, r.Status, clipBody(r.Body))
		}
	}
	if r := e.do("POST", fmt.Sprintf("/api/v1/projects/%d/annotations/bulk", e.project.ID), "ann", `[]`); r.Status != 422 {
		t.Fatalf("empty push: %d", r.Status)
	}
}

// q= is bounded and taken literally: a 100,000-character search was a 500
// (SQLite's LIKE pattern limit) and q=%00 matched every title.
func TestSearchTextIsBounded(t *testing.T) {
	t.Parallel()
	e := newEnv(t, scenarioText)
	for _, path := range []string{fmt.Sprintf("/api/v1/projects/%d/articles", e.project.ID), "/api/v1/sources"} {
		for _, q := range []string{strings.Repeat("a", 100_000), "%00", "a%01b"} {
			r := e.do("GET", path+"?q="+q, "ann", "")
			if r.Status != 422 || !hasFieldSuffix(errorOf(t, r)["fields"].(map[string]any), "q") {
				t.Fatalf("GET %s?q=%.20s: %d %s", path, q, r.Status, clipBody(r.Body))
			}
		}
		r := e.do("GET", path+"?q="+strings.Repeat("z", 500), "ann", "")
		if r.Status != 200 || strings.Contains(string(r.Body), `"id"`) {
			t.Fatalf("GET %s with 500 z's: %d %s", path, r.Status, clipBody(r.Body))
		}
		// LIKE wildcards are literal
		if r := e.do("GET", path+"?q=%25", "ann", ""); r.Status != 200 || strings.Contains(string(r.Body), `"id"`) {
			t.Fatalf("GET %s?q=%%: %d %s", path, r.Status, clipBody(r.Body))
		}
	}
}
