package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"slant/models"
	"slant/server/export"
)

// xlsxEnv is formatsEnv plus spans whose notes, speakers and attributes
// look like formulas, split in ;-locales, or carry CRLF, RTL and emoji.
func xlsxEnv(t *testing.T) *testEnv {
	e, _ := formatsEnv(t)
	for i, s := range []struct{ note, speaker string }{
		{"=1+1", "@SUM(A1)"}, {" =1+1", "＝1+1"}, {"x;=1+1;y", "-3"}, {"line\r\nbreak\rlone CR", "عربي 👩‍🔬"},
		{"_x0041_ is literal", "007"}, {"", ""}, {"+33 1 23 45 67 89", "1e5"},
	} {
		_, err := e.store.CreateAnnotation(context.Background(), models.AnnotationIn{ArticleID: e.article.ID, UserID: e.users["other"].ID,
			Label: "opinion", Start: 2 * i, End: 2*i + 5, Note: s.note, Attributes: models.JSONMap{"speaker": s.speaker, "n": i, "q": "=HYPERLINK(\"x\")"}})
		if err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// jsonlCells turns the JSONL export into the rows a spreadsheet should
// show: the CSV columns in order, numbers in decimal, null as "",
// attributes as compact JSON.
func jsonlCells(t *testing.T, body []byte) [][]string {
	t.Helper()
	var rows [][]string
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(export.CSVColumns))
		for i, c := range export.CSVColumns {
			switch v := m[c].(type) {
			case nil:
			case string:
				row[i] = v
			case json.Number:
				row[i] = v.String()
			default:
				b, err := json.Marshal(v)
				if err != nil {
					t.Fatal(err)
				}
				row[i] = string(b)
			}
		}
		rows = append(rows, row)
	}
	return rows
}

func compareSheet(t *testing.T, reader string, got, want [][]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d", reader, len(got), len(want))
	}
	for r := range want {
		g := append(append([]string{}, got[r]...), make([]string, max(0, len(want[r])-len(got[r])))...)
		if len(g) != len(want[r]) {
			t.Fatalf("%s: row %d has %d cells, want %d: %q", reader, r+1, len(g), len(want[r]), got[r])
		}
		for c := range want[r] {
			if g[c] != want[r][c] {
				t.Errorf("%s: row %d column %d: %q, want %q", reader, r+1, c+1, g[c], want[r][c])
			}
		}
	}
}

// outletCells is the outlets sheet the JSONL rows call for.
func outletCells(rows [][]string) [][]string {
	col := map[string]int{}
	for i, c := range export.CSVColumns {
		col[c] = i
	}
	type agg struct {
		profile  []string
		articles map[string]bool
		spans    int
	}
	by := map[string]*agg{}
	for _, r := range rows {
		d := r[col["source_domain"]]
		if by[d] == nil {
			by[d] = &agg{profile: []string{d, r[col["source_name"]], r[col["source_country"]], r[col["source_ownership"]]}, articles: map[string]bool{}}
		}
		by[d].articles[r[col["article_id"]]] = true
		by[d].spans++
	}
	var domains []string
	for d := range by {
		domains = append(domains, d)
	}
	sort.Strings(domains)
	out := [][]string{export.XLSXOutletColumns}
	for _, d := range domains {
		a := by[d]
		out = append(out, append(a.profile, strconv.Itoa(len(a.articles)), strconv.Itoa(a.spans)))
	}
	return out
}

// The workbook, read by excelize, holds exactly the JSONL export's values,
// cell for cell, and an outlets sheet that agrees with them.
func TestExportXLSXMatchesJSONL(t *testing.T) {
	t.Parallel()
	e := xlsxEnv(t)
	want := append([][]string{slices.Clone(export.CSVColumns)}, jsonlCells(t, e.export(t, "format=jsonl").Body)...)
	r := e.export(t, "format=xlsx")
	if r.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" ||
		!strings.Contains(r.Header.Get("Content-Disposition"), ".xlsx\"") {
		t.Fatalf("headers %v", r.Header)
	}
	f, err := excelize.OpenReader(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := f.GetRows(export.XLSXSheetSpans)
	if err != nil {
		t.Fatal(err)
	}
	compareSheet(t, "excelize", got, want)
	outlets, err := f.GetRows(export.XLSXSheetOutlets)
	if err != nil {
		t.Fatal(err)
	}
	compareSheet(t, "excelize outlets", outlets, outletCells(want[1:]))
	// Offsets and ids are numbers; no cell holds a formula.
	for row := 2; row <= len(want); row++ {
		for _, c := range []string{"A", "C", "M", "N"} {
			if typ, _ := f.GetCellType(export.XLSXSheetSpans, c+strconv.Itoa(row)); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
				t.Fatalf("%s%d is not a number (%v)", c, row, typ)
			}
		}
		for c := 1; c <= len(export.CSVColumns); c++ {
			ref, _ := excelize.CoordinatesToCellName(c, row)
			if fm, _ := f.GetCellFormula(export.XLSXSheetSpans, ref); fm != "" {
				t.Fatalf("%s holds a formula: %q", ref, fm)
			}
		}
	}
}

