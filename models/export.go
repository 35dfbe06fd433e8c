package models

import (
	"context"
	"database/sql"
	"time"

	"gorm.io/gorm"
)

// ContextChars is how many code points of context export rows carry on
// each side of a span.
const ContextChars = 80

// ExportRow is one annotation with everything an export needs.
type ExportRow struct {
	AnnotationID    int64
	Project         string
	ArticleID       int64
	ExternalID      *string
	ArticleTitle    string
	ArticleURL      string
	ArticleLanguage string  // the article's language tag, "" when unknown
	ArticleText     string  // the whole text, for formats that carry it
	ArticleMetadata JSONMap // the article's metadata object
	PublishedAt     *time.Time
	SourceDomain    string
	SourceName      string
	SourceCountry   string
	SourceOwnership string
	Label           string
	Start, End      int
	Text            string
	ContextBefore   string
	ContextAfter    string
	Note            string
	Attributes      JSONMap
	Annotator       string
	Origin          string
	CreatedAt       time.Time
	UpdatedAt       time.Time
	// Layer is "annotator" or "gold"; a gold span's DecidedBy is the
	// curator and Provenance (JSON) the spans it came from ("" otherwise).
	Layer      string
	DecidedBy  string
	Provenance string
	// Relations are the links that start at this span (a claim's
	// said_by), in id order; empty for most spans.
	Relations []ExportRelation
	// DocLabels are the article-level options the row's annotator (or
	// the gold layer, for a gold row) chose for the article: group key →
	// option keys.
	DocLabels map[string][]string
}

// ExportRelation is a link from an exported span to another span.
type ExportRelation struct {
	ID             int64
	Type           string
	ToID           int64
	ToLabel        string
	ToStart, ToEnd int
	ToText         string
}

// ExportAnnotations streams the annotations matching f to each, article
// by article (article id order) and in text order within an article. It
// runs in one read transaction, so the export is a consistent snapshot,
// and holds only one article's text in memory at a time. The same
// *ExportRow is reused between calls.
func (s *Store) ExportAnnotations(ctx context.Context, f AnnotationFilter, each func(*ExportRow) error) error {
	release, err := s.takeExportSlot(ctx)
	if err != nil {
		return err
	}
	defer release()
	return s.r.WithContext(dbContext(ctx)).Transaction(func(tx *gorm.DB) error {
		var project Project
		if err := tx.First(&project, f.ProjectID).Error; err != nil {
			return notFoundOr(err, "project")
		}
		row := &ExportRow{Project: project.Name}
		var lastID int64
		for {
			arts, err := exportArticles(tx, f, lastID, 500)
			if err != nil {
				return err
			}
			if len(arts) == 0 {
				return nil
			}
			for i := range arts {
				if err := exportArticle(tx, f, &arts[i], row, each); err != nil {
					return err
				}
			}
			lastID = arts[len(arts)-1].id
		}
	}, snapshotTx)
}

// snapshotTx is a read transaction that is one snapshot: SQLite's is;
// PostgreSQL's default (read committed) would show each statement the
// latest commits, so it asks for repeatable read (mattn/go-sqlite3
// ignores the level).
var snapshotTx = &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead}

type exportArt struct {
	id                               int64
	externalID                       *string
	title, url, language             string
	metadata                         JSONMap
	publishedAt                      *time.Time
	domain, name, country, ownership sql.NullString
}

