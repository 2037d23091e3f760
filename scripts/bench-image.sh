#!/usr/bin/env bash
# Measures `leakhound image` on generated multi-layer images of at least
# 500 MB (uncompressed): an OCI layout with gzip layers and a legacy docker
# save tarball, each in a binary-heavy and a text-heavy mix.
#
#   scripts/bench-image.sh                 # 600 MB, 8 layers, built-in rules
#   SIZE=1000 LAYERS=4 scripts/bench-image.sh
#   CONFIG=my.toml KEEP=1 scripts/bench-image.sh
#
# MB/s is the image's uncompressed layer bytes over wall time. The machine's
# load matters: the script prints it.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE=${SIZE:-600}
LAYERS=${LAYERS:-8}
WORK=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/bench-image.XXXXXX")}
CONFIG=${CONFIG:-}
if [ -z "${KEEP:-}" ]; then trap 'rm -rf "$WORK"' EXIT; fi

CGO_ENABLED=0 go build -o "$WORK/leakhound" ./cmd/leakhound
cfg=()
if [ -n "$CONFIG" ]; then cfg=(--config "$CONFIG"); fi

echo "bench-image: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), ${SIZE} MB in ${LAYERS} layers, work dir $WORK"
for mix in binary text; do
	binpct=30
	if [ "$mix" = text ]; then binpct=3; fi
	for format in oci docker; do
		out="$WORK/$mix-$format"
		if [ "$format" = docker ]; then out="$out.tar"; fi
		go run ./internal/imagescan/genimage -out "$out" -format "$format" -size "$SIZE" -layers "$LAYERS" -binary "$binpct" 2>"$WORK/gen.log"
		bytes=$(grep -o '[0-9]* MB uncompressed' "$WORK/gen.log" | cut -d' ' -f1)
		disk=$(du -sm "$out" | cut -f1)
		start=$(date +%s.%N)
		set +e
		echo 0 >"$WORK/rss"
		timer=()
		if [ -x /usr/bin/time ]; then timer=(/usr/bin/time -f "%M" -o "$WORK/rss"); fi
		"${timer[@]}" "$WORK/leakhound" image "${cfg[@]}" --no-progress \
			--format json --report "$WORK/report.json" "$out" 2>"$WORK/scan.log"
		rc=$?
		set -e
		end=$(date +%s.%N)
		if [ "$rc" -gt 1 ]; then cat "$WORK/scan.log" >&2; exit "$rc"; fi
		secs=$(echo "$end - $start" | bc -l)
		printf '%-6s %-6s %5d MB (%4d MB on disk): %6.2f s, %6.1f MB/s, peak RSS %4d MB | %s\n' \
			"$mix" "$format" "$bytes" "$disk" "$secs" "$(echo "$bytes / $secs" | bc -l)" \
			"$(( $(tail -1 "$WORK/rss") / 1024 ))" "$(tail -1 "$WORK/scan.log")"
		rm -rf "$out"
	done
done
