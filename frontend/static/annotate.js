// The annotate view: read an article, select a passage, press a label's
// hotkey. Spans are saved at once (shown as pending until the server has
// stored them), edited in the side panel (an editor with unsaved changes
// asks before it closes), and undone with Ctrl+Z.
import { api, listAll } from "./api.js";
import { h, clear, extLink, badge, fmtDate, toast } from "./dom.js";
import { OffsetIndex, snapUTF16 } from "./offsets.js";
import { TextView } from "./highlight.js";
import { neighbour } from "./nav.js";

const COLOR = /^#[0-9a-fA-F]{6}$/;
const WORD = /[\p{L}\p{N}\p{M}_'’\-]/u;
const SPEAKER_LABEL = "attributed_claim";

function isWordAt(text, u, back) {
  // the code point ending at u (back) or starting at u (forward)
  if (back) {
    if (u <= 0) return false;
    const start = snapUTF16(text, u - 1, false);
    return WORD.test(String.fromCodePoint(text.codePointAt(start)));
  }
  if (u >= text.length) return false;
  return WORD.test(String.fromCodePoint(text.codePointAt(u)));
}

// adjustSelection trims whitespace at both ends of UTF-16 [u0, u1) and,
// with snap, extends it to whole words. It never cuts a surrogate pair.
export function adjustSelection(text, u0, u1, snap) {
  u0 = snapUTF16(text, u0, false);
  u1 = snapUTF16(text, u1, true);
  while (u0 < u1 && /\s/.test(text[u0])) u0++;
  while (u1 > u0 && /\s/.test(text[u1 - 1])) u1--;
  if (snap && u1 > u0) {
    while (isWordAt(text, u0, true)) u0 = snapUTF16(text, u0 - 1, false);
    while (isWordAt(text, u1, false)) u1 = snapUTF16(text, u1 + 1, true);
  }
  return [u0, u1];
}

// textDirection is "rtl" or "ltr" after the first strong character of s
// (as dir="auto" decides), or null when s has none (digits, punctuation,
// emoji). Letters of the right-to-left scripts and RLM/ALM count as
// right-to-left; every other letter and LRM as left-to-right.
const STRONG = /[\p{L}\u200E\u200F\u061C]/u;
const RTL = /[\p{Script=Arabic}\p{Script=Hebrew}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}\p{Script=Samaritan}\p{Script=Mandaic}\p{Script=Adlam}\u200F\u061C]/u;
export function textDirection(s) {
  const m = STRONG.exec(s);
  return m ? (RTL.test(m[0]) ? "rtl" : "ltr") : null;
}

function quoteShort(s, n = 140) {
  const t = s.replace(/\s+/g, " ");
  return t.length > n ? t.slice(0, n - 1) + "…" : t;
}

