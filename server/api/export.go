package api

import (
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"slant/models"
	"slant/server/export"
)

// export streams a project's annotations. Everything that can fail is
// checked before the first byte; a failure after that aborts the
// connection so a client never mistakes a truncated file for a whole one.
func (h *Handler) export(c *gin.Context) {
	pid, err := pathID(c, "project")
	if err != nil {
		fail(c, err)
		return
	}
	format := c.DefaultQuery("format", "csv")
	if format != "csv" {
		fail(c, fieldErr("format", "must be csv"))
		return
	}
	raw, err := boolQuery(c, "raw")
	if err != nil {
		fail(c, err)
		return
	}
	f, err := annotationFilter(c)
	if err != nil {
		fail(c, err)
		return
	}
	f.ProjectID = pid
	if _, err := h.store.GetProject(c.Request.Context(), pid); err != nil {
		fail(c, err)
		return
	}
	name := fmt.Sprintf("slant-project-%d-%s.csv", pid, time.Now().UTC().Format("20060102-150405"))
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Header("Cache-Control", "no-store")
	c.Status(http.StatusOK)
	w := export.NewCSV(c.Writer, !raw)
	err = w.Header()
	n := 0
	if err == nil {
		err = h.store.ExportAnnotations(c.Request.Context(), f, func(r *models.ExportRow) error {
			n++
			if n%1000 == 0 {
				if err := w.Flush(); err != nil {
					return err
				}
				c.Writer.Flush()
			}
			return w.Row(r)
		})
	}
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		slog.ErrorContext(c, "export aborted", "err", err, "rows", n, "request_id", c.GetString(ctxRequestID))
		panic(http.ErrAbortHandler)
	}
}

func boolQuery(c *gin.Context, key string) (bool, error) {
	s, ok := c.GetQuery(key)
	if !ok || s == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, fieldErr(key, "must be true or false")
	}
	return b, nil
}
