// DOM helpers. Data only ever enters the page as text nodes or attribute
// values set through the DOM: there is no innerHTML anywhere in slant.

// h creates an element. props: class, text, attrs {name: value}, on
// {event: fn}, dataset, and any DOM property (value, type, checked ...).
// children: nodes, strings (as text nodes), arrays, null/false (skipped).
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null) continue;
    if (k === "class") el.className = v;
    else if (k === "text") el.textContent = v;
    else if (k === "attrs") for (const [a, av] of Object.entries(v)) { if (av !== undefined && av !== null && av !== false) el.setAttribute(a, av === true ? "" : String(av)); }
    else if (k === "on") for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else el[k] = v;
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

// clear removes every child of el.
export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

// safeURL returns url when it is an absolute http(s) URL, else "".
export function safeURL(url) {
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : "";
  } catch {
    return "";
  }
}

// extLink is a link to another site, or plain text when url is not http(s).
export function extLink(url, text) {
  const href = safeURL(url);
  if (!href) return h("span", { text: text || url || "" });
  return h("a", { href, text: text || url, attrs: { rel: "noopener noreferrer", target: "_blank" } });
}

export const OWNERSHIP = {
  state_controlled: "State-controlled",
  state_funded: "State-funded",
  public_service: "Public service",
  private: "Private",
  unknown: "Unknown",
};

// badge shows an outlet's ownership, e.g. "State-controlled · RU".
export function badge(ownership, country) {
  const o = OWNERSHIP[ownership] ? ownership : "unknown";
  const text = OWNERSHIP[o] + (country ? " · " + country : "");
  return h("span", { class: "badge own-" + o, text, title: "Ownership: " + OWNERSHIP[o] + (country ? ", country " + country : "") });
}

// outlet renders a source as "Name (domain) [badge]", or a dash.
export function outlet(src) {
  if (!src) return h("span", { class: "muted", text: "no outlet" });
  return h("span", { class: "outlet" }, h("span", { class: "outlet-name", text: src.name || src.domain, title: src.domain }), " ", badge(src.ownership, src.country));
}

export function fmtDate(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return d.toISOString().slice(0, 10);
}

export function fmtNumber(n) {
  return typeof n === "number" ? n.toLocaleString("en") : "";
}

// ownershipSelect is a <select> of ownership values, with an "any" option
// when anyLabel is given.
export function ownershipSelect(value, anyLabel) {
  const sel = h("select", {});
  if (anyLabel) sel.appendChild(h("option", { value: "", text: anyLabel }));
  for (const [k, v] of Object.entries(OWNERSHIP)) sel.appendChild(h("option", { value: k, text: v }));
  sel.value = value || "";
  return sel;
}

// field wraps a control with a label.
export function field(labelText, control, hint) {
  return h("label", { class: "field" }, h("span", { class: "field-label", text: labelText }), control, hint ? h("span", { class: "hint", text: hint }) : null);
}

// toast shows a short message at the bottom of the page, or in the shown
// view's toast slot (#toast-slot, when it is displayed: the annotate
// view's label bar on a phone), so that it never covers the text.
let toastTimer = 0;
export function toast(msg, kind = "info") {
  let el = document.getElementById("toast");
  if (!el) el = h("div", { attrs: { id: "toast", role: "status", "aria-live": "polite" } });
  const slot = document.getElementById("toast-slot");
  const home = slot && slot.getClientRects().length ? slot : document.body;
  if (el.parentNode !== home) home.appendChild(el);
  el.className = "toast toast-" + kind + " show";
  el.textContent = msg;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.remove("show"), kind === "error" ? 8000 : 3000);
}

// errorBox is an alert with the message of err.
export function errorBox(err) {
  return h("div", { class: "alert alert-error", attrs: { role: "alert" }, text: err && err.describe ? err.describe() : String(err && err.message || err) });
}

// fieldErrors shows a server error next to the controls it names.
// controls maps an API field name ("name", "password" ...) to its input,
// already inside a field() label; box gets the errors that name no shown
// field. conflictField names the control a 409 (e.g. "already exists")
// belongs to. Returns {clear(), show(err)}; show focuses the first field
// in error.
let fieldErrSeq = 0;
export function fieldErrors(controls, box, conflictField) {
  const slots = Object.entries(controls).map(([name, ctl]) => {
    const msg = h("span", { class: "field-error", attrs: { id: "field-error-" + ++fieldErrSeq } });
    ctl.after(msg);
    ctl.setAttribute("aria-describedby", [ctl.getAttribute("aria-describedby"), msg.id].filter(Boolean).join(" "));
    return { name, ctl, msg };
  });
  const reset = () => {
    clear(box);
    for (const s of slots) { s.msg.textContent = ""; s.ctl.removeAttribute("aria-invalid"); }
  };
  const show = (err) => {
    reset();
    const fields = { ...((err && err.fields) || {}) };
    if (err && err.status === 409 && conflictField && !fields[conflictField]) fields[conflictField] = err.message;
    let first = null, unmatched = !Object.keys(fields).length;
    for (const [k, v] of Object.entries(fields)) {
      const s = slots.find((x) => x.name === k);
      if (!s) { unmatched = true; continue; }
      s.msg.textContent = v;
      s.ctl.setAttribute("aria-invalid", "true");
      first = first || s.ctl;
    }
    if (unmatched) box.appendChild(errorBox(err));
    if (first) first.focus();
  };
  return { clear: reset, show };
}

// The skip link ("Skip to content") moves the focus to the shown view's
// main content (an element marked data-skip-target, e.g. the annotate
// view's text), else to <main>, without touching the address: the hash is
// the router's.
document.addEventListener("click", (ev) => {
  const a = ev.target instanceof Element ? ev.target.closest("a.skip") : null;
  if (!a) return;
  ev.preventDefault();
  const to = document.querySelector("[data-skip-target]") || document.getElementById("app");
  if (to) { to.focus(); to.scrollIntoView({ block: "start" }); }
});
