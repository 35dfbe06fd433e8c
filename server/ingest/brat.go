package ingest

import (
	"bytes"
	"fmt"
	"io"
	"path"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"slant/models"
)

// brat standoff (https://brat.nlplab.org/standoff.html): a zip or a set
// of NAME.txt texts and NAME.ann annotation files. Each NAME.txt becomes
// an article (external_id NAME); its text is kept byte for byte, and
// brat's offsets count its code points (a CR of a CRLF counts, as in
// Python). The lines of an .ann file:
//
//	T1<TAB>Claim 0 5;10 20<TAB>text    a span (several fragments: see below)
//	R1<TAB>Said_by Arg1:T1 Arg2:T2     a relation from Arg1's span to Arg2's
//	E1<TAB>Claim:T3 Source:T4 Cue:T5   an event: each role links the trigger
//	                                   span (T3) to its argument, relation
//	                                   type = the role ("Source2" -> source)
//	A1<TAB>Negated T1                  attributes {"negated": true}
//	A2<TAB>Confidence T1 High          attributes {"confidence": "High"} (M alike)
//	#1<TAB>AnnotatorNotes T1<TAB>text  the span's note
//
// Types, roles and attribute names become keys as labels do (LabelKeyOf:
// "Said_by" -> "said_by"). A T line with several fragments is one span
// from the first start to the last end; when the fragments are not just
// the span cut at its line breaks (which is how brat writes a span over
// several lines), attributes.fragments keeps them ([[0, 5], [10, 20]])
// and the report counts the span as discontinuous. N (normalisation) and
// * (equivalence) lines are reported and skipped; attributes and notes of
// an event go to its trigger span.
//
// Annotators: NAME.ann next to NAME.txt is the importing user's;
// NAME_ANNOTATOR.ann next to NAME.txt, and ANNOTATOR/NAME.ann with
// NAME.txt in the folder above (or anywhere in the upload, if only once)
// are ANNOTATOR's spans: a member of the project, named by a manager.

type bratAnn struct {
	in        Input
	annotator string
}

func joinDir(dir, name string) string {
	if dir == "." || dir == "" {
		return name
	}
	return dir + "/" + name
}

// parseBrat reads a brat collection.
func parseBrat(files []Input, lim Limits, yield yielder) error {
	texts := map[string]Input{}
	byStem := map[string][]string{}
	var order []string
	var anns []Input
	var problems []Problem
	for _, f := range files {
		base := path.Base(f.Name)
		switch strings.ToLower(path.Ext(base)) {
		case ".txt":
			if _, dup := texts[f.Name]; dup {
				return fail(f.Name, 0, "file", "appears twice in the upload")
			}
			texts[f.Name] = f
			stem := strings.TrimSuffix(base, path.Ext(base))
			byStem[stem] = append(byStem[stem], f.Name)
			order = append(order, f.Name)
		case ".ann":
			anns = append(anns, f)
		case ".conf": // brat's annotation.conf, visual.conf, ...: not needed
		default:
			problems = append(problems, Problem{File: f.Name, Field: "file", Message: "skipped: not part of a brat collection (NAME.txt and NAME.ann files)"})
		}
	}
	if len(texts) == 0 {
		name := ""
		if len(files) > 0 {
			name = files[0].Name
		}
		return fail(name, 0, "file", "brat import: no NAME.txt text files in the upload")
	}
	annsOf := map[string][]bratAnn{}
	for _, a := range anns {
		txt, annotator, why := bratTextOf(a.Name, texts, byStem)
		if why != "" {
			problems = append(problems, Problem{File: a.Name, Field: "file", Message: "annotations not imported: " + why})
			continue
		}
		dup := false
		for _, b := range annsOf[txt] {
			if b.annotator == annotator {
				problems = append(problems, Problem{File: a.Name, Field: "file",
					Message: fmt.Sprintf("annotations not imported: %s already has annotations of the same annotator in %s", txt, b.in.Name)})
				dup = true
			}
		}
		if !dup {
			annsOf[txt] = append(annsOf[txt], bratAnn{in: a, annotator: annotator})
		}
	}
	if len(problems) > 0 {
		if err := yield(&Item{Problems: problems}); err != nil {
			return err
		}
	}
	for _, name := range order {
		it, err := bratItem(texts[name], annsOf[name], lim)
		if err != nil {
			return err
		}
		if err := yield(it); err != nil {
			return err
		}
	}
	return nil
}

