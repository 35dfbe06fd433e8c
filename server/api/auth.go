package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"math"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"slant/models"
)

// ---- login throttling ----

// loginLimiter counts failed password attempts per key and locks a key
// out after maxFreeFailures failures, for an exponentially growing time
// (capped at 15 minutes). The login handler uses three kinds of key:
//
//   - the pair (name, client address): checked before the password, so
//     it is what makes guessing slow; a correct password is refused only
//     while its own pair is locked out;
//   - the name alone and the address alone: wider budgets that record
//     every failure and answer further failures with 429, but never
//     refuse a correct password, so an attacker who guesses at a name
//     from elsewhere (or from behind the same proxy) cannot lock its
//     owner out.
//
// With a store, the counts live in the database (login_failures), so that
// every server behind one PostgreSQL, and a restarted one, counts the
// same failures; the map then only holds the keys of the call at hand.
type loginLimiter struct {
	mu    sync.Mutex
	m     map[string]*loginAttempts
	now   func() time.Time
	store *models.Store
	calls int
}

type loginAttempts struct {
	fails int
	until time.Time
	last  time.Time
}

const (
	maxFreeFailures = 5  // per (name, address) pair
	maxWideFailures = 20 // per name and per address
	maxLockout      = 15 * time.Minute
	forgetAfter     = time.Hour
)

func newLoginLimiter() *loginLimiter {
	return &loginLimiter{m: map[string]*loginAttempts{}, now: time.Now}
}

// attempt reserves one login attempt for every key. If any key is locked
// out it returns how long to wait and reserves nothing. Otherwise the
// attempt counts as a failure up front, so concurrent guesses cannot slip
// past the limit while bcrypt runs; succeeded gives it back.
func (l *loginLimiter) attempt(keys ...string) (wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.store != nil {
		// a locked-out guess is answered from a read, without the writer
		if until, err := l.store.LoginLockedUntil(context.Background(), keys); err == nil {
			if w := until.Sub(l.now()); w > 0 {
				return w
			}
		}
	}
	l.shared(keys, func() { wait = l.attemptLocked(keys) })
	return wait
}

func (l *loginLimiter) attemptLocked(keys []string) time.Duration {
	now := l.now()
	var wait time.Duration
	for _, k := range keys {
		if a, ok := l.m[k]; ok {
			if now.Sub(a.last) > forgetAfter {
				delete(l.m, k)
				continue
			}
			if w := a.until.Sub(now); w > wait {
				wait = w
			}
		}
	}
	if wait > 0 {
		return wait
	}
	for _, k := range keys {
		l.fail(k, maxFreeFailures, now)
	}
	l.prune(now)
	return 0
}

// failed records a failure that was not reserved by attempt on wide keys
// (name, address) and returns how long they are now locked out, if at all.
func (l *loginLimiter) failed(keys ...string) (wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.shared(keys, func() { wait = l.failedLocked(keys) })
	return wait
}

func (l *loginLimiter) failedLocked(keys []string) time.Duration {
	now := l.now()
	var wait time.Duration
	for _, k := range keys {
		if a, ok := l.m[k]; ok && now.Sub(a.last) > forgetAfter {
			delete(l.m, k)
		}
		if w := l.fail(k, maxWideFailures, now).until.Sub(now); w > wait {
			wait = w
		}
	}
	l.prune(now)
	return wait
}

// fail counts one failure on k, locking it once free failures are used up.
func (l *loginLimiter) fail(k string, free int, now time.Time) *loginAttempts {
	a := l.m[k]
	if a == nil {
		a = &loginAttempts{}
		l.m[k] = a
	}
	a.fails++
	a.last = now
	if a.fails >= free {
		lock := time.Duration(math.Min(float64(maxLockout), float64(time.Second)*math.Pow(2, float64(a.fails-free))))
		a.until = now.Add(lock)
	}
	return a
}

