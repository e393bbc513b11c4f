/**
 * Probing helpers for the spec-area integration tests (namespaces, mounts, devices, process):
 * run a container whose busybox command prints what it sees, and parse that output.
 */
import { SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Bundle, OCI_TS, oci, run, uniqueId, leftovers } from './helpers';

/**
 * `oci-ts run` of the bundle; returns stdout/stderr/status. The tests look at what the container
 * printed, so the container's own exit status is echoed by the command when it matters.
 */
export function runIn(b: Bundle, extra: string[] = [], opts: { env?: NodeJS.ProcessEnv } = {}): SpawnSyncReturns<string> & { id: string } {
  const id = uniqueId('probe');
  const r = oci(b, ['run', ...extra, id], opts);
  return Object.assign(r, { id });
}

/** The stdout of a run; throws (with stderr) when the container printed nothing at all. */
export function outOf(b: Bundle, extra: string[] = [], opts: { env?: NodeJS.ProcessEnv } = {}): string {
  const r = runIn(b, extra, opts);
  if (r.stdout === '') throw new Error(`container printed nothing (status ${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** A `sh -c SCRIPT` process for makeBundle. */
export function sh(script: string): string[] {
  return ['sh', '-c', script];
}

/**
 * bin/oci-ts with extra descriptors open in the runtime: fds[i] becomes descriptor 3+i of the
 * runtime process (as an engine passing --preserve-fds would do, or leaking them).
 */
export function ociWithFds(b: Bundle, args: string[], fds: number[], env?: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  return run([OCI_TS, '--root', b.root, ...args], { cwd: b.dir, env, fds });
}

export interface MountInfo {
  id: number;
  parent: number;
  root: string;
  mountPoint: string;
  options: string[];
  optional: string[];
  fsType: string;
  source: string;
  superOptions: string[];
}

/** Parse /proc/PID/mountinfo text (proc(5)); octal escapes in paths are decoded. */
export function parseMountinfo(text: string): MountInfo[] {
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
  return text
    .split('\n')
    .filter((l) => /^\d+ \d+ /.test(l))
    .map((l) => {
      const [pre, post] = l.split(' - ');
      const f = pre.split(' ');
      const g = post.split(' ');
      return {
        id: Number(f[0]),
        parent: Number(f[1]),
        root: unescape(f[3]),
        mountPoint: unescape(f[4]),
        options: f[5].split(','),
        optional: f.slice(6),
        fsType: g[0],
        source: unescape(g[1]),
        superOptions: (g[2] ?? '').split(','),
      };
    });
}

/** The last (top-most) mount at a mount point. */
export function mountAt(mounts: MountInfo[], mountPoint: string): MountInfo | undefined {
  return mounts.filter((m) => m.mountPoint === mountPoint).pop();
}

/** The text between `==name==` and the next marker in a probe's output. */
export function section(out: string, name: string): string {
  const start = out.indexOf(`==${name}==\n`);
  if (start < 0) throw new Error(`no section ${name} in output:\n${out}`);
  const rest = out.slice(start + name.length + 5);
  const end = rest.search(/^==[\w.-]+==$/m);
  return end < 0 ? rest : rest.slice(0, end);
}

export function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function waitFor(cond: () => boolean, ms = 5000): void {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    sleepMs(10);
  }
}

/** A temp directory on the host that the test removes. */
export function hostDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `oci-ts-${prefix}-`));
}

/**
 * leftovers() of a failed create, minus init processes that were already there before (other
 * containers on the machine, e.g. from tests running at the same time).
 */
export function newLeftovers(b: Bundle, id: string, before: string[]): string[] {
  return leftovers(b, id).filter((x) => !(x.startsWith('process ') && before.includes(x)));
}

/** Take before a create whose leftovers newLeftovers() will check. */
export function leftoversBefore(b: Bundle): string[] {
  return leftovers(b, '\0none').filter((x) => x.startsWith('process '));
}

/**
 * A peer for --console-socket / --pidfd-socket (python3): accepts one connection, receives one fd
 * with SCM_RIGHTS, prints `name: <datagram> fds: <n> link: <readlink of the fd>`, then, with
 * argv[2] == "pty", everything the pty says until it closes.
 */
export const FD_RECEIVER = `
import socket, os, sys
path = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.bind(path); s.listen(1)
c, _ = s.accept()
msg, fds, flags, addr = socket.recv_fds(c, 4096, 1)
print("name:", msg.decode(), "fds:", len(fds), "link:", os.readlink("/proc/self/fd/%d" % fds[0]), flush=True)
if sys.argv[2] == "pty":
    while True:
        try:
            d = os.read(fds[0], 4096)
        except OSError:
            break
        if not d:
            break
        sys.stdout.write(d.decode(errors="replace")); sys.stdout.flush()
`;
