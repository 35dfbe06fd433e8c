// Agreement page (placeholder until its issue lands; the route is wired in app.js).
import { h } from "./dom.js";

export async function agreementView(root) {
  root.appendChild(h("section", { class: "page" }, h("h1", { text: "Agreement" }), h("p", { class: "muted", text: "This page is being built." })));
}
