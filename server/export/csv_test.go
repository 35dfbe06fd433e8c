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
	for _, c := range []struct{ in, want string }{
		{"=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"}, {"+1", "'+1"}, {"-1", "'-1"}, {"@cmd", "'@cmd"},
		{"\tx", "'\tx"}, {"\rx", "'\rx"}, {"safe", "safe"}, {"", ""}, {"a=b", "a=b"}, {"x - y", "x - y"},
		// A spreadsheet trims leading whitespace before it looks for a
		// formula. A line break also starts a piece (see below), hence two.
		{" =1+1", "' =1+1"}, {"\n=1+1", "'\n'=1+1"}, {"\r\n+1", "'\r\n'+1"}, {"\u00a0=1+1", "'\u00a0=1+1"},
		{"\u3000@x", "'\u3000@x"}, {"\ufeff=1", "'\ufeff=1"}, {"\u200b-1", "'\u200b-1"}, {"   ", "   "},
		// Full-width and small-form signs count like their ASCII twins.
		{"＝1+1", "'＝1+1"}, {"＋1", "'＋1"}, {"－1", "'－1"}, {"＠SUM(A1)", "'＠SUM(A1)"}, {"﹦1", "'﹦1"}, {" ＝1", "' ＝1"},
		// Where ; or a tab is the separator (German, French Excel), a cell
		// splits there, and so does a line break: each piece is protected.
		{"x;=1+1;y", "x;'=1+1;y"}, {"x; =1+1", "x;' =1+1"}, {"x\t@y", "x\t'@y"}, {"a\n=2+2", "a\n'=2+2"},
		{"a\r\n -b", "a\r\n' -b"}, {"x;＝1", "x;'＝1"}, {"x;y", "x;y"}, {"=a;=b", "'=a;'=b"},
	} {
		if got := SpreadsheetSafe(c.in); got != c.want {
			t.Errorf("SpreadsheetSafe(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// Fields holding ; or a tab are quoted, as are those with , " CR or LF,
// in raw mode as in safe mode.
func TestCSVQuotesSemicolonAndTab(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		safe bool
		want string
	}{
		{"x;=1+1;y", false, `"x;=1+1;y"`},
		{"x;=1+1;y", true, `"x;'=1+1;y"`},
		{"a\tb", false, "\"a\tb\""},
		{" =1+1", true, "' =1+1"},
		{"＝1+1", true, "'＝1+1"},
		{"\n=1+1", true, "\"'\n'=1+1\""},
		{"plain", true, "plain"},
	} {
		var buf bytes.Buffer
		w := NewCSV(&buf, c.safe)
		w.record([]string{c.in})
		w.End()
		if got := strings.TrimSuffix(buf.String(), "\r\n"); got != c.want {
			t.Errorf("safe=%v %q written as %q, want %q", c.safe, c.in, got, c.want)
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
