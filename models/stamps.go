package models

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
)

// ArticleStamp is what a cached response about one article depends on,
// read in one indexed query. Every number in it is moved by SQLite itself
// (triggers of migration 6, or updated_at written with the row), so a
// write by any process — a second server, `slant import` — changes it.
type ArticleStamp struct {
	ProjectID int64
	// Article changes when the article or its outlet profile is edited.
	Article string
	// Spans changes on every insert, update or delete of the article's
	// spans; Epoch on what changes many articles at once (an import
	// published, a label or user edited).
	Spans, Epoch int64
	Done         bool // the caller marked the article done
}

// SpansKey identifies the article's span list as stored now.
func (st ArticleStamp) SpansKey() string {
	return strconv.FormatInt(st.Spans, 36) + "." + strconv.FormatInt(st.Epoch, 36)
}

// StampArticle reads the stamp of a visible article for userID.
func (s *Store) StampArticle(ctx context.Context, articleID, userID int64) (ArticleStamp, error) {
	var st ArticleStamp
	var art, src sql.NullString
	err := s.rd(ctx).Raw(`SELECT a.project_id, a.updated_at, src.updated_at, COALESCE(v.version, 0),
			(SELECT epoch FROM cache_epoch WHERE id = 1),
			EXISTS (SELECT 1 FROM article_done d WHERE d.user_id = ? AND d.article_id = a.id)
		FROM articles a
		LEFT JOIN sources src ON src.id = a.source_id
		LEFT JOIN span_versions v ON v.article_id = a.id
		WHERE a.id = ? AND `+visible("a"), userID, articleID).Row().
		Scan(&st.ProjectID, &art, &src, &st.Spans, &st.Epoch, &st.Done)
	if errors.Is(err, sql.ErrNoRows) {
		return st, notFound("article")
	}
	st.Article = art.String + "|" + src.String
	return st, err
}
