package models

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// pySlice is the reference: Python's text[start:end] over code points.
func pySlice(s string, start, end int) string {
	r := []rune(s)
	return string(r[start:end])
}

var unicodeTexts = map[string]string{
	"ascii":     "The minister said the plan was final.",
	"emoji":     "Prices rose 📈 sharply; the ministry 🙄 denied it.",
	"zwj":       "The scientist 👩‍🔬 and family 👨‍👩‍👧‍👦 were quoted.",
	"flags":     "Flags 🇳🇴🇰🇿 side by side, then text.",
	"combining": "Cafe\u0301 owner Zoe\u0308 said “no”.", // NFD: e + U+0301
	"crlf":      "Line one.\r\nLine two said \"X\".\r\n\r\nThird.",
	"lone_cr":   "old\rmac\rline endings",
	"rtl":       "قال الوزير إن الخطة نهائية. Then English.",
	"nbsp":      "Price:\u00a0100\u00a0€ per\u202fMWh.",
	"bom":       "\ufeffText starting with a BOM.",
	"cjk":       "北京 said 东京 replied 𠀋 (astral CJK).",
}

func TestSliceMatchesPythonSemantics(t *testing.T) {
	t.Parallel()
	for name, text := range unicodeTexts {
		n := CodePointLen(text)
		if n != len([]rune(text)) {
			t.Fatalf("%s: CodePointLen=%d, runes=%d", name, n, len([]rune(text)))
		}
		ix := NewSpanIndex(text)
		if ix.Len() != n {
			t.Fatalf("%s: SpanIndex.Len=%d want %d", name, ix.Len(), n)
		}
		for start := 0; start < n; start++ {
			for end := start + 1; end <= n; end++ {
				want := pySlice(text, start, end)
				got, ok := Slice(text, start, end)
				if !ok || got != want {
					t.Fatalf("%s: Slice(%d,%d)=%q,%v want %q", name, start, end, got, ok, want)
				}
				got2, ok2 := ix.Slice(start, end)
				if !ok2 || got2 != want {
					t.Fatalf("%s: SpanIndex.Slice(%d,%d)=%q want %q", name, start, end, got2, want)
				}
			}
		}
	}
}

func TestSliceRejectsInvalidSpans(t *testing.T) {
	t.Parallel()
	text := "a👩‍🔬b" // 1 + 3 code points (woman, ZWJ, microscope) + 1 = 5
	if CodePointLen(text) != 5 {
		t.Fatalf("length %d", CodePointLen(text))
	}
	for _, c := range []struct{ s, e int }{{-1, 2}, {2, 2}, {3, 2}, {0, 6}, {5, 6}, {6, 7}} {
		if _, ok := Slice(text, c.s, c.e); ok {
			t.Errorf("Slice(%d,%d) accepted", c.s, c.e)
		}
		if _, ok := NewSpanIndex(text).Slice(c.s, c.e); ok {
			t.Errorf("SpanIndex.Slice(%d,%d) accepted", c.s, c.e)
		}
	}
	if got, _ := Slice(text, 1, 4); got != "👩‍🔬" {
		t.Errorf("ZWJ sequence slice = %q", got)
	}
	// Half of a ZWJ sequence is still a valid code-point span.
	if got, _ := Slice(text, 1, 2); got != "👩" {
		t.Errorf("first code point of ZWJ = %q", got)
	}
}

func TestContext(t *testing.T) {
	t.Parallel()
	text := strings.Repeat("é", 100) + "TARGET" + strings.Repeat("ü", 100)
	ix := NewSpanIndex(text)
	before, after := ix.Context(100, 106, 80)
	if before != strings.Repeat("é", 80) || after != strings.Repeat("ü", 80) {
		t.Fatalf("context = %q / %q", before, after)
	}
	before, after = ix.Context(0, 3, 80)
	if before != "" || utf8.RuneCountInString(after) != 80 {
		t.Fatalf("context at start = %q / %d", before, utf8.RuneCountInString(after))
	}
	before, after = NewSpanIndex("ab").Context(0, 2, 80)
	if before != "" || after != "" {
		t.Fatalf("whole-text context = %q / %q", before, after)
	}
}

func TestCheckSpanQuoteMismatchReportsActualAndWhere(t *testing.T) {
	t.Parallel()
	text := "Rates 📈 rose; critics said “unfair”."
	ix := NewSpanIndex(text)
	// A client counting UTF-16 units would put "rose" at 9..13; code points say 8..12.
	want := "rose"
	q, err := CheckSpan(ix, 8, 12, &want)
	if err != nil || q != "rose" {
		t.Fatalf("code-point span: %q %v", q, err)
	}
	_, err = CheckSpan(ix, 9, 13, &want)
	ve, ok := err.(*ValidationError)
	if !ok || ve.Code != "quote_mismatch" {
		t.Fatalf("want quote_mismatch, got %v", err)
	}
	if ve.Extra["actual"] != "ose;" {
		t.Errorf("actual = %q", ve.Extra["actual"])
	}
	if at, _ := ve.Extra["found_at"].([]int); len(at) != 2 || at[0] != 8 || at[1] != 12 {
		t.Errorf("found_at = %v", ve.Extra["found_at"])
	}
}
