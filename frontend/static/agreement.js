// The agreement page of a project (#/projects/<id>/agreement), for
// curators, managers and admins: filters (annotators, labels, scope), a
// pair × label matrix coloured by the chosen measure, each cell opening
// the articles where that pair disagrees most, Krippendorff's alpha and
// alpha_u per label, and the same numbers as CSV. The server computes
// every number (GET /projects/{id}/agreement); this module only shows them.
import { api, qs } from "./api.js";
import { h, clear } from "./dom.js";

const MEASURES = {
  partial_f1: "Partial F1",
  exact_f1: "Exact F1",
  kappa: "Cohen's κ",
};

// fmt shows a measure with two decimals, or a dash when it is undefined.
export function fmtNum(x) {
  return x === null || x === undefined || Number.isNaN(x) ? "—" : x.toFixed(2);
}

// bucket is the colour class of a value: five steps from 0 to 1 (values
// below 0, possible for κ and α, share the lowest), "agr-na" when undefined.
export function bucket(x) {
  if (x === null || x === undefined || Number.isNaN(x)) return "agr-na";
  if (x < 0.2) return "agr-b0";
  if (x < 0.4) return "agr-b1";
  if (x < 0.6) return "agr-b2";
  if (x < 0.8) return "agr-b3";
  return "agr-b4";
}

function plainError(err) {
  if (err && err.status === 403) return "Agreement is for curators and managers of this project: it shows everyone's work.";
  return err && err.describe ? err.describe() : String(err && err.message || err);
}

function selectedValues(sel) {
  return Array.from(sel.selectedOptions).map((o) => o.value);
}

