/**
 * delete kills only what belongs to the container (runtime/container/processes.ts): its init and
 * the processes of its cgroup that share its own namespaces, never another container's init or a
 * host process that happens to be in the same cgroup; and it removes only the cgroup directories
 * oci-ts made, child cgroups included.
 */
import * as fs from 'fs';
import * as path from 'path';
import { spawn, ChildProcess } from 'child_process';
import { describeRoot, makeBundle, oci, ociOk, cleanup, uniqueId, Bundle } from './helpers';
import { ownLeftovers, waitFor, sleep } from './cleanup-helpers';

/** cgroup v1 and hybrid: one mount per hierarchy under /sys/fs/cgroup; pure v2: /sys/fs/cgroup itself. */
const PURE_V2 = fs.existsSync('/sys/fs/cgroup/cgroup.controllers');
const HIERARCHIES = PURE_V2 ? [''] : fs.existsSync('/sys/fs/cgroup') ? fs.readdirSync('/sys/fs/cgroup').filter((h) => fs.existsSync(path.join('/sys/fs/cgroup', h, 'cgroup.procs'))) : [];

function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !'ZX'.includes(stat[stat.lastIndexOf(')') + 2]);
  } catch {
    return false;
  }
}

/** The cgroup `rel` in every hierarchy (made if missing), with `pid` placed in each when given. */
function cgroupEverywhere(rel: string, pid?: number): string[] {
  return HIERARCHIES.map((h) => {
    let d = path.join('/sys/fs/cgroup', h);
    for (const part of rel.split('/')) {
      d = path.join(d, part);
      if (fs.existsSync(d)) continue;
      fs.mkdirSync(d);
      // v1 cpuset: a new cgroup takes no task until cpus and mems are set
      if (!PURE_V2 && fs.existsSync(path.join(d, 'cpuset.cpus')) && !fs.existsSync(path.join(d, 'cgroup.controllers'))) {
        for (const f of ['cpuset.cpus', 'cpuset.mems']) fs.writeFileSync(path.join(d, f), fs.readFileSync(path.join(path.dirname(d), f), 'utf8').trim());
      }
    }
    if (pid) fs.writeFileSync(path.join(d, 'cgroup.procs'), String(pid));
    return d;
  });
}

/** Remove a test cgroup tree (children first), waiting up to 3 s for killed processes to leave it. */
async function removeTree(dir: string): Promise<void> {
  if (!fs.existsSync(dir)) return;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) await removeTree(path.join(dir, e.name));
  for (let i = 0; i < 60; i++) {
    try {
      fs.rmdirSync(dir);
      return;
    } catch {
      await sleep(50);
    }
  }
}

