package api

import (
	"net/http"
	"slices"
	"sort"
	"time"

	"github.com/gin-gonic/gin"

	"slant/models"
)

// Relations between spans, their types, and article-level labels. A
// relation follows the rules of its spans: whoever may change the spans
// may link or unlink them.

type relationTypeJSON struct {
	ID          int64   `json:"id"`
	Key         string  `json:"key"`
	Name        string  `json:"name"`
	FromLabel   *string `json:"from_label"`
	ToLabel     *string `json:"to_label"`
	Hotkey      string  `json:"hotkey"`
	Description string  `json:"description"`
	SortOrder   int     `json:"sort_order"`
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func relationTypeView(t *models.RelationType) relationTypeJSON {
	return relationTypeJSON{ID: t.ID, Key: t.Key, Name: t.Name, FromLabel: optional(t.FromLabel), ToLabel: optional(t.ToLabel),
		Hotkey: t.Hotkey, Description: t.Description, SortOrder: t.SortOrder}
}

type docOptionJSON struct {
	Key       string `json:"key"`
	Name      string `json:"name"`
	Hotkey    string `json:"hotkey"`
	SortOrder int    `json:"sort_order"`
}

type docGroupJSON struct {
	ID          int64           `json:"id"`
	Key         string          `json:"key"`
	Name        string          `json:"name"`
	Multiple    bool            `json:"multiple"`
	Description string          `json:"description"`
	SortOrder   int             `json:"sort_order"`
	Options     []docOptionJSON `json:"options"`
}

func docGroupView(g *models.DocLabelGroup) docGroupJSON {
	out := docGroupJSON{ID: g.ID, Key: g.Key, Name: g.Name, Multiple: g.Multiple, Description: g.Description, SortOrder: g.SortOrder,
		Options: []docOptionJSON{}}
	for _, o := range g.Options {
		out.Options = append(out.Options, docOptionJSON{Key: o.Key, Name: o.Name, Hotkey: o.Hotkey, SortOrder: o.SortOrder})
	}
	return out
}

// schemeExtras adds the relation types and article label groups to a
// project's answer.
func (h *Handler) schemeExtras(c *gin.Context, v *projectJSON) error {
	ts, err := h.store.ListRelationTypes(c.Request.Context(), v.ID)
	if err != nil {
		return err
	}
	v.RelationTypes = make([]relationTypeJSON, len(ts))
	for i := range ts {
		v.RelationTypes[i] = relationTypeView(&ts[i])
	}
	gs, err := h.store.ListDocLabelGroups(c.Request.Context(), v.ID)
	if err != nil {
		return err
	}
	v.DocumentLabels = make([]docGroupJSON, len(gs))
	for i := range gs {
		v.DocumentLabels[i] = docGroupView(&gs[i])
	}
	return nil
}

type relationTypeReq struct {
	Key         string  `json:"key"`
	Name        *string `json:"name"`
	FromLabel   *string `json:"from_label"`
	ToLabel     *string `json:"to_label"`
	Hotkey      *string `json:"hotkey"`
	Description *string `json:"description"`
	SortOrder   *int    `json:"sort_order"`
}

func (h *Handler) listRelationTypes(c *gin.Context) {
	ts, err := h.store.ListRelationTypes(c.Request.Context(), accessOf(c).ProjectID)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]relationTypeJSON, len(ts))
	for i := range ts {
		out[i] = relationTypeView(&ts[i])
	}
	list(c, out, nil)
}

func (h *Handler) createRelationType(c *gin.Context) {
	var req relationTypeReq
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	t := &models.RelationType{ProjectID: accessOf(c).ProjectID, Key: req.Key, Name: deref(req.Name), FromLabel: deref(req.FromLabel),
		ToLabel: deref(req.ToLabel), Hotkey: deref(req.Hotkey), Description: deref(req.Description)}
	if req.SortOrder != nil {
		t.SortOrder = *req.SortOrder
	}
	if err := h.store.CreateRelationType(c.Request.Context(), t); err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, relationTypeView(t))
}

func (h *Handler) patchRelationType(c *gin.Context) {
	id, err := subID(c, "type_id", "relation type")
	if err != nil {
		fail(c, err)
		return
	}
	var req relationTypeReq
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	t, err := h.store.UpdateRelationType(c.Request.Context(), accessOf(c).ProjectID, id, models.RelationTypePatch{Name: req.Name,
		FromLabel: req.FromLabel, ToLabel: req.ToLabel, Hotkey: req.Hotkey, Description: req.Description, SortOrder: req.SortOrder})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, relationTypeView(t))
}

