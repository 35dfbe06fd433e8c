package api

import (
	"encoding/csv"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"slant/models"
	"slant/server/agreement"
	"slant/server/export"
)

// GET /projects/:id/agreement — inter-annotator agreement per label and
// pair of annotators (curators, managers and admins: the numbers reveal
// colleagues' work, which blind projects hide from annotators). The
// measures are server/agreement's; this handler reads, filters and shapes.

// agreementPairJSON is one pair's agreement on one label (or, in micro,
// on all of them).
type agreementPairJSON struct {
	A         string   `json:"a"`
	B         string   `json:"b"`
	Articles  int      `json:"articles"`
	NUnits    int64    `json:"n_units"`
	SpansA    int      `json:"spans_a"`
	SpansB    int      `json:"spans_b"`
	Matches   int      `json:"matches"`
	ExactF1   float64  `json:"exact_f1"`
	PartialF1 float64  `json:"partial_f1"`
	Kappa     *float64 `json:"kappa"`
	AlphaU    *float64 `json:"alpha_u"`
}

type agreementLabelJSON struct {
	Pairs          []agreementPairJSON `json:"pairs"`
	Alpha          *float64            `json:"alpha"`
	AlphaU         *float64            `json:"alpha_u"`
	AlphaUArticles int                 `json:"alpha_u_articles"`
	NUnits         int64               `json:"n_units"`
}

type agreementJSON struct {
	Annotators []string                      `json:"annotators"`
	Articles   int                           `json:"articles"`
	Scope      string                        `json:"scope"`
	AsOf       *string                       `json:"as_of"`
	LabelOrder []string                      `json:"label_order"`
	Labels     map[string]agreementLabelJSON `json:"labels"`
	Micro      struct {
		Pairs []agreementPairJSON `json:"pairs"`
	} `json:"micro"`
	// DocumentLabels: per article-level label group, Cohen's kappa per
	// pair and Krippendorff's alpha (nominal) over the articles
	DocumentLabels map[string]docAgreementJSON `json:"document_labels"`
}

type docAgreementJSON struct {
	Pairs []docPairJSON `json:"pairs"`
	Alpha *float64      `json:"alpha"`
}

type docPairJSON struct {
	A        string   `json:"a"`
	B        string   `json:"b"`
	Articles int      `json:"articles"`
	Observed float64  `json:"observed"`
	Kappa    *float64 `json:"kappa"`
}

// docAgreement compares the annotators' article-level labels, group by
// group: an article's value is the set of options chosen in the group
// (one, for single choice); articles an annotator did not label there
// are missing. Only the annotators' layer counts.
func (h *Handler) docAgreement(c *gin.Context, pid int64, req agreementRequest, coders []string) (map[string]docAgreementJSON, error) {
	ls, err := h.store.ListArticleLabels(c.Request.Context(), models.ArticleLabelFilter{ProjectID: pid, ArticleID: req.q.ArticleID})
	if err != nil {
		return nil, err
	}
	chosen := map[string]map[string]map[int64][]string{} // group → coder → article → options
	seen := map[string]bool{}
	var found []string
	for _, l := range ls {
		if chosen[l.Group] == nil {
			chosen[l.Group] = map[string]map[int64][]string{}
		}
		if chosen[l.Group][l.Annotator] == nil {
			chosen[l.Group][l.Annotator] = map[int64][]string{}
		}
		chosen[l.Group][l.Annotator][l.ArticleID] = append(chosen[l.Group][l.Annotator][l.ArticleID], l.Option)
		if !seen[l.Annotator] {
			seen[l.Annotator] = true
			found = append(found, l.Annotator)
		}
	}
	if len(req.q.Annotators) > 0 {
		coders = req.q.Annotators
	} else if len(coders) == 0 {
		sort.Strings(found)
		coders = found
	}
	out := map[string]docAgreementJSON{}
	for g, byCoder := range chosen {
		values := map[string]map[int64]string{}
		for coder, arts := range byCoder {
			values[coder] = map[int64]string{}
			for a, opts := range arts {
				sort.Strings(opts)
				values[coder][a] = strings.Join(opts, "+")
			}
		}
		r := agreement.DocAgreement(coders, values)
		dj := docAgreementJSON{Pairs: []docPairJSON{}, Alpha: finite(r.Alpha)}
		for _, p := range r.Pairs {
			dj.Pairs = append(dj.Pairs, docPairJSON{A: p.A, B: p.B, Articles: p.Articles, Observed: p.Observed, Kappa: finite(p.Kappa)})
		}
		out[g] = dj
	}
	return out, nil
}

