package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"slant/models"
)

// Project-scoped access levels: the route's :id names a project, or an
// article, span or label of one, and the caller must be a member of that
// project with at least this role (a global admin always is). A
// non-member gets the same 404 as for a resource that does not exist.
const (
	member  access = iota + 100 // any member: annotator, curator, manager
	curator                     // curator or manager
	manager                     // manager
)

const ctxAccess = "slant.access"

// projectKind says what a project-scoped route's :id names, from its path.
func projectKind(path string) string {
	for _, k := range []struct{ prefix, kind string }{
		{"/projects/:id", "project"}, {"/articles/:id", "article"},
		{"/annotations/:id", "annotation"}, {"/labels/:id", "label"}, {"/relations/:id", "relation"},
	} {
		if path == k.prefix || strings.HasPrefix(path, k.prefix+"/") {
			return k.kind
		}
	}
	return ""
}

// requireProject is the one place that decides whether the caller may
// reach a project's data: it finds the project of the route's :id, asks
// the store what the caller is there, and refuses non-members with 404
// and weaker roles with 403. Handlers read the decision with accessOf.
func (h *Handler) requireProject(path string, need access) gin.HandlerFunc {
	kind := projectKind(path)
	if kind == "" {
		panic("api: project-scoped route without a project id: " + path)
	}
	role := map[access]string{member: models.MemberAnnotator, curator: models.MemberCurator, manager: models.MemberManager}[need]
	return func(c *gin.Context) {
		u := userOf(c)
		if u == nil {
			fail(c, errUnauthorized)
			return
		}
		id, err := pathID(c, kind)
		if err != nil {
			fail(c, err)
			return
		}
		pid := id
		if kind != "project" {
			if pid, err = h.store.ProjectOf(c.Request.Context(), kind, id); err != nil {
				fail(c, err)
				return
			}
		}
		a, err := h.store.ProjectAccess(c.Request.Context(), pid, u)
		if err != nil {
			if kind != "project" && isNotFound(err) {
				err = errf(http.StatusNotFound, "not_found", kind+" not found") // as if it did not exist
			}
			fail(c, err)
			return
		}
		if !a.AtLeast(role) {
			fail(c, errf(http.StatusForbidden, "forbidden", "this needs the "+role+" role in this project"))
			return
		}
		c.Set(ctxAccess, a)
		c.Next()
	}
}

// accessOf is the caller's access to the route's project (zero outside
// project-scoped routes).
func accessOf(c *gin.Context) models.Access {
	if v, ok := c.Get(ctxAccess); ok {
		return v.(models.Access)
	}
	return models.Access{}
}

// ownSpansOnly is the user id whose spans alone the caller may see in
// this project (blind mode), or 0.
func ownSpansOnly(c *gin.Context) int64 {
	if accessOf(c).OwnSpansOnly() {
		return userOf(c).ID
	}
	return 0
}

// isManager says the caller manages the route's project (or is an admin).
func isManager(c *gin.Context) bool { return accessOf(c).AtLeast(models.MemberManager) }
