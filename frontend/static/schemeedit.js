// The Labels page's other two parts (admin.js settingsView): relation
// types (a link from one label to another, e.g. "said by" from an
// attributed claim to its source) and groups of article-level labels
// (genre: news, opinion, analysis). Managers only; every refusal is the
// API's error shown next to the form.
import { api } from "./api.js";
import { h, field, fieldErrors, toast } from "./dom.js";

// schemeExtras returns the two sections for project (as GET
// /projects/{id} answers it); reload() fetches the project again and
// redraws the page.
export function schemeExtras(project, reload) {
  const labels = [...project.labels].sort((a, b) => a.sort_order - b.sort_order || a.id - b.id);
  const types = [...(project.relation_types || [])].sort((a, b) => a.sort_order - b.sort_order || a.id - b.id);
  const groups = [...(project.document_labels || [])].sort((a, b) => a.sort_order - b.sort_order || a.id - b.id);
  const pid = project.id;
  return [
    h("section", { class: "scheme-extra", attrs: { id: "relation-types", "aria-labelledby": "rt-h" } },
      h("h2", { text: "Relation types", attrs: { id: "rt-h" } }),
      h("p", { class: "muted", text: "A relation links two spans of one annotator, e.g. an attributed claim to the span naming its source. Each type says which label a link starts at and which it points to (empty: any label). Its hotkey starts linking from a focused span in the annotate view (R always does)." }),
      ...types.map((t) => typeForm(pid, labels, t, reload)), typeForm(pid, labels, null, reload)),
    h("section", { class: "scheme-extra", attrs: { id: "doc-label-groups", "aria-labelledby": "dl-h" } },
      h("h2", { text: "Article labels", attrs: { id: "dl-h" } }),
      h("p", { class: "muted", text: "Questions about a whole article, answered above its text (e.g. genre: news, opinion, analysis). Single choice allows one option per annotator, multiple any number. Options: one a line, as key | name | hotkey (name and hotkey may be left out)." }),
      ...groups.map((g) => groupForm(pid, g, reload)), groupForm(pid, null, reload)),
  ];
}

function labelSelect(labels, value, id) {
  const s = h("select", { attrs: { id } }, h("option", { value: "", text: "(any label)" }), ...labels.map((l) => h("option", { value: l.key, text: l.name + " (" + l.key + ")" })));
  s.value = value || "";
  return s;
}

let seq = 0;

function typeForm(pid, labels, t, reload) {
  const n = ++seq;
  const key = h("input", { type: "text", value: t ? t.key : "", required: true, pattern: "[a-z][a-z0-9_]*", size: 14, disabled: !!t, attrs: { id: "rt-key-" + n } });
  const name = h("input", { type: "text", value: t ? t.name : "", size: 16, attrs: { id: "rt-name-" + n } });
  const from = labelSelect(labels, t && t.from_label, "rt-from-" + n);
  const to = labelSelect(labels, t && t.to_label, "rt-to-" + n);
  const hotkey = h("input", { type: "text", value: t ? t.hotkey : "", maxLength: 1, size: 2, attrs: { id: "rt-hotkey-" + n } });
  const desc = h("input", { type: "text", value: t ? t.description : "", size: 40, attrs: { id: "rt-desc-" + n } });
  const box = h("div");
  const form = h("form", { class: "card label-row rel-type-row" + (t ? "" : " new"), dataset: { key: t ? t.key : "" }, attrs: { "aria-label": t ? "Relation type " + t.name : "Add a relation type" } },
    t ? null : h("h3", { text: "Add a relation type" }),
    h("div", { class: "row" }, field("Key", key), field("Name", name), field("From label", from), field("To label", to), field("Hotkey", hotkey)),
    field("Description", desc),
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "btn btn-primary btn-small", text: t ? "Save" : "Add relation type" }),
      t ? h("button", { type: "button", class: "btn btn-danger btn-small", text: "Delete", on: { click: () => { if (confirm("Delete the relation type " + t.name + "? Its links go with it.")) run(() => api("DELETE", "/projects/" + pid + "/relation-types/" + t.id)); } } }) : null),
    box);
  const errs = fieldErrors({ key, name, from_label: from, to_label: to, hotkey, description: desc }, box, "key");
  const run = async (fn) => { errs.clear(); try { await fn(); toast("Saved."); await reload(); } catch (e) { errs.show(e); } };
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const body = { name: name.value.trim(), from_label: from.value, to_label: to.value, hotkey: hotkey.value.trim(), description: desc.value.trim() };
    if (t) run(() => api("PATCH", "/projects/" + pid + "/relation-types/" + t.id, body));
    else run(() => api("POST", "/projects/" + pid + "/relation-types", { key: key.value.trim(), ...body }));
  });
  return form;
}

// parseOptions reads "key | name | hotkey" lines.
export function parseOptions(text) {
  return text.split("\n").map((l) => l.trim()).filter(Boolean).map((l, i) => {
    const [key, name = "", hotkey = ""] = l.split("|").map((x) => x.trim());
    return { key, name, hotkey, sort_order: i + 1 };
  });
}

function groupForm(pid, g, reload) {
  const n = ++seq;
  const key = h("input", { type: "text", value: g ? g.key : "", required: true, pattern: "[a-z][a-z0-9_]*", size: 14, attrs: { id: "dl-key-" + n } });
  const name = h("input", { type: "text", value: g ? g.name : "", size: 18, attrs: { id: "dl-name-" + n } });
  const multiple = h("select", { attrs: { id: "dl-multiple-" + n } }, h("option", { value: "", text: "Single choice" }), h("option", { value: "1", text: "Multiple choice" }));
  multiple.value = g && g.multiple ? "1" : "";
  const desc = h("input", { type: "text", value: g ? g.description : "", size: 40, attrs: { id: "dl-desc-" + n } });
  const opts = h("textarea", { rows: 4, cols: 40, value: g ? g.options.map((o) => [o.key, o.name, o.hotkey].join(" | ").replace(/( \| )+$/, "")).join("\n") : "",
    placeholder: "news | News | w\nopinion | Opinion | o", attrs: { id: "dl-options-" + n } });
  const box = h("div");
  const form = h("form", { class: "card label-row doc-group-row" + (g ? "" : " new"), dataset: { key: g ? g.key : "" }, attrs: { "aria-label": g ? "Article label group " + g.name : "Add an article label group" } },
    g ? null : h("h3", { text: "Add an article label group" }),
    h("div", { class: "row" }, field("Key", key), field("Name", name), field("Choice", multiple)),
    field("Description", desc),
    field("Options (key | name | hotkey, one a line)", opts),
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "btn btn-primary btn-small", text: g ? "Save" : "Add group" }),
      g ? h("button", { type: "button", class: "btn btn-danger btn-small", text: "Delete", on: { click: () => { if (confirm("Delete the group " + g.name + " and every article's choice in it?")) run(() => api("DELETE", "/projects/" + pid + "/document-labels/" + g.id)); } } }) : null),
    box);
  const errs = fieldErrors({ key, name, description: desc, options: opts }, box, "key");
  const run = async (fn) => { errs.clear(); try { await fn(); toast("Saved."); await reload(); } catch (e) { errs.show(e); } };
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const body = { key: key.value.trim(), name: name.value.trim(), multiple: multiple.value === "1", description: desc.value.trim(),
      sort_order: g ? g.sort_order : 0, options: parseOptions(opts.value) };
    run(() => (g ? api("PUT", "/projects/" + pid + "/document-labels/" + g.id, body) : api("POST", "/projects/" + pid + "/document-labels", body)));
  });
  return form;
}
