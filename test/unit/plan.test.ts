/** The planner is pure: spec + options + host facts → LaunchPlan. No root needed. */
import { buildPlan, buildExecPlan, initialAffinity, HostFacts } from '../../runtime/plan/assemble';
import { Op, Step } from '../../runtime/plan/types';
import { parseMountOptions, MS_BIND, MS_REC, MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_SHARED, MS_SLAVE, MS_PRIVATE, MOUNT_ATTR_RDONLY, MOUNT_ATTR_NOSUID, MOUNT_ATTR__ATIME, MOUNT_ATTR_NOATIME } from '../../runtime/plan/mounts';
import { CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWUSER, CLONE_NEWTIME } from '../../runtime/plan/namespaces';
import { capMask } from '../../runtime/plan/capabilities';
import { listToMask } from '../../runtime/plan/process';
import { defaultSpec } from '../../runtime/spec/default-spec';
import { ConfigError } from '../../runtime/errors';
import { Spec } from '../../runtime/spec/types';

const facts: HostFacts = {
  isDirectory: (p) => (p.startsWith('/missing') ? undefined : !p.endsWith('.conf')),
  rootfsParentMount: '/',
  cgroupBinds: [{ name: 'memory', hostPath: '/sys/fs/cgroup/memory/oci-ts/x' }],
  grantableCaps: (1n << 41n) - 1n,
  lsm: { apparmor: false, selinux: false },
  compileSeccomp: (p) => ({ bpf: Buffer.from(JSON.stringify(p)), unknown: p.rules.flatMap((r) => r.names).filter((n) => n.startsWith('bogus')) }),
};

const opts = { bundle: '/b', rootfs: '/b/rootfs', stateDir: '/run/oci-ts/x', noPivot: false, preserveFds: 0 };

function spec(edit?: (s: Spec) => void): Spec {
  const s = defaultSpec(false);
  edit?.(s);
  return s;
}

const ops = (steps: Step[]) => steps.map((s) => s.op);
const find = (steps: Step[], op: Op) => steps.filter((s) => s.op === op);

test('stage 0 unshares the namespaces, then forks; the init mounts, pivots, waits, execs', () => {
  const p = buildPlan(spec(), opts, facts);
  const o = ops(p.steps);
  expect(o[0]).toBe(Op.UNSHARE);
  expect(p.steps[0].args[0]).toBe(CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNS);
  expect(o[1]).toBe(Op.LOOPBACK_UP); // a new network namespace: lo is brought up (runc)
  expect(o[2]).toBe(Op.FORK);
  const idx = (op: Op) => o.indexOf(op);
  expect(idx(Op.ROOTFS_BIND)).toBeLessThan(idx(Op.MOUNT));
  expect(idx(Op.MOUNT)).toBeLessThan(idx(Op.SYNC));
  expect(idx(Op.SYNC)).toBeLessThan(idx(Op.PIVOT_ROOT));
  expect(idx(Op.PIVOT_ROOT)).toBeLessThan(idx(Op.MASK_PATH));
  expect(idx(Op.CAPBSET)).toBeLessThan(idx(Op.SETID_FINAL));
  expect(idx(Op.SETID_FINAL)).toBeLessThan(idx(Op.CAPS));
  expect(idx(Op.EXEC_LOOKUP)).toBeLessThan(idx(Op.WAIT_START));
  expect(o[o.length - 1]).toBe(Op.EXEC);
  expect(p.files).toEqual([{ path: '/run/oci-ts/x', kind: 'dir', pointer: '' }]);
});

test('every config-derived step names its JSON pointer', () => {
  const p = buildPlan(spec(), opts, facts);
  const mounts = find(p.steps, Op.MOUNT);
  expect(mounts[0].pointer).toBe('/mounts/0');
  expect(find(p.steps, Op.MASK_PATH)[0].pointer).toBe('/linux/maskedPaths/0');
  expect(find(p.steps, Op.RLIMIT)[0].pointer).toBe('/process/rlimits/0');
  expect(find(p.steps, Op.CHDIR)[0].pointer).toBe('/process/cwd');
});

