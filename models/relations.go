package models

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Relations link two spans of one article: an attributed claim to its
// source (said_by), a reporting cue to its claim (cue_of). A relation
// type names the label of each end (or any label); a relation joins two
// spans of the same annotator (or two gold spans) and disappears with
// either of them.

// RelationType is one kind of link in a project's scheme.
type RelationType struct {
	ID          int64
	ProjectID   int64
	Key         string
	Name        string
	FromLabel   string // label key of the span the link starts at ("" any)
	ToLabel     string // label key of the span it points to ("" any)
	Hotkey      string
	Description string
	SortOrder   int
}

// DefaultRelationTypes go with DefaultLabels.
func DefaultRelationTypes() []RelationType {
	return []RelationType{
		{Key: "said_by", Name: "said by", FromLabel: "attributed_claim", ToLabel: "source", Hotkey: "r",
			Description: "Links an attributed claim to the words naming who made it."},
		{Key: "cue_of", Name: "cue of", FromLabel: "cue", ToLabel: "attributed_claim", Hotkey: "",
			Description: "Links a reporting cue (said, according to, claimed) to the claim it introduces."},
	}
}

const relationTypeCols = `t.id, t.project_id, t.key, t.name, COALESCE(fl.key, ''), COALESCE(tl.key, ''), t.hotkey, t.description, t.sort_order`

// relationTypes reads relation types of a project through db (the read
// pool, or the writer inside a transaction).
func relationTypes(db *gorm.DB, projectID int64, where string, args ...any) ([]RelationType, error) {
	rows, err := db.Raw(`SELECT `+relationTypeCols+` FROM relation_types t
		LEFT JOIN labels fl ON fl.id = t.from_label_id LEFT JOIN labels tl ON tl.id = t.to_label_id
		WHERE t.project_id = ? `+where+` ORDER BY t.sort_order, t.id`, append([]any{projectID}, args...)...).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RelationType
	for rows.Next() {
		var t RelationType
		if err := rows.Scan(&t.ID, &t.ProjectID, &t.Key, &t.Name, &t.FromLabel, &t.ToLabel, &t.Hotkey, &t.Description, &t.SortOrder); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// ListRelationTypes returns a project's relation types in display order
// (not those an unpublished import created).
func (s *Store) ListRelationTypes(ctx context.Context, projectID int64) ([]RelationType, error) {
	if _, err := s.GetProject(ctx, projectID); err != nil {
		return nil, err
	}
	return relationTypes(s.rd(ctx), projectID, "AND (t.import_id IS NULL OR t.import_id IN (SELECT id FROM imports WHERE state = 'done'))")
}

func (s *Store) relationTypeByKey(ctx context.Context, projectID int64, key string) (*RelationType, error) {
	ts, err := relationTypes(s.wr(ctx), projectID, "AND t.key = ?", key)
	if err != nil {
		return nil, err
	}
	if len(ts) == 0 {
		return nil, &ValidationError{Code: "validation_failed", Message: "unknown relation type " + key,
			Fields: map[string]string{"type": "is not a relation type of this project"}}
	}
	return &ts[0], nil
}

// labelIDOrNil resolves an optional label key of a project.
func (s *Store) labelIDOrNil(ctx context.Context, projectID int64, key, field string) (*int64, error) {
	if key == "" {
		return nil, nil
	}
	var id int64
	err := s.wr(ctx).Raw(`SELECT id FROM labels WHERE project_id = ? AND key = ?`, projectID, key).Row().Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Invalid(field, "is not a label of this project")
	}
	return &id, err
}

func validateRelationType(t *RelationType) error {
	t.Name = strings.TrimSpace(t.Name)
	if !labelKeyRe.MatchString(t.Key) {
		return Invalid("key", "must be lower-case letters, digits and _ (starting with a letter), at most 64")
	}
	if t.Name == "" {
		t.Name = strings.ReplaceAll(t.Key, "_", " ")
	}
	if utf8.RuneCountInString(t.Name) > 100 || utf8.RuneCountInString(t.Description) > 2000 {
		return Invalid("name", "must be at most 100 characters (description: 2,000)")
	}
	if utf8.RuneCountInString(t.Hotkey) > 1 {
		return Invalid("hotkey", "must be one character")
	}
	return nil
}

// CreateRelationType adds a relation type to a project's scheme.
func (s *Store) CreateRelationType(ctx context.Context, t *RelationType) error {
	if err := validateRelationType(t); err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *Store) error {
		if _, err := tx.GetProject(ctx, t.ProjectID); err != nil {
			return err
		}
		from, err := tx.labelIDOrNil(ctx, t.ProjectID, t.FromLabel, "from_label")
		if err != nil {
			return err
		}
		to, err := tx.labelIDOrNil(ctx, t.ProjectID, t.ToLabel, "to_label")
		if err != nil {
			return err
		}
		if t.SortOrder == 0 {
			tx.wr(ctx).Raw(`SELECT COALESCE(MAX(sort_order), 0) + 1 FROM relation_types WHERE project_id = ?`, t.ProjectID).Row().Scan(&t.SortOrder)
		}
		err = tx.wr(ctx).Raw(`INSERT INTO relation_types (project_id, key, name, from_label_id, to_label_id, hotkey, description, sort_order, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, `+s.now()+`, `+s.now()+`) RETURNING id`,
			t.ProjectID, t.Key, t.Name, from, to, t.Hotkey, t.Description, t.SortOrder).Row().Scan(&t.ID)
		if err != nil && (isUnique(err) || strings.Contains(err.Error(), "UNIQUE")) {
			return &ConflictError{Message: "relation type " + t.Key + " already exists in this project"}
		}
		return err
	})
}

