package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A tiny run keeps the benchmark harness compiling and working. It checks
// that every figure was measured, not how fast anything was: timing
// belongs to `make bench`, never to `go test`.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "baseline-server" {
		baselineServer(os.Args[2:])
		return
	}
	os.Exit(m.Run())
}

func TestQuickRunProducesEveryFigure(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts servers")
	}
	bin := filepath.Join(t.TempDir(), "slant")
	if out, err := exec.Command("go", "build", "-tags", "sqlite_fts5", "-o", bin, "slant/server").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	res, err := Run(quickConfig, bin) // starts this test binary as the baseline server (see TestMain)
	if err != nil {
		t.Fatal(err)
	}
	md := []byte(res.Markdown())
	for _, fig := range []string{"1. create span, 1 client", "2. read article", "3. bulk pre-annotations", "4. export 2000 spans as csv", "4. export 2000 spans as jsonl", "5. import 200 JSONL articles", "5b. saves during a 200-article import"} {
		if !strings.Contains(string(md), fig) {
			t.Errorf("figure %q missing from:\n%s", fig, md)
		}
	}
	for _, line := range strings.Split(string(md), "\n") {
		if strings.HasPrefix(line, "| 1.") || strings.HasPrefix(line, "| 4.") {
			if strings.Contains(line, "| 0 req/s") || strings.Contains(line, "| 0 rows/s") {
				t.Errorf("a figure measured nothing: %s", line)
			}
		}
	}
}
