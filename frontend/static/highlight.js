// TextView renders an article's text with overlapping highlights.
//
// The text is cut at every span boundary into contiguous segments: a plain
// text node where no span covers it, else a <span class="hl"> holding one
// text node. Each span keeps a "lane": its underline sits at the same depth
// below the text in every segment it covers, so overlapping and nested
// spans show as stacked underlines in their label colours, over a light
// tint of the innermost span. A change re-renders only the segments it
// touches. All offsets here are UTF-16 (DOM) offsets; offsets.js converts.

const LANE_PX = 4; // distance between stacked underlines
const LINE_PX = 3; // underline thickness

export class TextView {
  constructor(container, text) {
    this.el = container;
    this.text = text;
    this.spans = new Map(); // key -> {key, u0, u1, color, lane, pending, other}
    this.segs = []; // sorted, contiguous: {a, b, node, keys}
    this.nodeSeg = new WeakMap(); // segment node -> seg
    this.current = null; // key of the focused span
  }

  // renderAll rebuilds everything in one pass with a DocumentFragment.
  renderAll() {
    this.assignLanes();
    const frag = document.createDocumentFragment();
    this.segs = this.build(0, this.text.length, frag);
    this.el.textContent = "";
    this.el.appendChild(frag);
  }

  // assignLanes gives every span the lowest lane free among the spans
  // overlapping it (greedy interval colouring, longest first on ties).
  assignLanes() {
    const list = [...this.spans.values()].sort((x, y) => x.u0 - y.u0 || y.u1 - x.u1);
    const laneEnd = []; // lane -> end of the last span in it
    for (const s of list) {
      let lane = laneEnd.findIndex((e) => e <= s.u0);
      if (lane < 0) lane = laneEnd.length;
      laneEnd[lane] = s.u1;
      s.lane = lane;
    }
  }

  // laneFor picks a lane for a new span without moving any other span.
  laneFor(span) {
    const used = new Set();
    for (const s of this.spans.values()) {
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
    this.refresh(prev.u0, prev.u1);
  }

  // segIndex returns the index of the segment containing UTF-16 offset u.
  segIndex(u) {
    let lo = 0, hi = this.segs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.segs[mid].a <= u) lo = mid; else hi = mid - 1;
    }
    return lo;
  }

  // refresh re-renders the segments that overlap [u0, u1).
  refresh(u0, u1) {
    if (!this.segs.length) return this.renderAll();
    const i = this.segIndex(u0), j = this.segIndex(Math.max(u0, u1 - 1));
    const ra = this.segs[i].a, rb = this.segs[j].b;
    const after = j + 1 < this.segs.length ? this.segs[j + 1].node : null;
    for (let k = i; k <= j; k++) this.segs[k].node.remove();
    const frag = document.createDocumentFragment();
    const fresh = this.build(ra, rb, frag);
    this.el.insertBefore(frag, after);
    this.segs.splice(i, j - i + 1, ...fresh);
  }

  // build creates the segments of [ra, rb) into frag and returns them.
  build(ra, rb, frag) {
    const events = [];
    for (const s of this.spans.values()) {
      if (s.u0 < rb && ra < s.u1) {
        events.push([Math.max(s.u0, ra), 1, s], [Math.min(s.u1, rb), -1, s]);
      }
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
      if (next > pos) out.push(this.segment(pos, next, [...active], frag));
      pos = next;
    }
    return out;
  }

  segment(a, b, covering, frag) {
    const t = document.createTextNode(this.text.slice(a, b));
    let node = t;
    if (covering.length) {
      node = document.createElement("span");
      node.className = "hl";
      node.appendChild(t);
      this.paint(node, covering);
    }
    const seg = { a, b, node, keys: covering.map((s) => s.key) };
    this.nodeSeg.set(node, seg);
    frag.appendChild(node);
    return seg;
  }

  paint(node, covering) {
    const imgs = [], pos = [];
    let maxLane = 0, inner = covering[0], pending = false, current = false;
    for (const s of covering) {
      const c = s.color;
      imgs.push(s.other ? `repeating-linear-gradient(90deg, ${c} 0 6px, transparent 6px 9px)` : `linear-gradient(${c}, ${c})`);
      pos.push(`0 calc(100% + ${s.lane * LANE_PX + 2}px)`);
      maxLane = Math.max(maxLane, s.lane);
      if (s.u1 - s.u0 < inner.u1 - inner.u0) inner = s;
      if (s.pending) pending = true;
      if (s.key === this.current) current = true;
    }
    const st = node.style;
    st.backgroundImage = imgs.join(",");
    st.backgroundPosition = pos.join(",");
    st.backgroundSize = `100% ${LINE_PX}px`;
    st.paddingBottom = `${(maxLane + 1) * LANE_PX + 1}px`;
    st.backgroundColor = tint(inner.color, inner.other ? 0.08 : 0.18);
    if (pending) node.classList.add("pending");
    if (current) node.classList.add("current");
    if (covering.length > 1) node.classList.add("multi");
  }

  // setCurrent marks one span as focused (outline) and returns its first node.
  setCurrent(key) {
    const old = this.current;
    this.current = key;
    const o = old !== null && old !== undefined ? this.spans.get(old) : null;
    if (o) this.refresh(o.u0, o.u1);
    const s = key !== null && key !== undefined ? this.spans.get(key) : null;
    if (!s) return null;
    this.refresh(s.u0, s.u1);
    return this.segs[this.segIndex(s.u0)].node;
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
    if (node === this.el) {
      if (offset >= this.el.childNodes.length) return this.text.length;
      const seg = this.nodeSeg.get(this.el.childNodes[offset]);
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
      let i = this.segIndex(u);
      if (atEnd && i > 0 && this.segs[i].a === u) i--;
      const seg = this.segs[i];
      const t = seg.node.nodeType === Node.TEXT_NODE ? seg.node : seg.node.firstChild;
      return [t, u - seg.a];
    };
    r.setStart(...point(u0, false));
    r.setEnd(...point(u1, true));
    return r;
  }
}

// tint turns #rrggbb into an rgba() with alpha a.
export function tint(hex, a) {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex || "");
  if (!m) return `rgba(128,128,128,${a})`;
  return `rgba(${parseInt(m[1], 16)},${parseInt(m[2], 16)},${parseInt(m[3], 16)},${a})`;
}
