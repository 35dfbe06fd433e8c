package frontend_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chromedp/chromedp"

	"slant/models"
)

// cpSpan returns the code-point span of the first occurrence of needle in
// text, computed by Go (Python's text[start:end]).
func cpSpan(t *testing.T, text, needle string) (int, int) {
	t.Helper()
	b := strings.Index(text, needle)
	if b < 0 {
		t.Fatalf("%q not in text", needle)
	}
	s := utf8.RuneCountInString(text[:b])
	return s, s + utf8.RuneCountInString(needle)
}

const unicodeText = "„Die Lage ist ernst“, sagte er.\r\n" +
	"قال الوزير إن الخطة ناجحة.\r\n" +
	"Emoji 😀 and 👩‍🔬 and 🇳🇴 and cafe\u0301\u00a0bar: the reckless plan will inevitably fail.\r\n" +
	"End."

// TestAnnotateWithMouseAndHotkeys logs in through the form, drags over a
// passage after emoji, ZWJ, flags, combining marks, CRLF and Arabic, and
// presses 2: the stored offsets and quote equal Go's code-point slice.
// Then whitespace trimming and snap-to-words (on an Arabic word).
func TestAnnotateWithMouseAndHotkeys(t *testing.T) {
	e := newEnv(t)
	e.user("ana", models.RoleAnnotator)
	_, pw := e.user("mia", models.RoleAnnotator)
	_, arts := e.project(models.ArticleIn{Title: "Unicode article", Text: unicodeText, URL: "https://example.org/a"})
	art := arts[0]

	e.login("mia", pw)
	e.openArticle(art.ID)

	target := "the reckless plan will inevitably fail"
	a, b := e.textEnds(target)
	e.drag(point{a.X + 1, a.Y}, point{b.X - 1, b.Y})
	if got := eval[string](e, `getSelection().toString()`); got != target {
		t.Fatalf("mouse drag selected %q, want %q", got, target)
	}
	e.key("2")
	e.waitFor("the span to be stored", func() bool { return len(e.annotations(art.ID)) == 1 })
	got := e.annotations(art.ID)[0]
	start, end := cpSpan(t, unicodeText, target)
	if got.Start != start || got.End != end || got.Quote != target || got.LabelKey != "attributed_claim" || got.AnnotatorName != "mia" {
		t.Fatalf("stored %s [%d,%d) %q by %s; want attributed_claim [%d,%d) %q by mia", got.LabelKey, got.Start, got.End, got.Quote, got.AnnotatorName, start, end, target)
	}
	// highlighted at once, no longer pending, listed in the side panel
	e.waitJS(`document.querySelectorAll('#article-text .hl.pending').length === 0 && [...document.querySelectorAll('#article-text .hl')].map(n => n.textContent).join('') === ` + js(target))
	e.waitJS(`document.querySelectorAll('#span-list li').length === 1`)
	// attributed claims open the editor on the speaker field
	e.waitJS(`document.activeElement && document.activeElement.id === 'ed-speaker'`)
	e.key("\x1b") // Escape closes the editor
	e.waitJS(`!document.getElementById('editor')`)

	// Leading and trailing whitespace is trimmed from a selection.
	e.selectText("sagte", 1, 1)
	e.key("1")
	e.waitFor("the trimmed span", func() bool { return len(e.annotations(art.ID)) == 2 })
	start, end = cpSpan(t, unicodeText, "sagte")
	if g := findQuote(e.annotations(art.ID), "sagte"); g == nil || g.Start != start || g.End != end || g.LabelKey != "opinion" {
		t.Fatalf("trimmed span: %+v, want opinion [%d,%d)", g, start, end)
	}

	// Snap to words extends a partial selection to whole words (RTL text).
	e.do(chromedp.Click(chromedp.ID("snap")))
	e.selectText("وزي", 0, 0)
	e.key("3")
	e.waitFor("the snapped span", func() bool { return len(e.annotations(art.ID)) == 3 })
	start, end = cpSpan(t, unicodeText, "الوزير")
	if g := findQuote(e.annotations(art.ID), "الوزير"); g == nil || g.Start != start || g.End != end || g.LabelKey != "state_media_framing" {
		t.Fatalf("snapped span: %+v, want state_media_framing [%d,%d) %q", g, start, end, "الوزير")
	}
	e.waitJS(`document.querySelectorAll('#span-list li').length === 3`)
	e.assertCSRF()
}

