// The span browser (#/projects/<id>/spans?label=…&ownership=…): a
// project's spans across its articles, narrowed by the filters of
// GET /projects/{id}/annotations, each with a few words of context and
// a link to its place in the annotate view. The filters live in the
// address, so a number on the analytics page can link here, and the
// "export what I see" link is the export with the same filters.
import { api, qs } from "./api.js";
import { h, clear, field, fmtDate, OWNERSHIP } from "./dom.js";

// FILTERS are the query parameters the page passes on, in form order.
export const FILTERS = ["label", "annotator", "source", "ownership", "country", "published_from", "published_to", "q", "origin", "layer"];
const CONTEXT = 40; // code points either side
const PAGE = 200;

// spansHref is the span browser of project pid with these filters.
export function spansHref(pid, filters) {
  return "#/projects/" + pid + "/spans" + qs(filters || {});
}

// filtersOf reads the filters from the address (#/…/spans?label=x).
function filtersOf() {
  const p = new URLSearchParams(location.hash.split("?")[1] || "");
  const out = {};
  for (const k of [...FILTERS, "group"]) if (p.get(k)) out[k] = p.get(k);
  return out;
}

// groupKey is what a span is grouped and sorted by.
const GROUPS = {
  "": { name: "Nothing (newest last)", key: () => "" },
  label: { name: "Label", key: (a) => a.label },
  source: { name: "Outlet", key: (a) => a.source || "" },
  date: { name: "Publication date", key: (a) => (a.published_at || "").slice(0, 10) },
};

export async function spanBrowserView(root, [pidStr], ctx) {
  const pid = Number(pidStr);
  const f = filtersOf();
  const project = await api("GET", "/projects/" + pid);
  document.title = "Spans · " + project.name + " · slant";
  const labels = project.labels || [];
  const labelOf = (key) => labels.find((l) => l.key === key) || { key, name: key, color: "" };

  const ctl = {
    label: h("select", {}, h("option", { value: "", text: "Any label" }), labels.map((l) => h("option", { value: l.key, text: l.name }))),
    annotator: h("input", { type: "text", placeholder: "user name" }),
    source: h("input", { type: "text", placeholder: "domain" }),
    ownership: h("select", {}, h("option", { value: "", text: "Any ownership" }), Object.entries(OWNERSHIP).map(([k, v]) => h("option", { value: k, text: v }))),
    country: h("input", { type: "text", placeholder: "NO", maxLength: 2, size: 3 }),
    published_from: h("input", { type: "date" }),
    published_to: h("input", { type: "date" }),
    q: h("input", { type: "search", placeholder: "words in the span or its note" }),
    origin: h("input", { type: "text", placeholder: "human, import, model:…" }),
    layer: h("select", {}, h("option", { value: "", text: "Annotators' spans" }), h("option", { value: "gold", text: "Gold (curated)" }), h("option", { value: "all", text: "Both" })),
    group: h("select", {}, Object.entries(GROUPS).map(([k, g]) => h("option", { value: k, text: g.name }))),
  };
  for (const [k, el] of Object.entries(ctl)) {
    el.id = "sb-" + k.replace("_", "-");
    el.name = k;
    if (f[k]) el.value = f[k];
  }
  const names = { label: "Label", annotator: "Annotator", source: "Outlet", ownership: "Ownership", country: "Country",
    published_from: "Published from", published_to: "Published to", q: "Text", origin: "Origin", layer: "Layer", group: "Group and sort by" };
  const form = h("form", { class: "card sb-filters", attrs: { id: "sb-form", role: "search", "aria-label": "Filter spans" } },
    h("div", { class: "row" }, Object.keys(ctl).map((k) => field(names[k], ctl[k]))),
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "btn btn-primary", text: "Apply" }),
      h("a", { class: "btn", href: spansHref(pid, {}), text: "Clear" })));
  const current = () => {
    const out = {};
    for (const k of [...FILTERS, "group"]) { const v = ctl[k].value.trim(); if (v) out[k] = v; }
    return out;
  };
  form.addEventListener("submit", (ev) => { ev.preventDefault(); ctx.navigate(spansHref(pid, current())); });
  // the grouping needs no new request: it redraws what is loaded
  ctl.group.addEventListener("change", () => { history.replaceState(null, "", spansHref(pid, { ...f, group: ctl.group.value })); f.group = ctl.group.value; draw(); });

  const apiFilters = {};
  for (const k of FILTERS) if (f[k]) apiFilters[k] = f[k];
  const exportLink = h("a", { class: "btn", attrs: { id: "sb-export", download: "" }, href: "/api/v1/projects/" + pid + "/export" + qs({ format: "csv", ...apiFilters }), text: "Export what I see (CSV)" });
  const status = h("p", { class: "muted", attrs: { id: "sb-status", "aria-live": "polite" } });
  const list = h("div", { attrs: { id: "sb-list" } });
  const more = h("button", { type: "button", class: "btn", text: "Load more", attrs: { id: "sb-more" }, hidden: true });
  const error = h("div", { attrs: { "aria-live": "assertive" } });
  root.appendChild(h("section", { class: "page" },
    h("nav", { class: "crumbs" }, h("a", { href: "#/projects", text: "Projects" }), " / ", h("a", { href: "#/projects/" + pid, text: project.name }), " / "),
    h("div", { class: "page-head" }, h("h1", { text: "Spans" }), h("div", { class: "actions" }, h("a", { class: "btn", href: "#/projects/" + pid + "/analytics", text: "Analytics" }), exportLink)),
    form, error, status, list, more));

  const items = [];
  let cursor = "";
  async function load() {
    more.disabled = true;
    try {
      const page = await api("GET", "/projects/" + pid + "/annotations" + qs({ ...apiFilters, context: CONTEXT, limit: PAGE, cursor }));
      items.push(...page.items);
      cursor = page.next_cursor || "";
      clear(error);
    } catch (e) {
      clear(error).appendChild(h("div", { class: "alert alert-error", attrs: { role: "alert" }, text: e.describe ? e.describe() : String(e) }));
    }
    more.disabled = false;
    more.hidden = !cursor;
    draw();
  }
  more.addEventListener("click", load);

  function draw() {
    status.textContent = items.length === 0 ? "No spans match." : items.length + (cursor ? " spans shown; more match." : items.length === 1 ? " span." : " spans.");
    const g = GROUPS[f.group || ""] || GROUPS[""];
    const groups = new Map();
    for (const a of items) {
      const k = g.key(a);
      if (!groups.has(k)) groups.set(k, []);
      groups.get(k).push(a);
    }
    const order = [...groups.keys()];
    if (f.group === "label") order.sort((x, y) => labels.findIndex((l) => l.key === x) - labels.findIndex((l) => l.key === y));
    else if (f.group) order.sort((x, y) => (x === "") - (y === "") || x.localeCompare(y));
    clear(list);
    for (const k of order) {
      const heading = !f.group ? null : h("h2", { class: "sb-group", text: groupTitle(f.group, k, labelOf) + " (" + groups.get(k).length + ")" });
      list.appendChild(h("section", { class: "sb-section" }, heading, h("ol", { class: "sb-items" }, groups.get(k).map((a) => spanItem(a, labelOf(a.label))))));
    }
  }
  await load();
}

