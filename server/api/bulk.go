package api

import (
	"net/http"
	"sort"
	"strconv"

	"github.com/gin-gonic/gin"

	"slant/models"
)

type bulkSpanReq struct {
	ArticleID  int64  `json:"article_id"`
	ExternalID string `json:"external_id"`
	annotationReq
	ClientID *string `json:"client_id"`
}

type bulkReq struct {
	Annotations []bulkSpanReq `json:"annotations"`
	// Relations link spans by client_id (of this push, or stored before)
	Relations []bulkRelationReq `json:"relations"`
}

type bulkRelationReq struct {
	Type string `json:"type"`
	From string `json:"from"`
	To   string `json:"to"`
}

type bulkItemErrorJSON struct {
	Index   int               `json:"index"`
	Status  int               `json:"status"`
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields"`
}

func bulkErrors(errs []models.BulkItemError) []bulkItemErrorJSON {
	out := make([]bulkItemErrorJSON, len(errs))
	for i, e := range errs {
		ae := toAPIError(e.Err)
		fields := ae.Fields
		if fields == nil {
			fields = map[string]string{}
		}
		out[i] = bulkItemErrorJSON{Index: e.Index, Status: ae.Status, Code: ae.Code, Message: ae.Message, Fields: fields}
	}
	return out
}

// bulkAnnotations stores up to 10,000 spans in one transaction. The body
// is a JSON array of spans or {"annotations": [...]}. All-or-nothing by
// default; partial=true stores the valid spans and reports the rest by
// index. Repeated client_ids are not stored twice.
func (h *Handler) bulkAnnotations(c *gin.Context) {
	pid, err := pathID(c, "project")
	if err != nil {
		fail(c, err)
		return
	}
	partial, err := boolQuery(c, "partial")
	if err != nil {
		fail(c, err)
		return
	}
	var req bulkReq
	if _, err := decodeArrayOr(c, &req.Annotations, &req); err != nil {
		fail(c, err)
		return
	}
	if err := models.CheckBulkCount(len(req.Annotations) + len(req.Relations)); err != nil {
		fail(c, err)
		return
	}
	rels := make([]models.BulkRelation, len(req.Relations))
	for i, r := range req.Relations {
		rels[i] = models.BulkRelation{Type: r.Type, From: r.From, To: r.To}
	}
	spans := make([]models.BulkSpan, len(req.Annotations))
	var pre []models.BulkItemError
	for i, r := range req.Annotations {
		if r.Label == nil || r.Start == nil || r.End == nil {
			pre = append(pre, models.BulkItemError{Index: i, Err: &models.ValidationError{Code: "validation_failed",
				Message: "label, start and end are required", Fields: map[string]string{"label": "required", "start": "required", "end": "required"}}})
			continue
		}
		spans[i] = models.BulkSpan{ArticleID: r.ArticleID, ExternalID: r.ExternalID, Label: *r.Label, Start: *r.Start, End: *r.End,
			Text: r.Text, Note: r.Note, Attributes: r.Attributes, Origin: r.Origin, ClientID: r.ClientID}
	}
	if len(pre) > 0 && !partial {
		fail(c, &Error{Status: http.StatusUnprocessableEntity, Code: "validation_failed",
			Message: strconv.Itoa(len(pre)) + " span(s) invalid; nothing stored", Extra: map[string]any{"errors": bulkErrors(pre)}})
		return
	}
	if len(pre) > 0 { // partial: drop the incomplete ones, keep indexes
		keep := make([]models.BulkSpan, 0, len(spans))
		index := make([]int, 0, len(spans))
		bad := map[int]bool{}
		for _, p := range pre {
			bad[p.Index] = true
		}
		for i := range spans {
			if !bad[i] {
				keep, index = append(keep, spans[i]), append(index, i)
			}
		}
		h.storeBulk(c, pid, keep, index, pre, len(spans), rels, true)
		return
	}
	index := make([]int, len(spans))
	for i := range index {
		index[i] = i
	}
	h.storeBulk(c, pid, spans, index, nil, len(spans), rels, partial)
}

func (h *Handler) storeBulk(c *gin.Context, pid int64, spans []models.BulkSpan, index []int, pre []models.BulkItemError, total int, rels []models.BulkRelation, partial bool) {
	ids := make([]*int64, total)
	res := &models.BulkResult{RelationIDs: make([]int64, len(rels))}
	if len(spans) > 0 || len(rels) > 0 {
		var err error
		res, err = h.store.BulkCreate(c.Request.Context(), pid, userOf(c).ID, spans, rels, partial)
		if err != nil {
			if be, ok := err.(*models.BulkError); ok {
				fail(c, &Error{Status: http.StatusUnprocessableEntity, Code: "validation_failed", Message: be.Error(),
					Extra: map[string]any{"errors": bulkErrors(sortedErrs(append(pre, remap(be.Result.Errors, index)...))),
						"relation_errors": bulkErrors(be.Result.RelationErrors)}})
				return
			}
			fail(c, err)
			return
		}
		for j, id := range res.IDs {
			if id != 0 {
				ids[index[j]] = &id
			}
		}
	}
	errs := append(pre, remap(res.Errors, index)...)
	sort.Slice(errs, func(a, b int) bool { return errs[a].Index < errs[b].Index })
	relIDs := make([]*int64, len(rels))
	for i, id := range res.RelationIDs {
		if id != 0 {
			relIDs[i] = &id
		}
	}
	c.JSON(http.StatusOK, gin.H{"created": res.Created, "existing": res.Existing, "failed": len(errs),
		"ids": ids, "errors": bulkErrors(errs), "relations_created": res.RelationsCreated, "relation_ids": relIDs,
		"relation_errors": bulkErrors(res.RelationErrors)})
}

func sortedErrs(errs []models.BulkItemError) []models.BulkItemError {
	sort.Slice(errs, func(a, b int) bool { return errs[a].Index < errs[b].Index })
	return errs
}

func remap(errs []models.BulkItemError, index []int) []models.BulkItemError {
	out := make([]models.BulkItemError, len(errs))
	for i, e := range errs {
		out[i] = models.BulkItemError{Index: index[e.Index], Err: e.Err}
	}
	return out
}

// deleteAnnotationsByOrigin removes one origin's spans (e.g. a model's
// predictions). Admins remove everyone's; annotators only their own.
func (h *Handler) deleteAnnotationsByOrigin(c *gin.Context) {
	pid, err := pathID(c, "project")
	if err != nil {
		fail(c, err)
		return
	}
	var only int64
	if !isManager(c) { // managers remove everyone's
		only = userOf(c).ID
	}
	n, err := h.store.DeleteAnnotationsByOrigin(c.Request.Context(), pid, c.Query("origin"), only)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"deleted": n})
}
