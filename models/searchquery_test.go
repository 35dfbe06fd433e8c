package models

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseSearch(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ q, match string }{
		{"", ""},
		{"   ", ""},
		{"officials said", `"officials" AND "said"`},
		{`"officials said"`, `"officials said"`},
		{`minist*`, `"minist" *`},
		{`"the cafe"*`, `"the cafe" *`},
		{`title:deal`, `title : "deal"`},
		{`TITLE:"big deal" -text:rumour`, `(title : "big deal") NOT (text : "rumour")`},
		{`deal -rumour -"fake news"`, `("deal") NOT ("rumour" OR "fake news")`},
		{`author:smith`, `"author:smith"`}, // not a field: one phrase of two words
		{`OR NEAR(a b) ^x`, `"OR" AND "NEAR(a" AND "b)" AND "^x"`},
		{`say"what"`, `"say" AND "what"`},
		{`officials — said`, `"officials" AND "said"`}, // the dash is no word
		{`%`, ``},
		{`% -deal`, ``},
		{"кафе مرحبا", `"кафе" AND "مرحبا"`},
	} {
		sq, err := ParseSearch(c.q, ArticleSearchFields)
		if err != nil {
			t.Errorf("ParseSearch(%q): %v", c.q, err)
			continue
		}
		if got := sq.Match(); got != c.match {
			t.Errorf("ParseSearch(%q).Match() = %s, want %s", c.q, got, c.match)
		}
	}
}

// A malformed query is an invalid_query error at the code point where
// the problem is.
func TestParseSearchErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		q   string
		pos int
	}{
		{`deal "officials said`, 5},
		{`café "x`, 5}, // code points, not bytes
		{`deal -`, 5},
		{`deal - x`, 5},
		{`-deal`, 0},
		{`-deal -"x y"`, 0},
		{`title:`, 0},
		{`deal title: x`, 5},
		{`*`, 0},
		{`a -*`, 3},
		{"a\x00b", 1},
		{"ab\xffc", 2},
		{strings.Repeat("ä", MaxSearchRunes+1), MaxSearchRunes},
	} {
		_, err := ParseSearch(c.q, ArticleSearchFields)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Code != "invalid_query" || ve.Extra["position"] != c.pos ||
			!strings.Contains(ve.Fields["q"], "position") {
			t.Errorf("ParseSearch(%.30q) = %v, want invalid_query at %d", c.q, err, c.pos)
		}
	}
	if _, err := ParseSearch(strings.Repeat("ä", MaxSearchRunes), ArticleSearchFields); err != nil {
		t.Errorf("a query of the maximum length: %v", err)
	}
}

// The parser never panics; what it refuses is an invalid_query error at
// a position inside the query; and whatever it accepts, FTS5 accepts (or
// PostgreSQL's to_tsquery, with SLANT_TEST_POSTGRES).
func FuzzSearchQuery(f *testing.F) {
	for _, q := range []string{
		"officials said", `"officials said"`, `-rumour deal`, `minist*`, `title:deal`, `title:"a b"*`,
		`deal "unclosed`, `-`, `-x`, `*`, `**a`, `a**`, `title:`, `note:x speaker:"y z" -quote:w*`,
		`OR AND NOT`, `NEAR(a b, 2)`, `{title text}: x`, `^x`, `"""`, `a"b"c"`, `x:y:z`, `café naïve`,
		"кафе мир", "مرحبا بالعالم", "👩‍🔬 a\u0301", "\u00a0x\u200by", `'"';--`, "a\tb\nc",
		"ʼa ‘b’ c\\ d''", `%s %% %`, `x\' 'y`, `title:"ʼ x"*`,
	} {
		f.Add(q)
	}
	s := searchTestStore(f)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, q string) {
		for _, target := range []struct {
			fields  []string
			table   string
			weights map[string]string
			pgTable string
		}{{ArticleSearchFields, "articles_fts", articleWeights, "articles_search"}, {SpanSearchFields, "annotations_fts", spanWeights, "annotations_search"}} {
			sq, err := ParseSearch(q, target.fields)
			if err != nil {
				var ve *ValidationError
				if !errors.As(err, &ve) || ve.Code != "invalid_query" {
					t.Fatalf("ParseSearch(%q): %v is not an invalid_query error", q, err)
				}
				if pos, ok := ve.Extra["position"].(int); !ok || pos < 0 || pos > utf8.RuneCountInString(q) {
					t.Fatalf("ParseSearch(%q): position %v outside the query", q, ve.Extra["position"])
				}
				continue
			}
			if s.pg {
				expr, args := sq.TSQuery(target.weights)
				if expr == "" {
					continue
				}
				var n int
				if err := s.rd(ctx).Raw(`SELECT COUNT(*) FROM `+target.pgTable+` WHERE doc @@ `+expr, args...).Row().Scan(&n); err != nil {
					t.Fatalf("ParseSearch(%q).TSQuery() = %v: PostgreSQL refuses it: %v", q, args, err)
				}
				continue
			}
			m := sq.Match()
			if m == "" {
				continue
			}
			var n int
			if err := s.rd(ctx).Raw(`SELECT COUNT(*) FROM `+target.table+` WHERE `+target.table+` MATCH ?`, m).Row().Scan(&n); err != nil {
				t.Fatalf("ParseSearch(%q).Match() = %s: FTS5 refuses it: %v", q, m, err)
			}
		}
	})
}

