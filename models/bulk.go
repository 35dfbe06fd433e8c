package models

import (
	"context"
	"errors"
	"sort"
	"strings"
	"time"
)

// MaxBulk is the most spans one bulk request may carry.
const MaxBulk = 10_000

// BulkSpan is one span of a bulk push. The article is named by id or by
// the project's external id.
type BulkSpan struct {
	ArticleID  int64
	ExternalID string
	Label      string
	Start, End int
	Text       *string
	Note       string
	Attributes JSONMap
	Origin     string
	ClientID   *string
}

// BulkItemError is why one span of a bulk push was refused.
type BulkItemError struct {
	Index int
	Err   error
}

// BulkResult reports a bulk push. IDs[i] is the stored id of span i (the
// existing one for a repeated client_id), or 0 when span i failed.
type BulkResult struct {
	Created  int
	Existing int
	IDs      []int64
	Errors   []BulkItemError
}

// BulkError is returned when an all-or-nothing push had invalid spans:
// nothing was stored.
type BulkError struct{ Result *BulkResult }

func (e *BulkError) Error() string {
	return itoa(len(e.Result.Errors)) + " span(s) invalid; nothing stored"
}
func (e *BulkError) Is(target error) bool { return target == ErrInvalid }

type bulkKey struct {
	article, label int64
	start, end     int
}

// BulkCreateAnnotations validates every span against the stored text and
// inserts the valid ones in one transaction with multi-row INSERTs. With
// partial=false any invalid span rejects the whole push (*BulkError).
// Spans whose client_id already exists in the project are not inserted
// again: they count as Existing, which makes re-sending a push idempotent.
func (s *Store) BulkCreateAnnotations(ctx context.Context, projectID, userID int64, spans []BulkSpan, partial bool) (*BulkResult, error) {
	if len(spans) == 0 {
		return nil, Invalid("annotations", "at least one span is required")
	}
	if len(spans) > MaxBulk {
		return nil, Invalid("annotations", "at most "+itoa(MaxBulk)+" spans per request")
	}
	res := &BulkResult{IDs: make([]int64, len(spans))}
	err := s.Tx(ctx, func(tx *Store) error {
		if _, err := tx.GetProject(ctx, projectID); err != nil {
			return err
		}
		labels := map[string]int64{}
		var ls []Label
		if err := tx.rd(ctx).Where("project_id = ?", projectID).Where(visible("labels")).Find(&ls).Error; err != nil {
			return err
		}
		for _, l := range ls {
			labels[l.Key] = l.ID
		}
		texts, extIDs, err := tx.bulkArticles(ctx, projectID, spans)
		if err != nil {
			return err
		}
		existing, err := tx.bulkExistingClientIDs(ctx, projectID, userID, spans)
		if err != nil {
			return err
		}
		taken := map[bulkKey]bool{} // within this request; stored spans are caught by the unique index
		fail := func(i int, err error) { res.Errors = append(res.Errors, BulkItemError{Index: i, Err: err}) }
		now := time.Now().UTC()
		var rows []Annotation
		var rowIndex []int
		seenClient := map[string]int{}
		for i := range spans {
			sp := &spans[i]
			if sp.ClientID != nil {
				if id, ok := existing[*sp.ClientID]; ok {
					res.IDs[i] = id
					res.Existing++
					continue
				}
				if j, dup := seenClient[*sp.ClientID]; dup {
					fail(i, Invalid("client_id", "repeats the client_id of span "+itoa(j)+" in this request"))
					continue
				}
				seenClient[*sp.ClientID] = i
			}
			artID := sp.ArticleID
			if artID == 0 && sp.ExternalID != "" {
				artID = extIDs[sp.ExternalID]
			}
			ix, ok := texts[artID]
			if !ok {
				if sp.ArticleID == 0 && sp.ExternalID == "" {
					fail(i, Invalid("article_id", "article_id or external_id is required"))
				} else {
					fail(i, notFound("article in this project"))
				}
				continue
			}
			labelID, ok := labels[sp.Label]
			if !ok {
				fail(i, Invalid("label", "unknown label key "+quoteKey(sp.Label)+" for this project"))
				continue
			}
			if sp.Origin == "" {
				sp.Origin = OriginImport
			}
			if sp.Attributes == nil {
				sp.Attributes = JSONMap{}
			}
			if err := validateAnnotationFields(sp.Note, sp.Attributes, sp.Origin); err != nil {
				fail(i, err)
				continue
			}
			quote, err := CheckSpan(ix, sp.Start, sp.End, sp.Text)
			if err != nil {
				fail(i, err)
				continue
			}
			k := bulkKey{artID, labelID, sp.Start, sp.End}
			if taken[k] {
				fail(i, &ConflictError{Message: "you already have a " + sp.Label + " span at [" + itoa(sp.Start) + ", " + itoa(sp.End) + ")"})
				continue
			}
			taken[k] = true
			rows = append(rows, Annotation{ProjectID: projectID, ArticleID: artID, LabelID: labelID, UserID: userID,
				Start: sp.Start, End: sp.End, Quote: quote, Note: sp.Note, Attributes: sp.Attributes,
				Origin: sp.Origin, ClientID: sp.ClientID, CreatedAt: now, UpdatedAt: now})
			rowIndex = append(rowIndex, i)
		}
		if len(res.Errors) > 0 && !partial {
			return &BulkError{Result: res} // errors are in index order here
		}
		ids, err := tx.insertAnnotations(ctx, rows)
		if err != nil {
			return err
		}
		for j, id := range ids {
			if id == 0 { // the same user already had this extent and label
				a := rows[j]
				fail(rowIndex[j], &ConflictError{Message: "you already have a " + spans[rowIndex[j]].Label + " span at [" + itoa(a.Start) + ", " + itoa(a.End) + ")"})
				continue
			}
			res.IDs[rowIndex[j]] = id
			res.Created++
		}
		sort.Slice(res.Errors, func(a, b int) bool { return res.Errors[a].Index < res.Errors[b].Index })
		if len(res.Errors) > 0 && !partial {
			return &BulkError{Result: res}
		}
		return nil
	})
	if err != nil {
		var be *BulkError
		if errors.As(err, &be) {
			for i := range be.Result.IDs {
				be.Result.IDs[i] = 0
			}
			be.Result.Existing = 0
		}
		return nil, err
	}
	return res, nil
}

