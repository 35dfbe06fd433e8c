// The members page of a project (#/projects/<id>/members): every member
// sees who is in the project and with which role; a manager (or an admin)
// adds people by name, changes a role, removes a member and switches
// blind mode and the number of annotators per article, and makes and
// revokes invitation links. The server decides what is allowed: the
// controls only spare a curator or annotator buttons that would answer 403.
import { api, listAll } from "./api.js";
import { h, clear, field, fieldErrors, toast, fmtDate } from "./dom.js";

const ROLES = ["annotator", "curator", "manager"];

const roleHelp = {
  annotator: "labels articles",
  curator: "also sees and corrects everyone's spans",
  manager: "also runs the members, labels and settings",
};

// plainError says in plain words why a members request failed.
export function plainError(err) {
  if (!err || !err.status) return err && err.describe ? err.describe() : String(err && err.message || err);
  switch (err.status) {
  case 403: return err.code === "csrf_failed" ? "Your session has changed in another tab. Reload the page and try again."
    : "Only a manager of this project can change its members or settings.";
  case 404: return "Not found: the project or this member is gone. Reload the page.";
  case 409: return "That conflicts with a change made meanwhile. Reload the page and try again.";
  case 422: {
    const f = err.fields || {};
    if (f.name) return "There is no user named like that. Check the spelling, or ask an admin to create the account.";
    if (f.role) return "Pick a role: annotator, curator or manager.";
    if (f.expires_in_hours) return "The link must expire in 1 to 720 hours.";
    if (f.annotators_per_article) return "Each article goes to 1 to 20 annotators.";
    return err.describe();
  }
  default: return err.describe();
  }
}