test('process.cwd: descriptors closed first, chdir tried before setuid and again after, made after pivot_root', () => {
  const p = buildPlan(spec((s) => {
    s.process!.cwd = '/srv/app';
    s.process!.noNewPrivileges = false;
    s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW' };
    s.linux!.namespaces!.push({ type: 'network', path: '/var/run/netns/x' });
  }), { ...opts, preserveFds: 2 }, facts);
  const o = ops(p.steps);
  const idx = (op: Op, from = 0) => o.indexOf(op, from);
  // CLOSE_FDS keeps the preserved fds and only the state directory among the plan's files
  const close = find(p.steps, Op.CLOSE_FDS);
  expect(close).toHaveLength(1);
  const stateDir = p.files.findIndex((f) => f.path === '/run/oci-ts/x');
  expect(close[0].args).toEqual([2, { file: stateDir }]);
  expect(p.files.map((f) => f.path)).toContain('/var/run/netns/x');
  const chdirs = find(p.steps, Op.CHDIR);
  expect(chdirs.map((s) => s.args)).toEqual([['/srv/app', 0], ['/srv/app', 1]]);
  expect(chdirs.map((s) => s.pointer)).toEqual(['/process/cwd', '/process/cwd']);
  const first = idx(Op.CHDIR);
  expect(idx(Op.CLOSE_FDS)).toBe(first - 1);
  // first of the process steps: before rlimits (RLIMIT_NOFILE 0 would forbid the open) and seccomp
  for (const op of [Op.RLIMIT, Op.SECCOMP, Op.SETGROUPS, Op.SETID_FINAL]) expect([op, first < idx(op)]).toEqual([op, true]);
  expect(idx(Op.CHDIR, first + 1)).toBeGreaterThan(idx(Op.SETID_FINAL));
  expect(idx(Op.CHDIR, first + 1)).toBeLessThan(idx(Op.EXEC_LOOKUP));
  // every step after CLOSE_FDS names only the files it kept
  for (const s of p.steps.slice(idx(Op.CLOSE_FDS) + 1)) {
    for (const a of s.args) if (typeof a === 'object' && a !== null && 'file' in a) expect(a.file).toBe(stateDir);
  }
  // the missing directory is made inside the new root, before it can be made read-only
  const mk = find(p.steps, Op.MKDIR);
  expect(mk.map((s) => [s.args, s.pointer])).toEqual([[['/srv/app'], '/process/cwd']]);
  expect(idx(Op.MKDIR)).toBeGreaterThan(idx(Op.PIVOT_ROOT));
  const ro = buildPlan(spec((s) => { s.process!.cwd = '/srv/app'; s.root!.readonly = true; }), opts, facts);
  expect(ops(ro.steps).indexOf(Op.MKDIR)).toBeLessThan(ops(ro.steps).indexOf(Op.REMOUNT_RO));
  // nothing to make for the root itself, however it is spelled
  for (const cwd of ['/', '/../..', '/./']) expect(find(buildPlan(spec((s) => { s.process!.cwd = cwd; }), opts, facts).steps, Op.MKDIR)).toEqual([]);
});

test('joined namespaces come first, the user namespace last; pid is joined by path then forked', () => {
  const p = buildPlan(spec((s) => {
    s.linux!.namespaces = [
      { type: 'user', path: '/proc/1/ns/user' },
      { type: 'network', path: '/var/run/netns/x' },
      { type: 'pid', path: '/proc/9/ns/pid_for_children' },
      { type: 'mount' },
    ];
  }), opts, facts);
  const setns = find(p.steps, Op.SETNS);
  expect(setns.map((s) => p.files[(s.args[0] as { file: number }).file].path)).toEqual(['/var/run/netns/x', '/proc/9/ns/pid_for_children', '/proc/1/ns/user']);
  expect(setns.map((s) => s.pointer)).toEqual(['/linux/namespaces/1/path', '/linux/namespaces/2/path', '/linux/namespaces/0/path']);
  expect(find(p.steps, Op.UNSHARE)[0].args[0]).toBe(CLONE_NEWNS);
  expect(p.steps.findIndex((s) => s.op === Op.FORK)).toBeGreaterThan(p.steps.findIndex((s) => s.op === Op.UNSHARE));
});

