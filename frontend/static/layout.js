// The annotate view's page: the article with its text container, the side
// panel (labels and editor stay in view, the span list scrolls), the
// label bar phones get at the bottom (with the refusals and toasts), the
// pointer's span card and the shortcut help.
import { h, extLink, badge, fmtDate } from "./dom.js";
import { textDirection } from "./spantext.js";

export const SPEAKER_LABEL = "attributed_claim";
const COLOR = /^#[0-9a-fA-F]{6}$/;

// labelBook indexes a project's labels (in their order) by key and hotkey.
export function labelBook(project) {
  const labels = [...project.labels].sort((a, b) => a.sort_order - b.sort_order || a.id - b.id);
  const byKey = new Map(labels.map((l) => [l.key, l]));
  return {
    labels,
    byHotkey: new Map(labels.filter((l) => l.hotkey).map((l) => [l.hotkey, l])),
    colorOf: (key) => { const l = byKey.get(key); return l && COLOR.test(l.color) ? l.color : "#7a7a7a"; },
    nameOf: (key) => (byKey.get(key) || { name: key }).name,
  };
}

// buildPage draws the view into root and returns its parts. on: {create
// (labelKey), go(dir), snap(bool), showAll(bool)}.
export function buildPage(root, { article, project, book, isAdmin, snap }, on) {
  const textEl = h("div", { class: "article-text", attrs: { id: "article-text", tabindex: "0", role: "region", lang: article.language || null,
    // the article's direction, as dir="auto" would find it (dir="auto" here
    // would skip the paragraphs: each has a dir of its own)
    dir: textDirection(article.text) || "ltr",
    "aria-label": "Article text. Select a passage, then press a label's hotkey.", "data-skip-target": "" } });
  const status = h("div", { class: "status", attrs: { id: "status", role: "alert", "aria-live": "assertive" } });
  const spanList = h("ol", { class: "span-list", attrs: { id: "span-list" } });
  const spanCount = h("span", { class: "muted" });
  const editorBox = h("div", { class: "editor-box", attrs: { id: "editor-box" } });
  const doneBtn = h("button", { type: "button", class: "btn", attrs: { id: "done-btn" } });
  const tipCard = h("div", { class: "span-tip", hidden: true, attrs: { id: "span-tip", role: "tooltip" } });

  const src = article.source;
  const meta = h("div", { class: "article-meta" },
    src ? h("span", { class: "outlet" }, h("span", { class: "outlet-name", text: src.name || src.domain, title: src.domain }), " ", badge(src.ownership, src.country)) : h("span", { class: "muted", text: "no outlet" }),
    article.author ? h("span", { text: article.author }) : null,
    article.published_at ? h("time", { text: fmtDate(article.published_at), attrs: { datetime: article.published_at } }) : null,
    article.url ? extLink(article.url, "Original ↗") : null);
  const srcNotes = src && src.notes ? h("details", { class: "source-notes" }, h("summary", { text: "About " + (src.name || src.domain) }), h("p", { text: src.notes })) : null;

  const palette = h("div", { class: "palette", attrs: { role: "toolbar", "aria-label": "Labels" } });
  for (const l of book.labels) {
    const tipID = "tip-" + l.id;
    const btn = h("button", { type: "button", class: "label-btn", dataset: { key: l.key }, attrs: { "aria-describedby": l.description ? tipID : null, "aria-keyshortcuts": l.hotkey || null } },
      h("span", { class: "swatch" }), h("span", { class: "label-name", text: l.name }), l.hotkey ? h("kbd", { text: l.hotkey }) : null);
    btn.firstChild.style.backgroundColor = book.colorOf(l.key);
    btn.addEventListener("mousedown", (ev) => ev.preventDefault()); // keep the text selection
    btn.addEventListener("click", () => on.create(l.key));
    palette.appendChild(h("div", { class: "label-wrap" }, btn, l.description ? h("div", { class: "tip", text: l.description, attrs: { id: tipID, role: "tooltip" } }) : null));
  }
  const snapBox = h("input", { type: "checkbox", checked: snap, attrs: { id: "snap" } });
  snapBox.addEventListener("change", () => on.snap(snapBox.checked));
  const allBox = isAdmin || project.role !== "annotator" || !project.blind ? h("input", { type: "checkbox", attrs: { id: "show-all" } }) : null;
  if (allBox) allBox.addEventListener("change", () => on.showAll(allBox.checked));

  // On a phone the labels card is a bar fixed at the bottom of the screen,
  // in reach of the thumb after a selection; its first row holds the
  // toasts (dom.js toast), so they never cover the text.
  const aside = h("aside", { class: "side", attrs: { "aria-label": "Labels and spans" } },
    h("section", { class: "card side-card labels-card", attrs: { id: "labels-card" } },
      h("div", { class: "toast-slot", attrs: { id: "toast-slot" } }),
      status, // refusals show here, next to the labels (in the bar on a phone)
      h("h2", { text: "Labels" }), palette,
      h("div", { class: "options" },
        h("label", { class: "check" }, snapBox, " Snap to whole words"),
        allBox ? h("label", { class: "check" }, allBox, " Show all annotators' spans") : null),
      h("p", { class: "hint" }, "Select text, then press a hotkey. ", h("kbd", { text: "?" }), " shows all shortcuts.")),
    editorBox,
    h("section", { class: "card side-card spans-card", attrs: { id: "spans-card" } }, h("h2", {}, "Spans ", spanCount), spanList));

  const main = h("article", { class: "reader" },
    h("nav", { class: "crumbs", attrs: { "aria-label": "Breadcrumbs" } }, h("a", { href: "#/projects", text: "Projects" }), " / ", h("a", { href: "#/projects/" + project.id, text: project.name }), " / "),
    h("h1", { class: "article-title", text: article.title || "(untitled)", attrs: { dir: "auto" } }),
    meta, srcNotes,
    h("div", { class: "article-actions" }, doneBtn,
      h("button", { type: "button", class: "btn", text: "← Previous (P)", on: { click: () => on.go(-1) } }),
      h("button", { type: "button", class: "btn", text: "Next (N) →", on: { click: () => on.go(1) } }),
      isAdmin || project.role === "curator" || project.role === "manager" ? h("a", { class: "btn", href: "#/articles/" + article.id + "/curate", text: "Curate", attrs: { id: "curate-link" } }) : null),
    textEl);
  const help = helpDialog(book.labels);
  root.appendChild(h("div", { class: "annotate" }, main, aside, help, tipCard));
  // addHelp adds rows [keys, what] to the shortcut help (doclabels.js)
  const addHelp = (rows) => help.querySelector("tbody").append(...rows.map(helpRow));
  return { textEl, status, spanList, spanCount, editorBox, doneBtn, help, tipCard, palette, addHelp };
}

