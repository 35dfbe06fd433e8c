// Package api is slant's HTTP layer: a gin router, one file per resource,
// and a single error mapper. Handlers never touch SQL; the Store does.
package api

import (
	"errors"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"slant/models"
	"slant/server/ingest"
)

// Config is what the HTTP layer needs from the command line.
type Config struct {
	MaxBodyBytes  int64 // request body cap; larger bodies get 413
	SecureCookies bool  // set Secure on the session cookie (behind HTTPS)
	UI            fs.FS // embedded frontend (may be nil in tests)
	Import        ingest.Limits

	// BodyTimeout is how long a client has, from the moment its request
	// reaches the API, to send the whole body; a body that is late gets
	// 408. ImportBodyTimeout is the same for import uploads. Zero or less
	// means the default.
	BodyTimeout       time.Duration
	ImportBodyTimeout time.Duration
	// ImportChunk is how long an import holds the database's single
	// writer before it commits a chunk and lets annotators' saves in
	// (0: models.ImportChunk; negative: one transaction per import, for
	// benchmark baselines only).
	ImportChunk time.Duration

	// PublicURL is the address users reach slant at (behind a proxy, the
	// proxy's); its host is allowed, and its origin may log in.
	// AllowedHosts are more Host names to answer to ("*": any). Loopback
	// names are always allowed; any other Host gets 421.
	PublicURL    string
	AllowedHosts []string
	// TrustedProxies are the addresses or CIDR ranges of reverse proxies
	// whose X-Forwarded-For names the client (for login throttling and
	// the loopback-only setup). Empty: the TCP peer is the client.
	TrustedProxies []string

	// ExportsPerUser is how many exports one user may stream at once
	// (0: DefaultExportsPerUser). ExportStallTimeout is how long an export
	// waits for a client that stops reading before it gives up (0:
	// DefaultExportStallTimeout).
	ExportsPerUser     int
	ExportStallTimeout time.Duration
}

// DefaultMaxBodyBytes is 10 MiB.
const DefaultMaxBodyBytes = 10 << 20

// Default body timeouts: 2 minutes for JSON bodies (at most 10 MiB), 10
// minutes for import uploads (at most 256 MiB by default, about 3.6 Mbit/s).
const (
	DefaultBodyTimeout       = 2 * time.Minute
	DefaultImportBodyTimeout = 10 * time.Minute
)

// Handler holds what every handler needs. No globals.
type Handler struct {
	store   *models.Store
	cfg     Config
	logins  *loginLimiter
	hosts   *hostPolicy
	exports *exportSlots
	reads   *readCache // encoded articles and span lists, by version
	// workbooks lets one xlsx export run at a time (they are built in
	// memory and on disk before the first byte goes out)
	workbooks chan struct{}
}

// Route is one API route with the access level it requires.
type Route struct {
	Method string
	Path   string // gin syntax, relative to /api/v1
	Access access
	Handle gin.HandlerFunc
}

