// Package agreement computes inter-annotator agreement over spans: exact
// and partial F1, Cohen's kappa, Krippendorff's alpha (nominal) and
// Krippendorff's unitizing alpha. It is a pure core: values in, values
// out, no database and no HTTP.
//
// Offsets are 0-based, end-exclusive Unicode code points, as everywhere in
// slant. Every measure that works "over code points" is computed from run
// lengths between span boundaries, never by visiting code points one by
// one: within a run every code point has the same values, so a run of
// length n adds n times one code point's contribution.
package agreement

import (
	"cmp"
	"slices"
	"sort"
)

// Span is one annotator's span.
type Span struct {
	Article    int64
	Label      string
	Start, End int // code points, end-exclusive
}

// Coder is one annotator: their spans and the articles that count for
// them (the ones they finished, or annotated, as the caller's scope says).
// Spans in articles outside Articles are ignored.
type Coder struct {
	Name     string
	Spans    []Span
	Articles map[int64]bool
}

// Input is everything a computation needs.
type Input struct {
	Lengths map[int64]int // article -> length in code points; articles not here are ignored
	Coders  []Coder
	Labels  []string // labels to report, in order; spans of other labels are ignored. nil: every label seen
}

// Pair is the agreement of two coders on one label (or, in Micro, on all
// labels together).
type Pair struct {
	A, B      string
	Articles  int   // articles both coders count
	NUnits    int64 // code points of those articles
	SpansA    int
	SpansB    int
	Matches   int // spans equal in article, label, start and end
	ExactF1   float64
	PartialF1 float64
	Kappa     *float64 // nil when undefined (expected agreement 1)
	AlphaU    *float64 // the pair's unitizing alpha over its articles; nil when undefined
}

// LabelResult is one label's agreement.
type LabelResult struct {
	Pairs  []Pair
	Alpha  *float64 // Krippendorff's alpha, nominal, all coders, missing values allowed
	AlphaU *float64 // Krippendorff's unitizing alpha over the articles every coder counts
	// AlphaUArticles is how many articles alpha_u covers (those every coder counts).
	AlphaUArticles int
	// PairableUnits is how many code points have values from two coders or more (alpha's units).
	PairableUnits int64
}

// Result is the agreement of every pair of coders on every label.
type Result struct {
	Annotators []string
	Articles   int // articles at least two coders count
	Labels     []string
	ByLabel    map[string]*LabelResult
	Micro      []Pair // exact and partial F1 over all labels together
}

// iv is an interval of one coder, [s, e).
type iv struct {
	coder int
	s, e  int
}

// group is what the coders did with one label in one article: their raw
// spans (deduplicated) and their merged spans, each sorted by (coder,
// start, end).
type group struct {
	article int64
	raw     []iv
	merged  []iv
}

// prepared is the input indexed for the sweeps.
type prepared struct {
	in       Input
	labels   []string
	groups   [][]group // per label, sorted by article
	articles []int64   // every article of Lengths, ascending (sums run in a fixed order)

	units, gaps []int64 // alphaU's buffers, reused between calls
}

