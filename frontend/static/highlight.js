// TextView renders an article's text with overlapping highlights.
//
// The text is split into paragraph blocks (each ends after a run of line
// breaks), one <div dir="auto"> each, so every paragraph takes its own
// direction (an Arabic paragraph in an English article runs right to left)
// and a change lays out one paragraph, not the whole article. Inside a
// block the text is cut at every span boundary into contiguous segments: a
// plain text node where no span covers it, else a <span class="hl">
// holding one text node. Each span keeps a "lane": its underline sits at
// the same depth below the text in every segment it covers, so
// overlapping spans show as stacked underlines in their label colours,
// over a tint that composes the tints of every span covering the segment.
// A change re-renders only the segments it touches. All offsets here are
// UTF-16 (DOM) offsets; offsets.js converts.

import { blocksOf, segIn, over } from "./textblocks.js";

const LANE_PX = 4; // distance between stacked underlines
const LINE_PX = 3; // underline thickness

export class TextView {
  constructor(container, text) {
    this.el = container;
    this.text = text;
    this.spans = new Map(); // key -> {key, u0, u1, color, lane, pending, other, mark}
    this.blocks = blocksOf(text).map(([a, b]) => ({ a, b, el: null, segs: [] })); // segs: sorted, contiguous {a, b, node, keys}
    this.nodeSeg = new WeakMap(); // segment node -> seg
    this.elBlock = new WeakMap(); // block element -> block
    this.current = null; // key of the focused span
    this.hover = null; // key of the span under the pointer
    this.target = null; // key of the span a link would go to (relations.js)
    this.cands = null; // keys of the spans a link may go to, or null
    this.suggFocus = null; // id of the focused suggestion (suggestions-ui.js)
  }

  // renderAll rebuilds everything in one pass with a DocumentFragment.
  renderAll() {
    this.assignLanes();
    const sorted = [...this.spans.values()].sort((x, y) => x.u0 - y.u0);
    const frag = document.createDocumentFragment();
    let i = 0, live = [];
    for (const blk of this.blocks) {
      const el = document.createElement("div");
      el.className = "para";
      el.dir = "auto";
      blk.el = el;
      this.elBlock.set(el, blk);
      while (i < sorted.length && sorted[i].u0 < blk.b) live.push(sorted[i++]);
      live = live.filter((s) => s.u1 > blk.a);
      blk.segs = this.build(blk.a, blk.b, live, el);
      frag.appendChild(el);
    }
    this.el.textContent = "";
    this.el.appendChild(frag);
  }

  // assignLanes gives every span the lowest lane free among the spans
  // overlapping it (greedy interval colouring, longest first on ties).
  assignLanes() {
    const list = [...this.spans.values()].sort((x, y) => x.u0 - y.u0 || y.u1 - x.u1);
    const laneEnd = []; // lane -> end of the last span in it
    for (const s of list) {
      if (s.sugg) { s.lane = 0; continue; } // a suggestion is outlined: no underline
      let lane = laneEnd.findIndex((e) => e <= s.u0);
      if (lane < 0) lane = laneEnd.length;
      laneEnd[lane] = s.u1;
      s.lane = lane;
    }
  }

  // laneFor picks a lane for a new span without moving any other span.
  laneFor(span) {
    if (span.sugg) return 0;
    const used = new Set();
    for (const s of this.spans.values()) {
      if (s.sugg) continue;
      if (s.key !== span.key && s.u0 < span.u1 && span.u0 < s.u1) used.add(s.lane);
    }
    let lane = 0;
    while (used.has(lane)) lane++;
    return lane;
  }

  // set adds or replaces a span and re-renders the affected segments.
  set(span) {
    const prev = this.spans.get(span.key);
    span.lane = prev && prev.u0 === span.u0 && prev.u1 === span.u1 ? prev.lane : this.laneFor(span);
    this.spans.set(span.key, span);
    if (prev) this.refresh(prev.u0, prev.u1);
    this.refresh(span.u0, span.u1);
  }

  delete(key) {
    const prev = this.spans.get(key);
    if (!prev) return;
    this.spans.delete(key);
    if (this.current === key) this.current = null;
    if (this.hover === key) this.hover = null;
    if (this.target === key) this.target = null;
    this.refresh(prev.u0, prev.u1);
  }

