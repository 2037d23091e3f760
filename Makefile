# leakhound — see README.md.
GO ?= go

# Packages with concurrency: tested with the race detector.
RACE_PKGS := ./detect/... ./internal/scan/... ./internal/dirscan/... ./internal/gitscan/... ./internal/imagescan/... ./cmd/...
# Single-threaded equivalence tests that scan a lot with RE2 (WebAssembly
# compiled to Go, which the race detector slows down tenfold): they run
# without -race.
NORACE_TESTS := SameFindings|ScanChangedIsFilteredScan

.PHONY: build test bench lint eval clean

build:
	CGO_ENABLED=0 $(GO) build -o bin/leakhound ./cmd/leakhound

test:
	$(GO) vet ./...
	$(GO) test -race -skip '$(NORACE_TESTS)' $$($(GO) list $(RACE_PKGS) 2>/dev/null)
	$(GO) test -run '$(NORACE_TESTS)' ./detect/
	$(GO) test $$($(GO) list ./... | grep -v -E '/(detect|internal/scan|internal/dirscan|internal/gitscan|internal/imagescan|cmd)(/|$$)')

# Engine benchmarks (MB/s per core); a whole-process `leakhound dir` run over
# a generated 200 MB corpus (MB/s and peak RSS); git history (50k and 5k
# commit repositories) and --staged against gitleaks; a 600 MB image.
# BENCH_GITLEAKS=1 also times gitleaks v8.30.1 in the dir run (GOROOT/src as
# the real source tree). Each script documents its knobs.
bench: build
	$(GO) test -run '^$$' -bench . -benchtime 3x ./detect
	scripts/bench.sh
	scripts/bench-git.sh
	scripts/bench-image.sh

# Recall and false positives of the default ruleset on the labelled corpus
# in testdata/corpus, per family.
eval:
	$(GO) test ./rules -run TestCorpus -count 1 -v

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin
