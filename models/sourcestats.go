package models

import (
	"context"
	"sort"
	"strings"
	"unicode"
)

// Claims per source: how often each source (the text of the span a
// said_by link points to) is credited with a claim, across a project.
// Texts are grouped case- and space-insensitively ("The Minister" and
// "the  minister" are one source), in Go, since SQLite's lower() folds
// ASCII only.

// SourceCount is one source's tally.
type SourceCount struct {
	Source   string // the most frequent spelling
	Claims   int    // links of the type to spans with this text
	Articles int
	Outlets  int
}

// SourceQuery selects the links counted.
type SourceQuery struct {
	ProjectID int64
	Type      string // relation type key ("said_by")
	UserID    int64  // only this annotator's links (blind mode); 0: all
	Layer     string // as AnnotationFilter.Layer
}

// foldSource is the grouping key of a source text.
func foldSource(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), unicode.IsSpace), " ")
}

// CountSources tallies claims per source text, most claims first.
func (s *Store) CountSources(ctx context.Context, q SourceQuery) ([]SourceCount, error) {
	if _, err := s.GetProject(ctx, q.ProjectID); err != nil {
		return nil, err
	}
	layer := "annotator" // LayersAll: both layers
	switch q.Layer {
	case LayerGold:
		layer = "gold"
	case LayersAll:
		layer = ""
	}
	rows, err := s.rd(ctx).Raw(`SELECT b.quote, r.article_id, COALESCE(art.source_id, 0)
		FROM relations r JOIN relation_types t ON t.id = r.type_id
		JOIN annotations a ON a.id = r.from_id JOIN annotations b ON b.id = r.to_id
		JOIN articles art ON art.id = r.article_id
		WHERE r.project_id = ? AND t.key = ? AND (? = '' OR a.layer = ?) AND (? = 0 OR r.user_id = ?)
			AND `+visible("a")+` AND `+visible("b")+` AND `+visible("art"),
		q.ProjectID, q.Type, layer, layer, q.UserID, q.UserID).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type tally struct {
		spellings map[string]int
		claims    int
		articles  map[int64]bool
		outlets   map[int64]bool
	}
	by := map[string]*tally{}
	for rows.Next() {
		var quote string
		var art, src int64
		if err := rows.Scan(&quote, &art, &src); err != nil {
			return nil, err
		}
		k := foldSource(quote)
		t := by[k]
		if t == nil {
			t = &tally{spellings: map[string]int{}, articles: map[int64]bool{}, outlets: map[int64]bool{}}
			by[k] = t
		}
		t.spellings[strings.Join(strings.Fields(quote), " ")]++
		t.claims++
		t.articles[art] = true
		if src != 0 {
			t.outlets[src] = true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]SourceCount, 0, len(by))
	for _, t := range by {
		best, n := "", -1
		for sp, c := range t.spellings {
			if c > n || (c == n && sp < best) {
				best, n = sp, c
			}
		}
		out = append(out, SourceCount{Source: best, Claims: t.claims, Articles: len(t.articles), Outlets: len(t.outlets)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Claims != out[j].Claims {
			return out[i].Claims > out[j].Claims
		}
		return out[i].Source < out[j].Source
	})
	return out, nil
}
