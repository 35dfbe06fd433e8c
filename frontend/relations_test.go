package frontend_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"slant/models"
)

const relationText = "The minister said that the plan will inevitably fail, according to Ivan Petrov.\n\n" +
	"Analysts claimed that prices would rise, a ministry spokesman told reporters."

// span stores a span of user u over the first occurrence of needle.
func (e *env) span(t *testing.T, u *models.User, art models.Article, label, needle string) int64 {
	t.Helper()
	s, end := cpSpan(t, art.Text, needle)
	a, err := e.store.CreateAnnotation(context.Background(), models.AnnotationIn{ArticleID: art.ID, UserID: u.ID, Label: label, Start: s, End: end})
	if err != nil {
		t.Fatalf("span %q: %v", needle, err)
	}
	return a.ID
}

// clickText clicks the middle of the first occurrence of needle in the
// article text with real mouse events.
func (e *env) clickText(needle string) {
	e.t.Helper()
	r := eval[[]float64](e, `(() => {
	  const root = document.getElementById("article-text");
	  const u0 = root.textContent.indexOf(`+js(needle)+`);
	  if (u0 < 0) return [];
	  return `+charRectJS+`(u0, u0 + `+js(needle)+`.length);
	})()`)
	if len(r) != 4 {
		e.t.Fatalf("%q is not in the text", needle)
	}
	x, y := (r[0]+r[2])/2, (r[1]+r[3])/2
	e.do(chromedp.MouseClickXY(x, y))
}

type relJSON struct {
	ID   int64  `json:"id"`
	Type string `json:"type"`
	From int64  `json:"from"`
	To   int64  `json:"to"`
}

// apiRelations lists an article's relations through the API, as the
// logged-in browser sees them.
func (e *env) apiRelations(articleID int64) []relJSON {
	e.t.Helper()
	return eval[[]relJSON](e, fmt.Sprintf(`fetch("/api/v1/articles/%d/relations").then(r => r.json()).then(j => j.items)`, articleID))
}