// LibreOffice opens the workbook and, saved as CSV, shows exactly the
// JSONL export's values — no formula evaluated, no apostrophe shown.
// (LibreOffice turns CRLF in a cell into LF but keeps some lone CRs, so
// line breaks are compared as LF on both sides; the excelize test above
// compares them byte for byte.)
func TestExportXLSXOpensInLibreOffice(t *testing.T) {
	t.Parallel()
	bin := ""
	for _, name := range []string{"libreoffice", "soffice"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		t.Skip("libreoffice/soffice is not installed, so the workbook is not opened in a real spreadsheet program here (Debian: apt-get install libreoffice-calc-nogui; .ci/run installs it)")
	}
	e := xlsxEnv(t)
	want := append([][]string{slices.Clone(export.CSVColumns)}, jsonlCells(t, e.export(t, "format=jsonl").Body)...)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "book.xlsx"), e.export(t, "format=xlsx").Body, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// 44,34,76: comma, double quote, UTF-8; the trailing -1 writes every
	// sheet to its own file (book-spans.csv, book-outlets.csv).
	cmd := exec.CommandContext(ctx, bin, "--headless", "--norestore", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1", "--outdir", dir, filepath.Join(dir, "book.xlsx"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", bin, err, out)
	}
	read := func(name string) [][]string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("LibreOffice wrote no %s: %v", name, err)
		}
		recs, err := export.ReadCSV(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}
	// a copy: the rows share slices with the exporter's globals (the
	// header row is export.CSVColumns), which other tests read meanwhile
	lf := func(rows [][]string) [][]string {
		r := strings.NewReplacer("\r\n", "\n", "\r", "\n")
		out := make([][]string, len(rows))
		for j, row := range rows {
			out[j] = make([]string, len(row))
			for i := range row {
				out[j][i] = r.Replace(row[i])
			}
		}
		return out
	}
	compareSheet(t, "LibreOffice", lf(read("book-spans.csv")), lf(want))
	compareSheet(t, "LibreOffice outlets", read("book-outlets.csv"), outletCells(want[1:]))
}

// An export larger than one sheet is refused before it starts, with a
// message that says what to do; a filter that brings it under passes.
// (Not parallel: it lowers the limit for the package.)
func TestExportXLSXTooManySpans(t *testing.T) {
	e, _ := formatsEnv(t)
	old := xlsxMaxSpans
	xlsxMaxSpans = 2
	defer func() { xlsxMaxSpans = old }()
	r := e.do("GET", fmt.Sprintf("/api/v1/projects/%d/export?format=xlsx", e.project.ID), "ann", "")
	fields, _ := errorOf(t, r)["fields"].(map[string]any)
	if r.Status != 422 || !strings.Contains(fmt.Sprint(fields["format"]), "do not fit on one Excel sheet") {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	e.export(t, "format=xlsx&label=attributed_claim")
}

// Workbooks are built whole before they are sent, so one is written at a
// time: a second request meanwhile gets 429 (anyone's), and CSV goes on.
func TestOneWorkbookAtATime(t *testing.T) {
	t.Parallel()
	e := newEnv(t, scenarioText)
	h := e.handler
	h.workbooks <- struct{}{} // a workbook in progress
	path := fmt.Sprintf("/api/v1/projects/%d/export?format=xlsx", e.project.ID)
	r := e.do("GET", path, "admin", "")
	if r.Status != 429 || errorOf(t, r)["code"] != "too_many_requests" {
		t.Fatalf("xlsx while another is written: %d %s", r.Status, r.Body)
	}
	if r := e.do("GET", fmt.Sprintf("/api/v1/projects/%d/export?format=csv", e.project.ID), "admin", ""); r.Status != 200 {
		t.Fatalf("csv meanwhile: %d", r.Status)
	}
	<-h.workbooks
	if r := e.do("GET", path, "admin", ""); r.Status != 200 {
		t.Fatalf("xlsx afterwards: %d %s", r.Status, clipBody(r.Body))
	}
}
