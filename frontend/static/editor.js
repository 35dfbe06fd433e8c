// The span editor of the annotate view: label, speaker, note and
// boundaries of one span, with an unsaved-changes bar (Save · Discard ·
// Keep editing) so an editor with changes never closes silently.
import { h, clear } from "./dom.js";
import { context } from "./spantext.js";
import { SPEAKER_LABEL } from "./layout.js";

// Editors owns the one open editor. v is the view: {state, labels,
// nameOf, colorOf, me, idx, text, textEl, editorBox, view (TextView),
// list (SpanList), canEdit, saveEdit, deleteSpan, focusSpan,
// spanDirection}.
export class Editors {
  constructor(v) {
    this.v = v;
    this.ed = null; // the open editor: {key, dirty, ask, asking, discard, snapshot, nudge}
    this.editing = null; // its span's key
  }

  // whenClean runs then() at once when no editor is open or the open one
  // has nothing unsaved; else it shows the editor's bar and runs then()
  // only after the annotator chose Save (and it worked) or Discard.
  whenClean(then) {
    if (!this.ed || !this.ed.dirty()) { then(); return true; }
    this.ed.ask(then);
    return false;
  }

  // open opens the editor of another span (from the text, the list or a
  // chip) once the open editor may go; scroll centres it in the text.
  open(key, scroll) {
    if (key === this.editing) { if (scroll) this.v.focusSpan(key, false); return; }
    this.whenClean(() => (scroll ? this.v.focusSpan(key, true) : this.draw(key)));
  }

  close() {
    const v = this.v;
    const wasInEditor = v.editorBox.contains(document.activeElement);
    this.editing = null;
    this.ed = null;
    clear(v.editorBox);
    v.view.setCurrent(null);
    v.list.setActive(null);
    if (wasInEditor) v.textEl.focus({ preventScroll: true });
  }

  // reopen redraws the open editor from the stored span after a save.
  // What the annotator changed while the save was on its way (the
  // difference between sent and now) is kept, and so are the focus and
  // the caret: a slow answer never wipes fresh typing.
  reopen(key, sent) {
    const now = this.ed && this.ed.key === key ? this.ed.snapshot() : null;
    let carry;
    if (sent && now) {
      carry = { focus: now.focus };
      for (const f of ["label", "note", "speaker"]) if (now[f] !== sent[f]) carry[f] = now[f];
      if (now.draft.start !== sent.draft.start || now.draft.end !== sent.draft.end) carry.draft = now.draft;
    }
    this.draw(key, undefined, carry);
  }

  snapshotOf(key) { return this.ed && this.ed.key === key ? this.ed.snapshot() : null; }

