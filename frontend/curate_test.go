package frontend_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"slant/models"
)

// curateText starts with an astral character, so code points (the API's
// offsets) and UTF-16 (the browser's) differ by one from there on.
const curateText = "🌉 Officials said the bridge reopens on Monday. Critics call the plan naive. Residents are tired of the endless delays."

// cpOf returns the code-point offsets of the first occurrence of needle.
func cpOf(t *testing.T, text, needle string) (int, int) {
	t.Helper()
	i := strings.Index(text, needle)
	if i < 0 {
		t.Fatalf("%q not in the text", needle)
	}
	s := utf8.RuneCountInString(text[:i])
	return s, s + utf8.RuneCountInString(needle)
}

type curateFixture struct {
	e       *env
	project *models.Project
	arts    []models.Article
	anaPW   string
	catoPW  string
	ids     map[string]int64 // "user label needle" -> span id
}

// newCurateFixture: ana and ben annotate, cato curates. In the first
// article they agree on the attributed claim, differ on the label of
// "naive", only ana marks "tired", and they differ on the boundaries of
// "the endless delays". In the second article they agree on one span.
func newCurateFixture(t *testing.T) *curateFixture {
	e := newEnv(t)
	ctx := context.Background()
	f := &curateFixture{e: e, ids: map[string]int64{}}
	_, f.anaPW = e.user("ana", models.RoleAnnotator)
	e.user("ben", models.RoleAnnotator)
	cato, catoPW := e.user("cato", models.RoleAnnotator)
	f.catoPW = catoPW
	f.project, f.arts = e.project(models.ArticleIn{Title: `Bridge <img src=x onerror="window.__pwned=1">`, Text: curateText},
		models.ArticleIn{Title: "Ferry", Text: "The ferry will be late again, the operator said."})
	if _, _, err := e.store.SetMember(ctx, f.project.ID, cato.ID, models.MemberCurator); err != nil {
		t.Fatal(err)
	}
	mk := func(art int, user, label, needle string) {
		t.Helper()
		u, err := e.store.UserByName(ctx, user)
		if err != nil {
			t.Fatal(err)
		}
		text := curateText
		if art == 1 {
			text = f.arts[1].Text
		}
		s, en := cpOf(t, text, needle)
		a, err := e.store.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: f.arts[art].ID, UserID: u.ID, Label: label, Start: s, End: en})
		if err != nil {
			t.Fatal(err)
		}
		f.ids[user+" "+label+" "+needle] = a.ID
	}
	mk(0, "ana", "attributed_claim", "Officials said the bridge reopens on Monday")
	mk(0, "ben", "attributed_claim", "Officials said the bridge reopens on Monday")
	mk(0, "ana", "opinion", "naive")
	mk(0, "ben", "state_media_framing", "naive")
	mk(0, "ana", "opinion", "tired")
	mk(0, "ana", "opinion", "endless delays")
	mk(0, "ben", "opinion", "the endless delays")
	mk(1, "ana", "attributed_claim", "the operator said")
	mk(1, "ben", "attributed_claim", "the operator said")
	return f
}

// focused is the kind of the focused passage card.
func (e *env) focusedKind() string {
	return eval[string](e, `(document.querySelector('#cur-passages .cur-passage.focused') || {dataset: {}}).dataset.kind || ''`)
}

