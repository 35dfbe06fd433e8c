package models

import (
	"context"
	"slices"
	"strings"
	"unicode"

	"gorm.io/gorm"
)

// Outlet analytics: counts and densities of a project's spans, grouped by
// the article's outlet, ownership kind, country and month of publication
// and by the span's label and annotator. Only the annotators' layer
// counts (gold spans are a curator's copy of them).
//
// The article side (articles, words) is one pass over the project's
// articles through a covering index; the span side is one pass over the
// project's spans, grouped by article in SQL; Go joins the two on the
// article id. Joining in SQL instead looked up the article row (with its
// text) once per span.

// StatsKeys are the keys GET /stats groups by, in display order.
var StatsKeys = []string{"source", "ownership", "country", "label", "annotator", "month"}

// StatsQuery asks for one table of counts.
type StatsQuery struct {
	ProjectID int64
	By        []string // distinct StatsKeys; none: one row of totals
	Label     string   // only spans of this label key ("" all)
	UserID    int64    // only this annotator's spans (blind mode; 0 all)
}

// StatsRow is one group. Articles and Words count every visible article
// of the row's article group (its outlet, ownership, country, month),
// spans or not; Spans and ArticlesWithSpans count the row's spans.
type StatsRow struct {
	Keys              []string // one value per By key
	Spans             int64
	Articles          int64
	ArticlesWithSpans int64
	Words             int64
}

// PerThousandWords is spans per 1,000 words (0 without words).
func (r StatsRow) PerThousandWords() float64 {
	if r.Words == 0 {
		return 0
	}
	return float64(r.Spans) * 1000 / float64(r.Words)
}

// ShareOfArticles is the share of the row's articles with at least one of
// its spans (0 without articles).
func (r StatsRow) ShareOfArticles() float64 {
	if r.Articles == 0 {
		return 0
	}
	return float64(r.ArticlesWithSpans) / float64(r.Articles)
}

// CountWords is slant's word count: the runs of characters between white
// space that hold at least one letter or digit ("state-funded" and
// "don't" are one word each, a lone dash none). Scripts written without
// spaces (Chinese, Japanese, Thai) count a run as one word.
func CountWords(text string) int {
	n := 0
	word := false // the current run has a letter or digit
	for _, r := range text {
		switch {
		case unicode.IsSpace(r):
			if word {
				n++
			}
			word = false
		case !word && (unicode.IsLetter(r) || unicode.IsNumber(r)):
			word = true
		}
	}
	if word {
		n++
	}
	return n
}

