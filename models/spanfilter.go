package models

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// SpanFilter is the span browser's part of AnnotationFilter (embedded in
// it): what an analyst narrows a project's spans by beyond label,
// annotator, outlet and origin. The same filters reach the exports,
// because they go through AnnotationFilter.apply.
type SpanFilter struct {
	Ownership string // the outlet's ownership kind; "unknown" includes articles without an outlet
	Country   string // the outlet's ISO country code
	// The article's publication time: at or after PublishedFrom, before
	// PublishedBefore (an article without a date matches neither).
	PublishedFrom   *time.Time
	PublishedBefore *time.Time
	Q               string // a search in the span's quote, note or speaker (SpanTextFilter)
}

// Check validates the filter's values (the API's 422).
func (f SpanFilter) Check() error {
	if f.Ownership != "" && !slices.Contains(Ownerships, f.Ownership) {
		return Invalid("ownership", "must be one of "+strings.Join(Ownerships, ", "))
	}
	if f.Country != "" && !countryRe.MatchString(f.Country) {
		return Invalid("country", "must be an ISO 3166-1 alpha-2 code such as NO or BR")
	}
	if f.PublishedFrom != nil && f.PublishedBefore != nil && !f.PublishedFrom.Before(*f.PublishedBefore) {
		return Invalid("published_to", "must not be before published_from")
	}
	if err := checkSearchText(f.Q); err != nil {
		return err
	}
	_, err := ParseSearch(f.Q, SpanSearchFields)
	return err
}

// applySpanFilter adds the SpanFilter conditions to an annotation query
// (AnnotationFilter.apply calls it).
func (f AnnotationFilter) applySpanFilter(q *gorm.DB) *gorm.DB {
	sf := f.SpanFilter
	var conds []string
	var args []any
	if sf.Ownership != "" {
		conds, args = append(conds, "COALESCE(src.ownership, 'unknown') = ?"), append(args, sf.Ownership)
	}
	if sf.Country != "" {
		conds, args = append(conds, "src.country = ?"), append(args, strings.ToUpper(sf.Country))
	}
	pg := q.Dialector.Name() == "postgres"
	if sf.PublishedFrom != nil {
		conds, args = append(conds, "a.published_at >= ?"), append(args, lowerBound(sf.PublishedFrom, pg))
	}
	if sf.PublishedBefore != nil {
		conds, args = append(conds, "a.published_at < ?"), append(args, lowerBound(sf.PublishedBefore, pg))
	}
	if len(conds) > 0 {
		// the articles that match, within the project (or the one article):
		// one pass over the project's articles, then a lookup per span
		scope, id := "a.project_id = ?", f.ProjectID
		if f.ArticleID != 0 {
			scope, id = "a.id = ?", f.ArticleID
		}
		q = q.Where("annotations.article_id IN (SELECT a.id FROM articles a LEFT JOIN sources src ON src.id = a.source_id WHERE "+
			scope+" AND "+strings.Join(conds, " AND ")+")", append([]any{id}, args...)...)
	}
	if sf.Q != "" {
		// the full-text index of span quotes, notes and speakers (a
		// malformed q was refused by Check; here it matches nothing)
		cond, args, err := spanTextFilter(q, "annotations.id", sf.Q, f.ArticleID != 0)
		if err != nil {
			cond, args = "1 = 0", nil
		}
		q = q.Where(cond, args...)
	}
	return q
}

// lowerBound is t as the bound of "column >= t" or "column < t". On
// PostgreSQL (pg), timestamptz keeps microseconds and the driver cuts off
// the rest, which would move such a bound down: it is rounded up instead
// (published_to adds 1 ns to include its instant).
func lowerBound(t *time.Time, pg bool) time.Time {
	u := t.UTC()
	if pg {
		if c := u.Truncate(time.Microsecond); c.Before(u) {
			u = c.Add(time.Microsecond)
		}
	}
	return u
}

// SpanContext is what the span browser shows around a span: the text
// either side and the article it is in.
type SpanContext struct {
	Before, After string
	Title         string
	Source        string     // the outlet's domain, "" without one
	PublishedAt   *time.Time // the article's
}

// SpanContexts returns up to n code points of context either side of each
// span in ids, with its article's title, outlet and date (visible spans
// only; a missing id is left out). substr counts characters,
// which in a UTF-8 text are code points, the unit of the offsets.
func (s *Store) SpanContexts(ctx context.Context, ids []int64, n int) (map[int64]SpanContext, error) {
	out := make(map[int64]SpanContext, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.rd(ctx).Raw(`SELECT n.id, substr(a.text, `+s.greatest(`n.start - ? + 1`, `1`)+`, n.start - `+s.greatest(`n.start - ?`, `0`)+`), substr(a.text, n."end" + 1, ?),
		a.title, COALESCE(src.domain, ''), a.published_at
		FROM annotations n JOIN articles a ON a.id = n.article_id LEFT JOIN sources src ON src.id = a.source_id WHERE n.id IN ?`, n, n, n, ids).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var c SpanContext
		var pub sql.NullTime
		if err := rows.Scan(&id, &c.Before, &c.After, &c.Title, &c.Source, &pub); err != nil {
			return nil, err
		}
		if pub.Valid {
			t := pub.Time.UTC()
			c.PublishedAt = &t
		}
		out[id] = c
	}
	return out, rows.Err()
}
