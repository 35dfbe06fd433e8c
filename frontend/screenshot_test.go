package frontend_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
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
	checkDemoPainted(e, arts[1].ID)
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
		n := len(models.DefaultLabels())
		return err == nil && len(ls) == n+1 && ls[n].Key == "loaded_language"
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

// checkDemoPainted asserts what the annotate screenshot should show: the
// article's whole text in the text pane, highlights over exactly the
// stored spans (everyone's) in the colours of exactly their labels, and,
// for the highlights on screen, those colours in the pane's pixels.
func checkDemoPainted(e *env, articleID int64) {
	t := e.t
	t.Helper()
	art, err := e.store.GetArticle(context.Background(), articleID)
	if err != nil {
		t.Fatal(err)
	}
	spans := e.annotations(articleID)
	if len(spans) < 2 {
		t.Fatalf("the demo article has %d spans; the check needs some", len(spans))
	}
	// Layout may break lines into blocks: compare without whitespace.
	squeeze := func(s string) string { return strings.Join(strings.Fields(s), "") }
	if got := eval[string](e, `document.getElementById('article-text').textContent`); squeeze(got) != squeeze(art.Text) {
		t.Errorf("text pane shows\n%q\nwant the article's text\n%q", got, art.Text)
	}
	runes := []rune(art.Text)
	covered := make([]bool, len(runes))
	used := map[int64]bool{}
	for _, sp := range spans {
		for i := sp.Start; i < sp.End; i++ {
			covered[i] = true
		}
		used[sp.LabelID] = true
	}
	var want strings.Builder
	for i, r := range runes {
		if covered[i] {
			want.WriteRune(r)
		}
	}
	got := eval[string](e, `[...document.querySelectorAll('#article-text .hl')].map(n => n.textContent).join('')`)
	if squeeze(got) != squeeze(want.String()) {
		t.Errorf("highlighted text\n%q\nwant the text under the %d stored spans\n%q", got, len(spans), want.String())
	}

	// Every label of the stored spans, and no other, colours a highlight.
	labels, err := e.store.ListLabels(context.Background(), art.ProjectID)
	if err != nil {
		t.Fatal(err)
	}
	rgbOf := map[string]string{} // "rgb(r, g, b)" -> label key
	var wantKeys []string
	for _, l := range labels {
		var r, g, b uint8
		if _, err := fmt.Sscanf(l.Color, "#%02x%02x%02x", &r, &g, &b); err != nil {
			t.Fatalf("label %s colour %q: %v", l.Key, l.Color, err)
		}
		rgbOf[fmt.Sprintf("rgb(%d, %d, %d)", r, g, b)] = l.Key
		if used[l.ID] {
			wantKeys = append(wantKeys, l.Key)
		}
	}
	type hl struct {
		Colors []string
		Top    float64
		Bottom float64
	}
	hls := eval[[]hl](e, `[...document.querySelectorAll('#article-text .hl')].map(n => { const r = n.getBoundingClientRect();
		return { colors: getComputedStyle(n).backgroundImage.match(/rgb\([^)]*\)/g) || [], top: r.top, bottom: r.bottom }; })`)
	drawn := map[string]bool{}  // label keys of every highlight
	inView := map[string]bool{} // ... of the highlights on screen now
	height := eval[float64](e, `innerHeight`)
	for _, h := range hls {
		for _, c := range h.Colors {
			key, ok := rgbOf[c]
			if !ok {
				t.Errorf("a highlight is drawn in %s, the colour of no label", c)
				continue
			}
			drawn[key] = true
			if h.Top >= 0 && h.Bottom <= height {
				inView[key] = true
			}
		}
	}
	var gotKeys []string
	for _, l := range labels {
		if drawn[l.Key] {
			gotKeys = append(gotKeys, l.Key)
		}
	}
	if strings.Join(gotKeys, ",") != strings.Join(wantKeys, ",") {
		t.Errorf("highlights are drawn in the colours of %v, want those of the spans' labels %v", gotKeys, wantKeys)
	}

	// ... and the ones on screen are painted: their label's colour is in
	// the pixels of the text pane (a viewport screenshot, so only the
	// highlights in view are looked for).
	if len(inView) == 0 {
		t.Fatal("no highlight is on screen")
	}
	shot, err := chromedp.Run(e.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	box := eval[[]float64](e, `(() => { const r = document.getElementById('article-text').getBoundingClientRect();
		return [r.left, r.top, r.right, r.bottom, devicePixelRatio]; })()`)
	if box[4] != 1 {
		t.Fatalf("device pixel ratio %v", box[4])
	}
	pane := image.Rect(int(box[0]), int(box[1]), int(box[2]), int(box[3])).Intersect(img.Bounds())
	for rgb, key := range rgbOf {
		if !inView[key] {
			continue
		}
		var r, g, b uint8
		fmt.Sscanf(rgb, "rgb(%d, %d, %d)", &r, &g, &b)
		n := 0
		for y := pane.Min.Y; y < pane.Max.Y; y++ {
			for x := pane.Min.X; x < pane.Max.X; x++ {
				c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
				if near(c.R, r) && near(c.G, g) && near(c.B, b) {
					n++
				}
			}
		}
		// a highlight's underline bar is a few pixels high along its length
		if n < 100 {
			t.Errorf("label %s (%s) is on screen but only %d pixels of the text pane have its colour: its highlights are not painted", key, rgb, n)
		}
	}
}

func near(a, b uint8) bool { return a-b < 3 || b-a < 3 }