type agreementArticleJSON struct {
	ArticleID    int64   `json:"article_id"`
	Title        string  `json:"title"`
	A            string  `json:"a"`
	B            string  `json:"b"`
	SpansA       int     `json:"spans_a"`
	SpansB       int     `json:"spans_b"`
	Matches      int     `json:"matches"`
	ExactF1      float64 `json:"exact_f1"`
	PartialF1    float64 `json:"partial_f1"`
	Disagreement float64 `json:"disagreement"`
	Differ       int64   `json:"differ"`
}

// agreementRequest is the parsed query.
type agreementRequest struct {
	q      models.AgreementQuery
	labels []string // keys; nil: all
	scope  string
	byArt  bool
	csv    bool
	limit  int
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func parseAgreement(c *gin.Context, projectID int64) (agreementRequest, error) {
	r := agreementRequest{q: models.AgreementQuery{ProjectID: projectID}, scope: "done", limit: 100}
	if s, ok := c.GetQuery("annotators"); ok {
		r.q.Annotators = splitList(s)
		if len(r.q.Annotators) == 0 {
			return r, fieldErr("annotators", "must name at least one user (comma-separated names)")
		}
	}
	if s, ok := c.GetQuery("labels"); ok {
		r.labels = splitList(s)
		if len(r.labels) == 0 {
			return r, fieldErr("labels", "must name at least one label key (comma-separated)")
		}
	}
	switch s := c.DefaultQuery("scope", "done"); s {
	case "done", "annotated":
		r.scope = s
	default:
		return r, fieldErr("scope", "must be done or annotated")
	}
	if s := c.Query("as_of"); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return r, fieldErr("as_of", "must be an RFC 3339 time, e.g. 2026-05-01T12:00:00Z")
		}
		t = t.UTC()
		r.q.AsOf = &t
	}
	r.q.Source = strings.TrimSpace(c.Query("source"))
	if s := c.Query("article"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return r, fieldErr("article", "must be an article id")
		}
		r.q.ArticleID = id
	}
	switch by := c.Query("by"); by {
	case "":
	case "article":
		r.byArt = true
	default:
		return r, fieldErr("by", "must be article (or absent)")
	}
	switch f := c.DefaultQuery("format", "json"); f {
	case "json":
	case "csv":
		r.csv = true
	default:
		return r, fieldErr("format", "must be json or csv")
	}
	if s, ok := c.GetQuery("limit"); ok {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 10_000 {
			return r, fieldErr("limit", "must be an integer from 1 to 10000")
		}
		r.limit = n
	}
	return r, nil
}

// agreementInput turns the stored data into the measures' input.
func agreementInput(d *models.AgreementData, req agreementRequest) (agreement.Input, error) {
	byID := map[int64]string{}
	known := map[string]bool{}
	var all []string
	for _, l := range d.Labels {
		byID[l.ID] = l.Key
		known[l.Key] = true
		all = append(all, l.Key)
	}
	labels := all
	if req.labels != nil {
		for _, k := range req.labels {
			if !known[k] {
				return agreement.Input{}, fieldErr("labels", "no label "+strconv.Quote(k)+" in this project")
			}
		}
		labels = req.labels
	}
	if labels == nil {
		labels = []string{}
	}
	in := agreement.Input{Lengths: d.Lengths, Labels: labels}
	index := map[int64]int{}
	for _, u := range d.Users {
		index[u.ID] = len(in.Coders)
		arts := d.Done[u.ID]
		if req.scope == "annotated" {
			arts = map[int64]bool{}
		}
		if arts == nil {
			arts = map[int64]bool{}
		}
		in.Coders = append(in.Coders, agreement.Coder{Name: u.Name, Articles: arts})
	}
	for _, sp := range d.Spans {
		i, ok := index[sp.UserID]
		if !ok {
			continue
		}
		c := &in.Coders[i]
		if req.scope == "annotated" {
			c.Articles[sp.ArticleID] = true // any span, of any label, makes it annotated
		}
		c.Spans = append(c.Spans, agreement.Span{Article: sp.ArticleID, Label: byID[sp.LabelID], Start: sp.Start, End: sp.End})
	}
	return in, nil
}

