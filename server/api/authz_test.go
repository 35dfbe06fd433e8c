package api

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"slant/models/modelstest"
)

// roles in the order of the expectation arrays below: anonymous, a
// signed-in user who is not a member of the project, the annotator who
// owns the span and the spare token, a curator, a manager, an admin.
var matrixRoles = [6]string{"", "outsider", "ann", "cur", "mgr", "admin"}

type matrixCase struct {
	path   string // with :id filled by fill()
	body   string
	expect [6]int
}

// six repeats one status for every role.
func six(st int) [6]int { return [6]int{st, st, st, st, st, st} }

// authzMatrix is the expected status of every route for every role. A
// route added to the router without a row here fails the test. A
// non-member gets 404 for the project and everything in it, exactly as
// for a project that does not exist.
func authzMatrix(p, a, ann, spare, other int64) map[string]matrixCase {
	pw := fmt.Sprintf(`{"current_password":%q,"new_password":"another-password"}`, testPassword)
	member := func(st int) [6]int { return [6]int{401, 404, st, st, st, st} }     // any member
	managers := func(st int) [6]int { return [6]int{401, 404, 403, 403, st, st} } // managers and admins
	admins := func(st int) [6]int { return [6]int{401, 403, 403, 403, 403, st} }  // admins only
	signedIn := func(st int) [6]int { return [6]int{401, st, st, st, st, st} }
	curators := func(st int) [6]int { return [6]int{401, 404, 403, st, st, st} } // curators, managers and admins
	return map[string]matrixCase{
		"GET /health":       {"/health", "", six(200)},
		"GET /openapi.json": {"/openapi.json", "", six(200)},
		"GET /setup":        {"/setup", "", six(200)},
		"POST /setup":       {"/setup", `{"name":"x","password":"password-xyz"}`, six(409)},
		"POST /session":     {"/session", fmt.Sprintf(`{"name":"ann","password":%q}`, testPassword), six(201)},
		"GET /session":      {"/session", "", signedIn(404)},
		"DELETE /session":   {"/session", "", signedIn(204)},
		"GET /me":           {"/me", "", signedIn(200)},
		"POST /me/password": {"/me/password", pw, signedIn(204)},
		"GET /users":        {"/users", "", admins(200)},
		"POST /users":       {"/users", `{"name":"newbie","role":"annotator","password":"password-xyz"}`, admins(201)},
		// Account changes are admins' (on "other", who has no spans, so it can be deleted).
		"PATCH /users/:id":         {fmt.Sprintf("/users/%d", other), `{"disabled":true}`, admins(200)},
		"DELETE /users/:id":        {fmt.Sprintf("/users/%d", other), "", admins(204)},
		"DELETE /users/:id/tokens": {fmt.Sprintf("/users/%d/tokens", other), "", admins(200)},
		// Everyone signed in lists projects: a non-member gets a list without this one.
		"GET /projects":                  {"/projects", "", signedIn(200)},
		"POST /projects":                 {"/projects", `{"name":"New"}`, admins(201)},
		"GET /projects/:id":              {fmt.Sprintf("/projects/%d", p), "", member(200)},
		"PATCH /projects/:id":            {fmt.Sprintf("/projects/%d", p), `{"name":"Renamed","blind":true}`, managers(200)},
		"DELETE /projects/:id":           {fmt.Sprintf("/projects/%d", p), "", managers(204)},
		"GET /projects/:id/labels":       {fmt.Sprintf("/projects/%d/labels", p), "", member(200)},
		"POST /projects/:id/labels":      {fmt.Sprintf("/projects/%d/labels", p), `{"key":"new_label"}`, managers(201)},
		"PATCH /labels/:id":              {"/labels/1", `{"name":"Opinion!"}`, managers(200)},
		"DELETE /labels/:id":             {"/labels/6", "", managers(204)},
		"GET /projects/:id/articles":     {fmt.Sprintf("/projects/%d/articles", p), "", member(200)},
		"POST /projects/:id/articles":    {fmt.Sprintf("/projects/%d/articles", p), `{"text":"New text."}`, member(201)},
		"POST /projects/:id/import":      {fmt.Sprintf("/projects/%d/import", p), `[{"text":"Imported text."}]`, member(200)},
		"GET /projects/:id/imports":      {fmt.Sprintf("/projects/%d/imports", p), "", member(200)},
		"GET /articles/:id":              {fmt.Sprintf("/articles/%d", a), "", member(200)},
		"PATCH /articles/:id":            {fmt.Sprintf("/articles/%d", a), `{"title":"New title"}`, managers(200)},
		"DELETE /articles/:id":           {fmt.Sprintf("/articles/%d", a), "", managers(204)},
		"POST /articles/:id/done":        {fmt.Sprintf("/articles/%d/done", a), "", member(200)},
		"DELETE /articles/:id/done":      {fmt.Sprintf("/articles/%d/done", a), "", member(200)},
		"GET /articles/:id/annotations":  {fmt.Sprintf("/articles/%d/annotations", a), "", member(200)},
		"POST /articles/:id/annotations": {fmt.Sprintf("/articles/%d/annotations", a), `{"label":"attributed_claim","start":0,"end":3}`, member(201)},
		"GET /annotations/:id":           {fmt.Sprintf("/annotations/%d", ann), "", member(200)},
		// ann's own span: its annotator, the curators, managers and admins may
		// change it (another annotator may not: TestTeamRoles)
		"PATCH /annotations/:id":              {fmt.Sprintf("/annotations/%d", ann), `{"note":"checked"}`, member(200)},
		"DELETE /annotations/:id":             {fmt.Sprintf("/annotations/%d", ann), "", member(204)},
		"GET /projects/:id/annotations":       {fmt.Sprintf("/projects/%d/annotations", p), "", member(200)},
		"POST /projects/:id/annotations/bulk": {fmt.Sprintf("/projects/%d/annotations/bulk", p), fmt.Sprintf(`[{"article_id":%d,"label":"attributed_claim","start":0,"end":3}]`, a), member(200)},
		// Annotators delete only their own spans of that origin; managers everyone's.
		"DELETE /projects/:id/annotations":      {fmt.Sprintf("/projects/%d/annotations?origin=human", p), "", member(200)},
		"GET /projects/:id/export":              {fmt.Sprintf("/projects/%d/export", p), "", member(200)},
		"GET /projects/:id/stats":               {fmt.Sprintf("/projects/%d/stats?by=ownership,label", p), "", member(200)},
		"GET /projects/:id/members":             {fmt.Sprintf("/projects/%d/members", p), "", member(200)},
		"POST /projects/:id/members":            {fmt.Sprintf("/projects/%d/members", p), `{"name":"newcomer","role":"annotator"}`, managers(201)},
		"PATCH /projects/:id/members/:user_id":  {fmt.Sprintf("/projects/%d/members/%d", p, other), `{"role":"curator"}`, managers(200)},
		"DELETE /projects/:id/members/:user_id": {fmt.Sprintf("/projects/%d/members/%d", p, other), "", managers(204)},
		// Managers assign; every member reads progress (an annotator only their own row).
		"POST /projects/:id/assignments/auto": {fmt.Sprintf("/projects/%d/assignments/auto", p), "", managers(200)},
		"POST /projects/:id/assignments":      {fmt.Sprintf("/projects/%d/assignments", p), `{"filter":{"status":"todo"},"users":["ann"]}`, managers(200)},
		"GET /projects/:id/progress":          {fmt.Sprintf("/projects/%d/progress", p), "", member(200)},
		// Agreement reveals colleagues' work: curators, managers and admins.
		"GET /projects/:id/agreement": {fmt.Sprintf("/projects/%d/agreement", p), "", [6]int{401, 404, 403, 200, 200, 200}},
		// Curators and managers decide the gold layer and read the audit
		// trail; whoever may delete a span may restore it ({deleted}: a
		// span of ann deleted by matrixFixture; {rejection}: a rejected
		// passage).
		"GET /articles/:id/curation":                            {fmt.Sprintf("/articles/%d/curation", a), "", curators(200)},
		"POST /articles/:id/gold":                               {fmt.Sprintf("/articles/%d/gold", a), fmt.Sprintf(`{"label":"opinion","start":0,"end":5,"from":[%d]}`, ann), curators(201)},
		"POST /articles/:id/gold/agreed":                        {fmt.Sprintf("/articles/%d/gold/agreed", a), "", curators(200)},
		"POST /projects/:id/gold/agreed":                        {fmt.Sprintf("/projects/%d/gold/agreed?dry_run=true", p), "", curators(200)},
		"POST /articles/:id/rejections":                         {fmt.Sprintf("/articles/%d/rejections", a), `{"start":0,"end":5}`, curators(201)},
		"DELETE /articles/:id/rejections/:rejection_id":         {fmt.Sprintf("/articles/%d/rejections/{rejection}", a), "", curators(204)},
		"GET /annotations/:id/history":                          {fmt.Sprintf("/annotations/%d/history", ann), "", member(200)},
		"GET /projects/:id/history":                             {fmt.Sprintf("/projects/%d/history", p), "", curators(200)},
		"POST /projects/:id/annotations/:annotation_id/restore": {fmt.Sprintf("/projects/%d/annotations/{deleted}/restore", p), "", member(201)},
		// Relation types and article label groups are the scheme: managers
		// change it. Links follow their spans' rules ({claim}, {source},
		// {relation}: ann's; {rtype}, {rtype2}: the default said_by and
		// cue_of; {group}: an article label group "stance").
		"GET /projects/:id/relation-types":             {fmt.Sprintf("/projects/%d/relation-types", p), "", member(200)},
		"POST /projects/:id/relation-types":            {fmt.Sprintf("/projects/%d/relation-types", p), `{"key":"quotes","from_label":"attributed_claim"}`, managers(201)},
		"PATCH /projects/:id/relation-types/:type_id":  {fmt.Sprintf("/projects/%d/relation-types/{rtype}", p), `{"name":"said by (who)"}`, managers(200)},
		"DELETE /projects/:id/relation-types/:type_id": {fmt.Sprintf("/projects/%d/relation-types/{rtype2}", p), "", managers(204)},
		"GET /articles/:id/relations":                  {fmt.Sprintf("/articles/%d/relations", a), "", member(200)},
		"POST /articles/:id/relations":                 {fmt.Sprintf("/articles/%d/relations", a), `{"type":"said_by","from":{claim},"to":{source}}`, member(201)},
		"GET /projects/:id/relations":                  {fmt.Sprintf("/projects/%d/relations", p), "", member(200)},
		"GET /projects/:id/stats/sources":              {fmt.Sprintf("/projects/%d/stats/sources", p), "", member(200)},
		"DELETE /relations/:id":                        {"/relations/{relation}", "", member(204)},
		// Suggestions: managers run the suggester; every member sees and
		// decides the pending ones ({suggestion}: a suggested claim).
		"POST /projects/:id/suggestions":                 {fmt.Sprintf("/projects/%d/suggestions?kind=attributed_claim", p), "", managers(200)},
		"GET /projects/:id/suggestions/stats":            {fmt.Sprintf("/projects/%d/suggestions/stats", p), "", member(200)},
		"GET /articles/:id/suggestions":                  {fmt.Sprintf("/articles/%d/suggestions", a), "", member(200)},
		"POST /annotations/:id/accept":                   {"/annotations/{suggestion}/accept", "", member(201)},
		"POST /annotations/:id/reject":                   {"/annotations/{suggestion}/reject", "", member(204)},
		"GET /projects/:id/document-labels":              {fmt.Sprintf("/projects/%d/document-labels", p), "", member(200)},
		"POST /projects/:id/document-labels":             {fmt.Sprintf("/projects/%d/document-labels", p), `{"key":"genre","options":[{"key":"news"},{"key":"opinion"}]}`, managers(201)},
		"PUT /projects/:id/document-labels/:group_id":    {fmt.Sprintf("/projects/%d/document-labels/{group}", p), `{"key":"stance","multiple":true,"options":[{"key":"pro"},{"key":"contra"}]}`, managers(200)},
		"DELETE /projects/:id/document-labels/:group_id": {fmt.Sprintf("/projects/%d/document-labels/{group}", p), "", managers(204)},
		"GET /articles/:id/document-labels":              {fmt.Sprintf("/articles/%d/document-labels", a), "", member(200)},
		"PUT /articles/:id/document-labels/:group":       {fmt.Sprintf("/articles/%d/document-labels/stance{group0}", a), `{"options":["pro"]}`, member(200)},
		// Invitations are made, listed and revoked by managers; a link is
		// public, its secret the credential ({invite} and {secret}: a fresh
		// invite made by matrixFixture).
		"GET /projects/:id/invites":               {fmt.Sprintf("/projects/%d/invites", p), "", managers(200)},
		"POST /projects/:id/invites":              {fmt.Sprintf("/projects/%d/invites", p), `{"role":"curator","expires_in_hours":24}`, managers(201)},
		"DELETE /projects/:id/invites/:invite_id": {fmt.Sprintf("/projects/%d/invites/{invite}", p), "", managers(204)},
		"GET /invites/:secret":                    {"/invites/{secret}", "", six(200)},
		"POST /invites/:secret/accept":            {"/invites/{secret}/accept", `{"name":"invitee","password":"password-xyz"}`, six(201)},
		// Outlet profiles are shared by every project.
		"GET /sources":       {"/sources", "", signedIn(200)},
		"POST /sources":      {"/sources", `{"domain":"fresh.example.net"}`, admins(201)},
		"GET /sources/:id":   {"/sources/1", "", signedIn(200)},
		"PATCH /sources/:id": {"/sources/1", `{"ownership":"private"}`, admins(200)},
		"GET /tokens":        {"/tokens", "", signedIn(200)},
		"POST /tokens":       {"/tokens", `{"name":"nb"}`, signedIn(201)},
		// Tokens are personal: deleting ann's spare token is a 404 for anyone else, admins included.
		"DELETE /tokens/:id": {fmt.Sprintf("/tokens/%d", spare), "", [6]int{401, 404, 204, 404, 404, 404}},
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
				c.path = matrixFixture(e, c.path)
				c.body = matrixFixture(e, c.body)
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
