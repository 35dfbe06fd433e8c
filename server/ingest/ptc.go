package ingest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"path"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"slant/models"
)

// PTC (SemEval-2020 Task 11, Propaganda Techniques Corpus): a folder or
// zip of article<ID>.txt texts and label files whose lines are
//
//	<ID> TAB <technique> TAB <start> TAB <end>     (article<ID>.labels.tsv, *.task-flc-tc.labels, *.task2-TC.labels)
//	<ID> TAB <start> TAB <end>                    (span-only *.task-si.labels; label "propaganda")
//
// and SemEval-2023 Task 3 article<ID>-labels-subtask-3.txt files in the
// first shape. A label file may hold the spans of many articles. Texts
// are read byte for byte: a "\r" counts as a character, as in the
// corpus's own offsets.

// SpanOnlyLabel is the label of spans from the 3-column variant.
const SpanOnlyLabel = "propaganda"

var (
	ptcLabelRe = regexp.MustCompile(`(?i)(\.labels(\.tsv|\.txt)?|-labels-subtask-\d+\.txt|\.task-[a-z0-9-]+\.labels)$`)
	ptcTextRe  = regexp.MustCompile(`(?i)^article(\w+)\.txt$`)
)

func isPTCLabelFile(name string) bool { return ptcLabelRe.MatchString(path.Base(name)) }

// ptcTextID returns the article id of an article<ID>.txt file, or "".
func ptcTextID(name string) string {
	base := path.Base(name)
	if isPTCLabelFile(base) {
		return ""
	}
	if m := ptcTextRe.FindStringSubmatch(base); m != nil {
		return m[1]
	}
	return ""
}

type ptcSpan struct {
	Span
	id string
}

func parsePTC(files []Input, lim Limits, yield yielder) error {
	type text struct {
		in Input
		id string
	}
	var texts []text
	seen := map[string]string{}
	spans := map[string][]Span{}
	var order []ptcSpan // label lines, to report those without a text
	for _, f := range files {
		if isPTCLabelFile(f.Name) {
			ls, err := readPTCLabels(f, lim)
			if err != nil {
				return err
			}
			for _, s := range ls {
				spans[s.id] = append(spans[s.id], s.Span)
				order = append(order, s)
			}
			continue
		}
		id := ptcTextID(f.Name)
		if id == "" {
			base := path.Base(f.Name)
			if !strings.HasSuffix(strings.ToLower(base), ".txt") {
				return fail(f.Name, 0, "file", "not part of a PTC corpus: expected article<ID>.txt texts and label files")
			}
			id = strings.TrimSuffix(base, path.Ext(base))
		}
		if prev, dup := seen[id]; dup {
			return fail(f.Name, 0, "file", "article %s appears twice (also %s)", id, prev)
		}
		seen[id] = f.Name
		texts = append(texts, text{in: f, id: id})
	}
	if len(texts) == 0 {
		return fail(files[0].Name, 0, "file", "PTC import: no article<ID>.txt text files in the upload, only label files")
	}
	for _, s := range order {
		if _, ok := seen[s.id]; !ok {
			p := Problem{File: s.File, Line: s.Line, Field: "article_id",
				Message: fmt.Sprintf("span not imported: article %s is not in the upload (no article%s.txt)", s.id, s.id)}
			if err := yield(&Item{Problems: []Problem{p}}); err != nil {
				return err
			}
		}
	}
	for _, t := range texts {
		rc, err := t.in.Open()
		if err != nil {
			return fail(t.in.Name, 0, "", "cannot open: %v", err)
		}
		data, err := readWhole(t.in.Name, rc, lim)
		rc.Close()
		if err != nil {
			return err
		}
		if i := bytes.IndexByte(data, 0); i >= 0 {
			return fail(t.in.Name, 1+bytes.Count(data[:i], []byte{'\n'}), "", "binary file (contains NUL bytes)")
		}
		body := string(data)
		title := ""
		for _, l := range strings.Split(body, "\n") {
			if l = strings.TrimSpace(strings.TrimPrefix(l, "\uFEFF")); l != "" {
				title = l
				break
			}
		}
		if utf8.RuneCountInString(title) > 300 {
			title = string([]rune(title)[:300])
		}
		id := t.id
		it := &Item{File: t.in.Name, Line: 1, Spans: spans[id], Article: &models.ArticleIn{
			ExternalID: &id, Title: title, Text: body, Metadata: models.JSONMap{"file": path.Base(t.in.Name)},
		}}
		if err := yield(it); err != nil {
			return err
		}
	}
	return nil
}

// readPTCLabels reads one label file: blank lines are skipped; any other
// line that is not 3 or 4 tab-separated columns stops the import.
func readPTCLabels(f Input, lim Limits) ([]ptcSpan, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fail(f.Name, 0, "", "cannot open: %v", err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, lim.maxWholeFile()*4+1))
	if err != nil {
		return nil, readErr(f.Name, err)
	}
	if err := checkUTF8(f.Name, data, 1); err != nil {
		return nil, err
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, fail(f.Name, 1, "", "binary file (contains NUL bytes)")
	}
	var out []ptcSpan
	sc := bufio.NewScanner(bytes.NewReader(bytes.TrimPrefix(data, bom)))
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		l := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(l) == "" {
			continue
		}
		cols := strings.Split(l, "\t")
		if len(cols) == 1 {
			cols = strings.Fields(l)
		}
		for i := range cols {
			cols[i] = strings.TrimSpace(cols[i])
		}
		s := ptcSpan{Span: Span{File: f.Name, Line: line}}
		var so, eo string
		switch len(cols) {
		case 3:
			s.id, so, eo, s.Label = cols[0], cols[1], cols[2], SpanOnlyLabel
		case 4:
			s.id, s.Label, so, eo = cols[0], cols[1], cols[2], cols[3]
			if _, err := strconv.Atoi(s.Label); err == nil { // id, start, end, technique
				s.Label, so, eo = cols[3], cols[1], cols[2]
			}
		default:
			return nil, fail(f.Name, line, "", "expected 4 tab-separated columns (article id, technique, start, end) or 3 (article id, start, end); got %d", len(cols))
		}
		s.id = strings.TrimPrefix(s.id, "article")
		var e1, e2 error
		s.Start, e1 = strconv.Atoi(so)
		s.End, e2 = strconv.Atoi(eo)
		if e1 != nil || e2 != nil {
			return nil, fail(f.Name, line, "", "start and end must be integers, got %q and %q", so, eo)
		}
		if s.id == "" {
			return nil, fail(f.Name, line, "article_id", "empty article id")
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		return nil, fail(f.Name, 0, "", "cannot read: %v", err)
	}
	return out, nil
}