func findQuote(rows []models.AnnotationView, quote string) *models.AnnotationView {
	for i := range rows {
		if rows[i].Quote == quote {
			return &rows[i]
		}
	}
	return nil
}

// TestFailedSaveLeavesNoHighlight: when the server refuses a span (its
// label was deleted meanwhile, or another tab stored the same span), the
// pending highlight goes away and the error is shown.
func TestFailedSaveLeavesNoHighlight(t *testing.T) {
	e := newEnv(t)
	admin, pw := e.user("boss", models.RoleAdmin)
	text := "Emoji 😀 first, then the contested claim appears here."
	p, arts := e.project(models.ArticleIn{Title: "Failing saves", Text: text})
	art := arts[0]
	e.login("boss", pw)
	e.openArticle(art.ID)
	ctx := context.Background()

	// 1. the label is deleted after the page loaded its label scheme
	l, err := e.store.LabelByKey(ctx, p.ID, "opinion")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.DeleteLabel(ctx, l.ID); err != nil {
		t.Fatal(err)
	}
	e.selectText("contested claim", 0, 0)
	e.key("1")
	e.waitJS(`document.querySelector('#status .alert-error')`)
	msg := eval[string](e, `document.querySelector('#status .alert-error').textContent`)
	if !strings.Contains(msg, "not saved") || !strings.Contains(strings.ToLower(msg), "label") {
		t.Errorf("error message %q does not say what failed", msg)
	}
	// The side list redraws on the next animation frame; the highlight goes at once.
	if n := eval[int](e, `document.querySelectorAll('#article-text .hl').length`); n != 0 {
		t.Fatalf("%d highlights left after a failed save", n)
	}
	e.waitJS(`document.querySelectorAll('#span-list li').length === 0`)
	if n := len(e.annotations(art.ID)); n != 0 {
		t.Fatalf("store has %d annotations", n)
	}

	// 2. another tab stored the same span first: 409, nothing left over
	s, en := cpSpan(t, text, "contested claim")
	if _, err := e.store.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: art.ID, UserID: admin.ID, Label: "attributed_claim", Start: s, End: en}); err != nil {
		t.Fatal(err)
	}
	e.do(chromedp.Click(chromedp.CSS(`#status .alert-error button`)))
	e.selectText("contested claim", 0, 0)
	e.key("2")
	e.waitJS(`document.querySelector('#status .alert-error')`)
	if n := eval[int](e, `document.querySelectorAll('#article-text .hl').length`); n != 0 {
		t.Fatalf("%d highlights left after a 409", n)
	}
	if n := len(e.annotations(art.ID)); n != 1 {
		t.Fatalf("store has %d annotations, want the 1 from the other tab", n)
	}
	e.assertCSRF()
}

