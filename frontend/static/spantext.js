// Pure text rules of the annotate view (no DOM): trimming and snapping a
// selection, the direction a passage runs, and how a quote is shown.
import { snapUTF16 } from "./offsets.js";

const WORD = /[\p{L}\p{N}\p{M}_'’\-]/u;

function isWordAt(text, u, back) {
  // the code point ending at u (back) or starting at u (forward)
  if (back) {
    if (u <= 0) return false;
    const start = snapUTF16(text, u - 1, false);
    return WORD.test(String.fromCodePoint(text.codePointAt(start)));
  }
  if (u >= text.length) return false;
  return WORD.test(String.fromCodePoint(text.codePointAt(u)));
}

// adjustSelection trims whitespace at both ends of UTF-16 [u0, u1) and,
// with snap, extends it to whole words. It never cuts a surrogate pair.
export function adjustSelection(text, u0, u1, snap) {
  u0 = snapUTF16(text, u0, false);
  u1 = snapUTF16(text, u1, true);
  while (u0 < u1 && /\s/.test(text[u0])) u0++;
  while (u1 > u0 && /\s/.test(text[u1 - 1])) u1--;
  if (snap && u1 > u0) {
    while (isWordAt(text, u0, true)) u0 = snapUTF16(text, u0 - 1, false);
    while (isWordAt(text, u1, false)) u1 = snapUTF16(text, u1 + 1, true);
  }
  return [u0, u1];
}

// textDirection is "rtl" or "ltr" after the first strong character of s
// (as dir="auto" decides), or null when s has none (digits, punctuation,
// emoji). Letters of the right-to-left scripts and RLM/ALM count as
// right-to-left; every other letter and LRM as left-to-right.
const STRONG = /[\p{L}\u200E\u200F\u061C]/u;
const RTL = /[\p{Script=Arabic}\p{Script=Hebrew}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}\p{Script=Samaritan}\p{Script=Mandaic}\p{Script=Adlam}\u200F\u061C]/u;
export function textDirection(s) {
  const m = STRONG.exec(s);
  return m ? (RTL.test(m[0]) ? "rtl" : "ltr") : null;
}

// quoteShort folds whitespace and cuts s to n UTF-16 units (never inside
// a surrogate pair) with an ellipsis.
export function quoteShort(s, n = 140) {
  const t = s.replace(/\s+/g, " ");
  return t.length > n ? t.slice(0, snapUTF16(t, n - 1, false)) + "…" : t;
}

// context returns the few characters around UTF-16 [u0, u1) of text, cut
// at a line break and never inside a surrogate pair, as [before, after],
// with an ellipsis where the text goes on: the editor shows the span
// inside them, so the annotator sees whether a quote mark is in or out.
export function context(text, u0, u1, n = 24) {
  let a = snapUTF16(text, Math.max(0, u0 - n), true);
  let b = snapUTF16(text, Math.min(text.length, u1 + n), false);
  const nlBefore = text.lastIndexOf("\n", u0 - 1);
  if (nlBefore >= a) a = nlBefore + 1;
  const nlAfter = text.indexOf("\n", u1);
  if (nlAfter >= 0 && nlAfter < b) b = nlAfter;
  let before = text.slice(a, u0).replace(/\r/g, ""), after = text.slice(u1, b).replace(/\r/g, "");
  if (a > 0 && nlBefore < a - 1) before = "…" + before;
  if (b < text.length && text[b] !== "\n") after += "…";
  return [before, after];
}
