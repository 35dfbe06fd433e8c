package api

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"slant/models"
)

// A signed-in user who is not a member learns nothing of a project:
// every project-scoped GET route answers exactly as for a project (or
// article, span, label) that does not exist, and the project list leaves
// it out. Routes come from the router, so a new one is covered.
func TestNonMemberLearnsNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, scenarioText)
	ids := map[string][2]string{ // kind: the real id, an id that does not exist
		"project":    {fmt.Sprint(e.project.ID), "999999"},
		"article":    {fmt.Sprint(e.article.ID), "999999"},
		"annotation": {fmt.Sprint(e.annID), "999999"},
		"label":      {"1", "999999"},
	}
	checked := 0
	for _, r := range (&Handler{}).Routes() {
		kind := projectKind(r.Path)
		if kind == "" {
			continue
		}
		for _, method := range []string{r.Method} {
			path := "/api/v1" + strings.Replace(r.Path, ":id", ids[kind][0], 1)
			ghost := "/api/v1" + strings.Replace(r.Path, ":id", ids[kind][1], 1)
			path = strings.Replace(path, ":user_id", fmt.Sprint(e.users["ann"].ID), 1)
			ghost = strings.Replace(ghost, ":user_id", fmt.Sprint(e.users["ann"].ID), 1)
			body := ""
			if method == "POST" || method == "PATCH" {
				body = "{}"
			}
			real, none := e.do(method, path, "outsider", body), e.do(method, ghost, "outsider", body)
			if real.Status != 404 || string(real.Body) != string(none.Body) {
				t.Errorf("%s %s as a non-member: %d %s\n  a missing one: %d %s", method, path, real.Status, real.Body, none.Status, none.Body)
			}
			checked++
		}
	}
	if checked < 25 {
		t.Fatalf("only %d project-scoped routes checked", checked)
	}
	if r := e.do("GET", "/api/v1/projects", "outsider", ""); r.Status != 200 || strings.Contains(string(r.Body), `"id"`) {
		t.Fatalf("a non-member's project list: %s", r.Body)
	}
	// once added, the same user sees the project, with their role
	if r := e.do("POST", fmt.Sprintf("/api/v1/projects/%d/members", e.project.ID), "mgr", `{"name":"outsider","role":"annotator"}`); r.Status != 201 {
		t.Fatalf("add member: %d %s", r.Status, r.Body)
	}
	if r := e.do("GET", fmt.Sprintf("/api/v1/projects/%d", e.project.ID), "outsider", ""); r.Status != 200 || r.JSON(t)["role"] != "annotator" {
		t.Fatalf("after joining: %d %s", r.Status, r.Body)
	}
	if r := e.do("DELETE", fmt.Sprintf("/api/v1/projects/%d/members/%d", e.project.ID, e.users["outsider"].ID), "mgr", ""); r.Status != 204 {
		t.Fatalf("remove member: %d", r.Status)
	}
	if r := e.do("GET", fmt.Sprintf("/api/v1/articles/%d", e.article.ID), "outsider", ""); r.Status != 404 {
		t.Fatalf("after removal: %d", r.Status)
	}
}

// Roles within a project: an annotator changes only their own spans, a
// curator anyone's; only managers change members, labels and settings.
func TestTeamRoles(t *testing.T) {
	t.Parallel()
	e := newEnv(t, scenarioText)
	span := fmt.Sprintf("/api/v1/annotations/%d", e.annID)
	if r := e.do("PATCH", span, "other", `{"note":"not mine"}`); r.Status != 403 {
		t.Fatalf("another annotator edits ann's span: %d", r.Status)
	}
	if r := e.do("PATCH", span, "cur", `{"note":"adjudicated"}`); r.Status != 200 {
		t.Fatalf("a curator edits ann's span: %d %s", r.Status, r.Body)
	}
	members := fmt.Sprintf("/api/v1/projects/%d/members", e.project.ID)
	if r := e.do("POST", members, "cur", `{"name":"outsider"}`); r.Status != 403 {
		t.Fatalf("a curator adds a member: %d", r.Status)
	}
	for _, bad := range []string{`{"name":"outsider","role":"admin"}`, `{"name":"nobody-here"}`, `{"role":"annotator"}`} {
		if r := e.do("POST", members, "mgr", bad); r.Status != 422 {
			t.Fatalf("add member %s: %d %s", bad, r.Status, r.Body)
		}
	}
	if r := e.do("PATCH", fmt.Sprintf("%s/%d", members, e.users["other"].ID), "mgr", `{"role":"curator"}`); r.Status != 200 || r.JSON(t)["role"] != "curator" {
		t.Fatalf("promote: %d %s", r.Status, r.Body)
	}
	if r := e.do("PATCH", fmt.Sprintf("%s/%d", members, e.users["outsider"].ID), "mgr", `{"role":"curator"}`); r.Status != 404 {
		t.Fatalf("promote a non-member: %d", r.Status)
	}
	var list struct{ Items []map[string]any }
	json.Unmarshal(e.do("GET", members, "ann", "").Body, &list)
	roles := map[string]any{}
	for _, m := range list.Items {
		roles[m["name"].(string)] = m["role"]
	}
	if roles["ann"] != "annotator" || roles["other"] != "curator" || roles["mgr"] != "manager" || roles["outsider"] != nil || roles["admin"] != nil {
		t.Fatalf("members: %v", roles)
	}
}

