package export

import (
	"archive/zip"
	"bytes"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"slant/models"
)

func xlsxRow(id, article int64, domain, text string) *models.ExportRow {
	at := time.Date(2026, 11, 28, 12, 0, 0, 123456000, time.UTC)
	r := &models.ExportRow{AnnotationID: id, Project: "P", ArticleID: article, ArticleTitle: "T", Label: "opinion",
		Start: 3, End: 3 + len([]rune(text)), Text: text, CreatedAt: at, UpdatedAt: at, Origin: "human", Annotator: "ann"}
	if domain != "" {
		r.SourceDomain, r.SourceName, r.SourceCountry, r.SourceOwnership = domain, "N "+domain, "NO", "public"
	}
	return r
}

func writeXLSX(t *testing.T, x *XLSX, rows ...*models.ExportRow) error {
	t.Helper()
	if err := x.Begin(); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := x.Row(r); err != nil {
			x.Close()
			return err
		}
	}
	return x.End()
}

// Every text is a string cell (never a formula, whatever it looks like),
// ids and offsets are numbers, the header is frozen, columns have widths,
// and the outlets sheet counts articles and spans per outlet.
func TestXLSXCellTypesAndSheets(t *testing.T) {
	t.Parallel()
	texts := []string{"=1+1", "+SUM(A1:A9)", "@cmd", "-3", " =1", "＝1", "007", "1e5", "TRUE", "_x0041_ literal",
		"CRLF\r\ninside", "👩‍🔬 عربي", "ctl\x01\x0bchar"}
	var rows []*models.ExportRow
	type counts struct{ articles, spans int }
	want := map[string]*counts{}
	for i, s := range texts {
		article := int64(100 + i/2) // two spans per article; an article has one outlet
		domain := []string{"b.example", "a.example", ""}[article%3]
		rows = append(rows, xlsxRow(int64(i+1), article, domain, s))
		if want[domain] == nil {
			want[domain] = &counts{}
		}
		if want[domain].spans++; i%2 == 0 {
			want[domain].articles++
		}
	}
	var buf bytes.Buffer
	if err := writeXLSX(t, NewXLSX(&buf), rows...); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 2 || got[0] != XLSXSheetSpans || got[1] != XLSXSheetOutlets {
		t.Fatalf("sheets %v", got)
	}
	col := map[string]string{}
	for i, c := range CSVColumns {
		name, _ := excelize.ColumnNumberToName(i + 1)
		col[c] = name
		if v, _ := f.GetCellValue(XLSXSheetSpans, name+"1"); v != c {
			t.Fatalf("header %s = %q", name, v)
		}
		if w, _ := f.GetColWidth(XLSXSheetSpans, name); w < 8 {
			t.Errorf("column %s width %v", c, w)
		}
	}
	panes, err := f.GetPanes(XLSXSheetSpans)
	if err != nil || !panes.Freeze || panes.YSplit != 1 || panes.TopLeftCell != "A2" {
		t.Fatalf("panes %+v %v", panes, err)
	}
	for i, wantText := range texts {
		row := i + 2
		cell := func(c string) string { return col[c] + strconv.Itoa(row) }
		got, _ := f.GetCellValue(XLSXSheetSpans, cell("text"))
		if wantText == "ctl\x01\x0bchar" {
			wantText = "ctl\ufffd\ufffdchar" // XML cannot carry them; one for one keeps offsets right
		}
		if got != wantText {
			t.Errorf("row %d text %q, want %q", row, got, wantText)
		}
		if typ, _ := f.GetCellType(XLSXSheetSpans, cell("text")); typ != excelize.CellTypeInlineString {
			t.Errorf("row %d text cell type %v", row, typ)
		}
		if fm, _ := f.GetCellFormula(XLSXSheetSpans, cell("text")); fm != "" {
			t.Errorf("row %d has a formula %q", row, fm)
		}
		if v, _ := f.GetCellValue(XLSXSheetSpans, cell("annotation_id")); v != strconv.Itoa(i+1) {
			t.Errorf("row %d annotation_id %q", row, v)
		}
		if v, _ := f.GetCellValue(XLSXSheetSpans, cell("created_at")); v != "2026-11-28T12:00:00.123456Z" {
			t.Errorf("row %d created_at %q", row, v)
		}
	}
	// Number cells are plain <v> values with no type attribute.
	sheetXML := unzipPart(t, buf.Bytes(), "xl/worksheets/sheet1.xml")
	if strings.Contains(sheetXML, "<f>") || !strings.Contains(sheetXML, `<c r="A2"><v>1</v></c>`) ||
		!strings.Contains(sheetXML, `<c r="M2"><v>3</v></c>`) {
		t.Fatalf("sheet XML: %.2000s", sheetXML)
	}
	outlets, err := f.GetRows(XLSXSheetOutlets)
	if err != nil {
		t.Fatal(err)
	}
	wantRows := [][]string{XLSXOutletColumns}
	for _, d := range []string{"a.example", "b.example", ""} {
		name, country, own := "N "+d, "NO", "public"
		if d == "" {
			name, country, own = "", "", ""
		}
		wantRows = append(wantRows, []string{d, name, country, own, strconv.Itoa(want[d].articles), strconv.Itoa(want[d].spans)})
	}
	if len(outlets) != len(wantRows) {
		t.Fatalf("outlets %q", outlets)
	}
	for i := range wantRows {
		if strings.Join(outlets[i], "|") != strings.Join(wantRows[i], "|") {
			t.Errorf("outlets row %d = %q, want %q", i, outlets[i], wantRows[i])
		}
	}
}

// A cell over Excel's 32,767 UTF-16 units is cut to fit and ends with
// "…"; one that fits exactly (astral characters count two) is whole.
func TestXLSXLongCells(t *testing.T) {
	t.Parallel()
	exact := strings.Repeat("👩", xlsxCellMax/2) + "x" // 32,767 units
	long := strings.Repeat("a", xlsxCellMax-2) + "👩👩" // 32,769 units
	var buf bytes.Buffer
	if err := writeXLSX(t, NewXLSX(&buf), xlsxRow(1, 1, "", exact), xlsxRow(2, 1, "", long)); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got, _ := f.GetCellValue(XLSXSheetSpans, "O2"); got != exact {
		t.Errorf("a cell that fits was changed (%d bytes, want %d)", len(got), len(exact))
	}
	if got, _ := f.GetCellValue(XLSXSheetSpans, "O3"); got != strings.Repeat("a", xlsxCellMax-2)+"…" {
		t.Errorf("long cell: %d bytes, ends %q", len(got), got[max(0, len(got)-8):])
	}
}

// More spans than a sheet holds fail the export instead of cutting it
// short (the handler refuses such an export before it starts).
func TestXLSXSheetLimit(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	x := NewXLSX(&buf)
	x.max = 2
	err := writeXLSX(t, x, xlsxRow(1, 1, "", "a"), xlsxRow(2, 1, "", "b"), xlsxRow(3, 1, "", "c"))
	if err == nil || !strings.Contains(err.Error(), "do not fit on one sheet") {
		t.Fatalf("third span on a two-span sheet: %v", err)
	}
}

func unzipPart(t *testing.T, b []byte, name string) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := zr.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
