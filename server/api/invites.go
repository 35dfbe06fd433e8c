package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"slant/models"
)

// Invitations: a project's managers (and admins) make single-use,
// expiring links for a project role; whoever opens one picks a name and
// a password and is signed in as a new member. The link's secret is shown
// once, when it is made; the database keeps only its hash.

// Invite lifetimes, in hours.
const (
	DefaultInviteHours = 72
	MaxInviteHours     = 720
)

type inviteReq struct {
	Role           string `json:"role"`
	ExpiresInHours *int   `json:"expires_in_hours"`
}

type inviteJSON struct {
	ID        int64      `json:"id"`
	ProjectID int64      `json:"project_id"`
	Role      string     `json:"role"`
	State     string     `json:"state"` // open, used or expired
	CreatedBy string     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	UsedAt    *time.Time `json:"used_at"`
	UsedBy    *string    `json:"used_by"`
	// only in the answer that made the invite
	Link   string `json:"link,omitempty"`
	Secret string `json:"secret,omitempty"`
}

func inviteView(inv *models.InviteInfo, now time.Time) inviteJSON {
	v := inviteJSON{ID: inv.ID, ProjectID: inv.ProjectID, Role: inv.Role, State: inv.State(now), CreatedBy: inv.CreatedByName,
		CreatedAt: inv.CreatedAt, ExpiresAt: inv.ExpiresAt, UsedAt: inv.UsedAt}
	if inv.UsedBy != nil {
		name := inv.UsedByName
		v.UsedBy = &name
	}
	return v
}

// inviteLink is the page a link opens: under --public-url when it is
// set, else on the host the request came to (which checkHost allowed).
func (h *Handler) inviteLink(c *gin.Context, secret string) string {
	base := strings.TrimRight(h.cfg.PublicURL, "/")
	if base == "" {
		scheme := "http"
		if c.Request.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + c.Request.Host
	}
	return base + "/#/invite/" + secret
}

func (h *Handler) createInvite(c *gin.Context) {
	var req inviteReq
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	if req.Role == "" {
		req.Role = models.MemberAnnotator
	}
	hours := DefaultInviteHours
	if req.ExpiresInHours != nil {
		hours = *req.ExpiresInHours
	}
	if hours < 1 || hours > MaxInviteHours {
		fail(c, fieldErr("expires_in_hours", "must be from 1 to "+strconv.Itoa(MaxInviteHours)))
		return
	}
	u := userOf(c)
	now := time.Now().UTC()
	inv, secret, err := h.store.CreateInvite(c.Request.Context(), accessOf(c).ProjectID, req.Role, u.ID, now.Add(time.Duration(hours)*time.Hour))
	if err != nil {
		fail(c, err)
		return
	}
	v := inviteView(&models.InviteInfo{Invite: *inv, CreatedByName: u.Name}, now)
	v.Link, v.Secret = h.inviteLink(c, secret), secret
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, v)
}

func (h *Handler) listInvites(c *gin.Context) {
	invs, err := h.store.ListInvites(c.Request.Context(), accessOf(c).ProjectID)
	if err != nil {
		fail(c, err)
		return
	}
	now := time.Now().UTC()
	out := make([]inviteJSON, len(invs))
	for i := range invs {
		out[i] = inviteView(&invs[i], now)
	}
	list(c, out, nil)
}

func (h *Handler) revokeInvite(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("invite_id"), 10, 64)
	if err != nil || id <= 0 {
		fail(c, errf(http.StatusNotFound, "not_found", "invite not found"))
		return
	}
	if err := h.store.RevokeInvite(c.Request.Context(), accessOf(c).ProjectID, id); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// ---- the invitee's side: public, with the secret as the credential ----

// logPath is the request's path as the request log shows it: with an
// invitation's secret masked, since the link works until it is used.
func logPath(c *gin.Context) string {
	if s := c.Param("secret"); s != "" {
		return strings.Replace(c.Request.URL.Path, s, "[secret]", 1)
	}
	return c.Request.URL.Path
}

// inviteKey is the login limiter's key for link guesses from one address.
func inviteKey(c *gin.Context) string { return "invite:" + c.ClientIP() }

// checkInviteSecret throttles guesses at link secrets like password
// guesses (see loginLimiter): an unknown secret counts as a failure, a
// real one gives its attempt back. It returns false after answering.
func (h *Handler) checkInviteSecret(c *gin.Context, err error) bool {
	if !isNotFound(err) {
		h.logins.succeeded("", inviteKey(c))
	}
	if err == nil {
		return true
	}
	if errors.Is(err, models.ErrInviteGone) {
		err = errf(http.StatusGone, "gone", err.Error())
	} else if isNotFound(err) {
		err = errf(http.StatusNotFound, "not_found", "no such invitation; ask for a new link")
	}
	fail(c, err)
	return false
}

type inviteInfoJSON struct {
	ProjectID   int64     `json:"project_id"`
	ProjectName string    `json:"project_name"`
	Role        string    `json:"role"`
	ExpiresAt   time.Time `json:"expires_at"`
}

// getInvite tells the holder of a link what it is for.
func (h *Handler) getInvite(c *gin.Context) {
	if h.throttle(c, inviteKey(c)) {
		return
	}
	v, err := h.store.LookupInvite(c.Request.Context(), c.Param("secret"))
	if !h.checkInviteSecret(c, err) {
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, inviteInfoJSON{ProjectID: v.ProjectID, ProjectName: v.ProjectName, Role: v.Role, ExpiresAt: v.ExpiresAt})
}

type acceptJSON struct {
	sessionJSON
	ProjectID int64  `json:"project_id"`
	Role      string `json:"role"`
}

// acceptInvite makes the new user and member, then signs them in as
// POST /session does. A taken name or a short password leaves the link
// unused.
func (h *Handler) acceptInvite(c *gin.Context) {
	req, ok := h.decodeLogin(c)
	if !ok {
		return
	}
	if h.throttle(c, inviteKey(c)) {
		return
	}
	u, inv, err := h.store.AcceptInvite(c.Request.Context(), c.Param("secret"), req.Name, req.Password)
	if errors.Is(err, models.ErrConflict) {
		// a taken name keeps the attempt counted, or a link would list
		// every user name without limit
		fail(c, err)
		return
	}
	if errors.Is(err, models.ErrInvalid) {
		h.logins.succeeded("", inviteKey(c)) // the secret was right
		fail(c, err)
		return
	}
	if !h.checkInviteSecret(c, err) {
		return
	}
	h.reassign(c, inv.ProjectID, false) // a project that assigns articles gives the newcomer theirs
	s, ok := h.newSession(c, u)
	if !ok {
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, acceptJSON{sessionJSON: s, ProjectID: inv.ProjectID, Role: inv.Role})
}
