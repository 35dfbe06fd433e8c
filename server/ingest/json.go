package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"slant/models"
)

// JSON: one article object, or an array of them. JSONL: one object per
// line. Article objects carry the article fields of the API (title, text,
// url, author, published_at, language, external_id, metadata); any other
// member goes into metadata, except "spans": [{label, start, end, text,
// note, attributes}], which labels the article.

// converter turns one decoded object into an item.
type converter func(obj map[string]any, file string, line int) *Item

func converterFor(kind string) converter {
	switch kind {
	case "doccano":
		return doccanoItem
	case "paragraphs":
		return paragraphItem
	case "slant":
		return slantItem
	}
	return articleItem
}

// parseJSON streams the elements of a top-level array (or one object).
func parseJSON(name string, r io.Reader, lim Limits, yield yielder) error {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	if b, _ := br.Peek(3); bytes.Equal(b, bom) {
		br.Discard(3)
	}
	first := 1
	for {
		b, err := br.Peek(1)
		if err != nil || (b[0] != ' ' && b[0] != '\t' && b[0] != '\r' && b[0] != '\n') {
			break
		}
		if b[0] == '\n' {
			first++
		}
		br.Discard(1)
	}
	if b, _ := br.Peek(1); len(b) == 1 && b[0] == '{' {
		data, err := readWhole(name, br, lim)
		if err != nil {
			return err
		}
		obj, err := decodeObject(bytes.TrimSpace(data))
		if err != nil {
			return fail(name, 1, "", "%v", err)
		}
		return yield(converterFor(objectKind(obj, "json"))(obj, name, first))
	}
	lc := &lineCounter{r: br, line: first}
	dec := json.NewDecoder(lc)
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return jsonFail(name, lc.lineAt(dec.InputOffset()), err)
	}
	if tok != json.Delim('[') {
		return fail(name, 1, "", "expected a JSON array of article objects or one object")
	}
	var conv converter
	n := 0
	for dec.More() {
		line := lc.startLine(dec.InputOffset())
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return jsonFail(name, line, err)
		}
		if len(raw) > lim.maxLine() {
			return tooLong(name, line, lim)
		}
		if !utf8.Valid(raw) {
			return checkUTF8(name, raw, line)
		}
		obj, err := decodeObject(raw)
		if err != nil {
			return fail(name, line, "", "element %d: %v", n, err)
		}
		if conv == nil {
			conv = converterFor(objectKind(obj, "json"))
		}
		if err := yield(conv(obj, name, line)); err != nil {
			return err
		}
		n++
	}
	if _, err := dec.Token(); err != nil {
		return jsonFail(name, lc.lineAt(dec.InputOffset()), err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fail(name, lc.lineAt(dec.InputOffset()), "", "unexpected data after the JSON array")
	}
	if n == 0 {
		return fail(name, 1, "", "the JSON array is empty")
	}
	return nil
}

func tooLong(name string, line int, lim Limits) error {
	return &LimitError{Problem: Problem{File: name, Line: line,
		Message: fmt.Sprintf("record is longer than %d bytes", lim.maxLine())}}
}

func jsonFail(name string, line int, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fail(name, line, "", "malformed JSON: unexpected end of input (truncated file?)")
	}
	if e := readErr(name, err); isMaxBytes(e) {
		return e
	}
	return fail(name, line, "", "malformed JSON: %v", err)
}

// parseJSONL reads one object per line; blank lines are skipped. A line
// that is not a JSON object stops the import.
func parseJSONL(name string, r io.Reader, kind string, lim Limits, yield yielder) error {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	conv := converterFor(kind)
	var buf []byte
	n := 0
	for line := 1; ; line++ {
		buf = buf[:0]
		var err error
		for {
			var chunk []byte
			chunk, err = br.ReadSlice('\n')
			buf = append(buf, chunk...)
			if len(buf) > lim.maxLine() {
				return tooLong(name, line, lim)
			}
			if err != bufio.ErrBufferFull {
				break
			}
		}
		if err != nil && err != io.EOF {
			return readErr(name, err)
		}
		if line == 1 {
			buf = bytes.TrimPrefix(buf, bom)
		}
		text := bytes.TrimSpace(buf)
		if len(text) > 0 {
			if !utf8.Valid(text) {
				return checkUTF8(name, text, line)
			}
			if bytes.IndexByte(text, 0) >= 0 {
				return fail(name, line, "", "binary data (NUL byte) on this line")
			}
			if text[0] == '[' && line == 1 && kind == "jsonl" {
				return fail(name, line, "", "this is a JSON array, not JSON Lines; use format=json")
			}
			obj, derr := decodeObject(text)
			if derr != nil {
				return fail(name, line, "", "%v", derr)
			}
			if err := yield(conv(obj, name, line)); err != nil {
				return err
			}
			n++
		}
		if err == io.EOF {
			break
		}
	}
	if n == 0 {
		return fail(name, 1, "", "file is empty")
	}
	return nil
}

// decodeObject decodes one JSON object exactly: numbers keep their
// digits, lone surrogate escapes and trailing data are errors.
func decodeObject(b []byte) (map[string]any, error) {
	if models.HasLoneSurrogateEscape(b) {
		return nil, errors.New("unpaired UTF-16 surrogate escape (\\ud800-\\udfff); text must be valid Unicode")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, errors.New("malformed JSON: unexpected end of line (truncated record?)")
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, errors.New("expected a JSON object")
		}
		return nil, fmt.Errorf("malformed JSON: %v", err)
	}
	if obj == nil {
		return nil, errors.New("expected a JSON object, got null")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("malformed JSON: unexpected data after the object")
	}
	return obj, nil
}

