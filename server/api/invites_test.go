package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"slant/models"
	"slant/models/modelstest"
)

// matrixFixture fills the authorization matrix's placeholders for the
// invitation routes with a fresh invite of the env's project: {invite}
// is its id, {secret} the secret of its link.
func matrixFixture(e *testEnv, path string) string {
	e.t.Helper()
	path = curationMatrixFixture(e, path)
	path = relationsMatrixFixture(e, path)
	path = suggestionsMatrixFixture(e, path)
	if !strings.Contains(path, "{invite}") && !strings.Contains(path, "{secret}") {
		return path
	}
	inv, secret, err := e.store.CreateInvite(context.Background(), e.project.ID, models.MemberAnnotator, e.users["mgr"].ID, time.Now().Add(time.Hour))
	if err != nil {
		e.t.Fatal(err)
	}
	return strings.NewReplacer("{invite}", fmt.Sprint(inv.ID), "{secret}", secret).Replace(path)
}

// browserClient is a client with a cookie jar, as a fresh browser.
func browserClient(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar}
}

// send sends a JSON request through client (no bearer token) and checks
// the answer against openapi.yaml.
func send(t *testing.T, client *http.Client, method, url, body string, headers ...string) resp {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := resp{Status: res.StatusCode, Header: res.Header, Body: b}
	validateResponse(t, req, out)
	return out
}

// A manager's link, opened by someone with no account: they see the
// project and role, pick a name and password, are signed in with a
// cookie session and see exactly that project with that role. The link
// then answers 410; the list shows it used, without any secret.
func TestInviteScenario(t *testing.T) {
	t.Parallel()
	e := newEnv(t, scenarioText)
	other := &models.Project{Name: "Not yours"}
	if err := e.store.CreateProject(context.Background(), other, nil); err != nil {
		t.Fatal(err)
	}
	invites := fmt.Sprintf("/api/v1/projects/%d/invites", e.project.ID)
	r := e.do("POST", invites, "mgr", `{"role":"curator"}`)
	if r.Status != 201 || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	var made inviteJSON
	if err := json.Unmarshal(r.Body, &made); err != nil {
		t.Fatal(err)
	}
	if made.Link != e.srv.URL+"/#/invite/"+made.Secret || made.Role != "curator" || made.State != "open" || made.CreatedBy != "mgr" {
		t.Fatalf("made: %+v", made)
	}
	if d := time.Until(made.ExpiresAt); d < 71*time.Hour || d > 72*time.Hour {
		t.Fatalf("default expiry in %v, want 72 h", d)
	}

	browser := browserClient(t)
	base := e.srv.URL + "/api/v1/invites/" + made.Secret
	r = send(t, browser, "GET", base, "")
	if r.Status != 200 || r.JSON(t)["project_name"] != "Matrix" || r.JSON(t)["role"] != "curator" {
		t.Fatalf("look at the link: %d %s", r.Status, r.Body)
	}
	r = send(t, browser, "POST", base+"/accept", `{"name":"ann","password":"password-456"}`)
	if r.Status != 409 {
		t.Fatalf("a taken name: %d %s", r.Status, r.Body)
	}
	errorOf(t, r)
	r = send(t, browser, "POST", base+"/accept", `{"name":"newbie","password":"short"}`)
	if r.Status != 422 {
		t.Fatalf("a short password: %d %s", r.Status, r.Body)
	}
	r = send(t, browser, "POST", base+"/accept", `{"name":"newbie","password":"password-456"}`)
	if r.Status != 201 {
		t.Fatalf("accept: %d %s", r.Status, r.Body)
	}
	acc := r.JSON(t)
	if acc["project_id"] != float64(e.project.ID) || acc["role"] != "curator" || acc["csrf_token"] == "" {
		t.Fatalf("accepted: %s", r.Body)
	}
	// signed in: the new user sees exactly this project, as a curator
	r = send(t, browser, "GET", e.srv.URL+"/api/v1/projects", "")
	var projects struct {
		Items []struct {
			ID   int64  `json:"id"`
			Role string `json:"role"`
		} `json:"items"`
	}
	if err := json.Unmarshal(r.Body, &projects); err != nil || r.Status != 200 {
		t.Fatalf("projects: %d %s", r.Status, r.Body)
	}
	if len(projects.Items) != 1 || projects.Items[0].ID != e.project.ID {
		t.Fatalf("the new user's projects: %s", r.Body)
	}
	r = send(t, browser, "GET", fmt.Sprintf("%s/api/v1/projects/%d", e.srv.URL, e.project.ID), "")
	if r.Status != 200 || r.JSON(t)["role"] != "curator" {
		t.Fatalf("project view: %d %s", r.Status, r.Body)
	}
	if r = send(t, browser, "GET", fmt.Sprintf("%s/api/v1/projects/%d", e.srv.URL, other.ID), ""); r.Status != 404 {
		t.Fatalf("another project: %d", r.Status)
	}
	r = send(t, browser, "GET", e.srv.URL+"/api/v1/me", "")
	if r.Status != 200 || r.JSON(t)["name"] != "newbie" || r.JSON(t)["role"] != "annotator" {
		t.Fatalf("me: %s", r.Body)
	}

	// single use: a second accept and a second look answer 410
	for _, try := range []struct{ method, url, body string }{
		{"POST", base + "/accept", `{"name":"second","password":"password-456"}`},
		{"GET", base, ""},
	} {
		r = send(t, http.DefaultClient, try.method, try.url, try.body)
		if r.Status != 410 || errorOf(t, r)["code"] != "gone" {
			t.Fatalf("%s after use: %d %s", try.method, r.Status, r.Body)
		}
	}
	r = e.do("GET", invites, "mgr", "")
	if r.Status != 200 || strings.Contains(string(r.Body), made.Secret) || strings.Contains(string(r.Body), `"secret"`) ||
		strings.Contains(string(r.Body), `"link"`) {
		t.Fatalf("list shows a secret: %s", r.Body)
	}
	var listed struct{ Items []inviteJSON }
	if err := json.Unmarshal(r.Body, &listed); err != nil || len(listed.Items) != 1 || listed.Items[0].State != "used" ||
		listed.Items[0].UsedBy == nil || *listed.Items[0].UsedBy != "newbie" {
		t.Fatalf("list: %s", r.Body)
	}
}

