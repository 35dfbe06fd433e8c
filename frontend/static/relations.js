// Relations between spans in the annotate view: a claim linked to its
// source ("said by"), a cue to its claim. With a span focused, R (or the
// editor's "Link…" button) starts link mode: Tab or the arrow keys cycle
// the spans the link may go to (those whose label fits one of the
// project's relation types from this span's label), Enter or a click on
// one links, Esc cancels; when several types fit, a chooser asks which.
//
// A relation shows as the same small number after both of its spans (a
// CSS pseudo-element from the segment's data-rel: no text is added, so
// offsets and selections do not move, and only the two spans' segments
// are redrawn). The span editor lists the span's relations ("said by:
// <source>", a button that focuses the source, and × to remove one).
import { api, listAll } from "./api.js";
import { h, clear, toast } from "./dom.js";
import { quoteShort } from "./spantext.js";

// Relations needs from the view v: {state, view, book, eds, textEl,
// help, canEdit(span), focusSpan(key, open)}; opts: {articleID,
// types (the project's relation_types), say(message) shows a refusal}.
export class Relations {
  constructor(v, { articleID, types, say }) {
    this.v = v;
    this.articleID = articleID;
    this.types = [...(types || [])].sort((a, b) => a.sort_order - b.sort_order || a.id - b.id);
    this.say = say;
    this.rels = new Map(); // id (or "tmp-N") -> {id, type, from, to, n, pending}
    this.marks = null; // span id -> its numbers (markOf), null after a change
    this.next = 1; // the next relation's number
    this.tmp = 0;
    this.loads = 0;
    this.mode = null; // link mode: {from, cands, i, type, choosing}
    this.sec = null; // the open editor's relation section: {key, el}
    this.bar = h("div", { class: "link-bar", hidden: true, attrs: { id: "link-bar", role: "group", "aria-label": "Link mode" } });
    this.barMsg = h("p", { class: "link-msg", attrs: { id: "link-msg", "aria-live": "polite" } });
    this.chooser = h("div", { class: "link-chooser", attrs: { id: "link-chooser", role: "group", "aria-label": "Relation type: press its number", tabindex: "-1" } });
    this.bar.append(this.barMsg, this.chooser,
      h("button", { type: "button", class: "btn btn-small", text: "Cancel (Esc)", attrs: { id: "link-cancel" }, on: { click: () => this.stop(true) } }));
    v.textEl.before(this.bar);
    this.onKey = this.onKey.bind(this);
    this.onClick = this.onClick.bind(this);
    document.addEventListener("keydown", this.onKey, true);
    v.textEl.addEventListener("click", this.onClick, true);
    v.state.on((ch) => this.onChange(ch));
    // the first list is fetched while the spans are; when it is there
    // before them (see prefetched), the first drawing of the text has the
    // numbers already
    this.firstItems = null;
    this.first = this.fetch();
    this.first.then((items) => { this.firstItems = items; }, () => {}); // an error is said in load
  }

  // prefetched resolves once the first list has arrived (or failed).
  prefetched() { return this.first ? this.first.catch(() => {}) : Promise.resolve(); }

  fetch() { return listAll("/articles/" + this.articleID + "/relations"); }

  remove() {
    document.removeEventListener("keydown", this.onKey, true);
    this.v.textEl.removeEventListener("click", this.onClick, true);
  }

  typeOf(key) { return this.types.find((t) => t.key === key) || { key, name: key.replace(/_/g, " ") }; }
  // fits lists the types that may go from label a to label b (b
  // undefined: to any label).
  fits(a, b) { return this.types.filter((t) => (!t.from_label || t.from_label === a) && (b === undefined || !t.to_label || t.to_label === b)); }

  // spanOf finds the shown span with server id id.
  spanOf(id) {
    const a = this.v.state.get(id);
    if (a && a.id === id) return a;
    for (const b of this.v.state.anns.values()) if (b.id === id) return b;
    return null;
  }

  // markOf is the numbers shown after span a ("" for none), from an
  // index by span id rebuilt after a change (a full redraw asks once per
  // span).
  markOf(a) {
    if (!a || a.pending) return "";
    if (!this.marks) {
      const by = new Map();
      for (const r of this.rels.values()) for (const id of [r.from, r.to]) { if (!by.has(id)) by.set(id, []); by.get(id).push(r.n); }
      this.marks = new Map([...by].map(([id, ns]) => [id, ns.sort((x, y) => x - y).join(",")]));
    }
    return this.marks.get(a.id) || "";
  }