// TestCurationViewKeyboard: a curator reaches the curation view from the
// annotate view, sees one lane per annotator and a gold lane per passage,
// and settles the article with the keyboard and the header buttons:
// accept all agreed (counted first), accept ben's label (2), reject a lone
// span (x), accept with other boundaries (e, ] ] ] ], Enter), undo (u),
// accept ana's (1), and the whole project's agreed spans. The gold export
// then holds each decision, decided by cato, with the source spans'
// annotators in its provenance.
func TestCurationViewKeyboard(t *testing.T) {
	f := newCurateFixture(t)
	e := f.e
	art := f.arts[0].ID
	e.login("cato", f.catoPW)
	e.openArticle(art)
	e.do(chromedp.Click(chromedp.ID("curate-link")))
	e.waitJS(`document.querySelectorAll('#cur-passages .cur-passage').length === 4`)

	kinds := eval[string](e, `[...document.querySelectorAll('#cur-passages .cur-passage')].map(c => c.dataset.kind).join(',')`)
	if kinds != "agreed,label,single,boundary" {
		t.Fatalf("passage kinds %q", kinds)
	}
	if lanes := eval[string](e, `[...document.querySelectorAll('#psg-1 .cur-lane')].map(l => l.dataset.lane).join(',')`); lanes != "ana,ben,gold" {
		t.Fatalf("lanes %q", lanes)
	}
	// the lanes show the same text; each marks its own span (code points
	// drawn in UTF-16 after the emoji: the marks hold exactly the words)
	if m := eval[string](e, `[...document.querySelectorAll('#psg-3 .cur-lane')].map(l => [...l.querySelectorAll('mark')].map(m => m.textContent).join('+')).join('|')`); m != "endless delays|the endless delays|" {
		t.Fatalf("boundary lanes mark %q", m)
	}
	// the text shows the passages (TextView, as in the annotate view)
	if n := eval[int](e, `document.querySelectorAll('#cur-text .hl').length`); n < 4 {
		t.Fatalf("%d marked segments in the text", n)
	}
	if e.focusedKind() != "agreed" {
		t.Fatalf("first focus on %q", e.focusedKind())
	}

	// accept all agreed in this article: the count first, then the write
	e.do(chromedp.Click(chromedp.ID("cur-agreed-article")))
	e.waitJS(`!document.getElementById('cur-confirm').hidden`)
	if msg := eval[string](e, `document.getElementById('cur-confirm-msg').textContent`); !strings.HasPrefix(msg, "1 span in this article") {
		t.Fatalf("confirmation %q", msg)
	}
	if n := len(e.goldSpans(art)); n != 0 {
		t.Fatalf("the count wrote %d gold spans", n)
	}
	e.do(chromedp.Click(chromedp.ID("cur-confirm-yes")))
	e.waitJS(`document.querySelector('#psg-0.resolved') && document.querySelector('#cur-passages .focused').dataset.kind === 'label'`)

	// 2: ben's label for "naive"
	e.key("2")
	e.waitJS(`document.querySelector('#psg-1.resolved') && document.querySelector('#cur-passages .focused').dataset.kind === 'single'`)
	// x: no gold span for ana's lone "tired"
	e.key("x")
	e.waitJS(`document.querySelector('#psg-2.resolved') && document.querySelector('#cur-passages .focused').dataset.kind === 'boundary'`)
	if !strings.Contains(eval[string](e, `document.getElementById('cur-status').textContent`), "Rejected the passage. 1 open passage left.") {
		t.Errorf("status %q", eval[string](e, `document.getElementById('cur-status').textContent`))
	}

	// e: the form starts from the passage's first span (ben's "the endless
	// delays"); ] four times moves the start past "the "; Enter accepts
	e.key("e")
	e.waitJS(`!document.getElementById('cur-edit').hidden && document.activeElement.id === 'cur-edit-label'`)
	if q := eval[string](e, `document.getElementById('cur-edit-quote').textContent`); q != "the endless delays" {
		t.Fatalf("edit form quote %q", q)
	}
	for i := 0; i < 4; i++ {
		e.key("]")
	}
	e.waitJS(`document.getElementById('cur-edit-quote').textContent === 'endless delays'`)
	e.key("{") // the end back one character, and forward again
	e.waitJS(`document.getElementById('cur-edit-quote').textContent === 'endless delay'`)
	e.key("}")
	e.key(kb.Enter)
	e.waitJS(`document.getElementById('cur-edit').hidden && document.querySelector('#psg-3.resolved')`)
	s, en := cpOf(t, curateText, "endless delays")
	g := e.goldAt(art, s, en)
	if g == nil || g.LabelKey != "opinion" {
		t.Fatalf("edited gold span: %+v", e.goldSpans(art))
	}

	// u: undo the edit; 1: accept ana's span instead
	e.key("u")
	e.waitJS(`!document.querySelector('#psg-3.resolved') && /Undid/.test(document.getElementById('cur-status').textContent)`)
	if e.goldAt(art, s, en) != nil {
		t.Fatal("undo left the gold span")
	}

	// e again: boundaries from a selection in the text (UTF-16 there, code
	// points in the form: the emoji counts once); Esc cancels
	e.key("e")
	e.waitJS(`!document.getElementById('cur-edit').hidden`)
	if !eval[bool](e, `(() => {
	  const root = document.getElementById('cur-text'), full = root.textContent;
	  const u0 = full.indexOf('delays'), u1 = u0 + 6;
	  const w = document.createTreeWalker(root, NodeFilter.SHOW_TEXT), r = document.createRange();
	  let pos = 0, n, set = false;
	  while ((n = w.nextNode())) {
	    if (!set && u0 < pos + n.data.length) { r.setStart(n, u0 - pos); set = true; }
	    if (set && u1 <= pos + n.data.length) { r.setEnd(n, u1 - pos); break; }
	    pos += n.data.length;
	  }
	  getSelection().removeAllRanges(); getSelection().addRange(r);
	  return getSelection().toString() === 'delays';
	})()`) {
		t.Fatal("could not select in the text")
	}
	e.do(chromedp.Click(chromedp.ID("cur-edit-use")))
	ds, de := cpOf(t, curateText, "delays")
	e.waitJS(`document.getElementById('cur-edit-quote').textContent === 'delays'`)
	if got := eval[string](e, `document.getElementById('cur-edit-start').value + '-' + document.getElementById('cur-edit-end').value`); got != fmt.Sprintf("%d-%d", ds, de) {
		t.Errorf("selection gave %s, want %d-%d", got, ds, de)
	}
	e.key("\x1b")
	e.waitJS(`document.getElementById('cur-edit').hidden`)

	e.key("1")
	e.waitJS(`document.querySelector('#psg-3.resolved') && /Every passage is resolved/.test(document.getElementById('cur-status').textContent)`)

	// the whole project: the other article's agreed span, counted first
	e.do(chromedp.Click(chromedp.ID("cur-agreed-project")))
	e.waitJS(`!document.getElementById('cur-confirm').hidden`)
	if msg := eval[string](e, `document.getElementById('cur-confirm-msg').textContent`); !strings.HasPrefix(msg, "1 span in the whole project") {
		t.Fatalf("project confirmation %q", msg)
	}
	e.do(chromedp.Click(chromedp.ID("cur-confirm-yes")))
	e.waitJS(`/Accepted 1 agreed span in the whole project/.test(document.getElementById('cur-status').textContent)`)
	if n := len(e.goldSpans(f.arts[1].ID)); n != 1 {
		t.Fatalf("the second article has %d gold spans", n)
	}

	// the history of a gold span: created, by cato
	e.do(chromedp.Click(chromedp.CSS(`#psg-1 .cur-lane-gold .cur-chip[data-id]`)))
	e.waitJS(`/cato/.test(document.getElementById('cur-history-list').textContent) && /created state_media_framing/.test(document.getElementById('cur-history-list').textContent)`)

	// the title is text, not markup
	if eval[bool](e, `!!window.__pwned || !!document.querySelector('.curate img')`) {
		t.Error("the article title was parsed as HTML")
	}

	// ? shows the keys
	e.do(chromedp.Focus(chromedp.ID("cur-text")))
	e.key("?")
	e.waitJS(`document.getElementById('cur-help').open`)

	// the gold export: every decision, by cato, with its source annotators
	body := eval[string](e, fmt.Sprintf(`fetch('/api/v1/projects/%d/export?format=csv&layer=gold').then(r => r.text())`, f.project.ID))
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	type row struct{ decision, annotators string }
	got := map[string]row{}
	for _, rec := range recs[1:] {
		if rec[col["layer"]] != "gold" || rec[col["decided_by"]] != "cato" {
			t.Errorf("gold row %v", rec)
		}
		var prov struct {
			Decision string
			From     []struct{ Annotator string }
		}
		if err := json.Unmarshal([]byte(rec[col["provenance"]]), &prov); err != nil {
			t.Fatalf("provenance %q: %v", rec[col["provenance"]], err)
		}
		var names []string
		for _, fr := range prov.From {
			names = append(names, fr.Annotator)
		}
		got[rec[col["label"]]+" "+rec[col["text"]]] = row{prov.Decision, strings.Join(names, ",")}
	}
	want := map[string]row{
		"attributed_claim Officials said the bridge reopens on Monday": {"agreed", "ana,ben"},
		"state_media_framing naive":                                    {"accepted", "ben"},
		"opinion endless delays":                                       {"accepted", "ana"},
		"attributed_claim the operator said":                           {"agreed", "ana,ben"},
	}
	if len(got) != len(want) {
		t.Errorf("gold export rows %v, want %v", got, want)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("gold %q: %+v, want %+v", k, got[k], w)
		}
	}
	e.assertCSRF()
}

