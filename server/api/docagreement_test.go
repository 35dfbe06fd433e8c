package api

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"slant/models"
)

// Article-level labels count in agreement: per group, kappa per pair over
// the articles both labelled, checked by hand; the CSV has the rows.
func TestAgreementOnArticleLabels(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "First article.")
	ctx := context.Background()
	var arts []int64
	for i := 0; i < 3; i++ {
		a, err := e.store.CreateArticles(ctx, e.project.ID, []models.ArticleIn{{Text: fmt.Sprintf("Article number %d.", i)}})
		if err != nil {
			t.Fatal(err)
		}
		arts = append(arts, a[0].ID)
	}
	arts = append(arts, e.article.ID)
	g := &models.DocLabelGroup{ProjectID: e.project.ID, Key: "genre", Options: []models.DocLabelOption{{Key: "news"}, {Key: "opinion"}}}
	if err := e.store.SaveDocLabelGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	// ann: news news opinion opinion; other: news opinion opinion opinion
	// p_o = 3/4; p_e = (2/4)(1/4) + (2/4)(3/4) = 1/2; kappa = (3/4 − 1/2)/(1/2) = 1/2
	choose := func(user string, opts ...string) {
		for i, o := range opts {
			if err := e.store.SetArticleLabels(ctx, arts[i], "genre", e.users[user].ID, false, []string{o}); err != nil {
				t.Fatal(err)
			}
		}
	}
	choose("ann", "news", "news", "opinion", "opinion")
	choose("other", "news", "opinion", "opinion", "opinion")
	r := e.do("GET", fmt.Sprintf("/api/v1/projects/%d/agreement?annotators=ann,other", e.project.ID), "cur", "")
	if r.Status != 200 {
		t.Fatalf("agreement: %d %s", r.Status, r.Body)
	}
	out := decode[struct {
		DocumentLabels map[string]struct {
			Pairs []struct {
				A, B     string
				Articles int
				Observed float64
				Kappa    *float64
			}
			Alpha *float64
		} `json:"document_labels"`
	}](t, r)
	genre := out.DocumentLabels["genre"]
	if len(genre.Pairs) != 1 || genre.Pairs[0].Articles != 4 || genre.Pairs[0].Observed != 0.75 || genre.Pairs[0].Kappa == nil ||
		math.Abs(*genre.Pairs[0].Kappa-0.5) > 1e-12 || genre.Alpha == nil {
		t.Fatalf("genre agreement %+v", genre)
	}
	csv := string(e.do("GET", fmt.Sprintf("/api/v1/projects/%d/agreement?annotators=ann,other&format=csv", e.project.ID), "cur", "").Body)
	if !strings.Contains(csv, "document:genre,ann,other,4,") {
		t.Fatalf("csv lacks the genre row:\n%s", csv)
	}
}
