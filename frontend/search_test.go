package frontend_test

import (
	"fmt"
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"slant/models"
)

// TestSearchBox: / focuses the search box (but types a / into another
// field); a phrase typed without accents finds the body that has them,
// and the snippet marks the words with <mark> elements built as text.
func TestSearchBox(t *testing.T) {
	e := newEnv(t)
	_, pw := e.user("kim", models.RoleAnnotator)
	p, arts := e.project(
		models.ArticleIn{Title: "Harbour <b>news</b>", Text: "Early on Monday 📈 the port reopened. Le café était fermé, officials said, and the quay stayed empty."},
		models.ArticleIn{Title: "Other story", Text: "Nothing about coffee here, the cafe owner said."},
	)
	e.login("kim", pw)
	e.open(fmt.Sprintf("#/projects/%d", p.ID), `document.querySelectorAll('table.articles tbody tr').length === 2`)

	// "/" in another field is a character; elsewhere it focuses the search box
	e.do(chromedp.Focus(chromedp.ID("f-source")))
	e.key("/")
	if v := eval[string](e, `document.getElementById('f-source').value`); v != "/" {
		t.Fatalf("/ in the outlet field: value %q", v)
	}
	eval[bool](e, `document.getElementById('f-source').value = '', document.activeElement.blur(), true`)
	// one keyDown that carries its text, as a keyboard sends it: the page's
	// preventDefault then keeps the / out of the box (chromedp's KeyEvent
	// sends the character as a separate event that nothing can cancel)
	for _, ev := range []input.DispatchKeyEventParams{
		{Type: input.DispatchKeyEventTypeKeyDown, Key: "/", Code: "Slash", Text: "/", UnmodifiedText: "/", WindowsVirtualKeyCode: 191, NativeVirtualKeyCode: 191},
		{Type: input.DispatchKeyEventTypeKeyUp, Key: "/", Code: "Slash", WindowsVirtualKeyCode: 191, NativeVirtualKeyCode: 191},
	} {
		if _, err := chromedp.Call(e.ctx, input.DispatchKeyEvent, ev); err != nil {
			t.Fatal(err)
		}
	}
	if id := eval[string](e, `document.activeElement && document.activeElement.id`); id != "f-q" {
		t.Fatalf("after /, focus is on %q", id)
	}
	if v := eval[string](e, `document.getElementById('f-q').value`); v != "" {
		t.Fatalf("the / was typed into the search box: %q", v)
	}

	e.do(chromedp.SendKeys(chromedp.ID("f-q"), `"cafe etait ferme"`+kb.Enter))
	e.waitJS(`document.querySelectorAll('table.articles tbody tr').length === 1 && document.querySelector('.snippet mark')`)
	got := eval[map[string]any](e, `(() => {
		const row = document.querySelector('table.articles tbody tr');
		const sn = row.querySelector('.snippet');
		return { href: row.querySelector('a').getAttribute('href'), title: row.querySelector('a').textContent,
			marks: Array.from(sn.querySelectorAll('mark')).map((m) => m.textContent),
			snippet: sn.textContent, elements: Array.from(sn.children).map((c) => c.tagName).join(',') };
	})()`)
	if got["href"] != fmt.Sprintf("#/articles/%d", arts[0].ID) || got["title"] != "Harbour <b>news</b>" {
		t.Errorf("result row: %v", got)
	}
	if fmt.Sprint(got["marks"]) != "[café était fermé]" || got["elements"] != "MARK" {
		t.Errorf("marks %v, elements %v", got["marks"], got["elements"])
	}
	if s, _ := got["snippet"].(string); s != "Early on Monday 📈 the port reopened. Le café était fermé, officials said, and the quay stayed empty." {
		t.Errorf("snippet text %q", s)
	}
}
