package api

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"slant/models"
)

func TestBulkAllOrNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, scenarioText)
	path := fmt.Sprintf("/api/v1/projects/%d/annotations/bulk", e.project.ID)
	body := fmt.Sprintf(`[
		{"article_id":%d,"label":"opinion","start":8,"end":12,"text":"rose","origin":"model:roberta-v2","client_id":"c1"},
		{"external_id":"ext-1","label":"state_media_framing","start":6,"end":7,"client_id":"c2"},
		{"article_id":%d,"label":"opinion","start":9,"end":13,"text":"rose","client_id":"c3"},
		{"article_id":%d,"label":"nope","start":0,"end":1},
		{"external_id":"missing","label":"opinion","start":0,"end":1},
		{"article_id":%d,"label":"opinion","start":0,"end":999}
	]`, e.article.ID, e.article.ID, e.article.ID, e.article.ID)
	r := e.do("POST", path, "ann", body)
	if r.Status != 422 {
		t.Fatalf("all-or-nothing with bad spans: %d %s", r.Status, r.Body)
	}
	obj := errorOf(t, r)
	errs := obj["errors"].([]any)
	wantIdx := []float64{2, 3, 4, 5}
	if len(errs) != len(wantIdx) {
		t.Fatalf("errors = %v", errs)
	}
	for i, x := range errs {
		if x.(map[string]any)["index"] != wantIdx[i] {
			t.Fatalf("error %d has index %v", i, x.(map[string]any)["index"])
		}
	}
	if errs[0].(map[string]any)["code"] != "quote_mismatch" || errs[2].(map[string]any)["status"] != 404.0 {
		t.Fatalf("error details: %v", errs)
	}
	n, _ := e.store.CountAnnotations(context.Background(), models.AnnotationFilter{ProjectID: e.project.ID})
	if n != 1 {
		t.Fatalf("%d annotations after a rejected push", n)
	}

	// partial=true stores the good ones and reports the rest by index.
	r = e.do("POST", path+"?partial=true", "ann", body)
	if r.Status != 200 {
		t.Fatalf("partial: %d %s", r.Status, r.Body)
	}
	m := r.JSON(t)
	if m["created"] != 2.0 || m["failed"] != 4.0 || m["existing"] != 0.0 {
		t.Fatalf("partial result %v", m)
	}
	ids := m["ids"].([]any)
	if ids[0] == nil || ids[1] == nil || ids[2] != nil {
		t.Fatalf("ids = %v", ids)
	}
	a, err := e.store.GetAnnotation(context.Background(), int64(ids[0].(float64)))
	if err != nil || a.Quote != "rose" || a.Origin != "model:roberta-v2" || a.AnnotatorName != "ann" {
		t.Fatalf("stored %+v %v", a, err)
	}
	b, _ := e.store.GetAnnotation(context.Background(), int64(ids[1].(float64)))
	if b.Quote != "📈" || b.Origin != "import" {
		t.Fatalf("stored by external id: %+v", b)
	}

	// Re-sending the same client_ids is idempotent.
	r = e.do("POST", path+"?partial=true", "ann", body)
	m = r.JSON(t)
	if m["created"] != 0.0 || m["existing"] != 2.0 || m["ids"].([]any)[0] != ids[0] {
		t.Fatalf("resend: %v", m)
	}
	n, _ = e.store.CountAnnotations(context.Background(), models.AnnotationFilter{ProjectID: e.project.ID})
	if n != 3 {
		t.Fatalf("%d annotations after resend, want 3", n)
	}

	// Remove one model's predictions.
	r = e.do("DELETE", fmt.Sprintf("/api/v1/projects/%d/annotations?origin=model:roberta-v2", e.project.ID), "other", "")
	if r.Status != 200 || r.JSON(t)["deleted"] != 0.0 {
		t.Fatalf("other annotator deleted ann's predictions: %s", r.Body)
	}
	r = e.do("DELETE", fmt.Sprintf("/api/v1/projects/%d/annotations?origin=model:roberta-v2", e.project.ID), "admin", "")
	if r.Status != 200 || r.JSON(t)["deleted"] != 1.0 {
		t.Fatalf("admin delete by origin: %s", r.Body)
	}
	if r := e.do("DELETE", fmt.Sprintf("/api/v1/projects/%d/annotations", e.project.ID), "admin", ""); r.Status != 422 {
		t.Fatalf("delete without origin: %d", r.Status)
	}
}