// prune bounds memory under a spray of names.
func (l *loginLimiter) prune(now time.Time) {
	if len(l.m) > 100000 {
		for k, a := range l.m {
			if now.Sub(a.last) > forgetAfter || now.After(a.until) {
				delete(l.m, k)
			}
		}
	}
}

// shared runs f with keys' state loaded from the store into the map and
// stores what f leaves there, all in one transaction (f may run again
// if PostgreSQL retries it). Without a store, or if the store fails, f
// runs on the map alone (a failing database fails the login anyway).
func (l *loginLimiter) shared(keys []string, f func()) {
	if l.store == nil {
		f()
		return
	}
	ctx := context.Background()
	err := l.store.UpdateLoginFailures(ctx, keys, func(have map[string]models.LoginFailure) map[string]models.LoginFailure {
		for _, k := range keys {
			delete(l.m, k)
			if r, ok := have[k]; ok {
				l.m[k] = &loginAttempts{fails: r.Fails, until: r.Until, last: r.Last}
			}
		}
		f()
		out := map[string]models.LoginFailure{}
		for _, k := range keys {
			if a, ok := l.m[k]; ok {
				out[k] = models.LoginFailure{Fails: a.fails, Until: a.until, Last: a.last}
			}
		}
		return out
	})
	for _, k := range keys {
		delete(l.m, k)
	}
	if err != nil {
		slog.Warn("login throttling: the shared counts could not be read or stored", "err", err)
		f()
		for _, k := range keys {
			delete(l.m, k)
		}
		return
	}
	if l.calls++; l.calls%1000 == 0 {
		l.store.ForgetLoginFailures(ctx, l.now().Add(-forgetAfter))
	}
}

// loginKeys are the limiter keys of one attempt. Every name is counted,
// however long: a name that cannot exist is hashed to bound the key.
func loginKeys(name, addr string) (pair, byName, byAddr string) {
	if len(name) > 64 {
		sum := sha256.Sum256([]byte(name))
		name = "sha256:" + hex.EncodeToString(sum[:])
	}
	byName = "name:" + name
	byAddr = "addr:" + addr
	return "pair:" + addr + " " + byName, byName, byAddr
}

// succeeded forgets the account's failures and gives the other keys (the
// address) back the attempt reserved for this login.
func (l *loginLimiter) succeeded(account string, others ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.shared(append([]string{account}, others...), func() { l.succeededLocked(account, others) })
}

func (l *loginLimiter) succeededLocked(account string, others []string) {
	delete(l.m, account)
	for _, k := range others {
		if a, ok := l.m[k]; ok && a.fails > 0 {
			a.fails--
			if a.fails < maxFreeFailures {
				a.until = time.Time{}
			}
		}
	}
}

// ---- session ----

type loginReq struct {
	Name     string `json:"name"`
	Password string `json:"password"`
}

