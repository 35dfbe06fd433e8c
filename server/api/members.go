package api

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"slant/models"
)

// Project membership: managers (and admins) add people, change their
// role and remove them; every member may see who else is in the project.

type memberReq struct {
	UserID *int64  `json:"user_id"`
	Name   *string `json:"name"` // the user's name, instead of user_id
	Role   string  `json:"role"`
}

func (h *Handler) listMembers(c *gin.Context) {
	ms, err := h.store.ListMembers(c.Request.Context(), accessOf(c).ProjectID)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]memberJSON, len(ms))
	for i := range ms {
		out[i] = memberView(&ms[i])
	}
	list(c, out, nil)
}

func (h *Handler) addMember(c *gin.Context) {
	var req memberReq
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	if req.Role == "" {
		req.Role = models.MemberAnnotator
	}
	var uid int64
	switch {
	case req.UserID != nil:
		uid = *req.UserID
	case req.Name != nil:
		u, err := h.store.UserByName(c.Request.Context(), *req.Name)
		if err != nil {
			fail(c, fieldErr("name", "no user with this name"))
			return
		}
		uid = u.ID
	default:
		fail(c, fieldErr("user_id", "user_id or name is required"))
		return
	}
	h.setMember(c, uid, req.Role)
}

func (h *Handler) patchMember(c *gin.Context) {
	uid, err := strconv.ParseInt(c.Param("user_id"), 10, 64)
	if err != nil || uid <= 0 {
		fail(c, errf(http.StatusNotFound, "not_found", "member not found"))
		return
	}
	var req struct {
		Role string `json:"role"`
	}
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	if _, err := h.memberOf(c, uid); err != nil {
		fail(c, err)
		return
	}
	h.setMember(c, uid, req.Role)
}

func (h *Handler) setMember(c *gin.Context, uid int64, role string) {
	m, created, err := h.store.SetMember(c.Request.Context(), accessOf(c).ProjectID, uid, role)
	if err != nil {
		fail(c, err)
		return
	}
	h.reassign(c, accessOf(c).ProjectID, false)
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	c.JSON(status, memberView(m))
}

func (h *Handler) removeMember(c *gin.Context) {
	uid, err := strconv.ParseInt(c.Param("user_id"), 10, 64)
	if err != nil || uid <= 0 {
		fail(c, errf(http.StatusNotFound, "not_found", "member not found"))
		return
	}
	if err := h.store.RemoveMember(c.Request.Context(), accessOf(c).ProjectID, uid); err != nil {
		fail(c, err)
		return
	}
	h.reassign(c, accessOf(c).ProjectID, false)
	c.Status(http.StatusNoContent)
}

// memberOf finds a current member of the route's project.
func (h *Handler) memberOf(c *gin.Context, uid int64) (*models.Member, error) {
	ms, err := h.store.ListMembers(c.Request.Context(), accessOf(c).ProjectID)
	if err != nil {
		return nil, err
	}
	for i := range ms {
		if ms[i].UserID == uid {
			return &ms[i], nil
		}
	}
	return nil, errf(http.StatusNotFound, "not_found", "member not found")
}
