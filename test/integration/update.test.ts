/**
 * update on real containers: the new limits are in the cgroup files, the container sees them and
 * is held to them (a fork past pids.max fails, an allocation past the memory limit is OOM-killed),
 * state.json records the merged resources, and a rejected update changes nothing. Runs on the
 * hybrid host (v1 controllers) and in the pure cgroup v2 guest.
 */
import * as fs from 'fs';
import * as path from 'path';
import { describeRoot, makeBundle, oci, ociOk, cleanup, uniqueId, leftovers, Bundle } from './helpers';
import { sh, waitFor } from './probe';

const SLOW = process.env.V2GUEST ? 15 : 1; // the v2 guest (test/v2guest) is emulated: 10-20x slower
const hostOnly = process.env.V2GUEST ? test.skip : test;

/** Waits for /tmp/go-pids, tries 10 forks; waits for /tmp/go-mem, allocates 64 MiB. */
const SCRIPT = [
  'cg() { cat /sys/fs/cgroup/$1/$2 2>/dev/null || cat /sys/fs/cgroup/$3; }',
  'until [ -e /tmp/go-pids ]; do usleep 20000; done',
  'cg pids pids.max pids.max >/tmp/pids.seen',
  '(for i in 1 2 3 4 5 6 7 8 9 10; do sleep 1000 & done) 2>/tmp/fork.err; echo done >/tmp/forked',
  'until [ -e /tmp/go-mem ]; do usleep 20000; done',
  'cg memory memory.limit_in_bytes memory.max >/tmp/mem.seen',
  'dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null; echo $? >/tmp/dd.rc',
  'exec sleep 1000',
].join('\n');

function stateResources(b: Bundle, id: string): any {
  return JSON.parse(fs.readFileSync(path.join(b.root, id, 'state.json'), 'utf8')).spec.linux.resources;
}

/** The container's directory holding `file` (v1 controller hierarchy or the cgroup2 one). */
function cgFile(b: Bundle, id: string, v1: string, v2: string): string {
  const dirs: string[] = JSON.parse(fs.readFileSync(path.join(b.root, id, 'state.json'), 'utf8')).cgroupPaths;
  for (const d of dirs) if (fs.existsSync(path.join(d, v1))) return path.join(d, v1);
  for (const d of dirs) if (fs.existsSync(path.join(d, v2))) return path.join(d, v2);
  throw new Error(`neither ${v1} nor ${v2} in ${dirs.join(' ')}`);
}

const read = (f: string) => fs.readFileSync(f, 'utf8').trim();
const inRootfs = (b: Bundle, f: string) => path.join(b.rootfs, 'tmp', f);