// Blind mode: an annotator sees and receives only their own spans through
// every route — lists, one span, counts, exports, ETags — while curators
// see everyone's; switching it off reveals them.
func TestBlindModeShowsAnnotatorsOnlyTheirOwnSpans(t *testing.T) {
	t.Parallel()
	e := newEnv(t, scenarioText)
	art := fmt.Sprintf("/api/v1/articles/%d/annotations", e.article.ID)
	if r := e.do("POST", art, "other", `{"label":"opinion","start":3,"end":7,"note":"other's"}`); r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	project := fmt.Sprintf("/api/v1/projects/%d", e.project.ID)
	if r := e.do("PATCH", project, "mgr", `{"blind":true}`); r.Status != 200 || r.JSON(t)["blind"] != true {
		t.Fatalf("blind on: %d %s", r.Status, r.Body)
	}
	count := func(path, user string) int {
		t.Helper()
		var page struct{ Items []json.RawMessage }
		r := e.do("GET", path, user, "")
		if err := json.Unmarshal(r.Body, &page); err != nil {
			t.Fatalf("%s: %s", path, r.Body)
		}
		return len(page.Items)
	}
	lists := []string{art, project + "/annotations", art + "?label=opinion", art + "?origin=human", project + "/annotations?label=opinion",
		art + "?updated_since=2000-01-01", project + "/annotations?article=" + fmt.Sprint(e.article.ID)}
	for _, l := range lists {
		if n := count(l, "ann"); n != 1 {
			t.Errorf("blind %s as ann: %d spans, want 1 (own)", l, n)
		}
		if n := count(l, "other"); n != 1 {
			t.Errorf("blind %s as other: %d spans, want 1 (own)", l, n)
		}
		if n := count(l, "cur"); n != 2 {
			t.Errorf("blind %s as a curator: %d spans, want 2", l, n)
		}
	}
	for _, l := range []string{art + "?annotator=ann", project + "/annotations?annotator=ann", project + "/export?format=jsonl&annotator=ann"} {
		if r := e.do("GET", l, "other", ""); r.Status != 200 || strings.Contains(string(r.Body), `"ann"`) {
			t.Errorf("blind %s as other: %d %s", l, r.Status, clipBody(r.Body))
		}
	}
	if r := e.do("GET", fmt.Sprintf("/api/v1/annotations/%d", e.annID), "other", ""); r.Status != 404 {
		t.Errorf("blind: a colleague's span by id: %d", r.Status)
	}
	if r := e.do("PATCH", fmt.Sprintf("/api/v1/annotations/%d", e.annID), "other", `{"note":"x"}`); r.Status != 404 {
		t.Errorf("blind: patch a colleague's span: %d", r.Status)
	}
	for _, format := range []string{"csv", "jsonl", "w3c"} {
		r := e.do("GET", project+"/export?format="+format, "other", "")
		if r.Status != 200 || !strings.Contains(string(r.Body), "other's") || strings.Contains(string(r.Body), `"ann"`) || strings.Contains(string(r.Body), ",ann,") {
			t.Errorf("blind export %s as other: %d %s", format, r.Status, clipBody(r.Body))
		}
	}
	var arts struct{ Items []map[string]any }
	json.Unmarshal(e.do("GET", project+"/articles", "other", "").Body, &arts)
	if arts.Items[0]["annotation_count"] != 1.0 {
		t.Errorf("blind article list count as other: %v", arts.Items[0]["annotation_count"])
	}
	var projects struct{ Items []map[string]any }
	json.Unmarshal(e.do("GET", "/api/v1/projects", "other", "").Body, &projects)
	if projects.Items[0]["annotation_count"] != 1.0 || projects.Items[0]["role"] != "annotator" {
		t.Errorf("blind project list as other: %v", projects.Items[0])
	}
	json.Unmarshal(e.do("GET", "/api/v1/projects", "cur", "").Body, &projects)
	if projects.Items[0]["annotation_count"] != 2.0 {
		t.Errorf("project list as a curator: %v", projects.Items[0])
	}
	// the import history: a blind annotator sees only their own imports
	if r := e.do("POST", project+"/import?format=jsonl", "ann", `{"title":"i","text":"Imported by ann."}`, "Content-Type", "application/x-ndjson"); r.Status >= 300 {
		t.Fatalf("import: %d %s", r.Status, r.Body)
	}
	if n := count(project+"/imports", "other"); n != 0 {
		t.Errorf("blind import history as other: %d imports, want 0 (only ann's exist)", n)
	}
	if n := count(project+"/imports", "cur"); n != 1 {
		t.Errorf("import history as a curator: %d imports, want 1", n)
	}
	// the ETag of ann's list does not open other's
	tag := e.do("GET", art, "ann", "").Header.Get("ETag")
	if r := e.do("GET", art, "other", "", "If-None-Match", tag); r.Status != 200 {
		t.Errorf("blind: ann's ETag answered other with %d", r.Status)
	}
	// reveal
	if r := e.do("PATCH", project, "mgr", `{"blind":false}`); r.Status != 200 {
		t.Fatalf("blind off: %d", r.Status)
	}
	if n := count(art, "other"); n != 2 {
		t.Errorf("after reveal: other sees %d spans, want 2", n)
	}
}