// RelationTypePatch changes a relation type; nil fields stay.
type RelationTypePatch struct {
	Name, FromLabel, ToLabel, Hotkey, Description *string
	SortOrder                                     *int
}

// UpdateRelationType changes relation type id of project projectID.
func (s *Store) UpdateRelationType(ctx context.Context, projectID, id int64, p RelationTypePatch) (*RelationType, error) {
	var out *RelationType
	err := s.Tx(ctx, func(tx *Store) error {
		ts, err := relationTypes(tx.wr(ctx), projectID, "AND t.id = ?", id)
		if err != nil {
			return err
		}
		if len(ts) == 0 {
			return notFound("relation type")
		}
		t := ts[0]
		for dst, src := range map[*string]*string{&t.Name: p.Name, &t.FromLabel: p.FromLabel, &t.ToLabel: p.ToLabel, &t.Hotkey: p.Hotkey, &t.Description: p.Description} {
			if src != nil {
				*dst = *src
			}
		}
		if p.SortOrder != nil {
			t.SortOrder = *p.SortOrder
		}
		if err := validateRelationType(&t); err != nil {
			return err
		}
		from, err := tx.labelIDOrNil(ctx, projectID, t.FromLabel, "from_label")
		if err != nil {
			return err
		}
		to, err := tx.labelIDOrNil(ctx, projectID, t.ToLabel, "to_label")
		if err != nil {
			return err
		}
		var broken int64
		if err := tx.wr(ctx).Raw(`SELECT COUNT(*) FROM relations r JOIN annotations a ON a.id = r.from_id JOIN annotations b ON b.id = r.to_id
			WHERE r.type_id = ? AND ((CAST(? AS BIGINT) IS NOT NULL AND a.label_id <> ?) OR (CAST(? AS BIGINT) IS NOT NULL AND b.label_id <> ?))`,
			id, from, from, to, to).Row().Scan(&broken); err != nil {
			return err
		}
		if broken > 0 {
			return &ConflictError{Message: itoa(int(broken)) + " existing " + t.Key + " link(s) join other labels than these; unlink them first"}
		}
		if err := tx.wr(ctx).Exec(`UPDATE relation_types SET name = ?, from_label_id = ?, to_label_id = ?, hotkey = ?, description = ?,
			sort_order = ?, updated_at = `+s.now()+` WHERE id = ?`, t.Name, from, to, t.Hotkey, t.Description, t.SortOrder, id).Error; err != nil {
			return err
		}
		out = &t
		return nil
	})
	return out, err
}

