package export

import (
	"fmt"
	"io"
	"sort"

	"slant/models"
)

// Writer is one export format. Rows arrive article by article, in text
// order within an article; Begin and End frame the output.
type Writer interface {
	Begin() error
	Row(r *models.ExportRow) error
	End() error
}

// Options tune a writer.
type Options struct {
	Safe    bool   // CSV: neutralise spreadsheet formulas
	BOM     bool   // CSV: start with a UTF-8 byte-order mark (for Excel)
	Project string // project name, for formats with a header
	// CollectionID is the W3C collection's IRI ("" derives one from
	// Project); Version is slant's version for W3C's generator ("": the
	// binary's build information).
	CollectionID string
	Version      string
}

// Format describes an export format for HTTP responses.
type Format struct {
	Name        string
	ContentType string
	Ext         string
	new         func(w io.Writer, o Options) Writer
}

var formats = map[string]Format{
	"csv":       {"csv", "text/csv; charset=utf-8", "csv", newCSVWriter},
	"jsonl":     {"jsonl", "application/x-ndjson; charset=utf-8", "jsonl", func(w io.Writer, o Options) Writer { return NewJSONL(w) }},
	"doccano":   {"doccano", "application/x-ndjson; charset=utf-8", "doccano.jsonl", func(w io.Writer, o Options) Writer { return NewDoccano(w) }},
	"w3c":       {"w3c", "application/ld+json; profile=\"http://www.w3.org/ns/anno.jsonld\"", "w3c.jsonld", func(w io.Writer, o Options) Writer { return NewW3C(w, o.Project, o.CollectionID, o.Version) }},
	"ptc":       {"ptc", "application/zip", "ptc.zip", func(w io.Writer, o Options) Writer { return NewPTC(w) }},
	"brat":      {"brat", "application/zip", "brat.zip", func(w io.Writer, o Options) Writer { return NewBrat(w) }},
	"parquet":   {"parquet", "application/vnd.apache.parquet", "parquet", func(w io.Writer, o Options) Writer { return NewParquet(w) }},
	"relations": {"relations", "text/csv; charset=utf-8", "relations.csv", func(w io.Writer, o Options) Writer { return NewRelations(w, o.Safe, o.BOM) }},
	"xlsx":      {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", func(w io.Writer, o Options) Writer { return NewXLSX(w) }},
}

func newCSVWriter(w io.Writer, o Options) Writer {
	c := NewCSV(w, o.Safe)
	c.BOM = o.BOM
	return c
}

// Lookup returns the named format.
func Lookup(name string) (Format, error) {
	f, ok := formats[name]
	if !ok {
		return Format{}, fmt.Errorf("unknown export format %q (one of %v)", name, FormatNames())
	}
	return f, nil
}

// FormatNames lists the formats, sorted.
func FormatNames() []string {
	out := make([]string, 0, len(formats))
	for k := range formats {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// New makes a writer of format f on w.
func (f Format) New(w io.Writer, o Options) Writer { return f.new(w, o) }