// A member of one project cannot tell whether an article id exists in a
// project they are not in: ?article= of a project's span list answers
// the same for another project's article as for an id never used.
func TestArticleFilterRevealsNoOtherProject(t *testing.T) {
	t.Parallel()
	e := newEnv(t, scenarioText)
	ctx := context.Background()
	other := &models.Project{Name: "Secret"}
	if err := e.store.CreateProject(ctx, other, nil); err != nil {
		t.Fatal(err)
	}
	arts, err := e.store.CreateArticles(ctx, other.ID, []models.ArticleIn{{Title: "s", Text: "Secret text."}})
	if err != nil {
		t.Fatal(err)
	}
	base := fmt.Sprintf("/api/v1/projects/%d/annotations?article=", e.project.ID)
	real, none := e.do("GET", base+fmt.Sprint(arts[0].ID), "ann", ""), e.do("GET", base+"999999", "ann", "")
	if real.Status != 404 || string(real.Body) != string(none.Body) {
		t.Fatalf("another project's article: %d %s; an unused id: %d %s", real.Status, real.Body, none.Status, none.Body)
	}
}

// An import skips a span only when the importing user already has it: in
// a blind project, a colleague's identical span neither stops it nor is
// revealed by a skip.
func TestImportSkipsOnlyTheImportersOwnSpans(t *testing.T) {
	t.Parallel()
	e := newEnv(t, scenarioText)
	project := fmt.Sprintf("/api/v1/projects/%d", e.project.ID)
	if r := e.do("POST", project+"/annotations/bulk", "ann", `[{"external_id":"ext-1","label":"opinion","start":3,"end":7}]`); r.Status != 200 {
		t.Fatalf("bulk: %d %s", r.Status, r.Body)
	}
	if r := e.do("PATCH", project, "mgr", `{"blind":true}`); r.Status != 200 {
		t.Fatalf("blind: %d", r.Status)
	}
	line := `{"external_id":"ext-1","title":"Article","text":` + strconv.Quote(scenarioText) + `,"spans":[{"label":"opinion","start":3,"end":7}]}`
	for i, want := range []string{`"spans_created":1`, `"spans_skipped":1`} {
		r := e.do("POST", project+"/import?format=jsonl", "other", line, "Content-Type", "application/x-ndjson")
		if r.Status != 200 || !strings.Contains(string(r.Body), want) {
			t.Fatalf("import %d by other: %d %s (want %s)", i+1, r.Status, r.Body, want)
		}
	}
}
