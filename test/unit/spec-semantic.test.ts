/** Cross-field rules (runtime/spec/semantic.ts): one test per rule, each asserting the pointer. No root needed. */
import { ConfigError } from '../../runtime/errors';
import { defaultSpec } from '../../runtime/spec/default-spec';
import { checkSemantics, checkUserIds, idProblem, sysctlDotted } from '../../runtime/spec/semantic';

const base = (): any => JSON.parse(JSON.stringify(defaultSpec(false)));
const rootless = (): any => JSON.parse(JSON.stringify(defaultSpec(true)));

function rejects(cfg: any, pointer: string, detail?: string | RegExp): void {
  let err: unknown;
  try {
    checkSemantics(cfg);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as ConfigError).pointer).toBe(pointer);
  if (detail) expect((err as ConfigError).detail).toMatch(detail);
}
const accepts = (cfg: any) => expect(() => checkSemantics(cfg)).not.toThrow();
const ns = (c: any, ...types: string[]) => {
  c.linux.namespaces = types.map((type) => ({ type }));
  return c;
};

test('the default specs pass with no warnings', () => {
  expect(checkSemantics(base())).toEqual([]);
  expect(checkSemantics(rootless())).toEqual([]);
});

describe('ociVersion', () => {
  test.each(['1.0.0', '1.0.2-dev', '1.3.0', '1.2.1+build.5'])('accepts %s', (v) => accepts({ ...base(), ociVersion: v }));
  test.each(['2.0.0', '0.9.0', '1.0', 'v1.0.0', ''])('rejects %p', (v) => rejects({ ...base(), ociVersion: v }, '/ociVersion', /1\.x/));
});

test('root is required on Linux and its path is not empty', () => {
  const c = base();
  delete c.root;
  rejects(c, '/root', 'is required on Linux');
  rejects({ ...base(), root: { path: '' } }, '/root/path');
});

describe('process', () => {
  test('args must be non-empty', () => {
    const c = base();
    c.process.args = [];
    rejects(c, '/process/args', /at least one/);
    delete c.process.args;
    rejects(c, '/process/args');
    c.process.args = [''];
    rejects(c, '/process/args/0');
  });
  test('no process at all is fine (create without start)', () => {
    const c = base();
    delete c.process;
    accepts(c);
  });
  test('cwd must be absolute', () => {
    const c = base();
    c.process.cwd = 'home';
    rejects(c, '/process/cwd', /absolute/);
  });
});

