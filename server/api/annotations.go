package api

import (
	"bytes"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"slant/models"
)

// Offsets are *int: 0 is a valid start, so absence must be told apart.
type annotationReq struct {
	Label      *string        `json:"label"`
	Start      *int           `json:"start"`
	End        *int           `json:"end"`
	Text       *string        `json:"text"`
	Note       string         `json:"note"`
	Attributes models.JSONMap `json:"attributes"`
	Origin     string         `json:"origin"`
}

func (r annotationReq) validate() error {
	fields := map[string]string{}
	if r.Label == nil || *r.Label == "" {
		fields["label"] = "is required (a label key of the project, e.g. opinion)"
	}
	if r.Start == nil {
		fields["start"] = "is required (0-based code point offset)"
	}
	if r.End == nil {
		fields["end"] = "is required (end-exclusive code point offset)"
	}
	if len(fields) > 0 {
		return &models.ValidationError{Code: "validation_failed", Message: "missing required fields", Fields: fields}
	}
	return nil
}

type patchAnnotationReq struct {
	Label      *string         `json:"label"`
	Start      *int            `json:"start"`
	End        *int            `json:"end"`
	Text       *string         `json:"text"`
	Note       *string         `json:"note"`
	Attributes *models.JSONMap `json:"attributes"`
}

func (h *Handler) createAnnotation(c *gin.Context) {
	aid, err := pathID(c, "article")
	if err != nil {
		fail(c, err)
		return
	}
	var req annotationReq
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	if err := req.validate(); err != nil {
		fail(c, err)
		return
	}
	a, err := h.store.CreateAnnotation(c.Request.Context(), models.AnnotationIn{
		ArticleID: aid, UserID: userOf(c).ID, AnnotatorName: userOf(c).Name, Label: *req.Label, Start: *req.Start, End: *req.End,
		Text: req.Text, Note: req.Note, Attributes: req.Attributes, Origin: req.Origin,
	})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, annotationView(a))
}

func (h *Handler) getAnnotation(c *gin.Context) {
	id, err := pathID(c, "annotation")
	if err != nil {
		fail(c, err)
		return
	}
	a, err := h.store.GetAnnotation(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	if uid := ownSpansOnly(c); uid != 0 && a.UserID != uid {
		fail(c, errf(http.StatusNotFound, "not_found", "annotation not found")) // blind: a colleague's span does not exist
		return
	}
	c.JSON(http.StatusOK, annotationView(a))
}

// ownAnnotation loads an annotation the caller may change: their own, or
// any if they are an admin.
func (h *Handler) ownAnnotation(c *gin.Context) (*models.AnnotationView, error) {
	id, err := pathID(c, "annotation")
	if err != nil {
		return nil, err
	}
	a, err := h.store.GetAnnotation(c.Request.Context(), id)
	if err != nil {
		return nil, err
	}
	if uid := ownSpansOnly(c); uid != 0 && a.UserID != uid {
		return nil, errf(http.StatusNotFound, "not_found", "annotation not found") // blind: a colleague's span does not exist
	}
	if a.UserID != userOf(c).ID && !accessOf(c).AtLeast(models.MemberCurator) {
		return nil, errf(http.StatusForbidden, "forbidden", "only the annotator, a curator or a manager of the project may change this annotation")
	}
	return a, nil
}

func (h *Handler) patchAnnotation(c *gin.Context) {
	cur, err := h.ownAnnotation(c)
	if err != nil {
		fail(c, err)
		return
	}
	var req patchAnnotationReq
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	a, err := h.store.UpdateAnnotation(c.Request.Context(), cur.ID, models.AnnotationPatch{
		Label: req.Label, Start: req.Start, End: req.End, Text: req.Text, Note: req.Note, Attributes: req.Attributes,
	})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, annotationView(a))
}

