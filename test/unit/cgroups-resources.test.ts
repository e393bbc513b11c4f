/** linux.resources → cgroup files, with a recording Writer (no root, no cgroupfs). */
import { ConfigError } from '../../runtime/errors';
import { parseCgroupMounts } from '../../runtime/cgroups/detect';
import { applyResources, checkResources } from '../../runtime/cgroups/resources';
import { Writer } from '../../runtime/cgroups/writer';
import { sharesToWeight } from '../../runtime/cgroups/v2/cpu';
import { blkioToIoWeight } from '../../runtime/cgroups/v2/io';
import { swapV2 } from '../../runtime/cgroups/v2/memory';
import { Resources } from '../../runtime/spec/types';

const line = (id: number, dir: string, opts: string, fstype = 'cgroup') => `${id} 1 0:${id} / ${dir} rw - ${fstype} ${fstype} ${opts}`;
const HYBRID = parseCgroupMounts(
  [
    line(32, '/sys/fs/cgroup/cpu', 'rw,cpu'),
    line(33, '/sys/fs/cgroup/cpuacct', 'rw,cpuacct'),
    line(34, '/sys/fs/cgroup/cpuset', 'rw,cpuset'),
    line(35, '/sys/fs/cgroup/memory', 'rw,memory'),
    line(36, '/sys/fs/cgroup/devices', 'rw,devices'),
    line(38, '/sys/fs/cgroup/blkio', 'rw,blkio'),
    line(39, '/sys/fs/cgroup/pids', 'rw,pids'),
    line(40, '/sys/fs/cgroup/systemd', 'rw,name=systemd'),
    line(41, '/sys/fs/cgroup/unified', 'rw', 'cgroup2'),
  ].join('\n'),
);
const V2 = parseCgroupMounts(line(29, '/sys/fs/cgroup', 'rw,nsdelegate', 'cgroup2'));
const V1 = parseCgroupMounts([line(35, '/sys/fs/cgroup/memory', 'rw,memory'), line(32, '/sys/fs/cgroup/cpu,cpuacct', 'rw,cpu,cpuacct'), line(37, '/sys/fs/cgroup/net_cls,net_prio', 'rw,net_cls,net_prio')].join('\n'));
const dirsOf = (l: typeof HYBRID) => l.hierarchies.map((h) => `${h.mountpoint}/oci-ts/c1`);

/** Records writes; `files` answers reads; `fail` maps a file name to the errno code its write gets. */
class Fake implements Writer {
  writes: [string, string, string][] = [];
  warnings: string[] = [];
  constructor(public files: Record<string, string> = {}, public fail: Record<string, string> = {}) {}
  write(dir: string, file: string, value: string, pointer: string): void {
    if (this.fail[file]) throw Object.assign(new ConfigError(pointer, `${file}: ${this.fail[file]}`), { code: this.fail[file] });
    this.writes.push([dir, file, value]);
    this.files[`${dir}/${file}`] = value;
  }
  devicePrograms: [string, boolean, number][] = [];
  attachDevices(dir: string, defaultAllow: boolean, exceptions: unknown[]): void {
    this.devicePrograms.push([dir, defaultAllow, exceptions.length]);
  }
  read(dir: string, file: string): string | undefined {
    return this.files[`${dir}/${file}`];
  }
  warn(m: string): void {
    this.warnings.push(m);
  }
  in(dir: string): [string, string][] {
    return this.writes.filter((x) => x[0] === dir).map((x) => [x[1], x[2]]);
  }
}

const v2Host = (controllers: string, extra: Record<string, string> = {}) =>
  new Fake({ '/sys/fs/cgroup/cgroup.controllers': controllers, '/sys/fs/cgroup/cgroup.subtree_control': '', ...extra });
const hybridHost = (extra: Record<string, string> = {}) =>
  new Fake({ '/sys/fs/cgroup/unified/cgroup.controllers': 'hugetlb', '/sys/fs/cgroup/unified/cgroup.subtree_control': 'hugetlb', ...extra });

function pointerOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e.pointer;
    throw e;
  }
  throw new Error('no ConfigError');
}

