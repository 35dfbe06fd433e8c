package models_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"slant/models"
	"slant/models/modelstest"
)

// The search results are checked against what this file works out in
// Go from the fixture texts: its own folding (decompose, drop the
// combining marks, lower-case) and its own word splitting, not the SQL.

// searchFold folds case and diacritics: "Café" and "CAFE\u0301" become "cafe".
func searchFold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// searchWords splits folded text into words: runs of letters and digits.
func searchWords(s string) []string {
	return strings.FieldsFunc(searchFold(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
}

// hasPhrase: the words of phrase occur in a row in words (the last one
// as a prefix when prefix is set).
func hasPhrase(words []string, phrase string, prefix bool) bool {
	p := searchWords(phrase)
	for i := 0; i+len(p) <= len(words); i++ {
		ok := true
		for j, w := range p {
			last := j == len(p)-1
			if words[i+j] != w && !(prefix && last && strings.HasPrefix(words[i+j], w)) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

var searchFixture = []models.ArticleIn{
	{Title: "Café culture returns", Text: "The café on the corner reopened. Officials said the café would stay open."},
	{Title: "Budget deal", Text: "Officials said the budget deal was fragile. Critics called it a rumour."},
	{Title: "Naïve hopes", Text: "A naïve reading of the deal ignores the rumour mill; officials declined to comment."},
	{Title: "Новости Москвы", Text: "Официальные лица заявили, что кафе откроется снова. Официальные лица молчат."},
	{Title: "أخبار المدينة", Text: "قال المسؤولون إن المقهى سيفتح مرة أخرى في المدينة."},
	{Title: "Ministers meet", Text: "The minister and ministry officials met. Ministerial talks ended without a statement."},
	{Title: "Deal or no deal", Text: "No agreement was reached on Tuesday."},
	{Title: "Quagga sighting", Text: "A quagga was seen. Then a quagga again, and a quagga later. Nobody else saw it there."},
	{Title: "Rare animals", Text: "A quagga was seen by one walker. Nobody else saw anything at all, there or elsewhere."},
	{Title: "Decomposed", Text: "Cafe\u0301 society met again.\r\nRates 📈 rose 👩‍🔬 while officials said nothing."},
}

type searchCase struct {
	q    string
	want func(title, text []string) bool
}

var searchCases = []searchCase{
	{"cafe", func(ti, tx []string) bool { return slices.Contains(ti, "cafe") || slices.Contains(tx, "cafe") }},
	{"CAFÉ", func(ti, tx []string) bool { return slices.Contains(ti, "cafe") || slices.Contains(tx, "cafe") }},
	{`"officials said"`, func(ti, tx []string) bool {
		return hasPhrase(ti, "officials said", false) || hasPhrase(tx, "officials said", false)
	}},
	{"officials -rumour", func(ti, tx []string) bool {
		return (slices.Contains(ti, "officials") || slices.Contains(tx, "officials")) && !slices.Contains(ti, "rumour") && !slices.Contains(tx, "rumour")
	}},
	{"minist*", func(ti, tx []string) bool { return hasPhrase(ti, "minist", true) || hasPhrase(tx, "minist", true) }},
	{"title:deal", func(ti, tx []string) bool { return slices.Contains(ti, "deal") }},
	{"deal", func(ti, tx []string) bool { return slices.Contains(ti, "deal") || slices.Contains(tx, "deal") }},
	{"naive deal", func(ti, tx []string) bool {
		all := append(slices.Clone(ti), tx...)
		return slices.Contains(all, "naive") && slices.Contains(all, "deal")
	}},
	{"кафе", func(ti, tx []string) bool { return slices.Contains(tx, "кафе") }},
	{`"официальные лица"`, func(ti, tx []string) bool { return hasPhrase(tx, "официальные лица", false) }},
	{"المقهى", func(ti, tx []string) bool { return slices.Contains(tx, "المقهى") }},
	{"title:المدينة", func(ti, tx []string) bool { return slices.Contains(ti, "المدينة") }},
	{"quagga", func(ti, tx []string) bool { return slices.Contains(ti, "quagga") || slices.Contains(tx, "quagga") }},
	{"rates rose", func(ti, tx []string) bool {
		all := append(slices.Clone(ti), tx...)
		return slices.Contains(all, "rates") && slices.Contains(all, "rose")
	}},
	{"nothingatall", func(ti, tx []string) bool { return false }},
}

func searchStore(t *testing.T) (*models.Store, *models.Project, *models.User, []models.Article) {
	t.Helper()
	s := modelstest.NewStore(t)
	u, err := s.CreateUser(ctx, "ana", models.RoleAdmin, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	p := &models.Project{Name: "P"}
	if err := s.CreateProject(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	// another project's articles are never found
	other := &models.Project{Name: "Other"}
	if err := s.CreateProject(ctx, other, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateArticles(ctx, other.ID, searchFixture); err != nil {
		t.Fatal(err)
	}
	arts, err := s.CreateArticles(ctx, p.ID, searchFixture)
	if err != nil {
		t.Fatal(err)
	}
	return s, p, u, arts
}

func search(t *testing.T, s *models.Store, p *models.Project, u *models.User, q string, pg models.Page) ([]models.ArticleSummary, *string) {
	t.Helper()
	rows, next, err := s.ListArticles(ctx, models.ArticleFilter{ProjectID: p.ID, UserID: u.ID, Q: q}, pg)
	if err != nil {
		t.Fatalf("search %q: %v", q, err)
	}
	return rows, next
}

func TestSearchFindsWhatGoFinds(t *testing.T) {
	t.Parallel()
	s, p, u, arts := searchStore(t)
	for _, c := range searchCases {
		var want []int64
		for _, a := range arts {
			if c.want(searchWords(a.Title), searchWords(a.Text)) {
				want = append(want, a.ID)
			}
		}
		rows, _ := search(t, s, p, u, c.q, models.Page{})
		var got []int64
		for _, r := range rows {
			got = append(got, r.ID)
			checkSnippet(t, c.q, r, arts)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("search %q: got %v, want %v", c.q, got, want)
		}
		if c.q != "nothingatall" && len(want) == 0 {
			t.Errorf("search %q: the fixture has no match; the case tests nothing", c.q)
		}
	}
}

// checkSnippet: the snippet is the stored field's slice at its offset,
// and every highlighted range is a word or phrase of the query.
func checkSnippet(t *testing.T, q string, r models.ArticleSummary, arts []models.Article) {
	t.Helper()
	sn := r.Snippet
	if sn == nil {
		t.Errorf("search %q: article %d has no snippet", q, r.ID)
		return
	}
	var a models.Article
	for _, x := range arts {
		if x.ID == r.ID {
			a = x
		}
	}
	field := []rune(a.Text)
	if sn.Field == "title" {
		field = []rune(a.Title)
	}
	n := len([]rune(sn.Text))
	if sn.Offset < 0 || sn.Offset+n > len(field) || string(field[sn.Offset:sn.Offset+n]) != sn.Text {
		t.Errorf("search %q: snippet %q at %d is not the %s's slice", q, sn.Text, sn.Offset, sn.Field)
		return
	}
	if len(sn.Matches) == 0 {
		t.Errorf("search %q: snippet %q of article %d marks nothing", q, sn.Text, r.ID)
	}
	terms := searchWords(strings.NewReplacer("title:", " ", "-rumour", " ", "*", " ").Replace(q))
	st := []rune(sn.Text)
	for _, m := range sn.Matches {
		if m[0] < 0 || m[0] >= m[1] || m[1] > len(st) {
			t.Errorf("search %q: match %v outside snippet %q", q, m, sn.Text)
			continue
		}
		for _, w := range searchWords(string(st[m[0]:m[1]])) {
			found := false
			for _, term := range terms {
				found = found || w == term || strings.HasSuffix(q, "*") && strings.HasPrefix(w, term)
			}
			if !found {
				t.Errorf("search %q: snippet %q marks %q (%v), not a word of the query", q, sn.Text, string(st[m[0]:m[1]]), m)
			}
		}
	}
}

func TestSearchRanksAndPages(t *testing.T) {
	t.Parallel()
	s, p, u, arts := searchStore(t)
	// three quaggas rank above one, in texts of about the same length
	rows, _ := search(t, s, p, u, "quagga", models.Page{})
	if len(rows) != 2 || rows[0].ID != arts[7].ID || rows[1].ID != arts[8].ID {
		t.Fatalf("quagga: %v", ids(rows))
	}
	// a snippet of the best cluster: all three quaggas, offsets in code points
	if sn := rows[0].Snippet; len(sn.Matches) != 3 || sn.Field != "text" {
		t.Errorf("quagga snippet: %+v", sn)
	}
	// code points, not bytes or UTF-16: "officials" after emoji in the text
	rows, _ = search(t, s, p, u, `"officials said" nothing`, models.Page{})
	if len(rows) != 1 || rows[0].ID != arts[9].ID {
		t.Fatalf("officials said nothing: %v", ids(rows))
	}
	if sn := rows[0].Snippet; sn.Offset != 0 || len(sn.Matches) != 2 {
		t.Errorf("snippet: %+v", sn)
	} else if m := sn.Matches[0]; string([]rune(sn.Text)[m[0]:m[1]]) != "officials said" || m[0] != 49 {
		t.Errorf("match %v = %q", m, string([]rune(sn.Text)[m[0]:m[1]]))
	}
	// pages of 2 are the whole list in the same order, without repeats
	all, _ := search(t, s, p, u, "officials", models.Page{})
	if len(all) < 5 {
		t.Fatalf("officials: %d results", len(all))
	}
	var paged []models.ArticleSummary
	cursor := ""
	for range 10 {
		rows, next := search(t, s, p, u, "officials", models.Page{Limit: 2, Cursor: cursor})
		paged = append(paged, rows...)
		if next == nil {
			break
		}
		cursor = *next
	}
	if !slices.Equal(ids(paged), ids(all)) {
		t.Errorf("paged %v, all %v", ids(paged), ids(all))
	}
	// a list cursor is not a search cursor
	_, next, err := s.ListArticles(ctx, models.ArticleFilter{ProjectID: p.ID, UserID: u.ID}, models.Page{Limit: 1})
	if err != nil || next == nil {
		t.Fatal(err)
	}
	if _, _, err := s.ListArticles(ctx, models.ArticleFilter{ProjectID: p.ID, UserID: u.ID, Q: "deal"}, models.Page{Cursor: *next}); err == nil {
		t.Error("a list cursor was taken by a search")
	}
	// the other filters still apply
	if err := s.SetDone(ctx, u.ID, arts[1].ID, true); err != nil {
		t.Fatal(err)
	}
	rows, _, err = s.ListArticles(ctx, models.ArticleFilter{ProjectID: p.ID, UserID: u.ID, Q: "deal", Status: "done"}, models.Page{})
	if err != nil || len(rows) != 1 || rows[0].ID != arts[1].ID || !rows[0].Done {
		t.Errorf("deal, done: %v %v", ids(rows), err)
	}
}

func ids(rows []models.ArticleSummary) []int64 {
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = r.ID
	}
	return out
}

// The index follows every write: a title edit, a delete.
func TestSearchFollowsWrites(t *testing.T) {
	t.Parallel()
	s, p, u, arts := searchStore(t)
	title := "Zanzibar summit"
	if _, err := s.UpdateArticle(ctx, arts[0].ID, models.ArticlePatch{Title: &title}); err != nil {
		t.Fatal(err)
	}
	if rows, _ := search(t, s, p, u, "zanzibar", models.Page{}); len(rows) != 1 || rows[0].Snippet.Field != "title" {
		t.Errorf("new title: %v", ids(rows))
	}
	if rows, _ := search(t, s, p, u, "title:culture", models.Page{}); len(rows) != 0 {
		t.Errorf("old title still found: %v", ids(rows))
	}
	if err := s.DeleteArticle(ctx, arts[7].ID); err != nil {
		t.Fatal(err)
	}
	if rows, _ := search(t, s, p, u, "quagga", models.Page{}); len(rows) != 1 || rows[0].ID != arts[8].ID {
		t.Errorf("after delete: %v", ids(rows))
	}
}

// A phrase is found within the title or the text, never from the end of
// one into the start of the other.
func TestSearchPhraseStaysInItsField(t *testing.T) {
	t.Parallel()
	s, p, u, arts := searchStore(t)
	if rows, _ := search(t, s, p, u, `"culture returns"`, models.Page{}); len(rows) != 1 || rows[0].ID != arts[0].ID {
		t.Fatalf("a phrase of the title: %v", ids(rows))
	}
	if rows, _ := search(t, s, p, u, `"returns the"`, models.Page{}); len(rows) != 0 {
		t.Errorf("the title's last word and the text's first were found as a phrase: %v", ids(rows))
	}
}

// An import's articles are indexed as they are written but found only
// once it is published.
func TestSearchHidesRunningImport(t *testing.T) {
	t.Parallel()
	s, p, u, _ := searchStore(t)
	id, err := s.StartImport(ctx, p.ID, u.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	w := s.ImportWriter(ctx, id)
	a, err := models.NewArticleRow(p.ID, models.ArticleIn{Title: "Imported", Text: "The xylophonist officials said nothing."})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.InsertArticle(&a); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	if rows, _ := search(t, s, p, u, "xylophonist", models.Page{}); len(rows) != 0 {
		t.Fatalf("a running import's article was found: %v", ids(rows))
	}
	if rows, _ := search(t, s, p, u, `"officials said" -cafe`, models.Page{}); slices.Contains(ids(rows), a.ID) {
		t.Fatalf("a running import's article was found: %v", ids(rows))
	}
	if err := s.EndImport(ctx, id, models.ImportStateDone, "", models.ImportCounts{ArticlesCreated: 1}); err != nil {
		t.Fatal(err)
	}
	if rows, _ := search(t, s, p, u, "xylophonist", models.Page{}); len(rows) != 1 || rows[0].ID != a.ID {
		t.Fatalf("published: %v", ids(rows))
	}
}

func TestSearchErrors(t *testing.T) {
	t.Parallel()
	s, p, u, _ := searchStore(t)
	for _, q := range []string{`"open`, `-`, `-deal`, strings.Repeat("x", models.MaxSearchRunes+1)} {
		_, _, err := s.ListArticles(ctx, models.ArticleFilter{ProjectID: p.ID, UserID: u.ID, Q: q}, models.Page{})
		var ve *models.ValidationError
		if !errors.As(err, &ve) || ve.Code != "invalid_query" {
			t.Errorf("%.20q: %v", q, err)
		}
	}
	// only signs: no word to look for, nothing found
	if rows, _ := search(t, s, p, u, "%", models.Page{}); len(rows) != 0 {
		t.Errorf("%%: %v", ids(rows))
	}
}

// A span search (?q= of the span list and the exports) finds spans by
// quote, note and speaker, follows edits and deletes, and never shows a
// running import's span.
func TestSpanTextSearch(t *testing.T) {
	t.Parallel()
	s := modelstest.NewStore(t)
	u, err := s.CreateUser(ctx, "ana", models.RoleAdmin, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	p := &models.Project{Name: "P"}
	if err := s.CreateProject(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	text := "The minister said the café would reopen. Critics called it a rumour."
	arts, err := s.CreateArticles(ctx, p.ID, []models.ArticleIn{{Title: "T", Text: text}})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(start, end int, label, note, speaker string) int64 {
		attrs := models.JSONMap{}
		if speaker != "" {
			attrs["speaker"] = speaker
		}
		a, err := s.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: arts[0].ID, UserID: u.ID, Label: label, Start: start, End: end, Note: note, Attributes: attrs})
		if err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	cafe := mk(4, 40, "attributed_claim", "a promise", "Jean Dupré") // "minister said the café would reopen"
	rumour := mk(41, 67, "opinion", "loaded word: rumour", "")       // "Critics called it a rumour"
	find := func(q string) []int64 {
		t.Helper()
		rows, _, err := s.ListAnnotations(ctx, models.AnnotationFilter{ProjectID: p.ID, SpanFilter: models.SpanFilter{Q: q}}, models.Page{})
		if err != nil {
			t.Fatalf("span search %q: %v", q, err)
		}
		var ids []int64
		for _, r := range rows {
			ids = append(ids, r.ID)
		}
		slices.Sort(ids)
		return ids
	}
	for q, want := range map[string][]int64{
		"cafe":            {cafe},         // the quote, diacritics folded
		"dupre":           {cafe},         // the speaker
		"speaker:jean":    {cafe},         // one field
		"quote:rumour":    {rumour},       // the quote, not the note
		"note:rumour":     {rumour},       // the note
		"note:promi*":     {cafe},         // a prefix in one field
		`"reopen a"`:      nil,            // a phrase stays in its field (quote, then note)
		"quote:promise":   nil,            // a note's word is not in the quote
		"rumour -critics": nil,            // exclusion
		`"a promise"`:     {cafe},         // a phrase of the note
		"":                {cafe, rumour}, // no search: every span
		"%":               nil,            // nothing to look for
	} {
		if got := find(q); !slices.Equal(got, want) && (len(got) != 0 || len(want) != 0) {
			t.Errorf("%q: %v, want %v", q, got, want)
		}
	}
	// the export reads the same filter in its read transaction
	var exported []int64
	if err := s.ExportAnnotations(ctx, models.AnnotationFilter{ProjectID: p.ID, SpanFilter: models.SpanFilter{Q: "speaker:dupre"}},
		func(r *models.ExportRow) error { exported = append(exported, r.AnnotationID); return nil }); err != nil || !slices.Equal(exported, []int64{cafe}) {
		t.Errorf("export of speaker:dupre: %v %v", exported, err)
	}
	if err := (models.SpanFilter{Q: `"open`}).Check(); err == nil {
		t.Error("a malformed query was accepted")
	}
	// an edit of the note and speaker, and a delete, reach the index
	note, attrs := "changed", models.JSONMap{"speaker": "Anna"}
	if _, err := s.UpdateAnnotation(ctx, cafe, models.AnnotationPatch{Note: &note, Attributes: &attrs}); err != nil {
		t.Fatal(err)
	}
	if got := find("dupre"); len(got) != 0 {
		t.Errorf("old speaker still found: %v", got)
	}
	if got := find("speaker:anna changed"); !slices.Equal(got, []int64{cafe}) {
		t.Errorf("new speaker and note: %v", got)
	}
	if err := s.DeleteAnnotation(ctx, rumour); err != nil {
		t.Fatal(err)
	}
	if got := find("rumour"); len(got) != 0 {
		t.Errorf("deleted span found: %v", got)
	}
	// a running import's span is indexed but not found until published
	id, err := s.StartImport(ctx, p.ID, u.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	w := s.ImportWriter(ctx, id)
	l, err := w.LabelByKey(p.ID, "opinion")
	if err != nil {
		t.Fatal(err)
	}
	row, err := models.PrepareSpan(models.NewSpanIndex(text), p.ID, models.SpanDraft{ArticleID: arts[0].ID, LabelID: l.ID, UserID: u.ID,
		Start: 41, End: 48, Note: "xylophonist"}, models.OriginImport)
	if err != nil {
		t.Fatal(err)
	}
	imported, err := w.InsertSpans([]models.Annotation{row})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := find("xylophonist"); len(got) != 0 {
		t.Errorf("a running import's span was found: %v", got)
	}
	if err := s.EndImport(ctx, id, models.ImportStateDone, "", models.ImportCounts{SpansCreated: 1}); err != nil {
		t.Fatal(err)
	}
	if got := find("xylophonist"); !slices.Equal(got, imported) {
		t.Errorf("published span: %v, want %v", got, imported)
	}
}

// User text is never tsquery syntax on PostgreSQL (nor FTS5 syntax on
// SQLite): quotes that unaccent turns into ', backslashes, colons,
// format's %s and the operators of either are plain words or separators,
// so each query finds what its plain words find.
func TestSearchSyntaxIsPlainText(t *testing.T) {
	t.Parallel()
	s, p, u, arts := searchStore(t)
	for q, plain := range map[string]string{
		`officials’ said`:         `officials said`,
		`‘officials`:              `officials`,
		`officials\`:              `officials`,
		`officials:*`:             `officials*`,
		`officials | rumour`:      `officials rumour`,
		`officials & !rumour`:     `officials rumour`,
		`officials <-> said`:      `officials said`,
		`officials)`:              `officials`,
		`"officials' said"`:       `"officials said"`,
		`officials %s %`:          `officials s`,
		`NEAR(officials) OR deal`: `near officials or deal`,
		`"officials\' said"`:      `"officials said"`,
	} {
		rows, _ := search(t, s, p, u, q, models.Page{})
		want, _ := search(t, s, p, u, plain, models.Page{})
		if got, w := sortedIDs(rows), sortedIDs(want); !slices.Equal(got, w) {
			t.Errorf("%q found %v, %q %v", q, got, plain, w)
		}
		for _, r := range rows {
			checkSnippet(t, plain, r, arts)
		}
	}
}

func sortedIDs(rows []models.ArticleSummary) []int64 {
	out := ids(rows)
	slices.Sort(out)
	return out
}