test('a new user namespace: unshare it alone, sync for the maps, then the rest; devices are bind mounts', () => {
  const p = buildPlan(spec((s) => {
    s.linux!.namespaces!.push({ type: 'user' }, { type: 'time' });
    s.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 10 }];
    s.linux!.gidMappings = [{ containerID: 0, hostID: 2000, size: 10 }];
    s.linux!.timeOffsets = { monotonic: { secs: 5, nanosecs: 0 } };
  }), opts, facts);
  expect(ops(p.steps).slice(0, 7)).toEqual([Op.UNSHARE, Op.SYNC, Op.SETID, Op.UNSHARE, Op.LOOPBACK_UP, Op.WRITE_FILE, Op.FORK]);
  expect(p.steps[0].args[0]).toBe(CLONE_NEWUSER);
  expect((p.steps[3].args[0] as number) & CLONE_NEWTIME).toBeTruthy();
  expect(p.steps[5].args).toEqual(['/proc/self/timens_offsets', 'monotonic 5 0\n']);
  expect(p.idmap).toEqual({ uid: '0 1000 10\n', gid: '0 2000 10\n', setgroups: 'allow' });
  expect(find(p.steps, Op.MKNOD)).toEqual([]);
  expect(find(p.steps, Op.BIND_DEV).map((s) => s.args[1])).toContain('/dev/null');
});

test('no mount namespace: no mounts at all, only a chroot, and a warning', () => {
  const p = buildPlan(spec((s) => {
    s.linux!.namespaces = [{ type: 'pid' }];
    delete s.linux!.maskedPaths;
    delete s.linux!.readonlyPaths;
    s.root!.readonly = false;
  }), opts, facts);
  expect(find(p.steps, Op.MOUNT)).toEqual([]);
  expect(find(p.steps, Op.PIVOT_ROOT)).toEqual([]);
  expect(find(p.steps, Op.CHROOT)[0].args).toEqual(['/b/rootfs']);
  expect(p.warnings[0]).toMatch(/^\/mounts: not mounted/);
  expect(() => buildPlan(spec((s) => { s.linux!.namespaces = []; s.root!.readonly = true; }), opts, facts)).toThrow(ConfigError);
});

test('bind mounts: flags applied by a remount, missing source rejected with its pointer', () => {
  const p = buildPlan(spec((s) => {
    s.mounts = [{ destination: '/etc/x.conf', type: 'bind', source: '/etc/x.conf', options: ['rbind', 'ro', 'nosuid', 'rshared'] }];
  }), opts, facts);
  const m = find(p.steps, Op.MOUNT)[0];
  // source dest type flags data propagation mkkind remount recSet recClr
  expect(m.args).toEqual(['/etc/x.conf', '/etc/x.conf', '', MS_BIND | MS_REC, '', MS_SHARED | MS_REC, 2, MS_RDONLY | MS_NOSUID, 0, 0]);
  expect(() => buildPlan(spec((s) => { s.mounts = [{ destination: '/x', type: 'bind', source: '/missing' }]; }), opts, facts)).toThrow(/\/mounts\/0\/source/);
});

test('mount options: flags, clearing options, propagation, data, recursive attributes', () => {
  const o = parseMountOptions(['nosuid', 'nodev', 'noexec', 'ro', 'rw', 'mode=755', 'size=64k', 'slave', 'private', 'rro', 'rnosuid', 'rnoatime', 'x-foo']);
  expect(o.flags).toBe(MS_NOSUID | MS_NODEV | MS_NOEXEC);
  expect(o.propagation).toEqual([MS_SLAVE, MS_PRIVATE]);
  expect(o.data).toEqual(['mode=755', 'size=64k']);
  expect(o.recSet).toBe(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOATIME);
  expect(o.recClr & MOUNT_ATTR__ATIME).toBe(MOUNT_ATTR__ATIME);
  expect(parseMountOptions(['ridmap']).idmap).toBe('ridmap');
});

