package export

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"slant/models"
)

// What the README promises about JSONL values: external_id and
// published_at are null when the article has none; a text field without
// a value (note, speaker, an article without an outlet) is "", and
// attributes is {} rather than null.
func TestJSONLEmptyValues(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	var buf bytes.Buffer
	w := NewJSONL(&buf)
	w.Begin()
	if err := w.Row(&models.ExportRow{AnnotationID: 1, Project: "P", ArticleID: 2, Label: "opinion", Start: 0, End: 1, Text: "x",
		Annotator: "ann", Origin: "human", CreatedAt: at, UpdatedAt: at}); err != nil {
		t.Fatal(err)
	}
	w.End()
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"external_id", "published_at"} {
		if v, ok := m[k]; !ok || v != nil {
			t.Errorf("%s = %#v, want null", k, v)
		}
	}
	for _, k := range []string{"note", "speaker", "source_domain", "source_name", "source_country", "source_ownership", "article_url", "context_before"} {
		if v, ok := m[k]; !ok || v != "" {
			t.Errorf("%s = %#v, want \"\"", k, v)
		}
	}
	if a, ok := m["attributes"].(map[string]any); !ok || len(a) != 0 {
		t.Errorf("attributes = %#v, want {}", m["attributes"])
	}
}
