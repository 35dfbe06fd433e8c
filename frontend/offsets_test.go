package frontend_test

import (
	"encoding/json"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

// offsetCases are texts whose UTF-16 and code-point counts differ in every
// way the browser can trip over.
var offsetCases = map[string]string{
	"ascii":     "Plain ASCII text, nothing special.",
	"emoji":     "Before 😀 after 🎉!",
	"zwj":       "Lab: 👩‍🔬 and family 👨‍👩‍👧‍👦 end",
	"flags":     "Flags 🇳🇴🇰🇿 here",
	"combining": "Cafe\u0301 and n\u0303 and Å (A\u030a)",
	"crlf":      "line one\r\nline two\r\n\r\nline four",
	"rtl":       "English then عربي: قال الوزير إن الخطة ناجحة. Done",
	"nbsp":      "100\u00a0km and\u202fthin and\u2007figure",
	"mixed":     "„Zitat“ 😀 👩‍🔬 🇳🇴 e\u0301 \r\n مرحبا\u00a0x 𝔘𝔫𝔦",
}

// TestOffsetsModule runs static/offsets.js in the browser and compares
// every conversion with Go's own code-point counts.
func TestOffsetsModule(t *testing.T) {
	e := newEnv(t)
	e.do(chromedpNavigate(e.srv.URL + "/#/login"))
	cases, _ := json.Marshal(offsetCases)
	type result struct {
		Len   int      `json:"len"`
		CPLen int      `json:"cpLen"`
		U16   []int    `json:"u16"`   // toUTF16(k) for k in 0..len
		Floor []int    `json:"floor"` // toCodePoint(u) for u in 0..text.length
		Ceil  []int    `json:"ceil"`
		Slice []string `json:"slice"` // slice(k, k+1) for every k
		Snap  []int    `json:"snap"`  // adjust of the whole text by snapUTF16 at each u
	}
	got := eval[map[string]result](e, `(async () => {
	  const m = await import("/offsets.js");
	  const cases = `+string(cases)+`;
	  const out = {};
	  for (const [name, s] of Object.entries(cases)) {
	    const ix = new m.OffsetIndex(s);
	    const r = { len: ix.length, cpLen: m.cpLength(s), u16: [], floor: [], ceil: [], slice: [], snap: [] };
	    for (let k = 0; k <= ix.length; k++) r.u16.push(ix.toUTF16(k));
	    for (let u = 0; u <= s.length; u++) { r.floor.push(ix.toCodePoint(u)); r.ceil.push(ix.toCodePoint(u, "ceil")); r.snap.push(m.snapUTF16(s, u, false)); }
	    for (let k = 0; k < ix.length; k++) r.slice.push(ix.slice(k, k + 1));
	    out[name] = r;
	  }
	  return out;
	})()`)
	for name, s := range offsetCases {
		r, ok := got[name]
		if !ok {
			t.Errorf("%s: no result", name)
			continue
		}
		runes := []rune(s)
		n := utf8.RuneCountInString(s)
		if r.Len != n || r.CPLen != n {
			t.Errorf("%s: length %d / cpLength %d, Go counts %d code points", name, r.Len, r.CPLen, n)
		}
		// expected UTF-16 offset of each code point
		want := make([]int, n+1)
		for k := range runes {
			want[k+1] = want[k] + len(utf16.Encode(runes[k:k+1]))
		}
		for k := 0; k <= n && k < len(r.U16); k++ {
			if r.U16[k] != want[k] {
				t.Errorf("%s: toUTF16(%d) = %d, want %d", name, k, r.U16[k], want[k])
			}
		}
		total := want[n]
		if len(r.Floor) != total+1 {
			t.Fatalf("%s: JS sees %d UTF-16 units, Go %d", name, len(r.Floor)-1, total)
		}
		for k := 0; k <= n; k++ {
			if r.Floor[want[k]] != k || r.Ceil[want[k]] != k {
				t.Errorf("%s: toCodePoint(%d) = %d/%d, want %d", name, want[k], r.Floor[want[k]], r.Ceil[want[k]], k)
			}
			if k < n && want[k+1]-want[k] == 2 { // inside a surrogate pair
				mid := want[k] + 1
				if r.Floor[mid] != k || r.Ceil[mid] != k+1 {
					t.Errorf("%s: toCodePoint(%d) inside a pair = %d/%d, want %d/%d", name, mid, r.Floor[mid], r.Ceil[mid], k, k+1)
				}
				if r.Snap[mid] != want[k] {
					t.Errorf("%s: snapUTF16(%d) = %d, want %d", name, mid, r.Snap[mid], want[k])
				}
			}
		}
		for k := 0; k < n && k < len(r.Slice); k++ {
			if r.Slice[k] != string(runes[k]) {
				t.Errorf("%s: slice(%d, %d) = %q, want %q (Python text[%d:%d])", name, k, k+1, r.Slice[k], string(runes[k]), k, k+1)
			}
		}
	}
}
