package models

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
)

// SpanTextFilter finds spans by quote, note and speaker, follows edits
// and deletes, and on the read pool never shows a hidden import's span.
func TestSpanTextFilter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := Open(filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	u, err := s.CreateUser(ctx, "ana", RoleAdmin, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	p := &Project{Name: "P"}
	if err := s.CreateProject(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	text := "The minister said the café would reopen. Critics called it a rumour."
	arts, err := s.CreateArticles(ctx, p.ID, []ArticleIn{{Title: "T", Text: text}})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(start, end int, label, note, speaker string) int64 {
		attrs := JSONMap{}
		if speaker != "" {
			attrs["speaker"] = speaker
		}
		a, err := s.CreateAnnotation(ctx, AnnotationIn{ArticleID: arts[0].ID, UserID: u.ID, Label: label, Start: start, End: end, Note: note, Attributes: attrs})
		if err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	cafe := mk(4, 40, "attributed_claim", "a promise", "Jean Dupré") // "minister said the café would reopen"
	rumour := mk(41, 67, "opinion", "loaded word: rumour", "")       // "Critics called it a rumour"
	find := func(q string) []int64 {
		t.Helper()
		where, args, err := SpanTextFilter(q)
		if err != nil {
			t.Fatalf("SpanTextFilter(%q): %v", q, err)
		}
		var ids []int64
		if err := s.rd(ctx).Table("annotations").Where(where, args...).Order("id").Pluck("id", &ids).Error; err != nil {
			t.Fatal(err)
		}
		return ids
	}
	for q, want := range map[string][]int64{
		"cafe":            {cafe},         // the quote, diacritics folded
		"dupre":           {cafe},         // the speaker
		"speaker:jean":    {cafe},         // one field
		"quote:rumour":    {rumour},       // the quote, not the note
		"note:rumour":     {rumour},       // the note
		"rumour -critics": nil,            // exclusion
		`"a promise"`:     {cafe},         // a phrase of the note
		"":                {cafe, rumour}, // no search: every span
		"%":               nil,            // nothing to look for
	} {
		if got := find(q); !slices.Equal(got, want) && (len(got) != 0 || len(want) != 0) {
			t.Errorf("%q: %v, want %v", q, got, want)
		}
	}
	if _, _, err := SpanTextFilter(`"open`); err == nil {
		t.Error("a malformed query was accepted")
	}
	// an edit of the note and speaker, and a delete, reach the index
	note, attrs := "changed", JSONMap{"speaker": "Anna"}
	if _, err := s.UpdateAnnotation(ctx, cafe, AnnotationPatch{Note: &note, Attributes: &attrs}); err != nil {
		t.Fatal(err)
	}
	if got := find("dupre"); len(got) != 0 {
		t.Errorf("old speaker still found: %v", got)
	}
	if got := find("speaker:anna changed"); !slices.Equal(got, []int64{cafe}) {
		t.Errorf("new speaker and note: %v", got)
	}
	if err := s.DeleteAnnotation(ctx, rumour); err != nil {
		t.Fatal(err)
	}
	if got := find("rumour"); len(got) != 0 {
		t.Errorf("deleted span found: %v", got)
	}
}
