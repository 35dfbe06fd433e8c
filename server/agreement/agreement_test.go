package agreement

import (
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"testing"
)

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.IsNaN(got) || math.Abs(got-want) > tol {
		t.Errorf("%s = %.6f, want %.6f (±%g)", what, got, want, tol)
	}
}

func nearP(t *testing.T, what string, got *float64, want, tol float64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s = null, want %.6f", what, want)
		return
	}
	near(t, what, *got, want, tol)
}

func isNull(t *testing.T, what string, got *float64) {
	t.Helper()
	if got != nil {
		t.Errorf("%s = %v, want null", what, *got)
	}
}

func all(ids ...int64) map[int64]bool {
	m := map[int64]bool{}
	for _, id := range ids {
		m[id] = true
	}
	return m
}

func sp(article int64, label string, s, e int) Span { return Span{article, label, s, e} }

const eps = 1e-9

// Perfect agreement. One article of 10 code points; both coders mark X at
// [2,5) and [6,9).
//
//	exact:   2·2/(2+2) = 1
//	partial: P = (3/3 + 3/3)/2 = 1, R = 1, F1 = 1
//	kappa:   n = 10, in_a = in_b = both = 6: p_o = 1, p_e = .6·.6 + .4·.4 = .52, κ = (1−.52)/(1−.52) = 1
//	alpha:   o_11 = 6 points · 2·1/1 = 12, o_00 = 4 · 2 = 8, o_01 = 0: α = 1 − 19·0/… = 1
//	alpha_u: every δ² is 0, so D_o = 0 and α_U = 1
func TestPerfectAgreement(t *testing.T) {
	spans := []Span{sp(1, "X", 2, 5), sp(1, "X", 6, 9)}
	r := Compute(Input{Lengths: map[int64]int{1: 10}, Coders: []Coder{
		{Name: "a", Spans: spans, Articles: all(1)}, {Name: "b", Spans: spans, Articles: all(1)}}})
	x := r.ByLabel["X"]
	p := x.Pairs[0]
	if p.A != "a" || p.B != "b" || p.Articles != 1 || p.NUnits != 10 || p.SpansA != 2 || p.SpansB != 2 || p.Matches != 2 {
		t.Fatalf("pair %+v", p)
	}
	near(t, "exact", p.ExactF1, 1, eps)
	near(t, "partial", p.PartialF1, 1, eps)
	nearP(t, "kappa", p.Kappa, 1, eps)
	nearP(t, "alpha", x.Alpha, 1, eps)
	nearP(t, "alpha_u", x.AlphaU, 1, eps)
	nearP(t, "pair alpha_u", p.AlphaU, 1, eps)
	near(t, "micro exact", r.Micro[0].ExactF1, 1, eps)
}

// Disjoint spans. Length 10; a marks [0,2), b marks [5,7).
//
//	exact 0, partial 0 (no shared code point)
//	kappa:   in_a = in_b = 2, both = 0: p_o = 6/10, p_e = .2·.2 + .8·.8 = .68, κ = (.6−.68)/.32 = −.25
//	alpha:   4 points (1,0): o_01 = o_10 = 4; 6 points (0,0): o_00 = 12; n_0 = 16, n_1 = 4, n = 20
//	         α = 1 − (n−1)·(o_01+o_10)/(2·n_0·n_1) = 1 − 19·8/128 = −0.1875
//	alpha_u: a = unit[0,2) gap[2,10); b = gap[0,5) unit[5,7) gap[7,10)
//	         δ²: unit[0,2) in gap[0,5) = 4; unit[5,7) in gap[2,10) = 4; Σ = 8
//	         D_o = 2·8/(2·1·10²) = .08
//	         units 2, 2 (N = 2); gaps 8, 5, 3
//	         per unit: (N−1)/3·(2·8 − 3·4 + 2) = 2, + 2²·((8−1)+(5−1)+(3−1)) = 52 → 54; Σ = 108
//	         D_e = (2/10)·108 / (20·19 − (2+2)) = 21.6/376
//	         α_U = 1 − .08·376/21.6 = 1 − 30.08/21.6 = −0.392593
func TestDisjointSpans(t *testing.T) {
	r := Compute(Input{Lengths: map[int64]int{1: 10}, Coders: []Coder{
		{Name: "a", Spans: []Span{sp(1, "X", 0, 2)}, Articles: all(1)},
		{Name: "b", Spans: []Span{sp(1, "X", 5, 7)}, Articles: all(1)}}})
	x := r.ByLabel["X"]
	p := x.Pairs[0]
	near(t, "exact", p.ExactF1, 0, eps)
	near(t, "partial", p.PartialF1, 0, eps)
	nearP(t, "kappa", p.Kappa, -0.25, eps)
	nearP(t, "alpha", x.Alpha, -0.1875, eps)
	nearP(t, "alpha_u", x.AlphaU, 1-30.08/21.6, 1e-9)
}

