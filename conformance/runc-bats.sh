#!/usr/bin/env bash
# Run runc v1.1.5's own integration suite (tests/integration/*.bats) against an
# OCI runtime and print one line per bats file, in the format of
# conformance/runc-bats-runc-1.1.5.txt.
#
# This script never builds or downloads anything. See conformance/README.md
# ("runc's integration suite") for how to prepare a runc checkout offline.
#
# Usage: conformance/runc-bats.sh [--compare BASELINE] [--out DIR] [--timeout SECS] [FILE...]
#   FILE is a bats file name such as "exec" or "exec.bats"
#   (default: every tests/integration/*.bats of the checkout).
# Environment:
#   RUNC_SRC      prepared runc v1.1.5 checkout (default ../runc-src beside this repository)
#   RUNC          runtime binary (default: <repo>/bin/oci-ts, made absolute)
#   OUT_DIR       where each file's TAP output is saved (default /tmp/oci-ts-runc-bats)
#   FILE_TIMEOUT  per-file timeout in seconds (default 300)
set -u

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(cd "$script_dir/.." && pwd)
. "$script_dir/lib.sh"

RUNC_SRC=${RUNC_SRC:-$(cd "$repo_dir/.." && pwd)/runc-src}
RUNC=${RUNC:-$repo_dir/bin/oci-ts}
OUT_DIR=${OUT_DIR:-/tmp/oci-ts-runc-bats}
FILE_TIMEOUT=${FILE_TIMEOUT:-300}
compare=""

usage() {
  sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

files=()
while [ $# -gt 0 ]; do
  case "$1" in
    --compare) compare=${2:?--compare needs a file}; shift 2 ;;
    --compare=*) compare=${1#--compare=}; shift ;;
    --out) OUT_DIR=${2:?--out needs a directory}; shift 2 ;;
    --out=*) OUT_DIR=${1#--out=}; shift ;;
    --timeout) FILE_TIMEOUT=${2:?--timeout needs seconds}; shift 2 ;;
    --timeout=*) FILE_TIMEOUT=${1#--timeout=}; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; files+=("$@"); break ;;
    -*) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
    *) files+=("$1"); shift ;;
  esac
done

not_prepared() {
  cat >&2 <<MSG
error: $1

A prepared runc v1.1.5 checkout is required at RUNC_SRC=$RUNC_SRC.
This script does not build or download it. By hand, outside this repository:
  - clone https://github.com/opencontainers/runc and check out tag v1.1.5;
  - offline (GOFLAGS=-mod=vendor GOPROXY=off), in the checkout:
    make recvtty sd-helper seccompagent BUILDTAGS=seccomp
  - put tests/integration/testdata/busybox-amd64.tar.xz (from busybox-static)
    and tests/integration/testdata/debian-amd64.tar.xz (from debootstrap) there.
See conformance/README.md for the exact steps, then set RUNC_SRC if it lives elsewhere.
MSG
  exit 2
}

integ="$RUNC_SRC/tests/integration"
[ -f "$integ/helpers.bash" ] || not_prepared "no runc checkout at $RUNC_SRC"
for helper in recvtty sd-helper seccompagent; do
  [ -x "$RUNC_SRC/contrib/cmd/$helper/$helper" ] || not_prepared "contrib/cmd/$helper/$helper is not built"
done
for image in busybox-amd64.tar.xz debian-amd64.tar.xz; do
  [ -f "$integ/testdata/$image" ] || not_prepared "tests/integration/testdata/$image is missing"
done
for tool in bats script jq gawk timeout; do
  command -v "$tool" >/dev/null 2>&1 || { echo "error: $tool is not installed (the suite needs bats, script from util-linux, jq, gawk, coreutils)" >&2; exit 2; }
done
[ "$(id -u)" -eq 0 ] || { echo "error: the suite must run as root (its rootless mode is not set up by this script)" >&2; exit 2; }

