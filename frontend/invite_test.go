package frontend_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"slant/models"
)

// A manager makes an invitation link through the API; opened in a fresh
// browser (no session), it shows the project and role; the invitee picks
// a name and a password and lands, signed in, in the project's article
// list. The link then says it was used.
func TestInviteLinkMakesAMember(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	p, _ := e.project(models.ArticleIn{Title: "Budget speech", Text: "The minister said the budget is balanced."},
		models.ArticleIn{Title: "Harbour strike", Text: "Dock workers walked out on Monday."})
	mgr, _ := e.user("mira", models.RoleAnnotator)
	if _, _, err := e.store.SetMember(ctx, p.ID, mgr.ID, models.MemberManager); err != nil {
		t.Fatal(err)
	}
	other := &models.Project{Name: "Embargoed"}
	if err := e.store.CreateProject(ctx, other, nil); err != nil {
		t.Fatal(err)
	}
	_, token, err := e.store.CreateToken(ctx, mgr.ID, "invites")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/projects/%d/invites", e.srv.URL, p.ID), strings.NewReader(`{"role":"annotator"}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var made struct{ Link string }
	err = json.NewDecoder(res.Body).Decode(&made)
	res.Body.Close()
	if err != nil || res.StatusCode != 201 || !strings.HasPrefix(made.Link, e.srv.URL+"/#/invite/") {
		t.Fatalf("make the link: %d %+v %v", res.StatusCode, made, err)
	}

	e.do(chromedp.Navigate(made.Link))
	e.waitJS(`document.getElementById('invite-form')`)
	if got := eval[string](e, `document.getElementById('invite-project').textContent`); got != p.Name {
		t.Fatalf("project shown: %q", got)
	}
	if got := eval[string](e, `document.getElementById('invite-role').textContent`); !strings.Contains(got, "an annotator") {
		t.Fatalf("role shown: %q", got)
	}
	e.do(chromedp.SendKeys(chromedp.ID("invite-name"), "mira"), // taken: the form says so and the link stays good
		chromedp.SendKeys(chromedp.ID("invite-password"), "invitee-password"),
		chromedp.Click(chromedp.CSS(`#invite-form button[type=submit]`)))
	e.waitJS(`[...document.querySelectorAll('#invite-form .field-error')].some((el) => el.textContent.includes('taken'))`)
	e.do(chromedp.SetValue(chromedp.ID("invite-name"), "ines"),
		chromedp.Click(chromedp.CSS(`#invite-form button[type=submit]`)))
	e.waitJS(fmt.Sprintf(`location.hash === "#/projects/%d" && document.querySelectorAll('table.articles tbody tr').length === 2`, p.ID))
	if got := eval[string](e, `document.querySelector('#top .user-name').textContent`); got != "ines" {
		t.Fatalf("signed in as %q", got)
	}

	u, err := e.store.UserByName(ctx, "ines")
	if err != nil {
		t.Fatal(err)
	}
	if a, err := e.store.ProjectAccess(ctx, p.ID, u); err != nil || a.Role != models.MemberAnnotator {
		t.Fatalf("access: %+v %v", a, err)
	}
	if _, err := e.store.ProjectAccess(ctx, other.ID, u); err == nil {
		t.Fatal("the invitee sees another project")
	}
	// the project list shows this project only
	e.open("#/projects", `document.querySelector('.page h1') && !document.querySelector('.page h1').textContent.includes('Invitation')`)
	e.waitJS(fmt.Sprintf(`document.body.textContent.includes(%s)`, js(p.Name)))
	if eval[bool](e, fmt.Sprintf(`document.body.textContent.includes(%s)`, js(other.Name))) {
		t.Fatal("the project list shows a project the invitee is not in")
	}

	// single use: the same link now says so
	e.open(strings.TrimPrefix(made.Link, e.srv.URL+"/"), `document.body.textContent.includes('already used or has expired')`)
	if eval[bool](e, `!!document.getElementById('invite-form')`) {
		t.Fatal("a used link still offers the form")
	}
}