// TestCurationRefusedToAnnotators: an annotator has no Curate link and,
// at the curation address, a plain refusal (the API answers 403).
func TestCurationRefusedToAnnotators(t *testing.T) {
	f := newCurateFixture(t)
	e := f.e
	art := f.arts[0].ID
	e.login("ana", f.anaPW)
	e.openArticle(art)
	if eval[bool](e, `!!document.getElementById('curate-link')`) {
		t.Error("an annotator has a Curate link")
	}
	e.open(fmt.Sprintf("#/articles/%d/curate", art), `document.getElementById('cur-refused')`)
	if msg := eval[string](e, `document.getElementById('cur-refused').textContent`); !strings.Contains(msg, "curators and managers") {
		t.Errorf("refusal %q", msg)
	}
	if eval[bool](e, `!!document.getElementById('cur-passages')`) {
		t.Error("an annotator sees the passages")
	}
	if st := eval[int](e, fmt.Sprintf(`fetch('/api/v1/articles/%d/curation').then(r => r.status)`, art)); st != 403 {
		t.Errorf("curation API answered %d to an annotator", st)
	}
}

// goldSpans lists the gold layer of an article from the store.
func (e *env) goldSpans(articleID int64) []models.AnnotationView {
	e.t.Helper()
	rows, _, err := e.store.ListAnnotations(context.Background(), models.AnnotationFilter{ArticleID: articleID, Layer: models.LayerGold}, models.Page{Limit: models.MaxLimit})
	if err != nil {
		e.t.Fatal(err)
	}
	return rows
}

