/**
 * Exhaustion (issue 11): limits the runtime itself runs into. Each ends in exit status 1 and one
 * line saying which limit, within a time bound, with nothing left; or, where the runtime can work
 * around the limit, in a container that sees what it would have seen.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { describeRoot, makeBundle, oci, run, OCI_TS, cleanup, uniqueId, Bundle } from './helpers';
import { ownLeftovers, removeCgroupDirs } from './cleanup-helpers';

function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l !== '' && !l.startsWith('time="'));
}

/** bin/oci-ts under `sh -c "PREFIX; exec oci-ts ARGS"` (ulimit, cgroup moves). */
function ociUnder(b: Bundle, prefix: string, args: string[], timeout = 30000) {
  const quoted = [OCI_TS, '--root', b.root, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const t0 = Date.now();
  const r = run(['sh', '-c', `${prefix}; exec ${quoted}`], { cwd: b.dir, timeout });
  return { ...r, ms: Date.now() - t0 };
}

/** A tmpfs outside the bundle (a mount under it would count as a leftover). */
function tmpfs(opts: string, extra: (() => void)[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-ts-exh-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', dir]);
  extra.push(() => {
    execFileSync('umount', ['-l', dir]);
    fs.rmdirSync(dir);
  });
  return dir;
}

describeRoot('exhaustion', () => {
  let b: Bundle;
  let id: string;
  const extra: (() => void)[] = [];
  beforeEach(() => {
    id = uniqueId('ex');
  });
  afterEach(() => {
    cleanup(b);
    removeCgroupDirs(id);
    while (extra.length) extra.pop()!();
  });

  test('ulimit -n 16 and 12: one line naming the limit, exit 1 (Node crashed with SIGSEGV / abort before)', () => {
    b = makeBundle();
    for (const n of [16, 12]) {
      const r = ociUnder(b, `ulimit -n ${n}`, ['create', id]);
      expect(errorLines(r.stderr)).toEqual([`oci-ts: the open file limit (RLIMIT_NOFILE, ulimit -n) is ${n} (hard ${n}): the runtime needs at least 64`]);
      expect(r.status).toBe(1);
      expect(ownLeftovers(b, id)).toEqual([]);
    }
  });

  test('a low soft limit is raised for the runtime, and the container still sees the caller\'s limit', () => {
    b = makeBundle(['sh', '-c', 'echo "soft $(ulimit -Sn) hard $(ulimit -Hn)"'], (c) => (c.process.rlimits = []));
    const hard = execFileSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim();
    const low = ociUnder(b, 'ulimit -Sn 16', ['run', id]);
    expect(low.status).toBe(0);
    expect(low.stdout).toBe(`soft 16 hard ${hard}\n`);
    oci(b, ['delete', '--force', id]);
    // Node raises its own soft limit at start-up: without the restore the container saw the hard limit
    const usual = ociUnder(b, 'ulimit -Sn 1000', ['run', id]);
    expect(usual.status).toBe(0);
    expect(usual.stdout).toBe(`soft 1000 hard ${hard}\n`);
    oci(b, ['delete', '--force', id]);
    // a limit in config.json is the container's, whatever the caller had
    b.config.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 500, hard: 600 }];
    b.write();
    const cfg = ociUnder(b, 'ulimit -Sn 16', ['run', id]);
    expect(cfg.stdout).toBe('soft 500 hard 600\n');
  });

  // The launcher walks every pids hierarchy (v1 `pids` and cgroup2); this test drives the v1 one.
  const pidsTest = fs.existsSync('/sys/fs/cgroup/pids/cgroup.procs') ? test : test.skip;
  pidsTest('the runtime\'s pids cgroup at its limit: create and run fail at once naming the cgroup (hung before)', () => {
    b = makeBundle();
    const pids = '/sys/fs/cgroup/pids';
    const cg = path.join(pids, `oci-ts-exh-${process.pid}-${id}`);
    fs.mkdirSync(cg);
    extra.push(() => fs.rmdirSync(cg));
    fs.writeFileSync(path.join(cg, 'pids.max'), '8');
    for (const cmd of ['create', 'run']) {
      const r = ociUnder(b, `echo $$ > ${cg}/cgroup.procs`, [cmd, id], 20000);
      expect(errorLines(r.stderr)).toHaveLength(1);
      expect(r.stderr).toMatch(new RegExp(`^oci-ts: the pids cgroup ${cg} is at its limit \\(pids\\.current \\d+ of pids\\.max 8\\): the runtime needs room for 16 more tasks$`, 'm'));
      expect(r.status).toBe(1);
      expect(r.ms).toBeLessThan(10000);
      expect(ownLeftovers(b, id)).toEqual([]);
    }
    // with room, the same command works
    fs.writeFileSync(path.join(cg, 'pids.max'), '64');
    const ok = ociUnder(b, `echo $$ > ${cg}/cgroup.procs`, ['run', id], 20000);
    expect(ok.status).toBe(0);
  });

  test('a full --root filesystem: the error names the file, exit 1, nothing left; nearly full too', () => {
    b = makeBundle();
    const fsDir = tmpfs('size=64k', extra);
    const root = path.join(fsDir, 'state');
    // every fill level from none left to a few pages left: a clean error, or a container that works
    for (let left = 0; left <= 4; left++) {
      for (const e of fs.readdirSync(fsDir)) fs.rmSync(path.join(fsDir, e), { recursive: true, force: true });
      fs.mkdirSync(root);
      const free = Number(fs.statfsSync(fsDir).bavail) * 4096;
      if (free - left * 4096 > 0) fs.writeFileSync(path.join(fsDir, 'filler'), Buffer.alloc(free - left * 4096));
      const cid = `${id}-${left}`;
      const r = run([OCI_TS, '--root', root, 'run', cid], { cwd: b.dir });
      if (r.status !== 0) {
        if (!/no space/.test(r.stderr)) throw new Error(`left ${left}: ${r.stderr}`);
        expect(errorLines(r.stderr)).toHaveLength(1);
        expect(r.stderr).toMatch(new RegExp(`^(writing|mkfifo|--root) ${root}\\S*.*: no space left on device$`, 'm'));
        expect(r.status).toBe(1);
      }
      // a foreground run removes its container when the process exits: nothing either way
      expect(fs.readdirSync(root)).toEqual([]);
      expect(ownLeftovers(b, cid)).toEqual([]);
      removeCgroupDirs(cid);
    }
  });

  test('a --root filesystem without free inodes: the error names the path, exit 1, nothing left', () => {
    b = makeBundle();
    const fsDir = tmpfs('size=1m,nr_inodes=16', extra);
    const root = path.join(fsDir, 'state');
    fs.mkdirSync(root);
    const fill = path.join(fsDir, 'fill');
    fs.mkdirSync(fill);
    for (let i = 0; ; i++) {
      try {
        fs.writeFileSync(path.join(fill, String(i)), '');
      } catch {
        break;
      }
    }
    const r = run([OCI_TS, '--root', root, 'create', id], { cwd: b.dir });
    expect(errorLines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`^(writing|mkfifo|--root) ${root}\\S*.*: no space left on device$`, 'm'));
    expect(r.status).toBe(1);
    expect(fs.readdirSync(root)).toEqual([]);
    expect(ownLeftovers(b, id)).toEqual([]);
  });

  test('large configs work: a 20 MB annotation read by an in-container hook, a 400 KiB plan (was sendmsg EMSGSIZE)', () => {
    const env = Array.from({ length: 2000 }, (_, i) => `E${i}=${String(i).padStart(190, 'v')}`);
    b = makeBundle(['sh', '-c', 'echo "$E1999"'], (c) => {
      c.annotations = { big: 'x'.repeat(20 << 20) };
      c.process.env.push(...env);
      // startContainer runs inside the container after pivot_root: /hook-state is in the rootfs
      c.hooks = { startContainer: [{ path: '/bin/sh', args: ['sh', '-c', 'wc -c > /hook-state'] }] };
    });
    const r = oci(b, ['run', id], { timeout: 60000 });
    expect(errorLines(r.stderr)).toEqual([]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${'1999'.padStart(190, 'v')}\n`);
    // the hook's stdin was the whole state document, annotation included
    expect(Number(fs.readFileSync(path.join(b.rootfs, 'hook-state'), 'utf8').trim())).toBeGreaterThan(20 << 20);
  }, 90000);
});
