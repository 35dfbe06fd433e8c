package main

// Figures 1–5 on PostgreSQL. slant runs as `slant serve --db
// postgres://…/<fresh database>`; each baseline does the same work the
// barest way, through pgx, on another fresh database of the same server
// with the same schema (models.Open migrates it): a prepared INSERT per
// span (1), a plain SELECT (2, 4), COPY (3, 5). Every database is made
// for its figure with CREATE DATABASE and dropped after it.

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"slant/models"
)

// PostgresEnv names the server the PostgreSQL figures run on (any
// database on it, as a role that may create databases); when it is
// unset, modelstest's SLANT_TEST_POSTGRES is used.
const PostgresEnv = "SLANT_BENCH_POSTGRES"

// postgresURL is the server to measure on, or "" to skip PostgreSQL.
func postgresURL() string {
	if u := os.Getenv(PostgresEnv); u != "" {
		return u
	}
	return os.Getenv("SLANT_TEST_POSTGRES")
}

func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// pgServer makes and drops the databases of one run.
type pgServer struct {
	url      string
	prefix   string
	made     []string
	template string // an empty, migrated database the others are copied from
	version  string
}

func newPGServer(serverURL string) (*pgServer, error) {
	p := &pgServer{url: serverURL, prefix: fmt.Sprintf("slant_bench_%d_", os.Getpid())}
	err := p.admin(func(c *pgx.Conn) error {
		return c.QueryRow(context.Background(), `SHOW server_version`).Scan(&p.version)
	})
	return p, err
}

func (p *pgServer) admin(fn func(*pgx.Conn) error) error {
	ctx := context.Background()
	c, err := pgx.Connect(ctx, p.url)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	defer c.Close(ctx)
	return fn(c)
}

// create makes a fresh, migrated database and returns its URL: a copy
// of a template migrated once per run (copying takes far less than
// migrating; the copy is as new as a migrated empty database).
func (p *pgServer) create(name string) (string, error) {
	if p.template == "" {
		tmpl := p.prefix + "template"
		if err := p.createDB(tmpl, ""); err != nil {
			return "", err
		}
		p.template = tmpl
		s, err := models.Open(p.dbURL(tmpl))
		if err != nil {
			return "", err
		}
		if err := s.Close(); err != nil {
			return "", err
		}
	}
	db := p.prefix + name
	if err := p.createDB(db, p.template); err != nil {
		return "", err
	}
	p.made = append(p.made, db)
	return p.dbURL(db), nil
}

func (p *pgServer) createDB(db, template string) error {
	err := p.admin(func(c *pgx.Conn) error {
		ctx := context.Background()
		if _, err := c.Exec(ctx, `DROP DATABASE IF EXISTS `+db+` WITH (FORCE)`); err != nil {
			return err
		}
		q := `CREATE DATABASE ` + db
		if template != "" {
			q += ` TEMPLATE ` + template
		}
		_, err := c.Exec(ctx, q)
		return err
	})
	if err != nil {
		return fmt.Errorf("create database %s: %w", db, err)
	}
	return nil
}

// dbURL is the server's URL naming another database.
func (p *pgServer) dbURL(db string) string {
	u, err := url.Parse(p.url)
	if err != nil {
		panic(err) // newPGServer has connected with it
	}
	u.Path = "/" + db
	return u.String()
}

// dropAll drops every database this run made.
func (p *pgServer) dropAll() {
	p.admin(func(c *pgx.Conn) error {
		for _, db := range p.made {
			c.Exec(context.Background(), `DROP DATABASE IF EXISTS `+db+` WITH (FORCE)`)
		}
		return nil
	})
	p.made = nil
}

// close drops every database this run made, the template too.
func (p *pgServer) close() {
	if p.template != "" {
		p.made = append(p.made, p.template)
		p.template = ""
	}
	p.dropAll()
}

// pgFixture is newFixture on a fresh database of the server.
func (p *pgServer) fixture(name string) (*fixture, string, error) {
	dsn, err := p.create(name)
	if err != nil {
		return nil, "", err
	}
	fx, err := newFixture(dsn)
	return fx, dsn, err
}

