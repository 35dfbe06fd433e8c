// SpanState holds the annotate view's spans, its undo history and the
// saves on their way to the server. It never touches the DOM: the view
// subscribes with on() and draws what changed, and the tests drive it
// directly (frontend/spans_test.go).
//
// A span is the server's annotation object plus key (its id, or "tmp-N"
// while its create is pending), u0 and u1 (UTF-16 offsets for the DOM).
// An undo entry names a span by the key it had when it was recorded; a
// span deleted and brought back, or a pending span stored, gets a new key
// and alias() leads from the old one to it, so the history stays in the
// order the annotator acted, whatever order the answers come in.

// compareSpans orders spans as the list shows them: by start, the longer
// first, then by key.
export function compareSpans(x, y) {
  return x.start - y.start || y.end - x.end || String(x.key).localeCompare(String(y.key));
}

export class SpanState {
  // toUTF16 maps a code-point offset of the article to a UTF-16 offset.
  constructor(toUTF16) {
    this.toUTF16 = toUTF16;
    this.anns = new Map(); // key -> span
    this.undo = []; // {op: "create", id} | {op: "edit", id, before} | {op: "delete", ann}
    this.aliases = new Map(); // old key -> new key
    this.tmpSeq = 0;
    this.listeners = [];
  }

  // on(fn) calls fn({type: "reset"}), fn({type: "put", span, prev}) or
  // fn({type: "drop", span}) after every change.
  on(fn) { this.listeners.push(fn); }
  emit(ch) { for (const fn of this.listeners) fn(ch); }

  // stored turns a server annotation into a span (key and UTF-16 offsets).
  stored(a, key) {
    a.key = key ?? a.key ?? a.id;
    a.u0 = this.toUTF16(a.start);
    a.u1 = this.toUTF16(a.end);
    return a;
  }

  reset(items) {
    this.anns.clear();
    for (const a of items) { this.stored(a); this.anns.set(a.key, a); }
    this.emit({ type: "reset" });
  }

  get(key) { return this.anns.get(key); }
  has(key) { return this.anns.has(key); }
  put(a) { const prev = this.anns.get(a.key); this.anns.set(a.key, a); this.emit({ type: "put", span: a, prev }); }
  drop(key) { const a = this.anns.get(key); if (!a) return; this.anns.delete(key); this.emit({ type: "drop", span: a }); }

  resolve(key) { while (this.aliases.has(key)) key = this.aliases.get(key); return key; }
  isPending(key) { const a = this.anns.get(this.resolve(key)); return !!(a && a.pending); }

  // beginCreate shows a span at once, pending, and records its undo entry
  // in the order the annotator acted.
  beginCreate(fields) {
    const tmp = { ...fields, key: "tmp-" + ++this.tmpSeq, pending: true, note: fields.note || "", attributes: fields.attributes || {} };
    this.put(tmp);
    this.undo.push({ op: "create", id: tmp.key });
    return tmp;
  }

  // commitCreate replaces the pending span by the stored one.
  commitCreate(tmpKey, a) {
    this.drop(tmpKey);
    this.put(this.stored(a, a.id));
    this.aliases.set(tmpKey, a.id);
    return a;
  }

  // failCreate removes the pending span and its undo entry.
  failCreate(tmpKey) {
    this.drop(tmpKey);
    const i = this.undo.findIndex((u) => u.op === "create" && u.id === tmpKey);
    if (i >= 0) this.undo.splice(i, 1);
  }

  // commitEdit stores the server's answer to a change of span key; with
  // record, the span as it was before is the undo entry.
  commitEdit(key, b, before, record) {
    this.put(this.stored(b, key));
    if (record) this.undo.push({ op: "edit", id: key, before });
  }

  commitDelete(key, record) {
    const a = this.anns.get(key);
    if (!a) return;
    this.drop(key);
    if (record) this.undo.push({ op: "delete", ann: { ...a } });
  }

  // restore shows a deleted span brought back (by undo) under its new id.
  restore(oldKey, b) {
    this.aliases.set(oldKey, b.id);
    this.put(this.stored(b, b.id));
  }

  // Undo history: peek at, take and give back the last entry.
  lastUndo() { return this.undo.at(-1); }
  popUndo() { return this.undo.pop(); }
  pushUndo(u) { this.undo.push(u); }

  // editBefore is what an edit of span key sends back to undo it.
  static before(a) {
    return { label: a.label, note: a.note, attributes: a.attributes || {}, start: a.start, end: a.end, text: a.text };
  }

  sorted() { return [...this.anns.values()].sort(compareSpans); }
  keysInOrder() { return this.sorted().filter((a) => !a.pending).map((a) => a.key); }

  // overlapping lists the stored spans other than key that share a
  // character with it.
  overlapping(key) {
    const a = this.anns.get(key);
    if (!a) return [];
    return [...this.anns.values()].filter((o) => o.key !== key && !o.pending && o.u0 < a.u1 && a.u0 < o.u1).sort(compareSpans);
  }

  // innermost is the shortest stored span among keys, or null.
  innermost(keys) {
    let best = null;
    for (const k of keys) {
      const a = this.anns.get(k);
      if (a && !a.pending && (!best || a.u1 - a.u0 < best.u1 - best.u0)) best = a;
    }
    return best;
  }
}
