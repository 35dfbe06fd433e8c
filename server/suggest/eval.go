package suggest

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"slant/server/agreement"
)

// Evaluation against hand-marked articles (testdata/*.txt; the marks are
// described in testdata/README.md).

// GoldClaim is one hand-marked attributed claim.
type GoldClaim struct {
	Kind    string // RuleQuotes or RuleIndirect
	Content Span
	Cue     Span
	Source  Span
	Head    string // the source's head word ("" when unmarked)
}

// GoldArticle is one article of the evaluation set.
type GoldArticle struct {
	Lang, Title, Text string
	Claims            []GoldClaim
}

// ParseGold reads one language's file of marked articles.
func ParseGold(lang string, r io.Reader) ([]GoldArticle, error) {
	var out []GoldArticle
	var title string
	var body []string
	flush := func() error {
		if title == "" {
			return nil
		}
		a, err := parseMarked(strings.Trim(strings.Join(body, "\n"), "\n"))
		if err != nil {
			return fmt.Errorf("%s %q: %w", lang, title, err)
		}
		a.Lang, a.Title = lang, title
		out = append(out, a)
		return nil
	}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "### ") {
			if err := flush(); err != nil {
				return nil, err
			}
			title, body = strings.TrimPrefix(line, "### "), nil
			continue
		}
		body = append(body, line)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, flush()
}

// parseMarked strips [C1d:…], [K1,2:…], [S1:…] marks (not nested) and
// returns the text and the claims, in code points.
func parseMarked(src string) (GoldArticle, error) {
	in := []rune(src)
	var text []rune
	type mark struct {
		tag  byte
		ids  []int
		kind string
		span Span
		head string
	}
	var marks []mark
	for i := 0; i < len(in); i++ {
		if in[i] != '[' || i+2 >= len(in) || !strings.ContainsRune("CKS", in[i+1]) {
			text = append(text, in[i])
			continue
		}
		colon := i + 2
		for colon < len(in) && in[colon] != ':' {
			colon++
		}
		m := mark{tag: byte(in[i+1])}
		spec := string(in[i+2 : colon])
		if m.tag == 'C' {
			m.kind = RuleQuotes
			if strings.HasSuffix(spec, "i") {
				m.kind = RuleIndirect
			}
			spec = strings.TrimRight(spec, "di")
		}
		for _, f := range strings.Split(spec, ",") {
			n, err := strconv.Atoi(f)
			if err != nil {
				return GoldArticle{}, fmt.Errorf("bad mark %q", string(in[i:colon+1]))
			}
			m.ids = append(m.ids, n)
		}
		end := colon + 1
		for end < len(in) && in[end] != ']' {
			end++
		}
		if end == len(in) {
			return GoldArticle{}, fmt.Errorf("unclosed mark %q", string(in[i:colon+1]))
		}
		inner := []rune(strings.ReplaceAll(string(in[colon+1:end]), "^", ""))
		if m.tag == 'S' {
			m.head = headOfMarked(string(in[colon+1 : end]))
		}
		m.span = Span{len(text), len(text) + len(inner)}
		text = append(text, inner...)
		marks = append(marks, m)
		i = end
	}
	a := GoldArticle{Text: string(text)}
	byID := map[int]*GoldClaim{}
	var order []int
	for _, m := range marks {
		if m.tag == 'C' {
			byID[m.ids[0]] = &GoldClaim{Kind: m.kind, Content: m.span}
			order = append(order, m.ids[0])
		}
	}
	for _, m := range marks {
		for _, id := range m.ids {
			c := byID[id]
			if c == nil {
				if m.tag == 'C' {
					continue
				}
				return GoldArticle{}, fmt.Errorf("mark %c%d names no claim", m.tag, id)
			}
			switch m.tag {
			case 'K':
				c.Cue = m.span
			case 'S':
				c.Source, c.Head = m.span, m.head
			}
		}
	}
	for _, id := range order {
		a.Claims = append(a.Claims, *byID[id])
	}
	return a, nil
}

// headOfMarked is the word after ^, else the last word.
func headOfMarked(s string) string {
	isW := func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '^' }
	words := strings.FieldsFunc(s, isW)
	for _, w := range words {
		if strings.HasPrefix(w, "^") {
			return strings.TrimPrefix(w, "^")
		}
	}
	if len(words) == 0 {
		return ""
	}
	return words[len(words)-1]
}

// LoadGold reads every testdata file (en.txt, de.txt, ru.txt …) in dir.
func LoadGold(dir string) ([]GoldArticle, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []GoldArticle
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, err
		}
		as, err := ParseGold(strings.TrimSuffix(filepath.Base(f), ".txt"), fh)
		fh.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, as...)
	}
	return out, nil
}

