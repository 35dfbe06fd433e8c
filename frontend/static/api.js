// API client: JSON in and out, the CSRF header on every write, and one
// error type carrying the server's {"error": {...}} object.

let csrfToken = "";
let onUnauthorized = () => {};

export function setCsrf(token) { csrfToken = token || ""; }
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || "request failed (HTTP " + status + ")");
    this.status = status;
    this.code = e.code || "http_" + status;
    this.fields = e.fields || {};
    this.detail = e;
  }
  // describe returns a one-line explanation with field problems.
  describe() {
    const parts = Object.entries(this.fields).map(([k, v]) => k + ": " + v);
    let msg = this.message;
    if (parts.length && !parts.every((p) => msg.includes(p))) msg += " (" + parts.join("; ") + ")";
    return msg;
  }
}

// api calls /api/v1 + path. body is JSON-encoded when given.
export async function api(method, path, body, { quiet401 = false } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && method !== "HEAD") headers["X-CSRF-Token"] = csrfToken;
  let res;
  try {
    res = await fetch("/api/v1" + path, {
      method, headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    const e = new ApiError(0, { error: { message: "network error: the server could not be reached" } });
    e.cause = err;
    throw e;
  }
  if (res.status === 204) return null;
  let data = null;
  const text = await res.text();
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!res.ok) {
    const e = new ApiError(res.status, data);
    if (res.status === 429) {
      const ra = res.headers.get("Retry-After");
      if (ra) e.retryAfter = Number(ra);
    }
    if (res.status === 401 && !quiet401) onUnauthorized();
    throw e;
  }
  return data;
}

// qs builds a query string from the non-empty values of obj.
export function qs(obj) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(obj)) {
    if (v !== undefined && v !== null && v !== "") p.set(k, String(v));
  }
  const s = p.toString();
  return s ? "?" + s : "";
}

// listAll follows next_cursor until the list ends (for small lists only).
export async function listAll(path, params = {}) {
  const out = [];
  let cursor = "";
  for (;;) {
    const page = await api("GET", path + qs({ ...params, limit: 1000, cursor }));
    out.push(...page.items);
    if (!page.next_cursor) return out;
    cursor = page.next_cursor;
  }
}