// TestOverlapEditDeleteUndo: nested spans are both visible; clicking the
// inner one opens it; its label changes; a note and a speaker are edited;
// a span is deleted and Ctrl+Z brings it back.
func TestOverlapEditDeleteUndo(t *testing.T) {
	e := newEnv(t)
	admin, pw := e.user("ed", models.RoleAdmin)
	text := "Yesterday the minister said the reckless plan will inevitably fail, critics warned."
	_, arts := e.project(models.ArticleIn{Title: "Overlaps", Text: text})
	art := arts[0]
	ctx := context.Background()
	mk := func(label, quote string) *models.AnnotationView {
		s, en := cpSpan(t, text, quote)
		a, err := e.store.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: art.ID, UserID: admin.ID, Label: label, Start: s, End: en})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	outer := mk("attributed_claim", "the minister said the reckless plan will inevitably fail")
	inner := mk("opinion", "reckless plan")

	e.login("ed", pw)
	e.openArticle(art.ID)
	e.waitJS(`document.querySelectorAll('#span-list li').length === 2`)
	// Both spans are drawn; the overlap carries two underlines.
	keys := eval[[][]any](e, `[...document.querySelectorAll('#article-text .hl')].map(n => window.slantAnnotate.view.keysAt(n))`)
	seen := map[string]bool{}
	maxKeys := 0
	for _, k := range keys {
		for _, id := range k {
			seen[fmt.Sprint(id)] = true
		}
		maxKeys = max(maxKeys, len(k))
	}
	if !seen[fmt.Sprint(outer.ID)] || !seen[fmt.Sprint(inner.ID)] || maxKeys != 2 {
		t.Fatalf("segments %v: want both spans drawn and overlapping", keys)
	}
	overlap := eval[string](e, `[...document.querySelectorAll('#article-text .hl.multi')].map(n => n.textContent).join('|')`)
	if overlap != "reckless plan" {
		t.Fatalf("overlap segments %q, want %q", overlap, "reckless plan")
	}
	if n := eval[int](e, `getComputedStyle(document.querySelector('#article-text .hl.multi')).backgroundImage.split('linear-gradient').length - 1`); n != 2 {
		t.Fatalf("overlap has %d underlines, want 2", n)
	}

	// Click the inner span with the mouse: its editor opens.
	a, b := e.textEnds("reckless plan")
	e.do(chromedp.MouseClickXY((a.X+b.X)/2, a.Y))
	e.waitJS(`document.querySelector('#editor .quote') && document.querySelector('#editor .quote').textContent === "reckless plan"`)
	e.do(chromedp.SetValue(chromedp.ID("ed-label"), "state_media_framing"), chromedp.Click(chromedp.ID("ed-save")))
	e.waitFor("the label change", func() bool {
		g, err := e.store.GetAnnotation(ctx, inner.ID)
		return err == nil && g.LabelKey == "state_media_framing"
	})
	// the page has handled the answer too (it re-opens the editor with the
	// saved span): only then may the next click go in, or the re-render
	// can replace the next editor's fields under the typing
	e.waitJS(`document.getElementById('ed-label') && document.getElementById('ed-label').value === "state_media_framing" &&
		document.querySelector('#editor .quote').textContent === "reckless plan"`)

	// Edit note and speaker of the outer span, opened from the side panel.
	e.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`#span-list button[data-key="%d"]`, outer.ID))))
	e.waitJS(`document.querySelector('#editor .quote') && document.querySelector('#editor .quote').textContent.startsWith("the minister")`)
	e.do(chromedp.SendKeys(chromedp.ID("ed-speaker"), "Minister Ivanova"),
		chromedp.SendKeys(chromedp.ID("ed-note"), "quoted, but framed as fact"),
		chromedp.Click(chromedp.ID("ed-save")))
	e.waitFor("note and speaker", func() bool {
		g, err := e.store.GetAnnotation(ctx, outer.ID)
		return err == nil && g.Note == "quoted, but framed as fact" && g.Attributes["speaker"] == "Minister Ivanova"
	})
	e.waitJS(`document.querySelector('#span-list').textContent.includes('Minister Ivanova')`)

	// Delete it, then undo the delete with Ctrl+Z: it comes back under its
	// id (restored from the history, links and all).
	e.waitJS(`document.getElementById('ed-delete')`)
	e.do(chromedp.Click(chromedp.ID("ed-delete")))
	e.waitFor("the delete", func() bool { return len(e.annotations(art.ID)) == 1 })
	e.waitJS(`document.querySelectorAll('#span-list li').length === 1 && !document.querySelector('#article-text .hl.multi')`)
	e.do(chromedp.Focus(chromedp.ID("article-text")))
	e.key("z", chromedp.ModifierCtrl)
	e.waitFor("the undo", func() bool { return len(e.annotations(art.ID)) == 2 })
	back := findQuote(e.annotations(art.ID), outer.Quote)
	if back == nil || back.ID != outer.ID || back.Start != outer.Start || back.End != outer.End || back.LabelKey != "attributed_claim" ||
		back.Note != "quoted, but framed as fact" || back.Attributes["speaker"] != "Minister Ivanova" {
		t.Fatalf("undo restored %+v", back)
	}
	e.waitJS(`document.querySelectorAll('#span-list li').length === 2 && document.querySelector('#article-text .hl.multi')`)
	e.assertCSRF()
}

