package models

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Adjudication: curators compare the annotators' spans of an article and
// decide what goes into the gold layer. A decision is a gold span (written
// by the one span writer, owned by the "(gold)" user, with the curator in
// decided_by and the source spans in provenance) or a rejected passage.

// Kinds of disagreement within a passage, as the curation view marks them.
const (
	PassageAgreed   = "agreed"   // every annotator of the article made the same spans here
	PassageLabel    = "label"    // the same extent carries different labels
	PassageBoundary = "boundary" // the same label with different boundaries
	PassageSingle   = "single"   // only one annotator marked the passage
)

// Passage is a stretch of text covered by overlapping annotators' spans
// (of any label), with what the curators have decided there.
type Passage struct {
	Start, End int
	Kind       string
	SpanIDs    []int64 // annotators' spans in it, in text order
	Annotators []string
	GoldIDs    []int64 // gold spans overlapping it
	Rejections []int64 // rejections overlapping it
	Resolved   bool    // a gold span or a rejection covers it
}

// Rejection is a passage a curator decided has no gold span.
type Rejection struct {
	ID            int64
	ArticleID     int64
	LabelKey      string // "" when every label was rejected there
	Start, End    int
	DecidedByName string
	Provenance    JSONMap
	CreatedAt     time.Time
}

// Curation is everything the curation view of one article shows.
type Curation struct {
	ArticleID  int64
	Annotators []string // names, sorted
	Spans      []AnnotationView
	Gold       []AnnotationView
	Rejections []Rejection
	Passages   []Passage
}

// ArticleCuration gathers an article's annotators' spans, its gold layer,
// its rejections, and the passages where annotators agree or differ.
func (s *Store) ArticleCuration(ctx context.Context, articleID int64) (*Curation, error) {
	spans, err := s.allAnnotations(ctx, AnnotationFilter{ArticleID: articleID, Layer: LayerAnnotator})
	if err != nil {
		return nil, err
	}
	gold, err := s.allAnnotations(ctx, AnnotationFilter{ArticleID: articleID, Layer: LayerGold})
	if err != nil {
		return nil, err
	}
	rej, err := s.listRejections(ctx, articleID)
	if err != nil {
		return nil, err
	}
	c := &Curation{ArticleID: articleID, Spans: spans, Gold: gold, Rejections: rej}
	seen := map[string]bool{}
	for _, sp := range spans {
		if !seen[sp.AnnotatorName] {
			seen[sp.AnnotatorName] = true
			c.Annotators = append(c.Annotators, sp.AnnotatorName)
		}
	}
	sort.Strings(c.Annotators)
	c.Passages = passages(spans, gold, rej, len(c.Annotators))
	return c, nil
}

// passages groups spans (sorted by start) into maximal runs of
// overlapping spans and classifies each run.
func passages(spans, gold []AnnotationView, rej []Rejection, nAnnotators int) []Passage {
	var out []Passage
	for i := 0; i < len(spans); {
		p := Passage{Start: spans[i].Start, End: spans[i].End}
		j := i
		for ; j < len(spans) && spans[j].Start < p.End; j++ {
			p.End = max(p.End, spans[j].End)
			p.SpanIDs = append(p.SpanIDs, spans[j].ID)
		}
		group := spans[i:j]
		i = j
		who := map[string]bool{}
		exact := map[string]map[string]bool{} // "label start end" -> annotators
		extents := map[string]bool{}
		labels := map[string]bool{}
		for _, sp := range group {
			who[sp.AnnotatorName] = true
			k := sp.LabelKey + " " + strconv.Itoa(sp.Start) + " " + strconv.Itoa(sp.End)
			if exact[k] == nil {
				exact[k] = map[string]bool{}
			}
			exact[k][sp.AnnotatorName] = true
			extents[strconv.Itoa(sp.Start)+" "+strconv.Itoa(sp.End)] = true
			labels[sp.LabelKey] = true
		}
		for a := range who {
			p.Annotators = append(p.Annotators, a)
		}
		sort.Strings(p.Annotators)
		allSame := true
		for _, as := range exact {
			if len(as) != nAnnotators {
				allSame = false
			}
		}
		switch {
		case len(who) == 1 && nAnnotators > 1:
			p.Kind = PassageSingle
		case allSame:
			p.Kind = PassageAgreed
		case len(extents) == 1:
			p.Kind = PassageLabel
		case len(labels) == 1:
			p.Kind = PassageBoundary
		default: // different labels and boundaries: the label question first
			p.Kind = PassageLabel
		}
		for _, g := range gold {
			if g.Start < p.End && p.Start < g.End {
				p.GoldIDs = append(p.GoldIDs, g.ID)
			}
		}
		for _, r := range rej {
			if r.Start < p.End && p.Start < r.End {
				p.Rejections = append(p.Rejections, r.ID)
			}
		}
		p.Resolved = len(p.GoldIDs) > 0 || len(p.Rejections) > 0
		out = append(out, p)
	}
	return out
}