describe('namespaces', () => {
  test('duplicate types', () => {
    const c = ns(base(), 'pid', 'network', 'ipc', 'uts', 'mount', 'pid');
    rejects(c, '/linux/namespaces/5/type', /duplicate namespace type "pid" \(also at \/linux\/namespaces\/0\)/);
  });
  test('path must be absolute', () => {
    const c = base();
    c.linux.namespaces[1].path = 'proc/1/ns/net';
    rejects(c, '/linux/namespaces/1/path', /absolute/);
    c.linux.namespaces[1].path = '/proc/1/ns/net';
    accepts(c);
  });
  test('a new user namespace needs uid and gid mappings', () => {
    const c = rootless();
    delete c.linux.uidMappings;
    rejects(c, '/linux/uidMappings', /required for a new user namespace/);
    const d = rootless();
    d.linux.gidMappings = [];
    rejects(d, '/linux/gidMappings', /required/);
  });
  test('joining a user namespace by path needs no mappings', () => {
    const c = rootless();
    delete c.linux.uidMappings;
    delete c.linux.gidMappings;
    c.linux.namespaces.find((n: any) => n.type === 'user').path = '/proc/1/ns/user';
    accepts(c);
  });
  test('mappings without a user namespace are an error', () => {
    const c = base();
    c.linux.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
    rejects(c, '/linux/uidMappings', /no user namespace/);
    const d = base();
    d.linux.gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
    rejects(d, '/linux/gidMappings', /no user namespace/);
  });
  test('id mapping ranges: size, 32-bit end, overlaps', () => {
    const c = rootless();
    c.linux.uidMappings = [{ containerID: 0, hostID: 1000, size: 0 }];
    rejects(c, '/linux/uidMappings/0/size', /at least 1/);
    c.linux.uidMappings = [{ containerID: 0, hostID: 2147483000, size: 2147484296 }];
    rejects(c, '/linux/uidMappings/0/size', /hostID \+ size is 4294967296: the range must end below 4294967295/);
    c.linux.uidMappings = [{ containerID: 2147483647, hostID: 0, size: 2147483649 }];
    rejects(c, '/linux/uidMappings/0/size', /containerID \+ size/);
    c.linux.uidMappings = [{ containerID: 0, hostID: 1000, size: 10 }, { containerID: 5, hostID: 5000, size: 10 }];
    rejects(c, '/linux/uidMappings/1/containerID', /overlaps \/linux\/uidMappings\/0/);
    c.linux.uidMappings = [{ containerID: 0, hostID: 1000, size: 10 }, { containerID: 10, hostID: 1005, size: 10 }];
    rejects(c, '/linux/uidMappings/1/hostID', /overlaps/);
    c.linux.uidMappings = [{ containerID: 0, hostID: 1000, size: 10 }, { containerID: 10, hostID: 1010, size: 10 }];
    accepts(c);
  });
  test('ids of a mapping are in range 0-2147483647 (containerID, hostID; linux and per-mount)', () => {
    for (const key of ['containerID', 'hostID']) {
      for (const id of [2147483648, 4294967295]) {
        const c = rootless();
        c.linux.gidMappings = [{ containerID: 0, hostID: 1000, size: 1, [key]: id }];
        rejects(c, `/linux/gidMappings/0/${key}`, `${id} is out of range: uids and gids must be in range 0-2147483647`);
        const m = base();
        m.mounts.push({ destination: '/d', type: 'bind', source: '/tmp', options: ['bind'], uidMappings: [{ containerID: 0, hostID: 0, size: 1 }], gidMappings: [{ containerID: 0, hostID: 0, size: 1, [key]: id }] });
        rejects(m, `/mounts/${m.mounts.length - 1}/gidMappings/0/${key}`, /out of range/);
      }
    }
    const c = rootless();
    c.linux.uidMappings = [{ containerID: 2147483647, hostID: 2147483647, size: 1 }];
    c.process.user.uid = 2147483647;
    accepts(c);
    // the identity map of the initial user namespace is the largest allowed
    c.linux.uidMappings = [{ containerID: 0, hostID: 0, size: 4294967295 }];
    c.process.user.uid = 0;
    accepts(c);
  });
  test('process.user ids are in range 0-2147483647: (uid_t)-1 would leave the process root', () => {
    for (const id of [2147483648, 4294967294, 4294967295]) {
      for (const field of ['uid', 'gid']) {
        const c = base();
        c.process.user[field] = id;
        rejects(c, `/process/user/${field}`, `${id} is out of range: uids and gids must be in range 0-2147483647`);
      }
      const c = base();
      c.process.user.additionalGids = [5, id];
      rejects(c, '/process/user/additionalGids/1', /out of range/);
    }
    const c = base();
    c.process.user = { uid: 2147483647, gid: 2147483647, additionalGids: [0, 2147483647] };
    accepts(c);
  });
  test('idProblem and checkUserIds are the one rule for other callers (exec --user, process.json)', () => {
    expect(idProblem(0)).toBeUndefined();
    expect(idProblem(2147483647)).toBeUndefined();
    for (const bad of [-1, 1.5, 2147483648, 4294967295, NaN]) expect(idProblem(bad)).toMatch(/uids and gids must be in range 0-2147483647/);
    let err: unknown;
    try {
      checkUserIds({ uid: 0, gid: 0, additionalGids: [4294967295] }, '/user');
    } catch (e) {
      err = e;
    }
    expect((err as ConfigError).pointer).toBe('/user/additionalGids/0');
  });
  test('process.user must be mapped in a new user namespace', () => {
    const c = rootless();
    c.process.user.uid = 1000;
    rejects(c, '/process/user/uid', /not mapped/);
    const d = rootless();
    d.process.user.gid = 5;
    rejects(d, '/process/user/gid', /not mapped/);
  });
  test('time offsets need a new time namespace', () => {
    const c = base();
    c.linux.timeOffsets = { monotonic: { secs: 1 } };
    rejects(c, '/linux/timeOffsets', /no time namespace/);
    c.linux.namespaces.push({ type: 'time', path: '/proc/1/ns/time' });
    rejects(c, '/linux/timeOffsets', /joined by path/);
    delete c.linux.namespaces[5].path;
    accepts(c);
  });
  test('hostname and domainname need a uts namespace', () => {
    const c = ns(base(), 'pid', 'mount');
    rejects(c, '/hostname', /uts namespace/);
    delete c.hostname;
    c.domainname = 'example.org';
    rejects(c, '/domainname', /uts namespace/);
  });
});