func prepare(in Input) *prepared {
	p := &prepared{in: in}
	for id := range in.Lengths {
		p.articles = append(p.articles, id)
	}
	slices.Sort(p.articles)
	seen := map[string]int{}
	if in.Labels != nil {
		for _, l := range in.Labels {
			if _, ok := seen[l]; !ok {
				seen[l] = len(p.labels)
				p.labels = append(p.labels, l)
			}
		}
	} else {
		var ls []string
		set := map[string]bool{}
		for _, c := range in.Coders {
			for _, s := range c.Spans {
				if !set[s.Label] {
					set[s.Label] = true
					ls = append(ls, s.Label)
				}
			}
		}
		sort.Strings(ls)
		for _, l := range ls {
			seen[l] = len(p.labels)
			p.labels = append(p.labels, l)
		}
	}
	type flat struct {
		label   int
		article int64
		iv
	}
	total := 0
	for _, c := range in.Coders {
		total += len(c.Spans)
	}
	all := make([]flat, 0, total)
	for ci, c := range in.Coders {
		for _, s := range c.Spans {
			li, ok := seen[s.Label]
			if !ok || !c.Articles[s.Article] {
				continue
			}
			n, ok := in.Lengths[s.Article]
			if !ok {
				continue
			}
			st, en := max(s.Start, 0), min(s.End, n)
			if st >= en {
				continue
			}
			all = append(all, flat{li, s.Article, iv{ci, st, en}})
		}
	}
	slices.SortFunc(all, func(a, b flat) int {
		return cmp.Or(cmp.Compare(a.label, b.label), cmp.Compare(a.article, b.article),
			cmp.Compare(a.coder, b.coder), cmp.Compare(a.s, b.s), cmp.Compare(a.e, b.e))
	})
	p.groups = make([][]group, len(p.labels))
	// every group's spans live in two shared backing arrays
	rawAll, mergedAll := make([]iv, 0, len(all)), make([]iv, 0, len(all))
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].label == all[i].label && all[j].article == all[i].article {
			j++
		}
		r0, m0 := len(rawAll), len(mergedAll)
		for k := i; k < j; k++ {
			x := all[k].iv
			if n := len(rawAll); n > r0 && rawAll[n-1] == x {
				continue // the same span twice counts once
			}
			rawAll = append(rawAll, x)
			// merge overlapping spans of one coder (touching ones stay apart)
			if n := len(mergedAll); n > m0 && mergedAll[n-1].coder == x.coder && x.s < mergedAll[n-1].e {
				mergedAll[n-1].e = max(mergedAll[n-1].e, x.e)
				continue
			}
			mergedAll = append(mergedAll, x)
		}
		g := group{article: all[i].article, raw: rawAll[r0:len(rawAll):len(rawAll)], merged: mergedAll[m0:len(mergedAll):len(mergedAll)]}
		p.groups[all[i].label] = append(p.groups[all[i].label], g)
		i = j
	}
	return p
}

// of returns the part of a (coder, start)-sorted slice that belongs to coder c.
func of(xs []iv, c int) []iv {
	i := 0
	for i < len(xs) && xs[i].coder < c {
		i++
	}
	j := i
	for j < len(xs) && xs[j].coder == c {
		j++
	}
	return xs[i:j]
}

// cover is the number of code points in sorted, non-overlapping intervals.
func cover(xs []iv) int64 {
	var n int64
	for _, x := range xs {
		n += int64(x.e - x.s)
	}
	return n
}

// both counts an article for coders a and b.
func (p *prepared) both(a, b int, article int64) bool {
	return p.in.Coders[a].Articles[article] && p.in.Coders[b].Articles[article]
}

// Compute computes every measure for every label and pair of coders.
func Compute(in Input) *Result {
	p := prepare(in)
	res := &Result{Labels: p.labels, ByLabel: map[string]*LabelResult{}}
	for _, c := range in.Coders {
		res.Annotators = append(res.Annotators, c.Name)
	}
	for _, id := range p.articles {
		n := 0
		for _, c := range in.Coders {
			if c.Articles[id] {
				n++
			}
		}
		if n >= 2 {
			res.Articles++
		}
	}
	type pairBase struct {
		a, b     int
		articles int
		units    int64
	}
	var pairs []pairBase
	for a := range in.Coders {
		for b := a + 1; b < len(in.Coders); b++ {
			pb := pairBase{a: a, b: b}
			for _, id := range p.articles {
				if p.both(a, b, id) {
					pb.articles++
					pb.units += int64(in.Lengths[id])
				}
			}
			pairs = append(pairs, pb)
		}
	}
	micro := make([]stats, len(pairs))
	for li, label := range p.labels {
		lr := &LabelResult{}
		for pi, pb := range pairs {
			var st stats
			for _, g := range p.groups[li] {
				if p.both(pb.a, pb.b, g.article) {
					st.add(articleStats(g, pb.a, pb.b))
				}
			}
			micro[pi].add(st)
			pr := st.pair(in.Coders[pb.a].Name, in.Coders[pb.b].Name, pb.articles, pb.units)
			pr.AlphaU = p.alphaU(li, []int{pb.a, pb.b})
			lr.Pairs = append(lr.Pairs, pr)
		}
		lr.Alpha, lr.PairableUnits = p.alphaNominal(li)
		all := make([]int, len(in.Coders))
		for i := range all {
			all[i] = i
		}
		lr.AlphaU = p.alphaU(li, all)
		lr.AlphaUArticles = p.completeArticles(all)
		res.ByLabel[label] = lr
	}
	for pi, pb := range pairs {
		pr := micro[pi].pair(in.Coders[pb.a].Name, in.Coders[pb.b].Name, pb.articles, pb.units)
		pr.Kappa = nil // kappa is per label
		res.Micro = append(res.Micro, pr)
	}
	return res
}

