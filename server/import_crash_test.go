package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// writeCorpus writes n JSONL articles with external ids prefix-0..n-1.
func writeCorpus(t *testing.T, path, prefix string, n int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for i := 0; i < n; i++ {
		text := fmt.Sprintf("Dispatch %s%d from the harbour town of Velmora — officials said the ferry schedule «remains unchanged» 🚢, while critics called it a disgrace. %s", prefix, i, strings.Repeat("Filler sentence for length. ", 12))
		b, _ := json.Marshal(map[string]any{"external_id": fmt.Sprintf("%s-%d", prefix, i), "title": fmt.Sprintf("Dispatch %d", i), "text": text,
			"spans": []map[string]any{{"label": "opinion", "start": 0, "end": 8}}})
		w.Write(b)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// hidden counts the rows of unpublished imports, straight from the file.
func hidden(t *testing.T, db string) (arts, spans int) {
	t.Helper()
	conn, err := sql.Open("sqlite3", "file:"+db+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const q = `SELECT (SELECT COUNT(*) FROM articles WHERE import_id IN (SELECT id FROM imports WHERE state <> 'done')),
		(SELECT COUNT(*) FROM annotations WHERE import_id IN (SELECT id FROM imports WHERE state <> 'done'))`
	if err := conn.QueryRow(q).Scan(&arts, &spans); err != nil {
		t.Fatal(err)
	}
	return arts, spans
}

// waitHidden waits until an import has committed at least n hidden articles.
func waitHidden(t *testing.T, db string, n int, alive func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if a, _ := hidden(t, db); a >= n {
			return
		}
		if !alive() {
			t.Fatal("the import ended before it could be killed; make the corpus larger")
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("the import never committed %d articles", n)
}

type apiClient struct {
	url, auth string
}

func (c apiClient) get(t *testing.T, path string, v any) int {
	t.Helper()
	req, _ := http.NewRequest("GET", c.url+"/api/v1"+path, nil)
	req.Header.Set("Authorization", c.auth)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if v != nil {
		if err := jsonDecode(res, v); err != nil {
			t.Fatal(err)
		}
	} else {
		res.Body.Close()
	}
	return res.StatusCode
}

type projectJSON struct {
	ID              int64 `json:"id"`
	ArticleCount    int   `json:"article_count"`
	AnnotationCount int   `json:"annotation_count"`
}

// project1 reads the demo project's counts from the project list.
func (c apiClient) project1(t *testing.T) projectJSON {
	t.Helper()
	var list struct{ Items []projectJSON }
	if st := c.get(t, "/projects", &list); st != 200 {
		t.Fatalf("projects: %d", st)
	}
	for _, p := range list.Items {
		if p.ID == 1 {
			return p
		}
	}
	t.Fatalf("no project 1 in %+v", list.Items)
	return projectJSON{}
}

type importsJSON struct {
	Items []struct {
		ID              int64  `json:"id"`
		State           string `json:"state"`
		Error           string `json:"error"`
		ArticlesCreated int    `json:"articles_created"`
	} `json:"items"`
}

// An import is killed with SIGKILL halfway, twice: once as `slant import`
// next to a running server, once inside `slant serve`. Neither leaves a
// visible trace; annotators write through the server the whole time; the
// dead imports are cleaned up (by the next import, and by the restarted
// server) and the same files then import completely.
func TestImportKilledMidwayLeavesNothingAndNeverBlocksAnnotators(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "imp.db")
	s := startServe(t, db, "--demo")
	token, err := exec.Command(slantBinary(t), "token", "create", "--user", "admin", "--db", db).Output()
	if err != nil {
		t.Fatal(err)
	}
	c := apiClient{url: s.url, auth: "Bearer " + strings.TrimSpace(string(token))}
	before := c.project1(t)
	if before.ArticleCount == 0 || before.AnnotationCount == 0 {
		t.Fatalf("demo project counts %+v", before)
	}
	const n = 30000
	corpusA, corpusB := filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "b.jsonl")
	writeCorpus(t, corpusA, "a", n)
	writeCorpus(t, corpusB, "b", n)

	// an annotator keeps saving spans through the server throughout
	var mu sync.Mutex
	var acked []int64
	var failures []string
	var slowest time.Duration
	// unanswered counts saves whose reply was lost because the server died:
	// each may or may not have been stored, never both acknowledged and lost.
	var unanswered int
	annotate := func(ctx context.Context, wg *sync.WaitGroup, seed int, serverMayDie bool) {
		defer wg.Done()
		for i := 0; ctx.Err() == nil; i++ {
			start := i % 1000
			body := fmt.Sprintf(`{"label":"attributed_claim","start":%d,"end":%d,"note":"seed %d"}`, start, start+1+seed+i/1000, seed)
			req, _ := http.NewRequest("POST", s.url+"/api/v1/articles/1/annotations", strings.NewReader(body))
			req.Header.Set("Authorization", c.auth)
			t0 := time.Now()
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				mu.Lock()
				if serverMayDie {
					unanswered++
				} else {
					failures = append(failures, err.Error())
				}
				mu.Unlock()
				return
			}
			d := time.Since(t0)
			var out struct{ ID int64 }
			st := res.StatusCode
			jsonDecode(res, &out)
			mu.Lock()
			if st == 201 {
				acked = append(acked, out.ID)
				slowest = max(slowest, d)
			} else {
				failures = append(failures, fmt.Sprintf("status %d", st))
			}
			mu.Unlock()
			time.Sleep(5 * time.Millisecond)
		}
	}

	// 1. `slant import` killed next to the running server
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go annotate(ctx, &wg, 1, false)
	imp := exec.Command(slantBinary(t), "import", "--project", "1", "--db", db, corpusA)
	var impErr bytes.Buffer
	imp.Stderr = &impErr
	if err := imp.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { imp.Wait(); close(exited) }()
	alive := func() bool {
		select {
		case <-exited:
			return false
		default:
			return true
		}
	}
	waitHidden(t, db, 3000, alive)
	imp.Process.Kill()
	<-exited
	if !strings.Contains(impErr.String(), "slant serve is using this database") {
		t.Errorf("slant import did not notice the running server: %q", impErr.String())
	}
	time.Sleep(200 * time.Millisecond) // a few more saves after the kill
	stop()
	wg.Wait()
	mu.Lock()
	if len(failures) > 0 || len(acked) < 10 {
		t.Fatalf("annotator during the import: %d saves, failures %v", len(acked), failures)
	}
	t.Logf("annotator saved %d spans while `slant import` ran (slowest %v)", len(acked), slowest)
	mu.Unlock()
	during := c.project1(t)
	if during.ArticleCount != before.ArticleCount {
		t.Fatalf("after the killed import the project shows %d articles, want %d", during.ArticleCount, before.ArticleCount)
	}
	if a, _ := hidden(t, db); a < 3000 {
		t.Fatalf("only %d hidden rows before the retry; the kill came too early to test anything", a)
	}
	// the retry takes over the dead import, removes its rows and completes
	out, err := exec.Command(slantBinary(t), "import", "--project", "1", "--db", db, corpusA).CombinedOutput()
	if err != nil || !strings.Contains(string(out), fmt.Sprintf("imported %d article(s)", n)) {
		t.Fatalf("re-import after the kill: %v\n%s", err, out)
	}
	if a, sp := hidden(t, db); a != 0 || sp != 0 {
		t.Fatalf("%d articles and %d spans of the killed import remain", a, sp)
	}
	var hist importsJSON
	c.get(t, "/projects/1/imports", &hist)
	if len(hist.Items) != 2 || hist.Items[0].State != "done" || hist.Items[0].ArticlesCreated != n ||
		hist.Items[1].State != "failed" || !strings.HasPrefix(hist.Items[1].Error, "abandoned") {
		t.Fatalf("import history %+v", hist.Items)
	}

	// 2. `slant serve` killed during an import over HTTP, with the annotator saving
	mu.Lock()
	slowest, saved := 0, len(acked)
	mu.Unlock()
	ctx, stop = context.WithCancel(context.Background())
	wg.Add(1)
	go annotate(ctx, &wg, 2, true)
	f, err := os.Open(corpusB)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	req, _ := http.NewRequest("POST", s.url+"/api/v1/projects/1/import?format=jsonl", f)
	req.Header.Set("Authorization", c.auth)
	req.Header.Set("Content-Type", "application/x-ndjson")
	sent := make(chan struct{})
	var answer string
	go func() {
		if res, err := http.DefaultClient.Do(req); err == nil {
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			answer = res.Status + " " + string(b)
		}
		close(sent)
	}()
	waitHidden(t, db, 3000, func() bool {
		select {
		case <-sent:
			t.Logf("the import answered: %.300s", answer)
			return false
		default:
			return true
		}
	})
	s.cmd.Process.Kill()
	s.cmd.Wait()
	<-sent
	stop()
	wg.Wait()
	mu.Lock()
	if len(failures) > 0 || len(acked)-saved < 5 {
		t.Fatalf("annotator during the HTTP import: %d saves, failures %v", len(acked)-saved, failures)
	}
	t.Logf("annotator saved %d spans while the server imported (slowest %v)", len(acked)-saved, slowest)
	mu.Unlock()
	s = startServe(t, db)
	c.url = s.url
	deadline := time.Now().Add(30 * time.Second)
	for a, sp := hidden(t, db); a+sp > 0; a, sp = hidden(t, db) {
		if time.Now().After(deadline) {
			t.Fatalf("the restarted server left %d articles and %d spans of the killed import", a, sp)
		}
		time.Sleep(50 * time.Millisecond)
	}
	after := c.project1(t)
	if after.ArticleCount != before.ArticleCount+n {
		t.Fatalf("%d articles after the server was killed mid-import, want %d", after.ArticleCount, before.ArticleCount+n)
	}
	// Every acknowledged save must be there; a save in flight when the
	// server died may be stored although its reply was lost (at most one per
	// unanswered request), but nothing else may appear or disappear.
	want := before.AnnotationCount + len(acked) + n
	if after.AnnotationCount < want || after.AnnotationCount > want+unanswered {
		t.Fatalf("%d spans, want %d (demo) + %d (annotator) + %d (import) + at most %d in flight when the server died",
			after.AnnotationCount, before.AnnotationCount, len(acked), n, unanswered)
	}
	for _, id := range acked {
		if st := c.get(t, fmt.Sprintf("/annotations/%d", id), nil); st != 200 {
			t.Fatalf("acknowledged annotator span %d: %d", id, st)
		}
	}
	stopAndCheck(t, s)
}
