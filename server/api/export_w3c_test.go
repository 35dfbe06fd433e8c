package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"slant/models"
)

// w3cSchema is a JSON Schema of the Web Annotation Data Model's MUST
// rules that the w3c export relies on, written from the W3C
// Recommendation (https://www.w3.org/TR/annotation-model/):
//   - @context is or includes http://www.w3.org/ns/anno.jsonld, and a
//     single value is a string (3.1);
//   - an Annotation has exactly one id, an IRI, type "Annotation" and a
//     target (3.1); motivation and purpose come from the model's list
//     (3.4); created and modified are xsd:dateTime;
//   - a TextualBody has a value (3.2.4); an Agent's id is an IRI (3.3.2);
//   - a SpecificResource has one source, an IRI (4); a
//     TextPositionSelector has non-negative integer start and end; a
//     TextQuoteSelector has exact (4.2.4, 4.2.5);
//   - textDirection is ltr, rtl or auto; language a BCP 47 tag (3.2.1);
//   - an AnnotationCollection has an IRI id and type; its first page is
//     an AnnotationPage with an IRI id and one or more items (5).
//
// "IRI" here is an absolute URI by RFC 3986's characters: the check the
// W3C's test suite applies to target.source, which a URL with a space
// fails.
const w3cSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$defs": {
    "iri": {"type": "string", "allOf": [
      {"pattern": "^[A-Za-z][A-Za-z0-9+.-]*:([A-Za-z0-9._~:/?#@!$&'()*+,;=\\[\\]-]|%[0-9A-Fa-f]{2})*$"},
      {"pattern": "^[^#]*(#[^#]*)?$"}]},
    "context": {"oneOf": [
      {"const": "http://www.w3.org/ns/anno.jsonld"},
      {"type": "array", "minItems": 2, "contains": {"const": "http://www.w3.org/ns/anno.jsonld"}}]},
    "motivation": {"enum": ["assessing", "bookmarking", "classifying", "commenting", "describing", "editing",
      "highlighting", "identifying", "linking", "moderating", "questioning", "replying", "tagging"]},
    "agent": {"type": "object", "required": ["id"], "properties": {
      "id": {"$ref": "#/$defs/iri"}, "type": {"enum": ["Person", "Organization", "Software"]},
      "name": {"type": "string"}, "nickname": {"type": "string"}}},
    "textualBody": {"type": "object", "required": ["type", "value"], "properties": {
      "type": {"const": "TextualBody"}, "value": {"type": "string"}, "purpose": {"$ref": "#/$defs/motivation"}}},
    "selector": {"type": "object", "required": ["type"], "oneOf": [
      {"properties": {"type": {"const": "TextPositionSelector"},
        "start": {"type": "integer", "minimum": 0}, "end": {"type": "integer", "minimum": 0}}, "required": ["start", "end"]},
      {"properties": {"type": {"const": "TextQuoteSelector"},
        "exact": {"type": "string"}, "prefix": {"type": "string"}, "suffix": {"type": "string"}}, "required": ["exact"]}]},
    "specificResource": {"type": "object", "required": ["source"], "properties": {
      "type": {"const": "SpecificResource"},
      "source": {"$ref": "#/$defs/iri"},
      "language": {"type": "string", "pattern": "^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$"},
      "textDirection": {"enum": ["ltr", "rtl", "auto"]},
      "selector": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/selector"}}}},
    "annotation": {"type": "object", "required": ["@context", "id", "type", "target"], "properties": {
      "@context": {"$ref": "#/$defs/context"},
      "id": {"$ref": "#/$defs/iri"},
      "type": {"const": "Annotation"},
      "motivation": {"$ref": "#/$defs/motivation"},
      "created": {"type": "string", "format": "date-time"},
      "modified": {"type": "string", "format": "date-time"},
      "creator": {"$ref": "#/$defs/agent"},
      "generator": {"type": "object", "required": ["type", "name"], "properties": {"type": {"const": "Software"}, "name": {"type": "string"}}},
      "body": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/textualBody"}},
      "target": {"oneOf": [{"$ref": "#/$defs/iri"}, {"$ref": "#/$defs/specificResource"}]}}},
    "page": {"type": "object", "required": ["id", "type", "items"], "properties": {
      "id": {"$ref": "#/$defs/iri"}, "type": {"const": "AnnotationPage"}, "partOf": {"$ref": "#/$defs/iri"},
      "startIndex": {"type": "integer", "minimum": 0},
      "items": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/annotation"}}}},
    "collection": {"type": "object", "required": ["@context", "id", "type", "total"], "properties": {
      "@context": {"$ref": "#/$defs/context"},
      "id": {"$ref": "#/$defs/iri"}, "type": {"const": "AnnotationCollection"}, "label": {"type": "string"},
      "total": {"type": "integer", "minimum": 0}, "first": {"$ref": "#/$defs/page"}, "last": {"$ref": "#/$defs/iri"}},
      "if": {"properties": {"total": {"minimum": 1}}}, "then": {"required": ["first"]}}
  }
}`

func w3cSchemas(t *testing.T) (collection, annotation *jsonschema.Schema) {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(w3cSchema))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("urn:slant:test:w3c.json", doc); err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct {
		ref string
		out **jsonschema.Schema
	}{{"collection", &collection}, {"annotation", &annotation}} {
		if *p.out, err = c.Compile("urn:slant:test:w3c.json#/$defs/" + p.ref); err != nil {
			t.Fatal(err)
		}
	}
	return collection, annotation
}

// The W3C export is an AnnotationCollection whose first page holds the
// annotations, each valid on its own (own @context), with absolute-URI
// ids and sources (an article URL with spaces and non-ASCII is
// percent-encoded), creator ids, slant as generator, and the article's
// language and text direction on the target.
func TestExportW3CFollowsTheModel(t *testing.T) {
	t.Parallel()
	collSchema, annSchema := w3cSchemas(t)
	e, _ := formatsEnv(t)
	ctx := context.Background()
	rtl := "قال المسؤولون إن الأسعار ارتفعت. Then English."
	arts, err := e.store.CreateArticles(ctx, e.project.ID, []models.ArticleIn{{Title: "عربي", Text: rtl,
		URL: "https://www.outlet.example.org/news/a story|ü?q=a b&x=%zz#frag#2", Metadata: models.JSONMap{"language": "ar"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: arts[0].ID, UserID: e.users["other"].ID,
		Label: "opinion", Start: 0, End: 3, Note: "n", Origin: "model:my-model/v1@hf"}); err != nil {
		t.Fatal(err)
	}
	body := e.export(t, "format=w3c").Body

	var raw any
	if raw, err = jsonschema.UnmarshalJSON(bytes.NewReader(body)); err != nil {
		t.Fatal(err)
	}
	if err := collSchema.Validate(raw); err != nil {
		t.Fatalf("the collection breaks the model: %v", err)
	}
	var coll struct {
		ID    string `json:"id"`
		First struct {
			Items []json.RawMessage `json:"items"`
		} `json:"first"`
		Total int `json:"total"`
	}
	if err := json.Unmarshal(body, &coll); err != nil {
		t.Fatal(err)
	}
	if coll.Total != 6 || len(coll.First.Items) != 6 || !strings.HasPrefix(coll.ID, fmt.Sprintf("urn:slant:project:%d:export:", e.project.ID)) {
		t.Fatalf("collection %q total %d items %d", coll.ID, coll.Total, len(coll.First.Items))
	}
	seen := map[string]bool{}
	for i, item := range coll.First.Items {
		one, err := jsonschema.UnmarshalJSON(bytes.NewReader(item))
		if err != nil {
			t.Fatal(err)
		}
		if err := annSchema.Validate(one); err != nil { // copied out alone, still an annotation
			t.Fatalf("annotation %d alone: %v\n%s", i, err, item)
		}
		var a struct {
			Creator   struct{ ID, Type string }
			Generator struct{ Type, Name string }
			Target    struct {
				Source, Language, TextDirection string
			}
		}
		json.Unmarshal(item, &a)
		if !strings.HasPrefix(a.Generator.Name, "slant ") || a.Generator.Type != "Software" {
			t.Errorf("generator %+v", a.Generator)
		}
		seen[a.Target.Source+" "+a.Target.Language+" "+a.Target.TextDirection+" "+a.Creator.ID+" "+a.Creator.Type] = true
	}
	// The schema itself catches what the export used to do.
	for name, broken := range map[string]func(m map[string]any){
		"a source with a space": func(m map[string]any) { m["target"].(map[string]any)["source"] = "https://x.example/a b" },
		"no @context":           func(m map[string]any) { delete(m, "@context") },
		"a relative id":         func(m map[string]any) { m["id"] = "annotation/1" },
	} {
		var m map[string]any
		json.Unmarshal(coll.First.Items[0], &m)
		broken(m)
		b, _ := json.Marshal(m)
		one, _ := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if annSchema.Validate(one) == nil {
			t.Errorf("the schema accepts an annotation with %s", name)
		}
	}
	for _, want := range []string{
		"https://www.outlet.example.org/a/1  ltr urn:slant:user:ann Person",
		"https://www.outlet.example.org/news/a%20story%7C%C3%BC?q=a%20b&x=%25zz#frag%232 ar rtl urn:slant:model:my-model%2Fv1@hf Software",
	} {
		if !seen[want] {
			t.Errorf("no annotation with source/language/direction/creator %q in %v", want, seen)
		}
	}
}
