package api

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"slant/models"
	"slant/server/suggest"
)

// suggestionsMatrixFixture makes a suggested claim for {suggestion}.
func suggestionsMatrixFixture(e *testEnv, path string) string {
	e.t.Helper()
	if !strings.Contains(path, "{suggestion}") {
		return path
	}
	ctx := context.Background()
	if _, err := e.store.StoreSuggestions(ctx, e.project.ID, "attributed_claim", []models.SuggestionIn{
		{ArticleID: e.article.ID, Rule: "quotes", Confidence: 0.9, Content: [2]int{0, 5}}}); err != nil {
		e.t.Fatal(err)
	}
	list, err := e.store.PendingSuggestions(ctx, e.article.ID, e.users["ann"].ID)
	if err != nil || len(list) != 1 {
		e.t.Fatalf("fixture suggestion: %v %v", list, err)
	}
	return strings.ReplaceAll(path, "{suggestion}", fmt.Sprint(list[0].ID))
}

type suggestionItem struct {
	ID         int64   `json:"id"`
	Label      string  `json:"label"`
	Start      int     `json:"start"`
	End        int     `json:"end"`
	Text       string  `json:"text"`
	Rule       string  `json:"rule"`
	Origin     string  `json:"origin"`
	Confidence float64 `json:"confidence"`
	Status     string  `json:"status"`
	Cue        *struct {
		ID         int64
		Start, End int
		Text       string
	} `json:"cue"`
	Source *struct {
		ID         int64
		Start, End int
		Text, Head string
	} `json:"source"`
}

const suggestText = "👩‍👩‍👧 \"We will win the vote,\" said Anna Berg.\n\nAnna Berg said that the budget would be balanced by spring.\n\n„Wir gewinnen die Wahl im Herbst“, sagte Tom Reed."

