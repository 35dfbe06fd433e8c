package ingest

import (
	"bytes"
	"encoding/json"
	"io"

	"github.com/parquet-go/parquet-go"
)

// Parquet as slant's parquet export writes it: one span per row with its
// article's columns. Like the span JSONL it carries no article text: each
// row attaches to the project's article with the same external_id.
type parquetSpanRow struct {
	ExternalID *string `parquet:"external_id,optional"`
	Label      string  `parquet:"label"`
	Start      int64   `parquet:"start"`
	End        int64   `parquet:"end"`
	Text       string  `parquet:"text"`
	Note       string  `parquet:"note"`
	Attributes string  `parquet:"attributes"`
}

var parquetMagic = []byte("PAR1")

// parseParquet reads a Parquet file through ra (size bytes) when the
// input offers one (uploads spooled to disk, multipart parts, files, bytes
// in memory), so the file is never copied; otherwise (a zip entry) it
// reads r whole, bounded by the upload limit.
func parseParquet(name string, r io.Reader, ra io.ReaderAt, size int64, lim Limits, yield yielder) (err error) {
	defer func() { // the Parquet library panics on some malformed files
		if p := recover(); p != nil {
			err = fail(name, 0, "", "cannot read Parquet: malformed file (%v)", p)
		}
	}()
	if ra == nil || size < 0 {
		data, err := io.ReadAll(io.LimitReader(r, lim.MaxUploadBytes+1))
		if err != nil {
			return readErr(name, err)
		}
		ra, size = bytes.NewReader(data), int64(len(data))
	}
	// Bounded memory before the library sees the file (parquetguard.go).
	if err := checkParquetAt(ra, size, lim.unzippedBytes()); err != nil {
		return fail(name, 0, "", "cannot read Parquet: %v", err)
	}
	// The page indexes and bloom filters are not needed to read rows; not
	// reading them keeps two more library allocations out of the way.
	f, err := parquet.OpenFile(ra, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return fail(name, 0, "", "cannot read Parquet: %v", err)
	}
	for _, col := range []string{"label", "start", "end"} {
		if _, ok := f.Schema().Lookup(col); !ok {
			return fail(name, 0, col, "Parquet file has no %q column (expected slant's parquet export)", col)
		}
	}
	rd := parquet.NewGenericReader[parquetSpanRow](f) // columns projected by name
	defer rd.Close()
	buf := make([]parquetSpanRow, 1024)
	row := 0
	for {
		n, err := rd.Read(buf)
		for i := 0; i < n; i++ {
			row++
			p := buf[i]
			it := &Item{File: name, Line: row}
			if p.ExternalID == nil || *p.ExternalID == "" {
				it.Problems = append(it.Problems, Problem{File: name, Line: row, Field: "external_id",
					Message: "span not imported: external_id is required to attach it to an article of the project"})
				if yerr := yield(it); yerr != nil {
					return yerr
				}
				continue
			}
			text := p.Text
			sp := Span{Line: row, Label: p.Label, Start: int(p.Start), End: int(p.End), Text: &text, Note: p.Note}
			if p.Attributes != "" {
				var attrs map[string]any
				if json.Unmarshal([]byte(p.Attributes), &attrs) == nil {
					sp.Attributes = attrs
				}
			}
			it.ExternalRef = *p.ExternalID
			it.Spans = []Span{sp}
			if yerr := yield(it); yerr != nil {
				return yerr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fail(name, row, "", "cannot read Parquet: %v", err)
		}
	}
}
