package api

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"slant/models"
)

type labelReq struct {
	Key         string `json:"key"`
	Name        string `json:"name"`
	Color       string `json:"color"`
	Hotkey      string `json:"hotkey"`
	Description string `json:"description"`
	SortOrder   *int   `json:"sort_order"`
}

func (r labelReq) model(projectID int64) models.Label {
	l := models.Label{ProjectID: projectID, Key: r.Key, Name: r.Name, Color: r.Color, Hotkey: r.Hotkey, Description: r.Description}
	if r.SortOrder != nil {
		l.SortOrder = *r.SortOrder
	}
	return l
}

type createProjectReq struct {
	Name        string     `json:"name"`
	Description string     `json:"description"`
	Labels      []labelReq `json:"labels"`
}

type patchProjectReq struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
	Blind       *bool   `json:"blind"`
	// AnnotatorsPerArticle is k; raising it above 1 turns blind mode on
	// unless the same request sets blind.
	AnnotatorsPerArticle *int `json:"annotators_per_article"`
}

func (r patchProjectReq) Patch(p *models.Project) error {
	if k := r.AnnotatorsPerArticle; k != nil {
		if *k < 1 || *k > models.MaxAnnotatorsPerArticle {
			return fieldErr("annotators_per_article", "must be from 1 to "+strconv.Itoa(models.MaxAnnotatorsPerArticle))
		}
		if *k > 1 && p.AnnotatorsPerArticle <= 1 && r.Blind == nil {
			p.Blind = true
		}
		p.AnnotatorsPerArticle = *k
	}
	if r.Blind != nil {
		p.Blind = *r.Blind
	}
	if r.Name != nil {
		p.Name = *r.Name
	}
	if r.Description != nil {
		p.Description = *r.Description
	}
	return nil
}

type patchLabelReq struct {
	Key         *string `json:"key"`
	Name        *string `json:"name"`
	Color       *string `json:"color"`
	Hotkey      *string `json:"hotkey"`
	Description *string `json:"description"`
	SortOrder   *int    `json:"sort_order"`
}

func (r patchLabelReq) Patch(l *models.Label) error {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&l.Key, r.Key)
	set(&l.Name, r.Name)
	set(&l.Color, r.Color)
	set(&l.Hotkey, r.Hotkey)
	set(&l.Description, r.Description)
	if r.SortOrder != nil {
		l.SortOrder = *r.SortOrder
	}
	return nil
}

func (h *Handler) listProjects(c *gin.Context) {
	pg, err := page(c)
	if err != nil {
		fail(c, err)
		return
	}
	rows, next, err := h.store.ListProjectsFor(c.Request.Context(), userOf(c), pg)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]projectJSON, len(rows))
	for i := range rows {
		out[i] = projectSummaryView(&rows[i])
	}
	list(c, out, next)
}

func (h *Handler) createProject(c *gin.Context) {
	var req createProjectReq
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	p := &models.Project{Name: req.Name, Description: req.Description}
	labels := make([]models.Label, len(req.Labels))
	for i, l := range req.Labels {
		labels[i] = l.model(0)
	}
	if err := h.store.CreateProject(c.Request.Context(), p, labels); err != nil {
		fail(c, err)
		return
	}
	h.respondProject(c, http.StatusCreated, p.ID)
}

func (h *Handler) respondProject(c *gin.Context, status int, id int64) {
	p, err := h.store.GetProject(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	labels, err := h.store.ListLabels(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	v := projectView(p)
	v.Role = accessOf(c).Role
	if v.Role == "" && isAdmin(c) { // a project an admin just created
		v.Role = models.RoleAdmin
	}
	v.Labels = labelViews(labels)
	if v.Labels == nil {
		v.Labels = []labelJSON{}
	}
	if err := h.schemeExtras(c, &v); err != nil {
		fail(c, err)
		return
	}
	c.JSON(status, v)
}

func (h *Handler) getProject(c *gin.Context) {
	id, err := pathID(c, "project")
	if err != nil {
		fail(c, err)
		return
	}
	h.respondProject(c, http.StatusOK, id)
}

func (h *Handler) patchProject(c *gin.Context) {
	id, err := pathID(c, "project")
	if err != nil {
		fail(c, err)
		return
	}
	var req patchProjectReq
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	if _, err := h.store.UpdateProject(c.Request.Context(), id, req.Patch); err != nil {
		fail(c, err)
		return
	}
	if req.AnnotatorsPerArticle != nil {
		h.reassign(c, id, true)
	}
	h.respondProject(c, http.StatusOK, id)
}

func (h *Handler) deleteProject(c *gin.Context) {
	id, err := pathID(c, "project")
	if err != nil {
		fail(c, err)
		return
	}
	if err := h.store.DeleteProject(c.Request.Context(), id); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// ---- labels ----

func (h *Handler) listLabels(c *gin.Context) {
	id, err := pathID(c, "project")
	if err != nil {
		fail(c, err)
		return
	}
	labels, err := h.store.ListLabels(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	list(c, labelViews(labels), nil)
}

func (h *Handler) createLabel(c *gin.Context) {
	id, err := pathID(c, "project")
	if err != nil {
		fail(c, err)
		return
	}
	var req labelReq
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	l := req.model(id)
	if err := h.store.CreateLabel(c.Request.Context(), &l); err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, labelView(&l))
}

func (h *Handler) patchLabel(c *gin.Context) {
	id, err := pathID(c, "label")
	if err != nil {
		fail(c, err)
		return
	}
	var req patchLabelReq
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	l, err := h.store.UpdateLabel(c.Request.Context(), id, req.Patch)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, labelView(l))
}

func (h *Handler) deleteLabel(c *gin.Context) {
	id, err := pathID(c, "label")
	if err != nil {
		fail(c, err)
		return
	}
	if err := h.store.DeleteLabel(c.Request.Context(), id); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
