package api

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"

	"slant/models"
)

// The article text used by the scenarios: astral emoji, a ZWJ sequence,
// typographic quotes and CRLF, so byte or UTF-16 counting shows up.
const scenarioText = "Rates 📈 rose; critics said “unfair”.\r\nNext 👩‍🔬 line."

type scenario struct {
	name   string
	method string
	path   string
	user   string // "" = anonymous
	body   string
	status int
	code   string   // expected error code (errors only)
	fields []string // expected keys of error.fields
	check  func(t *testing.T, e *testEnv, r resp)
}

func runScenarios(t *testing.T, build func(e *testEnv) []scenario) {
	t.Helper()
	probe := &testEnv{project: &models.Project{}}
	for i, sc := range build(probe) {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, scenarioText)
			sc := build(e)[i]
			r := e.do(sc.method, sc.path, sc.user, sc.body)
			if r.Status != sc.status {
				t.Fatalf("status %d, want %d: %s", r.Status, sc.status, r.Body)
			}
			if r.Status >= 400 {
				obj := errorOf(t, r)
				if sc.code != "" && obj["code"] != sc.code {
					t.Errorf("code %v, want %s", obj["code"], sc.code)
				}
				fields, _ := obj["fields"].(map[string]any)
				for _, f := range sc.fields {
					if _, ok := fields[f]; !ok {
						t.Errorf("fields lack %q: %s", f, r.Body)
					}
				}
			}
			if sc.check != nil {
				sc.check(t, e, r)
			}
		})
	}
}

// annotationCount asserts the number of stored annotations of the article
// (the fixture has one): bad input must leave the data as it was.
func annotationCount(want int64) func(t *testing.T, e *testEnv, r resp) {
	return func(t *testing.T, e *testEnv, r resp) {
		n, _ := e.store.CountAnnotations(context.Background(), models.AnnotationFilter{ArticleID: e.article.ID})
		if n != want {
			t.Fatalf("%d annotations stored, want %d", n, want)
		}
	}
}

func articleCount(want int) func(t *testing.T, e *testEnv, r resp) {
	return func(t *testing.T, e *testEnv, r resp) {
		rows, _, _ := e.store.ListArticles(context.Background(), models.ArticleFilter{ProjectID: e.project.ID}, models.Page{})
		if len(rows) != want {
			t.Fatalf("%d articles stored, want %d", len(rows), want)
		}
	}
}

