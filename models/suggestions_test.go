package models_test

import (
	"testing"

	"slant/models"
	"slant/models/modelstest"
)

// A suggestion run moves neither the article's span version (the
// cached span list beside the text never shows suggestions) nor the
// project's span count; an annotator's span still moves both.
func TestSuggestionsLeaveSpanVersionAndCount(t *testing.T) {
	t.Parallel()
	s := modelstest.NewStore(t)
	text := "„Wir gewinnen“, sagte Tom Reed."
	ana, _, _, p, art := curationFixture(t, s, text)
	stamp := func() (int64, int64) {
		st, err := s.StampArticle(ctx, art.ID, ana.ID)
		if err != nil {
			t.Fatal(err)
		}
		ps, _, err := s.ListProjects(ctx, ana.ID, models.Page{})
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range ps {
			if q.ID == p.ID {
				return st.Spans, q.AnnotationCount
			}
		}
		t.Fatal("project not listed")
		return 0, 0
	}
	v0, n0 := stamp()
	got, err := s.StoreSuggestions(ctx, p.ID, "attributed_claim", []models.SuggestionIn{
		{ArticleID: art.ID, Rule: "quotes", Confidence: 0.9, Content: [2]int{1, 13}, Cue: &[2]int{16, 21}, Source: &[2]int{22, 30}, Head: "Reed"}})
	if err != nil || got.Created != 1 {
		t.Fatalf("%+v %v", got, err)
	}
	if v, n := stamp(); v != v0 || n != n0 {
		t.Fatalf("a suggestion run moved the span version %d -> %d, the count %d -> %d", v0, v, n0, n)
	}
	if _, err := s.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: art.ID, UserID: ana.ID, Label: "attributed_claim", Start: 1, End: 13}); err != nil {
		t.Fatal(err)
	}
	if v, n := stamp(); v == v0 || n != n0+1 {
		t.Fatalf("an annotator's span: version %d -> %d, count %d -> %d", v0, v, n0, n)
	}
}

// Storing the same findings twice writes nothing the second time; two
// claims sharing one source share one stored span; suggested spans stay
// out of annotators' lists unless the suggestion layer is asked for, and
// out of agreement; a decision is one per annotator.
func TestSuggestionsIdempotentAndApart(t *testing.T) {
	t.Parallel()
	s := modelstest.NewStore(t)
	text := "🙂 „Wir gewinnen“, sagte Tom Reed. „Ganz sicher“, sagte er."
	ana, ben, _, p, art := curationFixture(t, s, text)
	src := &[2]int{27, 35} // Tom Reed
	in := []models.SuggestionIn{
		{ArticleID: art.ID, Rule: "quotes", Confidence: 0.9, Content: [2]int{3, 15}, Cue: &[2]int{18, 23}, Source: src, Head: "Reed"},
		{ArticleID: art.ID, Rule: "quotes", Confidence: 0.8, Content: [2]int{38, 49}, Cue: &[2]int{52, 57}, Source: src, Head: "Reed"},
		{ArticleID: art.ID, Rule: "quotes", Content: [2]int{0, 999}}, // past the text
	}
	for run, want := range []models.SuggestCounts{{Created: 2, Skipped: 1}, {Existing: 2, Skipped: 1}} {
		got, err := s.StoreSuggestions(ctx, p.ID, "attributed_claim", in)
		if err != nil || got != want {
			t.Fatalf("run %d: %+v %v, want %+v", run, got, err, want)
		}
	}
	// the suggester's spans and links are nobody's work: no history, and
	// no entry in the span text index
	if h, _, err := s.ProjectHistory(ctx, p.ID, models.HistoryFilter{}, models.Page{}); err != nil || len(h) != 0 {
		t.Fatalf("suggestions wrote %d history entries (%v)", len(h), err)
	}
	if n, _ := s.CountAnnotations(ctx, models.AnnotationFilter{ProjectID: p.ID, Layer: models.LayerSuggestion}); n == 0 {
		t.Fatal("no suggestion stored")
	}
	if n, err := s.CountAnnotations(ctx, models.AnnotationFilter{ProjectID: p.ID, Layer: models.LayerSuggestion,
		SpanFilter: models.SpanFilter{Q: "gewinnen"}}); err != nil || n != 0 {
		t.Fatalf("%d suggestions found by text search (%v)", n, err)
	}
	all, _, err := s.ListAnnotations(ctx, models.AnnotationFilter{ArticleID: art.ID, Layer: models.LayerSuggestion}, models.Page{Limit: 100})
	if err != nil || len(all) != 5 { // two claims, two cues, one source
		t.Fatalf("suggestion layer: %d spans %v", len(all), err)
	}
	for _, layer := range []string{"", models.LayersAnnotators, models.LayerGold} {
		got, _, err := s.ListAnnotations(ctx, models.AnnotationFilter{ProjectID: p.ID, Layer: layer}, models.Page{Limit: 100})
		if err != nil || len(got) != 0 {
			t.Fatalf("layer %q lists %d spans %v", layer, len(got), err)
		}
	}
	pend, err := s.PendingSuggestions(ctx, art.ID, ana.ID)
	if err != nil || len(pend) != 2 || pend[0].Source == nil || pend[1].Source == nil || pend[0].Source.ID != pend[1].Source.ID ||
		pend[0].Source.Head != "Reed" || pend[0].Cue == nil || pend[0].Text != "Wir gewinnen" || pend[0].Confidence != 0.9 || pend[1].Confidence != 0.8 {
		t.Fatalf("pending %+v %v", pend, err)
	}
	_, err = s.AcceptSuggestion(ctx, pend[0].ID, ana.ID, models.AcceptEdit{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AcceptSuggestion(ctx, pend[0].ID, ana.ID, models.AcceptEdit{}); !isConflict(err) {
		t.Fatalf("second accept: %v", err)
	}
	if err := s.RejectSuggestion(ctx, pend[1].ID, ana.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.PendingSuggestions(ctx, art.ID, ana.ID); len(got) != 0 {
		t.Fatalf("ana still has %+v", got)
	}
	if got, _ := s.PendingSuggestions(ctx, art.ID, ben.ID); len(got) != 2 {
		t.Fatalf("ben has %d", len(got))
	}
	mine, _, _ := s.ListAnnotations(ctx, models.AnnotationFilter{ProjectID: p.ID}, models.Page{Limit: 100})
	if len(mine) != 3 || mine[0].AnnotatorName != "ana" {
		t.Fatalf("ana's spans after accepting: %+v", mine)
	}
	rels, _, err := s.ListRelations(ctx, models.RelationFilter{ArticleID: art.ID}, models.Page{Limit: 100})
	if err != nil || len(rels) != 2 {
		t.Fatalf("ana's links %+v %v", rels, err)
	}
	ag, err := s.Agreement(ctx, models.AgreementQuery{ProjectID: p.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range ag.Users {
		if u.Name == models.SuggestionsUserName {
			t.Fatalf("agreement counts the suggestions: %+v", ag.Users)
		}
	}
	if len(ag.Spans) != 3 {
		t.Fatalf("agreement reads %d spans, want ana's 3", len(ag.Spans))
	}
	st, err := s.SuggestionStats(ctx, p.ID)
	if err != nil || len(st) != 1 || st[0].Suggested != 2 || st[0].Accepted != 1 || st[0].Rejected != 1 || st[0].AcceptanceRate() != 0.5 {
		t.Fatalf("stats %+v %v", st, err)
	}
}
