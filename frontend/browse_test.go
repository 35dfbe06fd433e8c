package frontend_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"slant/models"
)

// The span browser lists a project's spans with their context, filters
// them by label (the filter goes into the address and the export link),
// and each span links to its place in the annotate view, a colleague's
// too.
func TestSpanBrowserFiltersAndLinksIntoTheArticle(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ann, pw := e.user("ann", models.RoleAnnotator)
	bob, _ := e.user("bob", models.RoleAnnotator)
	jan := time.Date(2026, 1, 12, 9, 0, 0, 0, time.UTC)
	p, arts := e.project(
		models.ArticleIn{Title: "Ferry story", URL: "https://state.example/1", PublishedAt: &jan, Text: "Officials said the ferry 🚢 runs late. Critics called it a disgrace."},
		models.ArticleIn{Title: "Budget story", URL: "https://private.example/2", Text: "The budget will inevitably fail, the minister said on Tuesday."},
	)
	for _, u := range []*models.User{ann, bob} {
		if _, _, err := e.store.SetMember(ctx, p.ID, u.ID, models.MemberAnnotator); err != nil {
			t.Fatal(err)
		}
	}
	mk := func(u *models.User, art models.Article, label, needle string) int64 {
		t.Helper()
		s := strings.Index(art.Text, needle)
		start := len([]rune(art.Text[:s]))
		a, err := e.store.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: art.ID, UserID: u.ID, Label: label, Start: start, End: start + len([]rune(needle))})
		if err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	mk(ann, arts[0], "attributed_claim", "Officials said")
	bobs := mk(bob, arts[0], "opinion", "a disgrace")
	mk(ann, arts[1], "opinion", "will inevitably fail")
	mk(bob, arts[1], "attributed_claim", "the minister said")

	e.login(ann.Name, pw)
	e.open(fmt.Sprintf("#/projects/%d/spans", p.ID), `document.querySelectorAll('#sb-list .sb-item').length === 4`)
	// context either side of the span, as text
	ctxText := eval[string](e, fmt.Sprintf(`document.querySelector('.sb-item[data-id="%d"] .sb-text').textContent`, bobs))
	if ctxText != "…ferry 🚢 runs late. Critics called it a disgrace." { // cut to whole words
		t.Errorf("span in context: %q", ctxText)
	}

	// filter by label: the list, the address and the export link follow
	e.do(chromedp.SetValue(chromedp.ID("sb-label"), "opinion"), chromedp.Click(chromedp.CSS(`#sb-form button[type=submit]`)))
	e.waitJS(`location.hash.includes("label=opinion") && document.querySelectorAll('#sb-list .sb-item').length === 2`)
	labels := eval[[]string](e, `[...document.querySelectorAll('#sb-list .sb-item')].map((li) => li.dataset.label)`)
	if strings.Join(labels, ",") != "opinion,opinion" {
		t.Fatalf("filtered list: %v", labels)
	}
	href := eval[string](e, `document.getElementById('sb-export').getAttribute('href')`)
	if href != fmt.Sprintf("/api/v1/projects/%d/export?format=csv&label=opinion", p.ID) {
		t.Errorf("export link %s", href)
	}
	// group by outlet: one heading per outlet
	e.do(chromedp.SetValue(chromedp.ID("sb-group"), "source"))
	e.waitJS(`document.querySelectorAll('#sb-list h2.sb-group').length === 2`)
	heads := eval[[]string](e, `[...document.querySelectorAll('#sb-list h2.sb-group')].map((x) => x.textContent)`)
	if strings.Join(heads, "|") != "private.example (1)|state.example (1)" {
		t.Errorf("groups: %v", heads)
	}

	if dir := os.Getenv("SLANT_ARTIFACTS"); dir != "" {
		buf, err := chromedp.Run(e.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "spans.png"), buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// bob's span opens in its article, with everyone's spans shown and the span focused
	e.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`.sb-item[data-id="%d"] a.sb-open`, bobs))))
	e.waitJS(`document.querySelector('#article-text[data-ready="1"]') && window.slantAnnotate`)
	if got := eval[string](e, `location.hash`); got != fmt.Sprintf("#/articles/%d?span=%d", arts[0].ID, bobs) {
		t.Fatalf("opened %s", got)
	}
	if !eval[bool](e, `document.getElementById('show-all').checked`) {
		t.Error("a colleague's span opened without everyone's spans shown")
	}
	if got := eval[int64](e, `window.slantAnnotate.view.current`); got != bobs {
		t.Errorf("focused span %d, want %d", got, bobs)
	}
}