// One annotator empty. Length 10; a marks X at [0,4), b nothing. Label Y:
// nobody marks anything.
//
//	X exact: 2·0/(1+0) = 0; partial 0 (one side empty)
//	X kappa: in_a = 4, in_b = 0: p_o = 6/10, p_e = .4·0 + .6·1 = .6, κ = 0
//	X alpha: o_01 = o_10 = 4, o_00 = 6·2 = 12: n_0 = 16, n_1 = 4: α = 1 − 19·8/128 = −0.1875
//	X alpha_u: a = unit[0,4) gap[4,10); b = gap[0,10): δ² = 4² = 16, D_o = 2·16/200 = .16
//	         units: 4 (N = 1), gaps 6, 10: 4²·((6−3)+(10−3)) = 160, (N−1) term 0
//	         D_e = (2/10)·160/(20·19 − 4·3) = 32/368; α_U = 1 − .16·368/32 = −0.84
//	Y: both empty: exact 1, partial 1; kappa, alpha and alpha_u undefined (null)
func TestOneAnnotatorEmpty(t *testing.T) {
	r := Compute(Input{Lengths: map[int64]int{1: 10}, Labels: []string{"X", "Y"}, Coders: []Coder{
		{Name: "a", Spans: []Span{sp(1, "X", 0, 4)}, Articles: all(1)},
		{Name: "b", Articles: all(1)}}})
	x := r.ByLabel["X"]
	p := x.Pairs[0]
	near(t, "exact", p.ExactF1, 0, eps)
	near(t, "partial", p.PartialF1, 0, eps)
	nearP(t, "kappa", p.Kappa, 0, eps)
	nearP(t, "alpha", x.Alpha, -0.1875, eps)
	nearP(t, "alpha_u", x.AlphaU, -0.84, 1e-9)
	y := r.ByLabel["Y"]
	near(t, "Y exact", y.Pairs[0].ExactF1, 1, eps)
	near(t, "Y partial", y.Pairs[0].PartialF1, 1, eps)
	isNull(t, "Y kappa", y.Pairs[0].Kappa)
	isNull(t, "Y alpha", y.Alpha)
	isNull(t, "Y alpha_u", y.AlphaU)
	// micro over X and Y: the same counts as X alone
	near(t, "micro exact", r.Micro[0].ExactF1, 0, eps)
	if r.Micro[0].Kappa != nil {
		t.Error("micro has no kappa")
	}
}