  // repaint redraws the marks of the spans with the given server ids and
  // the open editor's section.
  repaint(ids) {
    this.marks = null;
    const view = this.v.view, changed = [];
    for (const id of new Set(ids)) {
      const a = this.spanOf(id);
      const vs = a && view.spans.get(a.key);
      if (vs && (vs.mark || "") !== this.markOf(a)) changed.push([vs, this.markOf(a)]);
    }
    // many at once (an article's relations arriving): one pass over the
    // text is cheaper than a local redraw each
    if (changed.length > 64) {
      for (const [vs, mark] of changed) vs.mark = mark;
      view.renderAll();
    } else {
      for (const [vs, mark] of changed) view.set({ ...vs, mark });
    }
    this.paintSection();
  }

  onChange(ch) {
    if (ch.type === "reset") {
      this.stop(false);
      // the view redraws every span after this: the numbers need no drawing
      if (this.firstItems) { const items = this.firstItems; this.firstItems = this.first = null; ++this.loads; this.apply(items, false); } else this.load();
      return;
    }
    if (ch.type === "drop") {
      // the server deletes a span's relations with it
      const gone = ch.span.id, ends = [];
      for (const [k, r] of this.rels) if (r.from === gone || r.to === gone) { this.rels.delete(k); ends.push(r.from, r.to); }
      if (this.mode && (this.mode.from.key === ch.span.key)) this.stop(false);
      else if (this.mode) this.retarget();
      this.repaint(ends);
    }
  }

  async load() {
    const seq = ++this.loads, t0 = performance.now();
    let items;
    try {
      items = await (this.first || this.fetch());
    } catch (e) { this.say("Could not load the links between spans: " + (e.describe ? e.describe() : e)); return; } finally { this.first = null; }
    if (seq !== this.loads) return;
    this.apply(items, true);
    this.v.textEl.dataset.relationsMs = String(Math.round(performance.now() - t0)); // fetched and drawn
  }

  // apply takes the article's relations (draw: redraw the spans whose
  // numbers changed).
  apply(items, draw) {
    const old = [...this.rels.values()].flatMap((r) => [r.from, r.to]);
    this.rels.clear();
    // numbered in reading order of the spans they start at
    const shown = items.map((r) => [r, this.spanOf(r.from), this.spanOf(r.to)]).filter(([, f, t]) => f && t);
    shown.sort((x, y) => x[1].u0 - y[1].u0 || x[2].u0 - y[2].u0 || x[0].id - y[0].id);
    this.next = 1;
    for (const [r] of shown) this.rels.set(r.id, { id: r.id, type: r.type, from: r.from, to: r.to, n: this.next++ });
    this.marks = null;
    if (draw) this.repaint([...old, ...shown.flatMap(([r]) => [r.from, r.to])]);
    this.v.textEl.dataset.relations = String(this.loads);
  }

  // ---- link mode ----

  // start enters link mode from span key; type (optional) prefers one
  // relation type.
  start(key, type) {
    const v = this.v;
    const from = v.state.get(key);
    if (!from) return;
    if (from.pending) { toast("The span is still being saved; link it in a moment."); return; }
    if (!v.canEdit(from)) { toast("Only the span's annotator, a curator or a manager can link it."); return; }
    let types = this.fits(from.label);
    if (type && types.includes(type)) types = [type];
    if (!types.length) { toast("No relation type starts at a “" + v.book.nameOf(from.label) + "” span."); return; }
    const cands = this.candidates(from, types);
    if (!cands.length) {
      const want = [...new Set(types.map((t) => t.to_label).filter(Boolean))].map((l) => "“" + v.book.nameOf(l) + "”");
      toast("Nothing to link to: mark " + (want.length ? "a " + want.join(" or a ") + " span" : "another span") + " first.");
      return;
    }
    // the first candidate after the span (else the first of all)
    let i = cands.findIndex((k) => v.state.get(k).u0 >= from.u1);
    if (i < 0) i = 0;
    this.mode = { from, types, cands, i, choosing: null };
    v.view.setCands(new Set(cands));
    v.textEl.classList.add("linking");
    clear(this.chooser);
    this.bar.hidden = false;
    this.target();
    v.textEl.focus({ preventScroll: true });
  }

  // candidates lists, in text order, the spans of the same annotator that
  // a link of one of types may go to.
  candidates(from, types) {
    return this.v.state.keysInOrder().filter((k) => {
      const a = this.v.state.get(k);
      return a && k !== from.key && !a.pending && a.annotator === from.annotator && types.some((t) => !t.to_label || t.to_label === a.label);
    });
  }

