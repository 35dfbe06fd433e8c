package export

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"

	"slant/models"
)

// XLSXMaxSpans is how many spans fit on one worksheet: Excel's 1,048,576
// rows, less the header. The HTTP handler refuses a larger export with
// 422 before it starts (see README); the writer fails if the store hands
// it more anyway, rather than cut the sheet short.
const XLSXMaxSpans = excelize.TotalRows - 1

// xlsxCellMax is Excel's limit on the text of one cell, in UTF-16 units.
const xlsxCellMax = excelize.TotalCellChars

// XLSXSheetSpans and XLSXSheetOutlets are the workbook's sheet names.
const (
	XLSXSheetSpans   = "spans"
	XLSXSheetOutlets = "outlets"
)

// XLSXOutletColumns is the header of the outlets sheet: the outlet
// profile as the other exports carry it, and how many of the exported
// articles and spans come from that outlet.
var XLSXOutletColumns = []string{"source_domain", "source_name", "source_country", "source_ownership", "articles", "spans"}

// XLSX writes an Excel workbook with excelize's stream writer. The
// spans sheet has the CSV's columns: ids and offsets are number cells,
// and every text is a string cell, so no formula can exist and nothing
// needs an apostrophe. Timestamps are ISO 8601 text in UTC, exactly as
// in JSONL (an Excel date cannot hold the time zone or microseconds).
// The header row is bold and frozen; a second sheet lists the outlets.
//
// Text that XML cannot carry (control characters other than tab, LF and
// CR; U+FFFE, U+FFFF) becomes U+FFFD, one for one, so offsets still
// count right; a cell over Excel's 32,767 UTF-16 units is cut to fit
// and ends with "…".
//
// Memory: excelize keeps the sheet's XML in a temporary file past 16 MB,
// but builds the finished (compressed) workbook in memory before the
// first byte is sent, so nothing reaches the client until End.
type XLSX struct {
	w       io.Writer
	f       *excelize.File
	sw      *excelize.StreamWriter
	rows    int // spans written
	max     int // spans per sheet (XLSXMaxSpans; smaller in tests)
	cells   []any
	outlets map[string]*xlsxOutlet
	lastArt int64
	closed  bool
}

type xlsxOutlet struct {
	domain, name, country, ownership string
	articles, spans                  int
}

// NewXLSX returns a workbook writer on w. Its temporary files go away
// at End or Close.
func NewXLSX(w io.Writer) *XLSX {
	return &XLSX{w: w, f: excelize.NewFile(), max: XLSXMaxSpans, cells: make([]any, len(CSVColumns)), outlets: map[string]*xlsxOutlet{}}
}

// xlsxWidths are the spans sheet's column widths, in characters.
var xlsxWidths = map[string]float64{
	"annotation_id": 12, "project": 16, "article_id": 10, "external_id": 14, "article_title": 40, "article_url": 36,
	"published_at": 22, "source_domain": 22, "source_name": 22, "source_country": 9, "source_ownership": 14,
	"label": 22, "start": 8, "end": 8, "text": 50, "context_before": 36, "context_after": 36, "note": 30,
	"speaker": 20, "attributes": 30, "annotator": 14, "origin": 14, "created_at": 26, "updated_at": 26,
	"layer": 10, "decided_by": 14, "provenance": 30,
}

func (x *XLSX) Begin() error {
	if err := x.f.SetSheetName("Sheet1", XLSXSheetSpans); err != nil {
		return err
	}
	sw, err := x.f.NewStreamWriter(XLSXSheetSpans)
	if err != nil {
		return err
	}
	x.sw = sw
	for i := len(CSVColumns) - 1; i >= 0; i-- { // excelize puts each width first: this writes them in column order
		if err := sw.SetColWidth(i+1, i+1, xlsxWidths[CSVColumns[i]]); err != nil {
			return err
		}
	}
	return x.header(sw, CSVColumns)
}

// header writes a bold header row and freezes it.
func (x *XLSX) header(sw *excelize.StreamWriter, cols []string) error {
	bold, err := x.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E8EEF4"}}})
	if err != nil {
		return err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}}); err != nil {
		return err
	}
	row := make([]any, len(cols))
	for i, c := range cols {
		row[i] = excelize.Cell{StyleID: bold, Value: c}
	}
	return sw.SetRow("A1", row)
}

