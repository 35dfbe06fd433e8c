package main

// 7. Every list an annotator opens, first page, at 1,000 articles and at
// 100,000 articles with 1,000,000 spans: request → last byte through
// `slant serve`, p50 of sequential requests, as a ratio of the two sizes.
//
// The databases are generated here with SQL, straight into the store's own
// file: models.Open runs the migrations once, then multi-row prepared
// INSERTs go in through database/sql, one transaction per chunk of
// articles. The writes pass through the store's triggers (project counts,
// span versions), and a chunk that comes "through an import" is inserted
// under a running import that is then published, as slant import does, so
// the maintained counts are checked against the rows afterwards.
//
// SLANT_BENCH_SCALE_DIR=<dir> keeps the generated databases there and
// reuses them in later runs (for working on one list's plan); by default
// they live in the run's temp directory and go with it.

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"slant/models"
)

// scaleGenVersion names the generator's output; bump it when the
// generated data changes, so kept databases are not reused.
const scaleGenVersion = 3

// scaleSize is one generated project.
type scaleSize struct {
	Articles, Spans int
}

// The query words: common is in about one title in seven, rare in one in
// five hundred (so at 1,000 articles its first page is short and at
// 100,000 it fills only after half the project).
const (
	scaleCommonWord = "pipeline"
	scaleRareWord   = "referendum"
	scaleLabel      = "state_media_framing" // the rarest label, about 15% of spans
)

var titleWords = strings.Fields(`port grid minister election budget harbour energy council strike border talks
	tariff court protest summit drought reform inflation ferry railway media union wages vaccine census
	ballot coalition refinery subsidy bridge exports pension mining treaty garrison airport corridor festival housing`)

// scaleDB is a generated database and what the lists need to address it.
type scaleDB struct {
	Path     string `json:"-"`
	Token    string `json:"token"`
	Project  int64  `json:"project"`
	UserID   int64  `json:"user_id"`
	Articles int    `json:"articles"`
	Spans    int    `json:"spans"`
	Done     int    `json:"done"`
	FirstArt int64  `json:"first_article"`
	Domain   string `json:"domain"`
	Took     string `json:"took"`
}

// scaleSizes are the two sizes compared and the requests per list. In
// -quick mode (Duration under a second) they are tiny: the smoke test only
// checks that the figure is produced.
func scaleSizes(cfg Config) (small, big scaleSize, reps int) {
	if cfg.Duration < time.Second {
		return scaleSize{30, 300}, scaleSize{300, 3000}, 3
	}
	return scaleSize{1000, 10_000}, scaleSize{100_000, 1_000_000}, 21
}

