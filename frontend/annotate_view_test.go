package frontend_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"slant/models"
)

// charRect is JS that returns the viewport rect [left, top, right, bottom]
// of the UTF-16 range [u0, u1) of the article text, found with the DOM's
// own tree walker (not the app's offset code).
const charRectJS = `((u0, u1) => {
  const root = document.getElementById("article-text");
  const at = (u, end) => { let pos = 0, n; const w = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while ((n = w.nextNode())) { if (end ? u <= pos + n.data.length : u < pos + n.data.length) return [n, u - pos]; pos += n.data.length; } };
  const r = document.createRange();
  r.setStart(...at(u0, false)); r.setEnd(...at(u1, true));
  const b = r.getBoundingClientRect();
  return [b.left, b.top, b.right, b.bottom];
})`

func (e *env) rectOf(u0, u1 int) []float64 {
	e.t.Helper()
	return eval[[]float64](e, fmt.Sprintf(`%s(%d, %d)`, charRectJS, u0, u1))
}

// u16 is the UTF-16 offset of the first occurrence of needle in text.
func u16(t *testing.T, text, needle string) int {
	t.Helper()
	i := strings.Index(text, needle)
	if i < 0 {
		t.Fatalf("%q not in text", needle)
	}
	return utf16Len(text[:i])
}

// TestMixedDirectionParagraphs: an Arabic paragraph in an English article
// is laid out right to left (its full stop drawn left of its first word),
// the English ones left to right.
func TestMixedDirectionParagraphs(t *testing.T) {
	e := newEnv(t)
	_, pw := e.user("lea", models.RoleAnnotator)
	text := "The minister spoke in English first.\n\nقال الوزير إن الخطة ناجحة.\n\nBack to English here."
	_, arts := e.project(models.ArticleIn{Title: "Mixed", Text: text})
	e.login("lea", pw)
	e.openArticle(arts[0].ID)

	ar := u16(t, text, "قال")
	stop := u16(t, text, "ناجحة.") + utf16Len("ناجحة")
	first, dot := e.rectOf(ar, ar+3), e.rectOf(stop, stop+1)
	if dot[2] > first[0] {
		t.Errorf("Arabic paragraph: its full stop (x %.0f–%.0f) is not left of its first word (x %.0f–%.0f)", dot[0], dot[2], first[0], first[2])
	}
	if dot[1] != first[1] {
		t.Errorf("the full stop and the first word are on different lines (y %.0f, %.0f)", dot[1], first[1])
	}
	en := u16(t, text, "The")
	enStop := u16(t, text, "first.") + len("first")
	if a, b := e.rectOf(en, en+3), e.rectOf(enStop, enStop+1); b[0] < a[2] {
		t.Errorf("English paragraph: its full stop is left of its first word")
	}
	if d := eval[string](e, `getComputedStyle(document.getElementById('article-text')).direction`); d != "ltr" {
		t.Errorf("the English article is drawn %s", d)
	}
}

