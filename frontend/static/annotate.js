// The annotate view: read an article, select a passage, press a label's
// hotkey. Spans are saved at once (shown as pending until the server has
// stored them), edited in the side panel (an editor with unsaved changes
// asks before it closes), and undone with Ctrl+Z.
//
// This module wires the parts together and talks to the server:
// spans.js (span state, undo and pending saves; no DOM), highlight.js
// (the text and its highlights), spanlist.js (the list beside it),
// editor.js (the span editor), layout.js (the page), keys.js and
// suggestions-ui.js (the suggester's pending claims: Tab, A, E, X).
import { api, listAll } from "./api.js";
import { toast, clear, h } from "./dom.js";
import { OffsetIndex } from "./offsets.js";
import { TextView } from "./highlight.js";
import { neighbour, queued } from "./nav.js";
import { SpanState } from "./spans.js";
import { SpanList } from "./spanlist.js";
import { Editors } from "./editor.js";
import { buildPage, labelBook, showTip, SPEAKER_LABEL } from "./layout.js";
import { installKeys } from "./keys.js";
import { adjustSelection, textDirection } from "./spantext.js";
import { refusal } from "./refusals.js";
import { Relations } from "./relations.js";
import { DocLabels } from "./doclabels.js";
import { Suggestions } from "./suggestions-ui.js";

export { adjustSelection, textDirection };

