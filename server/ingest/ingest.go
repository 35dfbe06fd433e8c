package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// Formats lists the format names an import may ask for ("auto" detects).
var Formats = []string{"auto", "json", "jsonl", "csv", "txt", "html", "crawl", "doccano", "ptc", "paragraphs", "slant", "w3c", "parquet", "brat"}

// Input is one uploaded file (or zip entry, or file on disk).
type Input struct {
	Name string // as uploaded; problems name it
	Size int64  // -1 when unknown
	Open func() (io.ReadCloser, error)
}

// FileInput reads a file from disk.
func FileInput(p string) (Input, error) {
	st, err := os.Stat(p)
	if err != nil {
		return Input{}, err
	}
	if st.IsDir() {
		return Input{}, fmt.Errorf("%s is a directory", p)
	}
	return Input{Name: p, Size: st.Size(), Open: func() (io.ReadCloser, error) { return os.Open(p) }}, nil
}

// BytesInput wraps data already in memory.
func BytesInput(name string, data []byte) Input {
	return ReaderAtInput(name, bytes.NewReader(data), int64(len(data)))
}

// ReaderAtInput reads the size bytes of ra, for example an upload spooled
// to a temporary file. What Open returns is also an io.ReaderAt, so a zip
// is read in place (its directory and then each entry), never copied into
// memory whole.
func ReaderAtInput(name string, ra io.ReaderAt, size int64) Input {
	return Input{Name: name, Size: size, Open: func() (io.ReadCloser, error) {
		return readerAtCloser{io.NewSectionReader(ra, 0, size)}, nil
	}}
}

// readerAtCloser keeps ReadAt visible (io.NopCloser would hide it).
type readerAtCloser struct{ *io.SectionReader }

func (readerAtCloser) Close() error { return nil }

// fail is a fatal problem: the import stops and stores nothing.
func fail(file string, line int, field, format string, args ...any) *Problem {
	return &Problem{File: file, Line: line, Field: field, Message: fmt.Sprintf(format, args...)}
}

// yielder is how parsers hand items on.
type yielder = func(*Item) error

// Parse returns the stream of items of inputs read as format ("" or
// "auto": detect each file by name and content). Zips are expanded; PTC
// texts and label files are grouped across files. Nothing is read before
// the stream is consumed.
func Parse(inputs []Input, format string, lim Limits) Stream {
	return func(yield yielder) error {
		if format == "" {
			format = "auto"
		}
		if !slices.Contains(Formats, format) {
			return fail("", 0, "format", "unknown format %q; use one of %s", format, strings.Join(Formats, ", "))
		}
		if len(inputs) == 0 {
			return fail("", 0, "file", "no file uploaded")
		}
		files, problems, err := expandZips(inputs, lim)
		if err != nil {
			return err
		}
		if len(problems) > 0 {
			if err := yield(&Item{Problems: problems}); err != nil {
				return err
			}
		}
		var ptc, brat, rest []Input
		for _, f := range files {
			switch {
			case format == "brat" || (format == "auto" && strings.EqualFold(path.Ext(f.Name), ".ann")):
				brat = append(brat, f)
			case format == "ptc":
				ptc = append(ptc, f)
			case format == "auto" && isPTCLabelFile(f.Name):
				ptc = append(ptc, f)
			default:
				rest = append(rest, f)
			}
		}
		if format == "auto" && len(ptc) > 0 {
			// texts of the label files' articles belong to the corpus
			var keep []Input
			for _, f := range rest {
				if ptcTextID(f.Name) != "" {
					ptc = append(ptc, f)
				} else {
					keep = append(keep, f)
				}
			}
			rest = keep
		}
		if format == "auto" && len(brat) > 0 {
			// .ann files: a brat collection with its texts
			var keep []Input
			for _, f := range rest {
				if ext := strings.ToLower(path.Ext(f.Name)); ext == ".txt" || ext == ".conf" {
					brat = append(brat, f)
				} else {
					keep = append(keep, f)
				}
			}
			rest = keep
		}
		if len(brat) > 0 {
			if err := parseBrat(brat, lim, yield); err != nil {
				return err
			}
		}
		if len(ptc) > 0 {
			if err := parsePTC(ptc, lim, yield); err != nil {
				return err
			}
		}
		for _, f := range rest {
			if err := parseOne(f, format, lim, yield); err != nil {
				return err
			}
		}
		return nil
	}
}

