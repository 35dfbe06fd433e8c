package api

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"slant/models"
	"slant/models/modelstest"
)

const formatsText = "„Quote“ first.\r\nThe 👩‍🔬 team said 📈 rates rose — عربي\u00a0text; Cafe\u0301 end."

// formatsEnv has spans that start after astral characters, cross CRLF,
// and overlap.
func formatsEnv(t *testing.T) (*testEnv, []rune) {
	e := newEnv(t, formatsText)
	runes := []rune(formatsText)
	for _, sp := range [][3]any{{0, 7, "opinion"}, {14, 23, "attributed_claim"}, {20, 40, "state_media_framing"}, {40, len(runes), "opinion"}} {
		_, err := e.store.CreateAnnotation(context.Background(), models.AnnotationIn{ArticleID: e.article.ID, UserID: e.users["admin"].ID,
			Label: sp[2].(string), Start: sp[0].(int), End: sp[1].(int), Note: "n", Attributes: models.JSONMap{"speaker": "S"}, Origin: "model:m1"})
		if err != nil {
			t.Fatal(err)
		}
	}
	return e, runes
}

func (e *testEnv) export(t *testing.T, query string) resp {
	t.Helper()
	r := e.do("GET", fmt.Sprintf("/api/v1/projects/%d/export?%s", e.project.ID, query), "ann", "")
	if r.Status != 200 {
		t.Fatalf("export %s: %d %s", query, r.Status, r.Body)
	}
	return r
}

func TestExportJSONL(t *testing.T) {
	t.Parallel()
	e, runes := formatsEnv(t)
	r := e.export(t, "format=jsonl")
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-ndjson") || !strings.Contains(r.Header.Get("Content-Disposition"), ".jsonl") {
		t.Fatalf("headers %v", r.Header)
	}
	sc := bufio.NewScanner(bytes.NewReader(r.Body))
	n := 0
	for sc.Scan() {
		var row map[string]any
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatal(err)
		}
		s, en := int(row["start"].(float64)), int(row["end"].(float64))
		if row["text"] != string(runes[s:en]) {
			t.Fatalf("text %q != runes[%d:%d]", row["text"], s, en)
		}
		if _, ok := row["attributes"].(map[string]any); !ok {
			t.Fatalf("attributes not an object: %v", row["attributes"])
		}
		n++
	}
	if n != 5 {
		t.Fatalf("%d lines", n)
	}
}

func TestExportDoccano(t *testing.T) {
	t.Parallel()
	e, runes := formatsEnv(t)
	r := e.export(t, "format=doccano")
	lines := strings.Split(strings.TrimSpace(string(r.Body)), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d lines for one article", len(lines))
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc) != 4 || doc["text"] != formatsText || doc["id"] != float64(e.article.ID) {
		t.Fatalf("doc keys/values: %v", doc)
	}
	labels := doc["label"].([]any)
	if len(labels) != 5 {
		t.Fatalf("%d labels", len(labels))
	}
	for _, l := range labels {
		l := l.([]any)
		s, en := int(l[0].(float64)), int(l[1].(float64))
		if s < 0 || en > len(runes) || s >= en {
			t.Fatalf("bad label %v", l)
		}
	}
	if doc["meta"].(map[string]any)["external_id"] != "ext-1" {
		t.Fatalf("meta %v", doc["meta"])
	}
}

func TestExportW3C(t *testing.T) {
	t.Parallel()
	e, runes := formatsEnv(t)
	r := e.export(t, "format=w3c")
	var coll struct {
		Type  string `json:"type"`
		Total int    `json:"total"`
		First struct {
			Items []struct {
				Type    string `json:"type"`
				Body    []struct{ Purpose, Value string }
				Creator map[string]any
				Target  struct {
					Source   string
					Selector []struct {
						Type                  string
						Start, End            int
						Exact, Prefix, Suffix string
					}
				}
			}
		}
	}
	if err := json.Unmarshal(r.Body, &coll); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.Body)
	}
	if coll.Type != "AnnotationCollection" || coll.Total != 5 || len(coll.First.Items) != 5 {
		t.Fatalf("collection %s/%d/%d", coll.Type, coll.Total, len(coll.First.Items))
	}
	for _, it := range coll.First.Items {
		pos, quote := it.Target.Selector[0], it.Target.Selector[1]
		if pos.Type != "TextPositionSelector" || quote.Type != "TextQuoteSelector" {
			t.Fatalf("selectors %+v", it.Target.Selector)
		}
		if quote.Exact != string(runes[pos.Start:pos.End]) {
			t.Fatalf("exact %q != [%d:%d]", quote.Exact, pos.Start, pos.End)
		}
		if quote.Prefix != string(runes[max(0, pos.Start-32):pos.Start]) || quote.Suffix != string(runes[pos.End:min(len(runes), pos.End+32)]) {
			t.Fatalf("prefix %q suffix %q", quote.Prefix, quote.Suffix)
		}
		if it.Body[0].Purpose != "tagging" || it.Target.Source != "https://www.outlet.example.org/a/1" {
			t.Fatalf("body/source %+v %s", it.Body, it.Target.Source)
		}
	}
}

