package models

import (
	"context"
	"errors"
	"path/filepath"
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
// a position inside the query; and whatever it accepts, FTS5 accepts.
func FuzzSearchQuery(f *testing.F) {
	for _, q := range []string{
		"officials said", `"officials said"`, `-rumour deal`, `minist*`, `title:deal`, `title:"a b"*`,
		`deal "unclosed`, `-`, `-x`, `*`, `**a`, `a**`, `title:`, `note:x speaker:"y z" -quote:w*`,
		`OR AND NOT`, `NEAR(a b, 2)`, `{title text}: x`, `^x`, `"""`, `a"b"c"`, `x:y:z`, `café naïve`,
		"кафе мир", "مرحبا بالعالم", "👩‍🔬 a\u0301", "\u00a0x\u200by", `'"';--`, "a\tb\nc",
	} {
		f.Add(q)
	}
	s, err := Open(filepath.Join(f.TempDir(), "fuzz.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, q string) {
		for _, target := range []struct {
			fields []string
			table  string
		}{{ArticleSearchFields, "articles_fts"}, {SpanSearchFields, "annotations_fts"}} {
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