// A manager runs the suggester twice (the second run writes nothing), an
// annotator of a blind project sees the suggestions, accepts one as it
// is, one with other boundaries, rejects the third, and neither a re-run
// nor another annotator's view changes what each of them sees.
func TestSuggestionsOverHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t, suggestText)
	p, a := e.project.ID, e.article.ID
	run := fmt.Sprintf("/api/v1/projects/%d/suggestions?kind=attributed_claim", p)
	if r := e.do("POST", run, "ann", ""); r.Status != 403 {
		t.Fatalf("annotator runs the suggester: %d", r.Status)
	}
	first := decode[map[string]any](t, e.do("POST", run, "mgr", ""))
	if first["created"] != 3.0 || first["existing"] != 0.0 || first["articles"] != 1.0 {
		t.Fatalf("first run: %v", first)
	}
	again := decode[map[string]any](t, e.do("POST", run+fmt.Sprintf("&articles=%d", a), "mgr", ""))
	if again["created"] != 0.0 || again["existing"] != 3.0 {
		t.Fatalf("second run duplicated: %v", again)
	}
	if r := e.do("PATCH", fmt.Sprintf("/api/v1/projects/%d", p), "mgr", `{"blind":true}`); r.Status != 200 {
		t.Fatalf("blind: %d %s", r.Status, r.Body)
	}

	list := func(user string) []suggestionItem {
		t.Helper()
		r := e.do("GET", fmt.Sprintf("/api/v1/articles/%d/suggestions", a), user, "")
		if r.Status != 200 {
			t.Fatalf("list as %s: %d %s", user, r.Status, r.Body)
		}
		return decode[struct{ Items []suggestionItem }](t, r).Items
	}
	items := list("ann")
	if len(items) != 3 {
		t.Fatalf("ann sees %d suggestions: %+v", len(items), items)
	}
	runes := []rune(suggestText)
	for _, it := range items {
		if string(runes[it.Start:it.End]) != it.Text || it.Status != "pending" || it.Cue == nil || it.Source == nil ||
			string(runes[it.Source.Start:it.Source.End]) != it.Source.Text || it.Origin != "suggest:"+it.Rule {
			t.Fatalf("suggestion %+v: offsets are not code points or parts are missing", it)
		}
	}
	if items[0].Text != "We will win the vote," || items[0].Source.Head != "Berg" || items[1].Rule != "indirect" {
		t.Fatalf("suggestions %+v", items)
	}

	// accept as it is: the claim, cue and source become ann's, linked
	r := e.do("POST", fmt.Sprintf("/api/v1/annotations/%d/accept", items[0].ID), "ann", "")
	if r.Status != 201 {
		t.Fatalf("accept: %d %s", r.Status, r.Body)
	}
	acc := r.JSON(t)
	if acc["annotator"] != "ann" || acc["origin"] != "suggest:quotes" || acc["text"] != "We will win the vote," {
		t.Fatalf("accepted span %v", acc)
	}
	rels := decode[struct {
		Items []struct {
			Type     string `json:"type"`
			From, To int64
		}
	}](t, e.do("GET", fmt.Sprintf("/api/v1/articles/%d/relations", a), "ann", ""))
	types := map[string]int{}
	for _, rl := range rels.Items {
		types[rl.Type]++
	}
	if types["said_by"] != 1 || types["cue_of"] != 1 {
		t.Fatalf("ann's links after accepting: %+v", rels.Items)
	}
	if r := e.do("POST", fmt.Sprintf("/api/v1/annotations/%d/accept", items[0].ID), "ann", ""); r.Status != 409 {
		t.Fatalf("second accept: %d", r.Status)
	}
	// accept with other boundaries
	body := fmt.Sprintf(`{"start":%d,"end":%d}`, items[1].Start+4, items[1].End)
	r = e.do("POST", fmt.Sprintf("/api/v1/annotations/%d/accept", items[1].ID), "ann", body)
	if r.Status != 201 || r.JSON(t)["start"] != float64(items[1].Start+4) {
		t.Fatalf("edited accept: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", fmt.Sprintf("/api/v1/annotations/%d/accept", items[2].ID), "ann", `{"end":99999}`); r.Status != 422 {
		t.Fatalf("accept past the text: %d %s", r.Status, r.Body)
	}
	// reject
	if r := e.do("POST", fmt.Sprintf("/api/v1/annotations/%d/reject", items[2].ID), "ann", ""); r.Status != 204 {
		t.Fatalf("reject: %d %s", r.Status, r.Body)
	}
	if got := list("ann"); len(got) != 0 {
		t.Fatalf("ann still sees %+v", got)
	}
	if got := list("other"); len(got) != 3 {
		t.Fatalf("other (blind project) sees %d suggestions", len(got))
	}
	// a re-run offers nothing again
	e.do("POST", run, "mgr", "")
	if got := list("ann"); len(got) != 0 {
		t.Fatalf("re-run re-offered %+v", got)
	}
	// a span that is not a suggestion cannot be accepted
	if r := e.do("POST", fmt.Sprintf("/api/v1/annotations/%d/accept", e.annID), "ann", ""); r.Status != 404 {
		t.Fatalf("accepting an annotator's span: %d", r.Status)
	}

	// acceptance per rule
	stats := decode[struct {
		Items []struct {
			Rule                          string
			Suggested, Accepted, Rejected int
			AcceptanceRate                float64 `json:"acceptance_rate"`
		}
	}](t, e.do("GET", fmt.Sprintf("/api/v1/projects/%d/suggestions/stats", p), "ann", ""))
	byRule := map[string]string{}
	for _, s := range stats.Items {
		byRule[s.Rule] = fmt.Sprintf("%d/%d/%d %.2f", s.Suggested, s.Accepted, s.Rejected, s.AcceptanceRate)
	}
	if byRule["quotes"] != "2/1/1 0.50" || byRule["indirect"] != "1/1/0 1.00" {
		t.Fatalf("stats %v", byRule)
	}

	// suggested spans stay out of annotators' lists, exports and agreement
	for _, path := range []string{
		fmt.Sprintf("/api/v1/projects/%d/annotations", p),
		fmt.Sprintf("/api/v1/articles/%d/annotations", a),
		fmt.Sprintf("/api/v1/projects/%d/export?format=jsonl", p),
		fmt.Sprintf("/api/v1/projects/%d/export?format=csv", p),
		fmt.Sprintf("/api/v1/projects/%d/agreement", p),
		fmt.Sprintf("/api/v1/projects/%d/stats", p),
	} {
		r := e.do("GET", path, "mgr", "")
		if r.Status != 200 {
			t.Fatalf("%s: %d %s", path, r.Status, r.Body)
		}
		if strings.Contains(string(r.Body), models.SuggestionsUserName) || strings.Contains(string(r.Body), `"suggestion"`) {
			t.Fatalf("%s shows suggested spans: %s", path, r.Body)
		}
	}
	// ann's accepted spans are there, with their origin
	r = e.do("GET", fmt.Sprintf("/api/v1/projects/%d/annotations?origin=suggest:quotes", p), "mgr", "")
	if n := len(decode[struct{ Items []any }](t, r).Items); n != 3 { // claim, cue, source
		t.Fatalf("accepted quote spans: %d %s", n, r.Body)
	}
}

