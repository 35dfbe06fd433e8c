package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"slant/models"
	"slant/models/modelstest"
)

// Two `slant serve` on one PostgreSQL database: a session made on one
// works on the other; an import through one is hidden from both until it
// is published, then visible on both; 32 clients save spans through both
// while one is killed with SIGKILL in the middle of another import, and
// every acknowledged save is there exactly once; the dead server's import
// is taken over through the other.
func TestTwoServersShareOnePostgres(t *testing.T) {
	if !modelstest.Postgres() {
		t.Skip("several servers share a PostgreSQL database only: set " + modelstest.PostgresEnv + " to run this test")
	}
	dsn := modelstest.NewDSN(t)
	a := startServe(t, dsn)
	b := startServe(t, dsn)
	ctx := context.Background()

	// project, users and tokens straight through the store (a third
	// process on the same database, as `slant user add` would be)
	store, err := models.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	admin, err := store.CreateUser(ctx, "admin", models.RoleAdmin, "admin-password")
	if err != nil {
		t.Fatal(err)
	}
	proj := &models.Project{Name: "two servers"}
	if err := store.CreateProject(ctx, proj, []models.Label{{Key: "opinion", Name: "Opinion"}, {Key: "attributed_claim", Name: "Attributed claim"}}); err != nil {
		t.Fatal(err)
	}
	if proj.ID != 1 {
		t.Fatalf("the project got id %d, want 1", proj.ID)
	}
	ext := "long-1"
	arts, err := store.CreateArticles(ctx, 1, []models.ArticleIn{{ExternalID: &ext, Title: "Long dispatch",
		Text: strings.Repeat("The harbour authority said the ferries run. ", 40)}})
	if err != nil {
		t.Fatal(err)
	}
	spansURL := fmt.Sprintf("/articles/%d/annotations", arts[0].ID)
	_, adminToken, err := store.CreateToken(ctx, admin.ID, "multiserver")
	if err != nil {
		t.Fatal(err)
	}
	const clients = 32
	tokens := make([]string, clients)
	for i := range tokens {
		u, err := store.CreateUser(ctx, fmt.Sprintf("load%02d", i), models.RoleAnnotator, "load-password-"+fmt.Sprint(i))
		if err != nil {
			t.Fatal(err)
		}
		if _, tokens[i], err = store.CreateToken(ctx, u.ID, "load"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := store.CreateUser(ctx, "roaming", models.RoleAnnotator, "roaming-password"); err != nil {
		t.Fatal(err)
	}
	modelstest.JoinAll(t, store, 1)
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()

	// 1. a session (cookie login) made on a works on b, for reads and writes
	sess := login(t, a.url, "roaming", "roaming-password")
	if st := sess.do(t, b.url, "GET", "/me", ""); st != 200 {
		t.Fatalf("a's session on b: GET /me %d", st)
	}
	if st := sess.do(t, b.url, "POST", spansURL, `{"label":"attributed_claim","start":0,"end":5,"note":"roaming"}`); st != 201 {
		t.Fatalf("a's session on b: POST annotation %d", st)
	}

	// 2. an import through a: hidden on both servers until published
	ca, cb := apiClient{url: a.url, auth: "Bearer " + adminToken}, apiClient{url: b.url, auth: "Bearer " + adminToken}
	before := ca.project1(t)
	const n = 20000
	corpus, corpus2 := filepath.Join(t.TempDir(), "ms.jsonl"), filepath.Join(t.TempDir(), "ms2.jsonl")
	writeCorpus(t, corpus, "ms", n)
	writeCorpus(t, corpus2, "second", n)
	answered := postImport(t, ca, corpus)
	var hiddenID int64
	checked := false
	for !checked {
		select {
		case ans := <-answered:
			t.Fatalf("the import answered before any of its rows could be seen hidden (make the corpus larger): %.300s", ans)
		default:
		}
		err := raw.QueryRow(`SELECT a.id FROM articles a JOIN imports i ON i.id = a.import_id WHERE i.state = 'running' ORDER BY a.id LIMIT 1`).Scan(&hiddenID)
		if errors.Is(err, sql.ErrNoRows) {
			time.Sleep(5 * time.Millisecond) // no chunk committed yet
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		pa, pb := ca.project1(t), cb.project1(t)
		sa, sb := ca.get(t, fmt.Sprintf("/articles/%d", hiddenID), nil), cb.get(t, fmt.Sprintf("/articles/%d", hiddenID), nil)
		var state string
		if err := raw.QueryRow(`SELECT i.state FROM articles a JOIN imports i ON i.id = a.import_id WHERE a.id = $1`, hiddenID).Scan(&state); err != nil {
			t.Fatal(err)
		}
		if state != "running" {
			t.Fatal("the import was published while its hidden rows were being looked at (make the corpus larger)")
		}
		// every read above happened while the import was running
		if pa.ArticleCount != before.ArticleCount || pb.ArticleCount != before.ArticleCount || sa != 404 || sb != 404 {
			t.Fatalf("an unpublished import shows: counts %d on a, %d on b (want %d); its article %d: %d on a, %d on b (want 404)",
				pa.ArticleCount, pb.ArticleCount, before.ArticleCount, hiddenID, sa, sb)
		}
		checked = true
	}
	if ans := <-answered; !strings.HasPrefix(ans, "20") {
		t.Fatalf("import: %.500s", ans)
	}
	for name, c := range map[string]apiClient{"a": ca, "b": cb} {
		if p := c.project1(t); p.ArticleCount != before.ArticleCount+n {
			t.Errorf("after the import, %s shows %d articles, want %d", name, p.ArticleCount, before.ArticleCount+n)
		}
		if st := c.get(t, fmt.Sprintf("/articles/%d", hiddenID), nil); st != 200 {
			t.Errorf("after the import, article %d on %s: %d", hiddenID, name, st)
		}
	}

	// 3. 32 clients, half on each server, save spans; a dies by SIGKILL
	type save struct {
		client, i int
		id        int64
	}
	var (
		mu         sync.Mutex
		acked      []save
		failures   []string
		unanswered int
		total      atomic.Int64
		afterKill  atomic.Int64
	)
	killNow, enough := make(chan struct{}), make(chan struct{})
	var killOnce, enoughOnce sync.Once
	var killed atomic.Bool
	loadCtx, stopLoad := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		srv := a
		if c%2 == 1 {
			srv = b
		}
		wg.Add(1)
		go func(c int, srv *server) {
			defer wg.Done()
			for i := 0; loadCtx.Err() == nil; i++ {
				start := i % 1200
				body := fmt.Sprintf(`{"label":"attributed_claim","start":%d,"end":%d,"note":"ms c%d i%d"}`, start, start+1+i/1200, c, i)
				req, _ := http.NewRequestWithContext(loadCtx, "POST", srv.url+"/api/v1"+spansURL, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+tokens[c])
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					mu.Lock()
					if loadCtx.Err() != nil {
						unanswered++ // cancelled in flight: may or may not be stored
					} else if srv == a && killed.Load() {
						unanswered++
					} else {
						failures = append(failures, fmt.Sprintf("client %d: %v", c, err))
					}
					mu.Unlock()
					return
				}
				var out struct{ ID int64 }
				st := res.StatusCode
				jsonDecode(res, &out)
				mu.Lock()
				if st == 201 {
					acked = append(acked, save{c, i, out.ID})
				} else {
					failures = append(failures, fmt.Sprintf("client %d: status %d", c, st))
				}
				mu.Unlock()
				if st != 201 {
					return
				}
				if total.Add(1) == 600 {
					killOnce.Do(func() { close(killNow) })
				}
				if killed.Load() && srv == b && afterKill.Add(1) == 600 {
					enoughOnce.Do(func() { close(enough) })
				}
			}
		}(c, srv)
	}
	// a second import through a is running when a dies
	answered2 := postImport(t, ca, corpus2)
	<-killNow
	for {
		select {
		case ans := <-answered2:
			t.Fatalf("the second import ended before a could be killed during it (make the corpus larger): %.300s", ans)
		default:
		}
		var hidden int
		if err := raw.QueryRow(`SELECT COUNT(*) FROM articles a JOIN imports i ON i.id = a.import_id WHERE i.state = 'running'`).Scan(&hidden); err != nil {
			t.Fatal(err)
		}
		if hidden > 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	killed.Store(true)
	a.cmd.Process.Kill()
	a.cmd.Wait()
	<-answered2
	select {
	case <-enough:
	case <-time.After(2 * time.Minute):
		t.Error("b did not take 600 more saves after a died")
	}
	stopLoad()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(failures) > 0 {
		t.Fatalf("%d saves failed (a save to the surviving server must not fail): %v", len(failures), failures[:min(len(failures), 10)])
	}
	t.Logf("%d acknowledged saves (%d through b after a was killed), %d unanswered", len(acked), afterKill.Load(), unanswered)

	// every acknowledged save is there exactly once, with its own id
	stored := map[string][]int64{}
	rows, err := raw.Query(`SELECT note, id FROM annotations WHERE note LIKE 'ms c%'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var note string
		var id int64
		if err := rows.Scan(&note, &id); err != nil {
			t.Fatal(err)
		}
		stored[note] = append(stored[note], id)
	}
	rows.Close()
	for _, s := range acked {
		ids := stored[fmt.Sprintf("ms c%d i%d", s.client, s.i)]
		if len(ids) != 1 || ids[0] != s.id {
			t.Fatalf("acknowledged save %+v is stored as %v", s, ids)
		}
	}
	if extra := len(stored) - len(acked); extra < 0 || extra > unanswered {
		t.Fatalf("%d spans stored for %d acknowledged saves; at most %d unanswered could add to them", len(stored), len(acked), unanswered)
	}
	// and b serves them (a sample; the database check above covers all)
	for i := 0; i < len(acked); i += max(1, len(acked)/50) {
		if st := cb.get(t, fmt.Sprintf("/annotations/%d", acked[i].id), nil); st != 200 {
			t.Fatalf("acknowledged span %d on b: %d", acked[i].id, st)
		}
	}
	// the session made on a outlives a
	if st := sess.do(t, b.url, "GET", "/me", ""); st != 200 {
		t.Fatalf("a's session on b after a died: %d", st)
	}

	// 4. the import a was running when it died is taken over through b:
	// its rows removed, the same file then imported in full
	p := cb.project1(t)
	if p.ArticleCount != before.ArticleCount+n {
		t.Fatalf("with a's second import dead, b shows %d articles, want %d", p.ArticleCount, before.ArticleCount+n)
	}
	if ans := <-postImport(t, cb, corpus2); !strings.HasPrefix(ans, "20") {
		t.Fatalf("the second import again, through b: %.500s", ans)
	}
	if p := cb.project1(t); p.ArticleCount != before.ArticleCount+2*n {
		t.Fatalf("after the second import through b: %d articles, want %d", p.ArticleCount, before.ArticleCount+2*n)
	}
	var leftover int
	if err := raw.QueryRow(`SELECT COUNT(*) FROM articles WHERE import_id IN (SELECT id FROM imports WHERE state <> 'done')`).Scan(&leftover); err != nil {
		t.Fatal(err)
	}
	var hist importsJSON
	cb.get(t, "/projects/1/imports", &hist)
	if leftover != 0 || len(hist.Items) != 3 || hist.Items[0].State != "done" || hist.Items[0].ArticlesCreated != n ||
		hist.Items[1].State != "failed" || !strings.HasPrefix(hist.Items[1].Error, "abandoned") || hist.Items[2].State != "done" {
		t.Fatalf("%d rows of the dead import left; import history %+v", leftover, hist.Items)
	}
}

// postImport sends a JSON Lines file to a server's import and answers
// with its status and body (or the transport error) when it ends.
func postImport(t *testing.T, c apiClient, path string) <-chan string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", c.url+"/api/v1/projects/1/import?format=jsonl", f)
	req.Header.Set("Authorization", c.auth)
	req.Header.Set("Content-Type", "application/x-ndjson")
	answered := make(chan string, 1)
	go func() {
		defer f.Close()
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			answered <- err.Error()
			return
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		answered <- fmt.Sprintf("%d %s", res.StatusCode, body)
	}()
	return answered
}

// cookieSession is a cookie login with its CSRF token.
type cookieSession struct {
	cookie *http.Cookie
	csrf   string
}

func login(t *testing.T, base, name, password string) cookieSession {
	t.Helper()
	res, err := http.Post(base+"/api/v1/session", "application/json", strings.NewReader(fmt.Sprintf(`{"name":%q,"password":%q}`, name, password)))
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		CSRF string `json:"csrf_token"`
	}
	if err := jsonDecode(res, &out); err != nil || res.StatusCode != 201 {
		t.Fatalf("login: %d %v", res.StatusCode, err)
	}
	for _, c := range res.Cookies() {
		if c.Value != "" {
			return cookieSession{cookie: c, csrf: out.CSRF}
		}
	}
	t.Fatal("login set no cookie")
	return cookieSession{}
}

func (s cookieSession) do(t *testing.T, base, method, path, body string) int {
	t.Helper()
	req, _ := http.NewRequest(method, base+"/api/v1"+path, strings.NewReader(body))
	req.AddCookie(s.cookie)
	if method != "GET" {
		req.Header.Set("X-CSRF-Token", s.csrf)
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// The crash sweep judges a running import's owner by /proc only when the
// owner ran on this machine (same host name and boot id) in this pid
// namespace; an owner elsewhere (another server on PostgreSQL, perhaps
// with the same host name) holds its import for as long as its heartbeat
// is fresh. Both backends.
func TestImportSweepJudgesOtherMachinesByHeartbeat(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := modelstest.NewStore(t)
	u, err := store.CreateUser(ctx, "importer", models.RoleAdmin, "importer-password")
	if err != nil {
		t.Fatal(err)
	}
	raw := modelstest.RawDB(t, store)
	host, _ := os.Hostname()
	ns, _ := os.Readlink("/proc/self/ns/pid")
	ns = strings.TrimSuffix(strings.TrimPrefix(ns, "pid:["), "]")
	bootB, _ := os.ReadFile("/proc/sys/kernel/random/boot_id")
	boot := strings.TrimSpace(string(bootB))
	if boot == "" {
		t.Skip("no /proc here: every owner goes by its heartbeat")
	}
	fresh, stale := time.Now().UTC(), time.Now().Add(-time.Hour).UTC()
	const deadPid = "2147483646:12345:"
	cases := []struct {
		name, owner string
		heartbeat   time.Time
		alive       bool
	}{
		{"another machine of the same name, heartbeat fresh", host + ":" + deadPid + ns + ":another-boot", fresh, true},
		{"another machine of the same name, heartbeat stale", host + ":" + deadPid + ns + ":another-boot", stale, false},
		{"this machine, its process gone, heartbeat fresh", host + ":" + deadPid + ns + ":" + boot, fresh, false},
		{"this process, heartbeat stale", "", stale, true},
	}
	ids := make([]int64, len(cases))
	for i, c := range cases {
		p := &models.Project{Name: fmt.Sprintf("sweep %d", i)}
		if err := store.CreateProject(ctx, p, []models.Label{{Key: "x", Name: "X"}}); err != nil {
			t.Fatal(err)
		}
		if ids[i], err = store.StartImport(ctx, p.ID, u.ID, false); err != nil {
			t.Fatal(err)
		}
		var owner string
		if err := raw.QueryRow(modelstest.Q(store, `SELECT owner FROM imports WHERE id = ?`), ids[i]).Scan(&owner); err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(owner, ":"+boot) {
			t.Fatalf("an import's owner %q does not name this machine's boot", owner)
		}
		if c.owner == "" {
			c.owner = owner
		}
		if _, err := raw.Exec(modelstest.Q(store, `UPDATE imports SET owner = ?, heartbeat_at = ? WHERE id = ?`), c.owner, c.heartbeat, ids[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.SweepImports(ctx); err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		var state string
		if err := raw.QueryRow(modelstest.Q(store, `SELECT state FROM imports WHERE id = ?`), ids[i]).Scan(&state); err != nil {
			t.Fatal(err)
		}
		if (state == "running") != c.alive {
			t.Errorf("%s: state %s after the sweep, want alive = %v", c.name, state, c.alive)
		}
	}
}