export async function annotateView(root, [idStr], ctx) {
  const articleID = Number(idStr);
  const me = ctx.user.name;
  const article = await api("GET", "/articles/" + articleID);
  const project = await api("GET", "/projects/" + article.project_id); // fresh: labels may have changed
  document.title = (article.title || "Article " + articleID) + " · slant";
  const labels = [...project.labels].sort((a, b) => a.sort_order - b.sort_order || a.id - b.id);
  const labelByKey = new Map(labels.map((l) => [l.key, l]));
  const labelByHotkey = new Map(labels.filter((l) => l.hotkey).map((l) => [l.hotkey, l]));
  const colorOf = (key) => { const l = labelByKey.get(key); return l && COLOR.test(l.color) ? l.color : "#7a7a7a"; };
  const nameOf = (key) => (labelByKey.get(key) || { name: key }).name;

  const text = article.text;
  const idx = new OffsetIndex(text);
  const anns = new Map(); // key -> annotation (+ u0, u1); key is the id, or "tmp-N" while pending
  const undo = [];
  const alias = new Map(); // id of a deleted span -> id of its re-creation by undo
  const resolve = (id) => { while (alias.has(id)) id = alias.get(id); return id; };
  let showAll = false, editing = null, tmpSeq = 0;
  let snap = localStorage.getItem("slant.snap") === "1";

  // ---- layout ----
  const textEl = h("div", { class: "article-text", attrs: { id: "article-text", tabindex: "0", lang: article.language || null, dir: "auto", "aria-label": "Article text. Select a passage, then press a label's hotkey." } });
  const status = h("div", { class: "status", attrs: { id: "status", role: "alert", "aria-live": "assertive" } });
  const spanList = h("ol", { class: "span-list", attrs: { id: "span-list" } });
  const spanCount = h("span", { class: "muted" });
  const editorBox = h("div", { attrs: { id: "editor-box" } });
  const doneBtn = h("button", { type: "button", class: "btn", attrs: { id: "done-btn" } });
  const view = new TextView(textEl, text);

  const src = article.source;
  const meta = h("div", { class: "article-meta" },
    src ? h("span", { class: "outlet" }, h("span", { class: "outlet-name", text: src.name || src.domain, title: src.domain }), " ", badge(src.ownership, src.country)) : h("span", { class: "muted", text: "no outlet" }),
    article.author ? h("span", { text: article.author }) : null,
    article.published_at ? h("time", { text: fmtDate(article.published_at), attrs: { datetime: article.published_at } }) : null,
    article.url ? extLink(article.url, "Original ↗") : null);
  const srcNotes = src && src.notes ? h("details", { class: "source-notes" }, h("summary", { text: "About " + (src.name || src.domain) }), h("p", { text: src.notes })) : null;

  const palette = h("div", { class: "palette", attrs: { role: "toolbar", "aria-label": "Labels" } });
  for (const l of labels) {
    const tipID = "tip-" + l.id;
    const btn = h("button", { type: "button", class: "label-btn", dataset: { key: l.key }, attrs: { "aria-describedby": l.description ? tipID : null, "aria-keyshortcuts": l.hotkey || null } },
      h("span", { class: "swatch" }), h("span", { class: "label-name", text: l.name }), l.hotkey ? h("kbd", { text: l.hotkey }) : null);
    btn.firstChild.style.backgroundColor = colorOf(l.key);
    btn.addEventListener("mousedown", (ev) => ev.preventDefault()); // keep the text selection
    btn.addEventListener("click", () => createSpan(l.key));
    palette.appendChild(h("div", { class: "label-wrap" }, btn, l.description ? h("div", { class: "tip", text: l.description, attrs: { id: tipID, role: "tooltip" } }) : null));
  }
  const snapBox = h("input", { type: "checkbox", checked: snap, attrs: { id: "snap" } });
  snapBox.addEventListener("change", () => { snap = snapBox.checked; localStorage.setItem("slant.snap", snap ? "1" : "0"); });
  const allBox = ctx.isAdmin ? h("input", { type: "checkbox", attrs: { id: "show-all" } }) : null;
  if (allBox) allBox.addEventListener("change", async () => { showAll = allBox.checked; await loadSpans(); });

  const aside = h("aside", { class: "side" },
    h("section", { class: "card side-card" }, h("h2", { text: "Labels" }), palette,
      h("label", { class: "check" }, snapBox, " Snap to whole words"),
      allBox ? h("label", { class: "check" }, allBox, " Show all annotators' spans") : null,
      h("p", { class: "hint" }, "Select text, then press a hotkey. ", h("kbd", { text: "?" }), " shows all shortcuts.")),
    status, editorBox,
    h("section", { class: "card side-card" }, h("h2", {}, "Spans ", spanCount), spanList));

  const main = h("article", { class: "reader" },
    h("nav", { class: "crumbs" }, h("a", { href: "#/projects", text: "Projects" }), " / ", h("a", { href: "#/projects/" + project.id, text: project.name }), " / "),
    h("h1", { class: "article-title", text: article.title || "(untitled)", attrs: { dir: "auto" } }),
    meta, srcNotes,
    h("div", { class: "article-actions" }, doneBtn,
      h("button", { type: "button", class: "btn", text: "← Previous (P)", on: { click: () => go(-1) } }),
      h("button", { type: "button", class: "btn", text: "Next (N) →", on: { click: () => go(1) } })),
    textEl);
  const help = helpDialog(labels);
  root.appendChild(h("div", { class: "annotate" }, main, aside, help));

  let done = !!article.done;
  const paintDone = () => { doneBtn.textContent = done ? "✓ Done — undo" : "Mark done (D)"; doneBtn.classList.toggle("btn-done", done); };
  paintDone();
  doneBtn.addEventListener("click", async () => {
    try { await api(done ? "DELETE" : "POST", "/articles/" + articleID + "/done"); done = !done; paintDone(); } catch (e) { showError("Could not change the done flag", e); }
  });

  // ---- spans ----
  function viewSpan(a) {
    return { key: a.key, u0: a.u0, u1: a.u1, color: colorOf(a.label), pending: !!a.pending, other: a.annotator !== me };
  }
  function withUTF16(a) {
    a.key = a.key || a.id;
    a.u0 = idx.toUTF16(a.start);
    a.u1 = idx.toUTF16(a.end);
    return a;
  }
  async function loadSpans() {
    const t0 = performance.now();
    let items;
    try {
      items = await listAll("/articles/" + articleID + "/annotations", showAll ? {} : { annotator: me });
    } catch (e) { showError("Could not load the spans", e); return; }
    anns.clear();
    view.spans.clear();
    for (const a of items) {
      withUTF16(a);
      anns.set(a.key, a);
      view.spans.set(a.key, viewSpan(a));
    }
    view.renderAll();
    renderList();
    textEl.dataset.renderMs = String(Math.round(performance.now() - t0));
    textEl.dataset.ready = "1";
    textEl.dataset.loads = String(Number(textEl.dataset.loads || 0) + 1);
  }
  function put(a) { anns.set(a.key, a); view.set(viewSpan(a)); scheduleList(); }
  function drop(key) { anns.delete(key); view.delete(key); scheduleList(); if (editing === key) closeEditor(); }

  let listQueued = false;
  function scheduleList() {
    if (listQueued) return;
    listQueued = true;
    requestAnimationFrame(() => { listQueued = false; renderList(); });
  }
  function sorted() {
    return [...anns.values()].sort((x, y) => x.start - y.start || y.end - x.end || String(x.key).localeCompare(String(y.key)));
  }
  function renderList() {
    const frag = document.createDocumentFragment();
    const all = sorted();
    for (const a of all) {
      const sw = h("span", { class: "swatch" });
      sw.style.backgroundColor = colorOf(a.label);
      const li = h("li", { class: "span-item" + (a.key === editing ? " active" : "") + (a.pending ? " pending" : "") },
        h("button", { type: "button", class: "span-btn", dataset: { key: String(a.key) }, on: { click: () => openSpan(a.key, true) } },
          h("span", { class: "span-head" }, sw, h("span", { class: "span-label", text: nameOf(a.label) }),
            a.attributes && a.attributes.speaker ? h("span", { class: "speaker", text: "— " + a.attributes.speaker }) : null,
            a.annotator !== me ? h("span", { class: "annotator", text: a.annotator }) : null),
          h("span", { class: "span-quote", text: quoteShort(a.text), attrs: { dir: "auto" } }),
          a.note ? h("span", { class: "span-note", text: a.note }) : null));
      frag.appendChild(li);
    }
    clear(spanList).appendChild(frag);
    spanCount.textContent = "(" + all.length + ")";
  }

  function focusSpan(key, openEdit) {
    const node = view.setCurrent(key);
    if (node) node.scrollIntoView({ block: "center", behavior: "instant" });
    if (openEdit) openEditor(key);
  }

  // ---- status ----
  function showError(what, e) {
    const msg = what + ": " + (e && e.describe ? e.describe() : String(e));
    clear(status).appendChild(h("div", { class: "alert alert-error", text: msg },
      h("button", { type: "button", class: "btn btn-small close", text: "Dismiss", on: { click: () => clear(status) } })));
    toast(msg, "error");
  }
  function clearError() { clear(status); }

  // ---- create ----
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
    const tmp = { key: "tmp-" + ++tmpSeq, pending: true, label: labelKey, start, end, u0, u1, text: quote, note: "", attributes: {}, annotator: me };
    put(tmp);
    window.getSelection().removeAllRanges();
    clearError();
    try {
      const a = await api("POST", "/articles/" + articleID + "/annotations", { label: labelKey, start, end, text: quote, note: "", attributes: {} });
      drop(tmp.key);
      put(withUTF16(a));
      undo.push({ op: "create", id: a.id });
      if (labelKey === SPEAKER_LABEL) whenClean(() => openEditor(a.key, "speaker"));
    } catch (e) {
      drop(tmp.key);
      showError("Span not saved", e);
    }
  }

  // ---- edit ----
  function canEdit(a) { return a.annotator === me || ctx.isAdmin; }

  // ed is the open editor, or null: its span's key and what the rest of the
  // view asks of it. An editor with unsaved changes never closes silently:
  // whenClean shows its bar (Save · Discard · Keep editing) first.
  let ed = null;

  // whenClean runs then() at once when no editor is open or the open one
  // has nothing unsaved; else it shows the editor's bar and runs then()
  // only after the annotator chose Save (and it worked) or Discard.
  function whenClean(then) {
    if (!ed || !ed.dirty()) { then(); return true; }
    ed.ask(then);
    return false;
  }

  // openSpan opens the editor of another span (from the text, the list or
  // a chip) once the open editor may go; scroll centres it in the text.
  function openSpan(key, scroll) {
    if (key === editing) { if (scroll) focusSpan(key, false); return; }
    whenClean(() => (scroll ? focusSpan(key, true) : openEditor(key)));
  }

  // openEditor draws the editor of a span. carry (after a save, see
  // reopenEditor) holds values typed while the save was on its way and
  // the focus to restore.
  function openEditor(key, focusField, carry) {
    const a = anns.get(key);
    if (!a || a.pending) return;
    editing = key;
    view.setCurrent(key);
    scheduleList();
    const editable = canEdit(a);
    const labelSel = h("select", { attrs: { id: "ed-label" }, disabled: !editable }, ...labels.map((l) => h("option", { value: l.key, text: l.name + (l.hotkey ? " (" + l.hotkey + ")" : "") })));
    labelSel.value = a.label;
    const speaker = h("input", { type: "text", value: (a.attributes && a.attributes.speaker) || "", disabled: !editable, attrs: { id: "ed-speaker", placeholder: "who makes the claim (\"unnamed\" if anonymous)" } });
    const speakerField = h("label", { class: "field" }, h("span", { class: "field-label", text: "Speaker" }), speaker);
    const note = h("textarea", { value: a.note || "", rows: 3, disabled: !editable, attrs: { id: "ed-note" } });
    const showSpeaker = () => { speakerField.hidden = labelSel.value !== SPEAKER_LABEL && !speaker.value; };
    labelSel.addEventListener("change", showSpeaker);
    // What the controls showed when the editor opened; "unsaved" means they
    // differ now (read back from the controls: a textarea turns CRLF into
    // LF, a select shows "" for a label it does not list).
    const initial = { label: labelSel.value, note: note.value, speaker: speaker.value.trim() };
    const here = [...anns.values()].filter((o) => o.key !== key && o.u0 < a.u1 && a.u0 < o.u1 && !o.pending);

    // Boundaries: a draft in code points, stepped one code point at a time
    // (so never into a surrogate pair); the highlight moves only once the
    // server has accepted the change. The arrows follow the screen: in a
    // right-to-left span, ← moves a boundary towards later text.
    let draft = { start: a.start, end: a.end };
    const rtl = spanDirection(a) === "rtl";
    const later = rtl ? "ArrowLeft" : "ArrowRight"; // the arrow that moves towards later text
    const step = (arrow) => (arrow === later ? 1 : -1);
    const quoteEl = h("blockquote", { class: "quote", text: a.text, attrs: { id: "ed-quote", dir: "auto" } });
    const offsetsEl = h("span", { attrs: { id: "ed-offsets", "aria-live": "polite" } });
    const boundBtn = (id, which, arrow) => {
      const keys = "Alt+" + (which === "end" ? "Shift+" : "") + arrow;
      const label = (which === "end" ? "End" : "Start") + " one character " + (step(arrow) > 0 ? "later" : "earlier");
      return h("button", { type: "button", class: "btn btn-small", text: arrow === "ArrowLeft" ? "←" : "→", title: label + " (" + keys.replace("Arrow", "").replace(/\+/g, " + ") + ")",
        attrs: { id, "aria-label": label, "aria-keyshortcuts": keys }, on: { click: () => nudge(which, step(arrow)) } });
    };
    const startL = boundBtn("ed-start-left", "start", "ArrowLeft");
    const startR = boundBtn("ed-start-right", "start", "ArrowRight");
    const endL = boundBtn("ed-end-left", "end", "ArrowLeft");
    const endR = boundBtn("ed-end-right", "end", "ArrowRight");
    const resetB = h("button", { type: "button", class: "btn btn-small", text: "Reset", title: "Back to the saved boundaries", attrs: { id: "ed-bounds-reset" } });
    const paintDraft = () => {
      const changed = draft.start !== a.start || draft.end !== a.end;
      quoteEl.textContent = changed ? idx.slice(draft.start, draft.end) : a.text;
      offsetsEl.textContent = "[" + draft.start + ", " + draft.end + ")" + (changed ? " (saved: [" + a.start + ", " + a.end + "); press Save)" : "");
      const atLimit = (which, dir) => (which === "start" ? (dir < 0 ? draft.start <= 0 : draft.end - draft.start <= 1) : (dir < 0 ? draft.end - draft.start <= 1 : draft.end >= idx.length));
      const limits = [[startL, "start", "ArrowLeft"], [startR, "start", "ArrowRight"], [endL, "end", "ArrowLeft"], [endR, "end", "ArrowRight"]];
      // aria-disabled, not disabled: a focused button keeps the focus at a limit
      for (const [b, which, arrow] of limits) b.setAttribute("aria-disabled", atLimit(which, step(arrow)) ? "true" : "false");
      resetB.hidden = !changed;
      quoteEl.classList.toggle("draft", changed);
    };
    const nudge = (which, dir) => {
      const n = { ...draft, [which]: draft[which] + dir };
      if (n.start < 0 || n.end > idx.length || n.end - n.start < 1) return false;
      draft = n;
      paintDraft();
      return true;
    };
    resetB.addEventListener("click", () => { draft = { start: a.start, end: a.end }; paintDraft(); });
    const bounds = editable ? h("div", { class: "bounds", attrs: { role: "group", "aria-label": "Boundaries", "aria-describedby": rtl ? "ed-rtl" : null } },
      h("span", { class: "field-label", text: "Start" }), startL, startR,
      h("span", { class: "field-label", text: "End" }), endL, endR, resetB,
      rtl ? h("span", { class: "hint", text: "Right-to-left text: ← moves towards later text.", attrs: { id: "ed-rtl" } }) : null) : null;

    const changes = () => [
      labelSel.value !== initial.label && "label",
      note.value !== initial.note && "note",
      speaker.value.trim() !== initial.speaker && "speaker",
      (draft.start !== a.start || draft.end !== a.end) && "boundaries",
    ].filter(Boolean);
    const buildPatch = () => {
      const attrs = { ...(a.attributes || {}) };
      if (speaker.value.trim()) attrs.speaker = speaker.value.trim(); else delete attrs.speaker;
      const patch = { label: labelSel.value, note: note.value, attributes: attrs };
      if (draft.start !== a.start || draft.end !== a.end) Object.assign(patch, { start: draft.start, end: draft.end, text: idx.slice(draft.start, draft.end) });
      return patch;
    };

    // The unsaved-changes bar. It holds the action that asked (close, open
    // another span, go to another article) in pending until the annotator
    // picks: Save (Enter, it has the focus) saves and then goes on, Discard
    // (Esc) drops the changes and goes on, Keep editing drops the action.
    // An undo goes on after Discard only: after Save, the save is the last
    // thing to undo.
    let pending = null, pendingAfterSave = true, returnFocus = null, saving = false;
    const barMsg = h("span", { class: "unsaved-msg", attrs: { id: "ed-unsaved-msg" } });
    const barSave = h("button", { type: "button", class: "btn btn-small btn-primary", text: "Save", title: "Save the changes, then go on (Enter)", attrs: { id: "ed-unsaved-save" } });
    const barDiscard = h("button", { type: "button", class: "btn btn-small", text: "Discard", title: "Drop the changes, then go on (Esc)", attrs: { id: "ed-unsaved-discard" } });
    const barKeep = h("button", { type: "button", class: "btn btn-small", text: "Keep editing", attrs: { id: "ed-unsaved-keep" } });
    const bar = h("div", { class: "unsaved", hidden: true, attrs: { id: "ed-unsaved", role: "group", "aria-labelledby": "ed-unsaved-msg" } },
      h("span", {}, barMsg, " ", h("span", { class: "hint", text: "Enter saves · Esc discards" })), h("span", { class: "unsaved-actions" }, barSave, barDiscard, barKeep));
    const ask = (then, afterSave = true) => {
      pending = then || null;
      pendingAfterSave = afterSave;
      if (bar.hidden) returnFocus = form.contains(document.activeElement) ? document.activeElement : null;
      barMsg.textContent = "Unsaved changes (" + changes().join(", ") + ")";
      bar.hidden = false;
      barSave.focus({ preventScroll: true });
      bar.scrollIntoView({ block: "nearest" });
    };
    const goOn = (saved) => {
      const then = saved && !pendingAfterSave ? null : pending;
      closeEditor();
      if (then) then();
    };
    const discard = () => goOn(false);
    barSave.addEventListener("click", async () => {
      if (saving) return;
      saving = true;
      barSave.setAttribute("aria-disabled", "true");
      const ok = await saveEdit(key, buildPatch(), { reopen: false });
      saving = false;
      barSave.setAttribute("aria-disabled", "false");
      if (ed !== self) return; // another editor took over meanwhile
      if (!ok) { barSave.focus({ preventScroll: true }); return; } // the error is shown; the changes stay
      goOn(true);
    });
    barDiscard.addEventListener("click", discard);
    barKeep.addEventListener("click", () => {
      pending = null;
      bar.hidden = true;
      (returnFocus && returnFocus.isConnected ? returnFocus : labelSel).focus({ preventScroll: true });
    });

    const form = h("form", { class: "card editor", attrs: { id: "editor", role: "dialog", "aria-label": "Edit span" } },
      h("div", { class: "editor-head" }, h("h2", { text: "Span" }), h("button", { type: "button", class: "btn btn-small", text: "Close (Esc)", attrs: { id: "ed-close" }, on: { click: () => whenClean(closeEditor) } })),
      bar,
      quoteEl,
      h("p", { class: "muted small" }, offsetsEl, " · by " + a.annotator + (a.origin && a.origin !== "human" ? " · " + a.origin : "")),
      bounds,
      h("label", { class: "field" }, h("span", { class: "field-label", text: "Label" }), labelSel),
      speakerField,
      h("label", { class: "field" }, h("span", { class: "field-label", text: "Note" }), note),
      editable ? h("div", { class: "actions" },
        h("button", { type: "submit", class: "btn btn-primary", text: "Save", attrs: { id: "ed-save" } }),
        h("button", { type: "button", class: "btn btn-danger", text: "Delete", attrs: { id: "ed-delete" }, on: { click: () => deleteSpan(key) } })) : h("p", { class: "muted", text: "Only the annotator or an admin can change this span." }),
      here.length ? h("div", { class: "also" }, h("span", { class: "muted", text: "Also here: " }),
        ...here.map((o) => { const b = h("button", { type: "button", class: "chip", text: nameOf(o.label) + (o.annotator !== me ? " · " + o.annotator : ""), on: { click: () => openSpan(o.key, true) } }); b.style.borderColor = colorOf(o.label); return b; })) : null);
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      saveEdit(key, buildPatch());
    });
    form.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); form.requestSubmit(); }
    });

    if (carry) {
      if (carry.label !== undefined) labelSel.value = carry.label;
      if (carry.note !== undefined) note.value = carry.note;
      if (carry.speaker !== undefined) speaker.value = carry.speaker;
      if (carry.draft) draft = carry.draft;
    }
    showSpeaker();
    paintDraft();

    const self = {
      key,
      dirty: () => changes().length > 0,
      ask,
      asking: () => !bar.hidden,
      discard,
      // snapshot: the controls' values and the focus inside the editor
      snapshot: () => {
        const f = form.contains(document.activeElement) ? document.activeElement : null;
        return { label: labelSel.value, note: note.value, speaker: speaker.value, draft: { ...draft },
          focus: f && f.id ? { id: f.id, start: f.selectionStart ?? null, end: f.selectionEnd ?? null } : null };
      },
      nudge: editable ? (which, arrow) => nudge(which, step(arrow)) : null,
    };
    ed = self;
    clear(editorBox).appendChild(form);
    const back = carry && carry.focus ? document.getElementById(carry.focus.id) : null;
    if (back && form.contains(back)) {
      back.focus({ preventScroll: true });
      if (carry.focus.start !== null && typeof back.setSelectionRange === "function") back.setSelectionRange(carry.focus.start, carry.focus.end);
      return;
    }
    const f = focusField === "speaker" ? (speakerField.hidden = false, speaker) : labelSel;
    if (focusField !== undefined || document.activeElement === document.body || !textEl.contains(document.activeElement)) f.focus({ preventScroll: true });
  }

  // spanDirection tells which way a span's text runs on screen: from its
  // first strong character, else the direction of the article element
  // (dir="auto": the first strong character of the whole text). The span's
  // own text decides first because the article is one element: an Arabic
  // quote in an English article is still drawn right to left.
  function spanDirection(a) {
    return textDirection(text.slice(a.u0, a.u1)) || (getComputedStyle(textEl).direction === "rtl" ? "rtl" : "ltr");
  }

  function closeEditor() {
    const wasInEditor = editorBox.contains(document.activeElement);
    editing = null;
    ed = null;
    clear(editorBox);
    view.setCurrent(null);
    scheduleList();
    if (wasInEditor) textEl.focus({ preventScroll: true });
  }

  // reopenEditor redraws the open editor from the stored span after a save.
  // What the annotator changed while the save was on its way (the
  // difference between sent and now) is kept, and so are the focus and
  // the caret: a slow answer never wipes fresh typing.
  function reopenEditor(key, sent) {
    const now = ed && ed.key === key ? ed.snapshot() : null;
    let carry;
    if (sent && now) {
      carry = { focus: now.focus };
      for (const f of ["label", "note", "speaker"]) if (now[f] !== sent[f]) carry[f] = now[f];
      if (now.draft.start !== sent.draft.start || now.draft.end !== sent.draft.end) carry.draft = now.draft;
    }
    openEditor(key, undefined, carry);
  }

  async function saveEdit(key, patch, { record = true, reopen = true } = {}) {
    const a = anns.get(key);
    if (!a) return false;
    const before = { label: a.label, note: a.note, attributes: a.attributes || {}, start: a.start, end: a.end, text: a.text };
    const sent = ed && ed.key === key ? ed.snapshot() : null;
    try {
      const b = await api("PATCH", "/annotations/" + a.id, patch);
      b.key = key;
      put(withUTF16(b));
      if (record) undo.push({ op: "edit", id: a.id, before });
      clearError();
      if (editing === key && reopen) reopenEditor(key, sent);
      toast("Saved.");
      return true;
    } catch (e) {
      showError("Change not saved", e);
      return false;
    }
  }

  async function deleteSpan(key) {
    const a = anns.get(key);
    if (!a) return;
    try {
      await api("DELETE", "/annotations/" + a.id);
      drop(key);
      undo.push({ op: "delete", ann: { ...a } });
      clearError();
      toast("Span deleted. Ctrl+Z brings it back.");
    } catch (e) {
      showError("Span not deleted", e);
    }
  }

  async function undoLast() {
    const u = undo.at(-1);
    if (!u) { toast("Nothing to undo."); return; }
    // undoing a create or an edit of the open span redraws or closes its
    // editor: with unsaved changes there, ask first
    if (u.op !== "delete" && resolve(u.id) === editing && ed && ed.dirty()) { ed.ask(undoLast, false); return; }
    undo.pop();
    try {
      if (u.op === "create") {
        const id = resolve(u.id);
        await api("DELETE", "/annotations/" + id);
        drop(id);
        toast("Undid: create.");
      } else if (u.op === "delete") {
        const a = u.ann;
        const b = await api("POST", "/articles/" + articleID + "/annotations", { label: a.label, start: a.start, end: a.end, text: a.text, note: a.note || "", attributes: a.attributes || {} });
        alias.set(a.id, b.id);
        put(withUTF16(b));
        toast("Undid: delete.");
      } else if (u.op === "edit") {
        const id = resolve(u.id);
        if (!anns.has(id)) throw new Error("the span is no longer shown");
        await saveEdit(id, u.before, { record: false }) || undo.push(u);
        return;
      }
    } catch (e) {
      undo.push(u);
      showError("Undo failed", e);
    }
  }

  // ---- navigation ----
  // go and markDoneAndNext leave the article: an editor with unsaved
  // changes asks first.
  function go(dir) { whenClean(() => goNow(dir)); }
  async function goNow(dir) {
    try {
      const next = await neighbour(project.id, articleID, dir);
      if (next === null) { toast(dir > 0 ? "This is the last article of the list." : "This is the first article of the list."); return; }
      ctx.navigate("#/articles/" + next);
    } catch (e) { showError("Could not find the " + (dir > 0 ? "next" : "previous") + " article", e); }
  }
  function markDoneAndNext() { whenClean(markDoneAndNextNow); }
  async function markDoneAndNextNow() {
    try {
      if (!done) await api("POST", "/articles/" + articleID + "/done");
      done = true; paintDone();
    } catch (e) { showError("Could not mark the article done", e); return; }
    const next = await neighbour(project.id, articleID, 1).catch(() => null);
    if (next === null) { toast("Done. That was the last article."); ctx.navigate("#/projects/" + project.id); return; }
    ctx.navigate("#/articles/" + next);
  }

  // ---- events ----
  textEl.addEventListener("click", (ev) => {
    const sel = window.getSelection();
    if (sel && !sel.isCollapsed) return;
    const keys = view.keysAt(ev.target);
    if (!keys.length) return;
    // the innermost (shortest) span at the click
    let best = null;
    for (const k of keys) { const a = anns.get(k); if (a && !a.pending && (!best || a.u1 - a.u0 < best.u1 - best.u0)) best = a; }
    if (best) openSpan(best.key, false);
  });

  // Keyboard selection inside the text: arrows move a caret, Shift+arrows
  // extend the selection (Ctrl/Alt by word), like in an editor.
  textEl.addEventListener("keydown", (ev) => {
    const dirs = { ArrowLeft: ["backward", "character"], ArrowRight: ["forward", "character"], ArrowUp: ["backward", "line"], ArrowDown: ["forward", "line"], Home: ["backward", "lineboundary"], End: ["forward", "lineboundary"] };
    const d = dirs[ev.key];
    if (!d) return;
    if (boundaryKey(ev)) return; // the span editor's shortcut (onKey)
    const sel = window.getSelection();
    if (!sel.rangeCount || !textEl.contains(sel.anchorNode)) {
      const r = view.domRange(0, 0);
      sel.removeAllRanges();
      sel.addRange(r);
    }
    const gran = (ev.ctrlKey || ev.altKey) && d[1] === "character" ? "word" : d[1];
    sel.modify(ev.shiftKey ? "extend" : "move", d[0], gran);
    ev.preventDefault();
  });

  // boundaryKey: Alt(+Shift)+Left/Right while an editable span editor is open.
  function boundaryKey(ev) {
    return ed !== null && ed.nudge !== null && ev.altKey && !ev.ctrlKey && !ev.metaKey && (ev.key === "ArrowLeft" || ev.key === "ArrowRight");
  }

  const spanKeysInOrder = () => sorted().filter((a) => !a.pending).map((a) => a.key);
  function step(dir) {
    const keys = spanKeysInOrder();
    if (!keys.length) return;
    let i = keys.indexOf(editing ?? view.current);
    i = i < 0 ? (dir > 0 ? 0 : keys.length - 1) : (i + dir + keys.length) % keys.length;
    whenClean(() => {
      focusSpan(keys[i], false);
      openEditor(keys[i]);
      textEl.focus({ preventScroll: true });
    });
  }

  function onKey(ev) {
    if (help.open) return;
    const t = ev.target;
    const typing = t && ((t.tagName === "INPUT" && !/^(checkbox|radio|button|submit|reset|color)$/.test(t.type)) || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
    if (ev.key === "Escape") {
      // the second Esc, with the unsaved-changes bar shown, discards
      if (ed && ed.asking()) { ev.preventDefault(); ed.discard(); } else if (editing !== null) { ev.preventDefault(); whenClean(closeEditor); }
      return;
    }
    if (boundaryKey(ev) && !(typing && t.tagName !== "SELECT")) {
      ev.preventDefault();
      ed.nudge(ev.shiftKey ? "end" : "start", ev.key);
      return;
    }
    if (typing) return;
    if ((ev.ctrlKey || ev.metaKey) && !ev.shiftKey && ev.key.toLowerCase() === "z") { ev.preventDefault(); undoLast(); return; }
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const l = labelByHotkey.get(ev.key);
    if (l) { ev.preventDefault(); createSpan(l.key); return; }
    switch (ev.key) {
      case "n": case "N": ev.preventDefault(); go(1); break;
      case "p": case "P": ev.preventDefault(); go(-1); break;
      case "d": case "D": ev.preventDefault(); markDoneAndNext(); break;
      case "j": ev.preventDefault(); step(1); break;
      case "k": ev.preventDefault(); step(-1); break;
      case "Enter": if (view.current !== null && view.current !== undefined && editing === null) { ev.preventDefault(); openEditor(view.current); } break;
      case "Delete": if (editing !== null && t === textEl) { ev.preventDefault(); deleteSpan(editing); } break;
      case "?": ev.preventDefault(); help.showModal(); break;
    }
  }
  document.addEventListener("keydown", onKey);
  // Leaving with unsaved changes: the browser asks on reload or close, the
  // router (app.js) on a link, Back or Log out; the editor's bar then asks.
  const onBeforeUnload = (ev) => { if (ed && ed.dirty()) { ev.preventDefault(); ev.returnValue = ""; } };
  window.addEventListener("beforeunload", onBeforeUnload);

  await loadSpans();
  if (ctx.setLeaveGuard) ctx.setLeaveGuard((proceed) => (ed && ed.dirty() ? (ed.ask(proceed), true) : false));
  // expose a small hook for tests and the console
  const hook = { view, idx, anns, adjustSelection: (a, b) => adjustSelection(text, a, b, snap) };
  window.slantAnnotate = hook;
  return () => {
    document.removeEventListener("keydown", onKey);
    window.removeEventListener("beforeunload", onBeforeUnload);
    if (help.open) help.close();
    if (window.slantAnnotate === hook) delete window.slantAnnotate;
  };
}

