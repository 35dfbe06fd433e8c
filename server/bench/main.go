// Command bench measures slant against baselines built from its own stack,
// in the same run, and appends the table to BENCHMARKS.md.
//
//	go run -tags sqlite_fts5 ./server/bench [-quick] [-out BENCHMARKS.md]
//
// Every figure is a ratio against a baseline measured on the same machine
// in the same run (these machines are shared and noisy), with the absolute
// numbers beside it. Scale data is generated here from a fixed seed.
package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"
	_ "github.com/mattn/go-sqlite3"

	"slant/models"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "baseline-server" {
		baselineServer(os.Args[2:])
		return
	}
	quick := flag.Bool("quick", false, "tiny sizes and durations (used by the test that keeps this code compiling and working)")
	out := flag.String("out", "BENCHMARKS.md", "append the results to this file (empty: stdout only)")
	slantBin := flag.String("slant", "bin/slant", "the slant binary to measure")
	only := flag.String("only", "", "run only these steps (comma-separated: create, read, bulk, export, import, import-saves, browser, scale, agreement, search, suggest; or figure numbers 1, 2, 3, 4, 5, 5b, 6, 7, 8, 9, 10)")
	pgURL := flag.String("postgres", postgresURL(), "also run figures 1–5 on this PostgreSQL server (default: $SLANT_BENCH_POSTGRES, else $SLANT_TEST_POSTGRES)")
	pgOnly := flag.Bool("postgres-only", false, "run only the PostgreSQL figures")
	flag.Parse()
	cfg := fullConfig
	if *quick {
		cfg = quickConfig
	}
	if *only != "" {
		cfg.Only = map[string]bool{}
		figures := map[string]string{"1": "create", "2": "read", "3": "bulk", "4": "export", "5": "import", "5b": "import-saves", "6": "browser", "7": "scale", "8": "agreement", "9": "search", "10": "suggest"}
		for _, name := range strings.Split(*only, ",") {
			name = strings.TrimSpace(name)
			if step, ok := figures[name]; ok {
				name = step
			}
			cfg.Only[name] = true
		}
	}
	if !*pgOnly {
		res, err := Run(cfg, *slantBin)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		emit(res.Markdown(), *out)
	}
	runPostgres(cfg, *slantBin, *pgURL, *out)
}

// emit prints a table and appends it to out (if not empty).
func emit(table, out string) {
	fmt.Print(table)
	if out != "" {
		f, err := os.OpenFile(out, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		defer f.Close()
		f.WriteString("\n" + table)
	}
}

// Config sets the sizes of one run.
type Config struct {
	Duration    time.Duration // per concurrency level
	Levels      []int
	ReadSpans   int
	BulkSpans   int // per bulk request
	BulkReqs    int
	ExportSpans int
	ExportArts  int
	ImportArts  int
	Browser     bool            // run the headless-Chromium measurement (needs /usr/bin/chromium)
	Only        map[string]bool // step names to run (nil: all)
}

var fullConfig = Config{Duration: 4 * time.Second, Levels: []int{1, 8, 32}, ReadSpans: 1000, BulkSpans: 10000, BulkReqs: 10, ExportSpans: 1_000_000, ExportArts: 1000, ImportArts: 10_000, Browser: true}
var quickConfig = Config{Duration: 300 * time.Millisecond, Levels: []int{1, 4}, ReadSpans: 50, BulkSpans: 500, BulkReqs: 2, ExportSpans: 2000, ExportArts: 10, ImportArts: 200}

// Row is one line of the results table.
type Row struct {
	Figure   string
	Slant    string
	Baseline string
	Ratio    float64
	Target   string
	Pass     bool
	Note     string
}

// Results is a whole run.
type Results struct {
	When    time.Time
	Commit  string
	Machine string
	Rows    []Row
}

func (r *Results) add(row Row) {
	r.Rows = append(r.Rows, row)
	fmt.Fprintf(os.Stderr, "  %-48s slant %-22s baseline %-22s ratio %.2f\n", row.Figure, row.Slant, row.Baseline, row.Ratio)
}

// Markdown renders the table with its context.
func (r *Results) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "## %s — commit %s\n\nMachine: %s\n\n", r.When.UTC().Format("2006-01-02 15:04 UTC"), r.Commit, r.Machine)
	b.WriteString("| figure | slant | baseline | ratio | target | pass |\n|---|---|---|---|---|---|\n")
	for _, row := range r.Rows {
		pass := "yes"
		if !row.Pass {
			pass = "**no**"
		}
		ratio := fmt.Sprintf("%.2f", row.Ratio)
		if row.Ratio == 0 {
			ratio = "—"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", row.Figure, row.Slant, row.Baseline, ratio, row.Target, pass)
	}
	for _, row := range r.Rows {
		if row.Note != "" {
			fmt.Fprintf(&b, "\n- %s: %s", row.Figure, row.Note)
		}
	}
	b.WriteString("\n")
	return b.String()
}

