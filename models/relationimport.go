package models

import (
	"context"
	"database/sql"
	"errors"
)

// The relation side of an import (brat's R and E lines): relation types
// looked up and created in the import's chunk, and relations validated
// by the same rules as CreateRelation (checkRelation) and written through
// the one relation writer with the import's id, so that they stay hidden
// with their spans until the import is published and go with them when
// it is not.

// ImportRelation is a relation between two spans an import stored.
type ImportRelation struct {
	ArticleID    int64
	Type         *RelationType
	FromID, ToID int64
}

// RelationTypeByKey finds a relation type of the project, reading in the
// open chunk if any; ErrInvalid when there is none.
func (w *ImportWriter) RelationTypeByKey(projectID int64, key string) (*RelationType, error) {
	return w.cur().relationTypeByKey(w.ctx, projectID, key)
}

// CreateRelationType adds a relation type during the import, tagged
// with its id: lists leave it out until the import is published, and
// CleanImport (after a crash too) removes it if unused. The writer also
// remembers it, so that DropRelationTypes can remove it at once when the
// import is not published.
func (w *ImportWriter) CreateRelationType(t *RelationType) error {
	tx, err := w.chunk()
	if err != nil {
		return err
	}
	if err := tx.CreateRelationType(w.ctx, t); err != nil {
		return err
	}
	if err := tx.wr(w.ctx).Exec(`UPDATE relation_types SET import_id = ? WHERE id = ?`, w.importID, t.ID).Error; err != nil {
		return err
	}
	w.relTypes = append(w.relTypes, t.ID)
	return nil
}

// InsertRelation links two spans of the import (or visible ones) after
// checking them as CreateRelation does: its new id, 0 when the same link
// is there already, a *ValidationError when the rules refuse it.
func (w *ImportWriter) InsertRelation(r ImportRelation) (int64, error) {
	tx, err := w.chunk()
	if err != nil {
		return 0, err
	}
	e, err := tx.importRelationEnds(w.ctx, w.importID, r.FromID, r.ToID)
	if err != nil {
		return 0, err
	}
	if e.articleID != r.ArticleID {
		return 0, Invalid("from", "must be a span of this article")
	}
	if err := checkRelation(r.Type, e, r.FromID, r.ToID); err != nil {
		return 0, err
	}
	ids, err := tx.insertRelations(w.ctx, []relationRow{{projectID: e.projectID, articleID: e.articleID, typeID: r.Type.ID,
		fromID: r.FromID, toID: r.ToID, userID: e.fromUser, origin: OriginImport}}, &w.importID)
	if err != nil {
		return 0, err
	}
	return ids[0], nil
}

// importRelationEnds is relationEndsOf for spans that may be the
// import's own (hidden) rows.
func (s *Store) importRelationEnds(ctx context.Context, importID, fromID, toID int64) (*relationEnds, error) {
	var e relationEnds
	var toArt, toProject int64
	q := `SELECT n.project_id, n.article_id, n.user_id, n.layer, l.key FROM annotations n JOIN labels l ON l.id = n.label_id
		WHERE n.id = ? AND (n.import_id = ? OR ` + visible("n") + `)`
	if err := s.wr(ctx).Raw(q, fromID, importID).Row().Scan(&e.projectID, &e.articleID, &e.fromUser, &e.fromLayer, &e.fromLabel); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, Invalid("from", "is not a span")
		}
		return nil, err
	}
	if err := s.wr(ctx).Raw(q, toID, importID).Row().Scan(&toProject, &toArt, &e.toUser, &e.toLayer, &e.toLabel); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, Invalid("to", "is not a span")
		}
		return nil, err
	}
	if toArt != e.articleID {
		return nil, Invalid("to", "must be a span of the same article as from")
	}
	return &e, nil
}

// DropRelationTypes removes the relation types this writer created that
// no relation uses (after CleanImport removed the import's relations
// with its spans). Run calls it when an import is not published.
func (w *ImportWriter) DropRelationTypes(ctx context.Context) error {
	if len(w.relTypes) == 0 {
		return nil
	}
	err := w.s.wr(ctx).Exec(`DELETE FROM relation_types WHERE id IN ? AND NOT EXISTS (SELECT 1 FROM relations r WHERE r.type_id = relation_types.id)`, w.relTypes).Error
	if err == nil {
		w.relTypes = nil
	}
	return err
}

// LineFragments cuts [start, end) of text at its line breaks (CR, LF),
// as brat writes a span over several lines (the brat
// importer and exporter share this rule): the pieces between the
// breaks, without them. A span of nothing but line breaks is one piece.
func LineFragments(text []rune, start, end int) [][2]int {
	var out [][2]int
	from := start
	for i := start; i < end; i++ {
		if text[i] == '\n' || text[i] == '\r' {
			if i > from {
				out = append(out, [2]int{from, i})
			}
			from = i + 1
		}
	}
	if end > from {
		out = append(out, [2]int{from, end})
	}
	if len(out) == 0 {
		out = [][2]int{{start, end}}
	}
	return out
}
