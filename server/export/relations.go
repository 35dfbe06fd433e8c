package export

import (
	"io"
	"strconv"

	"slant/models"
)

// RelationColumns is the header of the relations table (format=relations):
// one row per link, named by both spans' ids, so pandas can merge it with
// the spans' CSV on annotation_id.
var RelationColumns = []string{
	"relation_id", "type", "article_id", "annotator", "layer",
	"from_span_id", "from_label", "from_start", "from_end", "from_text",
	"to_span_id", "to_label", "to_start", "to_end", "to_text",
}

// Relations writes the links that start at the exported spans as CSV, in
// the spans' CSV dialect (RFC 4180, CRLF, spreadsheet-safe unless raw).
type Relations struct {
	c *CSV
}

// NewRelations returns a relations CSV writer on w.
func NewRelations(w io.Writer, safe, bom bool) *Relations {
	c := NewCSV(w, safe)
	c.BOM = bom
	return &Relations{c: c}
}

func (r *Relations) Begin() error {
	if r.c.BOM {
		r.c.w.WriteString("\ufeff")
	}
	return r.c.record(RelationColumns)
}

func (r *Relations) Row(row *models.ExportRow) error {
	for _, e := range row.Relations {
		rec := []string{
			strconv.FormatInt(e.ID, 10), e.Type, strconv.FormatInt(row.ArticleID, 10), row.Annotator, row.Layer,
			strconv.FormatInt(row.AnnotationID, 10), row.Label, strconv.Itoa(row.Start), strconv.Itoa(row.End), row.Text,
			strconv.FormatInt(e.ToID, 10), e.ToLabel, strconv.Itoa(e.ToStart), strconv.Itoa(e.ToEnd), e.ToText,
		}
		if err := r.c.record(rec); err != nil {
			return err
		}
	}
	return nil
}

func (r *Relations) End() error { return r.c.End() }
