package api

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"slant/models"
	"slant/server/export"
)

// sourceStats counts claims per source text: ?type= (default said_by),
// ?layer=gold for the adjudicated links, ?format=csv.
func (h *Handler) sourceStats(c *gin.Context) {
	typ := c.DefaultQuery("type", "said_by")
	layer, err := relationLayer(c)
	if err != nil {
		fail(c, err)
		return
	}
	pid := accessOf(c).ProjectID
	types, err := h.store.ListRelationTypes(c.Request.Context(), pid)
	if err != nil {
		fail(c, err)
		return
	}
	if !slices.ContainsFunc(types, func(t models.RelationType) bool { return t.Key == typ }) {
		fail(c, fieldErr("type", "is not a relation type of this project"))
		return
	}
	rows, err := h.store.CountSources(c.Request.Context(), models.SourceQuery{ProjectID: pid, Type: typ, UserID: ownSpansOnly(c), Layer: layer})
	if err != nil {
		fail(c, err)
		return
	}
	switch c.DefaultQuery("format", "json") {
	case "json":
	case "csv":
		startCSV(c, fmt.Sprintf("slant-project-%d-sources", pid))
		w := csv.NewWriter(c.Writer)
		w.Write([]string{"source", "claims", "articles", "outlets"})
		for _, r := range rows {
			w.Write([]string{export.SpreadsheetSafe(r.Source), strconv.Itoa(r.Claims), strconv.Itoa(r.Articles), strconv.Itoa(r.Outlets)})
		}
		w.Flush()
		return
	default:
		fail(c, fieldErr("format", "must be json or csv"))
		return
	}
	items := make([]gin.H, len(rows))
	for i, r := range rows {
		items[i] = gin.H{"source": r.Source, "claims": r.Claims, "articles": r.Articles, "outlets": r.Outlets}
	}
	c.JSON(http.StatusOK, gin.H{"type": typ, "items": items})
}