func exportArticles(tx *gorm.DB, f AnnotationFilter, after int64, n int) ([]exportArt, error) {
	q := tx.Table("articles").
		Select("articles.id, articles.external_id, articles.title, articles.url, articles.language, articles.metadata, articles.published_at, sources.domain, sources.name, sources.country, sources.ownership").
		Joins("LEFT JOIN sources ON sources.id = articles.source_id").
		Where("articles.project_id = ? AND articles.id > ?", f.ProjectID, after).
		Where(visible("articles")).
		Where("EXISTS (SELECT 1 FROM annotations n WHERE n.article_id = articles.id AND " + visible("n") + ")").
		Order("articles.id").Limit(n)
	if f.ArticleID != 0 {
		q = q.Where("articles.id = ?", f.ArticleID)
	}
	if f.Source != "" {
		q = q.Where("sources.domain = ?", RegistrableDomain(f.Source))
	}
	rows, err := q.Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []exportArt
	for rows.Next() {
		var a exportArt
		var pub sql.NullTime
		if err := rows.Scan(&a.id, &a.externalID, &a.title, &a.url, &a.language, &a.metadata, &pub, &a.domain, &a.name, &a.country, &a.ownership); err != nil {
			return nil, err
		}
		if pub.Valid {
			t := pub.Time.UTC()
			a.publishedAt = &t
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func exportArticle(tx *gorm.DB, f AnnotationFilter, a *exportArt, row *ExportRow, each func(*ExportRow) error) error {
	af := f
	af.ProjectID, af.Source, af.ArticleID = 0, "", a.id
	q := af.apply(tx.Table("annotations").
		Select(`annotations.id, annotations.start, annotations."end", annotations.quote, annotations.note,
			annotations.attributes, annotations.origin, annotations.created_at, annotations.updated_at,
			labels.key, users.name, annotations.layer,
			CASE WHEN annotations.decided_by IS NULL THEN '' ELSE COALESCE((SELECT name FROM users d WHERE d.id = annotations.decided_by), '') END,
			CASE WHEN annotations.layer = 'gold' THEN annotations.provenance ELSE '' END`).
		Joins("JOIN labels ON labels.id = annotations.label_id").
		Joins("JOIN users ON users.id = annotations.user_id")).
		Order(`annotations.start, annotations."end", annotations.id`)
	var text string
	if err := tx.Raw("SELECT text FROM articles WHERE id = ?", a.id).Row().Scan(&text); err != nil {
		return err
	}
	rels, err := exportRelations(tx, a.id)
	if err != nil {
		return err
	}
	docs, err := exportDocLabels(tx, a.id)
	if err != nil {
		return err
	}
	ix := NewSpanIndex(text)
	rows, err := q.Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		row.ArticleID, row.ExternalID, row.ArticleTitle, row.ArticleURL, row.PublishedAt = a.id, a.externalID, a.title, a.url, a.publishedAt
		row.ArticleText, row.ArticleMetadata, row.ArticleLanguage = text, a.metadata, a.language
		row.SourceDomain, row.SourceName, row.SourceCountry, row.SourceOwnership = a.domain.String, a.name.String, a.country.String, a.ownership.String
		row.Attributes = nil
		if err := rows.Scan(&row.AnnotationID, &row.Start, &row.End, &row.Text, &row.Note, &row.Attributes,
			&row.Origin, &row.CreatedAt, &row.UpdatedAt, &row.Label, &row.Annotator, &row.Layer, &row.DecidedBy, &row.Provenance); err != nil {
			return err
		}
		row.CreatedAt, row.UpdatedAt = row.CreatedAt.UTC(), row.UpdatedAt.UTC()
		row.ContextBefore, row.ContextAfter = ix.Context(row.Start, row.End, ContextChars)
		row.Relations = rels[row.AnnotationID]
		row.DocLabels = docs[row.Annotator]
		if err := each(row); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ExportVersion summarises what an export with filter f would contain, for
// ETag and Last-Modified: it changes whenever a matching annotation, or an
// article or outlet of the project, is added, changed or deleted.
type ExportVersion struct {
	Count        int64
	MaxID        int64
	LastModified time.Time
	// Links counts the project's relations and article-level choices,
	// LinksMax is their newest id and time: they change the export
	// without touching a span.
	Links    int64
	LinksMax string
}

// ExportVersionOf computes the version of an export.
func (s *Store) ExportVersionOf(ctx context.Context, f AnnotationFilter) (*ExportVersion, error) {
	var v ExportVersion
	var maxAnn, maxArt, maxSrc, proj, maxLabel, maxImport sql.NullString
	// Three statements so that SQLite answers MAX() from the indexes
	// (project_id, id) and (project_id, updated_at) without a scan; only
	// the count walks the (covering) index.
	if err := f.apply(s.rd(ctx).Table("annotations")).Count(&v.Count).Error; err != nil {
		return nil, err
	}
	if err := f.apply(s.rd(ctx).Table("annotations")).Select("COALESCE(MAX(annotations.id), 0)").Row().Scan(&v.MaxID); err != nil {
		return nil, err
	}
	if err := f.apply(s.rd(ctx).Table("annotations")).Select("MAX(annotations.updated_at)").Row().Scan(&maxAnn); err != nil {
		return nil, err
	}
	// hidden rows of a running import must not move the version (it
	// would move back when a failed import is cleaned up)
	if err := s.rd(ctx).Raw(`SELECT (SELECT MAX(updated_at) FROM articles WHERE project_id = ? AND `+visible("articles")+`),
		(SELECT MAX(s.updated_at) FROM sources s JOIN articles a ON a.source_id = s.id WHERE a.project_id = ? AND `+visible("a")+`),
		(SELECT updated_at FROM projects WHERE id = ?),
		(SELECT MAX(updated_at) FROM labels WHERE project_id = ? AND `+visible("labels")+`),
		(SELECT MAX(finished_at) FROM imports WHERE project_id = ? AND state = 'done')`,
		f.ProjectID, f.ProjectID, f.ProjectID, f.ProjectID, f.ProjectID).Row().Scan(&maxArt, &maxSrc, &proj, &maxLabel, &maxImport); err != nil {
		return nil, err
	}
	var relMax, relAt, docAt sql.NullString
	// relations of an unpublished import do not count (they would move
	// the version back when it fails); the newest relation time from the
	// newest row (links are stamped in commit order), without reading
	// them all; article-level choices have no id, so their newest time
	// is a MAX over the project's (already counted) rows
	const published = `(import_id IS NULL OR import_id IN (SELECT id FROM imports WHERE state = 'done'))`
	if err := s.rd(ctx).Raw(`SELECT (SELECT COUNT(*) FROM relations WHERE project_id = ? AND `+published+`)
			+ (SELECT COUNT(*) FROM article_labels WHERE project_id = ?),
		(SELECT MAX(id) FROM relations WHERE project_id = ? AND `+published+`),
		(SELECT created_at FROM relations WHERE project_id = ? AND `+published+` ORDER BY id DESC LIMIT 1),
		(SELECT MAX(created_at) FROM article_labels WHERE project_id = ?)`,
		f.ProjectID, f.ProjectID, f.ProjectID, f.ProjectID, f.ProjectID).Row().Scan(&v.Links, &relMax, &relAt, &docAt); err != nil {
		return nil, err
	}
	v.LinksMax = relMax.String + "|" + docAt.String
	for _, t := range []sql.NullString{maxAnn, maxArt, maxSrc, proj, maxLabel, maxImport, relAt, docAt} {
		if !t.Valid {
			continue
		}
		if pt, ok := parseSQLiteTime(t.String); ok && pt.After(v.LastModified) {
			v.LastModified = pt
		}
	}
	return &v, nil
}

// parseSQLiteTime reads the text timestamps the driver writes.
func parseSQLiteTime(s string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02T15:04:05.999999999-07:00", "2006-01-02 15:04:05", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// exportRelations reads an article's relations (both spans visible),
// keyed by the span they start at.
func exportRelations(tx *gorm.DB, articleID int64) (map[int64][]ExportRelation, error) {
	rows, err := tx.Raw(`SELECT r.from_id, r.id, t.key, r.to_id, l.key, b.start, b."end", b.quote
		FROM relations r JOIN relation_types t ON t.id = r.type_id
		JOIN annotations a ON a.id = r.from_id JOIN annotations b ON b.id = r.to_id JOIN labels l ON l.id = b.label_id
		WHERE r.article_id = ? AND `+visible("a")+` AND `+visible("b")+` ORDER BY r.id`, articleID).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out map[int64][]ExportRelation
	for rows.Next() {
		var from int64
		var e ExportRelation
		if err := rows.Scan(&from, &e.ID, &e.Type, &e.ToID, &e.ToLabel, &e.ToStart, &e.ToEnd, &e.ToText); err != nil {
			return nil, err
		}
		if out == nil {
			out = map[int64][]ExportRelation{}
		}
		out[from] = append(out[from], e)
	}
	return out, rows.Err()
}

// exportDocLabels reads an article's chosen article-level options, keyed
// by the annotator's name (the gold layer's under GoldUserName).
func exportDocLabels(tx *gorm.DB, articleID int64) (map[string]map[string][]string, error) {
	rows, err := tx.Raw(`SELECT u.name, g.key, o.key FROM article_labels l
		JOIN doc_label_groups g ON g.id = l.group_id JOIN doc_label_options o ON o.id = l.option_id JOIN users u ON u.id = l.user_id
		WHERE l.article_id = ? ORDER BY g.sort_order, g.id, o.sort_order, o.id`, articleID).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out map[string]map[string][]string
	for rows.Next() {
		var who, group, option string
		if err := rows.Scan(&who, &group, &option); err != nil {
			return nil, err
		}
		if out == nil {
			out = map[string]map[string][]string{}
		}
		if out[who] == nil {
			out[who] = map[string][]string{}
		}
		out[who][group] = append(out[who][group], option)
	}
	return out, rows.Err()
}

// takeExportSlot waits for one of the export slots (see exportSlots:
// a read connection always stays free) and answers its release.
func (s *Store) takeExportSlot(ctx context.Context) (func(), error) {
	if s.exportSlots == nil || s.inTx {
		return func() {}, nil
	}
	select {
	case s.exportSlots <- struct{}{}:
		return func() { <-s.exportSlots }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
