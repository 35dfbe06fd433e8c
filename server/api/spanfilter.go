package api

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"slant/models"
)

// spanFilter reads the span browser's filters of a list or export into
// f: ownership, country, published_from, published_to (a date includes
// its whole day) and q (text in the span or its note).
func spanFilter(c *gin.Context, f *models.AnnotationFilter) error {
	sf := models.SpanFilter{Ownership: c.Query("ownership"), Country: c.Query("country"), Q: c.Query("q")}
	if s := c.Query("published_from"); s != "" {
		t, ok := models.ParseTime(s)
		if !ok {
			return fieldErr("published_from", "must be an RFC 3339 timestamp or a YYYY-MM-DD date")
		}
		sf.PublishedFrom = &t
	}
	if s := c.Query("published_to"); s != "" {
		t, ok := models.ParseTime(s)
		if !ok {
			return fieldErr("published_to", "must be an RFC 3339 timestamp or a YYYY-MM-DD date")
		}
		if len(s) == len("2006-01-02") {
			t = t.AddDate(0, 0, 1) // through the end of that day
		} else {
			t = t.Add(time.Nanosecond) // up to and including that instant
		}
		sf.PublishedBefore = &t
	}
	if err := sf.Check(); err != nil {
		return err
	}
	f.SpanFilter = sf
	return nil
}

// maxContext bounds ?context= (code points either side of a span).
const maxContext = 400

// withContexts adds, when the request asks for ?context=N, each span's
// N code points of context either side and its article's title, outlet
// and date: "context_before", "context_after", "article_title",
// "source" and "published_at" (what the span browser shows).
func (h *Handler) withContexts(c *gin.Context, items [][]byte) ([][]byte, error) {
	s := c.Query("context")
	if s == "" {
		return items, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > maxContext {
		return nil, fieldErr("context", "must be a number of code points from 0 to "+strconv.Itoa(maxContext))
	}
	ids := make([]int64, len(items))
	for i, it := range items {
		var v struct {
			ID int64 `json:"id"`
		}
		if err := json.Unmarshal(it, &v); err != nil {
			return nil, err
		}
		ids[i] = v.ID
	}
	ctxs, err := h.store.SpanContexts(c.Request.Context(), ids, n)
	if err != nil {
		return nil, err
	}
	for i, it := range items {
		sc := ctxs[ids[i]]
		var source, published any
		if sc.Source != "" {
			source = sc.Source
		}
		if sc.PublishedAt != nil {
			published = sc.PublishedAt.Format(time.RFC3339)
		}
		extra, err := json.Marshal(map[string]any{"context_before": sc.Before, "context_after": sc.After,
			"article_title": sc.Title, "source": source, "published_at": published})
		if err != nil {
			return nil, err
		}
		// both are objects: the item's members, then the extra ones
		out := append(append([]byte{}, it[:len(it)-1]...), ',')
		items[i] = append(out, extra[1:]...)
	}
	return items, nil
}
