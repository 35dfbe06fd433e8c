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

// TestAdjustSpanBoundaries: in the editor of a span right after an emoji,
// Alt+Left moves the start one code point (over the whole emoji); the
// highlight stays until Save, then the store has Go's code-point slice.
// A change the server refuses (409) leaves the span as it was and shows
// the error; Ctrl+Z undoes the boundary change (after the unsaved-changes
// bar: the refused change is still in the editor).
func TestAdjustSpanBoundaries(t *testing.T) {
	e := newEnv(t)
	u, pw := e.user("ed", models.RoleAnnotator)
	text := "Look 👩‍🔬 and 😀the claim is false, critics said."
	_, arts := e.project(models.ArticleIn{Title: "Bounds", Text: text})
	art := arts[0]
	ctx := context.Background()
	s, en := cpSpan(t, text, "the claim")
	a, err := e.store.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: art.ID, UserID: u.ID, Label: "opinion", Start: s, End: en})
	if err != nil {
		t.Fatal(err)
	}

	e.login("ed", pw)
	e.openArticle(art.ID)
	hl := `[...document.querySelectorAll('#article-text .hl')].map(n => n.textContent).join('')`
	e.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`#span-list button[data-key="%d"]`, a.ID))))
	e.waitJS(`document.getElementById('ed-quote') && document.activeElement.id === 'ed-label'`)

	// The help lists the shortcuts.
	if help := eval[string](e, `document.getElementById('help').textContent`); !strings.Contains(help, "Alt + ← / →") || !strings.Contains(help, "Alt + Shift + ← / →") {
		t.Errorf("help does not list the boundary shortcuts: %q", help)
	}

	// Alt+Left: the start moves one code point, over the whole emoji.
	e.key(kb.ArrowLeft, chromedp.ModifierAlt)
	e.waitJS(`document.getElementById('ed-quote').textContent === ` + js("😀the claim"))
	if got := eval[string](e, `document.getElementById('ed-offsets').textContent`); !strings.HasPrefix(got, fmt.Sprintf("[%d, %d)", s-1, en)) {
		t.Errorf("offsets shown %q, want [%d, %d)", got, s-1, en)
	}
	// Right and left again with the buttons: back and forth, never half an emoji.
	e.do(chromedp.Click(chromedp.ID("ed-start-right")))
	e.waitJS(`document.getElementById('ed-quote').textContent === "the claim"`)
	e.do(chromedp.Click(chromedp.ID("ed-start-left")))
	e.waitJS(`document.getElementById('ed-quote').textContent === ` + js("😀the claim"))
	// Not saved yet: store and highlight are unchanged.
	if got := eval[string](e, hl); got != "the claim" {
		t.Errorf("highlight %q before Save", got)
	}
	if g, _ := e.store.GetAnnotation(ctx, a.ID); g.Start != s || g.End != en {
		t.Fatalf("stored [%d,%d) before Save", g.Start, g.End)
	}

	e.do(chromedp.Click(chromedp.ID("ed-save")))
	ws, we := cpSpan(t, text, "😀the claim")
	e.waitFor("the boundary change", func() bool {
		g, err := e.store.GetAnnotation(ctx, a.ID)
		return err == nil && g.Start != s
	})
	g, _ := e.store.GetAnnotation(ctx, a.ID)
	if g.Start != ws || g.End != we || g.Quote != "😀the claim" || g.LabelKey != "opinion" {
		t.Fatalf("stored [%d,%d) %q %s; want [%d,%d) %q opinion", g.Start, g.End, g.Quote, g.LabelKey, ws, we, "😀the claim")
	}
	e.waitJS(hl + ` === ` + js("😀the claim"))
	e.waitJS(`document.querySelector('#span-list .span-quote').textContent === ` + js("😀the claim"))

	// Another tab stored the span the next change would make: the server
	// refuses it (409), the span stays as it was and the error is shown.
	ts, te := cpSpan(t, text, "😀the claim ")
	if _, err := e.store.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: art.ID, UserID: u.ID, Label: "opinion", Start: ts, End: te}); err != nil {
		t.Fatal(err)
	}
	e.waitJS(`document.getElementById('ed-end-right')`)
	e.do(chromedp.Click(chromedp.ID("ed-end-right")))
	e.waitJS(`document.getElementById('ed-quote').textContent === ` + js("😀the claim "))
	e.key("\r", chromedp.ModifierCtrl) // Ctrl+Enter saves
	e.waitJS(`document.querySelector('#status .alert-error')`)
	if msg := eval[string](e, `document.querySelector('#status .alert-error').textContent`); !strings.Contains(msg, "not saved") {
		t.Errorf("error %q", msg)
	}
	if got := eval[string](e, hl); got != "😀the claim" {
		t.Errorf("highlight %q after a refused change", got)
	}
	if g, _ := e.store.GetAnnotation(ctx, a.ID); g.Start != ws || g.End != we {
		t.Fatalf("stored [%d,%d) after a refused change", g.Start, g.End)
	}

	// Ctrl+Z undoes the accepted boundary change. The refused change is
	// still unsaved in the open editor, which the undo redraws: the
	// unsaved-changes bar asks first, and Discard lets the undo go on.
	e.do(chromedp.Click(chromedp.CSS(`#status .alert-error button`)), chromedp.Focus(chromedp.ID("article-text")))
	e.key("z", chromedp.ModifierCtrl)
	e.waitJS(`!document.getElementById('ed-unsaved').hidden && document.getElementById('ed-unsaved-msg').textContent.includes('boundaries')`)
	if g, _ := e.store.GetAnnotation(ctx, a.ID); g.Start != ws || g.End != we {
		t.Fatalf("stored [%d,%d) while the bar asks", g.Start, g.End)
	}
	e.do(chromedp.Click(chromedp.ID("ed-unsaved-discard")))
	e.waitFor("the undo", func() bool {
		g, err := e.store.GetAnnotation(ctx, a.ID)
		return err == nil && g.Start == s && g.End == en && g.Quote == "the claim"
	})
	e.waitJS(hl + ` === "the claim"`)
	e.assertCSRF()
}