describeRoot('update', () => {
  let b: Bundle;
  afterEach(() => cleanup(b));

  test('pids and memory limits: in the files, seen inside, enforced; state.json records them', () => {
    b = makeBundle(sh(SCRIPT), (c) => {
      c.linux.resources = { ...c.linux.resources, pids: { limit: 100 }, memory: { limit: 512 * 1024 * 1024 }, cpu: { quota: 50000, period: 100000 } };
    });
    const id = uniqueId('upd');
    ociOk(b, ['run', '-d', id]);
    const pidsMax = cgFile(b, id, 'pids.max', 'pids.max');
    const memMax = cgFile(b, id, 'memory.limit_in_bytes', 'memory.max');
    expect(read(pidsMax)).toBe('100');

    ociOk(b, ['update', '--pids-limit', '4', '--cpu-quota', '20000', id]);
    expect(read(pidsMax)).toBe('4');
    fs.writeFileSync(inRootfs(b, 'go-pids'), '');
    waitFor(() => fs.existsSync(inRootfs(b, 'forked')), 10000 * SLOW);
    expect(read(inRootfs(b, 'pids.seen'))).toBe('4');
    expect(read(inRootfs(b, 'fork.err'))).toMatch(/can't fork|Resource temporarily unavailable/);
    expect(Number(read(cgFile(b, id, 'pids.current', 'pids.current')))).toBeLessThanOrEqual(4);
    // the quota alone kept the saved period (v2 writes both into cpu.max)
    const cpuMax = cgFile(b, id, 'cpu.cfs_quota_us', 'cpu.max');
    expect(read(cpuMax)).toBe(cpuMax.endsWith('cpu.max') ? '20000 100000' : '20000');

    // --resources on stdin, as containerd sends it; size units and -1 on the flags
    const r = oci(b, ['update', '-r', '-', id], { input: JSON.stringify({ memory: { limit: 32 * 1024 * 1024 }, pids: { limit: 0 } }) });
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(read(memMax)).toBe(String(32 * 1024 * 1024));
    expect(read(pidsMax)).toBe('4'); // pids.limit 0 means unchanged (runc 1.1)
    fs.writeFileSync(inRootfs(b, 'go-mem'), '');
    waitFor(() => fs.existsSync(inRootfs(b, 'dd.rc')), 10000 * SLOW);
    expect(read(inRootfs(b, 'mem.seen'))).toBe(String(32 * 1024 * 1024));
    expect(read(inRootfs(b, 'dd.rc'))).toBe('137'); // SIGKILL from the OOM killer
    expect(JSON.parse(ociOk(b, ['state', id])).status).toBe('running');

    ociOk(b, ['update', '--memory', '1g', '--pids-limit', '-1', id]);
    expect(read(memMax)).toBe(String(1024 ** 3));
    expect(read(pidsMax)).toBe('max');
    expect(stateResources(b, id)).toEqual(expect.objectContaining({
      memory: { limit: 1024 ** 3 },
      pids: { limit: -1 },
      cpu: { quota: 20000, period: 100000 },
    }));
    ociOk(b, ['delete', '--force', id]);
    expect(leftovers(b, id)).toEqual([]);
  });

  // (host-independent: CLI parsing and messages; not repeated in the slow v2 guest)
  hostOnly('a rejected update names the field or flag, exits 1 and changes nothing', () => {
    b = makeBundle(['sleep', '1000'], (c) => {
      c.linux.resources = { ...c.linux.resources, pids: { limit: 100 }, memory: { limit: 256 * 1024 * 1024 } };
    });
    const id = uniqueId('upd');
    ociOk(b, ['run', '-d', id]);
    const pidsMax = cgFile(b, id, 'pids.max', 'pids.max');
    const memMax = cgFile(b, id, 'memory.limit_in_bytes', 'memory.max');
    const saved = stateResources(b, id);
    const file = path.join(b.dir, 'res.json');
    const cases: [string[], string | undefined, RegExp][] = [
      [['-r', '-'], JSON.stringify({ memory: { limit: 'lots' }, pids: { limit: 5 } }), /^resources \/memory\/limit: must be an integer\n$/],
      [['-r', '-'], JSON.stringify({ pids: { limit: 5 }, memory: { limit: 1 << 30, swap: 1 << 20 } }), /^resources \/memory\/swap: memory\+swap limit .* should be >= memory limit/],
      [['-r', '-'], '{"pids": ', /^parse resources \(stdin\): invalid JSON at line 1, column 10/],
      [['-r', '-'], '[]', /^resources \/: must be an object\n$/],
      [['-r', file], undefined, /^open .*res\.json: no such file or directory\n$/],
      [['--pids-limit', '5', '--memory', '12x'], undefined, /^invalid value for memory: invalid size: '12x'\n$/],
      [['--pids-limit', '5', '--cpu-period', '-1'], undefined, /^invalid value for cpu-period: strconv\.ParseUint: parsing "-1": invalid syntax\n$/],
      [['--pids-limit', '5', '--cpuset-cpus', '4095'], undefined, /^--cpuset-cpus: cpuset\.cpus: (invalid argument|numerical result out of range)\n$/],
      [['--l3-cache-schema', 'L3:0=f'], undefined, /^Intel RDT\/CAT: l3 cache schema is not enabled\n$|^updating a non-existent Intel RDT configuration is not supported\n$/],
    ];
    for (const [args, input, msg] of cases) {
      const r = oci(b, ['update', ...args, id], { input });
      expect([r.status, r.stderr]).toEqual([1, expect.stringMatching(msg)]);
      expect(read(pidsMax)).toBe('100');
      expect(stateResources(b, id)).toEqual(saved);
    }
    expect(read(memMax)).toBe(String(256 * 1024 * 1024));
    const missing = oci(b, ['update', '--memory', '1g', 'nope-' + process.pid]);
    expect([missing.status, missing.stderr]).toEqual([1, expect.stringMatching(/does not exist/)]);

    ociOk(b, ['kill', id, 'KILL']);
    waitFor(() => JSON.parse(ociOk(b, ['state', id])).status === 'stopped', 5000 * SLOW);
    const stopped = oci(b, ['update', '--memory', '1g', id]);
    expect([stopped.status, stopped.stderr]).toEqual([1, 'container not running\n']);
    ociOk(b, ['delete', id]);
    expect(leftovers(b, id)).toEqual([]);
  });

  test('devices: a denied device opens after update allows it, and is denied again after', () => {
    b = makeBundle(sh([
      'mknod /dev/xfuse c 10 229', // in the container's /dev tmpfs: /tmp may be nodev (the v2 guest's is)
      'n=0; while true; do',
      '  if [ -e /tmp/try ]; then rm /tmp/try; n=$((n+1)); (exec 3</dev/xfuse) 2>/tmp/err.$n && echo ok >/tmp/res.$n || echo denied >/tmp/res.$n; fi',
      '  usleep 20000',
      'done',
    ].join('\n')), (c) => {
      const caps = [...c.process.capabilities.bounding, 'CAP_MKNOD'];
      c.process.capabilities = { bounding: caps, effective: caps, permitted: caps };
    });
    const id = uniqueId('upd');
    ociOk(b, ['run', '-d', id]);
    const attempt = (n: number) => {
      fs.writeFileSync(inRootfs(b, 'try'), '');
      waitFor(() => fs.existsSync(inRootfs(b, `res.${n}`)), 10000 * SLOW);
      return read(inRootfs(b, `res.${n}`));
    };
    expect(attempt(1)).toBe('denied');
    expect(read(inRootfs(b, 'err.1'))).toMatch(/Operation not permitted/);
    const allow = { devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 229, access: 'rw' }] };
    expect(oci(b, ['update', '-r', '-', id], { input: JSON.stringify(allow) }).status).toBe(0);
    expect(attempt(2)).toBe('ok');
    expect(stateResources(b, id).devices).toEqual(allow.devices);
    // an update without devices leaves them alone
    expect(oci(b, ['update', '--pids-limit', '50', id]).status).toBe(0);
    expect(attempt(3)).toBe('ok');
    expect(oci(b, ['update', '-r', '-', id], { input: JSON.stringify({ devices: [{ allow: false, access: 'rwm' }] }) }).status).toBe(0);
    expect(attempt(4)).toBe('denied');
  });
});