export async function annotateView(root, [idStr], ctx) {
  const articleID = Number(idStr);
  const me = ctx.user.name;
  // #/articles/N?span=ID (a link from the span browser): show that span,
  // with everyone's spans, since it may be a colleague's
  const linked = Number(new URLSearchParams(location.hash.split("?")[1] || "").get("span")) || 0;
  let showAll = linked > 0;
  // the spans are fetched while the article and its project are
  const fetchSpans = () => listAll("/articles/" + articleID + "/annotations", showAll ? {} : { annotator: me });
  let spansT0 = performance.now(), firstSpans = fetchSpans();
  firstSpans.catch(() => {}); // handled when awaited in loadSpans
  const article = await api("GET", "/articles/" + articleID);
  const project = await api("GET", "/projects/" + article.project_id); // fresh: labels may have changed
  document.title = (article.title || "Article " + articleID) + " · slant";
  const book = labelBook(project);
  const text = article.text;
  const idx = new OffsetIndex(text);
  const state = new SpanState((k) => idx.toUTF16(k));
  let snap = localStorage.getItem("slant.snap") === "1", done = !!article.done;

  const page = buildPage(root, { article, project, book, isAdmin: ctx.isAdmin, snap }, {
    create: (key) => createSpan(key),
    go: (dir) => go(dir),
    snap: (on) => { snap = on; localStorage.setItem("slant.snap", on ? "1" : "0"); },
    showAll: async (on) => { showAll = on; await loadSpans(); },
  });
  const { textEl, status, editorBox, doneBtn, help, tipCard } = page;
  const view = new TextView(textEl, text);
  const list = new SpanList(page.spanList, page.spanCount, (a) => ({
    color: book.colorOf(a.label), name: book.nameOf(a.label),
    speaker: a.attributes && a.attributes.speaker, annotator: a.annotator !== me ? a.annotator : null,
  }), (key) => eds.open(key, true));

  const v = {
    state, labels: book.labels, nameOf: book.nameOf, colorOf: book.colorOf, me, idx, text, textEl, editorBox, view, list, book, help,
    // curators and managers adjudicate: they may change anyone's span
    canEdit: (a) => a.annotator === me || ctx.isAdmin || project.role === "curator" || project.role === "manager",
    saveEdit, deleteSpan, focusSpan, spanDirection,
    create: createSpan, undo: undoLast, go, doneAndNext: () => eds.whenClean(markDoneAndNext),
  };
  const eds = new Editors(v);
  v.eds = eds;
  // links between spans (relations.js) and article-level labels (doclabels.js)
  // (in this order: the G chord of an article label goes before R)
  const docs = new DocLabels(textEl, { articleID, me, groups: project.document_labels, help, say,
    labelKeys: book.labels.map((l) => l.hotkey).filter(Boolean), relKeys: (project.relation_types || []).map((t) => t.hotkey).filter(Boolean) });
  const rels = new Relations(v, { articleID, types: project.relation_types, say });
  v.relSection = (key) => rels.section(key);
  const sugg = new Suggestions(v, { articleID, rels, selection: selectionSpan, chording: () => docs.chordOn }); // fetched with the spans, drawn with them
  page.addHelp([...docs.helpRows(), ...sugg.helpRows()]);

  // The text and the list follow the state, one span at a time.
  const viewSpan = (a) => ({ key: a.key, u0: a.u0, u1: a.u1, color: book.colorOf(a.label), pending: !!a.pending, other: a.annotator !== me, mark: rels.markOf(a) });
  state.on((ch) => {
    if (ch.type === "reset") {
      view.spans.clear();
      for (const a of state.anns.values()) view.spans.set(a.key, viewSpan(a));
      sugg.addTo(view.spans);
      view.renderAll();
      list.reset([]); // filled by loadSpans once the text is painted
      return;
    }
    if (ch.type === "put") {
      view.set(viewSpan(ch.span));
      list.put(ch.span, ch.prev);
      return;
    }
    view.delete(ch.span.key);
    list.drop(ch.span.key);
    if (eds.editing === ch.span.key) eds.close();
  });

  const paintDone = () => { doneBtn.textContent = done ? "✓ Done — undo" : "Mark done (D)"; doneBtn.classList.toggle("btn-done", done); };
  paintDone();
  doneBtn.addEventListener("click", async () => {
    try { await api(done ? "DELETE" : "POST", "/articles/" + articleID + "/done"); done = !done; paintDone(); } catch (e) { showError("Could not change the done flag", e); }
  });

  async function loadSpans() {
    const t0 = firstSpans ? spansT0 : performance.now();
    let items;
    try {
      items = await (firstSpans || fetchSpans());
      if (firstSpans) await Promise.all([rels.prefetched(), sugg.prefetched()]); // fetched at the same time: drawn at once
    } catch (e) { showError("Could not load the spans", e); return; } finally { firstSpans = null; }
    state.reset(items);
    textEl.dataset.renderMs = String(Math.round(performance.now() - t0));
    textEl.dataset.drawn = "1";
    // the list beside the text is built after the text is painted: the
    // annotator reads first
    await new Promise((ok) => requestAnimationFrame(() => setTimeout(ok, 0)));
    list.reset(state.anns.values());
    textEl.dataset.ready = "1";
    textEl.dataset.loads = String(Number(textEl.dataset.loads || 0) + 1);
  }

  function focusSpan(key, openEdit) {
    const node = view.setCurrent(key);
    if (node) (node.nodeType === Node.TEXT_NODE ? node.parentElement : node).scrollIntoView({ block: "center", behavior: "instant" });
    if (openEdit) eds.draw(key);
  }

  // spanDirection tells which way a span's text runs on screen: from its
  // first strong character, else the direction of its paragraph.
  function spanDirection(a) {
    const seg = view.segAt(a.u0);
    const el = seg ? (seg.node.nodeType === Node.TEXT_NODE ? seg.node.parentElement : seg.node) : textEl;
    return textDirection(text.slice(a.u0, a.u1)) || (getComputedStyle(el).direction === "rtl" ? "rtl" : "ltr");
  }

  // Refusals are said once, in the analyst's words, in the status box.
  function showError(what, e, labelKey) {
    say(refusal(what, e, labelKey ? book.nameOf(labelKey) : null));
  }
  function say(msg) {
    clear(status).appendChild(h("div", { class: "alert alert-error", text: msg },
      h("button", { type: "button", class: "btn btn-small close", text: "Dismiss", on: { click: () => clear(status) } })));
  }
  const clearError = () => clear(status);

  function selectionSpan() {
    const sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
    const r = view.rangeOf(sel.getRangeAt(0));
    if (!r) return null;
    const [u0, u1] = adjustSelection(text, r[0], r[1], snap);
    return u1 > u0 ? [u0, u1] : null;
  }

  async function createSpan(labelKey) {
    const r = selectionSpan();
    if (!r) { toast("Select a passage of the text first."); return; }
    const [u0, u1] = r;
    const quote = text.slice(u0, u1);
    const start = idx.toCodePoint(u0), end = idx.toCodePoint(u1);
    const tmp = state.beginCreate({ label: labelKey, start, end, u0, u1, text: quote, annotator: me });
    window.getSelection().removeAllRanges();
    clearError();
    try {
      const a = await api("POST", "/articles/" + articleID + "/annotations", { label: labelKey, start, end, text: quote, note: "", attributes: {} });
      state.commitCreate(tmp.key, a);
      if (labelKey === SPEAKER_LABEL) eds.whenClean(() => eds.draw(a.key, "speaker"));
    } catch (e) {
      state.failCreate(tmp.key);
      showError("Span not saved", e, labelKey);
    }
  }

  async function saveEdit(key, patch, { record = true, reopen = true } = {}) {
    const a = state.get(key);
    if (!a) return false;
    const before = SpanState.before(a);
    const sent = eds.snapshotOf(key);
    try {
      const b = await api("PATCH", "/annotations/" + a.id, patch);
      state.commitEdit(key, b, before, record);
      clearError();
      if (eds.editing === key && reopen) eds.reopen(key, sent);
      toast("Saved.");
      return true;
    } catch (e) {
      showError("Change not saved", e, patch.label || a.label);
      return false;
    }
  }

  async function deleteSpan(key) {
    const a = state.get(key);
    if (!a) return;
    try {
      await api("DELETE", "/annotations/" + a.id);
      state.commitDelete(key, true);
      clearError();
      toast("Span deleted. Ctrl+Z brings it back.");
    } catch (e) {
      showError("Span not deleted", e, a.label);
    }
  }

  async function undoLast() {
    const u = state.lastUndo();
    if (!u) { toast("Nothing to undo."); return; }
    if (u.op === "create" && state.isPending(u.id)) { toast("The last span is still being saved; undo it in a moment."); return; }
    // undoing a create or an edit of the open span redraws or closes its
    // editor: with unsaved changes there, ask first
    if (u.op !== "delete" && state.resolve(u.id) === eds.editing && eds.ed && eds.ed.dirty()) { eds.ed.ask(undoLast, false); return; }
    state.popUndo();
    try {
      if (u.op === "create") {
        const id = state.resolve(u.id);
        await api("DELETE", "/annotations/" + id);
        state.drop(id);
        toast("Undid: create.");
      } else if (u.op === "delete") { // back under its id, its annotator's, with its links
        const a = u.ann;
        const b = await api("POST", "/projects/" + article.project_id + "/annotations/" + a.id + "/restore");
        state.restore(a.key, b);
        rels.load();
        toast("Undid: delete.");
      } else if (u.op === "edit") {
        const id = state.resolve(u.id);
        if (!state.has(id)) throw new Error("the span is no longer shown");
        await saveEdit(id, u.before, { record: false }) || state.pushUndo(u);
      } else if (u.op === "accept") await sugg.undoAccept(u); // a suggestion's copy
    } catch (e) {
      state.pushUndo(u);
      showError("Undo failed", e);
    }
  }

  // go and markDoneAndNext leave the article: an editor with unsaved
  // changes asks first.
  function go(dir) { eds.whenClean(() => goNow(dir)); }
  async function goNow(dir) {
    try {
      // N: the next assigned, unfinished article when there is one
      const next = (dir > 0 && await queued(project.id, articleID).catch(() => null)) || await neighbour(project.id, articleID, dir);
      if (next === null) { toast(dir > 0 ? "This is the last article of the list." : "This is the first article of the list."); return; }
      ctx.navigate("#/articles/" + next);
    } catch (e) { showError("Could not find the " + (dir > 0 ? "next" : "previous") + " article", e); }
  }
  async function markDoneAndNext() {
    try {
      if (!done) await api("POST", "/articles/" + articleID + "/done");
      done = true; paintDone();
    } catch (e) { showError("Could not mark the article done", e); return; }
    const next = await queued(project.id, articleID).catch(() => null) || await neighbour(project.id, articleID, 1).catch(() => null);
    if (next === null) { toast("Done. That was the last article."); ctx.navigate("#/projects/" + project.id); return; }
    ctx.navigate("#/articles/" + next);
  }

  // A click opens the innermost span under it; the pointer outlines that
  // span and lists every span covering the character under it.
  textEl.addEventListener("click", (ev) => {
    const sel = window.getSelection();
    if (sel && !sel.isCollapsed) return;
    const best = state.innermost(view.keysAt(ev.target));
    if (best) eds.open(best.key, false);
  });
  let hoverNode = null;
  textEl.addEventListener("mouseover", (ev) => {
    if (ev.target === hoverNode) return;
    hoverNode = ev.target;
    const keys = view.keysAt(ev.target);
    const best = state.innermost(keys);
    view.setHover(best ? best.key : null);
    const spans = keys.map((k) => state.get(k)).filter(Boolean).sort((x, y) => (y.u1 - y.u0) - (x.u1 - x.u0));
    showTip(tipCard, spans, book, me, ev.target);
  });
  textEl.addEventListener("mouseleave", () => { hoverNode = null; view.setHover(null); tipCard.hidden = true; });

  const removeKeys = installKeys(v);
  // Leaving with unsaved changes: the browser asks on reload or close, the
  // router (app.js) on a link, Back or Log out; the editor's bar then asks.
  const onBeforeUnload = (ev) => { if (eds.ed && eds.ed.dirty()) { ev.preventDefault(); ev.returnValue = ""; } };
  window.addEventListener("beforeunload", onBeforeUnload);

  const allBox = root.querySelector("#show-all");
  if (allBox) allBox.checked = showAll;
  docs.load();
  await loadSpans();
  if (linked && state.has(linked)) focusSpan(linked, false);
  if (ctx.setLeaveGuard) ctx.setLeaveGuard((proceed) => (eds.ed && eds.ed.dirty() ? (eds.ed.ask(proceed), true) : false));
  // expose a small hook for tests and the console
  const hook = { view, idx, anns: state.anns, state, adjustSelection: (a, b) => adjustSelection(text, a, b, snap) };
  window.slantAnnotate = hook;
  return () => {
    removeKeys();
    rels.remove();
    sugg.remove();
    docs.remove();
    window.removeEventListener("beforeunload", onBeforeUnload);
    if (help.open) help.close();
    if (window.slantAnnotate === hook) delete window.slantAnnotate;
  };
}