func machine() string {
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		line := strings.SplitN(string(b), "\n", 2)[0]
		f := strings.Fields(line)
		if len(f) >= 2 {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			mem = fmt.Sprintf(", %.1f GiB RAM", float64(kb)/(1<<20))
		}
	}
	cpu := ""
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				cpu = strings.TrimSpace(strings.SplitN(l, ":", 2)[1]) + ", "
				break
			}
		}
	}
	return fmt.Sprintf("%s%d cores%s, %s/%s, %s", cpu, runtime.NumCPU(), mem, runtime.GOOS, runtime.GOARCH, runtime.Version())
}

func gitCommit() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}

// ---- processes ----

type proc struct {
	cmd *exec.Cmd
	url string
	log *bytes.Buffer
}

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func start(bin string, args ...string) (*proc, error) {
	addr := freeAddr()
	p := &proc{url: "http://" + addr, log: &bytes.Buffer{}}
	p.cmd = exec.Command(bin, append(args, "--addr", addr)...)
	p.cmd.Stderr = p.log
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	for i := 0; i < 400; i++ {
		if res, err := http.Get(p.url + "/api/v1/health"); err == nil {
			res.Body.Close()
			return p, nil
		}
		time.Sleep(25 * time.Millisecond)
	}
	p.stop()
	return nil, fmt.Errorf("%s did not start: %s", bin, p.log)
}

func (p *proc) stop() {
	p.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-done
	}
}

// peakRSS is the process's high-water resident set (VmHWM) in MiB.
func (p *proc) peakRSS() float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			kb, _ := strconv.ParseFloat(strings.Fields(l)[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// ---- load generation ----

type loadResult struct {
	ops        int64
	errors     int64
	perSec     float64
	p50, p99   time.Duration
	firstError string
}

var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}}

// load runs fn from n goroutines for d and reports throughput and latency.
func load(n int, d time.Duration, fn func(worker, i int) (int, error)) loadResult {
	var res loadResult
	var mu sync.Mutex
	var lat []time.Duration
	var firstErr atomic.Value
	deadline := time.Now().Add(d)
	begin := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < n; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			local := make([]time.Duration, 0, 4096)
			for i := 0; time.Now().Before(deadline); i++ {
				t0 := time.Now()
				status, err := fn(w, i)
				local = append(local, time.Since(t0))
				if err != nil || status >= 300 {
					atomic.AddInt64(&res.errors, 1)
					if err == nil {
						err = fmt.Errorf("status %d", status)
					}
					firstErr.CompareAndSwap(nil, err.Error())
				}
			}
			mu.Lock()
			lat = append(lat, local...)
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(begin)
	res.ops = int64(len(lat))
	res.perSec = float64(res.ops) / elapsed.Seconds()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) > 0 {
		res.p50, res.p99 = lat[len(lat)/2], lat[min(len(lat)-1, len(lat)*99/100)]
	}
	if v := firstErr.Load(); v != nil {
		res.firstError = v.(string)
	}
	return res
}

func do(method, url, token string, body []byte) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

// ---- data ----

var words = strings.Fields("the ministry said officials claimed grid energy harbour deal critics warned state media reported “stability” — 📈 Ødegård عربي prices rose fell council vote terminal plant")

func articleText(rng *rand.Rand, nWords int) string {
	var b strings.Builder
	for i := 0; i < nWords; i++ {
		if i > 0 {
			if i%40 == 0 {
				b.WriteString(".\r\n\r\n")
			} else {
				b.WriteByte(' ')
			}
		}
		b.WriteString(words[rng.Intn(len(words))])
	}
	b.WriteByte('.')
	return b.String()
}

type fixture struct {
	store   *models.Store
	token   string
	project int64
	userID  int64
}

