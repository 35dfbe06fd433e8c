// The curation view (#/articles/<id>/curate), for curators and managers:
// the article with its passages marked by kind of disagreement, every
// passage as lanes (one per annotator, one for gold), and keys to decide:
// accept an annotator's span (1…9), accept with changes (E), reject the
// passage (X), undo (U). Decisions go to the gold layer through the
// curation API; the page then reloads the curation from the server.
//
// Parts: curate-state.js (state and what a key decides; no DOM),
// curate-lanes.js (the passage cards), curate-panels.js (edit form,
// history, confirmation, keys dialog); highlight.js draws the text as in
// the annotate view, offsets.js converts code points and UTF-16.
import { api } from "./api.js";
import { h, clear } from "./dom.js";
import { OffsetIndex } from "./offsets.js";
import { TextView } from "./highlight.js";
import { labelBook } from "./layout.js";
import { CurationState, KIND_TEXT } from "./curate-state.js";
import { renderPassages } from "./curate-lanes.js";
import { EditForm, HistoryPanel, ConfirmBar, helpDialog } from "./curate-panels.js";

// the colours of the passages in the text, by kind (app.css's legend too)
const KIND_COLOR = { agreed: "#2e7d4f", label: "#c0392b", boundary: "#8e44ad", single: "#b7791f" };
const DRAFT = "draft";

function refusedText(e) {
  if (e && e.status === 403) return "Curation is for the curators and managers of this project: it shows every annotator's work and writes the gold layer. Ask a manager of the project for the curator role.";
  return e && e.describe ? e.describe() : String(e && e.message || e);
}

