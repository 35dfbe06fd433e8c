package agreement

import (
	"math"
	"testing"
)

func nearPtr(t *testing.T, what string, got *float64, want float64) {
	t.Helper()
	if got == nil || math.Abs(*got-want) > 1e-9 {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}

// Cohen's kappa on nominal values, by hand: 10 articles, genres of two
// coders. Agreements on 7 (p_o = 0.7). a: news 5, opinion 3, analysis 2;
// b: news 5, opinion 4, analysis 1. p_e = .5·.5 + .3·.4 + .2·.1 = .39,
// κ = (.7 − .39)/(1 − .39) = .31/.61 ≈ 0.5082.
func TestNominalKappaByHand(t *testing.T) {
	a := []string{"news", "news", "news", "news", "news", "opinion", "opinion", "opinion", "analysis", "analysis"}
	b := []string{"news", "news", "news", "news", "opinion", "opinion", "opinion", "news", "analysis", "opinion"}
	po, k := NominalKappa(a, b)
	if math.Abs(po-0.7) > 1e-12 {
		t.Fatalf("p_o = %v", po)
	}
	nearPtr(t, "kappa", k, 0.31/0.61)
	// one value throughout for both: p_e = 1, undefined
	if _, k := NominalKappa([]string{"news", "news"}, []string{"news", "news"}); k != nil {
		t.Fatalf("kappa with p_e = 1: %v", *k)
	}
	if _, k := NominalKappa(nil, nil); k != nil {
		t.Fatal("kappa of nothing")
	}
}

// Three coders, one of whom skipped an article: pairs count only the
// articles both labelled; alpha treats the skipped one as missing and
// equals AlphaNominal over the same table.
func TestDocAgreementPairsAndAlpha(t *testing.T) {
	vals := map[string]map[int64]string{
		"ana": {1: "news", 2: "opinion", 3: "news"},
		"ben": {1: "news", 2: "opinion", 3: "analysis"},
		"cy":  {1: "news", 3: "news"},
	}
	res := DocAgreement([]string{"ana", "ben", "cy"}, vals)
	if len(res.Pairs) != 3 {
		t.Fatalf("pairs %+v", res.Pairs)
	}
	ab, ac, bc := res.Pairs[0], res.Pairs[1], res.Pairs[2]
	if ab.Articles != 3 || math.Abs(ab.Observed-2.0/3) > 1e-12 || ac.Articles != 2 || ac.Observed != 1 || bc.Articles != 2 || bc.Observed != 0.5 {
		t.Fatalf("pairs %+v %+v %+v", ab, ac, bc)
	}
	// ana vs cy: both "news" on both articles: p_e = 1, kappa undefined
	if ac.Kappa != nil {
		t.Fatalf("ana-cy kappa %v", *ac.Kappa)
	}
	want := AlphaNominal([][]string{{"news", "news", "news"}, {"opinion", "opinion", ""}, {"news", "analysis", "news"}})
	if res.Alpha == nil || want == nil || *res.Alpha != *want {
		t.Fatalf("alpha %v want %v", res.Alpha, want)
	}
}
