package models

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"
)

// Full-text search on PostgreSQL: a tsvector per article (title weighted
// A, text D) and per span (quote A, note B, speaker C: the weights are the
// fields of quote:, note:, speaker:), kept by triggers in the
// writing transaction like FTS5's, with the 'simple' configuration over
// unaccent()ed text: no stemming, accents folded, which is what FTS5's
// unicode61 tokenizer with remove_diacritics does on SQLite.

var pgSearchDDL = []string{
	`CREATE EXTENSION IF NOT EXISTS unaccent`,
	// unaccent() is only STABLE (its dictionary could change); slant's use
	// of it is fixed, so this wrapper may be used in indexes and triggers
	`CREATE FUNCTION slant_unaccent(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
		AS $$ SELECT unaccent('unaccent'::regdictionary, t) $$`,
	`CREATE FUNCTION slant_tsv(t text) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
		AS $$ SELECT to_tsvector('simple'::regconfig, slant_unaccent(t)) $$`,
	// a position between two fields, so that a phrase never runs from
	// one into the next (FTS5 matches a phrase within a column): || puts
	// the right-hand words after the left's last position, and this one
	// word takes a position of its own. It is a space, which no query
	// word can be (to_tsquery's parser splits at spaces).
	`CREATE FUNCTION slant_gap() RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE
		AS $$ SELECT ''' '':1'::tsvector $$`,
	`CREATE TABLE articles_search (
		article_id BIGINT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
		doc tsvector NOT NULL)`,
	`CREATE INDEX idx_articles_search ON articles_search USING gin (doc)`,
	`CREATE FUNCTION trg_articles_search() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN
		INSERT INTO articles_search (article_id, doc)
		VALUES (NEW.id, setweight(slant_tsv(NEW.title), 'A') || slant_gap() || setweight(slant_tsv(NEW.text), 'D'))
		ON CONFLICT (article_id) DO UPDATE SET doc = excluded.doc;
		RETURN NULL;
	END $$`,
	`CREATE TRIGGER trg_articles_search AFTER INSERT OR UPDATE OF title, text ON articles
		FOR EACH ROW EXECUTE FUNCTION trg_articles_search()`,
	`CREATE TABLE annotations_search (
		annotation_id BIGINT PRIMARY KEY REFERENCES annotations(id) ON DELETE CASCADE,
		doc tsvector NOT NULL)`,
	`CREATE INDEX idx_annotations_search ON annotations_search USING gin (doc)`,
	`CREATE FUNCTION trg_annotations_search() RETURNS trigger LANGUAGE plpgsql AS $$
	DECLARE speaker text := '';
	BEGIN
		IF NEW.layer = 'suggestion' THEN
			RETURN NULL;
		END IF;
		BEGIN
			speaker := COALESCE(NEW.attributes::jsonb ->> 'speaker', '');
		EXCEPTION WHEN others THEN
			speaker := '';
		END;
		INSERT INTO annotations_search (annotation_id, doc)
		VALUES (NEW.id, setweight(slant_tsv(NEW.quote), 'A') || slant_gap() || setweight(slant_tsv(NEW.note), 'B')
			|| slant_gap() || setweight(slant_tsv(speaker), 'C'))
		ON CONFLICT (annotation_id) DO UPDATE SET doc = excluded.doc;
		RETURN NULL;
	END $$`,
	`CREATE TRIGGER trg_annotations_search AFTER INSERT OR UPDATE OF quote, note, attributes ON annotations
		FOR EACH ROW EXECUTE FUNCTION trg_annotations_search()`,
}

// The tsvector weight of each search field: tsquery 'deal':A finds deal
// in an article's title only.
var (
	articleWeights = map[string]string{"title": "A", "text": "D"}
	spanWeights    = map[string]string{"quote": "A", "note": "B", "speaker": "C"}
)

// pgRank is the article's score for the order of results: ts_rank with a
// title word worth titleWeight text words (weights {D, C, B, A}), divided
// by 1 + log of the length (normalization 1) so long articles do not win
// by length alone; negated so that, like bm25, lower is better. float8,
// so that the cursor carries the exact value the comparison reads.
const pgRank = `-ts_rank('{0.25, 0.25, 0.25, 1}', fts.doc, ?::tsquery, 1)::float8`

// pgTSQuery is the tsquery of sq, as the text PostgreSQL makes of
// TSQuery's expression ("" when no word is left), asked for on db (a
// pool, or a transaction) before the search. The search then binds it as
// a value: its plan is made for the words searched (a rare word reads
// the GIN index, a word in every article may not), and the expression is
// not evaluated again for each row that a phrase or a field makes
// PostgreSQL recheck.
func pgTSQuery(db *gorm.DB, sq *SearchQuery, weights map[string]string) (string, error) {
	expr, args := sq.TSQuery(weights)
	if expr == "" {
		return "", nil
	}
	var out string
	err := db.Session(&gorm.Session{NewDB: true}).Raw("SELECT ("+expr+")::text", args...).Row().Scan(&out)
	return out, err
}

// pgSearchHits is ftsSearchHits on PostgreSQL: one query, in which the
// planner reads the GIN index for the matches and joins each to its
// article row for the project, the visibility rule and the filters.
func (s *Store) pgSearchHits(ctx context.Context, g ArticleFilter, sq *SearchQuery, cur []any, need int) ([]searchHit, error) {
	q, err := s.pgSearchQuery(ctx, g, sq, cur, need)
	if q == nil || err != nil {
		return nil, err
	}
	var hits []searchHit
	err = q.Scan(&hits).Error
	return hits, err
}

