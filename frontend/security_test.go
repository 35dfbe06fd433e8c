package frontend_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"slant/models"
)

const (
	xssImg    = `<img src=x onerror=alert(1)>`
	xssScript = `<script>alert(2)</script>`
)

// assertInert checks that no payload ran or became an element, and that
// want is shown as literal text.
func (e *env) assertInert(where string, want ...string) {
	e.t.Helper()
	if n := eval[int](e, `document.querySelectorAll('img, iframe, object, embed').length + document.querySelectorAll('script').length - 1`); n != 0 {
		e.t.Errorf("%s: %d injected elements", where, n)
	}
	body := eval[string](e, `document.body.innerText`)
	for _, w := range want {
		if !strings.Contains(body, w) {
			e.t.Errorf("%s: page does not show the literal text %q", where, w)
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.dialogs) > 0 {
		e.t.Errorf("%s: dialogs opened: %q", where, e.dialogs)
	}
}

// TestXSSPayloadsAreInert puts HTML/script payloads into every kind of
// data the UI shows and checks they show as text on every page.
func TestXSSPayloadsAreInert(t *testing.T) {
	e := newEnv(t)
	admin, pw := e.user("root", models.RoleAdmin)
	ctx := context.Background()
	p := &models.Project{Name: "P " + xssScript, Description: "D " + xssImg}
	if err := e.store.CreateProject(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	title := "T " + xssImg + " " + xssScript
	text := "Body " + xssImg + " and " + xssScript + " end."
	arts, err := e.store.CreateArticles(ctx, p.ID, []models.ArticleIn{{Title: title, Text: text, Author: xssImg, URL: "https://xss.example/story"}})
	if err != nil {
		t.Fatal(err)
	}
	art := arts[0]
	l, err := e.store.LabelByKey(ctx, p.ID, "opinion")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.UpdateLabel(ctx, l.ID, func(l *models.Label) error {
		l.Name, l.Description = "L "+xssImg, "Desc "+xssScript
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if art.SourceID != nil {
		if _, err := e.store.UpdateSource(ctx, *art.SourceID, func(s *models.Source) error {
			s.Name, s.Notes = "S "+xssImg, "N "+xssScript
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	s, en := cpSpan(t, text, xssImg)
	a, err := e.store.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: art.ID, UserID: admin.ID, Label: "opinion", Start: s, End: en,
		Note: "Note " + xssImg, Attributes: models.JSONMap{"speaker": xssScript}})
	if err != nil {
		t.Fatal(err)
	}

	e.login("root", pw)
	e.open("#/projects", `document.querySelector('.project-list')`)
	e.assertInert("projects", "P "+xssScript, "D "+xssImg)

	e.open(fmt.Sprintf("#/projects/%d", p.ID), `document.querySelectorAll('table.articles tbody tr').length === 1`)
	e.assertInert("articles", title)

	e.openArticle(art.ID)
	if got := eval[string](e, `document.querySelector('.article-title').textContent`); got != title {
		t.Errorf("title shown as %q", got)
	}
	if got := eval[string](e, `document.getElementById('article-text').textContent`); got != text {
		t.Errorf("text shown as %q", got)
	}
	e.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`#span-list button[data-key="%d"]`, a.ID))))
	e.waitJS(`document.getElementById('editor')`)
	if got := eval[string](e, `document.getElementById('ed-note').value + '|' + document.getElementById('ed-speaker').value`); got != "Note "+xssImg+"|"+xssScript {
		t.Errorf("editor fields %q", got)
	}
	// the codebook tooltip shows on focus
	e.do(chromedp.Focus(chromedp.CSS(`.label-btn[data-key="opinion"]`)))
	e.waitJS(`getComputedStyle(document.querySelector('.label-btn[data-key="opinion"] + .tip')).display !== 'none'`)
	e.assertInert("annotate", title, xssImg, "Note "+xssImg, "L "+xssImg, "Desc "+xssScript)

	e.open(fmt.Sprintf("#/projects/%d/settings", p.ID), fmt.Sprintf(`document.querySelectorAll('#label-editor form.label-row').length === %d`, len(models.DefaultLabels())+1))
	e.assertInert("settings", "Labels of P "+xssScript)
	if got := eval[string](e, `[...document.querySelectorAll('#label-editor textarea')].map(t => t.value).join('|')`); !strings.Contains(got, "Desc "+xssScript) {
		t.Errorf("label editor shows %q", got)
	}

	e.open("#/sources", `document.querySelectorAll('table.sources tbody tr').length > 0`)
	e.assertInert("sources")

	// Only http(s) URLs become links.
	if got := eval[string](e, `import("/dom.js").then(m => [m.safeURL("javascript:alert(1)"), m.safeURL("data:text/html,x"), m.safeURL("https://ok.example/a")].join("|"))`); got != "||https://ok.example/a" {
		t.Errorf("safeURL: %q", got)
	}
	// The server sends the CSP that forbids inline scripts.
	csp := eval[string](e, `fetch("/").then(r => r.headers.get("Content-Security-Policy"))`)
	if !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP %q", csp)
	}
}