func (h *Handler) deleteRelationType(c *gin.Context) {
	id, err := subID(c, "type_id", "relation type")
	if err != nil {
		fail(c, err)
		return
	}
	if err := h.store.DeleteRelationType(c.Request.Context(), accessOf(c).ProjectID, id); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type relationJSON struct {
	ID        int64     `json:"id"`
	ArticleID int64     `json:"article_id"`
	Type      string    `json:"type"`
	From      int64     `json:"from"`
	To        int64     `json:"to"`
	Annotator string    `json:"annotator"`
	Layer     string    `json:"layer"`
	Origin    string    `json:"origin"`
	CreatedAt time.Time `json:"created_at"`
}

func relationView(r *models.Relation) relationJSON {
	return relationJSON{ID: r.ID, ArticleID: r.ArticleID, Type: r.Type, From: r.FromID, To: r.ToID, Annotator: r.Annotator,
		Layer: r.Layer, Origin: r.Origin, CreatedAt: r.CreatedAt.UTC()}
}

type relationReq struct {
	Type   string `json:"type"`
	From   *int64 `json:"from"`
	To     *int64 `json:"to"`
	Origin string `json:"origin"`
}

// mayChangeSpan says whether the caller may change span id: their own,
// or anyone's for curators, managers and admins (as PATCH /annotations).
func (h *Handler) mayChangeSpan(c *gin.Context, id int64, field string) error {
	a, err := h.store.GetAnnotation(c.Request.Context(), id)
	if err != nil {
		if isNotFound(err) {
			return fieldErr(field, "is not a span")
		}
		return err
	}
	if uid := ownSpansOnly(c); uid != 0 && a.UserID != uid {
		return fieldErr(field, "is not a span")
	}
	if a.UserID != userOf(c).ID && !accessOf(c).AtLeast(models.MemberCurator) {
		return errf(http.StatusForbidden, "forbidden", "only the spans' annotator, a curator or a manager may link them")
	}
	return nil
}

func (h *Handler) createRelation(c *gin.Context) {
	aid, err := pathID(c, "article")
	if err != nil {
		fail(c, err)
		return
	}
	var req relationReq
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	fields := map[string]string{}
	if req.Type == "" {
		fields["type"] = "is required (a relation type key, e.g. said_by)"
	}
	if req.From == nil {
		fields["from"] = "is required (the id of the span the link starts at)"
	}
	if req.To == nil {
		fields["to"] = "is required (the id of the span it points to)"
	}
	if len(fields) > 0 {
		fail(c, &models.ValidationError{Code: "validation_failed", Message: "missing required fields", Fields: fields})
		return
	}
	if err := h.mayChangeSpan(c, *req.From, "from"); err != nil {
		fail(c, err)
		return
	}
	if uid := ownSpansOnly(c); uid != 0 { // blind: a colleague's span does not exist
		if to, err := h.store.GetAnnotation(c.Request.Context(), *req.To); err != nil || to.UserID != uid {
			fail(c, fieldErr("to", "is not a span"))
			return
		}
	}
	r, err := h.store.CreateRelation(c.Request.Context(), models.RelationIn{ArticleID: aid, Type: req.Type, FromID: *req.From, ToID: *req.To, Origin: req.Origin})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, relationView(r))
}

func relationLayer(c *gin.Context) (string, error) {
	switch l := c.Query("layer"); l {
	case "", models.LayersAnnotators:
		return "", nil
	case models.LayerGold, models.LayersAll:
		return l, nil
	}
	return "", fieldErr("layer", `must be "annotators" (the default), "gold" or "all"`)
}

func (h *Handler) listArticleRelations(c *gin.Context) {
	aid, err := pathID(c, "article")
	if err != nil {
		fail(c, err)
		return
	}
	layer, err := relationLayer(c)
	if err != nil {
		fail(c, err)
		return
	}
	h.listRelations(c, models.RelationFilter{ArticleID: aid, UserID: ownSpansOnly(c), Layer: layer})
}

func (h *Handler) listProjectRelations(c *gin.Context) {
	layer, err := relationLayer(c)
	if err != nil {
		fail(c, err)
		return
	}
	h.listRelations(c, models.RelationFilter{ProjectID: accessOf(c).ProjectID, UserID: ownSpansOnly(c), Layer: layer})
}

func (h *Handler) listRelations(c *gin.Context, f models.RelationFilter) {
	pg, err := page(c)
	if err != nil {
		fail(c, err)
		return
	}
	rs, next, err := h.store.ListRelations(c.Request.Context(), f, pg)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]relationJSON, len(rs))
	for i := range rs {
		out[i] = relationView(&rs[i])
	}
	list(c, out, next)
}

