// Offsets: the server counts Unicode code points (Python's text[start:end]);
// the DOM counts UTF-16 code units. This module is the only place that
// converts between the two. Nothing here normalises the text: CRLF, NBSP,
// combining marks and ZWJ sequences count as the code points they are.

const SURROGATE = /[\uD800-\uDFFF]/;

function isHigh(c) { return c >= 0xd800 && c <= 0xdbff; }
function isLow(c) { return c >= 0xdc00 && c <= 0xdfff; }

// cpLength returns the number of code points of s.
export function cpLength(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    if (!(isLow(s.charCodeAt(i)) && i > 0 && isHigh(s.charCodeAt(i - 1)))) n++;
  }
  return n;
}

// OffsetIndex converts offsets of one text in O(1) (O(log n) for UTF-16 to
// code points). Texts without astral characters need no table.
export class OffsetIndex {
  constructor(text) {
    this.text = text;
    this.identity = !SURROGATE.test(text);
    if (this.identity) {
      this.length = text.length;
      return;
    }
    // u16[cp] = UTF-16 offset of code point cp; u16[length] = text.length.
    const u16 = new Int32Array(text.length + 1);
    let cp = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (isLow(c) && i > 0 && isHigh(text.charCodeAt(i - 1))) continue;
      u16[cp++] = i;
    }
    u16[cp] = text.length;
    this.u16 = u16.subarray(0, cp + 1);
    this.length = cp;
  }

  // toUTF16 maps a code-point offset (0..length) to a UTF-16 offset.
  toUTF16(cp) {
    if (cp < 0 || cp > this.length || !Number.isInteger(cp)) throw new RangeError("code point offset out of range: " + cp);
    return this.identity ? cp : this.u16[cp];
  }

  // toCodePoint maps a UTF-16 offset (0..text.length) to a code-point
  // offset. An offset inside a surrogate pair rounds down ("floor") or up
  // ("ceil") to the whole character.
  toCodePoint(u, round = "floor") {
    if (u < 0 || u > this.text.length || !Number.isInteger(u)) throw new RangeError("UTF-16 offset out of range: " + u);
    if (this.identity) return u;
    let lo = 0, hi = this.length; // largest cp with u16[cp] <= u
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.u16[mid] <= u) lo = mid; else hi = mid - 1;
    }
    if (this.u16[lo] !== u && round === "ceil") return lo + 1;
    return lo;
  }

  // slice returns text[start:end] in code points, like Python.
  slice(start, end) {
    return this.text.slice(this.toUTF16(start), this.toUTF16(end));
  }
}

// snapUTF16 moves a UTF-16 offset off the middle of a surrogate pair:
// backwards for a start, forwards for an end.
export function snapUTF16(text, u, forward) {
  if (u > 0 && u < text.length && isLow(text.charCodeAt(u)) && isHigh(text.charCodeAt(u - 1))) {
    return forward ? u + 1 : u - 1;
  }
  return u;
}
