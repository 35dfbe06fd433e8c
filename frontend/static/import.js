// Import page of a project: files (picker or drag and drop, folders too)
// or one web page, checked as a dry run or imported; the report with its
// problems; and the project's import history.
import { api, qs } from "./api.js";
import { h, clear, field, errorBox, fmtNumber, safeURL } from "./dom.js";
import { managesProject } from "./admin.js";

// FORMATS are the server's import formats (ingest.Formats, in its order;
// a browser test keeps the two in step).
const FORMATS = [
  ["auto", "Detect automatically"],
  ["json", "JSON"],
  ["jsonl", "JSON Lines"],
  ["csv", "CSV"],
  ["txt", "Plain text"],
  ["html", "HTML"],
  ["crawl", "Crawl dump"],
  ["doccano", "doccano JSONL"],
  ["ptc", "PTC / SemEval"],
  ["paragraphs", "Paragraph JSONL (ArMPro)"],
  ["slant", "slant spans (JSONL or CSV export)"],
  ["w3c", "W3C Web Annotation"],
  ["parquet", "Parquet"],
  ["brat", "brat standoff (.txt + .ann; annotators as NAME_ANNOTATOR.ann or folders in a zip)"],
];

const STATES = {
  running: "Being written; nothing of it is visible yet",
  done: "Published",
  failed: "Failed; nothing was stored",
  discarded: "Dry run; nothing was stored",
};

const HISTORY_PAGE = 20;
const POLL_MS = 2000;

function fmtBytes(n) {
  if (!(n >= 0)) return "";
  if (n < 1024) return n + " B";
  const units = ["KB", "MB", "GB"];
  let v = n / 1024, i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return (v < 10 ? v.toFixed(1) : Math.round(v)) + " " + units[i];
}

// fmtTime is a local "YYYY-MM-DD HH:MM".
function fmtTime(iso) {
  const d = new Date(iso || "");
  if (Number.isNaN(d.getTime())) return "";
  const p = (n) => String(n).padStart(2, "0");
  return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + " " + p(d.getHours()) + ":" + p(d.getMinutes());
}

function fmtDuration(from, to) {
  const ms = new Date(to) - new Date(from);
  if (!(ms >= 0)) return "";
  if (ms < 100) return "under 0.1 s";
  if (ms < 60000) return (ms / 1000).toFixed(1) + " s";
  return Math.floor(ms / 60000) + " min " + Math.round((ms % 60000) / 1000) + " s";
}

// filesFromDrop returns the dropped files; a dropped folder (a PTC corpus
// is one) gives the files inside it, at any depth, without hidden ones.
// It must be called in the drop handler: the items are gone afterwards.
function filesFromDrop(dt) {
  const entries = [...(dt.items || [])].filter((it) => it.kind === "file").map((it) => (it.webkitGetAsEntry ? it.webkitGetAsEntry() : null));
  const plain = [...dt.files];
  if (!entries.length || entries.some((e) => !e)) return Promise.resolve(plain);
  const out = [];
  const walk = async (entry, top) => {
    if (!top && entry.name.startsWith(".")) return;
    if (entry.isFile) {
      out.push(await new Promise((resolve, reject) => entry.file(resolve, reject)));
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (;;) { // readEntries answers in batches until an empty one
        const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
        if (!batch.length) break;
        for (const e of batch) await walk(e, false);
      }
    }
  };
  return (async () => {
    for (const e of entries) await walk(e, true);
    return out;
  })();
}

// problemsTable lists import problems: file, line, field, message.
function problemsTable(problems) {
  return h("div", { class: "table-scroll" }, h("table", { class: "table problems", attrs: { id: "imp-problems" } },
    h("caption", { class: "visually-hidden", text: "Problems" }),
    h("thead", {}, h("tr", {}, ...["File", "Line", "Field", "Message"].map((t) => h("th", { text: t, class: t === "Line" ? "num" : "", attrs: { scope: "col" } })))),
    h("tbody", {}, ...problems.map((p) => h("tr", {},
      h("td", { class: "mono file", text: p.file || "–" }),
      h("td", { class: "num", text: p.line ? fmtNumber(p.line) : "–" }),
      h("td", { class: "mono", text: p.field || "" }),
      h("td", { class: "message", text: p.message || "" }))))));
}