// TestOverlappingSpansAllVisible: where a span starts inside another, the
// overlap shows both tints composed and both underlines; the pointer
// outlines the innermost span and a card lists every span there.
func TestOverlappingSpansAllVisible(t *testing.T) {
	e := newEnv(t)
	u, pw := e.user("ola", models.RoleAnnotator)
	text := "Critics called the reckless and dangerous plan a failure yesterday."
	_, arts := e.project(models.ArticleIn{Title: "Overlap", Text: text})
	ctx := context.Background()
	mk := func(label, quote string) {
		s, en := cpSpan(t, text, quote)
		if _, err := e.store.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: arts[0].ID, UserID: u.ID, Label: label, Start: s, End: en}); err != nil {
			t.Fatal(err)
		}
	}
	mk("opinion", "the reckless and dangerous plan")
	mk("state_media_framing", "dangerous plan a failure")
	e.login("ola", pw)
	e.openArticle(arts[0].ID)

	type seg struct {
		Text, Bg string
		Lines    int
	}
	segs := eval[[]seg](e, `[...document.querySelectorAll('#article-text .hl')].map(n => ({ text: n.textContent, bg: getComputedStyle(n).backgroundColor,
	  lines: getComputedStyle(n).backgroundImage.split('linear-gradient').length - 1 }))`)
	by := map[string]seg{}
	for _, s := range segs {
		by[s.Text] = s
	}
	outer, both, inner := by["the reckless and "], by["dangerous plan"], by[" a failure"]
	if both.Lines != 2 || outer.Lines != 1 || inner.Lines != 1 {
		t.Fatalf("segments %+v: want one underline per span layer", segs)
	}
	alpha := func(c string) float64 {
		var r, g, b int
		var a float64
		fmt.Sscanf(c, "rgba(%d, %d, %d, %f)", &r, &g, &b, &a)
		return a
	}
	if both.Bg == outer.Bg || both.Bg == inner.Bg || alpha(both.Bg) <= alpha(outer.Bg) || alpha(both.Bg) <= alpha(inner.Bg) {
		t.Errorf("overlap tint %s is not the union of %s and %s", both.Bg, outer.Bg, inner.Bg)
	}

	// Hover the overlap: the inner span is outlined, the card lists both.
	p := e.rectOf(u16(t, text, "dangerous")+2, u16(t, text, "dangerous")+3)
	e.do(chromedp.MouseEvent(chromedp.MouseMoved, (p[0]+p[2])/2, (p[1]+p[3])/2))
	e.waitJS(`!document.getElementById('span-tip').hidden`)
	tip := eval[string](e, `document.getElementById('span-tip').textContent`)
	if !strings.Contains(tip, "Opinion as fact") || !strings.Contains(tip, "State-media framing") {
		t.Errorf("span card %q does not list both spans", tip)
	}
	hovered := eval[string](e, `[...document.querySelectorAll('#article-text .hl.hover')].map(n => n.textContent).join('|')`)
	if hovered != "dangerous plan| a failure" {
		t.Errorf("outlined segments %q, want the inner span's", hovered)
	}
	if o := eval[string](e, `getComputedStyle(document.querySelector('#article-text .hl.hover')).boxShadow`); !strings.Contains(o, "inset") {
		t.Errorf("hover outline %q is not drawn inside the span", o)
	}
	// Outside the overlap: one span listed.
	p = e.rectOf(u16(t, text, "reckless")+2, u16(t, text, "reckless")+3)
	e.do(chromedp.MouseEvent(chromedp.MouseMoved, (p[0]+p[2])/2, (p[1]+p[3])/2))
	e.waitJS(`!document.getElementById('span-tip').textContent.includes('State media framing')`)
	if tip := eval[string](e, `document.getElementById('span-tip').textContent`); !strings.Contains(tip, "Opinion as fact") {
		t.Errorf("span card %q over the outer span only", tip)
	}
}

// TestSelectedSpanLeavesNeighboursVisible: the selected span's boundary is
// drawn in room of its own between the characters (nothing covers the
// quote marks next to it), and the editor shows the span in its context.
func TestSelectedSpanLeavesNeighboursVisible(t *testing.T) {
	e := newEnv(t)
	u, pw := e.user("sam", models.RoleAnnotator)
	text := "Officials said “the plan works” yesterday, and left."
	_, arts := e.project(models.ArticleIn{Title: "Quotes", Text: text})
	s, en := cpSpan(t, text, "the plan works")
	a, err := e.store.CreateAnnotation(context.Background(), models.AnnotationIn{ArticleID: arts[0].ID, UserID: u.ID, Label: "opinion", Start: s, End: en})
	if err != nil {
		t.Fatal(err)
	}
	e.login("sam", pw)
	e.openArticle(arts[0].ID)
	open, start := u16(t, text, "“"), u16(t, text, "the plan")
	end := start + len("the plan works")
	e.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`#span-list button[data-key="%d"]`, a.ID))))
	e.waitJS(`document.querySelector('#article-text .hl.current') && document.getElementById('ed-quote')`)

	if o := eval[string](e, `getComputedStyle(document.querySelector('#article-text .hl.current')).outlineStyle`); o != "none" {
		t.Errorf("the selected span has an outline (%s) over its neighbours", o)
	}
	q, first := e.rectOf(open, open+1), e.rectOf(start, start+1)
	last, close := e.rectOf(end-1, end), e.rectOf(end, end+1)
	if gap := first[0] - q[2]; gap < 2 {
		t.Errorf("%.1f px between the opening quote mark and the span: no room for a boundary mark that covers neither", gap)
	}
	if gap := close[0] - last[2]; gap < 2 {
		t.Errorf("%.1f px between the span and the closing quote mark", gap)
	}
	if bs := eval[string](e, `getComputedStyle(document.querySelector('#article-text .hl.current')).boxShadow`); bs != "none" && !strings.Contains(bs, "inset") {
		t.Errorf("the selected span's shadow %q is drawn outside it", bs)
	}
	// The editor shows the span with its context, the offsets only aside.
	if got := eval[string](e, `document.querySelector('#editor .quote-box').textContent`); !strings.Contains(got, "said “the plan works” yesterday") {
		t.Errorf("editor shows %q, want the span with the characters around it", got)
	}
	if got := eval[string](e, `document.getElementById('ed-quote').textContent`); got != "the plan works" {
		t.Errorf("the span in the editor is %q", got)
	}
}

