/**
 * cgroup v2, for real. On a pure v2 host (the guest of scripts/test-v2.sh, test/v2guest/README.md):
 * the container's cgroup with every controller delegated down the path, limits read back from the
 * files and their effect seen inside, /sys/fs/cgroup inside the container being its own cgroup2
 * directory, runc's edge cases. Device filtering (a BPF program) and freezing need only a cgroup2
 * directory, so those tests also run on a hybrid host's unified hierarchy.
 */
import * as fs from 'fs';
import * as path from 'path';
import { describeRoot, makeBundle, oci, ociOk, cleanup, uniqueId, leftovers, Bundle, isRoot, run } from './helpers';
import { applyDevices } from '../../runtime/cgroups/v2/devices';
import { native } from '../../runtime/native';
import { outOf, sh } from './probe';

const CG = '/sys/fs/cgroup';
const pureV2 = fs.existsSync(path.join(CG, 'cgroup.controllers'));
const describeV2 = pureV2 ? describeRoot : describe.skip; // this host is not pure cgroup v2: scripts/test-v2.sh runs these in a v2 guest
const dirOf = (id: string) => path.join(CG, 'oci-ts', id);
const read = (id: string, file: string) => fs.readFileSync(path.join(dirOf(id), file), 'utf8').trim();
const controllers = (dir: string) => fs.readFileSync(path.join(dir, 'cgroup.controllers'), 'utf8').trim().split(/\s+/);