  // blockIndex returns the index of the block containing UTF-16 offset u.
  blockIndex(u) {
    const bs = this.blocks;
    let lo = 0, hi = bs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (bs[mid].a <= u) lo = mid; else hi = mid - 1;
    }
    return lo;
  }

  // refresh re-renders the segments that overlap [u0, u1), block by block.
  refresh(u0, u1) {
    if (!this.blocks[0].el) return this.renderAll();
    const bi = this.blockIndex(u0), bj = this.blockIndex(Math.max(u0, u1 - 1));
    for (let k = bi; k <= bj; k++) {
      const blk = this.blocks[k];
      if (blk.segs.length) this.refreshBlock(blk, Math.max(u0, blk.a), Math.min(u1, blk.b));
    }
  }

  refreshBlock(blk, u0, u1) {
    const segs = blk.segs;
    const i = segIn(segs, u0), j = segIn(segs, Math.max(u0, u1 - 1));
    const ra = segs[i].a, rb = segs[j].b;
    const after = j + 1 < segs.length ? segs[j + 1].node : null;
    for (let k = i; k <= j; k++) segs[k].node.remove();
    const live = [];
    for (const s of this.spans.values()) if (s.u0 < rb && ra < s.u1) live.push(s);
    const frag = document.createDocumentFragment();
    const fresh = this.build(ra, rb, live, frag);
    blk.el.insertBefore(frag, after);
    segs.splice(i, j - i + 1, ...fresh);
  }

  // build creates the segments of [ra, rb) (inside one block) from the
  // spans that overlap it into parent and returns them.
  build(ra, rb, spans, parent) {
    const events = [];
    for (const s of spans) {
      if (s.u0 < rb && ra < s.u1) events.push([Math.max(s.u0, ra), 1, s], [Math.min(s.u1, rb), -1, s]);
    }
    events.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    const out = [];
    const active = new Set();
    let pos = ra, e = 0;
    while (pos < rb) {
      while (e < events.length && events[e][0] === pos) {
        const [, kind, s] = events[e++];
        if (kind > 0) active.add(s); else active.delete(s);
      }
      const next = e < events.length ? Math.min(events[e][0], rb) : rb;
      if (next > pos) out.push(this.segment(pos, next, [...active], parent));
      pos = next;
    }
    return out;
  }

  segment(a, b, covering, parent) {
    const t = document.createTextNode(this.text.slice(a, b));
    let node = t;
    if (covering.length) {
      node = document.createElement("span");
      node.className = "hl";
      node.appendChild(t);
      this.paint(node, covering, a, b);
    }
    const seg = { a, b, node, keys: covering.map((s) => s.key) };
    this.nodeSeg.set(node, seg);
    parent.appendChild(node);
    return seg;
  }

  paint(node, covering, a, b) {
    const imgs = [], pos = [];
    let maxLane = 0, pending = false, current = false;
    const marks = [];
    // tints compose from the longest span to the shortest: every layer
    // shows, the innermost on top
    const byLen = [...covering].sort((x, y) => (y.u1 - y.u0) - (x.u1 - x.u0));
    let rgba = [0, 0, 0, 0];
    const suggs = [];
    for (const s of byLen) {
      // a pending suggestion (s.sugg: {id, role, title}) is drawn as a
      // dashed outline, below, never as an underline or a tint
      if (s.sugg) { suggs.push(s); continue; }
      const c = s.color;
      imgs.push(s.other ? `repeating-linear-gradient(90deg, ${c} 0 6px, transparent 6px 9px)` : `linear-gradient(${c}, ${c})`);
      pos.push(`0 calc(100% + ${s.lane * LANE_PX + 2}px)`);
      maxLane = Math.max(maxLane, s.lane);
      rgba = over(rgba, s.color, s.other ? 0.08 : 0.16);
      if (s.pending) pending = true;
      if (s.key === this.current) {
        current = true;
        node.classList.add("current");
        if (a === s.u0) node.classList.add("cur-start");
        if (b === s.u1) node.classList.add("cur-end");
      }
      if (s.key === this.hover) node.classList.add("hover");
      if (s.key === this.target) node.classList.add("link-target");
      if (this.cands && this.cands.has(s.key)) node.classList.add("link-cand");
      // a relation's number, drawn by CSS after the span's last segment
      // (a pseudo-element: it is not text, so offsets do not move)
      if (s.mark && b === s.u1) marks.push(s.mark);
    }
    if (marks.length) node.dataset.rel = marks.join(",");
    if (current) rgba = over(rgba, "#1a73e8", 0.13);
    const st = node.style;
    st.backgroundImage = imgs.join(",");
    st.backgroundPosition = pos.join(",");
    st.backgroundSize = `100% ${LINE_PX}px`;
    st.paddingBottom = `${(maxLane + 1) * LANE_PX + 1}px`;
    st.backgroundColor = `rgba(${rgba[0]},${rgba[1]},${rgba[2]},${rgba[3].toFixed(3)})`;
    if (pending) node.classList.add("pending");
    if (covering.length - suggs.length > 1) node.classList.add("multi");
    if (suggs.length) this.paintSugg(node, suggs, a, b);
  }

  // paintSugg outlines a segment of pending suggestions: dashed, in the
  // colour of the innermost one's label (the focused one's, if it is
  // here), closed at its start and its end.
  paintSugg(node, suggs, a, b) {
    const s = suggs.find((x) => x.sugg.id === this.suggFocus) || suggs[suggs.length - 1];
    node.classList.add("sugg");
    node.style.setProperty("--sg", s.color);
    if (a === s.u0) node.classList.add("sg-start");
    if (b === s.u1) node.classList.add("sg-end");
    if (s.sugg.id === this.suggFocus) node.classList.add("sg-focus");
    node.dataset.sugg = [...new Set(suggs.map((x) => x.sugg.id))].join(",");
    node.dataset.sgRole = s.sugg.role;
    node.title = [...new Set(suggs.map((x) => x.sugg.title))].join("\n");
  }

  // setSuggFocus marks suggestion id (null: none) as focused.
  setSuggFocus(id) {
    const old = this.suggFocus;
    this.suggFocus = id;
    for (const s of this.spans.values()) if (s.sugg && (s.sugg.id === old || s.sugg.id === id)) this.refresh(s.u0, s.u1);
  }

  // setCurrent marks one span as focused (boundary marks) and returns its
  // first node.
  setCurrent(key) {
    const old = this.current;
    this.current = key;
    const o = old !== null && old !== undefined ? this.spans.get(old) : null;
    if (o) this.refresh(o.u0, o.u1);
    const s = key !== null && key !== undefined ? this.spans.get(key) : null;
    if (!s) return null;
    this.refresh(s.u0, s.u1);
    return this.segAt(s.u0).node;
  }

  // setHover outlines the span under the pointer (key, or null).
  setHover(key) {
    if (key === this.hover) return;
    this.classOf(this.hover, "hover", false);
    this.hover = key;
    this.classOf(key, "hover", true);
  }

  // setTarget outlines the span a link would go to (key, or null).
  setTarget(key) {
    if (key === this.target) return;
    this.classOf(this.target, "link-target", false);
    this.target = key;
    this.classOf(key, "link-target", true);
  }

  // setCands marks the spans a link may go to (a Set of keys, or null),
  // touching only their segments' classes.
  setCands(keys) {
    if (this.cands) for (const k of this.cands) this.classOf(k, "link-cand", false);
    this.cands = keys;
    if (keys) for (const k of keys) this.classOf(k, "link-cand", true);
  }

  // classOf turns cls on or off on every segment of span k.
  classOf(k, cls, on) {
    const s = k !== null && k !== undefined ? this.spans.get(k) : null;
    if (s) this.eachSeg(s.u0, s.u1, (seg) => { if (seg.keys.includes(k)) seg.node.classList.toggle(cls, on); });
  }

  // eachSeg calls fn for every segment overlapping [u0, u1).
  eachSeg(u0, u1, fn) {
    for (let k = this.blockIndex(u0); k < this.blocks.length && this.blocks[k].a < u1; k++) {
      for (const seg of this.blocks[k].segs) if (seg.a < u1 && u0 < seg.b) fn(seg);
    }
  }

  // segAt returns the segment containing UTF-16 offset u (the last one at
  // the end of the text), or null in an empty text.
  segAt(u) {
    const blk = this.blocks[this.blockIndex(u)];
    return blk.segs.length ? blk.segs[segIn(blk.segs, u)] : null;
  }

  // keysAt returns the keys of the spans covering a segment node.
  keysAt(node) {
    while (node && node !== this.el) {
      const seg = this.nodeSeg.get(node);
      if (seg) return seg.keys;
      node = node.parentNode;
    }
    return [];
  }

  // offsetOf maps a DOM boundary point inside the text to a UTF-16 offset,
  // or null when the point is outside.
  offsetOf(node, offset) {
    if (node === this.el) return offset >= this.blocks.length ? this.text.length : this.blocks[offset].a;
    const blk = this.elBlock.get(node);
    if (blk) {
      if (offset >= node.childNodes.length) return blk.b;
      const seg = this.nodeSeg.get(node.childNodes[offset]);
      return seg ? seg.a : null;
    }
    if (node.nodeType === Node.TEXT_NODE) {
      const seg = this.nodeSeg.get(node) || this.nodeSeg.get(node.parentNode);
      return seg ? seg.a + Math.min(offset, seg.b - seg.a) : null;
    }
    const seg = this.nodeSeg.get(node);
    if (seg) return offset === 0 ? seg.a : seg.b;
    return null;
  }

  // rangeOf converts a DOM Range to UTF-16 [u0, u1) clamped to the text,
  // or null when it does not touch the text.
  rangeOf(range) {
    if (!range.intersectsNode(this.el)) return null;
    const inside = (n) => this.el === n || this.el.contains(n);
    let u0 = inside(range.startContainer) ? this.offsetOf(range.startContainer, range.startOffset) : 0;
    let u1 = inside(range.endContainer) ? this.offsetOf(range.endContainer, range.endOffset) : this.text.length;
    if (u0 === null || u1 === null) return null;
    if (u1 < u0) [u0, u1] = [u1, u0];
    return [u0, u1];
  }

  // domRange builds a DOM Range over UTF-16 [u0, u1) (for tests and for
  // restoring a selection).
  domRange(u0, u1) {
    const r = document.createRange();
    const point = (u, atEnd) => {
      let bi = this.blockIndex(u);
      if (atEnd && bi > 0 && this.blocks[bi].a === u) bi--;
      const segs = this.blocks[bi].segs;
      if (!segs.length) return [this.el, 0];
      let i = segIn(segs, u);
      if (atEnd && i > 0 && segs[i].a === u) i--;
      const seg = segs[i];
      const t = seg.node.nodeType === Node.TEXT_NODE ? seg.node : seg.node.firstChild;
      return [t, u - seg.a];
    };
    r.setStart(...point(u0, false));
    r.setEnd(...point(u1, true));
    return r;
  }
}
