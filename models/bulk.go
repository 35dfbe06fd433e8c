package models

import (
	"context"
	"errors"
	"sort"
)

// MaxBulk is the most spans one bulk request may carry.
const MaxBulk = 10_000

// CheckBulkCount is the one rule on the size of a bulk push: at least one
// span, at most MaxBulk (413 too_large).
func CheckBulkCount(n int) error {
	if n == 0 {
		return Invalid("annotations", "at least one span is required")
	}
	if n > MaxBulk {
		return &TooLargeError{Message: "at most " + itoa(MaxBulk) + " spans per request; split the push"}
	}
	return nil
}

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

// BulkRelation links two spans of a bulk push by their client ids (a
// span of the push, or one the pusher stored before with that client_id).
type BulkRelation struct {
	Type     string
	From, To string
}

// BulkResult reports a bulk push. IDs[i] is the stored id of span i (the
// existing one for a repeated client_id), or 0 when span i failed;
// RelationIDs[i] likewise for relation i (the existing link's id when the
// two spans were linked already).
type BulkResult struct {
	Created          int
	Existing         int
	IDs              []int64
	Errors           []BulkItemError
	RelationsCreated int
	RelationIDs      []int64
	RelationErrors   []BulkItemError
}

// BulkError is returned when an all-or-nothing push had invalid spans:
// nothing was stored.
type BulkError struct{ Result *BulkResult }

func (e *BulkError) Error() string {
	if len(e.Result.Errors) == 0 {
		return itoa(len(e.Result.RelationErrors)) + " relation(s) invalid; nothing stored"
	}
	return itoa(len(e.Result.Errors)) + " span(s) invalid; nothing stored"
}
func (e *BulkError) Is(target error) bool { return target == ErrInvalid }

// BulkCreateAnnotations validates every span against the stored text and
// inserts the valid ones in one transaction with multi-row INSERTs. With
// partial=false any invalid span rejects the whole push (*BulkError).
// Spans whose client_id already exists in the project are not inserted
// again: they count as Existing, which makes re-sending a push idempotent.
func (s *Store) BulkCreateAnnotations(ctx context.Context, projectID, userID int64, spans []BulkSpan, partial bool) (*BulkResult, error) {
	return s.BulkCreate(ctx, projectID, userID, spans, nil, partial)
}

