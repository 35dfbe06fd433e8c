// Suggestions in the annotate view: claims (with their cue and source)
// that the rule-based suggester found, which the annotator has neither
// accepted nor rejected. They are drawn with a dashed outline in the
// label's colour (highlight.js: a span with .sugg takes no underline, no
// tint and no lane, so it never looks like the annotator's own), fetched
// with the spans so the first drawing of the text has them.
//
// Keys (with the focus in the text, outside link mode): Tab / Shift+Tab
// focus the next / previous suggestion (past the last one Tab leaves the
// text as usual), A accepts it, X rejects it, E edits its boundaries first
// (Alt+←/→ the start, Alt+Shift+←/→ the end, as in the span editor, or
// "Use the selection"; Enter or A then accepts), Esc lets go. A click on
// a suggestion focuses it too. Each step is said in an aria-live line.
//
// Accepting copies the claim, its cue, its source and their links into
// the annotator's own spans (server side); Ctrl+Z deletes the spans that
// the accept created, but the server keeps the decision, so the
// suggestion is not offered again. A rejection cannot be undone here.
import { api, listAll } from "./api.js";
import { h, clear, toast } from "./dom.js";
import { quoteShort } from "./spantext.js";

const PARTS = [["", null, "claim"], ["-cue", "cue", "cue"], ["-src", "source", "source"]];

const describe = (e) => (e && e.describe ? e.describe() : String(e));
const pct = (c) => Math.round(c * 100) + "%";

// Suggestions needs from the view v: {state, view, book, textEl,
// editorBox, idx, me, help}; opts: {articleID, rels (relations.js, to
// reload the links after an accept), selection() (the text selection as
// UTF-16 [u0, u1], or null), chording() (doclabels.js waits for the key
// after G)}. Its keys listen on window, before the article labels' (on
// document): with a suggestion focused, A, E and X are its own, else an
// article label's hotkey A, E or X still works.
export class Suggestions {
  constructor(v, { articleID, rels, selection, chording }) {
    this.v = v;
    this.articleID = articleID;
    this.rels = rels;
    this.selection = selection;
    this.chording = chording;
    this.items = new Map(); // id -> the server's suggestion, with u0/u1 and draft ({start, end} while edited)
    this.focus = null; // id of the focused suggestion
    this.editing = false;
    this.chain = Promise.resolve(); // decisions, one after the other
    this.count = h("span", { class: "muted", attrs: { id: "sugg-count" } });
    this.panel = h("div", { class: "sugg-panel", attrs: { id: "sugg-panel", role: "group", "aria-label": "Focused suggestion" } });
    this.msg = h("p", { class: "sugg-status", attrs: { id: "sugg-status", role: "status", "aria-live": "polite" } });
    this.box = h("section", { class: "card side-card sugg-card", hidden: true, attrs: { id: "sugg-card", "aria-labelledby": "sugg-title" } },
      h("h2", { attrs: { id: "sugg-title" } }, "Suggestions ", this.count),
      h("p", { class: "hint sugg-legend" }, h("span", { class: "sugg-sample", text: "dashed" }),
        ": suggested by a rule, not yet yours. ", h("kbd", { text: "Tab" }), " next · ", h("kbd", { text: "A" }), " accept · ",
        h("kbd", { text: "E" }), " edit boundaries · ", h("kbd", { text: "X" }), " reject"),
      this.panel, this.msg);
    v.editorBox.before(this.box);
    this.onKey = this.onKey.bind(this);
    this.onClick = this.onClick.bind(this);
    window.addEventListener("keydown", this.onKey, true);
    v.textEl.addEventListener("click", this.onClick, true);
    // fetched while the spans are: loadSpans waits for both (prefetched)
    this.first = api("GET", "/articles/" + articleID + "/suggestions");
    this.first.then((d) => this.take(d.items || []), (e) => this.say("Could not load the suggestions: " + describe(e)));
  }

  prefetched() { return this.first.then(() => {}, () => {}); }

  remove() {
    window.removeEventListener("keydown", this.onKey, true);
    this.v.textEl.removeEventListener("click", this.onClick, true);
  }

  helpRows() {
    return [["Tab / Shift + Tab", "Focus the next / previous suggestion (dashed); past the last one Tab leaves the text"],
      ["A", "Accept the focused suggestion: its claim, cue, source and links become yours (Ctrl + Z deletes them again)"],
      ["E", "Edit the focused suggestion's boundaries first (Alt + arrows, or select text and press E), then Enter or A"],
      ["X", "Reject the focused suggestion: it is hidden for you"]];
  }

  take(items) {
    const cp = (p) => { if (p) { p.u0 = this.v.idx.toUTF16(p.start); p.u1 = this.v.idx.toUTF16(p.end); } };
    for (const s of items) { cp(s); cp(s.cue); cp(s.source); s.draft = null; this.items.set(s.id, s); }
    // the text is drawn already (a later load): draw them now
    if (this.v.textEl.dataset.drawn === "1") {
      for (const vs of this.viewSpans()) this.v.view.set(vs);
      this.v.textEl.dataset.suggestionsLate = "1"; // (the tests check that this does not happen)
    }
    this.paintCount();
  }

  // viewSpans are the text view's spans of suggestion id (all without).
  viewSpans(id) {
    const out = [];
    for (const s of id === undefined ? this.items.values() : [this.items.get(id)]) {
      if (!s) continue;
      const title = "Suggested by rule " + s.rule + " (confidence " + s.confidence.toFixed(2) + "). Tab, then A accept · E edit · X reject";
      for (const [suffix, field, role] of PARTS) {
        const p = field ? s[field] : s;
        if (!p) continue;
        let u0 = p.u0, u1 = p.u1;
        if (!field && s.draft) { u0 = this.v.idx.toUTF16(s.draft.start); u1 = this.v.idx.toUTF16(s.draft.end); }
        out.push({ key: "sg-" + s.id + suffix, u0, u1, color: this.v.book.colorOf(p.label), pending: false, other: false, mark: "",
          sugg: { id: s.id, role, title: role === "claim" ? title : this.v.book.nameOf(p.label) + " of a suggested claim. " + title } });
      }
    }
    return out;
  }

  // addTo puts every suggestion into the view's span map (the view is
  // then drawn in one pass).
  addTo(spans) { for (const vs of this.viewSpans()) spans.set(vs.key, vs); }

  redraw(id) {
    for (const [suffix] of PARTS) this.v.view.delete("sg-" + id + suffix);
    for (const vs of this.viewSpans(id)) this.v.view.set(vs);
  }

  order() { return [...this.items.values()].sort((x, y) => x.start - y.start || y.end - x.end || x.id - y.id).map((s) => s.id); }

  paintCount() {
    const n = this.items.size;
    this.count.textContent = n ? "(" + n + " pending)" : "(none pending)";
    this.v.textEl.dataset.suggestions = String(n);
    if (n) this.box.hidden = false;
  }

  say(text) { this.msg.textContent = text; this.box.hidden = false; }

  // setFocus focuses suggestion id (null: none) and shows its panel.
  setFocus(id, scroll) {
    if (this.editing) this.stopEdit(false);
    this.focus = id;
    this.v.view.setSuggFocus(id);
    this.paintPanel();
    const s = id === null ? null : this.items.get(id);
    if (!s) return;
    if (scroll) {
      const seg = this.v.view.segAt(s.u0);
      if (seg) (seg.node.nodeType === Node.TEXT_NODE ? seg.node.parentElement : seg.node).scrollIntoView({ block: "nearest", behavior: "instant" });
    }
    const ids = this.order();
    this.say("Suggestion " + (ids.indexOf(id) + 1) + " of " + ids.length + ": “" + quoteShort(s.text, 80) + "”" +
      (s.source ? ", said by “" + quoteShort(s.source.text, 40) + "”" : "") + " (rule " + s.rule + ", confidence " + pct(s.confidence) + "). A: accept · E: edit · X: reject.");
  }