test('idmapped bind mounts ask the launcher for a user namespace with the mount mappings', () => {
  const p = buildPlan(spec((s) => {
    s.mounts = [{ destination: '/data', type: 'bind', source: '/srv', options: ['rbind'], uidMappings: [{ containerID: 0, hostID: 5000, size: 100 }], gidMappings: [{ containerID: 0, hostID: 5000, size: 100 }] }];
  }), opts, facts);
  const m = find(p.steps, Op.MOUNT_IDMAP)[0];
  const f = p.files[(m.args[2] as { file: number }).file];
  expect(f).toMatchObject({ kind: 'userns', maps: { uid: '0 5000 100\n', gid: '0 5000 100\n' } });
  expect(m.args[3]).toBe(1);
  expect(() => buildPlan(spec((s) => { s.mounts = [{ destination: '/d', type: 'tmpfs', source: 'tmpfs', options: ['idmap'] }]; }), opts, facts)).toThrow(/bind mounts only/);
});

test('capabilities become bit masks; ambient ones not permitted and inheritable are warned about', () => {
  expect(capMask(['CAP_CHOWN', 'CAP_KILL'])).toBe((1n << 0n) | (1n << 5n));
  expect(capMask(['CAP_CHECKPOINT_RESTORE', 'CAP_KILL'], (1n << 40n) - 1n)).toBe(1n << 5n);
  const noResource = buildPlan(spec((s) => { s.process!.capabilities!.bounding!.push('CAP_SYS_RESOURCE'); }), opts, { ...facts, grantableCaps: ((1n << 41n) - 1n) & ~(1n << 24n) });
  expect(find(noResource.steps, Op.CAPBSET)[0].args[0]).toBe(capMask(['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE']));
  expect(noResource.warnings.join()).toMatch(/CAP_SYS_RESOURCE cannot be granted/);
  const p = buildPlan(spec(), opts, facts); // runc's default: ambient without inheritable
  expect(find(p.steps, Op.AMBIENT)).toEqual([]);
  expect(p.warnings.join('\n')).not.toMatch(/not raised/);
  expect((p.notes ?? []).join('\n')).toMatch(/CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE not raised/);
});

test('terminal with a console socket: the socket is a file the init sends the pty master on', () => {
  const p = buildPlan(spec((s) => { s.process!.terminal = true; s.process!.consoleSize = { height: 40, width: 120 }; }), { ...opts, consoleSocket: '/tmp/c.sock' }, facts);
  const c = find(p.steps, Op.CONSOLE)[0];
  expect(p.files[(c.args[0] as { file: number }).file]).toMatchObject({ kind: 'socket', path: '/tmp/c.sock' });
  expect(c.args.slice(1)).toEqual([40, 120, 0]);
});

test('hooks: createContainer before pivot_root, startContainer after the fifo, with their state', () => {
  const p = buildPlan(spec((s) => {
    s.hooks = { createContainer: [{ path: '/bin/a', timeout: 2 }], startContainer: [{ path: '/bin/b', args: ['b', '-x'], env: ['A=1'] }] };
  }), opts, facts);
  const o = ops(p.steps);
  const hooks = find(p.steps, Op.HOOK);
  expect(hooks[0].args).toEqual(['/bin/a', ['/bin/a'], [], 2000, 1, '/hooks/createContainer/0']);
  expect(hooks[1].args).toEqual(['/bin/b', ['b', '-x'], ['A=1'], 0, 2, '/hooks/startContainer/0']);
  expect(p.steps.indexOf(hooks[0])).toBeLessThan(o.indexOf(Op.PIVOT_ROOT));
  expect(p.steps.indexOf(hooks[1])).toBeGreaterThan(o.indexOf(Op.WAIT_START));
});

test('sysctl keys become /proc/sys paths, with the key in the pointer', () => {
  const p = buildPlan(spec((s) => { s.linux!.sysctl = { 'net.ipv4.ip_forward': '1' }; }), opts, facts);
  const w = find(p.steps, Op.WRITE_FILE).find((s) => String(s.args[0]).startsWith('/proc/sys'))!;
  expect(w.args).toEqual(['/proc/sys/net/ipv4/ip_forward', '1']);
  expect(w.pointer).toBe('/linux/sysctl/net.ipv4.ip_forward');
});

