package frontend_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"slant/models"
)

// TestKeyboardOnly: select with Shift+arrows in the focused text, label
// with a hotkey, open the shortcuts with ?, mark done with D (which moves
// on), and go back with P.
func TestKeyboardOnly(t *testing.T) {
	e := newEnv(t)
	u, pw := e.user("kim", models.RoleAnnotator)
	_, arts := e.project(
		models.ArticleIn{Title: "First", Text: "Officials said the plan works. More text follows here."},
		models.ArticleIn{Title: "Second", Text: "Another article to read."},
	)
	e.login("kim", pw)
	e.openArticle(arts[0].ID)

	e.do(chromedp.Focus(chromedp.ID("article-text")))
	for range 2 {
		e.key(kb.ArrowRight, chromedp.ModifierCtrl, chromedp.ModifierShift)
	}
	sel := eval[string](e, `getSelection().toString()`)
	if !strings.HasPrefix("Officials said the plan works.", strings.TrimSpace(sel)) || strings.TrimSpace(sel) == "" {
		t.Fatalf("keyboard selection %q", sel)
	}
	e.key("1")
	e.waitFor("the keyboard span", func() bool { return len(e.annotations(arts[0].ID)) == 1 })
	if got := e.annotations(arts[0].ID)[0]; got.Start != 0 || got.Quote != strings.TrimSpace(sel) {
		t.Fatalf("stored [%d,%d) %q for selection %q", got.Start, got.End, got.Quote, sel)
	}

	e.key("?")
	e.waitJS(`document.getElementById('help').open`)
	e.key(kb.Escape)
	e.waitJS(`!document.getElementById('help').open`)

	// the new article's own text must be drawn: the old view's text (ready
	// too) stays on the page for a moment after the hash changes, and a key
	// pressed then goes to the view that is leaving
	e.key("d")
	e.waitJS(`location.hash === '#/articles/` + itoa(arts[1].ID) + `' && document.querySelector('#article-text[data-ready="1"]') &&
		document.getElementById('article-text').textContent === "Another article to read."`)
	done, err := e.store.IsDone(context.Background(), u.ID, arts[0].ID)
	if err != nil || !done {
		t.Fatalf("first article done = %v, %v", done, err)
	}
	e.key("p")
	e.waitJS(`location.hash === '#/articles/` + itoa(arts[0].ID) + `' && document.querySelector('#article-text[data-ready="1"]') &&
		document.getElementById('article-text').textContent.startsWith("Officials said")`)
	e.waitJS(`document.getElementById('done-btn').textContent.includes('Done')`)
}
