package api

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"slant/models"
)

// Assignment: managers assign articles to annotators, automatically (k
// per article, balanced and stable: models.AutoAssign) or by hand (a
// filter plus a list of users); every member reads progress. An
// annotator's queue is GET /projects/{id}/articles?assigned=me.

type assignReq struct {
	Filter struct {
		Status    string `json:"status"`
		Source    string `json:"source"`
		Ownership string `json:"ownership"`
		Q         string `json:"q"`
	} `json:"filter"`
	Users []json.RawMessage `json:"users"` // names or ids
}

type progressJSON struct {
	UserID   int64  `json:"user_id"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	Assigned int64  `json:"assigned"`
	Done     int64  `json:"done"`
	Spans    int64  `json:"spans"`
}

func (h *Handler) autoAssign(c *gin.Context) {
	n, err := h.store.AutoAssign(c.Request.Context(), accessOf(c).ProjectID)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"assigned": n})
}

func (h *Handler) assign(c *gin.Context) {
	var req assignReq
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	f := models.ArticleFilter{Status: req.Filter.Status, Source: req.Filter.Source, Ownership: req.Filter.Ownership, Q: req.Filter.Q}
	if f.Ownership != "" && !slices.Contains(models.Ownerships, f.Ownership) {
		fail(c, fieldErr("filter.ownership", "must be one of "+strings.Join(models.Ownerships, ", ")))
		return
	}
	if len(req.Users) == 0 {
		fail(c, fieldErr("users", "name at least one user (a name or an id)"))
		return
	}
	users := make([]int64, len(req.Users))
	for i, raw := range req.Users {
		field := "users[" + strconv.Itoa(i) + "]"
		var id int64
		var name string
		switch {
		case json.Unmarshal(raw, &id) == nil && id > 0:
			users[i] = id
		case json.Unmarshal(raw, &name) == nil && name != "":
			u, err := h.store.UserByName(c.Request.Context(), name)
			if err != nil {
				fail(c, fieldErr(field, "is not a member of this project"))
				return
			}
			users[i] = u.ID
		default:
			fail(c, fieldErr(field, "must be a user's name or id"))
			return
		}
	}
	n, err := h.store.Assign(c.Request.Context(), accessOf(c).ProjectID, f, users)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"assigned": n})
}

// progress lists every annotator's assigned, done and span counts to
// curators and managers; an annotator gets their own row only (in a
// blind project the others' counts would tell them about their work).
func (h *Handler) progress(c *gin.Context) {
	a := accessOf(c)
	rows, err := h.store.Progress(c.Request.Context(), a.ProjectID)
	if err != nil {
		fail(c, err)
		return
	}
	out := []progressJSON{}
	for _, r := range rows {
		if !a.AtLeast(models.MemberCurator) && r.UserID != userOf(c).ID {
			continue
		}
		out = append(out, progressJSON{UserID: r.UserID, Name: r.Name, Role: r.Role, Assigned: r.Assigned, Done: r.Done, Spans: r.Spans})
	}
	list(c, out, nil)
}

// reassign fills the open slots of a project that uses assignment after
// its members changed (a newcomer gets new articles; a leaver's are
// handed on). The change itself has succeeded; a failure here is logged
// and the next run (POST .../assignments/auto) repairs it.
func (h *Handler) reassign(c *gin.Context, projectID int64, always bool) {
	ctx := c.Request.Context()
	if !always {
		uses, err := h.store.HasAssignments(ctx, projectID)
		if err != nil || !uses {
			if err != nil {
				slog.ErrorContext(ctx, "assignment check failed", "err", err, "project", projectID, "request_id", c.GetString(ctxRequestID))
			}
			return
		}
	}
	if _, err := h.store.AutoAssign(ctx, projectID); err != nil {
		slog.ErrorContext(ctx, "automatic assignment failed", "err", err, "project", projectID, "request_id", c.GetString(ctxRequestID))
	}
}