// TestAnnotatorRestrictions: an annotator sees no admin pages, only their
// own spans, and cannot change an admin's span; the admin can show
// everyone's spans.
func TestAnnotatorRestrictions(t *testing.T) {
	e := newEnv(t)
	admin, adminPW := e.user("chief", models.RoleAdmin)
	_, pw := e.user("ann", models.RoleAnnotator)
	text := "The admin marked this sentence. The annotator marks another one."
	p, arts := e.project(models.ArticleIn{Title: "Shared", Text: text})
	art := arts[0]
	s, en := cpSpan(t, text, "marked this sentence")
	theirs, err := e.store.CreateAnnotation(context.Background(), models.AnnotationIn{ArticleID: art.ID, UserID: admin.ID, Label: "opinion", Start: s, End: en})
	if err != nil {
		t.Fatal(err)
	}

	e.login("ann", pw)
	e.open("#/projects", `document.querySelector('.project-list')`)
	if n := eval[int](e, `document.querySelectorAll('a[href$="/settings"]').length`); n != 0 {
		t.Errorf("annotator sees %d links to label settings", n)
	}
	e.open(fmt.Sprintf("#/projects/%d/settings", p.ID), `document.querySelector('.alert-info')`)
	if n := eval[int](e, `document.querySelectorAll('#label-editor').length`); n != 0 {
		t.Error("annotator got the label editor")
	}
	e.open("#/sources", `document.querySelectorAll('table.sources tbody tr').length > 0`)
	if n := eval[int](e, `[...document.querySelectorAll('button')].filter(b => b.textContent === 'Edit').length`); n != 0 {
		t.Errorf("annotator sees %d source Edit buttons", n)
	}

	e.openArticle(art.ID)
	if n := eval[int](e, `document.querySelectorAll('#span-list li').length + document.querySelectorAll('#article-text .hl').length + document.querySelectorAll('#show-all:checked').length`); n != 0 {
		t.Fatalf("annotator sees other people's spans, or all spans from the start (%d)", n)
	}
	// Even through the API the admin's span cannot be changed.
	status := eval[int](e, fmt.Sprintf(`(async () => {
	  const s = await (await fetch("/api/v1/session")).json();
	  const r = await fetch("/api/v1/annotations/%d", { method: "PATCH", headers: { "Content-Type": "application/json", "X-CSRF-Token": s.csrf_token }, body: JSON.stringify({ note: "hijack" }) });
	  return r.status;
	})()`, theirs.ID))
	if status != 403 {
		t.Fatalf("PATCH of another user's span: %d, want 403", status)
	}
	// Without the CSRF header the cookie alone is refused.
	status = eval[int](e, `fetch("/api/v1/articles/`+fmt.Sprint(art.ID)+`/done", { method: "POST" }).then(r => r.status)`)
	if status != 403 {
		t.Fatalf("POST without X-CSRF-Token: %d, want 403", status)
	}
	// The annotator labels their own passage with the keyboard only.
	e.selectText("marks another one", 0, 0)
	e.key("3")
	e.waitFor("the annotator's span", func() bool { return len(e.annotations(art.ID)) == 2 })

	// The admin sees only their own span until they show everyone's.
	e.do(chromedp.Click(chromedp.ID("logout")))
	e.waitJS(`document.getElementById('login-form')`)
	e.login("chief", adminPW)
	e.openArticle(art.ID)
	e.waitJS(`document.querySelectorAll('#span-list li').length === 1`)
	e.do(chromedp.Click(chromedp.ID("show-all")))
	e.waitJS(`document.querySelectorAll('#span-list li').length === 2 && document.getElementById('span-list').textContent.includes('ann')`)
}

// TestFirstRunSetup: with no users the UI offers setup (from loopback),
// which creates the admin and logs in.
func TestFirstRunSetup(t *testing.T) {
	e := newEnv(t)
	e.do(chromedp.Navigate(e.srv.URL + "/"))
	e.waitJS(`location.hash === '#/setup' && document.getElementById('login-form')`)
	e.do(chromedp.SendKeys(chromedp.ID("login-name"), "first"),
		chromedp.SendKeys(chromedp.ID("login-password"), "a-long-enough-password-1"),
		chromedp.Click(chromedp.CSS(`#login-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("logout")))
	u, err := e.store.UserByName(context.Background(), "first")
	if err != nil || u.Role != models.RoleAdmin {
		t.Fatalf("setup created %+v, %v", u, err)
	}
	// a wrong password on the login page shows a clear message
	e.do(chromedp.Click(chromedp.ID("logout")))
	e.waitJS(`document.getElementById('login-form')`)
	e.do(chromedp.SendKeys(chromedp.ID("login-name"), "first"),
		chromedp.SendKeys(chromedp.ID("login-password"), "wrong"),
		chromedp.Click(chromedp.CSS(`#login-form button[type=submit]`)))
	e.waitJS(`document.querySelector('#login-form .alert-error') && document.querySelector('#login-form .alert-error').textContent.includes('Wrong name or password')`)
}