// finite keeps NaN and infinities out of JSON (the measures never make
// them; this is a guard, not a convention).
func finite(p *float64) *float64 {
	if p == nil || math.IsNaN(*p) || math.IsInf(*p, 0) {
		return nil
	}
	return p
}

func pairJSON(p agreement.Pair) agreementPairJSON {
	return agreementPairJSON{A: p.A, B: p.B, Articles: p.Articles, NUnits: p.NUnits, SpansA: p.SpansA, SpansB: p.SpansB,
		Matches: p.Matches, ExactF1: p.ExactF1, PartialF1: p.PartialF1, Kappa: finite(p.Kappa), AlphaU: finite(p.AlphaU)}
}

func (h *Handler) agreement(c *gin.Context) {
	pid := accessOf(c).ProjectID
	req, err := parseAgreement(c, pid)
	if err != nil {
		fail(c, err)
		return
	}
	d, err := h.store.Agreement(c.Request.Context(), req.q)
	if err != nil {
		fail(c, err)
		return
	}
	if len(d.Missing) > 0 {
		fail(c, fieldErr("annotators", "no user named "+strconv.Quote(d.Missing[0])))
		return
	}
	if req.q.ArticleID != 0 && len(d.Lengths) == 0 {
		fail(c, errf(http.StatusNotFound, "not_found", "article not found in this project"))
		return
	}
	in, err := agreementInput(d, req)
	if err != nil {
		fail(c, err)
		return
	}
	if req.byArt {
		h.agreementByArticle(c, pid, d, in, req)
		return
	}
	res := agreement.Compute(in)
	out := agreementJSON{Annotators: res.Annotators, Articles: res.Articles, Scope: req.scope,
		LabelOrder: res.Labels, Labels: map[string]agreementLabelJSON{}}
	if out.Annotators == nil {
		out.Annotators = []string{}
	}
	if req.q.AsOf != nil {
		s := req.q.AsOf.Format(time.RFC3339Nano)
		out.AsOf = &s
	}
	out.Micro.Pairs = []agreementPairJSON{}
	for _, p := range res.Micro {
		out.Micro.Pairs = append(out.Micro.Pairs, pairJSON(p))
	}
	for _, l := range res.Labels {
		lr := res.ByLabel[l]
		lj := agreementLabelJSON{Pairs: []agreementPairJSON{}, Alpha: finite(lr.Alpha), AlphaU: finite(lr.AlphaU),
			AlphaUArticles: lr.AlphaUArticles, NUnits: lr.PairableUnits}
		for _, p := range lr.Pairs {
			lj.Pairs = append(lj.Pairs, pairJSON(p))
		}
		out.Labels[l] = lj
	}
	if out.DocumentLabels, err = h.docAgreement(c, pid, req, out.Annotators); err != nil {
		fail(c, err)
		return
	}
	if req.csv {
		writeAgreementCSV(c, pid, out)
		return
	}
	c.JSON(http.StatusOK, out)
}