// bratTextOf finds the text of an .ann file and its annotator ("": the
// importing user), or says why there is none.
func bratTextOf(name string, texts map[string]Input, byStem map[string][]string) (txt, annotator, why string) {
	dir, base := path.Dir(name), path.Base(name)
	stem := strings.TrimSuffix(base, path.Ext(base))
	if t := joinDir(dir, stem+".txt"); texts[t].Open != nil {
		return t, "", ""
	}
	for i := strings.LastIndexByte(stem, '_'); i > 0; i = strings.LastIndexByte(stem[:i], '_') {
		if t := joinDir(dir, stem[:i]+".txt"); texts[t].Open != nil && i+1 < len(stem) {
			return t, stem[i+1:], ""
		}
	}
	folder := path.Base(dir)
	if dir == "." || dir == "/" || strings.HasSuffix(strings.ToLower(folder), ".zip") {
		return "", "", "no " + stem + ".txt next to it (or " + stem + "_ANNOTATOR.ann for " + stem + ".txt)"
	}
	if t := joinDir(path.Dir(dir), stem+".txt"); texts[t].Open != nil {
		return t, folder, ""
	}
	switch c := byStem[stem]; len(c) {
	case 0:
		return "", "", "no " + stem + ".txt in the upload"
	case 1:
		return c[0], folder, ""
	default:
		return "", "", fmt.Sprintf("%d files are called %s.txt; put the annotator folders next to the one they annotate", len(c), stem)
	}
}

