package seeds_test

import (
	"context"
	"testing"
	"unicode/utf8"

	"slant/models"
	"slant/models/modelstest"
	"slant/seeds"
)

func TestDemoLoadsOnceAndIsConsistent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := modelstest.NewStore(t)
	res, err := seeds.Load(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Loaded || res.AdminPassword == "" {
		t.Fatalf("result %+v", res)
	}
	if _, err := s.Authenticate(ctx, res.AdminName, res.AdminPassword); err != nil {
		t.Fatalf("printed admin password does not work: %v", err)
	}
	d, _ := seeds.Parse()
	arts, _, err := s.ListArticles(ctx, models.ArticleFilter{ProjectID: res.ProjectID}, models.Page{})
	if err != nil || len(arts) != len(d.Articles) || len(arts) < 6 || len(arts) > 10 {
		t.Fatalf("%d articles (%v)", len(arts), err)
	}
	labels := map[string]int{}
	ownerships := map[string]bool{}
	nonASCII, astral := false, false
	for _, a := range arts {
		full, _ := s.GetArticle(ctx, a.ID)
		for _, r := range full.Text {
			if r > 0x7f {
				nonASCII = true
			}
			if r > 0xffff {
				astral = true
			}
		}
		if full.Source != nil {
			ownerships[full.Source.Ownership] = true
		}
		anns, _, _ := s.ListAnnotations(ctx, models.AnnotationFilter{ArticleID: a.ID}, models.Page{Limit: 1000})
		runes := []rune(full.Text)
		for _, an := range anns {
			labels[an.LabelKey]++
			if an.Quote != string(runes[an.Start:an.End]) || !utf8.ValidString(an.Quote) {
				t.Errorf("annotation %d quote %q != text[%d:%d]", an.ID, an.Quote, an.Start, an.End)
			}
		}
	}
	// claims linked to their sources and cues, and article genres
	rels, _, err := s.ListRelations(ctx, models.RelationFilter{ProjectID: res.ProjectID}, models.Page{Limit: 1000})
	if err != nil || len(rels) != len(d.Relations) || len(rels) == 0 {
		t.Fatalf("%d relations (%v), want %d", len(rels), err, len(d.Relations))
	}
	saidBy := 0
	for _, r := range rels {
		from, _ := s.GetAnnotation(ctx, r.FromID)
		to, _ := s.GetAnnotation(ctx, r.ToID)
		if r.Type == "said_by" && from.LabelKey == "attributed_claim" && to.LabelKey == "source" && from.ArticleID == to.ArticleID {
			saidBy++
		}
	}
	if saidBy == 0 {
		t.Error("no demo claim is linked to its source")
	}
	// the demo opens with the suggester's pending claims
	pending := 0
	admin, _ := s.UserByName(ctx, res.AdminName)
	for _, a := range arts {
		sg, err := s.PendingSuggestions(ctx, a.ID, admin.ID)
		if err != nil {
			t.Fatal(err)
		}
		pending += len(sg)
	}
	if pending == 0 {
		t.Error("no pending suggestion in the demo project")
	}
	docs, err := s.ListArticleLabels(ctx, models.ArticleLabelFilter{ProjectID: res.ProjectID})
	if err != nil || len(docs) != len(d.ArticleLabels) {
		t.Fatalf("%d article labels (%v), want %d", len(docs), err, len(d.ArticleLabels))
	}
	for _, k := range []string{"opinion", "attributed_claim", "state_media_framing", "source", "cue"} {
		if labels[k] == 0 {
			t.Errorf("no demo annotation with label %s", k)
		}
	}
	for _, o := range models.Ownerships {
		if !ownerships[o] {
			t.Errorf("no demo outlet with ownership %s", o)
		}
	}
	if !nonASCII || !astral {
		t.Errorf("demo text lacks non-ASCII (%v) or astral characters (%v)", nonASCII, astral)
	}
	again, err := seeds.Load(ctx, s)
	if err != nil || again.Loaded {
		t.Fatalf("second load: %+v %v", again, err)
	}
	n, _ := s.CountAnnotations(ctx, models.AnnotationFilter{ProjectID: res.ProjectID})
	if int(n) != len(d.Annotations) {
		t.Fatalf("%d annotations after second load, want %d", n, len(d.Annotations))
	}
}

func TestFindOccurrence(t *testing.T) {
	t.Parallel()
	text := "ab 📈 ab ab"
	for n, want := range map[int]int{1: 0, 2: 5, 3: 8} {
		s, e, ok := seeds.FindOccurrence(text, "ab", n)
		if !ok || s != want || e != want+2 {
			t.Errorf("occurrence %d: %d,%d,%v want %d", n, s, e, ok, want)
		}
	}
	if _, _, ok := seeds.FindOccurrence(text, "ab", 4); ok {
		t.Error("4th occurrence found")
	}
}

// The demo's team project: k = 2, blind, both demo annotators assigned
// every article and with spans on each, their printed passwords working.
func TestDemoTeamProject(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := modelstest.NewStore(t)
	res, err := seeds.Load(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := seeds.Parse()
	if len(res.Annotators) != 2 || res.TeamProjectID == 0 {
		t.Fatalf("result %+v", res)
	}
	p, err := s.GetProject(ctx, res.TeamProjectID)
	if err != nil || p.AnnotatorsPerArticle != 2 || !p.Blind {
		t.Fatalf("team project %+v (%v)", p, err)
	}
	progress, err := s.Progress(ctx, res.TeamProjectID)
	if err != nil || len(progress) != 2 {
		t.Fatalf("progress %+v (%v)", progress, err)
	}
	for i, l := range res.Annotators {
		u, err := s.Authenticate(ctx, l.Name, l.Password)
		if err != nil {
			t.Fatalf("printed password of %s does not work: %v", l.Name, err)
		}
		pr := progress[i]
		if pr.Name != l.Name || pr.Assigned != int64(len(d.Team.Articles)) || pr.Spans == 0 || pr.Done != int64(len(d.Team.Done[l.Name])) {
			t.Fatalf("progress of %s: %+v", l.Name, pr)
		}
		// blind: each sees only their own spans, on every article
		arts, _, err := s.ListArticles(ctx, models.ArticleFilter{ProjectID: res.TeamProjectID, UserID: u.ID, OwnSpansOnly: true, Assigned: true}, models.Page{})
		if err != nil || len(arts) != len(d.Team.Articles) {
			t.Fatalf("%s's queue: %d (%v)", l.Name, len(arts), err)
		}
		for _, a := range arts {
			if a.MyAnnotationCount == 0 || a.AnnotationCount != a.MyAnnotationCount {
				t.Fatalf("%s on %q: %d spans, %d own", l.Name, a.Title, a.AnnotationCount, a.MyAnnotationCount)
			}
		}
		// and an annotator of the first demo project too
		if _, err := s.ProjectAccess(ctx, res.ProjectID, u); err != nil {
			t.Fatalf("%s is not a member of the first demo project: %v", l.Name, err)
		}
	}
}