// Nested spans. Length 20; a marks X at [0,10) and [2,5) (nested: merged
// to [0,10) for every measure but exact); b marks [2,5).
//
//	exact:   a has 2 spans, b 1, 1 match: 2·1/3 = 0.666667
//	partial: S = {[0,10)}, T = {[2,5)}: P = 3/10, R = 3/3 = 1, F1 = 2·.3/1.3 = 0.461538
//	kappa:   n = 20, in_a = 10, in_b = 3, both = 3: p_o = (20−10−3+2·3)/20 = .65
//	         p_e = .5·.15 + .5·.85 = .5, κ = .15/.5 = 0.3
//	alpha:   7 points (1,0): o_01 = 7; 3 points (1,1): o_11 = 6; 10 points (0,0): o_00 = 20
//	         n_0 = 27, n_1 = 13, n = 40: α = 1 − 39·14/(2·27·13) = 1 − 546/702 = 0.222222
//	alpha_u: a = unit[0,10) gap[10,20); b = gap[0,2) unit[2,5) gap[5,20)
//	         δ²(unit[0,10), unit[2,5)) = (0−2)² + (10−5)² = 29; the rest 0 (no gap holds a whole unit)
//	         D_o = 2·29/(2·400) = .0725
//	         units 10, 3 (N = 2); gaps 10, 2, 15
//	         unit 10: (1/3)(2000 − 300 + 10) = 570, + 100·((10−9)+(15−9)) = 700 → 1270
//	         unit 3:  (1/3)(54 − 27 + 3) = 10,    + 9·((10−2)+(15−2)) = 189 → 199
//	         D_e = (2/20)·1469/(40·39 − (90+6)) = 146.9/1464
//	         α_U = 1 − .0725·1464/146.9 = 0.277468
func TestNestedSpans(t *testing.T) {
	r := Compute(Input{Lengths: map[int64]int{1: 20}, Coders: []Coder{
		{Name: "a", Spans: []Span{sp(1, "X", 0, 10), sp(1, "X", 2, 5)}, Articles: all(1)},
		{Name: "b", Spans: []Span{sp(1, "X", 2, 5)}, Articles: all(1)}}})
	x := r.ByLabel["X"]
	p := x.Pairs[0]
	if p.SpansA != 2 || p.SpansB != 1 || p.Matches != 1 {
		t.Fatalf("pair %+v", p)
	}
	near(t, "exact", p.ExactF1, 2.0/3, eps)
	near(t, "partial", p.PartialF1, 0.6/1.3, eps)
	nearP(t, "kappa", p.Kappa, 0.3, eps)
	nearP(t, "alpha", x.Alpha, 1-546.0/702, eps)
	nearP(t, "alpha_u", x.AlphaU, 1-0.0725*1464/146.9, 1e-9)
}

