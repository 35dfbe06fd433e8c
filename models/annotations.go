package models

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

var modelOriginRe = regexp.MustCompile(`^model:[A-Za-z0-9._:/@+-]{1,100}$`)

// AnnotationIn is a span to create.
type AnnotationIn struct {
	ArticleID  int64
	UserID     int64
	Label      string // label key within the article's project
	Start, End int
	Text       *string // optional: must equal the stored slice
	Note       string
	Attributes JSONMap
	Origin     string // "" means human
	// AnnotatorName, when the caller knows it, saves a read after the insert.
	AnnotatorName string
}

// AnnotationView is an annotation with its label key and annotator name.
type AnnotationView struct {
	Annotation
	LabelKey      string
	AnnotatorName string
	DecidedByName string // gold spans: the curator who decided
}

// AnnotationPatch changes an annotation. Offsets may move; the quote is
// recomputed from the stored text.
type AnnotationPatch struct {
	Label      *string
	Start, End *int
	Text       *string
	Note       *string
	Attributes *JSONMap
}

func validOrigin(o string) bool {
	return o == OriginHuman || o == OriginImport || modelOriginRe.MatchString(o) || suggestOriginRe.MatchString(o)
}

// CheckSpan validates [start, end) against text and returns the quote.
// When want is given and differs from the stored slice the error has code
// quote_mismatch and carries the actual slice (and where want does occur,
// if it does), to catch clients that count bytes or UTF-16 units.
func CheckSpan(ix *SpanIndex, start, end int, want *string) (string, error) {
	n := ix.Len()
	switch {
	case start < 0:
		return "", Invalid("start", "must be >= 0")
	case end <= start:
		return "", Invalid("end", "must be greater than start (spans are end-exclusive and non-empty)")
	case end > n:
		return "", Invalid("end", "must be <= "+itoa(n)+", the article's length in code points")
	}
	quote, _ := ix.Slice(start, end)
	if want != nil && *want != quote {
		ve := &ValidationError{
			Code:    "quote_mismatch",
			Message: "text does not match the article at [start, end); offsets are Unicode code points",
			Fields:  map[string]string{"text": "differs from the stored text at these offsets"},
			Extra:   map[string]any{"actual": quote},
		}
		if *want != "" {
			if b := strings.Index(ix.text, *want); b >= 0 {
				s := utf8.RuneCountInString(ix.text[:b])
				ve.Extra["found_at"] = []int{s, s + utf8.RuneCountInString(*want)}
			}
		}
		return "", ve
	}
	return quote, nil
}

// CreateAnnotation validates a span against the stored text and saves it
// through the span writer.
func (s *Store) CreateAnnotation(ctx context.Context, in AnnotationIn) (*AnnotationView, error) {
	// Validation reads go through the read pool, outside the write lock;
	// the write is a single INSERT ... RETURNING, atomic on its own. Foreign
	// keys keep it honest if the article or label disappears in between.
	projectID, text, err := s.articleText(ctx, in.ArticleID)
	if err != nil {
		return nil, err
	}
	// the label's id only (the read pool's views hide unpublished ones):
	// one indexed row, without gorm's reflection over the whole Label
	var labelID int64
	err = s.rd(ctx).Raw(`SELECT id FROM labels WHERE project_id = ? AND key = ? AND `+visible("labels"), projectID, in.Label).Row().Scan(&labelID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, unknownLabel(in.Label)
	}
	if err != nil {
		return nil, err
	}
	label := &Label{ID: labelID, Key: in.Label}
	row, err := PrepareSpan(NewSpanIndex(text), projectID, SpanDraft{ArticleID: in.ArticleID, LabelID: label.ID, UserID: in.UserID,
		Start: in.Start, End: in.End, Text: in.Text, Note: in.Note, Attributes: in.Attributes, Origin: in.Origin}, OriginHuman)
	if err != nil {
		return nil, err
	}
	rows := []Annotation{row}
	ids, err := s.insertSpans(ctx, rows, nil)
	if err != nil {
		return nil, err
	}
	if ids[0] == 0 {
		return nil, duplicateSpan(label.Key, in.Start, in.End)
	}
	view := &AnnotationView{Annotation: rows[0], LabelKey: label.Key, AnnotatorName: in.AnnotatorName}
	if view.AnnotatorName == "" {
		return s.GetAnnotation(ctx, ids[0])
	}
	return view, nil
}

// duplicateSpan is the conflict of a span that repeats its annotator's
// label on the same extent.
func duplicateSpan(labelKey string, start, end int) error {
	return &ConflictError{Message: "this annotator already has a " + labelKey + " span at [" + itoa(start) + ", " + itoa(end) + ")"}
}

