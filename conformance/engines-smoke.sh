#!/bin/sh
# engines-smoke.sh: run one busybox container through each installed engine with oci-ts as the
# runtime and print PASS/FAIL/SKIP per engine, then the cgroup commands through each engine
# (ctr task pause/resume/ps/kill --all; podman pause/unpause/update), and exec through each engine
# (ctr task exec, podman exec). See docs/engines.md.
#
#   sudo conformance/engines-smoke.sh            # uses bin/oci-ts of this checkout
#   OCI_TS=/abs/path/oci-ts conformance/engines-smoke.sh
#
# Engines: containerd (+ ctr and containerd-shim-runc-v2) and podman (+ conmon). An engine that is
# not installed is skipped; this script installs nothing. Everything it starts lives under one
# temp directory: a private containerd (own config, root, state and socket), podman with its own
# --root/--runroot/--tmpdir and CONTAINERS_CONF. The daemon is stopped, mounts under the temp
# directory are unmounted and the directory removed on exit. No image is pulled: the container
# runs from a busybox-static rootfs made by scripts/make-bundle.sh (ctr run --rootfs,
# podman run --rootfs). Needs root. Exit status: 0 unless an engine FAILed.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
oci=${OCI_TS:-$here/bin/oci-ts}
marker=oci-ts-engine-smoke-ok

if [ "$(id -u)" != 0 ]; then echo "engines-smoke: needs root" >&2; exit 2; fi
if [ ! -x "$oci" ]; then echo "engines-smoke: $oci not found (npm run build)" >&2; exit 2; fi

tmp=$(mktemp -d /tmp/oci-ts-engines.XXXXXX)
ctrd_pid=
had_run_containerd=no
[ -e /run/containerd ] && had_run_containerd=yes
failed=0

cleanup() {
  if [ -n "$ctrd_pid" ]; then
    kill "$ctrd_pid" 2>/dev/null
    i=0; while kill -0 "$ctrd_pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
    kill -9 "$ctrd_pid" 2>/dev/null
  fi
  # unmount whatever an engine left mounted under $tmp, deepest first
  awk -v t="$tmp" '$5 == t || index($5, t "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r |
    while read -r m; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
  rm -rf "$tmp"
  # containerd's shims put their sockets under /run/containerd whatever the daemon's config says
  if [ "$had_run_containerd" = no ]; then
    rmdir /run/containerd/s /run/containerd/runc/default /run/containerd/runc /run/containerd 2>/dev/null
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

report() { # engine status detail
  printf '%-11s %s%s\n' "$1" "$2" "${3:+  ($3)}"
  [ "$2" = FAIL ] && failed=1
  return 0
}

if ! "$here/scripts/make-bundle.sh" "$tmp/bundle" >/dev/null 2>"$tmp/make-bundle.err"; then
  cat "$tmp/make-bundle.err" >&2; exit 2
fi
rootfs=$tmp/bundle/rootfs
echo "oci-ts: $oci ($("$oci" --version | head -1))"

# ---- containerd -----------------------------------------------------------------------------
smoke_containerd() {
  for b in containerd ctr containerd-shim-runc-v2; do
    command -v $b >/dev/null 2>&1 || { report containerd SKIP "$b not installed"; return; }
  done
  d=$tmp/containerd
  mkdir -p "$d/root" "$d/state"
  cat > "$d/config.toml" <<EOF
version = 2
root = "$d/root"
state = "$d/state"
[grpc]
  address = "$d/containerd.sock"
[ttrpc]
  address = "$d/containerd.sock.ttrpc"
[debug]
  address = "$d/debug.sock"
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.oci-ts]
  runtime_type = "io.containerd.runc.v2"
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.oci-ts.options]
  BinaryName = "$oci"
  Root = "$d/runtime-root"