describe('conversions (runc cgroups/utils.go)', () => {
  test('cpu.shares → cpu.weight (runc ≥1.3 quadratic fit: the v1 default 1024 is the v2 default 100)', () => {
    expect([2, 1024, 262144, 512, 2048, 100000].map(sharesToWeight)).toEqual([1, 100, 10000, 59, 174, 4340]);
  });
  test('blkio weight → io.weight', () => {
    expect([10, 500, 1000].map(blkioToIoWeight)).toEqual([1, 4950, 10000]);
  });
  test('memory+swap → v2 swap only', () => {
    expect(swapV2(300, 100)).toBe(200);
    expect(swapV2(0, -1)).toBe(-1);
    expect(swapV2(-1, 100)).toBe(-1);
    expect(swapV2(100, 100)).toBe(0);
    expect(() => swapV2(100, 0)).toThrow(/without memory limit/);
    expect(() => swapV2(50, 100)).toThrow(/>= memory limit/);
  });
});

describe('cgroup v1 (hybrid host)', () => {
  const dirs = dirsOf(HYBRID);
  const mem = '/sys/fs/cgroup/memory/oci-ts/c1';
  const cpu = '/sys/fs/cgroup/cpu/oci-ts/c1';

  test('memory: limit before memsw when memsw does not grow past the old limit; reservation, oom, swappiness', () => {
    const w = hybridHost({ [`${mem}/memory.limit_in_bytes`]: '9223372036854771712', [`${mem}/memory.memsw.limit_in_bytes`]: '9223372036854771712' });
    const warnings = applyResources(HYBRID, dirs, { memory: { limit: 50593792, swap: 50593792, reservation: 40000000, swappiness: 10, disableOOMKiller: true, kernel: 1 } }, w);
    expect(w.in(mem)).toEqual([
      ['memory.limit_in_bytes', '50593792'],
      ['memory.memsw.limit_in_bytes', '50593792'],
      ['memory.soft_limit_in_bytes', '40000000'],
      ['memory.oom_control', '1'],
      ['memory.swappiness', '10'],
    ]);
    expect(warnings.join('\n')).toMatch(/kernel: this kernel has no memory.kmem.limit_in_bytes: not applied/);
  });

  test('memory: kernel and kernelTCP go to the kmem files where they exist; a limit the kernel ignores is said', () => {
    const w = hybridHost({ [`${mem}/memory.kmem.limit_in_bytes`]: '9223372036854771712', [`${mem}/memory.kmem.tcp.limit_in_bytes`]: '9223372036854771712' });
    const warnings = applyResources(HYBRID, dirs, { memory: { kernel: 104857600, kernelTCP: 52428800 } }, w);
    expect(w.in(mem)).toEqual([
      ['memory.kmem.limit_in_bytes', '104857600'],
      ['memory.kmem.tcp.limit_in_bytes', '52428800'],
    ]);
    expect(warnings).toEqual([]); // the fake reads back what was written
  });

  test('memory: memsw first when it grows past the current limit; -1 limit sets memsw -1 too', () => {
    const w = hybridHost({ [`${mem}/memory.limit_in_bytes`]: '1000', [`${mem}/memory.memsw.limit_in_bytes`]: '1000' });
    applyResources(HYBRID, dirs, { memory: { limit: 2000, swap: 4000 } }, w);
    expect(w.in(mem)).toEqual([['memory.memsw.limit_in_bytes', '4000'], ['memory.limit_in_bytes', '2000']]);
    const w2 = hybridHost({ [`${mem}/memory.memsw.limit_in_bytes`]: '1000' });
    applyResources(HYBRID, dirs, { memory: { limit: -1 } }, w2);
    expect(w2.in(mem)).toEqual([['memory.memsw.limit_in_bytes', '-1'], ['memory.limit_in_bytes', '-1']]);
  });

  test('cpu goes to the cpu hierarchy (not cpuacct), cpus/mems to cpuset', () => {
    const w = hybridHost({ [`${cpu}/cpu.shares`]: '1024' });
    applyResources(HYBRID, dirs, { cpu: { shares: 1024, quota: 50000, period: 100000, cpus: '0', mems: '0', idle: 0, realtimePeriod: 1000000, realtimeRuntime: 0 } }, w);
    expect(w.in(cpu)).toEqual([
      ['cpu.shares', '1024'],
      ['cpu.cfs_period_us', '100000'],
      ['cpu.cfs_quota_us', '50000'],
      ['cpu.idle', '0'],
      ['cpu.rt_period_us', '1000000'],
    ]);
    expect(w.in('/sys/fs/cgroup/cpuset/oci-ts/c1')).toEqual([['cpuset.cpus', '0'], ['cpuset.mems', '0']]);
    expect(w.in('/sys/fs/cgroup/cpuacct/oci-ts/c1')).toEqual([]);
  });

  test('cpu: a period refused with EINVAL is retried after the quota', () => {
    const writes: string[] = [];
    let first = true;
    const w = hybridHost();
    const orig = w.write.bind(w);
    w.write = (d, f, v, p) => {
      if (f === 'cpu.cfs_period_us' && first) {
        first = false;
        throw Object.assign(new ConfigError(p, 'EINVAL'), { code: 'EINVAL' });
      }
      if (f.startsWith('cpu.')) writes.push(f);
      orig(d, f, v, p);
    };
    applyResources(HYBRID, dirs, { cpu: { quota: 500000, period: 500000 } }, w);
    expect(writes).toEqual(['cpu.cfs_quota_us', 'cpu.cfs_period_us']);
  });

  test('cpu.shares clamped by the kernel is an error naming the field', () => {
    const w = hybridHost();
    w.write = (d, f, v) => void (w.files[`${d}/${f}`] = f === 'cpu.shares' ? '262144' : v);
    expect(pointerOf(() => applyResources(HYBRID, dirs, { cpu: { shares: 1000000 } }, w))).toBe('/linux/resources/cpu/shares');
  });

  test('pids.max: "max" for limit <= 0', () => {
    for (const [limit, v] of [[100, '100'], [0, 'max'], [-1, 'max']] as const) {
      const w = hybridHost();
      applyResources(HYBRID, dirs, { pids: { limit } }, w);
      expect(w.in('/sys/fs/cgroup/pids/oci-ts/c1')).toEqual([['pids.max', v]]);
    }
  });

  test('devices: deny all, the spec rules in order, then runc default allow list', () => {
    const w = hybridHost();
    applyResources(HYBRID, dirs, { devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 229, access: 'rwm' }, { allow: true, type: 'b', major: 8, access: 'r' }] }, w);
    const d = w.in('/sys/fs/cgroup/devices/oci-ts/c1');
    expect(d.slice(0, 4)).toEqual([
      ['devices.deny', 'a *:* rwm'],
      ['devices.deny', 'a *:* rwm'],
      ['devices.allow', 'c 10:229 rwm'],
      ['devices.allow', 'b 8:* r'],
    ]);
    expect(d.slice(4).map((x) => x[1])).toEqual(['c *:* m', 'b *:* m', 'c 1:3 rwm', 'c 1:8 rwm', 'c 1:7 rwm', 'c 5:0 rwm', 'c 1:5 rwm', 'c 1:9 rwm', 'c 136:* rwm', 'c 5:2 rwm', 'c 10:200 rwm']);
    // no resources at all: runc still applies deny-all + defaults
    const w2 = hybridHost();
    applyResources(HYBRID, dirs, undefined, w2);
    expect(w2.in('/sys/fs/cgroup/devices/oci-ts/c1')[0]).toEqual(['devices.deny', 'a *:* rwm']);
    expect(pointerOf(() => checkResources(HYBRID, { devices: [{ allow: true, type: 'x', access: 'r' }] }, w.read.bind(w)))).toBe('/linux/resources/devices/0/type');
    expect(pointerOf(() => checkResources(HYBRID, { devices: [{ allow: true, access: '' }] }, w.read.bind(w)))).toBe('/linux/resources/devices/0/access');
  });

  test('blkio: CFQ or BFQ weight file, throttles as "major:minor rate"', () => {
    const blk = '/sys/fs/cgroup/blkio/oci-ts/c1';
    const w = hybridHost({ [`${blk}/blkio.bfq.weight`]: '100' });
    applyResources(HYBRID, dirs, { blockIO: { weight: 500, weightDevice: [{ major: 8, minor: 0, weight: 300 }], throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }] } }, w);
    expect(w.in(blk)).toEqual([['blkio.bfq.weight', '500'], ['blkio.bfq.weight_device', '8:0 300'], ['blkio.throttle.read_bps_device', '8:0 1048576']]);
  });

  test('hugetlb is not in v1 here: it goes to the unified hierarchy, with the controller enabled in the ancestors', () => {
    const w = hybridHost({ '/sys/fs/cgroup/unified/oci-ts/cgroup.subtree_control': '' });
    applyResources(HYBRID, dirs, { hugepageLimits: [{ pageSize: '2MB', limit: 2147483648 }] }, w);
    expect(w.writes).toContainEqual(['/sys/fs/cgroup/unified/oci-ts', 'cgroup.subtree_control', '+hugetlb']);
    expect(w.writes.filter((x) => x[1] === 'cgroup.subtree_control' && x[0] === '/sys/fs/cgroup/unified')).toEqual([]);
    expect(w.in('/sys/fs/cgroup/unified/oci-ts/c1')).toEqual([['hugetlb.2MB.max', '2147483648'], ['hugetlb.2MB.rsvd.max', '2147483648']]);
  });

  test('hugetlb: no rsvd file → only the limit; an unknown page size names the entry', () => {
    const w = new Fake({}, { 'hugetlb.2MB.rsvd.limit_in_bytes': 'ENOENT', 'hugetlb.3MB.limit_in_bytes': 'ENOENT' });
    const l = parseCgroupMounts(line(42, '/sys/fs/cgroup/hugetlb', 'rw,hugetlb'));
    applyResources(l, dirsOf(l), { hugepageLimits: [{ pageSize: '2MB', limit: 4096 }, { pageSize: '1GB', limit: 0 }] }, w);
    expect(w.writes.map((x) => x[1])).toEqual(['hugetlb.2MB.limit_in_bytes', 'hugetlb.1GB.limit_in_bytes']);
    expect(pointerOf(() => applyResources(l, dirsOf(l), { hugepageLimits: [{ pageSize: '3MB', limit: 1 }] }, w))).toBe('/linux/resources/hugepageLimits/0');
    expect(pointerOf(() => checkResources(l, { hugepageLimits: [{ pageSize: 'huge', limit: 1 }] }))).toBe('/linux/resources/hugepageLimits/0/pageSize');
  });

  test('unified keys whose controller is not on the v2 hierarchy: "invalid configuration" (runc\'s words, cgroups.bats), naming the key', () => {
    const messageOf = (l: typeof HYBRID, unified: Record<string, string>) => {
      try {
        checkResources(l, { unified }, (d, f) => hybridHost().read(d, f));
      } catch (e) {
        if (e instanceof ConfigError) return [e.pointer, e.message];
      }
      return [];
    };
    expect(messageOf(HYBRID, { 'memory.min': '131072' })).toEqual(['/linux/resources/unified/memory.min',
      expect.stringContaining('invalid configuration: unified resource "memory.min" can\'t be set: controller "memory" not available in the cgroup v2 hierarchy')]);
    expect(messageOf(V1, { 'memory.min': '131072' })).toEqual(['/linux/resources/unified', expect.stringContaining('invalid configuration: cannot use unified on cgroup v1')]);
    // a key of the hybrid unified hierarchy's own controller is accepted
    expect(checkResources(HYBRID, { unified: { 'hugetlb.2MB.max': '4096' } }, (d, f) => hybridHost().read(d, f)).steps.map((s) => s.controller)).toContain('unified');
  });

  test('a field whose controller exists nowhere is a ConfigError naming it', () => {
    const w = hybridHost();
    expect(pointerOf(() => applyResources(HYBRID, dirs, { network: { classID: 1048577 } }, w))).toBe('/linux/resources/network/classID');
    expect(pointerOf(() => applyResources(HYBRID, dirs, { network: { priorities: [{ name: 'eth0', priority: 5 }] } }, w))).toBe('/linux/resources/network/priorities/0');
    expect(pointerOf(() => applyResources(HYBRID, dirs, { rdma: { mlx5_1: { hcaHandles: 3 } } }, w))).toBe('/linux/resources/rdma/mlx5_1');
    expect(w.writes).toEqual([]);
  });

  test('unified on hybrid: only keys of controllers the v2 hierarchy has', () => {
    const w = hybridHost({ '/sys/fs/cgroup/unified/oci-ts/cgroup.subtree_control': 'hugetlb' });
    applyResources(HYBRID, dirs, { unified: { 'hugetlb.2MB.max': '4096' } }, w);
    expect(w.in('/sys/fs/cgroup/unified/oci-ts/c1')).toEqual([['hugetlb.2MB.max', '4096']]);
    expect(pointerOf(() => applyResources(HYBRID, dirs, { unified: { 'memory.high': '1' } }, w))).toBe('/linux/resources/unified/memory.high');
  });

  test('write failures name the field and the file', () => {
    const w = hybridHost();
    w.fail['memory.limit_in_bytes'] = 'EINVAL';
    try {
      applyResources(HYBRID, dirs, { memory: { limit: 1 } }, w);
      throw new Error('no error');
    } catch (e) {
      expect((e as ConfigError).message).toBe('config.json /linux/resources/memory/limit: memory.limit_in_bytes: EINVAL');
    }
  });
});

