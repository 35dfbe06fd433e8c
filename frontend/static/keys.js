// The annotate view's keyboard: hotkeys, undo, span and article
// navigation, and caret/selection keys inside the focused text.

// installKeys wires the keys of view v ({textEl, view, help, book, eds
// (Editors), state, create(labelKey), undo(), go(dir), doneAndNext(),
// deleteSpan(key), focusSpan(key, open)}) and returns the function that
// removes them.
export function installKeys(v) {
  const { textEl, eds } = v;

  // Keyboard selection inside the text: arrows move a caret, Shift+arrows
  // extend the selection (Ctrl/Alt by word), like in an editor.
  const dirs = { ArrowLeft: ["backward", "character"], ArrowRight: ["forward", "character"], ArrowUp: ["backward", "line"], ArrowDown: ["forward", "line"], Home: ["backward", "lineboundary"], End: ["forward", "lineboundary"] };
  textEl.addEventListener("keydown", (ev) => {
    const d = dirs[ev.key];
    if (!d) return;
    if (boundaryKey(ev)) return; // the span editor's shortcut (onKey)
    const sel = window.getSelection();
    if (!sel.rangeCount || !textEl.contains(sel.anchorNode)) {
      const r = v.view.domRange(0, 0);
      sel.removeAllRanges();
      sel.addRange(r);
    }
    const gran = (ev.ctrlKey || ev.altKey) && d[1] === "character" ? "word" : d[1];
    sel.modify(ev.shiftKey ? "extend" : "move", d[0], gran);
    ev.preventDefault();
  });

  // boundaryKey: Alt(+Shift)+Left/Right while an editable span editor is open.
  function boundaryKey(ev) {
    return eds.ed !== null && eds.ed.nudge !== null && ev.altKey && !ev.ctrlKey && !ev.metaKey && (ev.key === "ArrowLeft" || ev.key === "ArrowRight");
  }

  // step opens the next (dir 1) or previous (-1) span's editor.
  function step(dir) {
    const keys = v.state.keysInOrder();
    if (!keys.length) return;
    let i = keys.indexOf(eds.editing ?? v.view.current);
    i = i < 0 ? (dir > 0 ? 0 : keys.length - 1) : (i + dir + keys.length) % keys.length;
    eds.whenClean(() => {
      v.focusSpan(keys[i], false);
      eds.draw(keys[i]);
      textEl.focus({ preventScroll: true });
    });
  }

  function onKey(ev) {
    if (v.help.open) return;
    const t = ev.target;
    const typing = t && ((t.tagName === "INPUT" && !/^(checkbox|radio|button|submit|reset|color)$/.test(t.type)) || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
    if (ev.key === "Escape") {
      // the second Esc, with the unsaved-changes bar shown, discards
      if (eds.ed && eds.ed.asking()) { ev.preventDefault(); eds.ed.discard(); } else if (eds.editing !== null) { ev.preventDefault(); eds.whenClean(() => eds.close()); }
      return;
    }
    if (boundaryKey(ev) && !(typing && t.tagName !== "SELECT")) {
      ev.preventDefault();
      eds.ed.nudge(ev.shiftKey ? "end" : "start", ev.key);
      return;
    }
    if (typing) return;
    if ((ev.ctrlKey || ev.metaKey) && !ev.shiftKey && ev.key.toLowerCase() === "z") { ev.preventDefault(); v.undo(); return; }
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const l = v.book.byHotkey.get(ev.key);
    if (l) { ev.preventDefault(); v.create(l.key); return; }
    const cur = v.view.current;
    switch (ev.key) {
      case "n": case "N": ev.preventDefault(); v.go(1); break;
      case "p": case "P": ev.preventDefault(); v.go(-1); break;
      case "d": case "D": ev.preventDefault(); v.doneAndNext(); break;
      case "j": ev.preventDefault(); step(1); break;
      case "k": ev.preventDefault(); step(-1); break;
      case "Enter": if (cur !== null && cur !== undefined && eds.editing === null) { ev.preventDefault(); eds.draw(cur); } break;
      case "Delete": if (eds.editing !== null && t === textEl) { ev.preventDefault(); v.deleteSpan(eds.editing); } break;
      case "?": ev.preventDefault(); v.help.showModal(); break;
    }
  }
  document.addEventListener("keydown", onKey);
  return () => document.removeEventListener("keydown", onKey);
}