func sizeName(n int) string {
	if n >= 1000 && n%1000 == 0 {
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}

// scaleList is one list's first page; path gets the request number so the
// span list can move to another article on every request (a cache miss
// each time, the first open of an article).
type scaleList struct {
	name string
	path func(db *scaleDB, i int) string
}

func scaleLists() []scaleList {
	arts := func(q string) func(*scaleDB, int) string {
		return func(db *scaleDB, _ int) string {
			return fmt.Sprintf("/projects/%d/articles%s", db.Project, q)
		}
	}
	return []scaleList{
		{"GET /projects", func(*scaleDB, int) string { return "/projects" }},
		{"GET /projects/{id}/articles", arts("")},
		{"… ?ownership=state_controlled", arts("?ownership=" + models.OwnershipStateControlled)},
		{"… ?q=" + scaleCommonWord + " (1 title in 7)", arts("?q=" + scaleCommonWord)},
		{"… ?q=" + scaleRareWord + " (1 title in 500)", arts("?q=" + scaleRareWord)},
		{"… ?status=todo (first half done)", arts("?status=todo")},
		{"… ?status=done", arts("?status=done")},
		{"… ?source={domain}", func(db *scaleDB, _ int) string {
			return fmt.Sprintf("/projects/%d/articles?source=%s", db.Project, url.QueryEscape(db.Domain))
		}},
		{"GET /projects/{id}/annotations", func(db *scaleDB, _ int) string {
			return fmt.Sprintf("/projects/%d/annotations", db.Project)
		}},
		{"… ?label=" + scaleLabel, func(db *scaleDB, _ int) string {
			return fmt.Sprintf("/projects/%d/annotations?label=%s", db.Project, scaleLabel)
		}},
		{"GET /articles/{id}/annotations (uncached)", func(db *scaleDB, i int) string {
			// spread over the project, a different article each time
			return fmt.Sprintf("/articles/%d/annotations", db.FirstArt+int64((i*7919)%db.Articles))
		}},
		{"GET /projects/{id}/imports", func(db *scaleDB, _ int) string {
			return fmt.Sprintf("/projects/%d/imports", db.Project)
		}},
		{"GET /sources", func(*scaleDB, int) string { return "/sources" }},
	}
}

func benchScale(cfg Config, dir, slantBin, self string, res *Results) error {
	small, big, reps := scaleSizes(cfg)
	return scaleFigure(dir, slantBin, small, big, reps, res)
}

func scaleFigure(dir, slantBin string, small, big scaleSize, reps int, res *Results) error {
	keep := os.Getenv("SLANT_BENCH_SCALE_DIR")
	var dbs [2]*scaleDB
	for i, size := range []scaleSize{small, big} {
		fmt.Fprintf(os.Stderr, "  scale: %d articles, %d spans...\n", size.Articles, size.Spans)
		var err error
		if dbs[i], err = scaleDatabase(dir, keep, size); err != nil {
			return err
		}
	}
	lists := scaleLists()
	p50s, items, err := measureLists(slantBin, dbs, lists, reps)
	if err != nil {
		return err
	}
	sn, bn := sizeName(small.Articles), sizeName(big.Articles)
	for j, l := range lists {
		a, b := p50s[j][0], p50s[j][1]
		ratio := float64(b) / float64(max(a, time.Microsecond))
		row := Row{Figure: fmt.Sprintf("7. first page, %s → %s articles: %s", sn, bn, l.name),
			Slant:    fmt.Sprintf("p50 %s at %s (%d items)", ms(b), bn, items[j][1]),
			Baseline: fmt.Sprintf("p50 %s at %s (%d items)", ms(a), sn, items[j][0]),
			Ratio:    ratio, Target: "≤ 2×, < 100 ms", Pass: ratio <= 2 && b < 100*time.Millisecond}
		if j == 0 {
			row.Note = fmt.Sprintf("p50 of %d sequential requests per list and size (request → last byte, one client, after one warm-up request; the two sizes' servers run side by side and requests alternate between them) against `slant serve` on "+
				"generated projects of %d articles / %d spans (built in %s) and %d articles / %d spans (built in %s): about 2,000 code points per article, "+
				"90%% of spans the caller's, the rest four other annotators'; the caller marked the first half of the articles done (in id order, as one works "+
				"through a list); 24 outlets (4 state-controlled), 80%% of articles through published imports; the span list asks for a different article each "+
				"time, so its cache never answers. Ratio = p50 at %s / p50 at %s.",
				reps, small.Articles, small.Spans, dbs[0].Took, big.Articles, big.Spans, dbs[1].Took, bn, sn)
		}
		res.add(row)
	}
	return nil
}

// measureLists starts slant on each database and returns each list's p50
// there and the number of items of its page. Requests alternate between
// the two servers, so a neighbour's burst on this shared machine lands on
// both sizes alike.
func measureLists(slantBin string, dbs [2]*scaleDB, lists []scaleList, reps int) ([][2]time.Duration, [][2]int, error) {
	var srvs [2]*proc
	for i, db := range dbs {
		srv, err := start(slantBin, "serve", "--db", db.Path)
		if err != nil {
			return nil, nil, err
		}
		defer srv.stop()
		if err := checkProjectCounts(srv.url, db); err != nil {
			return nil, nil, err
		}
		srvs[i] = srv
	}
	get := func(s int, l scaleList, i int) (time.Duration, []byte, error) {
		u := srvs[s].url + "/api/v1" + l.path(dbs[s], i)
		t0 := time.Now()
		st, body, err := do("GET", u, dbs[s].Token, nil)
		d := time.Since(t0)
		if err == nil && st != 200 {
			err = fmt.Errorf("GET %s: %d %.300s", u, st, body)
		}
		return d, body, err
	}
	p50s := make([][2]time.Duration, len(lists))
	counts := make([][2]int, len(lists))
	for j, l := range lists {
		var lat [2][]time.Duration
		for s := range srvs {
			_, body, err := get(s, l, reps) // warm-up, on another article for the span list
			if err != nil {
				return nil, nil, err
			}
			var page struct {
				Items []json.RawMessage `json:"items"`
			}
			if err := json.Unmarshal(body, &page); err != nil || len(page.Items) == 0 {
				return nil, nil, fmt.Errorf("%s at %d articles: an empty or unreadable page measures nothing: %v %.200s", l.name, dbs[s].Articles, err, body)
			}
			counts[j][s] = len(page.Items)
		}
		budget := time.Now().Add(10 * time.Second) // a slow list stops early (at least 3 requests)
		for i := 0; i < reps && (i < 3 || time.Now().Before(budget)); i++ {
			for s := range srvs {
				d, _, err := get(s, l, i)
				if err != nil {
					return nil, nil, err
				}
				lat[s] = append(lat[s], d)
			}
		}
		for s := range srvs {
			sort.Slice(lat[s], func(a, b int) bool { return lat[s][a] < lat[s][b] })
			p50s[j][s] = lat[s][len(lat[s])/2]
		}
		fmt.Fprintf(os.Stderr, "    %-50s p50 %8s at %6d articles, %8s at %6d\n", l.name, ms(p50s[j][0]), dbs[0].Articles, ms(p50s[j][1]), dbs[1].Articles)
	}
	return p50s, counts, nil
}

// checkProjectCounts compares the trigger-kept counts GET /projects shows
// with what was generated.
func checkProjectCounts(base string, db *scaleDB) error {
	st, body, err := do("GET", base+"/api/v1/projects", db.Token, nil)
	if err != nil || st != 200 {
		return fmt.Errorf("GET /projects: %d %v", st, err)
	}
	var page struct {
		Items []struct {
			ID              int64 `json:"id"`
			ArticleCount    int64 `json:"article_count"`
			AnnotationCount int64 `json:"annotation_count"`
			DoneCount       int64 `json:"done_count"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return err
	}
	for _, p := range page.Items {
		if p.ID == db.Project {
			if p.ArticleCount != int64(db.Articles) || p.AnnotationCount != int64(db.Spans) || p.DoneCount != int64(db.Done) {
				return fmt.Errorf("scale: GET /projects shows %d articles, %d spans, %d done; generated %d, %d, %d",
					p.ArticleCount, p.AnnotationCount, p.DoneCount, db.Articles, db.Spans, db.Done)
			}
			return nil
		}
	}
	return fmt.Errorf("scale: project %d missing from GET /projects", db.Project)
}

// scaleDatabase returns the generated database of size, from keep when a
// run before left it there.
func scaleDatabase(dir, keep string, size scaleSize) (*scaleDB, error) {
	name := fmt.Sprintf("scale-v%d-%d-%d", scaleGenVersion, size.Articles, size.Spans)
	if keep == "" {
		return generateScale(filepath.Join(dir, name+".db"), size)
	}
	path := filepath.Join(keep, name+".db")
	if b, err := os.ReadFile(path + ".json"); err == nil {
		db := &scaleDB{Path: path}
		if err := json.Unmarshal(b, db); err == nil {
			if _, err := os.Stat(path); err == nil {
				return db, nil
			}
		}
	}
	for _, suffix := range []string{"", "-wal", "-shm", ".json"} {
		os.Remove(path + suffix)
	}
	db, err := generateScale(path, size)
	if err != nil {
		return nil, err
	}
	b, _ := json.Marshal(db)
	return db, os.WriteFile(path+".json", b, 0o600)
}

// rowInserter batches rows into multi-row INSERTs of one prepared
// statement (a shorter one for the remainder).
type rowInserter struct {
	db    *sql.DB
	head  string
	ncol  int
	per   int
	full  *sql.Stmt
	tx    *sql.Tx
	args  []any
	total int
	after *rowInserter // flushed first (the rows these refer to)
}

func newRowInserter(db *sql.DB, table, cols string, per int) (*rowInserter, error) {
	r := &rowInserter{db: db, head: "INSERT INTO " + table + " (" + cols + ") VALUES ", ncol: strings.Count(cols, ",") + 1, per: per}
	var err error
	r.full, err = db.Prepare(r.sql(per))
	return r, err
}

func (r *rowInserter) sql(rows int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", r.ncol), ",") + ")"
	return r.head + strings.TrimSuffix(strings.Repeat(one+",", rows), ",")
}

func (r *rowInserter) add(vals ...any) error {
	r.args = append(r.args, vals...)
	if len(r.args) == r.ncol*r.per {
		return r.flush()
	}
	return nil
}

func (r *rowInserter) flush() error {
	if r.after != nil {
		if err := r.after.flush(); err != nil {
			return err
		}
	}
	n := len(r.args) / r.ncol
	if n == 0 {
		return nil
	}
	var err error
	if n == r.per {
		_, err = r.tx.Stmt(r.full).Exec(r.args...)
	} else {
		_, err = r.tx.Exec(r.sql(n), r.args...)
	}
	r.total += n
	r.args = r.args[:0]
	return err
}

// generateScale builds a project of size.Articles articles and
// size.Spans spans at path (see the top of this file).
func generateScale(path string, size scaleSize) (*scaleDB, error) {
	t0 := time.Now()
	rng := rand.New(rand.NewSource(int64(size.Articles)*31 + int64(size.Spans)))
	ctx := context.Background()
	fx, err := newFixture(path) // migrations, the caller (an admin) and its token, the project and its labels
	if err != nil {
		return nil, err
	}
	// two small projects beside it, so GET /projects lists more than one
	for _, name := range []string{"pilot", "training"} {
		p := &models.Project{Name: name}
		if err := fx.store.CreateProject(ctx, p, nil); err != nil {
			return nil, err
		}
		if _, err := fx.store.CreateArticles(ctx, p.ID, []models.ArticleIn{{Title: name + " one", Text: articleText(rng, 200)}, {Title: name + " two", Text: articleText(rng, 200)}}); err != nil {
			return nil, err
		}
	}
	labels, err := fx.store.ListLabels(ctx, fx.project)
	if err != nil {
		return nil, err
	}
	labelID := map[string]int64{}
	for _, l := range labels {
		labelID[l.Key] = l.ID
	}
	if err := fx.store.Close(); err != nil {
		return nil, err
	}
	out := &scaleDB{Path: path, Token: fx.token, Project: fx.project, UserID: fx.userID, Articles: size.Articles, Spans: size.Spans}

	db, err := sql.Open("sqlite3", models.DSN(path, true))
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // the pragmas below hold for this one connection
	for _, p := range []string{"PRAGMA synchronous = OFF", "PRAGMA cache_size = -262144"} {
		if _, err := db.Exec(p); err != nil {
			return nil, err
		}
	}
	now := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	users := []int64{fx.userID}
	for i := 1; i <= 4; i++ {
		r, err := db.Exec(`INSERT INTO users (name, role, password_hash, password_changed_at, created_at, updated_at) VALUES (?, 'annotator', '!', ?, ?, ?)`,
			fmt.Sprintf("annotator%d", i), now, now, now)
		if err != nil {
			return nil, err
		}
		id, _ := r.LastInsertId()
		users = append(users, id)
	}
	ownership := func(i int) string {
		switch {
		case i < 4:
			return models.OwnershipStateControlled
		case i < 6:
			return models.OwnershipStateFunded
		case i < 9:
			return models.OwnershipPublicService
		case i < 20:
			return models.OwnershipPrivate
		}
		return models.OwnershipUnknown
	}
	var sources []int64
	var domains []string
	for i := 0; i < 24; i++ {
		d := models.RegistrableDomain(fmt.Sprintf("www.outlet%02d.com", i))
		r, err := db.Exec(`INSERT INTO sources (domain, name, country, ownership, notes, created_at, updated_at) VALUES (?, ?, ?, ?, '', ?, ?)`,
			d, fmt.Sprintf("Outlet %d", i), []string{"NO", "DE", "RU", "CN", "TR", "GB"}[i%6], ownership(i), now, now)
		if err != nil {
			return nil, err
		}
		id, _ := r.LastInsertId()
		sources, domains = append(sources, id), append(domains, d)
	}
	out.Domain = domains[5]
	var firstID int64
	if err := db.QueryRow(`SELECT COALESCE(MAX(id), 0) + 1 FROM articles`).Scan(&firstID); err != nil {
		return nil, err
	}
	out.FirstArt = firstID

	arts, err := newRowInserter(db, "articles", `id, project_id, source_id, external_id, url, title, author, published_at, language, text,
		text_sha256, length, metadata, created_at, updated_at, import_id`, 50)
	if err != nil {
		return nil, err
	}
	spans, err := newRowInserter(db, "annotations", `project_id, article_id, label_id, user_id, start, "end", quote, note, attributes, origin, created_at, updated_at`, 200)
	if err != nil {
		return nil, err
	}
	done, err := newRowInserter(db, "article_done", "user_id, article_id, created_at, project_id", 500)
	if err != nil {
		return nil, err
	}
	spans.after, done.after = arts, arts
	n := size.Articles
	base, rem := size.Spans/n, size.Spans%n
	// 50 chunks, 40 of them imports, at every size: the imports list is
	// as long at 1,000 articles as at 100,000
	chunk := max(1, n/50)
	jitter := 0
	for lo := 0; lo < n; lo += chunk {
		hi := min(n, lo+chunk)
		tx, err := db.Begin()
		if err != nil {
			return nil, err
		}
		arts.tx, spans.tx, done.tx = tx, tx, tx
		var importID any // nil: articles written directly (the last fifth)
		if lo < n*4/5 {
			r, err := tx.Exec(`INSERT INTO imports (project_id, user_id, state, owner, started_at, heartbeat_at) VALUES (?, ?, 'running', 'bench', ?, ?)`,
				out.Project, out.UserID, now, now)
			if err != nil {
				tx.Rollback()
				return nil, err
			}
			importID, _ = r.LastInsertId()
		}
		for i := lo; i < hi; i++ {
			id := firstID + int64(i)
			at := now.Add(time.Duration(i) * time.Second)
			title := make([]string, 6)
			for w := range title {
				title[w] = titleWords[rng.Intn(len(titleWords))]
			}
			if i%500 == 0 {
				title[2] = scaleRareWord
			}
			if i%7 == 3 {
				title[4] = scaleCommonWord
			}
			text := articleText(rng, 300)
			sum := sha256.Sum256([]byte(text))
			var src any
			switch {
			case i%20 == 0: // one article in twenty has no outlet
			case i < 3: // the first pages of ?source= and ?ownership= are never empty
				src = sources[[]int{0, 5, 0}[i]]
			default:
				src = sources[rng.Intn(len(sources))]
			}
			if err := arts.add(id, out.Project, src, fmt.Sprintf("ext-%d", i), fmt.Sprintf("https://www.outlet.example/a/%d", i),
				strings.Join(title, " "), "", at, "en", text, hex.EncodeToString(sum[:]), models.CodePointLen(text), "{}", at, at, importID); err != nil {
				tx.Rollback()
				return nil, err
			}
			// Spans: base per article, give or take (pairs of articles
			// trade a few, so the total stays exact).
			k := base
			if i < rem {
				k++
			}
			if i%2 == 0 {
				jitter = rng.Intn(base/2 + 1)
				if i+1 < n {
					k += jitter
				}
			} else {
				k -= jitter
			}
			runes := []rune(text)
			seen := map[[4]int]bool{}
			for len(seen) < k {
				s := rng.Intn(len(runes) - 60)
				e := s + 1 + rng.Intn(50)
				lab := "opinion"
				switch r := rng.Intn(100); {
				case r >= 85:
					lab = scaleLabel
				case r >= 50:
					lab = "attributed_claim"
				}
				u := users[0]
				if rng.Intn(10) == 0 {
					u = users[1+rng.Intn(len(users)-1)]
				}
				key := [4]int{int(labelID[lab]), s, e, int(u)}
				if seen[key] {
					continue
				}
				seen[key] = true
				if err := spans.add(out.Project, id, labelID[lab], u, s, e, string(runes[s:e]), "", "{}", "human", at, at); err != nil {
					tx.Rollback()
					return nil, err
				}
			}
			if i < n/2 {
				if err := done.add(users[0], id, at, out.Project); err != nil {
					tx.Rollback()
					return nil, err
				}
				out.Done++
			}
			for _, u := range users[1:] {
				if rng.Intn(10) == 0 {
					if err := done.add(u, id, at, out.Project); err != nil {
						tx.Rollback()
						return nil, err
					}
				}
			}
		}
		for _, r := range []*rowInserter{arts, spans, done} {
			if err := r.flush(); err != nil {
				tx.Rollback()
				return nil, err
			}
		}
		if importID != nil { // publish: the trigger counts the import's articles now
			if _, err := tx.Exec(`UPDATE imports SET state = 'done', articles_created = ?, finished_at = ?, heartbeat_at = ? WHERE id = ?`,
				hi-lo, now, now, importID); err != nil {
				tx.Rollback()
				return nil, err
			}
		}
		if err := tx.Commit(); err != nil {
			return nil, err
		}
	}
	if spans.total != size.Spans || arts.total != n {
		return nil, fmt.Errorf("scale: generated %d articles and %d spans, wanted %d and %d", arts.total, spans.total, n, size.Spans)
	}
	// The counts the triggers kept must equal the rows.
	var keptA, keptS, rowsA, rowsS int64
	if err := db.QueryRow(`SELECT article_count, annotation_count,
		(SELECT COUNT(*) FROM articles a WHERE a.project_id = p.id AND (a.import_id IS NULL OR a.import_id IN (SELECT id FROM imports WHERE state = 'done'))),
		(SELECT COUNT(*) FROM annotations n WHERE n.project_id = p.id AND (n.import_id IS NULL OR n.import_id IN (SELECT id FROM imports WHERE state = 'done')))
		FROM projects p WHERE p.id = ?`, out.Project).Scan(&keptA, &keptS, &rowsA, &rowsS); err != nil {
		return nil, err
	}
	if keptA != rowsA || keptS != rowsS || rowsA != int64(n) || rowsS != int64(size.Spans) {
		return nil, fmt.Errorf("scale: project counts kept %d articles, %d spans; rows %d, %d; generated %d, %d", keptA, keptS, rowsA, rowsS, n, size.Spans)
	}
	for _, r := range []*rowInserter{arts, spans, done} {
		r.full.Close()
	}
	if _, err := db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return nil, err
	}
	out.Took = fmt.Sprintf("%.1f s", time.Since(t0).Seconds())
	return out, nil
}
