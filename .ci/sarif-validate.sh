#!/usr/bin/env bash
# sarif-validate.sh FILE... validates SARIF files with Microsoft's SARIF
# multitool, with GitHub code scanning's rules (GH1001-GH1018) enabled as
# errors, and exits non-zero if any file has an error-level result.
#
# The multitool (npm @microsoft/sarif-multitool) is installed into a cache
# directory on first use. Environment:
#   SARIF_MULTITOOL_VERSION  npm version to install (default 5.7.0)
#   SARIF_MULTITOOL_DIR      install directory
#                            (default ${XDG_CACHE_HOME:-$HOME/.cache}/leakhound/sarif-multitool-$VERSION)
#   SARIF_VALIDATE_KEEP      directory to keep the validation logs in (default: a temp dir, removed)
#
# The multitool exits 0 even when it reports errors, so this script reads
# its output log (runs[0].results[] with level "error") instead.
set -euo pipefail

if [ "$#" -eq 0 ]; then
	echo "usage: $0 FILE.sarif..." >&2
	exit 2
fi

version="${SARIF_MULTITOOL_VERSION:-5.7.0}"
dir="${SARIF_MULTITOOL_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/leakhound/sarif-multitool-$version}"
tool="$dir/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"

for cmd in node npm; do
	if ! command -v "$cmd" >/dev/null 2>&1; then
		echo "sarif-validate: $cmd not found: install Node.js and npm (Debian: apt-get install nodejs npm)" >&2
		exit 2
	fi
done
case "$(uname -s)-$(uname -m)" in
Linux-x86_64) ;;
*)
	echo "sarif-validate: only linux-x64 is supported (the multitool ships a native binary per platform)" >&2
	exit 2
	;;
esac

if [ ! -x "$tool" ]; then
	echo "sarif-validate: installing @microsoft/sarif-multitool@$version into $dir" >&2
	mkdir -p "$dir"
	npm install --prefix "$dir" --no-audit --no-fund --loglevel=error \
		"@microsoft/sarif-multitool@$version" >&2
	if [ ! -f "$tool" ]; then
		echo "sarif-validate: $tool missing after npm install" >&2
		exit 2
	fi
	chmod u+x "$tool"
fi

work="$(mktemp -d)"
if [ -n "${SARIF_VALIDATE_KEEP:-}" ]; then
	mkdir -p "$SARIF_VALIDATE_KEEP"
	work="$SARIF_VALIDATE_KEEP"
else
	trap 'rm -rf "$work"' EXIT
fi
# The .NET runtime inside the multitool needs ICU unless told otherwise.
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT="${DOTNET_SYSTEM_GLOBALIZATION_INVARIANT:-1}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1

# Export the default rule configuration, then turn every GitHub rule
# (GH1001-GH1018) on as an error.
cfg="$work/validation.config.xml"
"$tool" export-validation-config "$cfg" >"$work/export.log" 2>&1 || {
	cat "$work/export.log" >&2
	echo "sarif-validate: export-validation-config failed" >&2
	exit 2
}
node - "$cfg" <<'EOF'
const fs = require('fs');
const file = process.argv[2];
let xml = fs.readFileSync(file, 'utf8');
let enabled = 0;
// Each rule is a <Properties Key="GH1001.Name.Options"> block holding a
// <Property Key="RuleEnabled" Value="..."/> line.
xml = xml.replace(/(<Properties Key="GH10(?:0[1-9]|1[0-8])[^"]*">[\s\S]*?<Property Key="RuleEnabled" Value=")[^"]*(")/g,
  (m, a, b) => { enabled++; return a + 'Error' + b; });
// Multitool 5.7.0 defines 14 of them (GH1008-GH1010 and GH1012 do not exist).
if (enabled === 0) {
  console.error('sarif-validate: found no GitHub rules (GH1xxx) in the validation config');
  process.exit(2);
}
console.error(`sarif-validate: ${enabled} GitHub rules enabled as errors`);
fs.writeFileSync(file, xml);
EOF

# Validate all files in one run of the multitool (it starts slowly).
files=()
status=0
for f in "$@"; do
	if [ ! -f "$f" ]; then
		echo "sarif-validate: $f: no such file" >&2
		status=1
		continue
	fi
	files+=("$(cd "$(dirname "$f")" && pwd)/$(basename "$f")")
done
if [ "${#files[@]}" -eq 0 ]; then
	exit 1
fi
out="$work/validation.sarif"
if ! "$tool" validate "${files[@]}" -o "$out" --log ForceOverwrite --rule-kind "Sarif;Gh" -c "$cfg" >"$work/validate.log" 2>&1; then
	cat "$work/validate.log" >&2
	echo "sarif-validate: multitool failed" >&2
	exit 1
fi
if [ ! -s "$out" ]; then
	cat "$work/validate.log" >&2
	echo "sarif-validate: multitool wrote no output log" >&2
	exit 1
fi
node - "$out" "${files[@]}" <<'EOF' || status=1
const fs = require('fs');
const [out, ...files] = process.argv.slice(2);
const log = JSON.parse(fs.readFileSync(out, 'utf8'));
const run = (log.runs || [])[0] || {};
const count = {};
for (const f of files) count[f] = { errors: 0, warnings: 0 };
let errors = 0;
const fileOf = (r) => {
  const loc = ((r.locations || [])[0] || {}).physicalLocation || {};
  const uri = (loc.artifactLocation || {}).uri || '';
  let p = uri;
  try { p = decodeURIComponent(new URL(uri).pathname); } catch (e) { /* not a URL */ }
  return [p, (loc.region || {}).startLine || 0];
};
for (const r of run.results || []) {
  const level = r.level || 'warning';
  if (level !== 'error' && level !== 'warning') continue;
  const [file, line] = fileOf(r);
  const text = (r.message && (r.message.text || (r.message.arguments || []).join(', '))) || '';
  console.error(`${file}:${line}: ${level}: ${r.ruleId}: ${text}`);
  const c = count[file] || (count[file] = { errors: 0, warnings: 0 });
  if (level === 'error') { c.errors++; errors++; } else { c.warnings++; }
}
// The multitool reports its own failures as notifications, not results.
for (const inv of run.invocations || []) {
  for (const n of [...(inv.toolExecutionNotifications || []), ...(inv.toolConfigurationNotifications || [])]) {
    if (n.level === 'error') { errors++; console.error(`sarif-validate: tool error: ${n.message && n.message.text}`); }
  }
  if (inv.executionSuccessful === false) { errors++; console.error('sarif-validate: validation did not complete'); }
}
for (const [f, c] of Object.entries(count)) console.error(`${f}: ${c.errors} error(s), ${c.warnings} warning(s)`);
process.exit(errors > 0 ? 1 : 0);
EOF
exit "$status"
