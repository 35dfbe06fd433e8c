package export

import (
	"bytes"
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"slant/models"
)

func TestURIOf(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"https://example.org/a/b?x=1&y=%20#top", "https://example.org/a/b?x=1&y=%20#top"}, // already valid: unchanged
		{"https://example.org/a story", "https://example.org/a%20story"},
		{" https://example.org/x ", "https://example.org/x"},
		{"https://example.org/ü/عربي", "https://example.org/%C3%BC/%D8%B9%D8%B1%D8%A8%D9%8A"},
		{"https://example.org/50%", "https://example.org/50%25"},
		{"https://example.org/%zz", "https://example.org/%25zz"},
		{`https://example.org/"q"<b>{c}|d\e^f` + "`", "https://example.org/%22q%22%3Cb%3E%7Bc%7D%7Cd%5Ce%5Ef%60"},
		{"https://example.org/a#b#c", "https://example.org/a#b%23c"},
		{"http://[::1]:8080/a[1]", "http://[::1]:8080/a%5B1%5D"},
		{"https://example.org/tab\there", "https://example.org/tab%09here"},
		{"urn:slant:x", "urn:slant:x"},
		{"", ""}, {"www.example.org/a", ""}, {"/relative/path", ""}, {"1http://x", ""},
	} {
		got := URIOf(c.in)
		if got != c.want {
			t.Errorf("URIOf(%q) = %q, want %q", c.in, got, c.want)
		}
		if got != "" {
			if u, err := url.Parse(got); err != nil || !u.IsAbs() {
				t.Errorf("URIOf(%q) = %q does not parse as an absolute URL: %v", c.in, got, err)
			}
		}
	}
}

func TestTextDirection(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Hello": "ltr", "«عربي» then English": "rtl", "123, \"עברית\"": "rtl", " \u00a0— Ünïcode": "ltr",
		"42 ...": "", "": "", "👩‍🔬 صباح": "rtl",
	} {
		if got := TextDirection(in); got != want {
			t.Errorf("TextDirection(%q) = %q, want %q", in, got, want)
		}
	}
}

// An empty export is a collection with total 0 and no page (a page must
// hold at least one annotation); one annotation makes a one-page
// collection whose annotation has its own @context.
func TestW3CEnvelope(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	w := NewW3C(&buf, "P", "urn:slant:project:1:export:abc", "1.2.3")
	w.Begin()
	w.End()
	var empty map[string]any
	if err := json.Unmarshal(buf.Bytes(), &empty); err != nil || empty["total"] != 0.0 || empty["first"] != nil || empty["id"] != "urn:slant:project:1:export:abc" {
		t.Fatalf("empty export: %v %s", err, buf.Bytes())
	}
	buf.Reset()
	w = NewW3C(&buf, "P", "", "1.2.3")
	w.Begin()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	w.Row(&models.ExportRow{AnnotationID: 9, ArticleID: 4, ArticleText: "abc", Label: "l", Start: 0, End: 1, Text: "a",
		Annotator: "Zoë K", Origin: "human", CreatedAt: at, UpdatedAt: at, ArticleMetadata: models.JSONMap{"language": "not a tag!"}})
	w.End()
	var coll struct {
		ID    string
		Last  string
		Total int
		First struct {
			ID, Type, PartOf string
			Items            []map[string]any
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &coll); err != nil {
		t.Fatalf("%v\n%s", err, buf.Bytes())
	}
	a := coll.First.Items[0]
	target := a["target"].(map[string]any)
	if coll.ID != "urn:slant:project:P:export" || coll.First.ID != coll.ID+":page:1" || coll.Last != coll.First.ID || coll.First.PartOf != coll.ID ||
		coll.Total != 1 || a["@context"] == nil || a["generator"].(map[string]any)["name"] != "slant 1.2.3" ||
		a["creator"].(map[string]any)["id"] != "urn:slant:user:Zo%C3%AB%20K" || target["source"] != "urn:slant:article:4" ||
		target["language"] != nil || target["textDirection"] != "ltr" {
		t.Fatalf("collection: %s", buf.Bytes())
	}
}

// The target's language is the article's own language field first, then
// a tag in its metadata.
func TestW3CTargetLanguage(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		lang string
		meta models.JSONMap
		want any
	}{
		{"ar", nil, "ar"},
		{"pt-BR", models.JSONMap{"language": "en"}, "pt-BR"},
		{"", models.JSONMap{"lang": "de"}, "de"},
		{"not a tag!", nil, nil},
	} {
		var buf bytes.Buffer
		w := NewW3C(&buf, "P", "", "1")
		w.Begin()
		w.Row(&models.ExportRow{AnnotationID: 1, ArticleID: 2, ArticleText: "نص", ArticleLanguage: c.lang, ArticleMetadata: c.meta,
			Label: "l", Start: 0, End: 1, Text: "ن", Annotator: "a", Origin: "human"})
		w.End()
		var coll struct {
			First struct{ Items []map[string]any }
		}
		if err := json.Unmarshal(buf.Bytes(), &coll); err != nil {
			t.Fatal(err)
		}
		target := coll.First.Items[0]["target"].(map[string]any)
		if target["language"] != c.want || target["textDirection"] != "rtl" {
			t.Errorf("language %q, metadata %v: target %v", c.lang, c.meta, target)
		}
	}
}
