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

// api calls /api/v1 + path. body is JSON-encoded when given; a FormData
// body is sent as it is, without a Content-Type of ours (the browser sets
// multipart/form-data with its boundary). onUploadProgress({sent, total,
// done}) sends through XMLHttpRequest, the one browser API that reports
// upload progress (total is 0 when unknown; done: all sent, the server is
// at work). signal (an AbortSignal) cancels: the promise then rejects with
// the AbortError, not an ApiError.
export async function api(method, path, body, { quiet401 = false, onUploadProgress, signal } = {}) {
  const headers = { Accept: "application/json" };
  const form = body instanceof FormData;
  if (body !== undefined && !form) headers["Content-Type"] = "application/json";
  if (method !== "GET" && method !== "HEAD") headers["X-CSRF-Token"] = csrfToken;
  const payload = body === undefined ? undefined : form ? body : JSON.stringify(body);
  let res;
  try {
    res = onUploadProgress
      ? await xhrFetch(method, "/api/v1" + path, headers, payload, onUploadProgress, signal)
      : await fetch("/api/v1" + path, { method, headers, credentials: "same-origin", body: payload, signal });
  } catch (err) {
    if (err && err.name === "AbortError") throw err;
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

// xhrFetch is the part of fetch that api uses, over XMLHttpRequest, with
// upload progress: it resolves to {status, ok, headers.get, text()}.
function xhrFetch(method, url, headers, body, onProgress, signal) {
  return new Promise((resolve, reject) => {
    const abortError = () => new DOMException("the request was cancelled", "AbortError");
    if (signal && signal.aborted) { reject(abortError()); return; }
    const x = new XMLHttpRequest();
    x.open(method, url);
    x.withCredentials = true;
    for (const [k, v] of Object.entries(headers)) x.setRequestHeader(k, v);
    x.upload.addEventListener("progress", (ev) => onProgress({ sent: ev.loaded, total: ev.lengthComputable ? ev.total : 0, done: false }));
    x.upload.addEventListener("load", () => onProgress({ sent: 0, total: 0, done: true }));
    x.addEventListener("load", () => resolve({
      status: x.status, ok: x.status >= 200 && x.status < 300,
      headers: { get: (name) => x.getResponseHeader(name) },
      text: async () => x.responseText,
    }));
    x.addEventListener("error", () => reject(new TypeError("XMLHttpRequest failed")));
    x.addEventListener("abort", () => reject(abortError()));
    if (signal) signal.addEventListener("abort", () => x.abort(), { once: true });
    x.send(body === undefined ? null : body);
  });
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

// apiLines calls /api/v1 + path asking for a stream of JSON lines
// (application/x-ndjson): onLine(obj) runs for each line as it arrives,
// and the promise resolves to the last one. An error before the stream
// starts, or an {"error": …} line within it, rejects with an ApiError.
export async function apiLines(method, path, onLine) {
  const headers = { Accept: "application/x-ndjson" };
  if (method !== "GET" && method !== "HEAD") headers["X-CSRF-Token"] = csrfToken;
  let res;
  try {
    res = await fetch("/api/v1" + path, { method, headers, credentials: "same-origin" });
  } catch (err) {
    const e = new ApiError(0, { error: { message: "network error: the server could not be reached" } });
    e.cause = err;
    throw e;
  }
  if (!res.ok) {
    let data = null;
    try { data = JSON.parse(await res.text()); } catch { data = null; }
    if (res.status === 401) onUnauthorized();
    throw new ApiError(res.status, data);
  }
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  let last = null;
  const take = (line) => {
    if (!line.trim()) return;
    const obj = JSON.parse(line);
    if (obj.error) throw new ApiError(obj.error.status || 500, obj);
    last = obj;
    onLine(obj);
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    let nl;
    while ((nl = buf.indexOf("\n")) >= 0) {
      take(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  }
  take(buf + decoder.decode());
  return last;
}
