package frontend_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"slant/models"
)

// JS predicates on the span editor and its unsaved-changes bar.
const (
	editorOpen  = `!!document.getElementById('editor')`
	editorGone  = `!document.getElementById('editor')`
	barShown    = `!!document.getElementById('ed-unsaved') && !document.getElementById('ed-unsaved').hidden && document.activeElement.id === 'ed-unsaved-save'`
	barHidden   = `!!document.getElementById('ed-unsaved') && document.getElementById('ed-unsaved').hidden`
	quoteIs     = `document.getElementById('ed-quote') && document.getElementById('ed-quote').textContent === `
	unloadAsked = `(() => { const ev = new Event('beforeunload', { cancelable: true }); window.dispatchEvent(ev); return ev.defaultPrevented; })()`
)

// listDrawn waits two animation frames: the span list, redrawn on the
// frame after a change, then holds the buttons a click should hit (a
// click on a button the redraw replaces fails with "Could not find node").
func (e *env) listDrawn() {
	e.t.Helper()
	eval[bool](e, `new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`)
}

// TestUnsavedChangesBar: an editor with a changed label does not close on
// Esc but shows a bar (focus on its Save); Keep editing keeps the change,
// Discard drops it, Save from the bar (Enter) stores it and closes. A
// clean editor closes on Esc at once. Opening another span from the list
// or the text with unsaved changes shows the bar first and opens that
// span once the annotator chose; so does Ctrl+Z when it would redraw the
// editor.
func TestUnsavedChangesBar(t *testing.T) {
	e := newEnv(t)
	u, pw := e.user("una", models.RoleAnnotator)
	text := "Yesterday the minister said the reckless plan will inevitably fail, critics warned."
	_, arts := e.project(models.ArticleIn{Title: "Unsaved", Text: text})
	art := arts[0]
	ctx := context.Background()
	mk := func(quote string) *models.AnnotationView {
		s, en := cpSpan(t, text, quote)
		a, err := e.store.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: art.ID, UserID: u.ID, Label: "opinion", Start: s, End: en})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	plan := mk("reckless plan")
	critics := mk("critics warned")
	stored := func(id int64) *models.AnnotationView {
		t.Helper()
		g, err := e.store.GetAnnotation(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	openFromList := func(a *models.AnnotationView) {
		t.Helper()
		e.listDrawn()
		e.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`#span-list button[data-key="%d"]`, a.ID))))
		e.waitJS(quoteIs + js(a.Quote) + ` && document.activeElement.id === 'ed-label'`)
	}

	e.login("una", pw)
	e.openArticle(art.ID)
	e.waitJS(`document.querySelectorAll('#span-list li').length === 2`)

	// A clean editor closes on Esc at once, without the bar.
	openFromList(plan)
	e.key("\x1b")
	e.waitJS(editorGone)

	// A changed label, then Esc: the bar, with the focus on its Save; the
	// editor stays and nothing is stored.
	openFromList(plan)
	e.do(chromedp.SetValue(chromedp.ID("ed-label"), "state_media_framing"))
	e.key("\x1b")
	e.waitJS(barShown)
	if msg := eval[string](e, `document.getElementById('ed-unsaved').textContent`); !strings.Contains(msg, "Unsaved changes") || !strings.Contains(msg, "label") {
		t.Errorf("bar says %q", msg)
	}
	if !eval[bool](e, editorOpen+` && document.getElementById('ed-label').value === "state_media_framing"`) {
		t.Fatal("the editor or its change is gone while the bar asks")
	}
	if g := stored(plan.ID); g.LabelKey != "opinion" {
		t.Fatalf("stored label %s while the bar asks, want opinion", g.LabelKey)
	}

	// Keep editing: the bar goes, the editor keeps the change.
	e.do(chromedp.Click(chromedp.ID("ed-unsaved-keep")))
	e.waitJS(barHidden + ` && document.getElementById('ed-label').value === "state_media_framing"`)
	if g := stored(plan.ID); g.LabelKey != "opinion" {
		t.Fatalf("Keep editing stored label %s", g.LabelKey)
	}

	// The Close button asks too; Discard closes and keeps the old label.
	e.do(chromedp.Click(chromedp.ID("ed-close")))
	e.waitJS(barShown)
	e.do(chromedp.Click(chromedp.ID("ed-unsaved-discard")))
	e.waitJS(editorGone)
	if g := stored(plan.ID); g.LabelKey != "opinion" {
		t.Fatalf("Discard stored label %s", g.LabelKey)
	}
	openFromList(plan)
	if v := eval[string](e, `document.getElementById('ed-label').value`); v != "opinion" {
		t.Fatalf("reopened editor shows %s after Discard, want opinion", v)
	}

	// Esc, then Esc again: discarded.
	e.do(chromedp.SetValue(chromedp.ID("ed-label"), "attributed_claim"))
	e.key("\x1b")
	e.waitJS(barShown)
	e.key("\x1b")
	e.waitJS(editorGone)
	if g := stored(plan.ID); g.LabelKey != "opinion" {
		t.Fatalf("Esc Esc stored label %s", g.LabelKey)
	}

	// Save from the bar (Enter on its focused Save): stored, editor closed.
	openFromList(plan)
	e.do(chromedp.SetValue(chromedp.ID("ed-label"), "state_media_framing"))
	e.key("\x1b")
	e.waitJS(barShown)
	e.key("\r")
	e.waitFor("the label saved from the bar", func() bool { return stored(plan.ID).LabelKey == "state_media_framing" })
	e.waitJS(editorGone)

	// Another span from the list with a changed note: the bar first, the
	// first editor still open; Save stores the note, then the other span
	// opens.
	openFromList(plan)
	e.do(chromedp.SendKeys(chromedp.ID("ed-note"), "loaded adjective"))
	e.listDrawn()
	e.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`#span-list button[data-key="%d"]`, critics.ID))))
	e.waitJS(barShown + ` && ` + quoteIs + js(plan.Quote))
	if msg := eval[string](e, `document.getElementById('ed-unsaved-msg').textContent`); !strings.Contains(msg, "note") {
		t.Errorf("bar says %q, want it to name the note", msg)
	}
	e.do(chromedp.Click(chromedp.ID("ed-unsaved-save")))
	e.waitFor("the note saved from the bar", func() bool { return stored(plan.ID).Note == "loaded adjective" })
	e.waitJS(quoteIs + js(critics.Quote) + ` && ` + barHidden)
	if g := stored(critics.ID); g.Note != "" || g.LabelKey != "opinion" {
		t.Fatalf("the other span changed: %+v", g)
	}

	// Another span clicked in the text with a changed label: the bar
	// first; Discard, then that span opens and nothing was stored.
	e.do(chromedp.SetValue(chromedp.ID("ed-label"), "attributed_claim"))
	a, b := e.textEnds("reckless plan")
	e.do(chromedp.MouseClickXY((a.X+b.X)/2, a.Y))
	e.waitJS(barShown + ` && ` + quoteIs + js(critics.Quote))
	e.do(chromedp.Click(chromedp.ID("ed-unsaved-discard")))
	e.waitJS(quoteIs + js(plan.Quote) + ` && document.getElementById('ed-label').value === "state_media_framing"`)
	if g := stored(critics.ID); g.LabelKey != "opinion" {
		t.Fatalf("Discard stored label %s on the other span", g.LabelKey)
	}

	// Ctrl+Z would redraw this editor (its last edit is the note): the bar
	// first. Save stores the change and does not undo anything; the next
	// Ctrl+Z undoes that save.
	e.do(chromedp.SetValue(chromedp.ID("ed-label"), "attributed_claim"), chromedp.Focus(chromedp.ID("article-text")))
	e.key("z", chromedp.ModifierCtrl)
	e.waitJS(barShown)
	e.do(chromedp.Click(chromedp.ID("ed-unsaved-save")))
	e.waitFor("the label saved from the bar", func() bool { return stored(plan.ID).LabelKey == "attributed_claim" })
	e.waitJS(editorGone)
	if g := stored(plan.ID); g.Note != "loaded adjective" {
		t.Fatalf("Save from the bar also undid the note: %q", g.Note)
	}
	e.do(chromedp.Focus(chromedp.ID("article-text")))
	e.key("z", chromedp.ModifierCtrl)
	e.waitFor("the undo of the save", func() bool {
		g := stored(plan.ID)
		return g.LabelKey == "state_media_framing" && g.Note == "loaded adjective"
	})
	e.assertCSRF()
}

