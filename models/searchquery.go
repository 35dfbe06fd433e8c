package models

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The search box's syntax, parsed here into terms and written out as an
// FTS5 MATCH expression by Match. User text never reaches MATCH as
// syntax: every term becomes an FTS5 string ("..." with " doubled), so
// FTS5's own operators (OR, NEAR, ^, column lists) are plain words.
//
//	officials said        both words, anywhere (AND)
//	"officials said"      the exact phrase
//	-rumour               not containing the word (or -"a phrase")
//	minist*               a word beginning with minist
//	title:deal            in the title only (title:"a phrase", title:minist*)
//
// Case and diacritics do not matter (the index folds both: cafe finds
// café); words are runs of letters and digits, in any script.

// ArticleSearchFields are the field names an article search accepts
// before a colon; SpanSearchFields those of a span search.
var (
	ArticleSearchFields = []string{"title", "text"}
	SpanSearchFields    = []string{"quote", "note", "speaker"}
)

// SearchTerm is one word or phrase of a query.
type SearchTerm struct {
	Field   string // "" for every field, else one of the accepted names
	Text    string // the word, or the phrase's words
	Prefix  bool   // Text's last word is a prefix (word*)
	Exclude bool   // -term
	Pos     int    // code-point position of the term in the query
}

// SearchQuery is a parsed query. A query without terms is no search at
// all; one whose terms have no letters or digits (only "%") finds
// nothing (Match returns "").
type SearchQuery struct {
	Terms []SearchTerm
}

// Blank reports whether the query has no terms (it was empty or spaces).
func (q *SearchQuery) Blank() bool { return len(q.Terms) == 0 }

// queryError is the 422 of a malformed query: code invalid_query, the
// problem and its code-point position in the message and fields.
func queryError(pos int, problem string) *ValidationError {
	p := problem + " (at position " + strconv.Itoa(pos) + ")"
	return &ValidationError{Code: "invalid_query", Message: "q: " + p,
		Fields: map[string]string{"q": p}, Extra: map[string]any{"position": pos}}
}

// ParseSearch parses a search query. fields are the names accepted
// before a colon (ArticleSearchFields, SpanSearchFields); any other
// "name:" is part of a word. Errors are *ValidationError with code
// invalid_query and the position (in code points) of the problem.
func ParseSearch(q string, fields []string) (*SearchQuery, error) {
	if !utf8.ValidString(q) {
		bad := 0
		for i, r := range q {
			if r == utf8.RuneError {
				if _, size := utf8.DecodeRuneInString(q[i:]); size == 1 {
					break
				}
			}
			bad++
		}
		return nil, queryError(bad, "is not valid UTF-8")
	}
	rs := []rune(q)
	if len(rs) > MaxSearchRunes {
		return nil, queryError(MaxSearchRunes, "is too long: at most "+itoa(MaxSearchRunes)+" characters")
	}
	for i, r := range rs {
		if unicode.IsControl(r) && !unicode.IsSpace(r) {
			return nil, queryError(i, "contains a control character")
		}
	}
	out := &SearchQuery{}
	n, i := len(rs), 0
	for {
		for i < n && unicode.IsSpace(rs[i]) {
			i++
		}
		if i == n {
			break
		}
		t := SearchTerm{Pos: i}
		if rs[i] == '-' {
			t.Exclude = true
			i++
			if i == n || unicode.IsSpace(rs[i]) {
				return nil, queryError(t.Pos, "a - must be followed by a word or a \"phrase\" to leave out")
			}
		}
		if f, next, ok := fieldPrefix(rs, i, fields); ok {
			t.Field, i = f, next
			if i == n || unicode.IsSpace(rs[i]) {
				return nil, queryError(t.Pos, t.Field+": must be followed by a word or a \"phrase\"")
			}
		}
		if rs[i] == '"' {
			end := i + 1
			for end < n && rs[end] != '"' {
				end++
			}
			if end == n {
				return nil, queryError(i, "the quote opened here is not closed")
			}
			t.Text = string(rs[i+1 : end])
			i = end + 1
			if i < n && rs[i] == '*' {
				t.Prefix = true
				i++
			}
		} else {
			start := i
			for i < n && !unicode.IsSpace(rs[i]) && rs[i] != '"' {
				i++
			}
			word := string(rs[start:i])
			t.Text = strings.TrimRight(word, "*")
			t.Prefix = len(t.Text) < len(word)
			if t.Text == "" {
				return nil, queryError(start, "a * must follow the start of a word, as in minist*")
			}
		}
		out.Terms = append(out.Terms, t)
	}
	if len(out.Terms) > 0 {
		positive := false
		for _, t := range out.Terms {
			positive = positive || !t.Exclude
		}
		if !positive {
			return nil, queryError(out.Terms[0].Pos, "a search needs at least one word that is not excluded with -")
		}
	}
	return out, nil
}

