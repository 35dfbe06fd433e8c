package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"slant/models"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// slantBinary builds bin/slant once per test run into a temp directory.
func slantBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "slant-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "slant")
		out, err := exec.Command("go", "build", "-tags", "sqlite_fts5", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// server is a running `slant serve` child process.
type server struct {
	cmd    *exec.Cmd
	url    string
	db     string
	stderr *bytes.Buffer
}

// startServe runs `slant serve` on a free loopback port and waits for /health.
func startServe(t *testing.T, db string, extra ...string) *server {
	t.Helper()
	addr := freeAddr(t)
	s := &server{url: "http://" + addr, db: db, stderr: &bytes.Buffer{}}
	s.cmd = exec.Command(slantBinary(t), append([]string{"serve", "--db", db, "--addr", addr}, extra...)...)
	s.cmd.Stderr = s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			s.cmd.Process.Kill()
			s.cmd.Wait()
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(s.url + "/api/v1/health"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return s
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("slant serve did not come up:\n%s", s.stderr)
	return nil
}

// The standard-library Python example runs against a real server with the
// demo data and checks the offset contract from Python's side.
func TestNotebookExampleAgainstRealServer(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("python3 is required in CI")
		}
		t.Skip("python3 not installed")
	}
	db := filepath.Join(t.TempDir(), "nb.db")
	s := startServe(t, db, "--demo")
	token, err := exec.Command(slantBinary(t), "token", "create", "--user", "admin", "--name", "nb", "--db", db).Output()
	if err != nil {
		t.Fatalf("token create: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "testdata/notebook.py")
	cmd.Env = append(os.Environ(), "SLANT_URL="+s.url, "SLANT_TOKEN="+strings.TrimSpace(string(token)), "SLANT_PROJECT=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("notebook.py failed: %v\n%s\nserver log:\n%s", err, out, s.stderr)
	}
	if !strings.Contains(string(out), "OK") || !strings.Contains(string(out), "re-push created 0") {
		t.Fatalf("unexpected output:\n%s", out)
	}
	t.Logf("notebook.py:\n%s", out)
}

// SIGTERM while a request is in flight: the server stops accepting new
// connections, lets the request finish (its write is acknowledged and
// stored), checkpoints the WAL into the database file and exits 0.
func TestGracefulShutdownFinishesInFlightRequests(t *testing.T) {
	db := filepath.Join(t.TempDir(), "g.db")
	s := startServe(t, db, "--demo")
	token, err := exec.Command(slantBinary(t), "token", "create", "--user", "admin", "--db", db).Output()
	if err != nil {
		t.Fatal(err)
	}
	// A request whose body arrives slowly: in flight when the signal lands.
	// It expects 100-continue, which the server sends when the handler
	// starts reading the body: then the request is certainly being served.
	pr, pw := io.Pipe()
	reading := make(chan struct{})
	trace := &httptrace.ClientTrace{Got100Continue: func() { close(reading) }}
	req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace),
		"POST", s.url+"/api/v1/articles/1/annotations", pr)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Expect", "100-continue")
	client := &http.Client{Transport: &http.Transport{ExpectContinueTimeout: time.Minute}}
	type result struct {
		status int
		body   string
		err    error
	}
	got := make(chan result, 1)
	go func() {
		res, err := client.Do(req)
		if err != nil {
			got <- result{err: err}
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		got <- result{status: res.StatusCode, body: string(b)}
	}()
	select {
	case <-reading:
	case r := <-got:
		t.Fatalf("answered before the body was sent: %d %v %s", r.status, r.err, r.body)
	case <-time.After(20 * time.Second):
		t.Fatal("the server never started reading the request")
	}
	io.WriteString(pw, `{"label":"opinion",`)
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// New connections are refused soon after the signal (each try is a
	// new connection), while the request in flight is still open.
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	for deadline := time.Now().Add(20 * time.Second); ; {
		res, err := fresh.Get(s.url + "/api/v1/health")
		if err != nil {
			break
		}
		res.Body.Close()
		if time.Now().After(deadline) {
			t.Fatal("new connections were still accepted 20 s after SIGTERM")
		}
		time.Sleep(10 * time.Millisecond)
	}
	io.WriteString(pw, `"start":0,"end":4,"note":"in flight"}`)
	pw.Close()
	r := <-got
	if r.err != nil || r.status != 201 {
		t.Fatalf("in-flight request: %d %v %s\n%s", r.status, r.err, r.body, s.stderr)
	}
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, s.stderr)
		}
	case <-time.After(25 * time.Second):
		t.Fatal("did not stop")
	}
	if st, err := os.Stat(db + "-wal"); err == nil && st.Size() > 0 {
		t.Fatalf("WAL not checkpointed: %d bytes left", st.Size())
	}
	store, err := openStore(db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var id struct{ ID int64 }
	json.Unmarshal([]byte(r.body), &id)
	if a, err := store.GetAnnotation(context.Background(), id.ID); err != nil || a.Note != "in flight" {
		t.Fatalf("acknowledged in-flight write missing: %v", err)
	}
}

