// Package suggest finds attributed claims in news text by rules: quoted
// speech with a reporting cue and a source ("…," said X / „…“, sagte X /
// «…», — заявил X), and indirect speech (X said that …; According to X,
// …; Laut X …; По словам X, …). It is a pure core: text in, suggestions
// out, no database, no network, deterministic. Offsets are 0-based,
// end-exclusive Unicode code points, as everywhere in slant.
package suggest

import (
	"sort"
	"strings"
	"unicode"
)

// Rule names (a suggestion's origin is "suggest:<rule>").
const (
	RuleQuotes   = "quotes"   // direct speech in quotation marks
	RuleIndirect = "indirect" // reported speech without quotation marks
)

// Span is [Start, End) in code points.
type Span struct{ Start, End int }

// Suggestion is one attributed claim: its content (label
// attributed_claim), the cue that reports it, and its source; said_by
// links content to source, cue_of cue to content. Source is absent
// (HasSource false) when no rule found one.
type Suggestion struct {
	Rule       string
	Confidence float64
	Content    Span
	Cue        Span
	Source     Span
	HasSource  bool
	// Head is the source's head word (the surname when a person is named,
	// else the heading noun), for evaluation and display.
	Head string
}

// Suggest returns the suggestions for text, ordered by content start.
// lang is "en", "de", "ru" or "" (guessed from the words); it only
// changes how a source's head word is chosen.
func Suggest(text, lang string) []Suggestion {
	d := newDoc(text, normLang(lang))
	s := &suggester{d: d}
	qs := findQuotes(d.r)
	s.indirect(qs)
	s.direct(qs)
	sort.SliceStable(s.out, func(i, j int) bool { return s.out[i].Content.Start < s.out[j].Content.Start })
	return s.out
}

func normLang(l string) string {
	l = strings.ToLower(l)
	if len(l) > 2 {
		l = l[:2]
	}
	switch l {
	case "en", "de", "ru":
		return l
	}
	return ""
}

type suggester struct {
	d       *doc
	out     []Suggestion
	sources []tokRange // sources found so far (for pronouns), in text order of discovery
}

// tokRange is tokens [s, e).
type tokRange struct{ s, e int }

func (s *suggester) span(t tokRange) Span {
	return Span{s.d.toks[t.s].start, s.d.toks[t.e-1].end}
}

// firstTokAfter is the index of the first token starting at or after pos.
func (s *suggester) firstTokAfter(pos int) int {
	return sort.Search(len(s.d.toks), func(i int) bool { return s.d.toks[i].start >= pos })
}

// cueAt reports whether a reporting verb starts at token i, and the
// index just past it (a German particle included).
func (s *suggester) cueAt(i int, afterQuote bool) (int, bool) {
	t := s.d.toks
	if i >= len(t) || !t[i].word {
		return i, false
	}
	if reportingVerbs[t[i].lower] || afterQuote && afterQuoteOnly[t[i].lower] {
		j := i + 1
		if j < len(t) && t[j].word && particles[t[j].lower] && (t[i].lower == "teilte" || t[i].lower == "fügte" || t[i].lower == "räumte") {
			j++
		}
		return j, true
	}
	return i, false
}

// prefixCueAt matches "according to", "laut", "по словам" … at token i.
func (s *suggester) prefixCueAt(i int) (int, bool) {
	t := s.d.toks
	for _, c := range prefixCues {
		if i+len(c) > len(t) {
			continue
		}
		ok := true
		for k, w := range c {
			if !t[i+k].word || t[i+k].lower != w {
				ok = false
				break
			}
		}
		if ok {
			return i + len(c), true
		}
	}
	return i, false
}

func (s *suggester) samePara(i, j int) bool { return s.d.paraOf[i] == s.d.paraOf[j] }

// npForward reads a source phrase starting at token i: an optional
// determiner, then up to six words, stopping at punctuation, a stop word
// or a cue; quoted names inside («Волны») are kept. An apposition after
// a title ("their lawyer, Simon Kett") is taken in.
func (s *suggester) npForward(i int) (tokRange, bool) {
	t := s.d.toks
	j, words := i, 0
	for j < len(t) && s.samePara(i, j) && words < 6 {
		tk := t[j]
		if !tk.word {
			if (tk.text == "«" || tk.text == "\"" || tk.text == "“") && j > i && j+2 < len(t) && t[j+1].word && capitalised(t[j+1].text) &&
				(t[j+2].text == "»" || t[j+2].text == "\"" || t[j+2].text == "”") {
				j += 3
				continue
			}
			break
		}
		if stopWords[tk.lower] && words > 0 || reportingVerbs[tk.lower] && words > 0 {
			break
		}
		if _, isCue := s.cueAt(j, false); isCue && words > 0 {
			break
		}
		j++
		words++
	}
	if words == 0 {
		return tokRange{}, false
	}
	r := tokRange{i, j}
	// apposition: a title without a name, then ", Name Surname"
	if !s.hasName(r) && j+2 < len(t) && t[j].text == "," && t[j+1].word && capitalised(t[j+1].text) && s.samePara(i, j+1) {
		k := j + 1
		for k < len(t) && t[k].word && capitalised(t[k].text) && k-j <= 3 {
			k++
		}
		if k-j >= 3 { // at least two names
			r.e = k
		}
	}
	return r, true
}