func TestBulkLimitsAndShapes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, strings.Repeat("abcdefghij", 2000))
	path := fmt.Sprintf("/api/v1/projects/%d/annotations/bulk", e.project.ID)
	var sb strings.Builder
	sb.WriteString(`{"annotations":[`)
	for i := 0; i < models.MaxBulk; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"article_id":%d,"label":"attributed_claim","start":%d,"end":%d,"client_id":"k%d"}`, e.article.ID, i, i+3, i)
	}
	sb.WriteString(`]}`)
	r := e.do("POST", path, "ann", sb.String())
	if r.Status != 200 || r.JSON(t)["created"] != float64(models.MaxBulk) {
		t.Fatalf("10,000 spans: %d %.300s", r.Status, r.Body)
	}
	ids := r.JSON(t)["ids"].([]any)
	// ids are in request order and point at the right spans.
	for _, i := range []int{0, 399, 400, 9999} {
		a, err := e.store.GetAnnotation(context.Background(), int64(ids[i].(float64)))
		if err != nil || a.Start != i || a.ClientID == nil || *a.ClientID != fmt.Sprintf("k%d", i) {
			t.Fatalf("id of span %d -> %+v %v", i, a, err)
		}
	}
	over := strings.Replace(sb.String(), `]}`, fmt.Sprintf(`,{"article_id":%d,"label":"opinion","start":0,"end":1}]}`, e.article.ID), 1)
	if r := e.do("POST", path, "ann", over); r.Status != 413 {
		t.Fatalf("10,001 spans: %d", r.Status)
	}
	if r := e.do("POST", path, "ann", `[{"article_id":1}]`); r.Status != 422 {
		t.Fatalf("missing fields: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", path, "ann", `[]`); r.Status != 422 {
		t.Fatalf("empty push: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/api/v1/projects/999/annotations/bulk", "ann", `[{"article_id":1,"label":"opinion","start":0,"end":1}]`); r.Status != 404 {
		t.Fatalf("unknown project: %d %s", r.Status, r.Body)
	}
}

// A span the annotator already stored is a per-span 409: the whole push
// is refused by default, and reported by index with partial=true.
func TestBulkConflictsWithStoredSpans(t *testing.T) {
	t.Parallel()
	e := newEnv(t, scenarioText)
	path := fmt.Sprintf("/api/v1/projects/%d/annotations/bulk", e.project.ID)
	body := fmt.Sprintf(`[{"article_id":%d,"label":"opinion","start":3,"end":5},{"article_id":%d,"label":"opinion","start":0,"end":2}]`, e.article.ID, e.article.ID)
	r := e.do("POST", path, "ann", body)
	if r.Status != 422 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	errs := errorOf(t, r)["errors"].([]any)
	if len(errs) != 1 || errs[0].(map[string]any)["index"] != 1.0 || errs[0].(map[string]any)["status"] != 409.0 {
		t.Fatalf("errors %v", errs)
	}
	if n, _ := e.store.CountAnnotations(context.Background(), models.AnnotationFilter{ProjectID: e.project.ID}); n != 1 {
		t.Fatalf("%d annotations after a refused push", n)
	}
	r = e.do("POST", path+"?partial=true", "ann", body)
	m := r.JSON(t)
	if r.Status != 200 || m["created"] != 1.0 || m["failed"] != 1.0 || m["ids"].([]any)[1] != nil {
		t.Fatalf("partial: %d %s", r.Status, r.Body)
	}
	// Another annotator may store the same extent.
	if r := e.do("POST", path, "other", body); r.Status != 200 || r.JSON(t)["created"] != 2.0 {
		t.Fatalf("other annotator: %d %s", r.Status, r.Body)
	}
}
