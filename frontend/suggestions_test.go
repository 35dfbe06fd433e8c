package frontend_test

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"slant/models"
)

const suggestBrowserText = "«Prices will fall», the minister said.\n\n" +
	"\"We will win the vote,\" said Anna Berg.\n\n" +
	"\"Taxes will stay low next year,\" said Tom Reed."

type suggJSON struct {
	ID    int64  `json:"id"`
	Start int    `json:"start"`
	End   int    `json:"end"`
	Text  string `json:"text"`
	Rule  string `json:"rule"`
}

// apiSuggestions lists the logged-in user's pending suggestions.
func (e *env) apiSuggestions(articleID int64) []suggJSON {
	e.t.Helper()
	return eval[[]suggJSON](e, fmt.Sprintf(`fetch("/api/v1/articles/%d/suggestions").then(r => r.json()).then(j => j.items)`, articleID))
}

// dashed lists the ids of the suggestions drawn in the text.
func (e *env) dashed() []string {
	e.t.Helper()
	return eval[[]string](e, `[...new Set([...document.querySelectorAll('#article-text .hl.sugg')].flatMap((n) => n.dataset.sugg.split(',')))].sort()`)
}

// TestSuggestionsAcceptEditRejectByKeyboard: a manager runs the suggester
// from the project page (the answer's counts are shown); an annotator of
// the (blind) project sees three dashed suggestions, drawn with the text,
// none of them an own span; Tab focuses the first and A accepts it (the
// API then lists her claim, source and cue and the two links); E, Alt+Shift+←
// and Enter accept the second with an end one character earlier; X
// rejects the third, which stays gone after a reload; Ctrl+Z deletes the
// spans of the last accept, and the suggestion is not offered again (the
// server keeps the decision). A second annotator still sees all three,
// and the page's readout counts the decisions per rule.
func TestSuggestionsAcceptEditRejectByKeyboard(t *testing.T) {
	e := newEnv(t)
	p, arts := e.project(models.ArticleIn{Title: "Quotes", Text: suggestBrowserText})
	art := arts[0]
	ctx := context.Background()
	mgr, mgrPW := e.user("mona", models.RoleAnnotator)
	if _, _, err := e.store.SetMember(ctx, p.ID, mgr.ID, models.MemberManager); err != nil {
		t.Fatal(err)
	}
	ann, annPW := e.user("ann", models.RoleAnnotator)
	_, bobPW := e.user("bob", models.RoleAnnotator)
	if _, err := e.store.UpdateProject(ctx, p.ID, func(p *models.Project) error { p.Blind = true; return nil }); err != nil {
		t.Fatal(err)
	}

	// the manager runs the suggester from the project page
	e.login("mona", mgrPW)
	e.open(fmt.Sprintf("#/projects/%d", p.ID), `document.getElementById('suggest-run')`)
	e.do(chromedp.Click(chromedp.ID("suggest-run")))
	e.waitJS(`/Suggested 3 new claims in 1 article/.test(document.getElementById('suggest-result').textContent)`)
	e.waitJS(`/accepted 0 of 3/.test(document.getElementById('suggest-stats').textContent)`)
	e.logout()

	// an annotator sees them dashed, drawn in the text's first pass
	e.login("ann", annPW)
	e.openArticle(art.ID)
	pending := e.apiSuggestions(art.ID)
	if len(pending) != 3 {
		t.Fatalf("pending for ann: %+v", pending)
	}
	sort.Slice(pending, func(i, j int) bool { return pending[i].Start < pending[j].Start })
	if got := e.dashed(); len(got) != 3 {
		t.Fatalf("dashed suggestions after the first drawing: %v", got)
	}
	if late := eval[bool](e, `"suggestionsLate" in document.getElementById('article-text').dataset`); late {
		t.Fatal("the suggestions were drawn after the text, in a second pass")
	}
	if n := eval[int](e, `document.querySelectorAll('#span-list li').length`); n != 0 {
		t.Fatalf("suggestions listed as own spans: %d", n)
	}
	title := eval[string](e, `document.querySelector('#article-text .hl.sugg').title`)
	// (the confidence itself is checked by the API's tests)
	if !regexp.MustCompile(`^Suggested by rule quotes \(confidence \d\.\d\d\)`).MatchString(title) {
		t.Fatalf("tooltip: %q", title)
	}

	// Tab focuses the first, A accepts it
	e.do(chromedp.Focus(chromedp.ID("article-text")))
	e.key(kb.Tab)
	e.waitJS(fmt.Sprintf(`document.querySelector('#article-text .hl.sg-focus[data-sugg="%d"]')`, pending[0].ID))
	e.waitJS(`/Suggestion 1 of 3/.test(document.getElementById('sugg-status').textContent)`)
	e.key("a")
	e.waitJS(`/Accepted/.test(document.getElementById('sugg-status').textContent)`)
	e.waitJS(`document.getElementById('article-text').dataset.suggestions === "2"`)
	e.waitJS(`document.querySelectorAll('#span-list li').length === 3`)
	mine := func() map[string]string {
		out := map[string]string{}
		for _, a := range e.annotations(art.ID) {
			if a.AnnotatorName == ann.Name {
				out[a.LabelKey] = a.Quote
			}
		}
		return out
	}
	if got := mine(); got["attributed_claim"] != "Prices will fall" || got["source"] != "the minister" || got["cue"] != "said" || len(got) != 3 {
		t.Fatalf("ann's spans after accept: %v", got)
	}
	types := map[string]bool{}
	for _, r := range e.apiRelations(art.ID) {
		types[r.Type] = true
	}
	if !types["said_by"] || !types["cue_of"] {
		t.Fatalf("links after accept: %v", types)
	}
	// the links show as numbers after the spans
	e.waitJS(`document.querySelectorAll('#article-text .hl[data-rel]').length >= 3`)

	// E, the end one character earlier, Enter: accepted with that end
	e.key(kb.Tab)
	e.waitJS(fmt.Sprintf(`document.querySelector('#article-text .hl.sg-focus[data-sugg="%d"]')`, pending[1].ID))
	e.key("e")
	e.waitJS(`document.getElementById('sg-end-left')`)
	e.key(kb.ArrowLeft, chromedp.ModifierAlt, chromedp.ModifierShift)
	e.waitJS(`/We will win the vote”/.test(document.querySelector('#sugg-panel .sugg-quote').textContent)`)
	e.key(kb.Enter)
	e.waitJS(`document.getElementById('article-text').dataset.suggestions === "1"`)
	e.waitFor("the edited claim", func() bool {
		for _, a := range e.annotations(art.ID) {
			if a.AnnotatorName == ann.Name && a.LabelKey == "attributed_claim" && a.Quote == "We will win the vote" {
				return true
			}
		}
		return false
	})

	// X rejects the third: gone, and still gone after a reload
	e.key(kb.Tab)
	e.waitJS(fmt.Sprintf(`document.querySelector('#article-text .hl.sg-focus[data-sugg="%d"]')`, pending[2].ID))
	e.key("x")
	e.waitJS(`document.getElementById('article-text').dataset.suggestions === "0"`)
	if got := e.dashed(); len(got) != 0 {
		t.Fatalf("dashed after reject: %v", got)
	}
	e.do(chromedp.Reload())
	e.waitJS(`document.querySelector('#article-text[data-ready="1"]')`)
	if got := e.dashed(); len(got) != 0 {
		t.Fatalf("dashed after reload: %v", got)
	}
	if got := e.apiSuggestions(art.ID); len(got) != 0 {
		t.Fatalf("pending after reload: %+v", got)
	}
	e.logout()

	// blind project: another annotator still has all three
	e.login("bob", bobPW)
	e.openArticle(art.ID)
	if got := e.dashed(); len(got) != 3 {
		t.Fatalf("bob's dashed suggestions: %v", got)
	}
	e.open(fmt.Sprintf("#/projects/%d", p.ID), `/accepted 2 of 3 \(rejected 1\)/.test((document.getElementById('suggest-stats') || {}).textContent || "")`)
}