// Score is one row of the evaluation: a rule in a language.
type Score struct {
	Lang, Rule         string
	Predicted, Gold    int
	ExactP, ExactR     float64
	PartialP, PartialR float64 // SemEval-2020 Task 11 partial measure
	PartialF1          float64 // the same, from server/agreement (a cross-check)
	Matched            int     // predictions overlapping a gold claim
	HeadCorrect        int     // of those, with the gold source's head word
}

// HeadAccuracy is HeadCorrect / Matched.
func (s Score) HeadAccuracy() float64 { return ratio(float64(s.HeadCorrect), float64(s.Matched)) }

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func overlap(a, b Span) int { return max(0, min(a.End, b.End)-max(a.Start, b.Start)) }

// Evaluate runs the suggester over the articles and scores each rule per
// language (and "all"). Precision of a rule counts its suggestions
// against every gold claim; recall of a rule counts the gold claims of
// its kind (quotes: direct, indirect: reported) against every suggestion.
func Evaluate(articles []GoldArticle) []Score {
	type key struct{ lang, rule string }
	type acc struct {
		pred, gold                   int
		exactP, exactR, partP, partR float64
		matched, head                int
		coderPred, coderGold         []agreement.Span
		lengths                      map[int64]int
	}
	accs := map[key]*acc{}
	get := func(k key) *acc {
		if accs[k] == nil {
			accs[k] = &acc{lengths: map[int64]int{}}
		}
		return accs[k]
	}
	for ai, a := range articles {
		preds := Suggest(a.Text, a.Lang)
		n := len([]rune(a.Text))
		for _, lang := range []string{a.Lang, "all"} {
			for _, rule := range []string{RuleQuotes, RuleIndirect} {
				x := get(key{lang, rule})
				x.lengths[int64(ai)] = n
				for _, p := range preds {
					if p.Rule != rule {
						continue
					}
					x.pred++
					x.coderPred = append(x.coderPred, agreement.Span{Article: int64(ai), Label: "claim", Start: p.Content.Start, End: p.Content.End})
					best, bestOv := -1, 0
					for gi, g := range a.Claims {
						if g.Content == p.Content {
							x.exactP++
						}
						ov := overlap(g.Content, p.Content)
						x.partP += float64(ov) / float64(p.Content.End-p.Content.Start)
						if ov > bestOv {
							best, bestOv = gi, ov
						}
					}
					if best >= 0 {
						x.matched++
						if strings.EqualFold(p.Head, a.Claims[best].Head) {
							x.head++
						}
					}
				}
				for _, g := range a.Claims {
					if g.Kind != rule {
						continue
					}
					x.gold++
					x.coderGold = append(x.coderGold, agreement.Span{Article: int64(ai), Label: "claim", Start: g.Content.Start, End: g.Content.End})
					for _, p := range preds {
						if g.Content == p.Content {
							x.exactR++
						}
						x.partR += float64(overlap(g.Content, p.Content)) / float64(g.Content.End-g.Content.Start)
					}
				}
			}
		}
	}
	var out []Score
	for k, x := range accs {
		s := Score{Lang: k.lang, Rule: k.rule, Predicted: x.pred, Gold: x.gold,
			ExactP: ratio(x.exactP, float64(x.pred)), ExactR: ratio(x.exactR, float64(x.gold)),
			PartialP: ratio(x.partP, float64(x.pred)), PartialR: ratio(x.partR, float64(x.gold)),
			Matched: x.matched, HeadCorrect: x.head}
		all := map[int64]bool{}
		for id := range x.lengths {
			all[id] = true
		}
		res := agreement.Compute(agreement.Input{Lengths: x.lengths, Labels: []string{"claim"}, Coders: []agreement.Coder{
			{Name: "suggest", Spans: x.coderPred, Articles: all}, {Name: "gold", Spans: x.coderGold, Articles: all}}})
		if lr := res.ByLabel["claim"]; lr != nil && len(lr.Pairs) > 0 {
			s.PartialF1 = lr.Pairs[0].PartialF1
		}
		out = append(out, s)
	}
	langOrder := map[string]int{"en": 0, "de": 1, "ru": 2, "all": 9}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Lang != out[j].Lang {
			li, lj := langOrder[out[i].Lang], langOrder[out[j].Lang]
			if li != lj {
				return li < lj
			}
			return out[i].Lang < out[j].Lang
		}
		return out[i].Rule < out[j].Rule
	})
	return out
}

// WriteTable prints the scores as a Markdown table.
func WriteTable(w io.Writer, scores []Score) {
	fmt.Fprintln(w, "| language | rule | suggested | gold | exact P | exact R | partial P | partial R | partial F1 (agreement) | source head |")
	fmt.Fprintln(w, "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|")
	for _, s := range scores {
		fmt.Fprintf(w, "| %s | %s | %d | %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f (%d/%d) |\n", s.Lang, s.Rule, s.Predicted, s.Gold,
			s.ExactP, s.ExactR, s.PartialP, s.PartialR, s.PartialF1, s.HeadAccuracy(), s.HeadCorrect, s.Matched)
	}
}
