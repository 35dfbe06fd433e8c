package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"slant/models"
)

// Adjudication (the gold layer) and span history. Curators and managers
// decide; every member may read the history of a span they can see.

type passageJSON struct {
	Start      int      `json:"start"`
	End        int      `json:"end"`
	Kind       string   `json:"kind"`
	SpanIDs    []int64  `json:"span_ids"`
	Annotators []string `json:"annotators"`
	GoldIDs    []int64  `json:"gold_ids"`
	Rejections []int64  `json:"rejection_ids"`
	Resolved   bool     `json:"resolved"`
}

type rejectionJSON struct {
	ID         int64          `json:"id"`
	ArticleID  int64          `json:"article_id"`
	Label      *string        `json:"label"`
	Start      int            `json:"start"`
	End        int            `json:"end"`
	DecidedBy  string         `json:"decided_by"`
	Provenance models.JSONMap `json:"provenance"`
	CreatedAt  time.Time      `json:"created_at"`
}

func rejectionView(r *models.Rejection) rejectionJSON {
	out := rejectionJSON{ID: r.ID, ArticleID: r.ArticleID, Label: optional(r.LabelKey), Start: r.Start, End: r.End,
		DecidedBy: r.DecidedByName, Provenance: r.Provenance, CreatedAt: r.CreatedAt.UTC()}
	if out.Provenance == nil {
		out.Provenance = models.JSONMap{}
	}
	return out
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// getCuration answers everything the curation view of an article shows.
func (h *Handler) getCuration(c *gin.Context) {
	aid, err := pathID(c, "article")
	if err != nil {
		fail(c, err)
		return
	}
	cur, err := h.store.ArticleCuration(c.Request.Context(), aid)
	if err != nil {
		fail(c, err)
		return
	}
	spans := make([]annotationJSON, len(cur.Spans))
	for i := range cur.Spans {
		spans[i] = annotationView(&cur.Spans[i])
	}
	gold := make([]annotationJSON, len(cur.Gold))
	for i := range cur.Gold {
		gold[i] = annotationView(&cur.Gold[i])
	}
	rej := make([]rejectionJSON, len(cur.Rejections))
	for i := range cur.Rejections {
		rej[i] = rejectionView(&cur.Rejections[i])
	}
	ps := make([]passageJSON, len(cur.Passages))
	open := 0
	for i, p := range cur.Passages {
		ps[i] = passageJSON{Start: p.Start, End: p.End, Kind: p.Kind, SpanIDs: nonNil(p.SpanIDs), Annotators: nonNil(p.Annotators),
			GoldIDs: nonNil(p.GoldIDs), Rejections: nonNil(p.Rejections), Resolved: p.Resolved}
		if !p.Resolved {
			open++
		}
	}
	c.JSON(http.StatusOK, gin.H{"article_id": aid, "annotators": nonNil(cur.Annotators), "spans": spans, "gold": gold,
		"rejections": rej, "passages": ps, "open": open})
}

type goldReq struct {
	Label *string `json:"label"`
	Start *int    `json:"start"`
	End   *int    `json:"end"`
	Note  string  `json:"note"`
	From  []int64 `json:"from"`
}

// createGold writes a curator's decision into the gold layer.
func (h *Handler) createGold(c *gin.Context) {
	aid, err := pathID(c, "article")
	if err != nil {
		fail(c, err)
		return
	}
	var req goldReq
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	if err := (annotationReq{Label: req.Label, Start: req.Start, End: req.End}).validate(); err != nil {
		fail(c, err)
		return
	}
	g, err := h.store.AcceptGold(c.Request.Context(), models.GoldDecision{ArticleID: aid, CuratorID: userOf(c).ID,
		Label: *req.Label, Start: *req.Start, End: *req.End, Note: req.Note, From: req.From})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, annotationView(g))
}

type rejectReq struct {
	Label string  `json:"label"`
	Start *int    `json:"start"`
	End   *int    `json:"end"`
	From  []int64 `json:"from"`
}

// createRejection records a passage a curator wants no gold span at.
func (h *Handler) createRejection(c *gin.Context) {
	aid, err := pathID(c, "article")
	if err != nil {
		fail(c, err)
		return
	}
	var req rejectReq
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	if req.Start == nil || req.End == nil {
		fail(c, &models.ValidationError{Code: "validation_failed", Message: "missing required fields",
			Fields: map[string]string{"start": "is required with end: the rejected passage"}})
		return
	}
	r, err := h.store.RejectPassage(c.Request.Context(), aid, userOf(c).ID, req.Label, *req.Start, *req.End, req.From)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, rejectionView(r))
}

