package ingest

import (
	"errors"
	"testing"
)

func TestW3CSpans(t *testing.T) {
	t.Parallel()
	doc := `{"@context": ["http://www.w3.org/ns/anno.jsonld"], "type": "AnnotationCollection", "items": [
	 {"type": "Annotation", "body": [{"type": "TextualBody", "purpose": "tagging", "value": "opinion"}, {"type": "TextualBody", "purpose": "commenting", "value": "a note"}],
	  "target": {"source": "https://x.example/a", "slant:external_id": "a-1",
	    "selector": [{"type": "TextPositionSelector", "start": 3, "end": 9}, {"type": "TextQuoteSelector", "exact": "snowed", "prefix": "It ", "suffix": " in"}]}},
	 {"type": "Annotation", "body": {"type": "TextualBody", "purpose": "tagging", "value": "opinion"},
	  "target": {"source": "https://elsewhere.example/b", "selector": {"type": "TextPositionSelector", "start": 0, "end": 2}}},
	 {"type": "Annotation", "body": [], "target": {"slant:external_id": "a-1", "selector": {"type": "TextPositionSelector", "start": 0, "end": 2}}}
	]}`
	var items []*Item
	err := Parse([]Input{BytesInput("annotations.json", []byte(doc))}, "auto", DefaultLimits())(func(it *Item) error {
		items = append(items, it)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 3 {
		t.Fatalf("%d items", len(items))
	}
	sp := items[0].Spans[0]
	if items[0].ExternalRef != "a-1" || sp.Label != "opinion" || sp.Start != 3 || sp.End != 9 || *sp.Text != "snowed" || sp.Note != "a note" {
		t.Fatalf("first span %+v", sp)
	}
	if len(items[1].Problems) != 1 || items[1].Problems[0].Field != "target" || len(items[2].Problems) != 1 || items[2].Problems[0].Field != "body" {
		t.Fatalf("problems %+v / %+v", items[1].Problems, items[2].Problems)
	}
	err = Parse([]Input{BytesInput("x.jsonld", []byte(`{"@context": "http://www.w3.org/ns/anno.jsonld", "items": []}`))}, "auto", DefaultLimits())(func(*Item) error { return nil })
	var p *Problem
	if !errors.As(err, &p) {
		t.Fatalf("empty collection: %v", err)
	}
}
