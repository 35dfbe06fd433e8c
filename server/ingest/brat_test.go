package ingest_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"slant/models"
	"slant/server/ingest"
)

// An invented text with typographic quotes, a ZWJ emoji (three code
// points) and CRLF line ends; brat counts code points, a CR included.
const bratText = "Die Ministerin sagte: „Die Preise sinken.“\r\n" +
	"👩‍🔬 Dr. Ana Vidal meint, «nichts wird billiger».\r\n" +
	"Laut “Quelle X” stimmt das nicht.\r\n"

// cp is the code-point extent of the first sub in text (after skip).
func cp(t *testing.T, text, sub string, skip ...string) (int, int) {
	t.Helper()
	from := 0
	for _, s := range skip {
		from += strings.Index(text[from:], s) + len(s)
	}
	i := strings.Index(text[from:], sub)
	if i < 0 {
		t.Fatalf("%q not in the text", sub)
	}
	start := utf8.RuneCountInString(text[:from+i])
	return start, start + utf8.RuneCountInString(sub)
}

// tline is a T line over sub.
func tline(t *testing.T, id, typ, sub string) string {
	s, e := cp(t, bratText, sub)
	return fmt.Sprintf("%s\t%s %d %d\t%s\n", id, typ, s, e, sub)
}

// bratAnn1 has spans, a relation, an event, attributes and a note; T4 is
// discontinuous, T7 runs over a line break (as brat writes it).
func bratAnn1(t *testing.T) string {
	a, b := cp(t, bratText, "nichts wird")
	c, d := cp(t, bratText, "billiger")
	e, f := cp(t, bratText, "Preise sinken.“")
	g, h := cp(t, bratText, "👩‍🔬 Dr.")
	return tline(t, "T1", "Attributed_claim", "Die Preise sinken.") +
		tline(t, "T2", "Source", "Die Ministerin") +
		tline(t, "T3", "Cue", "sagte") +
		"R1\tSaid_by Arg1:T1 Arg2:T2\n" +
		"A1\tNegated T1\n" +
		"A2\tConfidence T1 High\n" +
		"#1\tAnnotatorNotes T1\tchecked twice\n" +
		fmt.Sprintf("T4\tClaim %d %d;%d %d\tnichts wird billiger\n", a, b, c, d) +
		tline(t, "T5", "Source", "👩‍🔬 Dr. Ana Vidal") +
		tline(t, "T6", "Cue", "meint") +
		"E1\tClaim:T4 Source:T5 Cue2:T6\n" +
		fmt.Sprintf("T7\tQuote %d %d;%d %d\tPreise sinken.“ 👩‍🔬 Dr.\n", e, f, g, h)
}

