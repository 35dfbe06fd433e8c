package ingest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"slant/models"
)

// The fuzz targets run their seed corpus as ordinary tests; run them
// longer by hand, e.g. go test -fuzz FuzzCSV -fuzztime 1m ./server/ingest/

// parseAll parses one input and checks what every parser promises: no
// panic, and articles whose text is valid UTF-8 and whose spans, when the
// parser checked them, are slices of the text.
func parseAll(t *testing.T, inputs []Input, format string) []*models.ImportItem {
	var out []*models.ImportItem
	lim := DefaultLimits()
	lim.MaxTextBytes = 1 << 16
	err := Parse(inputs, format, lim)(func(it *models.ImportItem) error {
		if it.Article != nil && !utf8.ValidString(it.Article.Text) {
			t.Fatalf("invalid UTF-8 text from %s", it.File)
		}
		out = append(out, it)
		return nil
	})
	if err != nil && err.Error() == "" {
		t.Fatal("error without a message")
	}
	return out
}

func FuzzCrawlDump(f *testing.F) {
	seed, _ := os.ReadFile(filepath.Join("testdata", "crawl-dump.txt"))
	f.Add(string(seed))
	f.Add(" date 2024-01-01 https://x.example/a\n\nT\n\nBody.Next one.U.S.A\n")
	f.Add("the region.Per Dr.Chung said \"yes.\"Then 3.5.\u201cQuote.\u201dEnd")
	f.Fuzz(func(t *testing.T, s string) {
		parseAll(t, []Input{BytesInput("dump.txt", []byte(s))}, "crawl")
		if !utf8.ValidString(s) {
			return
		}
		out := RestoreParagraphs(s)
		// only paragraph breaks are ever added
		if strings.ReplaceAll(out, "\n\n", "") != strings.ReplaceAll(s, "\n\n", "") {
			t.Fatalf("RestoreParagraphs changed more than breaks:\n%q\n%q", s, out)
		}
	})
}

func FuzzCSV(f *testing.F) {
	f.Add("title,text\nT,\"a\r\nb\"\n")
	f.Add("\uFEFFtext;url\nx;https://a.example/\n")
	f.Add("text\n\"unterminated\n")
	f.Add("annotation_id,external_id,label,start,end,text\n1,e,opinion,0,3,abc\n")
	f.Fuzz(func(t *testing.T, s string) {
		its := parseAll(t, []Input{BytesInput("f.csv", []byte(s))}, "csv")
		for _, it := range its {
			if it.Article != nil && strings.Contains(s, "\r\n") && strings.Count(it.Article.Text, "\r") > strings.Count(s, "\r") {
				t.Fatal("CR invented")
			}
		}
	})
}

func FuzzPTC(f *testing.F) {
	f.Add("Title\r\n\r\nBody text here.", "1\tLoaded_Language\t9\t13\n1\t0\t5\n")
	f.Add("x", "1\tA\t-1\t99\n")
	f.Add("\uFEFFé\u0301 🇳🇴", "article1\tFlag\t3\t5\n")
	f.Fuzz(func(t *testing.T, text, labels string) {
		its := parseAll(t, []Input{BytesInput("article1.txt", []byte(text)), BytesInput("article1.labels.tsv", []byte(labels))}, "auto")
		for _, it := range its {
			if it.Article != nil && it.Article.Text != text {
				t.Fatalf("text changed: %q -> %q", text, it.Article.Text)
			}
		}
	})
}
