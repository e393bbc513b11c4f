#!/bin/sh
# The one set-up command for a fresh machine (README): system packages, npm ci, the native addon
# and init, the TypeScript build, then a demo container from a busybox bundle built here.
# Needs root (containers do). Safe to run again.
set -eu
cd "$(dirname "$0")/.."

need=""
dpkg -s libseccomp-dev >/dev/null 2>&1 || need="$need libseccomp-dev"
dpkg -s busybox-static >/dev/null 2>&1 || need="$need busybox-static"
command -v make >/dev/null 2>&1 || need="$need make"
command -v g++ >/dev/null 2>&1 || need="$need g++"
# the pure cgroup v2 test guest (test/v2guest/run): qemu, xz to unpack the kernel, bc for its timings
command -v qemu-system-x86_64 >/dev/null 2>&1 || need="$need qemu-system-x86"
command -v xz >/dev/null 2>&1 || need="$need xz-utils"
command -v bc >/dev/null 2>&1 || need="$need bc"
# the engine tests (test/engines): containerd with its runc shim and ctr, podman with conmon; script(1)
# gives their tty tests a terminal. About a minute (measured 66 s on Debian bookworm, some 40 MB).
dpkg -s containerd >/dev/null 2>&1 || need="$need containerd"
dpkg -s podman >/dev/null 2>&1 || need="$need podman"
dpkg -s conmon >/dev/null 2>&1 || need="$need conmon"
command -v script >/dev/null 2>&1 || need="$need util-linux"
# killsafe.test.ts replays the issue's kill (strace's fault injection) besides its own kill points
command -v strace >/dev/null 2>&1 || need="$need strace"
if [ -n "$need" ]; then
  echo "setup: installing$need"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null
fi

echo "setup: npm ci (builds the addon and oci-ts-init with node-gyp)"
npm ci --no-audit --no-fund
echo "setup: TypeScript build"
npm run --silent build

echo "setup: the pure cgroup v2 test guest (Debian's kernel and a busybox initramfs, cached)"
V2GUEST_PREPARE_ONLY=1 test/v2guest/run true

demo=demo/bundle
rm -rf "$demo"
scripts/make-bundle.sh "$demo" >/dev/null
echo "setup: running a busybox container from $demo:"
bin/oci-ts --root /run/oci-ts-demo run --bundle "$demo" "demo-$$"
echo "setup: done. bin/oci-ts is ready; run the tests with: npm test (the cgroup v2 part alone: sh scripts/test-v2.sh)"