const annotationViewCols = `annotations.id, annotations.project_id, annotations.article_id, annotations.label_id, annotations.user_id,
	annotations.start, annotations."end", annotations.quote, annotations.note, annotations.attributes,
	annotations.origin, annotations.client_id, annotations.created_at, annotations.updated_at,
	labels.key, users.name, annotations.layer, annotations.decided_by, annotations.provenance,
	CASE WHEN annotations.decided_by IS NULL THEN '' ELSE COALESCE((SELECT name FROM users d WHERE d.id = annotations.decided_by), '') END`

func (s *Store) annotationViews(ctx context.Context) *gorm.DB {
	return s.rd(ctx).Table("annotations").Select(annotationViewCols).
		Joins("JOIN labels ON labels.id = annotations.label_id").
		Joins("JOIN users ON users.id = annotations.user_id").
		Where(visible("annotations"))
}

// scanViews reads annotationViews rows without reflection (lists of a
// thousand spans are the hot path of the annotate page).
func scanViews(q *gorm.DB) ([]AnnotationView, error) {
	rows, err := q.Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AnnotationView
	for rows.Next() {
		var v AnnotationView
		a := &v.Annotation
		if err := rows.Scan(&a.ID, &a.ProjectID, &a.ArticleID, &a.LabelID, &a.UserID, &a.Start, &a.End, &a.Quote, &a.Note,
			&a.Attributes, &a.Origin, &a.ClientID, &a.CreatedAt, &a.UpdatedAt, &v.LabelKey, &v.AnnotatorName,
			&a.Layer, &a.DecidedBy, &a.Provenance, &v.DecidedByName); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// GetAnnotation returns one annotation.
func (s *Store) GetAnnotation(ctx context.Context, id int64) (*AnnotationView, error) {
	rows, err := scanViews(s.annotationViews(ctx).Where("annotations.id = ?", id).Limit(1))
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, notFound("annotation")
	}
	return &rows[0], nil
}

// AnnotationFilter narrows annotation lists and exports. Exactly one of
// ProjectID or ArticleID scopes the query.
type AnnotationFilter struct {
	ProjectID int64
	ArticleID int64
	Label     string // label key
	Annotator string // user name
	Source    string // outlet domain
	Origin    string
	UserID    int64 // restrict to one annotator by id (0: all)
	// Layer is LayersAnnotators ("" too: annotators' own spans),
	// LayerGold, LayersAll (both) or LayerSuggestion (pending
	// suggestions, only when asked for).
	Layer string
	// UpdatedSince keeps annotations created or changed at or after it.
	UpdatedSince *time.Time
	SpanFilter   // the span browser's filters (spanfilter.go)
}

func (f AnnotationFilter) apply(q *gorm.DB) *gorm.DB {
	q = q.Where(visible("annotations"))
	if f.ProjectID != 0 {
		q = q.Where("annotations.project_id = ?", f.ProjectID)
	}
	if f.ArticleID != 0 {
		q = q.Where("annotations.article_id = ?", f.ArticleID)
	}
	// Subqueries rather than joins, so counts and versions need no join.
	if f.Label != "" {
		q = q.Where("annotations.label_id IN (SELECT id FROM labels WHERE key = ?)", f.Label)
	}
	if f.Annotator != "" {
		q = q.Where("annotations.user_id IN (SELECT id FROM users WHERE name = ?)", f.Annotator)
	}
	if f.UserID != 0 {
		q = q.Where("annotations.user_id = ?", f.UserID)
	}
	switch f.Layer {
	case LayerSuggestion:
		q = q.Where("annotations.layer = 'suggestion'")
	case LayersAll: // annotators' and gold; suggestions only when asked by name
		q = q.Where("annotations.layer <> 'suggestion'")
	default:
		q = q.Where(layerSQL("annotations.layer", f.Layer))
	}
	if f.Origin != "" {
		q = q.Where("annotations.origin = ?", f.Origin)
	}
	if f.UpdatedSince != nil {
		// An import's spans keep the time they were written but appear
		// when it is published, so they count as changed then. Project-wide,
		// the two halves are a UNION so that each uses its index (as an OR,
		// SQLite scanned the whole project); within one article, an OR over
		// its few spans is cheaper than building the id list per article.
		since := f.UpdatedSince.UTC()
		const published = `SELECT id FROM imports WHERE state = 'done' AND finished_at >= ?`
		if f.ProjectID != 0 && f.ArticleID == 0 {
			q = q.Where(`annotations.id IN (SELECT id FROM annotations WHERE project_id = ? AND updated_at >= ?
				UNION ALL SELECT id FROM annotations WHERE import_id IN (`+published+`))`, f.ProjectID, since, since)
		} else {
			q = q.Where(`(annotations.updated_at >= ? OR annotations.import_id IN (`+published+`))`, since, since)
		}
		if q.Dialector.Name() == "postgres" {
			// Several writers at once: a span stamped now may commit
			// after one stamped later, and a pull that saw the later one
			// would pass it by. So a pull answers only spans stamped
			// before the oldest write transaction still open began (any
			// span still to commit is stamped at or after that), and sees
			// the rest on its next pull. SQLite's single writer stamps in
			// commit order (spans.go).
			q = q.Where(`annotations.updated_at < ` + pgPullHorizon)
		}
	}
	if f.Source != "" {
		q = q.Where("annotations.article_id IN (SELECT a.id FROM articles a JOIN sources src ON src.id = a.source_id WHERE src.domain = ?)",
			RegistrableDomain(f.Source))
	}
	q = f.applySpanFilter(q)
	return q
}

// ListAnnotations pages through annotations. Within one article they come
// in text order (start, end, id); project-wide in id order.
func (s *Store) ListAnnotations(ctx context.Context, f AnnotationFilter, pg Page) ([]AnnotationView, *string, error) {
	q, byText, err := s.listQuery(ctx, f, pg)
	if err != nil {
		return nil, nil, err
	}
	rows, err := scanViews(q.Select(annotationViewCols))
	if err != nil {
		return nil, nil, err
	}
	rows, next := pageOf(rows, pg.limit(), func(r AnnotationView) []int64 {
		if byText {
			return []int64{int64(r.Start), int64(r.End), r.ID}
		}
		return []int64{r.ID}
	})
	return rows, next, nil
}

// ListAnnotationsJSON is ListAnnotations with each item already encoded as
// the API's annotation object, built by SQLite's json_object: one column
// per row instead of sixteen, and no reflection, which makes the list of
// an article's spans (the annotate page's main request) several times
// cheaper. Times are the stored UTC timestamps in RFC 3339 form.
func (s *Store) ListAnnotationsJSON(ctx context.Context, f AnnotationFilter, pg Page) ([][]byte, *string, error) {
	q, byText, err := s.listQuery(ctx, f, pg)
	if err != nil {
		return nil, nil, err
	}
	rows, err := q.Select(`annotations.start, annotations."end", annotations.id, ` + s.jsonObject() + `(
		'id', annotations.id, 'article_id', annotations.article_id, 'label', labels.key,
		'start', annotations.start, 'end', annotations."end", 'text', annotations.quote,
		'note', annotations.note, 'attributes', ` + s.jsonValue("annotations.attributes") + `, 'annotator', users.name,
		'origin', annotations.origin, 'client_id', annotations.client_id, 'layer', annotations.layer,
		'decided_by', CASE WHEN annotations.decided_by IS NULL THEN NULL ELSE (SELECT name FROM users d WHERE d.id = annotations.decided_by) END,
		'provenance', CASE WHEN annotations.layer = 'gold' THEN ` + s.jsonValue("annotations.provenance") + ` END,
		'created_at', ` + s.rfc3339("annotations.created_at") + `,
		'updated_at', ` + s.rfc3339("annotations.updated_at") + `)`).Rows()
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	type item struct {
		start, end int
		id         int64
		js         []byte
	}
	var items []item
	for rows.Next() {
		var it item
		if err := rows.Scan(&it.start, &it.end, &it.id, &it.js); err != nil {
			return nil, nil, err
		}
		if s.pg {
			// json_build_object writes "key" : value, ...; the API
			// answers compact JSON, as Go's encoder writes it
			var b bytes.Buffer
			if err := json.Compact(&b, it.js); err != nil {
				return nil, nil, err
			}
			it.js = b.Bytes()
		}
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	items, next := pageOf(items, pg.limit(), func(r item) []int64 {
		if byText {
			return []int64{int64(r.start), int64(r.end), r.id}
		}
		return []int64{r.id}
	})
	out := make([][]byte, len(items))
	for i := range items {
		out[i] = items[i].js
	}
	return out, next, nil
}

// listQuery builds the keyset-paged annotation query (without its SELECT).
func (s *Store) listQuery(ctx context.Context, f AnnotationFilter, pg Page) (*gorm.DB, bool, error) {
	var exists int
	var err error
	if f.ArticleID != 0 {
		// within a project, an article of another project does not exist
		// (a non-member must not learn that the id is taken)
		err = s.rd(ctx).Raw("SELECT 1 FROM articles WHERE id = ? AND (? = 0 OR project_id = ?) AND "+visible("articles"),
			f.ArticleID, f.ProjectID, f.ProjectID).Row().Scan(&exists)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, false, notFound("article")
		}
	} else {
		err = s.rd(ctx).Raw("SELECT 1 FROM projects WHERE id = ?", f.ProjectID).Row().Scan(&exists)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, false, notFound("project")
		}
	}
	if err != nil {
		return nil, false, err
	}
	byText := f.ArticleID != 0
	nkeys := 1
	if byText {
		nkeys = 3
	}
	after, err := decodeCursor(pg.Cursor, nkeys)
	if err != nil {
		return nil, false, err
	}
	q := f.apply(s.rd(ctx).Table("annotations").
		Joins("JOIN labels ON labels.id = annotations.label_id").
		Joins("JOIN users ON users.id = annotations.user_id")).Limit(pg.limit() + 1)
	if byText {
		q = q.Order(`annotations.start, annotations."end", annotations.id`)
		if after != nil {
			q = q.Where(`(annotations.start > ?) OR (annotations.start = ? AND annotations."end" > ?) OR (annotations.start = ? AND annotations."end" = ? AND annotations.id > ?)`,
				after[0], after[0], after[1], after[0], after[1], after[2])
		}
	} else {
		q = q.Order("annotations.id")
		if after != nil {
			q = q.Where("annotations.id > ?", after[0])
		}
	}
	return q, byText, nil
}