export async function curateView(root, [idStr], ctx) {
  const articleID = Number(idStr);
  const page = h("div", { class: "curate" });
  root.appendChild(page);
  const fail = (e) => page.appendChild(h("section", { class: "page" }, h("h1", { text: "Curation" }),
    h("div", { class: "alert alert-error cur-refused", attrs: { role: "alert", id: "cur-refused" }, text: refusedText(e) }),
    h("p", {}, h("a", { href: "#/articles/" + articleID, text: "Back to the article" }))));
  let article, cur;
  try {
    [article, cur] = await Promise.all([api("GET", "/articles/" + articleID), api("GET", "/articles/" + articleID + "/curation")]);
  } catch (e) { fail(e); return; }
  const project = await api("GET", "/projects/" + article.project_id);
  document.title = "Curate · " + (article.title || "Article " + articleID) + " · slant";
  const book = labelBook(project);
  const idx = new OffsetIndex(article.text);
  const st = new CurationState();

  // the page
  const status = h("div", { class: "cur-status", attrs: { id: "cur-status", role: "status", "aria-live": "polite" } });
  const errBox = h("div", { class: "status", attrs: { id: "cur-error", role: "alert" } });
  const counts = h("p", { class: "muted", attrs: { id: "cur-counts" } });
  const confirm = new ConfirmBar();
  const textEl = h("div", { class: "article-text cur-text", attrs: { id: "cur-text", tabindex: "0", role: "region", "aria-label": "Article text: passages marked by kind", dir: "auto", "data-skip-target": "" } });
  const list = h("ol", { class: "cur-passages", attrs: { id: "cur-passages", "aria-label": "Passages" } });
  const edit = new EditForm(book.labels, idx.length, {
    change: (v) => showDraft(v), save: (v) => saveEdit(v), cancel: () => closeEdit(), useSelection: () => useSelection(),
  });
  const hist = new HistoryPanel();
  const help = helpDialog();
  const btn = (id, text, fn, label) => h("button", { type: "button", class: "btn", text, attrs: { id, "aria-label": label }, on: { click: fn } });
  const legend = h("ul", { class: "cur-legend", attrs: { "aria-label": "Kinds of passage" } },
    Object.entries(KIND_TEXT).map(([k, t]) => h("li", { class: "kind-" + k }, h("span", { class: "cur-legend-mark" }), t)),
    h("li", { class: "resolved" }, h("span", { class: "cur-legend-mark" }), "resolved (dimmed)"));

  page.appendChild(h("header", { class: "cur-head" },
    h("nav", { class: "crumbs", attrs: { "aria-label": "Breadcrumbs" } }, h("a", { href: "#/projects", text: "Projects" }), " / ",
      h("a", { href: "#/projects/" + project.id, text: project.name }), " / ", h("a", { href: "#/articles/" + articleID, text: article.title || "Article " + articleID })),
    h("h1", {}, "Curate: ", h("span", { text: article.title || "(untitled)", attrs: { dir: "auto" } })),
    counts,
    h("div", { class: "actions" },
      btn("cur-agreed-article", "Accept all where everyone agrees (this article)", () => acceptAgreed(false)),
      btn("cur-agreed-project", "… in the whole project", () => acceptAgreed(true), "Accept all where everyone agrees in the whole project"),
      btn("cur-undo", "Undo (U)", () => undo()),
      btn("cur-keys", "Keys (?)", () => help.showModal())),
    confirm.el, errBox, status));
  page.appendChild(h("div", { class: "cur-grid" },
    h("article", { class: "reader cur-reader", attrs: { "aria-label": "Article" } }, legend, textEl),
    h("section", { class: "cur-passages-wrap", attrs: { "aria-labelledby": "cur-passages-h" } },
      h("h2", { attrs: { id: "cur-passages-h" }, text: "Passages" }),
      h("p", { class: "hint" }, h("kbd", { text: "J" }), " / ", h("kbd", { text: "K" }), " move between open passages, ", h("kbd", { text: "1" }), "… accept a lane, ",
        h("kbd", { text: "E" }), " edit, ", h("kbd", { text: "X" }), " reject, ", h("kbd", { text: "U" }), " undo, ", h("kbd", { text: "?" }), " all keys."),
      list),
    h("aside", { class: "side cur-side", attrs: { "aria-label": "Decision and history" } }, edit.el, hist.el),
    help));

  const view = new TextView(textEl, article.text);
  const say = (msg) => { status.textContent = msg; };
  const showError = (what, e) => {
    clear(errBox).appendChild(h("div", { class: "alert alert-error", text: what + ": " + (e && e.describe ? e.describe() : String(e)) },
      h("button", { type: "button", class: "btn btn-small close", text: "Dismiss", on: { click: () => clear(errBox) } })));
  };
  const who = (s) => (s.layer === "gold" ? "gold" : s.annotator) + ": " + book.nameOf(s.label) + " “" + s.text + "” (" + s.start + "–" + s.end + ")";

  // draw shows st: the passages in the text and as cards, the counts and
  // the focused span's history.
  function draw() {
    view.spans.clear();
    st.passages().forEach((p, i) => view.spans.set("p" + i, { key: "p" + i, u0: idx.toUTF16(p.start), u1: idx.toUTF16(p.end), color: KIND_COLOR[p.kind] || "#7a7a7a", pending: p.resolved, other: false }));
    if (edit.open) { const v = edit.value(); view.spans.set(DRAFT, draftSpan(v.start, v.end)); }
    view.current = st.focus >= 0 ? "p" + st.focus : null;
    view.renderAll();
    renderPassages(list, st, idx, book, { focus: (i) => focus(i), span: (id) => showSpan(id) });
    const n = st.passages().length, open = st.openCount();
    counts.textContent = n + (n === 1 ? " passage, " : " passages, ") + open + " open · " + st.cur.gold.length + " gold " + (st.cur.gold.length === 1 ? "span" : "spans") +
      " · annotators: " + (st.annotators().join(", ") || "none yet");
    if (!n) list.appendChild(h("li", { class: "muted", text: "No annotator has marked this article yet." }));
    page.dataset.loads = String(Number(page.dataset.loads || 0) + 1);
    loadHistory();
  }

  function loadHistory() {
    hist.show(st.spanID !== null ? st.byID.get(st.spanID) : null, who,
      (id) => api("GET", "/annotations/" + id + "/history").then((r) => r.items || []));
  }

  // focus moves the focus to passage i without drawing the page again:
  // the cards' classes, the text's current passage, the history.
  function focus(i) {
    if (edit.open) closeEdit();
    const old = document.getElementById("psg-" + st.focus);
    if (old) { old.classList.remove("focused"); old.removeAttribute("aria-current"); }
    st.focus = i;
    st.spanID = st.defaultSpan();
    const card = document.getElementById("psg-" + i);
    if (card) { card.classList.add("focused"); card.setAttribute("aria-current", "true"); }
    showSpan(st.spanID);
    scrollToFocus();
    const p = st.passage();
    if (p) say("Passage " + (i + 1) + " of " + st.passages().length + ": " + KIND_TEXT[p.kind] + (p.resolved ? ", resolved." : ", open."));
  }

  // scrollToFocus marks the focused passage in the text and brings it and
  // its card into view (the text scrolls in its own box).
  function scrollToFocus() {
    const node = view.setCurrent(st.focus >= 0 ? "p" + st.focus : null);
    if (node) (node.nodeType === Node.TEXT_NODE ? node.parentElement : node).scrollIntoView({ block: "center", behavior: "instant" });
    const card = document.getElementById("psg-" + st.focus);
    if (card) card.scrollIntoView({ block: "nearest", behavior: "instant" });
  }

  function showSpan(id) {
    st.spanID = id;
    for (const c of list.querySelectorAll(".cur-chip[data-id]")) { const on = c.dataset.id === String(id); c.classList.toggle("active", on); c.setAttribute("aria-pressed", on ? "true" : "false"); }
    loadHistory();
  }

  async function reload() {
    st.load(await api("GET", "/articles/" + articleID + "/curation"));
    if (st.spanID === null) st.spanID = st.defaultSpan();
    draw();
  }

  // after a decision: the curation again, and the next open passage
  async function decided(msg) {
    clear(errBox);
    await reload();
    const p = st.passage();
    if (p && p.resolved && st.step(1)) { st.spanID = st.defaultSpan(); draw(); }
    const open = st.openCount();
    say(msg + " " + (open ? open + (open === 1 ? " open passage left." : " open passages left.") : "Every passage is resolved."));
    scrollToFocus();
  }

  async function postGold(body) {
    try { return await api("POST", "/articles/" + articleID + "/gold", body); } catch (e) { if (e.status === 409) return null; throw e; }
  }

  async function accept(n) {
    const { name, bodies } = st.acceptance(n);
    if (!st.passage()) { say("No passage to decide on."); return; }
    if (!name) { say("There is no annotator " + n + " in this article."); return; }
    if (!bodies.length) { say(name + " has no span in this passage."); return; }
    const ids = [];
    try {
      for (const b of bodies) { const g = await postGold(b); if (g) ids.push(g.id); }
    } catch (e) { showError("Not accepted", e); }
    if (ids.length) st.undo.push({ op: "gold", ids, what: "accept " + name + "'s span" });
    await decided(ids.length ? "Accepted " + name + "'s " + (ids.length === 1 ? "span" : ids.length + " spans") + " as gold." : "The gold layer already has " + name + "'s span here.");
  }

  function openEdit() {
    const d = st.draftFor();
    if (!d) { say("No passage to decide on."); return; }
    edit.show(d, (a, b) => idx.slice(a, b));
  }
  function closeEdit() {
    edit.hide();
    if (view.spans.has(DRAFT)) view.delete(DRAFT);
    const card = document.getElementById("psg-" + st.focus);
    textEl.focus({ preventScroll: !!card });
  }
  const draftSpan = (start, end) => ({ key: DRAFT, u0: idx.toUTF16(start), u1: idx.toUTF16(end), color: "#1a73e8", pending: false, other: true });
  function showDraft(v) { view.set(draftSpan(v.start, v.end)); }
  function useSelection() {
    const sel = window.getSelection();
    const r = sel && sel.rangeCount && !sel.isCollapsed ? view.rangeOf(sel.getRangeAt(0)) : null;
    if (!r || r[1] <= r[0]) { edit.error("Select a passage of the article text first."); return; }
    edit.setRange(idx.toCodePoint(r[0]), idx.toCodePoint(r[1], "ceil"));
  }
  async function saveEdit(v) {
    let g;
    try {
      g = await api("POST", "/articles/" + articleID + "/gold", { label: v.label, start: v.start, end: v.end, note: v.note, from: st.sourcesFor(v.start, v.end) });
    } catch (e) {
      edit.error(e.status === 409 ? "The gold layer already has a " + book.nameOf(v.label) + " span there." : "Not accepted: " + (e.describe ? e.describe() : e));
      return;
    }
    st.undo.push({ op: "gold", ids: [g.id], what: "accept with changes" });
    closeEdit();
    await decided("Accepted " + book.nameOf(v.label) + " at " + v.start + "–" + v.end + " as gold.");
  }

  async function reject() {
    const body = st.rejection();
    if (!body) { say("No passage to decide on."); return; }
    try {
      const r = await api("POST", "/articles/" + articleID + "/rejections", body);
      st.undo.push({ op: "reject", id: r.id, what: "reject" });
    } catch (e) { showError("Not rejected", e); return; }
    await decided("Rejected the passage.");
  }

  async function undo() {
    const u = st.undo.pop();
    if (!u) { say("Nothing to undo in this session."); return; }
    try {
      if (u.op === "reject") await api("DELETE", "/articles/" + articleID + "/rejections/" + u.id);
      else for (const id of u.ids) await api("DELETE", "/annotations/" + id).catch((e) => { if (e.status !== 404) throw e; });
    } catch (e) { st.undo.push(u); showError("Undo failed", e); return; }
    clear(errBox);
    await reload();
    say("Undid: " + u.what + ".");
  }

  // acceptAgreed counts first (dry_run), then asks, then writes.
  async function acceptAgreed(whole) {
    const path = whole ? "/projects/" + project.id + "/gold/agreed" : "/articles/" + articleID + "/gold/agreed";
    const where = whole ? "the whole project" : "this article";
    let n;
    try { n = (await api("POST", path + "?dry_run=true")).agreed; } catch (e) { showError("Could not count the agreed spans", e); return; }
    if (!n) { confirm.tell("Nothing to accept in " + where + ": no span that every annotator made is waiting for the gold layer."); return; }
    confirm.ask(n + (n === 1 ? " span" : " spans") + " in " + where + " where every annotator agrees, not yet in gold. Accept " + (n === 1 ? "it" : "them all") + "?",
      "Accept " + n, async () => {
        const before = new Set(st.cur.gold.map((g) => g.id));
        let res;
        try { res = await api("POST", path); } catch (e) { showError("Not accepted", e); return; }
        await reload();
        const ids = st.cur.gold.map((g) => g.id).filter((id) => !before.has(id));
        if (ids.length) st.undo.push({ op: "gold", ids, what: "accept all agreed" + (whole ? " (this article's part)" : "") });
        const msg = "Accepted " + res.created + (res.created === 1 ? " agreed span" : " agreed spans") + " in " + where + ".";
        await decided(whole ? msg + " Undo takes back only this article's." : msg);
      });
  }

  // a click on a passage in the text focuses it
  textEl.addEventListener("click", (ev) => {
    const sel = window.getSelection();
    if (sel && !sel.isCollapsed) return;
    const k = view.keysAt(ev.target).find((x) => /^p\d+$/.test(x));
    if (k) focus(Number(k.slice(1)));
  });

  function onKey(ev) {
    if (help.open || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const t = ev.target;
    const typing = t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
    if (edit.open) {
      const nudge = { "[": ["start", -1], "]": ["start", 1], "{": ["end", -1], "}": ["end", 1] }[ev.key];
      if (nudge && !(t && t.id === "cur-edit-note")) { ev.preventDefault(); edit.nudge(...nudge); return; }
      if (ev.key === "Escape") { ev.preventDefault(); closeEdit(); return; }
      if (ev.key === "Enter" && !(t && (t.tagName === "BUTTON" || t.tagName === "INPUT"))) { ev.preventDefault(); edit.submit(); return; }
      return;
    }
    if (typing || (t && t.tagName === "BUTTON" && ev.key === "Enter")) return;
    if (ev.key === "Escape" && !confirm.el.hidden) { ev.preventDefault(); confirm.hide(); return; }
    if (/^[1-9]$/.test(ev.key)) { ev.preventDefault(); accept(Number(ev.key)); return; }
    switch (ev.key) {
      case "j": case "J": case "ArrowDown":
        ev.preventDefault();
        if (st.step(1)) focus(st.focus); else say("No open passage: every passage is resolved.");
        break;
      case "k": case "K": case "ArrowUp":
        ev.preventDefault();
        if (st.step(-1)) focus(st.focus); else say("No open passage: every passage is resolved.");
        break;
      case "e": case "E": ev.preventDefault(); openEdit(); break;
      case "x": case "X": ev.preventDefault(); reject(); break;
      case "u": case "U": ev.preventDefault(); undo(); break;
      case "?": ev.preventDefault(); help.showModal(); break;
    }
  }

  st.load(cur);
  st.spanID = st.defaultSpan();
  draw();
  scrollToFocus();
  textEl.focus({ preventScroll: true });
  if (st.passage()) say(st.openCount() + " open passages. Press J for the next, ? for all keys.");
  document.addEventListener("keydown", onKey);
  return () => {
    document.removeEventListener("keydown", onKey);
    if (help.open) help.close();
  };
}