test('hook paths must be absolute', () => {
  const c = base();
  c.hooks = { createRuntime: [{ path: '/bin/true' }, { path: 'hook.sh' }] };
  rejects(c, '/hooks/createRuntime/1/path', /absolute/);
});

describe('mounts', () => {
  test('a relative destination is accepted with a warning, as runc does', () => {
    const c = base();
    c.mounts.push({ destination: 'data', type: 'tmpfs', source: 'tmpfs' });
    expect(checkSemantics(c)).toEqual([expect.stringMatching(/^\/mounts\/7\/destination: "data" is relative/)]);
  });
  test('NUL bytes are refused', () => {
    const c = base();
    c.mounts[0].source = 'pr\0oc';
    rejects(c, '/mounts/0/source', /NUL/);
  });
  test('empty destination', () => {
    const c = base();
    c.mounts[0].destination = '';
    rejects(c, '/mounts/0/destination', /empty/);
  });
  test('uidMappings and gidMappings go together', () => {
    const c = base();
    c.mounts[0].uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
    rejects(c, '/mounts/0/gidMappings', /required/);
    const d = base();
    d.mounts[0].gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
    rejects(d, '/mounts/0/uidMappings', /required/);
  });
  test('mount mapping ranges are checked', () => {
    const c = base();
    c.mounts[0].uidMappings = [{ containerID: 0, hostID: 1000, size: 0 }];
    c.mounts[0].gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
    rejects(c, '/mounts/0/uidMappings/0/size');
  });
  test('idmap without mappings needs a user namespace', () => {
    const c = base();
    c.mounts.push({ destination: '/data', source: '/srv', options: ['rbind', 'idmap'] });
    rejects(c, '/mounts/7/options', /idmap/);
    const d = rootless();
    d.mounts.push({ destination: '/data', source: '/srv', options: ['rbind', 'idmap'] });
    accepts(d);
  });
});

describe('maskedPaths and readonlyPaths', () => {
  test('must be absolute', () => {
    const c = base();
    c.linux.maskedPaths.push('proc/kcore');
    rejects(c, '/linux/maskedPaths/10', /absolute/);
    const d = base();
    d.linux.readonlyPaths[0] = 'proc/bus';
    rejects(d, '/linux/readonlyPaths/0', /absolute/);
  });
  test('need a mount namespace', () => {
    const c = ns(base(), 'pid', 'uts');
    rejects(c, '/linux/maskedPaths', /mount namespace/);
  });
});

describe('devices', () => {
  test('path must be absolute', () => {
    const c = base();
    c.linux.devices = [{ type: 'c', path: 'dev/null', major: 1, minor: 3 }];
    rejects(c, '/linux/devices/0/path', /absolute/);
  });
  test('major and minor are required for c, b and u, not for p', () => {
    const c = base();
    c.linux.devices = [{ type: 'b', path: '/dev/sda', minor: 0 }];
    rejects(c, '/linux/devices/0/major', /required for a device of type "b"/);
    c.linux.devices = [{ type: 'u', path: '/dev/x', major: 1 }];
    rejects(c, '/linux/devices/0/minor', /required/);
    c.linux.devices = [{ type: 'p', path: '/dev/fifo' }];
    accepts(c);
  });
});

