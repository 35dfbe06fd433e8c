package models

import (
	"context"
	"errors"
	"testing"
)

// An import's relations are checked like CreateRelation's, written with
// the import's id, hidden with its spans until it is published, and gone
// with them (and the relation types it created) when it is not.
func TestImportRelationsHiddenUntilPublishedAndDiscarded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newInternalStore(t)
	u, err := s.CreateUser(ctx, "rel_importer", RoleAnnotator, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	p := &Project{Name: "Relations import"}
	if err := s.CreateProject(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	// one import: article, a claim and its source, said_by and a new type
	write := func(typeKey string) (importID int64, w *ImportWriter, ids []int64) {
		t.Helper()
		id, err := s.StartImport(ctx, p.ID, u.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		w = s.ImportWriter(ctx, id)
		text := "„Die Preise sinken“, sagte 👩‍🔬 Ana Vidal."
		a, err := NewArticleRow(p.ID, ArticleIn{Title: "t", Text: text})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.InsertArticle(&a); err != nil {
			t.Fatal(err)
		}
		var rows []Annotation
		for _, sp := range [][3]any{{"attributed_claim", 1, 18}, {"source", 31, 40}, {"cue", 21, 26}} {
			l, err := w.LabelByKey(p.ID, sp[0].(string))
			if err != nil {
				t.Fatal(err)
			}
			row, err := PrepareSpan(NewSpanIndex(text), p.ID, SpanDraft{ArticleID: a.ID, LabelID: l.ID, UserID: u.ID,
				Start: sp[1].(int), End: sp[2].(int)}, OriginImport)
			if err != nil {
				t.Fatal(err)
			}
			rows = append(rows, row)
		}
		if ids, err = w.InsertSpans(rows); err != nil {
			t.Fatal(err)
		}
		said, err := w.RelationTypeByKey(p.ID, "said_by")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.RelationTypeByKey(p.ID, typeKey); !errors.Is(err, ErrInvalid) {
			t.Fatalf("unknown relation type: %v", err)
		}
		nt := &RelationType{ProjectID: p.ID, Key: typeKey}
		if err := w.CreateRelationType(nt); err != nil {
			t.Fatal(err)
		}
		for _, r := range []ImportRelation{{a.ID, said, ids[0], ids[1]}, {a.ID, nt, ids[2], ids[0]}} {
			if rid, err := w.InsertRelation(r); err != nil || rid == 0 {
				t.Fatalf("relation %+v: %d %v", r, rid, err)
			}
		}
		if rid, err := w.InsertRelation(ImportRelation{a.ID, said, ids[0], ids[1]}); err != nil || rid != 0 {
			t.Fatalf("the same link again: %d %v", rid, err)
		}
		// the rules of CreateRelation: said_by goes from a claim to a source
		if _, err := w.InsertRelation(ImportRelation{a.ID, said, ids[1], ids[0]}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("said_by from a source: %v", err)
		}
		if _, err := w.InsertRelation(ImportRelation{a.ID + 1, said, ids[0], ids[1]}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("relation of another article: %v", err)
		}
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
		return id, w, ids
	}
	count := func() int {
		rs, _, err := s.ListRelations(ctx, RelationFilter{ProjectID: p.ID}, Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		return len(rs)
	}

	typeKeys := func() []string {
		types, err := s.ListRelationTypes(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, rt := range types {
			keys = append(keys, rt.Key)
		}
		return keys
	}
	id, _, _ := write("quoted_in")
	if n := count(); n != 0 {
		t.Fatalf("unpublished import's relations are visible: %d", n)
	}
	if keys := typeKeys(); len(keys) != 2 {
		t.Fatalf("an unpublished import's relation type is listed: %v", keys)
	}
	if err := s.EndImport(ctx, id, ImportStateDone, "", ImportCounts{ArticlesCreated: 1, SpansCreated: 3}); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 2 {
		t.Fatalf("published import: %d relations, want 2", n)
	}

	id, w, _ := write("echoes")
	if err := s.EndImport(ctx, id, ImportStateDiscarded, "dry run", ImportCounts{}); err != nil {
		t.Fatal(err)
	}
	// CleanImport alone removes the import's unused type (as after a
	// crash, when nobody calls DropRelationTypes)
	if err := s.CleanImport(ctx, id); err != nil {
		t.Fatal(err)
	}
	var echoes int64
	s.wr(ctx).Raw(`SELECT COUNT(*) FROM relation_types WHERE key = 'echoes'`).Row().Scan(&echoes)
	if echoes != 0 {
		t.Fatal("CleanImport left the discarded import's relation type")
	}
	if err := w.DropRelationTypes(ctx); err != nil {
		t.Fatal(err)
	}
	var stored int64
	s.wr(ctx).Raw(`SELECT COUNT(*) FROM relations WHERE project_id = ?`, p.ID).Row().Scan(&stored)
	if stored != 2 || count() != 2 {
		t.Fatalf("after the discarded import: %d relations stored, want the published 2", stored)
	}
	types, err := s.ListRelationTypes(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, rt := range types {
		keys = append(keys, rt.Key)
	}
	if len(keys) != 3 || keys[2] != "quoted_in" {
		t.Fatalf("relation types after the discarded import: %v (its echoes must be gone, the published quoted_in kept)", keys)
	}
}

func TestLineFragments(t *testing.T) {
	t.Parallel()
	text := []rune("ab\r\ncd\n\nef👩‍🔬\rg")
	for _, c := range []struct {
		start, end int
		want       [][2]int
	}{
		{0, 2, [][2]int{{0, 2}}},
		{0, 6, [][2]int{{0, 2}, {4, 6}}},
		{1, 14, [][2]int{{1, 2}, {4, 6}, {8, 13}}},
		{2, 4, [][2]int{{2, 4}}}, // nothing but a line break: one piece
		{0, 15, [][2]int{{0, 2}, {4, 6}, {8, 13}, {14, 15}}},
	} {
		got := LineFragments(text, c.start, c.end)
		if len(got) != len(c.want) {
			t.Fatalf("[%d, %d): %v, want %v", c.start, c.end, got, c.want)
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Fatalf("[%d, %d): %v, want %v", c.start, c.end, got, c.want)
			}
		}
	}
}