// RunPostgres measures figures 1–5 (cfg.Only as in Run) on the PostgreSQL
// server at serverURL.
func RunPostgres(cfg Config, slantBin, serverURL string) (*Results, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	pg, err := newPGServer(serverURL)
	if err != nil {
		return nil, err
	}
	defer pg.close()
	host := "?"
	if u, err := url.Parse(serverURL); err == nil {
		host = u.Host
	}
	res := &Results{When: time.Now(), Commit: gitCommit(),
		Machine: fmt.Sprintf("%s; PostgreSQL %s at %s (same machine, default settings)", machine(), pg.version, host)}
	steps := []struct {
		name string
		run  func(Config, *pgServer, string, string, *Results) error
	}{{"create", pgCreate}, {"read", pgRead}, {"bulk", pgBulk}, {"export", pgExport}, {"import", pgImport}}
	for _, step := range steps {
		if cfg.Only != nil && !cfg.Only[step.name] {
			continue
		}
		fmt.Fprintf(os.Stderr, "postgres: %s\n", step.name)
		err := step.run(cfg, pg, slantBin, self, res)
		pg.dropAll()
		if err != nil {
			return nil, fmt.Errorf("postgres %s: %w", step.name, err)
		}
	}
	return res, nil
}

// PostgresMarkdown heads the table as PostgreSQL's.
func PostgresMarkdown(res *Results) string {
	return "## PostgreSQL: " + strings.TrimPrefix(res.Markdown(), "## ")
}

// ---- the baseline server on PostgreSQL ----

// pgBaselineServer serves figure 1's and 2's baselines on a PostgreSQL
// database made by newFixture: POST /create/{article} runs one prepared
// INSERT (no auth, validation or quote check); GET /read/{article}/0 and
// /1 run a plain SELECT of the article and of its spans and encode the
// rows as JSON.
func pgBaselineServer(dsn, addr string) {
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		panic(err)
	}
	cfg.MaxConns = int32(max(8, 4*runtime.NumCPU())) // slant's pool size
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		_, err := c.Prepare(ctx, "create", `INSERT INTO annotations (project_id, article_id, label_id, user_id, start, "end", quote, note, attributes, origin, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, '', '{}', 'human', $8, $8) RETURNING id`)
		return err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		panic(err)
	}
	defer pool.Close()
	var project, user, label int64
	if err := pool.QueryRow(ctx, `SELECT p.id, u.id, l.id FROM projects p, users u, labels l
		WHERE p.name = 'bench' AND u.name = 'bench' AND l.project_id = p.id ORDER BY l.id LIMIT 1`).Scan(&project, &user, &label); err != nil {
		panic(err)
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.GET("/api/v1/health", func(c *gin.Context) { c.JSON(200, gin.H{"status": "ok"}) })
	r.POST("/create/:article", func(c *gin.Context) {
		var req struct {
			Label      string `json:"label"`
			Start, End int
		}
		if err := json.NewDecoder(c.Request.Body).Decode(&req); err != nil {
			c.Status(400)
			return
		}
		art, _ := strconv.ParseInt(c.Param("article"), 10, 64)
		var id int64
		if err := pool.QueryRow(c, "create", project, art, label, user, req.Start, req.End, "x", time.Now().UTC()).Scan(&id); err != nil {
			c.String(500, err.Error())
			return
		}
		c.JSON(201, gin.H{"id": id})
	})
	r.GET("/read/:article/:part", func(c *gin.Context) {
		art, _ := strconv.ParseInt(c.Param("article"), 10, 64)
		var out any
		var err error
		if c.Param("part") == "0" {
			out, err = pgReadArticle(c, pool, art)
		} else {
			out, err = pgReadSpans(c, pool, art)
		}
		if err != nil {
			c.String(500, err.Error())
			return
		}
		c.JSON(200, out)
	})
	srv := &http.Server{Addr: addr, Handler: r}
	go srv.ListenAndServe()
	sig := make(chan os.Signal, 1)
	notifyInterrupt(sig)
	<-sig
	srv.Close()
}