// DeleteRelationType removes an unused relation type.
func (s *Store) DeleteRelationType(ctx context.Context, projectID, id int64) error {
	return s.Tx(ctx, func(tx *Store) error {
		var n int64
		if err := tx.wr(ctx).Raw(`SELECT COUNT(*) FROM relations WHERE type_id = ?`, id).Row().Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return &ConflictError{Message: "relation type is used by " + itoa(int(n)) + " relation(s); delete them first"}
		}
		res := tx.wr(ctx).Exec(`DELETE FROM relation_types WHERE id = ? AND project_id = ?`, id, projectID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return notFound("relation type")
		}
		return nil
	})
}

// Relation is a stored link between two spans.
type Relation struct {
	ID        int64
	ProjectID int64
	ArticleID int64
	Type      string
	FromID    int64
	ToID      int64
	UserID    int64
	Annotator string
	Layer     string
	Origin    string
	CreatedAt time.Time
}

// RelationIn is a relation to create between two stored spans.
type RelationIn struct {
	ArticleID int64
	Type      string // relation type key
	FromID    int64
	ToID      int64
	Origin    string // "" means human
}

// relationEnds are the facts about two spans a relation needs.
type relationEnds struct {
	projectID, articleID int64
	fromUser, toUser     int64
	fromLayer, toLayer   string
	fromLabel, toLabel   string
}

func (s *Store) relationEndsOf(ctx context.Context, fromID, toID int64) (*relationEnds, error) {
	var e relationEnds
	var fromArt, toArt, toProject int64
	q := `SELECT n.project_id, n.article_id, n.user_id, n.layer, l.key FROM annotations n JOIN labels l ON l.id = n.label_id WHERE n.id = ? AND ` + visible("n")
	if err := s.wr(ctx).Raw(q, fromID).Row().Scan(&e.projectID, &fromArt, &e.fromUser, &e.fromLayer, &e.fromLabel); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, Invalid("from", "is not a span")
		}
		return nil, err
	}
	if err := s.wr(ctx).Raw(q, toID).Row().Scan(&toProject, &toArt, &e.toUser, &e.toLayer, &e.toLabel); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, Invalid("to", "is not a span")
		}
		return nil, err
	}
	if fromArt != toArt {
		return nil, Invalid("to", "must be a span of the same article as from")
	}
	e.articleID = fromArt
	return &e, nil
}

// checkRelation applies the rules of a relation: two different spans of
// one article, one annotator (or both gold), labels the type allows.
func checkRelation(t *RelationType, e *relationEnds, fromID, toID int64) error {
	switch {
	case fromID == toID:
		return Invalid("to", "must be another span than from")
	case e.fromLayer != e.toLayer || (e.fromLayer == LayerAnnotator && e.fromUser != e.toUser):
		return Invalid("to", "must be a span of the same annotator as from (or both gold)")
	case t.FromLabel != "" && e.fromLabel != t.FromLabel:
		return Invalid("from", t.Key+" starts at a "+t.FromLabel+" span, not "+e.fromLabel)
	case t.ToLabel != "" && e.toLabel != t.ToLabel:
		return Invalid("to", t.Key+" points to a "+t.ToLabel+" span, not "+e.toLabel)
	}
	return nil
}

