package api

import (
	"encoding/csv"
	"fmt"
	"math"
	"strings"
	"testing"
)

// agreementEnv: one article of 20 code points; ann marks opinion at [0,2)
// (newEnv's span) and [5,10); other marks [5,10) and [12,15); both mark
// the article done.
func agreementEnv(t *testing.T) *testEnv {
	t.Helper()
	e := newEnv(t, "Ünïcode😀 text of 20!")
	for _, s := range []struct {
		user       string
		start, end int
	}{{"ann", 5, 10}, {"other", 5, 10}, {"other", 12, 15}} {
		r := e.do("POST", fmt.Sprintf("/api/v1/articles/%d/annotations", e.article.ID), s.user,
			fmt.Sprintf(`{"label":"opinion","start":%d,"end":%d}`, s.start, s.end))
		if r.Status != 201 {
			t.Fatalf("span: %d %s", r.Status, r.Body)
		}
	}
	for _, u := range []string{"ann", "other"} {
		if r := e.do("POST", fmt.Sprintf("/api/v1/articles/%d/done", e.article.ID), u, ""); r.Status != 200 {
			t.Fatalf("done: %d %s", r.Status, r.Body)
		}
	}
	return e
}

func num64(t *testing.T, v any) float64 {
	t.Helper()
	f, ok := v.(float64)
	if !ok {
		t.Fatalf("not a number: %v", v)
	}
	return f
}

func TestAgreementAPI(t *testing.T) {
	t.Parallel()
	e := agreementEnv(t)
	path := fmt.Sprintf("/api/v1/projects/%d/agreement", e.project.ID)
	r := e.do("GET", path, "cur", "")
	if r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	m := r.JSON(t)
	if fmt.Sprint(m["annotators"]) != "[ann other]" || num64(t, m["articles"]) != 1 || m["scope"] != "done" {
		t.Fatalf("head: %s", r.Body)
	}
	labels := m["labels"].(map[string]any)
	op := labels["opinion"].(map[string]any)
	p := op["pairs"].([]any)[0].(map[string]any)
	// ann {[0,2), [5,10)} vs other {[5,10), [12,15)} over 20 code points:
	// exact 2·1/4 = .5; partial P = (0 + 5/5)/2 = .5, R = (5/5 + 0)/2 = .5, F1 = .5;
	// kappa: in_a 7, in_b 8, both 5: p_o = (20−15+10)/20 = .75,
	// p_e = .35·.4 + .65·.6 = .53, κ = .22/.47
	want := map[string]float64{"articles": 1, "n_units": 20, "spans_a": 2, "spans_b": 2, "matches": 1,
		"exact_f1": .5, "partial_f1": .5, "kappa": .22 / .47}
	for k, w := range want {
		if got := num64(t, p[k]); math.Abs(got-w) > 1e-9 {
			t.Errorf("opinion %s = %v, want %v", k, got, w)
		}
	}
	if p["a"] != "ann" || p["b"] != "other" {
		t.Errorf("pair %v", p)
	}
	if op["alpha"] == nil || op["alpha_u"] == nil {
		t.Errorf("alpha missing: %v", op)
	}
	// a label nobody used: F1 1 by convention, kappa and alphas null
	un := labels["unused"].(map[string]any)
	up := un["pairs"].([]any)[0].(map[string]any)
	if up["exact_f1"] != 1.0 || up["kappa"] != nil || un["alpha"] != nil || un["alpha_u"] != nil {
		t.Errorf("unused label: %v", un)
	}
	micro := m["micro"].(map[string]any)["pairs"].([]any)[0].(map[string]any)
	if micro["exact_f1"] != .5 {
		t.Errorf("micro %v", micro)
	}
	if order := fmt.Sprint(m["label_order"]); !strings.HasPrefix(order, "[opinion ") || !strings.HasSuffix(order, " unused]") {
		t.Errorf("label order %s", order)
	}

	// filters
	r = e.do("GET", path+"?labels=opinion&annotators=ann,other&scope=annotated", "mgr", "")
	m = r.JSON(t)
	if len(m["labels"].(map[string]any)) != 1 || fmt.Sprint(m["label_order"]) != "[opinion]" || m["scope"] != "annotated" {
		t.Errorf("filtered: %s", r.Body)
	}
	// a pair that has not both finished the article compares nothing
	e.do("DELETE", fmt.Sprintf("/api/v1/articles/%d/done", e.article.ID), "other", "")
	r = e.do("GET", path+"?labels=opinion", "admin", "")
	p = r.JSON(t)["labels"].(map[string]any)["opinion"].(map[string]any)["pairs"].([]any)[0].(map[string]any)
	if p["articles"] != 0.0 || p["spans_a"] != 0.0 || p["kappa"] != nil {
		t.Errorf("not done: %v", p)
	}
	r = e.do("GET", path+"?labels=opinion&scope=annotated", "admin", "")
	p = r.JSON(t)["labels"].(map[string]any)["opinion"].(map[string]any)["pairs"].([]any)[0].(map[string]any)
	if p["articles"] != 1.0 || p["exact_f1"] != .5 {
		t.Errorf("annotated: %v", p)
	}
	// drill-down to the article and its outlet
	r = e.do("GET", path+fmt.Sprintf("?scope=annotated&article=%d&source=outlet.example.org", e.article.ID), "cur", "")
	if r.Status != 200 || r.JSON(t)["articles"] != 1.0 {
		t.Errorf("drill-down: %d %s", r.Status, r.Body)
	}
	r = e.do("GET", path+"?scope=annotated&source=elsewhere.example.net", "cur", "")
	if r.Status != 200 || r.JSON(t)["articles"] != 0.0 {
		t.Errorf("other outlet: %d %s", r.Status, r.Body)
	}
	// as_of before anything: nothing was there
	r = e.do("GET", path+"?scope=annotated&as_of=2000-01-01T00:00:00Z", "cur", "")
	if m := r.JSON(t); r.Status != 200 || m["as_of"] != "2000-01-01T00:00:00Z" || fmt.Sprint(m["annotators"]) != "[]" {
		t.Errorf("as_of: %d %s", r.Status, r.Body)
	}
}