// bratItem reads one text and the annotation files of its annotators.
func bratItem(in Input, anns []bratAnn, lim Limits) (*Item, error) {
	rc, err := in.Open()
	if err != nil {
		return nil, fail(in.Name, 0, "", "cannot open: %v", err)
	}
	data, err := readWhole(in.Name, rc, lim)
	rc.Close()
	if err != nil {
		return nil, err
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
	base := path.Base(in.Name)
	ext := strings.TrimSuffix(base, path.Ext(base))
	it := &Item{File: in.Name, Line: 1, Article: &models.ArticleIn{
		ExternalID: &ext, Title: title, Text: body, Metadata: models.JSONMap{"file": base}}}
	sort.SliceStable(anns, func(i, j int) bool { return anns[i].annotator < anns[j].annotator })
	text := []rune(body)
	for _, a := range anns {
		data, err := readAnn(a.in, lim)
		if err != nil {
			return nil, err
		}
		spans, rels, ps := parseAnn(a.in.Name, data, text, a.annotator)
		for i := range rels {
			rels[i].From += len(it.Spans)
			rels[i].To += len(it.Spans)
		}
		it.Spans = append(it.Spans, spans...)
		it.Relations = append(it.Relations, rels...)
		it.Problems = append(it.Problems, ps...)
	}
	return it, nil
}

// readAnn reads an annotation file (may be empty), bounded, as UTF-8.
func readAnn(in Input, lim Limits) ([]byte, error) {
	rc, err := in.Open()
	if err != nil {
		return nil, fail(in.Name, 0, "", "cannot open: %v", err)
	}
	defer rc.Close()
	max := lim.maxWholeFile() * 4
	data, err := io.ReadAll(io.LimitReader(rc, max+1))
	if err != nil {
		return nil, readErr(in.Name, err)
	}
	if int64(len(data)) > max {
		return nil, &LimitError{Problem: Problem{File: in.Name, Message: fmt.Sprintf("annotation file is larger than %d bytes", max)}}
	}
	if err := checkUTF8(in.Name, data, 1); err != nil {
		return nil, err
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return nil, fail(in.Name, 1+bytes.Count(data[:i], []byte{'\n'}), "", "binary file (contains NUL bytes)")
	}
	return bytes.TrimPrefix(data, bom), nil
}

// bratLink is an R line or one role of an E line, before its ids are
// resolved.
type bratLink struct {
	line             int
	typ, from, to    string
	fromRole, toRole string
}

// bratExtra is an A/M attribute or a # note, before its target is
// resolved.
type bratExtra struct {
	line                int
	note                bool
	target, name, value string
	hasValue            bool
}

// parseAnn reads one annotation file against its text.
func parseAnn(file string, data []byte, text []rune, annotator string) ([]Span, []Relation, []Problem) {
	var spans []Span
	var links []bratLink
	var extras []bratExtra
	var ps []Problem
	tIndex := map[string]int{}      // T id -> index in spans
	triggers := map[string]string{} // E id -> trigger id
	seen := map[string]bool{}
	bad := func(line int, field, format string, args ...any) {
		ps = append(ps, Problem{File: file, Line: line, Field: field, Message: fmt.Sprintf(format, args...)})
	}
	for n, raw := range strings.Split(string(data), "\n") {
		line := n + 1
		l := strings.TrimRight(raw, "\r")
		if strings.TrimSpace(l) == "" {
			continue
		}
		id, rest, ok := strings.Cut(l, "\t")
		if !ok || id == "" {
			bad(line, "", "line not imported: expected an id, a tab and an annotation")
			continue
		}
		if seen[id] && id != "*" && id[0] != '#' {
			bad(line, "id", "line not imported: id %s is used twice", id)
			continue
		}
		seen[id] = true
		switch id[0] {
		case 'T':
			sp, msg := bratSpan(rest, text)
			if msg != "" {
				bad(line, "offsets", "span %s not imported: %s", id, msg)
				continue
			}
			sp.File, sp.Line, sp.Annotator = file, line, annotator
			tIndex[id] = len(spans)
			spans = append(spans, sp)
		case 'R':
			f := strings.Fields(rest)
			if len(f) != 3 {
				bad(line, "relation", "relation %s not imported: expected TYPE Arg1:ID Arg2:ID", id)
				continue
			}
			l := bratLink{line: line, typ: f[0]}
			var ok1, ok2 bool
			l.fromRole, l.from, ok1 = strings.Cut(f[1], ":")
			l.toRole, l.to, ok2 = strings.Cut(f[2], ":")
			if !ok1 || !ok2 {
				bad(line, "relation", "relation %s not imported: expected TYPE Arg1:ID Arg2:ID", id)
				continue
			}
			if strings.EqualFold(l.fromRole, "Arg2") && strings.EqualFold(l.toRole, "Arg1") {
				l.from, l.to = l.to, l.from
			}
			links = append(links, l)
		case 'E':
			f := strings.Fields(rest)
			if len(f) == 0 {
				bad(line, "event", "event %s not imported: expected TYPE:TRIGGER ROLE:ID ...", id)
				continue
			}
			_, trigger, ok := strings.Cut(f[0], ":")
			if !ok || trigger == "" {
				bad(line, "event", "event %s not imported: expected TYPE:TRIGGER ROLE:ID ...", id)
				continue
			}
			triggers[id] = trigger
			for _, arg := range f[1:] {
				role, target, ok := strings.Cut(arg, ":")
				if !ok || role == "" || target == "" {
					bad(line, "event", "role %q of event %s not imported: expected ROLE:ID", arg, id)
					continue
				}
				links = append(links, bratLink{line: line, typ: strings.TrimRight(role, "0123456789"), from: id, to: target})
			}
		case 'A', 'M':
			f := strings.Fields(rest)
			if len(f) < 2 || len(f) > 3 {
				bad(line, "attributes", "attribute %s not imported: expected NAME ID [VALUE]", id)
				continue
			}
			e := bratExtra{line: line, name: f[0], target: f[1]}
			if len(f) == 3 {
				e.value, e.hasValue = f[2], true
			}
			extras = append(extras, e)
		case '#':
			head, note, _ := strings.Cut(rest, "\t")
			f := strings.Fields(head)
			if len(f) != 2 {
				bad(line, "note", "note %s not imported: expected AnnotatorNotes ID<TAB>text", id)
				continue
			}
			extras = append(extras, bratExtra{line: line, note: true, target: f[1], value: note})
		case 'N':
			bad(line, "", "normalization %s not imported: slant has no place for references to external resources", id)
		case '*':
			bad(line, "", "equivalence %s not imported: slant has no equivalence relations", id)
		default:
			bad(line, "", "line not imported: unknown annotation id %q (expected T, R, E, A, M, N, * or #)", id)
		}
	}
	// an id names a span, or an event whose trigger is one
	spanOf := func(id string) (int, bool) {
		for hops := 0; hops < 8; hops++ {
			if i, ok := tIndex[id]; ok {
				return i, true
			}
			t, ok := triggers[id]
			if !ok {
				return 0, false
			}
			id = t
		}
		return 0, false
	}
	var rels []Relation
	for _, l := range links {
		from, ok1 := spanOf(l.from)
		to, ok2 := spanOf(l.to)
		if !ok1 || !ok2 {
			missing := l.from
			if ok1 {
				missing = l.to
			}
			bad(l.line, "relation", "relation %s not imported: %s is not a span (or an event) that was imported", l.typ, missing)
			continue
		}
		rels = append(rels, Relation{File: file, Line: l.line, Type: l.typ, From: from, To: to})
	}
	for _, e := range extras {
		i, ok := spanOf(e.target)
		if !ok {
			what := "attribute " + e.name
			if e.note {
				what = "note"
			}
			bad(e.line, "", "%s not imported: %s is not a span (or an event) that was imported", what, e.target)
			continue
		}
		sp := &spans[i]
		if e.note {
			if sp.Note != "" {
				sp.Note += "\n"
			}
			sp.Note += e.value
			continue
		}
		key := LabelKeyOf(e.name)
		if key == "" || key == "fragments" {
			bad(e.line, "attributes", "attribute %q not imported: unusable name", e.name)
			continue
		}
		if sp.Attributes == nil {
			sp.Attributes = models.JSONMap{}
		}
		if e.hasValue {
			sp.Attributes[key] = e.value
		} else {
			sp.Attributes[key] = true
		}
	}
	return spans, rels, ps
}

// bratSpan reads "TYPE START END[;START END]...<TAB>TEXT" against the
// text: a span, or why not.
func bratSpan(rest string, text []rune) (Span, string) {
	head, quote, hasQuote := strings.Cut(rest, "\t")
	typ, offs, ok := strings.Cut(strings.TrimSpace(head), " ")
	if !ok || typ == "" {
		return Span{}, "expected TYPE START END"
	}
	var frags [][2]int
	for _, part := range strings.Split(offs, ";") {
		f := strings.Fields(part)
		if len(f) != 2 {
			return Span{}, fmt.Sprintf("expected START END, got %q", strings.TrimSpace(part))
		}
		s, e1 := strconv.Atoi(f[0])
		e, e2 := strconv.Atoi(f[1])
		if e1 != nil || e2 != nil {
			return Span{}, fmt.Sprintf("offsets must be integers, got %q", strings.TrimSpace(part))
		}
		if s < 0 || e <= s || e > len(text) {
			return Span{}, fmt.Sprintf("fragment [%d, %d) is not inside the text (%d code points)", s, e, len(text))
		}
		frags = append(frags, [2]int{s, e})
	}
	sort.Slice(frags, func(i, j int) bool { return frags[i][0] < frags[j][0] })
	start, end := frags[0][0], frags[0][1]
	for _, f := range frags {
		end = max(end, f[1])
	}
	if hasQuote {
		if got := bratQuote(text, frags); strings.Join(strings.Fields(got), " ") != strings.Join(strings.Fields(quote), " ") {
			return Span{}, fmt.Sprintf("its text %q differs from the text at its offsets: %q", clip(quote), clip(got))
		}
	}
	sp := Span{Label: typ, Start: start, End: end}
	if len(frags) > 1 && !sameFragments(frags, models.LineFragments(text, start, end)) {
		pieces := make([]any, len(frags))
		for i, f := range frags {
			pieces[i] = []any{f[0], f[1]}
		}
		sp.Attributes = models.JSONMap{"fragments": pieces}
		sp.Discontinuous = true
	}
	return sp, ""
}

// bratQuote is brat's text of a span: its fragments joined by a space.
func bratQuote(text []rune, frags [][2]int) string {
	parts := make([]string, len(frags))
	for i, f := range frags {
		parts[i] = string(text[f[0]:f[1]])
	}
	return strings.Join(parts, " ")
}

func sameFragments(a, b [][2]int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
