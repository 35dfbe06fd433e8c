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
// the error; Ctrl+Z undoes the boundary change.
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

	// Ctrl+Z undoes the accepted boundary change.
	e.do(chromedp.Click(chromedp.CSS(`#status .alert-error button`)), chromedp.Focus(chromedp.ID("article-text")))
	e.key("z", chromedp.ModifierCtrl)
	e.waitFor("the undo", func() bool {
		g, err := e.store.GetAnnotation(ctx, a.ID)
		return err == nil && g.Start == s && g.End == en && g.Quote == "the claim"
	})
	e.waitJS(hl + ` === "the claim"`)
	e.assertCSRF()
}
