#!/usr/bin/env bash
# bench.sh: whole-process throughput of `leakhound dir` over a generated,
# deterministic 200 MB corpus of source-like text with planted secrets,
# printing MB/s and peak RSS. With BENCH_GITLEAKS=1 it also installs gitleaks
# v8.30.1 the way its releases are built and times it on the same inputs,
# plus real source trees (Go's own sources from GOROOT).
#
# Environment: BENCH_MB (corpus size, default 200), BENCH_DIR (work dir,
# default ${XDG_CACHE_HOME:-$HOME/.cache}/leakhound/bench), BENCH_GITLEAKS.
set -euo pipefail
cd "$(dirname "$0")/.."

mb="${BENCH_MB:-200}"
work="${BENCH_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/leakhound/bench}"
corpus="$work/corpus-$mb/c"
bin="$PWD/bin/leakhound"
# Always rebuild (cached when current): a stale binary measures old code.
CGO_ENABLED=0 go build -o "$bin" ./cmd/leakhound

if [ ! -d "$corpus" ]; then
	echo "generating a ${mb} MB corpus in $corpus" >&2
	go run ./internal/tools/gencorpus -out "$corpus" -mb "$mb" >&2
fi
bytes=$(du -sb "$corpus" | cut -f1)

# measure NAME CMD...: run CMD once to warm the page cache, then once timed.
measure() {
	local name="$1"
	shift
	"$@" >/dev/null 2>&1 || true
	local tf
	tf=$(mktemp)
	/usr/bin/time -o "$tf" -f '%e %M %U %S' "$@" >/dev/null 2>&1 || true
	read -r secs rss usr sys < <(tail -1 "$tf")
	rm -f "$tf"
	awk -v n="$name" -v b="$bytes" -v s="$secs" -v r="$rss" -v u="$usr" -v y="$sys" \
		'BEGIN { printf "%-30s %7.2f s wall %7.2f s CPU %8.1f MB/s %6.0f MB peak RSS\n", n, s, u+y, b/1e6/s, r/1024 }'
}

echo "corpus: $((bytes / 1000000)) MB in $(find "$corpus" -type f | wc -l) files, $(nproc) cores"
measure "leakhound dir" "$bin" dir --no-progress -q -f json -r /dev/null --exit-code 0 "$corpus"

if [ "${BENCH_GITLEAKS:-}" = 1 ]; then
	gl="$(go env GOPATH)/bin/gitleaks"
	if [ ! -x "$gl" ]; then
		echo "installing gitleaks v8.30.1 (-tags gore2regex)" >&2
		go install -tags gore2regex github.com/zricethezav/gitleaks/v8@v8.30.1 >&2
	fi
	measure "gitleaks dir" "$gl" dir --no-banner --log-level error --report-format json --report-path "$work/gitleaks.json" --exit-code 0 "$corpus"
	# Real source trees: Go's compiler and tools (about 50 MB, the size the
	# issue names) and all of Go's sources.
	for src in "$(go env GOROOT)/src/cmd" "$(go env GOROOT)/src"; do
		bytes=$(du -sb "$src" | cut -f1)
		echo "real source tree: $src, $((bytes / 1000000)) MB"
		measure "leakhound dir" "$bin" dir --no-progress -q -f json -r /dev/null --exit-code 0 "$src"
		measure "gitleaks dir" "$gl" dir --no-banner --log-level error --report-format json --report-path "$work/gitleaks.json" --exit-code 0 "$src"
	done
fi
