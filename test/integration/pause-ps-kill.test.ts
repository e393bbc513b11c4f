/**
 * pause, resume, ps and kill --all on real containers (runc's messages and exit codes). Runs on
 * the hybrid host (v1 freezer) and in the pure cgroup v2 guest (cgroup.freeze): the assertions read
 * whichever freezer file the container's cgroup has.
 */
import * as fs from 'fs';
import * as path from 'path';
import { describeRoot, makeBundle, oci, ociOk, cleanup, uniqueId, leftovers, Bundle } from './helpers';
import { sh, sleepMs, waitFor } from './probe';

const SLOW = process.env.V2GUEST ? 15 : 1; // the v2 guest (test/v2guest) is emulated: 10-20x slower
const hostOnly = process.env.V2GUEST ? test.skip : test;

/** A loop that writes an increasing counter to /tmp/count, plus a background child. */
const COUNTER = 'sleep 1000 & echo $! >/tmp/child; i=0; while true; do i=$((i+1)); echo $i >/tmp/count; usleep 20000; done';

function status(b: Bundle, id: string): string {
  return JSON.parse(ociOk(b, ['state', id])).status;
}

function count(b: Bundle): number {
  try {
    return Number(fs.readFileSync(path.join(b.rootfs, 'tmp', 'count'), 'utf8').trim()) || 0;
  } catch {
    return 0;
  }
}

/** The freezer file of the container's cgroup and the value that means frozen. */
function freezerFile(b: Bundle, id: string): { file: string; frozen: string; thawed: string } {
  const dirs: string[] = JSON.parse(fs.readFileSync(path.join(b.root, id, 'state.json'), 'utf8')).cgroupPaths;
  const v1 = dirs.find((d) => fs.existsSync(path.join(d, 'freezer.state')));
  if (v1) return { file: path.join(v1, 'freezer.state'), frozen: 'FROZEN', thawed: 'THAWED' };
  const v2 = dirs.find((d) => fs.existsSync(path.join(d, 'cgroup.freeze')));
  if (!v2) throw new Error(`no freezer in ${dirs.join(' ')}`);
  return { file: path.join(v2, 'cgroup.freeze'), frozen: '1', thawed: '0' };
}

const readTrim = (f: string) => fs.readFileSync(f, 'utf8').trim();

function pids(b: Bundle, id: string): number[] {
  return JSON.parse(ociOk(b, ['ps', '--format', 'json', id])) ?? [];
}

