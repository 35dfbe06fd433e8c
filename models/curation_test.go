package models_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"slant/models"
	"slant/models/modelstest"
)

// two annotators and a curator on one article of the default scheme
func curationFixture(t *testing.T, s *models.Store, text string) (ana, ben, cur *models.User, p *models.Project, art models.Article) {
	t.Helper()
	ana, p, art = fixture(t, s, text)
	var err error
	if ben, err = s.CreateUser(ctx, "ben", models.RoleAnnotator, "correct horse"); err != nil {
		t.Fatal(err)
	}
	if cur, err = s.CreateUser(ctx, "cy", models.RoleAnnotator, "correct horse"); err != nil {
		t.Fatal(err)
	}
	modelstest.JoinAll(t, s, p.ID)
	if _, _, err := s.SetMember(ctx, p.ID, cur.ID, models.MemberCurator); err != nil {
		t.Fatal(err)
	}
	return
}

func mkSpan(t *testing.T, s *models.Store, u *models.User, art models.Article, label string, start, end int) *models.AnnotationView {
	t.Helper()
	v, err := s.CreateAnnotation(models.WithActor(ctx, u.ID), models.AnnotationIn{ArticleID: art.ID, UserID: u.ID, Label: label, Start: start, End: end})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Every change of a span is in its history with who made it, and a
// deleted span comes back under its id with its fields.
func TestSpanHistoryRecordsEveryChangeAndRestores(t *testing.T) {
	t.Parallel()
	s := modelstest.NewStore(t)
	ana, _, cur, p, art := curationFixture(t, s, "Officials said the plan «works» — 👩‍🔬 data.")
	a := mkSpan(t, s, ana, art, "opinion", 0, 9)
	note := "checked"
	if _, err := s.UpdateAnnotation(models.WithActor(ctx, cur.ID), a.ID, models.AnnotationPatch{Note: &note, End: ptr(14)}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteAnnotation(models.WithActor(ctx, cur.ID), a.ID); err != nil {
		t.Fatal(err)
	}
	// deleted: its history is still there
	h, err := s.SpanHistory(ctx, p.ID, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 3 || h[0].Action != "create" || h[1].Action != "update" || h[2].Action != "delete" {
		t.Fatalf("history %+v", h)
	}
	if h[0].ActorName != "ana" || h[1].ActorName != "cy" || h[2].ActorName != "cy" {
		t.Fatalf("actors %q %q %q", h[0].ActorName, h[1].ActorName, h[2].ActorName)
	}
	var before, after struct {
		End  int    `json:"end"`
		Note string `json:"note"`
		Text string `json:"text"`
	}
	json.Unmarshal(h[1].Before, &before)
	json.Unmarshal(h[1].After, &after)
	if before.End != 9 || after.End != 14 || after.Note != "checked" || after.Text != "Officials said" {
		t.Fatalf("update images %+v → %+v", before, after)
	}
	if h[2].After != nil || h[0].Before != nil {
		t.Fatal("a create has no before, a delete no after")
	}

	r, err := s.RestoreAnnotation(models.WithActor(ctx, cur.ID), p.ID, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != a.ID || r.End != 14 || r.Note != "checked" || r.AnnotatorName != "ana" {
		t.Fatalf("restored %+v", r)
	}
	if _, err := s.RestoreAnnotation(ctx, p.ID, a.ID); !isConflict(err) {
		t.Fatalf("restoring a live span: %v", err)
	}
	h, _ = s.SpanHistory(ctx, p.ID, a.ID)
	if len(h) != 4 || h[3].Action != "create" || h[3].ActorName != "cy" {
		t.Fatalf("after restore %+v", h)
	}
	// project-wide, in order, and since a time
	all, _, err := s.ProjectHistory(ctx, p.ID, models.HistoryFilter{}, models.Page{})
	if err != nil || len(all) != 4 {
		t.Fatalf("project history %d %v", len(all), err)
	}
	future := time.Now().Add(time.Hour)
	if none, _, _ := s.ProjectHistory(ctx, p.ID, models.HistoryFilter{Since: &future}, models.Page{}); len(none) != 0 {
		t.Fatalf("since the future: %d", len(none))
	}
	// deleting the project takes its history with it
	if err := s.DeleteProject(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if left, _, _ := s.ProjectHistory(ctx, p.ID, models.HistoryFilter{}, models.Page{}); len(left) != 0 {
		t.Fatalf("%d history rows outlived the project", len(left))
	}
}

func isConflict(err error) bool {
	var c *models.ConflictError
	return errors.As(err, &c)
}

// The gold layer: a curator accepts, edits and rejects; gold spans stay
// out of annotators' lists; "accept all agreed" counts first and writes
// each agreed span once.
func TestGoldLayerDecisions(t *testing.T) {
	t.Parallel()
	s := modelstest.NewStore(t)
	text := "The minister said rates «will fall». Critics disagree strongly."
	ana, ben, cur, p, art := curationFixture(t, s, text)
	a1 := mkSpan(t, s, ana, art, "attributed_claim", 4, 35)
	b1 := mkSpan(t, s, ben, art, "attributed_claim", 4, 35) // agreed
	a2 := mkSpan(t, s, ana, art, "opinion", 37, 63)
	b2 := mkSpan(t, s, ben, art, "opinion", 37, 44) // boundary
	_ = mkSpan(t, s, ana, art, "state_media_framing", 18, 23)

	c, err := s.ArticleCuration(ctx, art.ID)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[int]string{}
	for _, ps := range c.Passages {
		kinds[ps.Start] = ps.Kind
	}
	// [4,35) and the nested [18,23) of ana alone form one passage
	if len(c.Passages) != 2 || kinds[4] != models.PassageLabel || kinds[37] != models.PassageBoundary {
		t.Fatalf("passages %+v", c.Passages)
	}

	n, created, err := s.AcceptAgreed(ctx, p.ID, 0, cur.ID, true)
	if err != nil || n != 1 || created != 0 {
		t.Fatalf("dry run: %d %d %v", n, created, err)
	}
	n, created, err = s.AcceptAgreed(models.WithActor(ctx, cur.ID), p.ID, 0, cur.ID, false)
	if err != nil || n != 1 || created != 1 {
		t.Fatalf("accept agreed: %d %d %v", n, created, err)
	}
	if n, _, _ := s.AcceptAgreed(ctx, p.ID, 0, cur.ID, true); n != 0 {
		t.Fatalf("agreed spans offered again: %d", n)
	}
	g, err := s.AcceptGold(models.WithActor(ctx, cur.ID), models.GoldDecision{ArticleID: art.ID, CuratorID: cur.ID, Label: "opinion",
		Start: 37, End: 62, From: []int64{a2.ID, b2.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if g.Layer != models.LayerGold || g.AnnotatorName != models.GoldUserName || g.DecidedByName != "cy" || g.Provenance["decision"] != "edited" {
		t.Fatalf("gold span %+v", g)
	}
	if from, _ := g.Provenance["from"].([]any); len(from) != 2 {
		t.Fatalf("provenance %v", g.Provenance)
	}
	if _, err := s.AcceptGold(ctx, models.GoldDecision{ArticleID: art.ID, CuratorID: cur.ID, Label: "opinion", Start: 37, End: 62}); !isConflict(err) {
		t.Fatalf("second gold span on the same passage: %v", err)
	}
	if _, err := s.AcceptGold(ctx, models.GoldDecision{ArticleID: art.ID, CuratorID: cur.ID, Label: "opinion", Start: 1, End: 2, From: []int64{g.ID}}); err == nil {
		t.Fatal("a gold span accepted as a source")
	}
	if _, err := s.RejectPassage(ctx, art.ID, cur.ID, "state_media_framing", 18, 23, nil); err != nil {
		t.Fatal(err)
	}

	// annotators' lists and counts leave the gold layer out; layer=gold and all ask for it
	count := func(layer string) int64 {
		n, err := s.CountAnnotations(ctx, models.AnnotationFilter{ProjectID: p.ID, Layer: layer})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if count("") != 5 || count(models.LayerGold) != 2 || count(models.LayersAll) != 7 {
		t.Fatalf("counts %d %d %d", count(""), count(models.LayerGold), count(models.LayersAll))
	}
	c, _ = s.ArticleCuration(ctx, art.ID)
	for _, ps := range c.Passages {
		if !ps.Resolved {
			t.Fatalf("unresolved passage %+v", ps)
		}
	}
	if len(c.Gold) != 2 || len(c.Rejections) != 1 || c.Annotators[0] != "ana" || len(c.Annotators) != 2 {
		t.Fatalf("curation %+v", c)
	}
	// the gold user is nobody a person can be or see
	if _, err := s.UserByName(ctx, models.GoldUserName); err == nil {
		t.Fatal("the gold user can be looked up by name")
	}
	_ = a1
	_ = b1
}