func TestAnnotationContract(t *testing.T) {
	t.Parallel()
	runScenarios(t, func(e *testEnv) []scenario {
		ann := fmt.Sprintf("/api/v1/articles/%d/annotations", e.article.ID)
		return []scenario{
			{name: "create with code-point offsets", method: "POST", path: ann, user: "ann",
				body: `{"label":"opinion","start":8,"end":12,"text":"rose","note":"n","attributes":{"speaker":"A"}}`, status: 201,
				check: func(t *testing.T, e *testEnv, r resp) {
					m := r.JSON(t)
					if m["text"] != "rose" || m["start"] != 8.0 || m["end"] != 12.0 || m["label"] != "opinion" ||
						m["annotator"] != "ann" || m["origin"] != "human" || m["note"] != "n" {
						t.Fatalf("annotation = %v", m)
					}
					if m["attributes"].(map[string]any)["speaker"] != "A" {
						t.Fatalf("attributes = %v", m["attributes"])
					}
					for _, k := range []string{"id", "article_id", "created_at", "updated_at"} {
						if _, ok := m[k]; !ok {
							t.Errorf("missing %s", k)
						}
					}
				}},
			{name: "span across CRLF and ZWJ", method: "POST", path: ann, user: "ann",
				body: `{"label":"opinion","start":35,"end":46,"text":".\r\nNext 👩‍🔬"}`, status: 201},
			{name: "UTF-16 offsets are a quote mismatch", method: "POST", path: ann, user: "ann",
				body: `{"label":"opinion","start":9,"end":13,"text":"rose"}`, status: 422, code: "quote_mismatch", fields: []string{"text"},
				check: func(t *testing.T, e *testEnv, r resp) {
					obj := errorOf(t, r)
					if obj["actual"] != "ose;" {
						t.Fatalf("actual = %v", obj["actual"])
					}
					annotationCount(1)(t, e, r)
				}},
			{name: "negative start", method: "POST", path: ann, user: "ann", body: `{"label":"opinion","start":-1,"end":3}`, status: 422, fields: []string{"start"}, check: annotationCount(1)},
			{name: "empty span", method: "POST", path: ann, user: "ann", body: `{"label":"opinion","start":3,"end":3}`, status: 422, fields: []string{"end"}, check: annotationCount(1)},
			{name: "reversed span", method: "POST", path: ann, user: "ann", body: `{"label":"opinion","start":5,"end":3}`, status: 422, fields: []string{"end"}},
			{name: "past the end", method: "POST", path: ann, user: "ann", body: `{"label":"opinion","start":0,"end":500}`, status: 422, fields: []string{"end"}},
			{name: "end exactly at length is fine", method: "POST", path: ann, user: "ann", body: fmt.Sprintf(`{"label":"opinion","start":0,"end":%d}`, models.CodePointLen(scenarioText)), status: 201},
			{name: "non-integer offset", method: "POST", path: ann, user: "ann", body: `{"label":"opinion","start":1.5,"end":3}`, status: 422, fields: []string{"start"}},
			{name: "string offset", method: "POST", path: ann, user: "ann", body: `{"label":"opinion","start":"1","end":3}`, status: 422, fields: []string{"start"}},
			{name: "missing fields", method: "POST", path: ann, user: "ann", body: `{}`, status: 422, fields: []string{"label", "start", "end"}},
			{name: "start 0 is present, not missing", method: "POST", path: ann, user: "ann", body: `{"label":"state_media_framing","start":0,"end":1}`, status: 201},
			{name: "unknown label key", method: "POST", path: ann, user: "ann", body: `{"label":"nonsense","start":0,"end":3}`, status: 422, fields: []string{"label"}},
			{name: "unknown field", method: "POST", path: ann, user: "ann", body: `{"label":"opinion","begin":0,"end":3}`, status: 422, fields: []string{"begin"}},
			{name: "malformed JSON", method: "POST", path: ann, user: "ann", body: `{"label":`, status: 400, code: "invalid_json"},
			{name: "trailing data", method: "POST", path: ann, user: "ann", body: `{"label":"opinion","start":0,"end":1} {}`, status: 400, code: "invalid_json", check: annotationCount(1)},
			{name: "bad origin", method: "POST", path: ann, user: "ann", body: `{"label":"opinion","start":0,"end":3,"origin":"robot"}`, status: 422, fields: []string{"origin"}},
			{name: "model origin", method: "POST", path: ann, user: "ann", body: `{"label":"opinion","start":0,"end":3,"origin":"model:roberta-v2"}`, status: 201,
				check: func(t *testing.T, e *testEnv, r resp) {
					if r.JSON(t)["origin"] != "model:roberta-v2" {
						t.Fatal("origin not stored")
					}
				}},
			{name: "speaker must be a string", method: "POST", path: ann, user: "ann", body: `{"label":"attributed_claim","start":0,"end":3,"attributes":{"speaker":5}}`, status: 422, fields: []string{"attributes.speaker"}},
			{name: "duplicate span is a conflict", method: "POST", path: ann, user: "ann", body: `{"label":"opinion","start":0,"end":2}`, status: 409, code: "conflict", check: annotationCount(1)},
			{name: "same span by another annotator is fine", method: "POST", path: ann, user: "other", body: `{"label":"opinion","start":0,"end":2}`, status: 201, check: annotationCount(2)},
			{name: "unknown article", method: "POST", path: "/api/v1/articles/999/annotations", user: "ann", body: `{"label":"opinion","start":0,"end":2}`, status: 404, code: "not_found"},
			{name: "non-integer article id", method: "GET", path: "/api/v1/articles/abc", user: "ann", status: 404},
			{name: "unknown annotation", method: "PATCH", path: "/api/v1/annotations/999", user: "ann", body: `{"note":"x"}`, status: 404},
			{name: "another user's annotation", method: "DELETE", path: fmt.Sprintf("/api/v1/annotations/%d", e.annID), user: "other", status: 403, check: annotationCount(1)},
			{name: "patch offsets recomputes text", method: "PATCH", path: fmt.Sprintf("/api/v1/annotations/%d", e.annID), user: "ann", body: `{"start":6,"end":7,"label":"state_media_framing"}`, status: 200,
				check: func(t *testing.T, e *testEnv, r resp) {
					m := r.JSON(t)
					if m["text"] != "📈" || m["label"] != "state_media_framing" {
						t.Fatalf("patched = %v", m)
					}
				}},
			{name: "patch to invalid offsets changes nothing", method: "PATCH", path: fmt.Sprintf("/api/v1/annotations/%d", e.annID), user: "ann", body: `{"end":999}`, status: 422, fields: []string{"end"},
				check: func(t *testing.T, e *testEnv, r resp) {
					a, _ := e.store.GetAnnotation(context.Background(), e.annID)
					if a.Start != 0 || a.End != 2 || a.Quote != "Ra" {
						t.Fatalf("annotation changed: %+v", a.Annotation)
					}
				}},
			{name: "list in text order with cursor", method: "GET", path: ann + "?limit=1", user: "ann", status: 200,
				check: func(t *testing.T, e *testEnv, r resp) {
					m := r.JSON(t)
					if len(m["items"].([]any)) != 1 || m["next_cursor"] != nil {
						t.Fatalf("envelope = %s", r.Body)
					}
				}},
			{name: "limit too large", method: "GET", path: ann + "?limit=1001", user: "ann", status: 422, fields: []string{"limit"}},
			{name: "limit not a number", method: "GET", path: ann + "?limit=ten", user: "ann", status: 422, fields: []string{"limit"}},
			{name: "bad cursor", method: "GET", path: ann + "?cursor=xyz", user: "ann", status: 422, fields: []string{"cursor"}},
			{name: "project annotations filtered", method: "GET", path: fmt.Sprintf("/api/v1/projects/%d/annotations?label=opinion&annotator=ann&source=outlet.example.org&origin=human", e.project.ID), user: "ann", status: 200,
				check: func(t *testing.T, e *testEnv, r resp) {
					if n := len(r.JSON(t)["items"].([]any)); n != 1 {
						t.Fatalf("%d items", n)
					}
				}},
			{name: "project annotations filter excludes", method: "GET", path: fmt.Sprintf("/api/v1/projects/%d/annotations?label=attributed_claim", e.project.ID), user: "ann", status: 200,
				check: func(t *testing.T, e *testEnv, r resp) {
					if n := len(r.JSON(t)["items"].([]any)); n != 0 {
						t.Fatalf("%d items", n)
					}
				}},
		}
	})
}

