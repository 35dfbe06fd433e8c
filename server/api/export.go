package api

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"slant/models"
	"slant/server/export"
)

// export streams a project's annotations in one of the export formats.
// Everything that can fail is checked before the first byte; a failure
// after that aborts the connection so a client never mistakes a truncated
// file for a whole one. ETag and Last-Modified let notebooks cache.
func (h *Handler) export(c *gin.Context) {
	pid, err := pathID(c, "project")
	if err != nil {
		fail(c, err)
		return
	}
	if c.Query("format") == "articles" {
		h.exportArticleLabels(c, pid)
		return
	}
	format, err := export.Lookup(c.DefaultQuery("format", "csv"))
	if err != nil {
		fail(c, fieldErr("format", "must be one of "+strings.Join(append(export.FormatNames(), "articles"), ", ")))
		return
	}
	raw, err := boolQuery(c, "raw")
	if err != nil {
		fail(c, err)
		return
	}
	bom, err := boolQuery(c, "bom")
	if err != nil {
		fail(c, err)
		return
	}
	if bom && format.Name != "csv" {
		fail(c, fieldErr("bom", "applies to format=csv only"))
		return
	}
	f, err := annotationFilter(c)
	if err != nil {
		fail(c, err)
		return
	}
	f.ProjectID = pid // (annotationFilter applied blind mode)
	ctx := c.Request.Context()
	project, err := h.store.GetProject(ctx, pid)
	if err != nil {
		fail(c, err)
		return
	}
	ver, err := h.store.ExportVersionOf(ctx, f)
	if err != nil {
		fail(c, err)
		return
	}
	if format.Name == "xlsx" && ver.Count > xlsxMaxSpans {
		fail(c, fieldErr("format", fmt.Sprintf("%d spans do not fit on one Excel sheet (at most %d): narrow the export with label, source, annotator, ownership, published_from/published_to or updated_since, or use csv or parquet",
			ver.Count, xlsxMaxSpans)))
		return
	}
	etag := exportETag(c, ver)
	c.Header("ETag", etag)
	c.Header("Cache-Control", "private, no-cache")
	if !ver.LastModified.IsZero() {
		c.Header("Last-Modified", ver.LastModified.UTC().Format(http.TimeFormat))
	}
	if notModified(c, etag, ver.LastModified) {
		c.Status(http.StatusNotModified)
		return
	}
	if format.Name == "xlsx" {
		// A workbook is assembled in memory and temporary files before a
		// byte is sent (about 100 B of memory and 1.3 KB of disk per span),
		// so only one is written at a time, whoever asks.
		select {
		case h.workbooks <- struct{}{}:
			defer func() { <-h.workbooks }()
		default:
			fail(c, errf(http.StatusTooManyRequests, "too_many_requests", "another Excel workbook is being written; try again in a minute, or export csv or parquet, which stream"))
			return
		}
	}
	name := fmt.Sprintf("slant-project-%d-%s.%s", pid, time.Now().UTC().Format("20060102-150405"), format.Ext)
	c.Header("Content-Type", format.ContentType)
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Status(http.StatusOK)
	w := format.New(c.Writer, export.Options{Safe: !raw, BOM: bom, Project: project.Name,
		CollectionID: fmt.Sprintf("urn:slant:project:%d:export:%s", pid, strings.Trim(etag, `"`))})
	if cl, ok := w.(io.Closer); ok {
		defer cl.Close() // temporary files of a workbook that never reached End
	}
	n := 0
	err = w.Begin()
	if err == nil {
		err = h.store.ExportAnnotations(ctx, f, func(r *models.ExportRow) error {
			n++
			return w.Row(r)
		})
	}
	if err == nil {
		err = w.End()
	}
	if err != nil {
		slog.ErrorContext(ctx, "export aborted", "err", err, "rows", n, "request_id", c.GetString(ctxRequestID))
		panic(http.ErrAbortHandler)
	}
}

// xlsxMaxSpans is export.XLSXMaxSpans; a test lowers it.
var xlsxMaxSpans int64 = export.XLSXMaxSpans

// exportETag names the exact content: the query and the data version.
func exportETag(c *gin.Context, v *models.ExportVersion) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s|%d|%d|%d|%d|%s", c.Request.URL.RawQuery, v.Count, v.MaxID, v.LastModified.UnixNano(), v.Links, v.LinksMax)))
	return `"` + hex.EncodeToString(sum[:12]) + `"`
}

func notModified(c *gin.Context, etag string, lastMod time.Time) bool {
	if inm := c.GetHeader("If-None-Match"); inm != "" {
		for _, t := range strings.Split(inm, ",") {
			if t = strings.TrimSpace(t); t == etag || t == "*" || strings.TrimPrefix(t, "W/") == etag {
				return true
			}
		}
		return false
	}
	if ims := c.GetHeader("If-Modified-Since"); ims != "" && !lastMod.IsZero() {
		if t, err := http.ParseTime(ims); err == nil && !lastMod.Truncate(time.Second).After(t) {
			return true
		}
	}
	return false
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
