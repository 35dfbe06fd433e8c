// Renders /api/v1/openapi.json as a readable reference. Every value from
// the document goes into the page as text (see dom.js): no innerHTML.
import { h, clear } from "./dom.js";

const root = document.getElementById("apidoc");

function schemaName(ref) {
  return ref ? ref.split("/").pop() : "";
}

// typeOf describes a schema in a few words: "Annotation", "integer ≥ 0", "array of Label".
function typeOf(s, doc) {
  if (!s) return "";
  if (s.$ref) return schemaName(s.$ref);
  if (s.oneOf) return s.oneOf.map((x) => typeOf(x, doc)).join(" or ");
  if (s.type === "array") return "array of " + typeOf(s.items, doc);
  let t = s.type || "any";
  if (s.enum) t += " (" + s.enum.join(" | ") + ")";
  if (s.minimum !== undefined) t += " ≥ " + s.minimum;
  if (s.maximum !== undefined) t += " ≤ " + s.maximum;
  if (s.nullable) t += ", nullable";
  return t;
}

function resolve(s, doc) {
  while (s && s.$ref) s = doc.components.schemas[schemaName(s.$ref)];
  return s;
}

function fieldsTable(schema, doc) {
  const s = resolve(schema, doc);
  if (!s || !s.properties) return h("p", { class: "muted", text: typeOf(schema, doc) });
  const required = new Set(s.required || []);
  return h("table", {},
    h("thead", {}, h("tr", {}, h("th", { text: "field" }), h("th", { text: "type" }), h("th", { text: "notes" }))),
    h("tbody", {}, Object.entries(s.properties).map(([name, p]) =>
      h("tr", {},
        h("td", {}, h("code", { text: name }), required.has(name) ? h("span", { class: "muted", text: " required" }) : null),
        h("td", { text: typeOf(p, doc) }),
        h("td", { text: p.description || "" })))));
}

function operation(path, method, op, doc) {
  const id = (method + path).replace(/[^a-z0-9]+/gi, "-");
  const params = (op.parameters || []).concat(doc.paths[path].parameters || []).map((p) =>
    p.$ref ? doc.components.parameters[p.$ref.split("/").pop()] : p);
  const body = op.requestBody && (op.requestBody.$ref ? doc.components.requestBodies[op.requestBody.$ref.split("/").pop()] : op.requestBody);
  const json = body && body.content && body.content["application/json"];
  const responses = Object.entries(op.responses || {}).filter(([code]) => code !== "default");
  return h("article", { class: "op", id },
    h("h3", {}, h("span", { class: "method m-" + method, text: method.toUpperCase() }), "/api/v1" + path),
    h("p", { text: op.summary || "" }),
    op.security && op.security.length === 0 ? h("p", { class: "auth", text: "No authentication needed." }) : null,
    params.length ? [h("h4", { text: "Parameters" }), h("table", {},
      h("tbody", {}, params.map((p) => h("tr", {},
        h("td", {}, h("code", { text: p.name }), h("span", { class: "muted", text: " in " + p.in })),
        h("td", { text: typeOf(p.schema, doc) }),
        h("td", { text: p.description || "" })))))] : null,
    json ? [h("h4", { text: "JSON body" }), fieldsTable(json.schema, doc)] : null,
    h("h4", { text: "Responses" }),
    h("table", {}, h("tbody", {}, responses.map(([code, r]) => {
      const res = r.$ref ? doc.components.responses[r.$ref.split("/").pop()] : r;
      const c = res.content && (res.content["application/json"] || Object.values(res.content)[0]);
      return h("tr", {}, h("td", {}, h("code", { text: code })), h("td", { text: res.description || "" }),
        h("td", { text: c && c.schema ? typeOf(c.schema, doc) : "" }));
    }))),
    h("p", { class: "muted", text: "Any other status: the error object {\"error\": {status, code, message, fields}}." }));
}

async function main() {
  const res = await fetch("/api/v1/openapi.json");
  const doc = await res.json();
  clear(root);
  const byTag = new Map();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of ["get", "post", "patch", "put", "delete"]) {
      const op = item[method];
      if (!op) continue;
      const tag = (op.tags && op.tags[0]) || "other";
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push([path, method, op]);
    }
  }
  root.append(
    h("p", {}, h("a", { href: "/", text: "← back to slant" })),
    h("h1", { text: doc.info.title }),
    h("p", { class: "intro", text: doc.info.description || "" }),
    h("p", {}, "Machine-readable: ", h("a", { href: "/api/v1/openapi.json", text: "/api/v1/openapi.json" }), " (OpenAPI " + doc.openapi + ")."),
    h("nav", { class: "toc", attrs: { "aria-label": "Operations" } },
      [...byTag.values()].flat().map(([path, method, op]) =>
        h("a", { href: "#" + (method + path).replace(/[^a-z0-9]+/gi, "-"), text: method.toUpperCase() + " " + path }))),
    ...[...byTag.entries()].map(([tag, ops]) => h("section", { class: "tag" },
      h("h2", { text: tag }), ops.map(([p, m, op]) => operation(p, m, op, doc)))),
    h("section", { class: "tag" }, h("h2", { text: "Schemas" }),
      Object.entries(doc.components.schemas).map(([name, s]) =>
        h("article", { class: "op", id: "schema-" + name }, h("h3", { text: name }), s.description ? h("p", { text: s.description }) : null, fieldsTable(s, doc)))));
}

main().catch((err) => {
  clear(root);
  root.append(h("p", { text: "Could not load the API description: " + err }));
});