// Routes is the complete API. The authorization test walks this list.
func (h *Handler) Routes() []Route {
	return []Route{
		{"GET", "/health", public, h.health},
		{"GET", "/openapi.json", public, h.openapi},
		{"GET", "/setup", public, h.getSetup},
		{"POST", "/setup", public, h.setup},
		{"POST", "/session", public, h.login},
		{"GET", "/session", authed, h.getSession},
		{"DELETE", "/session", authed, h.logout},
		{"GET", "/me", authed, h.me},
		{"POST", "/me/password", authed, h.changePassword},
		{"GET", "/users", adminOnly, h.listUsers},
		{"POST", "/users", adminOnly, h.createUser},
		{"PATCH", "/users/:id", adminOnly, h.patchUser},
		{"DELETE", "/users/:id", adminOnly, h.deleteUser},
		{"DELETE", "/users/:id/tokens", adminOnly, h.revokeUserTokens},

		{"GET", "/projects", authed, h.listProjects},
		{"POST", "/projects", adminOnly, h.createProject},
		{"GET", "/projects/:id", member, h.getProject},
		{"PATCH", "/projects/:id", manager, h.patchProject},
		{"DELETE", "/projects/:id", manager, h.deleteProject},

		{"GET", "/projects/:id/labels", member, h.listLabels},
		{"POST", "/projects/:id/labels", manager, h.createLabel},
		{"PATCH", "/labels/:id", manager, h.patchLabel},
		{"DELETE", "/labels/:id", manager, h.deleteLabel},

		{"GET", "/projects/:id/articles", member, h.listArticles},
		{"POST", "/projects/:id/articles", member, h.createArticles},
		{"POST", "/projects/:id/import", member, h.importArticles},
		{"GET", "/projects/:id/imports", member, h.listImports},
		{"GET", "/articles/:id", member, h.getArticle},
		{"PATCH", "/articles/:id", manager, h.patchArticle},
		{"DELETE", "/articles/:id", manager, h.deleteArticle},
		{"POST", "/articles/:id/done", member, h.markDone},
		{"DELETE", "/articles/:id/done", member, h.unmarkDone},

		{"GET", "/articles/:id/annotations", member, h.listArticleAnnotations},
		{"POST", "/articles/:id/annotations", member, h.createAnnotation},
		{"GET", "/annotations/:id", member, h.getAnnotation},
		{"PATCH", "/annotations/:id", member, h.patchAnnotation},
		{"DELETE", "/annotations/:id", member, h.deleteAnnotation},
		{"GET", "/projects/:id/annotations", member, h.listProjectAnnotations},
		{"POST", "/projects/:id/annotations/bulk", member, h.bulkAnnotations},
		{"DELETE", "/projects/:id/annotations", member, h.deleteAnnotationsByOrigin},
		{"GET", "/projects/:id/export", member, h.exports.wrap(h.export)},
		{"GET", "/projects/:id/stats", member, h.stats},
		{"GET", "/projects/:id/members", member, h.listMembers},
		{"POST", "/projects/:id/members", manager, h.addMember},
		{"PATCH", "/projects/:id/members/:user_id", manager, h.patchMember},
		{"DELETE", "/projects/:id/members/:user_id", manager, h.removeMember},
		{"POST", "/projects/:id/assignments/auto", manager, h.autoAssign},
		{"POST", "/projects/:id/assignments", manager, h.assign},
		{"GET", "/projects/:id/progress", member, h.progress},
		{"GET", "/projects/:id/agreement", curator, h.agreement},
		{"GET", "/articles/:id/curation", curator, h.getCuration},
		{"POST", "/articles/:id/gold", curator, h.createGold},
		{"POST", "/articles/:id/gold/agreed", curator, h.acceptAgreed(true)},
		{"POST", "/projects/:id/gold/agreed", curator, h.acceptAgreed(false)},
		{"POST", "/articles/:id/rejections", curator, h.createRejection},
		{"DELETE", "/articles/:id/rejections/:rejection_id", curator, h.deleteRejection},
		{"GET", "/annotations/:id/history", member, h.annotationHistory},
		{"GET", "/projects/:id/history", curator, h.projectHistory},
		{"POST", "/projects/:id/annotations/:annotation_id/restore", member, h.restoreAnnotation},
		{"GET", "/projects/:id/relation-types", member, h.listRelationTypes},
		{"POST", "/projects/:id/relation-types", manager, h.createRelationType},
		{"PATCH", "/projects/:id/relation-types/:type_id", manager, h.patchRelationType},
		{"DELETE", "/projects/:id/relation-types/:type_id", manager, h.deleteRelationType},
		{"GET", "/articles/:id/relations", member, h.listArticleRelations},
		{"POST", "/articles/:id/relations", member, h.createRelation},
		{"GET", "/projects/:id/relations", member, h.listProjectRelations},
		{"GET", "/projects/:id/stats/sources", member, h.sourceStats},
		{"POST", "/projects/:id/suggestions", manager, h.runSuggestions},
		{"GET", "/projects/:id/suggestions/stats", member, h.suggestionStats},
		{"GET", "/articles/:id/suggestions", member, h.listSuggestions},
		{"POST", "/annotations/:id/accept", member, h.acceptSuggestion},
		{"POST", "/annotations/:id/reject", member, h.rejectSuggestion},
		{"DELETE", "/relations/:id", member, h.deleteRelation},
		{"GET", "/projects/:id/document-labels", member, h.listDocGroups},
		{"POST", "/projects/:id/document-labels", manager, h.createDocGroup},
		{"PUT", "/projects/:id/document-labels/:group_id", manager, h.putDocGroup},
		{"DELETE", "/projects/:id/document-labels/:group_id", manager, h.deleteDocGroup},
		{"GET", "/articles/:id/document-labels", member, h.getArticleLabels},
		{"PUT", "/articles/:id/document-labels/:group", member, h.putArticleLabels},
		{"GET", "/projects/:id/invites", manager, h.listInvites},
		{"POST", "/projects/:id/invites", manager, h.createInvite},
		{"DELETE", "/projects/:id/invites/:invite_id", manager, h.revokeInvite},
		{"GET", "/invites/:secret", public, h.getInvite},
		{"POST", "/invites/:secret/accept", public, h.acceptInvite},

		{"GET", "/sources", authed, h.listSources},
		{"POST", "/sources", adminOnly, h.createSource},
		{"GET", "/sources/:id", authed, h.getSource},
		{"PATCH", "/sources/:id", adminOnly, h.patchSource},

		{"GET", "/tokens", authed, h.listTokens},
		{"POST", "/tokens", authed, h.createToken},
		{"DELETE", "/tokens/:id", authed, h.deleteToken},
	}
}

