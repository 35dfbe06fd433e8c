package ingest

import (
	"archive/zip"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"slant/models"
)

// collect runs a parse and returns its items or its fatal error.
func collect(t *testing.T, inputs []Input, format string) ([]*Item, error) {
	t.Helper()
	var out []*Item
	err := Parse(inputs, format, DefaultLimits())(func(it *Item) error {
		out = append(out, it)
		return nil
	})
	return out, err
}

func fixture(t *testing.T, name string) Input {
	t.Helper()
	in, err := FileInput(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// problemOf asserts a fatal problem naming the file and line.
func problemOf(t *testing.T, err error, file string, line int, contains string) {
	t.Helper()
	var p *Problem
	var le *LimitError
	switch {
	case errors.As(err, &p):
	case errors.As(err, &le):
		p = &le.Problem
	default:
		t.Fatalf("want a problem %q at %s:%d, got %v", contains, file, line, err)
	}
	if !strings.HasSuffix(p.File, file) || (line >= 0 && p.Line != line) || !strings.Contains(p.Message, contains) {
		t.Fatalf("problem %+v; want %s:%d %q", p, file, line, contains)
	}
}

// quote checks that every span's text is the slice of its article.
func checkQuotes(t *testing.T, it *Item) {
	t.Helper()
	for _, sp := range it.Spans {
		got, ok := models.Slice(it.Article.Text, sp.Start, sp.End)
		if !ok || (sp.Text != nil && got != *sp.Text) {
			t.Errorf("span %+v: slice %q ok=%v", sp, got, ok)
		}
	}
}

func TestJSONAndJSONL(t *testing.T) {
	t.Parallel()
	its, err := collect(t, []Input{fixture(t, "articles.json")}, "auto")
	if err != nil || len(its) != 2 {
		t.Fatalf("%v %d", err, len(its))
	}
	if its[1].Line != 3 || its[1].Article.PublishedAt == nil || its[1].Article.PublishedAt.Hour() != 8 || *its[0].Article.ExternalID != "a-1" {
		t.Fatalf("json items %+v %+v", its[0], its[1].Article)
	}
	its, err = collect(t, []Input{fixture(t, "articles.jsonl")}, "auto")
	if err != nil || len(its) != 3 {
		t.Fatalf("%v %d", err, len(its))
	}
	if its[0].Article.Metadata["desk"] != "city" || its[2].Line != 4 || its[2].Article.Metadata["desk"] != "harbour" {
		t.Fatalf("jsonl metadata %+v line %d", its[0].Article.Metadata, its[2].Line)
	}
	if len(its[1].Spans) != 1 {
		t.Fatalf("spans %+v", its[1].Spans)
	}
	checkQuotes(t, its[1])
	// a single object is one article
	its, err = collect(t, []Input{BytesInput("one.json", []byte(`{"text":"Solo.","title":"S"}`))}, "auto")
	if err != nil || len(its) != 1 || its[0].Article.Text != "Solo." {
		t.Fatalf("single object: %v %+v", err, its)
	}
	// per-record problems leave the article out but keep going
	its, err = collect(t, []Input{BytesInput("p.jsonl", []byte("{\"text\":5}\n{\"text\":\"ok\",\"published_at\":\"yesterday\"}\n{\"text\":\"fine\"}\n"))}, "jsonl")
	if err != nil || len(its) != 3 || its[0].Article != nil || its[1].Article != nil || its[2].Article == nil || its[1].Problems[0].Field != "published_at" || its[1].Problems[0].Line != 2 {
		t.Fatalf("record problems: %v %+v", err, its)
	}
}

func TestCSV(t *testing.T) {
	t.Parallel()
	data := "\uFEFFtitle,text,url,external_id,desk\r\n" +
		"First,\"Line one\r\nline two, with \"\"quotes\"\"\",https://www.paper.example/1,c-1,city\r\n" +
		"Second,Plain text,,c-2,\r\n"
	its, err := collect(t, []Input{BytesInput("a.csv", []byte(data))}, "auto")
	if err != nil || len(its) != 2 {
		t.Fatalf("%v %+v", err, its)
	}
	a := its[0].Article
	if a.Text != "Line one\r\nline two, with \"quotes\"" || a.Title != "First" || *a.ExternalID != "c-1" || a.Metadata["desk"] != "city" {
		t.Fatalf("csv article %+v", a)
	}
	if its[1].Line != 4 || len(its[1].Article.Metadata) != 0 {
		t.Fatalf("second row line %d meta %v", its[1].Line, its[1].Article.Metadata)
	}
	its, err = collect(t, []Input{BytesInput("semi.csv", []byte("text;Title;lang_note\nBonjour, le monde;Salut;fr\n"))}, "auto")
	if err != nil || len(its) != 1 || its[0].Article.Text != "Bonjour, le monde" || its[0].Article.Title != "Salut" || its[0].Article.Metadata["lang_note"] != "fr" {
		t.Fatalf("semicolon csv %v %+v", err, its)
	}
}

func TestText(t *testing.T) {
	t.Parallel()
	its, err := collect(t, []Input{fixture(t, "article.txt")}, "auto")
	if err != nil || len(its) != 1 {
		t.Fatal(err)
	}
	a := its[0].Article
	if a.Title != "Tidal Energy Plans Stall" || !strings.HasPrefix(a.Text, "The tidal energy pilot") || !strings.HasSuffix(a.Text, "engineers.\n") {
		t.Fatalf("%+v", a)
	}
}

func TestHTML(t *testing.T) {
	t.Parallel()
	its, err := collect(t, []Input{fixture(t, "article.html")}, "auto")
	if err != nil || len(its) != 1 {
		t.Fatal(err)
	}
	a := its[0].Article
	paras := strings.Split(a.Text, "\n\n")
	if len(paras) < 3 || !strings.HasPrefix(paras[len(paras)-3], "After twenty years") || strings.Contains(a.Text, "All rights reserved") || strings.Contains(a.Text, "Sport") {
		t.Fatalf("text %q", a.Text)
	}
	if a.Title != "Lighthouse Keepers Return" || a.Author != "Ola Brenn" || a.Language != "en" ||
		a.URL != "https://www.coastline-gazette.example/2024/lighthouse-keepers" || a.PublishedAt == nil || a.PublishedAt.Day() != 10 {
		t.Fatalf("meta %+v", a)
	}
	if a.Metadata["site_name"] != "The Coastline Gazette" || a.Metadata["section"] != "Local" {
		t.Fatalf("metadata %v", a.Metadata)
	}
	_, err = collect(t, []Input{BytesInput("empty.html", []byte("<html><head><title>x</title></head><body><nav></nav></body></html>"))}, "auto")
	problemOf(t, err, "empty.html", 1, "no readable article text")
}

func TestCrawlDump(t *testing.T) {
	t.Parallel()
	its, err := collect(t, []Input{fixture(t, "crawl-dump.txt")}, "auto")
	if err != nil || len(its) != 1 {
		t.Fatal(err)
	}
	a := its[0].Article
	if a.URL != "https://news.borealis-wire.example/20240305/harbour-deal-signed-1234.html" || a.Title != "Harbour Deal Signed in Port Velka" ||
		a.Author != "Mira Castell" || a.Language != "en" || a.PublishedAt == nil || a.PublishedAt.Format("15:04") != "09:30" {
		t.Fatalf("fields %+v", a)
	}
	m := a.Metadata
	if m["section"] != "Economy" || len(m["keywords"].([]any)) != 5 || len(m["tags"].([]any)) != 3 || m["modified_at"] != "2024-03-05T11:02:00Z" {
		t.Fatalf("metadata %v", m)
	}
	for _, want := range []string{
		"Nordmark region.\n\nPer Prof. Lind",
		"next year.\n\n\"This is the start",
		"she said.\n\nTrade volumes",
		"The U.S. consultancy Harbor & Co. estimated the cost at 12.4 million, and J. K. Marlow of borealis-wire.example wrote",
		"precedent\".\n\nAccording to Dr. Weiss",
		"in May!\n\nWill it work?\n\nNobody",
	} {
		if !strings.Contains(a.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, a.Text)
		}
	}
}

func TestRestoreParagraphs(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"the region.Per Dr. Chung":          "the region.\n\nPer Dr. Chung",
		"met Dr.Chung today":                "met Dr.Chung today",
		"the U.S.Army and the U.S. Navy":    "the U.S.Army and the U.S. Navy",
		"by J.K.Rowling":                    "by J.K.Rowling",
		"grew 3.5 percent":                  "grew 3.5 percent",
		"see rt.com and RT.com now":         "see rt.com and RT.com now",
		"visit https://a.example/X.Html ok": "visit https://a.example/X.Html ok",
		"in 2023.The next":                  "in 2023.\n\nThe next",
		"(1950-1953).When it ended":         "(1950-1953).\n\nWhen it ended",
		"of ties.\"Comrade Kim said":        "of ties.\n\n\"Comrade Kim said",
		"he said \"we win.\"The crowd":      "he said \"we win.\"\n\nThe crowd",
		"a „quote.“Next one":                "a „quote.\n\n“Next one",
		"это конец.Новая глава":             "это конец.\n\nНовая глава",
		"the day.NATO said":                 "the day.\n\nNATO said",
		"e.g.This stays":                    "e.g.This stays",
		"St.Petersburg":                     "St.Petersburg",
	} {
		if got := RestoreParagraphs(in); got != want {
			t.Errorf("RestoreParagraphs(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDoccano(t *testing.T) {
	t.Parallel()
	its, err := collect(t, []Input{fixture(t, "doccano.jsonl")}, "auto")
	if err != nil || len(its) != 2 {
		t.Fatal(err)
	}
	if len(its[0].Spans) != 2 || its[0].Spans[0].Label != "Loaded_Language" || its[0].Article.Metadata["source"] != "radio" {
		t.Fatalf("%+v", its[0])
	}
	checkQuotes(t, its[0])
	if q, _ := models.Slice(its[0].Article.Text, its[0].Spans[0].Start, its[0].Spans[0].End); q != "glorious future" {
		t.Fatalf("span %q", q)
	}
}

func TestParagraphs(t *testing.T) {
	t.Parallel()
	its, err := collect(t, []Input{fixture(t, "paragraphs.jsonl")}, "auto")
	if err != nil || len(its) != 3 {
		t.Fatal(err)
	}
	a := its[0]
	if *a.Article.ExternalID != "P1_001" || a.Domain != "arabic.state-news.example" || a.Article.URL != "" || a.Article.Title != "Νίκη" || a.Article.Metadata["page_id"] != "P1" {
		t.Fatalf("%+v %+v", a, a.Article)
	}
	for _, it := range its {
		checkQuotes(t, it)
	}
	if len(its[1].Spans) != 1 || its[1].Spans[0].Label != "Appeal_to_Fear-Prejudice" || len(its[2].Spans) != 0 {
		t.Fatalf("spans %+v %+v", its[1].Spans, its[2].Spans)
	}
}

func TestSlantSpans(t *testing.T) {
	t.Parallel()
	its, err := collect(t, []Input{fixture(t, "slant-spans.jsonl")}, "auto")
	if err != nil || len(its) != 2 {
		t.Fatal(err)
	}
	if its[0].ExternalRef != "j-1" || its[0].Article != nil || its[0].Spans[0].Note != "tone" || its[0].Spans[0].Attributes["speaker"] != "unnamed" {
		t.Fatalf("%+v", its[0])
	}
}

func TestPTC(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("testdata", "ptc")
	var ins []Input
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		in, _ := FileInput(filepath.Join(dir, e.Name()))
		ins = append(ins, in)
	}
	// a label line for an article that is not in the upload
	ins = append(ins, BytesInput("article9999-labels-subtask-3.txt", []byte("9999\tDoubt\t0\t4\n")))
	its, err := collect(t, ins, "auto")
	if err != nil {
		t.Fatal(err)
	}
	var arts []*Item
	var probs []Problem
	for _, it := range its {
		if it.Article != nil {
			arts = append(arts, it)
		}
		probs = append(probs, it.Problems...)
	}
	if len(arts) != 2 || len(probs) != 1 || probs[0].Line != 1 || !strings.Contains(probs[0].Message, "article 9999 is not in the upload") {
		t.Fatalf("%d articles, problems %+v", len(arts), probs)
	}
	a := arts[0]
	if *a.Article.ExternalID != "1001" || !strings.Contains(a.Article.Text, "\r\n") || len(a.Spans) != 2 || a.Article.Title != "Skarvik Council Votes" {
		t.Fatalf("%+v", a)
	}
	// "\r" counts: the span after the CRLF is at Python's offsets
	if q, _ := models.Slice(a.Article.Text, a.Spans[0].Start, a.Spans[0].End); q != "reckless gamble" {
		t.Fatalf("span %q", q)
	}
	if a.Spans[1].Label != "Name_Calling,Labeling" {
		t.Fatalf("label %q", a.Spans[1].Label)
	}
	b := arts[1]
	if q, _ := models.Slice(b.Article.Text, b.Spans[0].Start, b.Spans[0].End); q != "Fees rise" || b.Spans[0].Label != SpanOnlyLabel {
		t.Fatalf("3-column span %q %q", q, b.Spans[0].Label)
	}
	// malformed label lines are fatal, with file and line
	_, err = collect(t, []Input{BytesInput("article1.txt", []byte("Text.")), BytesInput("article1.labels.tsv", []byte("1\tX\t0\t4\n1\tX\tzero\t4\n"))}, "auto")
	problemOf(t, err, "article1.labels.tsv", 2, "integers")
}

func zipOf(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	zw.Close()
	return buf.Bytes()
}

func TestZip(t *testing.T) {
	t.Parallel()
	z := zipOf(t, map[string]string{
		"corpus/article5.txt":        "Title\n\nSome words here.",
		"corpus/article5.labels.tsv": "5\tDoubt\t7\t11\n",
		"corpus/extra.jsonl":         `{"text":"From JSONL."}` + "\n",
		"corpus/inner.zip":           "PK\x03\x04 nested",
		"__MACOSX/._junk":            "junk",
	})
	its, err := collect(t, []Input{BytesInput("upload.zip", z)}, "auto")
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	var probs []Problem
	for _, it := range its {
		if it.Article != nil {
			texts = append(texts, it.Article.Text)
		}
		probs = append(probs, it.Problems...)
	}
	if len(texts) != 2 || len(probs) != 1 || !strings.Contains(probs[0].Message, "nested zip") {
		t.Fatalf("texts %q problems %+v", texts, probs)
	}
	for _, bad := range []string{"../evil.txt", "/etc/passwd", "a/../../b.txt", `..\win.txt`, "C:/x.txt"} {
		_, err := collect(t, []Input{BytesInput("bad.zip", zipOf(t, map[string]string{bad: "x"}))}, "auto")
		problemOf(t, err, "bad.zip", 0, "refusing the archive")
	}
	// a zip bomb: small archive, large expansion
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("big.txt")
	chunk := bytes.Repeat([]byte("a"), 1<<20)
	for range 8 {
		w.Write(chunk)
	}
	zw.Close()
	lim := DefaultLimits()
	lim.MaxUnzippedBytes = 4 << 20
	err = Parse([]Input{BytesInput("bomb.zip", buf.Bytes())}, "auto", lim)(func(*Item) error { return nil })
	var le *LimitError
	if !errors.As(err, &le) || !strings.Contains(le.Message, "zip bomb") {
		t.Fatalf("zip bomb: %v (archive %d bytes)", err, buf.Len())
	}
	lim.MaxUnzippedBytes, lim.MaxZipEntries = 0, 2
	err = Parse([]Input{BytesInput("many.zip", zipOf(t, map[string]string{"a.txt": "a", "b.txt": "b", "c.txt": "c"}))}, "auto", lim)(func(*Item) error { return nil })
	if !errors.As(err, &le) || !strings.Contains(le.Message, "more than 2 files") {
		t.Fatalf("entry cap: %v", err)
	}
}

// Each bad input stops the import with its file and line.
func TestBadInputs(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, data, format string
		line               int
		msg                string
	}{
		{"empty.jsonl", "", "auto", 1, "empty"},
		{"blank.txt", " \n\n", "auto", 1, "empty"},
		{"bin.json", "{\"text\":\"a\x00b\"}", "auto", 1, "binary"},
		{"utf16.txt", "\xff\xfeh\x00i\x00", "auto", 1, "UTF-16"},
		{"latin1.jsonl", "{\"text\":\"ok\"}\n{\"text\":\"caf\xe9\"}\n", "auto", 2, "invalid UTF-8"},
		{"latin1.txt", "Title\n\ncaf\xe9", "auto", 3, "invalid UTF-8"},
		{"trunc.jsonl", "{\"text\":\"ok\"}\n{\"text\":\"cut", "auto", 2, "truncated"},
		{"trunc.json", "[{\"text\":\"ok\"},\n {\"text\":", "auto", 2, "unexpected end"},
		{"notobj.jsonl", "{\"text\":\"ok\"}\n[1,2]\n", "jsonl", 2, "expected a JSON object"},
		{"surrogate.jsonl", "{\"text\":\"a\\ud800b\"}\n", "auto", 1, "surrogate"},
		{"notext.csv", "title,body\nT,B\n", "auto", 1, "no text column"},
		{"ragged.csv", "title,text\nT,B\nU,C,extra\n", "auto", 3, "ragged"},
		{"quotes.csv", "title,text\nT,\"unbalanced\n", "auto", 2, "unterminated"},
		{"stray.csv", "title,text\nT,ab\"c\n", "auto", 2, "quote inside"},
		{"crawl.txt", " date 2024-01-01 https://x.example/a\n\nOnly a title\n", "crawl", 3, "no article body"},
		{"nohead.txt", "Just text", "crawl", 1, "not a crawl dump"},
		{"x.json", "{}", "unknown-format", 0, "unknown format"},
	} {
		_, err := collect(t, []Input{BytesInput(c.name, []byte(c.data))}, c.format)
		if c.line == 0 {
			if err == nil || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		t.Run(c.name, func(t *testing.T) { problemOf(t, err, c.name, c.line, c.msg) })
	}
}

func TestDetect(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, head, want string }{
		{"a.jsonl", `{"text":"x"}`, "jsonl"},
		{"a.jsonl", `{"text":"x","label":[[0,1,"L"]]}`, "doccano"},
		{"a.jsonl", `{"paragraph":"x","labels":[]}`, "paragraphs"},
		{"a.jsonl", `{"external_id":"e","label":"opinion","start":0,"end":1}`, "slant"},
		{"a.json", "[{\"text\":\"x\"}]", "json"},
		{"a.json", "{\"text\":\"x\"}\n{\"text\":\"y\"}\n", "jsonl"},
		{"body", "[{\"text\":\"x\"}]", "json"},
		{"a.csv", "text\nx", "csv"},
		{"body", "title,text\nx,y", "csv"},
		{"a.htm", "<p>x", "html"},
		{"body", "<!DOCTYPE html><html>", "html"},
		{"a.txt", " date 2024-01-01 https://x.example/a\n", "crawl"},
		{"a.txt", "Plain", "txt"},
		{"article1.labels.tsv", "1\tX\t0\t1", "ptc"},
		{"x.task-si.labels", "1\t0\t1", "ptc"},
		{"article2-labels-subtask-3.txt", "2\tDoubt\t0\t1", "ptc"},
	} {
		if got := Detect(c.name, []byte(c.head)); got != c.want {
			t.Errorf("Detect(%q, %q) = %s, want %s", c.name, c.head, got, c.want)
		}
	}
}