  // draw draws the editor of a span. carry (after a save, see reopen)
  // holds values typed while the save was on its way and the focus to
  // restore.
  draw(key, focusField, carry) {
    const v = this.v, host = this;
    const a = v.state.get(key);
    if (!a || a.pending) return;
    this.editing = key;
    v.view.setCurrent(key);
    v.list.setActive(key);
    const editable = v.canEdit(a);
    const labelSel = h("select", { attrs: { id: "ed-label" }, disabled: !editable }, ...v.labels.map((l) => h("option", { value: l.key, text: l.name + (l.hotkey ? " (" + l.hotkey + ")" : "") })));
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
    const here = v.state.overlapping(key);

    // Boundaries: a draft in code points, stepped one code point at a time
    // (so never into a surrogate pair); the highlight moves only once the
    // server has accepted the change. The arrows follow the screen: in a
    // right-to-left span, ← moves a boundary towards later text.
    let draft = { start: a.start, end: a.end };
    const rtl = v.spanDirection(a) === "rtl";
    const later = rtl ? "ArrowLeft" : "ArrowRight"; // the arrow that moves towards later text
    const step = (arrow) => (arrow === later ? 1 : -1);
    // the span's text inside a few characters of context
    const quoteEl = h("mark", { class: "quote", text: a.text, attrs: { id: "ed-quote" } });
    const ctxBefore = h("span", { class: "ctx" }), ctxAfter = h("span", { class: "ctx" });
    const quoteBox = h("blockquote", { class: "quote-box", attrs: { dir: "auto", "aria-label": "The span in its context" } }, ctxBefore, quoteEl, ctxAfter);
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
      quoteEl.textContent = changed ? v.idx.slice(draft.start, draft.end) : a.text;
      const [before, after] = context(v.text, v.idx.toUTF16(draft.start), v.idx.toUTF16(draft.end));
      ctxBefore.textContent = before;
      ctxAfter.textContent = after;
      offsetsEl.textContent = "[" + draft.start + ", " + draft.end + ")" + (changed ? " (saved: [" + a.start + ", " + a.end + "); press Save)" : "");
      const atLimit = (which, dir) => (which === "start" ? (dir < 0 ? draft.start <= 0 : draft.end - draft.start <= 1) : (dir < 0 ? draft.end - draft.start <= 1 : draft.end >= v.idx.length));
      const limits = [[startL, "start", "ArrowLeft"], [startR, "start", "ArrowRight"], [endL, "end", "ArrowLeft"], [endR, "end", "ArrowRight"]];
      // aria-disabled, not disabled: a focused button keeps the focus at a limit
      for (const [b, which, arrow] of limits) b.setAttribute("aria-disabled", atLimit(which, step(arrow)) ? "true" : "false");
      resetB.hidden = !changed;
      quoteEl.classList.toggle("draft", changed);
    };
    const nudge = (which, dir) => {
      const n = { ...draft, [which]: draft[which] + dir };
      if (n.start < 0 || n.end > v.idx.length || n.end - n.start < 1) return false;
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
      if (draft.start !== a.start || draft.end !== a.end) Object.assign(patch, { start: draft.start, end: draft.end, text: v.idx.slice(draft.start, draft.end) });
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
      host.close();
      if (then) then();
    };
    const discard = () => goOn(false);
    barSave.addEventListener("click", async () => {
      if (saving) return;
      saving = true;
      barSave.setAttribute("aria-disabled", "true");
      const ok = await v.saveEdit(key, buildPatch(), { reopen: false });
      saving = false;
      barSave.setAttribute("aria-disabled", "false");
      if (host.ed !== self) return; // another editor took over meanwhile
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
      h("div", { class: "editor-head" }, h("h2", { text: "Span" }), h("button", { type: "button", class: "btn btn-small", text: "Close (Esc)", attrs: { id: "ed-close" }, on: { click: () => host.whenClean(() => host.close()) } })),
      bar,
      quoteBox,
      h("p", { class: "muted small" }, "by " + a.annotator + (a.origin && a.origin !== "human" ? " · " + a.origin : "") + " · ",
        h("span", { class: "offsets", title: "Offsets in code points, end-exclusive (Python's text[start:end])" }, "characters ", offsetsEl)),
      bounds,
      h("label", { class: "field" }, h("span", { class: "field-label", text: "Label" }), labelSel),
      speakerField,
      v.relSection ? v.relSection(key) : null, // links to other spans (relations.js)
      h("label", { class: "field" }, h("span", { class: "field-label", text: "Note" }), note),
      editable ? h("div", { class: "actions" },
        h("button", { type: "submit", class: "btn btn-primary", text: "Save", attrs: { id: "ed-save" } }),
        h("button", { type: "button", class: "btn btn-danger", text: "Delete", attrs: { id: "ed-delete" }, on: { click: () => v.deleteSpan(key) } })) : h("p", { class: "muted", text: "Only the annotator, the project's curators and managers, or an admin can change this span." }),
      here.length ? h("div", { class: "also" }, h("span", { class: "muted", text: "Also here: " }),
        ...here.map((o) => { const b = h("button", { type: "button", class: "chip", text: v.nameOf(o.label) + (o.annotator !== v.me ? " · " + o.annotator : ""), on: { click: () => host.open(o.key, true) } }); b.style.borderColor = v.colorOf(o.label); return b; })) : null);
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      v.saveEdit(key, buildPatch());
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
    this.ed = self;
    clear(v.editorBox).appendChild(form);
    const back = carry && carry.focus ? document.getElementById(carry.focus.id) : null;
    if (back && form.contains(back)) {
      back.focus({ preventScroll: true });
      if (carry.focus.start !== null && typeof back.setSelectionRange === "function") back.setSelectionRange(carry.focus.start, carry.focus.end);
      return;
    }
    const f = focusField === "speaker" ? (speakerField.hidden = false, speaker) : labelSel;
    if (focusField !== undefined || document.activeElement === document.body || !v.textEl.contains(document.activeElement)) f.focus({ preventScroll: true });
  }
}