// BulkCreate is BulkCreateAnnotations with relations between the pushed
// spans (or the pusher's stored ones), named by client id and written in
// the same transaction. With partial=false a bad relation rejects the
// whole push too.
func (s *Store) BulkCreate(ctx context.Context, projectID, userID int64, spans []BulkSpan, rels []BulkRelation, partial bool) (*BulkResult, error) {
	if err := CheckBulkCount(len(spans) + len(rels)); err != nil {
		return nil, err
	}
	res := &BulkResult{}
	err := s.Tx(ctx, func(tx *Store) error {
		// afresh on every attempt: PostgreSQL may run this again after a
		// serialization failure
		*res = BulkResult{IDs: make([]int64, len(spans)), RelationIDs: make([]int64, len(rels))}
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
		taken := map[spanKey]bool{} // within this request; stored spans are caught by the unique index
		fail := func(i int, err error) { res.Errors = append(res.Errors, BulkItemError{Index: i, Err: err}) }
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
				fail(i, unknownLabel(sp.Label))
				continue
			}
			row, err := PrepareSpan(ix, projectID, SpanDraft{ArticleID: artID, LabelID: labelID, UserID: userID,
				Start: sp.Start, End: sp.End, Text: sp.Text, Note: sp.Note, Attributes: sp.Attributes,
				Origin: sp.Origin, ClientID: sp.ClientID}, OriginImport)
			if err != nil {
				fail(i, err)
				continue
			}
			k := spanKey{artID, labelID, userID, sp.Start, sp.End}
			if taken[k] {
				fail(i, duplicateSpan(sp.Label, sp.Start, sp.End))
				continue
			}
			taken[k] = true
			rows = append(rows, row)
			rowIndex = append(rowIndex, i)
		}
		if len(res.Errors) > 0 && !partial {
			return &BulkError{Result: res} // errors are in index order here
		}
		ids, err := tx.insertSpans(ctx, rows, nil)
		if err != nil {
			return err
		}
		for j, id := range ids {
			if id == 0 { // the same user already had this extent and label
				a := rows[j]
				fail(rowIndex[j], duplicateSpan(spans[rowIndex[j]].Label, a.Start, a.End))
				continue
			}
			res.IDs[rowIndex[j]] = id
			res.Created++
		}
		sort.Slice(res.Errors, func(a, b int) bool { return res.Errors[a].Index < res.Errors[b].Index })
		if len(res.Errors) > 0 && !partial {
			return &BulkError{Result: res}
		}
		if len(rels) > 0 {
			byClient := map[string]int64{}
			for k, id := range existing {
				byClient[k] = id
			}
			for i := range spans {
				if spans[i].ClientID != nil && res.IDs[i] != 0 {
					byClient[*spans[i].ClientID] = res.IDs[i]
				}
			}
			if err := tx.bulkRelations(ctx, projectID, userID, rels, byClient, res); err != nil {
				return err
			}
			if len(res.RelationErrors) > 0 && !partial {
				return &BulkError{Result: res}
			}
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
			for i := range be.Result.RelationIDs {
				be.Result.RelationIDs[i] = 0
			}
			be.Result.RelationsCreated = 0
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
	return s.clientIDs(ctx, projectID, userID, keys)
}

// clientIDs finds the user's stored spans of the project by client id.
func (s *Store) clientIDs(ctx context.Context, projectID, userID int64, keys []any) (map[string]int64, error) {
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

// bulkRelations writes a push's relations: both ends must be the
// pusher's spans (by client id), in one article, with the labels the
// type allows. Links that exist already answer their stored id.
func (s *Store) bulkRelations(ctx context.Context, projectID, userID int64, rels []BulkRelation, byClient map[string]int64, res *BulkResult) error {
	fail := func(i int, err error) {
		res.RelationErrors = append(res.RelationErrors, BulkItemError{Index: i, Err: err})
	}
	// ends named by client ids of spans stored before this push
	var more []any
	for _, r := range rels {
		for _, k := range []string{r.From, r.To} {
			if _, ok := byClient[k]; !ok {
				more = append(more, k)
			}
		}
	}
	if len(more) > 0 {
		stored, err := s.clientIDs(ctx, projectID, userID, more)
		if err != nil {
			return err
		}
		for k, id := range stored {
			byClient[k] = id
		}
	}
	types := map[string]*RelationType{}
	for i, r := range rels {
		from, okF := byClient[r.From]
		to, okT := byClient[r.To]
		switch {
		case !okF:
			fail(i, Invalid("from", "names no span of yours by client_id: "+r.From))
			continue
		case !okT:
			fail(i, Invalid("to", "names no span of yours by client_id: "+r.To))
			continue
		}
		t := types[r.Type]
		if t == nil {
			var err error
			if t, err = s.relationTypeByKey(ctx, projectID, r.Type); err != nil {
				fail(i, err)
				continue
			}
			types[r.Type] = t
		}
		e, err := s.relationEndsOf(ctx, from, to)
		if err != nil {
			fail(i, err)
			continue
		}
		if e.fromUser != userID {
			fail(i, Invalid("from", "names no span of yours by client_id: "+r.From))
			continue
		}
		if err := checkRelation(t, e, from, to); err != nil {
			fail(i, err)
			continue
		}
		ids, err := s.insertRelations(ctx, []relationRow{{projectID: projectID, articleID: e.articleID, typeID: t.ID,
			fromID: from, toID: to, userID: userID, origin: OriginImport}}, nil)
		if err != nil {
			return err
		}
		if ids[0] == 0 {
			if err := s.wr(ctx).Raw(`SELECT id FROM relations WHERE from_id = ? AND to_id = ? AND type_id = ?`, from, to, t.ID).Row().Scan(&ids[0]); err != nil {
				return err
			}
		} else {
			res.RelationsCreated++
		}
		res.RelationIDs[i] = ids[0]
	}
	return nil
}
