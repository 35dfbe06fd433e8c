package frontend_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The /api page renders the OpenAPI document: every operation appears,
// with no script errors (checked by newEnv's cleanup).
func TestAPIReferencePage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.do(chromedp.Navigate(e.srv.URL + "/api"))
	e.waitJS(`document.querySelectorAll('.apidoc article.op').length >= 44 + 24`) // operations + schemas
	text := eval[string](e, `document.body.innerText`)
	for _, want := range []string{"slant API", "/api/v1/articles/{id}/annotations", "/api/v1/projects/{id}/annotations/bulk",
		"Push up to 10,000 spans", "end-exclusive code point offset", "AnnotationIn"} {
		if !strings.Contains(text, want) {
			t.Errorf("API page lacks %q", want)
		}
	}
	if n := eval[int](e, `document.querySelectorAll('script').length`); n != 1 {
		t.Errorf("%d script elements", n)
	}
}