// TestSidePanelKeepsLabelsInView: with a long span list, the list scrolls
// in its own box; the labels and the open editor stay on screen (a tall
// editor scrolls in its own box too).
func TestSidePanelKeepsLabelsInView(t *testing.T) {
	e := newEnv(t)
	admin, pw := e.user("lis", models.RoleAdmin)
	art, _ := largeArticle(e, admin, 120)
	e.login("lis", pw)
	e.openArticle(art.ID)
	e.waitJS(`document.querySelectorAll('#span-list li').length === 120`)
	inView := `((sel) => { const r = document.querySelector(sel).getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight && r.height > 0; })`
	if !eval[bool](e, `(() => { const c = document.getElementById('spans-card'); return c.scrollHeight > c.clientHeight; })()`) {
		t.Fatal("the span list does not scroll in its own box")
	}
	e.do(chromedp.Click(chromedp.CSS(`#span-list li:nth-child(100) button`)))
	e.waitJS(`document.getElementById('editor')`)
	e.waitJS(`document.getElementById('spans-card').scrollTop > 0`)
	for _, sel := range []string{".palette", "#editor-box", "#ed-quote", "#span-list li.active"} {
		if !eval[bool](e, inView+`(`+js(sel)+`)`) {
			t.Errorf("%s is out of view after opening the 100th span from the list: %s", sel, eval[string](e, `JSON.stringify([...document.querySelectorAll('.side > *, `+sel+`')].map(n => [n.id || n.className, n.getBoundingClientRect().top, n.getBoundingClientRect().bottom]).concat([[innerHeight, scrollY, document.querySelector('.side').scrollTop]]))`))
		}
	}
}