// Three annotators with a missing article. Articles 1 and 2 (10 code
// points each); a and b count both, c counts only article 1 (its span in
// article 2 is ignored).
//
//	a: [0,5) in 1 and 2; b: [0,5) in 1, [5,10) in 2; c: [0,5) in 1 (and 2, ignored)
//	(a,b): 2 articles, 20 points; exact 2·1/4 = .5; partial P = (1 + 0)/2, R = 1/2, F1 = .5
//	       kappa: in_a = in_b = 10, both = 5: p_o = (20−20+10)/20 = .5, p_e = .5 → κ = 0
//	(a,c), (b,c): article 1 only: identical: exact 1, partial 1, κ = (1−.5)/(1−.5) = 1
//	alpha: article 1, m = 3: 5 points all 1: o_11 += 5·3·2/2 = 15; 5 points all 0: o_00 += 15
//	       article 2, m = 2 (a, b): 10 points (1,0) or (0,1): o_01 = o_10 = 10
//	       n_0 = n_1 = 25, n = 50: α = 1 − 49·20/(2·25·25) = 0.216
//	alpha_u (a,b,c) covers article 1 only, where all agree: 1
//	alpha_u (a,b) over both articles: article 2 has unit[0,5) in b's gap[0,5) and b's
//	       unit[5,10) in a's gap[5,10): Σδ² = 50, D_o = 2·50/(2·20²) = .125
//	       units: four of 5 (N = 4); gaps: four of 5
//	       per unit: (3/3)(250 − 75 + 5) = 180, + 25·4·(5−5+1) = 100 → 280; Σ = 1120
//	       D_e = (2/20)·1120/(40·39 − 4·20) = 112/1480; α_U = 1 − .125·1480/112 = −0.651786
func TestThreeAnnotatorsMissingArticle(t *testing.T) {
	r := Compute(Input{Lengths: map[int64]int{1: 10, 2: 10}, Coders: []Coder{
		{Name: "a", Spans: []Span{sp(1, "X", 0, 5), sp(2, "X", 0, 5)}, Articles: all(1, 2)},
		{Name: "b", Spans: []Span{sp(1, "X", 0, 5), sp(2, "X", 5, 10)}, Articles: all(1, 2)},
		{Name: "c", Spans: []Span{sp(1, "X", 0, 5), sp(2, "X", 0, 5)}, Articles: all(1)}}})
	if r.Articles != 2 {
		t.Errorf("articles = %d, want 2", r.Articles)
	}
	x := r.ByLabel["X"]
	if len(x.Pairs) != 3 {
		t.Fatalf("%d pairs", len(x.Pairs))
	}
	ab, ac, bc := x.Pairs[0], x.Pairs[1], x.Pairs[2]
	if ab.A != "a" || ab.B != "b" || ac.B != "c" || bc.A != "b" {
		t.Fatalf("pair order %v %v %v", ab, ac, bc)
	}
	if ab.Articles != 2 || ab.NUnits != 20 || ac.Articles != 1 || ac.SpansB != 1 {
		t.Errorf("pair sizes %+v %+v", ab, ac)
	}
	near(t, "ab exact", ab.ExactF1, .5, eps)
	near(t, "ab partial", ab.PartialF1, .5, eps)
	nearP(t, "ab kappa", ab.Kappa, 0, eps)
	for _, p := range []Pair{ac, bc} {
		near(t, p.A+p.B+" exact", p.ExactF1, 1, eps)
		near(t, p.A+p.B+" partial", p.PartialF1, 1, eps)
		nearP(t, p.A+p.B+" kappa", p.Kappa, 1, eps)
	}
	nearP(t, "alpha", x.Alpha, 0.216, eps)
	if x.PairableUnits != 20 {
		t.Errorf("pairable = %d", x.PairableUnits)
	}
	nearP(t, "alpha_u", x.AlphaU, 1, eps)
	if x.AlphaUArticles != 1 {
		t.Errorf("alpha_u articles = %d", x.AlphaUArticles)
	}
	nearP(t, "ab alpha_u", ab.AlphaU, 1-0.125*1480/112, 1e-9)

	rows := ByArticle(Input{Lengths: map[int64]int{1: 10, 2: 10}, Coders: []Coder{
		{Name: "a", Spans: []Span{sp(1, "X", 0, 5), sp(2, "X", 0, 5)}, Articles: all(1, 2)},
		{Name: "b", Spans: []Span{sp(1, "X", 0, 5), sp(2, "X", 5, 10)}, Articles: all(1, 2)},
		{Name: "c", Spans: []Span{sp(1, "X", 0, 5)}, Articles: all(1)}}})
	// worst first: (a,b) on article 2 share nothing; then the agreeing rows
	if len(rows) != 4 || rows[0].Article != 2 || rows[0].A != "a" || rows[0].B != "b" || rows[0].Disagreement != 1 || rows[0].Differ != 10 {
		t.Fatalf("rows %+v", rows)
	}
	for _, r := range rows[1:] {
		if r.Disagreement != 0 || r.Article != 1 {
			t.Errorf("row %+v", r)
		}
	}
}

// Published: Krippendorff (2011), "Computing Krippendorff's
// Alpha-Reliability", §C: 4 observers × 12 units of nominal data with
// missing values (the table below, a unit per row); α_nominal = 0.743.
func TestAlphaNominalKrippendorff2011(t *testing.T) {
	units := [][]string{
		{"1", "1", "", "1"}, {"2", "2", "3", "2"}, {"3", "3", "3", "3"}, {"3", "3", "3", "3"},
		{"2", "2", "2", "2"}, {"1", "2", "3", "4"}, {"4", "4", "4", "4"}, {"1", "1", "2", "1"},
		{"2", "2", "2", "2"}, {"", "5", "5", "5"}, {"", "", "1", "1"}, {"", "3", "", ""},
	}
	nearP(t, "alpha", AlphaNominal(units), 0.743, 0.0005)
	isNull(t, "one value only", AlphaNominal([][]string{{"1", "1"}, {"1", "1"}}))
}

