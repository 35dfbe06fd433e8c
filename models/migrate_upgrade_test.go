package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
)

// An upgrade must keep every row of a database written by any earlier
// release. For each schema version k, the test migrates a fresh file only
// up to k, fills it with raw SQL valid for that schema, then opens it
// with Open (which migrates the rest) and reads everything back through
// the Store. A step appended to the list is covered without editing this
// test: the versions come from the list itself.

// upgradeText mixes what breaks offset and byte handling: astral
// characters, a ZWJ family, a flag, a combining mark, CRLF, Hebrew (RTL),
// a no-break space and a zero-width joiner on its own.
const upgradeText = "Grüße 👩\u200d👩\u200d👧 aus 🇺🇦 Київ,\r\nשלום עולם — cafe\u0301\u00a0𝔘𝔫𝔦 and\u200dmore."

const upgradeOther = "Second article: naïve 🤷🏽\u200d♀️ text\nwith two lines."

type upgradeSpan struct {
	article    int // index into the fixture's articles
	label      string
	user       string
	start, end int
	note       string
	attrs      string
	origin     string
	clientID   string // written only where the schema has client_id
}

var upgradeSpans = []upgradeSpan{
	{0, "frame", "zoë", 0, 5, "first word, ü is one code point", `{"confidence":0.75,"tags":["a","ü"]}`, "human", "c-1"},
	{0, "frame", "zoë", 6, 11, "the ZWJ family is 5 code points", `{}`, "human", ""},
	{0, "tone", "zoë", 16, 18, "a flag is 2 regional indicators", `{"n":12345678901234567890}`, "model:nli-v2", ""},
	{0, "tone", "admin", 23, 30, "CRLF inside", `{}`, "human", "c-2"},
	{0, "frame", "admin", 26, 35, "Hebrew, RTL", `{"rtl":true}`, "import", ""},
	{0, "tone", "zoë", 38, 43, "combining acute stays on its e", `{}`, "human", ""},
	{0, "frame", "admin", 43, 47, "no-break space and astral letters", `{}`, "human", ""},
	{1, "frame", "zoë", 22, 27, "emoji with skin tone and ZWJ", `{}`, "human", ""},
}

func TestUpgradeFromEveryVersionKeepsData(t *testing.T) {
	for _, m := range migrations {
		t.Run(fmt.Sprintf("from_v%d", m.Version), func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "old.db")
			db, err := gorm.Open(sqlite.Open(DSN(path, true)), gormConfig(false))
			if err != nil {
				t.Fatal(err)
			}
			if err := migrateTo(db, m.Version); err != nil {
				t.Fatal(err)
			}
			fx := fillOldSchema(t, db, m.Version)
			sqlDB, _ := db.DB()
			sqlDB.Close()

			s, err := Open(path)
			if err != nil {
				t.Fatalf("upgrade from version %d: %v", m.Version, err)
			}
			checkUpgraded(t, s, fx)
			before := schemaSnapshot(t, s)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}

			// Migrating again is a no-op: same steps, same schema, same data.
			s, err = Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if after := schemaSnapshot(t, s); !reflect.DeepEqual(before, after) {
				t.Errorf("second Open changed the database:\nbefore %v\nafter  %v", before, after)
			}
			checkUpgraded(t, s, fx)

			// The upgraded database takes new spans, and its counts follow.
			ctx := context.Background()
			in := AnnotationIn{ArticleID: fx.articles[1], UserID: fx.users["zoë"], Label: "tone", Start: 0, End: 6}
			if a, err := s.CreateAnnotation(ctx, in); err != nil || a.Quote != "Second" {
				t.Fatalf("new span after upgrade: %+v %v", a, err)
			}
			projects, _, err := s.ListProjects(ctx, fx.users["zoë"], Page{})
			if err != nil || len(projects) != 1 || projects[0].AnnotationCount != int64(len(upgradeSpans))+1 {
				t.Errorf("project list after a new span: %+v %v", projects, err)
			}
		})
	}
}

// oldFixture is what fillOldSchema wrote, to check against.
type oldFixture struct {
	version     int
	project     int64
	users       map[string]int64
	labels      map[string]int64
	source      int64
	articles    []int64 // visible articles, in order of upgradeText, upgradeOther
	texts       []string
	hidden      int64 // an article of a failed import (version >= 4), else 0
	spans       []int64
	tokenSecret string
	sessSecret  string
	published   time.Time
	created     time.Time
}