// largeArticle stores a 20,000-word article (with emoji and accents)
// and nSpans overlapping spans by admin.
func largeArticle(e *env, admin *models.User, nSpans int) (models.Article, string) {
	var sb strings.Builder
	words := []string{"the", "government", "said", "reckless", "plan", "😀", "officials", "claimed", "économie", "will", "fail"}
	for i := 0; i < 20000; i++ {
		sb.WriteString(words[i%len(words)])
		if i%40 == 39 {
			sb.WriteString(".\n\n")
		} else {
			sb.WriteString(" ")
		}
	}
	text := sb.String() + "LASTWORD here."
	_, arts := e.project(models.ArticleIn{Title: "Long read", Text: text})
	art := arts[0]
	ctx := context.Background()
	n := utf8.RuneCountInString(text)
	labels := []string{"opinion", "attributed_claim", "state_media_framing"}
	for i := 0; i < nSpans; i++ {
		s := (i * (n - 200)) / nSpans
		if _, err := e.store.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: art.ID, UserID: admin.ID, Label: labels[i%3], Start: s, End: s + 20 + i%150}); err != nil {
			e.t.Fatal(err)
		}
	}
	return art, text
}

// TestLargeArticle opens a 20,000-word article with overlapping spans and
// checks that adding a span re-renders only the segments it touches.
// BenchmarkOpenLargeArticle measures the 1,000-span case.
func TestLargeArticle(t *testing.T) {
	e := newEnv(t)
	admin, pw := e.user("big", models.RoleAdmin)
	art, text := largeArticle(e, admin, 200)
	e.login("big", pw)
	e.openArticle(art.ID)
	e.waitJS(`document.querySelectorAll('#span-list li').length === 200`)
	ms := eval[int](e, `Number(document.getElementById('article-text').dataset.renderMs)`)
	t.Logf("20,000 words, 200 spans: fetched and drawn in %d ms (race detector on)", ms)

	eval[bool](e, `(document.getElementById('article-text').firstChild.__mark = true)`)
	e.selectText("LASTWORD", 0, 0)
	e.key("1")
	e.waitFor("the new span", func() bool { return len(e.annotations(art.ID)) == 201 })
	e.waitJS(`document.querySelectorAll('#span-list li').length === 201 && !document.querySelector('#article-text .pending')`)
	if !eval[bool](e, `document.getElementById('article-text').firstChild.__mark === true`) {
		t.Fatal("adding a span re-rendered the whole article")
	}
	if !eval[bool](e, `document.getElementById('article-text').textContent === `+js(text)) {
		t.Fatal("the rendered text differs from the stored text")
	}
}

// BenchmarkOpenLargeArticle opens a 20,000-word article with 1,000 spans
// and reports the time from the start of the span fetch to the drawn text
// (ms/open), and the time to add one span locally (ms/add, before the
// server answers).
func BenchmarkOpenLargeArticle(b *testing.B) {
	e := newEnv(b)
	admin, pw := e.user("bench", models.RoleAdmin)
	art, _ := largeArticle(e, admin, 1000)
	e.login("bench", pw)
	var total, add float64
	for i := 0; i < b.N; i++ {
		e.do(chromedp.Navigate(e.srv.URL + "/#/projects"))
		e.waitJS(`document.querySelector('.project-list')`)
		e.openArticle(art.ID)
		total += eval[float64](e, `Number(document.getElementById('article-text').dataset.renderMs)`)
		add += eval[float64](e, `(() => { const v = window.slantAnnotate.view; const t0 = performance.now();
		  v.set({ key: "bench", u0: 1000, u1: 1040, color: "#3b82c4" }); v.delete("bench"); return (performance.now() - t0) / 2; })()`)
	}
	b.ReportMetric(total/float64(b.N), "ms/open")
	b.ReportMetric(add/float64(b.N), "ms/add")
}