func TestExportPTC(t *testing.T) {
	t.Parallel()
	e, runes := formatsEnv(t)
	r := e.export(t, "format=ptc")
	zr, err := zip.NewReader(bytes.NewReader(r.Body), int64(len(r.Body)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		files[f.Name] = string(b)
	}
	id := strconv.FormatInt(e.article.ID, 10)
	if files["article"+id+".txt"] != formatsText {
		t.Fatalf("text not byte-exact: %q", files["article"+id+".txt"])
	}
	lines := strings.Split(strings.TrimSpace(files["article"+id+".task-flc-tc.labels"]), "\n")
	if len(lines) != 5 {
		t.Fatalf("label lines %q", lines)
	}
	for _, l := range lines {
		f := strings.Split(l, "\t")
		s, _ := strconv.Atoi(f[2])
		en, _ := strconv.Atoi(f[3])
		if len(f) != 4 || f[0] != id || s >= en || en > len(runes) {
			t.Fatalf("label line %q", l)
		}
	}
}

func TestExportParquetAndCaching(t *testing.T) {
	t.Parallel()
	e, _ := formatsEnv(t)
	// Everything the export's version reads is dated in the past, so the
	// change below lands in a later second than Last-Modified (which has
	// one-second resolution) without waiting for the clock to tick.
	db := modelstest.RawDB(t, e.store)
	for _, table := range []string{"projects", "labels", "sources", "articles", "annotations"} {
		if _, err := db.Exec(`UPDATE ` + table + ` SET updated_at = '2020-01-02 03:04:05+00:00'`); err != nil {
			t.Fatal(err)
		}
	}
	r := e.export(t, "format=parquet")
	if !bytes.HasPrefix(r.Body, []byte("PAR1")) || !bytes.HasSuffix(r.Body, []byte("PAR1")) {
		t.Fatalf("not a parquet file (%d bytes)", len(r.Body))
	}
	// ETag / If-None-Match and Last-Modified / If-Modified-Since.
	etag, lm := r.Header.Get("ETag"), r.Header.Get("Last-Modified")
	if etag == "" || lm != "Thu, 02 Jan 2020 03:04:05 GMT" {
		t.Fatalf("ETag %q Last-Modified %q", etag, lm)
	}
	path := fmt.Sprintf("/api/v1/projects/%d/export?format=parquet", e.project.ID)
	if r := e.do("GET", path, "ann", "", "If-None-Match", etag); r.Status != 304 || len(r.Body) != 0 {
		t.Fatalf("If-None-Match: %d", r.Status)
	}
	if r := e.do("GET", path, "ann", "", "If-Modified-Since", lm); r.Status != 304 {
		t.Fatalf("If-Modified-Since: %d", r.Status)
	}
	if r := e.do("GET", strings.Replace(path, "parquet", "csv", 1), "ann", "", "If-None-Match", etag); r.Status != 200 {
		t.Fatalf("another format reused the ETag: %d", r.Status)
	}
	if r := e.do("POST", fmt.Sprintf("/api/v1/articles/%d/annotations", e.article.ID), "ann", `{"label":"opinion","start":1,"end":3}`); r.Status != 201 {
		t.Fatal(r.Status)
	}
	r2 := e.do("GET", path, "ann", "", "If-None-Match", etag)
	if r2.Status != 200 || r2.Header.Get("ETag") == etag {
		t.Fatalf("after a change: %d, etag %s", r2.Status, r2.Header.Get("ETag"))
	}
	if r := e.do("GET", path, "ann", "", "If-Modified-Since", lm); r.Status != 200 {
		t.Fatalf("If-Modified-Since after a change: %d", r.Status)
	}
	// updated_since returns only what changed.
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	r3 := e.export(t, "format=jsonl&updated_since="+future)
	if len(r3.Body) != 0 {
		t.Fatalf("updated_since in the future returned %s", r3.Body)
	}
	r4 := e.export(t, "format=jsonl&updated_since=2000-01-01")
	if n := strings.Count(string(r4.Body), "\n"); n != 6 {
		t.Fatalf("updated_since in the past: %d rows", n)
	}
	if r := e.do("GET", fmt.Sprintf("/api/v1/projects/%d/export?updated_since=soon", e.project.ID), "ann", ""); r.Status != 422 {
		t.Fatalf("bad updated_since: %d", r.Status)
	}
}

// bom=true puts a UTF-8 byte-order mark first (so Excel reads the CSV as
// UTF-8); without it the file starts with the header. Other formats
// refuse the parameter.
func TestExportCSVByteOrderMark(t *testing.T) {
	t.Parallel()
	e, _ := formatsEnv(t)
	with := e.export(t, "format=csv&bom=true")
	if !bytes.HasPrefix(with.Body, []byte("\xef\xbb\xbfannotation_id,")) {
		t.Fatalf("bom=true starts with %q", with.Body[:min(20, len(with.Body))])
	}
	without := e.export(t, "format=csv")
	if !bytes.HasPrefix(without.Body, []byte("annotation_id,")) {
		t.Fatalf("default starts with %q", without.Body[:min(20, len(without.Body))])
	}
	if !bytes.Equal(with.Body[3:], without.Body) {
		t.Fatal("the mark changed more than the first three bytes")
	}
	if with.Header.Get("ETag") == without.Header.Get("ETag") {
		t.Fatal("one ETag for two different files")
	}
	for _, q := range []string{"format=jsonl&bom=true", "format=csv&bom=sometimes"} {
		r := e.do("GET", fmt.Sprintf("/api/v1/projects/%d/export?%s", e.project.ID, q), "ann", "")
		if fields, _ := errorOf(t, r)["fields"].(map[string]any); r.Status != 422 || fields["bom"] == nil {
			t.Errorf("%s: %d %s", q, r.Status, r.Body)
		}
	}
}
