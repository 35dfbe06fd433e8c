// Article-level labels in the annotate view: one row per group of the
// project's scheme (genre: news, opinion, analysis ...) above the text,
// its options as toggle buttons: radio semantics for a single-choice
// group (choosing the chosen option again clears it), pressed / not
// pressed for a multiple-choice one. A choice is saved at once (PUT) and
// shown pending until the server has stored it; a later click while a
// save is on its way is sent after it, so the last choice wins.
//
// An option's hotkey works directly unless the view already uses that
// key (a span label's hotkey, a relation type's, or N P D J K R G ?);
// then it is reached with the chord G then the key.
import { api, listAll } from "./api.js";
import { h } from "./dom.js";

const VIEW_KEYS = ["n", "p", "d", "j", "k", "r", "g", "?"];

// hotkeyPlan decides how each option's hotkey is typed: {direct: Map
// key -> [group, option], chord: Map key -> [group, option], how: Map
// "group/option" -> "x" | "g x" | "" (none or unusable), why: Map
// "group/option" -> reason it is unusable}. Pure: no DOM.
export function hotkeyPlan(groups, labelKeys, relKeys) {
  const taken = new Set([...VIEW_KEYS, ...labelKeys.map((k) => k.toLowerCase()), ...relKeys.map((k) => k.toLowerCase())]);
  const chordOK = !labelKeys.map((k) => k.toLowerCase()).includes("g");
  const direct = new Map(), chord = new Map(), how = new Map(), why = new Map();
  for (const g of groups) {
    for (const o of g.options) {
      const id = g.key + "/" + o.key, k = (o.hotkey || "").toLowerCase();
      how.set(id, "");
      if (!k) continue;
      if (!taken.has(k) && !direct.has(k)) { direct.set(k, [g, o]); how.set(id, o.hotkey); continue; }
      if (chordOK && !chord.has(k)) { chord.set(k, [g, o]); how.set(id, "g " + o.hotkey); continue; }
      why.set(id, "the hotkey " + o.hotkey + " is already used in this view");
    }
  }
  return { direct, chord, how, why };
}

// DocLabels draws the groups before textEl and wires their hotkeys. opts:
// {articleID, me, groups (the project's document_labels), labelKeys
// (span label hotkeys), relKeys (relation type hotkeys), help (the help
// dialog), say(message)}.
export class DocLabels {
  constructor(textEl, { articleID, me, groups, labelKeys, relKeys, help, say }) {
    this.articleID = articleID;
    this.me = me;
    this.help = help;
    this.say = say;
    this.groups = [...(groups || [])].sort((a, b) => a.sort_order - b.sort_order || a.id - b.id)
      .map((g) => ({ ...g, options: [...g.options].sort((a, b) => a.sort_order - b.sort_order) }));
    this.plan = hotkeyPlan(this.groups, labelKeys, relKeys);
    this.stored = new Map(); // group key -> [option keys] on the server
    this.want = new Map(); // group key -> [option keys] chosen here
    this.saving = new Set(); // group keys with a PUT on its way
    this.btns = new Map(); // "group/option" -> button
    this.chordOn = false;
    this.el = h("section", { class: "doclabels", hidden: !this.groups.length, attrs: { id: "doclabels", "aria-label": "Article labels" } });
    this.chordHint = h("span", { class: "hint chord-hint", hidden: true, text: "G … press an option's key", attrs: { "aria-live": "polite" } });
    for (const g of this.groups) this.el.appendChild(this.row(g));
    if (this.plan.chord.size) this.el.appendChild(this.chordHint);
    textEl.before(this.el);
    this.onKey = this.onKey.bind(this);
    document.addEventListener("keydown", this.onKey, true);
  }

  remove() { document.removeEventListener("keydown", this.onKey, true); }

  row(g) {
    const nameID = "dl-" + g.key;
    const box = h("div", { class: "doclabel-options", attrs: { role: g.multiple ? "group" : "radiogroup", "aria-labelledby": nameID } });
    for (const o of g.options) {
      const id = g.key + "/" + o.key, how = this.plan.how.get(id), why = this.plan.why.get(id);
      const b = h("button", { type: "button", class: "doc-opt", dataset: { group: g.key, option: o.key },
        title: why ? "Its hotkey is off: " + why + "." : how && how.includes(" ") ? "Press G, then " + o.hotkey : null,
        // a chord (G then a key) is no shortcut aria-keyshortcuts can name
        attrs: { role: g.multiple ? null : "radio", "aria-keyshortcuts": how && !how.includes(" ") ? how : null },
        on: { click: () => this.toggle(g, o) } },
      h("span", { text: o.name }), how ? h("kbd", { text: how }) : null, why ? h("span", { class: "muted small", text: " (no hotkey)" }) : null);
      this.btns.set(id, b);
      box.appendChild(b);
    }
    // arrows move between the options of a group
    box.addEventListener("keydown", (ev) => {
      const d = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[ev.key];
      if (!d) return;
      const bs = [...box.children], i = bs.indexOf(document.activeElement);
      if (i < 0) return;
      ev.preventDefault();
      bs[(i + d + bs.length) % bs.length].focus();
    });
    return h("div", { class: "doclabel-group", dataset: { group: g.key } },
      h("span", { class: "doclabel-name", text: g.name + (g.multiple ? " (any)" : ""), title: g.description || null, attrs: { id: nameID } }), box);
  }

