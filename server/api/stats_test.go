package api

import (
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"slant/models"
)

// statsSpanRec is a span as the test wrote it.
type statsSpanRec struct {
	article          int64
	label, annotator string
}

// statsScenario adds to the test env: three outlets of different
// ownership, articles over two months, spans of ann and other. It
// returns the articles' ownership, month and word counts and the spans,
// from which the test counts what GET /stats must say.
func statsScenario(t *testing.T, e *testEnv) (own, month map[int64]string, words map[int64]int64, spans []statsSpanRec) {
	t.Helper()
	ctx := context.Background()
	countWords := func(s string) int64 {
		var n int64
		for _, f := range strings.FieldsFunc(s, unicode.IsSpace) {
			if strings.IndexFunc(f, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }) >= 0 {
				n++
			}
		}
		return n
	}
	own, month, words = map[int64]string{}, map[int64]string{}, map[int64]int64{}
	// the env's own article: outlet.example.org, unknown, undated, ann's opinion [0, 2)
	art0, err := e.store.GetArticle(ctx, e.article.ID)
	if err != nil {
		t.Fatal(err)
	}
	own[e.article.ID], month[e.article.ID], words[e.article.ID] = models.OwnershipUnknown, "", countWords(art0.Text)
	spans = append(spans, statsSpanRec{e.article.ID, "opinion", "ann"})
	jan := time.Date(2026, 1, 31, 23, 0, 0, 0, time.UTC)
	feb := time.Date(2026, 2, 1, 0, 30, 0, 0, time.UTC)
	texts := []struct {
		domain, ownership string
		pub               *time.Time
		text              string
	}{
		{"state.example", models.OwnershipStateControlled, &jan, "Officials said the ferry — state-funded — runs late."},
		{"state.example", models.OwnershipStateControlled, &feb, "Café owners\u00a0protested; police said 🚢 nothing."},
		{"private.example", models.OwnershipPrivate, &feb, "The budget, critics said, will inevitably fail.\r\nMore to come."},
		{"public.example", models.OwnershipPublicService, &jan, "Москва said one thing; ١٢٣ others disagreed."},
		{"public.example", models.OwnershipPublicService, nil, "No spans in this article at all."},
	}
	for i, x := range texts {
		arts, err := e.store.CreateArticles(ctx, e.project.ID, []models.ArticleIn{{Title: fmt.Sprint("s", i), URL: "https://" + x.domain + "/" + strconv.Itoa(i), Text: x.text, PublishedAt: x.pub}})
		if err != nil {
			t.Fatal(err)
		}
		id := arts[0].ID
		own[id], month[id], words[id] = x.ownership, "", countWords(x.text)
		if x.pub != nil {
			month[id] = x.pub.Format("2006-01")
		}
		src, err := e.store.SourceByDomain(ctx, x.domain)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.UpdateSource(ctx, src.ID, func(s *models.Source) error { s.Ownership = x.ownership; return nil }); err != nil {
			t.Fatal(err)
		}
		if i == len(texts)-1 {
			continue
		}
		for j, sp := range []statsSpanRec{{id, "opinion", "ann"}, {id, "attributed_claim", "other"}, {id, "opinion", "other"}}[:1+i%3] {
			if _, err := e.store.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: id, UserID: e.users[sp.annotator].ID, Label: sp.label, Start: j, End: j + 4}); err != nil {
				t.Fatal(err)
			}
			spans = append(spans, sp)
		}
	}
	return own, month, words, spans
}

