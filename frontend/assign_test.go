package frontend_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"slant/models"
)

// With assignments, N in the annotate view goes to the annotator's next
// assigned, unfinished article (skipping a colleague's and a done one),
// wrapping round; the project page shows a manager each annotator's
// progress.
func TestAssignedQueueAndProgress(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ann, pw := e.user("ann", models.RoleAnnotator)
	e.user("bo", models.RoleAnnotator)
	mgr, mpw := e.user("mgr", models.RoleAnnotator)
	var ins []models.ArticleIn
	for i := range 8 {
		ins = append(ins, models.ArticleIn{Title: fmt.Sprintf("Article %d", i), Text: fmt.Sprintf("Text of article %d.", i)})
	}
	p, _ := e.project(ins...)
	if _, _, err := e.store.SetMember(ctx, p.ID, mgr.ID, models.MemberManager); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.AutoAssign(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	mine, _, err := e.store.ListArticles(ctx, models.ArticleFilter{ProjectID: p.ID, UserID: ann.ID, Assigned: true}, models.Page{})
	if err != nil || len(mine) != 4 {
		t.Fatalf("ann's queue: %d (%v)", len(mine), err)
	}
	// the second is done: N from the first skips it
	if err := e.store.SetDone(ctx, ann.ID, mine[1].ID, true); err != nil {
		t.Fatal(err)
	}
	e.login("ann", pw)
	e.openArticle(mine[0].ID)
	for _, want := range []models.ArticleSummary{mine[2], mine[3], mine[0]} { // then round to the first
		e.key("n")
		e.waitJS(fmt.Sprintf(`location.hash === '#/articles/%d' && document.querySelector('#article-text[data-ready="1"]') &&
			document.getElementById('article-text').textContent === %s`, want.ID, js("Text of article "+want.Title[len("Article "):]+".")))
	}

	e.do(chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("login-name")))
	e.login("mgr", mpw)
	e.open(fmt.Sprintf("#/projects/%d", p.ID), `document.querySelector('#project-progress:not([hidden]) tbody tr')`)
	rows := eval[[]string](e, `[...document.querySelectorAll('#project-progress tbody tr')].map((r) => r.textContent)`)
	if len(rows) != 2 || rows[0] != "annannotator41 (25 %)0" || rows[1] != "boannotator40 (0 %)0" {
		t.Fatalf("progress rows %q", rows)
	}
}