  async load() {
    if (!this.groups.length) { this.el.dataset.ready = "1"; return; }
    try {
      const items = await listAll("/articles/" + this.articleID + "/document-labels", { annotator: this.me });
      this.stored.clear();
      for (const it of items) {
        if (it.layer && it.layer !== "annotator") continue;
        if (!this.stored.has(it.group)) this.stored.set(it.group, []);
        this.stored.get(it.group).push(it.option);
      }
      for (const g of this.groups) if (!this.saving.has(g.key)) this.want.set(g.key, [...(this.stored.get(g.key) || [])]);
      this.paint();
      this.el.dataset.ready = "1";
    } catch (e) { this.say("Could not load the article labels: " + (e.describe ? e.describe() : e)); }
  }

  paint() {
    for (const g of this.groups) {
      const want = this.want.get(g.key) || [], have = this.stored.get(g.key) || [];
      for (const o of g.options) {
        const b = this.btns.get(g.key + "/" + o.key), on = want.includes(o.key);
        b.setAttribute(g.multiple ? "aria-pressed" : "aria-checked", on ? "true" : "false");
        b.classList.toggle("on", on);
        b.classList.toggle("pending", on !== have.includes(o.key));
      }
      // the tab stop of a radio group is its checked option (else the first)
      if (!g.multiple) {
        const bs = g.options.map((o) => this.btns.get(g.key + "/" + o.key));
        const cur = bs.find((b) => b.getAttribute("aria-checked") === "true") || bs[0];
        for (const b of bs) b.tabIndex = b === cur ? 0 : -1;
      }
    }
  }

  toggle(g, o) {
    const want = [...(this.want.get(g.key) || [])];
    const on = want.includes(o.key);
    this.want.set(g.key, g.multiple ? (on ? want.filter((k) => k !== o.key) : [...want, o.key]) : (on ? [] : [o.key]));
    this.paint();
    this.save(g);
  }

  // save sends the group's wanted options, then again while they changed
  // during the save.
  async save(g) {
    if (this.saving.has(g.key)) return;
    this.saving.add(g.key);
    const same = (x, y) => x.length === y.length && x.every((k) => y.includes(k));
    try {
      for (;;) {
        const sent = [...(this.want.get(g.key) || [])];
        await api("PUT", "/articles/" + this.articleID + "/document-labels/" + encodeURIComponent(g.key), { options: sent });
        this.stored.set(g.key, sent);
        if (same(sent, this.want.get(g.key) || [])) break;
      }
    } catch (e) {
      this.want.set(g.key, [...(this.stored.get(g.key) || [])]);
      this.say("Article label not saved (" + g.name + "): " + (e.describe ? e.describe() : String(e)));
    } finally {
      this.saving.delete(g.key);
      this.paint();
    }
  }

  onKey(ev) {
    if (this.help.open || !this.groups.length || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const t = ev.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable)) return;
    if (ev.key.length !== 1) return;
    const k = ev.key.toLowerCase();
    if (this.chordOn) {
      this.chordOn = false;
      this.chordHint.hidden = true;
      const hit = this.plan.chord.get(k) || this.plan.direct.get(k);
      ev.preventDefault();
      ev.stopImmediatePropagation();
      if (hit) this.toggle(...hit);
      return;
    }
    if (k === "g" && this.plan.chord.size && document.getElementById("link-bar")?.hidden !== false) {
      ev.preventDefault();
      ev.stopImmediatePropagation();
      this.chordOn = true;
      this.chordHint.hidden = false;
      return;
    }
    const hit = this.plan.direct.get(k);
    if (!hit || document.getElementById("link-bar")?.hidden === false) return;
    ev.preventDefault();
    ev.stopImmediatePropagation();
    this.toggle(...hit);
  }

  // helpRows lists the options' shortcuts for the help dialog.
  helpRows() {
    const rows = [];
    for (const g of this.groups) for (const o of g.options) {
      const how = this.plan.how.get(g.key + "/" + o.key);
      if (how) rows.push([how.toUpperCase(), "Article label " + g.name + ": " + o.name]);
    }
    return rows;
  }
}
