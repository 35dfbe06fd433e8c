package api

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"slant/models"
	"slant/server/export"
)

// The CSV export parsed back: every text cell equals the article's
// code-point slice, context columns are the 80 code points around it,
// and spreadsheet protection is on by default and off with raw=true.
func TestCSVExportRoundTrip(t *testing.T) {
	t.Parallel()
	text := "=SUM(A1) opens it.\r\nOfficials 🇳🇴 said “it’s -fine” 👩‍🔬 —\u00a0عربي\u200f text; Cafe\u0301 @end"
	e := newEnv(t, text)
	ctx := context.Background()
	spans := [][2]int{{0, 8}, {20, 29}, {40, 53}, {54, 57}, {75, 79}, {models.CodePointLen(text) - 4, models.CodePointLen(text)}}
	for i, sp := range spans {
		label := []string{"opinion", "attributed_claim", "state_media_framing"}[i%3]
		_, err := e.store.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: e.article.ID, UserID: e.users["other"].ID,
			Label: label, Start: sp[0], End: sp[1], Note: "+note " + strconv.Itoa(i), Attributes: models.JSONMap{"speaker": "=Sp"}})
		if err != nil {
			t.Fatalf("span %v: %v", sp, err)
		}
	}
	runes := []rune(text)
	for _, raw := range []bool{true, false} {
		r := e.do("GET", fmt.Sprintf("/api/v1/projects/%d/export?format=csv&raw=%v", e.project.ID, raw), "ann", "")
		if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") ||
			!strings.Contains(r.Header.Get("Content-Disposition"), "attachment; filename=\"slant-project-") {
			t.Fatalf("raw=%v: %d %v", raw, r.Status, r.Header)
		}
		recs, err := export.ReadCSV(strings.NewReader(string(r.Body)))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(recs[0], ",") != strings.Join(export.CSVColumns, ",") {
			t.Fatalf("header = %v", recs[0])
		}
		if len(recs) != 1+len(spans)+1 { // + the fixture's annotation
			t.Fatalf("%d records", len(recs))
		}
		col := map[string]int{}
		for i, c := range recs[0] {
			col[c] = i
		}
		for _, rec := range recs[1:] {
			if len(rec) != len(export.CSVColumns) {
				t.Fatalf("record with %d fields", len(rec))
			}
			start, _ := strconv.Atoi(rec[col["start"]])
			end, _ := strconv.Atoi(rec[col["end"]])
			want := string(runes[start:end])
			before := string(runes[max(0, start-80):start])
			after := string(runes[end:min(len(runes), end+80)])
			got, gotBefore, gotAfter := rec[col["text"]], rec[col["context_before"]], rec[col["context_after"]]
			if !raw {
				want, before, after = export.SpreadsheetSafe(want), export.SpreadsheetSafe(before), export.SpreadsheetSafe(after)
			}
			if got != want || gotBefore != before || gotAfter != after {
				t.Fatalf("raw=%v [%d,%d): text %q want %q; before %q want %q; after %q want %q", raw, start, end, got, want, gotBefore, before, gotAfter, after)
			}
			if rec[col["source_domain"]] != "example.org" || rec[col["source_ownership"]] != "unknown" || rec[col["external_id"]] != "ext-1" {
				t.Fatalf("article columns: %v", rec)
			}
			if rec[col["annotator"]] == "other" {
				wantSpeaker, wantNote := "=Sp", "+note"
				if !raw {
					wantSpeaker, wantNote = "'=Sp", "'+note"
				}
				if rec[col["speaker"]] != wantSpeaker || !strings.HasPrefix(rec[col["note"]], wantNote) {
					t.Fatalf("raw=%v speaker %q note %q", raw, rec[col["speaker"]], rec[col["note"]])
				}
			}
		}
		// Rows come article by article in text order.
		prev := -1
		for _, rec := range recs[1:] {
			s, _ := strconv.Atoi(rec[col["start"]])
			if s < prev {
				t.Fatalf("rows not in text order")
			}
			prev = s
		}
	}
}

func TestCSVExportFiltersAndErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "Some words to label here.")
	ctx := context.Background()
	e.store.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: e.article.ID, UserID: e.users["other"].ID, Label: "attributed_claim", Start: 5, End: 10, Origin: "model:x"})
	count := func(query string) int {
		r := e.do("GET", fmt.Sprintf("/api/v1/projects/%d/export?%s", e.project.ID, query), "ann", "")
		if r.Status != 200 {
			t.Fatalf("%s: %d %s", query, r.Status, r.Body)
		}
		recs, err := export.ReadCSV(strings.NewReader(string(r.Body)))
		if err != nil {
			t.Fatal(err)
		}
		return len(recs) - 1
	}
	for q, want := range map[string]int{"": 2, "label=opinion": 1, "annotator=other": 1, "origin=model:x": 1,
		"source=outlet.example.org": 2, "source=elsewhere.org": 0, fmt.Sprintf("article=%d", e.article.ID): 2, "article=999": 0} {
		if got := count(q); got != want {
			t.Errorf("export?%s: %d rows, want %d", q, got, want)
		}
	}
	for _, c := range []struct {
		path   string
		status int
	}{
		{fmt.Sprintf("/api/v1/projects/%d/export?format=xls", e.project.ID), 422},
		{fmt.Sprintf("/api/v1/projects/%d/export?raw=maybe", e.project.ID), 422},
		{fmt.Sprintf("/api/v1/projects/%d/export?article=x", e.project.ID), 422},
		{"/api/v1/projects/999/export", 404},
	} {
		r := e.do("GET", c.path, "ann", "")
		if r.Status != c.status {
			t.Errorf("%s: %d want %d", c.path, r.Status, c.status)
		}
		errorOf(t, r)
	}
}
