// The curation view's passage cards: for each passage of the article, one
// lane per annotator and a gold lane, each showing the same stretch of
// text with that lane's spans marked, so the lanes line up and a
// difference of label or boundary shows at a glance. Every text goes in
// with textContent (dom.js h); colours through the CSSOM only.
import { h } from "./dom.js";
import { cpLength } from "./offsets.js";
import { KIND_TEXT, laneSegments } from "./curate-state.js";

const CONTEXT = 24; // code points of text shown around a passage

// contextOf is the stretch of text a passage's lanes show: the passage
// and up to CONTEXT code points around it, cut after a space when there is
// one, so the lanes start and end on whole words.
function contextOf(p, idx) {
  let w0 = Math.max(0, p.start - CONTEXT), w1 = Math.min(idx.length, p.end + CONTEXT);
  if (w0 > 0) {
    const m = /\s/.exec(idx.slice(w0, p.start));
    if (m) w0 += cpLength(idx.slice(w0, p.start).slice(0, m.index + 1));
  }
  if (w1 < idx.length) {
    const after = idx.slice(p.end, w1), i = after.search(/\s\S*$/);
    if (i >= 0) w1 = p.end + cpLength(after.slice(0, i));
  }
  return [w0, w1];
}

// renderPassages draws every passage of st (a CurationState) into list.
// on: {focus(i), span(id)}. idx is the article's OffsetIndex, book its
// labelBook.
export function renderPassages(list, st, idx, book, on) {
  list.textContent = "";
  const names = st.annotators();
  st.passages().forEach((p, i) => {
    const [w0, w1] = contextOf(p, idx);
    const lanes = names.map((name, n) => lane(n + 1, name, st.spansOf(p, name), [], false));
    lanes.push(lane(0, "gold", st.goldOf(p), st.rejectionsOf(p), true));
    const rej = st.rejectionsOf(p).length > 0, gold = p.gold_ids.length > 0;
    const state = gold && rej ? "resolved: gold and rejected" : gold ? "resolved: in gold" : rej ? "resolved: rejected" : "open";
    const card = h("li", { class: "cur-passage kind-" + p.kind + (p.resolved ? " resolved" : "") + (i === st.focus ? " focused" : ""),
      dataset: { i: String(i), start: String(p.start), end: String(p.end), kind: p.kind },
      attrs: { id: "psg-" + i, "aria-current": i === st.focus ? "true" : null, "aria-label": "Passage " + (i + 1) + ": " + KIND_TEXT[p.kind] + ", " + state } },
      h("div", { class: "cur-psg-head" },
        h("span", { class: "cur-kind", text: KIND_TEXT[p.kind] || p.kind }),
        h("span", { class: "muted small", text: "code points " + p.start + "–" + p.end }),
        h("span", { class: "cur-state" + (p.resolved ? " done" : ""), text: state })),
      h("div", { class: "cur-lanes" }, lanes));
    card.addEventListener("click", (ev) => { if (!(ev.target instanceof Element && ev.target.closest(".cur-chip"))) on.focus(i); });
    list.appendChild(card);

    function lane(n, name, spans, rejections, isGold) {
      const marks = [...spans, ...rejections.map((r) => ({ ...r, rejected: true }))];
      const text = h("div", { class: "cur-lane-text", attrs: { "aria-hidden": "true", dir: "auto" } },
        w0 > 0 ? "…" : null,
        laneSegments(w0, w1, marks).map((seg) => mark(seg)),
        w1 < idx.length ? "…" : null);
      const chips = h("div", { class: "cur-chips" },
        spans.map((s) => chip(s, name, isGold)),
        rejections.map((r) => h("span", { class: "cur-chip cur-chip-rej", text: "rejected " + (r.label ? book.nameOf(r.label) : "all labels") + " " + r.start + "–" + r.end + " by " + r.decided_by })),
        !spans.length && !rejections.length ? h("span", { class: "muted small", text: isGold ? "no decision yet" : "no span here" }) : null);
      return h("div", { class: "cur-lane" + (isGold ? " cur-lane-gold" : ""), dataset: { lane: isGold ? "gold" : name } },
        h("span", { class: "cur-lane-name" }, n ? h("kbd", { text: String(n) }) : null, h("span", { text: name })),
        h("div", { class: "cur-lane-body" }, text, chips));
    }

    function mark(seg) {
      const t = idx.slice(seg.a, seg.b);
      if (!seg.spans.length) return t;
      const rej = seg.spans.find((s) => s.rejected);
      const s = seg.spans.filter((x) => !x.rejected).sort((x, y) => (x.end - x.start) - (y.end - y.start))[0]; // innermost
      const el = h("mark", { class: "cur-mark" + (rej && !s ? " cur-rej" : "") + (s && s.start === seg.a ? " edge-start" : "") + (s && s.end === seg.b ? " edge-end" : "") + (seg.spans.length > 1 ? " multi" : ""), text: t });
      if (s) el.style.setProperty("--c", book.colorOf(s.label));
      return el;
    }
  });

  function chip(s, name, isGold) {
    const sw = h("span", { class: "swatch" });
    sw.style.backgroundColor = book.colorOf(s.label);
    const by = isGold && s.decided_by ? " · by " + s.decided_by : "";
    return h("button", { type: "button", class: "cur-chip" + (s.id === st.spanID ? " active" : ""), dataset: { id: String(s.id) },
      attrs: { "aria-pressed": s.id === st.spanID ? "true" : "false", "aria-label": name + ": " + book.nameOf(s.label) + ", code points " + s.start + " to " + s.end + by + ". Show its history." },
      on: { click: () => on.span(s.id) } },
      sw, h("span", { text: book.nameOf(s.label) }), h("span", { class: "muted", text: s.start + "–" + s.end + by }));
  }
}