// TestSuggestionsClickAndUndo: a click on a suggestion opens its panel,
// Accept there copies it, Ctrl+Z deletes the copy, and the page says
// that the suggestion is not offered again (it is not, after a reload).
func TestSuggestionsClickAndUndo(t *testing.T) {
	e := newEnv(t)
	p, arts := e.project(models.ArticleIn{Title: "Quotes", Text: suggestBrowserText})
	art := arts[0]
	mia, pw := e.user("mia", models.RoleAnnotator)
	runSuggester(t, e, p.ID)

	e.login("mia", pw)
	e.openArticle(art.ID)
	e.clickText("Prices will fall")
	e.waitJS(`document.getElementById('sg-accept') && /Prices will fall/.test(document.getElementById('sugg-panel').textContent)`)
	e.do(chromedp.Click(chromedp.ID("sg-accept")))
	e.waitJS(`document.getElementById('article-text').dataset.suggestions === "2"`)
	e.waitJS(`document.querySelectorAll('#span-list li').length === 3`)
	e.do(chromedp.Focus(chromedp.ID("article-text")))
	e.key("z", chromedp.ModifierCtrl)
	e.waitJS(`document.querySelectorAll('#span-list li').length === 0`)
	e.waitJS(`/not offered again/.test(document.getElementById('sugg-status').textContent)`)
	for _, a := range e.annotations(art.ID) {
		if a.AnnotatorName == mia.Name {
			t.Fatalf("a span of the undone accept is left: %+v", a)
		}
	}
	e.do(chromedp.Reload())
	e.waitJS(`document.querySelector('#article-text[data-ready="1"]')`)
	if got := e.dashed(); len(got) != 2 {
		t.Fatalf("after the undone accept: %v", got)
	}
}

