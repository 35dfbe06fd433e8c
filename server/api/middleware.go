package api

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"slant/models"
)

const (
	ctxRequestID = "slant.request_id"
	ctxUser      = "slant.user"
	ctxSession   = "slant.session"
	ctxViaCookie = "slant.via_cookie"

	sessionCookie = "slant_session"
	csrfHeader    = "X-CSRF-Token"
)

// requestID tags each request with an id (echoed as X-Request-ID).
func requestID(c *gin.Context) {
	id := c.GetHeader("X-Request-ID")
	if id == "" || len(id) > 64 {
		id = models.RandomSecret(9)
	}
	c.Set(ctxRequestID, id)
	c.Header("X-Request-ID", id)
	c.Next()
}

// logRequests writes one structured log line per request. It never logs
// bodies, headers or query strings (which could carry secrets).
func logRequests(c *gin.Context) {
	start := time.Now()
	c.Next()
	attrs := []any{"method", c.Request.Method, "path", logPath(c), "status", c.Writer.Status(),
		"bytes", c.Writer.Size(), "duration_ms", float64(time.Since(start).Microseconds()) / 1000,
		"request_id", c.GetString(ctxRequestID)}
	if u := userOf(c); u != nil {
		attrs = append(attrs, "user", u.Name)
	}
	slog.Info("request", attrs...)
}

// recovery turns a panic into a logged 500 in the JSON error shape.
func recovery(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			if r == http.ErrAbortHandler {
				panic(r) // deliberate abort of a streamed response
			}
			slog.Error("panic", "panic", fmt.Sprint(r), "stack", string(debug.Stack()), "request_id", c.GetString(ctxRequestID))
			if !c.Writer.Written() {
				c.AbortWithStatusJSON(http.StatusInternalServerError, errf(http.StatusInternalServerError, "internal", "internal error; see the server log").body())
			} else {
				c.Abort()
			}
		}
	}()
	c.Next()
}

// securityHeaders sets headers every response gets.
func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	c.Next()
}