func TestArticleContract(t *testing.T) {
	t.Parallel()
	runScenarios(t, func(e *testEnv) []scenario {
		arts := fmt.Sprintf("/api/v1/projects/%d/articles", e.project.ID)
		art := fmt.Sprintf("/api/v1/articles/%d", e.article.ID)
		return []scenario{
			{name: "create one, text kept byte for byte", method: "POST", path: arts, user: "ann",
				body: `{"title":"T","text":"\ufeffCRLF\r\nCafe\u0301 🇳🇴","url":"https://news.bbc-like.co.uk/x","published_at":"2026-03-01","external_id":"e-2","metadata":{"k":[1,2],"big":12345678901234567890}}`, status: 201,
				check: func(t *testing.T, e *testEnv, r resp) {
					m := r.JSON(t)
					if m["text"] != "\ufeffCRLF\r\nCafe\u0301 🇳🇴" || m["length"] != 15.0 {
						t.Fatalf("text/length = %q %v", m["text"], m["length"])
					}
					if m["published_at"] != "2026-03-01T00:00:00Z" || m["external_id"] != "e-2" || len(m["text_sha256"].(string)) != 64 {
						t.Fatalf("fields = %v", m)
					}
					if src := m["source"].(map[string]any); src["domain"] != "bbc-like.co.uk" || src["ownership"] != "unknown" {
						t.Fatalf("source = %v", src)
					}
					if !strings.Contains(string(r.Body), "12345678901234567890") {
						t.Fatal("metadata number changed")
					}
				}},
			{name: "array all-or-nothing", method: "POST", path: arts, user: "ann", body: `[{"text":"fine"},{"text":""}]`, status: 422, fields: []string{"[1].text"}, check: articleCount(1)},
			{name: "array ok", method: "POST", path: arts, user: "ann", body: `[{"text":"one"},{"text":"two"}]`, status: 201, check: articleCount(3)},
			{name: "empty text", method: "POST", path: arts, user: "ann", body: `{"text":""}`, status: 422, fields: []string{"text"}, check: articleCount(1)},
			{name: "whitespace text", method: "POST", path: arts, user: "ann", body: `{"text":" \r\n\t"}`, status: 422, fields: []string{"text"}},
			{name: "missing text", method: "POST", path: arts, user: "ann", body: `{"title":"x"}`, status: 422, fields: []string{"text"}},
			{name: "invalid UTF-8", method: "POST", path: arts, user: "ann", body: "{\"text\":\"bad \xff\xfe\"}", status: 400, code: "invalid_json", check: articleCount(1)},
			{name: "lone surrogate escape", method: "POST", path: arts, user: "ann", body: `{"text":"bad \ud800 x"}`, status: 400, code: "invalid_json", check: articleCount(1)},
			{name: "paired surrogate escape is fine", method: "POST", path: arts, user: "ann", body: `{"text":"ok \ud83d\udcc8"}`, status: 201,
				check: func(t *testing.T, e *testEnv, r resp) {
					if r.JSON(t)["text"] != "ok 📈" {
						t.Fatal("escape decoded wrong")
					}
				}},
			{name: "javascript URL refused", method: "POST", path: arts, user: "ann", body: `{"text":"x","url":"javascript:alert(1)"}`, status: 422, fields: []string{"url"}},
			{name: "bad date", method: "POST", path: arts, user: "ann", body: `{"text":"x","published_at":"yesterday"}`, status: 422, fields: []string{"published_at"}},
			{name: "duplicate external id", method: "POST", path: arts, user: "ann", body: `{"text":"x","external_id":"ext-1"}`, status: 409, check: articleCount(1)},
			{name: "unknown project", method: "POST", path: "/api/v1/projects/999/articles", user: "ann", body: `{"text":"x"}`, status: 404},
			{name: "get includes text and source", method: "GET", path: art, user: "ann", status: 200,
				check: func(t *testing.T, e *testEnv, r resp) {
					m := r.JSON(t)
					if m["text"] != scenarioText || int(m["length"].(float64)) != models.CodePointLen(scenarioText) || m["done"] != false {
						t.Fatalf("article = %v", m)
					}
					if m["source"].(map[string]any)["domain"] != "example.org" {
						t.Fatalf("source = %v", m["source"])
					}
				}},
			{name: "text is immutable", method: "PATCH", path: art, user: "admin", body: `{"text":"changed"}`, status: 422, fields: []string{"text"},
				check: func(t *testing.T, e *testEnv, r resp) {
					a, _ := e.store.GetArticle(context.Background(), e.article.ID)
					if a.Text != scenarioText {
						t.Fatal("text changed")
					}
				}},
			{name: "patch metadata fields", method: "PATCH", path: art, user: "admin", body: `{"title":"New","metadata":{"a":1},"published_at":null,"url":"https://other.example.com/p"}`, status: 200,
				check: func(t *testing.T, e *testEnv, r resp) {
					m := r.JSON(t)
					if m["title"] != "New" || m["published_at"] != nil || m["source"].(map[string]any)["domain"] != "example.com" {
						t.Fatalf("patched = %v", m)
					}
				}},
			{name: "list with filters", method: "GET", path: arts + "?source=outlet.example.org&q=Arti*&status=todo", user: "ann", status: 200,
				check: func(t *testing.T, e *testEnv, r resp) {
					items := r.JSON(t)["items"].([]any)
					if len(items) != 1 {
						t.Fatalf("%d items", len(items))
					}
					it := items[0].(map[string]any)
					if _, hasText := it["text"]; hasText {
						t.Error("list rows carry text")
					}
					if it["annotation_count"] != 1.0 || it["my_annotation_count"] != 1.0 || it["done"] != false {
						t.Errorf("row = %v", it)
					}
				}},
			{name: "status done excludes", method: "GET", path: arts + "?status=done", user: "ann", status: 200,
				check: func(t *testing.T, e *testEnv, r resp) {
					if n := len(r.JSON(t)["items"].([]any)); n != 0 {
						t.Fatalf("%d items", n)
					}
				}},
			{name: "bad status", method: "GET", path: arts + "?status=maybe", user: "ann", status: 422, fields: []string{"status"}},
			{name: "bad ownership filter", method: "GET", path: arts + "?ownership=evil", user: "ann", status: 422, fields: []string{"ownership"}},
		}
	})
}