// runSuggester has an admin run the suggester from the project page.
func runSuggester(t *testing.T, e *env, projectID int64) {
	t.Helper()
	_, pw := e.user("root", models.RoleAdmin)
	e.login("root", pw)
	e.open(fmt.Sprintf("#/projects/%d", projectID), `document.getElementById('suggest-run')`)
	e.do(chromedp.Click(chromedp.ID("suggest-run")))
	e.waitJS(`/Suggested 3 new/.test(document.getElementById('suggest-result').textContent)`)
	e.logout()
}

// TestSuggestionsLeaveTabToLinkModeAndForms: with suggestions pending,
// Tab in link mode still picks the link's target, and Tab in the span
// editor's note still moves to the next control; neither focuses a
// suggestion.
func TestSuggestionsLeaveTabToLinkModeAndForms(t *testing.T) {
	e := newEnv(t)
	text := suggestBrowserText + "\n\nThe mayor and the governor met in Paris."
	p, arts := e.project(models.ArticleIn{Title: "Quotes", Text: text})
	art := arts[0]
	mia, pw := e.user("mia", models.RoleAnnotator)
	e.span(t, mia, art, "source", "The mayor")
	e.span(t, mia, art, "source", "the governor")
	e.span(t, mia, art, "attributed_claim", "met in Paris")
	runSuggester(t, e, p.ID)

	e.login("mia", pw)
	e.openArticle(art.ID)
	e.waitJS(`document.getElementById('article-text').dataset.suggestions === "3"`)
	e.clickText("met in Paris")
	e.waitJS(`document.getElementById('ed-quote') && document.getElementById('ed-quote').textContent === "met in Paris"`)
	e.do(chromedp.Focus(chromedp.ID("article-text")))
	e.key("r")
	e.waitJS(`!document.getElementById('link-bar').hidden`)
	target := `[...document.querySelectorAll('#article-text .hl.link-target')].map(n => n.textContent).join('')`
	first := eval[string](e, target)
	e.key(kb.Tab)
	e.waitJS(target + ` !== ` + js(first) + ` && ` + target + ` !== ""`)
	if n := eval[int](e, `document.querySelectorAll('#article-text .sg-focus').length`); n != 0 {
		t.Fatalf("Tab in link mode focused a suggestion (%d segments)", n)
	}
	e.key(kb.Escape)
	e.waitJS(`document.getElementById('link-bar').hidden`)

	e.do(chromedp.Focus(chromedp.ID("ed-note")))
	e.key(kb.Tab)
	e.waitJS(`document.activeElement && document.activeElement.id !== 'ed-note' && document.activeElement.id !== 'article-text'`)
	if n := eval[int](e, `document.querySelectorAll('#article-text .sg-focus').length`); n != 0 {
		t.Fatalf("Tab in the note focused a suggestion (%d segments)", n)
	}
}

// A run over many articles shows its progress while it goes (the NDJSON
// stream: a line per 200 articles), then the summary.
func TestSuggestionRunShowsProgress(t *testing.T) {
	e := newEnv(t)
	arts := make([]models.ArticleIn, 450)
	for i := range arts {
		arts[i] = models.ArticleIn{Title: fmt.Sprintf("Quote %d", i), Text: fmt.Sprintf("\"Number %d will rise,\" said Tom Reed.", i)}
	}
	p, _ := e.project(arts...)
	_, pw := e.user("root", models.RoleAdmin)
	e.login("root", pw)
	e.open(fmt.Sprintf("#/projects/%d", p.ID), `document.getElementById('suggest-run')`)
	// every text the status line shows, in order
	eval[bool](e, `(() => {
		const el = document.getElementById('suggest-result');
		window.__seen = [];
		new MutationObserver(() => window.__seen.push(el.textContent)).observe(el, { childList: true, characterData: true, subtree: true });
		return true;
	})()`)
	e.do(chromedp.Click(chromedp.ID("suggest-run")))
	e.waitJS(`/Suggested 450 new claims in 450 articles/.test(document.getElementById('suggest-result').textContent)`)
	seen := eval[[]string](e, `window.__seen`)
	var progress []string
	for _, s := range seen {
		if strings.Contains(s, " of 450 articles") {
			progress = append(progress, s)
		}
	}
	if len(progress) < 2 || !strings.Contains(progress[0], "200 of 450 articles, 200 new claims so far") {
		t.Fatalf("status texts during the run: %q; want progress lines (200 of 450, then 400 of 450)", seen)
	}
}