func (h *Handler) deleteRelation(c *gin.Context) {
	id, err := pathID(c, "relation")
	if err != nil {
		fail(c, err)
		return
	}
	r, err := h.store.GetRelation(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	if err := h.mayChangeSpan(c, r.FromID, "from"); err != nil {
		if ve, ok := err.(*Error); ok && ve.Status == http.StatusUnprocessableEntity {
			err = errf(http.StatusNotFound, "not_found", "relation not found")
		}
		fail(c, err)
		return
	}
	if err := h.store.DeleteRelation(c.Request.Context(), id); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// ---- article-level labels ----

type docGroupReq struct {
	Key         string          `json:"key"`
	Name        string          `json:"name"`
	Multiple    bool            `json:"multiple"`
	Description string          `json:"description"`
	SortOrder   int             `json:"sort_order"`
	Options     []docOptionJSON `json:"options"`
}

func (r docGroupReq) group(projectID, id int64) *models.DocLabelGroup {
	g := &models.DocLabelGroup{ID: id, ProjectID: projectID, Key: r.Key, Name: r.Name, Multiple: r.Multiple, Description: r.Description, SortOrder: r.SortOrder}
	for _, o := range r.Options {
		g.Options = append(g.Options, models.DocLabelOption{Key: o.Key, Name: o.Name, Hotkey: o.Hotkey, SortOrder: o.SortOrder})
	}
	return g
}

func (h *Handler) listDocGroups(c *gin.Context) {
	gs, err := h.store.ListDocLabelGroups(c.Request.Context(), accessOf(c).ProjectID)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]docGroupJSON, len(gs))
	for i := range gs {
		out[i] = docGroupView(&gs[i])
	}
	list(c, out, nil)
}

func (h *Handler) createDocGroup(c *gin.Context) {
	var req docGroupReq
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	g := req.group(accessOf(c).ProjectID, 0)
	if err := h.store.SaveDocLabelGroup(c.Request.Context(), g); err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, docGroupView(g))
}

func (h *Handler) putDocGroup(c *gin.Context) {
	id, err := subID(c, "group_id", "article label group")
	if err != nil {
		fail(c, err)
		return
	}
	var req docGroupReq
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	g := req.group(accessOf(c).ProjectID, id)
	if err := h.store.SaveDocLabelGroup(c.Request.Context(), g); err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, docGroupView(g))
}

func (h *Handler) deleteDocGroup(c *gin.Context) {
	id, err := subID(c, "group_id", "article label group")
	if err != nil {
		fail(c, err)
		return
	}
	if err := h.store.DeleteDocLabelGroup(c.Request.Context(), accessOf(c).ProjectID, id); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type articleLabelJSON struct {
	Group     string    `json:"group"`
	Option    string    `json:"option"`
	Annotator string    `json:"annotator"`
	Layer     string    `json:"layer"`
	DecidedBy *string   `json:"decided_by"`
	CreatedAt time.Time `json:"created_at"`
}

// getArticleLabels lists the article's chosen options: everyone's the
// caller may see (a blind annotator only their own), ?annotator=NAME for
// one annotator's, ?layer= as for spans.
func (h *Handler) getArticleLabels(c *gin.Context) {
	aid, err := pathID(c, "article")
	if err != nil {
		fail(c, err)
		return
	}
	layer, err := relationLayer(c)
	if err != nil {
		fail(c, err)
		return
	}
	f := models.ArticleLabelFilter{ArticleID: aid, Layer: layer, UserID: ownSpansOnly(c)}
	ls, err := h.store.ListArticleLabels(c.Request.Context(), f)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]articleLabelJSON, 0, len(ls))
	for _, l := range ls {
		if name := c.Query("annotator"); name != "" && l.Annotator != name {
			continue
		}
		out = append(out, articleLabelJSON{Group: l.Group, Option: l.Option, Annotator: l.Annotator, Layer: l.Layer,
			DecidedBy: optional(l.DecidedByName), CreatedAt: l.CreatedAt.UTC()})
	}
	list(c, out, nil)
}

type articleLabelsReq struct {
	Options []string `json:"options"`
	Layer   string   `json:"layer"` // "" or "gold" (curators)
}

// putArticleLabels sets the caller's choice in one group (or, with
// layer gold, the gold layer's, for curators and managers).
func (h *Handler) putArticleLabels(c *gin.Context) {
	aid, err := pathID(c, "article")
	if err != nil {
		fail(c, err)
		return
	}
	var req articleLabelsReq
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	gold := false
	switch req.Layer {
	case "", models.LayerAnnotator:
	case models.LayerGold:
		if !accessOf(c).AtLeast(models.MemberCurator) {
			fail(c, errf(http.StatusForbidden, "forbidden", "only curators and managers decide the gold layer"))
			return
		}
		gold = true
	default:
		fail(c, fieldErr("layer", `must be "annotator" (the default) or "gold"`))
		return
	}
	// answered as stored: sorted, each option once
	opts := append([]string{}, req.Options...)
	sort.Strings(opts)
	opts = slices.Compact(opts)
	req.Options = opts
	if err := h.store.SetArticleLabels(c.Request.Context(), aid, c.Param("group"), userOf(c).ID, gold, req.Options); err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"group": c.Param("group"), "options": req.Options, "layer": map[bool]string{true: models.LayerGold, false: models.LayerAnnotator}[gold]})
}
