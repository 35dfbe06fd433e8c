package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"slant/models"
	"slant/models/modelstest"
)

type spanKey struct {
	Text       string // the article's whole text
	Label      string
	Start, End int
	Quote      string
}

// spansOf exports a project as JSONL and returns its spans keyed by the
// article text, so projects with different article ids compare equal.
func spansOf(t *testing.T, e *testEnv, projectID int64) []spanKey {
	t.Helper()
	r := e.do("GET", fmt.Sprintf("/api/v1/projects/%d/export?format=jsonl", projectID), "admin", "")
	if r.Status != 200 {
		t.Fatalf("export: %d %s", r.Status, r.Body)
	}
	texts := map[int64]string{}
	var out []spanKey
	sc := bufio.NewScanner(bytes.NewReader(r.Body))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var row struct {
			ArticleID  int64  `json:"article_id"`
			Label      string `json:"label"`
			Start, End int
			Text       string `json:"text"`
		}
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatal(err)
		}
		if _, ok := texts[row.ArticleID]; !ok {
			a, err := e.store.GetArticle(context.Background(), row.ArticleID)
			if err != nil {
				t.Fatal(err)
			}
			texts[row.ArticleID] = a.Text
		}
		out = append(out, spanKey{texts[row.ArticleID], row.Label, row.Start, row.End, row.Text})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Text != b.Text {
			return a.Text < b.Text
		}
		if a.Start != b.Start {
			return a.Start < b.Start
		}
		if a.End != b.End {
			return a.End < b.End
		}
		return a.Label < b.Label
	})
	return out
}

// Export → import into a new project → export again gives identical spans
// for every export format: doccano and ptc carry their texts; jsonl, raw
// csv, w3c and parquet carry spans for articles already in the project
// (matched by external_id).
func TestExportImportRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "„Bridge“ opened.\r\nThe 👩‍🔬 team said 📈 rates rose — عربي\u00a0text; Cafe\u0301 end.")
	arts, err := e.store.CreateArticles(ctx, e.project.ID, []models.ArticleIn{
		{ExternalID: ptr("ext-2"), Title: "Two", Text: "\ufeffSecond article\r\nwith a BOM and 🇳🇴 flag, and \"quotes\", commas."},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, sp := range []struct {
		art        int64
		label      string
		start, end int
	}{{e.article.ID, "attributed_claim", 16, 26}, {e.article.ID, "state_media_framing", 19, 40}, {arts[0].ID, "opinion", 1, 7}, {arts[0].ID, "state_media_framing", 30, 35}} {
		if _, err := e.store.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: sp.art, UserID: e.users["admin"].ID, Label: sp.label, Start: sp.start, End: sp.end}); err != nil {
			t.Fatal(err)
		}
	}
	want := spansOf(t, e, e.project.ID)
	if len(want) != 5 {
		t.Fatalf("%d spans in the source project", len(want))
	}
	for _, format := range []string{"doccano", "ptc", "jsonl", "csv", "w3c", "parquet"} {
		t.Run(format, func(t *testing.T) {
			p := &models.Project{Name: "copy " + format}
			if err := e.store.CreateProject(ctx, p, nil); err != nil {
				t.Fatal(err)
			}
			modelstest.JoinAll(t, e.store, p.ID)
			if format != "doccano" && format != "ptc" { // span-only formats need the articles first
				for _, id := range []int64{e.article.ID, arts[0].ID} {
					a, _ := e.store.GetArticle(ctx, id)
					ext := "ext-" + fmt.Sprint(id)
					if a.ExternalID != nil {
						ext = *a.ExternalID
					}
					if _, err := e.store.CreateArticles(ctx, p.ID, []models.ArticleIn{{ExternalID: &ext, Title: a.Title, Text: a.Text, URL: a.URL}}); err != nil {
						t.Fatal(err)
					}
				}
			}
			exp := e.do("GET", fmt.Sprintf("/api/v1/projects/%d/export?format=%s&raw=true", e.project.ID, format), "admin", "")
			if exp.Status != 200 {
				t.Fatalf("export: %d", exp.Status)
			}
			importFormat := map[string]string{"jsonl": "slant", "csv": "auto", "w3c": "auto", "parquet": "auto"}[format] // csv, w3c and parquet are recognised by their content
			if importFormat == "" {
				importFormat = format
			}
			r := e.do("POST", fmt.Sprintf("/api/v1/projects/%d/import?format=%s", p.ID, importFormat), "admin", string(exp.Body),
				"Content-Type", map[string]string{"ptc": "application/zip", "csv": "text/csv", "parquet": "application/octet-stream", "w3c": "application/ld+json"}[format])
			if r.Status != 200 {
				t.Fatalf("import: %d %s", r.Status, r.Body)
			}
			got := spansOf(t, e, p.ID)
			if len(got) != len(want) {
				t.Fatalf("%d spans after the round trip, want %d: %s", len(got), len(want), r.Body)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("span %d differs:\n got %+v\nwant %+v", i, got[i], want[i])
				}
			}
			if strings.Contains(string(r.Body), `"problem_count":0`) == false && strings.Contains(string(r.Body), "problem_count") {
				t.Logf("import report: %s", r.Body)
			}
		})
	}
}
