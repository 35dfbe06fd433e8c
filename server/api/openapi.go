package api

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// openapi.yaml documents every /api/v1 route. It is written by hand (so
// it reads well) and kept honest by a test that walks the router and the
// document both ways and validates the scenario tests' responses.
// openapi.json is generated from it (and validated) at development time;
// a test fails, naming the command, when the two differ.
//
//go:generate go run ./internal/openapijson/generate openapi.yaml openapi.json
//go:embed openapi.json
var openapiJSON []byte

func (h *Handler) openapi(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=300")
	c.Data(http.StatusOK, "application/json; charset=utf-8", openapiJSON)
}