// pgSearchQuery is pgSearchHits's query (nil when nothing is left to look
// for); the plan test reads its plan.
func (s *Store) pgSearchQuery(ctx context.Context, g ArticleFilter, sq *SearchQuery, cur []any, need int) (*gorm.DB, error) {
	tsq, err := pgTSQuery(s.rd(ctx), sq, articleWeights)
	if tsq == "" || err != nil {
		return nil, err
	}
	q := s.rd(ctx).Table("articles_search AS fts").
		Joins("JOIN articles ON articles.id = fts.article_id").
		Select("articles.id AS id, "+pgRank+" AS score", tsq).
		Where("fts.doc @@ ?::tsquery", tsq).Where("articles.project_id = ?", g.ProjectID).Where(visible("articles"))
	if g.Source != "" || g.Ownership != "" {
		q = q.Joins("LEFT JOIN sources ON sources.id = articles.source_id")
	}
	q, err = filterArticles(q, g)
	if err != nil {
		return nil, err
	}
	page := s.rd(ctx).Table("(?) AS c", q).Select("id, score")
	if cur != nil {
		page = page.Where("score > ? OR (score = ? AND id > ?)", cur[0], cur[0], cur[1])
	}
	return page.Order("score, id").Limit(need), nil
}

// pgSnippets sets the snippet of each row: PostgreSQL has no FTS5
// highlight that reports where in the stored text a word matched, so the
// query's words are found in Go (searchMarks), in the title and text read
// as stored.
func (s *Store) pgSnippets(ctx context.Context, sq *SearchQuery, rows []ArticleSummary) error {
	if len(rows) == 0 {
		return nil
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	var texts []struct {
		ID          int64
		Title, Text string
	}
	if err := s.rd(ctx).Table("articles").Select("id, title, text").Where("id IN ?", ids).Scan(&texts).Error; err != nil {
		return err
	}
	byID := make(map[int64]int, len(texts))
	for i, t := range texts {
		byID[t.ID] = i
	}
	for i := range rows {
		var title, text string
		if k, ok := byID[rows[i].ID]; ok {
			title, text = texts[k].Title, texts[k].Text
		}
		body := []rune(text)
		marks := sq.searchMarks("text", body)
		if len(marks) == 0 { // only the title matched (title:word)
			if t := []rune(title); len(t) > 0 {
				if tm := sq.searchMarks("title", t); len(tm) > 0 {
					rows[i].Snippet = cutSnippet("title", t, tm)
					continue
				}
			}
		}
		rows[i].Snippet = cutSnippet("text", body, marks)
	}
	return nil
}

// searchWord is a word of a text: its code-point range and folded form.
type searchWord struct {
	start, end int
	folded     string
}

// splitWords splits text into words as the index does, near enough: runs
// of letters and digits (with the combining marks after them), folded by
// foldWord.
func splitWords(text []rune) []searchWord {
	var out []searchWord
	for i := 0; i < len(text); {
		if !isTokenRune(text[i]) {
			i++
			continue
		}
		j := i + 1
		for j < len(text) && (isTokenRune(text[j]) || unicode.In(text[j], unicode.Mn, unicode.Mc, unicode.Me)) {
			j++
		}
		out = append(out, searchWord{i, j, foldWord(string(text[i:j]))})
		i = j
	}
	return out
}

// foldLetters are letters that unaccent() replaces but that do not
// decompose into a base letter and marks.
var foldLetters = strings.NewReplacer("ß", "ss", "æ", "ae", "Æ", "ae", "œ", "oe", "Œ", "oe", "ø", "o", "Ø", "o",
	"ł", "l", "Ł", "l", "đ", "d", "Đ", "d", "ð", "d", "Ð", "d", "þ", "th", "Þ", "th", "ı", "i")

// foldWord folds a word the way the index does with unaccent() and the
// 'simple' configuration: compatibility-decomposed, combining marks
// dropped, lower-cased.
func foldWord(w string) string {
	var b strings.Builder
	for _, r := range norm.NFKD.String(foldLetters.Replace(w)) {
		if !unicode.In(r, unicode.Mn, unicode.Me) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// searchMarks returns the code-point ranges of text (the stored field
// named field) where an included term of the query occurs: a word, a
// phrase's words in a row, the last one as a prefix for word*. Ranges
// that overlap are merged, as FTS5's highlight does.
func (q *SearchQuery) searchMarks(field string, text []rune) [][2]int {
	words := splitWords(text)
	var marks [][2]int
	for _, t := range q.Terms {
		if t.Exclude || t.Field != "" && t.Field != field {
			continue
		}
		p := splitWords([]rune(t.Text))
		if len(p) == 0 {
			continue
		}
		for i := 0; i+len(p) <= len(words); i++ {
			ok := true
			for j, w := range p {
				got := words[i+j].folded
				if got != w.folded && !(t.Prefix && j == len(p)-1 && strings.HasPrefix(got, w.folded)) {
					ok = false
					break
				}
			}
			if ok {
				marks = append(marks, [2]int{words[i].start, words[i+len(p)-1].end})
			}
		}
	}
	slices.SortFunc(marks, func(a, b [2]int) int { return cmp.Or(a[0]-b[0], a[1]-b[1]) })
	var out [][2]int
	for _, m := range marks {
		if n := len(out); n > 0 && m[0] < out[n-1][1] {
			out[n-1][1] = max(out[n-1][1], m[1])
			continue
		}
		out = append(out, m)
	}
	return out
}
