package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"slant/models"
	"slant/models/modelstest"
)

const testPassword = "password-123"

// testEnv is a real router on a real HTTP server over a real SQLite file,
// with three users (admin, ann, other), a project with the default labels
// plus an unused label, one article and one annotation by ann.
type testEnv struct {
	t       *testing.T
	srv     *httptest.Server
	store   *models.Store
	handler *Handler
	tokens  map[string]string // user name -> bearer secret
	users   map[string]*models.User
	project *models.Project
	article models.Article
	annID   int64 // annotation by ann
	spareID int64 // a second token of ann's, for revocation tests
}

func newEnv(t *testing.T, text string) *testEnv {
	t.Helper()
	ctx := context.Background()
	s := modelstest.NewStore(t)
	router, h := New(s, Config{MaxBodyBytes: 1 << 20})
	srv := httptest.NewServer(router)
	t.Cleanup(srv.Close)
	e := &testEnv{t: t, srv: srv, store: s, handler: h, tokens: map[string]string{}, users: map[string]*models.User{}}
	for _, u := range []struct{ name, role string }{{"admin", models.RoleAdmin}, {"ann", models.RoleAnnotator}, {"other", models.RoleAnnotator},
		{"outsider", models.RoleAnnotator}, {"cur", models.RoleAnnotator}, {"mgr", models.RoleAnnotator}, {"newcomer", models.RoleAnnotator}} {
		user, err := s.CreateUser(ctx, u.name, u.role, testPassword)
		if err != nil {
			t.Fatal(err)
		}
		_, secret, err := s.CreateToken(ctx, user.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		e.users[u.name], e.tokens[u.name] = user, secret
	}
	spare, _, _ := s.CreateToken(ctx, e.users["ann"].ID, "spare")
	e.spareID = spare.ID
	e.project = &models.Project{Name: "Matrix"}
	if err := s.CreateProject(ctx, e.project, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateLabel(ctx, &models.Label{ProjectID: e.project.ID, Key: "unused"}); err != nil {
		t.Fatal(err)
	}
	// members of the project by role (admin sees every project; outsider
	// and newcomer are in none)
	for name, role := range map[string]string{"ann": models.MemberAnnotator, "other": models.MemberAnnotator,
		"cur": models.MemberCurator, "mgr": models.MemberManager} {
		if _, _, err := s.SetMember(ctx, e.project.ID, e.users[name].ID, role); err != nil {
			t.Fatal(err)
		}
	}
	arts, err := s.CreateArticles(ctx, e.project.ID, []models.ArticleIn{{Title: "Article", Text: text, URL: "https://www.outlet.example.org/a/1", ExternalID: ptr("ext-1")}})
	if err != nil {
		t.Fatal(err)
	}
	e.article = arts[0]
	a, err := s.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: e.article.ID, UserID: e.users["ann"].ID, Label: "opinion", Start: 0, End: 2})
	if err != nil {
		t.Fatal(err)
	}
	e.annID = a.ID
	return e
}

type resp struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a generic value.
func (r resp) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body is not a JSON object (%v): %s", err, r.Body)
	}
	return m
}

// do sends a request as user ("" for anonymous) with an optional body.
func (e *testEnv) do(method, path, user, body string, headers ...string) resp {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+e.tokens[user])
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	out := resp{Status: res.StatusCode, Header: res.Header, Body: b}
	validateResponse(e.t, req, out)
	return out
}

func ptr[T any](v T) *T { return &v }

// errorOf checks the one error shape and returns its object.
func errorOf(t *testing.T, r resp) map[string]any {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("error with Content-Type %q: %s", ct, r.Body)
	}
	m := r.JSON(t)
	obj, ok := m["error"].(map[string]any)
	if !ok {
		t.Fatalf("no error object: %s", r.Body)
	}
	for _, k := range []string{"status", "code", "message", "fields"} {
		if _, ok := obj[k]; !ok {
			t.Fatalf("error object lacks %q: %s", k, r.Body)
		}
	}
	if int(obj["status"].(float64)) != r.Status {
		t.Fatalf("error.status %v != HTTP %d", obj["status"], r.Status)
	}
	return obj
}

func TestMain(m *testing.M) {
	// Request logs would drown test output; errors still reach t.Fatal.
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	os.Exit(m.Run())
}
