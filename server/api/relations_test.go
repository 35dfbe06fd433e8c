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

// relationsMatrixFixture fills the authorization matrix's relation
// placeholders: {claim} and {source} (spans of ann's), {relation} (a
// said_by between two more), {rtype}/{rtype2} (the default types),
// {group} (an article label group "stance"; {group0} makes it and
// stands for nothing, for paths that name it by key).
func relationsMatrixFixture(e *testEnv, path string) string {
	e.t.Helper()
	ctx := context.Background()
	ann := e.users["ann"].ID
	span := func(label string, start, end int) int64 {
		a, err := e.store.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: e.article.ID, UserID: ann, Label: label, Start: start, End: end})
		if err != nil {
			e.t.Fatal(err)
		}
		return a.ID
	}
	if strings.Contains(path, "{claim}") {
		path = strings.ReplaceAll(path, "{claim}", fmt.Sprint(span("attributed_claim", 0, 5)))
	}
	if strings.Contains(path, "{source}") {
		path = strings.ReplaceAll(path, "{source}", fmt.Sprint(span("source", 6, 11)))
	}
	if strings.Contains(path, "{relation}") {
		r, err := e.store.CreateRelation(ctx, models.RelationIn{ArticleID: e.article.ID, Type: "said_by", FromID: span("attributed_claim", 1, 5), ToID: span("source", 7, 11)})
		if err != nil {
			e.t.Fatal(err)
		}
		path = strings.ReplaceAll(path, "{relation}", fmt.Sprint(r.ID))
	}
	if strings.Contains(path, "{rtype") {
		ts, err := e.store.ListRelationTypes(ctx, e.project.ID)
		if err != nil || len(ts) < 2 {
			e.t.Fatalf("relation types %v %v", ts, err)
		}
		path = strings.NewReplacer("{rtype}", fmt.Sprint(ts[0].ID), "{rtype2}", fmt.Sprint(ts[1].ID)).Replace(path)
	}
	if strings.Contains(path, "{group") {
		g := &models.DocLabelGroup{ProjectID: e.project.ID, Key: "stance", Options: []models.DocLabelOption{{Key: "pro"}, {Key: "contra"}}}
		if err := e.store.SaveDocLabelGroup(ctx, g); err != nil {
			e.t.Fatal(err)
		}
		path = strings.NewReplacer("{group}", fmt.Sprint(g.ID), "{group0}", "").Replace(path)
	}
	return path
}