type sessionJSON struct {
	User      userJSON  `json:"user"`
	CSRFToken string    `json:"csrf_token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// sameSiteJSON refuses a login or setup that a page on another site could
// have sent (a form posting text/plain): such "login CSRF" would sign the
// victim into the attacker's account, or run setup from the operator's
// own browser on a fresh install. Browsers cannot send a cross-origin
// application/json POST without a CORS preflight, which slant never grants.
func (h *Handler) sameSiteJSON(c *gin.Context) error {
	if mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type")); mt != "application/json" {
		return errf(http.StatusUnsupportedMediaType, "unsupported_media_type", "send the body as Content-Type: application/json")
	}
	if c.GetHeader("Sec-Fetch-Site") == "cross-site" {
		return errf(http.StatusForbidden, "forbidden", "cross-site request refused")
	}
	if o := c.GetHeader("Origin"); o != "" {
		if u, err := url.Parse(o); err != nil || (u.Host != c.Request.Host && !h.hosts.isPublicOrigin(u)) {
			return errf(http.StatusForbidden, "forbidden", "cross-origin request refused")
		}
	}
	return nil
}

// decodeLogin reads a login or setup body after the same-site checks.
func (h *Handler) decodeLogin(c *gin.Context) (*loginReq, bool) {
	var req loginReq
	err := h.sameSiteJSON(c)
	if err == nil {
		err = decodeJSON(c, &req)
	}
	if err != nil {
		fail(c, err)
		return nil, false
	}
	return &req, true
}

// login checks the password first and throttles failures only: see
// loginLimiter for the budgets.
func (h *Handler) login(c *gin.Context) {
	req, ok := h.decodeLogin(c)
	if !ok {
		return
	}
	if req.Name == "" || req.Password == "" {
		fail(c, &models.ValidationError{Code: "validation_failed", Message: "name and password are required",
			Fields: map[string]string{"name": "is required", "password": "is required"}})
		return
	}
	pair, byName, byAddr := loginKeys(req.Name, c.ClientIP())
	if h.throttle(c, pair) {
		return
	}
	var u *models.User
	var err error
	if utf8.RuneCountInString(req.Name) > 64 { // no such user can exist: same work, no query
		_, err = h.store.Authenticate(c.Request.Context(), "", req.Password)
	} else {
		u, err = h.store.Authenticate(c.Request.Context(), req.Name, req.Password)
	}
	switch {
	case err == nil:
		h.logins.succeeded(pair)
		h.startSession(c, u)
	case errors.Is(err, models.ErrUserDisabled):
		h.logins.succeeded(pair)
		fail(c, errf(http.StatusForbidden, "forbidden", err.Error()))
	case isNotFound(err):
		h.wrongPassword(c, errf(http.StatusUnauthorized, "unauthorized", "wrong name or password"), byName, byAddr)
	default:
		fail(c, err)
	}
}

// wrongPassword answers a failed password check: with 429 and
// Retry-After once the name or the address has used up its wider budget,
// else with err.
func (h *Handler) wrongPassword(c *gin.Context, err error, keys ...string) {
	if wait := h.logins.failed(keys...); wait > 0 {
		tooManyAttempts(c, wait)
		return
	}
	fail(c, err)
}

// throttle reserves a password attempt for keys, or answers 429 (and
// returns true) while any of them is locked out.
func (h *Handler) throttle(c *gin.Context, keys ...string) bool {
	wait := h.logins.attempt(keys...)
	if wait <= 0 {
		return false
	}
	tooManyAttempts(c, wait)
	return true
}

func tooManyAttempts(c *gin.Context, wait time.Duration) {
	secs := int(math.Ceil(wait.Seconds()))
	c.Header("Retry-After", strconv.Itoa(secs))
	fail(c, errf(http.StatusTooManyRequests, "too_many_requests", "too many failed password attempts; try again in "+strconv.Itoa(secs)+" s"))
}

// startSession sets the session cookie and answers with the CSRF token.
func (h *Handler) startSession(c *gin.Context, u *models.User) {
	if s, ok := h.newSession(c, u); ok {
		c.JSON(http.StatusCreated, s)
	}
}

// newSession creates a session for u and sets its cookie; on failure it
// has answered the request and returns false.
func (h *Handler) newSession(c *gin.Context, u *models.User) (sessionJSON, bool) {
	sess, secret, err := h.store.CreateSession(c.Request.Context(), u.ID)
	if err != nil {
		fail(c, err)
		return sessionJSON{}, false
	}
	http.SetCookie(c.Writer, &http.Cookie{
		Name: sessionCookie, Value: secret, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: h.cfg.SecureCookies, Expires: sess.ExpiresAt, MaxAge: int(time.Until(sess.ExpiresAt).Seconds()),
	})
	return sessionJSON{User: userView(u), CSRFToken: sess.CSRFToken, ExpiresAt: sess.ExpiresAt}, true
}

// ---- first-run setup ----

// fromLoopback reports whether the client is on this machine: the TCP
// peer, or the client a trusted proxy (--trusted-proxies) names.
func fromLoopback(c *gin.Context) bool {
	ip := net.ParseIP(c.ClientIP())
	return ip != nil && ip.IsLoopback()
}

func (h *Handler) getSetup(c *gin.Context) {
	n, err := h.store.CountUsers(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"needed": n == 0, "allowed": n == 0 && fromLoopback(c)})
}

// setup creates the first admin of an empty database, only for a request
// from loopback, and logs them in.
func (h *Handler) setup(c *gin.Context) {
	if !fromLoopback(c) {
		fail(c, errf(http.StatusForbidden, "forbidden", "first-run setup is only allowed from this machine (loopback); or run: slant user add NAME --role admin"))
		return
	}
	req, ok := h.decodeLogin(c)
	if !ok {
		return
	}
	u, err := h.store.CreateFirstAdmin(c.Request.Context(), req.Name, req.Password)
	if err != nil {
		fail(c, err)
		return
	}
	h.startSession(c, u)
}

func (h *Handler) getSession(c *gin.Context) {
	v, ok := c.Get(ctxSession)
	if !ok {
		fail(c, errf(http.StatusNotFound, "not_found", "this request is not using a browser session"))
		return
	}
	sess := v.(*models.Session)
	c.JSON(http.StatusOK, sessionJSON{User: userView(userOf(c)), CSRFToken: sess.CSRFToken, ExpiresAt: sess.ExpiresAt})
}

func (h *Handler) logout(c *gin.Context) {
	if v, ok := c.Get(ctxSession); ok {
		if err := h.store.DeleteSession(c.Request.Context(), v.(*models.Session).ID); err != nil {
			fail(c, err)
			return
		}
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: h.cfg.SecureCookies, MaxAge: -1})
	c.Status(http.StatusNoContent)
}

// ---- me and users ----

func (h *Handler) me(c *gin.Context) { c.JSON(http.StatusOK, userView(userOf(c))) }

type changePasswordReq struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// changePassword sets a new password and ends every browser session of
// the user (API tokens stay valid; revoke them separately).
func (h *Handler) changePassword(c *gin.Context) {
	var req changePasswordReq
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	u := userOf(c)
	// shares the login budgets: a stolen token must not allow guessing
	pair, byName, byAddr := loginKeys(u.Name, c.ClientIP())
	if h.throttle(c, pair) {
		return
	}
	if _, err := h.store.Authenticate(c.Request.Context(), u.Name, req.CurrentPassword); err != nil {
		if isNotFound(err) {
			h.wrongPassword(c, fieldErr("current_password", "is wrong"), byName, byAddr)
			return
		}
		fail(c, err)
		return
	}
	h.logins.succeeded(pair)
	if err := h.store.SetPassword(c.Request.Context(), u.ID, req.NewPassword); err != nil {
		if ve, ok := err.(*models.ValidationError); ok {
			err = fieldErr("new_password", ve.Fields["password"])
		}
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type createUserReq struct {
	Name     string `json:"name"`
	Role     string `json:"role"`
	Password string `json:"password"`
}

func (h *Handler) createUser(c *gin.Context) {
	var req createUserReq
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	u, err := h.store.CreateUser(c.Request.Context(), req.Name, req.Role, req.Password)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, userView(u))
}

// ---- tokens ----

type tokenReq struct {
	Name string `json:"name"`
}

func (h *Handler) listTokens(c *gin.Context) {
	ts, err := h.store.ListTokens(c.Request.Context(), userOf(c).ID)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]tokenJSON, len(ts))
	for i := range ts {
		out[i] = tokenView(&ts[i])
	}
	list(c, out, nil)
}

func (h *Handler) createToken(c *gin.Context) {
	var req tokenReq
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	t, secret, err := h.store.CreateToken(c.Request.Context(), userOf(c).ID, req.Name)
	if err != nil {
		fail(c, err)
		return
	}
	v := tokenView(t)
	v.Token = secret
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, v)
}

func (h *Handler) deleteToken(c *gin.Context) {
	id, err := pathID(c, "token")
	if err != nil {
		fail(c, err)
		return
	}
	if err := h.store.DeleteToken(c.Request.Context(), userOf(c).ID, id); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
