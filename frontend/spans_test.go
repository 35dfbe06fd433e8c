package frontend_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// TestSpanStateModule drives static/spans.js, the annotate view's span
// state, directly in the browser: it holds spans, undo history and
// pending saves without any DOM, so a page can import it and call it.
func TestSpanStateModule(t *testing.T) {
	e := newEnv(t)
	e.do(chromedpNavigate(e.srv.URL + "/#/login"))

	// Without the DOM: the module's source names no DOM global.
	src := eval[string](e, `fetch("/spans.js").then(r => r.text())`)
	if m := regexp.MustCompile(`\b(document|window|Node|HTMLElement|requestAnimationFrame|getSelection)\b`).FindString(src); m != "" {
		t.Errorf("spans.js uses the DOM (%q)", m)
	}

	type result struct {
		Order      []string `json:"order"`      // keys in list order after the creates
		UndoIDs    []any    `json:"undoIds"`    // resolved ids of the undo entries, oldest first
		AfterFail  []any    `json:"afterFail"`  // the same after a refused create
		Pending    bool     `json:"pending"`    // isPending of the first create while its save is on its way
		Events     []string `json:"events"`     // what the listener saw
		Resolved   any      `json:"resolved"`   // a deleted span, restored twice, resolves to its newest id
		EditBefore string   `json:"editBefore"` // undo of an edit holds the label before
		Overlap    []any    `json:"overlap"`
		Innermost  any      `json:"innermost"`
	}
	r := eval[result](e, `(async () => {
	  const { SpanState } = await import("/spans.js");
	  const st = new SpanState((k) => k * 2); // a made-up UTF-16 mapping
	  const events = [];
	  st.on((c) => events.push(c.type + ":" + (c.span ? c.span.key : "")));
	  st.reset([{ id: 1, label: "opinion", start: 0, end: 10, text: "x", annotator: "a" }]);
	  // two creates on their way; the second is answered first
	  const t1 = st.beginCreate({ label: "opinion", start: 20, end: 30, text: "y", annotator: "a" });
	  const t2 = st.beginCreate({ label: "claim", start: 5, end: 8, text: "z", annotator: "a" });
	  const pending = st.isPending(t1.key);
	  st.commitCreate(t2.key, { id: 12, label: "claim", start: 5, end: 8, text: "z", annotator: "a" });
	  st.commitCreate(t1.key, { id: 11, label: "opinion", start: 20, end: 30, text: "y", annotator: "a" });
	  const order = st.sorted().map((a) => String(a.key));
	  const undoIds = st.undo.map((u) => st.resolve(u.id));
	  // a refused create leaves neither span nor undo entry
	  const t3 = st.beginCreate({ label: "opinion", start: 40, end: 45, text: "w", annotator: "a" });
	  st.failCreate(t3.key);
	  const afterFail = st.undo.map((u) => st.resolve(u.id));
	  // an edit records the span as it was
	  const before = (await import("/spans.js")).SpanState.before(st.get(11));
	  st.commitEdit(11, { id: 11, label: "claim", start: 20, end: 30, text: "y", annotator: "a" }, before, true);
	  const editBefore = st.lastUndo().before.label;
	  // delete and undo twice: the alias chain leads to the newest id
	  st.commitDelete(1, true);
	  st.restore(1, { id: 21, label: "opinion", start: 0, end: 10, text: "x", annotator: "a" });
	  st.commitDelete(21, true);
	  st.restore(21, { id: 31, label: "opinion", start: 0, end: 10, text: "x", annotator: "a" });
	  return { order, undoIds, afterFail, pending, events, resolved: st.resolve(1), editBefore,
	    overlap: st.overlapping(12).map((a) => a.key), innermost: st.innermost([31, 12]).key };
	})()`)
	if got := strings.Join(r.Order, ","); got != "1,12,11" {
		t.Errorf("list order %s, want 1,12,11 (by start)", got)
	}
	// the history is in the order the annotator acted, not the answers'
	if fmtAny(r.UndoIDs) != "[11 12]" {
		t.Errorf("undo entries resolve to %v, want [11 12]", r.UndoIDs)
	}
	if fmtAny(r.AfterFail) != "[11 12]" {
		t.Errorf("after a refused create the undo entries are %v, want [11 12]", r.AfterFail)
	}
	if !r.Pending {
		t.Error("a create on its way is not pending")
	}
	wantEvents := "reset:,put:tmp-1,put:tmp-2,drop:tmp-2,put:12,drop:tmp-1,put:11,put:tmp-3,drop:tmp-3,put:11,drop:1,put:21,drop:21,put:31"
	if got := strings.Join(r.Events, ","); got != wantEvents {
		t.Errorf("events\n got %s\nwant %s", got, wantEvents)
	}
	if fmtAny(r.Resolved) != "31" {
		t.Errorf("span 1, deleted and restored twice, resolves to %v, want 31", r.Resolved)
	}
	if r.EditBefore != "opinion" {
		t.Errorf("undo of an edit holds label %q, want opinion", r.EditBefore)
	}
	if fmtAny(r.Overlap) != "[31]" || fmtAny(r.Innermost) != "12" {
		t.Errorf("overlapping(12) = %v, innermost = %v; want [31] and 12", r.Overlap, r.Innermost)
	}
}

// TestPureHelpers: the refusal wording and the editor's context, both
// pure modules, imported by a page.
func TestPureHelpers(t *testing.T) {
	e := newEnv(t)
	e.do(chromedpNavigate(e.srv.URL + "/#/login"))
	got := eval[[]string](e, `(async () => {
	  const { refusal } = await import("/refusals.js");
	  const { context } = await import("/spantext.js");
	  const dup = { status: 409, code: "conflict", fields: {}, message: "this annotator already has a state_media_framing span at [124, 129)" };
	  const gone = { status: 422, code: "validation_failed", fields: { label: "unknown label key \"opinion\" for this project" } };
	  const text = "He said “the plan works” and left.\nNext line";
	  const u0 = text.indexOf("the plan"), u1 = u0 + "the plan works".length;
	  return [refusal("Span not saved", dup, "State-media framing"), refusal("Span not saved", gone, "Opinion"), ...context(text, u0, u1, 6), ...context(text, 0, 2, 6)];
	})()`)
	if got[0] != "Span not saved: you already have a “State-media framing” span on exactly this passage." {
		t.Errorf("409: %q", got[0])
	}
	for _, m := range got[:2] {
		if strings.Contains(m, "[") || strings.Contains(m, "_") {
			t.Errorf("refusal %q reads like a log", m)
		}
	}
	if !strings.Contains(got[1], "label “Opinion” is no longer in this project") {
		t.Errorf("422 label: %q", got[1])
	}
	if got[2] != "…said “" || got[3] != "” and …" {
		t.Errorf("context %q | %q, want the quote marks around the span", got[2], got[3])
	}
	if got[4] != "" || got[5] != " said …" {
		t.Errorf("context at the start: %q | %q", got[4], got[5])
	}
}

func fmtAny(v any) string { return fmt.Sprint(v) }