// Linking through the API: the project answer carries the scheme; an
// annotator links their own claim to their source, not a colleague's;
// deleting the source deletes the link; article labels per annotator.
func TestRelationsAndArticleLabelsThroughTheAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "«Rates will fall», the minister said on Monday.")
	aid, pid := e.article.ID, e.project.ID
	p := e.do("GET", fmt.Sprintf("/api/v1/projects/%d", pid), "ann", "").JSON(t)
	if rts, _ := p["relation_types"].([]any); len(rts) != 2 || rts[0].(map[string]any)["key"] != "said_by" {
		t.Fatalf("project scheme: %v", p["relation_types"])
	}
	mk := func(user, label string, start, end int) int64 {
		r := e.do("POST", fmt.Sprintf("/api/v1/articles/%d/annotations", aid), user, fmt.Sprintf(`{"label":%q,"start":%d,"end":%d}`, label, start, end))
		if r.Status != 201 {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		return int64(r.JSON(t)["id"].(float64))
	}
	claim, src := mk("ann", "attributed_claim", 0, 17), mk("ann", "source", 19, 31)
	otherClaim := mk("other", "attributed_claim", 0, 17)
	link := func(user string, from, to int64) resp {
		return e.do("POST", fmt.Sprintf("/api/v1/articles/%d/relations", aid), user, fmt.Sprintf(`{"type":"said_by","from":%d,"to":%d}`, from, to))
	}
	if r := link("other", claim, src); r.Status != 403 {
		t.Fatalf("another annotator linked ann's spans: %d %s", r.Status, r.Body)
	}
	if r := link("other", otherClaim, src); r.Status != 422 {
		t.Fatalf("a link across annotators: %d %s", r.Status, r.Body)
	}
	r := link("ann", claim, src)
	if r.Status != 201 || r.JSON(t)["annotator"] != "ann" {
		t.Fatalf("link: %d %s", r.Status, r.Body)
	}
	rels := decode[struct{ Items []relationJSON }](t, e.do("GET", fmt.Sprintf("/api/v1/articles/%d/relations", aid), "other", ""))
	if len(rels.Items) != 1 || rels.Items[0].From != claim || rels.Items[0].To != src {
		t.Fatalf("relations %+v", rels.Items)
	}
	if r := e.do("DELETE", fmt.Sprintf("/api/v1/annotations/%d", src), "ann", ""); r.Status != 204 {
		t.Fatalf("delete source: %d", r.Status)
	}
	rels = decode[struct{ Items []relationJSON }](t, e.do("GET", fmt.Sprintf("/api/v1/projects/%d/relations", pid), "ann", ""))
	if len(rels.Items) != 0 {
		t.Fatalf("the link outlived its source: %+v", rels.Items)
	}

	// article labels: a manager defines a group, annotators choose
	r = e.do("POST", fmt.Sprintf("/api/v1/projects/%d/document-labels", pid), "mgr", `{"key":"genre","name":"Genre","options":[{"key":"news","hotkey":"n"},{"key":"opinion"}]}`)
	if r.Status != 201 {
		t.Fatalf("group: %d %s", r.Status, r.Body)
	}
	if r := e.do("PUT", fmt.Sprintf("/api/v1/articles/%d/document-labels/genre", aid), "ann", `{"options":["news","opinion"]}`); r.Status != 422 {
		t.Fatalf("two options of a single-choice group: %d", r.Status)
	}
	if r := e.do("PUT", fmt.Sprintf("/api/v1/articles/%d/document-labels/genre", aid), "ann", `{"options":["opinion"]}`); r.Status != 200 {
		t.Fatalf("choose: %d %s", r.Status, r.Body)
	}
	if r := e.do("PUT", fmt.Sprintf("/api/v1/articles/%d/document-labels/genre", aid), "ann", `{"options":["news"],"layer":"gold"}`); r.Status != 403 {
		t.Fatalf("an annotator decided gold: %d", r.Status)
	}
	if r := e.do("PUT", fmt.Sprintf("/api/v1/articles/%d/document-labels/genre", aid), "cur", `{"options":["news"],"layer":"gold"}`); r.Status != 200 {
		t.Fatalf("gold choice: %d %s", r.Status, r.Body)
	}
	got := decode[struct{ Items []articleLabelJSON }](t, e.do("GET", fmt.Sprintf("/api/v1/articles/%d/document-labels?layer=all", aid), "mgr", ""))
	if len(got.Items) != 2 {
		t.Fatalf("article labels %+v", got.Items)
	}
	p = e.do("GET", fmt.Sprintf("/api/v1/projects/%d", pid), "ann", "").JSON(t)
	if dl, _ := p["document_labels"].([]any); len(dl) != 1 {
		t.Fatalf("project document labels: %v", p["document_labels"])
	}
}

