package ingest

import ()

// slant's own span JSONL: one span per line with the fields of its
// article,
//
//	{"article_id", "external_id", "article_title", "article_url", "published_at",
//	 "label", "start", "end", "text", "note", "attributes", "annotator", "origin", ...}
//
// It carries no article text, so each span is attached to the project's
// article with the same external_id (reported per line when there is
// none). The spans get the importing user and origin "import".
func slantItem(obj map[string]any, file string, line int) *Item {
	it := &Item{File: file, Line: line}
	var ps problems
	ext := ps.id(obj, "external_id")
	sp := Span{Label: ps.str(obj, "label"), Start: ps.int(obj, "start"), End: ps.int(obj, "end"), Note: ps.str(obj, "note")}
	if t, ok := obj["text"]; ok && t != nil {
		s := ps.str(obj, "text")
		sp.Text = &s
	}
	if a, ok := obj["attributes"].(map[string]any); ok {
		sp.Attributes = a
	} else if obj["attributes"] != nil {
		ps.add("attributes", "must be an object")
	}
	if ext == nil || *ext == "" {
		ps.add("external_id", "is required: slant span lines attach to the project's articles by external_id")
	}
	for _, p := range ps {
		it.Problems = append(it.Problems, Problem{File: file, Line: line, Field: p.field, Message: "span not imported: " + p.field + " " + p.msg})
	}
	if len(ps) == 0 {
		it.ExternalRef = *ext
		it.Spans = []Span{sp}
	}
	return it
}
