package export

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"slant/models"
	"slant/models/modelstest"
	"slant/server/ingest"
)

// An invented text: typographic quotes of three conventions, a ZWJ
// emoji (three code points), CRLF line ends.
const bratRoundText = "Die Ministerin sagte: „Die Preise sinken.“\r\n" +
	"👩‍🔬 Dr. Ana Vidal meint, «nichts wird billiger».\r\n" +
	"Laut “Quelle X” stimmt das nicht.\r\n"

func cpOf(t *testing.T, sub string) (int, int) {
	t.Helper()
	i := strings.Index(bratRoundText, sub)
	if i < 0 {
		t.Fatalf("%q not in the text", sub)
	}
	s := utf8.RuneCountInString(bratRoundText[:i])
	return s, s + utf8.RuneCountInString(sub)
}

func tLine(t *testing.T, id, typ, sub string) string {
	s, e := cpOf(t, sub)
	return fmt.Sprintf("%s\t%s %d %d\t%s\n", id, typ, s, e, sub)
}

// normalAnn is an .ann file up to ids and ordering: every annotation
// names its spans by label and offsets instead of their ids.
func normalAnn(t *testing.T, ann string) []string {
	t.Helper()
	spans := map[string]string{}
	lines := strings.Split(strings.TrimRight(ann, "\n"), "\n")
	for _, l := range lines {
		if f := strings.SplitN(l, "\t", 3); strings.HasPrefix(l, "T") && len(f) == 3 {
			spans[f[0]] = "[" + f[1] + "]"
		}
	}
	var out []string
	for _, l := range lines {
		f := strings.SplitN(l, "\t", 3)
		if len(f) < 2 {
			t.Fatalf("malformed line %q", l)
		}
		words := strings.Fields(f[1])
		for i, w := range words {
			if s, ok := spans[w]; ok {
				words[i] = s
			} else if role, id, ok := strings.Cut(w, ":"); ok && spans[id] != "" {
				words[i] = role + ":" + spans[id]
			}
		}
		rest := ""
		if len(f) == 3 {
			rest = "\t" + f[2]
		}
		out = append(out, l[:1]+"\t"+strings.Join(words, " ")+rest)
	}
	sort.Strings(out)
	return out
}

func unzipAll(t *testing.T, data []byte) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		out[f.Name] = string(b)
	}
	return out
}

// brat -> slant -> brat: the text byte for byte, and per annotator the
// same .ann content up to ids and ordering (spans over a line break,
// discontinuous spans, relations, attributes, notes).
func TestBratRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := modelstest.NewStore(t)
	p := &models.Project{Name: "brat"}
	if err := s.CreateProject(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	var importer *models.User
	for _, name := range []string{"lead", "ana", "ben"} {
		u, err := s.CreateUser(ctx, name, models.RoleAnnotator, "correct horse")
		if err != nil {
			t.Fatal(err)
		}
		if importer == nil {
			importer = u
		}
	}
	modelstest.JoinAll(t, s, p.ID)
	a, b := cpOf(t, "nichts wird")
	c, d := cpOf(t, "billiger")
	e, f := cpOf(t, "Preise sinken.“")
	g, h := cpOf(t, "👩‍🔬 Dr.")
	ana := tLine(t, "T1", "attributed_claim", "Die Preise sinken.") +
		tLine(t, "T2", "source", "Die Ministerin") +
		tLine(t, "T3", "cue", "sagte") +
		"R1\tsaid_by Arg1:T1 Arg2:T2\n" +
		"R2\tcue_of Arg1:T3 Arg2:T1\n" +
		"A1\tnegated T1\n" +
		"A2\tconfidence T1 High\n" +
		"#1\tAnnotatorNotes T1\tchecked twice\n" +
		fmt.Sprintf("T4\tclaim %d %d;%d %d\tnichts wird billiger\n", a, b, c, d) +
		tLine(t, "T5", "source", "👩‍🔬 Dr. Ana Vidal") +
		"R3\tsource_of Arg1:T4 Arg2:T5\n" +
		fmt.Sprintf("T6\tquote %d %d;%d %d\tPreise sinken.“ 👩‍🔬 Dr.\n", e, f, g, h)
	ben := tLine(t, "T1", "attributed_claim", "Die Preise sinken.") +
		tLine(t, "T2", "source", "Die Ministerin sagte") +
		"R1\tsaid_by Arg1:T1 Arg2:T2\n" +
		tLine(t, "T3", "source", "“Quelle X”") +
		"#1\tAnnotatorNotes T3\tin „quotes“"
	in := map[string]string{"doc1.txt": bratRoundText, "ana/doc1.ann": ana, "ben/doc1.ann": ben}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"doc1.txt", "ana/doc1.ann", "ben/doc1.ann"} {
		w, _ := zw.Create(name)
		io.WriteString(w, in[name])
	}
	zw.Close()
	rep, err := ingest.Run(ctx, s, ingest.Options{ProjectID: p.ID, UserID: importer.ID, CreateLabels: true, OtherAnnotators: true},
		ingest.Parse([]ingest.Input{ingest.BytesInput("corpus.zip", buf.Bytes())}, "brat", ingest.Limits{}))
	if err != nil {
		t.Fatal(err)
	}
	if rep.SpansCreated != 9 || rep.RelationsCreated != 4 || rep.ProblemCount != 0 || rep.DiscontinuousSpans != 1 {
		t.Fatalf("import %+v", rep)
	}

	var out bytes.Buffer
	w := NewBrat(&out)
	w.Begin()
	if err := s.ExportAnnotations(ctx, models.AnnotationFilter{ProjectID: p.ID}, w.Row); err != nil {
		t.Fatal(err)
	}
	if err := w.End(); err != nil {
		t.Fatal(err)
	}
	got := unzipAll(t, out.Bytes())
	if len(got) != 3 || got["doc1.txt"] != bratRoundText {
		t.Fatalf("zip entries %v; text %q", len(got), got["doc1.txt"])
	}
	for _, name := range []string{"ana/doc1.ann", "ben/doc1.ann"} {
		want, have := normalAnn(t, in[name]), normalAnn(t, got[name])
		if strings.Join(want, "\n") != strings.Join(have, "\n") {
			t.Fatalf("%s differs:\nwant\n%s\ngot\n%s\n(raw export:\n%s)", name, strings.Join(want, "\n"), strings.Join(have, "\n"), got[name])
		}
	}
}

// What has no brat spelling is left out, and names that are no safe
// file name fall back to article<ID>.
func TestBratWriterEdges(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	w := NewBrat(&out)
	w.Begin()
	ext := "../evil"
	rows := []models.ExportRow{
		{AnnotationID: 1, ArticleID: 7, ExternalID: &ext, ArticleText: "Eins\nzwei drei", Label: "opinion", Start: 0, End: 8,
			Note: "line one\nline two", Annotator: ".hidden",
			Attributes: models.JSONMap{"speaker": "Hæge Brattvoll", "flag": false, "n": float64(3), "list": []any{1}, "bad key": true},
			Relations:  []models.ExportRelation{{ID: 1, Type: "said_by", ToID: 99}}},
	}
	for i := range rows {
		if err := w.Row(&rows[i]); err != nil {
			t.Fatal(err)
		}
	}
	w.End()
	got := unzipAll(t, out.Bytes())
	want := "T1\topinion 0 4;5 8\tEins zwe\nA1\tn T1 3\n#1\tAnnotatorNotes T1\tline one line two\n"
	if got["article7.txt"] != "Eins\nzwei drei" || got["_.hidden/article7.ann"] != want {
		t.Fatalf("entries %q", got)
	}
}