function helpDialog(labels) {
  const rows = [
    ...labels.filter((l) => l.hotkey).map((l) => [l.hotkey, "Label the selection: " + l.name]),
    ["Shift + arrows", "Select text with the keyboard (in the focused text; Ctrl for whole words)"],
    ["Ctrl + Z", "Undo the last create, edit (label, note, boundaries) or delete"],
    ["Alt + ← / →", "In the span editor: move the start one character left / right on screen; in right-to-left text ← is later (Save to store)"],
    ["Alt + Shift + ← / →", "In the span editor: the same for the end"],
    ["J / K", "Next / previous span (opens the editor)"],
    ["Esc", "Close the span editor; with unsaved changes it asks first (Enter saves, Esc again discards)"],
    ["Ctrl + Enter", "Save the span editor"],
    ["N / P", "Next / previous article"],
    ["D", "Mark done and go to the next article"],
    ["?", "This help"],
  ];
  const d = h("dialog", { class: "help", attrs: { id: "help", "aria-label": "Keyboard shortcuts" } },
    h("h2", { text: "Keyboard shortcuts" }),
    h("table", { class: "table" }, h("tbody", {}, ...rows.map(([k, v]) => h("tr", {}, h("td", {}, h("kbd", { text: k })), h("td", { text: v }))))),
    h("form", { attrs: { method: "dialog" }, class: "actions" }, h("button", { class: "btn btn-primary", text: "Close" })));
  return d;
}