function groupTitle(group, k, labelOf) {
  if (group === "label") return labelOf(k).name;
  if (group === "source") return k || "No outlet";
  return k || "Undated";
}

// spanItem is one span: its text in context, what it is, and the link to
// its place in the article.
function spanItem(a, label) {
  const chip = h("span", { class: "sb-label", text: label.name });
  if (label.color) chip.style.borderColor = label.color; // CSSOM, allowed by the style-src policy
  // whole words only where the context was cut short
  let before = a.context_before || "", after = a.context_after || "";
  if (a.start > CONTEXT) before = "…" + before.replace(/^\S*\s+/u, "");
  if ([...after].length >= CONTEXT) after = after.replace(/\s+\S*$/u, "") + "…";
  const text = h("p", { class: "sb-text", dir: "auto" },
    before ? h("span", { class: "sb-ctx", text: before }) : null,
    h("mark", { text: a.text }),
    after ? h("span", { class: "sb-ctx", text: after }) : null);
  if (label.color) text.querySelector("mark").style.borderBottomColor = label.color;
  return h("li", { class: "sb-item", dataset: { id: a.id, label: a.label } },
    text,
    a.note ? h("p", { class: "sb-note", dir: "auto", text: "Note: " + a.note }) : null,
    h("p", { class: "sb-meta" }, chip, " ",
      h("span", { text: a.annotator }), " · ",
      h("span", { text: a.source || "no outlet" }), " · ",
      h("span", { text: fmtDate(a.published_at) || "undated" }), " · ",
      h("a", { class: "sb-open", href: "#/articles/" + a.article_id + "?span=" + a.id, text: a.article_title || "article " + a.article_id, title: "Open this span in its article" })));
}