EOF
  containerd --config "$d/config.toml" > "$d/containerd.log" 2>&1 &
  ctrd_pid=$!
  ctr="ctr -a $d/containerd.sock"
  i=0
  until $ctr version >/dev/null 2>&1; do
    i=$((i + 1))
    if [ $i -gt 50 ] || ! kill -0 "$ctrd_pid" 2>/dev/null; then
      report containerd FAIL "daemon did not start: $(tail -1 "$d/containerd.log")"; return
    fi
    sleep 0.2
  done
  id=smoke-$$
  out=$(timeout 60 $ctr run --rm --runc-binary "$oci" --runc-root "$d/runtime-root" \
    --env PATH=/bin --rootfs "$rootfs" "$id" sh -c "echo $marker" 2>&1)
  rc=$?
  if [ $rc = 0 ] && [ "$out" = "$marker" ]; then
    report containerd PASS "$(containerd --version | awk '{print $3}'), ctr run --runc-binary"
  else
    report containerd FAIL "exit $rc: $(echo "$out" | tail -1)"
    $ctr task kill -s KILL "$id" >/dev/null 2>&1; sleep 0.5
    $ctr task rm -f "$id" >/dev/null 2>&1; $ctr container rm "$id" >/dev/null 2>&1
  fi
  commands_containerd
  exec_containerd
  kill "$ctrd_pid" 2>/dev/null
  i=0; while kill -0 "$ctrd_pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
  kill -9 "$ctrd_pid" 2>/dev/null; wait "$ctrd_pid" 2>/dev/null
  ctrd_pid=
}

# The cgroup commands through the shim: ctr task pause/resume/ps/kill --all on a counter loop
# (pause must stop it; ps must list the container's pids).
count() { cat "$rootfs/tmp/count" 2>/dev/null || echo 0; }
counter='i=0; while true; do i=$((i+1)); echo $i >/tmp/count; usleep 50000; done'
commands_containerd() {
  id=cmds-$$
  if ! timeout 60 $ctr run -d --runc-binary "$oci" --runc-root "$d/runtime-root" --env PATH=/bin \
      --rootfs "$rootfs" "$id" sh -c "$counter" >/dev/null 2>"$d/cmds.err"; then
    report ctr-cmds FAIL "ctr run -d: $(tail -1 "$d/cmds.err")"; return
  fi
  sleep 1
  why=
  timeout 30 $ctr task pause "$id" || why="task pause failed"
  [ -z "$why" ] && { $ctr task ls | grep -q "^$id .* PAUSED" || why="not PAUSED after pause"; }
  a=$(count); sleep 1; [ -z "$why" ] && [ "$(count)" != "$a" ] && why="counter advanced while paused"
  [ -z "$why" ] && { timeout 30 $ctr task resume "$id" || why="task resume failed"; }
  a=$(count); sleep 1; [ -z "$why" ] && [ "$(count)" = "$a" ] && why="counter stopped after resume"
  pids=$(timeout 30 $ctr task ps "$id" | awk 'NR > 1 { print $1 }' | wc -l)
  [ -z "$why" ] && [ "$pids" -lt 2 ] && why="task ps listed $pids processes"
  timeout 30 $ctr task kill -a -s KILL "$id" || why="${why:-task kill --all failed}"
  i=0; until $ctr task ls | grep -q "^$id .* STOPPED" || [ $i -gt 50 ]; do sleep 0.2; i=$((i + 1)); done
  $ctr task rm -f "$id" >/dev/null 2>&1; $ctr container rm "$id" >/dev/null 2>&1
  if [ -z "$why" ]; then report ctr-cmds PASS "task pause, resume, ps ($pids pids), kill --all"
  else report ctr-cmds FAIL "$why"; fi
}