type pgArticleRow struct {
	ID          int64      `json:"id"`
	ProjectID   int64      `json:"project_id"`
	ExternalID  *string    `json:"external_id"`
	URL         string     `json:"url"`
	Title       string     `json:"title"`
	Author      string     `json:"author"`
	PublishedAt *time.Time `json:"published_at"`
	Language    string     `json:"language"`
	Text        string     `json:"text"`
	Length      int        `json:"length"`
	Metadata    string     `json:"metadata"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

func pgReadArticle(ctx context.Context, pool *pgxpool.Pool, id int64) (*pgArticleRow, error) {
	var a pgArticleRow
	err := pool.QueryRow(ctx, `SELECT id, project_id, external_id, url, title, author, published_at, language, text, length, metadata, created_at, updated_at
		FROM articles WHERE id = $1`, id).Scan(&a.ID, &a.ProjectID, &a.ExternalID, &a.URL, &a.Title, &a.Author, &a.PublishedAt, &a.Language, &a.Text, &a.Length, &a.Metadata, &a.CreatedAt, &a.UpdatedAt)
	return &a, err
}

type pgSpanRow struct {
	ID         int64     `json:"id"`
	ArticleID  int64     `json:"article_id"`
	Label      string    `json:"label"`
	User       string    `json:"user"`
	Start      int       `json:"start"`
	End        int       `json:"end"`
	Quote      string    `json:"quote"`
	Note       string    `json:"note"`
	Attributes string    `json:"attributes"`
	Origin     string    `json:"origin"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

func pgReadSpans(ctx context.Context, pool *pgxpool.Pool, article int64) (map[string]any, error) {
	rows, err := pool.Query(ctx, `SELECT n.id, n.article_id, l.key, u.name, n.start, n."end", n.quote, n.note, n.attributes, n.origin, n.created_at, n.updated_at
		FROM annotations n JOIN labels l ON l.id = n.label_id JOIN users u ON u.id = n.user_id
		WHERE n.article_id = $1 ORDER BY n.start, n."end", n.id LIMIT 1000`, article)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	items := make([]pgSpanRow, 0, 1000)
	for rows.Next() {
		var s pgSpanRow
		if err := rows.Scan(&s.ID, &s.ArticleID, &s.Label, &s.User, &s.Start, &s.End, &s.Quote, &s.Note, &s.Attributes, &s.Origin, &s.CreatedAt, &s.UpdatedAt); err != nil {
			return nil, err
		}
		items = append(items, s)
	}
	return map[string]any{"items": items}, rows.Err()
}

// ---- the figures ----

// 1. Creating a span over HTTP at several concurrency levels.
func pgCreate(cfg Config, pg *pgServer, slantBin, self string, res *Results) error {
	rng := rand.New(rand.NewSource(1))
	text := articleText(rng, 3000)
	length := models.CodePointLen(text)
	mk := func(name string) (*fixture, string, int64, error) {
		fx, dsn, err := pg.fixture(name)
		if err != nil {
			return nil, "", 0, err
		}
		arts, err := fx.store.CreateArticles(context.Background(), fx.project, []models.ArticleIn{{Title: "bench", Text: text}})
		if err != nil {
			return nil, "", 0, err
		}
		return fx, dsn, arts[0].ID, fx.store.Close()
	}
	fx, dsn, artID, err := mk("create")
	if err != nil {
		return err
	}
	_, baseDSN, baseArt, err := mk("create_base")
	if err != nil {
		return err
	}
	slant, err := start(slantBin, "serve", "--db", dsn)
	if err != nil {
		return err
	}
	defer slant.stop()
	base, err := start(self, "baseline-server", "--db", baseDSN)
	if err != nil {
		return err
	}
	defer base.stop()
	var counter int64
	span := func() (int, int) {
		i := int(atomic.AddInt64(&counter, 1))
		width := 1 + i/(length-64)
		start := i % (length - 64)
		return start, start + min(width, 63)
	}
	for _, n := range cfg.Levels {
		s := load(n, cfg.Duration, func(w, i int) (int, error) {
			a, b := span()
			st, _, err := do("POST", fmt.Sprintf("%s/api/v1/articles/%d/annotations", slant.url, artID), fx.token,
				[]byte(fmt.Sprintf(`{"label":"opinion","start":%d,"end":%d}`, a, b)))
			return st, err
		})
		b := load(n, cfg.Duration, func(w, i int) (int, error) {
			a, bb := span()
			st, _, err := do("POST", fmt.Sprintf("%s/create/%d", base.url, baseArt), "", []byte(fmt.Sprintf(`{"label":"opinion","start":%d,"end":%d}`, a, bb)))
			return st, err
		})
		ratio := s.perSec / b.perSec
		pass := ratio >= 0.6 && s.errors == 0
		target := "≥ 0.60, 0 errors"
		if n == 32 {
			pass = pass && s.p99 < 50*time.Millisecond
			target = "≥ 0.60, p99 < 50 ms, 0 errors"
		}
		var notes []string
		if s.errors > 0 {
			notes = append(notes, fmt.Sprintf("slant: %d errors, first: %s", s.errors, s.firstError))
		}
		if b.errors > 0 {
			notes = append(notes, fmt.Sprintf("baseline: %d errors, first: %s", b.errors, b.firstError))
		}
		res.add(Row{Figure: fmt.Sprintf("1. create span, %d client(s)", n),
			Slant:    fmt.Sprintf("%s, p50 %s, p99 %s", fmtRate(s.perSec, "req/s"), ms(s.p50), ms(s.p99)),
			Baseline: fmt.Sprintf("%s, p50 %s, p99 %s (prepared INSERT)", fmtRate(b.perSec, "req/s"), ms(b.p50), ms(b.p99)),
			Ratio:    ratio, Target: target, Pass: pass, Note: strings.Join(notes, "; ")})
	}
	return nil
}

// 2. Reading an article with its spans vs a plain SELECT of the same rows.
func pgRead(cfg Config, pg *pgServer, slantBin, self string, res *Results) error {
	rng := rand.New(rand.NewSource(2))
	fx, dsn, err := pg.fixture("read")
	if err != nil {
		return err
	}
	ctx := context.Background()
	text := articleText(rng, 20000)
	arts, err := fx.store.CreateArticles(ctx, fx.project, []models.ArticleIn{{Title: "long", Text: text}})
	if err != nil {
		return err
	}
	art := arts[0].ID
	length := models.CodePointLen(text)
	spans := make([]models.BulkSpan, cfg.ReadSpans)
	for i := range spans {
		s := rng.Intn(length - 100)
		spans[i] = models.BulkSpan{ArticleID: art, Label: []string{"opinion", "attributed_claim", "state_media_framing"}[i%3], Start: s, End: s + 1 + rng.Intn(90)}
	}
	if _, err := fx.store.BulkCreateAnnotations(ctx, fx.project, fx.userID, spans, true); err != nil {
		return err
	}
	fx.store.Close()
	slant, err := start(slantBin, "serve", "--db", dsn)
	if err != nil {
		return err
	}
	defer slant.stop()
	// The baseline reads the same database.
	base, err := start(self, "baseline-server", "--db", dsn)
	if err != nil {
		return err
	}
	defer base.stop()
	urls := []string{fmt.Sprintf("%s/api/v1/articles/%d", slant.url, art), fmt.Sprintf("%s/api/v1/articles/%d/annotations?limit=1000", slant.url, art)}
	baseURLs := []string{fmt.Sprintf("%s/read/%d/0", base.url, art), fmt.Sprintf("%s/read/%d/1", base.url, art)}
	get := func(urls []string, token string) func(w, i int) (int, error) {
		return func(w, i int) (int, error) {
			for _, u := range urls {
				if st, _, err := do("GET", u, token, nil); err != nil || st != 200 {
					return st, err
				}
			}
			return 200, nil
		}
	}
	sizes := make([]int, 2)
	for i, u := range append(urls[1:], baseURLs[1]) {
		st, body, err := do("GET", u, fx.token, nil)
		if err != nil || st != 200 {
			return fmt.Errorf("read %s: %d %v %.200s", u, st, err, body)
		}
		sizes[i] = len(body)
	}
	n := 8
	s := load(n, cfg.Duration, get(urls, fx.token))
	b := load(n, cfg.Duration, get(baseURLs, ""))
	ratio := s.perSec / b.perSec
	res.add(Row{Figure: fmt.Sprintf("2. read article + %d spans, %d clients", cfg.ReadSpans, n),
		Slant: fmt.Sprintf("%s, p99 %s", fmtRate(s.perSec, "reads/s"), ms(s.p99)), Baseline: fmt.Sprintf("%s, p99 %s (SELECT + encoding/json)", fmtRate(b.perSec, "reads/s"), ms(b.p99)),
		Ratio: ratio, Target: "≥ 0.50", Pass: ratio >= 0.5 && s.errors == 0,
		Note: fmt.Sprintf("the baseline selects the article row and its spans (joined to label and user) on every read and encodes them with encoding/json (span list %d bytes, slant's %d); slant serves repeated reads from its cache after one stamp query", sizes[1], sizes[0])})
	return nil
}

// 3. Bulk pre-annotations vs COPY of the same rows.
func pgBulk(cfg Config, pg *pgServer, slantBin, self string, res *Results) error {
	fx, dsn, err := pg.fixture("bulk")
	if err != nil {
		return err
	}
	ctx := context.Background()
	run, err := runBulk(cfg, fx, dsn, slantBin)
	if err != nil {
		return err
	}
	ins, arts, all, created, slantRate := run.ins, run.arts, run.spans, run.created, run.slantRate

	// Baseline: the same rows by COPY, on a database with the same
	// articles: one COPY per request, each its own transaction, as the
	// pushes are; and, for the note, one COPY of every row.
	copySpans := func(name string, perCopy int) (int64, float64, error) {
		bfx, baseDSN, err := pg.fixture(name)
		if err != nil {
			return 0, 0, err
		}
		barts, err := bfx.store.CreateArticles(ctx, bfx.project, ins)
		if err != nil {
			return 0, 0, err
		}
		bfx.store.Close()
		artIDs := map[int64]int64{}
		texts := map[int64][]rune{}
		for i, a := range arts {
			artIDs[a.ID] = barts[i].ID
			texts[a.ID] = []rune(ins[i].Text)
		}
		conn, err := pgx.Connect(ctx, baseDSN)
		if err != nil {
			return 0, 0, err
		}
		defer conn.Close(ctx)
		var label int64
		if err := conn.QueryRow(ctx, `SELECT id FROM labels WHERE project_id = $1 AND key = 'opinion'`, bfx.project).Scan(&label); err != nil {
			return 0, 0, err
		}
		t1 := time.Now()
		// COPY has no ON CONFLICT: the duplicate extents slant refuses
		// are dropped in memory first, and the quote is cut from the
		// text as slant does.
		seen := make(map[bulkSpan]bool, len(all))
		now := time.Now().UTC()
		var copied int64
		for rest := all; len(rest) > 0; {
			batch := rest[:min(perCopy, len(rest))]
			rest = rest[len(batch):]
			rows := make([][]any, 0, len(batch))
			for _, s := range batch {
				if !seen[s] {
					seen[s] = true
					rows = append(rows, []any{bfx.project, artIDs[s.ArticleID], label, bfx.userID, s.Start, s.End, string(texts[s.ArticleID][s.Start:s.End]), "import", now, now})
				}
			}
			n, err := conn.CopyFrom(ctx, pgx.Identifier{"annotations"}, []string{"project_id", "article_id", "label_id", "user_id", "start", "end", "quote", "origin", "created_at", "updated_at"}, pgx.CopyFromRows(rows))
			if err != nil {
				return 0, 0, err
			}
			copied += n
		}
		return copied, float64(copied) / time.Since(t1).Seconds(), nil
	}
	n, baseRate, err := copySpans("bulk_base", cfg.BulkSpans)
	if err != nil {
		return err
	}
	_, oneRate, err := copySpans("bulk_one", len(all))
	if err != nil {
		return err
	}
	ratio := slantRate / baseRate
	res.add(Row{Figure: fmt.Sprintf("3. bulk pre-annotations (%d × %d spans)", cfg.BulkReqs, cfg.BulkSpans),
		Slant: fmtRate(slantRate, "spans/s"), Baseline: fmtRate(baseRate, "spans/s") + fmt.Sprintf(" (%d COPYs)", cfg.BulkReqs), Ratio: ratio,
		Target: "≥ 0.35 and ≥ 100k spans/s", Pass: ratio >= 0.35 && slantRate >= 100_000,
		Note: fmt.Sprintf("slant created %d of %d spans, COPY wrote %d (duplicate extents refused as 409s by slant, dropped in memory before COPY); one COPY of all %d rows in one transaction: %s", created, len(all), n, len(all), fmtRate(oneRate, "spans/s"))})
	return nil
}

// 4. Exporting many spans as CSV and JSONL vs encoding/csv over a plain
// SELECT of the same join.
func pgExport(cfg Config, pg *pgServer, slantBin, self string, res *Results) error {
	rng := rand.New(rand.NewSource(4))
	fx, dsn, err := pg.fixture("export")
	if err != nil {
		return err
	}
	ctx := context.Background()
	per := cfg.ExportSpans / cfg.ExportArts
	fmt.Fprintf(os.Stderr, "  generating %d spans in %d articles...\n", cfg.ExportSpans, cfg.ExportArts)
	for a := 0; a < cfg.ExportArts; a++ {
		text := articleText(rng, 1500)
		arts, err := fx.store.CreateArticles(ctx, fx.project, []models.ArticleIn{{Title: fmt.Sprint("a", a), Text: text, URL: "https://news.example.org/" + strconv.Itoa(a)}})
		if err != nil {
			return err
		}
		n := models.CodePointLen(text)
		spans := make([]models.BulkSpan, 0, per)
		seen := map[[2]int]bool{}
		for len(spans) < per {
			s := rng.Intn(n - 60)
			e := s + 1 + rng.Intn(50)
			if seen[[2]int{s, e}] {
				continue
			}
			seen[[2]int{s, e}] = true
			spans = append(spans, models.BulkSpan{ArticleID: arts[0].ID, Label: "opinion", Start: s, End: e, Note: "n", Attributes: models.JSONMap{"speaker": "S"}})
		}
		for len(spans) > 0 {
			k := min(len(spans), models.MaxBulk)
			if _, err := fx.store.BulkCreateAnnotations(ctx, fx.project, fx.userID, spans[:k], false); err != nil {
				return err
			}
			spans = spans[k:]
		}
	}
	fx.store.Close()
	if err := pgVacuum(dsn); err != nil { // as autovacuum would have by the time anyone exports
		return err
	}

	baseRate, err := pgBaselineExport(dsn, fx.project)
	if err != nil {
		return err
	}
	return exportFigure(cfg, slantBin, dsn, fx.project, fx.token, baseRate, "SELECT + encoding/csv", res)
}

// pgBaselineExport is baselineExport through pgx: the same join, the
// article text once per article for the context columns, to io.Discard.
func pgBaselineExport(dsn string, project int64) (float64, error) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	texts, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return 0, err
	}
	defer texts.Close(ctx)
	t0 := time.Now()
	rows, err := conn.Query(ctx, `SELECT n.id, p.name, a.id, a.external_id, a.title, a.url, a.published_at, s.domain, s.name, s.country, s.ownership,
		l.key, n.start, n."end", n.quote, n.note, n.attributes, u.name, n.origin, n.created_at, n.updated_at
		FROM annotations n JOIN articles a ON a.id = n.article_id JOIN labels l ON l.id = n.label_id JOIN users u ON u.id = n.user_id
		JOIN projects p ON p.id = n.project_id LEFT JOIN sources s ON s.id = a.source_id
		WHERE n.project_id = $1 ORDER BY n.article_id, n.start, n."end", n.id`, project)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	w := csv.NewWriter(io.Discard)
	n := 0
	var ix *models.SpanIndex
	lastArt := int64(-1)
	str := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	for rows.Next() {
		var id, art int64
		var start, end int
		var ext, dom, sname, country, own *string
		var pub *time.Time
		var created, updated time.Time
		var proj, title, url, label, quote, note, attrs, user, origin string
		if err := rows.Scan(&id, &proj, &art, &ext, &title, &url, &pub, &dom, &sname, &country, &own, &label, &start, &end, &quote, &note, &attrs, &user, &origin, &created, &updated); err != nil {
			return 0, err
		}
		if art != lastArt { // the article text, once per article, as slant does
			var text string
			if err := texts.QueryRow(ctx, "SELECT text FROM articles WHERE id = $1", art).Scan(&text); err != nil {
				return 0, err
			}
			ix, lastArt = models.NewSpanIndex(text), art
		}
		published := ""
		if pub != nil {
			published = pub.UTC().Format(time.RFC3339Nano)
		}
		before, after := ix.Context(start, end, models.ContextChars)
		w.Write([]string{strconv.FormatInt(id, 10), proj, strconv.FormatInt(art, 10), str(ext), title, url, published, str(dom), str(sname),
			str(country), str(own), label, strconv.Itoa(start), strconv.Itoa(end), quote, before, after, note, "", attrs, user, origin,
			created.UTC().Format(time.RFC3339Nano), updated.UTC().Format(time.RFC3339Nano)})
		n++
	}
	w.Flush()
	return float64(n) / time.Since(t0).Seconds(), rows.Err()
}

