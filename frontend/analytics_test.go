package frontend_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"slant/models"
	"slant/seeds"
)

// The analytics page draws its three charts with the demo data, under the
// strict CSP (no violation reported), its tables say what GET /stats says,
// and a count opens the span browser on the spans behind it.
func TestAnalyticsPageDrawsTheDemoAndMatchesTheAPI(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	res, err := seeds.Load(ctx, e.store)
	if err != nil {
		t.Fatalf("load demo: %v", err)
	}
	pid := res.ProjectID
	e.login(res.AdminName, res.AdminPassword)
	// every CSP violation from here on is recorded (a hash change keeps the page)
	eval[bool](e, `window.cspViolations = []; document.addEventListener("securitypolicyviolation", (ev) => window.cspViolations.push(ev.violatedDirective + " " + (ev.blockedURI || ev.sample))); true`)
	eval[bool](e, fmt.Sprintf(`location.hash = "#/projects/%d/analytics"; true`, pid))
	e.waitJS(`document.getElementById('an-sections') && document.getElementById('an-sections').dataset.drawn === "1"`)

	// each chart is a canvas with something painted on it
	for _, by := range []string{"ownership", "source", "month"} {
		painted := eval[int](e, `(() => {
		  const c = document.querySelector("#an-chart-`+by+` canvas");
		  if (!c) return -1;
		  const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
		  let n = 0;
		  for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
		  return n;
		})()`)
		if painted < 100 {
			t.Errorf("%s chart: %d painted pixels", by, painted)
		}
	}

	// the ownership table against the store's stats for the first label
	labels, err := e.store.ListLabels(ctx, pid)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := e.store.Stats(ctx, models.StatsQuery{ProjectID: pid, By: []string{"ownership"}, Label: labels[0].Key})
	if err != nil {
		t.Fatal(err)
	}
	cells := eval[[][]string](e, `[...document.querySelectorAll("#an-table-ownership tbody tr")].map((tr) => [tr.dataset.key, ...[...tr.querySelectorAll("td")].map((td) => td.textContent)])`)
	if len(cells) != len(rows) {
		t.Fatalf("%d table rows, the API has %d", len(cells), len(rows))
	}
	var withSpans []string
	for i, r := range rows {
		want := []string{r.Keys[0], strconv.FormatInt(r.Spans, 10), strconv.FormatInt(r.Articles, 10), strconv.FormatInt(r.Words, 10),
			fmt.Sprintf("%.2f", r.PerThousandWords()), fmt.Sprintf("%.0f %%", r.ShareOfArticles()*100)}
		if strings.Join(cells[i], "|") != strings.Join(want, "|") {
			t.Errorf("row %d: %q, the API says %q", i, cells[i], want)
		}
		if r.Spans > 0 {
			withSpans = append(withSpans, r.Keys[0])
		}
	}
	if len(withSpans) == 0 {
		t.Fatal("the demo has no spans of the first label")
	}
	// the CSV link is the same table
	if href := eval[string](e, `document.querySelector("#an-ownership a.an-csv").getAttribute("href")`); href != fmt.Sprintf("/api/v1/projects/%d/stats?by=ownership&label=%s&format=csv", pid, labels[0].Key) {
		t.Errorf("CSV link %s", href)
	}

	if dir := os.Getenv("SLANT_ARTIFACTS"); dir != "" {
		buf, err := chromedp.Run(e.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "analytics.png"), buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// a count opens the span browser on exactly those spans
	kind := withSpans[0]
	e.do(chromedp.Click(chromedp.CSS(`#an-table-ownership tr[data-key="` + kind + `"] td a`)))
	e.waitJS(`location.hash.includes("/spans?") && document.getElementById("sb-status") && document.getElementById("sb-status").textContent !== ""`)
	listed := eval[int](e, `document.querySelectorAll("#sb-list .sb-item").length`)
	if int64(listed) != rows[indexOf(rows, kind)].Spans {
		t.Errorf("span browser lists %d spans, the table said %d", listed, rows[indexOf(rows, kind)].Spans)
	}
	if got := eval[string](e, `document.getElementById("sb-ownership").value + "/" + document.getElementById("sb-label").value`); got != kind+"/"+labels[0].Key {
		t.Errorf("span browser filters %s", got)
	}

	// no CSP violation; and the listener does see one (a style attribute)
	if v := eval[[]string](e, `window.cspViolations`); len(v) != 0 {
		t.Errorf("CSP violations: %q", v)
	}
	eval[bool](e, `document.body.setAttribute("style", "color: red"); true`)
	e.waitJS(`window.cspViolations.length > 0`)
}

func indexOf(rows []models.StatsRow, key string) int {
	for i, r := range rows {
		if r.Keys[0] == key {
			return i
		}
	}
	return -1
}
