package frontend_test

// Browser test harness: the real router on httptest, a real SQLite store,
// and Debian's Chromium driven by chromedp (headless, fresh profile).

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"slant/frontend"
	"slant/models"
	"slant/models/modelstest"
	"slant/server/api"
)

const chromiumPath = "/usr/bin/chromium"

// env is one test's server, store and browser tab.
type env struct {
	t     testing.TB
	store *models.Store
	srv   *httptest.Server
	ctx   context.Context

	mu         sync.Mutex
	writes     []apiWrite // non-GET /api requests seen by the server
	exceptions []string   // uncaught JS exceptions
	dialogs    []string   // alert/confirm/prompt messages
}

type apiWrite struct {
	Method, Path, CSRF string
	Status             int
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) { r.status = code; r.ResponseWriter.WriteHeader(code) }
func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func newEnv(t testing.TB) *env {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium is required in CI: %v", err)
		}
		t.Skipf("browser tests need %s: %v", chromiumPath, err)
	}
	e := &env{t: t, store: modelstest.NewStore(t)}
	router, _ := api.New(e.store, api.Config{UI: frontend.FS()})
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead || !strings.HasPrefix(r.URL.Path, "/api/") {
			router.ServeHTTP(w, r)
			return
		}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		router.ServeHTTP(rec, r)
		e.mu.Lock()
		e.writes = append(e.writes, apiWrite{r.Method, r.URL.Path, r.Header.Get("X-CSRF-Token"), rec.status})
		e.mu.Unlock()
	}))
	t.Cleanup(e.srv.Close)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // start the browser without a timeout
		t.Fatalf("start chromium: %v", err)
	}
	if err := chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			e.mu.Lock()
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			e.exceptions = append(e.exceptions, fmt.Sprintf("%s (%s:%d)", msg, d.URL, d.LineNumber))
			e.mu.Unlock()
		case *page.EventJavascriptDialogOpening:
			e.mu.Lock()
			e.dialogs = append(e.dialogs, ev.Message)
			e.mu.Unlock()
			go func() { // close it so the page does not hang
				_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
			}()
		}
	}); err != nil {
		t.Fatalf("listen: %v", err)
	}
	// A test that hangs must fail, not block the suite.
	tctx, cancel := context.WithTimeout(ctx, 180*time.Second)
	t.Cleanup(cancel)
	e.ctx = tctx
	t.Cleanup(func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		if len(e.exceptions) > 0 {
			t.Errorf("uncaught JavaScript exceptions: %q", e.exceptions)
		}
	})
	return e
}

// do runs browser actions and fails the test on error.
func (e *env) do(steps ...chromedp.Action[chromedp.Void]) {
	e.t.Helper()
	if err := chromedp.Do(e.ctx, steps...); err != nil {
		e.t.Fatalf("browser: %v", err)
	}
}

// eval evaluates a JS expression (promises are awaited) into T.
func eval[T any](e *env, expr string) T {
	e.t.Helper()
	v, err := chromedp.Run(e.ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		e.t.Fatalf("evaluate %.200s: %v", expr, err)
	}
	return v
}

// waitJS polls a JS predicate until it is truthy (30 s at most: make test
// runs every package at once under the race detector on two cores).
func (e *env) waitJS(expr string) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(20*time.Millisecond))); err != nil {
		var page string
		page, _ = chromedp.Run(e.ctx, chromedp.Evaluate[string](`document.body.innerText.slice(0, 2000)`))
		e.t.Fatalf("waiting for %s: %v\npage text:\n%s", expr, err, page)
	}
}