// stats are the sums a pair's measures are made of; they add up over
// articles and over labels.
type stats struct {
	spansA, spansB int     // raw spans
	mergedA        int     // merged spans of a (|S| in the partial F1)
	mergedB        int     // merged spans of b (|T|)
	matches        int     // exact matches
	pNum, rNum     float64 // Σ_s Σ_t |s∩t|/|s| and Σ_s Σ_t |s∩t|/|t|
	coverA, coverB int64   // code points inside a's (b's) spans
	both           int64   // code points inside spans of both
}

func (s *stats) add(o stats) {
	s.spansA += o.spansA
	s.spansB += o.spansB
	s.mergedA += o.mergedA
	s.mergedB += o.mergedB
	s.matches += o.matches
	s.pNum += o.pNum
	s.rNum += o.rNum
	s.coverA += o.coverA
	s.coverB += o.coverB
	s.both += o.both
}

// articleStats compares coders a and b on one label in one article.
func articleStats(g group, a, b int) stats {
	ra, rb := of(g.raw, a), of(g.raw, b)
	ma, mb := of(g.merged, a), of(g.merged, b)
	st := stats{spansA: len(ra), spansB: len(rb), mergedA: len(ma), mergedB: len(mb),
		coverA: cover(ma), coverB: cover(mb)}
	// exact matches: both lists are sorted by (start, end) and free of duplicates
	for i, j := 0, 0; i < len(ra) && j < len(rb); {
		switch {
		case ra[i].s == rb[j].s && ra[i].e == rb[j].e:
			st.matches++
			i++
			j++
		case ra[i].s < rb[j].s || (ra[i].s == rb[j].s && ra[i].e < rb[j].e):
			i++
		default:
			j++
		}
	}
	// overlaps of the merged spans: a sweep over both sorted lists visits
	// every overlapping pair (s, t) once
	for i, j := 0, 0; i < len(ma) && j < len(mb); {
		s, t := ma[i], mb[j]
		if ov := min(s.e, t.e) - max(s.s, t.s); ov > 0 {
			st.both += int64(ov)
			st.pNum += float64(ov) / float64(s.e-s.s)
			st.rNum += float64(ov) / float64(t.e-t.s)
		}
		if s.e < t.e {
			i++
		} else {
			j++
		}
	}
	return st
}

// pair turns summed stats into the measures.
func (s stats) pair(a, b string, articles int, units int64) Pair {
	return Pair{A: a, B: b, Articles: articles, NUnits: units, SpansA: s.spansA, SpansB: s.spansB,
		Matches: s.matches, ExactF1: exactF1(s.matches, s.spansA, s.spansB),
		PartialF1: partialF1(s.pNum, s.rNum, s.mergedA, s.mergedB),
		Kappa:     cohenKappa(units, s.coverA, s.coverB, s.both)}
}

// exactF1: two spans match when article, label, start and end are equal;
// F1 = 2·matches / (|A| + |B|), the harmonic mean of precision
// matches/|A| and recall matches/|B| (van Rijsbergen 1979, ch. 7). When
// both coders marked nothing they agree perfectly: 1.
func exactF1(matches, a, b int) float64 {
	if a+b == 0 {
		return 1
	}
	return 2 * float64(matches) / float64(a+b)
}

