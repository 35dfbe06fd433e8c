package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"slant/models"
	"slant/server/api"
)

// The tests keep the benchmark harness compiling and working. They check
// that figures were measured, not how fast anything was: timing belongs
// to `make bench`, never to `go test`.
//
// `make test` runs a smoke test: figures 1 and 2 against the API router
// served by this test binary (see serveRouter), so nothing is built. The
// quick run of every figure against a freshly built slant binary takes
// about half a minute and runs only with SLANT_BENCH_FULL_TEST=1 (see the
// Makefile's bench-test target).

// smokeServeEnv marks a child started by the smoke test as a stand-in
// for `slant serve`.
const smokeServeEnv = "SLANT_BENCH_SMOKE_SERVE"

func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "baseline-server" {
		baselineServer(os.Args[2:])
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "serve" && os.Getenv(smokeServeEnv) == "1" {
		if err := serveRouter(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	os.Exit(m.Run())
}

// serveRouter answers `serve --db FILE --addr ADDR` with the real API
// router over the real store, without slant's command line around it.
func serveRouter(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	db := fs.String("db", "", "database")
	addr := fs.String("addr", "", "address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	store, err := models.Open(*db)
	if err != nil {
		return err
	}
	defer store.Close()
	router, _ := api.New(store, api.Config{})
	srv := &http.Server{Addr: *addr, Handler: router}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		srv.Shutdown(context.Background())
	}()
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func TestSmokeRunMeasuresCreateAndRead(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(smokeServeEnv, "1") // inherited by the children Run starts
	models.BcryptCost = 4        // bcrypt.MinCost: the fixtures' users; slow under -race otherwise
	cfg := quickConfig
	cfg.Only = map[string]bool{"create": true, "read": true}
	cfg.Duration, cfg.ReadSpans = 100*time.Millisecond, 20
	res, err := Run(cfg, self)
	if err != nil {
		t.Fatal(err)
	}
	checkFigures(t, res.Markdown(), "1. create span, 1 client", "1. create span, 4 client", "2. read article")
}

func TestQuickRunProducesEveryFigure(t *testing.T) {
	if os.Getenv("SLANT_BENCH_FULL_TEST") != "1" {
		t.Skip("builds slant and runs every figure (about 30 s): set SLANT_BENCH_FULL_TEST=1, or run make bench-test")
	}
	bin := filepath.Join(t.TempDir(), "slant")
	if out, err := exec.Command("go", "build", "-tags", "sqlite_fts5", "-o", bin, "slant/server").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	res, err := Run(quickConfig, bin) // starts this test binary as the baseline server (see TestMain)
	if err != nil {
		t.Fatal(err)
	}
	checkFigures(t, res.Markdown(), "1. create span, 1 client", "2. read article", "3. bulk pre-annotations", "4. export 2000 spans as csv",
		"4. export 2000 spans as jsonl", "5. import 200 JSONL articles", "5b. saves during a 200-article import", "9. search 400 articles",
		"10. suggestions over 300 articles")
}

// checkFigures asserts that each figure is in the table and that no
// create, read or export figure measured zero.
func checkFigures(t *testing.T, md string, figures ...string) {
	t.Helper()
	for _, fig := range figures {
		if !strings.Contains(md, fig) {
			t.Errorf("figure %q missing from:\n%s", fig, md)
		}
	}
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "| 1.") || strings.HasPrefix(line, "| 2.") || strings.HasPrefix(line, "| 4.") {
			if strings.Contains(line, "| 0 req/s") || strings.Contains(line, "| 0 reads/s") || strings.Contains(line, "| 0 rows/s") {
				t.Errorf("a figure measured nothing: %s", line)
			}
		}
	}
}
