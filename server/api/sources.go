package api

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"slant/models"
)

type sourceReq struct {
	Domain    string `json:"domain"`
	Name      string `json:"name"`
	Country   string `json:"country"`
	Ownership string `json:"ownership"`
	Notes     string `json:"notes"`
}

type patchSourceReq struct {
	Domain    *string `json:"domain"`
	Name      *string `json:"name"`
	Country   *string `json:"country"`
	Ownership *string `json:"ownership"`
	Notes     *string `json:"notes"`
}

func (r patchSourceReq) Patch(s *models.Source) error {
	for _, f := range []struct {
		dst *string
		src *string
	}{{&s.Domain, r.Domain}, {&s.Name, r.Name}, {&s.Country, r.Country}, {&s.Ownership, r.Ownership}, {&s.Notes, r.Notes}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	return nil
}

func parseID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, models.ErrInvalid
	}
	return id, nil
}

func (h *Handler) listSources(c *gin.Context) {
	pg, err := page(c)
	if err != nil {
		fail(c, err)
		return
	}
	rows, next, err := h.store.ListSources(c.Request.Context(), models.SourceFilter{Ownership: c.Query("ownership"), Q: c.Query("q")}, pg)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]*sourceJSON, len(rows))
	for i := range rows {
		out[i] = sourceView(&rows[i])
	}
	list(c, out, next)
}

func (h *Handler) createSource(c *gin.Context) {
	var req sourceReq
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	src := &models.Source{Domain: req.Domain, Name: req.Name, Country: req.Country, Ownership: req.Ownership, Notes: req.Notes}
	if err := h.store.CreateSource(c.Request.Context(), src); err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, sourceView(src))
}

func (h *Handler) getSource(c *gin.Context) {
	id, err := pathID(c, "source")
	if err != nil {
		fail(c, err)
		return
	}
	src, err := h.store.GetSource(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, sourceView(src))
}

func (h *Handler) patchSource(c *gin.Context) {
	id, err := pathID(c, "source")
	if err != nil {
		fail(c, err)
		return
	}
	var req patchSourceReq
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	src, err := h.store.UpdateSource(c.Request.Context(), id, req.Patch)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, sourceView(src))
}