// countWords fills article_words for the project's articles that have no
// count yet. A text never changes after import, so each article is
// counted once; its row goes with the article (ON DELETE CASCADE).
func (s *Store) countWords(ctx context.Context, projectID int64) error {
	const batch = 500
	after := int64(0)
	for {
		rows, err := s.rd(ctx).Raw(`SELECT a.id, a.text FROM articles a WHERE a.project_id = ? AND a.id > ?
			AND NOT EXISTS (SELECT 1 FROM article_words w WHERE w.article_id = a.id) ORDER BY a.id LIMIT ?`, projectID, after, batch).Rows()
		if err != nil {
			return err
		}
		var values []string
		var args []any
		for rows.Next() {
			var id int64
			var text string
			if err := rows.Scan(&id, &text); err != nil {
				rows.Close()
				return err
			}
			values = append(values, "(CAST(? AS BIGINT), CAST(? AS BIGINT))")
			args = append(args, id, CountWords(text))
			after = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(values) == 0 {
			return nil
		}
		// through a join, so an article deleted meanwhile is skipped
		// rather than failing the foreign key (WHERE true: SQLite's parser
		// needs it before ON CONFLICT after a SELECT with a join)
		if err := s.wr(ctx).Exec(`INSERT INTO article_words (article_id, words)
			SELECT v.column1, v.column2 FROM (VALUES `+strings.Join(values, ", ")+`) v JOIN articles a ON a.id = v.column1
			WHERE true ON CONFLICT DO NOTHING`, args...).Error; err != nil {
			return err
		}
		if len(values) < batch {
			return nil
		}
	}
}

// statsKeyIndex says where each key is in q.By (-1: not grouped by it).
func statsKeyIndex(by []string) (map[string]int, error) {
	at := map[string]int{}
	for i, k := range by {
		if !slices.Contains(StatsKeys, k) {
			return nil, Invalid("by", "unknown key "+quoteKey(k)+"; use one or more of "+strings.Join(StatsKeys, ", ")+", separated by commas")
		}
		if _, dup := at[k]; dup {
			return nil, Invalid("by", "names "+k+" twice")
		}
		at[k] = i
	}
	return at, nil
}

type statsAcc struct {
	spans, withSpans int64
	lastArticle      int64
	seen             map[int64]struct{} // articles counted, when rows of one article are not adjacent
}

// Stats answers one table of counts (see StatsQuery and StatsRow), in the
// order of the keys: ownership kinds in their fixed order, labels in the
// project's order, everything else alphabetically ("" last).
func (s *Store) Stats(ctx context.Context, q StatsQuery) ([]StatsRow, error) {
	at, err := statsKeyIndex(q.By)
	if err != nil {
		return nil, err
	}
	if _, err := s.GetProject(ctx, q.ProjectID); err != nil {
		return nil, err
	}
	if err := s.countWords(ctx, q.ProjectID); err != nil {
		return nil, err
	}
	_, byLabel := at["label"]
	_, byAnnotator := at["annotator"]
	var out []StatsRow
	// one read transaction: articles and spans from the same snapshot
	err = s.r.WithContext(dbContext(ctx)).Transaction(func(tx *gorm.DB) error {
		var labels []Label
		if err := tx.Where("project_id = ?", q.ProjectID).Order("sort_order, id").Find(&labels).Error; err != nil {
			return err
		}
		labelID := int64(0)
		if q.Label != "" {
			i := slices.IndexFunc(labels, func(l Label) bool { return l.Key == q.Label })
			if i < 0 {
				return unknownLabel(q.Label)
			}
			labelID = labels[i].ID
			labels = labels[i : i+1]
		}
		groups, artGroup, err := statsArticles(tx, s.statsArticleSQL(slices.Contains(q.By, "month")), q.ProjectID, q.By, at)
		if err != nil {
			return err
		}
		type rowKey struct {
			group         int
			label, person int64
		}
		acc := map[rowKey]*statsAcc{}
		people := map[int64]bool{}
		// the rows come in index order: label, then article (then
		// annotator); with the labels merged into one row, an article's
		// rows are no longer adjacent and are counted through a set
		cols := "article_id, label_id, 0"
		if byAnnotator {
			cols = "article_id, label_id, user_id"
		}
		merged := !byLabel && labelID == 0
		query, args := statsSpanSQL(cols, byAnnotator, q.ProjectID, q.UserID, labelID)
		rows, err := tx.Raw(query, args...).Rows()
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var article, label, person, n int64
			if err := rows.Scan(&article, &label, &person, &n); err != nil {
				return err
			}
			g, ok := artGroup[article]
			if !ok {
				continue
			}
			if !byLabel {
				label = 0
			}
			k := rowKey{g, label, person}
			a := acc[k]
			if a == nil {
				a = &statsAcc{}
				if merged {
					a.seen = map[int64]struct{}{}
				}
				acc[k] = a
			}
			a.spans += n
			if merged {
				if _, dup := a.seen[article]; !dup {
					a.seen[article] = struct{}{}
					a.withSpans++
				}
			} else if a.lastArticle != article { // one label: in article order
				a.withSpans++
				a.lastArticle = article
			}
			people[person] = true
		}
		if err := rows.Err(); err != nil {
			return err
		}
		// the rows: every article group, with every label of the project
		// and every annotator who has a span here, zeros included
		labelIDs, labelKeys := []int64{0}, map[int64]string{}
		if byLabel {
			labelIDs = labelIDs[:0]
			for _, l := range labels {
				labelIDs = append(labelIDs, l.ID)
				labelKeys[l.ID] = l.Key
			}
		}
		personIDs, names := []int64{0}, map[int64]string{}
		if byAnnotator {
			personIDs = personIDs[:0]
			for id := range people {
				personIDs = append(personIDs, id)
			}
			if err := statsNames(tx, personIDs, names); err != nil {
				return err
			}
		}
		for gi, g := range groups {
			for _, l := range labelIDs {
				for _, p := range personIDs {
					r := StatsRow{Keys: slices.Clone(g.keys), Articles: g.articles, Words: g.words}
					if byLabel {
						r.Keys[at["label"]] = labelKeys[l]
					}
					if byAnnotator {
						r.Keys[at["annotator"]] = names[p]
					}
					if a := acc[rowKey{gi, l, p}]; a != nil {
						r.Spans, r.ArticlesWithSpans = a.spans, a.withSpans
					}
					out = append(out, r)
				}
			}
		}
		sortStats(out, q.By, labels)
		return nil
	}, snapshotTx)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// statsSpanSQL is the pass over the project's spans: counts per label
// and article (and annotator), in the order of idx_annotations_stats, so
// that SQLite groups without sorting and a label filter reads only that
// label's range of the index.
func statsSpanSQL(cols string, byAnnotator bool, projectID, userID, labelID int64) (string, []any) {
	where, args := "project_id = ? AND layer = 'annotator'", []any{projectID}
	if labelID != 0 {
		where, args = where+" AND label_id = ?", append(args, labelID)
	}
	if userID != 0 {
		where, args = where+" AND user_id = ?", append(args, userID)
	}
	groupBy := "label_id, article_id"
	if byAnnotator {
		groupBy += ", user_id"
	}
	return `SELECT ` + cols + `, COUNT(*) FROM annotations WHERE ` + where + ` GROUP BY ` + groupBy + ` ORDER BY ` + groupBy, args
}

// statsArticleSQL is the pass over the project's articles: each one's
// outlet, month (when asked for) and words. The outlets' profiles are
// joined in Go: a few rows, against a lookup per article in SQL.
func (s *Store) statsArticleSQL(byMonth bool) string {
	month := "''"
	if byMonth {
		month = "COALESCE(" + s.monthOf("a.published_at") + ", '')"
	}
	return `SELECT a.id, COALESCE(a.source_id, 0), ` + month + `, COALESCE(w.words, 0)
		FROM articles a LEFT JOIN article_words w ON w.article_id = a.id WHERE a.project_id = ?`
}

type statsGroup struct {
	keys            []string
	articles, words int64
}

// statsArticles reads the project's articles once (articleSQL, see
// statsArticleSQL): their groups (by the article-side keys in by) and
// each article's group.
func statsArticles(tx *gorm.DB, articleSQL string, projectID int64, by []string, at map[string]int) ([]statsGroup, map[int64]int, error) {
	outlets := map[int64][3]string{0: {"", OwnershipUnknown, ""}} // id -> domain, ownership, country
	srcRows, err := tx.Raw(`SELECT id, domain, ownership, country FROM sources`).Rows()
	if err != nil {
		return nil, nil, err
	}
	for srcRows.Next() {
		var id int64
		var o [3]string
		if err := srcRows.Scan(&id, &o[0], &o[1], &o[2]); err != nil {
			srcRows.Close()
			return nil, nil, err
		}
		outlets[id] = o
	}
	srcRows.Close()
	if err := srcRows.Err(); err != nil {
		return nil, nil, err
	}
	rows, err := tx.Raw(articleSQL, projectID).Rows()
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	// an article's group follows from its outlet and month: the keys are
	// built once per (outlet, month), not per article
	type place struct {
		source int64
		month  string
	}
	var groups []statsGroup
	index := map[string]int{}
	placed := map[place]int{}
	artGroup := map[int64]int{}
	for rows.Next() {
		var id, words int64
		var p place
		if err := rows.Scan(&id, &p.source, &p.month, &words); err != nil {
			return nil, nil, err
		}
		g, ok := placed[p]
		if !ok {
			o, known := outlets[p.source]
			if !known { // an outlet hidden with an unpublished import
				o = outlets[0]
			}
			keys := make([]string, len(by))
			for i, k := range []string{"source", "ownership", "country", "month"} {
				if j, ok := at[k]; ok {
					keys[j] = append(o[:], p.month)[i]
				}
			}
			name := strings.Join(keys, "\x00")
			if g, ok = index[name]; !ok {
				g = len(groups)
				index[name] = g
				groups = append(groups, statsGroup{keys: keys})
			}
			placed[p] = g
		}
		groups[g].articles++
		groups[g].words += words
		artGroup[id] = g
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	if len(groups) == 0 { // an empty project still answers its zeros
		groups = append(groups, statsGroup{keys: make([]string, len(by))})
	}
	return groups, artGroup, nil
}

func statsNames(tx *gorm.DB, ids []int64, names map[int64]string) error {
	if len(ids) == 0 {
		return nil
	}
	var users []User
	if err := tx.Select("id, name").Where("id IN ?", ids).Find(&users).Error; err != nil {
		return err
	}
	for _, u := range users {
		names[u.ID] = u.Name
	}
	return nil
}

// sortStats orders rows by their keys, one key after the other.
func sortStats(rows []StatsRow, by []string, labels []Label) {
	labelRank := map[string]int{}
	for i, l := range labels {
		labelRank[l.Key] = i
	}
	cmpKey := func(k, a, b string) int {
		switch k {
		case "ownership":
			return slices.Index(Ownerships, a) - slices.Index(Ownerships, b)
		case "label":
			return labelRank[a] - labelRank[b]
		}
		switch { // "" (no outlet, no date) last
		case a == b:
			return 0
		case a == "":
			return 1
		case b == "":
			return -1
		}
		return strings.Compare(a, b)
	}
	slices.SortStableFunc(rows, func(x, y StatsRow) int {
		for i, k := range by {
			if c := cmpKey(k, x.Keys[i], y.Keys[i]); c != 0 {
				return c
			}
		}
		return 0
	})
}
