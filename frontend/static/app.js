// slant web UI entry point: session bootstrap, hash router and header.
import { api, setCsrf, setUnauthorizedHandler } from "./api.js";
import { h, clear } from "./dom.js";
import { loginView, setupView, projectsView, articlesView } from "./pages.js";
import { sourcesView, settingsView, exportView, tokensView, accountView } from "./admin.js";
import { annotateView } from "./annotate.js";
import { importView } from "./import.js";
import { inviteView } from "./invite.js";
import { membersView } from "./members.js";
import { spanBrowserView } from "./browse.js";
import { analyticsView } from "./analytics.js";
import { agreementView } from "./agreement.js";
import { curateView } from "./curate.js";

const root = document.getElementById("app");
// guard: the shown view's leave guard, or null; shown: the hash it shows.
const state = { user: null, cleanup: null, afterLogin: "", guard: null, shown: "" };

const routes = [
  [/^\/projects$/, projectsView],
  [/^\/projects\/(\d+)$/, articlesView],
  [/^\/projects\/(\d+)\/settings$/, settingsView],
  [/^\/projects\/(\d+)\/export$/, exportView],
  [/^\/projects\/(\d+)\/import$/, importView],
  [/^\/projects\/(\d+)\/members$/, membersView],
  [/^\/projects\/(\d+)\/spans$/, spanBrowserView],
  [/^\/projects\/(\d+)\/analytics$/, analyticsView],
  [/^\/projects\/(\d+)\/agreement$/, agreementView],
  [/^\/articles\/(\d+)\/curate$/, curateView],
  [/^\/articles\/(\d+)$/, annotateView],
  [/^\/sources$/, sourcesView],
  [/^\/tokens$/, tokensView],
  [/^\/account$/, accountView],
  [/^\/invite\/([\w-]+)$/, inviteView],
];

export function navigate(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}

function currentPath() {
  const p = location.hash.replace(/^#/, "").split("?")[0]; // a view reads its own ?query (the span browser's filters)
  return p === "" || p === "/" ? "/projects" : p;
}

// ctx is what every view gets. setLeaveGuard(guard) lets a view hold a
// navigation away from it (the annotate view with unsaved changes):
// guard(proceed) returns true when it holds it, and calls proceed() later
// if the user lets it go on. It lasts until the next render.
function ctx(gen) {
  return { user: state.user, navigate, isAdmin: state.user && state.user.role === "admin", onSession: startSession,
    setLeaveGuard: (guard) => { if (gen === renderGen) state.guard = guard; } };
}

// onHashChange renders the new address, unless the shown view holds the
// navigation: then the address goes back to the shown view's.
function onHashChange() {
  if (state.guard && state.user && location.hash !== state.shown) {
    const to = location.hash;
    if (state.guard(() => navigate(to))) {
      history.replaceState(null, "", state.shown || "#/projects");
      return;
    }
  }
  render();
}

function header() {
  const u = state.user;
  const path = currentPath();
  const link = (href, text) => h("a", { href, text, class: path.startsWith(href.slice(1)) ? "active" : "", attrs: path.startsWith(href.slice(1)) ? { "aria-current": "page" } : {} });
  return h("header", { class: "topbar" },
    h("a", { class: "brand", href: "#/projects", text: "slant" }),
    u ? h("nav", { attrs: { "aria-label": "Main" } }, link("#/projects", "Projects"), link("#/sources", "Sources"), link("#/tokens", "API tokens"), h("a", { href: "/api", text: "API reference" })) : null,
    h("span", { class: "spacer" }),
    u ? h("span", { class: "who" },
      h("a", { href: "#/account", class: "user-name", text: u.name, title: "Account" }),
      h("span", { class: "role role-" + u.role, text: u.role }),
      h("button", { type: "button", class: "btn btn-small", text: "Log out", attrs: { id: "logout" }, on: { click: logout } })) : null);
}

async function logout() {
  if (state.guard && state.guard(logout)) return;
  try { await api("DELETE", "/session"); } catch { /* the session may be gone already */ }
  state.user = null;
  setCsrf("");
  location.hash = "#/login";
}

function startSession(sess, to) {
  state.user = sess.user;
  setCsrf(sess.csrf_token);
  const dest = to || (state.afterLogin && !/^#\/(login|setup)/.test(state.afterLogin) ? state.afterLogin : "#/projects");
  state.afterLogin = "";
  navigate(dest);
}

// render shows the view of the current hash. Views are async; a newer
// render supersedes an older one still loading: each view draws into its
// own container, and a superseded view is detached and cleaned up.
let renderGen = 0;
async function render() {
  const gen = ++renderGen;
  state.guard = null;
  state.shown = location.hash;
  if (state.cleanup) { try { state.cleanup(); } catch { /* ignore */ } state.cleanup = null; }
  const path = currentPath();
  clear(root);
  const box = h("div", { class: "view" });
  root.appendChild(box);
  const run = async (view, params) => {
    let cleanup = null;
    try {
      cleanup = (await view(box, params, ctx(gen))) || null;
    } catch (err) {
      if (gen === renderGen) box.appendChild(h("div", { class: "page" }, h("div", { class: "alert alert-error", attrs: { role: "alert" }, text: err.describe ? err.describe() : String(err) })));
    }
    if (gen === renderGen) state.cleanup = cleanup;
    else if (cleanup) cleanup();
  };
  if (!state.user) {
    clear(document.getElementById("top"));
    if (path === "/setup") return run(setupView, []);
    if (/^\/invite\/[\w-]+$/.test(path)) return run(inviteView, [path.slice("/invite/".length)]);
    if (path !== "/login") {
      state.afterLogin = "#" + path;
      history.replaceState(null, "", "#/login");
    }
    return run(loginView, []);
  }
  if (path === "/login" || path === "/setup") { navigate("#/projects"); return; }
  clear(document.getElementById("top")).appendChild(header());
  for (const [re, view] of routes) {
    const m = path.match(re);
    if (m) { document.title = "slant"; return run(view, m.slice(1)); }
  }
  box.appendChild(h("section", { class: "page" }, h("h1", { text: "Not found" }), h("p", {}, "No page here. ", h("a", { href: "#/projects", text: "Back to projects" }))));
}

async function boot() {
  setUnauthorizedHandler(() => {
    if (state.user) { state.user = null; state.afterLogin = location.hash; location.hash = "#/login"; render(); }
  });
  try {
    const sess = await api("GET", "/session", undefined, { quiet401: true });
    state.user = sess.user;
    setCsrf(sess.csrf_token);
  } catch (err) {
    if (err.status !== 401 && err.status !== 404) {
      clear(root).appendChild(h("div", { class: "alert alert-error", text: "slant could not start: " + err.describe() }));
      return;
    }
    try {
      const setup = await api("GET", "/setup");
      if (setup.needed) {
        state.afterLogin = location.hash;
        history.replaceState(null, "", "#/setup");
      }
    } catch { /* login page then */ }
  }
  window.addEventListener("hashchange", onHashChange);
  render();
}

boot();