// TestPhoneLayout at 390×844: the top bar is one row, a label bar is in
// reach at the bottom after a selection (a tap labels it), the end of the
// text scrolls clear of the bar, and the "Saved." toast and a refusal show
// in the bar: on screen, not over the text.
func TestPhoneLayout(t *testing.T) {
	e := newEnv(t)
	_, pw := e.user("pia", models.RoleAnnotator)
	var sb strings.Builder
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&sb, "Paragraph %d says the plan will work, officials claimed on Tuesday.\n\n", i)
	}
	text := sb.String() + "LASTWORD here."
	_, arts := e.project(models.ArticleIn{Title: "On a phone", Text: text})
	e.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(1)))
	e.login("pia", pw)
	e.openArticle(arts[0].ID)

	row := eval[[]float64](e, `(() => { const kids = [...document.querySelector('.topbar').children].filter(n => n.getClientRects().length);
	  const tops = kids.map(n => n.getBoundingClientRect().top + n.getBoundingClientRect().height / 2);
	  return [Math.max(...tops) - Math.min(...tops), document.querySelector('.topbar').getBoundingClientRect().height, document.documentElement.scrollWidth]; })()`)
	if row[0] > 4 || row[1] > 60 {
		t.Errorf("top bar: centres %.0f px apart, %.0f px tall: not one row", row[0], row[1])
	}
	if row[2] > 390 {
		t.Errorf("the page is %.0f px wide on a 390 px screen", row[2])
	}

	e.selectText("officials claimed", 0, 0)
	bar := eval[[]float64](e, `(() => { const r = document.getElementById('labels-card').getBoundingClientRect(), b = document.querySelector('#labels-card .label-btn[data-key="opinion"]').getBoundingClientRect();
	  return [r.top, r.bottom, b.left, b.top, b.right, b.bottom]; })()`)
	if bar[1] > 844.5 || bar[0] < 844-220 || bar[2] < 0 || bar[4] > 390 || bar[3] < bar[0] {
		t.Fatalf("label bar %v is not at the bottom of a 390×844 screen", bar)
	}
	e.do(chromedp.MouseClickXY((bar[2]+bar[4])/2, (bar[3]+bar[5])/2))
	e.waitFor("the tapped span", func() bool { return len(e.annotations(arts[0].ID)) == 1 })
	if g := e.annotations(arts[0].ID)[0]; g.Quote != "officials claimed" || g.LabelKey != "opinion" {
		t.Fatalf("stored %s %q", g.LabelKey, g.Quote)
	}

	// the end of the text scrolls clear of the bar
	e.do(chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, document.documentElement.scrollHeight)`))
	last := e.rectOf(u16(t, text, "LASTWORD"), u16(t, text, "LASTWORD")+8)
	if top := eval[float64](e, `document.getElementById('labels-card').getBoundingClientRect().top`); last[3] > top {
		t.Errorf("the last line (bottom %.0f) stays under the label bar (top %.0f)", last[3], top)
	}

	// "Saved." appears in the bar
	e.waitJS(`document.querySelector('#span-list button')`)
	e.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#span-list button').click()`))
	e.waitJS(`document.getElementById('ed-note')`)
	e.do(chromedp.SendKeys(chromedp.ID("ed-note"), "on a phone"), chromedp.Evaluate[chromedp.Void](`document.getElementById('ed-save').click()`))
	e.waitJS(`document.getElementById('toast') && document.getElementById('toast').textContent === 'Saved.' && document.getElementById('toast').classList.contains('show')`)
	in := eval[bool](e, `(() => { const t = document.getElementById('toast').getBoundingClientRect(), b = document.getElementById('labels-card').getBoundingClientRect();
	  return t.height > 0 && t.top >= b.top - 0.5 && t.bottom <= b.bottom + 0.5 && t.left >= b.left - 0.5 && t.right <= b.right + 0.5; })()`)
	if !in {
		t.Error("the toast is not inside the label bar: it covers the text")
	}

	// a refusal (the same span again) is shown on screen, in the bar
	e.selectText("officials claimed", 0, 0)
	e.do(chromedp.MouseClickXY((bar[2]+bar[4])/2, (bar[3]+bar[5])/2))
	e.waitJS(`document.querySelector('#status .alert-error')`)
	if !eval[bool](e, `(() => { const r = document.querySelector('#status .alert-error').getBoundingClientRect(), b = document.getElementById('labels-card').getBoundingClientRect();
	  return r.height > 0 && r.top >= b.top - 0.5 && r.bottom <= innerHeight + 0.5; })()`) {
		t.Error("the refusal is not on screen in the label bar")
	}
}

