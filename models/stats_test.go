package models_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"slant/models"
	"slant/models/modelstest"
)

// statsArt and statsSpan are the fixture as the test wrote it: the
// expected counts come from these, not from the store's SQL.
type statsArt struct {
	id                                int64
	domain, ownership, country, month string
	words                             int64
	text                              string
}

type statsSpan struct {
	article          int64
	label, annotator string
	start, end       int
	note             string
}

type statsFixture struct {
	s        *models.Store
	project  int64
	arts     []statsArt
	spans    []statsSpan
	users    map[string]int64
	labels   []string
	articles map[int64]statsArt
}

// words counts as a reader would: the white-space separated pieces that
// hold a letter or digit.
func words(text string) int64 {
	var n int64
	for _, f := range strings.FieldsFunc(text, unicode.IsSpace) {
		if strings.IndexFunc(f, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }) >= 0 {
			n++
		}
	}
	return n
}

var statsWords = strings.Fields("officials said the ferry runs late state-funded café Ærø naïve 🚢 — 👩‍👩‍👧 ١٢٣ said: \"protest\" harbour budget Москва")

// newStatsFixture builds a project of articles from four kinds of outlet
// (and none), over three months (and undated), with spans of two
// annotators, a second project whose spans must not count, and returns
// what it wrote.
func newStatsFixture(t *testing.T, seed int64) *statsFixture {
	t.Helper()
	ctx := context.Background()
	s := modelstest.NewStore(t)
	rng := rand.New(rand.NewSource(seed))
	fx := &statsFixture{s: s, users: map[string]int64{}, articles: map[int64]statsArt{}}
	for _, name := range []string{"ann", "bob"} {
		u, err := s.CreateUser(ctx, name, models.RoleAnnotator, "correct horse battery")
		if err != nil {
			t.Fatal(err)
		}
		fx.users[name] = u.ID
	}
	p := &models.Project{Name: "Stats"}
	if err := s.CreateProject(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	fx.project = p.ID
	other := &models.Project{Name: "Other"}
	if err := s.CreateProject(ctx, other, nil); err != nil {
		t.Fatal(err)
	}
	labels, err := s.ListLabels(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range labels {
		fx.labels = append(fx.labels, l.Key)
	}
	outlets := []struct{ domain, ownership, country string }{
		{"state.example", models.OwnershipStateControlled, "RU"},
		{"funded.example", models.OwnershipStateFunded, "TR"},
		{"public.example", models.OwnershipPublicService, "NO"},
		{"private.example", models.OwnershipPrivate, "NO"},
		{"", models.OwnershipUnknown, ""}, // no outlet
	}
	months := []*time.Time{nil}
	for _, m := range []string{"2026-01-15T10:00:00Z", "2026-02-28T23:30:00Z", "2026-03-01T00:00:00Z"} {
		tm, _ := time.Parse(time.RFC3339, m)
		months = append(months, &tm)
	}
	for i := 0; i < 40; i++ {
		o := outlets[rng.Intn(len(outlets))]
		pub := months[rng.Intn(len(months))]
		var b strings.Builder
		for w := 0; w < 5+rng.Intn(40); w++ {
			if w > 0 {
				b.WriteString([]string{" ", "  ", "\u00a0", "\r\n", "\t"}[rng.Intn(5)])
			}
			b.WriteString(statsWords[rng.Intn(len(statsWords))])
		}
		in := models.ArticleIn{Title: fmt.Sprint("article ", i), Text: b.String(), PublishedAt: pub}
		if o.domain != "" {
			in.URL = fmt.Sprintf("https://www.%s/%d", o.domain, i)
		}
		created, err := s.CreateArticles(ctx, p.ID, []models.ArticleIn{in})
		if err != nil {
			t.Fatal(err)
		}
		a := statsArt{id: created[0].ID, domain: o.domain, ownership: o.ownership, country: o.country, words: words(in.Text), text: in.Text}
		if pub != nil {
			a.month = pub.Format("2006-01")
		}
		fx.arts = append(fx.arts, a)
		fx.articles[a.id] = a
		n := utf8.RuneCountInString(in.Text)
		for k := rng.Intn(6); k > 0; k-- {
			sp := statsSpan{article: a.id, label: fx.labels[rng.Intn(len(fx.labels))], annotator: []string{"ann", "bob"}[rng.Intn(2)]}
			sp.start = rng.Intn(n - 1)
			sp.end = sp.start + 1 + rng.Intn(min(n-sp.start, 12))
			sp.note = []string{"", "framing noted", "Ærø note"}[rng.Intn(3)]
			_, err := s.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: a.id, UserID: fx.users[sp.annotator], Label: sp.label,
				Start: sp.start, End: sp.end, Note: sp.note})
			if errors.Is(err, models.ErrConflict) {
				continue // the same span twice
			}
			if err != nil {
				t.Fatal(err)
			}
			fx.spans = append(fx.spans, sp)
		}
	}
	// outlet profiles: set after the articles created them as unknown
	for _, o := range outlets[:4] {
		src, err := s.SourceByDomain(ctx, o.domain)
		if errors.Is(err, models.ErrNotFound) {
			continue // no article drew this outlet
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateSource(ctx, src.ID, func(x *models.Source) error {
			x.Ownership, x.Country = o.ownership, o.country
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	// gold spans (a curator's decisions) must not count: one per article
	// that has spans, on its first span's passage
	for _, a := range fx.arts {
		for _, sp := range fx.spans {
			if sp.article == a.id {
				if _, err := s.AcceptGold(ctx, models.GoldDecision{ArticleID: a.id, CuratorID: fx.users["ann"], Label: sp.label, Start: sp.start, End: sp.end}); err != nil {
					t.Fatal(err)
				}
				break
			}
		}
	}
	// the other project's spans must not count
	oa, err := s.CreateArticles(ctx, other.ID, []models.ArticleIn{{Title: "o", URL: "https://state.example/o", Text: "officials said the ferry runs"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: oa[0].ID, UserID: fx.users["ann"], Label: "opinion", Start: 0, End: 9}); err != nil {
		t.Fatal(err)
	}
	return fx
}

// keyOf is an article's or span's value of a stats key.
func (fx *statsFixture) keyOf(k string, a statsArt, sp *statsSpan) string {
	switch k {
	case "source":
		return a.domain
	case "ownership":
		return a.ownership
	case "country":
		return a.country
	case "month":
		return a.month
	case "label":
		return sp.label
	case "annotator":
		return sp.annotator
	}
	panic(k)
}

// expect counts a row directly from the fixture: the articles whose
// article-side keys match, and the spans among them whose every key does.
func (fx *statsFixture) expect(q models.StatsQuery, keys []string, onlyUser string) models.StatsRow {
	want := models.StatsRow{Keys: keys}
	spanKey := func(k string) bool { return k == "label" || k == "annotator" }
	for _, a := range fx.arts {
		match := true
		for i, k := range q.By {
			if !spanKey(k) && fx.keyOf(k, a, nil) != keys[i] {
				match = false
			}
		}
		if !match {
			continue
		}
		want.Articles++
		want.Words += a.words
		has := false
		for _, sp := range fx.spans {
			if sp.article != a.id || (q.Label != "" && sp.label != q.Label) || (onlyUser != "" && sp.annotator != onlyUser) {
				continue
			}
			ok := true
			for i, k := range q.By {
				if spanKey(k) && fx.keyOf(k, a, &sp) != keys[i] {
					ok = false
				}
			}
			if ok {
				want.Spans++
				has = true
			}
		}
		if has {
			want.ArticlesWithSpans++
		}
	}
	return want
}

func TestStatsMatchTheFixture(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fx := newStatsFixture(t, 11)
	if len(fx.spans) < 40 {
		t.Fatalf("fixture too small: %d spans", len(fx.spans))
	}
	cases := []struct {
		by       []string
		label    string
		onlyUser string
	}{
		{nil, "", ""}, {[]string{"ownership"}, "", ""}, {[]string{"source"}, "", ""}, {[]string{"country"}, "", ""},
		{[]string{"month"}, "", ""}, {[]string{"label"}, "", ""}, {[]string{"annotator"}, "", ""},
		{[]string{"ownership", "label"}, "", ""}, {[]string{"month", "ownership"}, "", ""}, {[]string{"label", "annotator"}, "", ""},
		{[]string{"source", "month", "label", "annotator"}, "", ""},
		{[]string{"ownership"}, "attributed_claim", ""}, {[]string{"month"}, "opinion", ""},
		{[]string{"ownership", "label"}, "", "bob"}, {nil, "", "ann"},
	}
	for _, c := range cases {
		q := models.StatsQuery{ProjectID: fx.project, By: c.by, Label: c.label}
		if c.onlyUser != "" {
			q.UserID = fx.users[c.onlyUser]
		}
		rows, err := fx.s.Stats(ctx, q)
		if err != nil {
			t.Fatalf("%v: %v", c, err)
		}
		var articles, spans, wantSpans int64
		seen := map[string]bool{}
		for _, r := range rows {
			want := fx.expect(q, r.Keys, c.onlyUser)
			if r.Spans != want.Spans || r.Articles != want.Articles || r.Words != want.Words || r.ArticlesWithSpans != want.ArticlesWithSpans {
				t.Errorf("%v row %q: got spans %d articles %d with spans %d words %d, the fixture says %d %d %d %d", c, r.Keys,
					r.Spans, r.Articles, r.ArticlesWithSpans, r.Words, want.Spans, want.Articles, want.ArticlesWithSpans, want.Words)
			}
			if seen[strings.Join(r.Keys, "|")] {
				t.Errorf("%v: row %q twice", c, r.Keys)
			}
			seen[strings.Join(r.Keys, "|")] = true
			spans += r.Spans
			if !slices.Contains(c.by, "label") && !slices.Contains(c.by, "annotator") {
				articles += r.Articles // each article in one row
			}
		}
		for _, sp := range fx.spans {
			if (c.label == "" || sp.label == c.label) && (c.onlyUser == "" || sp.annotator == c.onlyUser) {
				wantSpans++
			}
		}
		if spans != wantSpans {
			t.Errorf("%v: rows add up to %d spans, the fixture has %d", c, spans, wantSpans)
		}
		if articles != 0 && articles != int64(len(fx.arts)) {
			t.Errorf("%v: rows add up to %d articles, the fixture has %d", c, articles, len(fx.arts))
		}
	}
}

func TestStatsRowsAreComplete(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fx := newStatsFixture(t, 5)
	rows, err := fx.s.Stats(ctx, models.StatsQuery{ProjectID: fx.project, By: []string{"ownership", "label"}})
	if err != nil {
		t.Fatal(err)
	}
	// every ownership kind that has an article, with every label, zeros too,
	// ownership in its fixed order and labels in the project's
	kinds := map[string]bool{}
	for _, a := range fx.arts {
		kinds[a.ownership] = true
	}
	if len(rows) != len(kinds)*len(fx.labels) {
		t.Fatalf("%d rows, want %d kinds x %d labels", len(rows), len(kinds), len(fx.labels))
	}
	var order []string
	for _, k := range models.Ownerships {
		if kinds[k] {
			for _, l := range fx.labels {
				order = append(order, k+"|"+l)
			}
		}
	}
	for i, r := range rows {
		if got := strings.Join(r.Keys, "|"); got != order[i] {
			t.Fatalf("row %d is %s, want %s", i, got, order[i])
		}
	}
}

func TestStatsRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := modelstest.NewStore(t)
	p := &models.Project{Name: "Empty"}
	if err := s.CreateProject(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	for _, q := range []models.StatsQuery{
		{ProjectID: p.ID, By: []string{"outlet"}},
		{ProjectID: p.ID, By: []string{"label", "label"}},
		{ProjectID: p.ID, Label: "no_such_label"},
	} {
		if _, err := s.Stats(ctx, q); !errors.Is(err, models.ErrInvalid) {
			t.Errorf("%+v: %v, want invalid", q, err)
		}
	}
	if _, err := s.Stats(ctx, models.StatsQuery{ProjectID: p.ID + 99}); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("missing project: %v", err)
	}
	// an empty project answers zeros, not an empty table
	rows, err := s.Stats(ctx, models.StatsQuery{ProjectID: p.ID, By: []string{"label"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(models.DefaultLabels()) || rows[0].Spans != 0 || rows[0].Articles != 0 || rows[0].PerThousandWords() != 0 || rows[0].ShareOfArticles() != 0 {
		t.Fatalf("empty project: %+v", rows)
	}
}

func TestCountWords(t *testing.T) {
	t.Parallel()
	for text, want := range map[string]int{
		"":                              0,
		"   ":                           0,
		"one":                           1,
		"state-funded outlets — said":   3,
		"don't\u00a0stop\r\nnow":        3,
		"🚢 ferry":                       1, // an emoji alone is not a word
		"café naïve Ærø Москва ١٢٣":     5,
		"\u202bمرحبا بالعالم\u202c":     2,
		"a\u0301b c":                    2,
		"  leading and trailing  \t\n ": 3,
	} {
		if got := models.CountWords(text); got != want || int64(got) != words(text) {
			t.Errorf("CountWords(%q) = %d, want %d (reader's count %d)", text, got, want, words(text))
		}
	}
}