func newFixture(db string) (*fixture, error) {
	store, err := models.Open(db)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	u, err := store.CreateUser(ctx, "bench", models.RoleAdmin, "bench-password")
	if err != nil {
		return nil, err
	}
	_, tok, err := store.CreateToken(ctx, u.ID, "bench")
	if err != nil {
		return nil, err
	}
	p := &models.Project{Name: "bench"}
	if err := store.CreateProject(ctx, p, nil); err != nil {
		return nil, err
	}
	return &fixture{store: store, token: tok, project: p.ID, userID: u.ID}, nil
}

// ---- the baseline server: bare gin on the same kind of database ----

// baselineServer serves the baselines: POST /create inserts the row a
// span create would insert, with one prepared statement and no auth,
// validation or quote check; GET /bytes/{n} returns pre-recorded bytes.
func baselineServer(args []string) {
	fs := flag.NewFlagSet("baseline", flag.ExitOnError)
	db := fs.String("db", "", "database")
	addr := fs.String("addr", "", "address")
	files := fs.String("bytes", "", "comma-separated files to serve at /bytes/0, /bytes/1, ...")
	fs.Parse(args)
	if isPostgres(*db) {
		pgBaselineServer(*db, *addr) // postgres.go
		return
	}
	w, err := sql.Open("sqlite3", models.DSN(*db, true))
	if err != nil {
		panic(err)
	}
	w.SetMaxOpenConns(1)
	stmt, err := w.Prepare(`INSERT INTO annotations (project_id, article_id, label_id, user_id, start, "end", quote, note, attributes, origin, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, '', '{}', 'human', ?, ?)`)
	if err != nil {
		panic(err)
	}
	var blobs [][]byte
	for _, f := range strings.Split(*files, ",") {
		if f != "" {
			b, _ := os.ReadFile(f)
			blobs = append(blobs, b)
		}
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
		now := time.Now().UTC()
		res, err := stmt.Exec(1, art, 1, 1, req.Start, req.End, "x", now, now)
		if err != nil {
			c.String(500, err.Error())
			return
		}
		id, _ := res.LastInsertId()
		c.JSON(201, gin.H{"id": id})
	})
	r.GET("/bytes/:n", func(c *gin.Context) {
		n, _ := strconv.Atoi(c.Param("n"))
		c.Data(200, "application/json", blobs[n])
	})
	srv := &http.Server{Addr: *addr, Handler: r}
	go srv.ListenAndServe()
	sig := make(chan os.Signal, 1)
	notifyInterrupt(sig)
	<-sig
	srv.Close()
	w.Close()
}

// ---- the run ----