// parseOne detects (if asked) and parses one non-zip file.
func parseOne(in Input, format string, lim Limits, yield yielder) error {
	rc, err := in.Open()
	if err != nil {
		return fail(in.Name, 0, "", "cannot open: %v", err)
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 64<<10)
	head, err := br.Peek(64 << 10)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return readErr(in.Name, err)
	}
	if format == "parquet" || (format == "auto" && bytes.HasPrefix(head, parquetMagic)) {
		ra, _ := rc.(io.ReaderAt)
		return parseParquet(in.Name, br, ra, in.Size, lim, yield) // binary: skips the text checks
	}
	if err := checkHead(in.Name, head); err != nil {
		return err
	}
	if format == "auto" {
		format = Detect(in.Name, head)
	}
	switch format {
	case "w3c":
		return parseW3C(in.Name, br, lim, yield)
	case "json":
		return parseJSON(in.Name, br, lim, yield)
	case "jsonl", "doccano", "paragraphs", "slant":
		return parseJSONL(in.Name, br, format, lim, yield)
	case "csv":
		return parseCSV(in.Name, br, lim, yield)
	case "ptc":
		return parsePTC([]Input{in}, lim, yield)
	}
	data, err := readWhole(in.Name, br, lim)
	if err != nil {
		return err
	}
	var it *Item
	switch format {
	case "txt":
		it, err = ParseText(in.Name, data)
	case "html":
		it, err = ParseHTML(in.Name, data, "")
	case "crawl":
		it, err = ParseCrawlDump(in.Name, data)
	default:
		return fail(in.Name, 0, "format", "unknown format %q", format)
	}
	if err != nil {
		return err
	}
	return yield(it)
}

func readErr(name string, err error) error {
	var p *Problem
	if errors.As(err, &p) {
		return err
	}
	var le *LimitError
	if errors.As(err, &le) {
		return err
	}
	if isMaxBytes(err) {
		return err // the HTTP layer turns it into 413
	}
	return fail(name, 0, "", "cannot read: %v", err)
}

func isMaxBytes(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

// readWhole reads a one-article file, bounded, and checks it is UTF-8.
func readWhole(name string, r io.Reader, lim Limits) ([]byte, error) {
	max := lim.maxWholeFile()
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, readErr(name, err)
	}
	if int64(len(data)) > max {
		return nil, &LimitError{Problem: Problem{File: name,
			Message: fmt.Sprintf("file is larger than %d bytes, too large for one article", max)}}
	}
	if err := checkUTF8(name, data, 1); err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fail(name, 1, "", "file is empty")
	}
	return data, nil
}

// checkHead refuses empty, binary and non-UTF-8 files early.
func checkHead(name string, head []byte) error {
	if len(bytes.TrimSpace(bytes.TrimPrefix(head, bom))) == 0 {
		return fail(name, 1, "", "file is empty")
	}
	if bytes.HasPrefix(head, []byte{0xFF, 0xFE}) || bytes.HasPrefix(head, []byte{0xFE, 0xFF}) {
		return fail(name, 1, "", "file is UTF-16; save it as UTF-8")
	}
	if i := bytes.IndexByte(head, 0); i >= 0 {
		return fail(name, 1+bytes.Count(head[:i], []byte{'\n'}), "", "binary file (contains NUL bytes); expected UTF-8 text")
	}
	// the last few bytes may be a character cut by the peek window
	check := head
	if len(check) == 64<<10 {
		for k := 0; k < utf8.UTFMax && len(check) > 0 && !utf8.Valid(check); k++ {
			check = check[:len(check)-1]
		}
	}
	return checkUTF8(name, check, 1)
}

var bom = []byte{0xEF, 0xBB, 0xBF}

// checkUTF8 reports the line of the first invalid UTF-8 byte.
func checkUTF8(name string, b []byte, firstLine int) error {
	if utf8.Valid(b) {
		return nil
	}
	i := 0
	for i < len(b) {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			break
		}
		i += n
	}
	return fail(name, firstLine+bytes.Count(b[:i], []byte{'\n'}), "", "invalid UTF-8 (byte 0x%02x); save the file as UTF-8", b[i])
}

var crawlFirstLine = regexp.MustCompile(`^ ?date \d{4}-\d{2}-\d{2} https?://\S+\s*$`)

