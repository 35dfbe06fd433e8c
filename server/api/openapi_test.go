package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"slant/models/modelstest"
	"slant/server/api/internal/openapijson"
	"slant/server/ingest"
)

var (
	specOnce   sync.Once
	specDoc    *openapi3.T
	specRouter routers.Router
	specErr    error
)

func spec(t *testing.T) (*openapi3.T, routers.Router) {
	t.Helper()
	specOnce.Do(func() {
		var yaml []byte
		if yaml, specErr = os.ReadFile("openapi.yaml"); specErr == nil {
			specDoc, specErr = openapijson.Load(yaml)
		}
		if specErr == nil {
			specDoc.Servers = openapi3.Servers{{URL: "/api/v1"}}
			specRouter, specErr = legacy.NewRouter(specDoc)
		}
	})
	if specErr != nil {
		t.Fatalf("OpenAPI document: %v", specErr)
	}
	return specDoc, specRouter
}

// The served openapi.json is openapi.yaml converted by the generator, so
// the two cannot drift apart.
func TestOpenAPIJSONIsGeneratedFromYAML(t *testing.T) {
	t.Parallel()
	yaml, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want, err := openapijson.Convert(yaml)
	if err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	if !bytes.Equal(openapiJSON, want) {
		t.Fatalf("server/api/openapi.json is not the conversion of openapi.yaml: run `go generate ./server/api/` and commit openapi.json")
	}
	if !json.Valid(openapiJSON) {
		t.Fatal("openapi.json is not valid JSON")
	}
}

// Every route of the router is documented, and every documented
// operation is a route.
// ginParam is a gin path parameter (:id), written {id} in OpenAPI.
var ginParam = regexp.MustCompile(`:(\w+)`)

func TestOpenAPIMatchesRouter(t *testing.T) {
	t.Parallel()
	doc, _ := spec(t)
	router, _ := New(modelstest.NewStore(t), Config{})
	routes := map[string]bool{}
	for _, r := range router.Routes() {
		p := strings.TrimPrefix(r.Path, "/api/v1")
		p = ginParam.ReplaceAllString(p, "{$1}")
		routes[r.Method+" "+p] = true
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	var undocumented, phantom []string
	for k := range routes {
		if !documented[k] {
			undocumented = append(undocumented, k)
		}
	}
	for k := range documented {
		if !routes[k] {
			phantom = append(phantom, k)
		}
	}
	sort.Strings(undocumented)
	sort.Strings(phantom)
	if len(undocumented) > 0 {
		t.Errorf("routes missing from openapi.yaml: %v", undocumented)
	}
	if len(phantom) > 0 {
		t.Errorf("openapi.yaml documents routes that do not exist: %v", phantom)
	}
}

func TestOpenAPIServed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "some text")
	r := e.do("GET", "/api/v1/openapi.json", "", "")
	if r.Status != 200 {
		t.Fatalf("%d", r.Status)
	}
	doc, err := openapi3.NewLoader().LoadFromData(r.Body)
	if err != nil || doc.Validate(context.Background()) != nil || doc.Paths.Find("/articles/{id}/annotations") == nil {
		t.Fatalf("served document invalid: %v", err)
	}
}

// validateResponse checks a response of the scenario tests against the
// document: the status must be documented for the operation, and JSON
// bodies must match their schema.
func validateResponse(t *testing.T, req *http.Request, res resp) {
	t.Helper()
	if !strings.HasPrefix(req.URL.Path, "/api/v1/") {
		return
	}
	_, router := spec(t)
	u := *req.URL
	u.Scheme, u.Host = "", ""
	vreq := req.Clone(context.Background())
	vreq.URL = &u
	route, params, err := router.FindRoute(vreq)
	if err != nil {
		return // unknown routes and wrong methods are tested for their error shape elsewhere
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		opts.ExcludeResponseBody = true
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
		Status:  res.Status,
		Header:  res.Header,
		Body:    io.NopCloser(bytes.NewReader(res.Body)),
		Options: opts,
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("response of %s %s (%d) does not match openapi.yaml: %v\nbody: %.400s", req.Method, req.URL.Path, res.Status, err, res.Body)
	}
}

// The import format enum is the parsers' list.
func TestOpenAPIImportFormatsAreTheParsers(t *testing.T) {
	t.Parallel()
	doc, _ := spec(t)
	op := doc.Paths.Find("/projects/{id}/import").Post
	var got []string
	for _, p := range op.Parameters {
		if p.Value.Name == "format" {
			for _, v := range p.Value.Schema.Value.Enum {
				got = append(got, v.(string))
			}
		}
	}
	if strings.Join(got, ",") != strings.Join(ingest.Formats, ",") {
		t.Fatalf("openapi.yaml lists formats %v, the parsers are %v", got, ingest.Formats)
	}
}
