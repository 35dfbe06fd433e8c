package agreement

import "sort"

// ---- article-level labels: one nominal value per article and coder ----

// DocPair is the agreement of two coders on one article-level label
// group, over the articles both labelled.
type DocPair struct {
	A, B     string
	Articles int      // articles both coders labelled in the group
	Observed float64  // share of those with the same value (0 when none)
	Kappa    *float64 // Cohen's kappa; nil when undefined
}

// DocResult is the agreement on one group: every pair, and Krippendorff's
// alpha (nominal) over all coders, articles a coder did not label being
// missing values.
type DocResult struct {
	Pairs []DocPair
	Alpha *float64
}

// DocAgreement compares coders' values for one group. values[coder]
// maps an article to the coder's value there (for a multiple-choice
// group, the sorted set of options as one value: two coders agree on an
// article when they chose exactly the same options). coders fixes the
// order of the pairs.
func DocAgreement(coders []string, values map[string]map[int64]string) DocResult {
	var res DocResult
	articles := map[int64]bool{}
	for _, vs := range values {
		for a := range vs {
			articles[a] = true
		}
	}
	ids := make([]int64, 0, len(articles))
	for a := range articles {
		ids = append(ids, a)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for i := 0; i < len(coders); i++ {
		for j := i + 1; j < len(coders); j++ {
			var a, b []string
			for _, id := range ids {
				va, vb := values[coders[i]][id], values[coders[j]][id]
				if va != "" && vb != "" {
					a, b = append(a, va), append(b, vb)
				}
			}
			p := DocPair{A: coders[i], B: coders[j], Articles: len(a)}
			p.Observed, p.Kappa = NominalKappa(a, b)
			res.Pairs = append(res.Pairs, p)
		}
	}
	units := make([][]string, len(ids))
	for k, id := range ids {
		for _, c := range coders {
			units[k] = append(units[k], values[c][id])
		}
	}
	res.Alpha = AlphaNominal(units)
	return res
}

// NominalKappa is Cohen's kappa for two coders' nominal values of the
// same units (Cohen 1960): with p_o the share of units where a[i] ==
// b[i] and p_e = Σ_k p_a(k)·p_b(k) the agreement expected from each
// coder's own distribution of values,
//
//	κ = (p_o − p_e) / (1 − p_e)
//
// It also answers p_o. κ is nil when there are no units or p_e = 1 (both
// coders used one and the same value throughout).
func NominalKappa(a, b []string) (float64, *float64) {
	n := len(a)
	if n == 0 || len(b) != n {
		return 0, nil
	}
	ca, cb := map[string]float64{}, map[string]float64{}
	agree := 0
	for i := range a {
		ca[a[i]]++
		cb[b[i]]++
		if a[i] == b[i] {
			agree++
		}
	}
	po := float64(agree) / float64(n)
	pe := 0.0
	for k, x := range ca {
		pe += (x / float64(n)) * (cb[k] / float64(n))
	}
	if pe >= 1 {
		return po, nil
	}
	k := (po - pe) / (1 - pe)
	return po, &k
}