func TestStatsAPIMatchesCountsFromTheFixture(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "Hello world, a test article.")
	own, month, words, spans := statsScenario(t, e)
	base := fmt.Sprintf("/api/v1/projects/%d/stats", e.project.ID)

	// by=ownership,label: each row against a count over the fixture
	r := e.do("GET", base+"?by=ownership,label", "ann", "")
	if r.Status != 200 {
		t.Fatalf("stats: %d %s", r.Status, r.Body)
	}
	body := r.JSON(t)
	items := body["items"].([]any)
	labels := []string{"opinion", "attributed_claim", "state_media_framing", "source", "cue", "unused"}
	kinds := map[string]bool{}
	for _, o := range own {
		kinds[o] = true
	}
	if len(items) != len(kinds)*len(labels) {
		t.Fatalf("%d rows, want %d ownership kinds x %d labels", len(items), len(kinds), len(labels))
	}
	for _, it := range items {
		row := it.(map[string]any)
		o, l := row["ownership"].(string), row["label"].(string)
		var arts, w, n, with int64
		for id, k := range own {
			if k != o {
				continue
			}
			arts++
			w += words[id]
			has := false
			for _, sp := range spans {
				if sp.article == id && sp.label == l {
					n++
					has = true
				}
			}
			if has {
				with++
			}
		}
		for k, want := range map[string]float64{"articles": float64(arts), "words": float64(w), "spans": float64(n), "articles_with_spans": float64(with),
			"spans_per_1000_words": float64(n) * 1000 / float64(w), "share_of_articles": float64(with) / float64(arts)} {
			if got := row[k].(float64); math.Abs(got-want) > 1e-6 {
				t.Errorf("%s/%s %s = %v, the fixture says %v", o, l, k, got, want)
			}
		}
	}

	// by=month with label=opinion, as CSV: the columns are the key and the
	// measures, and the undated articles are a row of their own, last
	r = e.do("GET", base+"?by=month&label=opinion&format=csv", "ann", "")
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %s %s", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	recs, err := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(recs[0], ","); got != "month,spans,articles,articles_with_spans,words,spans_per_1000_words,share_of_articles" {
		t.Fatalf("csv header %s", got)
	}
	if got := []string{recs[1][0], recs[2][0], recs[3][0]}; len(recs) != 4 || got[0] != "2026-01" || got[1] != "2026-02" || got[2] != "" {
		t.Fatalf("csv months %v", recs)
	}
	for _, rec := range recs[1:] {
		var n, arts int64
		for id, m := range month {
			if m == rec[0] {
				arts++
				for _, sp := range spans {
					if sp.article == id && sp.label == "opinion" {
						n++
					}
				}
			}
		}
		if rec[1] != strconv.FormatInt(n, 10) || rec[2] != strconv.FormatInt(arts, 10) {
			t.Errorf("month %q: spans %s articles %s, the fixture says %d %d", rec[0], rec[1], rec[2], n, arts)
		}
	}
}

func TestStatsAPIBlindAndRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "Hello world, a test article.")
	_, _, _, spans := statsScenario(t, e)
	base := fmt.Sprintf("/api/v1/projects/%d/stats", e.project.ID)
	count := func(who string) int64 {
		var n int64
		for _, sp := range spans {
			if who == "" || sp.annotator == who {
				n++
			}
		}
		return n
	}
	total := func(user string) (int64, []string) {
		r := e.do("GET", base+"?by=annotator", user, "")
		if r.Status != 200 {
			t.Fatalf("stats as %s: %d %s", user, r.Status, r.Body)
		}
		var n int64
		var who []string
		for _, it := range r.JSON(t)["items"].([]any) {
			row := it.(map[string]any)
			n += int64(row["spans"].(float64))
			who = append(who, row["annotator"].(string))
		}
		return n, who
	}
	if n, who := total("ann"); n != count("") || len(who) != 2 {
		t.Fatalf("open project: ann sees %d spans of %v, want %d of two annotators", n, who, count(""))
	}
	if _, err := e.store.UpdateProject(context.Background(), e.project.ID, func(p *models.Project) error { p.Blind = true; return nil }); err != nil {
		t.Fatal(err)
	}
	// blind: an annotator's counts are of their own spans; a curator's are not narrowed
	if n, who := total("ann"); n != count("ann") || strings.Join(who, ",") != "ann" {
		t.Fatalf("blind project: ann sees %d spans of %v, want only her own %d", n, who, count("ann"))
	}
	if n, _ := total("cur"); n != count("") {
		t.Fatalf("blind project: the curator sees %d spans, want %d", n, count(""))
	}
	for q, field := range map[string]string{"?by=outlet": "by", "?by=label,label": "by", "?format=xml": "format", "?label=" + url.QueryEscape("no such"): "label"} {
		r := e.do("GET", base+q, "ann", "")
		if r.Status != 422 {
			t.Fatalf("%s: %d %s", q, r.Status, r.Body)
		}
		if f := errorOf(t, r)["fields"].(map[string]any); f[field] == nil {
			t.Errorf("%s: fields %v, want %s", q, f, field)
		}
	}
}