// TestRelationLinkByKeyboardAndMouse links a claim to its source with
// the keyboard (J to the claim, R, Tab cycles the sources, Enter links)
// and another with the mouse (a click on the claim, R, a click on the
// source), checks the pairing numbers and the editor's "said by" line,
// and deletes the sources: their markers go, and the API lists nothing.
func TestRelationLinkByKeyboardAndMouse(t *testing.T) {
	e := newEnv(t)
	_, arts := e.project(models.ArticleIn{Title: "Claims", Text: relationText})
	art := arts[0]
	mia, pw := e.user("mia", models.RoleAnnotator)
	cue := e.span(t, mia, art, "cue", "said")
	claim1 := e.span(t, mia, art, "attributed_claim", "the plan will inevitably fail")
	src1 := e.span(t, mia, art, "source", "Ivan Petrov")
	claim2 := e.span(t, mia, art, "attributed_claim", "prices would rise")
	src2 := e.span(t, mia, art, "source", "a ministry spokesman")
	_ = cue

	e.login("mia", pw)
	e.openArticle(art.ID)
	e.waitJS(`document.getElementById('article-text').dataset.relations`)
	eval[bool](e, `(window.__para = document.querySelector('#article-text .para'), true)`)

	// Keyboard: J twice reaches the claim (after the cue), R starts link
	// mode on the first source after it, Tab cycles to the other and back.
	eval[bool](e, `(document.getElementById('article-text').focus(), true)`)
	e.key("j")
	e.key("j")
	e.waitJS(`document.getElementById('ed-quote') && document.getElementById('ed-quote').textContent === "the plan will inevitably fail"`)
	e.key("r")
	e.waitJS(`!document.getElementById('link-bar').hidden`)
	target := `[...document.querySelectorAll('#article-text .hl.link-target')].map(n => n.textContent).join('')`
	e.waitJS(target + ` === "Ivan Petrov"`)
	if n := eval[int](e, `document.querySelectorAll('#article-text .hl.link-cand').length`); n != 2 {
		t.Errorf("%d candidate segments outlined, want the 2 sources", n)
	}
	e.key(kb.Tab)
	e.waitJS(target + ` === "a ministry spokesman"`)
	e.key(kb.ArrowLeft)
	e.waitJS(target + ` === "Ivan Petrov"`)
	// the link redraws the segments of its two spans (both in the first
	// paragraph) and nothing else
	eval[bool](e, `(() => {
	  const root = document.getElementById('article-text'), paras = [...root.children];
	  window.__touched = new Set();
	  window.__note = (ms) => { for (const m of ms) window.__touched.add(m.target === root ? -1 : paras.findIndex(p => p.contains(m.target))); };
	  window.__obs = new MutationObserver(window.__note);
	  window.__obs.observe(root, { childList: true, subtree: true });
	  return true;
	})()`)
	e.key(kb.Enter)
	e.waitJS(`document.getElementById('link-bar').hidden`)
	e.waitJS(`document.querySelectorAll('#article-text .hl[data-rel]').length === 2`)
	if got := eval[[]int](e, `(window.__note(window.__obs.takeRecords()), window.__obs.disconnect(), [...window.__touched].sort())`); len(got) != 1 || got[0] != 0 {
		t.Errorf("linking touched paragraphs %v, want only [0]", got)
	}
	e.waitJS(`[...document.querySelectorAll('#article-text .hl[data-rel]')].map(n => n.textContent + '=' + n.dataset.rel).join('|') === "the plan will inevitably fail=1|Ivan Petrov=1"`)
	rs := e.apiRelations(art.ID)
	if len(rs) != 1 || rs[0].Type != "said_by" || rs[0].From != claim1 || rs[0].To != src1 {
		t.Fatalf("relations after the keyboard link: %+v, want said_by %d -> %d", rs, claim1, src1)
	}
	// the editor says who said it, and leads there
	e.waitJS(`document.getElementById('ed-relations').textContent.includes('said by: “Ivan Petrov”')`)
	e.do(chromedp.Click(chromedp.CSS(`#ed-relations .rel-other`)))
	e.waitJS(`document.getElementById('ed-quote').textContent === "Ivan Petrov" && document.getElementById('ed-relations').textContent.includes('← said by: “the plan will inevitably fail”')`)
	e.key(kb.Escape)
	e.waitJS(`!document.getElementById('editor')`)

	// Mouse: a click opens the claim, R, a click on its source links.
	e.clickText("prices would rise")
	e.waitJS(`document.getElementById('ed-quote') && document.getElementById('ed-quote').textContent === "prices would rise"`)
	e.key("r")
	e.waitJS(target + ` === "a ministry spokesman"`)
	e.key(kb.Tab) // the keyboard and the mouse mix: the click decides
	e.clickText("a ministry spokesman")
	e.waitJS(`document.getElementById('link-bar').hidden && document.querySelectorAll('#article-text .hl[data-rel="2"]').length === 2`)
	rs = e.apiRelations(art.ID)
	if len(rs) != 2 || rs[1].From != claim2 || rs[1].To != src2 {
		t.Fatalf("relations after the mouse link: %+v, want a second said_by %d -> %d", rs, claim2, src2)
	}
	// Esc leaves link mode without linking; the editor stays
	e.key("r")
	e.waitJS(`!document.getElementById('link-bar').hidden`)
	e.key(kb.Escape)
	e.waitJS(`document.getElementById('link-bar').hidden && document.getElementById('editor')`)
	if n := len(e.apiRelations(art.ID)); n != 2 {
		t.Fatalf("Esc made a link: %d relations", n)
	}
	// linking redrew the spans' segments, never the article
	if !eval[bool](e, `window.__para.isConnected`) {
		t.Error("a paragraph element was replaced: linking re-rendered the article")
	}

	// Deleting a source takes its link and its numbers with it.
	e.key(kb.Escape)
	e.clickText("Ivan Petrov")
	e.waitJS(`document.getElementById('ed-quote') && document.getElementById('ed-quote').textContent === "Ivan Petrov"`)
	e.do(chromedp.Click(chromedp.CSS(`#ed-delete`)))
	e.waitJS(`document.querySelectorAll('#article-text .hl[data-rel="1"]').length === 0 && document.querySelectorAll('#article-text .hl[data-rel]').length === 2`)
	e.clickText("a ministry spokesman")
	e.waitJS(`document.getElementById('ed-quote') && document.getElementById('ed-quote').textContent === "a ministry spokesman"`)
	e.do(chromedp.Click(chromedp.CSS(`#ed-delete`)))
	e.waitJS(`document.querySelectorAll('#article-text .hl[data-rel]').length === 0`)
	if rs := e.apiRelations(art.ID); len(rs) != 0 {
		t.Fatalf("relations after deleting both sources: %+v", rs)
	}
	e.assertCSRF()
}