  // retarget recomputes the candidates after a span went.
  retarget() {
    const m = this.mode, cur = m.cands[m.i];
    m.cands = this.candidates(m.from, m.types);
    if (!m.cands.length) { this.stop(true); return; }
    m.i = Math.max(0, m.cands.indexOf(cur));
    this.v.view.setCands(new Set(m.cands));
    this.target();
  }

  target() {
    const m = this.mode, v = this.v;
    const key = m.cands[m.i], a = v.state.get(key);
    v.view.setTarget(key);
    const seg = v.view.segAt(a.u0);
    if (seg) (seg.node.nodeType === Node.TEXT_NODE ? seg.node.parentElement : seg.node).scrollIntoView({ block: "nearest", behavior: "instant" });
    this.barMsg.textContent = "Link “" + quoteShort(m.from.text, 40) + "” to " + (m.i + 1) + " of " + m.cands.length + ": “" +
      quoteShort(a.text, 60) + "” (" + v.book.nameOf(a.label) + "). Tab or arrows: another · Enter or click: link · Esc: cancel.";
  }

  step(d) {
    const m = this.mode;
    m.i = (m.i + d + m.cands.length) % m.cands.length;
    this.target();
  }

  stop(refocus) {
    if (!this.mode) return;
    this.mode = null;
    this.v.view.setTarget(null);
    this.v.view.setCands(null);
    this.v.textEl.classList.remove("linking");
    this.bar.hidden = true;
    clear(this.chooser);
    if (refocus) this.v.textEl.focus({ preventScroll: true });
  }

  // pick links the span being linked to span key, asking for the type
  // when several fit.
  pick(key) {
    const m = this.mode, to = this.v.state.get(key);
    const types = m.types.filter((t) => !t.to_label || t.to_label === to.label);
    if (types.length === 1) { const from = m.from; this.stop(true); this.link(from, to, types[0]); return; }
    m.choosing = to;
    this.barMsg.textContent = "Which link from “" + quoteShort(m.from.text, 40) + "” to “" + quoteShort(to.text, 40) + "”? Press its number, or Esc.";
    clear(this.chooser).append(...types.map((t, j) => h("button", { type: "button", class: "btn btn-small", dataset: { type: t.key },
      attrs: { "aria-keyshortcuts": String(j + 1) }, on: { click: () => { const from = m.from; this.stop(true); this.link(from, to, t); } } },
    h("kbd", { text: String(j + 1) }), " " + t.name)));
    // the group takes the focus, not a button: the Enter that asked must
    // not press one
    this.chooser.focus();
  }

  async link(from, to, type) {
    const tmp = { id: "tmp-r" + ++this.tmp, type: type.key, from: from.id, to: to.id, n: this.next++, pending: true };
    this.rels.set(tmp.id, tmp);
    this.repaint([from.id, to.id]);
    try {
      const r = await api("POST", "/articles/" + this.articleID + "/relations", { type: type.key, from: from.id, to: to.id });
      this.rels.delete(tmp.id);
      // the span may have gone meanwhile (and the relation with it)
      if (this.spanOf(r.from) && this.spanOf(r.to)) this.rels.set(r.id, { id: r.id, type: r.type, from: r.from, to: r.to, n: tmp.n });
      toast("Linked: “" + quoteShort(from.text, 30) + "” " + type.name + " “" + quoteShort(to.text, 30) + "”.");
    } catch (e) {
      this.rels.delete(tmp.id);
      this.say("Link not saved: " + (e.describe ? e.describe() : String(e)));
    }
    this.repaint([from.id, to.id]);
  }

  async unlink(r) {
    if (r.pending) return;
    r.pending = true;
    this.paintSection();
    try {
      await api("DELETE", "/relations/" + r.id);
      this.rels.delete(r.id);
      toast("Link removed.");
    } catch (e) {
      r.pending = false;
      this.say("Link not removed: " + (e.describe ? e.describe() : String(e)));
    }
    this.repaint([r.from, r.to]);
  }

  // ---- input ----

