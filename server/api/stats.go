package api

import (
	"encoding/csv"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"slant/models"
	"slant/server/export"
)

// statsMeasures are the measure columns of GET /stats, after the keys.
var statsMeasures = []string{"spans", "articles", "articles_with_spans", "words", "spans_per_1000_words", "share_of_articles"}

// stats answers counts and densities of the project's spans grouped by
// ?by= keys, as JSON or (format=csv) as a table whose columns are the
// keys and the measures. In a blind project an annotator's counts are of
// their own spans.
func (h *Handler) stats(c *gin.Context) {
	pid, err := pathID(c, "project")
	if err != nil {
		fail(c, err)
		return
	}
	var by []string
	for _, v := range c.QueryArray("by") {
		for _, k := range strings.Split(v, ",") {
			if k = strings.TrimSpace(k); k != "" {
				by = append(by, k)
			}
		}
	}
	format := c.DefaultQuery("format", "json")
	if format != "json" && format != "csv" {
		fail(c, fieldErr("format", "must be json or csv"))
		return
	}
	rows, err := h.store.Stats(c.Request.Context(), models.StatsQuery{ProjectID: pid, By: by, Label: c.Query("label"), UserID: ownSpansOnly(c)})
	if err != nil {
		fail(c, err)
		return
	}
	if format == "csv" {
		writeStatsCSV(c, pid, by, rows)
		return
	}
	items := make([]map[string]any, len(rows))
	for i, r := range rows {
		it := map[string]any{}
		for j, k := range by {
			it[k] = r.Keys[j]
		}
		for j, m := range statsMeasures {
			it[m] = statsValues(r)[j]
		}
		items[i] = it
	}
	if by == nil {
		by = []string{}
	}
	c.JSON(http.StatusOK, gin.H{"by": by, "label": c.Query("label"), "items": items})
}

// statsValues are a row's measures in statsMeasures order; the ratios are
// rounded to six decimals.
func statsValues(r models.StatsRow) []any {
	round := func(x float64) float64 { return math.Round(x*1e6) / 1e6 }
	return []any{r.Spans, r.Articles, r.ArticlesWithSpans, r.Words, round(r.PerThousandWords()), round(r.ShareOfArticles())}
}

func writeStatsCSV(c *gin.Context, pid int64, by []string, rows []models.StatsRow) {
	name := fmt.Sprintf("slant-project-%d-stats", pid)
	if len(by) > 0 {
		name += "-by-" + strings.Join(by, "-")
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	c.Status(http.StatusOK)
	w := csv.NewWriter(c.Writer)
	w.Write(append(append([]string{}, by...), statsMeasures...))
	for _, r := range rows {
		rec := make([]string, 0, len(by)+len(statsMeasures))
		for _, k := range r.Keys {
			rec = append(rec, export.SpreadsheetSafe(k)) // outlet and user names come from users
		}
		for _, v := range statsValues(r) {
			switch x := v.(type) {
			case int64:
				rec = append(rec, strconv.FormatInt(x, 10))
			case float64:
				rec = append(rec, strconv.FormatFloat(x, 'f', -1, 64))
			}
		}
		w.Write(rec)
	}
	w.Flush()
}
