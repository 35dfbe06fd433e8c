// The curation view's side panels: the edit form (accept with other
// boundaries or another label), the history of the focused span, the
// confirmation bar of "accept all agreed", and the keys dialog.
import { h, clear, field } from "./dom.js";
import { historyLines } from "./curate-state.js";

// EditForm proposes a gold span. on: {change({label, start, end}),
// save({label, start, end, note}), cancel(), useSelection()}. max is the
// article's length in code points.
export class EditForm {
  constructor(labels, max, on) {
    this.max = max;
    this.on = on;
    this.label = h("select", { attrs: { id: "cur-edit-label" } }, labels.map((l) => h("option", { value: l.key, text: l.name })));
    this.start = h("input", { type: "number", attrs: { id: "cur-edit-start", min: 0, max, step: 1, inputmode: "numeric" } });
    this.end = h("input", { type: "number", attrs: { id: "cur-edit-end", min: 0, max, step: 1, inputmode: "numeric" } });
    this.note = h("input", { type: "text", attrs: { id: "cur-edit-note", maxlength: 2000 } });
    this.quote = h("blockquote", { class: "quote-box", attrs: { id: "cur-edit-quote", "aria-live": "polite" } });
    this.err = h("div", { class: "form-errors", attrs: { role: "alert" } });
    for (const el of [this.label, this.start, this.end]) el.addEventListener("input", () => this.changed());
    const form = h("form", { class: "cur-edit-form", on: { submit: (ev) => { ev.preventDefault(); this.submit(); } } },
      field("Label", this.label),
      h("div", { class: "row" }, field("Start (code point)", this.start), field("End (code point)", this.end)),
      h("p", { class: "hint" }, h("kbd", { text: "[" }), " ", h("kbd", { text: "]" }), " move the start, ", h("kbd", { text: "{" }), " ", h("kbd", { text: "}" }),
        " the end, one character at a time; or select text in the article and use it."),
      h("button", { type: "button", class: "btn btn-small", text: "Use selected text", attrs: { id: "cur-edit-use" }, on: { mousedown: (ev) => ev.preventDefault(), click: () => on.useSelection() } }),
      this.quote,
      field("Note (optional)", this.note),
      this.err,
      h("div", { class: "actions" },
        h("button", { type: "submit", class: "btn btn-primary", text: "Accept as gold (Enter)", attrs: { id: "cur-edit-save" } }),
        h("button", { type: "button", class: "btn", text: "Cancel (Esc)", on: { click: () => on.cancel() } })));
    this.el = h("section", { class: "card side-card cur-edit", hidden: true, attrs: { id: "cur-edit", "aria-labelledby": "cur-edit-h" } },
      h("h2", { text: "Accept with changes", attrs: { id: "cur-edit-h" } }), form);
  }

  get open() { return !this.el.hidden; }

  show(d, quoteOf) {
    this.quoteOf = quoteOf;
    this.label.value = d.label || this.label.options[0]?.value || "";
    this.note.value = "";
    clear(this.err);
    this.setRange(d.start, d.end);
    this.el.hidden = false;
    this.label.focus();
  }

  hide() { this.el.hidden = true; }

  value() {
    return { label: this.label.value, start: Number(this.start.value), end: Number(this.end.value), note: this.note.value };
  }

  setRange(start, end) {
    this.start.value = String(Math.max(0, Math.min(this.max, start)));
    this.end.value = String(Math.max(0, Math.min(this.max, end)));
    this.changed();
  }

  // nudge moves the start or the end by d code points, keeping start < end.
  nudge(which, d) {
    let { start, end } = this.value();
    if (which === "start") start = Math.max(0, Math.min(end - 1, start + d));
    else end = Math.min(this.max, Math.max(start + 1, end + d));
    this.setRange(start, end);
  }

  changed() {
    const v = this.value();
    const ok = Number.isInteger(v.start) && Number.isInteger(v.end) && v.start < v.end && v.end <= this.max;
    this.quote.textContent = ok ? this.quoteOf(v.start, v.end) : "(start must be before end)";
    if (ok) this.on.change(v);
  }

  submit() {
    const v = this.value();
    if (!(v.start < v.end)) { this.error("The start must come before the end."); return; }
    this.on.save(v);
  }

  error(msg) { clear(this.err).appendChild(h("div", { class: "alert alert-error", text: msg })); }
}

