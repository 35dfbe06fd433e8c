package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// importArticles is replaced by the import pipeline (issue 4).
func (h *Handler) importArticles(c *gin.Context) {
	fail(c, errf(http.StatusNotImplemented, "not_implemented", "import is not built yet"))
}