# exec through the shim: ctr task exec (plain, --user, -t through script(1) for a terminal), the
# program's status, a missing program; runc 1.1 gives the same output and statuses.
tty_run() { script -qec "$1" /dev/null </dev/null 2>&1 | tr -d '\r\0' | sed 's/\^@//g'; }
exec_containerd() {
  id=exec-$$
  if ! timeout 60 $ctr run -d --runc-binary "$oci" --runc-root "$d/runtime-root" --env PATH=/bin \
      --rootfs "$rootfs" "$id" sleep 1000 >/dev/null 2>"$d/exec.err"; then
    report ctr-exec FAIL "ctr run -d: $(tail -1 "$d/exec.err")"; return
  fi
  why=
  out=$(timeout 30 $ctr task exec --exec-id e1 "$id" sh -c 'echo hi; exit 7' 2>&1); rc=$?
  [ "$rc/$out" = "7/hi" ] || why="plain: exit $rc: $out"
  out=$(timeout 30 $ctr task exec --exec-id e2 --user 1000 "$id" id -u 2>&1); rc=$?
  [ -z "$why" ] && [ "$rc/$out" != "0/1000" ] && why="--user 1000: exit $rc: $out"
  if command -v script >/dev/null 2>&1; then
    out=$(tty_run "timeout --foreground 30 $ctr task exec -t --exec-id e3 $id sh -c 'test -t 0 && echo is-a-tty; exit 3'; echo rc=\$?")
    [ -z "$why" ] && ! echo "$out" | grep -q '^is-a-tty' && why="-t: $out"
    [ -z "$why" ] && ! echo "$out" | grep -q '^rc=3' && why="-t status: $out"
  fi
  out=$(timeout 30 $ctr task exec --exec-id e4 "$id" nosuch 2>&1); rc=$?
  [ -z "$why" ] && { [ $rc = 1 ] && echo "$out" | grep -q 'executable file not found in \$PATH' || why="missing program: exit $rc: $out"; }
  $ctr task kill -s KILL "$id" >/dev/null 2>&1; sleep 0.5
  $ctr task rm -f "$id" >/dev/null 2>&1; $ctr container rm "$id" >/dev/null 2>&1
  if [ -z "$why" ]; then report ctr-exec PASS "task exec: plain (status 7), --user, -t, missing program"
  else report ctr-exec FAIL "$why"; fi
}

# podman exec: plain, -t, --user, and the statuses podman derives (program's own, 126, 127)
exec_podman() {
  if ! timeout 60 $pm run -d --name exec-$$ --rootfs "$rootfs" sleep 1000 >/dev/null 2>"$d/exec.err"; then
    report podman-exec FAIL "podman run -d: $(tail -1 "$d/exec.err")"; return
  fi
  why=
  out=$(timeout 30 $pm exec exec-$$ sh -c 'echo hi' 2>&1); rc=$?
  [ "$rc/$out" = "0/hi" ] || why="plain: exit $rc: $out"
  out=$(timeout 30 $pm exec --user 1000:1000 exec-$$ sh -c 'echo $(id -u):$(id -g)' 2>&1); rc=$?
  [ -z "$why" ] && [ "$rc/$out" != "0/1000:1000" ] && why="--user: exit $rc: $out"
  if command -v script >/dev/null 2>&1; then
    out=$(tty_run "timeout --foreground 30 $pm exec -t exec-$$ sh -c 'test -t 0 && echo is-a-tty'")
    [ -z "$why" ] && ! echo "$out" | grep -q '^is-a-tty' && why="-t: $out"
  fi
  for want in 7:"sh -c 'exit 7'" 126:/etc/passwd 127:nosuch; do
    eval "timeout 30 $pm exec exec-$$ ${want#*:}" >/dev/null 2>&1; rc=$?
    [ -z "$why" ] && [ "$rc" != "${want%%:*}" ] && why="exec ${want#*:}: exit $rc, want ${want%%:*}"
  done
  timeout 60 $pm rm -f exec-$$ >/dev/null 2>&1
  if [ -z "$why" ]; then report podman-exec PASS "exec: plain, --user, -t, statuses 7/126/127"
  else report podman-exec FAIL "$why"; fi
}