// Published: Krippendorff (1995), "On the reliability of unitizing
// continuous data", Sociological Methodology 25, p. 57, example A
// digitized into 24 equal parts (Bertha marks 2–10 and 14–20, Bill 4–8
// and 15–17): Cohen's κ = .385 and α = .329, the values the paper gives
// for the digitized data (also pinned by DKPro Statistics'
// Krippendorff1995Test). The same spans through slant's code-point
// machinery must give them.
func TestKappaAlphaKrippendorff1995Digitized(t *testing.T) {
	r := Compute(Input{Lengths: map[int64]int{1: 24}, Coders: []Coder{
		{Name: "Bertha", Spans: []Span{sp(1, "A", 2, 10), sp(1, "A", 14, 20)}, Articles: all(1)},
		{Name: "Bill", Spans: []Span{sp(1, "A", 4, 8), sp(1, "A", 15, 17)}, Articles: all(1)}}})
	nearP(t, "kappa", r.ByLabel["A"].Pairs[0].Kappa, 0.385, 0.0005)
	nearP(t, "alpha", r.ByLabel["A"].Alpha, 0.329, 0.0005)
}

// Published: Krippendorff (2004), Content Analysis, 2nd ed., p. 254 (the
// unitizing example): a continuum from 150 to 450, two observers;
// category c: i marks 225–295 and 370–400, j marks 220–300, 355–375 and
// 400–420; category k: both mark 180–240 and 300–350. The book gives
// D_o = .0144, D_e = .0532 and α_c = .7286 for c, and α_k = 1 (D_o = 0,
// D_e = .0490). Offsets shifted by −150 (the continuum starts at 0 here).
func TestAlphaUKrippendorff2004(t *testing.T) {
	in := Input{Lengths: map[int64]int{1: 300}, Coders: []Coder{
		{Name: "i", Articles: all(1), Spans: []Span{sp(1, "c", 75, 145), sp(1, "c", 220, 250), sp(1, "k", 30, 90), sp(1, "k", 150, 200)}},
		{Name: "j", Articles: all(1), Spans: []Span{sp(1, "c", 70, 150), sp(1, "c", 205, 225), sp(1, "c", 250, 270), sp(1, "k", 30, 90), sp(1, "k", 150, 200)}}}}
	r := Compute(in)
	nearP(t, "alpha_u c", r.ByLabel["c"].AlphaU, 0.7286, 0.0001)
	nearP(t, "alpha_u k", r.ByLabel["k"].AlphaU, 1, eps)
	p := prepare(in)
	do, de, ok := p.alphaUParts(0, []int{0, 1})
	if !ok || math.Abs(do-0.0144) > 0.0001 || math.Abs(de-0.0532) > 0.0001 {
		t.Errorf("c: D_o = %.5f, D_e = %.5f, want .0144, .0532", do, de)
	}
	do, de, _ = p.alphaUParts(1, []int{0, 1})
	if do != 0 || math.Abs(de-0.0490) > 0.0001 {
		t.Errorf("k: D_o = %.5f, D_e = %.5f, want 0, .0490", do, de)
	}
}

// Published: Krippendorff (1995), p. 57, examples A–D on a continuum of 24
// (the paper treats it as continuous, so it is stretched here by 50,000
// to approach that limit): α_U = .553, −.926, .679 and .066. At the
// original resolution D_o = .03125, 2.26736, .02777 and .38715 (DKPro
// Statistics reproduces the same numbers). Touching units (John and
// Jill's, Heather and Hill's) stay separate units.
func TestAlphaUKrippendorff1995(t *testing.T) {
	type u struct{ coder, s, l int }
	examples := map[string][]u{
		"A": {{0, 2, 8}, {0, 14, 6}, {1, 4, 4}, {1, 15, 2}},
		"B": {{0, 0, 18}, {1, 0, 2}, {1, 2, 1}, {1, 3, 1}, {1, 4, 1}, {1, 5, 1}, {1, 6, 3}, {1, 9, 1}},
		"C": {{0, 2, 6}, {0, 10, 2}, {0, 14, 4}, {0, 20, 2}, {1, 0, 2}, {1, 4, 4}, {1, 10, 4}, {1, 16, 2}, {1, 20, 2}},
		"D": {{0, 0, 2}, {0, 2, 8}, {0, 10, 4}, {0, 14, 6}, {0, 20, 4}, {1, 0, 4}, {1, 4, 4}, {1, 8, 7}, {1, 15, 2}, {1, 17, 7}},
	}
	build := func(stretch int) Input {
		in := Input{Lengths: map[int64]int{1: 24 * stretch}, Coders: []Coder{{Name: "i", Articles: all(1)}, {Name: "j", Articles: all(1)}}}
		for label, us := range examples {
			for _, x := range us {
				in.Coders[x.coder].Spans = append(in.Coders[x.coder].Spans, sp(1, label, x.s*stretch, (x.s+x.l)*stretch))
			}
		}
		return in
	}
	p := prepare(build(1))
	for li, want := range map[string]float64{"A": 0.03125, "B": 2.26736, "C": 0.02777, "D": 0.38715} {
		do, _, _ := p.alphaUParts(sort.SearchStrings(p.labels, li), []int{0, 1})
		near(t, li+" D_o", do, want, 0.00001)
	}
	r := Compute(build(50000))
	for l, want := range map[string]float64{"A": .553, "B": -.926, "C": .679, "D": .066} {
		nearP(t, l+" alpha_u", r.ByLabel[l].AlphaU, want, 0.02)
	}
}

