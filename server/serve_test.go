package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
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

// SIGINT: the server stops, checkpoints the WAL into the database file
// (leaving no WAL behind) and exits 0.
func TestGracefulShutdown(t *testing.T) {
	db := filepath.Join(t.TempDir(), "g.db")
	s := startServe(t, db, "--demo")
	if err := s.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
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
	if _, err := os.Stat(db + "-wal"); err == nil {
		if st, _ := os.Stat(db + "-wal"); st.Size() > 0 {
			t.Fatalf("WAL not checkpointed: %d bytes left", st.Size())
		}
	}
	if !strings.Contains(s.stderr.String(), "shutting down") {
		t.Fatalf("no shutdown log:\n%s", s.stderr)
	}
}