func TestProjectLabelSourceContract(t *testing.T) {
	t.Parallel()
	runScenarios(t, func(e *testEnv) []scenario {
		return []scenario{
			{name: "create project with default labels", method: "POST", path: "/api/v1/projects", user: "admin", body: `{"name":"P2","description":"d"}`, status: 201,
				check: func(t *testing.T, e *testEnv, r resp) {
					labels := r.JSON(t)["labels"].([]any)
					if len(labels) != len(models.DefaultLabels()) || labels[1].(map[string]any)["key"] != "attributed_claim" {
						t.Fatalf("labels = %v", labels)
					}
				}},
			{name: "create project with own labels", method: "POST", path: "/api/v1/projects", user: "admin",
				body: `{"name":"P3","labels":[{"key":"loaded_language","name":"Loaded language","color":"#112233","hotkey":"l","description":"..."}]}`, status: 201,
				check: func(t *testing.T, e *testEnv, r resp) {
					labels := r.JSON(t)["labels"].([]any)
					if len(labels) != 1 || labels[0].(map[string]any)["hotkey"] != "l" {
						t.Fatalf("labels = %v", labels)
					}
				}},
			{name: "bad label key rolls back project", method: "POST", path: "/api/v1/projects", user: "admin", body: `{"name":"P4","labels":[{"key":"ok_one"},{"key":"Bad Key"}]}`, status: 422, fields: []string{"labels[1].key"},
				check: func(t *testing.T, e *testEnv, r resp) {
					rows, _, _ := e.store.ListProjects(context.Background(), 0, models.Page{})
					if len(rows) != 1 {
						t.Fatalf("%d projects after a failed create", len(rows))
					}
				}},
			{name: "project name required", method: "POST", path: "/api/v1/projects", user: "admin", body: `{"name":"  "}`, status: 422, fields: []string{"name"}},
			{name: "label in use cannot be deleted", method: "DELETE", path: "/api/v1/labels/1", user: "admin", status: 409, code: "conflict"},
			{name: "duplicate label key", method: "POST", path: fmt.Sprintf("/api/v1/projects/%d/labels", e.project.ID), user: "admin", body: `{"key":"opinion"}`, status: 409},
			{name: "duplicate hotkey", method: "POST", path: fmt.Sprintf("/api/v1/projects/%d/labels", e.project.ID), user: "admin", body: `{"key":"fresh","hotkey":"1"}`, status: 409},
			{name: "bad color", method: "PATCH", path: "/api/v1/labels/1", user: "admin", body: `{"color":"red"}`, status: 422, fields: []string{"color"}},
			{name: "source domain from a pasted URL", method: "POST", path: "/api/v1/sources", user: "admin", body: `{"domain":"https://www.state-tv.example.ru/news","name":"State TV","country":"ru","ownership":"state_controlled"}`, status: 201,
				check: func(t *testing.T, e *testEnv, r resp) {
					if m := r.JSON(t); m["domain"] != "example.ru" {
						t.Fatalf("source = %v", m)
					}
				}},
			{name: "source domain nonsense", method: "POST", path: "/api/v1/sources", user: "admin", body: `{"domain":"not a domain"}`, status: 422, fields: []string{"domain"}},
			{name: "source create plain domain", method: "POST", path: "/api/v1/sources", user: "admin", body: `{"domain":"www.state-tv.example.ru","name":"State TV","country":"ru","ownership":"state_controlled"}`, status: 201,
				check: func(t *testing.T, e *testEnv, r resp) {
					m := r.JSON(t)
					if m["domain"] != "example.ru" || m["country"] != "RU" {
						t.Fatalf("source = %v", m)
					}
				}},
			{name: "source bad ownership", method: "POST", path: "/api/v1/sources", user: "admin", body: `{"domain":"x.example.net","ownership":"govt"}`, status: 422, fields: []string{"ownership"}},
			{name: "source bad country", method: "PATCH", path: "/api/v1/sources/1", user: "admin", body: `{"country":"Norway"}`, status: 422, fields: []string{"country"}},
			{name: "source duplicate domain", method: "POST", path: "/api/v1/sources", user: "admin", body: `{"domain":"example.org"}`, status: 409},
			{name: "sources filter", method: "GET", path: "/api/v1/sources?ownership=unknown&q=example", user: "ann", status: 200,
				check: func(t *testing.T, e *testEnv, r resp) {
					if n := len(r.JSON(t)["items"].([]any)); n != 1 {
						t.Fatalf("%d sources", n)
					}
				}},
			{name: "project counts", method: "GET", path: "/api/v1/projects", user: "ann", status: 200,
				check: func(t *testing.T, e *testEnv, r resp) {
					p := r.JSON(t)["items"].([]any)[0].(map[string]any)
					if p["article_count"] != 1.0 || p["annotation_count"] != 1.0 || p["done_count"] != 0.0 {
						t.Fatalf("project = %v", p)
					}
				}},
		}
	})
}

