#!/usr/bin/env bash
# Run opencontainers/runtime-tools validation tests (commit 260e151) against an
# OCI runtime and summarise each TAP stream in the format of
# conformance/results-runc-1.1.5.txt.
#
# This script never builds anything. See conformance/README.md for how to
# prepare a runtime-tools checkout by hand.
#
# Usage: conformance/validate.sh [--compare BASELINE] [--out DIR] [--timeout SECS] [TEST...]
#   TEST is a validation test name such as "create" or "linux_ns_path"
#   (default: every validation/*/*.t already built in the checkout).
# Environment:
#   RUNTIME_TOOLS  runtime-tools checkout (default ../runtime-tools beside this repository)
#   RUNTIME        runtime binary (default: <repo>/bin/oci-ts, made absolute)
#   OUT_DIR        where TAP output is saved (default /tmp/oci-ts-validation)
#   TEST_TIMEOUT   per-test timeout in seconds (default 60)
set -u

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(cd "$script_dir/.." && pwd)
. "$script_dir/lib.sh"

RUNTIME_TOOLS=${RUNTIME_TOOLS:-$(cd "$repo_dir/.." && pwd)/runtime-tools}
RUNTIME=${RUNTIME:-$repo_dir/bin/oci-ts}
OUT_DIR=${OUT_DIR:-/tmp/oci-ts-validation}
TEST_TIMEOUT=${TEST_TIMEOUT:-60}
compare=""

usage() {
  sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

tests=()
while [ $# -gt 0 ]; do
  case "$1" in
    --compare) compare=${2:?--compare needs a file}; shift 2 ;;
    --compare=*) compare=${1#--compare=}; shift ;;
    --out) OUT_DIR=${2:?--out needs a directory}; shift 2 ;;
    --out=*) OUT_DIR=${1#--out=}; shift ;;
    --timeout) TEST_TIMEOUT=${2:?--timeout needs seconds}; shift 2 ;;
    --timeout=*) TEST_TIMEOUT=${1#--timeout=}; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; tests+=("$@"); break ;;
    -*) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
    *) tests+=("$1"); shift ;;
  esac
done

missing_checkout() {
  cat >&2 <<MSG
error: $1

A built runtime-tools checkout is required at RUNTIME_TOOLS=$RUNTIME_TOOLS.
This script does not build it. By hand, outside this repository:
  - clone https://github.com/opencontainers/runtime-tools and check out commit 260e151;
  - with Go >= 1.19, offline, using the vendored modules
    (GOFLAGS=-mod=vendor GOPROXY=off), run in the checkout:
    make runtimetest validation-executables
  - this yields ./runtimetest and validation/<name>/<name>.t next to
    rootfs-amd64.tar.gz in the checkout.
See conformance/README.md for details, then set RUNTIME_TOOLS if it lives elsewhere.
MSG
  exit 2
}

[ -d "$RUNTIME_TOOLS/validation" ] || missing_checkout "no runtime-tools checkout at $RUNTIME_TOOLS"
[ -x "$RUNTIME_TOOLS/runtimetest" ] || missing_checkout "$RUNTIME_TOOLS/runtimetest is not built"
[ -f "$RUNTIME_TOOLS/rootfs-amd64.tar.gz" ] || missing_checkout "$RUNTIME_TOOLS/rootfs-amd64.tar.gz is missing"

# Resolve RUNTIME to an absolute path (tests run from the checkout directory).
if [[ "$RUNTIME" != */* ]]; then
  resolved=$(command -v "$RUNTIME" 2>/dev/null) || { echo "error: runtime '$RUNTIME' not found in PATH" >&2; exit 2; }
  RUNTIME=$resolved
fi
case "$RUNTIME" in /*) ;; *) RUNTIME="$PWD/$RUNTIME" ;; esac
if [ ! -x "$RUNTIME" ]; then
  echo "error: runtime binary $RUNTIME does not exist or is not executable (set RUNTIME=...)" >&2
  exit 2
fi

if [ ${#tests[@]} -eq 0 ]; then
  for f in "$RUNTIME_TOOLS"/validation/*/*.t; do
    [ -x "$f" ] || continue
    tests+=("$(basename "$f" .t)")
  done
  [ ${#tests[@]} -gt 0 ] || missing_checkout "no validation/*/*.t executables built in $RUNTIME_TOOLS"
fi

mkdir -p "$OUT_DIR" || exit 2
summary="$OUT_DIR/summary.txt"
: > "$summary"

# Baseline ok counts, if comparing.
[ -z "$compare" ] || load_baseline "$compare"

files=0 clean=0 tot_ok=0 tot_notok=0 tot_skip=0
for name in "${tests[@]}"; do
  name=${name%.t}; name=${name##*/}
  bin="$RUNTIME_TOOLS/validation/$name/$name.t"
  tap="$OUT_DIR/$name.tap"
  err="$OUT_DIR/$name.stderr"
  if [ -x "$bin" ]; then
    ( cd "$RUNTIME_TOOLS" && RUNTIME="$RUNTIME" timeout -k 5 "$TEST_TIMEOUT" "./validation/$name/$name.t" ) >"$tap" 2>"$err" </dev/null
    rc=$?
  else
    echo "test executable $bin not built" >"$err"; : >"$tap"; rc=127
  fi
  # Counts: "ok N" lines without a SKIP directive, "not ok" lines, "ok N # SKIP" lines.
  ok=$(grep -Ec '^ok [0-9]+' "$tap")
  skip=$(grep -Eic '^ok [0-9]+[^#]*# *skip' "$tap")
  ok=$((ok - skip))
  notok=$(grep -Ec '^not ok' "$tap")
  plan=$(grep -Em1 '^1\.\.[0-9]+' "$tap" | awk '{print $1}')
  if [ "$plan" = "1..0" ]; then
    # Hook tests report failures only as YAML diagnostics with an "error" key.
    notok=$((notok + $(grep -Ec '^ +"error":' "$tap")))
  fi
  line=$(printf '%-40s ok=%-4s notok=%-3s skip=%-3s rc=%s %s' "$name" "$ok" "$notok" "$skip" "$rc" "$plan")
  echo "$line" >> "$summary"
  files=$((files + 1)); tot_ok=$((tot_ok + ok)); tot_notok=$((tot_notok + notok)); tot_skip=$((tot_skip + skip))
  if [ "$notok" -eq 0 ] && [ "$rc" -eq 0 ] && [ -n "$plan" ]; then clean=$((clean + 1)); fi
  report_line "$line" "$name" "$ok"
done
total="TOTAL files=$files files_clean=$clean asserts_ok=$tot_ok asserts_failed=$tot_notok skipped=$tot_skip"
echo "$total" >> "$summary"
echo "$total"
finish
