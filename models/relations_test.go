package models_test

import (
	"testing"

	"slant/models"
	"slant/models/modelstest"
)

// A claim links to its source within one annotator's spans; the label
// pair must be the type's; deleting either span deletes the link.
func TestRelationsFollowTheirSpans(t *testing.T) {
	t.Parallel()
	s := modelstest.NewStore(t)
	text := "„Die Preise sinken“, sagte die Ministerin 👩‍💼 gestern."
	ana, ben, _, p, art := curationFixture(t, s, text)
	claim := mkSpan(t, s, ana, art, "attributed_claim", 0, 19)
	src := mkSpan(t, s, ana, art, "source", 27, 41)
	cue := mkSpan(t, s, ana, art, "cue", 21, 26)
	benSrc := mkSpan(t, s, ben, art, "source", 27, 41)

	types, err := s.ListRelationTypes(ctx, p.ID)
	if err != nil || len(types) != 2 || types[0].Key != "said_by" || types[0].FromLabel != "attributed_claim" || types[0].ToLabel != "source" {
		t.Fatalf("default relation types %+v %v", types, err)
	}
	r, err := s.CreateRelation(ctx, models.RelationIn{ArticleID: art.ID, Type: "said_by", FromID: claim.ID, ToID: src.ID})
	if err != nil {
		t.Fatal(err)
	}
	if r.Annotator != "ana" || r.Type != "said_by" || r.Layer != models.LayerAnnotator {
		t.Fatalf("relation %+v", r)
	}
	if _, err := s.CreateRelation(ctx, models.RelationIn{ArticleID: art.ID, Type: "cue_of", FromID: cue.ID, ToID: claim.ID}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []models.RelationIn{
		{ArticleID: art.ID, Type: "said_by", FromID: claim.ID, ToID: benSrc.ID}, // another annotator's span
		{ArticleID: art.ID, Type: "said_by", FromID: src.ID, ToID: claim.ID},    // labels the wrong way round
		{ArticleID: art.ID, Type: "said_by", FromID: claim.ID, ToID: claim.ID},  // itself
		{ArticleID: art.ID, Type: "quoted", FromID: claim.ID, ToID: src.ID},     // no such type
	} {
		if _, err := s.CreateRelation(ctx, bad); err == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
	if _, err := s.CreateRelation(ctx, models.RelationIn{ArticleID: art.ID, Type: "said_by", FromID: claim.ID, ToID: src.ID}); !isConflict(err) {
		t.Fatalf("the same link twice: %v", err)
	}
	list, _, err := s.ListRelations(ctx, models.RelationFilter{ArticleID: art.ID}, models.Page{})
	if err != nil || len(list) != 2 {
		t.Fatalf("list %d %v", len(list), err)
	}
	if err := s.DeleteRelationType(ctx, p.ID, types[0].ID); !isConflict(err) {
		t.Fatalf("deleting a used relation type: %v", err)
	}
	// the source goes, and its link with it
	if err := s.DeleteAnnotation(ctx, src.ID); err != nil {
		t.Fatal(err)
	}
	list, _, _ = s.ListRelations(ctx, models.RelationFilter{ProjectID: p.ID}, models.Page{})
	if len(list) != 1 || list[0].Type != "cue_of" {
		t.Fatalf("after deleting the source: %+v", list)
	}
}

// Article-level labels: single choice replaces, multiple choice keeps
// several, gold is kept apart, and an option in use cannot be removed.
func TestArticleLabels(t *testing.T) {
	t.Parallel()
	s := modelstest.NewStore(t)
	ana, ben, cur, p, art := curationFixture(t, s, "A short article.")
	genre := &models.DocLabelGroup{ProjectID: p.ID, Key: "genre", Options: []models.DocLabelOption{{Key: "news", Hotkey: "n"}, {Key: "opinion"}, {Key: "analysis"}}}
	if err := s.SaveDocLabelGroup(ctx, genre); err != nil {
		t.Fatal(err)
	}
	topics := &models.DocLabelGroup{ProjectID: p.ID, Key: "topics", Multiple: true, Options: []models.DocLabelOption{{Key: "economy"}, {Key: "security"}}}
	if err := s.SaveDocLabelGroup(ctx, topics); err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.SetArticleLabels(ctx, art.ID, "genre", ana.ID, false, []string{"news"}))
	must(s.SetArticleLabels(ctx, art.ID, "genre", ana.ID, false, []string{"analysis"})) // replaces
	must(s.SetArticleLabels(ctx, art.ID, "genre", ben.ID, false, []string{"opinion"}))
	must(s.SetArticleLabels(ctx, art.ID, "topics", ana.ID, false, []string{"security", "economy"}))
	must(s.SetArticleLabels(ctx, art.ID, "genre", cur.ID, true, []string{"analysis"}))
	if err := s.SetArticleLabels(ctx, art.ID, "genre", ana.ID, false, []string{"news", "opinion"}); err == nil {
		t.Fatal("two options of a single-choice group")
	}
	if err := s.SetArticleLabels(ctx, art.ID, "genre", ana.ID, false, []string{"satire"}); err == nil {
		t.Fatal("an unknown option")
	}
	got, err := s.ListArticleLabels(ctx, models.ArticleLabelFilter{ArticleID: art.ID})
	if err != nil {
		t.Fatal(err)
	}
	var flat []string
	for _, l := range got {
		flat = append(flat, l.Annotator+":"+l.Group+"="+l.Option)
	}
	want := "ana:genre=analysis ben:genre=opinion ana:topics=economy ana:topics=security"
	if join(flat) != want {
		t.Fatalf("labels %q, want %q", join(flat), want)
	}
	gold, _ := s.ListArticleLabels(ctx, models.ArticleLabelFilter{ArticleID: art.ID, Layer: models.LayerGold})
	if len(gold) != 1 || gold[0].Option != "analysis" || gold[0].DecidedByName != "cy" {
		t.Fatalf("gold %+v", gold)
	}
	// "news" is unused and may go; "analysis" is chosen and may not
	genre.Options = []models.DocLabelOption{{Key: "opinion"}, {Key: "analysis"}}
	must(s.SaveDocLabelGroup(ctx, genre))
	genre.Options = []models.DocLabelOption{{Key: "opinion"}}
	if err := s.SaveDocLabelGroup(ctx, genre); !isConflict(err) {
		t.Fatalf("removing a chosen option: %v", err)
	}
	gs, _ := s.ListDocLabelGroups(ctx, p.ID)
	if len(gs) != 2 || len(gs[0].Options) != 2 || gs[1].Multiple != true {
		t.Fatalf("groups %+v", gs)
	}
}

func join(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += " "
		}
		out += s
	}
	return out
}