func TestCodePointsNotBytes(t *testing.T) {
	// offsets beyond an article's length are clipped; spans of articles a
	// coder does not count, or of unknown articles, are ignored
	r := Compute(Input{Lengths: map[int64]int{1: 5}, Coders: []Coder{
		{Name: "a", Spans: []Span{sp(1, "X", 0, 9), sp(7, "X", 0, 3)}, Articles: all(1, 7)},
		{Name: "b", Spans: []Span{sp(1, "X", 0, 5)}, Articles: all(1)}}})
	p := r.ByLabel["X"].Pairs[0]
	if p.SpansA != 1 || p.NUnits != 5 {
		t.Errorf("%+v", p)
	}
	near(t, "partial", p.PartialF1, 1, eps)
}

// ---- the naive reference: code point by code point ----

// mergeNaive merges overlapping (not touching) spans, the rule the
// package documents.
func mergeNaive(xs [][2]int) [][2]int {
	sort.Slice(xs, func(i, j int) bool { return xs[i][0] < xs[j][0] || (xs[i][0] == xs[j][0] && xs[i][1] < xs[j][1]) })
	var out [][2]int
	for _, x := range xs {
		if n := len(out); n > 0 && x[0] < out[n-1][1] {
			out[n-1][1] = max(out[n-1][1], x[1])
			continue
		}
		out = append(out, x)
	}
	return out
}

func spansOf(c Coder, label string, article int64, n int) [][2]int {
	set := map[[2]int]bool{}
	var out [][2]int
	for _, s := range c.Spans {
		if s.Label == label && s.Article == article && c.Articles[article] {
			x := [2]int{max(s.Start, 0), min(s.End, n)}
			if x[0] < x[1] && !set[x] {
				set[x] = true
				out = append(out, x)
			}
		}
	}
	return out
}

func inside(xs [][2]int, n int) []bool {
	b := make([]bool, n)
	for _, x := range xs {
		for i := x[0]; i < x[1]; i++ {
			b[i] = true
		}
	}
	return b
}

// naivePair computes a pair's measures on one label by visiting every
// code point and every pair of spans.
func naivePair(in Input, label string, a, b int) (exact, partial float64, kappa *float64, sa, sb int, pN, rN float64, mS, mT, matches int) {
	var n, n11, n10, n01 int64
	ids := sortedIDs(in)
	for _, id := range ids {
		L := in.Lengths[id]
		if !in.Coders[a].Articles[id] || !in.Coders[b].Articles[id] {
			continue
		}
		ra, rb := spansOf(in.Coders[a], label, id, L), spansOf(in.Coders[b], label, id, L)
		sa += len(ra)
		sb += len(rb)
		for _, x := range ra {
			for _, y := range rb {
				if x == y {
					matches++
				}
			}
		}
		ma, mb := mergeNaive(ra), mergeNaive(rb)
		mS += len(ma)
		mT += len(mb)
		for _, s := range ma {
			for _, t := range mb {
				ov := 0
				for i := s[0]; i < s[1]; i++ {
					if i >= t[0] && i < t[1] {
						ov++
					}
				}
				pN += float64(ov) / float64(s[1]-s[0])
				rN += float64(ov) / float64(t[1]-t[0])
			}
		}
		ia, ib := inside(ma, L), inside(mb, L)
		for i := 0; i < L; i++ {
			n++
			switch {
			case ia[i] && ib[i]:
				n11++
			case ia[i]:
				n10++
			case ib[i]:
				n01++
			}
		}
	}
	exact = 1
	if sa+sb > 0 {
		exact = 2 * float64(matches) / float64(sa+sb)
	}
	partial = partialF1(pN, rN, mS, mT)
	if n > 0 {
		n00 := n - n11 - n10 - n01
		po := float64(n11+n00) / float64(n)
		pa, pb := float64(n11+n10)/float64(n), float64(n11+n01)/float64(n)
		pe := pa*pb + (1-pa)*(1-pb)
		if pe < 1-1e-12 {
			k := (po - pe) / (1 - pe)
			kappa = &k
		}
	}
	return
}

