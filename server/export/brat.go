package export

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"slant/models"
)

// Brat writes a zip of brat standoff files (https://brat.nlplab.org/standoff.html):
// per article NAME.txt, the text byte for byte (NAME is the external_id
// when it makes a safe file name, else article<ID>), and per annotator
// ANNOTATOR/NAME.ann — the layout the brat importer reads back as those
// annotators' spans (the gold layer's folder is "(gold)"). In an .ann:
//
//	T1<TAB>label START END[;START END]<TAB>text  a span; offsets in code points,
//	    cut at line breaks as brat does (or attributes.fragments, when an
//	    import kept them), the text its pieces joined by a space
//	A1<TAB>name T1 [VALUE]  a true boolean attribute, or a string or number
//	    without spaces (other attributes have no brat spelling and are left out)
//	#1<TAB>AnnotatorNotes T1<TAB>note  the note, line breaks and tabs as spaces
//	R1<TAB>type Arg1:T1 Arg2:T2  a relation between two exported spans
type Brat struct {
	zw    *zip.Writer
	cur   int64
	open  bool
	name  string
	text  []rune
	rows  []bratRow
	names map[string]bool
}

type bratRow struct {
	id         int64
	label      string
	start, end int
	note       string
	attrs      models.JSONMap
	annotator  string
	rels       []models.ExportRelation
}

// NewBrat returns a brat zip writer on w.
func NewBrat(w io.Writer) *Brat { return &Brat{zw: zip.NewWriter(w), names: map[string]bool{}} }

func (b *Brat) Begin() error { return nil }

func (b *Brat) entry(name string) (io.Writer, error) {
	return b.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Now().UTC()})
}

var bratSafeName = regexp.MustCompile(`^[\p{L}\p{N}_-][\p{L}\p{N}._-]{0,99}$`)

// bratName is an article's file name in the zip, unique within it.
func (b *Brat) bratName(r *models.ExportRow) string {
	name := fmt.Sprintf("article%d", r.ArticleID)
	if r.ExternalID != nil && bratSafeName.MatchString(*r.ExternalID) {
		name = *r.ExternalID
	}
	if b.names[strings.ToLower(name)] {
		name += "-" + strconv.FormatInt(r.ArticleID, 10)
	}
	b.names[strings.ToLower(name)] = true
	return name
}

func (b *Brat) Row(r *models.ExportRow) error {
	if !b.open || b.cur != r.ArticleID {
		if err := b.flush(); err != nil {
			return err
		}
		b.cur, b.open, b.name, b.text = r.ArticleID, true, b.bratName(r), []rune(r.ArticleText)
		w, err := b.entry(b.name + ".txt")
		if err != nil {
			return err
		}
		if _, err := io.WriteString(w, r.ArticleText); err != nil {
			return err
		}
	}
	b.rows = append(b.rows, bratRow{id: r.AnnotationID, label: r.Label, start: r.Start, end: r.End, note: r.Note,
		attrs: r.Attributes, annotator: r.Annotator, rels: r.Relations})
	return nil
}

// bratFolder is an annotator's folder name: user names are letters,
// digits and ._@-, so only a leading dot needs care.
func bratFolder(annotator string) string {
	if strings.HasPrefix(annotator, ".") {
		return "_" + annotator
	}
	return annotator
}

func (b *Brat) flush() error {
	if !b.open {
		return nil
	}
	byAnnotator := map[string][]bratRow{}
	var who []string
	for _, r := range b.rows {
		if _, ok := byAnnotator[r.annotator]; !ok {
			who = append(who, r.annotator)
		}
		byAnnotator[r.annotator] = append(byAnnotator[r.annotator], r)
	}
	sort.Strings(who)
	for _, a := range who {
		w, err := b.entry(bratFolder(a) + "/" + b.name + ".ann")
		if err != nil {
			return err
		}
		if _, err := io.WriteString(w, b.ann(byAnnotator[a])); err != nil {
			return err
		}
	}
	b.rows, b.open = b.rows[:0], false
	return nil
}

var bratSpaces = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ")

// ann is the .ann file of one annotator's spans of the article.
func (b *Brat) ann(rows []bratRow) string {
	var sb strings.Builder
	tid := make(map[int64]int, len(rows))
	for i, r := range rows {
		tid[r.id] = i + 1
	}
	na, nr, nn := 0, 0, 0
	for i, r := range rows {
		frags := b.fragments(r)
		offs := make([]string, len(frags))
		quote := make([]string, len(frags))
		for k, f := range frags {
			offs[k] = fmt.Sprintf("%d %d", f[0], f[1])
			quote[k] = string(b.text[f[0]:f[1]])
		}
		fmt.Fprintf(&sb, "T%d\t%s %s\t%s\n", i+1, r.label, strings.Join(offs, ";"), bratSpaces.Replace(strings.Join(quote, " ")))
		keys := make([]string, 0, len(r.attrs))
		for k := range r.attrs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if k == "fragments" || k == "" || strings.ContainsAny(k, " \t\r\n") {
				continue
			}
			switch v := r.attrs[k].(type) {
			case bool:
				if v {
					na++
					fmt.Fprintf(&sb, "A%d\t%s T%d\n", na, k, i+1)
				}
			case string:
				if v != "" && !strings.ContainsAny(v, " \t\r\n\u00a0") {
					na++
					fmt.Fprintf(&sb, "A%d\t%s T%d %s\n", na, k, i+1, v)
				}
			case float64, json.Number:
				na++
				fmt.Fprintf(&sb, "A%d\t%s T%d %v\n", na, k, i+1, v)
			}
		}
		if r.note != "" {
			nn++
			fmt.Fprintf(&sb, "#%d\tAnnotatorNotes T%d\t%s\n", nn, i+1, bratSpaces.Replace(r.note))
		}
	}
	for i, r := range rows {
		for _, rel := range r.rels {
			to, ok := tid[rel.ToID]
			if !ok { // the other span is not in this export (filtered out)
				continue
			}
			nr++
			fmt.Fprintf(&sb, "R%d\t%s Arg1:T%d Arg2:T%d\n", nr, rel.Type, i+1, to)
		}
	}
	return sb.String()
}

// fragments are the pieces a span is written as: those an import kept
// in attributes.fragments when they fit the span, else the span cut at
// its line breaks.
func (b *Brat) fragments(r bratRow) [][2]int {
	if r.start < 0 || r.end > len(b.text) || r.start >= r.end {
		return [][2]int{{r.start, r.end}}
	}
	if list, ok := r.attrs["fragments"].([]any); ok && len(list) > 0 {
		var out [][2]int
		last := r.start
		for _, p := range list {
			pair, ok := p.([]any)
			if !ok || len(pair) != 2 {
				out = nil
				break
			}
			s, ok1 := jsonIntOf(pair[0])
			e, ok2 := jsonIntOf(pair[1])
			if !ok1 || !ok2 || s < last || e <= s || e > r.end {
				out = nil
				break
			}
			out = append(out, [2]int{s, e})
			last = e
		}
		if len(out) > 0 && out[0][0] == r.start && out[len(out)-1][1] == r.end {
			return out
		}
	}
	return models.LineFragments(b.text, r.start, r.end)
}

func jsonIntOf(v any) (int, bool) {
	switch n := v.(type) {
	case float64:
		return int(n), n == float64(int(n))
	case json.Number:
		i, err := strconv.Atoi(n.String())
		return i, err == nil
	case int:
		return n, true
	case int64:
		return int(n), true
	}
	return 0, false
}

func (b *Brat) End() error {
	if err := b.flush(); err != nil {
		return err
	}
	return b.zw.Close()
}