func TestAuthContract(t *testing.T) {
	t.Parallel()
	runScenarios(t, func(e *testEnv) []scenario {
		return []scenario{
			{name: "no token", method: "GET", path: "/api/v1/projects", status: 401, code: "unauthorized"},
			{name: "token in query string refused", method: "GET", path: "/api/v1/projects?access_token=" + e.tokens["ann"], status: 401},
			{name: "token in query string refused even with header", method: "GET", path: "/api/v1/projects?token=x", user: "ann", status: 401},
			{name: "wrong login", method: "POST", path: "/api/v1/session", body: `{"name":"ann","password":"nope-nope"}`, status: 401},
			{name: "unknown user login", method: "POST", path: "/api/v1/session", body: `{"name":"ghost","password":"nope-nope"}`, status: 401},
			{name: "me", method: "GET", path: "/api/v1/me", user: "other", status: 200,
				check: func(t *testing.T, e *testEnv, r resp) {
					m := r.JSON(t)
					if m["name"] != "other" || m["role"] != "annotator" {
						t.Fatalf("me = %v", m)
					}
					if strings.Contains(string(r.Body), "password") || strings.Contains(string(r.Body), "$2a$") {
						t.Fatal("password hash leaked")
					}
				}},
			{name: "token shown once, hashed at rest", method: "POST", path: "/api/v1/tokens", user: "ann", body: `{"name":"nb"}`, status: 201,
				check: func(t *testing.T, e *testEnv, r resp) {
					secret := r.JSON(t)["token"].(string)
					list := e.do("GET", "/api/v1/tokens", "ann", "")
					if strings.Contains(string(list.Body), secret) || strings.Contains(string(list.Body), models.HashSecret(secret)) {
						t.Fatal("token list reveals the secret or its hash")
					}
					req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/me", nil)
					req.Header.Set("Authorization", "Bearer "+secret)
					res, _ := http.DefaultClient.Do(req)
					if res.StatusCode != 200 {
						t.Fatalf("new token does not work: %d", res.StatusCode)
					}
				}},
			{name: "user create validates", method: "POST", path: "/api/v1/users", user: "admin", body: `{"name":"x","role":"king","password":"password-1"}`, status: 422, fields: []string{"role"}},
			{name: "short password", method: "POST", path: "/api/v1/users", user: "admin", body: `{"name":"x","role":"annotator","password":"short"}`, status: 422, fields: []string{"password"}},
			{name: "wrong current password", method: "POST", path: "/api/v1/me/password", user: "ann", body: `{"current_password":"nope","new_password":"whatever-123"}`, status: 422, fields: []string{"current_password"}},
			{name: "unknown API route is JSON 404", method: "GET", path: "/api/v1/nope", user: "ann", status: 404, code: "not_found"},
			{name: "unknown API route anonymous", method: "GET", path: "/api/nothing", status: 404, code: "not_found"},
			{name: "wrong method is JSON 405", method: "PUT", path: "/api/v1/projects", user: "ann", body: `{}`, status: 405, code: "method_not_allowed"},
			{name: "oversized body is 413", method: "POST", path: fmt.Sprintf("/api/v1/projects/%d/articles", e.project.ID), user: "ann",
				body: `{"text":"` + strings.Repeat("x", 1<<20+10) + `"}`, status: 413, code: "too_large", check: articleCount(1)},
		}
	})
}

func TestRevokedTokenStopsAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "text")
	r := e.do("POST", "/api/v1/tokens", "ann", `{"name":"tmp"}`)
	m := r.JSON(t)
	e.tokens["tmp"] = m["token"].(string)
	if got := e.do("GET", "/api/v1/me", "tmp", ""); got.Status != 200 {
		t.Fatalf("fresh token: %d", got.Status)
	}
	if got := e.do("DELETE", fmt.Sprintf("/api/v1/tokens/%d", int64(m["id"].(float64))), "ann", ""); got.Status != 204 {
		t.Fatalf("revoke: %d", got.Status)
	}
	got := e.do("GET", "/api/v1/me", "tmp", "")
	if got.Status != 401 {
		t.Fatalf("revoked token: %d", got.Status)
	}
	errorOf(t, got)
}

func TestCookieSessionNeedsCSRF(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "Some text here.")
	login := e.do("POST", "/api/v1/session", "", fmt.Sprintf(`{"name":"ann","password":%q}`, testPassword))
	if login.Status != 201 {
		t.Fatalf("login %d: %s", login.Status, login.Body)
	}
	csrf := login.JSON(t)["csrf_token"].(string)
	var cookie string
	for _, c := range (&http.Response{Header: login.Header}).Cookies() {
		if c.Name == sessionCookie {
			cookie = c.Name + "=" + c.Value
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
				t.Errorf("cookie flags: HttpOnly=%v SameSite=%v", c.HttpOnly, c.SameSite)
			}
		}
	}
	if cookie == "" {
		t.Fatal("no session cookie")
	}
	path := fmt.Sprintf("/api/v1/articles/%d/annotations", e.article.ID)
	body := `{"label":"opinion","start":0,"end":4}`
	if r := e.do("GET", "/api/v1/me", "", "", "Cookie", cookie); r.Status != 200 {
		t.Fatalf("cookie GET: %d", r.Status)
	}
	r := e.do("POST", path, "", body, "Cookie", cookie)
	if r.Status != 403 || errorOf(t, r)["code"] != "csrf_failed" {
		t.Fatalf("POST without CSRF: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", path, "", body, "Cookie", cookie, csrfHeader, "wrong"); r.Status != 403 {
		t.Fatalf("POST with wrong CSRF: %d", r.Status)
	}
	if r := e.do("POST", path, "", body, "Cookie", cookie, csrfHeader, csrf); r.Status != 201 {
		t.Fatalf("POST with CSRF: %d %s", r.Status, r.Body)
	}
	// Bearer requests need no CSRF token.
	if r := e.do("POST", path, "other", body); r.Status != 201 {
		t.Fatalf("bearer POST: %d", r.Status)
	}
	// Password change ends the session.
	pw := fmt.Sprintf(`{"current_password":%q,"new_password":"brand-new-pass"}`, testPassword)
	if r := e.do("POST", "/api/v1/me/password", "", pw, "Cookie", cookie, csrfHeader, csrf); r.Status != 204 {
		t.Fatalf("password change: %d %s", r.Status, r.Body)
	}
	if r := e.do("GET", "/api/v1/me", "", "", "Cookie", cookie); r.Status != 401 {
		t.Fatalf("session after password change: %d", r.Status)
	}
	// Logout clears the session.
	login = e.do("POST", "/api/v1/session", "", `{"name":"ann","password":"brand-new-pass"}`)
	csrf = login.JSON(t)["csrf_token"].(string)
	cookie = ""
	for _, c := range (&http.Response{Header: login.Header}).Cookies() {
		if c.Name == sessionCookie {
			cookie = c.Name + "=" + c.Value
		}
	}
	if r := e.do("DELETE", "/api/v1/session", "", "", "Cookie", cookie, csrfHeader, csrf); r.Status != 204 {
		t.Fatalf("logout: %d", r.Status)
	}
	if r := e.do("GET", "/api/v1/me", "", "", "Cookie", cookie); r.Status != 401 {
		t.Fatalf("after logout: %d", r.Status)
	}
}