// bulkArticles loads the texts of the project's articles the spans name.
func (s *Store) bulkArticles(ctx context.Context, projectID int64, spans []BulkSpan) (map[int64]*SpanIndex, map[string]int64, error) {
	idSet, extSet := map[int64]bool{}, map[string]bool{}
	for _, sp := range spans {
		if sp.ArticleID != 0 {
			idSet[sp.ArticleID] = true
		} else if sp.ExternalID != "" {
			extSet[sp.ExternalID] = true
		}
	}
	texts, extIDs := map[int64]*SpanIndex{}, map[string]int64{}
	type row struct {
		ID         int64
		ExternalID *string
		Text       string
	}
	load := func(col string, keys []any) error {
		for len(keys) > 0 {
			n := min(len(keys), 500)
			var rows []row
			if err := s.rd(ctx).Table("articles").Select("id, external_id, text").
				Where("project_id = ? AND "+col+" IN ?", projectID, keys[:n]).Where(visible("articles")).Scan(&rows).Error; err != nil {
				return err
			}
			for _, r := range rows {
				texts[r.ID] = NewSpanIndex(r.Text)
				if r.ExternalID != nil {
					extIDs[*r.ExternalID] = r.ID
				}
			}
			keys = keys[n:]
		}
		return nil
	}
	var ids, exts []any
	for id := range idSet {
		ids = append(ids, id)
	}
	for e := range extSet {
		exts = append(exts, e)
	}
	if err := load("id", ids); err != nil {
		return nil, nil, err
	}
	if err := load("external_id", exts); err != nil {
		return nil, nil, err
	}
	return texts, extIDs, nil
}