test('cpu and node lists become bit masks', () => {
  expect([...listToMask('0-2,5', 'x')]).toEqual([0b100111, 0, 0, 0, 0, 0, 0, 0]);
  expect(listToMask('64', 'x').length).toBe(16);
  expect(() => listToMask('3-1', '/linux/memoryPolicy/nodes')).toThrow(/memoryPolicy/);
});

test('rlimits: RLIM_INFINITY-sized values become -1', () => {
  const p = buildPlan(spec((s) => { s.process!.rlimits = [{ type: 'RLIMIT_CORE', soft: 18446744073709551615, hard: 18446744073709551615 }]; }), opts, facts);
  expect(find(p.steps, Op.RLIMIT)[0].args).toEqual([4, -1, -1]);
});

test('seccomp: lowered for libseccomp, loaded late with no_new_privs and early without it', () => {
  const profile = {
    defaultAction: 'SCMP_ACT_ERRNO',
    architectures: ['SCMP_ARCH_X86_64'],
    syscalls: [{ names: ['read', 'bogus_call'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 3, op: 'SCMP_CMP_EQ' }] }],
  };
  const late = buildPlan(spec((s) => { s.linux!.seccomp = profile; s.process!.noNewPrivileges = true; }), opts, facts);
  const o = ops(late.steps);
  expect(o.indexOf(Op.SECCOMP)).toBe(o.indexOf(Op.WAIT_START) - 1);
  const lowered = JSON.parse((find(late.steps, Op.SECCOMP)[0].args[0] as Buffer).toString());
  expect(lowered).toEqual({
    defaultAction: 0x00050000,
    defaultErrno: 1,
    arches: ['x86_64'],
    rules: [
      { names: ['read', 'bogus_call'], action: 0x7fff0000, args: [{ index: 0, op: 4, value: 3, valueTwo: 0 }] },
      { names: ['clone3'], action: 0x00050000, errno: 38, args: [] },
    ],
    // runc's ENOSYS stub: bounded by the config's own names (not the clone3 rule added above)
    enosysAbove: ['read', 'bogus_call'],
  });
  expect((late.notes ?? []).join()).toMatch(/unknown to libseccomp, skipped: bogus_call/);
  expect(late.warnings.join()).not.toMatch(/libseccomp/);
  const early = buildPlan(spec((s) => { s.linux!.seccomp = profile; s.process!.noNewPrivileges = false; }), opts, facts);
  const e = ops(early.steps);
  expect(e.indexOf(Op.SECCOMP)).toBeLessThan(e.indexOf(Op.CAPBSET));
  expect(() => buildPlan(spec((s) => { s.linux!.seccomp = { defaultAction: 'SCMP_ACT_NOPE' }; }), opts, facts)).toThrow(/\/linux\/seccomp\/defaultAction/);
  expect(() => buildPlan(spec((s) => { s.linux!.seccomp = { defaultAction: 'SCMP_ACT_NOTIFY' }; }), opts, facts)).toThrow(/listenerPath/);
});

test('seccomp: the ENOSYS stub (runc) only for a denying default whose errno is not ENOSYS already', () => {
  const above = (seccomp: Record<string, unknown>) =>
    JSON.parse((find(buildPlan(spec((s) => { s.linux!.seccomp = seccomp as any; s.process!.noNewPrivileges = true; }), opts, facts).steps, Op.SECCOMP)[0].args[0] as Buffer).toString()).enosysAbove;
  const rules = [{ names: ['mkdir', 'kcmp'], action: 'SCMP_ACT_ALLOW' }, { names: ['mkdir'], action: 'SCMP_ACT_LOG' }];
  expect(above({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: rules })).toEqual(['mkdir', 'kcmp']);
  expect(above({ defaultAction: 'SCMP_ACT_KILL_PROCESS', syscalls: rules })).toEqual(['mkdir', 'kcmp']);
  for (const allowing of ['SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE']) expect(above({ defaultAction: allowing, syscalls: rules })).toEqual([]);
  expect(above({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 38, syscalls: rules })).toEqual([]);
});

test('mountLabel: a context= option on file systems that take one when SELinux is on, a warning when it is off', () => {
  const on = buildPlan(spec((s) => { s.linux!.mountLabel = 'system_u:object_r:container_file_t:s0'; }), opts, { ...facts, lsm: { apparmor: false, selinux: true } });
  const data = find(on.steps, Op.MOUNT).map((m) => [m.args[2], m.args[4]]);
  expect(data).toContainEqual(['tmpfs', 'mode=755,size=65536k,context="system_u:object_r:container_file_t:s0"']);
  expect(data).toContainEqual(['proc', '']);
  const off = buildPlan(spec((s) => { s.linux!.mountLabel = 'x'; }), opts, facts);
  expect(find(off.steps, Op.MOUNT).some((m) => String(m.args[4]).includes('context='))).toBe(false);
  expect(off.warnings.join()).toMatch(/\/linux\/mountLabel: SELinux is not enabled/);
  expect(() => buildPlan(spec((s) => { s.linux!.personality = { domain: 'LINUX', flags: ['X'] }; }), opts, facts)).toThrow(/personality\/flags/);
});

describe('exec plan', () => {
  const execOpts = { initPid: 42, initStartTime: '123', joinFlags: CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUSER, rootfs: '/b/rootfs', preserveFds: 1 };

  test('affinity, one setns with a pidfd of the init, root in the user namespace, fork, the process steps, exec; no fifo, no hooks, no mounts', () => {
    const s = spec((x) => {
      x.process!.execCPUAffinity = { initial: '0', final: '1' };
      x.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW' };
      x.hooks = { startContainer: [{ path: '/bin/true' }] };
    });
    const p = buildExecPlan(s, s.process!, execOpts, facts);
    const o = ops(p.steps);
    expect(o.slice(0, 4)).toEqual([Op.SETNS, Op.CLOSE_FD, Op.SETID, Op.FORK]);
    expect(p.steps[0].args).toEqual([{ file: 0 }, CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUSER]);
    expect(p.files).toEqual([{ path: '/proc/42', kind: 'pidfd', startTime: '123', pointer: '/linux/namespaces' }]);
    // the initial affinity is the parent's (on stage 0, before the cgroups); the final one comes
    // after the fork (the process is in the container's cpuset by then)
    const aff = p.steps.map((st, i) => [st, i] as const).filter(([st]) => st.op === Op.SCHED_AFFINITY);
    expect(aff.map(([st]) => st.pointer)).toEqual(['/process/execCPUAffinity/final']);
    expect(aff[0][1]).toBeGreaterThan(o.indexOf(Op.FORK));
    expect(initialAffinity(s.process!)).toEqual(listToMask('0', ''));
    for (const op of [Op.WAIT_START, Op.HOOK, Op.MOUNT, Op.PIVOT_ROOT, Op.SETHOSTNAME, Op.CHROOT, Op.UNSHARE]) expect(o).not.toContain(op);
    for (const op of [Op.SECCOMP, Op.RLIMIT, Op.CAPS, Op.CHDIR, Op.EXEC_LOOKUP]) expect(o.indexOf(op)).toBeGreaterThan(o.indexOf(Op.FORK));
    expect(o[o.length - 1]).toBe(Op.EXEC);
    expect(p.steps[p.steps.length - 1].args[2]).toBe(1);
  });

  test('nothing to join: no setns; no mount namespace: chroot into the rootfs; a terminal: the console', () => {
    const s = spec((x) => {
      x.linux!.namespaces = x.linux!.namespaces!.filter((n) => n.type !== 'mount');
      x.process!.terminal = true;
    });
    const p = buildExecPlan(s, s.process!, { ...execOpts, joinFlags: 0, consoleSocket: '/tmp/c.sock' }, facts);
    const o = ops(p.steps);
    expect(o.slice(0, 3)).toEqual([Op.FORK, Op.CHROOT, Op.CONSOLE]);
    expect(p.steps[1].args).toEqual(['/b/rootfs']);
    expect(p.files).toEqual([{ path: '/tmp/c.sock', kind: 'socket', pointer: '' }]);
  });
});