func TestLoginThrottling(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "xyz text")
	bad := `{"name":"ann","password":"wrong-password"}`
	for i := 0; i < maxFreeFailures; i++ {
		if r := e.do("POST", "/api/v1/session", "", bad); r.Status != 401 {
			t.Fatalf("attempt %d: %d", i, r.Status)
		}
	}
	r := e.do("POST", "/api/v1/session", "", fmt.Sprintf(`{"name":"ann","password":%q}`, testPassword))
	if r.Status != 429 || r.Header.Get("Retry-After") == "" {
		t.Fatalf("after %d failures the right password got %d (Retry-After %q)", maxFreeFailures, r.Status, r.Header.Get("Retry-After"))
	}
	errorOf(t, r)
	// Another account from another address is not locked by ann's failures;
	// the same address is.
	l := newLoginLimiter()
	for i := 0; i < maxFreeFailures; i++ {
		if l.attempt("user:ann", "ip:1.2.3.4") != 0 {
			t.Fatalf("attempt %d refused", i)
		}
	}
	if l.attempt("user:bo", "ip:5.6.7.8") != 0 {
		t.Fatal("unrelated account throttled")
	}
	if l.attempt("user:bo", "ip:1.2.3.4") == 0 {
		t.Fatal("address not throttled")
	}
	// A successful login gives the address its attempt back.
	l2 := newLoginLimiter()
	for i := 0; i < maxFreeFailures-1; i++ {
		l2.attempt("user:x", "ip:9.9.9.9")
	}
	l2.attempt("user:y", "ip:9.9.9.9")
	l2.succeeded("user:y", "ip:9.9.9.9")
	if l2.attempt("user:z", "ip:9.9.9.9") != 0 {
		t.Fatal("a successful login did not give the address its attempt back")
	}
}

