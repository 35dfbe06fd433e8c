package api

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"
)

// openapi.yaml documents every /api/v1 route. It is written by hand (so
// it reads well) and kept honest by a test that walks the router and the
// document both ways and validates the scenario tests' responses.
//
//go:embed openapi.yaml
var openapiYAML []byte

// LoadOpenAPI parses and validates the embedded OpenAPI document.
func LoadOpenAPI() (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openapiYAML)
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	return doc, nil
}

var openapiJSON = func() []byte {
	doc, err := LoadOpenAPI()
	if err != nil {
		panic(err) // a broken embedded document is a build defect, caught by the tests
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	return b
}()

func (h *Handler) openapi(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=300")
	c.Data(http.StatusOK, "application/json; charset=utf-8", openapiJSON)
}
