package frontend_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"slant/models"
)

// logout ends the browser's session through the header button.
func (e *env) logout() {
	e.t.Helper()
	e.do(chromedp.Click(chromedp.ID("logout")))
	e.waitJS(`document.getElementById('login-form')`)
}

// TestMembersPageManagerAddsAnnotatorAndBlindMode: a manager adds an
// annotator by name on the members page (an unknown name is refused once,
// in plain words) and switches blind mode on; the new annotator sees the
// project but not a colleague's span, neither in the annotate view nor
// through the API, until the manager switches blind mode off again.
func TestMembersPageManagerAddsAnnotatorAndBlindMode(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	maya, mayaPW := e.user("maya", models.RoleAnnotator)
	cole, _ := e.user("cole", models.RoleAnnotator)
	text := "The colleague marked this sentence. Nothing else here."
	p, arts := e.project(models.ArticleIn{Title: "Shared story", Text: text})
	art := arts[0]
	if _, _, err := e.store.SetMember(ctx, p.ID, maya.ID, models.MemberManager); err != nil {
		t.Fatal(err)
	}
	ann, annPW := e.user("ann", models.RoleAnnotator)
	if err := e.store.RemoveMember(ctx, p.ID, ann.ID); err != nil { // not a member until the manager adds her
		t.Fatal(err)
	}
	s, en := cpSpan(t, text, "marked this sentence")
	if _, err := e.store.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: art.ID, UserID: cole.ID, Label: "opinion", Start: s, End: en}); err != nil {
		t.Fatal(err)
	}
	isMember := func(name string) (string, bool) {
		ms, err := e.store.ListMembers(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.Name == name {
				return m.Role, true
			}
		}
		return "", false
	}
	blind := func() bool {
		got, err := e.store.GetProject(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.Blind
	}
	row := func(name string) string { return `document.querySelector('#member-rows tr[data-name="` + name + `"]')` }

	// The manager finds the members page from the project page.
	e.login("maya", mayaPW)
	e.open(fmt.Sprintf("#/projects/%d", p.ID), `document.getElementById('project-members')`)
	if got := eval[string](e, `document.getElementById('project-role').textContent`); got != "manager" {
		t.Errorf("project page shows the role %q, want manager", got)
	}
	e.do(chromedp.Click(chromedp.ID("project-members")))
	e.waitJS(row("maya") + ` && ` + row("cole") + ` && document.getElementById('member-add')`)
	if n := eval[int](e, `document.querySelectorAll('#member-rows tr').length`); n != 2 {
		t.Errorf("%d member rows, want 2 (maya, cole)", n)
	}

	// An unknown name: one plain message, next to the name field.
	e.do(chromedp.SendKeys(chromedp.ID("member-name"), "nobody"),
		chromedp.Click(chromedp.CSS(`#member-add button[type=submit]`)))
	e.waitJS(`document.querySelector('#member-add .field-error').textContent !== ''`)
	msg := eval[string](e, `document.querySelector('#member-add .field-error').textContent`)
	if !strings.Contains(msg, "no user named") {
		t.Errorf("unknown name shown as %q", msg)
	}
	if n := eval[int](e, `document.body.innerText.split(`+js(msg)+`).length - 1`); n != 1 {
		t.Errorf("the error is shown %d times, want once", n)
	}

	// ann joins as an annotator.
	eval[bool](e, `(document.getElementById('member-name').value = '') === ''`)
	e.do(chromedp.SendKeys(chromedp.ID("member-name"), "ann"),
		chromedp.SetValue(chromedp.ID("member-role"), "annotator"),
		chromedp.Click(chromedp.CSS(`#member-add button[type=submit]`)))
	e.waitJS(row("ann") + ` && ` + row("ann") + `.dataset.role === 'annotator'`)
	if role, ok := isMember("ann"); !ok || role != models.MemberAnnotator {
		t.Fatalf("ann is member %v with role %q", ok, role)
	}
	if got := eval[string](e, `document.querySelector('#member-add .field-error').textContent`); got != "" {
		t.Errorf("the old error is still shown: %q", got)
	}

	// Blind mode on.
	if eval[bool](e, `document.getElementById('blind-toggle').checked`) {
		t.Fatal("blind mode shown as on in a new project")
	}
	e.do(chromedp.Click(chromedp.ID("blind-toggle")))
	e.waitFor("blind mode on", blind)
	e.waitJS(`document.getElementById('blind-toggle').checked && !document.getElementById('blind-toggle').disabled`)
	e.assertCSRF()
	e.logout()

	// ann sees the project, but not cole's span.
	e.login("ann", annPW)
	e.open("#/projects", `document.querySelector('.project-list') && document.querySelector('.project-list').textContent.includes('Test project')`)
	e.open(fmt.Sprintf("#/projects/%d", p.ID), `document.querySelectorAll('table.articles tbody tr').length === 1`)
	if got := eval[string](e, `document.getElementById('project-role').textContent`); got != "annotator" {
		t.Errorf("project page shows the role %q, want annotator", got)
	}
	e.openArticle(art.ID)
	if n := eval[int](e, `document.querySelectorAll('#span-list li').length + document.querySelectorAll('#article-text .hl').length + document.querySelectorAll('#show-all').length`); n != 0 {
		t.Fatalf("in blind mode the annotator sees a colleague's span or the toggle (%d)", n)
	}
	allSpans := fmt.Sprintf(`fetch("/api/v1/articles/%d/annotations").then(r => r.json()).then(d => d.items.map(a => a.annotator).join(","))`, art.ID)
	if got := eval[string](e, allSpans); got != "" {
		t.Fatalf("in blind mode the API gives the annotator the spans of %q", got)
	}
	e.logout()

	// The manager switches blind mode off.
	e.login("maya", mayaPW)
	e.open(fmt.Sprintf("#/projects/%d/members", p.ID), `document.getElementById('blind-toggle') && document.getElementById('blind-toggle').checked`)
	e.do(chromedp.Click(chromedp.ID("blind-toggle")))
	e.waitFor("blind mode off", func() bool { return !blind() })
	e.waitJS(`!document.getElementById('blind-toggle').checked && !document.getElementById('blind-toggle').disabled`)
	e.assertCSRF()
	e.logout()

	// Now ann can show her colleague's span.
	e.login("ann", annPW)
	e.openArticle(art.ID)
	if n := eval[int](e, `document.querySelectorAll('#span-list li').length`); n != 0 {
		t.Errorf("%d spans listed before the annotator asked for everyone's", n)
	}
	if !eval[bool](e, `!!document.getElementById('show-all')`) {
		t.Fatal("with blind mode off the annotator has no toggle to show everyone's spans")
	}
	e.do(chromedp.Click(chromedp.ID("show-all")))
	e.waitJS(`document.querySelectorAll('#span-list li').length === 1 && document.getElementById('span-list').textContent.includes('cole') && document.querySelectorAll('#article-text .hl').length > 0`)
	if got := eval[string](e, allSpans); got != "cole" {
		t.Errorf("with blind mode off the API gives the annotator the spans of %q, want cole", got)
	}
}

