package suggest

import "unicode"

// quote is a pair of quotation marks at rune positions open and close.
type quote struct{ open, close int }

// closersOf gives the marks that may close an opening mark ("" when c
// opens nothing). „ is closed by “ (German) or ” (some typesetters); »
// opens the German »…« style when no « is open.
func closersOf(c rune) string {
	switch c {
	case '"':
		return `"`
	case '“':
		return "”"
	case '„':
		return "“”"
	case '«':
		return "»"
	case '»':
		return "«"
	case '‹':
		return "›"
	case '›':
		return "‹"
	case '「':
		return "」"
	case '『':
		return "』"
	case '‘':
		return "’"
	case '‚':
		return "‘’"
	case '\'':
		return "'"
	}
	return ""
}

// maxQuoteRunes and maxQuoteBreaks bound a quote: a stray opening mark
// must not swallow the rest of an article.
const (
	maxQuoteRunes  = 4000
	maxQuoteBreaks = 3
)

func canOpen(r []rune, i int) bool {
	c := r[i]
	if closersOf(c) == "" {
		return false
	}
	if i+1 >= len(r) || unicode.IsSpace(r[i+1]) {
		return false
	}
	switch c {
	case '\'', '‘', '‚':
		return (i == 0 || !isWordRune(r[i-1])) && isWordRune(r[i+1])
	case '"':
		return i == 0 || !isWordRune(r[i-1])
	}
	return true
}

func canClose(r []rune, i int, open rune) bool {
	c := r[i]
	ok := false
	for _, x := range closersOf(open) {
		if x == c {
			ok = true
		}
	}
	if !ok {
		return false
	}
	if c == '\'' || c == '’' {
		return !isApostrophe(r, i) && i > 0 && !unicode.IsSpace(r[i-1])
	}
	return true
}

// matchQuote finds the mark closing the one at i, skipping nested quotes
// and continuing across paragraph breaks (a paragraph that begins with
// the same opening mark continues the quote, as English and German
// typesetting do; one that does not may still close it). -1: unclosed.
func matchQuote(r []rune, i int) int {
	stack := []rune{r[i]}
	breaks := 0
	for j := i + 1; j < len(r) && j-i < maxQuoteRunes; j++ {
		c := r[j]
		if c == '\n' {
			k := j
			for k < len(r) && unicode.IsSpace(r[k]) {
				k++
			}
			if breaks++; breaks > maxQuoteBreaks {
				return -1
			}
			if k < len(r) && r[k] == stack[0] && len(stack) == 1 {
				j = k
				continue
			}
			j = k - 1
			continue
		}
		closed := false
		for d := len(stack) - 1; d >= 0; d-- {
			if canClose(r, j, stack[d]) {
				if d == 0 {
					return j
				}
				stack = stack[:d]
				closed = true
				break
			}
		}
		if !closed && canOpen(r, j) {
			stack = append(stack, c)
		}
	}
	return -1
}

// findQuotes returns the outermost quotes of the text, in order.
func findQuotes(r []rune) []quote {
	var out []quote
	for i := 0; i < len(r); i++ {
		if !canOpen(r, i) {
			continue
		}
		if j := matchQuote(r, i); j > 0 {
			out = append(out, quote{i, j})
			i = j
		}
	}
	return out
}
