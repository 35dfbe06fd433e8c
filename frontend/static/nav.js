// Article navigation for N / P / D in the annotate view: the list the
// analyst came from (ids in order, filters and the next cursor), kept in
// sessionStorage, or the whole project when they came from a link.
import { api, qs } from "./api.js";

const KEY = "slant.nav";

export function saveNav(nav) {
  try { sessionStorage.setItem(KEY, JSON.stringify(nav)); } catch { /* storage full or off */ }
}

function loadNav(pid) {
  try {
    const nav = JSON.parse(sessionStorage.getItem(KEY) || "null");
    if (nav && nav.pid === pid) return nav;
  } catch { /* ignore */ }
  return { pid, params: {}, ids: [], next: null, fresh: true };
}

async function fetchMore(nav) {
  const page = await api("GET", "/projects/" + nav.pid + "/articles" + qs({ ...nav.params, limit: 1000, cursor: nav.next }));
  nav.ids.push(...page.items.map((a) => a.id));
  nav.next = page.next_cursor;
  nav.fresh = false;
  saveNav(nav);
}

// queued is the caller's next assigned, unfinished article after
// articleID (wrapping round to the first), or null when they have none
// other than this one; a project without assignments is remembered for
// the session, so N there costs no request.
const unassigned = new Set();
export async function queued(pid, articleID) {
  if (unassigned.has(pid)) return null;
  const page = await api("GET", "/projects/" + pid + "/articles" + qs({ assigned: "me", status: "todo", limit: 1000 }));
  const ids = page.items.map((a) => a.id).filter((id) => id !== articleID);
  if (!ids.length) {
    if (!page.items.length) unassigned.add(pid);
    return null;
  }
  return ids.find((id) => id > articleID) ?? ids[0];
}

// neighbour returns the id of the article after (dir=1) or before (dir=-1)
// articleID in the list, or null.
export async function neighbour(pid, articleID, dir) {
  let nav = loadNav(pid);
  if (nav.fresh) await fetchMore(nav);
  let i = nav.ids.indexOf(articleID);
  while (i < 0 && nav.next) { await fetchMore(nav); i = nav.ids.indexOf(articleID); }
  if (i < 0) { // not in the filtered list: fall back to the whole project
    nav = { pid, params: {}, ids: [], next: null };
    await fetchMore(nav);
    i = nav.ids.indexOf(articleID);
    while (i < 0 && nav.next) { await fetchMore(nav); i = nav.ids.indexOf(articleID); }
    if (i < 0) return null;
  }
  if (dir > 0 && i + 1 >= nav.ids.length && nav.next) await fetchMore(nav);
  const j = i + dir;
  return j >= 0 && j < nav.ids.length ? nav.ids[j] : null;
}