// partialF1 is the span-identification measure of SemEval-2020 Task 11
// (Da San Martino et al. 2020, "SemEval-2020 Task 11: Detection of
// Propaganda Techniques in News Articles", §3, subtask SI): with S the
// (merged) spans of a and T those of b,
//
//	P = (1/|S|) Σ_{s∈S} Σ_{t∈T} |s∩t| / |s|
//	R = (1/|T|) Σ_{s∈S} Σ_{t∈T} |s∩t| / |t|
//	F1 = 2PR / (P+R), 0 when P+R = 0
//
// where |s∩t| counts shared code points. One coder's overlapping spans
// are merged first, so no code point counts twice. Conventions: both
// empty gives 1 (as exact_f1); one empty gives 0.
func partialF1(pNum, rNum float64, nS, nT int) float64 {
	if nS == 0 && nT == 0 {
		return 1
	}
	if nS == 0 || nT == 0 {
		return 0
	}
	p, r := pNum/float64(nS), rNum/float64(nT)
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// cohenKappa is Cohen's kappa (Cohen 1960, "A coefficient of agreement
// for nominal scales") over n code points, each in (1) or out (0) of a
// coder's spans: with p_o the share of code points on which both agree
// and p_e = p_a·p_b + (1−p_a)(1−p_b) the agreement expected from the
// marginals p_a = inA/n, p_b = inB/n,
//
//	κ = (p_o − p_e) / (1 − p_e)
//
// undefined (nil) when p_e = 1: both marked nothing, or both everything
// (or there are no code points).
func cohenKappa(n, inA, inB, inBoth int64) *float64 {
	if n == 0 || (inA == 0 && inB == 0) || (inA == n && inB == n) {
		return nil
	}
	agree := n - inA - inB + 2*inBoth // both in + both out
	po := float64(agree) / float64(n)
	pa, pb := float64(inA)/float64(n), float64(inB)/float64(n)
	pe := pa*pb + (1-pa)*(1-pb)
	if pe >= 1 {
		return nil
	}
	k := (po - pe) / (1 - pe)
	return &k
}

// completeArticles counts the articles every listed coder counts.
func (p *prepared) completeArticles(coders []int) int {
	n := 0
	for _, id := range p.articles {
		if p.countedByAll(coders, id) {
			n++
		}
	}
	return n
}

func (p *prepared) countedByAll(coders []int, id int64) bool {
	for _, c := range coders {
		if !p.in.Coders[c].Articles[id] {
			return false
		}
	}
	return true
}

// ArticleRow is how much two coders disagree on one article, over all
// the input's labels together.
type ArticleRow struct {
	Article        int64
	A, B           string
	SpansA, SpansB int
	Matches        int
	ExactF1        float64
	PartialF1      float64
	// Differ counts code points inside spans of one coder but not the
	// other, summed over labels.
	Differ int64
	// Disagreement is 1 − PartialF1: 0 when they agree exactly, 1 when
	// their spans share no code point of the same label.
	Disagreement float64
}

// ByArticle compares every pair of coders on every article both count,
// worst first: by Disagreement, then Differ, then article id.
func ByArticle(in Input) []ArticleRow {
	p := prepare(in)
	type key struct {
		a, b    int
		article int64
	}
	sums := map[key]*stats{}
	for li := range p.labels {
		for _, g := range p.groups[li] {
			for a := range in.Coders {
				for b := a + 1; b < len(in.Coders); b++ {
					if !p.both(a, b, g.article) {
						continue
					}
					k := key{a, b, g.article}
					if sums[k] == nil {
						sums[k] = &stats{}
					}
					sums[k].add(articleStats(g, a, b))
				}
			}
		}
	}
	var rows []ArticleRow
	for a := range in.Coders {
		for b := a + 1; b < len(in.Coders); b++ {
			for _, id := range p.articles {
				if !p.both(a, b, id) {
					continue
				}
				var st stats
				if s := sums[key{a, b, id}]; s != nil {
					st = *s
				}
				pf := partialF1(st.pNum, st.rNum, st.mergedA, st.mergedB)
				rows = append(rows, ArticleRow{Article: id, A: in.Coders[a].Name, B: in.Coders[b].Name,
					SpansA: st.spansA, SpansB: st.spansB, Matches: st.matches,
					ExactF1: exactF1(st.matches, st.spansA, st.spansB), PartialF1: pf,
					Differ: st.coverA + st.coverB - 2*st.both, Disagreement: 1 - pf})
			}
		}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		x, y := rows[i], rows[j]
		if x.Disagreement != y.Disagreement {
			return x.Disagreement > y.Disagreement
		}
		if x.Differ != y.Differ {
			return x.Differ > y.Differ
		}
		return x.Article < y.Article
	})
	return rows
}
