package frontend_test

import (
	"context"
	"fmt"
	"testing"

	"slant/models"
)

// The export page's "CSV for Excel" downloads the CSV with a UTF-8
// byte-order mark (raw still applies), and "Excel workbook" an .xlsx.
func TestExportMenuOffersExcelFormats(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u, pw := e.user("ana", models.RoleAdmin)
	p, arts := e.project(models.ArticleIn{Title: "Ünïcode", Text: "Officials said “it’s fine” — عربي 👩‍🔬."})
	if _, err := e.store.CreateAnnotation(context.Background(), models.AnnotationIn{ArticleID: arts[0].ID, UserID: u.ID, Label: "opinion", Start: 15, End: 26}); err != nil {
		t.Fatal(err)
	}
	e.login("ana", pw)
	e.open(fmt.Sprintf("#/projects/%d/export", p.ID), `document.getElementById('x-download')`)
	choose := func(v string) {
		eval[bool](e, `(() => { const f = document.getElementById('x-format'); f.value = '`+v+`'; return f.dispatchEvent(new Event('change', {bubbles: true})); })()`)
	}
	// first bytes (hex), content type, whether Raw is enabled, the link text
	probe := `fetch(document.getElementById('x-download').href).then(async r => {
		const b = new Uint8Array(await r.arrayBuffer());
		return Array.from(b.slice(0, 4), x => x.toString(16).padStart(2, "0")).join("") + " " + r.headers.get("content-type") + " " +
			!document.getElementById('x-raw').disabled + " " + document.getElementById('x-download').textContent;
	})`
	choose("csv-excel")
	if got := eval[string](e, probe); got != "efbbbf61 text/csv; charset=utf-8 true Download CSV for Excel" {
		t.Errorf("CSV for Excel: %q", got)
	}
	choose("csv")
	if got := eval[string](e, probe); got != "616e6e6f text/csv; charset=utf-8 true Download CSV" {
		t.Errorf("CSV: %q", got)
	}
	choose("xlsx")
	if got := eval[string](e, probe); got != "504b0304 application/vnd.openxmlformats-officedocument.spreadsheetml.sheet false Download Excel workbook (.xlsx)" {
		t.Errorf("xlsx: %q", got)
	}
}