// New builds the router: /api/v1 plus the embedded UI for everything else.
func New(store *models.Store, cfg Config) (*gin.Engine, *Handler) {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.BodyTimeout <= 0 {
		cfg.BodyTimeout = DefaultBodyTimeout
	}
	if cfg.ImportBodyTimeout <= 0 {
		cfg.ImportBodyTimeout = DefaultImportBodyTimeout
	}
	def := ingest.DefaultLimits()
	if cfg.Import.MaxUploadBytes <= 0 {
		cfg.Import.MaxUploadBytes = def.MaxUploadBytes
	}
	if cfg.Import.MaxArticles <= 0 {
		cfg.Import.MaxArticles = def.MaxArticles
	}
	if cfg.Import.MaxTextBytes <= 0 {
		cfg.Import.MaxTextBytes = def.MaxTextBytes
	}
	h := &Handler{store: store, cfg: cfg, logins: newLoginLimiter(), hosts: newHostPolicy(cfg),
		exports: newExportSlots(cfg.ExportsPerUser, cfg.ExportStallTimeout), reads: newReadCache(64 << 20),
		workbooks: make(chan struct{}, 1)}
	h.logins.store = store // every server on the database counts the same failures
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	// Client addresses come from the TCP peer, or from X-Forwarded-For
	// only when the peer is a trusted proxy, so the header cannot dodge
	// login throttling or the loopback-only setup.
	if err := r.SetTrustedProxies(cfg.TrustedProxies); err != nil {
		panic("api.New: trusted proxies: " + err.Error()) // main validates them first
	}
	r.RedirectTrailingSlash = false
	// Handlers pass c.Request.Context() (never the pooled *gin.Context) to
	// the store: database/sql watches the context from its own goroutines,
	// which may outlive the handler and race with gin's context reuse.
	r.Use(requestID, recovery, logRequests, securityHeaders, h.checkHost)

	v1 := r.Group("/api/v1", h.bodyDeadline, h.limitBody, h.authenticate)
	for _, rt := range h.Routes() {
		if rt.Access >= member {
			v1.Handle(rt.Method, rt.Path, requireAccess(authed), h.requireProject(rt.Path, rt.Access), rt.Handle)
			continue
		}
		v1.Handle(rt.Method, rt.Path, requireAccess(rt.Access), rt.Handle)
	}
	r.NoMethod(func(c *gin.Context) {
		fail(c, errf(http.StatusMethodNotAllowed, "method_not_allowed", c.Request.Method+" is not allowed on "+c.Request.URL.Path))
	})
	r.NoRoute(func(c *gin.Context) {
		if healthLike[c.Request.URL.Path] {
			fail(c, errf(http.StatusNotFound, "not_found", "no route "+c.Request.URL.Path+"; the health check is GET /api/v1/health"))
			return
		}
		if strings.HasPrefix(c.Request.URL.Path, "/api/") {
			fail(c, errf(http.StatusNotFound, "not_found", "no API route "+c.Request.Method+" "+c.Request.URL.Path))
			return
		}
		h.serveUI(c)
	})
	return r, h
}

// serveUI serves the embedded single-page UI: files by path, index.html
// for every other GET so client-side routes work on reload.
func (h *Handler) serveUI(c *gin.Context) {
	if h.cfg.UI == nil || (c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead) {
		fail(c, errf(http.StatusNotFound, "not_found", "not found"))
		return
	}
	p := strings.TrimPrefix(c.Request.URL.Path, "/")
	if p == "api" || p == "api/" { // the API reference, rendered from openapi.json
		p = "api.html"
	}
	if p != "" && !strings.HasSuffix(p, "/") {
		if st, err := fs.Stat(h.cfg.UI, p); err == nil && !st.IsDir() {
			c.FileFromFS(p, http.FS(h.cfg.UI))
			return
		}
		if strings.Contains(p, ".") { // a missing asset, not a page
			c.Status(http.StatusNotFound)
			return
		}
	}
	c.Header("Cache-Control", "no-cache")
	c.FileFromFS("/", http.FS(h.cfg.UI))
}

func (h *Handler) health(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) }

// healthLike are paths health checks commonly probe. They answer a JSON
// 404 that names the real one, never the UI's page with 200, which would
// tell a load balancer that a broken server is fine.
var healthLike = map[string]bool{"/health": true, "/healthz": true, "/ready": true, "/readyz": true, "/livez": true, "/status": true}

// ---- shared request helpers ----

// pathID reads an integer path parameter; anything else is a 404.
func pathID(c *gin.Context, what string) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errf(http.StatusNotFound, "not_found", what+" not found (ids are positive integers)")
	}
	return id, nil
}

// subID reads a second integer path parameter (a rejection, a relation
// type); anything else is a 404 naming what.
func subID(c *gin.Context, param, what string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(param), 10, 64)
	if err != nil || id <= 0 {
		return 0, errf(http.StatusNotFound, "not_found", what+" not found")
	}
	return id, nil
}

// page reads limit and cursor query parameters.
func page(c *gin.Context) (models.Page, error) {
	pg := models.Page{Cursor: c.Query("cursor")}
	if s, ok := c.GetQuery("limit"); ok {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > models.MaxLimit {
			return pg, fieldErr("limit", "must be an integer from 1 to "+strconv.Itoa(models.MaxLimit))
		}
		pg.Limit = n
	}
	return pg, nil
}

// list writes the list envelope {"items": [...], "next_cursor": ...}.
func list[T any](c *gin.Context, items []T, next *string) {
	if items == nil {
		items = []T{}
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_cursor": next})
}

func isNotFound(err error) bool { return err != nil && errors.Is(err, models.ErrNotFound) }
