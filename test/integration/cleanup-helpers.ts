/**
 * Helpers for create-failures, hooks and security tests (on top of helpers.ts, which is shared).
 *
 * Other engineers run containers on the same host at the same time, so "no oci-ts-init process
 * left" is checked only for processes that can be attributed to this bundle or id: in its cgroup,
 * rooted or working under the bundle, or with the bundle in their mount table.
 */
import { spawn, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Bundle, leftovers, OCI_TS } from './helpers';

export { sleepMs as sleep, waitFor } from './probe';

function readOr(p: string, dflt = ''): string {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return dflt;
  }
}

function linkOr(p: string): string {
  try {
    return fs.readlinkSync(p);
  } catch {
    return '';
  }
}

/** Does process `pid` belong to this bundle / container id? */
export function belongsTo(pid: string | number, b: Bundle, id: string): boolean {
  if (readOr(`/proc/${pid}/cgroup`).split('\n').some((l) => l.endsWith(`/${id}`))) return true;
  for (const l of ['root', 'cwd']) if (linkOr(`/proc/${pid}/${l}`).startsWith(b.dir)) return true;
  return readOr(`/proc/${pid}/mountinfo`).includes(b.dir);
}

/** leftovers(b, id), with oci-ts-init processes of other people's containers filtered out. */
export function ownLeftovers(b: Bundle, id: string): string[] {
  return leftovers(b, id).filter((l) => {
    const m = /^process (\d+) /.exec(l);
    return !m || belongsTo(m[1], b, id);
  });
}

/** Live (non-zombie) processes whose command line contains `marker`. */
export function processesWith(marker: string): string[] {
  const found: string[] = [];
  for (const p of fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    if (Number(p) === process.pid) continue;
    const cmd = readOr(`/proc/${p}/cmdline`).replace(/\0/g, ' ');
    const stat = readOr(`/proc/${p}/stat`);
    if (cmd.includes(marker) && stat && !stat.includes(') Z ')) found.push(`${p} ${cmd}`);
  }
  return found;
}

/** The mount points of the host's (this process's) mount table. */
export function mountPoints(): string[] {
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ')[4]);
}

/**
 * Mount points added since `before`, ignoring those under other tests' temporary bundles
 * (/tmp/oci-ts-test-* that are not ours): those belong to concurrently running tests.
 */
export function newMounts(before: string[], b: Bundle): string[] {
  const had = new Map<string, number>();
  for (const m of before) had.set(m, (had.get(m) ?? 0) + 1);
  const tmp = os.tmpdir();
  const out: string[] = [];
  for (const m of mountPoints()) {
    const n = had.get(m) ?? 0;
    if (n > 0) {
      had.set(m, n - 1);
      continue;
    }
    const foreign = m.startsWith(path.join(tmp, 'oci-ts-')) && !m.startsWith(b.dir);
    if (!foreign) out.push(m);
  }
  return out;
}

/**
 * Start bin/oci-ts without waiting, stdout/stderr to files (a created container inherits them, so
 * a pipe would never close). Extra fds (index 3...) may be passed.
 */
export function ociSpawn(
  b: Bundle,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; extraFds?: number[]; name?: string } = {},
): { child: ChildProcess; exited: Promise<number | null>; stdout: () => string; stderr: () => string } {
  const name = opts.name ?? 'spawn';
  const outPath = path.join(b.dir, `${name}.out`);
  const errPath = path.join(b.dir, `${name}.err`);
  const out = fs.openSync(outPath, 'w');
  const err = fs.openSync(errPath, 'w');
  const child = spawn(OCI_TS, ['--root', b.root, ...args], {
    cwd: b.dir,
    env: opts.env ?? process.env,
    stdio: ['ignore', out, err, ...(opts.extraFds ?? [])],
  });
  fs.closeSync(out);
  fs.closeSync(err);
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, exited, stdout: () => readOr(outPath), stderr: () => readOr(errPath) };
}

/** Write an executable script. */
export function script(file: string, text: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text, { mode: 0o755 });
  return file;
}

/** Remove cgroup directories a test left for `id` (after a failing assertion, so the host stays clean). */
export function removeCgroupDirs(id: string): void {
  for (const h of fs.readdirSync('/sys/fs/cgroup')) {
    const d = path.join('/sys/fs/cgroup', h, 'oci-ts', id);
    try {
      fs.rmdirSync(d);
    } catch {
      /* absent or busy */
    }
  }
}
