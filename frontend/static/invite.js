// The invitation page (#/invite/<secret>): shows the project and role a
// link is for; the invitee picks a name and a password, becomes a member
// and lands in the project's article list, signed in.
import { api } from "./api.js";
import { h, field, errorBox, fieldErrors } from "./dom.js";

const roleText = {
  annotator: "an annotator: you label articles",
  curator: "a curator: you label articles and review everyone's labels",
  manager: "a manager: you run the project, its members and its labels",
};

function deadLink(page, err) {
  const text = err.status === 410 ? "This invitation was already used or has expired."
    : err.status === 404 ? "This invitation link is not valid. It may have been revoked, or mistyped."
      : err.status === 429 ? "Too many attempts from your address. Try again in " + (err.retryAfter || "a few") + " seconds."
        : null;
  page.appendChild(h("div", { class: "card narrow" },
    h("h1", { text: "Invitation" }),
    text ? h("p", { text }) : errorBox(err),
    h("p", { class: "muted", text: "Ask whoever invited you for a new link." })));
}

export async function inviteView(root, [secret], ctx) {
  document.title = "Invitation · slant";
  const page = h("section", { class: "page page-login" });
  root.appendChild(page);
  const path = "/invites/" + encodeURIComponent(secret);
  let inv;
  try {
    inv = await api("GET", path, undefined, { quiet401: true });
  } catch (err) {
    deadLink(page, err);
    return;
  }
  const name = h("input", { type: "text", required: true, attrs: { id: "invite-name", name: "username", autocomplete: "username", maxlength: 64 } });
  const pw = h("input", { type: "password", required: true, attrs: { id: "invite-password", name: "password", autocomplete: "new-password", minlength: 8 } });
  const msg = h("div", { attrs: { "aria-live": "polite" } });
  const btn = h("button", { type: "submit", class: "btn btn-primary", text: "Join the project" });
  const form = h("form", { class: "card narrow", attrs: { id: "invite-form" } },
    h("h1", {}, "Join ", h("span", { attrs: { id: "invite-project" }, text: inv.project_name })),
    h("p", { attrs: { id: "invite-role" }, text: "You are invited as " + (roleText[inv.role] || inv.role) + "." }),
    ctx.user ? h("p", { class: "muted", text: "You are signed in as " + ctx.user.name + ". Joining makes a new account and signs you in with it." }) : null,
    field("Pick a name", name, "letters, digits and . _ @ -"), field("Pick a password", pw, "at least 8 characters"),
    msg, h("div", { class: "actions" }, btn));
  const errs = fieldErrors({ name, password: pw }, msg, "name");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    errs.clear();
    btn.disabled = true;
    try {
      const sess = await api("POST", path + "/accept", { name: name.value.trim(), password: pw.value }, { quiet401: true });
      ctx.onSession(sess, "#/projects/" + sess.project_id);
      return;
    } catch (err) {
      if (err.status === 410 || err.status === 404) {
        form.remove();
        deadLink(page, err);
        return;
      }
      errs.show(err);
    }
    btn.disabled = false;
  });
  page.appendChild(form);
  setTimeout(() => name.focus(), 0);
}
