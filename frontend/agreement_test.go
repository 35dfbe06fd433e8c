package frontend_test

import (
	"context"
	"fmt"
	"testing"

	"slant/models"
)

// The agreement page: two annotators label one article differently; a
// curator sees the pair's exact F1 the API computes (ana [0,9), ben [0,9)
// and [10,14): 2·1/(1+2) = 0.67) in the opinion cell, as text and as the
// cell's colour class, and a click lists the article, linked to its
// curation view. An annotator gets the page's refusal, not numbers.
func TestAgreementPage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, anaPW := e.user("ana", models.RoleAnnotator)
	e.user("ben", models.RoleAnnotator)
	cur, curPW := e.user("cato", models.RoleAnnotator)
	p, arts := e.project(models.ArticleIn{Title: "Bridge", Text: "Officials said the bridge reopens on Monday."})
	if _, _, err := e.store.SetMember(ctx, p.ID, cur.ID, models.MemberCurator); err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct {
		user       string
		start, end int
	}{{"ana", 0, 9}, {"ben", 0, 9}, {"ben", 10, 14}} {
		u, err := e.store.UserByName(ctx, s.user)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: arts[0].ID, UserID: u.ID, Label: "opinion", Start: s.start, End: s.end}); err != nil {
			t.Fatal(err)
		}
		if err := e.store.SetDone(ctx, u.ID, arts[0].ID, true); err != nil {
			t.Fatal(err)
		}
	}

	e.login("cato", curPW)
	e.open(fmt.Sprintf("#/projects/%d/agreement", p.ID), `document.querySelector('#agr-table .agr-cell[data-label="opinion"]')`)
	apiExact := eval[float64](e, fmt.Sprintf(`fetch('/api/v1/projects/%d/agreement').then(r => r.json()).then(j => j.labels.opinion.pairs[0].exact_f1)`, p.ID))
	if apiExact < 0.6666 || apiExact > 0.6667 {
		t.Fatalf("API exact F1 = %v, want 2/3", apiExact)
	}
	sel := `document.querySelector('#agr-table .agr-cell[data-label="opinion"]')`
	// partial: S = {[0,9)}, T = {[0,9), [10,14)}: P = 9/9 = 1, R = (9/9 + 0)/2 = .5, F1 = 1/1.5 = 0.67;
	// κ over 44 code points, in_a 9, in_b 13, both 9: p_o = 40/44, p_e = (9·13 + 35·31)/44² = .6209, κ = 0.76
	if got := eval[string](e, sel+`.querySelector('.agr-sub').textContent`); got != "exact 0.67 · partial 0.67 · κ 0.76" {
		t.Errorf("cell shows %q", got)
	}
	// colour by exact F1: the big number and the class follow
	eval[bool](e, `(() => { const s = document.getElementById('agr-measure'); s.value = 'exact_f1'; s.dispatchEvent(new Event('change')); return true; })()`)
	e.waitJS(sel + `.querySelector('.agr-main').textContent === '0.67'`)
	if cls := eval[string](e, sel+`.className`); cls != "agr-cell agr-b3" {
		t.Errorf("cell class %q, want agr-cell agr-b3 (0.6 to 0.8)", cls)
	}
	if !eval[bool](e, `!!document.querySelector('#agr-alpha-table tr[data-label="opinion"] td[data-measure="alpha"]')`) {
		t.Error("no alpha row for opinion")
	}
	if href := eval[string](e, `document.getElementById('agr-csv').getAttribute('href')`); href != fmt.Sprintf("/api/v1/projects/%d/agreement?scope=done&format=csv", p.ID) {
		t.Errorf("CSV link %q", href)
	}
	// the cell opens the articles where the pair disagrees, linked to curation
	eval[bool](e, sel+`.click() || true`)
	e.waitJS(`document.querySelector('#agr-articles a')`)
	if href := eval[string](e, `document.querySelector('#agr-articles a').getAttribute('href')`); href != fmt.Sprintf("#/articles/%d/curate", arts[0].ID) {
		t.Errorf("article link %q", href)
	}
	if txt := eval[string](e, `document.querySelector('#agr-articles a').textContent`); txt != "Bridge" {
		t.Errorf("article link text %q", txt)
	}
	if n := eval[int](e, `document.querySelectorAll('#agr-table tbody tr').length`); n != 1 {
		t.Errorf("%d pair rows, want 1", n)
	}
	e.logout()

	e.login("ana", anaPW)
	e.open(fmt.Sprintf("#/projects/%d/agreement", p.ID), `document.querySelector('.agreement-page .alert')`)
	if eval[bool](e, `!!document.getElementById('agr-table')`) {
		t.Error("an annotator sees the agreement matrix")
	}
}
