# slant — see README.md. SQLite's FTS5 is off in mattn/go-sqlite3 without
# the tag; every Go command passes it so that the full-text search planned
# in issue 15 needs no build change (nothing uses FTS5 yet).
GO      ?= go
TAGS    := sqlite_fts5
# make run DB=... ADDR=..., or the SLANT_DB / SLANT_ADDR environment
DB      ?= $(or $(SLANT_DB),./data/slant.db)
ADDR    ?= $(or $(SLANT_ADDR),127.0.0.1:8080)
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)
# staticcheck 0.8.x supports Go 1.26; make tools installs it (.ci/run does)
STATICCHECK_VERSION := v0.8.2
STATICCHECK := $(shell $(GO) env GOPATH)/bin/staticcheck

.PHONY: build run test lint tools bench bench-test fuzz clean vendor eval

build:
	$(GO) build -tags $(TAGS) -ldflags "-X main.Version=$(VERSION)" -o bin/slant ./server

run: build
	./bin/slant serve --demo --db $(DB) --addr $(ADDR)

# The suites that use the store run a second time on PostgreSQL when
# SLANT_TEST_POSTGRES names a server (.ci/run starts a throwaway one; see
# README, "PostgreSQL"). The browser tests stay on SQLite.
PG_PKGS := ./models/... ./server ./server/api/... ./server/ingest/... ./server/export/... ./server/suggest/...

test:
	env -u SLANT_TEST_POSTGRES $(GO) test -race -count=1 -tags $(TAGS) ./...
	@if [ -n "$$SLANT_TEST_POSTGRES" ]; then \
	  echo "== the store and API suites again, on PostgreSQL"; \
	  $(GO) test -race -count=1 -tags $(TAGS) $(PG_PKGS); \
	else \
	  echo "PostgreSQL suites skipped: SLANT_TEST_POSTGRES is not set (.ci/run sets it; see README)"; \
	fi

lint:
	$(GO) vet -tags $(TAGS) ./...
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	@test -x $(STATICCHECK) || { echo "staticcheck is not installed: run make tools"; exit 1; }
	$(STATICCHECK) -tags $(TAGS) ./...

# Lint tools, installed through the Go toolchain (the module proxy).
# govulncheck is not among them: it needs the vulnerability database at
# vuln.go.dev, which the CI network cannot reach.
tools:
	$(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

# Measures slant against same-run baselines (see server/bench) and appends
# the table to BENCHMARKS.md. Takes a few minutes; not part of make test.
bench: build
	$(GO) run -tags $(TAGS) ./server/bench -slant bin/slant -out BENCHMARKS.md

# make test runs a smoke test of the harness (figures 1 and 2, nothing
# built); this runs every figure, tiny, against a freshly built binary
# (about half a minute): what to run after changing server/bench.
bench-test:
	SLANT_BENCH_FULL_TEST=1 $(GO) test -count=1 -tags $(TAGS) -run TestQuickRunProducesEveryFigure ./server/bench/

# Scores the suggester (server/suggest) against its hand-marked articles:
# precision and recall per rule and language, on the development set and
# on the held-out set (see server/suggest/testdata/README.md).
eval:
	$(GO) run -tags $(TAGS) ./server/suggest/cmd/eval -dir server/suggest/testdata

# Runs every fuzz target for FUZZTIME each (make test runs their seed corpora).
FUZZTIME ?= 30s
fuzz:
	@for pkg in $$($(GO) list -tags $(TAGS) ./...); do \
	  for f in $$($(GO) test -tags $(TAGS) -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -tags $(TAGS) -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

# The charting library of the analytics page, vendored at a pinned
# version (uPlot, MIT): make vendor fetches it again from npm and copies
# the ES module, its stylesheet and its licence into the UI.
UPLOT_VERSION := 1.6.32
vendor:
	@tmp=$$(mktemp -d) && cd $$tmp && npm pack --silent uplot@$(UPLOT_VERSION) >/dev/null && tar xzf uplot-$(UPLOT_VERSION).tgz && \
	  mkdir -p $(CURDIR)/frontend/static/vendor/uplot && \
	  cp package/dist/uPlot.esm.js package/dist/uPlot.min.css package/LICENSE $(CURDIR)/frontend/static/vendor/uplot/ && \
	  echo "uPlot $(UPLOT_VERSION) from npm (make vendor)" > $(CURDIR)/frontend/static/vendor/uplot/VERSION && rm -rf $$tmp

clean:
	rm -rf bin data