func zipOf(t *testing.T, files ...[2]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.Create(f[0])
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(f[1]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func bratRun(t *testing.T, s *models.Store, opts ingest.Options, data []byte) *ingest.Report {
	t.Helper()
	rep, err := ingest.Run(ctx, s, opts, ingest.Parse([]ingest.Input{ingest.BytesInput("corpus.zip", data)}, "brat", ingest.Limits{}))
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func spansByLabel(t *testing.T, s *models.Store, articleID int64) map[string][]models.AnnotationView {
	t.Helper()
	anns, _, err := s.ListAnnotations(ctx, models.AnnotationFilter{ArticleID: articleID}, models.Page{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]models.AnnotationView{}
	for _, a := range anns {
		out[a.LabelKey] = append(out[a.LabelKey], a)
	}
	return out
}

func TestBratImportSpansRelationsEventsNotesAttributes(t *testing.T) {
	t.Parallel()
	s, u, p := importFixture(t)
	data := zipOf(t, [2]string{"corpus/doc1.txt", bratText}, [2]string{"corpus/doc1.ann", bratAnn1(t)},
		[2]string{"corpus/annotation.conf", "[entities]\nClaim\n"})
	opts := ingest.Options{ProjectID: p.ID, UserID: u.ID, CreateLabels: true}
	typesBefore, _ := s.ListRelationTypes(ctx, p.ID)

	// a dry run reports the relation types it would create and keeps none
	dry := opts
	dry.DryRun = true
	rep := bratRun(t, s, dry, data)
	if rep.RelationsCreated != 3 || strings.Join(rep.RelationTypesCreated, ",") != "source,cue" {
		t.Fatalf("dry run report %+v", rep)
	}
	if ts, _ := s.ListRelationTypes(ctx, p.ID); len(ts) != len(typesBefore) {
		t.Fatalf("the dry run left relation types: %+v", ts)
	}

	rep = bratRun(t, s, opts, data)
	if rep.ArticlesCreated != 1 || rep.SpansCreated != 7 || rep.RelationsCreated != 3 || rep.DiscontinuousSpans != 1 ||
		rep.ProblemCount != 0 || strings.Join(rep.LabelsCreated, ",") != "claim,quote" || strings.Join(rep.RelationTypesCreated, ",") != "source,cue" {
		t.Fatalf("report %+v", rep)
	}
	a, err := s.ArticleByExternalID(ctx, p.ID, "doc1")
	if err != nil {
		t.Fatal(err)
	}
	full, _ := s.GetArticle(ctx, a.ID)
	if full.Text != bratText {
		t.Fatalf("text changed: %q", full.Text)
	}
	by := spansByLabel(t, s, a.ID)
	claim := by["attributed_claim"][0]
	if claim.Quote != "Die Preise sinken." || claim.Note != "checked twice" || claim.Attributes["negated"] != true || claim.Attributes["confidence"] != "High" {
		t.Fatalf("claim %+v", claim)
	}
	var emoji models.AnnotationView
	for _, sp := range by["source"] {
		if strings.HasPrefix(sp.Quote, "👩") {
			emoji = sp
		}
	}
	// Python: text.index("👩") == 44 — the CR of the first line counts
	if emoji.Start != 44 || emoji.Quote != "👩‍🔬 Dr. Ana Vidal" {
		t.Fatalf("emoji source %+v", emoji)
	}
	disc := by["claim"][0]
	frags, _ := disc.Attributes["fragments"].([]any)
	if disc.Quote != "nichts wird billiger" || len(frags) != 2 {
		t.Fatalf("discontinuous span %+v", disc)
	}
	quote := by["quote"][0]
	if quote.Quote != "Preise sinken.“\r\n👩‍🔬 Dr." || quote.Attributes["fragments"] != nil {
		t.Fatalf("a span over a line break is one span without fragments: %+v", quote)
	}
	rels, _, err := s.ListRelations(ctx, models.RelationFilter{ArticleID: a.ID}, models.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	quoteOf := map[int64]string{}
	for _, l := range by {
		for _, sp := range l {
			quoteOf[sp.ID] = sp.Quote
		}
	}
	for _, r := range rels {
		got[r.Type+": "+quoteOf[r.FromID]+" -> "+quoteOf[r.ToID]] = r.UserID == u.ID && r.Origin == models.OriginImport
	}
	for _, want := range []string{"said_by: Die Preise sinken. -> Die Ministerin", "source: nichts wird billiger -> 👩‍🔬 Dr. Ana Vidal", "cue: nichts wird billiger -> meint"} {
		if !got[want] {
			t.Fatalf("relation %q missing (or not the importer's): %v", want, got)
		}
	}

	// the same collection again changes nothing
	rep = bratRun(t, s, opts, data)
	if rep.SpansCreated != 0 || rep.SpansSkipped != 7 || rep.RelationsCreated != 0 || rep.RelationsSkipped != 3 || rep.ProblemCount != 0 {
		t.Fatalf("re-import %+v", rep)
	}
}

// Without create_labels an unknown relation type is a reported problem
// (and strict refuses the import), like an unknown label.
func TestBratImportUnknownRelationTypeRefused(t *testing.T) {
	t.Parallel()
	s, u, p := importFixture(t)
	ann := tline(t, "T1", "attributed_claim", "Die Preise sinken.") + tline(t, "T2", "source", "Die Ministerin") +
		"R1\tQuoted_in Arg1:T1 Arg2:T2\nR2\tsaid_by Arg1:T1 Arg2:T2\n"
	data := zipOf(t, [2]string{"doc1.txt", bratText}, [2]string{"doc1.ann", ann})
	opts := ingest.Options{ProjectID: p.ID, UserID: u.ID}
	rep := bratRun(t, s, opts, data)
	if rep.SpansCreated != 2 || rep.RelationsCreated != 1 || rep.ProblemCount != 1 || len(rep.RelationTypesCreated) != 0 {
		t.Fatalf("report %+v", rep)
	}
	if pr := rep.Problems[0]; pr.File != "corpus.zip/doc1.ann" || pr.Line != 3 || pr.Field != "relation" ||
		!strings.Contains(pr.Message, `unknown relation type "Quoted_in"`) || !strings.Contains(pr.Message, "create_labels=true") {
		t.Fatalf("problem %+v", pr)
	}
	if _, err := s.ArticleByExternalID(ctx, p.ID, "doc1"); err != nil {
		t.Fatal(err)
	}

	s2, u2, p2 := importFixture(t)
	_, err := ingest.Run(ctx, s2, ingest.Options{ProjectID: p2.ID, UserID: u2.ID, Strict: true},
		ingest.Parse([]ingest.Input{ingest.BytesInput("corpus.zip", data)}, "brat", ingest.Limits{}))
	if err == nil || len(ingest.ProblemsOf(err)) != 1 {
		t.Fatalf("strict: %v", err)
	}
	if n, _ := s2.CountAnnotations(ctx, models.AnnotationFilter{ProjectID: p2.ID}); n != 0 {
		t.Fatalf("strict import stored %d spans", n)
	}
}

// The same document from annotator folders (and NAME_ANNOTATOR.ann) is
// imported as those members' spans, by managers only.
func TestBratImportTwoAnnotators(t *testing.T) {
	t.Parallel()
	s, u, p := importFixture(t)
	users := map[string]*models.User{}
	for _, name := range []string{"ana", "ben", "carl"} {
		v, err := s.CreateUser(ctx, name, models.RoleAnnotator, "correct horse")
		if err != nil {
			t.Fatal(err)
		}
		users[name] = v
		if name != "carl" {
			if _, _, err := s.SetMember(ctx, p.ID, v.ID, models.MemberAnnotator); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, _, err := s.SetMember(ctx, p.ID, u.ID, models.MemberManager); err != nil {
		t.Fatal(err)
	}
	ann := tline(t, "T1", "attributed_claim", "Die Preise sinken.") + tline(t, "T2", "source", "Die Ministerin") + "R1\tsaid_by Arg1:T1 Arg2:T2\n"
	benAnn := tline(t, "T1", "attributed_claim", "Die Preise sinken.") + tline(t, "T2", "source", "Die Ministerin sagte")
	text2 := "Zweiter Text: «Alles gut», sagt Ben.\n"
	data := zipOf(t,
		[2]string{"corpus/doc1.txt", bratText},
		[2]string{"corpus/ana/doc1.ann", ann},
		[2]string{"corpus/ben/doc1.ann", benAnn},
		[2]string{"corpus/carl/doc1.ann", ann},
		[2]string{"corpus/doc2.txt", text2},
		[2]string{"corpus/doc2_ana.ann", "T1\tsource 32 35\tBen\n"},
	)
	base := ingest.Options{ProjectID: p.ID, UserID: u.ID}

	// an annotator may not import colleagues' spans
	rep := bratRun(t, s, base, data)
	if rep.SpansCreated != 0 || rep.ProblemCount == 0 || !strings.Contains(rep.Problems[0].Message, "only the project's managers") {
		t.Fatalf("without OtherAnnotators: %+v", rep)
	}

	withOthers := base
	withOthers.OtherAnnotators = true
	rep = bratRun(t, s, withOthers, data)
	if rep.SpansCreated != 5 || rep.RelationsCreated != 1 {
		t.Fatalf("report %+v", rep)
	}
	var carl []string
	for _, pr := range rep.Problems {
		if strings.Contains(pr.Message, `"carl" is not a member`) && strings.HasPrefix(pr.File, "corpus.zip/corpus/carl/") {
			carl = append(carl, pr.Message)
		} else if pr.Field != "relation" {
			t.Fatalf("unexpected problem %+v", pr)
		}
	}
	if len(carl) != 2 {
		t.Fatalf("carl's two spans: %v in %+v", carl, rep.Problems)
	}
	count := func(name, ext string) int {
		a, err := s.ArticleByExternalID(ctx, p.ID, ext)
		if err != nil {
			t.Fatal(err)
		}
		anns, _, _ := s.ListAnnotations(ctx, models.AnnotationFilter{ArticleID: a.ID, UserID: users[name].ID}, models.Page{Limit: 100})
		return len(anns)
	}
	if count("ana", "doc1") != 2 || count("ben", "doc1") != 2 || count("ana", "doc2") != 1 || count("carl", "doc1") != 0 {
		t.Fatalf("spans per annotator: ana %d ben %d ana/doc2 %d", count("ana", "doc1"), count("ben", "doc1"), count("ana", "doc2"))
	}
	rels, _, _ := s.ListRelations(ctx, models.RelationFilter{ProjectID: p.ID}, models.Page{Limit: 10})
	if len(rels) != 1 || rels[0].UserID != users["ana"].ID {
		t.Fatalf("relations %+v", rels)
	}
}

// Lines that cannot be imported are reported where they are.
func TestBratParseProblems(t *testing.T) {
	t.Parallel()
	ann := "T1\tsource 0 3\tDie\n" +
		"T2\tsource 0 3\tDas\n" + // text differs
		"T3\tsource 120 400\tx\n" + // past the end
		"N1\tReference T1 Wikipedia:1\tDie\n" +
		"*\tEquiv T1 T3\n" +
		"R1\tsaid_by Arg1:T1 Arg2:T9\n" +
		"A1\tNegated R1\n" +
		"T1\tsource 0 3\tDie\n" // id used twice
	var items []*ingest.Item
	err := ingest.Parse([]ingest.Input{
		ingest.BytesInput("doc1.txt", []byte(bratText)), ingest.BytesInput("doc1.ann", []byte(ann)),
		ingest.BytesInput("lost.ann", []byte("T1\tsource 0 1\tx\n")), ingest.BytesInput("notes.md", []byte("hi")),
	}, "brat", ingest.Limits{})(func(it *ingest.Item) error { items = append(items, it); return nil })
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, it := range items {
		for _, p := range it.Problems {
			lines = append(lines, fmt.Sprintf("%s:%d", p.File, p.Line))
		}
	}
	want := "notes.md:0 lost.ann:0 doc1.ann:2 doc1.ann:3 doc1.ann:4 doc1.ann:5 doc1.ann:8 doc1.ann:6 doc1.ann:7"
	if strings.Join(lines, " ") != want {
		t.Fatalf("problems at %v, want %s", lines, want)
	}
	if len(items) != 2 || items[1].Article == nil || len(items[1].Spans) != 1 || *items[1].Article.ExternalID != "doc1" {
		t.Fatalf("items %+v", items)
	}
}

// format=auto reads an upload with .ann files as a brat collection.
func TestBratDetected(t *testing.T) {
	t.Parallel()
	var items []*ingest.Item
	err := ingest.Parse([]ingest.Input{ingest.BytesInput("doc1.ann", []byte(tline(t, "T1", "source", "Die Ministerin"))),
		ingest.BytesInput("doc1.txt", []byte(bratText))}, "auto", ingest.Limits{})(func(it *ingest.Item) error { items = append(items, it); return nil })
	if err != nil || len(items) != 1 || len(items[0].Spans) != 1 || items[0].Spans[0].Start != 0 || items[0].Spans[0].End != 14 {
		t.Fatalf("%v %+v", err, items)
	}
}