func (h *Handler) agreementByArticle(c *gin.Context, pid int64, d *models.AgreementData, in agreement.Input, req agreementRequest) {
	rows := agreement.ByArticle(in)
	total := len(rows)
	if len(rows) > req.limit {
		rows = rows[:req.limit]
	}
	items := make([]agreementArticleJSON, 0, len(rows))
	for _, r := range rows {
		items = append(items, agreementArticleJSON{ArticleID: r.Article, Title: d.Titles[r.Article], A: r.A, B: r.B,
			SpansA: r.SpansA, SpansB: r.SpansB, Matches: r.Matches, ExactF1: r.ExactF1, PartialF1: r.PartialF1,
			Disagreement: r.Disagreement, Differ: r.Differ})
	}
	if req.csv {
		name := fmt.Sprintf("slant-project-%d-agreement-by-article", pid)
		startCSV(c, name)
		w := csv.NewWriter(c.Writer)
		w.Write([]string{"article_id", "title", "annotator_a", "annotator_b", "spans_a", "spans_b", "exact_matches",
			"exact_f1", "partial_f1", "disagreement", "code_points_differ"})
		for _, it := range items {
			w.Write([]string{itoa64(it.ArticleID), export.SpreadsheetSafe(it.Title), export.SpreadsheetSafe(it.A), export.SpreadsheetSafe(it.B),
				strconv.Itoa(it.SpansA), strconv.Itoa(it.SpansB), strconv.Itoa(it.Matches),
				num(it.ExactF1), num(it.PartialF1), num(it.Disagreement), itoa64(it.Differ)})
		}
		w.Flush()
		return
	}
	annotators := make([]string, 0, len(in.Coders))
	for _, co := range in.Coders {
		annotators = append(annotators, co.Name)
	}
	c.JSON(http.StatusOK, gin.H{"annotators": annotators, "scope": req.scope, "labels": in.Labels, "total": total, "items": items})
}

// agreementCSVColumns are the columns of the agreement CSV: one row per
// label and pair, then one per pair over all labels (label "(all)",
// micro-averaged F1 only). Empty cells are undefined values.
var agreementCSVColumns = []string{"label", "annotator_a", "annotator_b", "articles", "code_points", "spans_a", "spans_b",
	"exact_matches", "exact_f1", "partial_f1", "cohen_kappa", "pair_alpha_u", "label_alpha", "label_alpha_u"}

func writeAgreementCSV(c *gin.Context, pid int64, out agreementJSON) {
	startCSV(c, fmt.Sprintf("slant-project-%d-agreement", pid))
	w := csv.NewWriter(c.Writer)
	w.Write(agreementCSVColumns)
	row := func(label string, p agreementPairJSON, alpha, alphaU *float64) {
		w.Write([]string{export.SpreadsheetSafe(label), export.SpreadsheetSafe(p.A), export.SpreadsheetSafe(p.B),
			strconv.Itoa(p.Articles), itoa64(p.NUnits), strconv.Itoa(p.SpansA), strconv.Itoa(p.SpansB), strconv.Itoa(p.Matches),
			num(p.ExactF1), num(p.PartialF1), numP(p.Kappa), numP(p.AlphaU), numP(alpha), numP(alphaU)})
	}
	for _, l := range out.LabelOrder {
		lj := out.Labels[l]
		for _, p := range lj.Pairs {
			row(l, p, lj.Alpha, lj.AlphaU)
		}
	}
	for _, p := range out.Micro.Pairs {
		p.Kappa, p.AlphaU = nil, nil
		row("(all)", p, nil, nil)
	}
	// article-level label groups: label "document:GROUP", articles and
	// kappa per pair, alpha in label_alpha (the span columns empty)
	groups := make([]string, 0, len(out.DocumentLabels))
	for g := range out.DocumentLabels {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	for _, g := range groups {
		d := out.DocumentLabels[g]
		for _, p := range d.Pairs {
			w.Write([]string{export.SpreadsheetSafe("document:" + g), export.SpreadsheetSafe(p.A), export.SpreadsheetSafe(p.B),
				strconv.Itoa(p.Articles), "", "", "", "", "", "", numP(p.Kappa), "", numP(d.Alpha), ""})
		}
	}
	w.Flush()
}

func startCSV(c *gin.Context, name string) {
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	c.Status(http.StatusOK)
}

func num(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

func numP(x *float64) string {
	if x == nil {
		return ""
	}
	return num(*x)
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
