#!/usr/bin/env python3
"""Drive slant from Python with the standard library only.

    SLANT_URL=http://127.0.0.1:8080 SLANT_TOKEN=slant_... SLANT_PROJECT=1 python3 notebook.py

It lists a project's articles with cursor paging, pushes model predictions
in bulk (twice, to show that client_ids make the push idempotent), downloads
the CSV and JSONL exports, and checks for every span that
text[start:end] == quote. Offsets are Unicode code points, which is exactly
how Python indexes a str, so no conversion is needed anywhere.
"""
import csv
import io
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

API = os.environ.get("SLANT_URL", "http://127.0.0.1:8080").rstrip("/") + "/api/v1"
TOKEN = os.environ["SLANT_TOKEN"]
PROJECT = int(os.environ.get("SLANT_PROJECT", "1"))
MODEL = "model:keyword-baseline"


def call(method, path, body=None, **params):
    url = API + path
    if params:
        url += "?" + urllib.parse.urlencode(params)
    data = None if body is None else json.dumps(body).encode("utf-8")
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Authorization", "Bearer " + TOKEN)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req) as res:
            raw = res.read()
            ctype = res.headers.get("Content-Type", "")
    except urllib.error.HTTPError as err:
        problem = json.loads(err.read() or b"{}").get("error", {})
        sys.exit(f"{method} {path}: {err.code} {problem.get('code')}: {problem.get('message')}")
    return json.loads(raw) if ctype.startswith("application/json") else raw


def all_items(path, **params):
    """Follow next_cursor through every page of a list."""
    params.setdefault("limit", 1000)
    while True:
        page = call("GET", path, **params)
        yield from page["items"]
        if page["next_cursor"] is None:
            return
        params["cursor"] = page["next_cursor"]


# 1. Articles, two per page to exercise the cursor.
articles = list(all_items(f"/projects/{PROJECT}/articles", limit=2))
ids = [a["id"] for a in articles]
assert len(ids) == len(set(ids)), "paging repeated an article"
texts = {a["id"]: call("GET", f"/articles/{a['id']}")["text"] for a in articles}
print(f"{len(articles)} articles")

# 2. A toy "model": mark every occurrence of a few words. str.find returns
#    code-point indexes, which is what slant expects.
predictions = []
for art_id, text in texts.items():
    for word in ("grid", "officials", "Dala"):
        start = text.find(word)
        while start >= 0:
            end = start + len(word)
            predictions.append({"article_id": art_id, "label": "opinion", "start": start, "end": end,
                                "text": text[start:end], "origin": MODEL,
                                "client_id": f"kw-{art_id}-{start}-{end}"})
            start = text.find(word, end)
first = call("POST", f"/projects/{PROJECT}/annotations/bulk", predictions)
again = call("POST", f"/projects/{PROJECT}/annotations/bulk", predictions)
assert first["failed"] == 0, first["errors"]
assert again["created"] == 0 and again["existing"] == len(predictions), again
print(f"pushed {first['created']} predictions; re-push created {again['created']}")

# 3. CSV export (raw=true: exact cells for programs). newline="" keeps the
#    CRLFs inside quoted fields, as the offsets require.
raw_csv = call("GET", f"/projects/{PROJECT}/export", format="csv", raw="true").decode("utf-8")
rows = list(csv.DictReader(io.StringIO(raw_csv, newline="")))
for r in rows:
    text = texts[int(r["article_id"])]
    s, e = int(r["start"]), int(r["end"])
    assert text[s:e] == r["text"], (r["annotation_id"], text[s:e], r["text"])
print(f"CSV: {len(rows)} spans, every text[start:end] == text column")

# 4. JSONL export: the same spans with typed values.
lines = call("GET", f"/projects/{PROJECT}/export", format="jsonl").decode("utf-8").splitlines()
spans = [json.loads(line) for line in lines]
assert len(spans) == len(rows)
for sp in spans:
    assert texts[sp["article_id"]][sp["start"]:sp["end"]] == sp["text"]
    assert isinstance(sp["attributes"], dict)
assert sum(sp["origin"] == MODEL for sp in spans) == first["created"]
print(f"JSONL: {len(spans)} spans checked")

# 5. Remove this model's predictions again.
gone = call("DELETE", f"/projects/{PROJECT}/annotations", origin=MODEL)
assert gone["deleted"] == first["created"], gone
print(f"deleted {gone['deleted']} predictions; OK")
