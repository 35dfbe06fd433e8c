// Package export holds slant's output formats. Each writer streams rows
// from the store's iterator; none holds a whole export in memory.
package export

import (
	"bufio"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"

	"slant/models"
)

// CSVColumns is the header of the CSV export, in order.
var CSVColumns = []string{
	"annotation_id", "project", "article_id", "external_id", "article_title", "article_url", "published_at",
	"source_domain", "source_name", "source_country", "source_ownership", "label", "start", "end", "text",
	"context_before", "context_after", "note", "speaker", "attributes", "annotator", "origin", "created_at", "updated_at",
	"layer", "decided_by", "provenance",
}

// CSV writes RFC 4180 CSV: fields quoted when they contain a comma, quote,
// CR, LF, semicolon or tab (the separators of other locales), quotes doubled, records ended by CRLF. Field contents are
// written byte for byte (encoding/csv would turn a CR inside a field into
// nothing or an LF into CRLF, which would break the offset contract).
//
// With Safe set, a cell that a spreadsheet would run as a formula is
// prefixed with an apostrophe (see SpreadsheetSafe).
//
// With BOM set, the file starts with a UTF-8 byte-order mark: Excel and
// LibreOffice read a .csv without one in the locale's legacy code page
// and garble every non-ASCII character. The mark is not part of the first
// header cell for readers that know it (pandas' encoding="utf-8-sig",
// Excel, LibreOffice).
type CSV struct {
	w    *bufio.Writer
	Safe bool
	BOM  bool
	rec  []string
}

// NewCSV returns a CSV writer on w.
func NewCSV(w io.Writer, safe bool) *CSV {
	return &CSV{w: bufio.NewWriterSize(w, 64<<10), Safe: safe, rec: make([]string, len(CSVColumns))}
}

// Begin writes the byte-order mark, if asked for, and the header row.
func (c *CSV) Begin() error {
	if c.BOM {
		c.w.WriteString("\ufeff")
	}
	return c.record(CSVColumns)
}

// Row writes one annotation.
func (c *CSV) Row(r *models.ExportRow) error {
	speaker := ""
	if s, ok := r.Attributes["speaker"].(string); ok {
		speaker = s
	}
	attrs := "{}"
	if len(r.Attributes) > 0 {
		b, err := json.Marshal(r.Attributes)
		if err != nil {
			return err
		}
		attrs = string(b)
	}
	pub := ""
	if r.PublishedAt != nil {
		pub = r.PublishedAt.UTC().Format(time.RFC3339)
	}
	ext := ""
	if r.ExternalID != nil {
		ext = *r.ExternalID
	}
	c.rec[0] = strconv.FormatInt(r.AnnotationID, 10)
	c.rec[1] = r.Project
	c.rec[2] = strconv.FormatInt(r.ArticleID, 10)
	c.rec[3] = ext
	c.rec[4] = r.ArticleTitle
	c.rec[5] = r.ArticleURL
	c.rec[6] = pub
	c.rec[7] = r.SourceDomain
	c.rec[8] = r.SourceName
	c.rec[9] = r.SourceCountry
	c.rec[10] = r.SourceOwnership
	c.rec[11] = r.Label
	c.rec[12] = strconv.Itoa(r.Start)
	c.rec[13] = strconv.Itoa(r.End)
	c.rec[14] = r.Text
	c.rec[15] = r.ContextBefore
	c.rec[16] = r.ContextAfter
	c.rec[17] = r.Note
	c.rec[18] = speaker
	c.rec[19] = attrs
	c.rec[20] = r.Annotator
	c.rec[21] = r.Origin
	c.rec[22] = r.CreatedAt.UTC().Format(time.RFC3339Nano)
	c.rec[23] = r.UpdatedAt.UTC().Format(time.RFC3339Nano)
	c.rec[24] = r.Layer
	c.rec[25] = r.DecidedBy
	c.rec[26] = r.Provenance
	return c.record(c.rec)
}

// End writes buffered data to the underlying writer.
func (c *CSV) End() error { return c.w.Flush() }

func (c *CSV) record(fields []string) error {
	for i, f := range fields {
		if i > 0 {
			c.w.WriteByte(',')
		}
		if c.Safe {
			f = SpreadsheetSafe(f)
		}
		if !strings.ContainsAny(f, ",\"\r\n;\t") {
			c.w.WriteString(f)
			continue
		}
		c.w.WriteByte('"')
		for {
			j := strings.IndexByte(f, '"')
			if j < 0 {
				break
			}
			c.w.WriteString(f[:j+1])
			c.w.WriteByte('"')
			f = f[j+1:]
		}
		c.w.WriteString(f)
		c.w.WriteByte('"')
	}
	_, err := c.w.WriteString("\r\n")
	return err
}

// SpreadsheetSafe neutralises a cell that Excel, LibreOffice or Google
// Sheets would evaluate as a formula, by putting an apostrophe in front.
//
// A cell is dangerous when it starts with a tab or CR, or when its first
// character after any leading whitespace (NBSP and the ideographic space
// included) or invisible format character (BOM, zero-width space, bidi
// marks) is a formula sign: = + - @ or their full-width (＝＋－＠) and
// small-form twins. Where the spreadsheet's list separator is ; or a tab
// (German or French Excel opening a .csv), a quoted cell is split at each
// ; or tab and at each line break inside it, so every piece after one of
// those gets the same check, with the apostrophe right after the
// separator: "x;=1+1" becomes "x;'=1+1".
func SpreadsheetSafe(s string) string {
	if s == "" {
		return s
	}
	var b strings.Builder
	changed := false
	done, piece := 0, 0 // s[:done] is in b; the current piece starts at piece
	for {
		if piece == 0 && (s[0] == '\t' || s[0] == '\r') || startsWithSign(s[piece:]) {
			if !changed {
				b.Grow(len(s) + 4)
				changed = true
			}
			b.WriteString(s[done:piece])
			b.WriteByte('\'')
			done = piece
		}
		j := strings.IndexAny(s[piece:], ";\t\r\n")
		if j < 0 {
			break
		}
		piece += j + 1
		if s[piece-1] == '\r' && piece < len(s) && s[piece] == '\n' {
			piece++ // CRLF is one line break: the apostrophe never splits it
		}
	}
	if !changed {
		return s
	}
	b.WriteString(s[done:])
	return b.String()
}

// startsWithSign reports whether s, after leading whitespace and
// invisible format characters, starts with a formula sign.
func startsWithSign(s string) bool {
	for _, r := range s {
		switch {
		case isFormulaSign(r):
			return true
		case unicode.IsSpace(r) || unicode.Is(unicode.Cf, r):
			continue
		}
		return false
	}
	return false
}

func isFormulaSign(r rune) bool {
	switch r {
	case '=', '+', '-', '@',
		'\uff1d', '\uff0b', '\uff0d', '\uff20', // full-width ＝＋－＠
		'\ufe66', '\ufe62', '\ufe63', '\ufe6b', // small forms ﹦﹢﹣﹫
		'\u2212': // minus sign
		return true
	}
	return false
}
