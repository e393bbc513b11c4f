/**
 * linux.resources on the real cgroupfs (this host is hybrid: v1 controllers, hugetlb in cgroup2 at
 * /sys/fs/cgroup/unified). After `create`, the files under /sys/fs/cgroup/<ctrl>/oci-ts/<id>/ hold
 * the limits; inside the container /proc/self/cgroup shows the container's cgroup.
 */
import * as fs from 'fs';
import * as path from 'path';
import { describeRoot, makeBundle, oci, ociOk, cleanup, uniqueId, leftovers, Bundle } from './helpers';
import { outOf, sh } from './probe';

const CG = '/sys/fs/cgroup';
const v1 = (ctrl: string) => fs.existsSync(path.join(CG, ctrl, 'cgroup.procs')) && !fs.existsSync(path.join(CG, ctrl, 'cgroup.controllers'));
const unifiedHas = (ctrl: string) => {
  for (const m of [path.join(CG, 'unified'), CG]) {
    try {
      if (fs.readFileSync(path.join(m, 'cgroup.controllers'), 'utf8').split(/\s+/).includes(ctrl)) return m;
    } catch {
      /* not there */
    }
  }
  return undefined;
};
const read = (ctrl: string, id: string, file: string) => fs.readFileSync(path.join(CG, ctrl, 'oci-ts', id, file), 'utf8').trim();
const hybridV1 = v1('memory') && v1('cpu') && v1('pids') && v1('cpuset') && v1('devices');
const describeHost = hybridV1 ? describeRoot : describe.skip;

