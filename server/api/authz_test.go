package api

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"slant/models/modelstest"
)

// roles in the order of the expectation arrays below.
var matrixRoles = [4]string{"", "ann", "other", "admin"} // anonymous, annotator (owner), other annotator, admin

type matrixCase struct {
	path   string // with :id filled by fill()
	body   string
	expect [4]int
}

// authzMatrix is the expected status of every route for every role. A
// route added to the router without a row here fails the test.
func authzMatrix(p, a, ann, spare, other int64) map[string]matrixCase {
	pw := fmt.Sprintf(`{"current_password":%q,"new_password":"another-password"}`, testPassword)
	return map[string]matrixCase{
		"GET /health":       {"/health", "", [4]int{200, 200, 200, 200}},
		"GET /openapi.json": {"/openapi.json", "", [4]int{200, 200, 200, 200}},
		"GET /setup":        {"/setup", "", [4]int{200, 200, 200, 200}},
		"POST /setup":       {"/setup", `{"name":"x","password":"password-xyz"}`, [4]int{409, 409, 409, 409}},
		"POST /session":     {"/session", fmt.Sprintf(`{"name":"ann","password":%q}`, testPassword), [4]int{201, 201, 201, 201}},
		"GET /session":      {"/session", "", [4]int{401, 404, 404, 404}},
		"DELETE /session":   {"/session", "", [4]int{401, 204, 204, 204}},
		"GET /me":           {"/me", "", [4]int{401, 200, 200, 200}},
		"POST /me/password": {"/me/password", pw, [4]int{401, 204, 204, 204}},
		"GET /users":        {"/users", "", [4]int{401, 403, 403, 200}},
		"POST /users":       {"/users", `{"name":"newbie","role":"annotator","password":"password-xyz"}`, [4]int{401, 403, 403, 201}},
		// Account changes are admins' (on "other", who has no spans, so it can be deleted).
		"PATCH /users/:id":                    {fmt.Sprintf("/users/%d", other), `{"disabled":true}`, [4]int{401, 403, 403, 200}},
		"DELETE /users/:id":                   {fmt.Sprintf("/users/%d", other), "", [4]int{401, 403, 403, 204}},
		"DELETE /users/:id/tokens":            {fmt.Sprintf("/users/%d/tokens", other), "", [4]int{401, 403, 403, 200}},
		"GET /projects":                       {"/projects", "", [4]int{401, 200, 200, 200}},
		"POST /projects":                      {"/projects", `{"name":"New"}`, [4]int{401, 403, 403, 201}},
		"GET /projects/:id":                   {fmt.Sprintf("/projects/%d", p), "", [4]int{401, 200, 200, 200}},
		"PATCH /projects/:id":                 {fmt.Sprintf("/projects/%d", p), `{"name":"Renamed"}`, [4]int{401, 403, 403, 200}},
		"DELETE /projects/:id":                {fmt.Sprintf("/projects/%d", p), "", [4]int{401, 403, 403, 204}},
		"GET /projects/:id/labels":            {fmt.Sprintf("/projects/%d/labels", p), "", [4]int{401, 200, 200, 200}},
		"POST /projects/:id/labels":           {fmt.Sprintf("/projects/%d/labels", p), `{"key":"new_label"}`, [4]int{401, 403, 403, 201}},
		"PATCH /labels/:id":                   {"/labels/1", `{"name":"Opinion!"}`, [4]int{401, 403, 403, 200}},
		"DELETE /labels/:id":                  {"/labels/4", "", [4]int{401, 403, 403, 204}},
		"GET /projects/:id/articles":          {fmt.Sprintf("/projects/%d/articles", p), "", [4]int{401, 200, 200, 200}},
		"POST /projects/:id/articles":         {fmt.Sprintf("/projects/%d/articles", p), `{"text":"New text."}`, [4]int{401, 201, 201, 201}},
		"POST /projects/:id/import":           {fmt.Sprintf("/projects/%d/import", p), `[{"text":"Imported text."}]`, [4]int{401, 200, 200, 200}},
		"GET /projects/:id/imports":           {fmt.Sprintf("/projects/%d/imports", p), "", [4]int{401, 200, 200, 200}},
		"GET /articles/:id":                   {fmt.Sprintf("/articles/%d", a), "", [4]int{401, 200, 200, 200}},
		"PATCH /articles/:id":                 {fmt.Sprintf("/articles/%d", a), `{"title":"New title"}`, [4]int{401, 403, 403, 200}},
		"DELETE /articles/:id":                {fmt.Sprintf("/articles/%d", a), "", [4]int{401, 403, 403, 204}},
		"POST /articles/:id/done":             {fmt.Sprintf("/articles/%d/done", a), "", [4]int{401, 200, 200, 200}},
		"DELETE /articles/:id/done":           {fmt.Sprintf("/articles/%d/done", a), "", [4]int{401, 200, 200, 200}},
		"GET /articles/:id/annotations":       {fmt.Sprintf("/articles/%d/annotations", a), "", [4]int{401, 200, 200, 200}},
		"POST /articles/:id/annotations":      {fmt.Sprintf("/articles/%d/annotations", a), `{"label":"attributed_claim","start":0,"end":3}`, [4]int{401, 201, 201, 201}},
		"GET /annotations/:id":                {fmt.Sprintf("/annotations/%d", ann), "", [4]int{401, 200, 200, 200}},
		"PATCH /annotations/:id":              {fmt.Sprintf("/annotations/%d", ann), `{"note":"checked"}`, [4]int{401, 200, 403, 200}},
		"DELETE /annotations/:id":             {fmt.Sprintf("/annotations/%d", ann), "", [4]int{401, 204, 403, 204}},
		"GET /projects/:id/annotations":       {fmt.Sprintf("/projects/%d/annotations", p), "", [4]int{401, 200, 200, 200}},
		"POST /projects/:id/annotations/bulk": {fmt.Sprintf("/projects/%d/annotations/bulk", p), fmt.Sprintf(`[{"article_id":%d,"label":"attributed_claim","start":0,"end":3}]`, a), [4]int{401, 200, 200, 200}},
		// Annotators delete only their own spans of that origin; admins everyone's.
		"DELETE /projects/:id/annotations": {fmt.Sprintf("/projects/%d/annotations?origin=human", p), "", [4]int{401, 200, 200, 200}},
		"GET /projects/:id/export":         {fmt.Sprintf("/projects/%d/export", p), "", [4]int{401, 200, 200, 200}},
		"GET /sources":                     {"/sources", "", [4]int{401, 200, 200, 200}},
		"POST /sources":                    {"/sources", `{"domain":"fresh.example.net"}`, [4]int{401, 403, 403, 201}},
		"GET /sources/:id":                 {"/sources/1", "", [4]int{401, 200, 200, 200}},
		"PATCH /sources/:id":               {"/sources/1", `{"ownership":"private"}`, [4]int{401, 403, 403, 200}},
		"GET /tokens":                      {"/tokens", "", [4]int{401, 200, 200, 200}},
		"POST /tokens":                     {"/tokens", `{"name":"nb"}`, [4]int{401, 201, 201, 201}},
		// Tokens are personal: deleting ann's spare token is a 404 for anyone else, admins included.
		"DELETE /tokens/:id": {fmt.Sprintf("/tokens/%d", spare), "", [4]int{401, 204, 404, 404}},
	}
}

