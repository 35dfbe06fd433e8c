// The analytics page (#/projects/<id>/analytics): how densely one label
// occurs by ownership kind, by outlet (the top N) and month by month,
// from GET /projects/{id}/stats. Each chart has its numbers in a table
// beside it and a link to the same rows as CSV; every count links to the
// span browser filtered to the spans behind it. Charts are drawn by
// uPlot (vendor/uplot, MIT), which styles its elements through the CSSOM,
// as the strict style-src policy allows.
import uPlot from "./vendor/uplot/uPlot.esm.js";
import { api, qs } from "./api.js";
import { h, clear, field, OWNERSHIP } from "./dom.js";
import { spansHref } from "./browse.js";

const MEASURES = {
  spans_per_1000_words: { name: "Spans per 1,000 words", fmt: (v) => v.toFixed(2) },
  share_of_articles: { name: "Share of articles with the label", fmt: (v) => (v * 100).toFixed(0) + " %" },
  spans: { name: "Spans", fmt: (v) => String(v) },
};

// useStylesheet adds uPlot's stylesheet to the page once.
function useStylesheet() {
  if (document.getElementById("uplot-css")) return;
  document.head.appendChild(h("link", { rel: "stylesheet", href: "/vendor/uplot/uPlot.min.css", attrs: { id: "uplot-css" } }));
}

// monthRange is the span browser's date filter of a month "YYYY-MM".
function monthRange(m) {
  const [y, mo] = m.split("-").map(Number);
  const last = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return { published_from: m + "-01", published_to: m + "-" + String(last).padStart(2, "0") };
}

export async function analyticsView(root, [pidStr]) {
  const pid = Number(pidStr);
  const project = await api("GET", "/projects/" + pid);
  document.title = "Analytics · " + project.name + " · slant";
  useStylesheet();
  const labels = project.labels || [];
  const label = h("select", { attrs: { id: "an-label" } }, labels.map((l) => h("option", { value: l.key, text: l.name })));
  const measure = h("select", { attrs: { id: "an-measure" } }, Object.entries(MEASURES).map(([k, m]) => h("option", { value: k, text: m.name })));
  const topN = h("input", { type: "number", min: 3, max: 50, value: 10, attrs: { id: "an-top" } });
  const controls = h("form", { class: "card row", attrs: { "aria-label": "What to chart" } },
    field("Label", label), field("Measure", measure), field("Outlets shown", topN, "the N outlets with the most spans"));
  controls.addEventListener("submit", (ev) => ev.preventDefault());
  const sections = h("div", { attrs: { id: "an-sections" } });
  const note = h("p", { class: "muted small", text: "Only annotators' spans count (not the gold layer). Articles and words count every article of the group, with spans or not; a word is a run of characters between spaces that holds a letter or digit." });
  root.appendChild(h("section", { class: "page" },
    h("nav", { class: "crumbs" }, h("a", { href: "#/projects", text: "Projects" }), " / ", h("a", { href: "#/projects/" + pid, text: project.name }), " / "),
    h("div", { class: "page-head" }, h("h1", { text: "Analytics" }), h("a", { class: "btn", href: spansHref(pid, {}), text: "Span browser" })),
    controls, note, sections));
  if (!labels.length) { sections.appendChild(h("p", { text: "This project has no labels yet." })); return null; }

  let charts = [];
  const charted = {
    ownership: { title: "By ownership of the outlet", kind: "bars", name: (k) => OWNERSHIP[k] || k, filter: (k) => ({ ownership: k }) },
    source: { title: "By outlet", kind: "bars", name: (k) => k || "(no outlet)", filter: (k) => (k ? { source: k } : null) },
    month: { title: "By month of publication", kind: "line", name: (k) => k || "(undated)", filter: (k) => (k ? monthRange(k) : null) },
  };
  let gen = 0;
  async function draw() {
    const my = ++gen;
    const key = label.value, m = measure.value, n = Math.max(1, Number(topN.value) || 10);
    // one request: the finest groups, summed here into each chart's
    // (every count is a sum over disjoint groups of articles)
    const fine = await api("GET", "/projects/" + pid + "/stats" + qs({ by: "ownership,source,month", label: key }));
    if (my !== gen) return;
    for (const c of charts) c.destroy();
    charts = [];
    clear(sections);
    Object.keys(charted).forEach((by) => {
      let rows = rollUp(fine.items, by);
      if (by === "source") rows = rows.filter((r) => r.spans > 0).sort((x, y) => y.spans - x.spans || x.source.localeCompare(y.source)).slice(0, n);
      const spec = charted[by];
      const chartRows = by === "month" ? rows.filter((r) => r.month) : rows;
      const box = h("div", { class: "an-chart", attrs: { id: "an-chart-" + by, role: "img", "aria-label": spec.title + ": " + MEASURES[m].name + ", as in the table beside it" } });
      const csv = "/api/v1/projects/" + pid + "/stats" + qs({ by, label: key, format: "csv" });
      const linkOf = (r) => { const f = spec.filter(r[by]); return f ? spansHref(pid, { label: key, ...f }) : ""; };
      sections.appendChild(h("section", { class: "card an-section", attrs: { id: "an-" + by, "aria-labelledby": "an-title-" + by } },
        h("div", { class: "page-head" }, h("h2", { text: spec.title, attrs: { id: "an-title-" + by } }),
          h("a", { href: csv, attrs: { download: "", class: "an-csv" }, text: "Download CSV" })),
        h("div", { class: "an-body" }, box, statsTable(by, rows, spec, linkOf))));
      if (chartRows.length) charts.push(chart(box, spec, chartRows.map((r) => spec.name(r[by])), chartRows.map((r) => r[m]), MEASURES[m], chartRows.map(linkOf)));
      else box.appendChild(h("p", { class: "muted", text: "Nothing to chart." }));
    });
    sections.dataset.drawn = String(Number(sections.dataset.drawn || 0) + 1);
  }
  for (const el of [label, measure, topN]) el.addEventListener("change", () => draw().catch(showError));
  const showError = (e) => clear(sections).appendChild(h("div", { class: "alert alert-error", attrs: { role: "alert" }, text: e.describe ? e.describe() : String(e) }));
  await draw();
  const onResize = () => { for (const c of charts) c.setSize({ width: c.root.parentNode.clientWidth || 480, height: 260 }); };
  window.addEventListener("resize", onResize);
  return () => { window.removeEventListener("resize", onResize); for (const c of charts) c.destroy(); };
}

