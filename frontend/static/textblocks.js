// Pure helpers of highlight.js: paragraph blocks, segment search and
// tint composition (no DOM).

// blocksOf cuts text into paragraph blocks [a, b): each ends after a run of
// line breaks; an empty text is one empty block.
export function blocksOf(text) {
  const out = [];
  const re = /[\r\n\u2029]+/g;
  let a = 0, m;
  while ((m = re.exec(text))) {
    const b = m.index + m[0].length;
    out.push([a, b]);
    a = b;
  }
  if (a < text.length || !out.length) out.push([a, text.length]);
  return out;
}

// segIn returns the index of the segment of segs containing u.
export function segIn(segs, u) {
  let lo = 0, hi = segs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (segs[mid].a <= u) lo = mid; else hi = mid - 1;
  }
  return lo;
}

// over composes #rrggbb at alpha a over the rgba colour under.
export function over(under, hex, a) {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex || "");
  const c = m ? [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)] : [128, 128, 128];
  const oa = a + under[3] * (1 - a);
  const ch = (i) => Math.round((c[i] * a + under[i] * under[3] * (1 - a)) / oa);
  return [ch(0), ch(1), ch(2), oa];
}

// tint turns #rrggbb into an rgba() with alpha a.
export function tint(hex, a) {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex || "");
  if (!m) return `rgba(128,128,128,${a})`;
  return `rgba(${parseInt(m[1], 16)},${parseInt(m[2], 16)},${parseInt(m[3], 16)},${a})`;
}
