package models

import (
	"context"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Full-text search over articles_fts and annotations_fts (FTS5, migration
// 13; the build needs -tags sqlite_fts5), and on PostgreSQL over the
// tsvector tables of search_postgres.go, behind the same methods. The
// FTS5 SQL is here, PostgreSQL's there.
//
// Hidden by construction, as everywhere: the index holds every row,
// those of unpublished imports too (its triggers run in the writing
// transaction), and every search joins its hits to articles or
// annotations on the read pool, whose views hide those rows.

// Snippet is where an article matched: an exact slice of its text (or of
// its title) and the matched words in it. Offsets are code points: Text
// is the stored field's [Offset, Offset+len(Text)), and each match is
// [start, end) within Text.
type Snippet struct {
	Field   string // "text" or "title"
	Offset  int
	Text    string
	Matches [][2]int
}

// snippet sizes, in code points
const (
	snippetLen    = 200 // at most this long
	snippetBefore = 60  // context kept before the first match
)

// titleWeight: a word in the title counts this many times one in the text.
const titleWeight = 4.0

// searchArticles is ListArticles with a search: the project's visible
// articles that match, best first (bm25; ties by id), with f's other
// filters, paged by (rank, id). Ranks move when articles are added or
// removed (bm25 weighs each word by how rare it is), so a cursor taken
// before such a change may repeat or skip a row; without changes, pages
// neither overlap nor leave gaps.
func (s *Store) searchArticles(ctx context.Context, f ArticleFilter, sq *SearchQuery, pg Page) ([]ArticleSummary, *string, error) {
	after, err := decodeCursor(pg.Cursor, 2)
	if err != nil {
		return nil, nil, err
	}
	if _, err := s.GetProject(ctx, f.ProjectID); err != nil {
		return nil, nil, err
	}
	g := f
	g.Q = ""
	need := pg.limit() + 1
	var cur []any // the cursor's score and id, or none
	if after != nil {
		cur = []any{math.Float64frombits(uint64(after[0])), after[1]}
	}
	// 1. the page's ids and ranks
	var hits []searchHit
	if s.pg {
		hits, err = s.pgSearchHits(ctx, g, sq, cur, need)
	} else {
		hits, err = s.ftsSearchHits(ctx, g, sq.Match(), cur, need)
	}
	if err != nil {
		return nil, nil, err
	}
	var next *string
	if len(hits) > pg.limit() {
		hits = hits[:pg.limit()]
		last := hits[len(hits)-1]
		c := encodeCursor(int64(math.Float64bits(last.Score)), last.ID)
		next = &c
	}
	if len(hits) == 0 {
		return nil, nil, nil
	}
	// 2. the list rows of those ids, in rank order
	ids := make([]int64, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
	}
	lq, err := s.articleListQuery(ctx, g, Page{Limit: len(ids)})
	if err != nil {
		return nil, nil, err
	}
	var rows []ArticleSummary
	if err := lq.Where("articles.id IN ?", ids).Scan(&rows).Error; err != nil {
		return nil, nil, err
	}
	byID := make(map[int64]ArticleSummary, len(rows))
	for _, r := range rows {
		byID[r.ID] = r
	}
	out := make([]ArticleSummary, 0, len(ids))
	for _, id := range ids {
		r, ok := byID[id]
		if !ok { // deleted between the two reads
			continue
		}
		out = append(out, r)
	}
	// 3. the snippets: where the query's words are in each article
	if s.pg {
		err = s.pgSnippets(ctx, sq, out)
	} else {
		match := sq.Match()
		for i := range out {
			if out[i].Snippet, err = s.articleSnippet(ctx, match, out[i].ID); err != nil {
				break
			}
		}
	}
	if err != nil {
		return nil, nil, err
	}
	return out, next, nil
}

// searchHit is a candidate of a search: an article and its score, lower
// is better (bm25's sign; on PostgreSQL the rank negated).
type searchHit struct {
	ID    int64
	Score float64
}

// ftsSearchHits returns up to need of the project's visible articles
// that match the FTS5 expression match and g's filters, in (score, id)
// order after the cursor cur (score, id; or nil). FTS5 ranks its matches
// by itself, cheaply; reading a matched article's row is what costs (a
// common word matches most of a project). So candidates are taken from
// the index in rank order, a window at a time, and only they are joined
// to articles for the project, the visibility rule and the filters,
// until the page is full or the matches run out.
func (s *Store) ftsSearchHits(ctx context.Context, g ArticleFilter, match string, cur []any, need int) ([]searchHit, error) {
	if match == "" {
		return nil, nil
	}
	var hits []searchHit
	window := max(4*need, 256)
	for offset := 0; len(hits) < need; {
		cand := `SELECT rowid AS id, bm25(articles_fts, ?, 1.0) AS score FROM articles_fts WHERE articles_fts MATCH ?`
		args := []any{titleWeight, match}
		if cur != nil {
			cand = `SELECT id, score FROM (` + cand + `) WHERE score > ? OR (score = ? AND id > ?)`
			args = append(args, cur[0], cur[0], cur[1])
		}
		cand += ` ORDER BY score, id LIMIT ? OFFSET ?`
		args = append(args, window, offset)
		var cands []searchHit
		if err := s.rd(ctx).Raw(cand, args...).Scan(&cands).Error; err != nil {
			return nil, err
		}
		if len(cands) == 0 {
			break
		}
		ids := make([]int64, len(cands))
		for i, c := range cands {
			ids[i] = c.ID
		}
		q := s.rd(ctx).Table("articles").Select("articles.id").
			Where("articles.id IN ?", ids).Where("articles.project_id = ?", g.ProjectID).Where(visible("articles"))
		if g.Source != "" || g.Ownership != "" {
			q = q.Joins("LEFT JOIN sources ON sources.id = articles.source_id")
		}
		q, err := filterArticles(q, g)
		if err != nil {
			return nil, err
		}
		var keep []int64
		if err := q.Pluck("articles.id", &keep).Error; err != nil {
			return nil, err
		}
		kept := make(map[int64]bool, len(keep))
		for _, id := range keep {
			kept[id] = true
		}
		for _, c := range cands {
			if kept[c.ID] && len(hits) < need {
				hits = append(hits, c)
			}
		}
		if len(cands) < window {
			break // no more matches
		}
		offset += window
		window *= 4 // a project with few of the matches: fewer rounds
	}
	return hits, nil
}

// Highlight markers: bytes that never occur in valid UTF-8, and stored
// titles and texts are valid UTF-8 (validateArticleIn), so they cannot be
// confused with the text.
const (
	markOpen  = "\xff"
	markClose = "\xfe"
)

// articleSnippet asks FTS5 to mark the query's matches in article id's
// title and text (highlight, which knows the tokenizer) and cuts a
// snippet around the best cluster of them.
func (s *Store) articleSnippet(ctx context.Context, match string, id int64) (*Snippet, error) {
	var title, text string
	err := s.rd(ctx).Raw(`SELECT highlight(articles_fts, 0, ?, ?), highlight(articles_fts, 1, ?, ?)
		FROM articles_fts WHERE articles_fts MATCH ? AND rowid = ?`,
		markOpen, markClose, markOpen, markClose, match, id).Row().Scan(&title, &text)
	if err != nil {
		return nil, err
	}
	body, marks := unmark(text)
	if len(marks) == 0 { // only the title matched (title:word)
		if t, tm := unmark(title); len(tm) > 0 {
			return cutSnippet("title", t, tm), nil
		}
	}
	return cutSnippet("text", body, marks), nil
}

// unmark removes the highlight markers from s and returns the text as
// runes with the marked ranges in code points.
func unmark(s string) ([]rune, [][2]int) {
	out := make([]rune, 0, len(s))
	var marks [][2]int
	open := -1
	for i := 0; i < len(s); {
		switch s[i] {
		case markOpen[0]:
			open = len(out)
			i++
			continue
		case markClose[0]:
			if open >= 0 && open < len(out) {
				marks = append(marks, [2]int{open, len(out)})
			}
			open = -1
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		out = append(out, r)
		i += size
	}
	return out, marks
}

// cutSnippet picks the window of at most snippetLen code points that
// holds the most matches (the earliest of equals), starts it a little
// before its first match at a word boundary, and ends it at one.
func cutSnippet(field string, text []rune, marks [][2]int) *Snippet {
	if len(marks) == 0 {
		end := wordEnd(text, min(len(text), snippetLen), 0)
		return &Snippet{Field: field, Text: string(text[:end]), Matches: [][2]int{}}
	}
	best, bestN := 0, 0
	for i := range marks {
		n := 0
		for j := i; j < len(marks) && marks[j][1]-marks[i][0] <= snippetLen; j++ {
			n++
		}
		if n > bestN {
			best, bestN = i, n
		}
	}
	first := marks[best][0]
	start := max(0, first-snippetBefore)
	if start > 0 { // begin at a word: after the first space in the lead-in
		for k := start; k < first; k++ {
			if unicode.IsSpace(text[k]) {
				start = k + 1
				break
			}
		}
	}
	end := min(len(text), start+snippetLen)
	end = wordEnd(text, end, marks[best][1])
	for start < end && unicode.IsSpace(text[start]) {
		start++
	}
	for end > start && unicode.IsSpace(text[end-1]) {
		end--
	}
	sn := &Snippet{Field: field, Offset: start, Text: string(text[start:end]), Matches: [][2]int{}}
	for _, m := range marks {
		if m[0] >= start && m[1] <= end {
			sn.Matches = append(sn.Matches, [2]int{m[0] - start, m[1] - start})
		}
	}
	return sn
}

// wordEnd moves end back to just after a space, if there is one after
// floor, so the snippet does not stop inside a word.
func wordEnd(text []rune, end, floor int) int {
	if end >= len(text) {
		return len(text)
	}
	for k := end; k > floor; k-- {
		if unicode.IsSpace(text[k-1]) {
			return k
		}
	}
	return end
}

// SpanTextFilter is the condition that a span's quote, note or speaker
// (attributes.speaker) matches the search q (the syntax of searchquery.go,
// with the fields quote:, note: and speaker:), for a query db of the read
// pool that names the spans "annotations" (SpanTextFilterOn for another
// alias); db's dialect decides the SQL. Use it as Where(sql, args...). A
// malformed q is an invalid_query error; a blank one matches every span.
func SpanTextFilter(db *gorm.DB, q string) (sql string, args []any, err error) {
	return spanTextFilter(db, "annotations.id", q, false)
}

// SpanTextFilterOn is SpanTextFilter on the span id column idCol (such
// as "n.id"); idCol is SQL, never user input.
func SpanTextFilterOn(db *gorm.DB, idCol, q string) (sql string, args []any, err error) {
	return spanTextFilter(db, idCol, q, false)
}

// spanTextFilter is SpanTextFilterOn; few says that the query reads few
// spans (one article's), so that on PostgreSQL each of them is looked up
// in the index table instead of the index being read for every match in
// the database: an export runs one query per article, and PostgreSQL,
// which plans without knowing how common the words are, joined all of a
// common word's matches each time (25 ms for an article of 250 spans
// among 50,000, against 1.7 ms looked up).
func spanTextFilter(db *gorm.DB, idCol, q string, few bool) (sql string, args []any, err error) {
	sq, err := ParseSearch(q, SpanSearchFields)
	if err != nil {
		return "", nil, err
	}
	if sq.Blank() {
		return "1 = 1", nil, nil
	}
	if db.Dialector.Name() == "postgres" {
		// the tsquery as a subquery: PostgreSQL builds it once per
		// statement, without a round trip
		expr, args := sq.TSQuery(spanWeights)
		if expr == "" {
			return "1 = 0", nil, nil
		}
		if few {
			return "(SELECT x.doc FROM annotations_search x WHERE x.annotation_id = " + idCol + ") @@ (SELECT " + expr + ")", args, nil
		}
		return idCol + " IN (SELECT annotation_id FROM annotations_search WHERE doc @@ (SELECT " + expr + "))", args, nil
	}
	match := sq.Match()
	if match == "" {
		return "1 = 0", nil, nil
	}
	return idCol + " IN (SELECT rowid FROM annotations_fts WHERE annotations_fts MATCH ?)", []any{match}, nil
}

// SearchMatch returns the FTS5 expression of an article search, for
// tools that query the index directly (the benchmark's baseline).
func SearchMatch(q string) (string, error) {
	sq, err := ParseSearch(q, ArticleSearchFields)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(sq.Match()), nil
}