describeV2('cgroups on a pure v2 host', () => {
  let b: Bundle;
  afterEach(() => cleanup(b));

  test('create: controllers delegated down the path, none in the leaf, limits converted as runc does', () => {
    b = makeBundle(['true'], (c) => {
      c.linux.resources = {
        ...c.linux.resources,
        memory: { limit: 50593792, swap: 70000000, reservation: 40000000 },
        cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0', mems: '0' },
        pids: { limit: 42 },
        blockIO: { weight: 500 },
        unified: { 'memory.high': '60000000' },
      };
    });
    const id = uniqueId('v2');
    const r = oci(b, ['create', id]);
    expect(r.stderr).not.toMatch(/level=error/);
    expect(r.status).toBe(0);
    const want = controllers(CG);
    // every ancestor delegates what it has; the leaf holds the process, so it delegates nothing
    expect(fs.readFileSync(path.join(CG, 'oci-ts', 'cgroup.subtree_control'), 'utf8').trim().split(/\s+/).sort()).toEqual(controllers(path.join(CG, 'oci-ts')).sort());
    expect(read(id, 'cgroup.subtree_control')).toBe('');
    for (const c of ['cpuset', 'cpu', 'io', 'memory', 'pids']) if (want.includes(c)) expect(controllers(dirOf(id))).toContain(c);
    expect(read(id, 'memory.max')).toBe('50593792');
    expect(read(id, 'memory.swap.max')).toBe(String(70000000 - 50593792 - ((70000000 - 50593792) % 4096))); // page-rounded swap only
    expect(read(id, 'memory.low')).toBe(String(Math.floor(40000000 / 4096) * 4096));
    expect(read(id, 'memory.high')).toBe(String(Math.floor(60000000 / 4096) * 4096));
    expect(read(id, 'cpu.weight')).toBe('59'); // runc ConvertCPUSharesToCgroupV2Value(512)
    expect(read(id, 'cpu.max')).toBe('50000 100000');
    expect(read(id, 'cpuset.cpus')).toBe('0');
    expect(read(id, 'cpuset.mems')).toBe('0');
    expect(read(id, 'pids.max')).toBe('42');
    const io = fs.existsSync(path.join(dirOf(id), 'io.bfq.weight')) ? read(id, 'io.bfq.weight') : read(id, 'io.weight');
    expect(io).toMatch(fs.existsSync(path.join(dirOf(id), 'io.bfq.weight')) ? /500/ : /default 4950/); // runc: 1 + (500-10)*9999/990
    // the init is in the leaf
    const pid = JSON.parse(ociOk(b, ['state', id])).pid;
    expect(fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim()).toBe(`0::/oci-ts/${id}`);
    ociOk(b, ['delete', '--force', id]);
    expect(leftovers(b, id)).toEqual([]);
  });

  test('inside: /sys/fs/cgroup is the container cgroup2 directory, read-only; cgroup namespace root', () => {
    b = makeBundle(sh('cat /proc/self/cgroup; grep " /sys/fs/cgroup " /proc/self/mountinfo; cat /sys/fs/cgroup/pids.max; ls /sys/fs/cgroup | grep -c "^init.scope$"; (echo 5 > /sys/fs/cgroup/pids.max) 2>&1; echo w=$?'), (c) => {
      c.linux.resources = { ...c.linux.resources, pids: { limit: 77 } };
      if (!c.linux.namespaces.some((n: any) => n.type === 'cgroup')) c.linux.namespaces.push({ type: 'cgroup' });
    });
    const out = outOf(b);
    const lines = out.split('\n');
    expect(lines[0]).toBe('0::/');
    const mnt = lines[1].split(' ');
    expect(mnt[3]).toBe('/'); // the mount's root is the container's cgroup (the namespace root)
    expect(lines[1]).toMatch(/ - cgroup2 /);
    expect(mnt[5].split(',')).toContain('ro');
    expect(lines[2]).toBe('77');
    expect(lines[3]).toBe('0'); // not the host's hierarchy
    expect(out).toMatch(/Read-only file system[\s\S]*w=1/);
  });

  test('inside without a cgroup namespace: /sys/fs/cgroup is still the container cgroup, as runc binds it', () => {
    const cgPath = `/oci-ts/${uniqueId('v2')}-nons`;
    b = makeBundle(sh('cat /proc/self/cgroup; cat /sys/fs/cgroup/pids.max; grep " /sys/fs/cgroup " /proc/self/mountinfo'), (c) => {
      c.linux.resources = { ...c.linux.resources, pids: { limit: 33 } };
      c.linux.namespaces = c.linux.namespaces.filter((n: any) => n.type !== 'cgroup');
      c.linux.cgroupsPath = cgPath;
    });
    const lines = outOf(b).split('\n');
    expect(lines[0]).toBe(`0::${cgPath}`);
    expect(lines[1]).toBe('33');
    expect(lines[2].split(' ')[3]).toBe(cgPath);
    expect(lines[2]).toMatch(/ - cgroup2 /);
  });

  test('a config mount without ro gives a writable /sys/fs/cgroup', () => {
    b = makeBundle(sh('grep " /sys/fs/cgroup " /proc/self/mountinfo'), (c) => {
      const m = c.mounts.find((x: any) => x.destination === '/sys/fs/cgroup');
      m.options = m.options.filter((o: string) => o !== 'ro');
    });
    expect(outOf(b).split(' ')[5].split(',')).toContain('rw');
  });

  test('a fork bomb stops at pids.max', () => {
    // the bomb runs in a child shell (which dies when fork fails); the rest uses builtins only
    b = makeBundle(sh('sh -c \'i=0; while [ $i -lt 40 ]; do sleep 30 & i=$((i+1)); done\' 2>/dev/null; read cur < /sys/fs/cgroup/pids.current; read ev < /sys/fs/cgroup/pids.events; echo started=$cur $ev'), (c) => {
      c.linux.resources = { ...c.linux.resources, pids: { limit: 8 } };
    });
    const out = outOf(b);
    const started = Number(/started=(\d+)/.exec(out)![1]);
    expect(started).toBeLessThanOrEqual(8);
    expect(started).toBeGreaterThanOrEqual(5); // the sleeps that did start are still there
    expect(out).toMatch(/max [1-9]/); // pids.events counted the refused forks
  });

  test('device rules are enforced by the BPF program: a denied device write fails with EPERM, an allowed one works', () => {
    // the nodes go to the container's /dev (a tmpfs without nodev)
    const script = 'mknod /dev/kmsg2 c 1 11 && mknod /dev/mem2 c 1 1 || echo mknod-failed; echo x > /dev/null && echo null-ok; (echo "oci-ts v2 test" > /dev/kmsg2) 2>&1; echo kmsg=$?; (head -c1 /dev/mem2 >/dev/null) 2>&1; echo mem=$?';
    const caps = ['CAP_MKNOD'];
    b = makeBundle(sh(script), (c) => {
      c.process.capabilities = { bounding: caps, effective: caps, permitted: caps };
    });
    const denied = outOf(b);
    expect(denied).not.toContain('mknod-failed'); // mknod of any char device is in runc's default list
    expect(denied).toContain('null-ok');
    expect(denied).toMatch(/Operation not permitted\nkmsg=[1-9]/);
    expect(denied).toMatch(/Operation not permitted\nmem=[1-9]/);
    b.config.linux.resources = { ...b.config.linux.resources, devices: [...(b.config.linux.resources?.devices ?? []), { allow: true, type: 'c', major: 1, minor: 11, access: 'w' }] };
    b.write();
    const allowed = outOf(b);
    expect(allowed).toContain('kmsg=0');
    expect(allowed).toMatch(/mem=[1-9]/);
  });

  test('kernel memory is refused on v2 naming the field; nothing left', () => {
    b = makeBundle(['true'], (c) => {
      c.linux.resources = { ...c.linux.resources, memory: { limit: 50000000, kernel: 10000000 } };
    });
    const id = uniqueId('v2');
    const r = oci(b, ['create', id]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/config\.json \/linux\/resources\/memory\/kernel: .*cgroup v2/);
    expect(leftovers(b, id)).toEqual([]);
  });

  test('a unified key whose controller is not delegated is refused naming the key; nothing left', () => {
    b = makeBundle(['true'], (c) => {
      c.linux.resources = { ...c.linux.resources, unified: { 'nosuch.max': '1' } };
    });
    const id = uniqueId('v2');
    const r = oci(b, ['create', id]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/config\.json \/linux\/resources\/unified\/nosuch\.max: .*controller "nosuch" not available/);
    expect(leftovers(b, id)).toEqual([]);
  });
});

