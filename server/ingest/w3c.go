package ingest

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"strings"
)

// W3C Web Annotation (JSON-LD), as slant's w3c export writes it: an
// AnnotationCollection whose items target an article with a
// TextPositionSelector (code points) and a TextQuoteSelector; the
// "tagging" body is the label, a "commenting" body the note. Like the span
// JSONL it carries no article text: a span attaches to the project's
// article with the target's "slant:external_id" (reported otherwise).

type w3cDoc struct {
	Type  any             `json:"type"`
	Items []w3cItem       `json:"items"`
	First json.RawMessage `json:"first"` // the AnnotationPage with the items (or its IRI)
	// a single annotation at the top level
	w3cItem
}

type w3cItem struct {
	Type   any             `json:"type"`
	Body   json.RawMessage `json:"body"`
	Target json.RawMessage `json:"target"`
	Attrs  map[string]any  `json:"slant:attributes"`
}

type w3cBodyIn struct {
	Type    string `json:"type"`
	Purpose string `json:"purpose"`
	Value   string `json:"value"`
}

type w3cTargetIn struct {
	Source     string          `json:"source"`
	ExternalID *string         `json:"slant:external_id"`
	Selector   json.RawMessage `json:"selector"`
}

type w3cSelectorIn struct {
	Type  string  `json:"type"`
	Start *int    `json:"start"`
	End   *int    `json:"end"`
	Exact *string `json:"exact"`
}

func parseW3C(name string, r io.Reader, lim Limits, yield yielder) error {
	data, err := io.ReadAll(io.LimitReader(r, lim.MaxUploadBytes+1))
	if err != nil {
		return readErr(name, err)
	}
	if err := checkUTF8(name, data, 1); err != nil {
		return err
	}
	var doc w3cDoc
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, bom)))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return fail(name, 1, "", "not a W3C Web Annotation document: %v", err)
	}
	items := doc.Items
	if page := oneOrMany[struct{ Items []w3cItem }](doc.First); len(items) == 0 && len(page) == 1 {
		items = page[0].Items
	}
	if len(items) == 0 && doc.w3cItem.Target != nil {
		items = []w3cItem{doc.w3cItem}
	}
	if len(items) == 0 {
		return fail(name, 1, "items", "no annotations found (expected an AnnotationCollection with items)")
	}
	for i, it := range items {
		if err := yield(w3cToItem(name, i+1, it)); err != nil {
			return err
		}
	}
	return nil
}

// oneOrMany decodes a JSON-LD value that may be one object or an array.
func oneOrMany[T any](raw json.RawMessage) []T {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil
	}
	if raw[0] == '[' {
		var out []T
		json.Unmarshal(raw, &out)
		return out
	}
	var one T
	if json.Unmarshal(raw, &one) != nil {
		return nil
	}
	return []T{one}
}

func w3cToItem(name string, n int, it w3cItem) *Item {
	out := &Item{File: name, Line: n}
	problem := func(field, msg string) *Item {
		out.Problems = append(out.Problems, Problem{File: name, Line: n, Field: field,
			Message: "annotation " + strconv.Itoa(n) + " not imported: " + field + " " + msg})
		return out
	}
	targets := oneOrMany[w3cTargetIn](it.Target)
	if len(targets) == 0 {
		return problem("target", "is missing")
	}
	t := targets[0]
	if t.ExternalID == nil || *t.ExternalID == "" {
		return problem("target", "has no slant:external_id to attach the span to an article of the project")
	}
	sp := Span{Line: n, Start: -1, End: -1, Attributes: it.Attrs}
	for _, sel := range oneOrMany[w3cSelectorIn](t.Selector) {
		switch sel.Type {
		case "TextPositionSelector":
			if sel.Start != nil && sel.End != nil {
				sp.Start, sp.End = *sel.Start, *sel.End
			}
		case "TextQuoteSelector":
			sp.Text = sel.Exact
		}
	}
	if sp.Start < 0 {
		return problem("selector", "has no TextPositionSelector with start and end")
	}
	for _, b := range oneOrMany[w3cBodyIn](it.Body) {
		switch strings.ToLower(b.Purpose) {
		case "tagging", "classifying", "":
			if sp.Label == "" {
				sp.Label = b.Value
			}
		case "commenting":
			sp.Note = b.Value
		}
	}
	if sp.Label == "" {
		return problem("body", "has no tagging body naming the label")
	}
	out.ExternalRef = *t.ExternalID
	out.Spans = []Span{sp}
	return out
}