# podman pause/unpause/update: the counter stops while paused, update reaches the cgroup files
commands_podman() {
  if ! timeout 60 $pm run -d --name cmds-$$ --memory 256m --rootfs "$rootfs" sh -c "$counter" >/dev/null 2>"$d/cmds.err"; then
    report podman-cmds FAIL "podman run -d: $(tail -1 "$d/cmds.err")"; return
  fi
  sleep 1
  why=
  timeout 30 $pm pause cmds-$$ >/dev/null || why="pause failed"
  [ -z "$why" ] && [ "$($pm inspect cmds-$$ --format '{{.State.Status}}')" != paused ] && why="not paused after pause"
  a=$(count); sleep 1; [ -z "$why" ] && [ "$(count)" != "$a" ] && why="counter advanced while paused"
  [ -z "$why" ] && { timeout 30 $pm unpause cmds-$$ >/dev/null || why="unpause failed"; }
  a=$(count); sleep 1; [ -z "$why" ] && [ "$(count)" = "$a" ] && why="counter stopped after unpause"
  [ -z "$why" ] && { timeout 30 $pm update --memory 128m --memory-swap 256m cmds-$$ >/dev/null 2>"$d/cmds.err" || why="update: $(tail -1 "$d/cmds.err")"; }
  full=$($pm inspect cmds-$$ --format '{{.Id}}')
  got=$(cat /sys/fs/cgroup/memory/libpod_parent/libpod-"$full"/memory.limit_in_bytes \
    /sys/fs/cgroup/libpod_parent/libpod-"$full"/memory.max 2>/dev/null | head -1)
  [ -z "$why" ] && [ "$got" != 134217728 ] && why="memory limit after update: ${got:-no cgroup file}"
  timeout 60 $pm rm -f cmds-$$ >/dev/null 2>&1
  if [ -z "$why" ]; then report podman-cmds PASS "pause, unpause, update --memory (cgroup file 128 MiB)"
  else report podman-cmds FAIL "$why"; fi
}

# ---- podman ---------------------------------------------------------------------------------
smoke_podman() {
  command -v podman >/dev/null 2>&1 || { report podman SKIP "podman not installed"; return; }
  d=$tmp/podman
  mkdir -p "$d"
  # default_ulimits: podman's default nofile/nproc 1048576 fail with EPERM where the hard limits
  # are lower and CAP_SYS_RESOURCE is missing (engine-contract.md)
  n=$(awk '/^Max open files/ { print $5 }' /proc/self/limits)
  u=$(awk '/^Max processes/ { print $4 }' /proc/self/limits)
  [ "$n" = unlimited ] && n=1048576; [ "$n" -gt 1024 ] && n=1024
  [ "$u" = unlimited ] && u=1048576; [ "$u" -gt 4096 ] && u=4096
  cat > "$d/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$n:$n", "nproc=$u:$u"]
netns = "none"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "oci-ts"
runtime_supports_json = ["crun", "runc", "kata", "runsc", "krun", "oci-ts"]
[engine.runtimes]
oci-ts = ["$oci"]
EOF
  pm="podman --root $d/root --runroot $d/runroot --tmpdir $d/tmp"
  out=$(CONTAINERS_CONF=$d/containers.conf timeout 60 $pm run --rm --rootfs "$rootfs" \
    sh -c "echo $marker" 2>&1)
  rc=$?
  if [ $rc = 0 ] && [ "$out" = "$marker" ]; then
    report podman PASS "$(podman --version | awk '{print $3}'), containers.conf runtime oci-ts"
  else
    report podman FAIL "exit $rc: $(echo "$out" | tail -1)"
  fi
  export CONTAINERS_CONF=$d/containers.conf
  commands_podman
  exec_podman
  CONTAINERS_CONF=$d/containers.conf timeout 60 $pm rm -af >/dev/null 2>&1
}

smoke_containerd
smoke_podman
exit $failed
