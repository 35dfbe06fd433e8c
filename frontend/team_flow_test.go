package frontend_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"slant/models"
)

// TestTeamFlow is issue 13's flow end to end. A manager sets k = 2 and
// makes an annotator invitation link on the Members page (a second link is
// made and revoked there too). In a second browser context, with its own
// cookies, the revoked link is refused and the good one makes a new
// member, who lands in the project, has assigned articles, labels a
// passage with a hotkey and marks the article done with D. A second
// annotator (blind mode, on since k > 1) sees none of the newcomer's
// spans, in the text or through the API; a curator sees both annotators'
// (in the text after ticking "Show all annotators' spans").
func TestTeamFlow(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	text := "The minister called the plan a triumph. Critics called it a reckless gamble with public money."
	p, arts := e.project(models.ArticleIn{Title: "Plan debate", Text: text},
		models.ArticleIn{Title: "Second story", Text: "Dock workers walked out on Monday."})
	_, boPW := e.user("bo", models.RoleAnnotator)
	mgr, mgrPW := e.user("mira", models.RoleAnnotator)
	cur, curPW := e.user("cai", models.RoleAnnotator)
	if _, _, err := e.store.SetMember(ctx, p.ID, mgr.ID, models.MemberManager); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.store.SetMember(ctx, p.ID, cur.ID, models.MemberCurator); err != nil {
		t.Fatal(err)
	}

	// the manager: k = 2 on the Members page, which turns blind mode on
	e.login("mira", mgrPW)
	e.open(fmt.Sprintf("#/projects/%d/members", p.ID), `document.getElementById('k-input') && document.querySelector('#inv-rows tr')`)
	e.do(chromedp.SetValue(chromedp.ID("k-input"), "2"), chromedp.Click(chromedp.ID("k-save")))
	e.waitJS(`document.getElementById('k-input').value === "2" && document.getElementById('blind-toggle').checked && !document.getElementById('k-save').disabled`)
	if got, err := e.store.GetProject(ctx, p.ID); err != nil || got.AnnotatorsPerArticle != 2 || !got.Blind {
		t.Fatalf("project after k=2: %+v %v", got, err)
	}

	// a curator link, made and revoked; then the annotator link
	rows := `[...document.querySelectorAll('#inv-rows tr[data-role]')].map((r) => r.dataset.role).join(',')`
	e.do(chromedp.SetValue(chromedp.ID("inv-role"), "curator"), chromedp.Click(chromedp.ID("inv-create")))
	e.waitJS(rows + ` === "curator" && document.getElementById('inv-link').value.includes('/#/invite/')`)
	revoked := eval[string](e, `document.getElementById('inv-link').value`)
	e.do(chromedp.Click(chromedp.CSS(`#inv-rows tr[data-role=curator] .inv-revoke`)))
	e.waitJS(`document.querySelector('#inv-rows td.muted')`) // "No open links."
	e.do(chromedp.SetValue(chromedp.ID("inv-role"), "annotator"), chromedp.Click(chromedp.ID("inv-create")))
	e.waitJS(rows + ` === "annotator" && document.getElementById('inv-link').value !== ` + js(revoked))
	link := eval[string](e, `document.getElementById('inv-link').value`)
	if !strings.HasPrefix(link, e.srv.URL+"/#/invite/") {
		t.Fatalf("link %q", link)
	}
	if got := eval[string](e, `document.querySelector('#inv-rows tr').textContent`); !strings.Contains(got, "annotator") || !strings.Contains(got, "mira") || !strings.Contains(got, "UTC") {
		t.Fatalf("open link row %q", got)
	}
	if eval[bool](e, `document.getElementById('inv-rows').textContent.includes(`+js(link[strings.LastIndex(link, "/")+1:])+`)`) {
		t.Fatal("the list shows a link's secret")
	}
	e.do(chromedp.Click(chromedp.ID("inv-copy"))) // the clipboard, or the link selected for Ctrl+C
	e.waitJS(`document.getElementById('toast').textContent.includes('copied') || document.getElementById('toast').textContent.includes('selected')`)

	// the invitee, in a browser context of their own
	ictx, cancel := chromedp.NewContext(e.ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	inv := &env{t: t, store: e.store, srv: e.srv, ctx: ictx}
	inv.do(chromedp.Navigate(revoked))
	if err := chromedp.Listen(ictx, func(ev any) {
		if ex, ok := ev.(*runtime.EventExceptionThrown); ok {
			e.mu.Lock()
			e.exceptions = append(e.exceptions, "invitee: "+ex.ExceptionDetails.Text)
			e.mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	inv.waitJS(`document.body.textContent.includes('not valid')`)
	inv.do(chromedp.Navigate(link))
	inv.waitJS(`document.getElementById('invite-form')`)
	if eval[bool](inv, `!!document.getElementById('logout')`) {
		t.Fatal("the invitee's context shares the manager's session")
	}
	inv.do(chromedp.SendKeys(chromedp.ID("invite-name"), "ines"),
		chromedp.SendKeys(chromedp.ID("invite-password"), "ines-password-1"),
		chromedp.Click(chromedp.CSS(`#invite-form button[type=submit]`)))
	inv.waitJS(fmt.Sprintf(`location.hash === "#/projects/%d" && document.querySelectorAll('table.articles tbody tr').length === 2`, p.ID))
	queue := eval[[]float64](inv, fmt.Sprintf(`fetch('/api/v1/projects/%d/articles?assigned=me').then((r) => r.json()).then((d) => d.items.map((a) => a.id))`, p.ID))
	if len(queue) != 2 || !slices.Contains(queue, float64(arts[0].ID)) {
		t.Fatalf("the invitee's queue: %v", queue)
	}
	ines, err := e.store.UserByName(ctx, "ines")
	if err != nil {
		t.Fatal(err)
	}
	inv.openArticle(arts[0].ID)
	inv.selectText("a triumph", 0, 0)
	inv.key("1")
	inv.waitFor("the invitee's span", func() bool { return len(e.annotations(arts[0].ID)) == 1 })
	inv.waitJS(`document.querySelectorAll('#article-text .hl.pending').length === 0 && document.querySelector('#article-text .hl')`)
	inv.key("d")
	inv.waitJS(fmt.Sprintf(`location.hash === '#/articles/%d' && document.querySelector('#article-text[data-ready="1"]') &&
		document.getElementById('article-text').textContent.startsWith('Dock workers')`, arts[1].ID))
	if done, err := e.store.IsDone(ctx, ines.ID, arts[0].ID); err != nil || !done {
		t.Fatalf("the invitee's article done = %v, %v", done, err)
	}
	cancel()

	// the second annotator, blind: no trace of the newcomer's span
	hl := `[...document.querySelectorAll('#article-text .hl')].map((n) => n.textContent).join('|')`
	quotes := fmt.Sprintf(`fetch('/api/v1/articles/%d/annotations').then((r) => r.json()).then((d) => d.items.map((a) => a.text + ' by ' + a.annotator).sort().join('|'))`, arts[0].ID)
	e.logout()
	e.login("bo", boPW)
	e.openArticle(arts[0].ID)
	if got := eval[string](e, hl); got != "" {
		t.Fatalf("bo sees highlights %q", got)
	}
	if eval[bool](e, `!!document.getElementById('show-all')`) {
		t.Fatal("a blind annotator is offered everyone's spans")
	}
	if got := eval[string](e, quotes); got != "" {
		t.Fatalf("bo's API list: %q", got)
	}
	e.selectText("a reckless gamble", 0, 0)
	e.key("1")
	e.waitJS(`document.querySelectorAll('#article-text .hl.pending').length === 0 && ` + hl + ` === "a reckless gamble"`)
	if got := eval[string](e, quotes); got != "a reckless gamble by bo" {
		t.Fatalf("bo's API list after labelling: %q", got)
	}

	// the curator sees both
	e.logout()
	e.login("cai", curPW)
	e.openArticle(arts[0].ID)
	e.do(chromedp.Click(chromedp.ID("show-all"))) // a curator's own spans first; everyone's on request
	e.waitJS(hl + ` === "a triumph|a reckless gamble"`)
	if got := eval[string](e, quotes); got != "a reckless gamble by bo|a triumph by ines" {
		t.Fatalf("the curator's API list: %q", got)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, w := range e.writes { // the invitee's accept has no session yet
		if w.Path != "/api/v1/session" && !strings.HasSuffix(w.Path, "/accept") && (w.CSRF == "" || w.Status == 403) {
			t.Errorf("%s %s without a CSRF token (status %d)", w.Method, w.Path, w.Status)
		}
	}
}