function problemsSection(problems, count) {
  const n = Math.max(count || 0, problems.length);
  return [
    h("h3", { text: n === 1 ? "1 problem" : fmtNumber(n) + " problems" }),
    n > problems.length ? h("p", { class: "hint", attrs: { id: "imp-problems-note" }, text: "Showing the first " + fmtNumber(problems.length) + " of " + fmtNumber(n) + " problems." }) : null,
    problems.length ? problemsTable(problems) : null,
  ];
}

export async function importView(root, [pidStr], ctx) {
  const pid = Number(pidStr);
  const project = await api("GET", "/projects/" + pid);
  document.title = "Import · " + project.name + " · slant";

  let files = []; // chosen so far, in order
  let upload = null; // the AbortController of the request in flight
  let alive = true, pollTimer = 0;

  // ---- the form ----
  const input = h("input", { type: "file", multiple: true, class: "visually-hidden", attrs: { id: "imp-file", "aria-describedby": "imp-drop-hint" } });
  const pick = h("label", { class: "btn", attrs: { for: "imp-file" }, text: "Choose files…" });
  const drop = h("div", { class: "dropzone", attrs: { id: "imp-drop" } },
    h("p", { class: "dropzone-title" }, h("span", { text: "Drop files or a folder here, or " }), input, pick),
    h("p", { class: "hint", attrs: { id: "imp-drop-hint" }, text: "JSON, JSON Lines, CSV, plain text, HTML, doccano, PTC / SemEval, Parquet… or a zip of them. All files together make one import." }));
  const fileList = h("ul", { class: "file-list", attrs: { id: "imp-files", "aria-label": "Chosen files" } });
  const fileSummary = h("p", { class: "hint file-summary", attrs: { "aria-live": "polite" } });

  const url = h("input", { type: "url", placeholder: "https://…", size: 50, attrs: { id: "imp-url", autocomplete: "off", spellcheck: "false", inputmode: "url" } });
  const format = h("select", { attrs: { id: "imp-format" } }, ...FORMATS.map(([v, t]) => h("option", { value: v, text: t })));
  const strict = h("input", { type: "checkbox", attrs: { id: "imp-strict" } });
  const createLabels = managesProject(project) ? h("input", { type: "checkbox", attrs: { id: "imp-create-labels" } }) : null;

  const check = h("button", { type: "submit", class: "btn", text: "Check (dry run)", attrs: { id: "imp-check" } });
  const go = h("button", { type: "submit", class: "btn btn-primary", text: "Import", attrs: { id: "imp-go" } });
  const cancel = h("button", { type: "button", class: "btn", text: "Cancel", hidden: true, attrs: { id: "imp-cancel" } });
  const progress = h("progress", { hidden: true, attrs: { id: "imp-progress", "aria-label": "Upload" } });
  const status = h("span", { class: "import-status", attrs: { id: "imp-status", role: "status" } });
  const result = h("div", { class: "import-result", attrs: { id: "imp-result", tabindex: "-1" } });

  // noValidate: the checks below say more than the browser's URL bubble
  const form = h("form", { class: "card import-form", noValidate: true, attrs: { id: "import-form", "aria-labelledby": "import-form-title" } },
    h("h2", { text: "What to import", attrs: { id: "import-form-title" } }),
    drop, fileSummary, fileList,
    field("…or one web page (URL)", url, "slant fetches the page and reads the article in it. Public addresses only."),
    h("div", { class: "row" }, field("Format", format, "Detection goes by file name and content.")),
    h("fieldset", { class: "options" }, h("legend", { text: "Options" }),
      h("label", { class: "check" }, strict, " Strict: any problem rejects the whole import"),
      createLabels ? h("label", { class: "check" }, createLabels, " Create the labels the project does not have yet (admins only)") : null),
    h("div", { class: "actions" }, check, go, cancel, progress, status),
    h("p", { class: "hint", text: "An import is all or nothing: its articles appear at once when it has finished, or not at all. A dry run reads everything and shows the report, and stores nothing." }));

  // ---- history ----
  const tbody = h("tbody", { attrs: { id: "imp-history-rows" } });
  const more = h("button", { type: "button", class: "btn", text: "Load more", hidden: true, attrs: { id: "imp-more" } });
  const histErr = h("div");
  const historyCard = h("section", { class: "card", attrs: { id: "imp-history", "aria-labelledby": "imp-history-title" } },
    h("h2", { text: "Import history", attrs: { id: "imp-history-title" } }), histErr,
    h("div", { class: "table-scroll" }, h("table", { class: "table imports" },
      h("thead", {}, h("tr", {}, ...[["#", 1], ["Started"], ["By"], ["State"], ["New articles", 1], ["Skipped", 1], ["Spans", 1], ["Problems", 1], ["Notes"]]
        .map(([t, num]) => h("th", { text: t, class: num ? "num" : "", attrs: { scope: "col" } })))),
      tbody)),
    h("div", { class: "actions" }, more));

  root.appendChild(h("section", { class: "page page-import" },
    h("nav", { class: "crumbs" }, h("a", { href: "#/projects", text: "Projects" }), " / ", h("a", { href: "#/projects/" + pid, text: project.name }), " / "),
    h("div", { class: "page-head" }, h("h1", { text: "Import into " + project.name }),
      h("div", { class: "actions" }, h("a", { class: "btn", href: "#/projects/" + pid, text: "Articles" }), h("a", { class: "btn", href: "#/projects/" + pid + "/export", text: "Export" }))),
    form, result, historyCard));

  // ---- choosing files ----
  function renderFiles() {
    clear(fileList);
    files.forEach((f, i) => fileList.appendChild(h("li", {},
      h("span", { class: "file-name mono", text: f.name }), " ", h("span", { class: "muted small", text: fmtBytes(f.size) }),
      h("button", { type: "button", class: "btn btn-small", text: "Remove", attrs: { "aria-label": "Remove " + f.name }, on: { click: () => {
        files.splice(i, 1);
        renderFiles();
        (fileList.querySelectorAll("button")[Math.min(i, files.length - 1)] || input).focus();
      } } }))));
    if (files.length > 1) {
      fileList.appendChild(h("li", { class: "file-list-all" }, h("button", { type: "button", class: "btn btn-small", text: "Remove all", on: { click: () => { files = []; renderFiles(); input.focus(); } } })));
    }
    const total = files.reduce((n, f) => n + f.size, 0);
    fileSummary.textContent = files.length ? (files.length === 1 ? "1 file, " : files.length + " files, ") + fmtBytes(total) + "." : "";
    syncFormat();
  }
  function addFiles(list) {
    const seen = new Set(files.map((f) => f.name + "\0" + f.size + "\0" + f.lastModified));
    for (const f of list) {
      const k = f.name + "\0" + f.size + "\0" + f.lastModified;
      if (!seen.has(k)) { seen.add(k); files.push(f); }
    }
    renderFiles();
  }
  // a web page is always read as HTML: the format applies to files only
  function syncFormat() { format.disabled = !files.length && url.value.trim() !== ""; }
  input.addEventListener("change", () => { addFiles(input.files); input.value = ""; });
  url.addEventListener("input", syncFormat);

  let depth = 0; // dragenter/dragleave pairs, children included
  const hasFiles = (ev) => ev.dataTransfer && [...ev.dataTransfer.types].includes("Files");
  drop.addEventListener("dragenter", (ev) => { if (!hasFiles(ev)) return; ev.preventDefault(); depth++; drop.classList.add("over"); });
  drop.addEventListener("dragover", (ev) => { if (!hasFiles(ev)) return; ev.preventDefault(); ev.dataTransfer.dropEffect = "copy"; });
  drop.addEventListener("dragleave", () => { if (--depth <= 0) { depth = 0; drop.classList.remove("over"); } });
  drop.addEventListener("drop", async (ev) => {
    ev.preventDefault();
    depth = 0;
    drop.classList.remove("over");
    if (upload) return;
    try { addFiles(await filesFromDrop(ev.dataTransfer)); }
    catch (e) { showError(e); }
  });
  // the whole box opens the picker, not only its button
  drop.addEventListener("click", (ev) => { if (!upload && !ev.target.closest("label, input, button, a")) input.click(); });
  // A drop that misses the zone must not make the browser open the file
  // (and lose the page).
  const guard = (ev) => { if (hasFiles(ev) && !drop.contains(ev.target)) { ev.preventDefault(); if (ev.type === "dragover") ev.dataTransfer.dropEffect = "none"; } };
  window.addEventListener("dragover", guard);
  window.addEventListener("drop", guard);
  const unloadGuard = (ev) => { if (upload) { ev.preventDefault(); ev.returnValue = ""; } };
  window.addEventListener("beforeunload", unloadGuard);

  // ---- running an import ----
  function setBusy(btn, text) {
    const busy = !!btn;
    check.disabled = go.disabled = busy;
    form.setAttribute("aria-busy", busy ? "true" : "false");
    check.textContent = btn === check ? text : "Check (dry run)";
    go.textContent = btn === go ? text : "Import";
    cancel.hidden = !busy;
    progress.hidden = !busy;
    if (!busy) { progress.removeAttribute("value"); status.textContent = ""; }
  }

  function message(kind, text) {
    clear(result).appendChild(h("div", { class: "alert alert-" + kind, attrs: { role: "alert", id: "imp-message" }, text }));
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (upload) return;
    const dry = ev.submitter !== go; // Enter in a field checks: the safe default
    const address = url.value.trim();
    if (!files.length && !address) { message("error", "Choose one or more files, drop them on the box, or enter the address of a web page."); input.focus(); return; }
    if (files.length && address) { message("error", "An import takes files or one web page, not both: clear the address or remove the files."); url.focus(); return; }
    if (address && !safeURL(address)) { message("error", "The address must start with http:// or https://."); url.focus(); return; }

    let body;
    if (address) {
      body = { url: address };
    } else {
      body = new FormData();
      for (const f of files) body.append("file", f, f.name);
    }
    const params = qs({
      format: address || format.value === "auto" ? "" : format.value,
      strict: strict.checked ? "true" : "",
      create_labels: createLabels && createLabels.checked ? "true" : "",
      dry_run: dry ? "true" : "",
    });
    const btn = dry ? check : go;
    const verb = dry ? "Checking" : "Importing";
    upload = new AbortController();
    const mine = upload;
    setBusy(btn, verb + "…");
    clear(result);
    status.textContent = address ? "Fetching the page…" : "Uploading…";
    const onUploadProgress = ({ sent, total, done }) => {
      if (upload !== mine) return;
      if (done || address) {
        progress.removeAttribute("value"); // indeterminate: the server is at work
        status.textContent = address ? "Fetching and reading the page…" : verb + " on the server…";
      } else if (total) {
        progress.max = total;
        progress.value = sent;
        status.textContent = "Uploading " + fmtBytes(sent) + " of " + fmtBytes(total) + " (" + Math.floor((100 * sent) / total) + "%)…";
      }
    };
    try {
      const rep = await api("POST", "/projects/" + pid + "/import" + params, body, { onUploadProgress, signal: mine.signal });
      if (!alive) return;
      showReport(rep);
      if (!rep.dry_run) { files = []; url.value = ""; renderFiles(); }
    } catch (e) {
      if (!alive) return;
      if (e && e.name === "AbortError") message("info", "Cancelled. Nothing was stored.");
      else showError(e);
    } finally {
      if (upload === mine) upload = null;
      if (alive) { setBusy(null); loadHistory(true); }
    }
  });
  cancel.addEventListener("click", () => { if (upload) upload.abort(); });

  function showReport(rep) {
    const dry = rep.dry_run;
    const stat = (label, n, id) => h("div", { class: "stat" }, h("dt", { text: label }), h("dd", { text: fmtNumber(n || 0), attrs: { id } }));
    const labels = rep.labels_created || [];
    const problems = rep.problems || [];
    const title = h("h2", { attrs: { tabindex: "-1" }, text: dry ? "Dry run: nothing was stored" : "Imported" + (rep.import_id ? " (import #" + rep.import_id + ")" : "") });
    clear(result).appendChild(h("section", { class: "card import-report" + (dry ? " dry" : ""), attrs: { id: "imp-report", "aria-label": "Import report" }, dataset: { dry: dry ? "1" : "0" } },
      title,
      h("p", { class: "muted", text: dry
        ? "This is what an import of the same input would do. Nothing was stored; click Import to do it."
        : "The articles and spans are in the project now." }),
      h("dl", { class: "import-summary" },
        stat(dry ? "Articles to create" : "Articles created", rep.articles_created, "imp-articles-created"),
        stat("Articles skipped", rep.articles_skipped, "imp-articles-skipped"),
        stat(dry ? "Spans to create" : "Spans created", rep.spans_created, "imp-spans-created"),
        stat("Spans skipped", rep.spans_skipped, "imp-spans-skipped")),
      h("p", { attrs: { id: "imp-labels-created" } }, h("strong", { text: dry ? "Labels to create: " : "Labels created: " }),
        labels.length ? labels.map((l, i) => [i ? ", " : "", h("code", { text: l })]) : h("span", { class: "muted", text: "none" })),
      rep.articles_skipped ? h("p", { class: "hint", text: "An article is skipped when the project already has one with the same external id, URL or text." }) : null,
      (rep.problem_count || problems.length) ? problemsSection(problems, rep.problem_count) : h("p", { class: "ok", text: "No problems." }),
      dry ? null : h("div", { class: "actions" }, h("a", { class: "btn btn-primary", href: "#/projects/" + pid, text: "Open the articles of " + project.name, attrs: { id: "imp-articles-link" } }))));
    title.focus();
  }

  function showError(e) {
    const problems = (e && e.detail && Array.isArray(e.detail.problems)) ? e.detail.problems : [];
    let lead = "";
    if (e && e.status === 409) lead = "Another import into this project is running. Wait until it has finished (see the history below), then try again.";
    else if (e && e.status === 413) lead = "The upload is over one of the server's limits. Split it into smaller imports, or ask the person who runs slant to raise the limit.";
    else if (e && e.status === 408) lead = "The upload stalled. Check the connection and try again.";
    else if (e && e.status === 403) lead = "You may not do this: creating labels during an import is for admins.";
    const title = h("h2", { attrs: { tabindex: "-1" }, text: "Nothing was imported" });
    clear(result).appendChild(h("section", { class: "card import-report failed", attrs: { id: "imp-error", "aria-label": "Import error" }, dataset: { status: String((e && e.status) || 0) } },
      title, errorBox(e), lead ? h("p", { class: "muted", text: lead }) : null,
      problems.length ? problemsSection(problems, problems.length) : null));
    title.focus();
  }

  // ---- history ----
  let cursor = null, gen = 0;
  function historyRow(it) {
    const notes = it.state === "failed" && it.error ? h("span", { class: "error-text", text: it.error })
      : it.finished_at ? h("span", { class: "muted", text: "took " + fmtDuration(it.started_at, it.finished_at) }) : null;
    return h("tr", { dataset: { id: String(it.id), state: it.state, dry: it.dry_run ? "1" : "0" } },
      h("td", { class: "num", text: String(it.id) }),
      h("td", { class: "nowrap", text: fmtTime(it.started_at), title: it.started_at }),
      h("td", { text: it.user }),
      h("td", { class: "nowrap" }, h("span", { class: "state state-" + it.state, text: it.state, title: STATES[it.state] || "" }),
        it.dry_run ? [" ", h("span", { class: "tag-dry", text: "dry run" })] : null),
      h("td", { class: "num", text: fmtNumber(it.articles_created) }),
      h("td", { class: "num", text: fmtNumber(it.articles_skipped) }),
      h("td", { class: "num", text: fmtNumber(it.spans_created) }),
      h("td", { class: "num", text: fmtNumber(it.problem_count) }),
      h("td", { class: "notes" }, notes));
  }
  async function loadHistory(reset) {
    const my = reset ? ++gen : gen;
    clearTimeout(pollTimer);
    more.disabled = true;
    try {
      const page = await api("GET", "/projects/" + pid + "/imports" + qs({ limit: HISTORY_PAGE, cursor: reset ? "" : cursor }));
      if (my !== gen || !alive) return;
      if (reset) clear(tbody);
      clear(histErr);
      tbody.append(...page.items.map(historyRow));
      if (!tbody.firstChild) tbody.appendChild(h("tr", { class: "empty" }, h("td", { attrs: { colspan: 9 }, class: "muted", text: "No imports yet." })));
      cursor = page.next_cursor;
      more.hidden = !cursor;
      // an import running (this one, or someone else's): follow it
      if (tbody.querySelector('tr[data-state="running"]')) pollTimer = setTimeout(() => loadHistory(true), POLL_MS);
    } catch (e) {
      if (my === gen && alive) clear(histErr).appendChild(errorBox(e));
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener("click", () => loadHistory(false));

  renderFiles();
  await loadHistory(true);
  return () => {
    alive = false;
    clearTimeout(pollTimer);
    window.removeEventListener("dragover", guard);
    window.removeEventListener("drop", guard);
    window.removeEventListener("beforeunload", unloadGuard);
  };
}