// Detect names the format of a file from its name and first bytes.
func Detect(name string, head []byte) string {
	lower := strings.ToLower(path.Base(name))
	head = bytes.TrimPrefix(head, bom)
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	firstLine, _, _ := bytes.Cut(head, []byte{'\n'})
	switch {
	case isPTCLabelFile(lower):
		return "ptc"
	case strings.HasSuffix(lower, ".html"), strings.HasSuffix(lower, ".htm"), strings.HasSuffix(lower, ".xhtml"):
		return "html"
	case strings.HasSuffix(lower, ".csv"), strings.HasSuffix(lower, ".tsv"):
		return "csv"
	case strings.HasSuffix(lower, ".jsonl"), strings.HasSuffix(lower, ".ndjson"), strings.HasSuffix(lower, ".jsonlines"):
		return jsonlKind(trimmed)
	case strings.HasSuffix(lower, ".jsonld") || looksW3C(trimmed):
		return "w3c"
	case strings.HasSuffix(lower, ".json"):
		if looksJSONL(trimmed) {
			return jsonlKind(trimmed)
		}
		return "json"
	case crawlFirstLine.Match(bytes.TrimRight(firstLine, "\r")):
		return "crawl"
	case strings.HasSuffix(lower, ".txt"):
		return "txt"
	case len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '['):
		if looksJSONL(trimmed) {
			return jsonlKind(trimmed)
		}
		return "json"
	case looksHTML(trimmed):
		return "html"
	case looksCSV(firstLine):
		return "csv"
	}
	return "txt"
}

// looksW3C: a JSON-LD document with the Web Annotation context.
func looksW3C(b []byte) bool {
	n := min(len(b), 4096)
	return len(b) > 0 && b[0] == '{' && bytes.Contains(b[:n], []byte(`"@context"`)) &&
		bytes.Contains(b[:n], []byte("www.w3.org/ns/anno.jsonld"))
}

func looksHTML(b []byte) bool {
	n := min(len(b), 512)
	s := strings.ToLower(string(b[:n]))
	return strings.HasPrefix(s, "<!doctype html") || strings.HasPrefix(s, "<html") ||
		(strings.HasPrefix(s, "<") && (strings.Contains(s, "<head") || strings.Contains(s, "<body")))
}

func looksCSV(firstLine []byte) bool {
	for _, d := range []byte{',', ';', '\t'} {
		for _, col := range strings.Split(strings.TrimRight(string(firstLine), "\r"), string(d)) {
			if strings.EqualFold(strings.Trim(strings.TrimSpace(col), `"`), "text") && bytes.IndexByte(firstLine, d) >= 0 {
				return true
			}
		}
	}
	return false
}

// looksJSONL: an object on the first line followed by another object.
func looksJSONL(b []byte) bool {
	if len(b) == 0 || b[0] != '{' {
		return false
	}
	first, rest, ok := bytes.Cut(b, []byte{'\n'})
	if !ok {
		return false
	}
	first = bytes.TrimSpace(first)
	rest = bytes.TrimLeft(rest, " \t\r\n")
	return len(first) > 1 && first[len(first)-1] == '}' && (len(rest) == 0 || rest[0] == '{')
}

// jsonlKind tells article JSONL from the labelled JSONL shapes by the
// keys of the first object.
func jsonlKind(b []byte) string {
	line, _, _ := bytes.Cut(b, []byte{'\n'})
	obj, err := decodeObject(bytes.TrimSpace(line))
	if err != nil {
		return "jsonl"
	}
	return objectKind(obj, "jsonl")
}

func objectKind(obj map[string]any, def string) string {
	if _, ok := obj["paragraph"]; ok {
		return "paragraphs"
	}
	if ls, ok := obj["labels"].([]any); ok && len(ls) > 0 {
		if m, ok := ls[0].(map[string]any); ok {
			if _, ok := m["technique"]; ok {
				return "paragraphs"
			}
		}
	}
	for _, k := range []string{"label", "labels", "entities"} {
		if ls, ok := obj[k].([]any); ok {
			if len(ls) == 0 && k == "labels" {
				continue
			}
			return "doccano"
		}
	}
	_, hasStart := obj["start"]
	_, hasEnd := obj["end"]
	if _, ok := obj["label"].(string); ok && hasStart && hasEnd {
		return "slant"
	}
	return def
}

// sortedKeys is for deterministic metadata and messages.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