func (x *XLSX) Row(r *models.ExportRow) error {
	if x.rows >= x.max {
		return fmt.Errorf("xlsx: more than %d spans do not fit on one sheet", x.max)
	}
	attrs := "{}"
	if len(r.Attributes) > 0 {
		b, err := json.Marshal(r.Attributes)
		if err != nil {
			return err
		}
		attrs = string(b)
	}
	c := x.cells
	c[0] = r.AnnotationID
	c[1] = xlsxText(r.Project)
	c[2] = r.ArticleID
	c[3] = nil
	if r.ExternalID != nil {
		c[3] = xlsxText(*r.ExternalID)
	}
	c[4] = xlsxText(r.ArticleTitle)
	c[5] = xlsxText(r.ArticleURL)
	c[6] = nil
	if r.PublishedAt != nil {
		c[6] = r.PublishedAt.UTC().Format(time.RFC3339Nano)
	}
	c[7] = xlsxText(r.SourceDomain)
	c[8] = xlsxText(r.SourceName)
	c[9] = xlsxText(r.SourceCountry)
	c[10] = xlsxText(r.SourceOwnership)
	c[11] = xlsxText(r.Label)
	c[12] = r.Start
	c[13] = r.End
	c[14] = xlsxText(r.Text)
	c[15] = xlsxText(r.ContextBefore)
	c[16] = xlsxText(r.ContextAfter)
	c[17] = xlsxText(r.Note)
	c[18] = xlsxText(speakerOf(r))
	c[19] = xlsxText(attrs)
	c[20] = xlsxText(r.Annotator)
	c[21] = xlsxText(r.Origin)
	c[22] = r.CreatedAt.UTC().Format(time.RFC3339Nano)
	c[23] = r.UpdatedAt.UTC().Format(time.RFC3339Nano)
	c[24] = xlsxText(r.Layer)
	c[25] = xlsxText(r.DecidedBy)
	c[26] = xlsxText(r.Provenance)
	x.rows++
	if err := x.sw.SetRow("A"+strconv.Itoa(x.rows+1), c); err != nil {
		return err
	}
	o := x.outlets[r.SourceDomain]
	if o == nil {
		o = &xlsxOutlet{domain: r.SourceDomain, name: r.SourceName, country: r.SourceCountry, ownership: r.SourceOwnership}
		x.outlets[r.SourceDomain] = o
	}
	o.spans++
	if r.ArticleID != x.lastArt { // rows come article by article
		o.articles++
		x.lastArt = r.ArticleID
	}
	return nil
}

// xlsxText is a string cell's value: nil (no cell) for "", and text
// over Excel's cell limit cut to fit with a closing "…".
func xlsxText(s string) any {
	if s == "" {
		return nil
	}
	if len(s) <= xlsxCellMax { // a rune never has more UTF-16 units than UTF-8 bytes
		return s
	}
	units, cut := 0, -1
	for i, r := range s {
		n := utf16.RuneLen(r)
		if n < 0 {
			n = 1
		}
		if units+n > xlsxCellMax-1 && cut < 0 {
			cut = i
		}
		units += n
	}
	if units <= xlsxCellMax {
		return s
	}
	return s[:cut] + "…"
}

func (x *XLSX) End() error {
	defer x.Close()
	if err := x.sw.Flush(); err != nil {
		return err
	}
	if err := x.writeOutlets(); err != nil {
		return err
	}
	x.f.SetActiveSheet(0)
	return x.f.Write(x.w)
}

// writeOutlets writes the outlets sheet, sorted by domain, with the
// spans without an outlet (empty domain) last.
func (x *XLSX) writeOutlets() error {
	if _, err := x.f.NewSheet(XLSXSheetOutlets); err != nil {
		return err
	}
	sw, err := x.f.NewStreamWriter(XLSXSheetOutlets)
	if err != nil {
		return err
	}
	widths := []float64{26, 30, 9, 14, 10, 10}
	for i := len(widths) - 1; i >= 0; i-- {
		if err := sw.SetColWidth(i+1, i+1, widths[i]); err != nil {
			return err
		}
	}
	if err := x.header(sw, XLSXOutletColumns); err != nil {
		return err
	}
	list := make([]*xlsxOutlet, 0, len(x.outlets))
	for _, o := range x.outlets {
		list = append(list, o)
	}
	sort.Slice(list, func(i, j int) bool {
		if (list[i].domain == "") != (list[j].domain == "") {
			return list[j].domain == ""
		}
		return list[i].domain < list[j].domain
	})
	for i, o := range list {
		row := []any{xlsxText(o.domain), xlsxText(o.name), xlsxText(o.country), xlsxText(o.ownership), o.articles, o.spans}
		if err := sw.SetRow("A"+strconv.Itoa(i+2), row); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// Close removes the workbook's temporary files. End calls it; call it
// also when an export stops before End.
func (x *XLSX) Close() error {
	if x.closed {
		return nil
	}
	x.closed = true
	return x.f.Close()
}