  paintPanel() {
    const el = clear(this.panel), s = this.items.get(this.focus), v = this.v;
    if (!s) return;
    const btn = (id, text, keys, fn) => h("button", { type: "button", class: "btn btn-small", text, attrs: { id, "aria-keyshortcuts": keys }, on: { click: fn } });
    const quote = s.draft ? v.idx.slice(s.draft.start, s.draft.end) : s.text;
    el.append(h("p", { class: "sugg-quote" + (s.draft ? " draft" : ""), text: "“" + quoteShort(quote, 200) + "”", attrs: { dir: "auto" } }),
      h("p", { class: "muted small", text: v.book.nameOf(s.label) + " · rule " + s.rule + " · confidence " + pct(s.confidence) }),
      s.source ? h("p", { class: "small", text: "Source: “" + quoteShort(s.source.text, 60) + "”" }) : null,
      s.cue ? h("p", { class: "small", text: "Cue: “" + quoteShort(s.cue.text, 40) + "”" }) : null);
    if (this.editing) {
      const b = (id, which, d, text, keys) => btn(id, text, keys, () => this.nudge(which, d));
      el.append(h("div", { class: "bounds", attrs: { role: "group", "aria-label": "Boundaries of the suggestion" } },
        h("span", { class: "field-label", text: "Start" }), b("sg-start-left", "start", -1, "←", "Alt+ArrowLeft"), b("sg-start-right", "start", 1, "→", "Alt+ArrowRight"),
        h("span", { class: "field-label", text: "End" }), b("sg-end-left", "end", -1, "←", "Alt+Shift+ArrowLeft"), b("sg-end-right", "end", 1, "→", "Alt+Shift+ArrowRight"),
        btn("sg-use-sel", "Use the selection", "E", () => this.useSelection())),
      h("div", { class: "actions" }, btn("sg-accept", "Accept edited (Enter)", "Enter A", () => this.accept(s.id)),
        btn("sg-cancel", "Cancel (Esc)", "Escape", () => this.stopEdit(true))));
      return;
    }
    el.append(h("div", { class: "actions" }, btn("sg-accept", "Accept (A)", "A", () => this.accept(s.id)),
      btn("sg-edit", "Edit (E)", "E", () => this.startEdit()), btn("sg-reject", "Reject (X)", "X", () => this.reject(s.id))));
  }

  // ---- boundaries first ----

  startEdit() {
    const s = this.items.get(this.focus);
    if (!s) return;
    if (this.editing) { this.useSelection(); return; }
    this.editing = true;
    s.draft = { start: s.start, end: s.end };
    if (!this.useSelection(true)) this.paintPanel();
    this.say("Editing the suggestion's boundaries: Alt + arrows move the start, Alt + Shift + arrows the end (or select text and press E); Enter accepts, Esc cancels.");
  }

  stopEdit(announce) {
    const s = this.items.get(this.focus);
    this.editing = false;
    if (s && s.draft) { s.draft = null; this.redraw(s.id); }
    this.paintPanel();
    if (announce) this.say("Boundaries unchanged.");
  }

  nudge(which, d) {
    const s = this.items.get(this.focus);
    if (!s || !s.draft) return;
    const n = { ...s.draft, [which]: s.draft[which] + d };
    if (n.start < 0 || n.end > this.v.idx.length || n.end - n.start < 1) return;
    s.draft = n;
    this.redraw(s.id);
    this.paintPanel();
  }

  // useSelection takes the text selection as the new boundaries (quiet:
  // no word when there is none).
  useSelection(quiet) {
    const s = this.items.get(this.focus), r = this.selection();
    if (!s || !s.draft) return false;
    if (!r) { if (!quiet) this.say("Select a passage of the text first."); return false; }
    s.draft = { start: this.v.idx.toCodePoint(r[0]), end: this.v.idx.toCodePoint(r[1]) };
    window.getSelection().removeAllRanges();
    this.redraw(s.id);
    this.paintPanel();
    return true;
  }

  // ---- decisions ----

  // forget removes suggestion id from the view.
  forget(id) {
    if (this.focus === id) { this.editing = false; this.setFocus(null); }
    const s = this.items.get(id);
    if (s) s.draft = null;
    this.items.delete(id);
    this.redraw(id);
    this.paintCount();
  }

  // accept and reject queue behind a decision still being saved (the
  // spans an accept made are told apart by what was there before it).
  accept(id) { return this.decide(() => this.acceptNow(id)); }
  reject(id) { return this.decide(() => this.rejectNow(id)); }
  decide(fn) { this.chain = this.chain.then(fn); return this.chain; }

  async acceptNow(id) {
    const s = this.items.get(id), v = this.v;
    if (!s) return;
    const edited = s.draft && (s.draft.start !== s.start || s.draft.end !== s.end);
    const had = new Set([...v.state.anns.values()].map((a) => a.id));
    try {
      const claim = await api("POST", "/annotations/" + id + "/accept", edited ? { start: s.draft.start, end: s.draft.end } : undefined);
      this.forget(id);
      // the claim, and the cue and source the accept made (one it found
      // among the annotator's spans is linked, not doubled)
      const mine = await listAll("/articles/" + this.articleID + "/annotations", { annotator: v.me });
      const made = mine.filter((a) => !had.has(a.id));
      for (const a of made) v.state.put(v.state.stored(a, a.id));
      v.state.pushUndo({ op: "accept", id: claim.id, made: made.map((a) => a.id) });
      await this.rels.load();
      this.say("Accepted" + (edited ? " with new boundaries" : "") + ": “" + quoteShort(claim.text, 60) + "” is now your " + v.book.nameOf(claim.label) +
        " span" + (made.length > 1 ? ", with its " + made.filter((a) => a.id !== claim.id).map((a) => v.book.nameOf(a.label)).join(" and ") + " and links" : "") + ". Ctrl + Z deletes it again.");
      v.textEl.focus({ preventScroll: true });
    } catch (e) {
      this.decisionFailed(id, "accepted", e);
    }
  }

