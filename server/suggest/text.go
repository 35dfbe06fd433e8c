package suggest

import (
	"strings"
	"unicode"
)

// token is a word or one punctuation rune, in code points [start, end).
type token struct {
	start, end int
	text       string
	word       bool
	lower      string
}

// doc is an article's text cut into runes, tokens, paragraphs and sentences.
type doc struct {
	r      []rune
	toks   []token
	paraOf []int // token index -> paragraph number
	sentOf []int // token index -> sentence number
	lang   string
}

func isWordRune(c rune) bool { return unicode.IsLetter(c) || unicode.IsDigit(c) || unicode.IsMark(c) }

// isApostrophe tells whether the rune at i joins two letters (don't, Anne’s).
func isApostrophe(r []rune, i int) bool {
	c := r[i]
	if c != '\'' && c != '’' {
		return false
	}
	return i > 0 && i+1 < len(r) && unicode.IsLetter(r[i-1]) && unicode.IsLetter(r[i+1])
}

// joins tells whether the rune at i sits inside a word: an apostrophe,
// a hyphen between letters, a point or comma between digits (4,000; 1.5).
func joins(r []rune, i int) bool {
	if i == 0 || i+1 >= len(r) {
		return false
	}
	switch r[i] {
	case '-':
		return isWordRune(r[i-1]) && isWordRune(r[i+1])
	case '.', ',':
		return unicode.IsDigit(r[i-1]) && unicode.IsDigit(r[i+1])
	}
	return isApostrophe(r, i)
}

var abbreviations = map[string]bool{"st": true, "mr": true, "mrs": true, "ms": true, "dr": true, "prof": true,
	"nr": true, "bzw": true, "vgl": true, "ca": true, "etc": true, "inc": true, "co": true, "т": true, "г": true, "им": true}

func newDoc(text, lang string) *doc {
	d := &doc{r: []rune(text)}
	r := d.r
	// byte offset of each rune, so tokens slice the text without copying
	bpos := make([]int, 0, len(r)+1)
	for b := range text {
		bpos = append(bpos, b)
	}
	bpos = append(bpos, len(text))
	d.toks = make([]token, 0, len(r)/4)
	d.paraOf = make([]int, 0, len(r)/4)
	d.sentOf = make([]int, 0, len(r)/4)
	para, sent := 0, 0
	newSent := false
	for i := 0; i < len(r); {
		c := r[i]
		switch {
		case c == '\n':
			j := i
			for j < len(r) && (r[j] == '\n' || r[j] == '\r' || r[j] == ' ' || r[j] == '\t') {
				j++
			}
			para++
			sent++
			newSent = false
			i = j
		case unicode.IsSpace(c):
			i++
		case isWordRune(c):
			j := i
			for j < len(r) && (isWordRune(r[j]) || joins(r, j)) {
				j++
			}
			if newSent {
				sent++
				newSent = false
			}
			w := text[bpos[i]:bpos[j]]
			d.toks = append(d.toks, token{start: i, end: j, text: w, word: true, lower: strings.ToLower(w)})
			d.paraOf = append(d.paraOf, para)
			d.sentOf = append(d.sentOf, sent)
			i = j
		default:
			if newSent && !isCloseQuote(c) {
				sent++
				newSent = false
			}
			p := text[bpos[i]:bpos[i+1]]
			d.toks = append(d.toks, token{start: i, end: i + 1, text: p, lower: p})
			d.paraOf = append(d.paraOf, para)
			d.sentOf = append(d.sentOf, sent)
			if c == '.' || c == '!' || c == '?' || c == '…' {
				n := len(d.toks)
				abbr := c == '.' && n >= 2 && d.toks[n-2].word && d.toks[n-2].end == i &&
					(abbreviations[d.toks[n-2].lower] || d.toks[n-2].end-d.toks[n-2].start == 1 && unicode.IsUpper(r[d.toks[n-2].start]))
				if !abbr {
					newSent = true
				}
			}
			i++
		}
	}
	d.lang = lang
	if d.lang == "" {
		d.lang = detectLang(d)
	}
	return d
}

// isCloseQuote: a closing mark after a full stop still belongs to the sentence.
func isCloseQuote(c rune) bool {
	switch c {
	case '"', '”', '“', '»', '«', '’', '\'', '›', '‹', '」', '』', ')':
		return true
	}
	return false
}

// detectLang guesses English, German or Russian from the words.
func detectLang(d *doc) string {
	cyr, en, de := 0, 0, 0
	for _, t := range d.toks {
		if !t.word {
			continue
		}
		if unicode.Is(unicode.Cyrillic, d.r[t.start]) {
			cyr++
		}
		switch t.lower {
		case "the", "and", "said", "of", "is", "was", "to":
			en++
		case "der", "die", "das", "und", "sagte", "nicht", "ist", "sei", "mit":
			de++
		}
	}
	switch {
	case cyr > en+de:
		return "ru"
	case de > en:
		return "de"
	}
	return "en"
}

func capitalised(s string) bool {
	for _, c := range s {
		return unicode.IsUpper(c)
	}
	return false
}