func TestAgreementAPIByArticleAndCSV(t *testing.T) {
	t.Parallel()
	e := agreementEnv(t)
	path := fmt.Sprintf("/api/v1/projects/%d/agreement", e.project.ID)
	r := e.do("GET", path+"?by=article&annotators=ann,other&labels=opinion", "cur", "")
	if r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	m := r.JSON(t)
	items := m["items"].([]any)
	if len(items) != 1 || m["total"] != 1.0 {
		t.Fatalf("items %s", r.Body)
	}
	it := items[0].(map[string]any)
	// ann's [0,2) and other's [12,15) are theirs alone: 5 code points differ
	if it["article_id"] != float64(e.article.ID) || it["title"] != "Article" || it["disagreement"] != .5 || it["differ"] != 5.0 {
		t.Errorf("row %v", it)
	}

	r = e.do("GET", path+"?format=csv&labels=opinion", "cur", "")
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %s", r.Status, r.Header)
	}
	recs, err := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != strings.Join(agreementCSVColumns, ",") || len(recs) != 3 {
		t.Fatalf("csv %q", recs)
	}
	row := map[string]string{}
	for i, c := range recs[0] {
		row[c] = recs[1][i]
	}
	if row["label"] != "opinion" || row["annotator_a"] != "ann" || row["exact_f1"] != "0.5" || row["code_points"] != "20" || row["cohen_kappa"] == "" {
		t.Errorf("csv row %v", row)
	}
	if recs[2][0] != "(all)" || recs[2][10] != "" {
		t.Errorf("micro row %v", recs[2])
	}
	r = e.do("GET", path+"?format=csv&by=article", "cur", "")
	if r.Status != 200 || !strings.HasPrefix(string(r.Body), "article_id,title,annotator_a") {
		t.Errorf("by-article csv: %d %s", r.Status, r.Body)
	}
}

func TestAgreementAPIRefusals(t *testing.T) {
	t.Parallel()
	e := agreementEnv(t)
	path := fmt.Sprintf("/api/v1/projects/%d/agreement", e.project.ID)
	// an annotator may not see colleagues' agreement
	if r := e.do("GET", path, "ann", ""); r.Status != 403 {
		t.Errorf("annotator: %d", r.Status)
	}
	for q, field := range map[string]string{
		"?scope=everything":      "scope",
		"?labels=nope":           "labels",
		"?labels=":               "labels",
		"?annotators=ann,ghost":  "annotators",
		"?as_of=yesterday":       "as_of",
		"?article=x":             "article",
		"?by=outlet":             "by",
		"?format=xml":            "format",
		"?by=article&limit=0":    "limit",
		"?annotators=%20,%20":    "annotators",
		"?by=article&limit=1e99": "limit",
	} {
		r := e.do("GET", path+q, "cur", "")
		if r.Status != 422 {
			t.Errorf("%s: %d %s", q, r.Status, r.Body)
			continue
		}
		if f := errorOf(t, r)["fields"].(map[string]any); f[field] == nil {
			t.Errorf("%s: fields %v", q, f)
		}
	}
	if r := e.do("GET", path+"?article=999999", "cur", ""); r.Status != 404 {
		t.Errorf("unknown article: %d", r.Status)
	} else {
		errorOf(t, r)
	}
}