const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// limitBody caps request bodies; reading past the cap yields a 413.
// Import uploads have their own, larger cap.
func (h *Handler) limitBody(c *gin.Context) {
	if c.Request.Body != nil {
		limit := h.cfg.MaxBodyBytes
		if c.FullPath() == "/api/v1/projects/:id/import" {
			limit = h.cfg.Import.MaxUploadBytes
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	}
	c.Next()
}

// bodyDeadline gives the client a fixed time to send the request body,
// counted from when the request reaches the API: a body that stalls or
// trickles (slowloris) is cut off there. The read that runs into the
// deadline fails with a *bodyTimeoutError, which the one error mapper
// answers with 408, so the handler never acts on a partial body. The
// deadline is the connection's read deadline; net/http clears it once
// the body has been read to the end, so a slow handler is not affected.
// Requests without a body get none: the server is already waiting in the
// background for the next request on the connection, and a deadline there
// would cancel the request's context.
func (h *Handler) bodyDeadline(c *gin.Context) {
	if c.Request.Body == nil || c.Request.Body == http.NoBody {
		c.Next()
		return
	}
	te := &bodyTimeoutError{limit: h.cfg.BodyTimeout, flag: "--body-timeout", env: "SLANT_BODY_TIMEOUT"}
	if c.FullPath() == "/api/v1/projects/:id/import" {
		te = &bodyTimeoutError{limit: h.cfg.ImportBodyTimeout, flag: "--import-body-timeout", env: "SLANT_IMPORT_BODY_TIMEOUT"}
	}
	// Writers that cannot set deadlines (httptest.ResponseRecorder) run without one.
	if err := http.NewResponseController(c.Writer).SetReadDeadline(time.Now().Add(te.limit)); err == nil {
		c.Request.Body = &deadlineBody{ReadCloser: c.Request.Body, timeout: te}
	}
	c.Next()
}

// deadlineBody turns a timed-out read of the request body into a
// *bodyTimeoutError that says what the limit is.
type deadlineBody struct {
	io.ReadCloser
	timeout *bodyTimeoutError
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	var ne net.Error
	if err != nil && (errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()) {
		te := *b.timeout
		te.err = err
		return n, &te
	}
	return n, err
}

// bodyTimeoutError is a request body that did not arrive in time (408).
type bodyTimeoutError struct {
	limit     time.Duration
	flag, env string // how the operator raises the limit
	err       error
}

func (e *bodyTimeoutError) Error() string {
	return "the request body did not arrive within " + e.limit.String() + "; send it faster (or in smaller requests), " +
		"or ask the operator to raise the limit (slant serve " + e.flag + ", env " + e.env + ")"
}

func (e *bodyTimeoutError) Unwrap() error { return e.err }

// authenticate resolves the caller from a bearer token or a session
// cookie. A bad bearer token is a 401 at once; tokens in query strings
// are refused (they leak into logs and browser history). Cookie-based
// state-changing requests must echo the session's CSRF token.
func (h *Handler) authenticate(c *gin.Context) {
	q := c.Request.URL.Query()
	for _, k := range []string{"token", "access_token", "api_key", "apikey"} {
		if q.Has(k) {
			fail(c, errf(http.StatusUnauthorized, "unauthorized", "tokens are not accepted in the query string; send Authorization: Bearer <token>"))
			return
		}
	}
	ctx := c.Request.Context()
	if auth := c.GetHeader("Authorization"); auth != "" {
		scheme, secret, _ := strings.Cut(auth, " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
			fail(c, errf(http.StatusUnauthorized, "unauthorized", "Authorization must be: Bearer <token>"))
			return
		}
		u, _, err := h.store.UserByToken(ctx, strings.TrimSpace(secret))
		if err != nil {
			if isNotFound(err) {
				fail(c, errf(http.StatusUnauthorized, "unauthorized", "invalid or revoked token"))
			} else {
				fail(c, err)
			}
			return
		}
		c.Set(ctxUser, u)
		c.Request = c.Request.WithContext(models.WithActor(ctx, u.ID))
		c.Next()
		return
	}
	if cookie, err := c.Cookie(sessionCookie); err == nil && cookie != "" {
		u, sess, err := h.store.UserBySession(ctx, cookie)
		if err != nil && !isNotFound(err) {
			fail(c, err)
			return
		}
		if err == nil {
			c.Set(ctxUser, u)
			c.Set(ctxSession, sess)
			c.Set(ctxViaCookie, true)
			c.Request = c.Request.WithContext(models.WithActor(ctx, u.ID))
			switch c.Request.Method {
			case http.MethodGet, http.MethodHead, http.MethodOptions:
			default:
				if !models.CSRFMatches(sess, c.GetHeader(csrfHeader)) {
					fail(c, errf(http.StatusForbidden, "csrf_failed", "missing or wrong "+csrfHeader+" header (cookie sessions must echo the csrf_token from /api/v1/session)"))
					return
				}
			}
		}
	}
	c.Next()
}

// access levels of routes.
type access int

const (
	public access = iota
	authed        // any logged-in user
	adminOnly
)

func (a access) String() string {
	switch a {
	case member:
		return "project member"
	case curator:
		return "project curator"
	case manager:
		return "project manager"
	}
	return [...]string{"public", "authenticated", "admin"}[a]
}

func requireAccess(a access) gin.HandlerFunc {
	return func(c *gin.Context) {
		if a == public {
			c.Next()
			return
		}
		u := userOf(c)
		if u == nil {
			fail(c, errUnauthorized)
			return
		}
		// project-scoped levels are decided by requireProject
		if a == adminOnly && u.Role != models.RoleAdmin {
			fail(c, errf(http.StatusForbidden, "forbidden", "this needs the admin role"))
			return
		}
		c.Next()
	}
}

func userOf(c *gin.Context) *models.User {
	if v, ok := c.Get(ctxUser); ok {
		return v.(*models.User)
	}
	return nil
}

func isAdmin(c *gin.Context) bool {
	u := userOf(c)
	return u != nil && u.Role == models.RoleAdmin
}