// bulkExistingClientIDs finds the caller's spans already stored under the
// pushed client ids (client ids are per annotator).
func (s *Store) bulkExistingClientIDs(ctx context.Context, projectID, userID int64, spans []BulkSpan) (map[string]int64, error) {
	var keys []any
	for _, sp := range spans {
		if sp.ClientID != nil {
			keys = append(keys, *sp.ClientID)
		}
	}
	out := map[string]int64{}
	for len(keys) > 0 {
		n := min(len(keys), 500)
		var rows []struct {
			ID       int64
			ClientID string
		}
		if err := s.rd(ctx).Table("annotations").Select("id, client_id").
			Where("project_id = ? AND user_id = ? AND client_id IN ?", projectID, userID, keys[:n]).Scan(&rows).Error; err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[r.ClientID] = r.ID
		}
		keys = keys[n:]
	}
	return out, nil
}

const annotationInsertCols = `project_id, article_id, label_id, user_id, start, "end", quote, note, attributes, origin, client_id, created_at, updated_at`

// insertAnnotations writes rows with multi-row INSERTs inside the current
// transaction. ids[i] is the new id of rows[i], or 0 when the row was not
// inserted because the same annotator already has that label on that
// extent (ON CONFLICT DO NOTHING; the unique index decides, so no stored
// span has to be read first).
func (s *Store) insertAnnotations(ctx context.Context, rows []Annotation) ([]int64, error) {
	// Statement sizes come from a fixed set so the prepared-statement
	// cache holds at most ten shapes. 13 columns × 400 = 5,200 parameters.
	sizes := []int{400, 256, 128, 64, 32, 16, 8, 4, 2, 1}
	ids := make([]int64, len(rows))
	done := 0
	for done < len(rows) {
		n := 1
		for _, sz := range sizes {
			if sz <= len(rows)-done {
				n = sz
				break
			}
		}
		batch := rows[done : done+n]
		var sb strings.Builder
		sb.WriteString("INSERT INTO annotations (" + annotationInsertCols + ") VALUES ")
		args := make([]any, 0, n*13)
		pos := make(map[bulkKey]int, n)
		for i, a := range batch {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString("(?,?,?,?,?,?,?,?,?,?,?,?,?)")
			attrs, err := a.Attributes.Value()
			if err != nil {
				return nil, err
			}
			args = append(args, a.ProjectID, a.ArticleID, a.LabelID, a.UserID, a.Start, a.End, a.Quote, a.Note,
				attrs, a.Origin, a.ClientID, a.CreatedAt, a.UpdatedAt)
			pos[bulkKey{a.ArticleID, a.LabelID, a.Start, a.End}] = done + i
		}
		sb.WriteString(` ON CONFLICT (article_id, label_id, start, "end", user_id) DO NOTHING RETURNING id, article_id, label_id, start, "end"`)
		res, err := s.wr(ctx).Raw(sb.String(), args...).Rows()
		if err != nil {
			if isUnique(err) {
				return nil, &ConflictError{Message: "a client_id collided with one stored concurrently; retry"}
			}
			return nil, err
		}
		for res.Next() {
			var id int64
			var k bulkKey
			if err := res.Scan(&id, &k.article, &k.label, &k.start, &k.end); err != nil {
				res.Close()
				return nil, err
			}
			ids[pos[k]] = id
		}
		if err := res.Close(); err != nil {
			return nil, err
		}
		done += n
	}
	return ids, nil
}

// DeleteAnnotationsByOrigin removes a project's annotations with the
// given origin; userID restricts it to one annotator's (0: everyone's).
func (s *Store) DeleteAnnotationsByOrigin(ctx context.Context, projectID int64, origin string, userID int64) (int64, error) {
	if origin == "" {
		return 0, Invalid("origin", "is required (e.g. model:roberta-v2)")
	}
	var n int64
	err := s.Tx(ctx, func(tx *Store) error {
		if _, err := tx.GetProject(ctx, projectID); err != nil {
			return err
		}
		q := tx.wr(ctx).Where("project_id = ? AND origin = ?", projectID, origin).Where(visible("annotations"))
		if userID != 0 {
			q = q.Where("user_id = ?", userID)
		}
		res := q.Delete(&Annotation{})
		n = res.RowsAffected
		return res.Error
	})
	return n, err
}
