#!/bin/sh
# The test files whose point is a pure cgroup v2 host, run inside a qemu guest that has only
# cgroup2 (test/v2guest/README.md). `npm test` runs it after the main suite; CI does the same.
# The guest is emulated (TCG) on most CI runners, 10-20x slower: only these files, long timeouts.
set -eu
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "test-v2: needs root (containers do)" >&2; exit 1; }
command -v qemu-system-x86_64 >/dev/null 2>&1 ||
  { echo "test-v2: qemu-system-x86_64 missing: run sh scripts/setup.sh (installs qemu-system-x86)" >&2; exit 1; }
FILES="${V2_TEST_FILES:-test/integration/cgroups-v2.test.ts test/integration/exec-v2.test.ts test/integration/pause-ps-kill.test.ts test/integration/update.test.ts test/integration/events.test.ts}"
start=$(date +%s)
set +e
test/v2guest/run node_modules/.bin/jest --runInBand --testTimeout=240000 $FILES "$@"
rc=$?
set -e
echo "test-v2: pure cgroup v2 guest: exit $rc after $(( $(date +%s) - start )) s"
exit $rc