// HistoryPanel lists the changes of one span.
export class HistoryPanel {
  constructor() {
    this.title = h("p", { class: "muted small", attrs: { id: "cur-history-span" } });
    this.list = h("ol", { class: "cur-history-list", attrs: { id: "cur-history-list" } });
    this.el = h("section", { class: "card side-card cur-history", attrs: { id: "cur-history", "aria-labelledby": "cur-history-h", "aria-live": "polite" } },
      h("h2", { text: "History", attrs: { id: "cur-history-h" } }), this.title, this.list);
    this.seq = 0;
  }

  // show loads the history of span s (or clears the panel) with load(id).
  async show(s, describe, load) {
    const seq = ++this.seq;
    clear(this.list);
    if (!s) { this.title.textContent = "Select a span (Tab to its chip, or click it) to see its changes."; return; }
    this.title.textContent = describe(s);
    this.list.dataset.loaded = "";
    let items;
    try { items = await load(s.id); } catch (e) {
      if (seq === this.seq) this.list.appendChild(h("li", { class: "error-text", text: "Could not load the history: " + (e.describe ? e.describe() : e) }));
      return;
    }
    if (seq !== this.seq) return;
    for (const l of historyLines(items)) {
      this.list.appendChild(h("li", { class: "cur-history-item", dataset: { action: l.action } },
        h("span", { class: "cur-history-who", text: l.who }), " ",
        h("time", { class: "muted small", text: fmtWhen(l.at), attrs: { datetime: l.at } }),
        h("div", { class: "small", text: l.what })));
    }
    if (!items.length) this.list.appendChild(h("li", { class: "muted", text: "No recorded changes." }));
    this.list.dataset.loaded = String(s.id);
  }
}

function fmtWhen(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : d.toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

// ConfirmBar asks before "accept all agreed" writes, with the count.
export class ConfirmBar {
  constructor() {
    this.msg = h("span", { attrs: { id: "cur-confirm-msg" } });
    this.yes = h("button", { type: "button", class: "btn btn-primary btn-small", attrs: { id: "cur-confirm-yes" } });
    this.no = h("button", { type: "button", class: "btn btn-small", text: "Cancel", attrs: { id: "cur-confirm-no" }, on: { click: () => this.hide() } });
    this.el = h("div", { class: "alert alert-info cur-confirm", hidden: true, attrs: { id: "cur-confirm", role: "group", "aria-labelledby": "cur-confirm-msg" } },
      this.msg, h("span", { class: "actions" }, this.yes, this.no));
  }

  // ask shows msg with a button labelled yesText that runs fn.
  ask(msg, yesText, fn) {
    this.msg.textContent = msg;
    this.yes.textContent = yesText;
    this.yes.onclick = () => { this.hide(); fn(); };
    this.el.hidden = false;
    this.yes.focus();
  }

  tell(msg) {
    this.msg.textContent = msg;
    this.yes.hidden = true;
    this.no.textContent = "OK";
    this.el.hidden = false;
    this.no.focus();
  }

  hide() { this.el.hidden = true; this.yes.hidden = false; this.no.textContent = "Cancel"; }
}

// helpDialog lists the curation view's keys.
export function helpDialog() {
  const rows = [
    ["J / ↓", "Next open passage"],
    ["K / ↑", "Previous open passage"],
    ["1 … 9", "Accept that annotator's span(s) in the passage as gold"],
    ["E", "Accept with other boundaries or another label (a form)"],
    ["[ / ]", "In the form: move the start one character back / forward"],
    ["{ / }", "In the form: move the end one character back / forward"],
    ["Enter / Esc", "In the form: accept / cancel"],
    ["X", "Reject the passage (no gold span here)"],
    ["U", "Undo the last decision of this session"],
    ["?", "This help"],
  ];
  return h("dialog", { class: "help", attrs: { id: "cur-help", "aria-label": "Curation keys" } },
    h("h2", { text: "Curation keys" }),
    h("table", { class: "table" }, h("tbody", {}, rows.map(([k, v]) => h("tr", {}, h("td", {}, h("kbd", { text: k })), h("td", { text: v }))))),
    h("form", { attrs: { method: "dialog" }, class: "actions" }, h("button", { class: "btn btn-primary", text: "Close" })));
}