const upgradePassword = "correct horse battery"

func fillOldSchema(t *testing.T, db *gorm.DB, version int) *oldFixture {
	t.Helper()
	cols := map[string]map[string]bool{}
	columnsOf := func(table string) map[string]bool {
		if c, ok := cols[table]; ok {
			return c
		}
		var names []string
		if err := db.Raw(`SELECT name FROM pragma_table_info(?)`, table).Scan(&names).Error; err != nil {
			t.Fatal(err)
		}
		if len(names) == 0 {
			t.Fatalf("version %d has no table %s", version, table)
		}
		c := map[string]bool{}
		for _, n := range names {
			c[n] = true
		}
		cols[table] = c
		return c
	}
	// Columns that only later versions have are left out where the schema
	// lacks them; every other column must exist, or the INSERT fails.
	later := map[string]bool{"annotations.client_id": true, "articles.import_id": true, "annotations.import_id": true,
		"users.disabled_at": true, "article_done.project_id": true}
	insert := func(table string, row map[string]any) int64 {
		t.Helper()
		have := columnsOf(table)
		var names, marks []string
		var args []any
		keys := make([]string, 0, len(row))
		for k := range row {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if later[table+"."+k] && !have[k] {
				continue
			}
			names = append(names, `"`+k+`"`)
			marks = append(marks, "?")
			args = append(args, row[k])
		}
		var id int64
		q := `INSERT INTO ` + table + ` (` + strings.Join(names, ", ") + `) VALUES (` + strings.Join(marks, ", ") + `) RETURNING rowid`
		if err := db.Raw(q, args...).Row().Scan(&id); err != nil {
			t.Fatalf("version %d: %s: %v", version, q, err)
		}
		return id
	}

	created := time.Date(2025, 3, 14, 9, 26, 53, 589793000, time.UTC)
	fx := &oldFixture{version: version, users: map[string]int64{}, labels: map[string]int64{},
		published: time.Date(2024, 1, 1, 8, 0, 0, 0, time.UTC), created: created}
	hash, err := bcrypt.GenerateFromPassword([]byte(upgradePassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	user := func(name, role string, disabled bool) {
		row := map[string]any{"name": name, "role": role, "password_hash": string(hash),
			"password_changed_at": created, "created_at": created, "updated_at": created}
		if disabled {
			row["disabled_at"] = created
		}
		fx.users[name] = insert("users", row)
	}
	user("admin", RoleAdmin, false)
	user("zoë", RoleAnnotator, false)
	user("left", RoleAnnotator, true) // disabled where the schema can say so

	fx.tokenSecret = tokenPrefix + "upgrade-token-secret"
	insert("tokens", map[string]any{"user_id": fx.users["zoë"], "name": "notebook ✓", "hash": HashSecret(fx.tokenSecret), "created_at": created})
	fx.sessSecret = "upgrade-session-secret"
	insert("sessions", map[string]any{"user_id": fx.users["zoë"], "hash": HashSecret(fx.sessSecret), "csrf_token": "csrf-x",
		"expires_at": time.Now().UTC().Add(24 * time.Hour), "created_at": created})

	fx.project = insert("projects", map[string]any{"name": "Framing 🇪🇺 study", "description": "Ünïcödé\r\ndescription — שלום",
		"created_at": created, "updated_at": created})
	for i, l := range []struct{ key, name, color, hotkey string }{
		{"frame", "Frame « cadre »", "#ff8800", "f"},
		{"tone", "Tonalität 😐", "#0088ff", "t"},
	} {
		fx.labels[l.key] = insert("labels", map[string]any{"project_id": fx.project, "key": l.key, "name": l.name, "color": l.color,
			"hotkey": l.hotkey, "description": "label " + l.key, "sort_order": i, "created_at": created, "updated_at": created})
	}
	fx.source = insert("sources", map[string]any{"domain": "example.org", "name": "Exämple News", "country": "UA",
		"ownership": OwnershipStateFunded, "notes": "notes\nwith a newline", "created_at": created, "updated_at": created})

	// Imports write their rows while running and are then published (or
	// fail), as the importer does, so whatever a version keeps up to date
	// on publishing (counts, caches) sees the same sequence.
	startImport := func(owner string) int64 {
		return insert("imports", map[string]any{"project_id": fx.project, "user_id": fx.users["admin"], "state": "running",
			"owner": owner, "started_at": created, "heartbeat_at": created})
	}
	endImport := func(id int64, state string) {
		if err := db.Exec(`UPDATE imports SET state = ?, finished_at = ? WHERE id = ?`, state, created, id).Error; err != nil {
			t.Fatal(err)
		}
	}
	var importID any // nil: no import (before version 4, or a plain article)
	if version >= 4 {
		importID = startImport("host:1")
	}
	article := func(text, ext string, imp any) int64 {
		sum := sha256.Sum256([]byte(text))
		return insert("articles", map[string]any{"project_id": fx.project, "source_id": fx.source, "external_id": ext,
			"url": "https://example.org/" + ext, "title": "Title of " + ext + " — ü", "author": "Автор", "published_at": fx.published,
			"language": "uk", "text": text, "text_sha256": hex.EncodeToString(sum[:]), "length": CodePointLen(text),
			"metadata": `{"section":"world","n":1.50}`, "created_at": created, "updated_at": created, "import_id": imp})
	}
	fx.texts = []string{upgradeText, upgradeOther}
	fx.articles = []int64{article(upgradeText, "a-1", nil), article(upgradeOther, "a-2", importID)}
	for i, sp := range upgradeSpans {
		text := fx.texts[sp.article]
		quote, ok := Slice(text, sp.start, sp.end)
		if !ok {
			t.Fatalf("span %d [%d,%d) is outside its text", i, sp.start, sp.end)
		}
		var client any
		if sp.clientID != "" {
			client = sp.clientID
		}
		var imp any
		if sp.article == 1 {
			imp = importID
		}
		fx.spans = append(fx.spans, insert("annotations", map[string]any{"project_id": fx.project, "article_id": fx.articles[sp.article],
			"label_id": fx.labels[sp.label], "user_id": fx.users[sp.user], "start": sp.start, "end": sp.end, "quote": quote,
			"note": sp.note, "attributes": sp.attrs, "origin": sp.origin, "created_at": created, "updated_at": created,
			"client_id": client, "import_id": imp}))
	}
	if version >= 4 {
		endImport(importID.(int64), "done")
	}
	insert("article_done", map[string]any{"user_id": fx.users["zoë"], "article_id": fx.articles[0], "created_at": created,
		"project_id": fx.project})

	if version >= 4 {
		// A failed import not yet cleaned up: its rows stay hidden.
		failed := startImport("host:2")
		fx.hidden = article("Hidden text of a failed import.", "a-hidden", failed)
		insert("annotations", map[string]any{"project_id": fx.project, "article_id": fx.hidden, "label_id": fx.labels["frame"],
			"user_id": fx.users["zoë"], "start": 0, "end": 6, "quote": "Hidden", "created_at": created, "updated_at": created,
			"import_id": failed})
		endImport(failed, "failed")
	}
	return fx
}

func checkUpgraded(t *testing.T, s *Store, fx *oldFixture) {
	t.Helper()
	ctx := context.Background()
	if v, err := s.SchemaVersion(); err != nil || v != LatestVersion() {
		t.Fatalf("schema version %d (%v), want %d", v, err, LatestVersion())
	}
	if res, err := s.IntegrityCheck(ctx); err != nil || res != "ok" {
		t.Fatalf("integrity check: %q %v", res, err)
	}
	var fkProblems int64
	if err := s.r.Raw(`SELECT COUNT(*) FROM pragma_foreign_key_check`).Row().Scan(&fkProblems); err != nil || fkProblems != 0 {
		t.Fatalf("foreign key check: %d problems (%v)", fkProblems, err)
	}

	// Users, passwords, tokens, sessions.
	accts, err := s.ListAccounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(accts) != 3 {
		t.Fatalf("%d users after upgrade, want 3", len(accts))
	}
	for _, a := range accts {
		if fx.users[a.Name] != a.ID {
			t.Errorf("user %q has id %d, want %d", a.Name, a.ID, fx.users[a.Name])
		}
		if !a.CreatedAt.Equal(fx.created) {
			t.Errorf("user %q created_at %v, want %v", a.Name, a.CreatedAt, fx.created)
		}
		wantDisabled := a.Name == "left" && fx.version >= 5
		if (a.DisabledAt != nil) != wantDisabled {
			t.Errorf("user %q disabled_at %v, want disabled=%v", a.Name, a.DisabledAt, wantDisabled)
		}
	}
	if u, err := s.Authenticate(ctx, "zoë", upgradePassword); err != nil || u.ID != fx.users["zoë"] || u.Role != RoleAnnotator {
		t.Errorf("password login after upgrade: %+v %v", u, err)
	}
	if u, tok, err := s.UserByToken(ctx, fx.tokenSecret); err != nil || u.Name != "zoë" || tok.Name != "notebook ✓" {
		t.Errorf("token after upgrade: %+v %+v %v", u, tok, err)
	}
	if u, sess, err := s.UserBySession(ctx, fx.sessSecret); err != nil || u.Name != "zoë" || sess.CSRFToken != "csrf-x" {
		t.Errorf("session after upgrade: %+v %+v %v", u, sess, err)
	}

	// Project, labels, outlet.
	p, err := s.GetProject(ctx, fx.project)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "Framing 🇪🇺 study" || p.Description != "Ünïcödé\r\ndescription — שלום" {
		t.Errorf("project %q %q", p.Name, p.Description)
	}
	labels, err := s.ListLabels(ctx, fx.project)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range labels {
		got = append(got, fmt.Sprintf("%d %s %s %s %s %d", l.ID, l.Key, l.Name, l.Color, l.Hotkey, l.SortOrder))
	}
	want := []string{
		fmt.Sprintf("%d frame Frame « cadre » #ff8800 f 0", fx.labels["frame"]),
		fmt.Sprintf("%d tone Tonalität 😐 #0088ff t 1", fx.labels["tone"]),
	}
	if !slices.Equal(got, want) {
		t.Errorf("labels\n got %q\nwant %q", got, want)
	}
	src, err := s.GetSource(ctx, fx.source)
	if err != nil {
		t.Fatal(err)
	}
	if src.Domain != "example.org" || src.Name != "Exämple News" || src.Country != "UA" ||
		src.Ownership != OwnershipStateFunded || src.Notes != "notes\nwith a newline" {
		t.Errorf("outlet %+v", src)
	}

	// Articles: text byte for byte, length, metadata with exact digits.
	for i, id := range fx.articles {
		a, err := s.GetArticle(ctx, id)
		if err != nil {
			t.Fatalf("article %d: %v", id, err)
		}
		if a.Text != fx.texts[i] {
			t.Errorf("article %d text changed:\n got %q\nwant %q", id, a.Text, fx.texts[i])
		}
		if a.Length != CodePointLen(fx.texts[i]) || a.Title != "Title of "+*a.ExternalID+" — ü" || a.Author != "Автор" {
			t.Errorf("article %d: length %d title %q author %q", id, a.Length, a.Title, a.Author)
		}
		if a.PublishedAt == nil || !a.PublishedAt.Equal(fx.published) {
			t.Errorf("article %d published_at %v, want %v", id, a.PublishedAt, fx.published)
		}
		if fmt.Sprint(a.Metadata) != "map[n:1.50 section:world]" {
			t.Errorf("article %d metadata %v", id, a.Metadata)
		}
		if a.Source == nil || a.Source.ID != fx.source {
			t.Errorf("article %d outlet %+v", id, a.Source)
		}
	}
	if fx.hidden != 0 {
		if _, err := s.GetArticle(ctx, fx.hidden); !errors.Is(err, ErrNotFound) {
			t.Errorf("article of a failed import is visible after upgrade: %v", err)
		}
	}
	rows, _, err := s.ListArticles(ctx, ArticleFilter{ProjectID: fx.project, UserID: fx.users["zoë"]}, Page{})
	if err != nil {
		t.Fatal(err)
	}
	got = got[:0]
	for _, r := range rows {
		got = append(got, fmt.Sprintf("%d all=%d mine=%d done=%v", r.ID, r.AnnotationCount, r.MyAnnotationCount, r.Done))
	}
	want = []string{
		fmt.Sprintf("%d all=7 mine=4 done=true", fx.articles[0]),
		fmt.Sprintf("%d all=1 mine=1 done=false", fx.articles[1]),
	}
	if !slices.Equal(got, want) {
		t.Errorf("article list for zoë\n got %q\nwant %q", got, want)
	}

	projects, _, err := s.ListProjects(ctx, fx.users["zoë"], Page{})
	if err != nil || len(projects) != 1 || projects[0].ArticleCount != 2 ||
		projects[0].AnnotationCount != int64(len(upgradeSpans)) || projects[0].DoneCount != 1 {
		t.Errorf("project list for zoë: %+v %v; want 2 articles, %d spans, 1 done", projects, err, len(upgradeSpans))
	}

	// Spans: offsets, quotes (equal to the stored slice), notes, exact JSON.
	if n, err := s.CountAnnotations(ctx, AnnotationFilter{ProjectID: fx.project}); err != nil || n != int64(len(upgradeSpans)) {
		t.Errorf("%d spans in the project (%v), want %d", n, err, len(upgradeSpans))
	}
	for i, sp := range upgradeSpans {
		a, err := s.GetAnnotation(ctx, fx.spans[i])
		if err != nil {
			t.Fatalf("span %d: %v", i, err)
		}
		quote, _ := Slice(fx.texts[sp.article], sp.start, sp.end)
		if a.ArticleID != fx.articles[sp.article] || a.LabelKey != sp.label || a.AnnotatorName != sp.user ||
			a.Start != sp.start || a.End != sp.end || a.Quote != quote || a.Note != sp.note || a.Origin != sp.origin ||
			!a.CreatedAt.Equal(fx.created) {
			t.Errorf("span %d after upgrade: %+v", i, a)
		}
		if attrs, _ := a.Attributes.Value(); attrs != sp.attrs {
			t.Errorf("span %d attributes %v, want %s", i, attrs, sp.attrs)
		}
		wantClient := sp.clientID != "" && fx.version >= 2
		if (a.ClientID != nil) != wantClient || (wantClient && *a.ClientID != sp.clientID) {
			t.Errorf("span %d client_id %v, want %q (present=%v)", i, a.ClientID, sp.clientID, wantClient)
		}
	}
	var exported []string
	err = s.ExportAnnotations(ctx, AnnotationFilter{ProjectID: fx.project}, func(r *ExportRow) error {
		exported = append(exported, fmt.Sprintf("%d [%d,%d) %s", r.AnnotationID, r.Start, r.End, r.Text))
		return nil
	})
	if err != nil || len(exported) != len(upgradeSpans) {
		t.Errorf("export after upgrade: %q (%v)", exported, err)
	}

	// The upgraded database takes new writes and still refuses duplicates.
	sp := upgradeSpans[0]
	dup := AnnotationIn{ArticleID: fx.articles[sp.article], UserID: fx.users[sp.user], Label: sp.label, Start: sp.start, End: sp.end}
	if _, err := s.CreateAnnotation(ctx, dup); !errors.Is(err, ErrConflict) {
		t.Errorf("duplicate of an old span: %v, want a conflict", err)
	}
}

// schemaSnapshot is everything a re-run migration could touch: the
// applied steps and the schema, plus the row count of every table.
func schemaSnapshot(t *testing.T, s *Store) []string {
	t.Helper()
	var out []string
	rows, err := s.r.Raw(`SELECT version || ' ' || name || ' ' || applied_at FROM schema_migrations ORDER BY version`).Rows()
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var line string
		rows.Scan(&line)
		out = append(out, line)
	}
	rows.Close()
	var tables []string
	if err := s.r.Raw(`SELECT type || ' ' || name || ' ' || COALESCE(sql, '') FROM sqlite_master ORDER BY type, name`).Scan(&tables).Error; err != nil {
		t.Fatal(err)
	}
	out = append(out, tables...)
	var names []string
	s.r.Raw(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).Scan(&names)
	for _, n := range names {
		var c int64
		if err := s.r.Raw(`SELECT COUNT(*) FROM "` + n + `"`).Row().Scan(&c); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s rows=%d", n, c))
	}
	return out
}