// TestRefusalSaidOnce: a duplicate span is refused in the analyst's
// words, once on the page (not also in a toast).
func TestRefusalSaidOnce(t *testing.T) {
	e := newEnv(t)
	u, pw := e.user("rex", models.RoleAnnotator)
	text := "The state broadcaster called the protest a foreign plot."
	_, arts := e.project(models.ArticleIn{Title: "Dup", Text: text})
	s, en := cpSpan(t, text, "a foreign plot")
	if _, err := e.store.CreateAnnotation(context.Background(), models.AnnotationIn{ArticleID: arts[0].ID, UserID: u.ID, Label: "state_media_framing", Start: s, End: en}); err != nil {
		t.Fatal(err)
	}
	e.login("rex", pw)
	e.openArticle(arts[0].ID)
	e.selectText("a foreign plot", 0, 0)
	e.key("3")
	e.waitJS(`document.querySelector('#status .alert-error')`)
	msg := eval[string](e, `document.querySelector('#status .alert-error').firstChild.textContent`)
	if !strings.Contains(msg, "already have a “State-media framing” span on exactly this passage") || strings.Contains(msg, "[") || strings.Contains(msg, "state_media_framing") {
		t.Errorf("refusal %q", msg)
	}
	if n := eval[int](e, `document.body.innerText.split('already have').length - 1`); n != 1 {
		t.Errorf("the refusal is on the page %d times", n)
	}
}

// TestTextRegionAndSkipLink: the text is a labelled region, and the skip
// link moves the focus to it without leaving the article.
func TestTextRegionAndSkipLink(t *testing.T) {
	e := newEnv(t)
	_, pw := e.user("tia", models.RoleAnnotator)
	_, arts := e.project(models.ArticleIn{Title: "Skip", Text: "Some text to read."})
	e.login("tia", pw)
	e.openArticle(arts[0].ID)
	if got := eval[string](e, `(() => { const t = document.getElementById('article-text'); return t.getAttribute('role') + '|' + (t.getAttribute('aria-label') ? 'label' : ''); })()`); got != "region|label" {
		t.Errorf("text container: %s", got)
	}
	e.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('a.skip').focus()`))
	e.key(kb.Enter)
	e.waitJS(`document.activeElement && document.activeElement.id === 'article-text'`)
	if h := eval[string](e, `location.hash`); h != fmt.Sprintf("#/articles/%d", arts[0].ID) {
		t.Errorf("the skip link changed the address to %s", h)
	}
}

// TestCreateTouchesOneParagraphAndOneListItem: a new span replaces the
// nodes of its own paragraph only, and adds one item to the span list at
// its place, keeping every other item's node.
func TestCreateTouchesOneParagraphAndOneListItem(t *testing.T) {
	e := newEnv(t)
	admin, pw := e.user("inc", models.RoleAdmin)
	art, text := largeArticle(e, admin, 60)
	e.login("inc", pw)
	e.openArticle(art.ID)
	e.waitJS(`document.querySelectorAll('#span-list li').length === 60`)
	eval[bool](e, `(() => { for (const n of document.querySelectorAll('#article-text .para, #article-text .para > *, #span-list li')) n.__old = true; return true; })()`)
	e.selectText("LASTWORD", 0, 0)
	e.key("1")
	e.waitFor("the new span", func() bool { return len(e.annotations(art.ID)) == 61 })
	e.waitJS(`document.querySelectorAll('#span-list li').length === 61 && !document.querySelector('#article-text .pending')`)
	type res struct {
		NewParas, TouchedParas, NewItems, ItemsBefore int
		NewLast                                       bool
	}
	r := eval[res](e, `(() => { const paras = [...document.querySelectorAll('#article-text .para')];
	  const items = [...document.querySelectorAll('#span-list li')];
	  return { newParas: paras.filter(p => !p.__old).length,
	    touchedParas: paras.filter(p => [...p.children].some(c => !c.__old)).length,
	    newItems: items.filter(li => !li.__old).length,
	    itemsBefore: items.filter(li => li.__old).length,
	    newLast: !items.at(-1).__old && items.at(-1).textContent.includes("LASTWORD") }; })()`)
	if r.NewParas != 0 || r.TouchedParas != 1 {
		t.Errorf("a new span replaced %d paragraph blocks and changed nodes in %d; want 0 and 1", r.NewParas, r.TouchedParas)
	}
	if r.NewItems != 1 || r.ItemsBefore != 60 || !r.NewLast {
		t.Errorf("span list: %d new items, %d kept, new one last: %v; want 1, 60, true", r.NewItems, r.ItemsBefore, r.NewLast)
	}
	if !eval[bool](e, `document.getElementById('article-text').textContent === `+js(text)) {
		t.Fatal("the rendered text differs from the stored text")
	}
}