// UpdateAnnotation applies p; offsets are re-checked against the text.
func (s *Store) UpdateAnnotation(ctx context.Context, id int64, p AnnotationPatch) (*AnnotationView, error) {
	err := s.Tx(ctx, func(tx *Store) error {
		cur, err := tx.GetAnnotation(ctx, id)
		if err != nil {
			return err
		}
		a := cur.Annotation
		d := SpanDraft{ArticleID: a.ArticleID, LabelID: a.LabelID, UserID: a.UserID, Start: a.Start, End: a.End,
			Text: p.Text, Note: a.Note, Attributes: a.Attributes, Origin: a.Origin, ClientID: a.ClientID,
			Layer: a.Layer, DecidedBy: a.DecidedBy, Provenance: a.Provenance}
		if p.Label != nil {
			l, err := tx.LabelByKey(ctx, a.ProjectID, *p.Label)
			if err != nil {
				return err
			}
			d.LabelID = l.ID
			if l.ID != a.LabelID {
				if err := tx.linksAllowLabel(ctx, id, l.Key); err != nil {
					return err
				}
			}
		}
		if p.Note != nil {
			d.Note = *p.Note
		}
		if p.Attributes != nil {
			d.Attributes = *p.Attributes
		}
		if p.Start != nil {
			d.Start = *p.Start
		}
		if p.End != nil {
			d.End = *p.End
		}
		_, text, err := tx.articleText(ctx, a.ArticleID)
		if err != nil {
			return err
		}
		row, err := PrepareSpan(NewSpanIndex(text), a.ProjectID, d, a.Origin)
		if err != nil {
			return err
		}
		row.ID, row.CreatedAt = a.ID, a.CreatedAt
		a = row
		if err := tx.wr(ctx).Save(&a).Error; err != nil {
			if isUnique(err) {
				return &ConflictError{Message: "this annotator already has a span with this label at [" + itoa(a.Start) + ", " + itoa(a.End) + ")"}
			}
			return err
		}
		if tx.pg {
			// stamped by the database's clock, as every other write: the
			// servers' clocks may differ, and a pull compares stamps with
			// the database's (the pull horizon, in the filter above)
			if err := tx.wr(ctx).Exec(`UPDATE annotations SET updated_at = `+tx.now()+` WHERE id = ?`, a.ID).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.GetAnnotation(ctx, id)
}

// DeleteAnnotation removes one annotation.
// In a transaction, so the history records who deleted it.
func (s *Store) DeleteAnnotation(ctx context.Context, id int64) error {
	return s.Tx(ctx, func(tx *Store) error {
		res := tx.wr(ctx).Where(visible("annotations")).Delete(&Annotation{}, id)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return notFound("annotation")
		}
		return nil
	})
}

// CountAnnotations counts annotations matching f (for tests and summaries).
func (s *Store) CountAnnotations(ctx context.Context, f AnnotationFilter) (int64, error) {
	var n int64
	err := f.apply(s.rd(ctx).Table("annotations")).Count(&n).Error
	return n, err
}

// layerSQL is the condition on layer column col for a layer choice: the
// annotators' spans by default, the gold layer's for LayerGold, and
// "1 = 1" (no condition) for anything else (LayersAll where there are
// no suggestions to leave out).
func layerSQL(col, layer string) string {
	switch layer {
	case "", LayersAnnotators, LayerAnnotator:
		return col + " = 'annotator'"
	case LayerGold:
		return col + " = 'gold'"
	}
	return "1 = 1"
}