export async function agreementView(root, [pidStr]) {
  const pid = Number(pidStr);
  const base = "/projects/" + pid;
  const page = h("section", { class: "page agreement-page" });
  root.appendChild(page);
  let project;
  try {
    project = await api("GET", base);
  } catch (err) {
    page.appendChild(h("div", { class: "alert alert-error", attrs: { role: "alert" }, text: plainError(err) }));
    return;
  }
  document.title = "Agreement · " + project.name + " · slant";
  const curator = ["curator", "manager", "admin"].includes(project.role);
  const labels = await api("GET", base + "/labels").then((r) => r.items || r).catch(() => []);
  const labelName = Object.fromEntries(labels.map((l) => [l.key, l.name || l.key]));

  const annSel = h("select", { multiple: true, attrs: { id: "agr-annotators", size: 4, "aria-describedby": "agr-ann-hint" } });
  const labSel = h("select", { multiple: true, attrs: { id: "agr-labels", size: 4 } },
    labels.map((l) => h("option", { value: l.key, text: l.name || l.key })));
  const scopeSel = h("select", { attrs: { id: "agr-scope" } },
    h("option", { value: "done", text: "both marked the article done" }),
    h("option", { value: "annotated", text: "both annotated the article" }));
  const measureSel = h("select", { attrs: { id: "agr-measure" } },
    Object.entries(MEASURES).map(([k, v]) => h("option", { value: k, text: v })));
  const status = h("p", { class: "muted", attrs: { id: "agr-status", "aria-live": "polite" } });
  const summary = h("p", { attrs: { id: "agr-summary" } });
  const matrix = h("div", { class: "agr-matrix-wrap", attrs: { id: "agr-matrix" } });
  const alphas = h("div", { attrs: { id: "agr-alphas" } });
  const detail = h("div", { attrs: { id: "agr-detail", "aria-live": "polite" } });
  const csv = h("a", { class: "btn", text: "Download CSV", attrs: { id: "agr-csv", download: "" } });

  const form = h("form", { class: "filters agr-filters", attrs: { "aria-label": "Agreement filters" } },
    h("label", { class: "field" }, h("span", { class: "field-label", text: "Annotators" }), annSel,
      h("span", { class: "hint", text: "none selected: everyone with a span", attrs: { id: "agr-ann-hint" } })),
    h("label", { class: "field" }, h("span", { class: "field-label", text: "Labels" }), labSel,
      h("span", { class: "hint", text: "none selected: all" })),
    h("label", { class: "field" }, h("span", { class: "field-label", text: "An article counts when" }), scopeSel),
    h("label", { class: "field" }, h("span", { class: "field-label", text: "Colour by" }), measureSel),
    h("button", { type: "submit", class: "btn btn-primary", text: "Show", attrs: { id: "agr-apply" } }));

  page.append(
    h("div", { class: "page-head" }, h("h1", { text: "Agreement · " + project.name }),
      h("a", { href: "#/projects/" + pid, text: "Back to the project" })),
    h("p", { class: "muted", text: "How much the annotators agree, per label and pair. 1 is perfect agreement; 0 is what chance gives (κ, α); F1 counts shared spans. Pick a cell to see the articles where that pair disagrees most." }),
    form, status, summary, matrix, alphas, detail, h("p", {}, csv));

  let last = null;
  let knownAnnotators = [];

  function params() {
    const p = { scope: scopeSel.value };
    const a = selectedValues(annSel);
    const l = selectedValues(labSel);
    if (a.length) p.annotators = a.join(",");
    if (l.length) p.labels = l.join(",");
    return p;
  }

  async function load() {
    status.textContent = "Computing…";
    const p = params();
    csv.href = "/api/v1" + base + "/agreement" + qs({ ...p, format: "csv" });
    try {
      last = await api("GET", base + "/agreement" + qs(p));
    } catch (err) {
      status.textContent = "";
      clear(matrix).appendChild(h("div", { class: "alert alert-error", attrs: { role: "alert" }, text: plainError(err) }));
      return;
    }
    status.textContent = "";
    if (!p.annotators) fillAnnotators(last.annotators);
    render();
  }

  function fillAnnotators(names) {
    if (names.join("\n") === knownAnnotators.join("\n")) return;
    knownAnnotators = names.slice();
    const keep = new Set(selectedValues(annSel));
    clear(annSel).append(...names.map((n) => h("option", { value: n, text: n, selected: keep.has(n) })));
  }

  function render() {
    const r = last;
    const measure = measureSel.value;
    const pairs = r.micro.pairs;
    summary.textContent = r.annotators.length < 2
      ? "Agreement needs two annotators or more with spans in this project."
      : r.articles + (r.articles === 1 ? " article" : " articles") + " counted by two annotators or more (" +
        (r.scope === "done" ? "both marked done" : "both annotated") + ").";
    clear(matrix);
    clear(detail);
    if (!pairs.length) { clear(alphas); return; }
    const head = h("tr", {}, h("th", { attrs: { scope: "col" }, text: "Pair" }),
      r.label_order.map((k) => h("th", { attrs: { scope: "col" }, text: labelName[k] || k })),
      h("th", { attrs: { scope: "col" }, text: "All labels (micro F1)" }));
    const rows = pairs.map((mp, i) => h("tr", {},
      h("th", { attrs: { scope: "row" }, text: mp.a + " – " + mp.b }),
      r.label_order.map((k) => cell(r.labels[k].pairs[i], measure, k)),
      cell(mp, measure === "kappa" ? "partial_f1" : measure, "")));
    matrix.appendChild(h("table", { class: "table agr-matrix", attrs: { id: "agr-table" } },
      h("caption", { text: MEASURES[measure] + " per pair and label (cells also show exact F1, partial F1 and κ)" }),
      h("thead", {}, head), h("tbody", {}, rows)));
    clear(alphas).appendChild(h("table", { class: "table agr-alphas", attrs: { id: "agr-alpha-table" } },
      h("caption", { text: "All annotators together, per label" }),
      h("thead", {}, h("tr", {}, ["Label", "Krippendorff's alpha", "Unitizing alpha", "Articles in unitizing alpha"].map((t) => h("th", { attrs: { scope: "col" }, text: t })))),
      h("tbody", {}, r.label_order.map((k) => {
        const l = r.labels[k];
        return h("tr", { dataset: { label: k } }, h("th", { attrs: { scope: "row" }, text: labelName[k] || k }),
          h("td", { class: "num " + bucket(l.alpha), text: fmtNum(l.alpha), dataset: { measure: "alpha" } }),
          h("td", { class: "num " + bucket(l.alpha_u), text: fmtNum(l.alpha_u), dataset: { measure: "alpha_u" } }),
          h("td", { class: "num", text: String(l.alpha_u_articles) }));
      }))));
  }

  // cell is one pair on one label (label "": all labels): the chosen
  // measure large, the others small, a button that lists the articles.
  function cell(p, measure, label) {
    const v = p[measure];
    const what = (label ? (labelName[label] || label) : "all labels");
    const btn = h("button", { type: "button", class: "agr-cell " + bucket(v),
      attrs: { "aria-label": p.a + " and " + p.b + " on " + what + ": " + MEASURES[measure] + " " + fmtNum(v) + ". Show where they disagree most" },
      dataset: { a: p.a, b: p.b, label, exact: String(p.exact_f1) },
      on: { click: () => showArticles(p.a, p.b, label) } },
    h("span", { class: "agr-main", text: fmtNum(v) }),
    h("span", { class: "agr-sub", text: "exact " + fmtNum(p.exact_f1) + " · partial " + fmtNum(p.partial_f1) + (label ? " · κ " + fmtNum(p.kappa) : "") }),
    h("span", { class: "agr-sub muted", text: p.articles + " art. · " + p.spans_a + "/" + p.spans_b + " spans" }));
    return h("td", {}, btn);
  }

  async function showArticles(a, b, label) {
    const p = { ...params(), annotators: a + "," + b, by: "article", limit: 20 };
    if (label) p.labels = label;
    clear(detail).appendChild(h("p", { class: "muted", text: "Loading…" }));
    let res;
    try {
      res = await api("GET", base + "/agreement" + qs(p));
    } catch (err) {
      clear(detail).appendChild(h("div", { class: "alert alert-error", attrs: { role: "alert" }, text: plainError(err) }));
      return;
    }
    const title = "Where " + a + " and " + b + " disagree most" + (label ? " on " + (labelName[label] || label) : "");
    const items = res.items.filter((it) => it.disagreement > 0 || it.differ > 0);
    clear(detail).append(h("h2", { text: title, attrs: { id: "agr-detail-title", tabindex: "-1" } }),
      items.length ? h("table", { class: "table", attrs: { id: "agr-articles" } },
        h("thead", {}, h("tr", {}, ["Article", "Partial F1", "Exact F1", "Code points in one only", "Spans"].map((t) => h("th", { attrs: { scope: "col" }, text: t })))),
        h("tbody", {}, items.map((it) => h("tr", {},
          h("td", {}, h("a", { href: "#/articles/" + it.article_id + (curator ? "/curate" : ""), text: it.title || "Article " + it.article_id }),
            curator ? [" ", h("a", { class: "muted", href: "#/articles/" + it.article_id, text: "(open)" })] : null),
          h("td", { class: "num", text: fmtNum(it.partial_f1) }),
          h("td", { class: "num", text: fmtNum(it.exact_f1) }),
          h("td", { class: "num", text: String(it.differ) }),
          h("td", { class: "num", text: it.spans_a + " / " + it.spans_b })))))
        : h("p", { class: "muted", text: "They agree on every article they both count." }));
    document.getElementById("agr-detail-title").focus();
  }

  form.addEventListener("submit", (ev) => { ev.preventDefault(); load(); });
  measureSel.addEventListener("change", () => { if (last) render(); });
  await load();
}
