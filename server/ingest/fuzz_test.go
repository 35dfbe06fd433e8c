package ingest

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"slant/models"
	"slant/server/export"
)

// The fuzz targets run their seed corpus as ordinary tests; run them
// longer by hand, e.g. go test -fuzz FuzzCSV -fuzztime 1m ./server/ingest/

// parseAll parses one input and checks what every parser promises: no
// panic, and articles whose text is valid UTF-8 and whose spans, when the
// parser checked them, are slices of the text.
func parseAll(t *testing.T, inputs []Input, format string) []*Item {
	var out []*Item
	lim := DefaultLimits()
	lim.MaxTextBytes = 1 << 16
	err := Parse(inputs, format, lim)(func(it *Item) error {
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

// fuzzFormats are the formats FuzzEveryFormat feeds, each with the file
// name it arrives under (crawl, csv and ptc have their own targets above).
var fuzzFormats = []struct{ format, name string }{
	{"json", "f.json"}, {"jsonl", "f.jsonl"}, {"txt", "f.txt"}, {"html", "f.html"},
	{"doccano", "f.jsonl"}, {"paragraphs", "f.jsonl"}, {"slant", "f.jsonl"}, {"slant", "f.csv"},
	{"w3c", "f.jsonl"}, {"parquet", "f.parquet"}, {"auto", "f.zip"}, {"auto", "f"},
}

// FuzzEveryFormat runs arbitrary bytes through every other parser: none
// may panic or hang, texts must be valid UTF-8 (parseAll), and parsing is
// deterministic (the same bytes give the same items, problems included,
// in the same order), so an import report can be reproduced.
func FuzzEveryFormat(f *testing.F) {
	seeds := []string{
		`[{"title":"T","text":"Body é 🎉","url":"https://a.example/x","spans":[{"label":"opinion","start":0,"end":4}]}]`,
		`{"external_id":"k1","text":"One\r\ntwo.","metadata":{"a":1}}` + "\n" + `{"text":""}` + "\n",
		"Title line\n\nFirst paragraph.\n\nSecond.",
		"<html><head><title>T</title></head><body><article><p>Para <b>one</b>.</p><script>x()</script></article></body></html>",
		`{"text":"The glorious leader.","label":[[4,12,"Loaded_Language"]]}`,
		`{"id":"p1","paragraph":"نص عربي قصير","domain":"example.com","labels":[{"start":0,"end":2,"technique":"Loaded_Language"}]}`,
		`{"annotation_id":1,"external_id":"e","label":"opinion","start":0,"end":3,"text":"abc"}`,
		"annotation_id,external_id,label,start,end,text\n1,e,opinion,0,3,abc\n",
		`{"@context":"http://www.w3.org/ns/anno.jsonld","type":"Annotation","body":{"value":"opinion"},"target":{"source":"urn:x","selector":[{"type":"TextPositionSelector","start":0,"end":3}]}}`,
		"PAR1\x00\x00PAR1", "PK\x03\x04", "",
		string(evilParquet()), string(goodHand().bytes()), // issue 12's 37 bytes, and a hand-made good file
	}
	for i, s := range seeds {
		f.Add(s, uint8(i))
	}
	f.Fuzz(func(t *testing.T, s string, which uint8) {
		ff := fuzzFormats[int(which)%len(fuzzFormats)]
		first := parseAll(t, []Input{BytesInput(ff.name, []byte(s))}, ff.format)
		again := parseAll(t, []Input{BytesInput(ff.name, []byte(s))}, ff.format)
		if !reflect.DeepEqual(first, again) {
			t.Fatalf("%s parsed the same bytes differently:\n%+v\n%+v", ff.format, first, again)
		}
	})
}

// FuzzParquet feeds Parquet files to the guard and, when it accepts them,
// to the library: no panic escapes, no declared size makes either
// allocate more than the input can back (an out-of-memory here is fatal,
// which is why the guard exists), and every refusal is a problem naming
// Parquet. Run it under a memory cap, e.g.
// (ulimit -v 4000000; go test -tags sqlite_fts5 -fuzz FuzzParquet -fuzztime 2m -parallel 1 ./server/ingest/)
func FuzzParquet(f *testing.F) {
	f.Add(evilParquet())
	good := goodHand()
	f.Add(good.bytes())
	for _, tweak := range []func(*handFile){
		func(h *handFile) { h.numValues = 1<<31 - 1 },
		func(h *handFile) { h.uncompressed = 1<<31 - 1 },
		func(h *handFile) { h.compressed = 1<<31 - 1 },
		func(h *handFile) { h.colIndexOffset, h.colIndexLength = 4, 1<<31-1 },
		func(h *handFile) { h.footerLen = 1<<32 - 1 },
	} {
		h := goodHand()
		tweak(&h)
		f.Add(h.bytes())
	}
	var buf bytes.Buffer
	w := export.NewParquet(&buf)
	ext, now := "e1", time.Unix(1700000000, 0)
	for i := range 3 {
		w.Row(&models.ExportRow{ExternalID: &ext, Label: "opinion", Start: i, End: i + 2, Text: "ab", CreatedAt: now, UpdatedAt: now})
	}
	w.End()
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		refused := checkParquet(data, DefaultLimits().unzippedBytes())
		err := Parse([]Input{BytesInput("f.parquet", data)}, "parquet", DefaultLimits())(func(*Item) error { return nil })
		var p *Problem
		if refused != nil && (!errors.As(err, &p) || !strings.Contains(p.Message, "Parquet")) {
			t.Fatalf("guard refused (%v) but the import said %v", refused, err)
		}
	})
}

// FuzzParquetSizes writes well-formed Thrift with arbitrary sizes and
// counts (page sizes, value counts, chunk bounds, index bounds, footer
// length), the numbers the Parquet library trusts, so the fuzzer reaches
// the library instead of stopping at malformed bytes.
func FuzzParquetSizes(f *testing.F) {
	f.Add(int64(-1), int64(-1), int64(2), int64(-1), int64(-1), int64(0), int64(0), int64(0))
	f.Add(int64(1<<31-1), int64(-1), int64(2), int64(-1), int64(-1), int64(0), int64(0), int64(0))
	f.Add(int64(-1), int64(-1), int64(1<<31-1), int64(-1), int64(-1), int64(4), int64(1<<31-1), int64(0))
	f.Add(int64(16), int64(16), int64(2), int64(1<<40), int64(4), int64(0), int64(0), int64(1<<32-1))
	f.Fuzz(func(t *testing.T, unc, comp, nv, chunk, off, ciOff, ciLen, footerLen int64) {
		h := handFile{uncompressed: unc, compressed: comp, numValues: nv, chunkCompressed: chunk, dataOffset: off,
			colIndexOffset: ciOff, colIndexLength: ciLen, footerLen: footerLen & (1<<32 - 1)}
		data := h.bytes()
		refused := checkParquet(data, DefaultLimits().unzippedBytes())
		err := Parse([]Input{BytesInput("f.parquet", data)}, "parquet", DefaultLimits())(func(*Item) error { return nil })
		var p *Problem
		if refused != nil && (!errors.As(err, &p) || !strings.Contains(p.Message, "Parquet")) {
			t.Fatalf("guard refused (%v) but the import said %v", refused, err)
		}
	})
}
