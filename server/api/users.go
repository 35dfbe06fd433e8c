package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"slant/models"
)

// accountJSON is a user as admins see it: with the account's state.
type accountJSON struct {
	userJSON
	Disabled   bool       `json:"disabled"`
	DisabledAt *time.Time `json:"disabled_at"`
}

func accountView(a *models.Account) accountJSON {
	return accountJSON{userJSON: userView(&a.User), Disabled: a.DisabledAt != nil, DisabledAt: a.DisabledAt}
}

type patchUserReq struct {
	Disabled *bool   `json:"disabled"`
	Role     *string `json:"role"`
}

func (h *Handler) listUsers(c *gin.Context) {
	accts, err := h.store.ListAccounts(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]accountJSON, len(accts))
	for i := range accts {
		out[i] = accountView(&accts[i])
	}
	list(c, out, nil)
}

// patchUser disables, enables or changes the role of a user. It takes
// effect on the user's next request: a disabled user's sessions end and
// their tokens stop working. The last active admin cannot be disabled or
// demoted (409).
func (h *Handler) patchUser(c *gin.Context) {
	id, err := pathID(c, "user")
	if err != nil {
		fail(c, err)
		return
	}
	var req patchUserReq
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	a, err := h.store.UpdateAccount(c.Request.Context(), id, models.AccountPatch{Disabled: req.Disabled, Role: req.Role})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, accountView(a))
}

// deleteUser removes a user without spans; a user with spans is a 409
// (disable them instead, so their work stays attributed).
func (h *Handler) deleteUser(c *gin.Context) {
	id, err := pathID(c, "user")
	if err != nil {
		fail(c, err)
		return
	}
	if err := h.store.DeleteUser(c.Request.Context(), id); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// revokeUserTokens deletes every API token of a user; they stop working
// at once.
func (h *Handler) revokeUserTokens(c *gin.Context) {
	id, err := pathID(c, "user")
	if err != nil {
		fail(c, err)
		return
	}
	n, err := h.store.RevokeTokens(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"revoked": n})
}