func sortedIDs(in Input) []int64 {
	var ids []int64
	for id := range in.Lengths {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// naiveAlpha builds the reliability data code point by code point and
// runs the general AlphaNominal on it.
func naiveAlpha(in Input, label string) *float64 {
	var units [][]string
	for _, id := range sortedIDs(in) {
		L := in.Lengths[id]
		cols := make([][]bool, len(in.Coders))
		for c, co := range in.Coders {
			if co.Articles[id] {
				cols[c] = inside(spansOf(co, label, id, L), L)
			}
		}
		for i := 0; i < L; i++ {
			u := make([]string, len(in.Coders))
			for c := range in.Coders {
				switch {
				case cols[c] == nil:
				case cols[c][i]:
					u[c] = "1"
				default:
					u[c] = "0"
				}
			}
			units = append(units, u)
		}
	}
	return AlphaNominal(units)
}

// naiveAlphaU: every pair of segments, every unit against every gap.
func naiveAlphaU(in Input, label string, coders []int) *float64 {
	m := len(coders)
	var L int
	var sumD int64
	var units, gaps []int
	for _, id := range sortedIDs(in) {
		ok := true
		for _, c := range coders {
			ok = ok && in.Coders[c].Articles[id]
		}
		if !ok {
			continue
		}
		n := in.Lengths[id]
		L += n
		segs := make([][]iv, m)
		for x, c := range coders {
			var us []iv
			for _, s := range mergeNaive(spansOf(in.Coders[c], label, id, n)) {
				us = append(us, iv{0, s[0], s[1]})
			}
			segs[x] = segments(us, n, nil)
			for _, s := range segs[x] {
				if s.coder == 1 {
					units = append(units, s.e-s.s)
				} else {
					gaps = append(gaps, s.e-s.s)
				}
			}
		}
		for x := range coders {
			for y := range coders {
				if x == y {
					continue
				}
				for _, g := range segs[x] {
					for _, h := range segs[y] {
						if min(g.e, h.e) > max(g.s, h.s) {
							sumD += delta2(g, h)
						}
					}
				}
			}
		}
	}
	if L == 0 || len(units) == 0 {
		return nil
	}
	fm, fL := float64(m), float64(L)
	do := float64(sumD) / (fm * (fm - 1) * fL * fL)
	N := float64(len(units))
	var num, ll1 float64
	for _, u := range units {
		l := float64(u)
		ll1 += l * (l - 1)
		var g float64
		for _, h := range gaps {
			if h >= u {
				g += float64(h - u + 1)
			}
		}
		num += (N-1)/3*(2*l*l*l-3*l*l+l) + l*l*g
	}
	de := 2 / fL * num / (fm*fL*(fm*fL-1) - ll1)
	if de <= 0 {
		return nil
	}
	a := 1 - do/de
	return &a
}

func sameP(t *testing.T, what string, got, want *float64) {
	t.Helper()
	if (got == nil) != (want == nil) {
		t.Errorf("%s: got %v, want %v", what, got, want)
		return
	}
	if got != nil && math.Abs(*got-*want) > 1e-9 {
		t.Errorf("%s: got %.12f, want %.12f", what, *got, *want)
	}
}

// The fast sweeps and the naive per-code-point reference agree on random
// inputs: several coders, labels, articles, overlapping, nested, touching
// and duplicate spans, and articles some coders do not count.
func TestFastMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 2026))
	labels := []string{"L0", "L1", "L2"}
	for round := 0; round < 300; round++ {
		in := Input{Lengths: map[int64]int{}, Labels: labels}
		nArt := 1 + rng.IntN(4)
		for a := 1; a <= nArt; a++ {
			in.Lengths[int64(a)] = 1 + rng.IntN(40)
		}
		nCoders := 2 + rng.IntN(3)
		for c := 0; c < nCoders; c++ {
			co := Coder{Name: "c" + strconv.Itoa(c), Articles: map[int64]bool{}}
			for a := 1; a <= nArt; a++ {
				if rng.IntN(5) > 0 {
					co.Articles[int64(a)] = true
				}
				n := in.Lengths[int64(a)]
				for k := rng.IntN(6); k > 0; k-- {
					s := rng.IntN(n)
					e := s + 1 + rng.IntN(min(n-s, 12))
					co.Spans = append(co.Spans, sp(int64(a), labels[rng.IntN(len(labels))], s, e))
					if rng.IntN(6) == 0 { // a duplicate
						co.Spans = append(co.Spans, co.Spans[len(co.Spans)-1])
					}
				}
			}
			in.Coders = append(in.Coders, co)
		}
		r := Compute(in)
		var everyone []int
		for c := range in.Coders {
			everyone = append(everyone, c)
		}
		pi := 0
		for a := 0; a < nCoders; a++ {
			for b := a + 1; b < nCoders; b++ {
				var mm, ms, mt, pn, rn, ma, mb float64
				for _, l := range labels {
					exact, partial, kappa, sa, sb, pN, rN, mS, mT, matches := naivePair(in, l, a, b)
					got := r.ByLabel[l].Pairs[pi]
					if got.SpansA != sa || got.SpansB != sb || got.Matches != matches {
						t.Fatalf("round %d %s %d-%d: counts %+v, want %d %d %d", round, l, a, b, got, sa, sb, matches)
					}
					near(t, "exact", got.ExactF1, exact, 1e-12)
					near(t, "partial", got.PartialF1, partial, 1e-9)
					sameP(t, "kappa", got.Kappa, kappa)
					sameP(t, "pair alpha_u", got.AlphaU, naiveAlphaU(in, l, []int{a, b}))
					mm += float64(matches)
					ms += float64(sa)
					mt += float64(sb)
					pn += pN
					rn += rN
					ma += float64(mS)
					mb += float64(mT)
				}
				wantExact := 1.0
				if ms+mt > 0 {
					wantExact = 2 * mm / (ms + mt)
				}
				near(t, "micro exact", r.Micro[pi].ExactF1, wantExact, 1e-12)
				near(t, "micro partial", r.Micro[pi].PartialF1, partialF1(pn, rn, int(ma), int(mb)), 1e-9)
				pi++
			}
		}
		for _, l := range labels {
			sameP(t, "alpha "+l, r.ByLabel[l].Alpha, naiveAlpha(in, l))
			sameP(t, "alpha_u "+l, r.ByLabel[l].AlphaU, naiveAlphaU(in, l, everyone))
		}
		if t.Failed() {
			t.Fatalf("round %d: input %+v", round, in)
		}
	}
}

// BenchmarkCompute is the size: 10,000 articles of 5,000 code
// points, 3 annotators with 30 spans each per article.
func BenchmarkCompute(b *testing.B) {
	in := benchInput(10_000, 5_000, 3, 30, []string{"a", "b", "c", "d", "e"})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Compute(in)
	}
}

func benchInput(articles, length, coders, spans int, labels []string) Input {
	rng := rand.New(rand.NewPCG(1, 2))
	in := Input{Lengths: map[int64]int{}, Labels: labels}
	for a := 1; a <= articles; a++ {
		in.Lengths[int64(a)] = length
	}
	for c := 0; c < coders; c++ {
		co := Coder{Name: "c" + strconv.Itoa(c), Articles: map[int64]bool{}}
		for a := 1; a <= articles; a++ {
			co.Articles[int64(a)] = true
			for k := 0; k < spans; k++ {
				s := rng.IntN(length - 200)
				co.Spans = append(co.Spans, sp(int64(a), labels[rng.IntN(len(labels))], s, s+20+rng.IntN(180)))
			}
		}
		in.Coders = append(in.Coders, co)
	}
	return in
}