// fmtTime is a moment as "YYYY-MM-DD HH:MM UTC".
function fmtTime(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : d.toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

function alertBox(text) {
  return h("div", { class: "alert alert-error", attrs: { role: "alert" }, text });
}

export async function membersView(root, [pidStr], ctx) {
  const pid = Number(pidStr);
  const base = "/projects/" + pid;
  let project = await api("GET", base);
  document.title = "Members of " + project.name + " · slant";
  const canManage = () => project.role === "manager" || project.role === "admin";

  const err = h("div", { attrs: { id: "member-errors", "aria-live": "polite" } });
  const tbody = h("tbody", { attrs: { id: "member-rows" } });
  const mine = h("p", { attrs: { id: "members-my-role" } });
  const blindBox = h("div", { class: "card", attrs: { id: "blind-mode" } });
  const addBox = h("div");
  const inviteBox = h("div", { class: "card", attrs: { id: "invite-box", "aria-labelledby": "invite-box-title" } });
  let members = [];
  let invitesDrawn = false;

  // run performs one change; its error shows once above the table, and
  // the page reloads what it shows (the caller's own role may have
  // changed with it).
  async function run(fn, done) {
    clear(err);
    let out, failure = null;
    try { out = await fn(); } catch (e) { failure = e; }
    try { await reload(); } catch (e) { failure = failure || e; }
    if (failure) err.appendChild(alertBox(plainError(failure)));
    else if (done) toast(done(out));
  }

  function row(m) {
    let roleCell = h("span", { class: "m-role-text", text: m.role });
    let actions = null;
    if (canManage()) {
      const sel = h("select", { class: "m-role", attrs: { "aria-label": "Role of " + m.name } },
        ...ROLES.map((r) => h("option", { value: r, text: r })));
      sel.value = m.role;
      sel.addEventListener("change", () => run(() => api("PATCH", base + "/members/" + m.user_id, { role: sel.value }), (x) => x.name + " is now " + x.role + "."));
      roleCell = sel;
      actions = h("button", { type: "button", class: "btn btn-danger btn-small m-remove", text: "Remove",
        on: { click: () => {
          const self = m.user_id === ctx.user.id;
          if (!confirm("Remove " + m.name + " from " + project.name + "?" + (self ? " You will no longer see this project." : " Their spans stay."))) return;
          run(() => api("DELETE", base + "/members/" + m.user_id), () => "Removed " + m.name + ".");
        } } });
    }
    return h("tr", { dataset: { name: m.name, role: m.role } },
      h("td", { text: m.name }), h("td", {}, roleCell),
      h("td", { class: "muted", text: roleHelp[m.role] || "" }),
      h("td", { text: fmtDate(m.created_at) }),
      h("td", {}, actions));
  }

  function drawBlind() {
    clear(blindBox);
    const explain = "Blind mode: annotators see only their own spans.";
    if (!canManage()) {
      blindBox.append(h("p", { attrs: { id: "blind-state" }, text: "Blind mode is " + (project.blind ? "on" : "off") + ". " + (project.blind ? "Annotators see only their own spans." : "Annotators may see each other's spans.") }));
      return;
    }
    const box = h("input", { type: "checkbox", checked: !!project.blind, attrs: { id: "blind-toggle" } });
    box.addEventListener("change", () => {
      const on = box.checked;
      box.disabled = true;
      run(() => api("PATCH", base, { blind: on }), () => "Blind mode is " + (on ? "on." : "off: annotators may see each other's spans."));
    });
    blindBox.append(h("label", { class: "check" }, box, " " + explain),
      h("p", { class: "hint", text: "Curators and managers always see every member's spans. Switch it off to reveal the spans, e.g. for a discussion round." }),
      kForm());
  }

  // kForm sets k, the number of annotators each article is assigned to;
  // the server assigns the open slots at once (and turns blind mode on
  // when k rises above 1).
  function kForm() {
    const k = h("input", { type: "number", min: 1, max: 20, step: 1, required: true, value: String(project.annotators_per_article || 1),
      attrs: { id: "k-input" } });
    const btn = h("button", { type: "submit", class: "btn btn-small", text: "Save", attrs: { id: "k-save" } });
    const form = h("form", { class: "inline-form", attrs: { id: "k-form" } },
      field("Annotators per article", k), h("div", { class: "actions" }, btn),
      h("p", { class: "hint", text: "Each article is assigned to this many annotators; new members get their share." }));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const n = Number(k.value);
      btn.disabled = true;
      run(() => api("PATCH", base, { annotators_per_article: n }),
        (p) => "Each article now goes to " + p.annotators_per_article + (p.annotators_per_article === 1 ? " annotator." : " annotators."));
    });
    return form;
  }

  // drawInvites shows a manager the invitation box: a form that makes a
  // single-use link (shown once, right after it is made: the server keeps
  // only its hash) and the list of open links, each with Revoke. It is
  // built once, so that a reload does not wipe a link just shown.
  async function drawInvites() {
    if (!canManage()) {
      clear(inviteBox);
      inviteBox.hidden = true;
      invitesDrawn = false;
      return;
    }
    inviteBox.hidden = false;
    if (!invitesDrawn) {
      invitesDrawn = true;
      buildInviteForm();
    }
    await loadInvites();
  }

  let inviteRows = null;
  async function loadInvites() {
    const all = await listAll(base + "/invites");
    const open = all.filter((i) => i.state === "open");
    clear(inviteRows);
    if (!open.length) {
      inviteRows.append(h("tr", {}, h("td", { class: "muted", text: "No open links.", attrs: { colspan: 4 } })));
      return;
    }
    for (const inv of open) {
      const revoke = h("button", { type: "button", class: "btn btn-danger btn-small inv-revoke", text: "Revoke",
        attrs: { "aria-label": "Revoke the " + inv.role + " link made by " + inv.created_by } });
      revoke.addEventListener("click", () => {
        revoke.disabled = true;
        // a link revoked meanwhile (404) is gone all the same
        run(() => api("DELETE", base + "/invites/" + inv.id).catch((e) => { if (e.status !== 404) throw e; }),
          () => "The link is revoked: it no longer works.");
      });
      inviteRows.append(h("tr", { dataset: { id: String(inv.id), role: inv.role } },
        h("td", { text: inv.role }), h("td", { text: inv.created_by }),
        h("td", { text: fmtTime(inv.expires_at) }), h("td", {}, revoke)));
    }
  }

  function buildInviteForm() {
    const role = h("select", { attrs: { id: "inv-role" } }, ...ROLES.map((r) => h("option", { value: r, text: r })));
    const hours = h("input", { type: "number", min: 1, max: 720, step: 1, required: true, value: "72", attrs: { id: "inv-hours" } });
    const btn = h("button", { type: "submit", class: "btn btn-primary", text: "Create link", attrs: { id: "inv-create" } });
    const msg = h("div", { class: "form-errors", attrs: { "aria-live": "polite" } });
    const link = h("input", { type: "text", readOnly: true, attrs: { id: "inv-link", "aria-label": "Invitation link", spellcheck: "false" } });
    const copy = h("button", { type: "button", class: "btn btn-small", text: "Copy", attrs: { id: "inv-copy" } });
    const note = h("p", { class: "hint", attrs: { id: "inv-note" } });
    const out = h("div", { class: "inv-out", hidden: true, attrs: { id: "inv-out" } }, h("div", { class: "inv-link-row" }, link, copy), note);
    copy.addEventListener("click", async () => {
      try {
        if (!navigator.clipboard) throw new Error("no clipboard");
        await navigator.clipboard.writeText(link.value);
        toast("Link copied.");
      } catch {
        link.focus();
        link.select();
        toast("The link is selected: press Ctrl+C (⌘C) to copy it.");
      }
    });
    const form = h("form", { class: "inline-form", attrs: { id: "inv-form" } },
      field("Role", role), field("Expires in (hours)", hours), h("div", { class: "actions" }, btn), msg);
    const errs = fieldErrors({ role, expires_in_hours: hours }, msg);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      errs.clear();
      clear(err);
      btn.disabled = true;
      try {
        const inv = await api("POST", base + "/invites", { role: role.value, expires_in_hours: Number(hours.value) });
        link.value = inv.link;
        note.textContent = "Send this link to one person: it works once, as " + inv.role + ", until " + fmtTime(inv.expires_at) +
          ". It is shown only now.";
        out.hidden = false;
        link.focus();
        link.select();
        await loadInvites();
      } catch (e) {
        errs.show({ status: e.status, fields: e.fields, message: plainError(e), describe: () => plainError(e) });
      } finally {
        btn.disabled = false;
      }
    });
    inviteRows = h("tbody", { attrs: { id: "inv-rows" } });
    inviteBox.append(h("h3", { text: "Invite by link", attrs: { id: "invite-box-title" } }),
      h("p", { class: "hint", text: "Whoever opens the link picks a name and a password and joins this project with the role you choose." }),
      form, out,
      h("table", { class: "table invites", attrs: { "aria-label": "Open invitation links" } },
        h("thead", {}, h("tr", {}, ...["Role", "Created by", "Expires", ""].map((t) => h("th", { text: t, attrs: { scope: "col" } })))),
        inviteRows));
  }

  function drawAdd() {
    clear(addBox);
    if (!canManage()) return;
    const name = h("input", { type: "text", required: true, maxLength: 64, attrs: { id: "member-name", autocomplete: "off", spellcheck: "false" } });
    const role = h("select", { attrs: { id: "member-role" } }, ...ROLES.map((r) => h("option", { value: r, text: r })));
    const btn = h("button", { type: "submit", class: "btn btn-primary", text: "Add member" });
    const msg = h("div", { class: "form-errors", attrs: { "aria-live": "polite" } });
    const form = h("form", { class: "inline-form", attrs: { id: "member-add", "aria-labelledby": "member-add-title" } },
      h("h3", { text: "Add a member", attrs: { id: "member-add-title" } }),
      field("User name", name), field("Role", role), h("div", { class: "actions" }, btn), msg,
      h("p", { class: "hint", text: "The user needs an account: an admin creates it, or send them an invitation link." }));
    const errs = fieldErrors({ name, role }, msg, "name");
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      errs.clear();
      clear(err);
      const who = name.value.trim();
      const known = members.find((m) => m.name === who);
      if (known) {
        msg.appendChild(alertBox(who + " is already a member (" + known.role + "). Change their role in the table."));
        return;
      }
      btn.disabled = true;
      try {
        const m = await api("POST", base + "/members", { name: who, role: role.value });
        form.reset();
        toast("Added " + m.name + " as " + m.role + ".");
        await reload();
        document.getElementById("member-name")?.focus();
      } catch (e) {
        // the field gets the plain words once; nothing else repeats them
        const plain = { status: e.status, fields: e.fields, message: plainError(e), describe: () => plainError(e) };
        if (e.fields && e.fields.name) plain.fields = { name: plainError(e) };
        errs.show(plain);
      } finally {
        btn.disabled = false;
      }
    });
    addBox.append(form);
  }

  // reload fetches the project and its members again and redraws. A
  // caller who just removed themselves no longer sees the project.
  async function reload() {
    try {
      project = await api("GET", base);
      members = await listAll(base + "/members");
    } catch (e) {
      if (e.status === 404) { toast("You are no longer a member of that project."); ctx.navigate("#/projects"); return; }
      throw e;
    }
    clear(mine).append("Your role here: ", h("span", { class: "role role-" + project.role, text: project.role }));
    clear(tbody).append(...members.map(row));
    if (!members.length) tbody.append(h("tr", {}, h("td", { class: "muted", text: "No members yet.", attrs: { colspan: 5 } })));
    drawBlind();
    drawAdd();
    await drawInvites();
  }

  root.appendChild(h("section", { class: "page members-page" },
    h("nav", { class: "crumbs" }, h("a", { href: "#/projects", text: "Projects" }), " / ", h("a", { href: "#/projects/" + pid, text: project.name }), " / "),
    h("h1", { text: "Members" }), mine, blindBox, err,
    h("table", { class: "table members" },
      h("thead", {}, h("tr", {}, ...["Name", "Role", "", "Member since", ""].map((t) => h("th", { text: t, attrs: { scope: "col" } })))),
      tbody),
    addBox, inviteBox));
  await reload();
}
