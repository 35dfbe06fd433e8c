// SpanList is the list of spans beside the text. It follows SpanState's
// changes one item at a time (a new span inserts one <li> at its place),
// never rebuilding the whole list on a create.
import { h, clear } from "./dom.js";
import { compareSpans } from "./spans.js";
import { quoteShort } from "./spantext.js";

export class SpanList {
  // item(a) describes a span: {color, name, speaker, annotator (or null)}.
  constructor(listEl, countEl, item, onOpen) {
    this.el = listEl;
    this.countEl = countEl;
    this.item = item;
    this.items = []; // spans in list order
    this.lis = new Map(); // key -> <li>
    this.keyOf = new Map(); // String(key) -> key
    this.active = null;
    // one listener for the whole list; items are cloned from one prototype
    listEl.addEventListener("click", (ev) => {
      const b = ev.target instanceof Element ? ev.target.closest(".span-btn") : null;
      if (b && this.keyOf.has(b.dataset.key)) onOpen(this.keyOf.get(b.dataset.key));
    });
    this.proto = h("li", { class: "span-item" },
      h("button", { type: "button", class: "span-btn" },
        h("span", { class: "span-head" }, h("span", { class: "swatch" }), h("span", { class: "span-label" })),
        h("span", { class: "span-quote", attrs: { dir: "auto" } })));
  }

  reset(spans) {
    this.items = [...spans].sort(compareSpans);
    this.lis.clear();
    this.keyOf.clear();
    const frag = document.createDocumentFragment();
    for (const a of this.items) frag.appendChild(this.li(a));
    clear(this.el).appendChild(frag);
    this.count();
  }

  li(a) {
    const d = this.item(a);
    const li = this.proto.cloneNode(true);
    if (a.key === this.active) li.classList.add("active");
    if (a.pending) li.classList.add("pending");
    const btn = li.firstChild, head = btn.firstChild;
    btn.dataset.key = String(a.key);
    head.firstChild.style.backgroundColor = d.color;
    head.lastChild.textContent = d.name;
    if (d.speaker) head.appendChild(h("span", { class: "speaker", text: "— " + d.speaker }));
    if (d.annotator) head.appendChild(h("span", { class: "annotator", text: d.annotator }));
    btn.lastChild.textContent = quoteShort(a.text);
    if (a.note) btn.appendChild(h("span", { class: "span-note", text: a.note }));
    this.lis.set(a.key, li);
    this.keyOf.set(String(a.key), a.key);
    return li;
  }

  // put inserts or replaces span a (prev: the span it replaces).
  put(a, prev) {
    if (prev) this.drop(prev.key, true);
    let lo = 0, hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareSpans(this.items[mid], a) < 0) lo = mid + 1; else hi = mid;
    }
    const next = lo < this.items.length ? this.lis.get(this.items[lo].key) : null;
    this.items.splice(lo, 0, a);
    this.el.insertBefore(this.li(a), next);
    this.count();
  }

  drop(key, quiet) {
    const li = this.lis.get(key);
    if (!li) return;
    li.remove();
    this.lis.delete(key);
    this.keyOf.delete(String(key));
    const i = this.items.findIndex((a) => a.key === key);
    if (i >= 0) this.items.splice(i, 1);
    if (!quiet) this.count();
  }

  setActive(key) {
    const old = this.lis.get(this.active);
    if (old) old.classList.remove("active");
    this.active = key;
    const li = this.lis.get(key);
    if (!li) return;
    li.classList.add("active");
    // bring it into view inside the list's own scroller, never the page
    const sc = this.el.closest(".spans-card");
    if (!sc || sc.scrollHeight <= sc.clientHeight) return;
    const r = li.getBoundingClientRect(), s = sc.getBoundingClientRect();
    if (r.top < s.top) sc.scrollTop += r.top - s.top;
    else if (r.bottom > s.bottom) sc.scrollTop += r.bottom - s.bottom;
  }

  count() { this.countEl.textContent = "(" + this.items.length + ")"; }
}