describeRoot('cgroupsPath that exists already (any cgroup2 directory)', () => {
  const unified = pureV2 ? CG : fs.existsSync(path.join(CG, 'unified', 'cgroup.controllers')) ? path.join(CG, 'unified') : undefined;
  let b: Bundle;
  afterEach(() => cleanup(b));

  (unified ? test : test.skip)('a frozen cgroupsPath fails create with a clear error, no hang, nothing of ours left', () => {
    const name = uniqueId('frozen');
    const dir = path.join(unified!, 'oci-ts', name);
    fs.mkdirSync(dir, { recursive: true });
    try {
      fs.writeFileSync(path.join(dir, 'cgroup.freeze'), '1');
      b = makeBundle(['true'], (c) => {
        c.linux.cgroupsPath = `/oci-ts/${name}`;
      });
      const t0 = Date.now();
      const r = oci(b, ['create', name]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/config\.json \/linux\/cgroupsPath: container's cgroup unexpectedly frozen/);
      expect(Date.now() - t0).toBeLessThan(pureV2 && process.env.V2GUEST ? 60000 : 10000);
      expect(fs.existsSync(path.join(b.root, name))).toBe(false);
      expect(fs.existsSync(dir)).toBe(true); // not ours to remove
    } finally {
      fs.rmdirSync(dir);
    }
  });

  (unified ? test : test.skip)('a cgroupsPath that delegates controllers cannot take the init: the error names the directory and /linux/cgroupsPath; nothing of ours left', () => {
    const name = uniqueId('inner');
    const parent = path.join(unified!, 'oci-ts');
    const dir = path.join(parent, name);
    // a domain controller: with only threaded ones (cpuset, cpu, pids) the cgroup may still hold processes
    const have = fs.readFileSync(path.join(unified!, 'cgroup.controllers'), 'utf8').trim().split(/\s+/);
    const ctrl = ['memory', 'io', 'hugetlb'].find((c) => have.includes(c))!;
    fs.mkdirSync(dir, { recursive: true });
    try {
      fs.writeFileSync(path.join(parent, 'cgroup.subtree_control'), `+${ctrl}`);
      fs.writeFileSync(path.join(dir, 'cgroup.subtree_control'), `+${ctrl}`); // no process may join it now
      b = makeBundle(['true'], (c) => {
        c.linux.cgroupsPath = `/oci-ts/${name}`;
      });
      const r = oci(b, ['create', name]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`/linux/cgroupsPath: `);
      expect(r.stderr).toContain(dir);
      expect(r.stderr).toMatch(/device or resource busy/);
      expect(r.stderr).not.toMatch(/\bat \S+ \(|Error:/); // no stack, no raw Node error
      expect(fs.existsSync(path.join(b.root, name))).toBe(false);
      if (!pureV2) for (const h of ['memory', 'pids', 'cpu']) expect(fs.existsSync(path.join(CG, h, 'oci-ts', name))).toBe(false);
    } finally {
      oci(b, ['delete', '--force', name]);
      fs.writeFileSync(path.join(dir, 'cgroup.subtree_control'), `-${ctrl}`);
      fs.rmdirSync(dir);
    }
  });

  test('a cgroupsPath that already holds processes gets runc warning', () => {
    const id = uniqueId('busy');
    b = makeBundle(['sleep', '30'], (c) => {
      c.linux.cgroupsPath = `/oci-ts/${id}-shared`;
    });
    ociOk(b, ['create', id]);
    const id2 = uniqueId('busy');
    const r = oci(b, ['create', id2]);
    expect(r.stderr).toMatch(/container's cgroup is not empty: 1 process\(es\) found/);
    expect(r.status).toBe(0);
    ociOk(b, ['delete', '--force', id2]);
    ociOk(b, ['delete', '--force', id]);
  });
});


/** The cgroup2 mount: /sys/fs/cgroup on a pure v2 host, /sys/fs/cgroup/unified on a hybrid one. */
const UNIFIED = pureV2 ? CG : fs.existsSync(path.join(CG, 'unified', 'cgroup.controllers')) ? path.join(CG, 'unified') : undefined;

(isRoot && UNIFIED ? describe : describe.skip)('device program on a cgroup2 directory (the API `update` uses)', () => {
  // a cgroup of our own under the cgroup2 mount, with a shell moved into it
  const dir = UNIFIED ? path.join(UNIFIED, `oci-ts-devtest-${process.pid}`) : '';
  const inCgroup = (script: string) => run(['sh', '-c', `echo $$ > ${dir}/cgroup.procs && ${script}`]);
  beforeAll(() => fs.mkdirSync(dir, { recursive: true }));
  afterAll(() => fs.rmdirSync(dir));

  test('default rules: /dev/null writable, /dev/kmsg denied with EPERM; replaced in place, kmsg then allowed', () => {
    applyDevices(dir, {});
    const ids = native().deviceFilterIds(dir);
    expect(ids).toHaveLength(1);
    let r = inCgroup('echo ok > /dev/null && echo null-ok; echo oci-ts-devtest > /dev/kmsg; echo kmsg=$?');
    expect(r.stdout).toContain('null-ok');
    expect(r.stdout).toMatch(/kmsg=[1-9]/);
    expect(r.stderr).toMatch(/Operation not permitted/);
    applyDevices(dir, { devices: [{ allow: true, type: 'c', major: 1, minor: 11, access: 'w' }] });
    const after = native().deviceFilterIds(dir);
    expect(after).toHaveLength(1); // replaced, not added
    expect(after[0]).not.toBe(ids[0]);
    r = inCgroup('echo "oci-ts device test (allowed)" > /dev/kmsg; echo kmsg=$?');
    expect(r.stdout).toContain('kmsg=0');
    // an allow of type "a" resets to allow-all (the defaults after it are then no-ops)
    applyDevices(dir, { devices: [{ allow: true, access: 'rwm' }] });
    r = inCgroup('echo x > /dev/kmsg; echo kmsg=$?');
    expect(r.stdout).toContain('kmsg=0');
  });
});