// waitFor polls a Go condition (for the store side) for up to 30 s.
func (e *env) waitFor(what string, cond func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			status, _ := chromedp.Run(e.ctx, chromedp.Evaluate[string](`(document.getElementById('status') || document.body).textContent`))
			e.t.Fatalf("timed out waiting for %s (page status: %q)", what, status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// js quotes a Go string as a JS string literal.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// user creates a user and returns its name and password.
func (e *env) user(name, role string) (*models.User, string) {
	e.t.Helper()
	pw := "pw-" + name + "-0123456789"
	ctx := context.Background()
	u, err := e.store.CreateUser(ctx, name, role, pw)
	if err != nil {
		e.t.Fatalf("create user: %v", err)
	}
	if role != models.RoleAdmin { // an annotator of every project there is (admins see all)
		ps, _, err := e.store.ListProjects(ctx, u.ID, models.Page{Limit: models.MaxLimit})
		if err != nil {
			e.t.Fatal(err)
		}
		for _, p := range ps {
			if _, _, err := e.store.SetMember(ctx, p.ID, u.ID, models.MemberAnnotator); err != nil {
				e.t.Fatal(err)
			}
		}
	}
	return u, pw
}

// login logs in through the login form and waits for the header.
func (e *env) login(name, password string) {
	e.t.Helper()
	e.do(chromedp.Navigate(e.srv.URL+"/#/login"),
		chromedp.WaitVisible(chromedp.ID("login-name")),
		chromedp.SendKeys(chromedp.ID("login-name"), name),
		chromedp.SendKeys(chromedp.ID("login-password"), password),
		chromedp.Click(chromedp.CSS(`#login-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("logout")),
	)
}

// open navigates to a hash route and waits for a JS condition.
func (e *env) open(hash, ready string) {
	e.t.Helper()
	e.do(chromedp.Navigate(e.srv.URL + "/" + hash))
	e.waitJS(ready)
}

// openArticle opens the annotate view and waits until the spans are drawn.
func (e *env) openArticle(id int64) {
	e.t.Helper()
	e.open(fmt.Sprintf("#/articles/%d", id), `document.querySelector('#article-text[data-ready="1"]')`)
}

// key presses one key (with optional modifiers) through CDP input events.
func (e *env) key(k string, mods ...chromedp.Modifier) {
	e.t.Helper()
	var opts []chromedp.KeyOption
	if len(mods) > 0 {
		opts = append(opts, chromedp.KeyModifiers(mods...))
	}
	e.do(chromedp.KeyEvent(k, opts...))
}

// project creates a project with the default labels and some articles.
func (e *env) project(arts ...models.ArticleIn) (*models.Project, []models.Article) {
	e.t.Helper()
	ctx := context.Background()
	p := &models.Project{Name: "Test project"}
	if err := e.store.CreateProject(ctx, p, nil); err != nil {
		e.t.Fatalf("create project: %v", err)
	}
	modelstest.JoinAll(e.t, e.store, p.ID) // every annotator there is is a member
	out, err := e.store.CreateArticles(ctx, p.ID, arts)
	if err != nil {
		e.t.Fatalf("create articles: %v", err)
	}
	return p, out
}

// annotations lists the stored annotations of an article.
func (e *env) annotations(articleID int64) []models.AnnotationView {
	e.t.Helper()
	var out []models.AnnotationView
	pg := models.Page{Limit: 1000}
	for {
		rows, next, err := e.store.ListAnnotations(context.Background(), models.AnnotationFilter{ArticleID: articleID}, pg)
		if err != nil {
			e.t.Fatalf("list annotations: %v", err)
		}
		out = append(out, rows...)
		if next == nil {
			return out
		}
		pg.Cursor = *next
	}
}

// selectText selects the n-th occurrence (from 0) of needle in the
// article text with the DOM Selection/Range APIs, independently of the
// app's own offset code, and returns its UTF-16 offsets.
func (e *env) selectText(needle string, extraBefore, extraAfter int) {
	e.t.Helper()
	ok := eval[bool](e, `(() => {
	  const root = document.getElementById("article-text");
	  const full = root.textContent;
	  let u0 = full.indexOf(`+js(needle)+`);
	  if (u0 < 0) return false;
	  let u1 = u0 + `+js(needle)+`.length;
	  u0 -= `+fmt.Sprint(extraBefore)+`; u1 += `+fmt.Sprint(extraAfter)+`;
	  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
	  const r = document.createRange();
	  let pos = 0, n, startSet = false;
	  while ((n = walker.nextNode())) {
	    const len = n.data.length;
	    // the start goes in the node holding the first character: the end
	    // of the node before is the same offset, but in another paragraph
	    // block, where the selection would begin with a line break
	    if (!startSet && u0 < pos + len) { r.setStart(n, u0 - pos); startSet = true; }
	    if (startSet && u1 <= pos + len) { r.setEnd(n, u1 - pos); break; }
	    pos += len;
	  }
	  const sel = getSelection();
	  sel.removeAllRanges();
	  sel.addRange(r);
	  return sel.toString().length === u1 - u0;
	})()`)
	if !ok {
		e.t.Fatalf("could not select %q", needle)
	}
}

// point is a position in the viewport, in CSS pixels.
type point struct{ X, Y float64 }

// textEnds returns the left middle of the first character and the right
// middle of the last character of needle in the article text, for real
// mouse input.
func (e *env) textEnds(needle string) (first, last point) {
	e.t.Helper()
	r := eval[[]float64](e, `(() => {
	  const root = document.getElementById("article-text");
	  const full = root.textContent;
	  const u0 = full.indexOf(`+js(needle)+`), u1 = u0 + `+js(needle)+`.length;
	  const at = (u, end) => { let pos = 0, n; const w = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
	    while ((n = w.nextNode())) { if (end ? u <= pos + n.data.length : u < pos + n.data.length) return [n, u - pos]; pos += n.data.length; } };
	  root.scrollIntoView();
	  const r = document.createRange();
	  const [a, ao] = at(u0, false); r.setStart(a, ao); r.setEnd(a, ao + 1);
	  const first = r.getBoundingClientRect();
	  const [b, bo] = at(u1, true); r.setStart(b, bo - 1); r.setEnd(b, bo);
	  const last = r.getBoundingClientRect();
	  return [first.left, first.top + first.height / 2, last.right, last.top + last.height / 2];
	})()`)
	return point{r[0], r[1]}, point{r[2], r[3]}
}

// drag presses the mouse at a, moves to b in steps and releases it.
func (e *env) drag(a, b point) {
	e.t.Helper()
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.MouseEvent(chromedp.MouseMoved, a.X, a.Y),
		chromedp.MouseEvent(chromedp.MousePressed, a.X, a.Y, chromedp.ButtonLeft, chromedp.ClickCount(1)),
	}
	for i := 1; i <= 5; i++ {
		f := float64(i) / 5
		steps = append(steps, chromedp.MouseEvent(chromedp.MouseMoved, a.X+(b.X-a.X)*f, a.Y+(b.Y-a.Y)*f, chromedp.ButtonLeft))
	}
	steps = append(steps, chromedp.MouseEvent(chromedp.MouseReleased, b.X, b.Y, chromedp.ButtonLeft, chromedp.ClickCount(1)))
	e.do(steps...)
}

// assertCSRF checks that every write the server saw carried the header
// and none was refused for CSRF.
func (e *env) assertCSRF() {
	e.t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, w := range e.writes {
		if w.Path == "/api/v1/session" || w.Path == "/api/v1/setup" {
			continue // login itself has no session yet
		}
		if w.CSRF == "" || w.Status == http.StatusForbidden {
			e.t.Errorf("%s %s sent without X-CSRF-Token (status %d)", w.Method, w.Path, w.Status)
		}
	}
}

func chromedpNavigate(url string) chromedp.Action[chromedp.Void] { return chromedp.Navigate(url) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