// TestRelationRefusedToOthers: a colleague's span shown with "all
// annotators" cannot be linked (R says why, no link mode).
func TestRelationRefusedToOthers(t *testing.T) {
	e := newEnv(t)
	_, arts := e.project(models.ArticleIn{Title: "Claims", Text: relationText})
	art := arts[0]
	ana, _ := e.user("ana", models.RoleAnnotator)
	_, pw := e.user("mia", models.RoleAnnotator)
	e.span(t, ana, art, "attributed_claim", "the plan will inevitably fail")
	e.span(t, ana, art, "source", "Ivan Petrov")
	e.login("mia", pw)
	e.openArticle(art.ID)
	e.do(chromedp.Click(chromedp.CSS(`#show-all`)))
	e.waitJS(`document.querySelectorAll('#span-list li').length === 2`)
	e.clickText("the plan will inevitably fail")
	e.waitJS(`document.getElementById('ed-quote') && document.getElementById('ed-quote').textContent === "the plan will inevitably fail"`)
	if eval[bool](e, `!!document.getElementById('ed-link')`) {
		t.Error("a colleague's span offers Link…")
	}
	e.key("r")
	e.waitJS(`(document.getElementById('toast') || {}).textContent && document.getElementById('toast').textContent.includes('Only the span')`)
	if !eval[bool](e, `document.getElementById('link-bar').hidden`) {
		t.Error("link mode started on a colleague's span")
	}
}

type docLabelJSON struct {
	Group, Option, Annotator string
}

func (e *env) apiDocLabels(articleID int64, who string) map[string][]string {
	e.t.Helper()
	items := eval[[]docLabelJSON](e, fmt.Sprintf(`fetch("/api/v1/articles/%d/document-labels?annotator=%s").then(r => r.json()).then(j => j.items)`, articleID, who))
	out := map[string][]string{}
	for _, it := range items {
		out[it.Group] = append(out[it.Group], it.Option)
	}
	return out
}