describe('rlimits', () => {
  test('unknown type', () => {
    const c = base();
    c.process.rlimits.push({ type: 'RLIMIT_FOO', soft: 1, hard: 1 });
    rejects(c, '/process/rlimits/1/type', /not a resource limit: must be one of RLIMIT_AS/);
  });
  test('duplicate type', () => {
    const c = base();
    c.process.rlimits.push({ type: 'RLIMIT_NOFILE', soft: 1, hard: 1 });
    rejects(c, '/process/rlimits/1/type', /duplicate rlimit "RLIMIT_NOFILE"/);
  });
  test('soft must not exceed hard', () => {
    const c = base();
    c.process.rlimits[0] = { type: 'RLIMIT_NOFILE', soft: 2048, hard: 1024 };
    rejects(c, '/process/rlimits/0/soft', /must not exceed hard/);
  });
});

test('unknown capability names are warned about, not rejected (config.md 1.3: SHOULD NOT fail)', () => {
  const c = base();
  c.process.capabilities.effective.push('CAP_CHECKPOINT_RESTORE', 'CAP_BPF', 'CAP_NET_ADMINN');
  expect(checkSemantics(c)).toEqual(['/process/capabilities/effective/5: "CAP_NET_ADMINN" is not a known capability (CAP_CHOWN ... CAP_CHECKPOINT_RESTORE): ignored']);
  const d = base();
  d.process.capabilities.inheritable = ['chown'];
  expect(checkSemantics(d)[0]).toMatch(/^\/process\/capabilities\/inheritable\/0: "chown" is not a known capability/);
});

test('device cgroup access letters other than r, w, m are warned about and ignored, as runc (its update.bats writes "rwa")', () => {
  const { specRules } = require('../../runtime/cgroups/v1/devices');
  const c = base();
  c.linux.resources = { devices: [{ allow: false, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 11, access: 'rwa' }] };
  expect(checkSemantics(c)).toEqual(['/linux/resources/devices/1/access: "a" is not a device access (r, w, m): ignored, as runc does']);
  expect(specRules(c.linux.resources.devices).map((r: any) => r.access)).toEqual(['rwm', 'rw']);
  // nothing left of it: still an error naming the rule
  expect(() => specRules([{ allow: true, access: 'xa' }])).toThrow(/\/linux\/resources\/devices\/0\/access.*invalid device access "xa"/);
});

describe('sysctl', () => {
  const withSysctl = (c: any, key: string) => {
    c.linux.sysctl = { [key]: '1' };
    return c;
  };
  test.each(['kernel.msgmax', 'kernel.shm_rmid_forced', 'fs.mqueue.msg_max', 'kernel.sem'])('%s needs an ipc namespace', (k) => {
    accepts(withSysctl(base(), k));
    rejects(withSysctl(ns(base(), 'pid', 'mount', 'uts', 'network'), k), `/linux/sysctl/${k}`, /ipc namespace/);
  });
  test('net.* needs a network namespace', () => {
    accepts(withSysctl(base(), 'net.ipv4.ip_forward'));
    rejects(withSysctl(ns(base(), 'pid', 'mount', 'uts', 'ipc'), 'net.ipv4.ip_forward'), '/linux/sysctl/net.ipv4.ip_forward', /network namespace/);
  });
  test('slash form is understood and escaped in the pointer', () => {
    expect(sysctlDotted('net/ipv4/conf/eno2.100/rp_filter')).toBe('net.ipv4.conf.eno2/100.rp_filter');
    rejects(withSysctl(ns(base(), 'pid', 'mount', 'uts'), 'net/ipv4/ip_forward'), '/linux/sysctl/net~1ipv4~1ip_forward', /network/);
  });
  test('kernel.hostname and kernel.domainname are refused: /hostname and /domainname set them (runc)', () => {
    rejects(withSysctl(base(), 'kernel.hostname'), '/linux/sysctl/kernel.hostname', /not allowed: set \/hostname instead/);
    rejects(withSysctl(base(), 'kernel.domainname'), '/linux/sysctl/kernel.domainname', /not allowed: set \/domainname instead/);
    rejects(withSysctl(base(), 'kernel/hostname'), '/linux/sysctl/kernel~1hostname', /not allowed/);
  });
  test('user.* needs a user namespace', () => {
    accepts(withSysctl(rootless(), 'user.max_user_namespaces'));
    rejects(withSysctl(base(), 'user.max_user_namespaces'), '/linux/sysctl/user.max_user_namespaces', /user namespace/);
  });
  test('anything else is not namespaced', () => {
    rejects(withSysctl(base(), 'vm.swappiness'), '/linux/sysctl/vm.swappiness', /not in a separate kernel namespace/);
    rejects(withSysctl(base(), 'kernel.pid_max'), '/linux/sysctl/kernel.pid_max', /not in a separate/);
  });
});

