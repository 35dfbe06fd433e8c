// Login, first-run setup, projects and the article list of a project.
import { api, qs } from "./api.js";
import { h, clear, outlet, fmtDate, fmtNumber, ownershipSelect, field, errorBox, fieldErrors } from "./dom.js";
import { saveNav } from "./nav.js";
import { managesProject } from "./admin.js";
import { suggestRow } from "./suggest-run.js";

// ---- login and setup ----

function credentialsForm({ title, intro, button, submit, autocompleteNew }) {
  const name = h("input", { type: "text", required: true, attrs: { id: "login-name", name: "username", autocomplete: "username", autofocus: true } });
  const pw = h("input", { type: "password", required: true, attrs: { id: "login-password", name: "password", autocomplete: autocompleteNew ? "new-password" : "current-password" } });
  const msg = h("div", { attrs: { "aria-live": "polite" } });
  const btn = h("button", { type: "submit", class: "btn btn-primary", text: button });
  const form = h("form", { class: "card narrow", attrs: { id: "login-form" } },
    h("h1", { text: title }), intro ? h("p", { class: "muted", text: intro }) : null,
    field("Name", name), field("Password", pw), msg, h("div", { class: "actions" }, btn));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clear(msg);
    btn.disabled = true;
    try {
      await submit(name.value.trim(), pw.value);
    } catch (err) {
      let text = err.describe ? err.describe() : String(err);
      if (err.status === 401) text = "Wrong name or password.";
      if (err.status === 429) text = "Too many failed logins. Try again in " + (err.retryAfter || "a few") + " seconds.";
      msg.appendChild(h("div", { class: "alert alert-error", attrs: { role: "alert" }, text }));
      pw.select();
    } finally {
      btn.disabled = false;
    }
  });
  setTimeout(() => name.focus(), 0);
  return form;
}

export async function loginView(root, _params, ctx) {
  document.title = "Log in · slant";
  root.appendChild(h("section", { class: "page page-login" }, credentialsForm({
    title: "Log in to slant", button: "Log in",
    submit: async (name, password) => ctx.onSession(await api("POST", "/session", { name, password }, { quiet401: true })),
  })));
}

export async function setupView(root, _params, ctx) {
  document.title = "Set up · slant";
  let setup = { needed: false, allowed: false };
  try { setup = await api("GET", "/setup"); } catch (err) { root.appendChild(errorBox(err)); return; }
  if (!setup.needed) { location.hash = "#/login"; return; }
  if (!setup.allowed) {
    root.appendChild(h("section", { class: "page page-login" }, h("div", { class: "card narrow" },
      h("h1", { text: "Set up slant" }),
      h("p", { text: "This database has no users yet. The first admin can only be created from the server machine itself (loopback), or with the command line:" }),
      h("pre", { class: "code", text: "slant user add NAME --role admin" }))));
    return;
  }
  root.appendChild(h("section", { class: "page page-login" }, credentialsForm({
    title: "Set up slant", intro: "Create the first admin account. This page is offered only while the database has no users.",
    button: "Create admin", autocompleteNew: true,
    submit: async (name, password) => ctx.onSession(await api("POST", "/setup", { name, password }, { quiet401: true })),
  })));
}

// ---- projects ----

export async function projectsView(root, _params, ctx) {
  document.title = "Projects · slant";
  const page = h("section", { class: "page" }, h("h1", { text: "Projects" }));
  root.appendChild(page);
  const data = await api("GET", "/projects?limit=1000");
  if (!data.items.length) {
    page.appendChild(h("p", { class: "muted", text: ctx.isAdmin ? "No projects yet. Create one below." : "You have no projects yet." }));
  } else {
    page.appendChild(projectList(data.items, ctx));
  }
  if (ctx.isAdmin) page.appendChild(newProjectForm(ctx));
}

// newProjectForm creates a project with the server's default label scheme
// and opens its article list.
function newProjectForm(ctx) {
  const name = h("input", { type: "text", required: true, maxLength: 200, size: 30, attrs: { id: "np-name", autocomplete: "off" } });
  const desc = h("input", { type: "text", size: 50, attrs: { id: "np-description", autocomplete: "off" } });
  const btn = h("button", { type: "submit", class: "btn btn-primary", text: "Create project" });
  const box = h("div", { class: "form-errors", attrs: { "aria-live": "polite" } });
  const form = h("form", { class: "card inline-form", attrs: { id: "new-project", "aria-labelledby": "new-project-title" } },
    h("h2", { text: "New project", attrs: { id: "new-project-title" } }),
    field("Name", name), field("Description (optional)", desc),
    h("div", { class: "actions" }, btn), box,
    h("p", { class: "hint", text: "The project starts with the default labels; change them under Labels afterwards." }));
  const errs = fieldErrors({ name, description: desc }, box, "name");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    errs.clear();
    btn.disabled = true;
    try {
      const p = await api("POST", "/projects", { name: name.value.trim(), description: desc.value.trim() });
      ctx.navigate("#/projects/" + p.id);
    } catch (e) {
      errs.show(e);
    } finally {
      btn.disabled = false;
    }
  });
  return form;
}

function projectList(items, ctx) {
  const list = h("ul", { class: "project-list" });
  for (const p of items) {
    const total = p.article_count || 0, done = p.done_count || 0;
    const pct = total ? Math.round((100 * done) / total) : 0;
    const bar = h("div", { class: "progress", attrs: { role: "progressbar", "aria-valuemin": 0, "aria-valuemax": total, "aria-valuenow": done, "aria-label": "My progress" } }, h("div", { class: "progress-bar" }));
    bar.firstChild.style.width = pct + "%";
    list.appendChild(h("li", { class: "card project" },
      h("h2", {}, h("a", { href: "#/projects/" + p.id, text: p.name })),
      p.description ? h("p", { class: "muted", text: p.description }) : null,
      h("div", { class: "stats" },
        h("span", { text: fmtNumber(total) + " articles" }), h("span", { text: fmtNumber(p.annotation_count || 0) + " spans" }),
        h("span", { text: "my progress " + fmtNumber(done) + " / " + fmtNumber(total) + " done" })),
      bar,
      h("div", { class: "actions" },
        h("a", { class: "btn", href: "#/projects/" + p.id, text: "Articles" }),
        h("a", { class: "btn", href: "#/projects/" + p.id + "/import", text: "Import" }),
        h("a", { class: "btn", href: "#/projects/" + p.id + "/export", text: "Export" }),
        managesProject(p) ? h("a", { class: "btn", href: "#/projects/" + p.id + "/settings", text: "Labels" }) : null)));
  }
  return list;
}

// ---- articles of a project ----

const filterKey = (pid) => "slant.filters." + pid;

// progressBox shows curators and managers each annotator's assigned,
// done and span counts (GET /projects/{id}/progress), filled in when they
// arrive; nothing for annotators or a project without assignments.
function progressBox(project) {
  if (!["curator", "manager", "admin"].includes(project.role)) return null;
  const box = h("section", { class: "progress-table", hidden: true, attrs: { id: "project-progress", "aria-label": "Progress per annotator" } });
  api("GET", "/projects/" + project.id + "/progress").then((d) => {
    if (!d.items.some((p) => p.assigned > 0)) return;
    const k = project.annotators_per_article || 1;
    box.append(h("h2", { text: "Progress" }),
      h("p", { class: "muted", text: k + (k === 1 ? " annotator" : " annotators") + " per article" + (project.blind ? ", blind" : "") + "." }),
      h("table", { class: "table" },
        h("thead", {}, h("tr", {}, ...["Annotator", "Role", "Assigned", "Done", "Spans"].map((t) => h("th", { text: t, attrs: { scope: "col" } })))),
        h("tbody", {}, ...d.items.map((p) => h("tr", {},
          h("td", { text: p.name }), h("td", { text: p.role }),
          h("td", { class: "num", text: fmtNumber(p.assigned) }),
          h("td", { class: "num", text: fmtNumber(p.done) + (p.assigned ? " (" + Math.round(100 * p.done / p.assigned) + " %)" : "") }),
          h("td", { class: "num", text: fmtNumber(p.spans) }))))));
    box.hidden = false;
  }).catch(() => {});
  return box;
}

export async function articlesView(root, [pidStr], ctx) {
  const pid = Number(pidStr);
  const project = await api("GET", "/projects/" + pid);
  document.title = project.name + " · slant";
  let saved = {};
  try { saved = JSON.parse(sessionStorage.getItem(filterKey(pid)) || "{}"); } catch { saved = {}; }

  const q = h("input", { type: "search", value: saved.q || "", placeholder: "words, \"a phrase\", -not, minist*, title:deal",
    title: "Searches titles and texts. Press / to come here.", attrs: { id: "f-q", "aria-keyshortcuts": "/", autocomplete: "off" } });
  const source = h("input", { type: "text", value: saved.source || "", placeholder: "domain, e.g. rt.com", attrs: { id: "f-source", list: "f-source-list" } });
  const sourceList = h("datalist", { attrs: { id: "f-source-list" } });
  const own = ownershipSelect(saved.ownership, "Any ownership");
  own.id = "f-ownership";
  const status = h("select", { attrs: { id: "f-status" } }, h("option", { value: "", text: "All" }), h("option", { value: "todo", text: "To do" }), h("option", { value: "done", text: "Done" }));
  status.value = saved.status || "";
  const tbody = h("tbody");
  const info = h("p", { class: "muted", attrs: { "aria-live": "polite" } });
  const more = h("button", { type: "button", class: "btn", text: "Load more", hidden: true });
  const err = h("div");

  const filters = h("form", { class: "filters", attrs: { role: "search" } },
    field("Search", q), field("Outlet", source), sourceList, field("Ownership", own), field("Status", status),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "btn btn-primary", text: "Filter" }), h("button", { type: "reset", class: "btn", text: "Clear" })));

  root.appendChild(h("section", { class: "page" },
    h("nav", { class: "crumbs" }, h("a", { href: "#/projects", text: "Projects" }), " / "),
    h("div", { class: "page-head" }, h("div", { class: "head-title" }, h("h1", { text: project.name }), h("span", { class: "role role-" + project.role, text: project.role, title: "Your role in this project", attrs: { id: "project-role" } })),
      h("div", { class: "actions" }, h("a", { class: "btn", href: "#/projects/" + pid + "/members", text: "Members", attrs: { id: "project-members" } }), h("a", { class: "btn", href: "#/projects/" + pid + "/import", text: "Import", attrs: { id: "project-import" } }),
        h("a", { class: "btn", href: "#/projects/" + pid + "/export", text: "Export" }),
        h("a", { class: "btn", href: "#/projects/" + pid + "/spans", text: "Spans", attrs: { id: "project-spans" } }),
        h("a", { class: "btn", href: "#/projects/" + pid + "/analytics", text: "Analytics", attrs: { id: "project-analytics" } }),
        project.role !== "annotator" ? h("a", { class: "btn", href: "#/projects/" + pid + "/agreement", text: "Agreement", attrs: { id: "project-agreement" } }) : null,
        managesProject(project) ? h("a", { class: "btn", href: "#/projects/" + pid + "/settings", text: "Labels" }) : null)),
    project.description ? h("p", { class: "muted", text: project.description }) : null,
    suggestRow(project, managesProject(project)),
    progressBox(project),
    filters, err,
    h("table", { class: "table articles" },
      h("thead", {}, h("tr", {}, ...["Title", "Outlet", "Published", "Length", "Spans (mine / all)", "Done"].map((t) => h("th", { text: t, attrs: { scope: "col" } })))),
      tbody),
    info, more));

  api("GET", "/sources?limit=1000").then((d) => {
    for (const s of d.items) sourceList.appendChild(h("option", { value: s.domain, text: s.name }));
  }).catch(() => {});

  let cursor = null, ids = [], params = {}, loaded = 0, gen = 0;
  async function load(reset) {
    const my = reset ? ++gen : gen;
    if (reset) {
      params = { q: q.value.trim(), source: source.value.trim(), ownership: own.value, status: status.value };
      sessionStorage.setItem(filterKey(pid), JSON.stringify(params));
      clear(tbody); clear(err); cursor = null; ids = []; loaded = 0;
    }
    more.disabled = true;
    try {
      const page = await api("GET", "/projects/" + pid + "/articles" + qs({ ...params, limit: 100, cursor }));
      if (my !== gen) return;
      const frag = document.createDocumentFragment();
      for (const a of page.items) {
        ids.push(a.id);
        frag.appendChild(h("tr", { class: a.done ? "is-done" : "" },
          h("td", {}, ...titleCell(a)),
          h("td", {}, outlet(a.source)),
          h("td", { class: "num", text: fmtDate(a.published_at) }),
          h("td", { class: "num", text: fmtNumber(a.length) }),
          h("td", { class: "num", text: fmtNumber(a.my_annotation_count) + " / " + fmtNumber(a.annotation_count) }),
          h("td", { class: "done-cell" }, a.done ? h("span", { class: "done-mark", text: "✓", title: "done" }) : h("span", { class: "muted", text: "–", title: "to do" }))));
      }
      tbody.appendChild(frag);
      loaded += page.items.length;
      cursor = page.next_cursor;
      more.hidden = !cursor;
      info.textContent = loaded ? "Showing " + fmtNumber(loaded) + (cursor ? " articles so far" : " articles") + (params.q ? ", best matches first." : ".") : "No articles match.";
      if (!loaded && !Object.values(params).some(Boolean)) {
        clear(info).append("This project has no articles yet. ", h("a", { href: "#/projects/" + pid + "/import", text: "Import articles" }), ".");
      }
      saveNav({ pid, params, ids, next: cursor });
    } catch (e) {
      err.appendChild(errorBox(e));
    } finally {
      more.disabled = false;
    }
  }
  filters.addEventListener("submit", (ev) => { ev.preventDefault(); load(true); });
  filters.addEventListener("reset", () => setTimeout(() => load(true), 0));
  for (const el of [own, status]) el.addEventListener("change", () => load(true));
  more.addEventListener("click", () => load(false));
  // "/" goes to the search box, unless one is typing somewhere
  const onSlash = (ev) => {
    if (ev.key !== "/" || ev.ctrlKey || ev.metaKey || ev.altKey || ev.defaultPrevented) return;
    const t = ev.target;
    if (t && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName))) return;
    ev.preventDefault();
    q.focus();
    q.select();
  };
  document.addEventListener("keydown", onSlash);
  await load(true);
  return () => document.removeEventListener("keydown", onSlash);
}

// titleCell is an article row's title link and, for a search result, the
// passage that matched with the matched words marked.
function titleCell(a) {
  const sn = a.snippet;
  const label = a.title || "(untitled #" + a.id + ")";
  if (!sn) return [h("a", { href: "#/articles/" + a.id, text: label })];
  const cps = Array.from(sn.text);
  if (sn.field === "title") {
    const cut = sn.offset + cps.length < Array.from(a.title).length;
    return [h("a", { href: "#/articles/" + a.id }, sn.offset > 0 ? "… " : null, ...marked(sn.text, sn.matches), cut ? " …" : null)];
  }
  const more = sn.offset + cps.length < a.length;
  return [h("a", { href: "#/articles/" + a.id, text: label }),
    h("div", { class: "snippet" }, sn.offset > 0 ? "… " : null, ...marked(sn.text, sn.matches), more ? " …" : null)];
}

// marked splits text into text nodes and <mark> elements at the
// matches, which are [start, end) in code points (not UTF-16 units).
function marked(text, matches) {
  const cps = Array.from(text);
  const out = [];
  let at = 0;
  for (const [s, e] of matches || []) {
    if (s < at || e > cps.length || s >= e) continue;
    if (s > at) out.push(cps.slice(at, s).join(""));
    out.push(h("mark", { text: cps.slice(s, e).join("") }));
    at = e;
  }
  if (at < cps.length) out.push(cps.slice(at).join(""));
  return out;
}

