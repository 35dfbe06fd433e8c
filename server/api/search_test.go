package api

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// searchFoldWords folds case and diacritics the test's own way (decompose,
// drop combining marks, lower-case) and splits into letter/digit runs.
func searchFoldWords(s string) []string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return strings.FieldsFunc(b.String(), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
}

// GET /projects/{id}/articles?q= searches titles and texts: ranked
// results, each with a snippet in code points; the list without q is
// unchanged; a malformed query is 422 invalid_query with its position.
func TestArticleSearchAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, scenarioText)
	arts := fmt.Sprintf("/api/v1/projects/%d/articles", e.project.ID)
	texts := map[float64]string{}
	for i, body := range []string{
		"Le café 📈 était plein. Plus tard, le CAFÉ a fermé.",
		"Rates rose; the cafe\u0301 owner said nothing.",
		"Кафе на углу закрыто. Официальные лица молчат.",
		"Nothing to see in this one.",
	} {
		b, _ := json.Marshal(map[string]string{"title": fmt.Sprintf("Story %d", i), "text": body})
		r := e.do("POST", arts, "admin", string(b))
		if r.Status != 201 {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		texts[r.JSON(t)["id"].(float64)] = body
	}
	get := func(q string, extra string) map[string]any {
		t.Helper()
		r := e.do("GET", arts+"?q="+url.QueryEscape(q)+extra, "ann", "")
		if r.Status != 200 {
			t.Fatalf("q=%s: %d %s", q, r.Status, r.Body)
		}
		return r.JSON(t)
	}
	for _, c := range []struct {
		q    string
		word string // every highlighted word folds to this
		n    int
	}{{"cafe", "cafe", 2}, {"café", "cafe", 2}, {"кафе", "кафе", 1}, {"owner", "owner", 1}} {
		items := get(c.q, "")["items"].([]any)
		if len(items) != c.n {
			t.Fatalf("q=%s: %d items, want %d", c.q, len(items), c.n)
		}
		for _, it := range items {
			m := it.(map[string]any)
			sn, ok := m["snippet"].(map[string]any)
			if !ok || sn["field"] != "text" {
				t.Fatalf("q=%s: item without a text snippet: %v", c.q, m)
			}
			text, off := []rune(texts[m["id"].(float64)]), int(sn["offset"].(float64))
			st := []rune(sn["text"].(string))
			if off+len(st) > len(text) || string(text[off:off+len(st)]) != string(st) {
				t.Fatalf("q=%s: snippet %q at %d is not a slice of the text", c.q, string(st), off)
			}
			matches := sn["matches"].([]any)
			if len(matches) == 0 {
				t.Fatalf("q=%s: no matches in %v", c.q, sn)
			}
			for _, mm := range matches {
				se := mm.([]any)
				a, b := int(se[0].(float64)), int(se[1].(float64))
				if w := searchFoldWords(string(st[a:b])); !slices.Equal(w, []string{c.word}) {
					t.Errorf("q=%s: match %d..%d of %q is %q", c.q, a, b, string(st), string(st[a:b]))
				}
			}
		}
	}
	// the café text has two matches: both marked, the emoji counted as one
	items := get("cafe", "")["items"].([]any)
	first := items[0].(map[string]any)["snippet"].(map[string]any)
	if fmt.Sprint(first["matches"]) != "[[3 7] [37 41]]" {
		t.Errorf("first result's matches: %v (ranked first: %v)", first["matches"], first["text"])
	}
	// paging by cursor: one at a time, the same two in the same order
	all := get("cafe", "")
	page1 := get("cafe", "&limit=1")
	cur, _ := page1["next_cursor"].(string)
	if cur == "" {
		t.Fatal("no next_cursor")
	}
	page2 := get("cafe", "&limit=1&cursor="+url.QueryEscape(cur))
	ids := func(m map[string]any) (out []float64) {
		for _, it := range m["items"].([]any) {
			out = append(out, it.(map[string]any)["id"].(float64))
		}
		return out
	}
	if got := append(ids(page1), ids(page2)...); !slices.Equal(got, ids(all)) || page2["next_cursor"] != nil {
		t.Errorf("pages %v + %v, all %v", ids(page1), ids(page2), ids(all))
	}
	// without q: the list as before, without snippets
	r := e.do("GET", arts, "ann", "")
	if r.Status != 200 || strings.Contains(string(r.Body), `"snippet"`) || len(r.JSON(t)["items"].([]any)) != 5 {
		t.Errorf("list without q: %d %s", r.Status, clipBody(r.Body))
	}
	// malformed queries: 422 invalid_query, the position in code points
	for q, pos := range map[string]float64{`café "open`: 5, `news -`: 5, `-cafe`: 0, `title:`: 0} {
		r := e.do("GET", arts+"?q="+url.QueryEscape(q), "ann", "")
		er := errorOf(t, r)
		if r.Status != 422 || er["code"] != "invalid_query" || er["position"] != pos ||
			!strings.Contains(er["fields"].(map[string]any)["q"].(string), fmt.Sprintf("position %d", int(pos))) {
			t.Errorf("q=%s: %d %s", q, r.Status, r.Body)
		}
	}
}