describe('scheduler (runc rules)', () => {
  test('nice range for SCHED_OTHER/SCHED_BATCH', () => {
    const c = base();
    c.process.scheduler = { policy: 'SCHED_BATCH', nice: 20 };
    rejects(c, '/process/scheduler/nice', /between -20 and 19/);
  });
  test('priority only for FIFO and RR', () => {
    const c = base();
    c.process.scheduler = { policy: 'SCHED_OTHER', priority: 5 };
    rejects(c, '/process/scheduler/priority', /SCHED_FIFO or SCHED_RR/);
    c.process.scheduler = { policy: 'SCHED_RR', priority: 5 };
    accepts(c);
  });
  test('runtime/deadline/period only for SCHED_DEADLINE', () => {
    const c = base();
    c.process.scheduler = { policy: 'SCHED_FIFO', deadline: 1000 };
    rejects(c, '/process/scheduler/deadline', /SCHED_DEADLINE/);
    c.process.scheduler = { policy: 'SCHED_DEADLINE', runtime: 1, deadline: 2, period: 3 };
    accepts(c);
  });
});

test('ioPriority priority is 0..7', () => {
  const c = base();
  c.process.ioPriority = { class: 'IOPRIO_CLASS_RT', priority: 8 };
  rejects(c, '/process/ioPriority/priority', /between 0 and 7/);
});

describe('memoryPolicy', () => {
  test('MPOL_DEFAULT and MPOL_LOCAL take no nodes', () => {
    const c = base();
    c.linux.memoryPolicy = { mode: 'MPOL_LOCAL', nodes: '0' };
    rejects(c, '/linux/memoryPolicy/nodes', /must be empty/);
  });
  test('MPOL_BIND needs nodes', () => {
    const c = base();
    c.linux.memoryPolicy = { mode: 'MPOL_BIND', nodes: '' };
    rejects(c, '/linux/memoryPolicy/nodes', /at least one node/);
  });
  test('reversed ranges', () => {
    const c = base();
    c.linux.memoryPolicy = { mode: 'MPOL_INTERLEAVE', nodes: '3-1' };
    rejects(c, '/linux/memoryPolicy/nodes', /node list/);
  });
});

describe('netDevices', () => {
  test('need a network namespace', () => {
    const c = rootless();
    c.linux.netDevices = { eth1: {} };
    rejects(c, '/linux/netDevices', /network namespace/);
  });
  test('names as the kernel accepts them', () => {
    const c = base();
    c.linux.netDevices = { 'eth 1': {} };
    rejects(c, '/linux/netDevices/eth 1', /not a valid network device name/);
    c.linux.netDevices = { eth1: { name: 'a-very-long-device-name' } };
    rejects(c, '/linux/netDevices/eth1/name', /not a valid/);
    c.linux.netDevices = { eth1: { name: 'ctr0' } };
    accepts(c);
  });
});

test('seccomp notify restrictions (runc)', () => {
  const c = base();
  c.linux.seccomp = { defaultAction: 'SCMP_ACT_NOTIFY' };
  rejects(c, '/linux/seccomp/defaultAction', /default action/);
  c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read', 'write'], action: 'SCMP_ACT_NOTIFY' }] };
  rejects(c, '/linux/seccomp/syscalls/0/names', /write/);
});
