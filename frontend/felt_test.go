package frontend_test

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"slant/models"
)

// feltProbe runs in every document before its own scripts. It records the
// intervals an annotator feels, each ending at the frame painted after it:
// keypress → painted (from the keydown event's timeStamp: the frame's
// requestAnimationFrame callbacks run, then style, layout and paint, then
// the message posted from the callback arrives), and navigation →
// article text and highlights painted (from the navigation's time origin
// to the frame after the text and its highlights are drawn: #article-text
// is marked data-drawn; the list beside it is filled after that frame).
const feltProbe = `(() => {
  const felt = window.__felt = { keys: [], painted: 0 };
  const afterPaint = (fn) => requestAnimationFrame(() => { const ch = new MessageChannel(); ch.port1.onmessage = fn; ch.port2.postMessage(0); });
  window.addEventListener("keydown", (ev) => { const t0 = ev.timeStamp; afterPaint(() => felt.keys.push(performance.now() - t0)); }, true);
  const ready = () => document.querySelector('#article-text[data-drawn="1"]');
  const mo = new MutationObserver(() => { if (ready()) { mo.disconnect(); afterPaint(() => { felt.painted = performance.now(); }); } });
  mo.observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ["data-drawn"] });
})()`

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// baselinePage is the floor the browser sets for the same article: the
// text and its spans as static HTML, one coloured <span> per stretch, in
// one block, no script but a keydown handler that toggles one class.
func baselinePage(text string, spans [][2]int) string {
	runes := []rune(text)
	u := utf16.Encode(runes)
	at := make([]int, len(runes)+1) // code point -> UTF-16 offset
	for i, r := range runes {
		at[i+1] = at[i] + utf16.RuneLen(r)
	}
	cuts := map[int]int{} // UTF-16 offset -> depth change
	for _, s := range spans {
		cuts[at[s[0]]]++
		cuts[at[s[1]]]--
	}
	pos := make([]int, 0, len(cuts)+2)
	for p := range cuts {
		pos = append(pos, p)
	}
	pos = append(pos, 0, len(u))
	sort.Ints(pos)
	var b strings.Builder
	b.WriteString(`<!doctype html><meta charset="utf-8"><style>#article-text{font:18px/1.95 serif;white-space:pre-wrap;max-width:72ch}.hl{background:rgba(59,130,196,.18)}.hot{outline:2px solid #1a73e8}</style><div id="article-text" data-drawn="1">`)
	depth := 0
	for i := 0; i+1 < len(pos); i++ {
		if i > 0 && pos[i] == pos[i-1] {
			continue
		}
		depth += cuts[pos[i]]
		seg := html.EscapeString(string(utf16.Decode(u[pos[i]:pos[i+1]])))
		if depth > 0 {
			fmt.Fprintf(&b, `<span class="hl">%s</span>`, seg)
		} else {
			b.WriteString(seg)
		}
	}
	b.WriteString(`</div><script>let n = 0; addEventListener("keydown", () => { const s = document.querySelectorAll(".hl"); s[(n++ * 37) % s.length].classList.toggle("hot"); });</script>`)
	return b.String()
}

// BenchmarkAnnotateFelt measures what the annotator feels on a
// 20,000-word article with 1,000 spans: navigation → text and highlights
// painted (ms/open), and a hotkey press → the new highlight painted
// (ms/key), with the same two intervals on a static page holding the same
// text and spans as the baseline (ms/open-base, ms/key-base). Medians.
func BenchmarkAnnotateFelt(b *testing.B) {
	e := newEnv(b)
	admin, pw := e.user("bench", models.RoleAdmin)
	art, text := largeArticle(e, admin, 1000)
	var spans [][2]int
	for _, a := range e.annotations(art.ID) {
		spans = append(spans, [2]int{a.Start, a.End})
	}
	base := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, baselinePage(text, spans))
	}))
	b.Cleanup(base.Close)
	if _, err := chromedp.Call(e.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: feltProbe}); err != nil {
		b.Fatal(err)
	}
	e.login("bench", pw)
	n := utf16Len(text)

	var open, openBase, key, keyBase []float64
	for i := 0; i < b.N; i++ {
		e.do(chromedp.Navigate("about:blank"))
		e.do(chromedp.Navigate(fmt.Sprintf("%s/#/articles/%d", e.srv.URL, art.ID)))
		e.waitJS(`window.__felt && window.__felt.painted > 0`)
		open = append(open, eval[float64](e, `window.__felt.painted`))
		e.waitJS(`window.slantAnnotate && document.querySelector('#article-text[data-ready="1"]')`)
		// hotkeys at places spread over the article, each in view
		for k := 0; k < 5; k++ {
			u0 := ((i*5+k)*7919 + 500) % (n - 100)
			eval[bool](e, fmt.Sprintf(`(() => { const r = window.slantAnnotate.view.domRange(%d, %d); const s = getSelection();
			  s.removeAllRanges(); s.addRange(r); r.startContainer.parentElement.scrollIntoView({ block: "center" }); return true; })()`, u0, u0+40))
			e.waitJS(`new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(() => ok(true))))`)
			before := eval[int](e, `window.__felt.keys.length`)
			e.key("1")
			e.waitJS(fmt.Sprintf(`window.__felt.keys.length > %d && !document.querySelector('#article-text .pending')`, before))
			key = append(key, eval[float64](e, `window.__felt.keys.at(-1)`))
		}

		e.do(chromedp.Navigate(base.URL))
		e.waitJS(`window.__felt && window.__felt.painted > 0`)
		openBase = append(openBase, eval[float64](e, `window.__felt.painted`))
		for k := 0; k < 5; k++ {
			before := eval[int](e, `window.__felt.keys.length`)
			e.key("1")
			e.waitJS(fmt.Sprintf(`window.__felt.keys.length > %d`, before))
			keyBase = append(keyBase, eval[float64](e, `window.__felt.keys.at(-1)`))
		}
	}
	b.ReportMetric(median(open), "ms/open")
	b.ReportMetric(median(openBase), "ms/open-base")
	b.ReportMetric(median(key), "ms/key")
	b.ReportMetric(median(keyBase), "ms/key-base")
}

func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }
