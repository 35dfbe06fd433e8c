// Sources, label scheme editor, export, API tokens and account pages.
import { api, qs, listAll } from "./api.js";
import { schemeExtras } from "./schemeedit.js";
import { h, clear, badge, ownershipSelect, field, errorBox, fieldErrors, toast, fmtDate } from "./dom.js";

function page(title, ...children) {
  document.title = title + " · slant";
  return h("section", { class: "page" }, h("h1", { text: title }), ...children);
}

function adminOnly(root, ctx, what) {
  if (ctx.isAdmin) return false;
  root.appendChild(page(what, h("div", { class: "alert alert-info", attrs: { role: "alert" }, text: "This page is for admins only." })));
  return true;
}

// managesProject says the caller may change a project's label scheme and
// settings: its managers and the admins (the server decides; this only
// spares others controls they could not use).
export function managesProject(project) { return project.role === "manager" || project.role === "admin"; }

// ---- sources ----

export async function sourcesView(root, _params, ctx) {
  const q = h("input", { type: "search", placeholder: "Name or domain…", attrs: { id: "s-q" } });
  const own = ownershipSelect("", "Any ownership");
  const tbody = h("tbody");
  const err = h("div");
  const filters = h("form", { class: "filters", attrs: { role: "search" } }, field("Search", q), field("Ownership", own),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "btn btn-primary", text: "Filter" })));
  root.appendChild(page("Sources", h("p", { class: "muted", text: "Outlet profiles: who owns each outlet. Articles are linked to an outlet by their URL's domain." + (ctx.isAdmin ? " Click Edit to change a profile." : "") }),
    filters, err, h("table", { class: "table sources" },
      h("thead", {}, h("tr", {}, ...["Outlet", "Domain", "Ownership", "Notes", ""].map((t) => h("th", { text: t, attrs: { scope: "col" } })))), tbody)));

  function row(s) {
    const tr = h("tr", {},
      h("td", { text: s.name }), h("td", { class: "mono", text: s.domain }), h("td", {}, badge(s.ownership, s.country)),
      h("td", { class: "notes", text: s.notes }),
      h("td", {}, ctx.isAdmin ? h("button", { type: "button", class: "btn btn-small", text: "Edit", on: { click: () => tr.replaceWith(editRow(s)) } }) : null));
    return tr;
  }
  function editRow(s) {
    const name = h("input", { type: "text", value: s.name });
    const domain = h("input", { type: "text", value: s.domain });
    const country = h("input", { type: "text", value: s.country, maxLength: 2, size: 3, placeholder: "RU" });
    const o = ownershipSelect(s.ownership);
    const notes = h("textarea", { value: s.notes, rows: 3 });
    const msg = h("div");
    const tr = h("tr", { class: "editing" },
      h("td", {}, field("Name", name)), h("td", {}, field("Domain", domain)),
      h("td", {}, field("Ownership", o), field("Country", country)), h("td", {}, field("Notes", notes), msg),
      h("td", {}, h("div", { class: "actions" },
        h("button", { type: "button", class: "btn btn-primary btn-small", text: "Save", on: { click: save } }),
        h("button", { type: "button", class: "btn btn-small", text: "Cancel", on: { click: () => tr.replaceWith(row(s)) } }))));
    async function save() {
      clear(msg);
      try {
        const u = await api("PATCH", "/sources/" + s.id, { name: name.value, domain: domain.value, country: country.value.toUpperCase(), ownership: o.value, notes: notes.value });
        tr.replaceWith(row(u));
        toast("Saved " + u.name + ".");
      } catch (e) { msg.appendChild(errorBox(e)); }
    }
    return tr;
  }
  async function load() {
    clear(tbody); clear(err);
    try {
      const items = await listAll("/sources", { q: q.value.trim(), ownership: own.value });
      const frag = document.createDocumentFragment();
      for (const s of items) frag.appendChild(row(s));
      tbody.appendChild(frag);
      if (!items.length) tbody.appendChild(h("tr", {}, h("td", { attrs: { colspan: 5 }, class: "muted", text: "No outlets match." })));
    } catch (e) { err.appendChild(errorBox(e)); }
  }
  filters.addEventListener("submit", (ev) => { ev.preventDefault(); load(); });
  own.addEventListener("change", load);

  if (ctx.isAdmin) {
    const d = h("input", { type: "text", required: true, placeholder: "example.com" });
    const n = h("input", { type: "text", placeholder: "Example News" });
    const c = h("input", { type: "text", maxLength: 2, size: 3 });
    const o = ownershipSelect("unknown");
    const msg = h("div");
    const form = h("form", { class: "card inline-form" }, h("h2", { text: "Add an outlet" }), field("Domain", d), field("Name", n), field("Country", c), field("Ownership", o),
      h("div", { class: "actions" }, h("button", { type: "submit", class: "btn", text: "Add" })), msg);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault(); clear(msg);
      try { await api("POST", "/sources", { domain: d.value, name: n.value, country: c.value.toUpperCase(), ownership: o.value, notes: "" }); form.reset(); load(); }
      catch (e) { msg.appendChild(errorBox(e)); }
    });
    root.firstChild.appendChild(form);
  }
  await load();
}

// ---- project settings: the label scheme ----

export async function settingsView(root, [pidStr], ctx) {
  const pid = Number(pidStr);
  let project = await api("GET", "/projects/" + pid);
  if (!managesProject(project)) {
    root.appendChild(page("Project settings", h("div", { class: "alert alert-info", attrs: { role: "alert" }, text: "Only the project's managers (and admins) change its labels." })));
    return;
  }
  const list = h("div", { class: "label-editor", attrs: { id: "label-editor" } });
  const msg = h("div", { attrs: { "aria-live": "polite" } });
  const extras = h("div", { attrs: { id: "scheme-extras" } }); // relation types and article labels
  root.appendChild(h("section", { class: "page" },
    h("nav", { class: "crumbs" }, h("a", { href: "#/projects", text: "Projects" }), " / ", h("a", { href: "#/projects/" + pid, text: project.name }), " / "),
    h("h1", { text: "Labels of " + project.name }),
    h("p", { class: "muted", text: "The codebook: each label's key (used in exports), name, colour, hotkey and description. A label still in use cannot be deleted." }),
    msg, list, extras));
  document.title = "Labels · " + project.name + " · slant";

  async function reload() {
    project = await api("GET", "/projects/" + pid);
    render();
  }
  function render() {
    clear(list);
    const labels = [...project.labels].sort((a, b) => a.sort_order - b.sort_order || a.id - b.id);
    labels.forEach((l, i) => list.appendChild(labelForm(l, i, labels)));
    list.appendChild(labelForm(null, labels.length, labels));
    clear(extras).append(...schemeExtras(project, reload));
  }
  function labelForm(l, i, labels) {
    const key = h("input", { type: "text", value: l ? l.key : "", required: true, pattern: "[a-z][a-z0-9_]*", size: 18 });
    const name = h("input", { type: "text", value: l ? l.name : "", size: 18 });
    const color = h("input", { type: "color", value: l && /^#[0-9a-f]{6}$/i.test(l.color) ? l.color.toLowerCase() : "#3f9e5a" });
    const hotkey = h("input", { type: "text", value: l ? l.hotkey : "", maxLength: 1, size: 2 });
    const desc = h("textarea", { value: l ? l.description : "", rows: 2 });
    const err = h("div");
    const body = () => ({ key: key.value.trim(), name: name.value.trim(), color: color.value, hotkey: hotkey.value.trim(), description: desc.value });
    const run = async (fn) => { clear(err); clear(msg); try { await fn(); await reload(); toast("Saved."); } catch (e) { err.appendChild(errorBox(e)); } };
    const swap = (j) => run(async () => {
      const other = labels[j];
      // sort orders may tie: write both explicitly
      await api("PATCH", "/labels/" + l.id, { sort_order: j });
      await api("PATCH", "/labels/" + other.id, { sort_order: i });
      for (const [k, x] of labels.entries()) if (k !== i && k !== j && x.sort_order !== k) await api("PATCH", "/labels/" + x.id, { sort_order: k });
    });
    const form = h("form", { class: "card label-row" + (l ? "" : " new") },
      l ? null : h("h2", { text: "Add a label" }),
      h("div", { class: "row" }, field("Key", key), field("Name", name), field("Colour", color), field("Hotkey", hotkey)),
      field("Description (shown on hover in the palette)", desc),
      h("div", { class: "actions" },
        h("button", { type: "submit", class: "btn btn-primary btn-small", text: l ? "Save" : "Add label" }),
        l ? h("button", { type: "button", class: "btn btn-small", text: "↑", title: "Move up", disabled: i === 0, on: { click: () => swap(i - 1) } }) : null,
        l ? h("button", { type: "button", class: "btn btn-small", text: "↓", title: "Move down", disabled: i === labels.length - 1, on: { click: () => swap(i + 1) } }) : null,
        l ? h("button", { type: "button", class: "btn btn-danger btn-small", text: "Delete", on: { click: () => { if (confirm("Delete the label " + l.name + "?")) run(() => api("DELETE", "/labels/" + l.id)); } } }) : null),
      err);
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      if (l) run(() => api("PATCH", "/labels/" + l.id, body()));
      else run(() => api("POST", "/projects/" + pid + "/labels", { ...body(), sort_order: labels.length }));
    });
    return form;
  }
  render();
}

// ---- export ----

export async function exportView(root, [pidStr]) {
  const pid = Number(pidStr);
  const project = await api("GET", "/projects/" + pid);
  document.title = "Export · " + project.name + " · slant";
  const label = h("select", { attrs: { id: "x-label" } }, h("option", { value: "", text: "All labels" }), ...project.labels.map((l) => h("option", { value: l.key, text: l.name })));
  const annotator = h("input", { type: "text", placeholder: "any", attrs: { id: "x-annotator" } });
  const source = h("input", { type: "text", placeholder: "any domain", attrs: { id: "x-source" } });
  const origin = h("input", { type: "text", placeholder: "human, import, model:NAME", attrs: { id: "x-origin" } });
  const raw = h("input", { type: "checkbox", attrs: { id: "x-raw" } });
  // "CSV for Excel" is the CSV with a byte-order mark, so that Excel and
  // LibreOffice read it as UTF-8; "Excel workbook" is a real .xlsx file.
  const formats = [["csv", "CSV"], ["csv-excel", "CSV for Excel"], ["xlsx", "Excel workbook (.xlsx)"], ["jsonl", "JSON Lines"], ["parquet", "Parquet"], ["doccano", "doccano JSONL"], ["w3c", "W3C Web Annotation"], ["ptc", "PTC / SemEval zip"], ["brat", "brat standoff zip"]];
  const format = h("select", { attrs: { id: "x-format" } }, ...formats.map(([v, t]) => h("option", { value: v, text: t })));
  const link = h("a", { class: "btn btn-primary", attrs: { id: "x-download", download: "" }, text: "Download CSV" });
  const url = h("code", { class: "mono small" });
  const update = () => {
    const csv = format.value === "csv" || format.value === "csv-excel";
    raw.disabled = !csv; // only CSV cells get spreadsheet protection
    link.textContent = "Download " + formats.find(([v]) => v === format.value)[1];
    const href = "/api/v1/projects/" + pid + "/export" + qs({ format: csv ? "csv" : format.value, bom: format.value === "csv-excel" ? "true" : "", raw: raw.checked && csv ? "true" : "", label: label.value, annotator: annotator.value.trim(), source: source.value.trim(), origin: origin.value.trim() });
    link.setAttribute("href", href);
    url.textContent = href;
  };
  const form = h("form", { class: "card" },
    h("div", { class: "row" }, field("Format", format), field("Label", label), field("Annotator", annotator), field("Outlet", source), field("Origin", origin)),
    h("label", { class: "check" }, raw, " Raw values (no spreadsheet protection; best for pandas or R)"),
    h("p", { class: "hint", text: "By default cells that a spreadsheet would run as formulas (starting with = + - @) are made safe. Tick Raw to get the exact text." }),
    h("div", { class: "actions" }, link), h("p", { class: "muted small" }, "URL: ", url));
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  form.addEventListener("submit", (ev) => ev.preventDefault());
  update();
  root.appendChild(h("section", { class: "page" },
    h("nav", { class: "crumbs" }, h("a", { href: "#/projects", text: "Projects" }), " / ", h("a", { href: "#/projects/" + pid, text: project.name }), " / "),
    h("h1", { text: "Export " + project.name }), form));
}

// ---- API tokens ----

function pythonSnippet(token) {
  return [
    "import io",
    "",
    "import pandas as pd",
    "import requests",
    "",
    `BASE = "${location.origin}/api/v1"`,
    `TOKEN = "${token}"  # keep it secret: it acts as you`,
    "",
    "s = requests.Session()",
    's.headers["Authorization"] = f"Bearer {TOKEN}"',
    "",
    'projects = s.get(f"{BASE}/projects").json()["items"]',
    'print([(p["id"], p["name"]) for p in projects])',
    "",
    "r = s.get(f\"{BASE}/projects/{projects[0]['id']}/export\", params={\"format\": \"csv\", \"raw\": \"true\"})",
    "r.raise_for_status()",
    "df = pd.read_csv(io.StringIO(r.text), keep_default_na=False)",
    "print(df.head())",
  ].join("\n");
}

function copyButton(getText, label = "Copy") {
  const b = h("button", { type: "button", class: "btn btn-small", text: label });
  b.addEventListener("click", async () => {
    try { await navigator.clipboard.writeText(getText()); toast("Copied."); }
    catch { toast("Copy failed: select the text and press Ctrl+C.", "error"); }
  });
  return b;
}

export async function tokensView(root) {
  const name = h("input", { type: "text", required: true, placeholder: "e.g. notebook on my laptop", attrs: { id: "t-name" } });
  const created = h("div", { attrs: { id: "t-created", "aria-live": "polite" } });
  const tbody = h("tbody");
  const err = h("div");
  const form = h("form", { class: "card inline-form" }, h("h2", { text: "Create a token" }), field("Name", name),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "btn btn-primary", text: "Create" })));
  root.appendChild(page("API tokens",
    h("p", { class: "muted", text: "Tokens let scripts and notebooks use the API as you (send Authorization: Bearer TOKEN). A token is shown once, when it is created." }),
    form, created, err,
    h("table", { class: "table" }, h("thead", {}, h("tr", {}, ...["Name", "Created", "Last used", ""].map((t) => h("th", { text: t, attrs: { scope: "col" } })))), tbody)));

  async function load() {
    clear(tbody);
    try {
      const { items } = await api("GET", "/tokens");
      for (const t of items) {
        tbody.appendChild(h("tr", {}, h("td", { text: t.name }), h("td", { text: fmtDate(t.created_at) }), h("td", { text: t.last_used_at ? fmtDate(t.last_used_at) : "never" }),
          h("td", {}, h("button", { type: "button", class: "btn btn-danger btn-small", text: "Revoke", on: { click: async () => {
            if (!confirm("Revoke the token " + t.name + "? Scripts using it stop working.")) return;
            try { await api("DELETE", "/tokens/" + t.id); load(); } catch (e) { err.appendChild(errorBox(e)); }
          } } }))));
      }
      if (!items.length) tbody.appendChild(h("tr", {}, h("td", { attrs: { colspan: 4 }, class: "muted", text: "No tokens yet." })));
    } catch (e) { err.appendChild(errorBox(e)); }
  }
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault(); clear(err); clear(created);
    try {
      const t = await api("POST", "/tokens", { name: name.value.trim() });
      const snippet = pythonSnippet(t.token);
      created.appendChild(h("div", { class: "card token-once" },
        h("h2", { text: "Token “" + t.name + "” created" }),
        h("p", { class: "alert alert-info", text: "Copy it now: it is not shown again." }),
        h("div", { class: "token-row" }, h("code", { class: "token mono", text: t.token, attrs: { id: "t-token" } }), copyButton(() => t.token)),
        h("h3", {}, "Python (requests + pandas) ", copyButton(() => snippet, "Copy snippet")),
        h("pre", { class: "code", text: snippet, attrs: { id: "t-snippet" } })));
      form.reset();
      load();
    } catch (e) { err.appendChild(errorBox(e)); }
  });
  await load();
}

// ---- account ----

export async function accountView(root, _params, ctx) {
  const cur = h("input", { type: "password", required: true, attrs: { autocomplete: "current-password" } });
  const nw = h("input", { type: "password", required: true, attrs: { autocomplete: "new-password" } });
  const msg = h("div");
  const form = h("form", { class: "card narrow" }, h("h2", { text: "Change password" }), field("Current password", cur), field("New password", nw),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "btn btn-primary", text: "Change password" })), msg);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault(); clear(msg);
    try {
      await api("POST", "/me/password", { current_password: cur.value, new_password: nw.value });
      toast("Password changed. Please log in again.");
      location.hash = "#/login";
      location.reload();
    } catch (e) { msg.appendChild(errorBox(e)); }
  });
  const users = h("div");
  root.appendChild(page("Account", h("p", {}, "Logged in as ", h("strong", { text: ctx.user.name }), " (" + ctx.user.role + ")."), form, users));
  if (ctx.isAdmin) await usersSection(users);
}

// usersSection lists the users for admins, who can add users, change a
// role, disable or enable an account, revoke a user's API tokens and
// delete a user without spans. The server refuses to leave no active admin.
async function usersSection(box) {
  const tbody = h("tbody", { attrs: { id: "user-rows" } });
  const err = h("div", { attrs: { id: "user-errors" } });
  // run performs one change, shows its error (if any) above the table and reloads.
  async function run(fn, done) {
    let out, failure = null;
    try { out = await fn(); } catch (e) { failure = e; }
    await load(); // clears err
    if (failure) err.appendChild(errorBox(failure));
    else if (done) toast(done(out));
  }
  function row(u) {
    const path = "/users/" + u.id;
    const roleSel = h("select", { class: "u-role", attrs: { "aria-label": "Role of " + u.name } },
      h("option", { value: "annotator", text: "annotator" }), h("option", { value: "admin", text: "admin" }));
    roleSel.value = u.role;
    roleSel.addEventListener("change", () => run(() => api("PATCH", path, { role: roleSel.value }), (a) => a.name + " is now " + a.role + "."));
    const toggle = h("button", { type: "button", class: "btn btn-small u-disable", text: u.disabled ? "Enable" : "Disable",
      on: { click: () => run(() => api("PATCH", path, { disabled: !u.disabled }), (a) => a.name + (a.disabled ? " is disabled: their sessions ended and their tokens stopped working." : " is enabled again.")) } });
    const revoke = h("button", { type: "button", class: "btn btn-small u-revoke", text: "Revoke tokens",
      on: { click: () => { if (confirm("Revoke every API token of " + u.name + "? Their scripts stop working.")) run(() => api("DELETE", path + "/tokens"), (r) => "Revoked " + r.revoked + " token(s) of " + u.name + "."); } } });
    const del = h("button", { type: "button", class: "btn btn-danger btn-small u-delete", text: "Delete",
      on: { click: () => { if (confirm("Delete the user " + u.name + "? A user with spans cannot be deleted; disable them instead.")) run(() => api("DELETE", path), () => "Deleted " + u.name + "."); } } });
    return h("tr", { dataset: { name: u.name, disabled: String(!!u.disabled) }, class: u.disabled ? "muted" : null },
      h("td", { text: u.name }), h("td", {}, roleSel),
      h("td", { class: "u-state", text: u.disabled ? "disabled" : "active" }),
      h("td", { text: fmtDate(u.created_at) }),
      h("td", { class: "u-actions" }, toggle, " ", revoke, " ", del));
  }
  async function load() {
    clear(err);
    try {
      const { items } = await api("GET", "/users");
      clear(tbody).append(...items.map(row));
    } catch (e) { err.appendChild(errorBox(e)); }
  }

  const name = h("input", { type: "text", required: true, maxLength: 64, attrs: { id: "nu-name", autocomplete: "off", spellcheck: "false" } });
  const role = h("select", { attrs: { id: "nu-role" } }, h("option", { value: "annotator", text: "Annotator" }), h("option", { value: "admin", text: "Admin" }));
  const pw = h("input", { type: "password", required: true, minLength: 8, attrs: { id: "nu-password", autocomplete: "new-password" } });
  const btn = h("button", { type: "submit", class: "btn btn-primary", text: "Add user" });
  const msg = h("div", { class: "form-errors", attrs: { "aria-live": "polite" } });
  const form = h("form", { class: "inline-form", attrs: { id: "add-user", "aria-labelledby": "add-user-title" } },
    h("h3", { text: "Add user", attrs: { id: "add-user-title" } }),
    field("Name", name), field("Role", role), field("Password (min. 8 characters)", pw),
    h("div", { class: "actions" }, btn), msg,
    h("p", { class: "hint", text: "Tell the new user their password through a safe channel; they can change it on this page." }));
  const errs = fieldErrors({ name, role, password: pw }, msg, "name");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    errs.clear();
    btn.disabled = true;
    try {
      const u = await api("POST", "/users", { name: name.value.trim(), role: role.value, password: pw.value });
      form.reset();
      toast("Added " + u.name + " (" + u.role + ").");
      await load();
      name.focus();
    } catch (e) {
      errs.show(e);
    } finally {
      btn.disabled = false;
    }
  });

  box.appendChild(h("section", { class: "card", attrs: { id: "users" } }, h("h2", { text: "Users" }), err,
    h("table", { class: "table" }, h("thead", {}, h("tr", {}, ...["Name", "Role", "State", "Created", ""].map((t) => h("th", { text: t, attrs: { scope: "col" } })))), tbody),
    form));
  await load();
}
