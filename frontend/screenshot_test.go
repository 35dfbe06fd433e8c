package frontend_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"slant/models"
	"slant/seeds"
)

// artifactDir is where browser tests leave screenshots: $SLANT_ARTIFACTS,
// or a temp directory (logged).
func artifactDir(t *testing.T) string {
	dir := os.Getenv("SLANT_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "slant-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("artifact dir: %v", err)
	}
	return dir
}

// TestScreenshotDemo opens the demo project's first article as the demo
// admin and saves screenshots of the main pages as test artifacts.
func TestScreenshotDemo(t *testing.T) {
	e := newEnv(t)
	res, err := seeds.Load(context.Background(), e.store)
	if err != nil {
		t.Fatalf("load demo: %v", err)
	}
	e.login(res.AdminName, res.AdminPassword)
	arts, _, err := e.store.ListArticles(context.Background(), models.ArticleFilter{ProjectID: 1, UserID: 1}, models.Page{Limit: 2})
	if err != nil || len(arts) < 2 {
		t.Fatalf("demo articles: %v", err)
	}
	dir := artifactDir(t)
	shot := func(name string) {
		buf, err := chromedp.Run(e.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, buf, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", p)
	}
	e.openArticle(arts[1].ID)
	e.do(chromedp.Click(chromedp.ID("show-all")))
	e.waitJS(`document.getElementById('article-text').dataset.loads === "2"`) // everyone's spans are loaded
	e.do(chromedp.Click(chromedp.CSS(`#span-list li:nth-child(2) button`)))
	e.waitJS(`document.getElementById('editor')`)
	shot("annotate.png")
	e.do(chromedp.EmulateViewport(800, 900))
	shot("annotate-800.png")
	e.do(chromedp.EmulateViewport(1280, 900))
	e.open("#/tokens", `document.getElementById('t-name')`)
	e.do(chromedp.SendKeys(chromedp.ID("t-name"), "notebook"), chromedp.Click(chromedp.CSS(`form.inline-form button[type=submit]`)))
	e.waitJS(`document.getElementById('t-snippet')`)
	shot("tokens.png")
	e.open("#/projects/1/settings", `document.getElementById('label-editor')`)
	shot("settings.png")
	// add a label through the editor
	e.do(chromedp.SendKeys(chromedp.CSS(`form.label-row.new input[type=text]`), "loaded_language"),
		chromedp.Click(chromedp.CSS(`form.label-row.new button[type=submit]`)))
	e.waitFor("the new label", func() bool {
		ls, err := e.store.ListLabels(context.Background(), 1)
		return err == nil && len(ls) == 4 && ls[3].Key == "loaded_language"
	})
	e.open("#/projects/1/export", `document.getElementById('x-download')`)
	shot("export.png")
	e.do(chromedp.Click(chromedp.ID("x-raw")))
	got := eval[string](e, `fetch(document.getElementById('x-download').href).then(async r => r.status + " " + r.headers.get("content-type") + " " + (await r.text()).split("\n")[0])`)
	if !strings.HasPrefix(got, "200 text/csv") || !strings.Contains(got, "start") {
		t.Errorf("export link: %q", got)
	}
	// Another format: the link follows the select, and raw is CSV-only.
	eval[bool](e, `(() => { const f = document.getElementById('x-format'); f.value = 'jsonl'; return f.dispatchEvent(new Event('change', {bubbles: true})); })()`)
	got = eval[string](e, `fetch(document.getElementById('x-download').href).then(async r => r.status + " " + r.headers.get("content-type") + " " + JSON.parse((await r.text()).split("\n")[0]).label)`)
	if !strings.HasPrefix(got, "200 application/x-ndjson") || !eval[bool](e, `document.getElementById('x-raw').disabled`) {
		t.Errorf("jsonl export link: %q", got)
	}
	e.open("#/sources", `document.querySelectorAll('table.sources tbody tr').length > 0`)
	shot("sources.png")
	e.open("#/projects/1", `document.querySelectorAll('table.articles tbody tr').length > 0`)
	shot("articles.png")
	e.open("#/projects", `document.querySelector('.project-list')`)
	shot("projects.png")
}