// TestSuggestionsScale is a measurement, not a check (no timing is
// asserted): with SLANT_SUGGEST_SCALE=N it loads N articles of about 5 KB
// (the evaluation set's texts) and logs how long one run takes.
func TestSuggestionsScale(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("SLANT_SUGGEST_SCALE"))
	if n <= 0 {
		t.Skip("set SLANT_SUGGEST_SCALE=10000 to measure")
	}
	e := newEnv(t, "Seed.")
	golds, err := suggest.LoadGold("../suggest/testdata")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for done := 0; done < n; {
		var batch []models.ArticleIn
		for ; done < n && len(batch) < 500; done++ {
			var sb strings.Builder
			for k := done; sb.Len() < 5000; k++ {
				sb.WriteString(golds[k%len(golds)].Text)
				sb.WriteString("\n\n")
			}
			batch = append(batch, models.ArticleIn{Title: fmt.Sprint("A", done), Text: sb.String()})
		}
		if _, err := e.store.CreateArticles(ctx, e.project.ID, batch); err != nil {
			t.Fatal(err)
		}
	}
	for _, pass := range []string{"first run", "re-run"} {
		t0 := time.Now()
		r := e.do("POST", fmt.Sprintf("/api/v1/projects/%d/suggestions", e.project.ID), "mgr", "")
		t.Logf("%s over %d articles: %s in %s", pass, n, r.Body, time.Since(t0))
	}
}

// With Accept: application/x-ndjson a run streams a line of counts after
// each chunk of articles (200) and ends with the summary; a run that
// fails before its first line answers the one JSON error shape.
func TestSuggestionRunReportsProgress(t *testing.T) {
	t.Parallel()
	e := newEnv(t, suggestText) // one article, three claims
	ctx := context.Background()
	var more []models.ArticleIn
	for i := 0; i < 449; i++ {
		more = append(more, models.ArticleIn{Title: fmt.Sprint("A", i), Text: fmt.Sprintf("“We won round %d,” said Anna Berg.", i)})
	}
	if _, err := e.store.CreateArticles(ctx, e.project.ID, more); err != nil {
		t.Fatal(err)
	}
	run := fmt.Sprintf("/api/v1/projects/%d/suggestions?kind=attributed_claim", e.project.ID)
	if r := e.do("POST", strings.Replace(run, "attributed_claim", "nope", 1), "mgr", "", "Accept", ndjson); r.Status != 422 || errorOf(t, r)["code"] != "validation_failed" {
		t.Fatalf("unknown kind, streamed: %d %s", r.Status, r.Body)
	}
	r := e.do("POST", run, "mgr", "", "Accept", ndjson)
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), ndjson) {
		t.Fatalf("streamed run: %d %s %s", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	var lines []suggestRunJSON
	for _, l := range strings.Split(strings.TrimSpace(string(r.Body)), "\n") {
		var v suggestRunJSON
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		lines = append(lines, v)
	}
	var got []string
	for _, l := range lines {
		got = append(got, fmt.Sprintf("%d/%d %d %t", l.Articles, l.Total, l.Created, l.Done))
	}
	if want := "200/450 202 false|400/450 402 false|450/450 452 false|450/450 452 true"; strings.Join(got, "|") != want {
		t.Fatalf("progress %s, want %s", strings.Join(got, "|"), want)
	}
	// without the header: the summary alone, as before
	sum := decode[suggestRunJSON](t, e.do("POST", run, "mgr", ""))
	if sum.Articles != 450 || sum.Total != 450 || sum.Existing != 452 || sum.Created != 0 || !sum.Done {
		t.Fatalf("re-run summary %+v", sum)
	}
}