function helpDialog(labels) {
  const rows = [
    ...labels.filter((l) => l.hotkey).map((l) => [l.hotkey, "Label the selection: " + l.name]),
    ["Shift + arrows", "Select text with the keyboard (in the focused text; Ctrl for whole words)"],
    ["Ctrl + Z", "Undo the last create, edit (label, note, boundaries) or delete"],
    ["Alt + ← / →", "In the span editor: move the start one character left / right on screen; in right-to-left text ← is later (Save to store)"],
    ["Alt + Shift + ← / →", "In the span editor: the same for the end"],
    ["J / K", "Next / previous span (opens the editor)"],
    ["R", "Link the focused span (a claim to its source): then Tab or arrows pick the target, Enter links, Esc cancels; a click on an outlined span links too"],
    ["Esc", "Close the span editor; with unsaved changes it asks first (Enter saves, Esc again discards)"],
    ["Ctrl + Enter", "Save the span editor"],
    ["N / P", "Next / previous article"],
    ["D", "Mark done and go to the next article"],
    ["?", "This help"],
  ];
  return h("dialog", { class: "help", attrs: { id: "help", "aria-label": "Keyboard shortcuts" } },
    h("h2", { text: "Keyboard shortcuts" }),
    h("table", { class: "table" }, h("tbody", {}, ...rows.map(helpRow))),
    h("form", { attrs: { method: "dialog" }, class: "actions" }, h("button", { class: "btn btn-primary", text: "Close" })));
}

const helpRow = ([k, v]) => h("tr", {}, h("td", {}, h("kbd", { text: k })), h("td", { text: v }));

// showTip fills the pointer's span card: every span covering the
// character under the pointer, innermost last, next to the segment.
export function showTip(card, spans, book, me, anchor) {
  if (!spans.length) { card.hidden = true; return; }
  card.textContent = "";
  for (const a of spans) {
    const sw = h("span", { class: "swatch" });
    sw.style.backgroundColor = book.colorOf(a.label);
    card.appendChild(h("div", { class: "tip-row" }, sw, h("span", { text: book.nameOf(a.label) }),
      a.annotator !== me ? h("span", { class: "muted", text: " · " + a.annotator }) : null,
      a.pending ? h("span", { class: "muted", text: " · saving…" }) : null));
  }
  card.hidden = false;
  const r = anchor.getBoundingClientRect();
  const w = card.offsetWidth, vw = document.documentElement.clientWidth;
  card.style.left = Math.max(4, Math.min(vw - w - 4, r.left)) + window.scrollX + "px";
  card.style.top = r.bottom + 6 + window.scrollY + "px";
}