// fieldPrefix reads "name:" at rs[i:] when name is one of fields
// (case-insensitive), returning the name and the position after the colon.
func fieldPrefix(rs []rune, i int, fields []string) (string, int, bool) {
	j := i
	for j < len(rs) && j-i <= 16 && (rs[j] >= 'a' && rs[j] <= 'z' || rs[j] >= 'A' && rs[j] <= 'Z') {
		j++
	}
	if j == i || j >= len(rs) || rs[j] != ':' {
		return "", 0, false
	}
	name := strings.ToLower(string(rs[i:j]))
	for _, f := range fields {
		if f == name {
			return f, j + 1, true
		}
	}
	return "", 0, false
}

// isTokenRune says whether r is part of a word for the index's tokenizer
// (unicode61: letters, digits and private-use characters; everything else
// separates words).
func isTokenRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Co, r)
}

func hasWord(s string) bool { return strings.IndexFunc(s, isTokenRune) >= 0 }

// Match is the FTS5 expression of the query: every included term (AND),
// minus any excluded one. Terms without a letter or digit (a dash between
// words, "%") are left out; "" means nothing is left to look for, and the
// query matches nothing.
func (q *SearchQuery) Match() string {
	var pos, neg []string
	for _, t := range q.Terms {
		if !hasWord(t.Text) {
			continue
		}
		s := `"` + strings.ReplaceAll(t.Text, `"`, `""`) + `"`
		if t.Prefix {
			s += " *"
		}
		if t.Field != "" {
			s = t.Field + " : " + s
		}
		if t.Exclude {
			neg = append(neg, s)
		} else {
			pos = append(pos, s)
		}
	}
	if len(pos) == 0 {
		return ""
	}
	expr := strings.Join(pos, " AND ")
	if len(neg) > 0 {
		expr = "(" + expr + ") NOT (" + strings.Join(neg, " OR ") + ")"
	}
	return expr
}

// TSQuery is the query as a PostgreSQL tsquery: a SQL expression and its
// two arguments. weights gives each field's weight letter in the indexed
// tsvector (title A), so that title:deal is 'deal':A.
//
// The expression's syntax (&, !, <->, :*, the weights) is written here;
// the user's words reach it only as one bound JSON array. The SQL
// unaccents each word and only then quotes it as a tsquery operand (a
// backslash and a ' escaped: unaccent turns ‘ into '), and to_tsquery
// splits and lower-cases it with the 'simple' configuration, as the index
// did with the stored text. A phrase is its space-separated words joined
// by <->, and only its last word is a prefix. "" when nothing is left to
// look for, as for Match.
func (q *SearchQuery) TSQuery(weights map[string]string) (string, []any) {
	type part struct {
		op    string   // the term's syntax, with a %s per word
		words []string // the words, in order
	}
	var pos, neg []part
	for _, t := range q.Terms {
		var p part
		for _, w := range strings.Fields(t.Text) {
			if hasWord(w) {
				p.words = append(p.words, w)
			}
		}
		if len(p.words) == 0 {
			continue
		}
		ops := make([]string, len(p.words))
		for i := range p.words {
			flags := weights[t.Field]
			if t.Prefix && i == len(p.words)-1 {
				flags = "*" + flags
			}
			if flags != "" {
				flags = ":" + flags
			}
			ops[i] = "%s" + flags
		}
		p.op = "(" + strings.Join(ops, " <-> ") + ")"
		if t.Exclude {
			p.op = "!" + p.op
			neg = append(neg, p)
		} else {
			pos = append(pos, p)
		}
	}
	if len(pos) == 0 {
		return "", nil
	}
	var ops, words []string
	for _, p := range append(pos, neg...) {
		ops = append(ops, p.op)
		words = append(words, p.words...)
	}
	arr, _ := json.Marshal(words)
	return tsqueryExpr, []any{strings.Join(ops, " & "), string(arr)}
}

// tsqueryExpr is TSQuery's SQL: format fills each %s of the syntax (the
// first argument) with a word of the JSON array (the second), unaccented
// and quoted as a tsquery operand.
const tsqueryExpr = `to_tsquery('simple', format(?::text, VARIADIC ARRAY(
	SELECT '''' || replace(replace(slant_unaccent(w), chr(92), chr(92) || chr(92)), '''', '''''') || ''''
	FROM json_array_elements_text(?::json) WITH ORDINALITY AS t(w, i) ORDER BY i)))`
