package frontend_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"slant/models"
)

// The UI offers what the project role allows: a manager who is not an
// admin gets the Labels link and page and the import's "create labels"
// choice; a curator may edit a colleague's span in the annotate view; a
// plain annotator gets none of these.
func TestProjectRolesShapeTheUI(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	mgr, mgrPW := e.user("mona", models.RoleAnnotator)
	cur, curPW := e.user("cato", models.RoleAnnotator)
	_, annPW := e.user("ana", models.RoleAnnotator)
	p, arts := e.project(models.ArticleIn{Title: "Roles", Text: "Officials said the bridge reopens on Monday."})
	for u, role := range map[*models.User]string{mgr: models.MemberManager, cur: models.MemberCurator} {
		if _, _, err := e.store.SetMember(ctx, p.ID, u.ID, role); err != nil {
			t.Fatal(err)
		}
	}
	ana, _ := e.store.UserByName(ctx, "ana")
	if _, err := e.store.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: arts[0].ID, UserID: ana.ID, Label: "opinion", Start: 0, End: 9}); err != nil {
		t.Fatal(err)
	}
	labelsLink := fmt.Sprintf(`!!document.querySelector('a[href="#/projects/%d/settings"]')`, p.ID)

	e.login("mona", mgrPW)
	e.open(fmt.Sprintf("#/projects/%d", p.ID), `document.getElementById('project-role') && document.getElementById('project-role').textContent === 'manager'`)
	if !eval[bool](e, labelsLink) {
		t.Error("a manager has no Labels link on the project page")
	}
	e.open(fmt.Sprintf("#/projects/%d/settings", p.ID), `document.getElementById('label-editor')`)
	e.open(fmt.Sprintf("#/projects/%d/import", p.ID), `document.getElementById('imp-go')`)
	if !eval[bool](e, `!!document.getElementById('imp-create-labels')`) {
		t.Error("a manager cannot create labels on import")
	}
	e.logout()

	e.login("ana", annPW)
	e.open(fmt.Sprintf("#/projects/%d", p.ID), `document.getElementById('project-role') && document.getElementById('project-role').textContent === 'annotator'`)
	if eval[bool](e, labelsLink) {
		t.Error("an annotator has a Labels link")
	}
	e.open(fmt.Sprintf("#/projects/%d/settings", p.ID), `document.querySelector('.alert')`)
	if eval[bool](e, `!!document.getElementById('label-editor')`) {
		t.Error("an annotator gets the label editor")
	}
	e.open(fmt.Sprintf("#/projects/%d/import", p.ID), `document.getElementById('imp-go')`)
	if eval[bool](e, `!!document.getElementById('imp-create-labels')`) {
		t.Error("an annotator is offered to create labels on import")
	}
	e.logout()

	// the curator opens ana's span: its editor lets them change it
	e.login("cato", curPW)
	e.openArticle(arts[0].ID)
	e.do(chromedp.Click(chromedp.ID("show-all")))
	e.waitJS(`document.querySelectorAll('#span-list li').length === 1`)
	e.do(chromedp.Click(chromedp.CSS("#span-list li")))
	e.waitJS(`!!document.getElementById('ed-delete')`)
}