// Run executes every measurement and returns the table.
func Run(cfg Config, slantBin string) (*Results, error) {
	dir, err := os.MkdirTemp("", "slant-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	res := &Results{When: time.Now(), Commit: gitCommit(), Machine: machine()}
	steps := []struct {
		name string
		run  func(Config, string, string, string, *Results) error
	}{{"create", benchCreate}, {"read", benchRead}, {"bulk", benchBulk}, {"export", benchExport}, {"import", benchImport},
		{"import-saves", benchImportSaves}, {"browser", benchBrowser}, {"scale", benchScale}, {"agreement", benchAgreement}, {"search", benchSearch}, {"suggest", benchSuggest}}
	for _, step := range steps {
		if cfg.Only != nil && !cfg.Only[step.name] {
			continue
		}
		if err := step.run(cfg, dir, slantBin, self, res); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func fmtRate(v float64, unit string) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2fM %s", v/1e6, unit)
	case v >= 1e4:
		return fmt.Sprintf("%.0fk %s", v/1e3, unit)
	default:
		return fmt.Sprintf("%.0f %s", v, unit)
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// 1. Creating a span over HTTP at several concurrency levels.
func benchCreate(cfg Config, dir, slantBin, self string, res *Results) error {
	rng := rand.New(rand.NewSource(1))
	text := articleText(rng, 3000)
	length := models.CodePointLen(text)
	mk := func(name string) (*fixture, int64, error) {
		fx, err := newFixture(filepath.Join(dir, name))
		if err != nil {
			return nil, 0, err
		}
		arts, err := fx.store.CreateArticles(context.Background(), fx.project, []models.ArticleIn{{Title: "bench", Text: text}})
		if err != nil {
			return nil, 0, err
		}
		return fx, arts[0].ID, fx.store.Close()
	}
	fx, artID, err := mk("create.db")
	if err != nil {
		return err
	}
	_, baseArt, err := mk("create-base.db")
	if err != nil {
		return err
	}
	slant, err := start(slantBin, "serve", "--db", filepath.Join(dir, "create.db"))
	if err != nil {
		return err
	}
	defer slant.stop()
	base, err := start(self, "baseline-server", "--db", filepath.Join(dir, "create-base.db"))
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
		note := ""
		if s.errors > 0 {
			note = fmt.Sprintf("%d errors, first: %s", s.errors, s.firstError)
		}
		res.add(Row{Figure: fmt.Sprintf("1. create span, %d client(s)", n),
			Slant:    fmt.Sprintf("%s, p50 %s, p99 %s", fmtRate(s.perSec, "req/s"), ms(s.p50), ms(s.p99)),
			Baseline: fmt.Sprintf("%s, p50 %s, p99 %s", fmtRate(b.perSec, "req/s"), ms(b.p50), ms(b.p99)),
			Ratio:    ratio, Target: target, Pass: pass, Note: note})
	}
	return nil
}

// 2. Reading an article with its spans vs serving the same bytes.
func benchRead(cfg Config, dir, slantBin, self string, res *Results) error {
	rng := rand.New(rand.NewSource(2))
	db := filepath.Join(dir, "read.db")
	fx, err := newFixture(db)
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
	slant, err := start(slantBin, "serve", "--db", db)
	if err != nil {
		return err
	}
	defer slant.stop()
	// Record slant's own responses; the baseline serves those bytes.
	urls := []string{fmt.Sprintf("%s/api/v1/articles/%d", slant.url, art), fmt.Sprintf("%s/api/v1/articles/%d/annotations?limit=1000", slant.url, art)}
	var files []string
	for i, u := range urls {
		st, body, err := do("GET", u, fx.token, nil)
		if err != nil || st != 200 {
			return fmt.Errorf("read %s: %d %v", u, st, err)
		}
		f := filepath.Join(dir, fmt.Sprintf("read-%d.json", i))
		os.WriteFile(f, body, 0o644)
		files = append(files, f)
	}
	base, err := start(self, "baseline-server", "--db", db, "--bytes", strings.Join(files, ","))
	if err != nil {
		return err
	}
	defer base.stop()
	n := 8
	s := load(n, cfg.Duration, func(w, i int) (int, error) {
		for _, u := range urls {
			if st, _, err := do("GET", u, fx.token, nil); err != nil || st != 200 {
				return st, err
			}
		}
		return 200, nil
	})
	b := load(n, cfg.Duration, func(w, i int) (int, error) {
		for j := range urls {
			if st, _, err := do("GET", fmt.Sprintf("%s/bytes/%d", base.url, j), "", nil); err != nil || st != 200 {
				return st, err
			}
		}
		return 200, nil
	})
	ratio := s.perSec / b.perSec
	res.add(Row{Figure: fmt.Sprintf("2. read article + %d spans, %d clients", cfg.ReadSpans, n),
		Slant: fmt.Sprintf("%s, p99 %s", fmtRate(s.perSec, "reads/s"), ms(s.p99)), Baseline: fmt.Sprintf("%s, p99 %s", fmtRate(b.perSec, "reads/s"), ms(b.p99)),
		Ratio: ratio, Target: "≥ 0.50", Pass: ratio >= 0.5 && s.errors == 0})
	return nil
}

// 3. Bulk pre-annotations vs a prepared-statement insert in one transaction.
func benchBulk(cfg Config, dir, slantBin, self string, res *Results) error {
	db := filepath.Join(dir, "bulk.db")
	fx, err := newFixture(db)
	if err != nil {
		return err
	}
	ctx := context.Background()
	run, err := runBulk(cfg, fx, db, slantBin)
	if err != nil {
		return err
	}
	ins, all, created, slantRate := run.ins, run.spans, run.created, run.slantRate

	// Baseline: the same rows through one prepared statement in one transaction.
	base := filepath.Join(dir, "bulk-base.db")
	bfx, err := newFixture(base)
	if err != nil {
		return err
	}
	bfx.store.CreateArticles(ctx, bfx.project, ins)
	bfx.store.Close()
	w, err := sql.Open("sqlite3", models.DSN(base, true))
	if err != nil {
		return err
	}
	defer w.Close()
	t1 := time.Now()
	tx, err := w.Begin()
	if err != nil {
		return err
	}
	// OR IGNORE: the same duplicate extents slant refuses are skipped here.
	stmt, err := tx.Prepare(`INSERT OR IGNORE INTO annotations (project_id, article_id, label_id, user_id, start, "end", quote, note, attributes, origin, created_at, updated_at) VALUES (?, ?, 1, 1, ?, ?, ?, '', '{}', 'import', ?, ?)`)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	for _, s := range all {
		if _, err := stmt.Exec(1, s.ArticleID, s.Start, s.End, "quote", now, now); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	baseRate := float64(len(all)) / time.Since(t1).Seconds()
	ratio := slantRate / baseRate
	res.add(Row{Figure: fmt.Sprintf("3. bulk pre-annotations (%d × %d spans)", cfg.BulkReqs, cfg.BulkSpans),
		Slant: fmtRate(slantRate, "spans/s"), Baseline: fmtRate(baseRate, "spans/s"), Ratio: ratio,
		Target: "≥ 0.35 and ≥ 100k spans/s", Pass: ratio >= 0.35 && slantRate >= 100_000,
		Note: fmt.Sprintf("%d of %d spans created (the rest were duplicate extents, refused as 409s)", created, len(all))})
	return nil
}

// bulkSpan is one span of figure 3's pushes.
type bulkSpan struct {
	ArticleID int64  `json:"article_id"`
	Label     string `json:"label"`
	Start     int    `json:"start"`
	End       int    `json:"end"`
}

// bulkRun is figure 3's measured side, the same on either backend: 100
// articles stored through fx, then cfg.BulkReqs pushes of cfg.BulkSpans
// spans each to slant serve on db, one after another.
type bulkRun struct {
	ins       []models.ArticleIn
	arts      []models.Article
	spans     []bulkSpan // every pushed span, in push order
	created   int
	slantRate float64 // spans created per second
}

func runBulk(cfg Config, fx *fixture, db, slantBin string) (*bulkRun, error) {
	rng := rand.New(rand.NewSource(3))
	run := &bulkRun{}
	for i := 0; i < 100; i++ {
		run.ins = append(run.ins, models.ArticleIn{Title: fmt.Sprint(i), Text: articleText(rng, 2000)})
	}
	arts, err := fx.store.CreateArticles(context.Background(), fx.project, run.ins)
	if err != nil {
		return nil, err
	}
	run.arts = arts
	fx.store.Close()
	bodies := make([][]byte, cfg.BulkReqs)
	for r := range bodies {
		batch := make([]bulkSpan, cfg.BulkSpans)
		for i := range batch {
			a := arts[rng.Intn(len(arts))]
			s := rng.Intn(a.Length - 100)
			batch[i] = bulkSpan{a.ID, "opinion", s, s + 1 + (r*cfg.BulkSpans+i)%97}
		}
		run.spans = append(run.spans, batch...)
		bodies[r], _ = json.Marshal(batch)
	}
	slant, err := start(slantBin, "serve", "--db", db)
	if err != nil {
		return nil, err
	}
	defer slant.stop()
	t0 := time.Now()
	for _, b := range bodies {
		st, out, err := do("POST", fmt.Sprintf("%s/api/v1/projects/%d/annotations/bulk?partial=true", slant.url, fx.project), fx.token, b)
		if err != nil || st != 200 {
			return nil, fmt.Errorf("bulk: %d %v %.300s", st, err, out)
		}
		var r struct{ Created int }
		json.Unmarshal(out, &r)
		run.created += r.Created
	}
	run.slantRate = float64(run.created) / time.Since(t0).Seconds()
	return run, nil
}

// 4. Exporting many spans as CSV and JSONL: rows/s, first byte, peak RSS.
func benchExport(cfg Config, dir, slantBin, self string, res *Results) error {
	rng := rand.New(rand.NewSource(4))
	db := filepath.Join(dir, "export.db")
	fx, err := newFixture(db)
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

	// Baseline: encoding/csv writing the same query's rows (same joins and
	// columns, context computed the same way), in process, to io.Discard.
	baseRate, err := baselineExport(db, fx.project)
	if err != nil {
		return err
	}
	return exportFigure(cfg, slantBin, db, fx.project, fx.token, baseRate, "encoding/csv", res)
}

// exportFigure is figure 4's measured side on either backend: slant serve
// on db exports the project as CSV and as JSONL, request → last byte,
// against the baseline's rate (baseName says what the baseline did).
func exportFigure(cfg Config, slantBin, db string, project int64, token string, baseRate float64, baseName string, res *Results) error {
	for _, format := range []string{"csv", "jsonl"} {
		slant, err := start(slantBin, "serve", "--db", db)
		if err != nil {
			return err
		}
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/projects/%d/export?format=%s&raw=true", slant.url, project, format), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		t0 := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			slant.stop()
			return err
		}
		br := bufio.NewReaderSize(resp.Body, 1<<20)
		if _, err := br.Peek(1); err != nil {
			slant.stop()
			return err
		}
		ttfb := time.Since(t0)
		lines := 0
		for {
			_, err := br.ReadSlice('\n')
			if err == bufio.ErrBufferFull {
				continue
			}
			if err != nil {
				break
			}
			lines++
		}
		resp.Body.Close()
		total := time.Since(t0)
		rss := slant.peakRSS()
		slant.stop()
		rows := cfg.ExportSpans
		rate := float64(rows) / total.Seconds()
		ratio := rate / baseRate
		res.add(Row{Figure: fmt.Sprintf("4. export %d spans as %s", rows, format),
			Slant:    fmt.Sprintf("%s, first byte %s, peak RSS %.0f MiB", fmtRate(rate, "rows/s"), ms(ttfb), rss),
			Baseline: fmtRate(baseRate, "rows/s") + " (" + baseName + ")", Ratio: ratio,
			Target: "≥ 0.50, RSS < 100 MiB, first byte < 200 ms", Pass: ratio >= 0.5 && rss < 100 && ttfb < 200*time.Millisecond,
			Note: fmt.Sprintf("%d lines received in %.1f s", lines, total.Seconds())})
	}
	return nil
}

func baselineExport(db string, project int64) (float64, error) {
	r, err := sql.Open("sqlite3", models.DSN(db, false))
	if err != nil {
		return 0, err
	}
	defer r.Close()
	t0 := time.Now()
	rows, err := r.Query(`SELECT n.id, p.name, a.id, a.external_id, a.title, a.url, a.published_at, s.domain, s.name, s.country, s.ownership,
		l.key, n.start, n."end", n.quote, n.note, n.attributes, u.name, n.origin, n.created_at, n.updated_at
		FROM annotations n JOIN articles a ON a.id = n.article_id JOIN labels l ON l.id = n.label_id JOIN users u ON u.id = n.user_id
		JOIN projects p ON p.id = n.project_id LEFT JOIN sources s ON s.id = a.source_id
		WHERE n.project_id = ? ORDER BY n.article_id, n.start, n."end", n.id`, project)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	w := csv.NewWriter(io.Discard)
	n := 0
	var ix *models.SpanIndex
	lastArt := int64(-1)
	for rows.Next() {
		var id, art int64
		var start, end int
		var ext, pub, dom, sname, country, own sql.NullString
		var proj, title, url, label, quote, note, attrs, user, origin, created, updated string
		if err := rows.Scan(&id, &proj, &art, &ext, &title, &url, &pub, &dom, &sname, &country, &own, &label, &start, &end, &quote, &note, &attrs, &user, &origin, &created, &updated); err != nil {
			return 0, err
		}
		if art != lastArt { // the article text, once per article, as slant does
			var text string
			if err := r.QueryRow("SELECT text FROM articles WHERE id = ?", art).Scan(&text); err != nil {
				return 0, err
			}
			ix, lastArt = models.NewSpanIndex(text), art
		}
		before, after := ix.Context(start, end, models.ContextChars)
		w.Write([]string{strconv.FormatInt(id, 10), proj, strconv.FormatInt(art, 10), ext.String, title, url, pub.String, dom.String, sname.String,
			country.String, own.String, label, strconv.Itoa(start), strconv.Itoa(end), quote, before, after, note, "", attrs, user, origin, created, updated})
		n++
	}
	w.Flush()
	return float64(n) / time.Since(t0).Seconds(), rows.Err()
}

func notifyInterrupt(c chan os.Signal) { signal.Notify(c, os.Interrupt, syscall.SIGTERM) }

// 5. Importing JSONL articles (~5 KB each) vs a prepared-statement insert.
// importArt is one article of the generated import corpus.
type importArt struct {
	ExternalID string `json:"external_id"`
	Title      string `json:"title"`
	URL        string `json:"url"`
	Text       string `json:"text"`
}

// importCorpus generates n articles of about 5 KB (750 words) over 50
// outlets, and the same as a JSONL body.
func importCorpus(rng *rand.Rand, n int) ([]importArt, *bytes.Buffer) {
	var body bytes.Buffer
	arts := make([]importArt, n)
	for i := range arts {
		arts[i] = importArt{fmt.Sprintf("imp-%d", i), fmt.Sprintf("Article %d", i), fmt.Sprintf("https://www.outlet%d.example.org/a/%d", i%50, i), articleText(rng, 750)}
		b, _ := json.Marshal(arts[i])
		body.Write(b)
		body.WriteByte('\n')
	}
	return arts, &body
}

func benchImport(cfg Config, dir, slantBin, self string, res *Results) error {
	rng := rand.New(rand.NewSource(5))
	db := filepath.Join(dir, "import.db")
	fx, err := newFixture(db)
	if err != nil {
		return err
	}
	fx.store.Close()
	arts, body := importCorpus(rng, cfg.ImportArts)
	slant, err := start(slantBin, "serve", "--db", db)
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

	base := filepath.Join(dir, "import-base.db")
	bfx, err := newFixture(base)
	if err != nil {
		return err
	}
	bfx.store.Close()
	w, err := sql.Open("sqlite3", models.DSN(base, true))
	if err != nil {
		return err
	}
	defer w.Close()
	t1 := time.Now()
	tx, err := w.Begin()
	if err != nil {
		return err
	}
	stmt, err := tx.Prepare(`INSERT INTO articles (project_id, external_id, url, title, text, text_sha256, length, metadata, created_at, updated_at)
		VALUES (1, ?, ?, ?, ?, '', 0, '{}', ?, ?)`)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	for _, a := range arts {
		var parsed importArt // decode like an importer must
		b, _ := json.Marshal(a)
		json.Unmarshal(b, &parsed)
		if _, err := stmt.Exec(parsed.ExternalID, parsed.URL, parsed.Title, parsed.Text, now, now); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	baseRate := float64(len(arts)) / time.Since(t1).Seconds()
	res.add(Row{Figure: fmt.Sprintf("5. import %d JSONL articles (%.0f MB)", cfg.ImportArts, float64(body.Len())/1e6),
		Slant:    fmt.Sprintf("%s, peak RSS %.0f MiB", fmtRate(rate, "articles/s"), rss),
		Baseline: fmtRate(baseRate, "articles/s") + " (decode + prepared insert)", Ratio: rate / baseRate,
		Target: "measured (no target set)", Pass: rep.ArticlesCreated == cfg.ImportArts,
		Note: "slant also hashes the text, counts code points, links outlets by registrable domain and dedupes by external id, URL and text hash"})
	return nil
}

// 5b. An annotator saving spans while an import runs: slant's chunked
// import against the same server importing in one transaction
// (--import-chunk -1ns), the design it replaced.
func benchImportSaves(cfg Config, dir, slantBin, self string, res *Results) error {
	rng := rand.New(rand.NewSource(6))
	_, body := importCorpus(rng, cfg.ImportArts)
	text := articleText(rng, 3000)
	length := models.CodePointLen(text)
	type run struct {
		rate          float64
		n             int
		p50, p99, max time.Duration
	}
	measure := func(name, chunk string) (run, error) {
		db := filepath.Join(dir, name)
		fx, err := newFixture(db)
		if err != nil {
			return run{}, err
		}
		arts, err := fx.store.CreateArticles(context.Background(), fx.project, []models.ArticleIn{{Title: "annotated", Text: text}})
		if err != nil {
			return run{}, err
		}
		fx.store.Close()
		slant, err := start(slantBin, "serve", "--db", db, "--import-chunk="+chunk)
		if err != nil {
			return run{}, err
		}
		defer slant.stop()
		done := make(chan struct{})
		var lat []time.Duration
		var saveErr error
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				a := i % (length - 64)
				t0 := time.Now()
				st, out, err := do("POST", fmt.Sprintf("%s/api/v1/articles/%d/annotations", slant.url, arts[0].ID), fx.token,
					[]byte(fmt.Sprintf(`{"label":"opinion","start":%d,"end":%d}`, a, a+1+i/(length-64))))
				lat = append(lat, time.Since(t0))
				if (err != nil || st != 201) && saveErr == nil {
					saveErr = fmt.Errorf("save during import: %d %v %.200s", st, err, out)
				}
				time.Sleep(2 * time.Millisecond)
			}
		}()
		time.Sleep(20 * time.Millisecond)
		t0 := time.Now()
		st, out, err := do("POST", fmt.Sprintf("%s/api/v1/projects/%d/import?format=jsonl", slant.url, fx.project), fx.token, body.Bytes())
		elapsed := time.Since(t0)
		close(done)
		wg.Wait()
		if err != nil || st != 200 {
			return run{}, fmt.Errorf("import: %d %v %.300s", st, err, out)
		}
		if saveErr != nil {
			return run{}, saveErr
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		r := run{rate: float64(cfg.ImportArts) / elapsed.Seconds(), n: len(lat)}
		if len(lat) > 0 {
			r.p50, r.p99, r.max = lat[len(lat)/2], lat[min(len(lat)-1, len(lat)*99/100)], lat[len(lat)-1]
		}
		return r, nil
	}
	chunked, err := measure("saves-chunked.db", models.ImportChunk.String())
	if err != nil {
		return err
	}
	single, err := measure("saves-single.db", "-1ns") // one transaction
	if err != nil {
		return err
	}
	ratio := float64(chunked.max) / float64(single.max)
	show := func(r run) string {
		return fmt.Sprintf("%d saves: p50 %s, p99 %s, max %s; import %s", r.n, ms(r.p50), ms(r.p99), ms(r.max), fmtRate(r.rate, "articles/s"))
	}
	res.add(Row{Figure: fmt.Sprintf("5b. saves during a %d-article import", cfg.ImportArts),
		Slant: show(chunked), Baseline: show(single) + " (one transaction)", Ratio: ratio,
		Target: "slowest save ≤ 0.10 of one transaction's", Pass: ratio <= 0.10,
		Note: fmt.Sprintf("ratio is the slowest save's wait; the chunked import runs at %.2f of the one-transaction import's rate", chunked.rate/single.rate)})
	return nil
}

// 6. The annotate view in headless Chromium, as the annotator feels it, on
// a 20,000-word article with 1,000 spans (frontend's BenchmarkAnnotateFelt,
// medians): a hotkey press → the new highlight painted (from the keydown
// event's timeStamp to the frame after it), and navigation → the text and
// its highlights painted. The baseline is the same browser on a static page
// holding the same text and spans (a key there toggles one class).
func benchBrowser(cfg Config, dir, slantBin, self string, res *Results) error {
	if !cfg.Browser {
		return nil
	}
	const keyFig, openFig = "6. browser: hotkey → highlight painted (20k words, 1,000 spans)", "6. browser: navigation → text and highlights painted"
	if _, err := os.Stat("/usr/bin/chromium"); err != nil {
		for _, f := range []string{keyFig, openFig} {
			res.add(Row{Figure: f, Slant: "not run", Baseline: "—", Target: "< 50 ms key, < 500 ms open", Note: "/usr/bin/chromium is not installed"})
		}
		return nil
	}
	out, err := exec.Command("go", "test", "-tags", "sqlite_fts5", "-run", "^$", "-bench", "BenchmarkAnnotateFelt", "-benchtime", "5x", "./frontend/").CombinedOutput()
	if err != nil {
		return fmt.Errorf("browser bench: %v\n%s", err, out)
	}
	m := map[string]float64{}
	for _, line := range strings.Split(string(out), "\n") {
		// Log lines can come between the benchmark's name and its figures.
		if !strings.Contains(line, "ms/key") {
			continue
		}
		f := strings.Fields(line)
		for i := 1; i < len(f); i++ {
			if strings.HasPrefix(f[i], "ms/") {
				m[f[i]], _ = strconv.ParseFloat(f[i-1], 64)
			}
		}
	}
	ratio := func(a, b float64) float64 {
		if b <= 0 {
			return 0
		}
		return a / b
	}
	key, keyBase, open, openBase := m["ms/key"], m["ms/key-base"], m["ms/open"], m["ms/open-base"]
	res.add(Row{Figure: keyFig, Slant: fmt.Sprintf("%.1f ms", key), Baseline: fmt.Sprintf("%.1f ms (static page, one class toggled)", keyBase),
		Ratio: ratio(key, keyBase), Target: "< 50 ms", Pass: key > 0 && key < 50,
		Note: "median of 25 presses over 5 opens, from the keydown event's timeStamp to the frame painted after it (requestAnimationFrame, then a message); ratio is slant / baseline, lower is better"})
	res.add(Row{Figure: openFig, Slant: fmt.Sprintf("%.0f ms", open), Baseline: fmt.Sprintf("%.0f ms (static HTML, same text and spans)", openBase),
		Ratio: ratio(open, openBase), Target: "< 500 ms", Pass: open > 0 && open < 500,
		Note: "median of 5 loads of the article's address (modules, session, article, project and spans fetched, text and highlights drawn) to the frame painted after it, the span list beside the text being filled after that frame; ratio is slant / baseline, lower is better"})
	return nil
}