// Every export keeps the links: JSONL and doccano name the target span,
// W3C has a linking annotation, format=relations has one row per link;
// making a link moves the export's ETag though no span changed.
func TestExportsCarryRelationsAndArticleLabels(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "«Rates will fall», the minister said on Monday.")
	ctx := context.Background()
	ann := e.users["ann"].ID
	mk := func(label string, start, end int) int64 {
		a, err := e.store.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: e.article.ID, UserID: ann, Label: label, Start: start, End: end})
		if err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	claim, src := mk("attributed_claim", 0, 17), mk("source", 19, 31)
	exp := func(q string, headers ...string) resp {
		return e.do("GET", fmt.Sprintf("/api/v1/projects/%d/export?%s", e.project.ID, q), "mgr", "", headers...)
	}
	before := exp("format=jsonl")
	if _, err := e.store.CreateRelation(ctx, models.RelationIn{ArticleID: e.article.ID, Type: "said_by", FromID: claim, ToID: src}); err != nil {
		t.Fatal(err)
	}
	g := &models.DocLabelGroup{ProjectID: e.project.ID, Key: "genre", Options: []models.DocLabelOption{{Key: "news"}, {Key: "opinion"}}}
	if err := e.store.SaveDocLabelGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	if err := e.store.SetArticleLabels(ctx, e.article.ID, "genre", ann, false, []string{"news"}); err != nil {
		t.Fatal(err)
	}
	if r := exp("format=jsonl", "If-None-Match", before.Header.Get("ETag")); r.Status != 200 {
		t.Fatalf("a new link left the export's ETag: %d", r.Status)
	}
	var claimRow struct {
		Relations []struct {
			Type   string
			To     int64
			ToText string `json:"to_text"`
		}
		DocumentLabels map[string][]string `json:"document_labels"`
	}
	for _, line := range strings.Split(strings.TrimSpace(string(exp("format=jsonl").Body)), "\n") {
		if strings.Contains(line, fmt.Sprintf(`"annotation_id":%d,`, claim)) {
			json.Unmarshal([]byte(line), &claimRow)
		}
	}
	if len(claimRow.Relations) != 1 || claimRow.Relations[0].To != src || claimRow.Relations[0].ToText != "the minister" ||
		claimRow.DocumentLabels["genre"][0] != "news" {
		t.Fatalf("jsonl claim row %+v", claimRow)
	}
	rel := exp("format=relations")
	recs, err := csv.NewReader(strings.NewReader(string(rel.Body))).ReadAll()
	if err != nil || len(recs) != 2 || recs[1][1] != "said_by" || recs[1][5] != fmt.Sprint(claim) || recs[1][10] != fmt.Sprint(src) || recs[1][14] != "the minister" {
		t.Fatalf("relations csv %q %v", recs, err)
	}
	if w3c := string(exp("format=w3c").Body); !strings.Contains(w3c, `"motivation":"linking"`) || !strings.Contains(w3c, fmt.Sprintf(`"urn:slant:annotation:%d"`, src)) {
		t.Fatalf("w3c has no linking annotation: %.600s", w3c)
	}
	var doc struct {
		Relations []struct {
			FromID int64 `json:"from_id"`
			ToID   int64 `json:"to_id"`
			Type   string
		}
		Cats []string
	}
	json.Unmarshal(exp("format=doccano").Body, &doc)
	if len(doc.Relations) != 1 || doc.Relations[0].FromID != claim || doc.Relations[0].ToID != src || len(doc.Cats) != 1 || doc.Cats[0] != "genre:news" {
		t.Fatalf("doccano %+v", doc)
	}
}

