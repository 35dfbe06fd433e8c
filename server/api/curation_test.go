package api

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"slant/models"
)

// curationMatrixFixture fills {deleted} (a span of ann's, deleted) and
// {rejection} (a rejected passage) in authorization-matrix paths.
func curationMatrixFixture(e *testEnv, path string) string {
	e.t.Helper()
	ctx := context.Background()
	if strings.Contains(path, "{deleted}") {
		a, err := e.store.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: e.article.ID, UserID: e.users["ann"].ID, Label: "opinion", Start: 3, End: 8})
		if err != nil {
			e.t.Fatal(err)
		}
		if err := e.store.DeleteAnnotation(models.WithActor(ctx, e.users["ann"].ID), a.ID); err != nil {
			e.t.Fatal(err)
		}
		path = strings.ReplaceAll(path, "{deleted}", fmt.Sprint(a.ID))
	}
	if strings.Contains(path, "{rejection}") {
		r, err := e.store.RejectPassage(ctx, e.article.ID, e.users["cur"].ID, "", 0, 2, nil)
		if err != nil {
			e.t.Fatal(err)
		}
		path = strings.ReplaceAll(path, "{rejection}", fmt.Sprint(r.ID))
	}
	return path
}

func decode[T any](t *testing.T, r resp) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("%v: %s", err, r.Body)
	}
	return v
}

// Two annotators label an article, a curator settles it through the API,
// and the gold export carries the decisions with their provenance; every
// step is in the history, with who did it.
func TestCurationThroughTheAPI(t *testing.T) {
	t.Parallel()
	text := "Officials said «prices will fall», a claim critics call naïve."
	e := newEnv(t, text)
	pid, aid := e.project.ID, e.article.ID
	mk := func(user, label string, start, end int) int64 {
		r := e.do("POST", fmt.Sprintf("/api/v1/articles/%d/annotations", aid), user, fmt.Sprintf(`{"label":%q,"start":%d,"end":%d}`, label, start, end))
		if r.Status != 201 {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		return int64(r.JSON(t)["id"].(float64))
	}
	// ann already has opinion [0,2) from newEnv
	a1 := mk("ann", "attributed_claim", 10, 32)
	o1 := mk("other", "attributed_claim", 10, 32)
	a2 := mk("ann", "opinion", 48, 61)
	o2 := mk("other", "opinion", 41, 61)

	if r := e.do("GET", fmt.Sprintf("/api/v1/articles/%d/curation", aid), "ann", ""); r.Status != 403 {
		t.Fatalf("an annotator opened the curation view: %d", r.Status)
	}
	cur := decode[struct {
		Annotators []string `json:"annotators"`
		Spans      []any    `json:"spans"`
		Passages   []struct {
			Start, End int
			Kind       string
			Resolved   bool
		} `json:"passages"`
		Open int `json:"open"`
	}](t, e.do("GET", fmt.Sprintf("/api/v1/articles/%d/curation", aid), "cur", ""))
	if len(cur.Annotators) != 2 || len(cur.Spans) != 5 || cur.Open != 3 {
		t.Fatalf("curation view: %+v", cur)
	}
	kinds := map[int]string{}
	for _, p := range cur.Passages {
		kinds[p.Start] = p.Kind
	}
	if kinds[0] != models.PassageSingle || kinds[10] != models.PassageAgreed || kinds[41] != models.PassageBoundary {
		t.Fatalf("passage kinds %v", kinds)
	}

	// accept all agreed: a count first, then once
	r := e.do("POST", fmt.Sprintf("/api/v1/projects/%d/gold/agreed?dry_run=true", pid), "cur", "")
	if m := r.JSON(t); r.Status != 200 || m["agreed"] != 1.0 || m["created"] != 0.0 {
		t.Fatalf("dry run: %d %s", r.Status, r.Body)
	}
	r = e.do("POST", fmt.Sprintf("/api/v1/projects/%d/gold/agreed", pid), "cur", "")
	if m := r.JSON(t); r.Status != 200 || m["created"] != 1.0 {
		t.Fatalf("accept agreed: %d %s", r.Status, r.Body)
	}
	// the opinion passage with other boundaries, drawn on both spans
	r = e.do("POST", fmt.Sprintf("/api/v1/articles/%d/gold", aid), "cur", fmt.Sprintf(`{"label":"opinion","start":41,"end":61,"from":[%d,%d]}`, a2, o2))
	if r.Status != 201 {
		t.Fatalf("gold: %d %s", r.Status, r.Body)
	}
	g := r.JSON(t)
	if g["layer"] != "gold" || g["decided_by"] != "cur" || g["provenance"].(map[string]any)["decision"] != "accepted" {
		t.Fatalf("gold span %s", r.Body)
	}
	// ann's lone opinion at [0,2) is rejected
	if r := e.do("POST", fmt.Sprintf("/api/v1/articles/%d/rejections", aid), "cur", fmt.Sprintf(`{"label":"opinion","start":0,"end":2,"from":[%d]}`, e.annID)); r.Status != 201 {
		t.Fatalf("reject: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", fmt.Sprintf("/api/v1/articles/%d/gold", aid), "cur", `{"label":"opinion","start":50,"end":40}`); r.Status != 422 {
		t.Fatalf("a backwards gold span: %d %s", r.Status, r.Body)
	}
	cur2 := decode[struct {
		Open int   `json:"open"`
		Gold []any `json:"gold"`
	}](t, e.do("GET", fmt.Sprintf("/api/v1/articles/%d/curation", aid), "cur", ""))
	if cur2.Open != 0 || len(cur2.Gold) != 2 {
		t.Fatalf("after curation: %+v", cur2)
	}

	// annotators' lists do not change; layer=gold lists the decisions
	list := func(q string) []map[string]any {
		r := e.do("GET", fmt.Sprintf("/api/v1/projects/%d/annotations%s", pid, q), "mgr", "")
		if r.Status != 200 {
			t.Fatalf("list %s: %d %s", q, r.Status, r.Body)
		}
		var out struct{ Items []map[string]any }
		json.Unmarshal(r.Body, &out)
		return out.Items
	}
	if n := len(list("")); n != 5 {
		t.Fatalf("annotators' layer: %d spans", n)
	}
	if n := len(list("?layer=gold")); n != 2 {
		t.Fatalf("gold layer: %d spans", n)
	}
	if n := len(list("?layer=all")); n != 7 {
		t.Fatalf("all layers: %d spans", n)
	}
	if r := e.do("GET", fmt.Sprintf("/api/v1/projects/%d/annotations?layer=golden", pid), "mgr", ""); r.Status != 422 {
		t.Fatalf("unknown layer: %d", r.Status)
	}

	// the gold export: the decisions, their curator and provenance
	r = e.do("GET", fmt.Sprintf("/api/v1/projects/%d/export?format=csv&layer=gold", pid), "mgr", "")
	if r.Status != 200 {
		t.Fatalf("export: %d %s", r.Status, r.Body)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(r.Body), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	if len(recs) != 3 {
		t.Fatalf("gold export has %d rows", len(recs)-1)
	}
	for _, rec := range recs[1:] {
		if rec[col["layer"]] != "gold" || rec[col["decided_by"]] != "cur" || rec[col["annotator"]] != models.GoldUserName {
			t.Fatalf("gold row %v", rec)
		}
		var prov struct {
			Decision string
			From     []struct {
				ID        int64
				Annotator string
			}
		}
		if err := json.Unmarshal([]byte(rec[col["provenance"]]), &prov); err != nil || len(prov.From) != 2 {
			t.Fatalf("provenance %q: %v", rec[col["provenance"]], err)
		}
		if rec[col["label"]] == "attributed_claim" && (prov.Decision != "agreed" || prov.From[0].ID != a1 || prov.From[1].ID != o1) {
			t.Fatalf("agreed provenance %+v", prov)
		}
	}

	// history: a curator's change of ann's span is credited to the curator;
	// a manager restores a deleted span
	if r := e.do("PATCH", fmt.Sprintf("/api/v1/annotations/%d", a2), "cur", `{"note":"too broad"}`); r.Status != 200 {
		t.Fatalf("patch: %d", r.Status)
	}
	if r := e.do("DELETE", fmt.Sprintf("/api/v1/annotations/%d", a2), "ann", ""); r.Status != 204 {
		t.Fatalf("delete: %d", r.Status)
	}
	hist := decode[struct {
		Items []struct {
			Action string
			Actor  *string
			Before map[string]any
			After  map[string]any
		}
	}](t, e.do("GET", fmt.Sprintf("/api/v1/projects/%d/history?annotation=%d", pid, a2), "cur", ""))
	if len(hist.Items) != 3 || *hist.Items[0].Actor != "ann" || *hist.Items[1].Actor != "cur" || *hist.Items[2].Actor != "ann" ||
		hist.Items[1].After["note"] != "too broad" || hist.Items[2].Action != "delete" {
		t.Fatalf("history %+v", hist.Items)
	}
	if r := e.do("POST", fmt.Sprintf("/api/v1/projects/%d/annotations/%d/restore", pid, a2), "other", ""); r.Status != 403 {
		t.Fatalf("another annotator restored ann's span: %d", r.Status)
	}
	r = e.do("POST", fmt.Sprintf("/api/v1/projects/%d/annotations/%d/restore", pid, a2), "mgr", "")
	if r.Status != 201 || r.JSON(t)["note"] != "too broad" {
		t.Fatalf("restore: %d %s", r.Status, r.Body)
	}
	if r := e.do("GET", fmt.Sprintf("/api/v1/annotations/%d/history", a2), "ann", ""); r.Status != 200 || len(decode[struct{ Items []any }](t, r).Items) != 4 {
		t.Fatalf("span history after restore: %d %s", r.Status, r.Body)
	}
	// the audit trail pages in order
	all := decode[struct {
		Items      []struct{ ID int64 }
		NextCursor *string `json:"next_cursor"`
	}](t, e.do("GET", fmt.Sprintf("/api/v1/projects/%d/history?limit=3", pid), "mgr", ""))
	if len(all.Items) != 3 || all.NextCursor == nil {
		t.Fatalf("history page %+v", all)
	}
}

// In a blind project an annotator sees neither the gold layer nor a
// colleague's span history.
func TestBlindAnnotatorsSeeNoGoldOrColleaguesHistory(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "Blind text for the gold layer.")
	ctx := context.Background()
	if _, err := e.store.AcceptGold(ctx, models.GoldDecision{ArticleID: e.article.ID, CuratorID: e.users["cur"].ID, Label: "opinion", Start: 0, End: 5}); err != nil {
		t.Fatal(err)
	}
	if r := e.do("PATCH", fmt.Sprintf("/api/v1/projects/%d", e.project.ID), "mgr", `{"blind":true}`); r.Status != 200 {
		t.Fatalf("blind: %d", r.Status)
	}
	r := e.do("GET", fmt.Sprintf("/api/v1/articles/%d/annotations?layer=gold", e.article.ID), "other", "")
	if r.Status != 200 || len(decode[struct{ Items []any }](t, r).Items) != 0 {
		t.Fatalf("blind annotator and gold: %d %s", r.Status, r.Body)
	}
	if r := e.do("GET", fmt.Sprintf("/api/v1/annotations/%d/history", e.annID), "other", ""); r.Status != 404 {
		t.Fatalf("blind annotator read a colleague's history: %d", r.Status)
	}
	if r := e.do("GET", fmt.Sprintf("/api/v1/annotations/%d/history", e.annID), "ann", ""); r.Status != 200 {
		t.Fatalf("own history: %d", r.Status)
	}
}