// The gin engine's registered routes and the matrix must list the same
// routes, so a route cannot be added without deciding who may call it.
func TestAuthorizationMatrixCoversEveryRoute(t *testing.T) {
	t.Parallel()
	s := modelstest.NewStore(t)
	router, h := New(s, Config{})
	registered := map[string]bool{}
	for _, r := range router.Routes() {
		key := r.Method + " " + strings.TrimPrefix(r.Path, "/api/v1")
		registered[key] = true
	}
	if len(registered) != len(h.Routes()) {
		t.Errorf("gin has %d routes, the Routes() table %d: a route was registered outside the table", len(registered), len(h.Routes()))
	}
	matrix := authzMatrix(0, 0, 0, 0, 0)
	var missing, stale []string
	for k := range registered {
		if _, ok := matrix[k]; !ok {
			missing = append(missing, k)
		}
	}
	for k := range matrix {
		if !registered[k] {
			stale = append(stale, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(stale)
	if len(missing) > 0 {
		t.Errorf("routes without an authorization rule in the matrix: %v", missing)
	}
	if len(stale) > 0 {
		t.Errorf("matrix rows for routes that do not exist: %v", stale)
	}
}

func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	keys := make([]string, 0)
	for k := range authzMatrix(0, 0, 0, 0, 0) {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		method := strings.SplitN(key, " ", 2)[0]
		for i, role := range matrixRoles {
			name := key + " as " + map[string]string{"": "anonymous"}[role] + role
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				e := newEnv(t, "Hello world, a test article.")
				c := authzMatrix(e.project.ID, e.article.ID, e.annID, e.spareID, e.users["other"].ID)[key]
				r := e.do(method, "/api/v1"+c.path, role, c.body)
				if r.Status != c.expect[i] {
					t.Fatalf("%s: got %d, want %d: %s", name, r.Status, c.expect[i], r.Body)
				}
				if r.Status >= 400 {
					errorOf(t, r)
				}
			})
		}
	}
}
