package export

import (
	"bytes"
	"encoding/csv"
	"reflect"
	"strings"
	"testing"
	"time"

	"slant/models"
)

func TestCSVRoundTripIsExact(t *testing.T) {
	t.Parallel()
	nasty := []string{"plain", "with,comma", `with "quotes"`, "CRLF\r\ninside", "lone\rCR", "LF\nonly",
		" leading space", "", "👩‍🔬 emoji", "عربي", "\ufeffBOM", "=1+2", "-3", "+x", "@SUM(A1)", "\tTab"}
	var buf bytes.Buffer
	w := NewCSV(&buf, false)
	w.record(nasty)
	w.record([]string{"a", "b"})
	w.End()
	got, err := ReadCSV(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, [][]string{nasty, {"a", "b"}}) {
		t.Fatalf("round trip:\n got %q\nwant %q", got, nasty)
	}
}

func TestCSVIsReadableByEncodingCSV(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	w := NewCSV(&buf, false)
	w.record([]string{"x", `q"uote`, "multi\nline"})
	w.End()
	r := csv.NewReader(&buf)
	rec, err := r.Read()
	if err != nil || !reflect.DeepEqual(rec, []string{"x", `q"uote`, "multi\nline"}) {
		t.Fatalf("encoding/csv read %q, %v", rec, err)
	}
}

func TestSpreadsheetSafe(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"=HYPERLINK(\"x\")": "'=HYPERLINK(\"x\")", "+1": "'+1", "-1": "'-1", "@cmd": "'@cmd",
		"\tx": "'\tx", "\rx": "'\rx", "safe": "safe", "": "", " =not first": " =not first", "a=b": "a=b",
	} {
		if got := SpreadsheetSafe(in); got != want {
			t.Errorf("SpreadsheetSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRowColumns(t *testing.T) {
	t.Parallel()
	ext := "e1"
	pub := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	row := &models.ExportRow{AnnotationID: 7, Project: "P", ArticleID: 3, ExternalID: &ext, ArticleTitle: "=cmd",
		PublishedAt: &pub, Label: "attributed_claim", Start: 2, End: 9, Text: "-quote", Note: "@note",
		Attributes: models.JSONMap{"speaker": "Минister", "conf": 0.9}, Annotator: "ann", Origin: "model:m1",
		CreatedAt: pub, UpdatedAt: pub}
	for _, safe := range []bool{true, false} {
		var buf bytes.Buffer
		w := NewCSV(&buf, safe)
		w.Begin()
		w.Row(row)
		w.End()
		recs, err := ReadCSV(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(recs[0], CSVColumns) {
			t.Fatalf("header %v", recs[0])
		}
		got := map[string]string{}
		for i, c := range CSVColumns {
			got[c] = recs[1][i]
		}
		prefix := ""
		if safe {
			prefix = "'"
		}
		if got["article_title"] != prefix+"=cmd" || got["text"] != prefix+"-quote" || got["note"] != prefix+"@note" {
			t.Errorf("safe=%v: %v", safe, got)
		}
		if got["speaker"] != "Минister" || !strings.Contains(got["attributes"], `"conf":0.9`) || got["start"] != "2" || got["end"] != "9" ||
			got["published_at"] != "2026-03-01T12:00:00Z" || got["external_id"] != "e1" || got["origin"] != "model:m1" {
			t.Errorf("columns: %v", got)
		}
	}
}