describeRoot('delete kills only what belongs to the container', () => {
  let b: Bundle;
  let rel: string;
  let ids: string[];
  let host: ChildProcess | undefined;
  beforeEach(() => {
    rel = `oci-ts-own-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    b = makeBundle(['sleep', '1000'], (c) => {
      c.linux.cgroupsPath = `/${rel}`;
      delete c.process.capabilities.ambient;
    });
    ids = [];
    host = undefined;
  });
  afterEach(async () => {
    for (const id of ids) oci(b, ['delete', '--force', id]);
    if (host && host.exitCode === null && host.signalCode === null) {
      const gone = new Promise((r) => host!.once('exit', r));
      host.kill('SIGKILL');
      await gone;
    }
    for (const h of HIERARCHIES) await removeTree(path.join('/sys/fs/cgroup', h, rel));
    cleanup(b);
  });

  function created(id: string): number {
    ids.push(id);
    const r = oci(b, ['create', id]);
    if (r.status !== 0) throw new Error(`create ${id}: ${r.stderr}`);
    return JSON.parse(ociOk(b, ['state', id])).pid;
  }

  test('two containers with the same cgroupsPath: deleting one leaves the other running', async () => {
    const a = uniqueId('own-a');
    const c = uniqueId('own-b');
    created(a);
    const otherPid = created(c);
    ociOk(b, ['start', c]);
    const d = oci(b, ['delete', '--force', a]);
    expect(d.status).toBe(0);
    // the cgroup stays for the other container, and says so
    expect(d.stderr).toMatch(/left in place: it holds 1 process\(es\) that are not this container's/);
    expect(alive(otherPid)).toBe(true);
    expect(JSON.parse(ociOk(b, ['state', c])).status).toBe('running');
    expect(fs.existsSync(path.join(b.root, a))).toBe(false);
    ociOk(b, ['delete', '--force', c]);
    await waitFor(() => !alive(otherPid), 3000);
    // made by the first container, used by the second: left for the test to remove (architecture.md)
  });

  test('a cgroupsPath naming a cgroup with a host process: create warns, delete and a failed create spare it', async () => {
    host = spawn('sleep', ['1000'], { stdio: 'ignore' });
    const dirs = cgroupEverywhere(rel, host.pid!);
    const id = uniqueId('own-h');
    ids.push(id);
    const r = oci(b, ['create', id]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/container's cgroup is not empty: 1 process\(es\) found/);
    const init = JSON.parse(ociOk(b, ['state', id])).pid;
    // the container's own processes, forked after start, share its namespaces: they go
    ociOk(b, ['delete', '--force', id]);
    await waitFor(() => !alive(init), 3000);
    expect(alive(host.pid!)).toBe(true);
    // not made by oci-ts: left where they were
    for (const d of dirs) expect(fs.existsSync(d)).toBe(true);
    expect(ownLeftovers(b, id)).toEqual([]);

    // the undo of a failed create spares it too
    b.config.hooks = { prestart: [{ path: '/bin/false' }] };
    b.write();
    const failed = oci(b, ['create', uniqueId('own-f')]);
    expect(failed.status).toBe(1);
    expect(alive(host.pid!)).toBe(true);
    for (const d of dirs) expect(fs.existsSync(d)).toBe(true);
  });

  test('without a pid namespace: the processes in its mount namespace go, the host process stays', async () => {
    host = spawn('sleep', ['1000'], { stdio: 'ignore' });
    cgroupEverywhere(rel, host.pid!);
    b.config.process.args = ['sh', '-c', 'sleep 1001 & exec sleep 1000'];
    b.config.linux.namespaces = b.config.linux.namespaces.filter((n: { type: string }) => n.type !== 'pid');
    b.write();
    const id = uniqueId('own-n');
    ids.push(id);
    const init = created(id);
    ociOk(b, ['start', id]);
    let child = 0;
    await waitFor(() => {
      for (const p of fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
        if (fs.existsSync(`/proc/${p}/cmdline`) && fs.readFileSync(`/proc/${p}/cmdline`, 'utf8') === 'sleep\x001001\x00') child = Number(p);
      }
      return child > 0;
    }, 5000);
    ociOk(b, ['delete', '--force', id]);
    await waitFor(() => !alive(init) && !alive(child), 3000);
    expect(alive(host.pid!)).toBe(true);
  });

  test('child cgroups made under the container are removed, with what runs in them', async () => {
    b.config.process.args = ['sh', '-c', 'sleep 1001 & exec sleep 1000'];
    b.write();
    const id = uniqueId('own-c');
    const init = created(id);
    ociOk(b, ['start', id]);
    let child = 0;
    await waitFor(() => {
      child = Number(fs.readFileSync(path.join('/sys/fs/cgroup', HIERARCHIES[0], rel, 'cgroup.procs'), 'utf8').split('\n').find((p) => p && Number(p) !== init) ?? 0);
      return child > 0;
    }, 5000);
    // a tool (or the container, with a writable cgroupfs) makes a nested cgroup and moves a process there
    const nested = cgroupEverywhere(`${rel}/inner/deeper`, child);
    const d = oci(b, ['delete', '--force', id]);
    expect({ status: d.status, err: d.stderr }).toEqual({ status: 0, err: '' });
    for (const n of nested) expect(fs.existsSync(path.dirname(path.dirname(n)))).toBe(false);
    expect(alive(init) || alive(child)).toBe(false);
    await sleep(10);
  });
});