# Resolve RUNC to an absolute path (the helpers run it from other directories).
if [[ "$RUNC" != */* ]]; then
  resolved=$(command -v "$RUNC" 2>/dev/null) || { echo "error: runtime '$RUNC' not found in PATH" >&2; exit 2; }
  RUNC=$resolved
fi
case "$RUNC" in /*) ;; *) RUNC="$PWD/$RUNC" ;; esac
[ -x "$RUNC" ] || { echo "error: runtime binary $RUNC does not exist or is not executable (set RUNC=...)" >&2; exit 2; }

if [ ${#files[@]} -eq 0 ]; then
  for f in "$integ"/*.bats; do files+=("$(basename "$f" .bats)"); done
fi

mkdir -p "$OUT_DIR" || exit 2
OUT_DIR=$(cd "$OUT_DIR" && pwd)
summary="$OUT_DIR/summary.txt"

# The header of the result: what ran, where, when (this repository's binary by its relative path).
shown=${RUNC#"$repo_dir"/}
cgmode=v1
if [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then cgmode=v2
elif [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then cgmode=hybrid; fi
commit=$(git -C "$repo_dir" rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -z "$(git -C "$repo_dir" status --porcelain --untracked-files=no 2>/dev/null)" ] || commit="$commit-dirty"
printf '# runc %s tests/integration/*.bats against %s (%s), %s, oci-ts commit %s, kernel %s, %s cores (%s), %s cgroups, criu %s (conformance/runc-bats.sh)\n' \
  "$(cat "$RUNC_SRC/VERSION" 2>/dev/null || echo '?')" "$shown" "$("$RUNC" --version 2>/dev/null | head -n1)" "$(date -u '+%Y-%m-%d %H:%M UTC')" \
  "$commit" "$(uname -r)" "$(nproc)" "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)" "$cgmode" \
  "$(criu --version 2>/dev/null | awk '/^Version/ { print $2 }' || true)" > "$summary"
cat "$summary"

# Each file gets its own TMPDIR under the run directory, so everything the suite
# makes (its --root state dirs, bundles, sockets) is under a path we own, and the
# tidy-up between files touches only that, never other users of the runtime.
run_dir=$(mktemp -d /tmp/runc-bats.XXXXXX) || exit 2
chmod 0755 "$run_dir"

# Tidy what one bats file left behind: containers in its state dirs (killed and
# deleted with the runtime under test), helper processes it started (by their pid
# files), mounts under its temp dir, the cgroups the suite names
# (runc-cgroups-integration-test), then the temp dir itself.
tidy() {
  local tmp=$1 state pidf ct m cg
  while IFS= read -r state; do
    for ct in $("$RUNC" --root "$state" list -q 2>/dev/null); do
      timeout 30 "$RUNC" --root "$state" delete -f "$ct" >/dev/null 2>&1 || true
    done
  done < <(find "$tmp" -mindepth 1 -maxdepth 4 -type d -name state 2>/dev/null)
  while IFS= read -r pidf; do
    kill -9 "$(cat "$pidf" 2>/dev/null)" 2>/dev/null || true
  done < <(find "$tmp" -maxdepth 4 -type f \( -path '*/tty/pid' -o -name recvtty.pid -o -name seccompagent.pid \) 2>/dev/null)
  while IFS= read -r m; do
    umount -l "$m" 2>/dev/null || true
  done < <(awk -v p="$tmp/" 'index($5, p) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
  for cg in /sys/fs/cgroup/*/runc-cgroups-integration-test /sys/fs/cgroup/runc-cgroups-integration-test; do
    [ -d "$cg" ] || continue
    find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
  # The suite's create_parent runs `mkdir -p /sys/fs/cgroup/<subsys>/...` for every controller of
  # /proc/cgroups, also those not mounted here: on a v1 or hybrid host that leaves plain
  # directories on the /sys/fs/cgroup tmpfs, which other programs then take for hierarchies.
  # Those the file made (absent before it, not mount points) are removed when empty.
  local e
  for e in /sys/fs/cgroup/*; do
    [ -d "$e" ] && ! mountpoint -q "$e" || continue
    case " $cgroup_entries " in *" $e "*) continue ;; esac
    find "$e" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
  rm -rf "$tmp"
}

# Baseline ok counts, if comparing.
[ -z "$compare" ] || load_baseline "$compare"

nfiles=0 npass=0 tot_ok=0 tot_notok=0 tot_skip=0
for name in "${files[@]}"; do
  name=${name%.bats}; name=${name##*/}
  bats_file="$integ/$name.bats"
  tap="$OUT_DIR/$name.tap"
  tmp="$run_dir/$name"
  mkdir -p "$tmp"
  cgroup_entries=$(echo /sys/fs/cgroup/*)
  if [ -f "$bats_file" ]; then
    # Under a tty (script -e passes bats's exit status on), one file at a time.
    # timeout signals bats's whole process group when the file runs too long.
    ( cd "$integ" && TMPDIR="$tmp" RUNC="$RUNC" \
        script -qec "timeout -k 10 $FILE_TIMEOUT bats --tap $(printf %q "$bats_file")" /dev/null ) \
      </dev/null 2>&1 | tr -d '\r' > "$tap"
    rc=${PIPESTATUS[0]}
  else
    echo "no such bats file: $bats_file" > "$tap"; rc=127
  fi
  tidy "$tmp"
  plan=$(grep -Em1 '^1\.\.[0-9]+' "$tap" | sed 's/^1\.\.//')
  skip=$(grep -Eic '^ok [0-9]+[^#]*# *skip' "$tap")
  ok=$(( $(grep -Ec '^ok [0-9]+' "$tap") - skip ))
  notok=$(grep -Ec '^not ok [0-9]+' "$tap")
  notrun=$(( ${plan:-0} - ok - notok - skip ))
  [ "$notrun" -ge 0 ] || notrun=0
  line=$(printf '%-28s ok=%-3s notok=%-3s skip=%-3s notrun=%-3s rc=%s' "$name" "$ok" "$notok" "$skip" "$notrun" "$rc")
  echo "$line" >> "$summary"
  nfiles=$((nfiles + 1)); tot_ok=$((tot_ok + ok)); tot_notok=$((tot_notok + notok)); tot_skip=$((tot_skip + skip))
  if [ "$notok" -eq 0 ] && [ "$notrun" -eq 0 ] && [ "$rc" -eq 0 ] && [ -n "$plan" ]; then npass=$((npass + 1)); fi
  report_line "$line" "$name" "$ok"
done
rmdir "$run_dir" 2>/dev/null || true
total="TOTAL files=$nfiles files_pass=$npass tests_ok=$tot_ok tests_failed=$tot_notok skipped=$tot_skip runtime=$shown"
echo "$total" >> "$summary"
echo "$total"
finish
