package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// CSV: a header row, then one article per row. Columns are mapped by name
// (title, text, url, author, published_at, language, external_id; any
// other column goes into metadata). Commas, semicolons or tabs separate
// fields (whichever the header uses most); a leading BOM is dropped.
// Fields are read byte for byte: a CRLF inside a quoted field stays CRLF
// (encoding/csv would drop the CR and shift every offset after it).
//
// slant's own CSV export (annotation_id, ..., label, start, end, text, ...)
// is recognised by its header and read as span rows, like the "slant"
// JSONL format.

var csvArticleColumns = map[string]bool{"title": true, "text": true, "url": true, "author": true,
	"published_at": true, "language": true, "external_id": true}

func parseCSV(name string, r io.Reader, lim Limits, yield yielder) error {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	if b, _ := br.Peek(3); bytes.Equal(b, bom) {
		br.Discard(3)
	}
	cr := &csvReader{br: br, name: name, line: 1, max: lim.maxLine(), delim: ','}
	if strings.HasSuffix(strings.ToLower(name), ".tsv") {
		cr.delim = '\t'
	} else {
		head, _ := br.Peek(4096)
		first, _, _ := bytes.Cut(head, []byte{'\n'})
		best := 0
		for _, d := range []byte{',', ';', '\t'} {
			if n := bytes.Count(first, []byte{d}); n > best {
				best, cr.delim = n, d
			}
		}
	}
	header, _, err := cr.record()
	if errors.Is(err, io.EOF) {
		return fail(name, 1, "", "file is empty")
	}
	if err != nil {
		return err
	}
	cols := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		header[i] = h
		if _, dup := cols[h]; !dup {
			cols[h] = i
		}
	}
	spanRows := hasAll(cols, "annotation_id", "label", "start", "end", "external_id")
	if _, ok := cols["text"]; !ok {
		return fail(name, 1, "text", "no text column; the header has: %s", strings.Join(header, ", "))
	}
	n := 0
	for {
		rec, line, err := cr.record()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if len(rec) == 1 && rec[0] == "" {
			continue // blank line
		}
		if len(rec) != len(header) {
			return fail(name, line, "", "row has %d fields; the header has %d (ragged row or unbalanced quotes?)", len(rec), len(header))
		}
		var it *Item
		if spanRows {
			it = csvSpanItem(cols, rec, name, line)
		} else {
			it = csvArticleItem(header, cols, rec, name, line)
		}
		if err := yield(it); err != nil {
			return err
		}
		n++
	}
	if n == 0 {
		return fail(name, 2, "", "no rows after the header")
	}
	return nil
}

func hasAll(cols map[string]int, names ...string) bool {
	for _, n := range names {
		if _, ok := cols[n]; !ok {
			return false
		}
	}
	return true
}

func csvArticleItem(header []string, cols map[string]int, rec []string, name string, line int) *Item {
	obj := map[string]any{}
	meta := map[string]any{}
	for i, h := range header {
		if cols[h] != i || h == "" {
			continue
		}
		v := rec[i]
		switch {
		case csvArticleColumns[h]:
			if v != "" || h == "text" {
				obj[h] = v
			}
		case v != "":
			meta[h] = v
		}
	}
	if len(meta) > 0 {
		obj["metadata"] = meta
	}
	return articleItem(obj, name, line)
}

func csvSpanItem(cols map[string]int, rec []string, name string, line int) *Item {
	get := func(k string) string {
		if i, ok := cols[k]; ok {
			return rec[i]
		}
		return ""
	}
	obj := map[string]any{"external_id": get("external_id"), "label": get("label"), "text": get("text"), "note": get("note")}
	for _, k := range []string{"start", "end"} {
		obj[k] = json.Number(strings.TrimSpace(get(k)))
		if _, err := strconv.Atoi(get(k)); err != nil {
			obj[k] = get(k)
		}
	}
	if a := get("attributes"); a != "" && a != "{}" {
		if m, err := decodeObject([]byte(a)); err == nil {
			obj["attributes"] = m
		} else {
			obj["attributes"] = a // reported as not an object
		}
	}
	if obj["external_id"] == "" {
		delete(obj, "external_id")
	}
	return slantItem(obj, name, line)
}

// csvReader reads RFC 4180 records exactly, one at a time.
type csvReader struct {
	br    *bufio.Reader
	name  string
	delim byte
	line  int
	max   int
	field []byte
}

// record returns the next record and the line it starts on.
func (r *csvReader) record() ([]string, int, error) {
	start := r.line
	var rec []string
	r.field = r.field[:0]
	size := 0
	inQuotes, quoted, atStart := false, false, true
	end := func() {
		s := string(r.field)
		rec = append(rec, s)
		size += len(s)
		r.field = r.field[:0]
		atStart, quoted = true, false
	}
	for {
		c, err := r.br.ReadByte()
		if errors.Is(err, io.EOF) {
			if inQuotes {
				return nil, start, fail(r.name, start, "", "unterminated quoted field (unbalanced quotes) starting on this line")
			}
			if !atStart || len(rec) > 0 || quoted {
				end()
				return rec, start, r.check(rec, start)
			}
			return nil, start, io.EOF
		}
		if err != nil {
			return nil, start, readErr(r.name, err)
		}
		if size+len(r.field) > r.max {
			return nil, start, &LimitError{Problem: Problem{File: r.name, Line: start,
				Message: "CSV record is longer than " + strconv.Itoa(r.max) + " bytes"}}
		}
		if inQuotes {
			if c == '"' {
				next, err := r.br.ReadByte()
				if err == nil && next == '"' {
					r.field = append(r.field, '"')
					continue
				}
				if err == nil {
					r.br.UnreadByte()
					if next != r.delim && next != '\n' && next != '\r' {
						return nil, start, fail(r.name, r.line, "", "unexpected %q after a closing quote (unbalanced quotes?)", next)
					}
				}
				inQuotes = false
				continue
			}
			if c == '\n' {
				r.line++
			}
			r.field = append(r.field, c)
			continue
		}
		switch c {
		case '"':
			if !atStart {
				return nil, start, fail(r.name, r.line, "", "quote inside an unquoted field; quote the whole field and double inner quotes")
			}
			inQuotes, quoted, atStart = true, true, false
		case r.delim:
			end()
		case '\r':
			next, err := r.br.ReadByte()
			if err != nil || next != '\n' {
				return nil, start, fail(r.name, r.line, "", "bare CR outside quotes")
			}
			fallthrough
		case '\n':
			end()
			r.line++
			return rec, start, r.check(rec, start)
		default:
			r.field = append(r.field, c)
			atStart = false
		}
	}
}

func (r *csvReader) check(rec []string, line int) error {
	for _, f := range rec {
		if !utf8.ValidString(f) {
			return checkUTF8(r.name, []byte(f), line)
		}
		if strings.IndexByte(f, 0) >= 0 {
			return fail(r.name, line, "", "binary data (NUL byte) in a field")
		}
	}
	return nil
}