// rollUp sums the rows of finer groups by one key, in the order of the
// groups' first appearance (the server's order), and derives the ratios
// from the sums as the server does.
function rollUp(items, by) {
  const out = new Map();
  for (const r of items) {
    let o = out.get(r[by]);
    if (!o) out.set(r[by], (o = { [by]: r[by], spans: 0, articles: 0, articles_with_spans: 0, words: 0 }));
    o.spans += r.spans; o.articles += r.articles; o.articles_with_spans += r.articles_with_spans; o.words += r.words;
  }
  const rows = [...out.values()];
  for (const o of rows) {
    o.spans_per_1000_words = o.words ? (o.spans * 1000) / o.words : 0;
    o.share_of_articles = o.articles ? o.articles_with_spans / o.articles : 0;
  }
  if (by !== "ownership") rows.sort((x, y) => (x[by] === "") - (y[by] === "") || (x[by] < y[by] ? -1 : x[by] > y[by] ? 1 : 0));
  return rows;
}

// statsTable is a chart's numbers; counts of spans link to them.
function statsTable(by, rows, spec, linkOf) {
  const num = (v, href) => h("td", { class: "num" }, href ? h("a", { href, text: v }) : v);
  return h("div", { class: "table-scroll an-table" }, h("table", { class: "table", attrs: { id: "an-table-" + by } },
    h("thead", {}, h("tr", {}, h("th", { text: by === "source" ? "Outlet" : by === "month" ? "Month" : "Ownership", attrs: { scope: "col" } }),
      ["Spans", "Articles", "Words", "Per 1,000 words", "Share of articles"].map((t) => h("th", { class: "num", text: t, attrs: { scope: "col" } })))),
    h("tbody", {}, rows.map((r) => {
      const href = linkOf(r);
      return h("tr", { dataset: { key: r[by] } }, h("th", { text: spec.name(r[by]), attrs: { scope: "row" } }),
        num(String(r.spans), href), num(String(r.articles)), num(String(r.words)),
        num(r.spans_per_1000_words.toFixed(2), href), num((r.share_of_articles * 100).toFixed(0) + " %", href));
    }))));
}

// chart draws bars (or a line, for months) of values over named
// categories; a click on a category opens its spans.
function chart(box, spec, names, values, measure, links) {
  const xs = names.map((_, i) => i);
  // slanted category names when they would not fit side by side
  const slant = names.reduce((n, s) => n + s.length, 0) * 7 > (box.clientWidth || 480) - 90;
  const color = "#3b82c4";
  const opts = {
    width: box.clientWidth || 480,
    height: 260,
    padding: [12, slant ? 70 : 16, 0, 0], // room for the last slanted name
    legend: { show: false },
    cursor: { drag: { x: false, y: false }, points: { show: spec.kind === "line" } },
    scales: { x: { time: false, range: [-0.6, names.length - 0.4] }, y: { range: (u, lo, hi) => [0, hi > 0 ? hi * 1.15 : 1] } },
    axes: [
      { splits: () => xs, values: (u, splits) => splits.map((i) => names[i] ?? ""), rotate: slant ? -30 : 0, size: slant ? 110 : 40, grid: { show: false } },
      { label: measure.name, values: (u, splits) => splits.map((v) => measure.fmt(v)), size: 70 },
    ],
    series: [{}, spec.kind === "line"
      ? { label: measure.name, stroke: color, width: 2, points: { show: true, size: 7, fill: color } }
      : { label: measure.name, stroke: color, fill: "rgba(59, 130, 196, 0.55)", paths: uPlot.paths.bars({ size: [0.6, 64] }), points: { show: false } }],
  };
  const u = new uPlot(opts, [xs, values], box);
  u.over.addEventListener("click", () => {
    const i = u.cursor.idx;
    if (i != null && links[i]) location.hash = links[i];
  });
  u.over.title = "Click a " + (spec.kind === "line" ? "point" : "bar") + " to see its spans";
  return u;
}