// GoldDecision is a curator's decision to put a span into the gold layer:
// as some annotator made it (From names their spans), or with other
// boundaries or another label.
type GoldDecision struct {
	ArticleID  int64
	CuratorID  int64
	Label      string
	Start, End int
	Note       string
	From       []int64 // annotators' span ids the decision draws on (may be empty)
}

// provenanceOf reads the annotator-layer spans ids of article articleID
// and describes them for a gold span's provenance. It refuses ids that
// are not such spans.
func (s *Store) provenanceOf(ctx context.Context, articleID int64, ids []int64) ([]any, []AnnotationView, error) {
	var from []any
	var views []AnnotationView
	for i, id := range ids {
		v, err := s.GetAnnotation(ctx, id)
		if err != nil || v.ArticleID != articleID || v.Layer != LayerAnnotator {
			return nil, nil, Invalid("from["+itoa(i)+"]", "must be the id of an annotator's span in this article")
		}
		views = append(views, *v)
		from = append(from, map[string]any{"id": v.ID, "annotator": v.AnnotatorName, "label": v.LabelKey,
			"start": v.Start, "end": v.End})
	}
	return from, views, nil
}

// AcceptGold writes one gold span. The decision is "accepted" when it
// repeats one of its source spans exactly, "edited" otherwise.
func (s *Store) AcceptGold(ctx context.Context, d GoldDecision) (*AnnotationView, error) {
	projectID, text, err := s.articleText(ctx, d.ArticleID)
	if err != nil {
		return nil, err
	}
	label, err := s.LabelByKey(ctx, projectID, d.Label)
	if err != nil {
		return nil, err
	}
	from, views, err := s.provenanceOf(ctx, d.ArticleID, d.From)
	if err != nil {
		return nil, err
	}
	decision := "edited"
	for _, v := range views {
		if v.LabelKey == d.Label && v.Start == d.Start && v.End == d.End {
			decision = "accepted"
		}
	}
	if from == nil {
		from = []any{}
	}
	curator := d.CuratorID
	row, err := PrepareSpan(NewSpanIndex(text), projectID, SpanDraft{ArticleID: d.ArticleID, LabelID: label.ID, UserID: s.gold,
		Start: d.Start, End: d.End, Note: d.Note, Layer: LayerGold, DecidedBy: &curator,
		Provenance: JSONMap{"decision": decision, "from": from}}, OriginHuman)
	if err != nil {
		return nil, err
	}
	var id int64
	err = s.Tx(ctx, func(tx *Store) error {
		ids, err := tx.insertSpans(ctx, []Annotation{row}, nil)
		if err != nil {
			return err
		}
		if ids[0] == 0 {
			return &ConflictError{Message: "the gold layer already has a " + d.Label + " span at [" + itoa(d.Start) + ", " + itoa(d.End) + ")"}
		}
		id = ids[0]
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.GetAnnotation(ctx, id)
}

// RejectPassage records that a curator wants no gold span at [start, end)
// (of one label, or of any when label is "").
func (s *Store) RejectPassage(ctx context.Context, articleID, curatorID int64, label string, start, end int, fromIDs []int64) (*Rejection, error) {
	projectID, text, err := s.articleText(ctx, articleID)
	if err != nil {
		return nil, err
	}
	if _, err := CheckSpan(NewSpanIndex(text), start, end, nil); err != nil {
		return nil, err
	}
	var labelID *int64
	if label != "" {
		l, err := s.LabelByKey(ctx, projectID, label)
		if err != nil {
			return nil, err
		}
		labelID = &l.ID
	}
	from, _, err := s.provenanceOf(ctx, articleID, fromIDs)
	if err != nil {
		return nil, err
	}
	if from == nil {
		from = []any{}
	}
	prov, _ := JSONMap{"decision": "rejected", "from": from}.Value()
	var id int64
	err = s.Tx(ctx, func(tx *Store) error {
		return tx.wr(ctx).Raw(`INSERT INTO curation_rejections (project_id, article_id, label_id, start, "end", decided_by, provenance, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, `+s.now()+`) RETURNING id`, projectID, articleID, labelID, start, end, curatorID, prov).Row().Scan(&id)
	})
	if err != nil {
		return nil, err
	}
	rs, err := s.listRejections(ctx, articleID)
	if err != nil {
		return nil, err
	}
	for i := range rs {
		if rs[i].ID == id {
			return &rs[i], nil
		}
	}
	return nil, notFound("rejection")
}

// DeleteRejection withdraws a rejection of article articleID.
func (s *Store) DeleteRejection(ctx context.Context, articleID, id int64) error {
	res := s.wr(ctx).Exec(`DELETE FROM curation_rejections WHERE id = ? AND article_id = ?`, id, articleID)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return notFound("rejection")
	}
	return nil
}

func (s *Store) listRejections(ctx context.Context, articleID int64) ([]Rejection, error) {
	rows, err := s.rd(ctx).Raw(`SELECT r.id, r.article_id, COALESCE(l.key, ''), r.start, r."end",
		COALESCE((SELECT name FROM users u WHERE u.id = r.decided_by), ''), r.provenance, r.created_at
		FROM curation_rejections r LEFT JOIN labels l ON l.id = r.label_id
		WHERE r.article_id = ? ORDER BY r.start, r."end", r.id`, articleID).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Rejection
	for rows.Next() {
		var r Rejection
		var at string
		if err := rows.Scan(&r.ID, &r.ArticleID, &r.LabelKey, &r.Start, &r.End, &r.DecidedByName, &r.Provenance, &at); err != nil {
			return nil, err
		}
		r.CreatedAt, _ = ParseTime(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// AgreedSpan is a span every annotator of its article made identically,
// not yet in the gold layer.
type AgreedSpan struct {
	ArticleID  int64
	LabelID    int64
	LabelKey   string
	Start, End int
	From       []int64
	Names      []string // From's annotators
}

// agreedSQL finds, per article, the (label, extent) groups made by every
// annotator who has a span in the article, at least two of them, with no
// gold span there yet.
// A passage a curator rejected (for this label or all) is not offered.
// The source spans come as "id<TAB>annotator" lines, the label key once.
const agreedSQL = `SELECT a.article_id, a.label_id, a.start, a."end", %s, l.key
	FROM annotations a JOIN users u ON u.id = a.user_id JOIN labels l ON l.id = a.label_id
	WHERE a.project_id = ? AND a.layer = 'annotator' AND %s AND (? = 0 OR a.article_id = ?)
	GROUP BY a.article_id, a.label_id, a.start, a."end", l.key
	HAVING COUNT(DISTINCT a.user_id) >= 2
		AND COUNT(DISTINCT a.user_id) = (SELECT COUNT(DISTINCT b.user_id) FROM annotations b
			WHERE b.article_id = a.article_id AND b.layer = 'annotator' AND %s)
		AND NOT EXISTS (SELECT 1 FROM annotations g WHERE g.article_id = a.article_id AND g.layer = 'gold'
			AND g.label_id = a.label_id AND g.start = a.start AND g."end" = a."end")
		AND NOT EXISTS (SELECT 1 FROM curation_rejections r WHERE r.article_id = a.article_id
			AND (r.label_id IS NULL OR r.label_id = a.label_id) AND r.start < a."end" AND a.start < r."end")
	ORDER BY a.article_id, a.start, a."end", a.label_id`

func (s *Store) agreedSpans(ctx context.Context, projectID, articleID int64) ([]AgreedSpan, error) {
	lines := s.groupConcat("CAST(a.id AS TEXT) || "+s.charCode("9")+" || u.name", s.charCode("10"))
	sqlText := fmt.Sprintf(agreedSQL, lines, visible("a"), visible("b"))
	rows, err := s.rd(ctx).Raw(sqlText, projectID, articleID, articleID).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AgreedSpan
	for rows.Next() {
		var a AgreedSpan
		var from string
		if err := rows.Scan(&a.ArticleID, &a.LabelID, &a.Start, &a.End, &from, &a.LabelKey); err != nil {
			return nil, err
		}
		lines := strings.Split(from, "\n")
		sort.Slice(lines, func(i, j int) bool { return lines[i] < lines[j] })
		type src struct {
			id   int64
			name string
		}
		var srcs []src
		for _, ln := range lines {
			id, name, _ := strings.Cut(ln, "\t")
			if n, err := strconv.ParseInt(id, 10, 64); err == nil {
				srcs = append(srcs, src{n, name})
			}
		}
		sort.Slice(srcs, func(i, j int) bool { return srcs[i].id < srcs[j].id })
		for _, x := range srcs {
			a.From, a.Names = append(a.From, x.id), append(a.Names, x.name)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// AcceptAgreed puts every span all annotators agree on into the gold
// layer, in one project or (articleID != 0) one article. With dryRun it
// only counts them. It answers how many spans it found and wrote. The
// agreed spans are found on the read pool and written in short
// transactions of agreedChunk spans, so a project-wide run never holds
// the writer for long; a span made gold meanwhile is skipped by the
// unique index.
func (s *Store) AcceptAgreed(ctx context.Context, projectID, articleID, curatorID int64, dryRun bool) (found, created int, err error) {
	agreed, err := s.agreedSpans(ctx, projectID, articleID)
	if err != nil || dryRun {
		return len(agreed), 0, err
	}
	found = len(agreed)
	texts := map[int64]*SpanIndex{}
	for len(agreed) > 0 {
		n := min(agreedChunk, len(agreed))
		chunk := agreed[:n]
		agreed = agreed[n:]
		rows := make([]Annotation, 0, len(chunk))
		for _, a := range chunk {
			ix := texts[a.ArticleID]
			if ix == nil {
				_, text, err := s.articleText(ctx, a.ArticleID)
				if isNotFound(err) {
					continue // deleted meanwhile
				}
				if err != nil {
					return found, created, err
				}
				ix = NewSpanIndex(text)
				clear(texts) // one article's text at a time is enough: they come in article order
				texts[a.ArticleID] = ix
			}
			from := make([]any, len(a.From))
			for i, id := range a.From {
				from[i] = map[string]any{"id": id, "annotator": a.Names[i], "label": a.LabelKey, "start": a.Start, "end": a.End}
			}
			curator := curatorID
			row, err := PrepareSpan(ix, projectID, SpanDraft{ArticleID: a.ArticleID, LabelID: a.LabelID, UserID: s.gold,
				Start: a.Start, End: a.End, Layer: LayerGold, DecidedBy: &curator,
				Provenance: JSONMap{"decision": "agreed", "from": from}}, OriginHuman)
			if err != nil {
				return found, created, err
			}
			rows = append(rows, row)
		}
		made := 0
		err := s.Tx(ctx, func(tx *Store) error {
			made = 0 // afresh on every attempt (PostgreSQL may retry)
			ids, err := tx.insertSpans(ctx, rows, nil)
			for _, id := range ids {
				if id != 0 {
					made++
				}
			}
			return err
		})
		if err != nil {
			return found, created, err
		}
		created += made
	}
	return found, created, nil
}

// agreedChunk is how many gold spans one transaction of AcceptAgreed
// writes (a few milliseconds of the writer).
const agreedChunk = 500

// allAnnotations pages through every span f matches, in text order.
func (s *Store) allAnnotations(ctx context.Context, f AnnotationFilter) ([]AnnotationView, error) {
	var out []AnnotationView
	pg := Page{Limit: MaxLimit}
	for {
		rows, next, err := s.ListAnnotations(ctx, f, pg)
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
		if next == nil {
			return out, nil
		}
		pg.Cursor = *next
	}
}
