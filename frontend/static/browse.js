// Spans page (placeholder until its issue lands; the route is wired in app.js).
import { h } from "./dom.js";

export async function spanBrowserView(root) {
  root.appendChild(h("section", { class: "page" }, h("h1", { text: "Spans" }), h("p", { class: "muted", text: "This page is being built." })));
}