describe('cgroup v1 only host', () => {
  test('unified is refused with its pointer; co-mounted cpu,cpuacct and net_cls,net_prio are found', () => {
    const w = new Fake();
    expect(pointerOf(() => applyResources(V1, dirsOf(V1), { unified: { 'memory.high': '1' } }, w))).toBe('/linux/resources/unified');
    applyResources(V1, dirsOf(V1), { cpu: { quota: 1000 }, network: { classID: 7, priorities: [{ name: 'lo', priority: 2 }] } }, w);
    expect(w.in('/sys/fs/cgroup/cpu,cpuacct/oci-ts/c1')).toEqual([['cpu.cfs_quota_us', '1000']]);
    expect(w.in('/sys/fs/cgroup/net_cls,net_prio/oci-ts/c1')).toEqual([['net_cls.classid', '7'], ['net_prio.ifpriomap', 'lo 2']]);
  });
  test('swappiness out of range', () => {
    expect(pointerOf(() => checkResources(V1, { memory: { swappiness: 101 } }, () => undefined))).toBe('/linux/resources/memory/swappiness');
  });
});

describe('cgroup v2 host', () => {
  const dirs = dirsOf(V2);
  const c = '/sys/fs/cgroup/oci-ts/c1';
  const all = 'cpuset cpu io memory hugetlb pids rdma misc';

  test('memory.max, memory.swap.max = swap - limit, memory.low; v1-only memory fields warned', () => {
    const w = v2Host(all, { '/sys/fs/cgroup/oci-ts/cgroup.subtree_control': '' });
    const warnings = applyResources(V2, dirs, { memory: { limit: 100000000, swap: 300000000, reservation: 50000000, swappiness: 10, disableOOMKiller: true } }, w);
    expect(w.in(c)).toEqual([['memory.swap.max', '200000000'], ['memory.max', '100000000'], ['memory.low', '50000000']]);
    expect(w.writes.filter((x) => x[1] === 'cgroup.subtree_control')).toEqual([
      ['/sys/fs/cgroup', 'cgroup.subtree_control', '+memory'],
      ['/sys/fs/cgroup/oci-ts', 'cgroup.subtree_control', '+memory'],
    ]);
    expect(warnings.join('\n')).toMatch(/disableOOMKiller/);
    expect(warnings.join('\n')).toMatch(/swappiness/);
  });

  test('swap equal to limit writes swap.max 0; -1 limit writes max', () => {
    const w = v2Host(all);
    applyResources(V2, dirs, { memory: { limit: 1000, swap: 1000 } }, w);
    expect(w.in(c)).toEqual([['memory.swap.max', '0'], ['memory.max', '1000']]);
    const w2 = v2Host(all);
    applyResources(V2, dirs, { memory: { limit: -1 } }, w2);
    expect(w2.in(c)).toEqual([['memory.swap.max', 'max'], ['memory.max', 'max']]);
  });

  test('cpu.weight from shares, cpu.max "quota period", burst, idle; realtime refused', () => {
    const w = v2Host(all);
    applyResources(V2, dirs, { cpu: { shares: 1024, quota: 50000, period: 200000, burst: 1000, idle: 1, cpus: '0-1' } }, w);
    expect(w.in(c)).toEqual([
      ['cpuset.cpus', '0-1'],
      ['cpu.idle', '1'],
      ['cpu.weight', '100'],
      ['cpu.max.burst', '1000'],
      ['cpu.max', '50000 200000'],
    ]);
    const w2 = v2Host(all);
    applyResources(V2, dirs, { cpu: { period: 50000 } }, w2);
    expect(w2.in(c)).toEqual([['cpu.max', 'max 50000']]);
    expect(pointerOf(() => applyResources(V2, dirs, { cpu: { realtimeRuntime: 1000 } }, v2Host(all)))).toBe('/linux/resources/cpu/realtimeRuntime');
  });

  test('io: io.weight converted, io.bfq.weight when BFQ, io.max per throttle kind', () => {
    const w = v2Host(all);
    applyResources(V2, dirs, { blockIO: { weight: 500, throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 100 }], throttleReadBpsDevice: [{ major: 8, minor: 16, rate: 1 }] } }, w);
    expect(w.in(c)).toEqual([['io.weight', '4950'], ['io.max', '8:16 rbps=1'], ['io.max', '8:0 wiops=100']]);
    const w2 = v2Host(all, { [`${c}/io.bfq.weight`]: 'default 100\n' });
    applyResources(V2, dirs, { blockIO: { weight: 500, weightDevice: [{ major: 8, minor: 0, weight: 200 }] } }, w2);
    expect(w2.in(c)).toEqual([['io.bfq.weight', '500'], ['io.bfq.weight', '8:0 200']]);
  });

  test('pids, hugetlb, rdma, unified', () => {
    const w = v2Host(all);
    applyResources(V2, dirs, { pids: { limit: 32 }, hugepageLimits: [{ pageSize: '1GB', limit: 0 }], rdma: { mlx5_1: { hcaHandles: 3, hcaObjects: 10000 } }, unified: { 'memory.high': '5000', 'cgroup.max.depth': '3' } }, w);
    expect(w.in(c)).toEqual([
      ['pids.max', '32'],
      ['hugetlb.1GB.max', '0'],
      ['hugetlb.1GB.rsvd.max', '0'],
      ['rdma.max', 'mlx5_1 hca_handle=3 hca_object=10000'],
      ['memory.high', '5000'],
      ['cgroup.max.depth', '3'],
    ]);
    expect(pointerOf(() => applyResources(V2, dirs, { unified: { 'a/b': '1' } }, v2Host(all)))).toBe('/linux/resources/unified/a~1b');
    expect(pointerOf(() => applyResources(V2, dirs, { unified: { nodot: '1' } }, v2Host(all)))).toBe('/linux/resources/unified/nodot');
  });

  test('a controller the hierarchy does not offer is refused; net_cls has no v2 counterpart', () => {
    expect(pointerOf(() => applyResources(V2, dirs, { pids: { limit: 1 } }, v2Host('cpu memory')))).toBe('/linux/resources/pids/limit');
    expect(pointerOf(() => applyResources(V2, dirs, { network: { classID: 1 } }, v2Host(all)))).toBe('/linux/resources/network/classID');
  });

  test('device rules on v2: a device program attached to the container cgroup (runc default list even without rules), no file written', () => {
    const w = v2Host(all);
    const warnings = applyResources(V2, dirs, { devices: [{ allow: false, access: 'rwm' }] }, w);
    expect(warnings).toEqual([]);
    expect(w.writes).toEqual([]);
    expect(w.devicePrograms).toEqual([[dirs[0], false, 11]]); // deny by default; the 11 default devices
    const w2 = v2Host(all);
    expect(applyResources(V2, dirs, undefined, w2)).toEqual([]);
    expect(w2.devicePrograms).toHaveLength(1);
  });
});