// A bulk push carries its links by client id; re-sending it stores
// nothing twice; a bad link rejects the whole push unless partial.
func TestBulkPushWithRelations(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "«Rates will fall», the minister said on Monday.")
	push := fmt.Sprintf(`{"annotations":[
		{"article_id":%d,"label":"attributed_claim","start":0,"end":17,"client_id":"c1"},
		{"article_id":%d,"label":"source","start":19,"end":31,"client_id":"s1"},
		{"article_id":%d,"label":"cue","start":32,"end":36,"client_id":"q1"}],
		"relations":[{"type":"said_by","from":"c1","to":"s1"},{"type":"cue_of","from":"q1","to":"c1"}]}`, e.article.ID, e.article.ID, e.article.ID)
	path := fmt.Sprintf("/api/v1/projects/%d/annotations/bulk", e.project.ID)
	r := e.do("POST", path, "ann", push)
	m := r.JSON(t)
	if r.Status != 200 || m["relations_created"] != 2.0 || len(m["relation_ids"].([]any)) != 2 {
		t.Fatalf("push: %d %s", r.Status, r.Body)
	}
	first := m["relation_ids"].([]any)[0]
	r = e.do("POST", path, "ann", push)
	if m := r.JSON(t); r.Status != 200 || m["relations_created"] != 0.0 || m["existing"] != 3.0 || m["relation_ids"].([]any)[0] != first {
		t.Fatalf("re-sent push: %d %s", r.Status, r.Body)
	}
	bad := fmt.Sprintf(`{"annotations":[{"article_id":%d,"label":"opinion","start":37,"end":47,"client_id":"o1"}],
		"relations":[{"type":"said_by","from":"o1","to":"s1"}]}`, e.article.ID)
	r = e.do("POST", path, "ann", bad)
	if r.Status != 422 || !strings.Contains(string(r.Body), "relation_errors") {
		t.Fatalf("a said_by from an opinion: %d %s", r.Status, r.Body)
	}
	if n, _ := e.store.CountAnnotations(context.Background(), models.AnnotationFilter{ProjectID: e.project.ID, Label: "opinion", Annotator: "ann", Origin: "import"}); n != 0 {
		t.Fatalf("the refused push stored %d spans", n)
	}
	r = e.do("POST", path+"?partial=true", "ann", bad)
	if m := r.JSON(t); r.Status != 200 || m["created"] != 1.0 || len(m["relation_errors"].([]any)) != 1 {
		t.Fatalf("partial: %d %s", r.Status, r.Body)
	}
	// another annotator cannot link to ann's spans by ann's client ids
	r = e.do("POST", path, "other", `{"annotations":[],"relations":[{"type":"said_by","from":"c1","to":"s1"}]}`)
	if r.Status != 422 {
		t.Fatalf("linking another's spans by client id: %d %s", r.Status, r.Body)
	}
}

// Claims per source text: spellings that differ in case and spacing are
// one source, counted against links computed by hand.
func TestClaimsPerSource(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "«A», the Minister said. «B», the  minister said. «C», a spokesperson said.")
	ctx := context.Background()
	ann := e.users["ann"].ID
	link := func(cs, ce, ss, se int) {
		c, err := e.store.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: e.article.ID, UserID: ann, Label: "attributed_claim", Start: cs, End: ce})
		if err != nil {
			t.Fatal(err)
		}
		s, err := e.store.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: e.article.ID, UserID: ann, Label: "source", Start: ss, End: se})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.CreateRelation(ctx, models.RelationIn{ArticleID: e.article.ID, Type: "said_by", FromID: c.ID, ToID: s.ID}); err != nil {
			t.Fatal(err)
		}
	}
	link(0, 3, 5, 17)    // «A» — the Minister
	link(24, 27, 29, 42) // «B» — the  minister
	link(49, 52, 54, 68) // «C» — a spokesperson
	r := e.do("GET", fmt.Sprintf("/api/v1/projects/%d/stats/sources", e.project.ID), "cur", "")
	out := decode[struct {
		Items []struct {
			Source           string
			Claims, Articles int
		}
	}](t, r)
	if len(out.Items) != 2 || out.Items[0].Claims != 2 || out.Items[0].Articles != 1 || out.Items[1].Source != "a spokesperson" {
		t.Fatalf("sources %+v", out.Items)
	}
	if csv := string(e.do("GET", fmt.Sprintf("/api/v1/projects/%d/stats/sources?format=csv", e.project.ID), "cur", "").Body); !strings.Contains(csv, ",2,1,") {
		t.Fatalf("csv %s", csv)
	}
}