describeHost('cgroups (v1 controllers)', () => {
  let b: Bundle;
  afterEach(() => cleanup(b));

  test('memory, cpu, cpuset, pids limits are in the container cgroup after create', () => {
    b = makeBundle(['true'], (c) => {
      c.linux.resources = {
        ...c.linux.resources,
        memory: { limit: 50593792, swap: 50593792, reservation: 40000000, swappiness: 10, disableOOMKiller: true },
        cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0', mems: '0' },
        pids: { limit: 42 },
      };
    });
    const id = uniqueId('cg');
    ociOk(b, ['create', id]);
    expect(read('memory', id, 'memory.limit_in_bytes')).toBe('50593792');
    expect(read('memory', id, 'memory.memsw.limit_in_bytes')).toBe('50593792');
    expect(read('memory', id, 'memory.soft_limit_in_bytes')).toBe(String(Math.floor(40000000 / 4096) * 4096)); // page-rounded
    expect(read('memory', id, 'memory.swappiness')).toBe('10');
    expect(read('memory', id, 'memory.oom_control')).toMatch(/^oom_kill_disable 1/);
    expect(read('cpu', id, 'cpu.shares')).toBe('512');
    expect(read('cpu', id, 'cpu.cfs_quota_us')).toBe('50000');
    expect(read('cpu', id, 'cpu.cfs_period_us')).toBe('100000');
    expect(read('cpuset', id, 'cpuset.cpus')).toBe('0');
    expect(read('cpuset', id, 'cpuset.mems')).toBe('0');
    expect(read('pids', id, 'pids.max')).toBe('42');
  });

  test('devices.list: deny all, then the spec allow rules and runc default devices', () => {
    b = makeBundle(['true'], (c) => {
      c.linux.resources = { devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 229, access: 'rwm' }, { allow: true, type: 'b', major: 8, minor: 20, access: 'rw' }] };
    });
    const id = uniqueId('cg');
    ociOk(b, ['create', id]);
    const list = read('devices', id, 'devices.list').split('\n');
    expect(list).not.toContain('a *:* rwm');
    for (const r of ['c 10:229 rwm', 'b 8:20 rw', 'c 1:3 rwm', 'c 1:5 rwm', 'c 136:* rwm', 'c *:* m', 'b *:* m']) expect(list).toContain(r);
  });

  test('inside: /proc/self/cgroup names the container cgroup; the pids limit and device rules hold', () => {
    b = makeBundle(sh('cat /proc/self/cgroup; echo ---; (head -c1 /dev/zero >/dev/null && echo zero-ok); (echo x >/dev/full) 2>/dev/null; echo full=$?'), (c) => {
      c.linux.resources = { ...c.linux.resources, pids: { limit: 10 } };
      c.linux.cgroupsPath = `/oci-ts/${uniqueId('cg')}-probe`;
    });
    const out = outOf(b);
    const [cg, rest] = out.split('---\n');
    for (const l of cg.trim().split('\n')) expect(l).toMatch(/:\/oci-ts\/.+-probe$/);
    expect(rest).toContain('zero-ok');
    expect(rest).toContain('full=1'); // /dev/full is allowed and says ENOSPC
  });

  test('a device not allowed cannot be opened inside', () => {
    b = makeBundle(sh('mknod /tmp/mem c 1 1 && (head -c1 /tmp/mem >/dev/null 2>&1 && echo open-ok || echo open-denied)'), (c) => {
      c.process.capabilities = { bounding: ['CAP_MKNOD'], effective: ['CAP_MKNOD'], permitted: ['CAP_MKNOD'] };
    });
    expect(outOf(b)).toContain('open-denied');
  });

  test('a field whose controller is missing fails create with its pointer and leaves nothing behind', () => {
    if (v1('net_cls') || v1('net_cls,net_prio')) return;
    b = makeBundle(['true'], (c) => {
      c.linux.resources = { network: { classID: 1048577 } };
    });
    const id = uniqueId('cg');
    const r = oci(b, ['create', id]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('/linux/resources/network/classID');
    expect(leftovers(b, id)).toEqual([]);
  });

  test('a refused write fails create with the field and the file', () => {
    b = makeBundle(['true'], (c) => {
      c.linux.resources = { cpu: { cpus: '4096' } };
    });
    const id = uniqueId('cg');
    const r = oci(b, ['create', id]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/config.json \/linux\/resources\/cpu\/cpus: cpuset.cpus: \S/);
    expect(leftovers(b, id)).toEqual([]);
  });

  test('unified keys are refused when the v2 hierarchy lacks the controller', () => {
    b = makeBundle(['true'], (c) => {
      c.linux.resources = { unified: { 'memory.high': '1000000' } };
    });
    if (unifiedHas('memory')) return;
    const r = oci(b, ['create', uniqueId('cg')]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('/linux/resources/unified/memory.high');
  });

  test('a pre-made parent with empty cpuset.cpus/mems is filled from its own parent: create works (no raw ENOSPC)', () => {
    const parent = `oci-ts-premade-${process.pid}`;
    const pdir = path.join(CG, 'cpuset', parent);
    fs.mkdirSync(pdir);
    try {
      expect(fs.readFileSync(path.join(pdir, 'cpuset.cpus'), 'utf8').trim()).toBe(''); // as somebody made it
      const id = uniqueId('cg');
      b = makeBundle(['true'], (c) => {
        c.linux.cgroupsPath = `/${parent}/${id}`;
      });
      const r = oci(b, ['create', id]);
      expect(r.stderr).not.toMatch(/ENOSPC|no space left/);
      expect(r.status).toBe(0);
      const root = fs.readFileSync(path.join(CG, 'cpuset', 'cpuset.cpus'), 'utf8').trim();
      expect(fs.readFileSync(path.join(pdir, 'cpuset.cpus'), 'utf8').trim()).toBe(root);
      expect(fs.readFileSync(path.join(pdir, id, 'cpuset.cpus'), 'utf8').trim()).toBe(root);
      ociOk(b, ['delete', '--force', id]);
      expect(fs.existsSync(path.join(pdir, id))).toBe(false);
      expect(fs.existsSync(pdir)).toBe(true); // not ours to remove
    } finally {
      for (const h of fs.readdirSync(CG)) {
        try {
          fs.rmdirSync(path.join(CG, h, parent));
        } catch {
          /* not made in this hierarchy */
        }
      }
    }
  });

  const hugeRoot = !v1('hugetlb') ? unifiedHas('hugetlb') : undefined;
  (hugeRoot && fs.existsSync('/sys/kernel/mm/hugepages/hugepages-2048kB') ? test : test.skip)('hugetlb goes to the v2 hierarchy on this hybrid host', () => {
    b = makeBundle(['true'], (c) => {
      c.linux.resources = { hugepageLimits: [{ pageSize: '2MB', limit: 2147483648 }] };
    });
    const id = uniqueId('cg');
    ociOk(b, ['create', id]);
    expect(fs.readFileSync(path.join(hugeRoot!, 'oci-ts', id, 'hugetlb.2MB.max'), 'utf8').trim()).toBe('2147483648');
    const rsvd = path.join(hugeRoot!, 'oci-ts', id, 'hugetlb.2MB.rsvd.max'); // reservations (Linux 5.7+)
    if (fs.existsSync(rsvd)) expect(fs.readFileSync(rsvd, 'utf8').trim()).toBe('2147483648');
    b.config.linux.resources = { hugepageLimits: [{ pageSize: '3MB', limit: 1 }] };
    b.write();
    const r = oci(b, ['create', uniqueId('cg')]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('/linux/resources/hugepageLimits/0');
  });
});
