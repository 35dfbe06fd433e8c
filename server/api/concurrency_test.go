package api

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"slant/models"
)

// 16 clients × 100 creates over real HTTP: every request succeeds (no
// "database is locked", no 5xx) and the stored count is exact.
func TestConcurrentCreatesOverHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t, strings.Repeat("0123456789", 200))
	const clients, each = 16, 100
	var wg sync.WaitGroup
	failures := make(chan string, clients*each)
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			user := []string{"ann", "other", "admin"}[c%3]
			for i := 0; i < each; i++ {
				start := c*each + i + 2
				body := fmt.Sprintf(`{"label":"attributed_claim","start":%d,"end":%d}`, start, start+1)
				r := e.do("POST", fmt.Sprintf("/api/v1/articles/%d/annotations", e.article.ID), user, body)
				if r.Status != 201 {
					failures <- fmt.Sprintf("client %d item %d: %d %s", c, i, r.Status, r.Body)
				}
			}
		}(c)
	}
	wg.Wait()
	close(failures)
	for f := range failures {
		t.Error(f)
	}
	n, _ := e.store.CountAnnotations(context.Background(), models.AnnotationFilter{ArticleID: e.article.ID, Label: "attributed_claim"})
	if n != clients*each {
		t.Fatalf("%d stored, want %d", n, clients*each)
	}
}