// kill -9 at a random moment while 8 clients write: after a restart the
// database passes integrity_check and every acknowledged create is there.
func TestCrashLosesNoAcknowledgedWrite(t *testing.T) {
	db := filepath.Join(t.TempDir(), "crash.db")
	s := startServe(t, db, "--demo")
	token, err := exec.Command(slantBinary(t), "token", "create", "--user", "admin", "--db", db).Output()
	if err != nil {
		t.Fatal(err)
	}
	auth := "Bearer " + strings.TrimSpace(string(token))
	var mu sync.Mutex
	var acked []int64
	for round := 0; round < 3; round++ {
		ctx, stop := context.WithCancel(context.Background())
		// kill once this round has this many acknowledged writes (a
		// different moment each round), not after a fixed time
		target, n := 100+round*170, 0
		reached := make(chan struct{})
		var wg sync.WaitGroup
		for c := 0; c < 8; c++ {
			wg.Add(1)
			go func(c int) {
				defer wg.Done()
				for i := 0; ctx.Err() == nil; i++ {
					start := (round*100000 + c*10000 + i) % 1100
					body := fmt.Sprintf(`{"label":"opinion","start":%d,"end":%d,"note":"r%d c%d i%d"}`, start, start+1+i/1100+c*3, round, c, i)
					req, _ := http.NewRequestWithContext(ctx, "POST", s.url+"/api/v1/articles/1/annotations", strings.NewReader(body))
					req.Header.Set("Authorization", auth)
					res, err := http.DefaultClient.Do(req)
					if err != nil {
						return // the server died under us
					}
					var out struct{ ID int64 }
					if res.StatusCode == 201 {
						jsonDecode(res, &out)
						mu.Lock()
						acked = append(acked, out.ID)
						if n++; n == target {
							close(reached)
						}
						mu.Unlock()
					} else {
						res.Body.Close()
					}
				}
			}(c)
		}
		select {
		case <-reached:
		case <-time.After(60 * time.Second):
			mu.Lock()
			defer mu.Unlock()
			t.Fatalf("round %d: %d of %d writes acknowledged in 60 s\n%s", round, n, target, s.stderr)
		}
		s.cmd.Process.Kill() // SIGKILL: no shutdown, no checkpoint
		s.cmd.Wait()
		stop()
		wg.Wait()
		s = startServe(t, db)
	}
	store := stopAndCheck(t, s)
	if len(acked) < 50 {
		t.Fatalf("only %d writes acknowledged; the test did not load the server", len(acked))
	}
	missing := 0
	for _, id := range acked {
		if _, err := store.GetAnnotation(context.Background(), id); err != nil {
			missing++
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged creates lost after kill -9", missing, len(acked))
	}
	t.Logf("%d acknowledged creates over 3 kill -9 rounds, all present", len(acked))
}

func jsonDecode(res *http.Response, v any) error {
	defer res.Body.Close()
	return json.NewDecoder(res.Body).Decode(v)
}

func openStore(path string) (*models.Store, error) { return models.Open(path) }

// stopAndCheck stops the server with SIGINT, opens its database and
// checks PRAGMA integrity_check; the store is closed when the test ends.
func stopAndCheck(t *testing.T, s *server) *models.Store {
	t.Helper()
	s.cmd.Process.Signal(os.Interrupt)
	s.cmd.Wait()
	store, err := openStore(s.db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if res, err := store.IntegrityCheck(context.Background()); err != nil || res != "ok" {
		t.Fatalf("integrity_check = %q %v", res, err)
	}
	return store
}
