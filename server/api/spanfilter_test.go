package api

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// spanIDs lists the project's spans through GET /annotations with the
// query q, following every page.
func spanIDs(t *testing.T, e *testEnv, user, q string) []int64 {
	t.Helper()
	var ids []int64
	cursor := ""
	for {
		r := e.do("GET", fmt.Sprintf("/api/v1/projects/%d/annotations?limit=2&%s&cursor=%s", e.project.ID, q, url.QueryEscape(cursor)), user, "")
		if r.Status != 200 {
			t.Fatalf("list %s: %d %s", q, r.Status, r.Body)
		}
		var page struct {
			Items []struct {
				ID int64 `json:"id"`
			} `json:"items"`
			Next *string `json:"next_cursor"`
		}
		if err := json.Unmarshal(r.Body, &page); err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			ids = append(ids, it.ID)
		}
		if page.Next == nil {
			return ids
		}
		cursor = *page.Next
	}
}

// exportIDs is the same through the CSV export.
func exportIDs(t *testing.T, e *testEnv, user, q string) []int64 {
	t.Helper()
	r := e.do("GET", fmt.Sprintf("/api/v1/projects/%d/export?format=csv&%s", e.project.ID, q), user, "")
	if r.Status != 200 {
		t.Fatalf("export %s: %d %s", q, r.Status, r.Body)
	}
	recs, err := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := slices.Index(recs[0], "annotation_id")
	var ids []int64
	for _, rec := range recs[1:] {
		id, _ := strconv.ParseInt(rec[col], 10, 64)
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// The span browser's filters narrow the list and the exports alike, each
// to the spans the fixture says match.
func TestSpanBrowserFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "Hello world, a test article.")
	own, month, _, spans := statsScenario(t, e)
	all := spanIDs(t, e, "ann", "")
	if len(all) != len(spans) {
		t.Fatalf("%d spans listed, the fixture has %d", len(all), len(spans))
	}
	// the spans in creation order are the ids in order: match them up
	byID := map[int64]statsSpanRec{}
	for i, id := range all {
		byID[id] = spans[i]
	}
	cases := map[string]func(statsSpanRec) bool{
		"ownership=state_controlled":                        func(s statsSpanRec) bool { return own[s.article] == "state_controlled" },
		"ownership=unknown":                                 func(s statsSpanRec) bool { return own[s.article] == "unknown" },
		"published_from=2026-02-01":                         func(s statsSpanRec) bool { return month[s.article] == "2026-02" },
		"published_to=2026-01-31":                           func(s statsSpanRec) bool { return month[s.article] == "2026-01" },
		"published_from=2026-01-01&published_to=2026-02-28": func(s statsSpanRec) bool { return month[s.article] != "" },
		"published_to=2026-01-31T23:00:00Z":                 func(s statsSpanRec) bool { return month[s.article] == "2026-01" },
		"published_to=2026-01-31T22:59:59Z":                 func(statsSpanRec) bool { return false },
		"label=opinion&ownership=private":                   func(s statsSpanRec) bool { return s.label == "opinion" && own[s.article] == "private" },
		"annotator=other&source=public.example":             func(s statsSpanRec) bool { return s.annotator == "other" && own[s.article] == "public_service" },
		"country=RU":                                        func(statsSpanRec) bool { return false }, // no outlet has a country
	}
	for q, match := range cases {
		var want []int64
		for _, id := range all {
			if match(byID[id]) {
				want = append(want, id)
			}
		}
		if got := spanIDs(t, e, "ann", q); !slices.Equal(got, want) {
			t.Errorf("list ?%s: %v, want %v", q, got, want)
		}
		if got := exportIDs(t, e, "ann", q); !slices.Equal(got, want) {
			t.Errorf("export ?%s: %v, want %v", q, got, want)
		}
	}
	// text inside the span or its note
	r := e.do("PATCH", fmt.Sprintf("/api/v1/annotations/%d", all[1]), "ann", `{"note":"Ærø 100% sure_"}`)
	if r.Status != 200 {
		t.Fatalf("note: %d %s", r.Status, r.Body)
	}
	// a search in the span's text, note or speaker (the full-text index:
	// words, diacritics folded)
	for q, want := range map[string][]int64{"q=" + url.QueryEscape("Ærø"): {all[1]}, "q=sure": {all[1]}, "q=zzz": nil,
		"q=" + url.QueryEscape("Café"): {all[2]}, "q=cafe": {all[2]}, "q=" + url.QueryEscape("note:sure"): {all[1]}} {
		if got := spanIDs(t, e, "ann", q); !slices.Equal(got, want) {
			t.Errorf("list ?%s: %v, want %v", q, got, want)
		}
	}
	for q, field := range map[string]string{"ownership=owned": "ownership", "country=Norway": "country", "published_from=yesterday": "published_from",
		"published_from=2026-03-01&published_to=2026-01-01": "published_to", "q=%00": "q", "q=" + url.QueryEscape(`"unclosed`): "q", "context=-1": "context", "context=100000": "context"} {
		r := e.do("GET", fmt.Sprintf("/api/v1/projects/%d/annotations?%s", e.project.ID, q), "ann", "")
		if r.Status != 422 || errorOf(t, r)["fields"].(map[string]any)[field] == nil {
			t.Errorf("?%s: %d %s, want 422 on %s", q, r.Status, r.Body, field)
		}
	}
}

// ?context=N gives each item N code points either side, counted as the
// offsets are, and its article's title and outlet.
func TestSpanListContext(t *testing.T) {
	t.Parallel()
	text := "👩‍👩‍👧 Café said: the ferry 🚢 runs late, officials said."
	e := newEnv(t, text)
	runes := []rune(text)
	start := strings.Index(text, "the ferry")
	s := utf8.RuneCountInString(text[:start])
	r := e.do("POST", fmt.Sprintf("/api/v1/articles/%d/annotations", e.article.ID), "ann", fmt.Sprintf(`{"label":"opinion","start":%d,"end":%d}`, s, s+9))
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	r = e.do("GET", fmt.Sprintf("/api/v1/projects/%d/annotations?context=6", e.project.ID), "ann", "")
	var page struct {
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal(r.Body, &page); err != nil || len(page.Items) != 2 {
		t.Fatalf("list: %v %s", err, r.Body)
	}
	first, second := page.Items[0], page.Items[1]
	// the env's span is [0, 2): nothing before it
	if first["context_before"] != "" || first["context_after"] != string(runes[2:8]) {
		t.Errorf("first span's context %q | %q", first["context_before"], first["context_after"])
	}
	if second["context_before"] != string(runes[s-6:s]) || second["context_after"] != string(runes[s+9:s+15]) || second["text"] != "the ferry" {
		t.Errorf("second span's context %q | %q | %q", second["context_before"], second["text"], second["context_after"])
	}
	if second["article_title"] != "Article" || second["source"] != "example.org" || second["published_at"] != nil || second["label"] != "opinion" {
		t.Errorf("article fields: %v", second)
	}
	// without ?context the items are as before
	r = e.do("GET", fmt.Sprintf("/api/v1/projects/%d/annotations", e.project.ID), "ann", "")
	if strings.Contains(string(r.Body), "context_before") {
		t.Errorf("context without asking: %s", r.Body)
	}
}
