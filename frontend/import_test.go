package frontend_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"slant/models"
	"slant/models/modelstest"
	"slant/server/ingest"
)

// emptyProject creates a project with the default labels and no articles.
func (e *env) emptyProject(name string) *models.Project {
	e.t.Helper()
	p := &models.Project{Name: name}
	if err := e.store.CreateProject(context.Background(), p, nil); err != nil {
		e.t.Fatalf("create project: %v", err)
	}
	modelstest.JoinAll(e.t, e.store, p.ID)
	return p
}

// writeFile writes a file for upload into a fresh temp directory.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// storedArticles counts the project's visible articles through the store.
func (e *env) storedArticles(pid int64) int {
	e.t.Helper()
	arts, _, err := e.store.ListArticles(context.Background(), models.ArticleFilter{ProjectID: pid, UserID: 1}, models.Page{Limit: models.MaxLimit})
	if err != nil {
		e.t.Fatalf("list articles: %v", err)
	}
	return len(arts)
}

// apiArticles lists the project's article titles through the API, as the
// logged-in browser user.
func (e *env) apiArticles(pid int64) []string {
	e.t.Helper()
	raw := eval[string](e, fmt.Sprintf(`fetch("/api/v1/projects/%d/articles?limit=100").then(r => r.text())`, pid))
	var page struct {
		Items []struct {
			Title string `json:"title"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(raw), &page); err != nil {
		e.t.Fatalf("articles answer %q: %v", raw, err)
	}
	out := []string{}
	for _, a := range page.Items {
		out = append(out, a.Title)
	}
	return out
}

// historyRows returns the history table as "id state dry" strings.
func (e *env) historyRows() []string {
	e.t.Helper()
	return eval[[]string](e, `[...document.querySelectorAll('#imp-history-rows tr[data-id]')].map(r => r.dataset.id + " " + r.dataset.state + " " + r.dataset.dry)`)
}

// chooseFiles sets the page's file input to paths and waits for the list.
func (e *env) chooseFiles(paths ...string) {
	e.t.Helper()
	e.do(chromedp.SetUploadFiles(chromedp.ID("imp-file"), paths))
	e.waitJS(fmt.Sprintf(`document.querySelectorAll('#imp-files li .file-name').length === %d`, len(paths)))
}

// screenshot saves the page as a test artifact (see artifactDir).
func (e *env) screenshot(t *testing.T, name string) {
	t.Helper()
	buf, err := chromedp.Run(e.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	p := filepath.Join(artifactDir(t), name)
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
}

// A small corpus: the second article's span ends past its text.
const importJSONL = `{"external_id": "a-1", "title": "Bridge opens", "text": "The bridge opened on time.", "spans": [{"label": "opinion", "start": 4, "end": 10, "text": "bridge"}]}
{"external_id": "a-2", "title": "Snow in April", "text": "It snowed in April.", "spans": [{"label": "opinion", "start": 3, "end": 90}]}
`

// TestImportPage: an admin reaches the Import page from the project,
// uploads a JSONL file with one bad span as a dry run (the report names
// the file and line of the problem and nothing is stored), then imports
// it for real (the articles exist, the report links to them) and the
// history shows the import as done above the dry run, discarded.
func TestImportPage(t *testing.T) {
	e := newEnv(t)
	_, pw := e.user("boss", models.RoleAdmin)
	p := e.emptyProject("Coverage")
	file := writeFile(t, "corpus.jsonl", importJSONL)

	e.login("boss", pw)
	// An empty project's article list points to the Import page too.
	e.open(fmt.Sprintf("#/projects/%d", p.ID), `document.getElementById('project-import') && document.querySelector('p a[href$="/import"]')`)
	e.do(chromedp.Click(chromedp.ID("project-import")))
	e.waitJS(fmt.Sprintf(`location.hash === '#/projects/%d/import' && document.getElementById('import-form') && document.querySelector('#imp-history-rows tr.empty')`, p.ID))
	if got := eval[string](e, `document.querySelector('h1').textContent`); got != "Import into Coverage" {
		t.Errorf("heading %q", got)
	}
	// The format select offers exactly the server's formats, auto first.
	opts := eval[[]string](e, `[...document.querySelectorAll('#imp-format option')].map(o => o.value)`)
	if strings.Join(opts, ",") != strings.Join(ingest.Formats, ",") {
		t.Errorf("format options %v, server formats %v", opts, ingest.Formats)
	}
	// Every control has a label.
	if n := eval[int](e, `[...document.querySelectorAll('#import-form input, #import-form select')].filter(c => !c.labels || !c.labels.length).length`); n != 0 {
		t.Errorf("%d unlabelled controls", n)
	}
	if !eval[bool](e, `!!document.getElementById('imp-create-labels')`) {
		t.Error("an admin does not see create labels")
	}

	// Nothing chosen: a message, no request.
	e.do(chromedp.Click(chromedp.ID("imp-check")))
	e.waitJS(`document.getElementById('imp-message') && document.getElementById('imp-message').textContent.includes('Choose')`)

	// A web page on a private address is refused by the server, and the
	// refusal is shown; the format does not apply to a web page.
	e.do(chromedp.SendKeys(chromedp.ID("imp-url"), "http://127.0.0.1:1/private"))
	if !eval[bool](e, `document.getElementById('imp-format').disabled`) {
		t.Error("the format select is enabled for a web page")
	}
	e.do(chromedp.Click(chromedp.ID("imp-check")))
	e.waitJS(`document.querySelector('#imp-error[data-status="422"] .alert-error')`)
	if got := eval[string](e, `document.querySelector('#imp-error .alert-error').textContent`); !strings.Contains(got, "refused: the address is not public") {
		t.Errorf("private URL refused with %q", got)
	}
	e.waitJS(`document.querySelectorAll('#imp-history-rows tr[data-state="failed"]').length === 1`)

	// Files and a web page at once: a message, no request.
	e.chooseFiles(file)
	e.do(chromedp.Click(chromedp.ID("imp-check")))
	e.waitJS(`document.getElementById('imp-message') && document.getElementById('imp-message').textContent.includes('not both')`)
	e.clearInput("imp-url")

	// Dry run.
	if got := eval[string](e, `document.querySelectorAll('#imp-files .file-name').length + " " + document.querySelector('#imp-files .file-name').textContent`); got != "1 corpus.jsonl" {
		t.Errorf("file list shows %q", got)
	}
	e.do(chromedp.Click(chromedp.ID("imp-check")))
	e.waitJS(`document.querySelector('#imp-report[data-dry="1"]')`)
	report := func() map[string]string {
		return eval[map[string]string](e, `Object.fromEntries(['imp-articles-created', 'imp-articles-skipped', 'imp-spans-created', 'imp-spans-skipped'].map(id => [id, document.getElementById(id).textContent]))`)
	}
	if got := report(); got["imp-articles-created"] != "2" || got["imp-spans-created"] != "1" || got["imp-articles-skipped"] != "0" {
		t.Errorf("dry-run report %v", got)
	}
	problems := eval[[][]string](e, `[...document.querySelectorAll('#imp-problems tbody tr')].map(r => [...r.cells].map(c => c.textContent))`)
	if len(problems) != 1 || problems[0][0] != "corpus.jsonl" || problems[0][1] != "2" || !strings.Contains(problems[0][3], "ends past the end") {
		t.Fatalf("problems table %q", problems)
	}
	if eval[bool](e, `!!document.getElementById('imp-articles-link')`) {
		t.Error("a dry run links to the articles")
	}
	e.screenshot(t, "import-dry-run.png")
	if !eval[bool](e, `!document.getElementById('imp-check').disabled && !document.getElementById('imp-go').disabled && document.getElementById('imp-progress').hidden`) {
		t.Error("the buttons are not back after the dry run")
	}
	if n := e.storedArticles(p.ID); n != 0 {
		t.Fatalf("a dry run stored %d articles", n)
	}
	if got := e.apiArticles(p.ID); len(got) != 0 {
		t.Fatalf("the API lists %q after a dry run", got)
	}
	e.waitJS(`document.querySelectorAll('#imp-history-rows tr[data-id]').length === 2`)
	if got := e.historyRows(); len(got) != 2 || !strings.HasSuffix(got[0], " discarded 1") || !strings.HasSuffix(got[1], " failed 1") {
		t.Errorf("history after the dry run %q", got)
	}
	// The file is still chosen: Import does it for real.
	e.do(chromedp.Click(chromedp.ID("imp-go")))
	e.waitJS(`document.querySelector('#imp-report[data-dry="0"]')`)
	if got := report(); got["imp-articles-created"] != "2" || got["imp-spans-created"] != "1" {
		t.Errorf("import report %v", got)
	}
	if n := eval[int](e, `document.querySelectorAll('#imp-problems tbody tr').length`); n != 1 {
		t.Errorf("import report lists %d problems, want 1", n)
	}
	if n := e.storedArticles(p.ID); n != 2 {
		t.Fatalf("stored %d articles, want 2", n)
	}
	if got := strings.Join(e.apiArticles(p.ID), "|"); !strings.Contains(got, "Bridge opens") || !strings.Contains(got, "Snow in April") {
		t.Fatalf("the API lists %q", got)
	}
	if n := eval[int](e, `document.querySelectorAll('#imp-files li').length`); n != 0 {
		t.Errorf("%d files still chosen after the import", n)
	}
	e.waitJS(`document.querySelectorAll('#imp-history-rows tr[data-id]').length === 3`)
	rows := e.historyRows()
	if !strings.HasSuffix(rows[0], " done 0") || !strings.HasSuffix(rows[1], " discarded 1") {
		t.Errorf("history %q: want the import done above the dry run", rows)
	}
	if got := eval[string](e, `document.querySelector('#imp-history-rows tr[data-state="discarded"]').textContent`); !strings.Contains(got, "dry run") || !strings.Contains(got, "boss") {
		t.Errorf("dry-run row %q", got)
	}
	e.assertCSRF()
	e.screenshot(t, "import.png")
	e.do(chromedp.EmulateViewport(700, 900))
	e.screenshot(t, "import-700.png")
	e.do(chromedp.EmulateViewport(1280, 900))

	// The report links to the articles.
	e.do(chromedp.Click(chromedp.ID("imp-articles-link")))
	e.waitJS(fmt.Sprintf(`location.hash === '#/projects/%d' && document.querySelectorAll('table.articles tbody tr').length === 2`, p.ID))
}

// dropFiles drags files (or folders) from disk onto the middle of the
// element with the id, as the operating system would.
func (e *env) dropFiles(id string, paths ...string) {
	e.t.Helper()
	at := eval[[]float64](e, `(() => { const el = document.getElementById(`+js(id)+`); el.scrollIntoView({block: "center"}); const r = el.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()`)
	data := &input.DragData{Items: []*input.DragDataItem{}, Files: paths, DragOperationsMask: 1}
	for _, typ := range []input.DispatchDragEventType{input.DispatchDragEventTypeDragEnter, input.DispatchDragEventTypeDragOver, input.DispatchDragEventTypeDrop} {
		if _, err := chromedp.Call(e.ctx, input.DispatchDragEvent, input.DispatchDragEventParams{Type: typ, X: at[0], Y: at[1], Data: data}); err != nil {
			e.t.Fatalf("drag %s: %v", typ, err)
		}
	}
}

// throttleUploads limits the browser's upload speed (bytes/s; 0: off).
func (e *env) throttleUploads(bps float64) {
	e.t.Helper()
	conds := []*network.Conditions{}
	if bps > 0 {
		conds = append(conds, &network.Conditions{UploadThroughput: bps, DownloadThroughput: -1})
	}
	if _, err := chromedp.Call(e.ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: conds}); err != nil {
		e.t.Fatalf("throttle: %v", err)
	}
}

// TestImportProgressAndCancel: while a (throttled) upload runs, both
// buttons are disabled, the clicked one says what is happening and a
// progress bar shows the upload; Cancel stops it and nothing is stored.
// Without the throttle the same files import.
func TestImportProgressAndCancel(t *testing.T) {
	e := newEnv(t)
	_, pw := e.user("boss", models.RoleAdmin)
	p := e.emptyProject("Big")
	var b strings.Builder
	for i := range 400 {
		fmt.Fprintf(&b, `{"external_id": "x-%d", "title": "Article %d", "text": "Article number %d. %s"}`+"\n", i, i, i, strings.Repeat("Some words of the article. ", 12))
	}
	file := writeFile(t, "big.jsonl", b.String())

	e.login("boss", pw)
	e.open(fmt.Sprintf("#/projects/%d/import", p.ID), `document.getElementById('import-form') && document.querySelector('#imp-history-rows tr')`)
	e.chooseFiles(file)
	e.throttleUploads(8 << 10) // about 18 s for the file: time enough to see it and cancel
	e.do(chromedp.Click(chromedp.ID("imp-check")))
	e.waitJS(`document.getElementById('imp-check').disabled && document.getElementById('imp-go').disabled && document.getElementById('imp-check').textContent === 'Checking…' && !document.getElementById('imp-progress').hidden && !document.getElementById('imp-cancel').hidden && document.getElementById('import-form').getAttribute('aria-busy') === 'true'`)
	e.waitJS(`document.getElementById('imp-status').textContent.startsWith('Uploading') && document.getElementById('imp-progress').value > 0`)
	e.do(chromedp.Click(chromedp.ID("imp-cancel")))
	e.waitJS(`document.getElementById('imp-message') && document.getElementById('imp-message').textContent.includes('Cancelled')`)
	if !eval[bool](e, `!document.getElementById('imp-check').disabled && !document.getElementById('imp-go').disabled && document.getElementById('imp-check').textContent === 'Check (dry run)' && document.getElementById('imp-progress').hidden && document.getElementById('imp-cancel').hidden`) {
		t.Error("the form is not back after Cancel")
	}
	if n := e.storedArticles(p.ID); n != 0 {
		t.Fatalf("a cancelled upload stored %d articles", n)
	}

	e.throttleUploads(0)
	e.do(chromedp.Click(chromedp.ID("imp-go")))
	e.waitJS(`document.querySelector('#imp-report[data-dry="0"]')`)
	if got := eval[string](e, `document.getElementById('imp-articles-created').textContent`); got != "400" {
		t.Errorf("created %s articles, want 400", got)
	}
	if n := e.storedArticles(p.ID); n != 400 {
		t.Errorf("stored %d articles, want 400", n)
	}
}

// TestImportHistoryPages: the history loads 20 at a time, newest first,
// and Load more follows next_cursor.
func TestImportHistoryPages(t *testing.T) {
	e := newEnv(t)
	admin, pw := e.user("boss", models.RoleAdmin)
	p := e.emptyProject("Many imports")
	ctx := context.Background()
	for i := range 23 {
		src := ingest.Parse([]ingest.Input{ingest.BytesInput("a.txt", []byte(fmt.Sprintf("Title %d\nText %d.", i, i)))}, "auto", ingest.Limits{})
		if _, err := ingest.Run(ctx, e.store, ingest.Options{ProjectID: p.ID, UserID: admin.ID, DryRun: i%2 == 0}, src); err != nil {
			t.Fatal(err)
		}
	}
	e.login("boss", pw)
	e.open(fmt.Sprintf("#/projects/%d/import", p.ID), `document.querySelectorAll('#imp-history-rows tr[data-id]').length === 20 && !document.getElementById('imp-more').hidden`)
	e.do(chromedp.Click(chromedp.ID("imp-more")))
	e.waitJS(`document.querySelectorAll('#imp-history-rows tr[data-id]').length === 23 && document.getElementById('imp-more').hidden`)
	rows := e.historyRows()
	for i := 1; i < len(rows); i++ {
		var a, b int
		fmt.Sscan(rows[i-1], &a)
		fmt.Sscan(rows[i], &b)
		if a <= b {
			t.Fatalf("history not newest first: %q", rows)
		}
	}
	if !strings.HasSuffix(rows[len(rows)-1], " discarded 1") || !strings.HasSuffix(rows[len(rows)-2], " done 0") {
		t.Errorf("oldest rows %q", rows[len(rows)-2:])
	}
}

// TestImportAnnotator: an annotator can import but has no create-labels
// control; a file that cannot be read is a 422 whose problems are listed,
// and a project with an import running answers 409, shown with its
// message, while the history follows the running import until it is done.
func TestImportAnnotator(t *testing.T) {
	e := newEnv(t)
	admin, _ := e.user("boss", models.RoleAdmin)
	_, pw := e.user("ann", models.RoleAnnotator)
	p := e.emptyProject("Shared")

	e.login("ann", pw)
	e.open(fmt.Sprintf("#/projects/%d/import", p.ID), `document.getElementById('import-form') && document.querySelector('#imp-history-rows tr')`)
	if n := eval[int](e, `document.querySelectorAll('#imp-create-labels').length`); n != 0 {
		t.Fatal("an annotator sees the create-labels control")
	}
	if !eval[bool](e, `!!document.getElementById('imp-strict') && !!document.getElementById('imp-format')`) {
		t.Error("an annotator misses the strict or format control")
	}

	// Keyboard: the (visually hidden) file input is in the tab order just
	// before the URL field and shows its focus on the Choose files button;
	// Enter in the URL field checks, it does not import.
	e.do(chromedp.Focus(chromedp.ID("imp-url")))
	e.key(kb.Tab, chromedp.ModifierShift)
	e.waitJS(`document.activeElement.id === 'imp-file'`)
	if got := eval[string](e, `getComputedStyle(document.querySelector('label[for="imp-file"]')).outlineStyle`); got != "solid" {
		t.Errorf("the focused file input shows no focus ring on its button (outline %q)", got)
	}
	e.key(kb.Tab)
	e.waitJS(`document.activeElement.id === 'imp-url'`)
	e.do(chromedp.SendKeys(chromedp.ID("imp-url"), "example.org/page"))
	e.key(kb.Enter)
	e.waitJS(`document.getElementById('imp-message') && document.getElementById('imp-message').textContent.includes('http')`)
	e.clearInput("imp-url")

	// A CSV without a text column cannot be read: 422 with problems.
	bad := writeFile(t, "no-text.csv", "title,url\nA,https://example.org/a\n")
	e.chooseFiles(bad)
	e.do(chromedp.Click(chromedp.ID("imp-go")))
	e.waitJS(`document.querySelector('#imp-error[data-status="422"] #imp-problems')`)
	if got := eval[string](e, `document.querySelector('#imp-problems tbody td').textContent`); got != "no-text.csv" {
		t.Errorf("422 problem file %q", got)
	}
	if !eval[bool](e, `document.querySelector('#imp-error .alert-error').textContent.includes('nothing was stored')`) {
		t.Errorf("422 message %q", eval[string](e, `document.getElementById('imp-error').textContent`))
	}
	e.waitJS(`document.querySelector('#imp-history-rows tr[data-state="failed"]')`)
	if n := e.storedArticles(p.ID); n != 0 {
		t.Fatalf("a failed import stored %d articles", n)
	}

	// Someone else's import is running: 409 names it.
	release := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := ingest.Run(context.Background(), e.store, ingest.Options{ProjectID: p.ID, UserID: admin.ID}, func(yield func(*ingest.Item) error) error {
			<-release
			return yield(&ingest.Item{File: "slow.txt", Line: 1, Article: &models.ArticleIn{Title: "Slow", Text: "A slow import."}})
		})
		done <- err
	}()
	released := false
	defer func() {
		if !released {
			close(release)
			<-done
		}
	}()
	e.waitFor("the running import", func() bool {
		rows, _, err := e.store.ListImports(context.Background(), p.ID, 0, models.Page{Limit: 1})
		return err == nil && len(rows) == 1 && rows[0].State == "running"
	})
	e.do(chromedp.Click(chromedp.ID("imp-check")))
	e.waitJS(`document.querySelector('#imp-error[data-status="409"]')`)
	msg := eval[string](e, `document.getElementById('imp-error').textContent`)
	if !strings.Contains(msg, "still running") || !strings.Contains(msg, "boss") || !strings.Contains(msg, "Another import into this project is running") {
		t.Errorf("409 shown as %q", msg)
	}
	e.waitJS(`document.querySelector('#imp-history-rows tr[data-state="running"]')`)
	close(release)
	released = true
	if err := <-done; err != nil {
		t.Fatalf("the running import: %v", err)
	}
	// the page follows the running import until it is done
	e.waitJS(`!document.querySelector('#imp-history-rows tr[data-state="running"]') && document.querySelector('#imp-history-rows tr[data-state="done"]')`)
	e.assertCSRF()
	e.screenshot(t, "import-conflict.png")
}

// TestImportDropAndXSS: files dropped on the drop zone (a real drag of
// files from disk, through CDP) are imported; a file name and a problem
// message carrying HTML stay inert text.
func TestImportDropAndXSS(t *testing.T) {
	e := newEnv(t)
	_, pw := e.user("boss", models.RoleAdmin)
	p := e.emptyProject("P " + xssScript)
	name := "evil " + xssImg + ".jsonl"
	file := writeFile(t, name, `{"title": "T", "text": "Plain words here.", "spans": [{"label": `+js(xssScript)+`, "start": 0, "end": 5}]}`+"\n")

	e.login("boss", pw)
	e.open(fmt.Sprintf("#/projects/%d/import", p.ID), `document.getElementById('imp-drop') && document.querySelector('#imp-history-rows tr')`)
	e.dropFiles("imp-drop", file)
	e.waitJS(`document.querySelectorAll('#imp-files li .file-name').length === 1`)
	if got := eval[string](e, `document.querySelector('#imp-files .file-name').textContent`); got != name {
		t.Errorf("dropped file listed as %q", got)
	}
	// A dropped folder adds the files in it, hidden ones left out.
	dir := t.TempDir()
	for name, text := range map[string]string{"one.txt": "One\nThe first text.", "sub/two.txt": "Two\nThe second text.", ".DS_Store": "junk"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	e.dropFiles("imp-drop", dir)
	e.waitJS(`document.querySelectorAll('#imp-files li .file-name').length === 3`)
	if got := eval[string](e, `[...document.querySelectorAll('#imp-files .file-name')].map(n => n.textContent).sort().join("|")`); got != name+"|one.txt|two.txt" {
		t.Errorf("files after dropping a folder: %q", got)
	}
	e.do(chromedp.Click(chromedp.ID("imp-check")))
	e.waitJS(`document.querySelector('#imp-report #imp-problems')`)
	if got := eval[string](e, `document.getElementById('imp-articles-created').textContent`); got != "3" {
		t.Errorf("dry run of the dropped files: %s articles, want 3", got)
	}
	cells := eval[[]string](e, `[...document.querySelectorAll('#imp-problems tbody td')].map(c => c.textContent)`)
	if len(cells) != 4 || cells[0] != name || !strings.Contains(cells[3], xssScript) {
		t.Fatalf("problem row %q", cells)
	}
	e.assertInert("import report", name, xssScript, "Import into P "+xssScript)
}