  onKey(ev) {
    const v = this.v;
    if (v.help.open) return;
    const m = this.mode;
    if (m) {
      if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
      if (m.choosing) {
        const bs = [...this.chooser.children];
        const n = Number(ev.key);
        if (n >= 1 && n <= bs.length) { ev.preventDefault(); bs[n - 1].click(); } else if (ev.key === "Escape") { ev.preventDefault(); this.stop(true); } else if (["Tab", "ArrowRight", "ArrowDown", "ArrowLeft", "ArrowUp"].includes(ev.key)) {
          ev.preventDefault();
          const d = ev.key === "ArrowLeft" || ev.key === "ArrowUp" || (ev.key === "Tab" && ev.shiftKey) ? -1 : 1;
          bs[(bs.indexOf(document.activeElement) + d + bs.length) % bs.length].focus();
        } else if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); if (bs.includes(document.activeElement)) document.activeElement.click(); } else return;
        ev.stopImmediatePropagation();
        return;
      }
      if (document.activeElement && this.bar.contains(document.activeElement) && (ev.key === "Enter" || ev.key === " ")) return; // Cancel button
      switch (ev.key) {
        case "Tab": this.step(ev.shiftKey ? -1 : 1); break;
        case "ArrowRight": case "ArrowDown": this.step(1); break;
        case "ArrowLeft": case "ArrowUp": this.step(-1); break;
        case "Enter": this.pick(m.cands[m.i]); break;
        case "Escape": this.stop(true); break;
        default: if (ev.key.length > 1) return; // other keys (Shift...) pass; letters do nothing here
      }
      ev.preventDefault();
      ev.stopImmediatePropagation();
      return;
    }
    const t = ev.target;
    if (ev.ctrlKey || ev.metaKey || ev.altKey || (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable))) return;
    if (v.book.byHotkey.has(ev.key)) return; // a label's hotkey wins
    const lower = ev.key.toLowerCase();
    const typed = this.types.find((x) => x.hotkey && x.hotkey.toLowerCase() === lower);
    if (lower !== "r" && !typed) return;
    const key = v.eds.editing ?? v.view.current;
    if (key === null || key === undefined) { if (lower === "r") toast("Focus a span first (J / K or a click), then press R to link it."); return; }
    ev.preventDefault();
    ev.stopImmediatePropagation();
    this.start(key, typed);
  }

  onClick(ev) {
    if (!this.mode) return;
    ev.stopPropagation();
    ev.preventDefault();
    if (this.mode.choosing) return;
    const keys = this.v.view.keysAt(ev.target).filter((k) => this.mode.cands.includes(k));
    const best = this.v.state.innermost(keys);
    if (best) this.pick(best.key); else toast("Click one of the outlined spans, or press Esc.");
  }

  // ---- the editor's section ----

  // section returns the relations part of span key's editor (another
  // span's editor opening ends link mode).
  section(key) {
    if (this.mode && this.mode.from.key !== key) this.stop(false);
    const el = h("div", { class: "relations-box", attrs: { id: "ed-relations", role: "group", "aria-label": "Links" } });
    this.sec = { key, el };
    this.paintSection();
    return el;
  }

  paintSection() {
    if (!this.sec) return;
    const v = this.v, a = v.state.get(this.sec.key);
    const el = clear(this.sec.el);
    if (!a) return;
    const editable = v.canEdit(a);
    const rows = [];
    for (const r of this.rels.values()) {
      if (r.from !== a.id && r.to !== a.id) continue;
      const out = r.from === a.id, other = this.spanOf(out ? r.to : r.from);
      if (!other) continue;
      const owner = out ? a : other;
      const name = this.typeOf(r.type).name;
      rows.push([out ? 0 : 1, other.u0, h("li", { class: "relation" + (r.pending ? " pending" : ""), dataset: { rel: String(r.id) } },
        h("span", { class: "rel-n", text: String(r.n) }),
        h("span", { class: "rel-type", text: (out ? "" : "← ") + name + ": " }),
        h("button", { type: "button", class: "linklike rel-other", text: "“" + quoteShort(other.text, 60) + "”", title: "Go to this " + v.book.nameOf(other.label) + " span",
          on: { click: () => v.eds.open(other.key, true) } }),
        r.pending ? h("span", { class: "muted", text: " saving…" }) : null,
        v.canEdit(owner) && !r.pending ? h("button", { type: "button", class: "btn btn-small rel-remove", text: "×", title: "Remove this link",
          attrs: { "aria-label": "Remove the link " + name + " “" + quoteShort(other.text, 30) + "”" }, on: { click: () => this.unlink(r) } }) : null)]);
    }
    rows.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    const canLink = editable && !a.pending && this.fits(a.label).length > 0;
    if (!rows.length && !canLink) return;
    el.append(h("span", { class: "field-label", text: "Links" }),
      rows.length ? h("ul", { class: "relation-list" }, ...rows.map((r) => r[2])) : null,
      canLink ? h("button", { type: "button", class: "btn btn-small", text: "Link… (R)", attrs: { id: "ed-link", "aria-keyshortcuts": "R" },
        on: { click: () => this.start(a.key) } }) : null);
  }
}