// charX returns the horizontal centre, in CSS pixels, of the character at
// code-point offset cp of the article text as drawn.
func (e *env) charX(cp int) float64 {
	e.t.Helper()
	return eval[float64](e, fmt.Sprintf(`(() => { const s = window.slantAnnotate, u = s.idx.toUTF16(%d), v = s.idx.toUTF16(%d);
	  const b = s.view.domRange(u, v).getBoundingClientRect(); return b.left + b.width / 2; })()`, cp, cp+1))
}

// TestAdjustSpanBoundariesRTL: in right-to-left text the boundary arrows
// follow the screen. In an Arabic article, Alt+← moves the start of an
// Arabic span to later text and Alt+Shift+→ its end to earlier text: the
// stored offsets are Go's, and the characters that now start and end the
// span are drawn left and right of the old ones. The → button moves the
// start back (earlier). A Latin word in the same article keeps the
// left-to-right keys, and an Arabic span in an article that opens in
// German (drawn left to right as a whole) gets the right-to-left keys:
// the span's own text decides.
func TestAdjustSpanBoundariesRTL(t *testing.T) {
	e := newEnv(t)
	u, pw := e.user("rana", models.RoleAnnotator)
	arabic := "قال الوزير لوكالة Reuters إن الخطة ناجحة جدا."
	_, arts := e.project(models.ArticleIn{Title: "خطة", Text: arabic}, models.ArticleIn{Title: "Mixed", Text: unicodeText})
	ctx := context.Background()
	mk := func(artID int64, text, quote string) *models.AnnotationView {
		s, en := cpSpan(t, text, quote)
		a, err := e.store.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: artID, UserID: u.ID, Label: "opinion", Start: s, End: en})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	plan := mk(arts[0].ID, arabic, "الخطة")
	reuters := mk(arts[0].ID, arabic, "Reuters")
	minister := mk(arts[1].ID, unicodeText, "الوزير")
	open := func(a *models.AnnotationView) {
		t.Helper()
		e.listDrawn()
		e.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`#span-list button[data-key="%d"]`, a.ID))))
		e.waitJS(`document.getElementById('ed-quote') && document.getElementById('ed-quote').textContent === ` + js(a.Quote) + ` && document.activeElement.id === 'ed-label'`)
	}
	storedIs := func(what string, id int64, start, end int, quote string) {
		t.Helper()
		e.waitFor(what, func() bool {
			g, err := e.store.GetAnnotation(ctx, id)
			return err == nil && g.Start == start && g.End == end
		})
		if g, _ := e.store.GetAnnotation(ctx, id); g.Quote != quote {
			t.Fatalf("%s: stored %q, want %q", what, g.Quote, quote)
		}
	}
	saved := func(quote string) { // the page has handled the save: the editor shows the stored span
		t.Helper()
		e.waitJS(`document.getElementById('ed-quote') && document.getElementById('ed-quote').textContent === ` + js(quote) +
			` && !document.getElementById('ed-offsets').textContent.includes('saved')`)
	}

	e.login("rana", pw)
	// The rule, on its own: the first strong character decides.
	dirs := eval[[]any](e, `import("/annotate.js").then(m => ["الخطة", "«2024» שלום", "Reuters قال", "😀 42 …", "\u200fabc"].map(m.textDirection))`)
	if fmt.Sprint(dirs) != "[rtl rtl ltr <nil> rtl]" {
		t.Errorf("textDirection: %v", dirs)
	}
	e.openArticle(arts[0].ID)
	if d := eval[string](e, `getComputedStyle(document.getElementById('article-text')).direction`); d != "rtl" {
		t.Fatalf("the Arabic article is drawn %s", d)
	}
	open(plan)
	e.waitJS(`document.getElementById('ed-rtl')`)
	if l := eval[string](e, `document.getElementById('ed-start-left').getAttribute('aria-label') + " / " + document.getElementById('ed-end-right').getAttribute('aria-label')`); l != "Start one character later / End one character earlier" {
		t.Errorf("right-to-left buttons: %q", l)
	}
	s, en := plan.Start, plan.End
	oldFirst, oldLast := e.charX(s), e.charX(en-1)

	e.key(kb.ArrowLeft, chromedp.ModifierAlt) // start: later text, to the left on screen
	e.waitJS(`document.getElementById('ed-quote').textContent === ` + js("لخطة"))
	e.key(kb.ArrowRight, chromedp.ModifierAlt, chromedp.ModifierShift) // end: earlier text, to the right
	e.waitJS(`document.getElementById('ed-quote').textContent === ` + js("لخط"))
	if got := eval[string](e, `document.getElementById('ed-offsets').textContent`); !strings.HasPrefix(got, fmt.Sprintf("[%d, %d)", s+1, en-1)) {
		t.Errorf("offsets shown %q, want [%d, %d)", got, s+1, en-1)
	}
	e.key("\r", chromedp.ModifierCtrl)
	storedIs("the right-to-left change", plan.ID, s+1, en-1, "لخط")
	saved("لخط")
	if x := e.charX(s + 1); x >= oldFirst {
		t.Errorf("Alt+← moved the start to a character drawn at x=%.1f, not left of the old one at x=%.1f", x, oldFirst)
	}
	if x := e.charX(en - 2); x <= oldLast {
		t.Errorf("Alt+Shift+→ moved the end to a character drawn at x=%.1f, not right of the old one at x=%.1f", x, oldLast)
	}

	// The → button moves the start to earlier text here.
	e.do(chromedp.Click(chromedp.ID("ed-start-right")))
	e.waitJS(`document.getElementById('ed-quote').textContent === ` + js("الخط"))
	e.do(chromedp.Click(chromedp.ID("ed-save")))
	storedIs("the → button", plan.ID, s, en-1, "الخط")
	saved("الخط")

	// A Latin word in the Arabic article: left-to-right keys.
	open(reuters)
	if eval[bool](e, `!!document.getElementById('ed-rtl')`) {
		t.Error("a Latin span is treated as right-to-left")
	}
	e.key(kb.ArrowRight, chromedp.ModifierAlt)
	e.waitJS(`document.getElementById('ed-quote').textContent === "euters"`)
	e.key("\r", chromedp.ModifierCtrl)
	storedIs("the left-to-right change", reuters.ID, reuters.Start+1, reuters.End, "euters")
	saved("euters")

	// An Arabic span in an article drawn left to right as a whole.
	e.openArticle(arts[1].ID)
	e.waitJS(`document.getElementById('article-text').textContent === ` + js(unicodeText)) // not the leaving view's
	if d := eval[string](e, `getComputedStyle(document.getElementById('article-text')).direction`); d != "ltr" {
		t.Fatalf("the mixed article is drawn %s", d)
	}
	open(minister)
	oldFirst = e.charX(minister.Start)
	e.key(kb.ArrowLeft, chromedp.ModifierAlt)
	e.waitJS(`document.getElementById('ed-quote').textContent === ` + js("لوزير"))
	e.key("\r", chromedp.ModifierCtrl)
	storedIs("the Arabic span in a left-to-right article", minister.ID, minister.Start+1, minister.End, "لوزير")
	saved("لوزير")
	if x := e.charX(minister.Start + 1); x >= oldFirst {
		t.Errorf("Alt+← in the Arabic line moved the start to x=%.1f, not left of x=%.1f", x, oldFirst)
	}
	e.assertCSRF()
}
