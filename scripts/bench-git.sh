#!/usr/bin/env bash
# Compares `leakhound git` with gitleaks v8.30.1 (built as its releases are,
# with -tags gore2regex) on generated repositories: full history of a large
# one (>= 50k commits) and of a smaller one (a few thousand commits), side
# by side in one run, wall time and peak RSS (/usr/bin/time -v); then
# `leakhound git --staged` with 10 staged files in the smaller repo.
#
#   scripts/bench-git.sh                     # 50000 and 5000 commits
#   LARGE=20000 SMALL=3000 RUNS=3 scripts/bench-git.sh
#   WORK=/tmp/bench-git KEEP=1 scripts/bench-git.sh   # reuse generated repos
#   NO_GITLEAKS=1 scripts/bench-git.sh       # leakhound only
#
# The repositories are written with git fast-import (source-like Go files
# edited a few lines per commit, side branches merged every 100 commits,
# a planted secret about every 500 commits) and repacked with
# `git repack -adf` as a clone would be. Each tool runs RUNS times per repo;
# the fastest run is reported (the machine may be shared: its load is
# printed). Both use their built-in rules; CONFIG=file.toml gives both the
# same gitleaks-format config instead.
set -euo pipefail
cd "$(dirname "$0")/.."

LARGE=${LARGE:-50000}
SMALL=${SMALL:-5000}
RUNS=${RUNS:-2}
WORK=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/bench-git.XXXXXX")}
CONFIG=${CONFIG:-}
mkdir -p "$WORK"
if [ -z "${KEEP:-}" ]; then trap 'rm -rf "$WORK"' EXIT; fi
for tool in git bc; do
	command -v "$tool" >/dev/null || { echo "bench-git: $tool is needed" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "bench-git: /usr/bin/time (GNU time) is needed for peak RSS" >&2; exit 2; }

CGO_ENABLED=0 go build -o "$WORK/leakhound" ./cmd/leakhound
go build -o "$WORK/gitgen" ./internal/gitscan/gitgen/gitgen
GITLEAKS=""
if [ -z "${NO_GITLEAKS:-}" ]; then
	GOBIN="$WORK/bin" go install -tags gore2regex github.com/zricethezav/gitleaks/v8@v8.30.1
	GITLEAKS="$WORK/bin/gitleaks"
fi

gen() { # commits dir
	if [ -f "$2/.git/bench-ready" ]; then return; fi
	rm -rf "$2"
	git init -q -b main "$2"
	"$WORK/gitgen" -commits "$1" -files 1000 -secret-every 500 2>/dev/null | git -C "$2" fast-import --quiet
	git -C "$2" repack -adfq
	git -C "$2" checkout -q -f main
	touch "$2/.git/bench-ready"
}

# measure label cmd...: runs RUNS times, prints the fastest wall time and
# its peak RSS.
measure() {
	local label=$1 best="" rss=0
	shift
	for _ in $(seq "$RUNS"); do
		set +e
		/usr/bin/time -v -o "$WORK/time.txt" "$@" >"$WORK/out.txt" 2>"$WORK/err.txt"
		local rc=$?
		set -e
		if [ "$rc" -gt 1 ]; then
			echo "bench-git: $label failed (exit $rc):" >&2
			tail -5 "$WORK/err.txt" >&2
			exit 1
		fi
		local wall r
		wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$WORK/time.txt")
		r=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt")
		if [ -z "$best" ] || [ "$(echo "$wall < $best" | bc -l)" = 1 ]; then
			best=$wall rss=$r
			cp "$WORK/err.txt" "$WORK/best-err.txt"
		fi
	done
	printf '  %-28s %8.2f s  peak RSS %5d MB\n' "$label" "$best" "$((rss / 1024))"
	echo "$best $rss" >"$WORK/last"
}

echo "bench-git: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), work dir $WORK"
for n in "$LARGE" "$SMALL"; do
	repo="$WORK/repo-$n"
	gen "$n" "$repo"
	commits=$(git -C "$repo" rev-list --all | wc -l)
	echo "repo: $n main-line commits ($commits in all), $(du -sh "$repo/.git" | cut -f1) packed, load $(cut -d' ' -f1-3 /proc/loadavg)"
	lcfg=() gcfg=()
	if [ -n "$CONFIG" ]; then lcfg=(--config "$CONFIG"); gcfg=(--config "$CONFIG"); fi
	measure "leakhound git" "$WORK/leakhound" git "${lcfg[@]}" --no-progress -f json -r "$WORK/lh.json" "$repo"
	read -r lwall lrss <"$WORK/last"
	echo "    $(tail -1 "$WORK/best-err.txt")"
	if [ -n "$GITLEAKS" ]; then
		measure "gitleaks git" "$GITLEAKS" git "${gcfg[@]}" --no-banner --report-format json -r "$WORK/gl.json" "$repo"
		read -r gwall grss <"$WORK/last"
		printf '  leakhound is %.1fx faster, peak RSS %.2fx of gitleaks; findings: leakhound %s, gitleaks %s\n' \
			"$(echo "$gwall / $lwall" | bc -l)" "$(echo "$lrss / $grss" | bc -l)" \
			"$(grep -c '"ruleId"' "$WORK/lh.json" || true)" "$(grep -c '"RuleID"' "$WORK/gl.json" || true)"
	fi
done

# --staged with 10 staged files (edited, one with a secret) in the small repo.
repo="$WORK/repo-$SMALL"
# (sed, not head: head would close the pipe early, git would die of
# SIGPIPE, and pipefail would end the script here without a word.)
files=$(git -C "$repo" ls-files | sed -n '1,10p')
for f in $files; do printf '\n// staged edit\nvar x = 1\n' >>"$repo/$f"; done
printf 'var awsKey = "AKIAZ2QXL7NTRV4KPJ5M"\n' >>"$repo/$(echo "$files" | sed -n 1p)" # leakhound:allow (planted test key)
git -C "$repo" add $files
echo "staged: 10 files in the $SMALL-commit repo"
measure "leakhound git --staged" "$WORK/leakhound" git --staged --no-progress -f json -r "$WORK/staged.json" "$repo"
echo "    $(tail -1 "$WORK/best-err.txt")"
git -C "$repo" reset -q --hard
