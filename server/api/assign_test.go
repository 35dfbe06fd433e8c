package api

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"slant/models"
)

type progressRow struct {
	UserID   int64  `json:"user_id"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	Assigned int64  `json:"assigned"`
	Done     int64  `json:"done"`
	Spans    int64  `json:"spans"`
}

func progressOf(t *testing.T, e *testEnv, user string) map[string]progressRow {
	t.Helper()
	r := e.do("GET", fmt.Sprintf("/api/v1/projects/%d/progress", e.project.ID), user, "")
	if r.Status != 200 {
		t.Fatalf("progress as %s: %d %s", user, r.Status, r.Body)
	}
	var body struct{ Items []progressRow }
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatal(err)
	}
	out := map[string]progressRow{}
	for _, p := range body.Items {
		out[p.Name] = p
	}
	return out
}

type queueRow struct {
	ID       int64 `json:"id"`
	Done     bool  `json:"done"`
	Assigned bool  `json:"assigned"`
}

func queueOf(t *testing.T, e *testEnv, user, query string) []queueRow {
	t.Helper()
	r := e.do("GET", fmt.Sprintf("/api/v1/projects/%d/articles?%s", e.project.ID, query), user, "")
	if r.Status != 200 {
		t.Fatalf("articles?%s as %s: %d %s", query, user, r.Status, r.Body)
	}
	var body struct{ Items []queueRow }
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatal(err)
	}
	return body.Items
}

// A manager sets k; the articles are shared out between the two
// annotators; each annotator's queue lists only their own, unfinished
// first; progress says who has done what; a member who leaves hands
// their articles on.
func TestAssignmentQueueAndProgress(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "Hello world, a test article.")
	var ins []models.ArticleIn
	for i := 0; i < 5; i++ {
		ins = append(ins, models.ArticleIn{Title: fmt.Sprintf("More %d", i), Text: fmt.Sprintf("Another text, number %d.", i)})
	}
	if _, err := e.store.CreateArticles(ctx, e.project.ID, ins); err != nil {
		t.Fatal(err)
	}
	proj := fmt.Sprintf("/api/v1/projects/%d", e.project.ID)
	// before any assignment, the queue is empty and nobody has any
	if q := queueOf(t, e, "ann", "assigned=me"); len(q) != 0 {
		t.Fatalf("queue before assignment: %v", q)
	}
	// k = 1: setting it runs the assignment; blind stays as it was
	r := e.do("PATCH", proj, "mgr", `{"annotators_per_article":1}`)
	if r.Status != 200 || r.JSON(t)["annotators_per_article"].(float64) != 1 || r.JSON(t)["blind"].(bool) {
		t.Fatalf("PATCH k=1: %d %s", r.Status, r.Body)
	}
	p := progressOf(t, e, "mgr")
	if p["ann"].Assigned != 3 || p["other"].Assigned != 3 || len(p) != 2 {
		t.Fatalf("progress after k=1 on six articles: %+v", p)
	}
	// ann's queue: their three, each flagged; mark the first done, and it goes last
	q := queueOf(t, e, "ann", "assigned=me")
	if len(q) != 3 {
		t.Fatalf("ann's queue: %+v", q)
	}
	for _, row := range q {
		if !row.Assigned {
			t.Fatalf("queue row %d not flagged assigned", row.ID)
		}
		if id, _ := e.store.ProjectOf(ctx, "article", row.ID); id != e.project.ID {
			t.Fatalf("row %d is not in the project", row.ID)
		}
	}
	if r := e.do("POST", fmt.Sprintf("/api/v1/articles/%d/done", q[0].ID), "ann", ""); r.Status != 200 {
		t.Fatalf("done: %d %s", r.Status, r.Body)
	}
	q2 := queueOf(t, e, "ann", "assigned=me&limit=2")
	if len(q2) != 2 || q2[0].ID != q[1].ID || q2[1].ID != q[2].ID || q2[0].Done {
		t.Fatalf("queue after a done mark (first page): %+v, was %+v", q2, q)
	}
	todo := queueOf(t, e, "ann", "status=todo&assigned=me")
	if len(todo) != 2 || slices.ContainsFunc(todo, func(r queueRow) bool { return r.ID == q[0].ID }) {
		t.Fatalf("to-do queue: %+v", todo)
	}
	// other's queue holds none of ann's
	for _, row := range queueOf(t, e, "other", "assigned=me") {
		if slices.ContainsFunc(q, func(r queueRow) bool { return r.ID == row.ID }) {
			t.Fatalf("article %d is in both queues with k=1", row.ID)
		}
	}
	// the plain list flags ann's three
	n := 0
	for _, row := range queueOf(t, e, "ann", "") {
		if row.Assigned {
			n++
		}
	}
	if n != 3 {
		t.Fatalf("%d rows of the plain list flagged assigned, want 3", n)
	}
	// progress: ann has 1 of 3 done and the fixture's span; an annotator sees only their own row
	p = progressOf(t, e, "cur")
	if p["ann"].Done != 1 || p["ann"].Spans != 1 || p["other"].Done != 0 {
		t.Fatalf("progress for a curator: %+v", p)
	}
	if own := progressOf(t, e, "ann"); len(own) != 1 || own["ann"].Assigned != 3 {
		t.Fatalf("progress for an annotator: %+v", own)
	}
	// raising k above 1 turns blind mode on, unless the request says otherwise
	r = e.do("PATCH", proj, "mgr", `{"annotators_per_article":2}`)
	if r.Status != 200 || !r.JSON(t)["blind"].(bool) {
		t.Fatalf("PATCH k=2: %d %s", r.Status, r.Body)
	}
	if p := progressOf(t, e, "mgr"); p["ann"].Assigned != 6 || p["other"].Assigned != 6 {
		t.Fatalf("progress after k=2: %+v", p)
	}
	r = e.do("PATCH", proj, "mgr", `{"annotators_per_article":1,"blind":false}`)
	if r.Status != 200 || r.JSON(t)["blind"].(bool) {
		t.Fatalf("PATCH k=1 blind=false: %d %s", r.Status, r.Body)
	}
	r = e.do("PATCH", proj, "mgr", `{"annotators_per_article":3,"blind":false}`)
	if r.Status != 200 || r.JSON(t)["blind"].(bool) {
		t.Fatalf("PATCH k=3 with blind=false: %d %s", r.Status, r.Body)
	}
	for _, bad := range []string{"0", "21", "-1"} {
		r := e.do("PATCH", proj, "mgr", `{"annotators_per_article":`+bad+`}`)
		if r.Status != 422 || errorOf(t, r)["fields"].(map[string]any)["annotators_per_article"] == nil {
			t.Fatalf("k=%s: %d %s", bad, r.Status, r.Body)
		}
	}
	// a member who leaves gives their articles back; the next run (after
	// the removal itself) hands them on: with k = 3 and two annotators left
	// to one... add a third annotator first, then remove other
	if r := e.do("POST", proj+"/members", "mgr", `{"name":"newcomer","role":"annotator"}`); r.Status != 201 {
		t.Fatalf("add: %d %s", r.Status, r.Body)
	}
	if p := progressOf(t, e, "mgr"); p["newcomer"].Assigned != 6 {
		t.Fatalf("a newcomer with k=3 and three annotators gets every article: %+v", p)
	}
	if r := e.do("DELETE", fmt.Sprintf("%s/members/%d", proj, e.users["other"].ID), "mgr", ""); r.Status != 204 {
		t.Fatalf("remove: %d %s", r.Status, r.Body)
	}
	if p := progressOf(t, e, "mgr"); p["other"].Assigned != 0 || p["ann"].Assigned != 6 || p["newcomer"].Assigned != 6 {
		t.Fatalf("after a removal: %+v", p)
	}
	if r := e.do("GET", proj+"/articles?assigned=you", "ann", ""); r.Status != 422 {
		t.Fatalf("assigned=you: %d", r.Status)
	}
}

func TestAssignByHandAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "Hello world, a test article.")
	proj := fmt.Sprintf("/api/v1/projects/%d", e.project.ID)
	r := e.do("POST", proj+"/assignments", "mgr", fmt.Sprintf(`{"filter":{"q":"Article"},"users":["cur",%d]}`, e.users["ann"].ID))
	if r.Status != 200 || r.JSON(t)["assigned"].(float64) != 2 {
		t.Fatalf("assign: %d %s", r.Status, r.Body)
	}
	if q := queueOf(t, e, "cur", "assigned=me"); len(q) != 1 || q[0].ID != e.article.ID {
		t.Fatalf("the curator's queue: %+v", q)
	}
	for body, field := range map[string]string{
		`{"users":["ann","outsider"]}`:                   "users[1]",
		`{"users":["nobody-by-this-name"]}`:              "users[0]",
		`{"users":[true]}`:                               "users[0]",
		`{"users":[]}`:                                   "users",
		`{"filter":{"status":"later"},"users":["ann"]}`:  "status",
		`{"filter":{"ownership":"odd"},"users":["ann"]}`: "filter.ownership",
	} {
		r := e.do("POST", proj+"/assignments", "mgr", body)
		if r.Status != 422 || errorOf(t, r)["fields"].(map[string]any)[field] == nil {
			t.Fatalf("%s: %d %s", body, r.Status, r.Body)
		}
	}
	// the automatic run: k = 1 and the article has two already: nothing to do
	r = e.do("POST", proj+"/assignments/auto", "mgr", "")
	if r.Status != 200 || r.JSON(t)["assigned"].(float64) != 0 {
		t.Fatalf("auto: %d %s", r.Status, r.Body)
	}
}