func (e *env) goldAt(articleID int64, start, end int) *models.AnnotationView {
	for _, g := range e.goldSpans(articleID) {
		if g.Start == start && g.End == end {
			return &g
		}
	}
	return nil
}

// TestCurationStateModule pins curate-state.js, the curation view's state
// without the DOM: J/K skip resolved passages and wrap around; a lane's
// key draws on every annotator's identical span; lanes cut at every
// boundary; a history entry says what changed.
func TestCurationStateModule(t *testing.T) {
	e := newEnv(t)
	e.open("#/login", `document.getElementById('login-form')`)
	got := eval[string](e, `import('/curate-state.js').then(({ CurationState, laneSegments, historyLines }) => {
	  const sp = (id, annotator, label, start, end) => ({ id, annotator, label, start, end, layer: 'annotator' });
	  const st = new CurationState();
	  st.load({ annotators: ['ana', 'ben'], gold: [], rejections: [],
	    spans: [sp(1, 'ana', 'opinion', 0, 5), sp(2, 'ben', 'opinion', 0, 5), sp(3, 'ana', 'claim', 2, 4), sp(4, 'ben', 'opinion', 10, 12), sp(5, 'ana', 'opinion', 20, 22)],
	    passages: [
	      { start: 0, end: 5, kind: 'label', span_ids: [1, 2, 3], gold_ids: [], rejection_ids: [], resolved: false },
	      { start: 10, end: 12, kind: 'single', span_ids: [4], gold_ids: [], rejection_ids: [], resolved: true },
	      { start: 20, end: 22, kind: 'single', span_ids: [5], gold_ids: [], rejection_ids: [], resolved: false }] });
	  const out = [st.focus];
	  st.step(1); out.push(st.focus);
	  st.step(1); out.push(st.focus);
	  st.step(-1); out.push(st.focus);
	  st.focus = 0;
	  const acc = st.acceptance(1);
	  out.push(acc.name + ':' + acc.bodies.map((b) => b.label + '[' + b.from.join(',') + ']').join(' '));
	  out.push(st.acceptance(3).bodies.length);
	  out.push(JSON.stringify(st.rejection()));
	  out.push(st.sourcesFor(3, 5).join(','));
	  out.push(laneSegments(0, 10, [{ start: 2, end: 5 }, { start: 4, end: 8 }]).map((s) => s.a + '-' + s.b + ':' + s.spans.length).join(' '));
	  out.push(historyLines([{ action: 'update', actor: 'cato', at: '2026-01-01T00:00:00Z', recorded: true,
	    before: { label: 'opinion', start: 1, end: 5, note: '' }, after: { label: 'opinion', start: 1, end: 6, note: 'x' } }])[0].what);
	  return out.join(' | ');
	})`)
	want := `0 | 2 | 0 | 2 | ana:opinion[1,2] claim[3] | 0 | {"start":0,"end":5,"from":[1,2,3]} | 1,2,3 | 0-2:0 2-4:1 4-5:2 5-8:1 8-10:0 | end: 5 → 6; note: — → “x”`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
