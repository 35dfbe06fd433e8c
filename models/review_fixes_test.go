package models_test

import (
	"errors"
	"strings"
	"testing"

	"slant/models"
	"slant/models/modelstest"
)

// Fixes from the review of the gold layer, links and history.

// Accept-all-agreed leaves a passage a curator rejected alone, and writes
// more agreed spans than one write chunk holds.
func TestAcceptAgreedRespectsRejectionsAndChunks(t *testing.T) {
	t.Parallel()
	s := modelstest.NewStore(t)
	ana, ben, cur, p, art := curationFixture(t, s, strings.Repeat("word ", 400))
	mk := func(u *models.User, start int) models.BulkSpan {
		return models.BulkSpan{ArticleID: art.ID, Label: "opinion", Start: start, End: start + 3}
	}
	var spans []models.BulkSpan
	for i := 0; i < 600; i++ {
		spans = append(spans, mk(ana, i*3))
	}
	for _, u := range []*models.User{ana, ben} {
		if _, err := s.BulkCreateAnnotations(ctx, p.ID, u.ID, spans, false); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.RejectPassage(ctx, art.ID, cur.ID, "opinion", 0, 3, nil); err != nil {
		t.Fatal(err)
	}
	found, created, err := s.AcceptAgreed(ctx, p.ID, 0, cur.ID, false)
	if err != nil || found != 599 || created != 599 {
		t.Fatalf("accept agreed: found %d, created %d, %v (want 599: one passage rejected)", found, created, err)
	}
	n, _ := s.CountAnnotations(ctx, models.AnnotationFilter{ProjectID: p.ID, Layer: models.LayerGold})
	if n != 599 {
		t.Fatalf("%d gold spans", n)
	}
	// the curation view sees all 1,200 spans, not the first page of them
	c, err := s.ArticleCuration(ctx, art.ID)
	if err != nil || len(c.Spans) != 1200 || len(c.Passages) != 600 {
		t.Fatalf("curation: %d spans, %d passages, %v", len(c.Spans), len(c.Passages), err)
	}
}

// Unlinking is credited to whoever unlinked.
func TestUnlinkIsCreditedToItsActor(t *testing.T) {
	t.Parallel()
	s := modelstest.NewStore(t)
	ana, _, cur, p, art := curationFixture(t, s, "«Prices will fall», the minister said.")
	claim := mkSpan(t, s, ana, art, "attributed_claim", 0, 18)
	src := mkSpan(t, s, ana, art, "source", 20, 32)
	r, err := s.CreateRelation(models.WithActor(ctx, ana.ID), models.RelationIn{ArticleID: art.ID, Type: "said_by", FromID: claim.ID, ToID: src.ID})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteRelation(models.WithActor(ctx, cur.ID), r.ID); err != nil {
		t.Fatal(err)
	}
	h, _ := s.SpanHistory(ctx, p.ID, src.ID)
	last := h[len(h)-1]
	if last.Action != "unlink" || last.ActorName != "cy" {
		t.Fatalf("last entry %+v", last)
	}
}

// A link's type decides its ends' labels: relabelling a linked span
// against it, narrowing the type under existing links, or deleting a
// label a type names are refused; a user with article labels cannot be
// deleted (409, not 500).
func TestLinksKeepTheirTypesLabels(t *testing.T) {
	t.Parallel()
	s := modelstest.NewStore(t)
	ana, _, _, p, art := curationFixture(t, s, "«Prices will fall», the minister said.")
	claim := mkSpan(t, s, ana, art, "attributed_claim", 0, 18)
	src := mkSpan(t, s, ana, art, "source", 20, 32)
	if _, err := s.CreateRelation(ctx, models.RelationIn{ArticleID: art.ID, Type: "said_by", FromID: claim.ID, ToID: src.ID}); err != nil {
		t.Fatal(err)
	}
	cue := "cue"
	if _, err := s.UpdateAnnotation(ctx, src.ID, models.AnnotationPatch{Label: &cue}); !isConflict(err) {
		t.Fatalf("relabelling a said_by source as a cue: %v", err)
	}
	types, _ := s.ListRelationTypes(ctx, p.ID)
	if _, err := s.UpdateRelationType(ctx, p.ID, types[0].ID, models.RelationTypePatch{ToLabel: &cue}); !isConflict(err) {
		t.Fatalf("narrowing said_by to cues under a link to a source: %v", err)
	}
	l, _ := s.LabelByKey(ctx, p.ID, "cue")
	if err := s.DeleteLabel(ctx, l.ID); !isConflict(err) {
		t.Fatalf("deleting a label cue_of names: %v", err)
	}
	g := &models.DocLabelGroup{ProjectID: p.ID, Key: "genre", Options: []models.DocLabelOption{{Key: "news"}}}
	if err := s.SaveDocLabelGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	u, _ := s.CreateUser(ctx, "dora", models.RoleAnnotator, "correct horse")
	if err := s.SetArticleLabels(ctx, art.ID, "genre", u.ID, false, []string{"news"}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUser(ctx, u.ID); !isConflict(err) {
		var ce *models.ConflictError
		t.Fatalf("deleting a user with article labels: %v (conflict: %v)", err, errors.As(err, &ce))
	}
}

// The article list's span count is the annotators' spans: a gold span
// (owned by a system user) is not one.
func TestArticleListCountsAnnotatorsSpansOnly(t *testing.T) {
	t.Parallel()
	s := modelstest.NewStore(t)
	ana, _, cur, p, art := curationFixture(t, s, "«Prices will fall», the minister said.")
	mkSpan(t, s, ana, art, "opinion", 0, 5)
	if _, err := s.AcceptGold(ctx, models.GoldDecision{ArticleID: art.ID, CuratorID: cur.ID, Label: "opinion", Start: 0, End: 5}); err != nil {
		t.Fatal(err)
	}
	arts, _, err := s.ListArticles(ctx, models.ArticleFilter{ProjectID: p.ID, UserID: ana.ID}, models.Page{})
	if err != nil || len(arts) != 1 || arts[0].AnnotationCount != 1 || arts[0].MyAnnotationCount != 1 {
		t.Fatalf("list %+v %v", arts, err)
	}
}

// A project's span count (GET /projects) is its annotators' spans: a
// gold span or a suggestion does not add to it.
func TestProjectCountLeavesOutGoldAndSuggestions(t *testing.T) {
	t.Parallel()
	s := modelstest.NewStore(t)
	ana, _, cur, p, art := curationFixture(t, s, "«Prices will fall», the minister said.")
	mkSpan(t, s, ana, art, "opinion", 0, 5)
	if _, err := s.AcceptGold(ctx, models.GoldDecision{ArticleID: art.ID, CuratorID: cur.ID, Label: "opinion", Start: 0, End: 5}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StoreSuggestions(ctx, p.ID, "attributed_claim", []models.SuggestionIn{{ArticleID: art.ID, Rule: "quotes", Content: [2]int{0, 18}}}); err != nil {
		t.Fatal(err)
	}
	count := func() int64 {
		ps, _, err := s.ListProjects(ctx, ana.ID, models.Page{})
		if err != nil || len(ps) != 1 {
			t.Fatalf("projects %+v %v", ps, err)
		}
		return ps[0].AnnotationCount
	}
	if n := count(); n != 1 {
		t.Fatalf("project counts %d spans, want the annotator's 1", n)
	}
	gold, _, _ := s.ListAnnotations(ctx, models.AnnotationFilter{ArticleID: art.ID, Layer: models.LayerGold}, models.Page{})
	if err := s.DeleteAnnotation(ctx, gold[0].ID); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 1 {
		t.Fatalf("after deleting the gold span: %d", n)
	}
}

// A span whose annotator was deleted since cannot come back (409 that
// says so, not a foreign-key failure).
func TestRestoreRefusesAGoneAnnotator(t *testing.T) {
	t.Parallel()
	s := modelstest.NewStore(t)
	_, _, _, p, art := curationFixture(t, s, "Some text to mark.")
	u, err := s.CreateUser(ctx, "temp", models.RoleAnnotator, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	a := mkSpan(t, s, u, art, "opinion", 0, 4)
	if err := s.DeleteAnnotation(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.RestoreAnnotation(ctx, p.ID, a.ID)
	if !isConflict(err) || !strings.Contains(err.Error(), "annotator was deleted") {
		t.Fatalf("restore of a gone annotator's span: %v", err)
	}
}
