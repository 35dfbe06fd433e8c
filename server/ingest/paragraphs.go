package ingest

import (
	"fmt"

	"slant/models"
)

// Paragraph JSONL (the ArMPro/ArPro shape): one paragraph per line,
//
//	{"paragraph_id", "paragraph", "labels": [{"technique", "text", "start", "end"}],
//	 "page_id", "page_domain", "page_url", "page_title", "page_date"}
//
// Each paragraph becomes an article (external_id = paragraph_id) linked to
// its outlet by page_url, or by page_domain when there is no URL. "text"
// is accepted for "paragraph".
func paragraphItem(obj map[string]any, file string, line int) *Item {
	it := &Item{File: file, Line: line}
	in := &models.ArticleIn{Metadata: models.JSONMap{}}
	var ps problems
	textKey := "paragraph"
	if _, ok := obj[textKey]; !ok {
		textKey = "text"
	}
	for _, k := range sortedKeys(obj) {
		v := obj[k]
		switch k {
		case textKey:
			in.Text = ps.str(obj, k)
		case "page_title", "title":
			in.Title = ps.str(obj, k)
		case "page_url", "url":
			in.URL = ps.str(obj, k)
		case "page_date", "published_at":
			in.PublishedAt = ps.time(obj, k)
		case "paragraph_id", "external_id":
			in.ExternalID = ps.id(obj, k)
		case "language", "author":
			s := ps.str(obj, k)
			if k == "language" {
				in.Language = s
			} else {
				in.Author = s
			}
		case "page_domain":
			it.Domain = ps.str(obj, k)
			in.Metadata[k] = v
		case "labels":
			arr, ok := v.([]any)
			if !ok && v != nil {
				ps.add(k, "must be an array")
				continue
			}
			for i, e := range arr {
				m, ok := e.(map[string]any)
				if !ok {
					ps.add(fmt.Sprintf("labels[%d]", i), "must be an object")
					continue
				}
				var sub problems
				sp := Span{Label: sub.str(m, "technique"), Start: sub.int(m, "start"), End: sub.int(m, "end")}
				if t, ok := m["text"]; ok && t != nil {
					s := sub.str(m, "text")
					sp.Text = &s
				}
				if len(sub) > 0 {
					// a bad span is reported; the paragraph still comes in
					for _, p := range sub {
						it.Problems = append(it.Problems, Problem{File: file, Line: line,
							Field: fmt.Sprintf("labels[%d].%s", i, p.field), Message: "span not imported: " + p.field + " " + p.msg})
					}
					continue
				}
				it.Spans = append(it.Spans, sp)
			}
		default:
			in.Metadata[k] = v
		}
	}
	if _, ok := obj[textKey]; !ok {
		ps.add("paragraph", "is required")
	}
	return ps.finish(it, in)
}
