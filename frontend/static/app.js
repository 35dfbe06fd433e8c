// Placeholder until the annotation UI lands: shows that the API is up.
const app = document.getElementById("app");
fetch("/api/v1/health").then((r) => r.json()).then((h) => {
  app.textContent = "slant API status: " + h.status + ". The web UI is not built yet; use the REST API (see README).";
});