describeRoot('pause, resume, ps, kill --all', () => {
  let b: Bundle;
  afterEach(() => cleanup(b));

  test('a paused container does not advance; resume lets it go on; runc errors otherwise', () => {
    b = makeBundle(sh(COUNTER));
    const id = uniqueId('pause');
    ociOk(b, ['run', '-d', id]);
    waitFor(() => count(b) > 2, 5000 * SLOW);
    expect(oci(b, ['resume', id]).stderr).toBe('container not paused\n');

    ociOk(b, ['pause', id]);
    const f = freezerFile(b, id);
    expect(readTrim(f.file)).toBe(f.frozen);
    expect(status(b, id)).toBe('paused');
    const frozenAt = count(b);
    sleepMs(process.env.V2GUEST ? 2000 : 400);
    expect(count(b)).toBe(frozenAt);
    // pausing twice is runc's "container not running", exit 1
    const again = oci(b, ['pause', id]);
    expect([again.status, again.stderr]).toEqual([1, 'container not running\n']);
    expect(pids(b, id).length).toBeGreaterThanOrEqual(2); // sh, sleep 1000 (and usleep)

    ociOk(b, ['resume', id]);
    expect(readTrim(f.file)).toBe(f.thawed);
    expect(status(b, id)).toBe('running');
    waitFor(() => count(b) > frozenAt + 2, 5000 * SLOW);

    ociOk(b, ['kill', id, 'KILL']);
    waitFor(() => status(b, id) === 'stopped', 5000 * SLOW);
    for (const cmd of ['pause', 'resume']) {
      const r = oci(b, [cmd, id]);
      expect([r.status, r.stderr]).toEqual([1, cmd === 'pause' ? 'container not running\n' : 'container not paused\n']);
    }
    ociOk(b, ['delete', id]);
    expect(leftovers(b, id)).toEqual([]);
  });

  // (the same freezer as the test above, in another status: not repeated in the slow v2 guest)
  hostOnly('a created container can be paused and resumed, then started', () => {
    b = makeBundle(sh('echo started >/tmp/started; sleep 1000'));
    const id = uniqueId('pause');
    ociOk(b, ['create', id]);
    ociOk(b, ['pause', id]);
    expect(status(b, id)).toBe('paused');
    ociOk(b, ['resume', id]);
    expect(status(b, id)).toBe('created');
    ociOk(b, ['start', id]);
    waitFor(() => fs.existsSync(path.join(b.rootfs, 'tmp', 'started')), 5000 * SLOW);
    expect(status(b, id)).toBe('running');
  });

  // (host-independent: CLI parsing and messages; not repeated in the slow v2 guest)
  hostOnly('unknown container: pause, resume, ps fail with "does not exist"', () => {
    b = makeBundle();
    for (const cmd of [['pause'], ['resume'], ['ps', '--format', 'json']]) {
      const r = oci(b, [...cmd, 'nope-' + process.pid]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/does not exist/);
    }
  });

  // (host-independent: CLI parsing and messages; not repeated in the slow v2 guest)
  hostOnly('ps: json is every pid of the cgroup; table keeps the header and the container rows', () => {
    // a fixed set of processes (the counter loop's short-lived usleeps would race the two reads)
    b = makeBundle(sh('sleep 1000 & echo $! >/tmp/child; wait'));
    const id = uniqueId('ps');
    ociOk(b, ['run', '-d', id]);
    waitFor(() => fs.existsSync(path.join(b.rootfs, 'tmp', 'child')) && pids(b, id).length === 2, 5000 * SLOW);
    const init = JSON.parse(ociOk(b, ['state', id])).pid;
    const list = pids(b, id);
    expect(list).toContain(init);
    const child = Number(readTrim(path.join(b.rootfs, 'tmp', 'child')));
    // the child's pid as the container sees it (pid namespace) differs; find the host pid by cmdline
    const hostChild = list.find((p) => fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith('sleep\x001000'));
    expect(hostChild).toBeDefined();
    expect(child).toBeGreaterThan(0);

    const table = ociOk(b, ['ps', id, '-o', 'pid,comm']).trimEnd().split('\n');
    expect(table[0].trim().split(/\s+/)).toEqual(['PID', 'COMMAND']);
    const rows = table.slice(1).map((l) => Number(l.trim().split(/\s+/)[0]));
    expect(rows.length).toBe(2);
    for (const p of rows) expect(list).toContain(p); // no host process slips in
    expect(rows).toContain(init);
    expect(rows).toContain(hostChild);
    // default args are -ef: the UID ... CMD header
    expect(ociOk(b, ['ps', id]).split('\n')[0]).toMatch(/^UID\s+PID\s+PPID/);

    const noPid = oci(b, ['ps', id, '-o', 'comm']);
    expect([noPid.status, noPid.stderr]).toEqual([1, "couldn't find PID field in ps output\n"]);
    const badFormat = oci(b, ['ps', '--format', 'yaml', id]);
    expect([badFormat.status, badFormat.stderr]).toEqual([1, 'invalid format option\n']);
  });

  test('delete --force of a paused container kills its frozen processes and removes its cgroups (runc delete.bats)', () => {
    b = makeBundle(sh(COUNTER));
    const id = uniqueId('pausedel');
    ociOk(b, ['run', '--detach', id]);
    waitFor(() => count(b) > 0);
    const procs = pids(b, id);
    expect(procs.length).toBeGreaterThanOrEqual(2);
    ociOk(b, ['pause', id]);
    expect(status(b, id)).toBe('paused');
    const t = Date.now();
    const r = oci(b, ['delete', '--force', id]);
    expect([r.status, r.stderr]).toEqual([0, '']);
    // not the 10 s a kill waits for processes that never take their signal
    expect(Date.now() - t).toBeLessThan(5000 * SLOW);
    expect(leftovers(b, id)).toEqual([]);
    expect(procs.filter((p) => fs.existsSync(`/proc/${p}`) && !/\) Z /.test(readTrim(`/proc/${p}/stat`)))).toEqual([]);
  });

  test('kill --all reaches every process, thawing a paused container; of a stopped one it exits 0', () => {
    // pid 1 ignores SIGTERM without a handler; its child does not: `wait` returns once the child dies
    b = makeBundle(sh('sleep 1000 & wait; echo child-gone >/tmp/done; exec sleep 1000'));
    const id = uniqueId('killall');
    ociOk(b, ['run', '-d', id]);
    waitFor(() => pids(b, id).length === 2, 5000 * SLOW);
    ociOk(b, ['pause', id]);
    ociOk(b, ['kill', '--all', id, 'TERM']);
    // runc freezes, signals and thaws: the container runs again and the signal has landed
    waitFor(() => fs.existsSync(path.join(b.rootfs, 'tmp', 'done')), 5000 * SLOW);
    expect(status(b, id)).toBe('running');
    expect(readTrim(freezerFile(b, id).file)).toBe(freezerFile(b, id).thawed);

    ociOk(b, ['pause', id]);
    ociOk(b, ['kill', '-a', id, '9']);
    waitFor(() => status(b, id) === 'stopped', 5000 * SLOW);
    expect(pids(b, id)).toEqual([]);
    expect(ociOk(b, ['ps', '--format', 'json', id])).toBe('null\n');
    const all = oci(b, ['kill', '--all', id, 'KILL']);
    expect([all.status, all.stderr]).toEqual([0, '']);
    const one = oci(b, ['kill', id, 'KILL']);
    expect([one.status, one.stderr]).toEqual([1, 'container not running\n']);
    ociOk(b, ['delete', id]);
    expect(leftovers(b, id)).toEqual([]);
  });
});

