package export

import (
	"bufio"
	"encoding/json"
	"io"
	"time"

	"slant/models"
)

// jsonlRow has the CSV columns as typed JSON: ints stay ints, attributes
// stay an object, missing values are null. No spreadsheet escaping.
type jsonlRow struct {
	AnnotationID    int64           `json:"annotation_id"`
	Project         string          `json:"project"`
	ArticleID       int64           `json:"article_id"`
	ExternalID      *string         `json:"external_id"`
	ArticleTitle    string          `json:"article_title"`
	ArticleURL      string          `json:"article_url"`
	PublishedAt     *time.Time      `json:"published_at"`
	SourceDomain    string          `json:"source_domain"`
	SourceName      string          `json:"source_name"`
	SourceCountry   string          `json:"source_country"`
	SourceOwnership string          `json:"source_ownership"`
	Label           string          `json:"label"`
	Start           int             `json:"start"`
	End             int             `json:"end"`
	Text            string          `json:"text"`
	ContextBefore   string          `json:"context_before"`
	ContextAfter    string          `json:"context_after"`
	Note            string          `json:"note"`
	Speaker         string          `json:"speaker"`
	Attributes      models.JSONMap  `json:"attributes"`
	Annotator       string          `json:"annotator"`
	Origin          string          `json:"origin"`
	CreatedAt       time.Time       `json:"created_at"`
	UpdatedAt       time.Time       `json:"updated_at"`
	Layer           string          `json:"layer"`
	DecidedBy       *string         `json:"decided_by"`
	Provenance      json.RawMessage `json:"provenance"`
	// links starting at this span, and the article-level labels its
	// annotator chose
	Relations      []jsonlRelation     `json:"relations"`
	DocumentLabels map[string][]string `json:"document_labels"`
}

type jsonlRelation struct {
	ID      int64  `json:"id"`
	Type    string `json:"type"`
	To      int64  `json:"to"`
	ToLabel string `json:"to_label"`
	ToStart int    `json:"to_start"`
	ToEnd   int    `json:"to_end"`
	ToText  string `json:"to_text"`
}

// JSONL writes one span per line with the same fields as the CSV.
type JSONL struct {
	w   *bufio.Writer
	enc *json.Encoder
}

// NewJSONL returns a JSON Lines writer on w.
func NewJSONL(w io.Writer) *JSONL {
	bw := bufio.NewWriterSize(w, 64<<10)
	return &JSONL{w: bw, enc: json.NewEncoder(bw)}
}

func (j *JSONL) Begin() error { return nil }

func (j *JSONL) Row(r *models.ExportRow) error {
	attrs := r.Attributes
	if attrs == nil {
		attrs = models.JSONMap{}
	}
	row := jsonlRow{
		AnnotationID: r.AnnotationID, Project: r.Project, ArticleID: r.ArticleID, ExternalID: r.ExternalID,
		ArticleTitle: r.ArticleTitle, ArticleURL: r.ArticleURL, PublishedAt: r.PublishedAt,
		SourceDomain: r.SourceDomain, SourceName: r.SourceName, SourceCountry: r.SourceCountry, SourceOwnership: r.SourceOwnership,
		Label: r.Label, Start: r.Start, End: r.End, Text: r.Text, ContextBefore: r.ContextBefore, ContextAfter: r.ContextAfter,
		Note: r.Note, Speaker: speakerOf(r), Attributes: attrs, Annotator: r.Annotator, Origin: r.Origin,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Layer: r.Layer,
		Provenance: json.RawMessage("null"), Relations: []jsonlRelation{}, DocumentLabels: r.DocLabels,
	}
	if row.DocumentLabels == nil {
		row.DocumentLabels = map[string][]string{}
	}
	for _, e := range r.Relations {
		row.Relations = append(row.Relations, jsonlRelation{ID: e.ID, Type: e.Type, To: e.ToID, ToLabel: e.ToLabel,
			ToStart: e.ToStart, ToEnd: e.ToEnd, ToText: e.ToText})
	}
	if r.DecidedBy != "" {
		d := r.DecidedBy
		row.DecidedBy = &d
	}
	if r.Provenance != "" {
		row.Provenance = json.RawMessage(r.Provenance)
	}
	return j.enc.Encode(row)
}

func (j *JSONL) End() error { return j.w.Flush() }

func speakerOf(r *models.ExportRow) string {
	s, _ := r.Attributes["speaker"].(string)
	return s
}
