// The project page's suggestions row: managers and admins run the
// rule-based suggester ("Suggest claims": POST
// /projects/{id}/suggestions?kind=attributed_claim, then the counts and
// the time it took), and every member reads how many suggestions were
// accepted, per rule (GET /projects/{id}/suggestions/stats). A run
// reports its progress as it goes (the NDJSON stream of the same POST).
import { api, apiLines } from "./api.js";
import { h, clear } from "./dom.js";

const describe = (e) => (e && e.describe ? e.describe() : String(e));

// suggestRow returns the row for project (managers: the button too).
export function suggestRow(project, manages) {
  const pid = project.id;
  const out = h("span", { attrs: { id: "suggest-result", role: "status", "aria-live": "polite" } });
  const stats = h("span", { class: "muted", attrs: { id: "suggest-stats" } });
  const btn = manages ? h("button", { type: "button", class: "btn", text: "Suggest claims", attrs: { id: "suggest-run" },
    title: "Find attributed claims (quotes and reported speech) with their cue and source in every article; annotators accept or reject them" }) : null;
  const row = h("div", { class: "suggest-run", hidden: !manages }, btn, out, stats);

  async function loadStats() {
    try {
      const d = await api("GET", "/projects/" + pid + "/suggestions/stats");
      const items = d.items || [];
      if (!items.length) { clear(stats); return; }
      const sum = (k) => items.reduce((n, s) => n + s[k], 0);
      stats.textContent = "Suggestions: accepted " + sum("accepted") + " of " + sum("suggested") + " (rejected " + sum("rejected") + ") — " +
        items.map((s) => s.rule + " " + s.accepted + " of " + s.suggested).join(" · ");
      row.hidden = false;
    } catch (e) { stats.textContent = "Suggestion stats unavailable: " + describe(e); }
  }

  if (btn) {
    btn.addEventListener("click", async () => {
      btn.disabled = true;
      out.textContent = "Suggesting…";
      try {
        const r = await apiLines("POST", "/projects/" + pid + "/suggestions?kind=attributed_claim", (p) => {
          if (!p.done) out.textContent = "Suggesting… " + p.articles + " of " + p.total + " articles, " + p.created + " new claims so far";
        });
        out.textContent = "Suggested " + r.created + " new claim" + (r.created === 1 ? "" : "s") + " in " + r.articles + " article" + (r.articles === 1 ? "" : "s") +
          " (" + r.existing + " already there, " + r.skipped + " skipped) in " + r.elapsed_seconds.toFixed(2) + " s.";
        await loadStats();
      } catch (e) {
        out.textContent = "Not suggested: " + describe(e);
      } finally { btn.disabled = false; }
    });
  }
  loadStats();
  return row;
}