// CreateRelation links two stored spans of an article. The relation
// belongs to the spans' annotator; the caller's right to change their
// spans is the HTTP layer's to check.
func (s *Store) CreateRelation(ctx context.Context, in RelationIn) (*Relation, error) {
	if in.Origin == "" {
		in.Origin = OriginHuman
	}
	if !validOrigin(in.Origin) {
		return nil, Invalid("origin", `must be "human", "import" or "model:<name>"`)
	}
	var id int64
	err := s.Tx(ctx, func(tx *Store) error {
		e, err := tx.relationEndsOf(ctx, in.FromID, in.ToID)
		if err != nil {
			return err
		}
		if e.articleID != in.ArticleID {
			return Invalid("from", "must be a span of this article")
		}
		t, err := tx.relationTypeByKey(ctx, e.projectID, in.Type)
		if err != nil {
			return err
		}
		if err := checkRelation(t, e, in.FromID, in.ToID); err != nil {
			return err
		}
		ids, err := tx.insertRelations(ctx, []relationRow{{projectID: e.projectID, articleID: e.articleID, typeID: t.ID,
			fromID: in.FromID, toID: in.ToID, userID: e.fromUser, origin: in.Origin}}, nil)
		if err != nil {
			return err
		}
		if ids[0] == 0 {
			return &ConflictError{Message: "these two spans are already linked by " + in.Type}
		}
		id = ids[0]
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.GetRelation(ctx, id)
}

// relationRow is a relation on its way into the table.
type relationRow struct {
	projectID, articleID, typeID, fromID, toID, userID int64
	origin                                             string
}

// insertRelations is the one relation writer: it answers each row's new
// id, 0 when the same link exists already. Rows go in multi-row INSERTs
// of up to relationBatch, each answering the ids it stored.
func (s *Store) insertRelations(ctx context.Context, rows []relationRow, importID *int64) ([]int64, error) {
	type key struct{ from, to, typ int64 }
	ids := make([]int64, len(rows))
	// Inside a transaction a statement of n rows is prepared once and
	// reused for every batch of n: compiling the INSERT (with the
	// relations' triggers coded into it) costs more than running it.
	var tx *sql.Tx
	if s.inTx {
		tx = rawTx(s.w)
	}
	stmts := map[string]*sql.Stmt{}
	defer func() {
		for _, st := range stmts {
			st.Close()
		}
	}()
	dctx := dbContext(ctx)
	for done := 0; done < len(rows); {
		n := min(relationBatch, len(rows)-done)
		batch := rows[done : done+n]
		var sb strings.Builder
		sb.WriteString(`INSERT INTO relations (project_id, article_id, type_id, from_id, to_id, user_id, origin, import_id, created_at) VALUES `)
		args := make([]any, 0, 8*n)
		pos := make(map[key]int, n)
		for i, r := range batch {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString(`(?, ?, ?, ?, ?, ?, ?, ?, ` + s.now() + `)`)
			args = append(args, r.projectID, r.articleID, r.typeID, r.fromID, r.toID, r.userID, r.origin, importID)
			if _, dup := pos[key{r.fromID, r.toID, r.typeID}]; !dup {
				pos[key{r.fromID, r.toID, r.typeID}] = done + i
			}
		}
		sb.WriteString(` ON CONFLICT (from_id, to_id, type_id) DO NOTHING RETURNING id, from_id, to_id, type_id`)
		var res *sql.Rows
		var err error
		if tx != nil {
			q := s.rebind(sb.String())
			st := stmts[q]
			if st == nil {
				if st, err = tx.PrepareContext(dctx, q); err != nil {
					return nil, spanWriteError(err)
				}
				stmts[q] = st
			}
			res, err = st.QueryContext(dctx, args...)
		} else {
			res, err = s.wr(ctx).Raw(sb.String(), args...).Rows()
		}
		if err != nil {
			return nil, spanWriteError(err)
		}
		for res.Next() {
			var id int64
			var k key
			if err := res.Scan(&id, &k.from, &k.to, &k.typ); err != nil {
				res.Close()
				return nil, err
			}
			ids[pos[k]] = id
		}
		if err := res.Err(); err != nil {
			res.Close()
			return nil, spanWriteError(err)
		}
		if err := res.Close(); err != nil {
			return nil, spanWriteError(err)
		}
		done += n
	}
	return ids, nil
}

// relationBatch rows × 8 parameters stay well under SQLite's limit.
const relationBatch = 100

const relationCols = `r.id, r.project_id, r.article_id, t.key, r.from_id, r.to_id, r.user_id, u.name, a.layer, r.origin, r.created_at`

// RelationFilter narrows relation lists; exactly one of ProjectID and
// ArticleID scopes it.
type RelationFilter struct {
	ProjectID int64
	ArticleID int64
	UserID    int64  // only this annotator's (blind mode)
	Layer     string // as AnnotationFilter.Layer
}

// ListRelations lists relations whose both spans are visible, in id order.
func (s *Store) ListRelations(ctx context.Context, f RelationFilter, pg Page) ([]Relation, *string, error) {
	after, err := decodeCursor(pg.Cursor, 1)
	if err != nil {
		return nil, nil, err
	}
	q := `SELECT ` + relationCols + ` FROM relations r
		JOIN relation_types t ON t.id = r.type_id
		JOIN annotations a ON a.id = r.from_id
		JOIN annotations b ON b.id = r.to_id
		JOIN users u ON u.id = r.user_id WHERE ` + visible("a") + ` AND ` + visible("b")
	var args []any
	if f.ArticleID != 0 {
		q += ` AND r.article_id = ?`
		args = append(args, f.ArticleID)
	}
	if f.ProjectID != 0 {
		q += ` AND r.project_id = ?`
		args = append(args, f.ProjectID)
	}
	if f.UserID != 0 {
		q += ` AND r.user_id = ?`
		args = append(args, f.UserID)
	}
	q += ` AND ` + layerSQL("a.layer", f.Layer)
	if after != nil {
		q += ` AND r.id > ?`
		args = append(args, after[0])
	}
	q += ` ORDER BY r.id LIMIT ?`
	args = append(args, pg.limit()+1)
	rows, err := s.rd(ctx).Raw(q, args...).Rows()
	if err != nil {
		return nil, nil, err
	}
	out, err := scanRelations(rows)
	if err != nil {
		return nil, nil, err
	}
	out, next := pageOf(out, pg.limit(), func(r Relation) []int64 { return []int64{r.ID} })
	return out, next, nil
}

func scanRelations(rows *sql.Rows) ([]Relation, error) {
	defer rows.Close()
	var out []Relation
	for rows.Next() {
		var r Relation
		var at string
		if err := rows.Scan(&r.ID, &r.ProjectID, &r.ArticleID, &r.Type, &r.FromID, &r.ToID, &r.UserID, &r.Annotator, &r.Layer, &r.Origin, &at); err != nil {
			return nil, err
		}
		r.CreatedAt, _ = ParseTime(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// GetRelation returns one relation.
func (s *Store) GetRelation(ctx context.Context, id int64) (*Relation, error) {
	rows, err := s.rd(ctx).Raw(`SELECT `+relationCols+` FROM relations r
		JOIN relation_types t ON t.id = r.type_id JOIN annotations a ON a.id = r.from_id JOIN annotations b ON b.id = r.to_id
		JOIN users u ON u.id = r.user_id WHERE r.id = ? AND `+visible("a")+` AND `+visible("b"), id).Rows()
	if err != nil {
		return nil, err
	}
	out, err := scanRelations(rows)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, notFound("relation")
	}
	return &out[0], nil
}

// DeleteRelation removes one relation.
// In a transaction, so the history records who unlinked.
func (s *Store) DeleteRelation(ctx context.Context, id int64) error {
	return s.Tx(ctx, func(tx *Store) error {
		res := tx.wr(ctx).Exec(`DELETE FROM relations WHERE id = ?`, id)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return notFound("relation")
		}
		return nil
	})
}

// linksAllowLabel refuses to relabel span id as label when one of its
// links' types needs another label at that end.
func (s *Store) linksAllowLabel(ctx context.Context, id int64, label string) error {
	rows, err := s.wr(ctx).Raw(`SELECT t.key, r.from_id = ?, COALESCE(fl.key, ''), COALESCE(tl.key, '')
		FROM relations r JOIN relation_types t ON t.id = r.type_id
		LEFT JOIN labels fl ON fl.id = t.from_label_id LEFT JOIN labels tl ON tl.id = t.to_label_id
		WHERE r.from_id = ? OR r.to_id = ?`, id, id, id).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var typ, from, to string
		var isFrom bool
		if err := rows.Scan(&typ, &isFrom, &from, &to); err != nil {
			return err
		}
		need := to
		if isFrom {
			need = from
		}
		if need != "" && need != label {
			return &ConflictError{Message: "the span is linked by " + typ + ", which needs a " + need + " span there; unlink it before changing its label"}
		}
	}
	return rows.Err()
}
