package models_test

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strconv"
	"testing"
	"time"

	"slant/models"
	"slant/models/modelstest"
)

type agreeFixture struct {
	s     *models.Store
	p     *models.Project
	users map[string]int64
	arts  []int64
	raw   *sql.DB // under the store, to date rows and history
}

// exec runs a statement under the store (? placeholders on both).
func (f *agreeFixture) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if f.raw == nil {
		f.raw = modelstest.RawDB(t, f.s)
	}
	if _, err := f.raw.Exec(modelstest.Q(f.s, q), args...); err != nil {
		t.Fatal(err)
	}
}

func newAgreeFixture(t *testing.T) *agreeFixture {
	t.Helper()
	ctx := context.Background()
	f := &agreeFixture{s: modelstest.NewStore(t), p: &models.Project{Name: "Agree"}, users: map[string]int64{}}
	if err := f.s.CreateProject(ctx, f.p, nil); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"ana", "ben", "cy"} {
		u, err := f.s.CreateUser(ctx, n, models.RoleAnnotator, "correct horse battery")
		if err != nil {
			t.Fatal(err)
		}
		f.users[n] = u.ID
		if _, _, err := f.s.SetMember(ctx, f.p.ID, u.ID, models.MemberAnnotator); err != nil {
			t.Fatal(err)
		}
	}
	arts, err := f.s.CreateArticles(ctx, f.p.ID, []models.ArticleIn{
		{Title: "one", Text: "Ünïcode 😀 text of twenty", URL: "https://news.example.com/1"},
		{Title: "two", Text: "Second article here.", URL: "https://other.example.org/2"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range arts {
		f.arts = append(f.arts, a.ID)
	}
	return f
}

func (f *agreeFixture) span(t *testing.T, user string, art int, label string, s, e int) int64 {
	t.Helper()
	a, err := f.s.CreateAnnotation(context.Background(), models.AnnotationIn{ArticleID: f.arts[art], UserID: f.users[user], Label: label, Start: s, End: e})
	if err != nil {
		t.Fatal(err)
	}
	return a.ID
}

func spanSet(d *models.AgreementData, users map[int64]string) []string {
	var out []string
	for _, s := range d.Spans {
		out = append(out, users[s.UserID]+":"+strconv.Itoa(int(s.ArticleID))+":"+strconv.Itoa(int(s.LabelID))+":"+strconv.Itoa(s.Start)+"-"+strconv.Itoa(s.End))
	}
	sort.Strings(out)
	return out
}

func names(f *agreeFixture) map[int64]string {
	m := map[int64]string{}
	for n, id := range f.users {
		m[id] = n
	}
	return m
}

func TestAgreementData(t *testing.T) {
	ctx := context.Background()
	f := newAgreeFixture(t)
	f.span(t, "ana", 0, "opinion", 0, 7)
	f.span(t, "ben", 0, "opinion", 0, 9)
	f.span(t, "ben", 1, "attributed_claim", 0, 6)
	gold := f.span(t, "cy", 0, "opinion", 2, 4)
	// a gold-layer span never counts as an annotator's
	f.exec(t, `UPDATE annotations SET layer = 'gold' WHERE id = ?`, gold)
	if err := f.s.SetDone(ctx, f.users["ana"], f.arts[0], true); err != nil {
		t.Fatal(err)
	}
	if err := f.s.SetDone(ctx, f.users["ben"], f.arts[1], true); err != nil {
		t.Fatal(err)
	}

	d, err := f.s.Agreement(ctx, models.AgreementQuery{ProjectID: f.p.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Lengths) != 2 || d.Lengths[f.arts[0]] != 24 || d.Lengths[f.arts[1]] != 20 {
		t.Errorf("lengths (code points) %v", d.Lengths)
	}
	// cy's only span is gold: cy is not an annotator here
	if len(d.Users) != 2 || d.Users[0].Name != "ana" || d.Users[1].Name != "ben" {
		t.Errorf("users %+v", d.Users)
	}
	if got := len(d.Spans); got != 3 {
		t.Errorf("%d spans, want 3: %v", got, spanSet(d, names(f)))
	}
	if !d.Done[f.users["ana"]][f.arts[0]] || !d.Done[f.users["ben"]][f.arts[1]] || d.Done[f.users["ana"]][f.arts[1]] {
		t.Errorf("done %v", d.Done)
	}
	if len(d.Labels) != len(models.DefaultLabels()) || d.Labels[0].Key != "opinion" {
		t.Errorf("labels %+v", d.Labels)
	}

	// filters: annotators by name (unknown names reported), one article, an outlet
	d, err = f.s.Agreement(ctx, models.AgreementQuery{ProjectID: f.p.ID, Annotators: []string{"ben", "nobody"}, Source: "other.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Users) != 1 || d.Users[0].Name != "ben" || len(d.Missing) != 1 || d.Missing[0] != "nobody" {
		t.Errorf("users %+v missing %v", d.Users, d.Missing)
	}
	if len(d.Lengths) != 1 || len(d.Spans) != 1 || d.Spans[0].ArticleID != f.arts[1] {
		t.Errorf("outlet filter: %v %v", d.Lengths, d.Spans)
	}
	d, err = f.s.Agreement(ctx, models.AgreementQuery{ProjectID: f.p.ID, ArticleID: f.arts[0]})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Lengths) != 1 || len(d.Spans) != 2 || len(d.Done[f.users["ben"]]) != 0 {
		t.Errorf("article filter: %v %v %v", d.Lengths, d.Spans, d.Done)
	}
	if _, err := f.s.Agreement(ctx, models.AgreementQuery{ProjectID: f.p.ID + 99}); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("unknown project: %v", err)
	}
}

// as_of: the span set as it was, rebuilt from span_history. The test
// stamps the history and the rows with fixed times (the writes happen in
// the same millisecond otherwise), then asks for the state in between.
func TestAgreementAsOf(t *testing.T) {
	ctx := context.Background()
	f := newAgreeFixture(t)
	kept := f.span(t, "ana", 0, "opinion", 0, 7)    // t1, never changed
	moved := f.span(t, "ben", 0, "opinion", 0, 9)   // t1, moved at t3
	deleted := f.span(t, "ben", 1, "opinion", 1, 5) // t1, deleted at t3
	late := f.span(t, "ana", 1, "opinion", 2, 6)    // t3
	if _, err := f.s.UpdateAnnotation(ctx, moved, models.AnnotationPatch{Start: ptrTo(3), End: ptrTo(8)}); err != nil {
		t.Fatal(err)
	}
	if err := f.s.DeleteAnnotation(ctx, deleted); err != nil {
		t.Fatal(err)
	}
	late2 := f.span(t, "cy", 1, "opinion", 0, 3) // t3, then moved at t4
	if _, err := f.s.UpdateAnnotation(ctx, late2, models.AnnotationPatch{End: ptrTo(4)}); err != nil {
		t.Fatal(err)
	}
	if err := f.s.SetDone(ctx, f.users["ana"], f.arts[0], true); err != nil { // t1
		t.Fatal(err)
	}
	if err := f.s.SetDone(ctx, f.users["ben"], f.arts[0], true); err != nil { // t3
		t.Fatal(err)
	}
	t1, t2, t3, t4 := "2026-01-01 10:00:00+00:00", "2026-01-02 10:00:00+00:00", "2026-01-03 10:00:00+00:00", "2026-01-04 10:00:00+00:00"
	// the images keep their times as text on both backends
	setCreated := `json_set(before, '$.created_at', ?)`
	if modelstest.Postgres() {
		setCreated = `jsonb_set(before::jsonb, '{created_at}', to_jsonb(?::text))::text`
	}
	for _, st := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE annotations SET created_at = ? WHERE id IN (?, ?, ?)`, []any{t1, kept, moved, deleted}},
		{`UPDATE annotations SET created_at = ? WHERE id IN (?, ?)`, []any{t3, late, late2}},
		{`UPDATE span_history SET at = ? WHERE action = 'create' AND annotation_id IN (?, ?, ?)`, []any{t1, kept, moved, deleted}},
		{`UPDATE span_history SET at = ? WHERE action = 'create' AND annotation_id IN (?, ?)`, []any{t3, late, late2}},
		{`UPDATE span_history SET at = ?, before = ` + setCreated + ` WHERE action <> 'create' AND annotation_id IN (?, ?)`, []any{t3, t1, moved, deleted}},
		{`UPDATE span_history SET at = ?, before = ` + setCreated + ` WHERE action <> 'create' AND annotation_id = ?`, []any{t4, t3, late2}},
		{`UPDATE article_done SET created_at = ? WHERE user_id = ?`, []any{t1, f.users["ana"]}},
		{`UPDATE article_done SET created_at = ? WHERE user_id = ?`, []any{t3, f.users["ben"]}},
	} {
		f.exec(t, st.sql, st.args...)
	}
	opinion := int64(0)
	d, _ := f.s.Agreement(ctx, models.AgreementQuery{ProjectID: f.p.ID})
	for _, l := range d.Labels {
		if l.Key == "opinion" {
			opinion = l.ID
		}
	}
	a0, a1 := strconv.Itoa(int(f.arts[0])), strconv.Itoa(int(f.arts[1]))
	op := strconv.Itoa(int(opinion))
	at := func(s string) *time.Time {
		tm, err := time.Parse("2006-01-02 15:04:05Z07:00", s)
		if err != nil {
			t.Fatal(err)
		}
		return &tm
	}
	for _, c := range []struct {
		name string
		asOf *time.Time
		want []string
		done int
	}{
		{"now", nil, []string{"ana:" + a0 + ":" + op + ":0-7", "ana:" + a1 + ":" + op + ":2-6", "ben:" + a0 + ":" + op + ":3-8", "cy:" + a1 + ":" + op + ":0-4"}, 2},
		{"before anything", at("2025-12-31 00:00:00+00:00"), nil, 0},
		{"at t2", at(t2), []string{"ana:" + a0 + ":" + op + ":0-7", "ben:" + a0 + ":" + op + ":0-9", "ben:" + a1 + ":" + op + ":1-5"}, 1},
		{"exactly t3", at(t3), []string{"ana:" + a0 + ":" + op + ":0-7", "ana:" + a1 + ":" + op + ":2-6", "ben:" + a0 + ":" + op + ":3-8", "cy:" + a1 + ":" + op + ":0-3"}, 2},
	} {
		d, err := f.s.Agreement(ctx, models.AgreementQuery{ProjectID: f.p.ID, AsOf: c.asOf})
		if err != nil {
			t.Fatal(err)
		}
		got := spanSet(d, names(f))
		if len(got) != len(c.want) {
			t.Errorf("%s: spans %v, want %v", c.name, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s: spans %v, want %v", c.name, got, c.want)
				break
			}
		}
		n := 0
		for _, m := range d.Done {
			n += len(m)
		}
		if n != c.done {
			t.Errorf("%s: %d done marks, want %d", c.name, n, c.done)
		}
	}
}

func ptrTo[T any](v T) *T { return &v }

// Annotators come in code point order ("Zed" before "ana"), as SQLite
// sorts, whatever the PostgreSQL database's collation: the test gives
// the names a natural-language collation there.
func TestAgreementUsersInCodePointOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newAgreeFixture(t)
	if modelstest.Postgres() { // (the column's trigger must step aside meanwhile)
		f.exec(t, `DROP TRIGGER trg_users_epoch ON users`)
		f.exec(t, `ALTER TABLE users ALTER COLUMN name TYPE text COLLATE "en-x-icu"`)
		f.exec(t, `CREATE TRIGGER trg_users_epoch AFTER UPDATE OF name ON users FOR EACH ROW EXECUTE FUNCTION trg_cache_epoch()`)
		// a store with fresh connections: the old ones' cached plans
		// return the column's old type
		s, err := models.Open(f.s.Path())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		f.s = s
	}
	zed, err := f.s.CreateUser(ctx, "Zed", models.RoleAnnotator, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.s.SetMember(ctx, f.p.ID, zed.ID, models.MemberAnnotator); err != nil {
		t.Fatal(err)
	}
	f.users["Zed"] = zed.ID
	f.span(t, "ana", 0, "opinion", 0, 7)
	f.span(t, "Zed", 0, "opinion", 0, 9)
	for _, q := range []models.AgreementQuery{{ProjectID: f.p.ID}, {ProjectID: f.p.ID, Annotators: []string{"ana", "Zed"}}} {
		d, err := f.s.Agreement(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Users) != 2 || d.Users[0].Name != "Zed" || d.Users[1].Name != "ana" {
			t.Errorf("users %+v (asked for %v)", d.Users, q.Annotators)
		}
	}
}