// On a hybrid host the CLI uses the v1 freezer; the cgroup2 mount beside it has cgroup.freeze in
// every non-root directory, so the v2 freezer is exercised here directly (the v2 guest runs it
// through the CLI above).
const UNIFIED = '/sys/fs/cgroup/unified';
const hybridV2 = fs.existsSync(path.join(UNIFIED, 'cgroup.procs'));
(hybridV2 && process.getuid?.() === 0 ? describe : describe.skip)('cgroup v2 freezer on the hybrid host', () => {
  test('setFrozen waits for "frozen 1"; a frozen loop does not advance; thaw lets it go on', () => {
    const { setFrozen, isFrozen, freezerOf } = require('../../runtime/cgroups/freezer') as typeof import('../../runtime/cgroups/freezer');
    const { spawn } = require('child_process') as typeof import('child_process');
    const dir = path.join(UNIFIED, `oci-ts-freeze-${process.pid}`);
    const tmp = fs.mkdtempSync('/tmp/oci-ts-freeze-');
    const counter = path.join(tmp, 'count');
    fs.mkdirSync(dir);
    const child = spawn('sh', ['-c', `i=0; while true; do i=$((i+1)); echo $i >${counter}; sleep 0.02; done`], { stdio: 'ignore' });
    try {
      fs.writeFileSync(path.join(dir, 'cgroup.procs'), String(child.pid));
      const read = () => Number(fs.readFileSync(counter, 'utf8').trim() || 0);
      waitFor(() => fs.existsSync(counter) && read() > 2);
      expect(freezerOf([dir])).toEqual({ dir, version: 2 });
      expect(setFrozen([dir], true)).toBe(true);
      expect(fs.readFileSync(path.join(dir, 'cgroup.events'), 'utf8')).toMatch(/^frozen 1$/m);
      expect(isFrozen([dir])).toBe(true);
      const at = read();
      sleepMs(300);
      expect(read()).toBe(at);
      setFrozen([dir], false);
      expect(isFrozen([dir])).toBe(false);
      waitFor(() => read() > at + 2);
    } finally {
      child.kill('SIGKILL');
      waitFor(() => fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').trim() === '');
      fs.rmdirSync(dir);
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describeRoot('ps and kill --all: child cgroups', () => {
  let b: Bundle;
  afterEach(() => cleanup(b));

  test('a process moved into a child cgroup of the container is listed and signalled (runc GetAllPids)', () => {
    b = makeBundle(sh('sleep 1000 & wait'));
    const id = uniqueId('sub');
    ociOk(b, ['run', '-d', id]);
    waitFor(() => pids(b, id).length === 2, 5000 * SLOW);
    const init = JSON.parse(ociOk(b, ['state', id])).pid;
    const child = pids(b, id).find((p) => p !== init)!;
    const dirs: string[] = JSON.parse(fs.readFileSync(path.join(b.root, id, 'state.json'), 'utf8')).cgroupPaths;
    for (const d of dirs) {
      fs.mkdirSync(path.join(d, 'sub'));
      // a v1 cpuset takes no task until it has cpus and mems
      for (const f of ['cpuset.cpus', 'cpuset.mems']) if (fs.existsSync(path.join(d, 'sub', f))) fs.writeFileSync(path.join(d, 'sub', f), readTrim(path.join(d, f)));
      fs.writeFileSync(path.join(d, 'sub', 'cgroup.procs'), String(child));
    }
    for (const d of dirs) expect(readTrim(path.join(d, 'cgroup.procs')).split('\n')).not.toContain(String(child));
    expect(pids(b, id)).toEqual([init, child].sort((x, y) => x - y));
    ociOk(b, ['kill', '--all', id, 'KILL']);
    waitFor(() => status(b, id) === 'stopped' && !fs.existsSync(`/proc/${child}/cmdline`), 5000 * SLOW);
    ociOk(b, ['delete', id]);
    for (const d of dirs) expect(fs.existsSync(path.join(d, 'sub'))).toBe(false);
    expect(leftovers(b, id)).toEqual([]);
  });
});
