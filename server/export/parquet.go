package export

import (
	"encoding/json"
	"io"

	"github.com/parquet-go/parquet-go"

	"slant/models"
)

// parquetRow is the Parquet schema: the CSV columns with real types —
// int64 ids and offsets, timestamps as TIMESTAMP(MICROS, UTC), optional
// values as nulls — so pandas.read_parquet gives typed columns.
type parquetRow struct {
	AnnotationID    int64   `parquet:"annotation_id"`
	Project         string  `parquet:"project,dict"`
	ArticleID       int64   `parquet:"article_id"`
	ExternalID      *string `parquet:"external_id,optional"`
	ArticleTitle    string  `parquet:"article_title,dict"`
	ArticleURL      string  `parquet:"article_url,dict"`
	PublishedAt     *int64  `parquet:"published_at,optional,timestamp(microsecond)"`
	SourceDomain    string  `parquet:"source_domain,dict"`
	SourceName      string  `parquet:"source_name,dict"`
	SourceCountry   string  `parquet:"source_country,dict"`
	SourceOwnership string  `parquet:"source_ownership,dict"`
	Label           string  `parquet:"label,dict"`
	Start           int64   `parquet:"start"`
	End             int64   `parquet:"end"`
	Text            string  `parquet:"text"`
	ContextBefore   string  `parquet:"context_before"`
	ContextAfter    string  `parquet:"context_after"`
	Note            string  `parquet:"note"`
	Speaker         string  `parquet:"speaker,dict"`
	Attributes      string  `parquet:"attributes,json"`
	Annotator       string  `parquet:"annotator,dict"`
	Origin          string  `parquet:"origin,dict"`
	CreatedAt       int64   `parquet:"created_at,timestamp(microsecond)"`
	UpdatedAt       int64   `parquet:"updated_at,timestamp(microsecond)"`
	Layer           string  `parquet:"layer,dict"`
	DecidedBy       string  `parquet:"decided_by,dict"`
	Provenance      string  `parquet:"provenance,json"`
}

// Parquet writes a Parquet file in row groups of parquetRowGroup rows, so
// memory stays bounded however large the export.
type Parquet struct {
	pw  *parquet.GenericWriter[parquetRow]
	buf []parquetRow
}

const parquetRowGroup = 50_000

// NewParquet returns a Parquet writer on w.
func NewParquet(w io.Writer) *Parquet {
	return &Parquet{
		pw:  parquet.NewGenericWriter[parquetRow](w, parquet.MaxRowsPerRowGroup(parquetRowGroup)),
		buf: make([]parquetRow, 0, 4096),
	}
}

func (p *Parquet) Begin() error { return nil }

func (p *Parquet) Row(r *models.ExportRow) error {
	attrs := "{}"
	if len(r.Attributes) > 0 {
		b, err := json.Marshal(r.Attributes)
		if err != nil {
			return err
		}
		attrs = string(b)
	}
	row := parquetRow{
		AnnotationID: r.AnnotationID, Project: r.Project, ArticleID: r.ArticleID, ArticleTitle: r.ArticleTitle,
		ArticleURL: r.ArticleURL, SourceDomain: r.SourceDomain, SourceName: r.SourceName, SourceCountry: r.SourceCountry,
		SourceOwnership: r.SourceOwnership, Label: r.Label, Start: int64(r.Start), End: int64(r.End), Text: r.Text,
		ContextBefore: r.ContextBefore, ContextAfter: r.ContextAfter, Note: r.Note, Speaker: speakerOf(r),
		Attributes: attrs, Annotator: r.Annotator, Origin: r.Origin,
		CreatedAt: r.CreatedAt.UTC().UnixMicro(), UpdatedAt: r.UpdatedAt.UTC().UnixMicro(),
		Layer: r.Layer, DecidedBy: r.DecidedBy, Provenance: r.Provenance,
	}
	if row.Provenance == "" {
		row.Provenance = "{}"
	}
	if r.ExternalID != nil {
		ext := *r.ExternalID
		row.ExternalID = &ext
	}
	if r.PublishedAt != nil {
		us := r.PublishedAt.UTC().UnixMicro()
		row.PublishedAt = &us
	}
	p.buf = append(p.buf, row)
	if len(p.buf) == cap(p.buf) {
		return p.flush()
	}
	return nil
}

func (p *Parquet) flush() error {
	if len(p.buf) == 0 {
		return nil
	}
	_, err := p.pw.Write(p.buf)
	p.buf = p.buf[:0]
	return err
}

func (p *Parquet) End() error {
	if err := p.flush(); err != nil {
		return err
	}
	return p.pw.Close()
}