func (h *Handler) deleteAnnotation(c *gin.Context) {
	cur, err := h.ownAnnotation(c)
	if err != nil {
		fail(c, err)
		return
	}
	if err := h.store.DeleteAnnotation(c.Request.Context(), cur.ID); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// annotationFilter reads the list/export filters shared by every format.
// annotationFilter reads the span filters of a list or export. It is
// also where blind mode applies: in a blind project an annotator's every
// list and export is restricted to their own spans, whatever else the
// query asks for.
func annotationFilter(c *gin.Context) (models.AnnotationFilter, error) {
	f := models.AnnotationFilter{Label: c.Query("label"), Annotator: c.Query("annotator"),
		Source: c.Query("source"), Origin: c.Query("origin"), UserID: ownSpansOnly(c)}
	if s := c.Query("updated_since"); s != "" {
		t, ok := models.ParseTime(s)
		if !ok {
			return f, fieldErr("updated_since", "must be an RFC 3339 timestamp or a YYYY-MM-DD date")
		}
		f.UpdatedSince = &t
	}
	if s := c.Query("article"); s != "" {
		id, err := parseID(s)
		if err != nil {
			return f, fieldErr("article", "must be an article id")
		}
		f.ArticleID = id
	}
	switch l := c.Query("layer"); l {
	case "", models.LayersAnnotators:
	case models.LayerGold, models.LayersAll, models.LayerSuggestion:
		f.Layer = l
	default:
		return f, fieldErr("layer", `must be "annotators" (the default), "gold", "all" (both) or "suggestion"`)
	}
	return f, spanFilter(c, &f)
}

func (h *Handler) listArticleAnnotations(c *gin.Context) {
	aid, err := pathID(c, "article")
	if err != nil {
		fail(c, err)
		return
	}
	f, err := annotationFilter(c)
	if err != nil {
		fail(c, err)
		return
	}
	f.ArticleID = aid
	if f != (models.AnnotationFilter{ArticleID: aid, UserID: f.UserID}) {
		h.listAnnotations(c, f) // filtered lists are not cached
		return
	}
	// in a blind project f.UserID is the caller: cached under their own key
	// The span list beside the text: cached under the article's span
	// version, which SQLite moves on every write to its spans (whatever
	// process writes), and answered with 304 when the client has it.
	st, err := h.store.StampArticle(c.Request.Context(), aid, userOf(c).ID)
	if err != nil {
		fail(c, err)
		return
	}
	key, version := "spans:"+strconv.FormatInt(aid, 10)+":u"+strconv.FormatInt(f.UserID, 10)+"?"+c.Request.URL.RawQuery, st.SpansKey()
	if unchangedFor(c, etagOf(key, version)) {
		return
	}
	if body, ok := h.reads.get(key, version); ok {
		c.Data(http.StatusOK, "application/json; charset=utf-8", body)
		return
	}
	body, err := h.encodeAnnotations(c, f)
	if err != nil {
		fail(c, err)
		return
	}
	h.reads.put(key, version, body)
	c.Data(http.StatusOK, "application/json; charset=utf-8", body)
}

func (h *Handler) listProjectAnnotations(c *gin.Context) {
	pid, err := pathID(c, "project")
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
	h.listAnnotations(c, f)
}

func (h *Handler) listAnnotations(c *gin.Context, f models.AnnotationFilter) {
	body, err := h.encodeAnnotations(c, f)
	if err != nil {
		fail(c, err)
		return
	}
	c.Data(http.StatusOK, "application/json; charset=utf-8", body)
}

// encodeAnnotations builds a list response: {"items": [...], "next_cursor"}.
func (h *Handler) encodeAnnotations(c *gin.Context, f models.AnnotationFilter) ([]byte, error) {
	pg, err := page(c)
	if err != nil {
		return nil, err
	}
	items, next, err := h.store.ListAnnotationsJSON(c.Request.Context(), f, pg)
	if err == nil {
		items, err = h.withContexts(c, items)
	}
	if err != nil {
		return nil, err
	}
	// The items arrive encoded by SQLite; only the envelope is written here.
	var buf bytes.Buffer
	buf.Grow(64 + len(items)*400)
	buf.WriteString(`{"items":[`)
	for i, it := range items {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(it)
	}
	buf.WriteString(`],"next_cursor":`)
	if next == nil {
		buf.WriteString("null")
	} else {
		buf.WriteString(strconv.Quote(*next))
	}
	buf.WriteString("}")
	return buf.Bytes(), nil
}