// The articles CSV: one row per article and annotator, a column per
// article-level label group, options of a multiple-choice group joined.
func TestArticlesCSVExport(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "An article with no spans needed.")
	ctx := context.Background()
	for _, g := range []*models.DocLabelGroup{
		{ProjectID: e.project.ID, Key: "genre", Options: []models.DocLabelOption{{Key: "news"}, {Key: "opinion"}}},
		{ProjectID: e.project.ID, Key: "topics", Multiple: true, Options: []models.DocLabelOption{{Key: "economy"}, {Key: "security"}}},
	} {
		if err := e.store.SaveDocLabelGroup(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	set := func(user, group string, opts ...string) {
		if err := e.store.SetArticleLabels(ctx, e.article.ID, group, e.users[user].ID, false, opts); err != nil {
			t.Fatal(err)
		}
	}
	set("ann", "genre", "opinion")
	set("ann", "topics", "security", "economy")
	set("other", "genre", "news")
	r := e.do("GET", fmt.Sprintf("/api/v1/projects/%d/export?format=articles", e.project.ID), "mgr", "")
	recs, err := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
	if r.Status != 200 || err != nil {
		t.Fatalf("%d %v %s", r.Status, err, r.Body)
	}
	want := [][]string{
		{"article_id", "external_id", "article_title", "article_url", "source_domain", "source_ownership", "annotator", "layer", "genre", "topics"},
		{fmt.Sprint(e.article.ID), "ext-1", "Article", "https://www.outlet.example.org/a/1", "example.org", "unknown", "ann", "annotator", "opinion", "economy|security"},
		{fmt.Sprint(e.article.ID), "ext-1", "Article", "https://www.outlet.example.org/a/1", "example.org", "unknown", "other", "annotator", "news", ""},
	}
	if fmt.Sprint(recs) != fmt.Sprint(want) {
		t.Fatalf("articles csv\n got %q\nwant %q", recs, want)
	}
}

// A link is a change of the span it starts at: an incremental pull
// (updated_since) brings the claim again after it is linked, and moving
// the source moves the ETag of an export that leaves the source out.
// A bulk push may link spans stored by an earlier push.
func TestLinksAreChangesOfTheirClaim(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "«Rates will fall», the minister said on Monday.")
	ctx := context.Background()
	path := fmt.Sprintf("/api/v1/projects/%d/annotations/bulk", e.project.ID)
	r := e.do("POST", path, "ann", fmt.Sprintf(`[{"article_id":%d,"label":"attributed_claim","start":0,"end":17,"client_id":"c1"},
		{"article_id":%d,"label":"source","start":19,"end":31,"client_id":"s1"}]`, e.article.ID, e.article.ID))
	if r.Status != 200 {
		t.Fatalf("push: %d %s", r.Status, r.Body)
	}
	ids := r.JSON(t)["ids"].([]any)
	claim, src := int64(ids[0].(float64)), int64(ids[1].(float64))
	var since string
	for _, item := range decode[struct{ Items []map[string]any }](t, e.do("GET", fmt.Sprintf("/api/v1/projects/%d/annotations", e.project.ID), "ann", "")).Items {
		if u := item["updated_at"].(string); u > since {
			since = u
		}
	}
	exportPath := fmt.Sprintf("/api/v1/projects/%d/export?format=jsonl&label=attributed_claim", e.project.ID)
	etag := e.do("GET", exportPath, "ann", "").Header.Get("ETag")
	// link by client ids of the earlier push
	r = e.do("POST", path, "ann", `{"annotations":[],"relations":[{"type":"said_by","from":"c1","to":"s1"}]}`)
	if m := r.JSON(t); r.Status != 200 || m["relations_created"] != 1.0 {
		t.Fatalf("link by stored client ids: %d %s", r.Status, r.Body)
	}
	pulled := decode[struct{ Items []map[string]any }](t, e.do("GET", fmt.Sprintf("/api/v1/projects/%d/annotations?updated_since=%s", e.project.ID, since), "ann", "")).Items
	found := false
	for _, it := range pulled {
		found = found || int64(it["id"].(float64)) == claim
	}
	if !found {
		t.Fatalf("the newly linked claim is not in the incremental pull since %s: %v", since, pulled)
	}
	etag2 := e.do("GET", exportPath, "ann", "").Header.Get("ETag")
	if etag2 == etag {
		t.Fatal("linking left the export's ETag")
	}
	// move the source: the claim's row says to_text, so its export changes
	if _, err := e.store.UpdateAnnotation(ctx, src, models.AnnotationPatch{Start: ptr(23)}); err != nil {
		t.Fatal(err)
	}
	if r := e.do("GET", exportPath, "ann", "", "If-None-Match", etag2); r.Status != 200 || !strings.Contains(string(r.Body), `"to_text":"minister"`) {
		t.Fatalf("after moving the source: %d %s", r.Status, r.Body)
	}
}
