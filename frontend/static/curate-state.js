// The curation view's state, apart from the DOM: the article's curation
// (GET /articles/{id}/curation), which passage is focused, what a key
// decides there, and the session's undo history. Offsets here are the
// server's code points; the view converts for the DOM (offsets.js).

export const KIND_TEXT = {
  agreed: "everyone agrees",
  label: "label disagreement",
  boundary: "boundary disagreement",
  single: "one annotator only",
};

export class CurationState {
  constructor() {
    this.cur = null; // the server's curation answer
    this.byID = new Map(); // span id (annotator or gold) -> span
    this.focus = -1; // index into cur.passages
    this.spanID = null; // the span whose history is shown
    this.undo = []; // {op: "gold", ids} | {op: "reject", id}
  }

  // load takes a fresh curation answer and keeps the focus on the passage
  // that starts where the focused one did (passages are rebuilt each time).
  load(cur) {
    const old = this.passage();
    this.cur = cur;
    this.byID = new Map([...cur.spans, ...cur.gold].map((s) => [s.id, s]));
    if (this.spanID !== null && !this.byID.has(this.spanID)) this.spanID = null;
    const ps = cur.passages;
    if (!ps.length) { this.focus = -1; return; }
    let i = old ? ps.findIndex((p) => p.start <= old.start && old.start < p.end) : -1;
    if (i < 0 && old) i = ps.findIndex((p) => p.start >= old.start);
    if (i < 0) i = old ? ps.length - 1 : Math.max(0, ps.findIndex((p) => !p.resolved));
    this.focus = i;
  }

  passages() { return this.cur ? this.cur.passages : []; }
  passage() { return this.cur && this.focus >= 0 ? this.cur.passages[this.focus] || null : null; }
  annotators() { return this.cur ? this.cur.annotators : []; }
  openCount() { return this.passages().filter((p) => !p.resolved).length; }

  // step moves the focus to the next (dir 1) or previous (-1) open
  // passage, wrapping around; false when no passage is open.
  step(dir) {
    const ps = this.passages(), n = ps.length;
    for (let k = 1; k <= n; k++) {
      const i = (((this.focus < 0 ? (dir > 0 ? -1 : 0) : this.focus) + dir * k) % n + n) % n;
      if (!ps[i].resolved) { this.focus = i; return true; }
    }
    return false;
  }

  // spansOf lists the annotator-layer spans of passage p, of one annotator
  // when name is given, in text order.
  spansOf(p, name) {
    return p.span_ids.map((id) => this.byID.get(id)).filter((s) => s && (!name || s.annotator === name));
  }
  goldOf(p) { return p.gold_ids.map((id) => this.byID.get(id)).filter(Boolean); }
  rejectionsOf(p) { return this.cur.rejections.filter((r) => p.rejection_ids.includes(r.id)); }

  // acceptance is what accepting annotator n's spans (1-based) of the
  // focused passage posts: one gold span per span of theirs, drawn on
  // every annotator's span of the same label and extent.
  acceptance(n) {
    const p = this.passage(), name = this.annotators()[n - 1];
    if (!p || !name) return { name, bodies: [] };
    const all = this.spansOf(p);
    const bodies = this.spansOf(p, name).map((s) => ({
      label: s.label, start: s.start, end: s.end,
      from: all.filter((o) => o.label === s.label && o.start === s.start && o.end === s.end).map((o) => o.id),
    }));
    return { name, bodies };
  }

  // draftFor is the edit form's first proposal: the span whose history is
  // shown when it is in the focused passage, else its first span.
  draftFor() {
    const p = this.passage();
    if (!p) return null;
    const inP = this.spanID !== null && (p.span_ids.includes(this.spanID) || p.gold_ids.includes(this.spanID)) ? this.byID.get(this.spanID) : null;
    const s = inP || this.spansOf(p)[0];
    return s ? { label: s.label, start: s.start, end: s.end } : { label: "", start: p.start, end: p.end };
  }

  // sourcesFor names the focused passage's spans an edited decision at
  // [start, end) draws on: those sharing a code point with it.
  sourcesFor(start, end) {
    const p = this.passage();
    return p ? this.spansOf(p).filter((s) => s.start < end && start < s.end).map((s) => s.id) : [];
  }

  // rejection is what rejecting the focused passage posts.
  rejection() {
    const p = this.passage();
    return p ? { start: p.start, end: p.end, from: [...p.span_ids] } : null;
  }

  // defaultSpan is the span to show the history of when a passage gets
  // the focus: its first gold span, else its first annotator's span.
  defaultSpan() {
    const p = this.passage();
    if (!p) return null;
    return p.gold_ids[0] ?? p.span_ids[0] ?? null;
  }
}

// laneSegments cuts [w0, w1) at the boundaries of spans (code points) and
// returns contiguous segments {a, b, spans} (spans covering the segment).
export function laneSegments(w0, w1, spans) {
  const cuts = new Set([w0, w1]);
  for (const s of spans) {
    if (s.start > w0 && s.start < w1) cuts.add(s.start);
    if (s.end > w0 && s.end < w1) cuts.add(s.end);
  }
  const xs = [...cuts].sort((x, y) => x - y);
  const out = [];
  for (let i = 0; i + 1 < xs.length; i++) {
    const a = xs[i], b = xs[i + 1];
    out.push({ a, b, spans: spans.filter((s) => s.start < b && a < s.end) });
  }
  return out;
}

// historyLines describes a span's history entries (GET
// /annotations/{id}/history) in words: who, when, what changed.
export function historyLines(items) {
  const fields = ["label", "start", "end", "note", "layer", "decided_by"];
  return items.map((e) => {
    const who = e.actor || (e.recorded ? "unknown" : "import");
    let what;
    if (e.action === "create" || e.action === "insert") {
      const a = e.after || {};
      what = "created " + (a.label || "") + " [" + a.start + ", " + a.end + ")";
    } else if (e.action === "delete") {
      what = "deleted";
    } else {
      const b = e.before || {}, a = e.after || {};
      const ch = fields.filter((f) => JSON.stringify(b[f]) !== JSON.stringify(a[f])).map((f) => f + ": " + show(b[f]) + " → " + show(a[f]));
      what = ch.length ? ch.join("; ") : "changed";
    }
    return { who, at: e.at, what, action: e.action };
  });
}

function show(v) {
  if (v === null || v === undefined || v === "") return "—";
  return typeof v === "string" ? "“" + v + "”" : String(v);
}