// TestUnsavedChangesLeaving: with unsaved boundaries, N, a link out of
// the article and a page unload all ask first; a clean editor lets each
// go at once.
func TestUnsavedChangesLeaving(t *testing.T) {
	e := newEnv(t)
	u, pw := e.user("lea", models.RoleAnnotator)
	text := "Officials said the plan works, analysts disagreed."
	_, arts := e.project(models.ArticleIn{Title: "First", Text: text}, models.ArticleIn{Title: "Second", Text: "Another article to read."})
	ctx := context.Background()
	s, en := cpSpan(t, text, "the plan works")
	a, err := e.store.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: arts[0].ID, UserID: u.ID, Label: "opinion", Start: s, End: en})
	if err != nil {
		t.Fatal(err)
	}
	first := `#/articles/` + itoa(arts[0].ID)

	e.login("lea", pw)
	e.openArticle(arts[0].ID)
	e.listDrawn()
	e.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`#span-list button[data-key="%d"]`, a.ID))))
	e.waitJS(editorOpen + ` && document.activeElement.id === 'ed-label'`)
	if eval[bool](e, unloadAsked) {
		t.Error("a clean editor holds the page unload")
	}

	// An unsaved boundary: the unload is held (the browser would ask).
	e.do(chromedp.Click(chromedp.ID("ed-end-left")))
	e.waitJS(quoteIs + js("the plan work"))
	if !eval[bool](e, unloadAsked) {
		t.Error("an editor with unsaved boundaries lets the page unload without a word")
	}

	// N from the text: the bar, still on the first article; Keep editing.
	e.do(chromedp.Focus(chromedp.ID("article-text")))
	e.key("n")
	e.waitJS(barShown)
	if h := eval[string](e, `location.hash`); h != first {
		t.Fatalf("N with unsaved changes went to %s", h)
	}
	e.do(chromedp.Click(chromedp.ID("ed-unsaved-keep")))
	e.waitJS(barHidden + ` && ` + quoteIs + js("the plan work"))

	// A link out of the article (the breadcrumb): the bar, and the
	// address stays; Discard, then the link is followed.
	e.do(chromedp.Click(chromedp.CSS(`.crumbs a[href="#/projects"]`)))
	e.waitJS(barShown + ` && location.hash === ` + js(first))
	e.do(chromedp.Click(chromedp.ID("ed-unsaved-discard")))
	e.waitJS(`location.hash === "#/projects" && document.querySelector('.project-list')`)
	if g, _ := e.store.GetAnnotation(ctx, a.ID); g.Start != s || g.End != en {
		t.Fatalf("stored [%d,%d) after Discard, want [%d,%d)", g.Start, g.End, s, en)
	}

	// Back on the article: N with unsaved changes, Save from the bar, then
	// the next article opens.
	e.openArticle(arts[0].ID)
	e.listDrawn()
	e.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`#span-list button[data-key="%d"]`, a.ID))))
	e.waitJS(editorOpen + ` && document.activeElement.id === 'ed-label'`)
	e.do(chromedp.Click(chromedp.ID("ed-end-left")))
	e.waitJS(quoteIs + js("the plan work"))
	e.do(chromedp.Focus(chromedp.ID("article-text")))
	e.key("n")
	e.waitJS(barShown)
	e.do(chromedp.Click(chromedp.ID("ed-unsaved-save")))
	// the second article's own text: the leaving view's stays ready on the
	// page for a moment after the hash changes
	e.waitJS(`location.hash === ` + js("#/articles/"+itoa(arts[1].ID)) + ` && document.querySelector('#article-text[data-ready="1"]') &&
		document.getElementById('article-text').textContent === "Another article to read."`)
	ws, we := cpSpan(t, text, "the plan work")
	if g, _ := e.store.GetAnnotation(ctx, a.ID); g.Start != ws || g.End != we || g.Quote != "the plan work" {
		t.Fatalf("stored [%d,%d) %q after Save, want [%d,%d)", g.Start, g.End, g.Quote, ws, we)
	}
	// nothing open here: P goes back at once
	e.key("p")
	e.waitJS(`location.hash === ` + js(first) + ` && document.querySelector('#article-text[data-ready="1"]') &&
		document.getElementById('article-text').textContent === ` + js(text))
	e.mu.Lock()
	dialogs := e.dialogs
	e.mu.Unlock()
	if len(dialogs) > 0 {
		t.Errorf("browser dialogs shown: %q", dialogs)
	}
	e.assertCSRF()
}
