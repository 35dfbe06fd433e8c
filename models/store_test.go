package models_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"slant/models"
	"slant/models/modelstest"
)

var ctx = context.Background()

func ptr[T any](v T) *T { return &v }

// fixture makes a user, a project with the default labels and one article.
func fixture(t *testing.T, s *models.Store, text string) (*models.User, *models.Project, models.Article) {
	t.Helper()
	u, err := s.CreateUser(ctx, "ana", models.RoleAnnotator, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	p := &models.Project{Name: "P"}
	if err := s.CreateProject(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	arts, err := s.CreateArticles(ctx, p.ID, []models.ArticleIn{{Title: "T", Text: text, URL: "https://www.news.example.co.uk/a"}})
	if err != nil {
		t.Fatal(err)
	}
	return u, p, arts[0]
}

func TestMigrationsCreateEveryModelFieldAndAreIdempotent(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "m.db")
	s, err := models.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := s.SchemaVersion()
	if v != models.LatestVersion() {
		t.Fatalf("version %d want %d", v, models.LatestVersion())
	}
	s.Close()

	// Re-open: migrating twice is a no-op (no error, same version, one row per step).
	s, err = models.Open(path)
	if err != nil {
		t.Fatalf("second open: %v", err)
	}
	s.Close()

	db, err := gorm.Open(sqlite.Open(models.DSN(path, false)), &gorm.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var rows int64
	db.Table("schema_migrations").Count(&rows)
	if int(rows) != models.LatestVersion() {
		t.Fatalf("schema_migrations has %d rows", rows)
	}
	for _, m := range models.AllModels() {
		sch, err := schema.Parse(m, &sync.Map{}, db.NamingStrategy)
		if err != nil {
			t.Fatal(err)
		}
		if !db.Migrator().HasTable(sch.Table) {
			t.Errorf("table %s missing", sch.Table)
			continue
		}
		for _, f := range sch.Fields {
			if f.DBName != "" && !db.Migrator().HasColumn(sch.Table, f.DBName) {
				t.Errorf("%s.%s (field %s) missing from the migrated schema", sch.Table, f.DBName, f.Name)
			}
		}
	}
	var fk int
	db.Raw("PRAGMA foreign_keys").Row().Scan(&fk)
	if fk != 1 {
		t.Errorf("foreign_keys pragma not on via DSN")
	}
	var mode string
	db.Raw("PRAGMA journal_mode").Row().Scan(&mode)
	if mode != "wal" {
		t.Errorf("journal_mode = %s", mode)
	}
	// A database from a newer binary is refused.
	db.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future', CURRENT_TIMESTAMP)", models.LatestVersion()+1)
	sqlDB, _ := db.DB()
	sqlDB.Close()
	if _, err := models.Open(path); !errors.Is(err, models.ErrTooNew) {
		t.Fatalf("newer database: got %v, want ErrTooNew", err)
	}
}

func TestDefaultLabelScheme(t *testing.T) {
	t.Parallel()
	s := modelstest.NewStore(t)
	p := &models.Project{Name: "Default"}
	if err := s.CreateProject(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	labels, _ := s.ListLabels(ctx, p.ID)
	var keys []string
	for _, l := range labels {
		keys = append(keys, l.Key)
		if l.Description == "" || l.Hotkey == "" || l.Color == "" {
			t.Errorf("label %s lacks description/hotkey/color", l.Key)
		}
	}
	if strings.Join(keys, ",") != "opinion,attributed_claim,state_media_framing,source,cue" {
		t.Fatalf("keys %v", keys)
	}
}

func TestArticlesAreAllOrNothingAndTextIsExact(t *testing.T) {
	t.Parallel()
	s := modelstest.NewStore(t)
	p := &models.Project{Name: "P"}
	s.CreateProject(ctx, p, nil)
	text := "\ufeffCRLF\r\nstays 👩‍🔬 Cafe\u0301"
	_, err := s.CreateArticles(ctx, p.ID, []models.ArticleIn{
		{Title: "ok", Text: text, URL: "https://a.example.org/x"},
		{Title: "bad", Text: "bad \xff utf8"},
	})
	var ve *models.ValidationError
	if !errors.As(err, &ve) || ve.Fields["[1].text"] == "" {
		t.Fatalf("want [1].text error, got %v", err)
	}
	list, _, _ := s.ListArticles(ctx, models.ArticleFilter{ProjectID: p.ID}, models.Page{})
	if len(list) != 0 {
		t.Fatalf("%d articles stored after a failed batch", len(list))
	}
	if _, err := s.SourceByDomain(ctx, "example.org"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("source created by a failed batch: %v", err)
	}
	// Duplicate external id inside one batch: nothing stored, 409.
	_, err = s.CreateArticles(ctx, p.ID, []models.ArticleIn{{ExternalID: ptr("x"), Text: "a"}, {ExternalID: ptr("x"), Text: "b"}})
	if !errors.Is(err, models.ErrConflict) {
		t.Fatalf("duplicate external id: %v", err)
	}
	arts, err := s.CreateArticles(ctx, p.ID, []models.ArticleIn{{Title: "ok", Text: text, URL: "https://News.A.Example.org/x"}})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := s.GetArticle(ctx, arts[0].ID)
	if got.Text != text || got.Length != len([]rune(text)) {
		t.Fatalf("text changed: %q len %d", got.Text, got.Length)
	}
	if got.Source == nil || got.Source.Domain != "example.org" || got.Source.Ownership != models.OwnershipUnknown {
		t.Fatalf("source = %+v", got.Source)
	}
}

func TestAnnotationRules(t *testing.T) {
	t.Parallel()
	s := modelstest.NewStore(t)
	u, p, art := fixture(t, s, "Officials 🇳🇴 said the deal was “a triumph”.")
	in := models.AnnotationIn{ArticleID: art.ID, UserID: u.ID, Label: "opinion", Start: 31, End: 42}
	a, err := s.CreateAnnotation(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if a.Quote != "“a triumph”" || a.LabelKey != "opinion" || a.Origin != "human" {
		t.Fatalf("annotation = %+v", a)
	}
	// Identical span, same label and annotator: conflict. Other label: fine.
	if _, err := s.CreateAnnotation(ctx, in); !errors.Is(err, models.ErrConflict) {
		t.Fatalf("duplicate: %v", err)
	}
	in2 := in
	in2.Label = "state_media_framing"
	if _, err := s.CreateAnnotation(ctx, in2); err != nil {
		t.Fatalf("same extent, other label: %v", err)
	}
	// A label of another project is unknown here.
	other := &models.Project{Name: "Other"}
	s.CreateProject(ctx, other, []models.Label{{Key: "only_there"}})
	in3 := in
	in3.Label = "only_there"
	if _, err := s.CreateAnnotation(ctx, in3); !errors.Is(err, models.ErrInvalid) {
		t.Fatalf("label from another project: %v", err)
	}
	// Deleting a label in use is a conflict.
	l, _ := s.LabelByKey(ctx, p.ID, "opinion")
	if err := s.DeleteLabel(ctx, l.ID); !errors.Is(err, models.ErrConflict) {
		t.Fatalf("delete used label: %v", err)
	}
	// Moving offsets recomputes the quote.
	moved, err := s.UpdateAnnotation(ctx, a.ID, models.AnnotationPatch{Start: ptr(0), End: ptr(9)})
	if err != nil || moved.Quote != "Officials" {
		t.Fatalf("moved = %+v, %v", moved, err)
	}
	// Bad origin.
	in4 := in
	in4.Origin = "robot"
	if _, err := s.CreateAnnotation(ctx, in4); !errors.Is(err, models.ErrInvalid) {
		t.Fatalf("bad origin accepted: %v", err)
	}
}

func TestKeysetPagingNeverSkipsOrRepeatsWhileRowsAreAdded(t *testing.T) {
	t.Parallel()
	s := modelstest.NewStore(t)
	u, _, art := fixture(t, s, strings.Repeat("abcdefghij", 30))
	create := func(i int) {
		if _, err := s.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: art.ID, UserID: u.ID, Label: "opinion", Start: i, End: i + 5}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 50; i += 2 {
		create(i)
	}
	seen := map[int64]bool{}
	var cursor string
	added := 1
	for {
		rows, next, err := s.ListAnnotations(ctx, models.AnnotationFilter{ArticleID: art.ID}, models.Page{Limit: 7, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if seen[r.ID] {
				t.Fatalf("row %d repeated", r.ID)
			}
			seen[r.ID] = true
		}
		if next == nil {
			break
		}
		cursor = *next
		// Add rows behind and ahead of the cursor while paging.
		create(100 + added)
		added++
	}
	// Everything that existed at the start and everything added ahead of
	// the cursor must have been seen.
	n, _ := s.CountAnnotations(ctx, models.AnnotationFilter{ArticleID: art.ID})
	if int64(len(seen)) != n {
		t.Fatalf("saw %d of %d rows", len(seen), n)
	}
	if _, _, err := s.ListAnnotations(ctx, models.AnnotationFilter{ArticleID: art.ID}, models.Page{Cursor: "garbage"}); !errors.Is(err, models.ErrInvalid) {
		t.Fatalf("bad cursor: %v", err)
	}
}

func TestConcurrentCreatesAllLand(t *testing.T) {
	t.Parallel()
	s := modelstest.NewStore(t)
	u, _, art := fixture(t, s, strings.Repeat("x", 2000))
	const workers, each = 16, 100
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				start := w*each + i
				_, err := s.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: art.ID, UserID: u.ID, Label: "opinion", Start: start % 1999, End: start%1999 + 1 + start/1999})
				if err != nil {
					errs <- fmt.Errorf("worker %d item %d: %w", w, i, err)
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	n, _ := s.CountAnnotations(ctx, models.AnnotationFilter{ArticleID: art.ID})
	if n != workers*each {
		t.Fatalf("count = %d, want %d", n, workers*each)
	}
}

func TestSessionsEndOnPasswordChangeAndTokensRevoke(t *testing.T) {
	t.Parallel()
	s := modelstest.NewStore(t)
	u, err := s.CreateUser(ctx, "bo", models.RoleAdmin, "first password")
	if err != nil {
		t.Fatal(err)
	}
	if u.PasswordHash == "" || strings.Contains(u.PasswordHash, "first password") {
		t.Fatal("password not hashed")
	}
	_, secret, _ := s.CreateSession(ctx, u.ID)
	if _, _, err := s.UserBySession(ctx, secret); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPassword(ctx, u.ID, "second password"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.UserBySession(ctx, secret); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("session survived a password change: %v", err)
	}
	tok, tsecret, _ := s.CreateToken(ctx, u.ID, "nb")
	if tok.Hash == tsecret || len(tsecret) < 40 {
		t.Fatalf("token secret stored or too short")
	}
	if _, _, err := s.UserByToken(ctx, tsecret); err != nil {
		t.Fatal(err)
	}
	s.DeleteToken(ctx, u.ID, tok.ID)
	if _, _, err := s.UserByToken(ctx, tsecret); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("revoked token still works: %v", err)
	}
}

func TestJSONMapKeepsNumbersExact(t *testing.T) {
	t.Parallel()
	var m models.JSONMap
	if err := m.Scan(`{"id": 12345678901234567890, "x": 1.5}`); err != nil {
		t.Fatal(err)
	}
	v, _ := m.Value()
	if !strings.Contains(v.(string), "12345678901234567890") {
		t.Fatalf("big number changed: %v", v)
	}
	if v, _ := models.JSONMap(nil).Value(); v != "{}" {
		t.Fatalf("nil map stored as %v", v)
	}
}

// The article-text cache never lets a span reach a deleted article, and a
// rolled-back article (whose id SQLite may hand out again) never enters it.
func TestTextCacheNeverServesStaleArticles(t *testing.T) {
	t.Parallel()
	s := modelstest.NewStore(t)
	u, p, art := fixture(t, s, "first text")
	if _, err := s.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: art.ID, UserID: u.ID, Label: "opinion", Start: 0, End: 5}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteArticle(ctx, art.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: art.ID, UserID: u.ID, Label: "opinion", Start: 0, End: 5}); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("span on a deleted article: %v", err)
	}
	var rolledBack int64
	s.Tx(ctx, func(tx *models.Store) error {
		arts, err := tx.CreateArticles(ctx, p.ID, []models.ArticleIn{{Text: "rolled back text"}})
		if err != nil {
			t.Fatal(err)
		}
		rolledBack = arts[0].ID
		if _, err := tx.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: rolledBack, UserID: u.ID, Label: "opinion", Start: 0, End: 6}); err != nil {
			t.Fatal(err)
		}
		return errors.New("roll back")
	})
	arts, _ := s.CreateArticles(ctx, p.ID, []models.ArticleIn{{Text: "new committed text"}})
	a, err := s.CreateAnnotation(ctx, models.AnnotationIn{ArticleID: arts[0].ID, UserID: u.ID, Label: "opinion", Start: 0, End: 3, AnnotatorName: "ana"})
	if err != nil || a.Quote != "new" {
		t.Fatalf("quote %q (%v); rolled-back id %d, new id %d", a.Quote, err, rolledBack, arts[0].ID)
	}
}