// 5. Importing JSONL articles over HTTP vs decode + COPY.
func pgImport(cfg Config, pg *pgServer, slantBin, self string, res *Results) error {
	rng := rand.New(rand.NewSource(5))
	fx, dsn, err := pg.fixture("import")
	if err != nil {
		return err
	}
	fx.store.Close()
	_, body := importCorpus(rng, cfg.ImportArts)
	slant, err := start(slantBin, "serve", "--db", dsn)
	if err != nil {
		return err
	}
	t0 := time.Now()
	st, out, err := do("POST", fmt.Sprintf("%s/api/v1/projects/%d/import?format=jsonl", slant.url, fx.project), fx.token, body.Bytes())
	elapsed := time.Since(t0)
	rss := slant.peakRSS()
	slant.stop()
	if err != nil || st != 200 {
		return fmt.Errorf("import: %d %v %.300s", st, err, out)
	}
	var rep struct {
		ArticlesCreated int `json:"articles_created"`
	}
	json.Unmarshal(out, &rep)
	rate := float64(rep.ArticlesCreated) / elapsed.Seconds()

	bfx, baseDSN, err := pg.fixture("import_base")
	if err != nil {
		return err
	}
	bfx.store.Close()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, baseDSN)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	raw := body.Bytes()
	t1 := time.Now()
	now := time.Now().UTC()
	dec := json.NewDecoder(strings.NewReader(string(raw))) // decode like an importer must
	var rows [][]any
	for {
		var a importArt
		if err := dec.Decode(&a); err == io.EOF {
			break
		} else if err != nil {
			return err
		}
		rows = append(rows, []any{bfx.project, a.ExternalID, a.URL, a.Title, a.Text, "", 0, now, now})
	}
	n, err := conn.CopyFrom(ctx, pgx.Identifier{"articles"}, []string{"project_id", "external_id", "url", "title", "text", "text_sha256", "length", "created_at", "updated_at"}, pgx.CopyFromRows(rows))
	if err != nil {
		return err
	}
	baseRate := float64(n) / time.Since(t1).Seconds()
	res.add(Row{Figure: fmt.Sprintf("5. import %d JSONL articles (%.0f MB)", cfg.ImportArts, float64(body.Len())/1e6),
		Slant:    fmt.Sprintf("%s, peak RSS %.0f MiB", fmtRate(rate, "articles/s"), rss),
		Baseline: fmtRate(baseRate, "articles/s") + " (decode + COPY)", Ratio: rate / baseRate,
		Target: "measured (no target set)", Pass: rep.ArticlesCreated == cfg.ImportArts && int(n) == cfg.ImportArts,
		Note: "slant also hashes the text, counts code points, links outlets by registrable domain, dedupes by external id, URL and text hash, and publishes the import at the end; both fill the search index (the articles trigger)"})
	return nil
}

// pgVacuum runs VACUUM ANALYZE on a database (outside a transaction, so
// by the simple protocol).
func pgVacuum(dsn string) error {
	ctx := context.Background()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return err
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	_, err = c.Exec(ctx, `VACUUM ANALYZE`)
	return err
}

// runPostgres runs figures 1–5 on the server at serverURL and emits the
// table, or says that they were skipped.
func runPostgres(cfg Config, slantBin, serverURL, out string) {
	if serverURL == "" {
		fmt.Fprintf(os.Stderr, "bench: PostgreSQL figures skipped: no server given (set %s or SLANT_TEST_POSTGRES to a postgres:// URL of a role that may create databases, or pass -postgres URL)\n", PostgresEnv)
		return
	}
	only := cfg.Only
	if only != nil { // figures past 5 have no PostgreSQL version
		cfg.Only = map[string]bool{}
		for _, step := range []string{"create", "read", "bulk", "export", "import"} {
			cfg.Only[step] = only[step]
		}
	}
	res, err := RunPostgres(cfg, slantBin, serverURL)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	if len(res.Rows) > 0 {
		emit(PostgresMarkdown(res), out)
	}
}
