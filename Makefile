# leakhound — see README.md.
GO ?= go

# Packages with concurrency: tested with the race detector.
RACE_PKGS := ./detect/... ./internal/scan/... ./internal/dirscan/... ./internal/gitscan/... ./internal/imagescan/... ./cmd/...

.PHONY: build test bench lint eval clean

build:
	$(GO) build -o bin/leakhound ./cmd/leakhound

test:
	$(GO) vet ./...
	$(GO) test -race $$($(GO) list $(RACE_PKGS) 2>/dev/null)
	$(GO) test $$($(GO) list ./... | grep -v -E '/(detect|internal/scan|internal/dirscan|internal/gitscan|internal/imagescan|cmd)(/|$$)')

# Engine benchmarks (MB/s per core) and a whole-process throughput run over a
# generated 200 MB corpus (MB/s and peak RSS). BENCH_GITLEAKS=1 also times
# gitleaks v8.30.1 on the same corpus and on real source trees.
bench: build
	$(GO) test -run '^$$' -bench . -benchtime 3x ./detect
	scripts/bench.sh

# Recall and false positives of the default ruleset on the labelled corpus
# in testdata/corpus, per family.
eval:
	$(GO) test ./rules -run TestCorpus -count 1 -v

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin
