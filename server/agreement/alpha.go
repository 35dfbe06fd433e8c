package agreement

import (
	"cmp"
	"slices"
)

// ---- Krippendorff's alpha, nominal ----

// AlphaNominal is Krippendorff's alpha for nominal data (Krippendorff
// 2011, "Computing Krippendorff's Alpha-Reliability", §A and §C): units
// holds, for each unit, the value every coder gave it, "" for a missing
// value. Units with fewer than two values are not pairable and drop out.
// It returns nil when alpha is undefined (fewer than two pairable values,
// or only one value in use).
func AlphaNominal(units [][]string) *float64 {
	index := map[string]int{}
	var o [][]float64
	for _, u := range units {
		var vals []int
		for _, v := range u {
			if v == "" {
				continue
			}
			i, ok := index[v]
			if !ok {
				i = len(index)
				index[v] = i
				for r := range o {
					o[r] = append(o[r], 0)
				}
				o = append(o, make([]float64, i+1))
			}
			vals = append(vals, i)
		}
		m := len(vals)
		if m < 2 {
			continue
		}
		// each ordered pair of values (from different coders) adds 1/(m−1)
		for x := range vals {
			for y := range vals {
				if x != y {
					o[vals[x]][vals[y]] += 1 / float64(m-1)
				}
			}
		}
	}
	return alphaFromCoincidences(o)
}

// alphaFromCoincidences computes nominal alpha from a coincidence matrix
// o (Krippendorff 2011, §C): with n_c = Σ_k o_ck and n = Σ_c n_c,
//
//	α = 1 − D_o/D_e = 1 − (n − 1) · Σ_{c≠k} o_ck / Σ_{c≠k} n_c·n_k
//
// nil when the expected disagreement is 0.
func alphaFromCoincidences(o [][]float64) *float64 {
	nc := make([]float64, len(o))
	var n, off float64
	for c := range o {
		for k := range o[c] {
			nc[c] += o[c][k]
			if c != k {
				off += o[c][k]
			}
		}
		n += nc[c]
	}
	var exp float64
	for c := range nc {
		for k := range nc {
			if c != k {
				exp += nc[c] * nc[k]
			}
		}
	}
	if n <= 1 || exp <= 0 {
		return nil
	}
	a := 1 - (n-1)*off/exp
	return &a
}

// alphaNominal is alpha for one label over code points: the unit is a
// code point, each coder's value is 1 (inside one of their spans of the
// label) or 0, and code points of articles a coder does not count are
// missing. A code point valued by m coders of whom n1 say 1 and n0 say 0
// adds to the 2×2 coincidence matrix (Krippendorff 2011, §C)
//
//	o_11 += n1(n1−1)/(m−1), o_00 += n0(n0−1)/(m−1), o_01 = o_10 += n1·n0/(m−1)
//
// Runs of code points between span boundaries have equal values, so each
// run adds its length times that. It also returns the number of pairable
// code points.
func (p *prepared) alphaNominal(li int) (*float64, int64) {
	var o00, o01, o11 float64
	var pairable int64
	m := make(map[int64]int, len(p.articles))
	for _, id := range p.articles {
		k := 0
		for _, c := range p.in.Coders {
			if c.Articles[id] {
				k++
			}
		}
		m[id] = k
		if k >= 2 {
			// every code point starts as all-zero: o_00 += m(m−1)/(m−1) = m
			n := int64(p.in.Lengths[id])
			pairable += n
			o00 += float64(n) * float64(k)
		}
	}
	type ev struct{ at, d int }
	var evs []ev
	for _, g := range p.groups[li] {
		k := m[g.article]
		if k < 2 {
			continue
		}
		evs = evs[:0]
		for _, x := range g.merged {
			evs = append(evs, ev{x.s, +1}, ev{x.e, -1})
		}
		slices.SortFunc(evs, func(a, b ev) int { return cmp.Compare(a.at, b.at) })
		n1, last := 0, 0
		for _, e := range evs {
			if l := e.at - last; l > 0 && n1 > 0 {
				n0, w := k-n1, float64(l)/float64(k-1)
				o00 += w * (float64(n0*(n0-1)) - float64(k*(k-1)))
				o11 += w * float64(n1*(n1-1))
				o01 += w * float64(n1*n0)
			}
			n1 += e.d
			last = e.at
		}
	}
	return alphaFromCoincidences([][]float64{{o00, o01}, {o01, o11}}), pairable
}

// ---- Krippendorff's unitizing alpha ----

// alphaU is Krippendorff's unitizing alpha for one label (the category)
// among the given coders, over the articles all of them count, each
// article a stretch of the continuum (no gap runs across two articles).
// Definitions from Krippendorff (1995), "On the reliability of unitizing
// continuous data", Sociological Methodology 25: 47–76, in the form of
// Krippendorff (2004), Content Analysis, 2nd ed., §12.4 (and "Measuring
// the reliability of qualitative text analysis data", Quality & Quantity
// 38: 787–800). Each coder cuts the continuum (length L) into units of
// the category (w = 1: their merged spans) and gaps (w = 0). For a
// segment g of coder i (begin b, length l) and h of coder j overlapping
// it:
//
//	δ²(g,h) = (b_g − b_h)² + (b_g+l_g − b_h−l_h)²  both units, overlapping
//	        = l_g²                                g a unit inside gap h
//	        = l_h²                                h a unit inside gap g
//	        = 0                                   otherwise
//
//	D_o = Σ_i Σ_{j≠i} Σ_g Σ_h δ²(g,h) / (m(m−1)L²)
//
//	D_e = (2/L) Σ_{units u} [ (N−1)/3 · (2l_u³ − 3l_u² + l_u)
//	                          + l_u² Σ_{gaps h, l_h ≥ l_u} (l_h − l_u + 1) ]
//	      / [ mL(mL−1) − Σ_u l_u(l_u − 1) ]
//
// with m coders, N units of the category over all coders and l lengths in
// code points; α_U = 1 − D_o/D_e, nil when D_e = 0 (nobody marked
// anything) or no article is counted by every coder.
func (p *prepared) alphaU(li int, coders []int) *float64 {
	do, de, ok := p.alphaUParts(li, coders)
	if !ok {
		return nil
	}
	a := 1 - do/de
	return &a
}

// alphaUParts returns alpha_u's observed and expected disagreement; ok is
// false when alpha_u is undefined.
func (p *prepared) alphaUParts(li int, coders []int) (do, de float64, ok bool) {
	m := len(coders)
	if m < 2 {
		return 0, 0, false
	}
	var L int64
	units, gaps := p.units[:0], p.gaps[:0]
	defer func() { p.units, p.gaps = units, gaps }()
	var sumLL1 float64
	groups := p.groups[li]
	gi := 0
	segs := make([][]iv, m)
	for _, id := range p.articles {
		if !p.countedByAll(coders, id) {
			continue
		}
		n := p.in.Lengths[id]
		L += int64(n)
		for gi < len(groups) && groups[gi].article < id {
			gi++
		}
		var merged []iv
		if gi < len(groups) && groups[gi].article == id {
			merged = groups[gi].merged
		}
		marked := false
		for x, c := range coders {
			segs[x] = segments(of(merged, c), n, segs[x][:0])
			for _, s := range segs[x] {
				l := int64(s.e - s.s)
				if s.coder == 1 {
					units = append(units, l)
					sumLL1 += float64(l * (l - 1))
					marked = true
				} else {
					gaps = append(gaps, l)
				}
			}
		}
		if !marked {
			continue
		}
		for x := range coders {
			for y := x + 1; y < m; y++ {
				do += 2 * float64(pairDelta2(segs[x], segs[y]))
			}
		}
	}
	if L == 0 || len(units) == 0 {
		return 0, 0, false
	}
	fm, fL := float64(m), float64(L)
	do /= fm * (fm - 1) * fL * fL

	// Σ_{gaps h, l_h ≥ l}(l_h − l + 1) = Σ_{l_h ≥ l} l_h − (l − 1)·#{l_h ≥ l}:
	// with gaps and units sorted, one pass from the longest down keeps the
	// sum and count of the gaps at least as long as the unit at hand
	slices.Sort(gaps)
	slices.Sort(units)
	N := float64(len(units))
	var num, gapSum, gapCount float64
	gi = len(gaps)
	for k := len(units) - 1; k >= 0; k-- {
		u := units[k]
		for gi > 0 && gaps[gi-1] >= u {
			gi--
			gapSum += float64(gaps[gi])
			gapCount++
		}
		l := float64(u)
		num += (N-1)/3*(2*l*l*l-3*l*l+l) + l*l*(gapSum-(l-1)*gapCount)
	}
	den := fm*fL*(fm*fL-1) - sumLL1
	if den <= 0 {
		return 0, 0, false
	}
	de = 2 / fL * num / den
	return do, de, de > 0
}

// segments cuts [0, n) into one coder's units (coder field 1) and the
// gaps between them (coder field 0), appended to out.
func segments(units []iv, n int, out []iv) []iv {
	at := 0
	for _, u := range units {
		if u.s > at {
			out = append(out, iv{0, at, u.s})
		}
		out = append(out, iv{1, u.s, u.e})
		at = u.e
	}
	if at < n {
		out = append(out, iv{0, at, n})
	}
	return out
}

// pairDelta2 sums δ² over every overlapping pair of segments of two
// coders' segmentations of the same stretch (see alphaU).
func pairDelta2(x, y []iv) int64 {
	var sum int64
	for i, j := 0, 0; i < len(x) && j < len(y); {
		g, h := x[i], y[j]
		if min(g.e, h.e) > max(g.s, h.s) {
			sum += delta2(g, h)
		}
		switch {
		case g.e < h.e:
			i++
		case h.e < g.e:
			j++
		default:
			i++
			j++
		}
	}
	return sum
}

func delta2(g, h iv) int64 {
	switch {
	case g.coder == 1 && h.coder == 1:
		db, de := int64(g.s-h.s), int64(g.e-h.e)
		return db*db + de*de
	case g.coder == 1 && h.s <= g.s && g.e <= h.e:
		l := int64(g.e - g.s)
		return l * l
	case h.coder == 1 && g.s <= h.s && h.e <= g.e:
		l := int64(h.e - h.s)
		return l * l
	}
	return 0
}