// articleItem maps an article object. Problems (a wrong type, a bad
// date) leave the article out and are reported on its line.
func articleItem(obj map[string]any, file string, line int) *Item {
	it := &Item{File: file, Line: line}
	in := &models.ArticleIn{Metadata: models.JSONMap{}}
	var ps problems
	for _, k := range sortedKeys(obj) {
		v := obj[k]
		switch k {
		case "text":
			in.Text = ps.str(obj, k)
		case "title":
			in.Title = ps.str(obj, k)
		case "url":
			in.URL = ps.str(obj, k)
		case "author":
			in.Author = ps.str(obj, k)
		case "language":
			in.Language = ps.str(obj, k)
		case "published_at":
			in.PublishedAt = ps.time(obj, k)
		case "external_id":
			in.ExternalID = ps.id(obj, k)
		case "metadata":
			if v == nil {
				continue
			}
			m, ok := v.(map[string]any)
			if !ok {
				ps.add(k, "must be an object")
				continue
			}
			for mk, mv := range m {
				in.Metadata[mk] = mv
			}
		case "spans", "annotations":
			it.Spans = ps.spans(obj, k)
		default:
			in.Metadata[k] = v
		}
	}
	if _, ok := obj["text"]; !ok {
		ps.add("text", "is required")
	}
	return ps.finish(it, in)
}

// problems collects the field problems of one record.
type problems []struct{ field, msg string }

func (ps *problems) add(field, msg string) {
	*ps = append(*ps, struct{ field, msg string }{field, msg})
}

func (ps *problems) str(obj map[string]any, k string) string {
	switch v := obj[k].(type) {
	case string:
		return v
	case nil:
		return ""
	}
	ps.add(k, "must be a string")
	return ""
}

func (ps *problems) id(obj map[string]any, k string) *string {
	switch v := obj[k].(type) {
	case string:
		return &v
	case json.Number:
		s := v.String()
		return &s
	case nil:
		return nil
	}
	ps.add(k, "must be a string or a number")
	return nil
}

func (ps *problems) time(obj map[string]any, k string) *time.Time {
	s := ps.str(obj, k)
	if strings.TrimSpace(s) == "" {
		return nil
	}
	t, ok := models.ParseTime(s)
	if !ok {
		ps.add(k, fmt.Sprintf("%q is not a date (RFC 3339 or YYYY-MM-DD)", s))
		return nil
	}
	return &t
}

func (ps *problems) int(obj map[string]any, k string) int {
	switch v := obj[k].(type) {
	case json.Number:
		n, err := strconv.Atoi(v.String())
		if err == nil {
			return n
		}
	case nil:
		ps.add(k, "is required")
		return 0
	}
	ps.add(k, "must be an integer")
	return 0
}

// spans reads [{label, start, end, text, note, attributes}].
func (ps *problems) spans(obj map[string]any, k string) []Span {
	arr, ok := obj[k].([]any)
	if !ok {
		if obj[k] != nil {
			ps.add(k, "must be an array of spans")
		}
		return nil
	}
	var out []Span
	for i, e := range arr {
		m, ok := e.(map[string]any)
		if !ok {
			ps.add(fmt.Sprintf("%s[%d]", k, i), "must be an object")
			continue
		}
		var sub problems
		sp := Span{Label: sub.str(m, "label"), Start: sub.int(m, "start"), End: sub.int(m, "end"), Note: sub.str(m, "note")}
		if t, ok := m["text"]; ok && t != nil {
			s := sub.str(m, "text")
			sp.Text = &s
		}
		if a, ok := m["attributes"].(map[string]any); ok {
			sp.Attributes = a
		} else if m["attributes"] != nil {
			sub.add("attributes", "must be an object")
		}
		if len(sub) > 0 {
			for _, p := range sub {
				ps.add(fmt.Sprintf("%s[%d].%s", k, i, p.field), p.msg)
			}
			continue
		}
		out = append(out, sp)
	}
	return out
}

// finish attaches the article, or, if anything was wrong, only the
// problems (the article is then not imported).
func (ps problems) finish(it *Item, in *models.ArticleIn) *Item {
	if len(ps) == 0 {
		it.Article = in
		return it
	}
	for _, p := range ps {
		it.Problems = append(it.Problems, Problem{File: it.File, Line: it.Line, Field: p.field, Message: "article not imported: " + p.field + " " + p.msg})
	}
	it.Spans = nil
	return it
}

// lineCounter maps decoder offsets to line numbers while streaming,
// keeping only the bytes not yet counted.
type lineCounter struct {
	r    io.Reader
	buf  []byte
	base int64 // offset of buf[0]
	line int   // line at base
}

func (lc *lineCounter) Read(p []byte) (int, error) {
	n, err := lc.r.Read(p)
	lc.buf = append(lc.buf, p[:n]...)
	return n, err
}

func (lc *lineCounter) lineAt(off int64) int {
	k := int(off - lc.base)
	if k > len(lc.buf) {
		k = len(lc.buf)
	}
	if k > 0 {
		lc.line += bytes.Count(lc.buf[:k], []byte{'\n'})
		lc.buf = append(lc.buf[:0], lc.buf[k:]...)
		lc.base += int64(k)
	}
	return lc.line
}

// startLine is the line of the next value after off (skipping blanks and
// the separating comma).
func (lc *lineCounter) startLine(off int64) int {
	lc.lineAt(off)
	line := lc.line
	for _, c := range lc.buf {
		if c == '\n' {
			line++
		} else if c != ' ' && c != '\t' && c != '\r' && c != ',' {
			break
		}
	}
	return line
}