// TestArticleLabelHotkeyAndClick chooses an article's genre by hotkey, by
// the G chord (N is "next article", so news is G then N) and by click,
// and topics (multiple choice; 2 is a span label's key, so G then 2):
// each choice is stored at once, and the page shows them after a reload.
func TestArticleLabelHotkeyAndClick(t *testing.T) {
	e := newEnv(t)
	p, arts := e.project(models.ArticleIn{Title: "Genre", Text: relationText})
	art := arts[0]
	ctx := context.Background()
	for _, g := range []*models.DocLabelGroup{
		{ProjectID: p.ID, Key: "genre", Name: "Genre", Options: []models.DocLabelOption{{Key: "news", Name: "News", Hotkey: "n"}, {Key: "opinion", Name: "Opinion", Hotkey: "o"}, {Key: "analysis", Name: "Analysis", Hotkey: "a"}}},
		{ProjectID: p.ID, Key: "topics", Name: "Topics", Multiple: true, Options: []models.DocLabelOption{{Key: "economy", Name: "Economy", Hotkey: "e"}, {Key: "war", Name: "War", Hotkey: "2"}, {Key: "religion", Name: "Religion", Hotkey: "r"}}},
	} {
		if err := e.store.SaveDocLabelGroup(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	mia, pw := e.user("mia", models.RoleAnnotator)
	e.login("mia", pw)
	e.openArticle(art.ID)
	e.waitJS(`document.querySelector('#doclabels[data-ready="1"]')`)
	opt := func(o string) string { return `document.querySelector('#doclabels [data-option="` + o + `"]')` }
	if got := eval[string](e, `[...document.querySelectorAll('#doclabels .doc-opt kbd')].map(k => k.textContent).join(' ')`); got != "g n o a e g 2 g r" {
		t.Errorf("hotkeys shown %q, want news on the chord g n, war on g 2, religion on g r", got)
	}
	if got := eval[string](e, `document.querySelector('#doclabels [data-group="genre"] [role=radiogroup]').getAttribute('aria-labelledby')`); got == "" {
		t.Error("the genre group is no labelled radiogroup")
	}
	settled := func(o, attr string) string {
		return opt(o) + `.getAttribute('` + attr + `') === 'true' && !` + opt(o) + `.classList.contains('pending')`
	}

	eval[bool](e, `(document.getElementById('article-text').focus(), true)`)
	e.key("o")
	e.waitJS(settled("opinion", "aria-checked"))
	if got := e.apiDocLabels(art.ID, "mia"); strings.Join(got["genre"], ",") != "opinion" {
		t.Fatalf("after O: %v", got)
	}
	e.key("g")
	e.key("n")
	e.waitJS(settled("news", "aria-checked") + ` && ` + opt("opinion") + `.getAttribute('aria-checked') === 'false'`)
	if got := e.apiDocLabels(art.ID, "mia"); strings.Join(got["genre"], ",") != "news" {
		t.Fatalf("after G N: %v (single choice keeps one)", got)
	}
	e.do(chromedp.Click(chromedp.CSS(`#doclabels [data-option="analysis"]`)))
	e.waitJS(settled("analysis", "aria-checked"))
	if got := e.apiDocLabels(art.ID, "mia"); strings.Join(got["genre"], ",") != "analysis" {
		t.Fatalf("after a click on Analysis: %v", got)
	}
	// multiple choice: E, then G 2 (no span is created by the 2), G R
	// (with a span focused: the chord goes before R's link mode)
	e.span(t, mia, art, "attributed_claim", "prices would rise")
	e.reload()
	e.waitJS(`document.querySelector('#doclabels[data-ready="1"]') && ` + opt("analysis") + `.getAttribute('aria-checked') === 'true'`)
	e.clickText("prices would rise")
	e.waitJS(`document.getElementById('editor')`)
	e.key("e")
	e.key("g")
	e.key("2")
	e.key("g")
	e.key("r")
	e.waitJS(settled("economy", "aria-pressed") + ` && ` + settled("war", "aria-pressed") + ` && ` + settled("religion", "aria-pressed"))
	if !eval[bool](e, `document.getElementById('link-bar').hidden`) {
		t.Error("G R started link mode")
	}
	got := e.apiDocLabels(art.ID, "mia")
	sort.Strings(got["topics"])
	if strings.Join(got["topics"], ",") != "economy,religion,war" {
		t.Fatalf("topics: %v", got)
	}
	if n := len(e.annotations(art.ID)); n != 1 {
		t.Errorf("the chord's 2 created %d spans", n-1)
	}
	// a second click on the chosen genre clears it
	e.do(chromedp.Click(chromedp.CSS(`#doclabels [data-option="analysis"]`)))
	e.waitJS(opt("analysis") + `.getAttribute('aria-checked') === 'false' && !` + opt("analysis") + `.classList.contains('pending')`)
	if got := e.apiDocLabels(art.ID, "mia"); len(got["genre"]) != 0 {
		t.Fatalf("genre after clearing: %v", got)
	}
	// the location did not change (N is next article; G N is not)
	if h := eval[string](e, `location.hash`); h != fmt.Sprintf("#/articles/%d", art.ID) {
		t.Errorf("the page moved to %s", h)
	}
	e.reload()
	e.waitJS(opt("economy") + `.getAttribute('aria-pressed') === 'true' && ` + opt("war") + `.getAttribute('aria-pressed') === 'true' && ` + opt("news") + `.getAttribute('aria-checked') === 'false'`)
	e.assertCSRF()
}

// TestRelationTypeOnLabelsPage: a manager adds a relation type and an
// article label group on the Labels page (a repeated key is refused in
// the form), then links a claim to a source in the annotate view, where
// two types now fit and a chooser asks (keys 1 and 2).
func TestRelationTypeOnLabelsPage(t *testing.T) {
	e := newEnv(t)
	p, arts := e.project(models.ArticleIn{Title: "Claims", Text: relationText})
	art := arts[0]
	mgr, pw := e.user("maya", models.RoleAnnotator)
	if _, _, err := e.store.SetMember(context.Background(), p.ID, mgr.ID, models.MemberManager); err != nil {
		t.Fatal(err)
	}
	claim := e.span(t, mgr, art, "attributed_claim", "the plan will inevitably fail")
	src := e.span(t, mgr, art, "source", "Ivan Petrov")

	e.login("maya", pw)
	e.open(fmt.Sprintf("#/projects/%d/settings", p.ID), `document.querySelector('#relation-types form.new')`)
	if n := eval[int](e, `document.querySelectorAll('#relation-types form.rel-type-row:not(.new)').length`); n != 2 {
		t.Errorf("%d relation types listed, want the 2 defaults", n)
	}
	fill := func(sel, v string) {
		e.do(chromedp.SetValue(chromedp.CSS(`#relation-types form.new `+sel), v))
	}
	addType := func() {
		fill(`input[id^=rt-key]`, "quoted_from")
		fill(`input[id^=rt-name]`, "quoted from")
		fill(`select[id^=rt-from]`, "attributed_claim")
		fill(`select[id^=rt-to]`, "source")
		e.do(chromedp.Click(chromedp.CSS(`#relation-types form.new button[type=submit]`)))
	}
	addType()
	e.waitJS(`document.querySelector('#relation-types form[data-key="quoted_from"]')`)
	pr := eval[map[string]any](e, fmt.Sprintf(`fetch("/api/v1/projects/%d").then(r => r.json())`, p.ID))
	found := false
	for _, x := range pr["relation_types"].([]any) {
		m := x.(map[string]any)
		if m["key"] == "quoted_from" && m["from_label"] == "attributed_claim" && m["to_label"] == "source" && m["name"] == "quoted from" {
			found = true
		}
	}
	if !found {
		t.Fatalf("relation_types after the form: %v", pr["relation_types"])
	}
	addType() // the same key again: the API's refusal shows in the form
	e.waitJS(`document.querySelector('#relation-types form.new .field-error, #relation-types form.new .alert-error') && [...document.querySelectorAll('#relation-types form.new .field-error, #relation-types form.new .alert-error')].some(n => n.textContent.trim())`)

	// an article label group from its form
	e.do(chromedp.SetValue(chromedp.CSS(`#doc-label-groups form.new input[id^=dl-key]`), "genre"),
		chromedp.SetValue(chromedp.CSS(`#doc-label-groups form.new input[id^=dl-name]`), "Genre"),
		chromedp.SetValue(chromedp.CSS(`#doc-label-groups form.new textarea`), "news | News | w\nopinion | Opinion | o"),
		chromedp.Click(chromedp.CSS(`#doc-label-groups form.new button[type=submit]`)))
	e.waitJS(`document.querySelector('#doc-label-groups form[data-key="genre"]')`)
	gs, err := e.store.ListDocLabelGroups(context.Background(), p.ID)
	if err != nil || len(gs) != 1 || gs[0].Multiple || len(gs[0].Options) != 2 || gs[0].Options[0].Hotkey != "w" {
		t.Fatalf("groups after the form: %+v %v", gs, err)
	}

	// two types fit claim -> source: the chooser asks
	e.openArticle(art.ID)
	e.clickText("the plan will inevitably fail")
	e.waitJS(`document.getElementById('ed-link')`)
	e.do(chromedp.Click(chromedp.CSS(`#ed-link`)))
	e.waitJS(`!document.getElementById('link-bar').hidden`)
	e.key(kb.Enter)
	e.waitJS(`document.querySelectorAll('#link-chooser button').length === 2`)
	n := eval[int](e, `[...document.querySelectorAll('#link-chooser button')].findIndex(b => b.dataset.type === 'quoted_from') + 1`)
	e.key(fmt.Sprint(n))
	e.waitJS(`document.getElementById('link-bar').hidden && document.querySelectorAll('#article-text .hl[data-rel]').length === 2`)
	rs := e.apiRelations(art.ID)
	if len(rs) != 1 || rs[0].Type != "quoted_from" || rs[0].From != claim || rs[0].To != src {
		t.Fatalf("relations: %+v, want quoted_from %d -> %d", rs, claim, src)
	}
	// and the genre row is above the text
	e.waitJS(`document.querySelector('#doclabels [data-option="news"] kbd').textContent === 'w'`)
	e.assertCSRF()
}

// reload reloads the page and waits for the annotate view's spans and
// article labels.
func (e *env) reload() {
	e.t.Helper()
	e.do(chromedp.Reload())
	e.waitJS(`document.querySelector('#article-text[data-ready="1"]') && document.querySelector('#doclabels[data-ready="1"]')`)
}