// TSQuery writes the syntax and binds the words: each word of the query
// is in the JSON array, none is in the format.
func TestTSQuery(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ q, format, words string }{
		{"officials said", `(%s) & (%s)`, `["officials","said"]`},
		{`"officials said"`, `(%s <-> %s)`, `["officials","said"]`},
		{`"the cafe"* -rumour`, `(%s <-> %s:*) & !(%s)`, `["the","cafe","rumour"]`},
		{`-"fake news" title:deal minist*`, `(%s:A) & (%s:*) & !(%s <-> %s)`, `["deal","minist","fake","news"]`},
		{`title:"big deal"*`, `(%s:A <-> %s:*A)`, `["big","deal"]`},
		{`officials — said`, `(%s) & (%s)`, `["officials","said"]`},
		{`'x' %s \ ‘y’ &|!:*A`, `(%s) & (%s) & (%s) & (%s)`, `["'x'","%s","‘y’","\u0026|!:*A"]`},
		{`%`, ``, ``},
		{`% -deal`, ``, ``},
	} {
		sq, err := ParseSearch(c.q, ArticleSearchFields)
		if err != nil {
			t.Fatal(err)
		}
		expr, args := sq.TSQuery(articleWeights)
		if c.format == "" {
			if expr != "" {
				t.Errorf("%q: %s %v, want nothing to look for", c.q, expr, args)
			}
			continue
		}
		if expr != tsqueryExpr || len(args) != 2 || args[0] != c.format || args[1] != c.words {
			t.Errorf("%q: %v, want %s %s", c.q, args, c.format, c.words)
		}
	}
	sq, _ := ParseSearch(`quote:a note:b speaker:c*`, SpanSearchFields)
	if _, args := sq.TSQuery(spanWeights); args[0] != `(%s:A) & (%s:B) & (%s:*C)` {
		t.Errorf("span fields: %v", args)
	}
}

// searchMarks finds the query's words in a text as the index folds them,
// in code points: phrases as one range, prefixes, a field's own terms.
func TestSearchMarks(t *testing.T) {
	t.Parallel()
	text := []rune("Cafe\u0301 👩‍🔬 officials said; STRASSE und Straße. Officials, said the ministry's Ministerin. Œuvre")
	at := func(s string, nth int) [2]int {
		rs, i := []rune(s), -1
		for k := 0; k <= nth; k++ {
			for i++; string(text[i:i+len(rs)]) != s; i++ {
			}
		}
		return [2]int{i, i + len(rs)}
	}
	for _, c := range []struct {
		q     string
		field string
		want  [][2]int
	}{
		{"café", "text", [][2]int{{0, 5}}}, // the combining mark belongs to the word
		{`"officials said"`, "text", [][2]int{at("officials said", 0), at("Officials, said", 0)}},
		{"said officials", "text", [][2]int{at("officials", 0), at("said", 0), at("Officials", 0), at("said", 1)}},
		{"strasse", "text", [][2]int{at("STRASSE", 0), at("Straße", 0)}},
		{"minist*", "text", [][2]int{at("ministry", 0), at("Ministerin", 0)}},
		{"oeuvre", "text", [][2]int{at("Œuvre", 0)}},
		{"title:said", "text", nil},
		{"text:said -officials", "text", [][2]int{at("said", 0), at("said", 1)}},
		{`"said said"`, "text", nil},
	} {
		sq, err := ParseSearch(c.q, ArticleSearchFields)
		if err != nil {
			t.Fatal(err)
		}
		if got := sq.searchMarks(c.field, text); !slices.Equal(got, c.want) {
			t.Errorf("%q: %v, want %v", c.q, got, c.want)
		}
	}
}