func (h *Handler) deleteRejection(c *gin.Context) {
	aid, err := pathID(c, "article")
	if err != nil {
		fail(c, err)
		return
	}
	rid, err := subID(c, "rejection_id", "rejection")
	if err != nil {
		fail(c, err)
		return
	}
	if err := h.store.DeleteRejection(c.Request.Context(), aid, rid); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// acceptAgreed puts every span all annotators agree on into the gold
// layer, for a whole project or (inArticle) one article; ?dry_run=true
// only counts.
func (h *Handler) acceptAgreed(inArticle bool) gin.HandlerFunc {
	return func(c *gin.Context) { h.acceptAgreedIn(c, inArticle) }
}

func (h *Handler) acceptAgreedIn(c *gin.Context, inArticle bool) {
	var articleID int64
	if inArticle {
		id, err := pathID(c, "article")
		if err != nil {
			fail(c, err)
			return
		}
		articleID = id
	}
	dry := false
	switch c.Query("dry_run") {
	case "", "false", "0":
	case "true", "1":
		dry = true
	default:
		fail(c, fieldErr("dry_run", "must be true or false"))
		return
	}
	found, created, err := h.store.AcceptAgreed(c.Request.Context(), accessOf(c).ProjectID, articleID, userOf(c).ID, dry)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"agreed": found, "created": created, "dry_run": dry})
}

type historyJSON struct {
	ID           int64           `json:"id"`
	AnnotationID int64           `json:"annotation_id"`
	ArticleID    int64           `json:"article_id"`
	Action       string          `json:"action"`
	Actor        *string         `json:"actor"`
	At           time.Time       `json:"at"`
	Before       json.RawMessage `json:"before"`
	After        json.RawMessage `json:"after"`
	// Recorded is false for the creation of an imported span, which is
	// read from the span itself (imports do not write a row per span).
	Recorded bool `json:"recorded"`
}

func historyView(e *models.HistoryEntry) historyJSON {
	out := historyJSON{ID: e.ID, AnnotationID: e.AnnotationID, ArticleID: e.ArticleID, Action: e.Action, Actor: optional(e.ActorName),
		At: e.At.UTC(), Before: e.Before, After: e.After, Recorded: !e.Synthetic}
	if out.Before == nil {
		out.Before = json.RawMessage("null")
	}
	if out.After == nil {
		out.After = json.RawMessage("null")
	}
	return out
}

// annotationHistory lists the changes of one live span.
func (h *Handler) annotationHistory(c *gin.Context) {
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
		fail(c, errf(http.StatusNotFound, "not_found", "annotation not found"))
		return
	}
	entries, err := h.store.SpanHistory(c.Request.Context(), a.ProjectID, id)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]historyJSON, len(entries))
	for i := range entries {
		out[i] = historyView(&entries[i])
	}
	list(c, out, nil)
}

// projectHistory pages through a project's span changes, for audits:
// ?since= (RFC 3339), ?article=, ?annotation= (a deleted span's too).
func (h *Handler) projectHistory(c *gin.Context) {
	pg, err := page(c)
	if err != nil {
		fail(c, err)
		return
	}
	pid := accessOf(c).ProjectID
	var f models.HistoryFilter
	if s := c.Query("since"); s != "" {
		t, ok := models.ParseTime(s)
		if !ok {
			fail(c, fieldErr("since", "must be an RFC 3339 timestamp or a YYYY-MM-DD date"))
			return
		}
		f.Since = &t
	}
	if s := c.Query("article"); s != "" {
		if f.ArticleID, err = parseID(s); err != nil {
			fail(c, fieldErr("article", "must be an article id"))
			return
		}
	}
	if s := c.Query("annotation"); s != "" {
		aid, err := parseID(s)
		if err != nil {
			fail(c, fieldErr("annotation", "must be an annotation id"))
			return
		}
		entries, err := h.store.SpanHistory(c.Request.Context(), pid, aid)
		if err != nil {
			fail(c, err)
			return
		}
		out := make([]historyJSON, len(entries))
		for i := range entries {
			out[i] = historyView(&entries[i])
		}
		list(c, out, nil)
		return
	}
	entries, next, err := h.store.ProjectHistory(c.Request.Context(), pid, f, pg)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]historyJSON, 0, len(entries))
	for i := range entries {
		out = append(out, historyView(&entries[i]))
	}
	list(c, out, next)
}

// restoreAnnotation brings back a deleted span under its id, with the
// links its deletion removed: whoever may delete it may (its annotator,
// curators and managers; in a blind project an annotator only their own).
func (h *Handler) restoreAnnotation(c *gin.Context) {
	aid, err := subID(c, "annotation_id", "annotation")
	if err != nil {
		fail(c, err)
		return
	}
	owner, err := h.store.DeletedSpanOwner(c.Request.Context(), accessOf(c).ProjectID, aid)
	if err != nil {
		fail(c, err)
		return
	}
	if owner != userOf(c).ID && !accessOf(c).AtLeast(models.MemberCurator) {
		if ownSpansOnly(c) != 0 {
			fail(c, errf(http.StatusNotFound, "not_found", "deleted annotation not found"))
		} else {
			fail(c, errf(http.StatusForbidden, "forbidden", "only the span's annotator, a curator or a manager may restore it"))
		}
		return
	}
	a, err := h.store.RestoreAnnotation(c.Request.Context(), accessOf(c).ProjectID, aid)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, annotationView(a))
}