  async rejectNow(id) {
    const s = this.items.get(id);
    if (!s) return;
    try {
      await api("POST", "/annotations/" + id + "/reject");
      this.forget(id);
      this.say("Rejected: “" + quoteShort(s.text, 60) + "” is hidden for you (a rejection is not undone with Ctrl + Z).");
      this.v.textEl.focus({ preventScroll: true });
    } catch (e) {
      this.decisionFailed(id, "rejected", e);
    }
  }

  decisionFailed(id, what, e) {
    // decided meanwhile (another tab): it is no longer pending
    if (e && (e.status === 409 || e.status === 404)) { this.forget(id); this.say("Not " + what + ": " + describe(e)); return; }
    this.say("Not " + what + ": " + describe(e));
  }

  // undoAccept deletes the spans an accept made (undo entry u). The server
  // keeps the decision: the suggestion does not come back.
  async undoAccept(u) {
    const v = this.v;
    for (const id of [...u.made].sort((x, y) => (x === u.id) - (y === u.id))) {
      if (!v.state.has(id)) continue;
      try { await api("DELETE", "/annotations/" + id); } catch (e) { if (e.status !== 404) throw e; }
      v.state.drop(id);
    }
    toast("Undid: accept. The spans it made are deleted; the suggestion stays decided and is not offered again.");
    this.say("Undid the accept: its spans are deleted. The server keeps your decision, so this suggestion is not offered again.");
  }

  // ---- input ----

  onKey(ev) {
    const v = this.v, t = ev.target;
    if (v.help.open || v.textEl.classList.contains("linking") || this.chording() || ev.ctrlKey || ev.metaKey) return;
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable)) return;
    if (this.editing && ev.altKey && (ev.key === "ArrowLeft" || ev.key === "ArrowRight")) {
      this.nudge(ev.shiftKey ? "end" : "start", ev.key === "ArrowLeft" ? -1 : 1);
    } else if (ev.altKey) {
      return;
    } else if (ev.key === "Tab") {
      // only from the text itself: Tab keeps moving between controls
      if (!this.items.size || t !== v.textEl) return;
      const ids = this.order(), i = ids.indexOf(this.focus), j = i < 0 ? (ev.shiftKey ? ids.length - 1 : 0) : i + (ev.shiftKey ? -1 : 1);
      if (j < 0 || j >= ids.length) { this.setFocus(null); this.say("No more suggestions that way; Tab leaves the text."); return; }
      this.setFocus(ids[j], true);
      v.textEl.focus({ preventScroll: true });
    } else if (this.focus === null) {
      return;
    } else if (ev.key === "Escape") {
      if (this.editing) this.stopEdit(true); else { this.setFocus(null); this.say("No suggestion focused."); }
    } else if (ev.key === "Enter" && this.editing && t.tagName !== "BUTTON") {
      this.accept(this.focus);
    } else if (ev.key.length === 1 && !ev.shiftKey && "axe".includes(ev.key.toLowerCase())) {
      const k = ev.key.toLowerCase();
      if (k === "a") this.accept(this.focus); else if (k === "x") this.reject(this.focus); else this.startEdit();
    } else {
      return;
    }
    ev.preventDefault();
    ev.stopImmediatePropagation();
  }

  onClick(ev) {
    const v = this.v;
    if (v.textEl.classList.contains("linking")) return;
    const sel = window.getSelection();
    if (sel && !sel.isCollapsed) return;
    const keys = v.view.keysAt(ev.target);
    if (v.state.innermost(keys)) return; // the annotator's own span is opened
    let best = null;
    for (const k of keys) {
      const vs = v.view.spans.get(k);
      const s = vs && vs.sugg && this.items.get(vs.sugg.id);
      if (s && (!best || s.end - s.start < best.end - best.start)) best = s;
    }
    if (!best) return;
    ev.stopPropagation();
    this.setFocus(best.id, false);
    const b = this.panel.querySelector("#sg-accept");
    if (b) b.focus({ preventScroll: true });
  }
}
