package export

import (
	"bufio"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"slant/models"
)

// W3C writes a W3C Web Annotation (JSON-LD) AnnotationCollection whose
// items are streamed. Each annotation targets its article with a
// TextPositionSelector (start/end in Unicode code points, as the Web
// Annotation model defines them — the same numbers as slant's offsets)
// and a TextQuoteSelector with 32 code points of prefix and suffix.
type W3C struct {
	w       *bufio.Writer
	project string
	n       int
}

// NewW3C returns a Web Annotation writer on w.
func NewW3C(w io.Writer, project string) *W3C {
	return &W3C{w: bufio.NewWriterSize(w, 64<<10), project: project}
}

type w3cBody struct {
	Type    string `json:"type"`
	Purpose string `json:"purpose"`
	Value   string `json:"value"`
}

type w3cSelector struct {
	Type   string  `json:"type"`
	Start  *int    `json:"start,omitempty"`
	End    *int    `json:"end,omitempty"`
	Exact  *string `json:"exact,omitempty"`
	Prefix *string `json:"prefix,omitempty"`
	Suffix *string `json:"suffix,omitempty"`
}

type w3cAnnotation struct {
	ID         string         `json:"id"`
	Type       string         `json:"type"`
	Motivation string         `json:"motivation"`
	Created    string         `json:"created"`
	Modified   string         `json:"modified"`
	Creator    map[string]any `json:"creator"`
	Body       []w3cBody      `json:"body"`
	Target     map[string]any `json:"target"`
	Attributes models.JSONMap `json:"slant:attributes,omitempty"`
}

func (x *W3C) Begin() error {
	head, _ := json.Marshal(map[string]any{
		"@context": []any{"http://www.w3.org/ns/anno.jsonld", map[string]string{"slant": "urn:slant:"}},
		"type":     "AnnotationCollection",
		"label":    x.project,
		"summary":  "Exported by slant. TextPositionSelector start/end count Unicode code points (0-based, end-exclusive), as in Python's text[start:end].",
	})
	x.w.Write(head[:len(head)-1])
	_, err := x.w.WriteString(`,"items":[`)
	return err
}

func lastRunes(s string, n int) string {
	i := len(s)
	for c := 0; c < n && i > 0; c++ {
		_, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
	}
	return s[i:]
}

func firstRunes(s string, n int) string {
	i := 0
	for c := 0; c < n && i < len(s); c++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i]
}

func (x *W3C) Row(r *models.ExportRow) error {
	start, end := r.Start, r.End
	exact, prefix, suffix := r.Text, lastRunes(r.ContextBefore, 32), firstRunes(r.ContextAfter, 32)
	source := r.ArticleURL
	if source == "" {
		source = "urn:slant:article:" + strconv.FormatInt(r.ArticleID, 10)
	}
	creator := map[string]any{"type": "Person", "nickname": r.Annotator}
	if strings.HasPrefix(r.Origin, "model:") {
		creator = map[string]any{"type": "Software", "name": strings.TrimPrefix(r.Origin, "model:"), "nickname": r.Annotator}
	}
	body := []w3cBody{{Type: "TextualBody", Purpose: "tagging", Value: r.Label}}
	if r.Note != "" {
		body = append(body, w3cBody{Type: "TextualBody", Purpose: "commenting", Value: r.Note})
	}
	a := w3cAnnotation{
		ID: "urn:slant:annotation:" + strconv.FormatInt(r.AnnotationID, 10), Type: "Annotation", Motivation: "tagging",
		Created: r.CreatedAt.UTC().Format(time.RFC3339), Modified: r.UpdatedAt.UTC().Format(time.RFC3339),
		Creator: creator, Body: body,
		Target: map[string]any{
			"source":            source,
			"slant:external_id": r.ExternalID,
			"selector": []w3cSelector{
				{Type: "TextPositionSelector", Start: &start, End: &end},
				{Type: "TextQuoteSelector", Exact: &exact, Prefix: &prefix, Suffix: &suffix},
			},
		},
	}
	if len(r.Attributes) > 0 {
		a.Attributes = r.Attributes
	}
	b, err := json.Marshal(a)
	if err != nil {
		return err
	}
	if x.n > 0 {
		x.w.WriteByte(',')
	}
	x.n++
	x.w.WriteByte('\n')
	_, err = x.w.Write(b)
	return err
}

func (x *W3C) End() error {
	x.w.WriteString("\n],\"total\":" + strconv.Itoa(x.n) + "}\n")
	return x.w.Flush()
}