// Wrong, expired and revoked links; bad lifetimes and roles.
func TestInviteRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t, scenarioText)
	ctx := context.Background()
	invites := fmt.Sprintf("/api/v1/projects/%d/invites", e.project.ID)
	for _, body := range []string{`{"expires_in_hours":0}`, `{"expires_in_hours":721}`, `{"role":"admin"}`, `{"role":"owner"}`} {
		if r := e.do("POST", invites, "admin", body); r.Status != 422 {
			t.Fatalf("%s: %d %s", body, r.Status, r.Body)
		}
	}
	if r := e.do("POST", invites, "admin", `{"expires_in_hours":720,"role":"manager"}`); r.Status != 201 {
		t.Fatalf("30 days: %d %s", r.Status, r.Body)
	}

	r := e.do("GET", "/api/v1/invites/not-a-secret", "", "")
	if r.Status != 404 || errorOf(t, r)["code"] != "not_found" {
		t.Fatalf("wrong secret: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/api/v1/invites/not-a-secret/accept", "", `{"name":"x","password":"password-456"}`); r.Status != 404 {
		t.Fatalf("accept a wrong secret: %d %s", r.Status, r.Body)
	}

	_, expired, err := e.store.CreateInvite(ctx, e.project.ID, models.MemberAnnotator, e.users["mgr"].ID, time.Now().Add(-time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if r := e.do("GET", "/api/v1/invites/"+expired, "", ""); r.Status != 410 {
		t.Fatalf("expired: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/api/v1/invites/"+expired+"/accept", "", `{"name":"late","password":"password-456"}`); r.Status != 410 {
		t.Fatalf("accept expired: %d %s", r.Status, r.Body)
	}
	if _, err := e.store.UserByName(ctx, "late"); err == nil {
		t.Fatal("an expired link made a user")
	}

	inv, revoked, err := e.store.CreateInvite(ctx, e.project.ID, models.MemberAnnotator, e.users["mgr"].ID, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if r := e.do("DELETE", fmt.Sprintf("%s/%d", invites, inv.ID), "mgr", ""); r.Status != 204 {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	if r := e.do("DELETE", fmt.Sprintf("%s/%d", invites, inv.ID), "mgr", ""); r.Status != 404 {
		t.Fatalf("revoke twice: %d %s", r.Status, r.Body)
	}
	if r := e.do("GET", "/api/v1/invites/"+revoked, "", ""); r.Status != 404 {
		t.Fatalf("revoked link: %d %s", r.Status, r.Body)
	}

	// like a login, accepting needs JSON from the same site
	_, live, err := e.store.CreateInvite(ctx, e.project.ID, models.MemberAnnotator, e.users["mgr"].ID, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if r := e.do("POST", "/api/v1/invites/"+live+"/accept", "", `{"name":"csrf","password":"password-456"}`, "Content-Type", "text/plain"); r.Status != 415 {
		t.Fatalf("text/plain accept: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/api/v1/invites/"+live+"/accept", "", `{"name":"csrf","password":"password-456"}`, "Origin", "https://evil.example"); r.Status != 403 {
		t.Fatalf("cross-origin accept: %d %s", r.Status, r.Body)
	}
}

// The link is built from --public-url when it is set.
func TestInviteLinkUsesPublicURL(t *testing.T) {
	t.Parallel()
	s := modelstest.NewStore(t)
	ctx := context.Background()
	admin, err := s.CreateUser(ctx, "admin", models.RoleAdmin, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	_, token, err := s.CreateToken(ctx, admin.ID, "t")
	if err != nil {
		t.Fatal(err)
	}
	p := &models.Project{Name: "P"}
	if err := s.CreateProject(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	router, _ := New(s, Config{PublicURL: "https://slant.example.org/team/"})
	srv := httptest.NewServer(router)
	t.Cleanup(srv.Close)
	r := send(t, srv.Client(), "POST", fmt.Sprintf("%s/api/v1/projects/%d/invites", srv.URL, p.ID), `{}`, "Authorization", "Bearer "+token)
	if r.Status != 201 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	m := r.JSON(t)
	if m["link"] != "https://slant.example.org/team/#/invite/"+m["secret"].(string) {
		t.Fatalf("link %v", m["link"])
	}
}

// Guesses at link secrets share the login limiter: after 5 wrong ones
// from an address, even a right secret waits (429, Retry-After); a right
// secret gives its attempt back, so an invitee's own visits never count.
func TestInviteGuessesAreThrottled(t *testing.T) {
	t.Parallel()
	s := modelstest.NewStore(t)
	ctx := context.Background()
	p := &models.Project{Name: "P"}
	if err := s.CreateProject(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	_, secret, err := s.CreateInvite(ctx, p.ID, models.MemberAnnotator, 0, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	router, h := New(s, Config{})
	t0 := time.Now()
	h.logins.now = func() time.Time { return t0 } // a stopped clock: the lockout cannot run out mid-test
	srv := httptest.NewServer(router)
	t.Cleanup(srv.Close)
	c := srv.Client()
	for i := 0; i < 10; i++ { // right secrets never use up the budget
		if r := send(t, c, "GET", srv.URL+"/api/v1/invites/"+secret, ""); r.Status != 200 {
			t.Fatalf("look %d: %d", i, r.Status)
		}
	}
	for i := 0; i < 5; i++ {
		if r := send(t, c, "POST", srv.URL+"/api/v1/invites/guess"+fmt.Sprint(i)+"/accept", `{"name":"x","password":"password-456"}`); r.Status != 404 {
			t.Fatalf("guess %d: %d %s", i, r.Status, r.Body)
		}
	}
	r := send(t, c, "POST", srv.URL+"/api/v1/invites/"+secret+"/accept", `{"name":"invitee","password":"password-456"}`)
	if r.Status != 429 || r.Header.Get("Retry-After") == "" {
		t.Fatalf("after 5 wrong guesses: %d %s", r.Status, r.Body)
	}
	errorOf(t, r)
	if r := send(t, c, "GET", srv.URL+"/api/v1/invites/"+secret, ""); r.Status != 429 {
		t.Fatalf("a look after 5 wrong guesses: %d", r.Status)
	}
}

// The request log masks invitation secrets: a link works until it is
// used, and logs are read by more people than the team. Not parallel: it
// swaps the global logger while no other test of this package runs.
func TestInviteSecretsNeverLogged(t *testing.T) {
	var buf strings.Builder
	var mu sync.Mutex
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(lockedWriter{&mu, &buf}, nil)))
	defer slog.SetDefault(old)
	e := newEnv(t, "text for logging")
	made := e.do("POST", fmt.Sprintf("/api/v1/projects/%d/invites", e.project.ID), "mgr", `{}`).JSON(t)
	secret := made["secret"].(string)
	e.do("GET", "/api/v1/invites/"+secret, "", "")
	e.do("POST", "/api/v1/invites/"+secret+"/accept", "", `{"name":"logged","password":"password-456"}`)
	mu.Lock()
	log := buf.String()
	mu.Unlock()
	if !strings.Contains(log, "/api/v1/invites/[secret]/accept") {
		t.Fatalf("the accept was not logged with a masked path:\n%s", log)
	}
	if strings.Contains(log, secret) {
		t.Errorf("an invitation secret appears in the log:\n%s", log)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// In a project that assigns articles, an invitee who accepts gets their
// share at once, without waiting for the next assignment run.
func TestAcceptedInviteeIsAssignedArticles(t *testing.T) {
	t.Parallel()
	e := newEnv(t, scenarioText)
	ctx := context.Background()
	if _, err := e.store.CreateArticles(ctx, e.project.ID, []models.ArticleIn{{Title: "b", Text: "Second."}, {Title: "c", Text: "Third."}, {Title: "d", Text: "Fourth."}}); err != nil {
		t.Fatal(err)
	}
	// three annotators per article, and only two annotators so far: a slot of each article is open
	if r := e.do("PATCH", fmt.Sprintf("/api/v1/projects/%d", e.project.ID), "mgr", `{"annotators_per_article":3}`); r.Status != 200 {
		t.Fatalf("k=3: %d %s", r.Status, r.Body)
	}
	r := e.do("POST", fmt.Sprintf("/api/v1/projects/%d/invites", e.project.ID), "mgr", `{"role":"annotator"}`)
	var made inviteJSON
	if err := json.Unmarshal(r.Body, &made); err != nil || r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	if r := send(t, browserClient(t), "POST", e.srv.URL+"/api/v1/invites/"+made.Secret+"/accept", `{"name":"fresh","password":"password-456"}`); r.Status != 201 {
		t.Fatalf("accept: %d %s", r.Status, r.Body)
	}
	prog, err := e.store.Progress(ctx, e.project.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range prog {
		if p.Name == "fresh" {
			if p.Assigned != 4 {
				t.Fatalf("the invitee has no articles: %+v", prog)
			}
			return
		}
	}
	t.Fatalf("the invitee is not in the progress: %+v", prog)
}
