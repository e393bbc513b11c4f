#!/bin/sh
# make-bundle.sh DIR [ARGS...]: an OCI bundle at DIR with a busybox-static rootfs and a config.json
# from `oci-ts spec` whose process runs ARGS (default: sh -c 'echo hello from oci-ts').
# Used by the set-up demo, the tests and the benchmark.
set -eu
dir=$1
shift || true
busybox=$(command -v busybox || echo /bin/busybox)
if ! file_out=$("$busybox" --help 2>&1 | head -1); then
  echo "make-bundle: busybox not found (apt-get install busybox-static)" >&2
  exit 1
fi
mkdir -p "$dir/rootfs/bin" "$dir/rootfs/proc" "$dir/rootfs/sys" "$dir/rootfs/dev" "$dir/rootfs/tmp" "$dir/rootfs/etc" "$dir/rootfs/root"
cp "$busybox" "$dir/rootfs/bin/busybox"
for app in $("$busybox" --list); do
  [ -e "$dir/rootfs/bin/$app" ] || ln -s busybox "$dir/rootfs/bin/$app"
done
echo "root:x:0:0:root:/root:/bin/sh" > "$dir/rootfs/etc/passwd"
echo "root:x:0:" > "$dir/rootfs/etc/group"
here=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -f "$dir/config.json" ]; then
  (cd "$dir" && "$here/bin/oci-ts" spec)
fi
if [ $# -gt 0 ]; then
  node -e '
    const fs = require("fs"); const f = process.argv[1] + "/config.json";
    const c = JSON.parse(fs.readFileSync(f, "utf8"));
    c.process.terminal = false; c.process.args = process.argv.slice(2);
    fs.writeFileSync(f, JSON.stringify(c, null, 2));' "$dir" "$@"
else
  node -e '
    const fs = require("fs"); const f = process.argv[1] + "/config.json";
    const c = JSON.parse(fs.readFileSync(f, "utf8"));
    c.process.terminal = false; c.process.args = ["sh", "-c", "echo hello from oci-ts in $(hostname), pid $$"];
    fs.writeFileSync(f, JSON.stringify(c, null, 2));' "$dir"
fi