test('seccomp: several conditions on one argument become one rule each (runc); on different arguments they stay together', () => {
  const p = buildPlan(spec((s) => {
    s.linux!.seccomp = {
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [
        { names: ['kill'], action: 'SCMP_ACT_ERRNO', args: [{ index: 1, value: 10, op: 'SCMP_CMP_EQ' }, { index: 1, value: 12, op: 'SCMP_CMP_EQ' }] },
        { names: ['tgkill'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }, { index: 2, value: 9, op: 'SCMP_CMP_EQ' }] },
      ],
    };
  }), opts, facts);
  const rules = JSON.parse((find(p.steps, Op.SECCOMP)[0].args[0] as Buffer).toString()).rules;
  expect(rules.map((r: { names: string[]; args: { index: number; value: number }[] }) => [r.names[0], r.args.map((a) => `${a.index}=${a.value}`)])).toEqual([
    ['kill', ['1=10']],
    ['kill', ['1=12']],
    ['tgkill', ['0=1', '2=9']],
  ]);
});

test('tmpfs: mode of the mount point unless mode= is given; read-only tmpfs and /dev made read-only after pivot_root', () => {
  const p = buildPlan(spec((s) => {
    s.mounts!.find((m) => m.destination === '/dev')!.options!.push('ro');
    s.mounts!.push({ destination: '/t', type: 'tmpfs', source: 'tmpfs', options: ['ro'] });
  }), opts, facts);
  const mounts = find(p.steps, Op.MOUNT);
  const dev = mounts.find((m) => m.args[1] === '/dev')!;
  expect((dev.args[3] as number) & MS_RDONLY).toBe(0);
  expect(dev.args[10]).toBe(0); // mode=755 given in the default config
  const t = mounts.find((m) => m.args[1] === '/t')!;
  expect([(t.args[3] as number) & MS_RDONLY, t.args[10]]).toEqual([0, 1]);
  const o = ops(p.steps);
  const ro = find(p.steps, Op.REMOUNT_RO).map((s) => s.args[0]);
  expect(ro).toEqual(['/dev', '/t', '/']); // then root.readonly of the default config
  expect(o.indexOf(Op.REMOUNT_RO)).toBeGreaterThan(o.indexOf(Op.PIVOT_ROOT));
});

test('--no-pivot detaches the host\'s proc and sysfs before the move; user namespace binds come from open_tree when the runtime may', () => {
  const np = buildPlan(spec(), { ...opts, noPivot: true }, { ...facts, hostProcSysMounts: ['/proc', '/sys'] });
  const o = ops(np.steps);
  expect(find(np.steps, Op.HIDE_HOST_MOUNT).map((s) => s.args[0])).toEqual(['/proc', '/sys']);
  expect(o.lastIndexOf(Op.HIDE_HOST_MOUNT)).toBe(o.indexOf(Op.MOVE_ROOT) - 1);
  expect(find(buildPlan(spec(), opts, { ...facts, hostProcSysMounts: ['/proc'] }).steps, Op.HIDE_HOST_MOUNT)).toEqual([]);
  const userns = (s: Spec) => {
    s.linux!.namespaces!.push({ type: 'user' });
    s.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 10 }];
    s.linux!.gidMappings = [{ containerID: 0, hostID: 1000, size: 10 }];
    s.mounts = [{ destination: '/data', type: 'bind', source: '/srv/data', options: ['rbind'] }];
  };
  const withTree = buildPlan(spec(userns), opts, { ...facts, openTreeBinds: true });
  const m = find(withTree.steps, Op.MOUNT)[0];
  expect(m.args.slice(11)).toEqual([1, { file: withTree.files.findIndex((f) => f.kind === 'tree') }]);
  expect(withTree.files.find((f) => f.kind === 'tree')).toMatchObject({ path: '/srv/data', recursive: true, pointer: '/mounts/0/source' });
  const rootless = buildPlan(spec(userns), opts, { ...facts, openTreeBinds: false });
  expect(find(rootless.steps, Op.MOUNT)[0].args.length).toBe(10);
  expect(rootless.files.some((f) => f.kind === 'tree')).toBe(false);
});