// Links are in the history of both their spans; a restored span gets
// back the links its deletion removed.
func TestLinkHistoryAndRestore(t *testing.T) {
	t.Parallel()
	s := modelstest.NewStore(t)
	ana, _, cur, p, art := curationFixture(t, s, "«Prices will fall», the minister said.")
	actx := models.WithActor(ctx, ana.ID)
	claim := mkSpan(t, s, ana, art, "attributed_claim", 0, 18)
	src := mkSpan(t, s, ana, art, "source", 20, 32)
	if _, err := s.CreateRelation(actx, models.RelationIn{ArticleID: art.ID, Type: "said_by", FromID: claim.ID, ToID: src.ID}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteAnnotation(models.WithActor(ctx, cur.ID), src.ID); err != nil {
		t.Fatal(err)
	}
	h, err := s.SpanHistory(ctx, p.ID, claim.ID)
	if err != nil {
		t.Fatal(err)
	}
	var acts []string
	for _, e := range h {
		acts = append(acts, e.Action+":"+e.ActorName)
	}
	if join(acts) != "create:ana link:ana unlink:cy" {
		t.Fatalf("claim history %q", join(acts))
	}
	if _, err := s.RestoreAnnotation(models.WithActor(ctx, cur.ID), p.ID, src.ID); err != nil {
		t.Fatal(err)
	}
	rels, _, _ := s.ListRelations(ctx, models.RelationFilter{ArticleID: art.ID}, models.Page{})
	if len(rels) != 1 || rels[0].FromID != claim.ID || rels[0].ToID != src.ID || rels[0].Type != "said_by" {
		t.Fatalf("after restore: %+v", rels)
	}
}
