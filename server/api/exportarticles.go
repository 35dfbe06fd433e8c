package api

import (
	"encoding/csv"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"slant/models"
	"slant/server/export"
)

// exportArticleLabels writes the articles CSV (format=articles): one row
// per article and annotator with a column per article-level label group
// (several options of a multiple-choice group joined by "|"), so a
// notebook reads genres beside the spans' CSV by article_id. Same
// blind-mode and layer rules as the span exports; raw=true turns the
// spreadsheet protection off.
func (h *Handler) exportArticleLabels(c *gin.Context, pid int64) {
	raw, err := boolQuery(c, "raw")
	if err != nil {
		fail(c, err)
		return
	}
	layer, err := relationLayer(c)
	if err != nil {
		fail(c, err)
		return
	}
	ctx := c.Request.Context()
	groups, err := h.store.ListDocLabelGroups(ctx, pid)
	if err != nil {
		fail(c, err)
		return
	}
	safe := func(s string) string {
		if raw {
			return s
		}
		return export.SpreadsheetSafe(s)
	}
	header := []string{"article_id", "external_id", "article_title", "article_url", "source_domain", "source_ownership", "annotator", "layer"}
	for _, g := range groups {
		header = append(header, g.Key)
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="slant-project-%d-articles-%s.csv"`, pid, time.Now().UTC().Format("20060102-150405")))
	c.Status(http.StatusOK)
	w := csv.NewWriter(c.Writer)
	w.UseCRLF = true
	w.Write(header)
	err = h.store.ExportArticleLabels(ctx, models.ArticleLabelFilter{ProjectID: pid, UserID: ownSpansOnly(c), Layer: layer}, func(r *models.ArticleLabelRow) error {
		ext := ""
		if r.ExternalID != nil {
			ext = *r.ExternalID
		}
		rec := []string{strconv.FormatInt(r.ArticleID, 10), safe(ext), safe(r.Title), safe(r.URL), r.SourceDomain, r.Ownership, safe(r.Annotator), r.Layer}
		for _, g := range groups {
			rec = append(rec, safe(strings.Join(r.Options[g.Key], "|")))
		}
		return w.Write(rec)
	})
	w.Flush()
	if err == nil {
		err = w.Error()
	}
	if err != nil {
		slog.ErrorContext(ctx, "articles export aborted", "err", err, "request_id", c.GetString(ctxRequestID))
		panic(http.ErrAbortHandler)
	}
}
