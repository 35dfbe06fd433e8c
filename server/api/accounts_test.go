package api

import (
	"fmt"
	"net/http"
	"testing"
)

// sessionOf logs name in and returns its cookie header and CSRF token.
func (e *testEnv) sessionOf(name string) (cookie, csrf string) {
	e.t.Helper()
	r := e.do("POST", "/api/v1/session", "", fmt.Sprintf(`{"name":%q,"password":%q}`, name, testPassword))
	if r.Status != 201 {
		e.t.Fatalf("login %s: %d %s", name, r.Status, r.Body)
	}
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == sessionCookie {
			cookie = c.Name + "=" + c.Value
		}
	}
	return cookie, r.JSON(e.t)["csrf_token"].(string)
}

// A disabled user's session and tokens stop working on the next request,
// the right password says the account is disabled, and enabling the
// account brings the tokens back (not the ended sessions).
func TestAdminDisablesAndEnablesUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "Some text.")
	cookie, _ := e.sessionOf("ann")
	if r := e.do("GET", "/api/v1/me", "", "", "Cookie", cookie); r.Status != 200 {
		t.Fatalf("session before: %d", r.Status)
	}
	annURL := fmt.Sprintf("/api/v1/users/%d", e.users["ann"].ID)
	r := e.do("PATCH", annURL, "admin", `{"disabled":true}`)
	if r.Status != 200 || r.JSON(t)["disabled"] != true || r.JSON(t)["disabled_at"] == nil {
		t.Fatalf("disable: %d %s", r.Status, r.Body)
	}
	if r := e.do("GET", "/api/v1/me", "ann", ""); r.Status != 401 {
		t.Fatalf("token of a disabled user: %d", r.Status)
	}
	if r := e.do("GET", "/api/v1/me", "", "", "Cookie", cookie); r.Status != 401 {
		t.Fatalf("session of a disabled user: %d", r.Status)
	}
	r = e.do("POST", "/api/v1/session", "", fmt.Sprintf(`{"name":"ann","password":%q}`, testPassword))
	if r.Status != 403 {
		t.Fatalf("login of a disabled user: %d %s", r.Status, r.Body)
	}
	errorOf(t, r)
	if r := e.do("POST", "/api/v1/session", "", `{"name":"ann","password":"wrong-password"}`); r.Status != 401 {
		t.Fatalf("wrong password of a disabled user must not say more than 401: %d", r.Status)
	}
	list := e.do("GET", "/api/v1/users", "admin", "")
	for _, it := range list.JSON(t)["items"].([]any) {
		u := it.(map[string]any)
		if want := u["name"] == "ann"; u["disabled"] != want {
			t.Errorf("list: %v disabled=%v", u["name"], u["disabled"])
		}
	}
	if r := e.do("PATCH", annURL, "admin", `{"disabled":false}`); r.Status != 200 || r.JSON(t)["disabled"] != false {
		t.Fatalf("enable: %d %s", r.Status, r.Body)
	}
	if r := e.do("GET", "/api/v1/me", "ann", ""); r.Status != 200 {
		t.Fatalf("token after enable: %d", r.Status)
	}
	if r := e.do("GET", "/api/v1/me", "", "", "Cookie", cookie); r.Status != 401 {
		t.Fatalf("a session ended by disabling came back: %d", r.Status)
	}
}

// Role changes apply on the next request; the last active admin cannot
// be disabled, demoted or deleted.
func TestLastActiveAdminIsKept(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "Some text.")
	adminURL := fmt.Sprintf("/api/v1/users/%d", e.users["admin"].ID)
	otherURL := fmt.Sprintf("/api/v1/users/%d", e.users["other"].ID)
	for _, c := range []struct{ method, body string }{
		{"PATCH", `{"disabled":true}`}, {"PATCH", `{"role":"annotator"}`}, {"DELETE", ""},
	} {
		r := e.do(c.method, adminURL, "admin", c.body)
		if r.Status != 409 {
			t.Fatalf("%s %s on the last admin: %d %s", c.method, c.body, r.Status, r.Body)
		}
		errorOf(t, r)
	}
	if r := e.do("PATCH", otherURL, "admin", `{"role":"wizard"}`); r.Status != 422 {
		t.Fatalf("bad role: %d", r.Status)
	}
	if r := e.do("GET", "/api/v1/users", "other", ""); r.Status != 403 {
		t.Fatalf("annotator lists users: %d", r.Status)
	}
	if r := e.do("PATCH", otherURL, "admin", `{"role":"admin"}`); r.Status != 200 || r.JSON(t)["role"] != "admin" {
		t.Fatalf("promote: %d %s", r.Status, r.Body)
	}
	if r := e.do("GET", "/api/v1/users", "other", ""); r.Status != 200 {
		t.Fatalf("new admin's next request: %d", r.Status)
	}
	// A disabled admin does not count: with other disabled, admin is the last again.
	if r := e.do("PATCH", otherURL, "admin", `{"disabled":true}`); r.Status != 200 {
		t.Fatalf("disable the second admin: %d %s", r.Status, r.Body)
	}
	if r := e.do("PATCH", adminURL, "admin", `{"role":"annotator"}`); r.Status != 409 {
		t.Fatalf("demote the last active admin: %d", r.Status)
	}
	if r := e.do("PATCH", otherURL, "admin", `{"disabled":false}`); r.Status != 200 {
		t.Fatalf("enable: %d", r.Status)
	}
	if r := e.do("PATCH", adminURL, "other", `{"role":"annotator"}`); r.Status != 200 {
		t.Fatalf("demote with another admin left: %d %s", r.Status, r.Body)
	}
	if r := e.do("GET", "/api/v1/users", "admin", ""); r.Status != 403 {
		t.Fatalf("demoted admin's next request: %d", r.Status)
	}
	if r := e.do("PATCH", "/api/v1/users/99999", "other", `{"disabled":true}`); r.Status != 404 {
		t.Fatalf("unknown user: %d", r.Status)
	}
}

// A user with spans is kept (409: disable instead); one without is
// deleted with their tokens. Revoking a user's tokens ends them at once.
func TestDeleteUserAndRevokeTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "Some text.")
	r := e.do("DELETE", fmt.Sprintf("/api/v1/users/%d", e.users["ann"].ID), "admin", "")
	if r.Status != 409 {
		t.Fatalf("delete a user with spans: %d %s", r.Status, r.Body)
	}
	errorOf(t, r)
	r = e.do("DELETE", fmt.Sprintf("/api/v1/users/%d/tokens", e.users["ann"].ID), "admin", "")
	if r.Status != 200 || r.JSON(t)["revoked"] != float64(2) {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	if r := e.do("GET", "/api/v1/me", "ann", ""); r.Status != 401 {
		t.Fatalf("revoked token: %d", r.Status)
	}
	if r := e.do("DELETE", fmt.Sprintf("/api/v1/users/%d", e.users["other"].ID), "admin", ""); r.Status != 204 {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	if r := e.do("GET", "/api/v1/me", "other", ""); r.Status != 401 {
		t.Fatalf("deleted user's token: %d", r.Status)
	}
	if r := e.do("POST", "/api/v1/session", "", fmt.Sprintf(`{"name":"other","password":%q}`, testPassword)); r.Status != 401 {
		t.Fatalf("deleted user's login: %d", r.Status)
	}
}