// Parallel wrong guesses cannot slip past the limit while bcrypt runs.
// Login CSRF: a cross-site form (text/plain) or a foreign Origin cannot log in.
func TestLoginRefusesCrossSiteRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "xyz text")
	body := fmt.Sprintf(`{"name":"ann","password":%q}`, testPassword)
	for _, c := range []struct {
		headers []string
		status  int
	}{
		{[]string{"Content-Type", "text/plain"}, 415},
		{[]string{"Origin", "https://evil.example"}, 403},
		{[]string{"Sec-Fetch-Site", "cross-site"}, 403},
		{[]string{"Origin", e.srv.URL, "Sec-Fetch-Site", "same-origin"}, 201},
	} {
		r := e.do("POST", "/api/v1/session", "", body, c.headers...)
		if r.Status != c.status {
			t.Errorf("%v: %d, want %d", c.headers, r.Status, c.status)
		}
	}
}

func TestLoginThrottlingUnderConcurrency(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "xyz text")
	const n = 24
	statuses := make(chan int, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses <- e.rawDo("POST", "/api/v1/session", "", `{"name":"other","password":"wrong-guess-123"}`).Status
		}()
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for st := range statuses {
		count[st]++
	}
	if count[401] > maxFreeFailures || count[429] < n-maxFreeFailures {
		t.Fatalf("%d parallel guesses: %v (at most %d may be tried)", n, count, maxFreeFailures)
	}
	// The password-change endpoint shares the lockout.
	for i := 0; i < maxFreeFailures; i++ {
		e.do("POST", "/api/v1/me/password", "ann", `{"current_password":"nope-nope","new_password":"whatever-123"}`)
	}
	if r := e.do("POST", "/api/v1/me/password", "ann", `{"current_password":"nope-nope","new_password":"whatever-123"}`); r.Status != 429 {
		t.Fatalf("password guessing through /me/password: %d", r.Status)
	}
}

func TestPanicsBecomeJSON500(t *testing.T) {
	t.Parallel()
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(requestID, recovery)
	r.GET("/api/v1/boom", func(c *gin.Context) { panic("kaboom") })
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/boom", nil))
	if w.Code != 500 || !strings.Contains(w.Body.String(), `"code":"internal"`) || strings.Contains(w.Body.String(), "kaboom") {
		t.Fatalf("panic response %d: %s", w.Code, w.Body)
	}
}

func TestHealthAndSecurityHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "xyz text")
	r := e.do("GET", "/api/v1/health", "", "")
	if r.Status != 200 || string(r.Body) != `{"status":"ok"}` {
		t.Fatalf("health: %d %s", r.Status, r.Body)
	}
	if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Fatalf("CSP = %q", csp)
	}
	if r.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatal("nosniff missing")
	}
}

func TestXSSPayloadsAreJSONEscaped(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "xyz text")
	payload := `<script>alert(1)</script><img src=x onerror=alert(1)>`
	r := e.do("POST", fmt.Sprintf("/api/v1/projects/%d/articles", e.project.ID), "ann",
		fmt.Sprintf(`{"title":%q,"text":%q}`, payload, payload))
	if r.Status != 201 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if strings.Contains(string(r.Body), "<script>") || strings.Contains(string(r.Body), "<img") {
		t.Fatalf("raw HTML in JSON: %s", r.Body)
	}
	if r.JSON(t)["title"] != payload {
		t.Fatal("payload not preserved as text")
	}
}
