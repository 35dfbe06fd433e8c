package export

import (
	"bufio"
	"encoding/json"
	"io"
	"slices"
	"sort"

	"slant/models"
)

// Doccano writes doccano's sequence-labelling JSONL: one article per line,
// {"id", "text", "label": [[start, end, "label"], ...], "meta": {...}}.
// Article fields go under "meta", so they can never clash with id, text
// or label. Offsets are code points, as doccano's own are.
type Doccano struct {
	w      *bufio.Writer
	enc    *json.Encoder
	cur    *doccanoLine
	curArt int64
}

type doccanoLine struct {
	ID    int64          `json:"id"`
	Text  string         `json:"text"`
	Label [][3]any       `json:"label"`
	Meta  map[string]any `json:"meta"`
	// doccano's relation-extraction fields, when the article has links:
	// entities carry the span ids that relations name
	Entities  []doccanoEntity   `json:"entities,omitempty"`
	Relations []doccanoRelation `json:"relations,omitempty"`
	// article-level labels as doccano's text classification has them:
	// "group:option" for every option chosen by the exported annotators
	Cats []string `json:"cats,omitempty"`
}

type doccanoEntity struct {
	ID          int64  `json:"id"`
	Label       string `json:"label"`
	StartOffset int    `json:"start_offset"`
	EndOffset   int    `json:"end_offset"`
}

type doccanoRelation struct {
	ID     int64  `json:"id"`
	FromID int64  `json:"from_id"`
	ToID   int64  `json:"to_id"`
	Type   string `json:"type"`
}

// NewDoccano returns a doccano JSONL writer on w.
func NewDoccano(w io.Writer) *Doccano {
	bw := bufio.NewWriterSize(w, 64<<10)
	return &Doccano{w: bw, enc: json.NewEncoder(bw)}
}

func (d *Doccano) Begin() error { return nil }

func (d *Doccano) Row(r *models.ExportRow) error {
	if d.cur == nil || d.curArt != r.ArticleID {
		if err := d.flushArticle(); err != nil {
			return err
		}
		meta := map[string]any{}
		for k, v := range r.ArticleMetadata {
			meta[k] = v
		}
		meta["external_id"], meta["title"], meta["url"] = r.ExternalID, r.ArticleTitle, r.ArticleURL
		meta["published_at"], meta["source_domain"], meta["source_ownership"] = r.PublishedAt, r.SourceDomain, r.SourceOwnership
		d.cur, d.curArt = &doccanoLine{ID: r.ArticleID, Text: r.ArticleText, Label: [][3]any{}, Meta: meta}, r.ArticleID
	}
	d.cur.Label = append(d.cur.Label, [3]any{r.Start, r.End, r.Label})
	d.cur.Entities = append(d.cur.Entities, doccanoEntity{ID: r.AnnotationID, Label: r.Label, StartOffset: r.Start, EndOffset: r.End})
	for _, e := range r.Relations {
		d.cur.Relations = append(d.cur.Relations, doccanoRelation{ID: e.ID, FromID: r.AnnotationID, ToID: e.ToID, Type: e.Type})
	}
	for g, opts := range r.DocLabels {
		for _, o := range opts {
			cat := g + ":" + o
			if !slices.Contains(d.cur.Cats, cat) {
				d.cur.Cats = append(d.cur.Cats, cat)
			}
		}
	}
	return nil
}

func (d *Doccano) flushArticle() error {
	if d.cur == nil {
		return nil
	}
	if len(d.cur.Relations) == 0 {
		d.cur.Entities = nil // plain sequence labelling: label is enough
	}
	sort.Strings(d.cur.Cats)
	err := d.enc.Encode(d.cur)
	d.cur = nil
	return err
}

func (d *Doccano) End() error {
	if err := d.flushArticle(); err != nil {
		return err
	}
	return d.w.Flush()
}