// TestMembersPageReadOnlyForAnnotators: a plain annotator (and a
// curator) sees who is in the project, but no controls to add, change or
// remove members or to switch blind mode.
func TestMembersPageReadOnlyForAnnotators(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, annPW := e.user("ann", models.RoleAnnotator)
	cur, curPW := e.user("cura", models.RoleAnnotator)
	boss, _ := e.user("boss", models.RoleAnnotator)
	p, _ := e.project(models.ArticleIn{Title: "A", Text: "Some text."})
	for _, m := range []struct {
		id   int64
		role string
	}{{cur.ID, models.MemberCurator}, {boss.ID, models.MemberManager}} {
		if _, _, err := e.store.SetMember(ctx, p.ID, m.id, m.role); err != nil {
			t.Fatal(err)
		}
	}
	controls := `document.querySelectorAll('#member-add, #member-name, .m-remove, select.m-role, #blind-toggle').length`
	for _, who := range []struct{ name, pw, role string }{{"ann", annPW, "annotator"}, {"cura", curPW, "curator"}} {
		e.login(who.name, who.pw)
		e.open(fmt.Sprintf("#/projects/%d/members", p.ID), `document.querySelectorAll('#member-rows tr').length === 3`)
		if n := eval[int](e, controls); n != 0 {
			t.Errorf("%s sees %d member controls", who.name, n)
		}
		if got := eval[string](e, `[...document.querySelectorAll('#member-rows tr')].map(r => r.dataset.name + ':' + r.dataset.role).join(' ')`); got != "ann:annotator boss:manager cura:curator" {
			t.Errorf("%s sees the members %q", who.name, got)
		}
		if got := eval[string](e, `document.getElementById('members-my-role').textContent`); !strings.Contains(got, who.role) {
			t.Errorf("%s's role shown as %q", who.name, got)
		}
		if got := eval[string](e, `document.getElementById('blind-state').textContent`); !strings.Contains(got, "off") {
			t.Errorf("blind state shown as %q", got)
		}
		e.logout()
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, w := range e.writes {
		if strings.Contains(w.Path, "/members") || w.Method == "PATCH" {
			t.Errorf("the read-only page wrote %s %s", w.Method, w.Path)
		}
	}
}

// TestMembersPageChangesRolesAndRemoves: a manager changes a member's
// role and removes a member (after a confirmation); demoted meanwhile
// by someone else, the manager's next change is refused once, in plain
// words, and the page turns read-only.
func TestMembersPageChangesRolesAndRemoves(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	boss, bossPW := e.user("boss", models.RoleAnnotator)
	e.user("cole", models.RoleAnnotator)
	e.user("dana", models.RoleAnnotator)
	p, _ := e.project(models.ArticleIn{Title: "A", Text: "Some text."})
	if _, _, err := e.store.SetMember(ctx, p.ID, boss.ID, models.MemberManager); err != nil {
		t.Fatal(err)
	}
	roles := func() string {
		ms, err := e.store.ListMembers(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range ms {
			out = append(out, m.Name+":"+m.Role)
		}
		return strings.Join(out, " ")
	}
	row := func(name string) string { return `document.querySelector('#member-rows tr[data-name="` + name + `"]')` }

	e.login("boss", bossPW)
	e.open(fmt.Sprintf("#/projects/%d/members", p.ID), row("cole")+` && `+row("dana"))
	// SetValue fires input and change, as a person picking an option does
	e.do(chromedp.SetValue(chromedp.CSS(`#member-rows tr[data-name="cole"] select.m-role`), "curator"))
	e.waitJS(row("cole") + `.dataset.role === 'curator'`)
	if got := roles(); got != "boss:manager cole:curator dana:annotator" {
		t.Fatalf("members after the role change: %s", got)
	}

	// Remove asks first: cancelled, nothing happens; confirmed, dana goes.
	eval[bool](e, `window.confirm = () => false; true`)
	e.do(chromedp.Click(chromedp.CSS(`#member-rows tr[data-name="dana"] .m-remove`)))
	eval[bool](e, `window.confirm = (q) => { window.lastConfirm = q; return true; }; true`)
	e.do(chromedp.Click(chromedp.CSS(`#member-rows tr[data-name="dana"] .m-remove`)))
	e.waitJS(`!` + row("dana"))
	if got := roles(); got != "boss:manager cole:curator" {
		t.Fatalf("members after the removal: %s", got)
	}
	if q := eval[string](e, `window.lastConfirm`); !strings.Contains(q, "dana") {
		t.Errorf("confirmation %q", q)
	}
	e.mu.Lock()
	deletes := 0
	for _, w := range e.writes {
		if w.Method == "DELETE" {
			deletes++
		}
	}
	e.mu.Unlock()
	if deletes != 1 {
		t.Errorf("%d DELETE requests, want 1 (the cancelled removal must send none)", deletes)
	}
	e.assertCSRF()

	// Someone else demotes boss; the next change is refused in plain words.
	if _, _, err := e.store.SetMember(ctx, p.ID, boss.ID, models.MemberAnnotator); err != nil {
		t.Fatal(err)
	}
	e.do(chromedp.SetValue(chromedp.CSS(`#member-rows tr[data-name="cole"] select.m-role`), "manager"))
	e.waitJS(`document.getElementById('member-errors').textContent !== ''`)
	msg := eval[string](e, `document.getElementById('member-errors').textContent`)
	if !strings.Contains(msg, "Only a manager") {
		t.Errorf("403 shown as %q", msg)
	}
	if n := eval[int](e, `document.body.innerText.split(`+js(msg)+`).length - 1`); n != 1 {
		t.Errorf("the refusal is shown %d times, want once", n)
	}
	e.waitJS(`document.querySelectorAll('select.m-role, .m-remove, #member-add, #blind-toggle').length === 0`)
	if got := eval[string](e, `document.getElementById('members-my-role').textContent`); !strings.Contains(got, "annotator") {
		t.Errorf("own role shown as %q after the demotion", got)
	}
	if got := roles(); got != "boss:annotator cole:curator" {
		t.Fatalf("members after the refused change: %s", got)
	}
}