// npBackward reads a source phrase ending just before token e (the cue):
// words back to the sentence start, punctuation or a stop word, at most
// seven. A comma right before the cue closes an apposition ("Her rival,
// Paul Decker, warned"): the phrase is the one between the commas.
func (s *suggester) npBackward(e int) (tokRange, bool) {
	t := s.d.toks
	if e == 0 {
		return tokRange{}, false
	}
	end := e
	if t[e-1].text == "," {
		end = e - 1
	}
	j := end
	for j > 0 && s.d.sentOf[j-1] == s.d.sentOf[e] && end-j < 7 {
		tk := t[j-1]
		if !tk.word {
			if tk.text == "»" && j >= 3 && t[j-2].word && t[j-3].text == "«" {
				j -= 3
				continue
			}
			break
		}
		if stopWords[tk.lower] && !determiners[tk.lower] || (reportingVerbs[tk.lower] && j < end) {
			break
		}
		j--
	}
	if j == end {
		return tokRange{}, false
	}
	r := tokRange{j, end}
	// a lower-case run before the verb that is not a phrase ("it will have one said")
	if s.d.lang != "ru" && s.d.lang != "de" && !s.hasName(r) && !determiners[t[j].lower] && j > 0 && s.d.sentOf[j-1] == s.d.sentOf[e] {
		return tokRange{}, false
	}
	return r, true
}

// hasName: the phrase has a capitalised word after its first.
func (s *suggester) hasName(r tokRange) bool {
	for k := r.s + 1; k < r.e; k++ {
		if s.d.toks[k].word && capitalised(s.d.toks[k].text) {
			return true
		}
	}
	return false
}

func (s *suggester) isPronoun(r tokRange) bool {
	return r.e-r.s == 1 && pronouns[s.d.toks[r.s].lower]
}

// head chooses a source's head word: after cutting a complement ("of
// X", "der Bahn"), the last word; in Russian (genitive complements
// without a preposition) the last name after the first word, else the
// first word.
func (s *suggester) head(r tokRange) string {
	t := s.d.toks
	var words []token
	inQuote := false
	for k := r.s; k < r.e; k++ {
		switch {
		case !t[k].word && (t[k].text == "«" || t[k].text == "\"" || t[k].text == "“"):
			inQuote = true
		case !t[k].word && (t[k].text == "»" || t[k].text == "”"):
			inQuote = false
		case t[k].word && !inQuote:
			words = append(words, t[k])
		}
	}
	for len(words) > 1 && determiners[words[0].lower] {
		words = words[1:]
	}
	if len(words) == 0 {
		return ""
	}
	if s.d.lang == "ru" {
		last := ""
		for _, w := range words[1:] {
			if capitalised(w.text) {
				last = w.text
			}
		}
		if last != "" {
			return last
		}
		return words[0].text
	}
	for k := 1; k < len(words); k++ {
		if genitiveCut[words[k].lower] {
			words = words[:k]
			break
		}
	}
	return words[len(words)-1].text
}

// resolve turns a pronoun into the latest named source or name before it
// in its paragraph, else in the paragraph before.
func (s *suggester) resolve(p tokRange) (tokRange, bool) {
	para := s.d.paraOf[p.s]
	best, found := tokRange{}, false
	consider := func(r tokRange) {
		if r.e > p.s || s.isPronoun(r) {
			return
		}
		pr := s.d.paraOf[r.s]
		if pr != para && pr != para-1 {
			return
		}
		if !found || s.d.paraOf[best.s] < pr || s.d.paraOf[best.s] == pr && r.s > best.s {
			best, found = r, true
		}
	}
	for _, r := range s.sources {
		consider(r)
	}
	for _, r := range s.names(p.s) {
		consider(r)
	}
	return best, found
}

// names are runs of two or more capitalised words (a leading determiner
// left out) in the pronoun's paragraph and the one before, up to token e.
func (s *suggester) names(e int) []tokRange {
	t := s.d.toks
	para := s.d.paraOf[e]
	var out []tokRange
	for i := e - 1; i >= 0 && s.d.paraOf[i] >= para-1; i-- {
		if !t[i].word || !capitalised(t[i].text) || determiners[t[i].lower] || pronouns[t[i].lower] {
			continue
		}
		j := i
		for j > 0 && t[j-1].word && capitalised(t[j-1].text) && !determiners[t[j-1].lower] && s.d.paraOf[j-1] == s.d.paraOf[i] {
			j--
		}
		if i+1-j >= 2 {
			out = append(out, tokRange{j, i + 1})
		}
		i = j
	}
	return out
}

// emit records a suggestion; src may be a pronoun, resolved here.
func (s *suggester) emit(rule string, conf float64, content Span, cue tokRange, src tokRange, hasSrc bool) {
	if content.End <= content.Start {
		return
	}
	sg := Suggestion{Rule: rule, Confidence: conf, Content: content, Cue: s.span(cue)}
	if hasSrc && s.isPronoun(src) {
		if r, ok := s.resolve(src); ok {
			src = r
			sg.Confidence -= 0.1
		} else {
			sg.Confidence -= 0.2
		}
	}
	if hasSrc {
		sg.Source, sg.HasSource, sg.Head = s.span(src), true, s.head(src)
		if !s.isPronoun(src) {
			s.sources = append(s.sources, src)
		}
	}
	s.out = append(s.out, sg)
}

// trimmed narrows [a, b) to its non-space runes.
func (s *suggester) trimmed(a, b int) Span {
	r := s.d.r
	for a < b && unicode.IsSpace(r[a]) {
		a++
	}
	for b > a && unicode.IsSpace(r[b-1]) {
		b--
	}
	return Span{a, b}
}

func (s *suggester) wordsIn(sp Span) int {
	n := 0
	for i := s.firstTokAfter(sp.Start); i < len(s.d.toks) && s.d.toks[i].end <= sp.End; i++ {
		if s.d.toks[i].word {
			n++
		}
	}
	return n
}
