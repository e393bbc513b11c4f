/**
 * Cross-field rules that the JSON schema cannot express (style habit 4: one named check per spec area,
 * each rejecting with the JSON pointer of the field it blames). Run after validateSchema(), so the
 * shapes are already right. Only rules about the config itself live here; rules that need the host
 * (does the kernel have time namespaces, is this netns the host's) belong to the launcher.
 *
 * Sources: runtime-spec 1.3 config.md / config-linux.md, runc libcontainer/configs/validate/validator.go
 * and libcontainer/specconv/spec_linux.go. docs/config-validation.md lists every rule.
 */
import { ConfigError } from '../errors';
import { pointerToken } from './limits';
import type { Hook, IdMapping, Namespace, NamespaceType, Spec, User } from './types';

/** Collects non-fatal findings (e.g. a relative mount destination, which runc also only warns about). */
export type Warn = (pointer: string, message: string) => void;
export type Check = (spec: Spec, warn: Warn) => void;

const isAbs = (p: unknown): boolean => typeof p === 'string' && p.startsWith('/');
const fail = (pointer: string, detail: string): never => {
  throw new ConfigError(pointer, detail);
};

function namespaces(spec: Spec): Namespace[] {
  return spec.linux?.namespaces ?? [];
}
function findNs(spec: Spec, type: NamespaceType): Namespace | undefined {
  return namespaces(spec).find((n) => n.type === type);
}
/** True if the config asks for a namespace of this type (new, or joined by path): not the runtime's own. */
function hasNs(spec: Spec, type: NamespaceType): boolean {
  return findNs(spec, type) !== undefined;
}

// ---------------------------------------------------------------------------------------------------------
// version, root, process

/** config.md: ociVersion is SemVer; we implement 1.x and refuse other majors. */
export function checkOciVersion(spec: Spec): void {
  const v = spec.ociVersion;
  if (!/^1\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(v)) {
    fail('/ociVersion', `"${v}" is not supported: must be a 1.x SemVer version such as 1.3.0`);
  }
}

/** config.md: root is REQUIRED on Linux, and its path names the rootfs. */
export function checkRoot(spec: Spec): void {
  if (!spec.root) fail('/root', 'is required on Linux');
  if (!spec.root!.path) fail('/root/path', 'must not be empty');
}

/** config.md: at least one entry in args (non-Windows); cwd MUST be absolute. */
export function checkProcess(spec: Spec): void {
  const p = spec.process;
  if (!p) return;
  if (!p.args || p.args.length === 0) fail('/process/args', 'must contain at least one entry (the program to run)');
  if (!p.args![0]) fail('/process/args/0', 'must not be empty');
  if (!isAbs(p.cwd)) fail('/process/cwd', `"${p.cwd}" must be an absolute path`);
}

// ---------------------------------------------------------------------------------------------------------
// user and group ids: the one rule, for config.json, exec's process.json and exec --user

/**
 * The largest uid/gid a process may be given. setresuid(2)/setresgid(2) take (uid_t)-1, that is
 * 4294967295, as "leave unchanged", so such an id would run the process as root; runc (through
 * moby/sys/user) takes 0-2147483647 and says "uids and gids must be in range 0-2147483647".
 */
export const MAX_ID = 2147483647;

/** Why `id` is not a uid/gid a process can be given, or undefined when it is one. */
export function idProblem(id: number): string | undefined {
  if (Number.isInteger(id) && id >= 0 && id <= MAX_ID) return undefined;
  return `${id} is out of range: uids and gids must be in range 0-${MAX_ID}`;
}

/** process.user (or a process.json's user, with base '/user'): uid, gid, additionalGids. */
export function checkUserIds(user: User | undefined, base = '/process/user'): void {
  if (!user) return;
  const check = (id: number, pointer: string) => {
    const problem = idProblem(id);
    if (problem) fail(pointer, problem);
  };
  check(user.uid, `${base}/uid`);
  check(user.gid, `${base}/gid`);
  (user.additionalGids ?? []).forEach((g, i) => check(g, `${base}/additionalGids/${i}`));
}

export function checkProcessUser(spec: Spec): void {
  checkUserIds(spec.process?.user);
}

// ---------------------------------------------------------------------------------------------------------
// namespaces and id mappings

/** config-linux.md: no duplicated types; path MUST be absolute. */
export function checkNamespaces(spec: Spec): void {
  const seen = new Map<string, number>();
  namespaces(spec).forEach((ns, i) => {
    const prev = seen.get(ns.type);
    if (prev !== undefined) {
      fail(`/linux/namespaces/${i}/type`, `duplicate namespace type "${ns.type}" (also at /linux/namespaces/${prev})`);
    }
    seen.set(ns.type, i);
    if (ns.path !== undefined && !isAbs(ns.path)) {
      fail(`/linux/namespaces/${i}/path`, `"${ns.path}" must be an absolute path`);
    }
  });
}

/**
 * A new user namespace needs uidMappings and gidMappings; mappings without a user namespace are an
 * error (runc: "user namespace mappings specified, but user namespace isn't enabled in the config").
 * Joining a user namespace by path with mappings is left to the launcher (runc compares them there).
 */
export function checkUserNamespace(spec: Spec): void {
  const userns = findNs(spec, 'user');
  const l = spec.linux ?? {};
  if (!userns) {
    if (l.uidMappings !== undefined) fail('/linux/uidMappings', 'is set, but there is no user namespace in /linux/namespaces');
    if (l.gidMappings !== undefined) fail('/linux/gidMappings', 'is set, but there is no user namespace in /linux/namespaces');
    return;
  }
  if (userns.path) return;
  if (!l.uidMappings?.length) fail('/linux/uidMappings', 'is required for a new user namespace (at least one mapping)');
  if (!l.gidMappings?.length) fail('/linux/gidMappings', 'is required for a new user namespace (at least one mapping)');
}

const ID_LIMIT = 2 ** 32;

/** user_namespaces(7): each range non-empty, inside 32 bits, and ranges must not overlap. */
export function checkIdMappings(spec: Spec): void {
  const l = spec.linux ?? {};
  checkMappingList(l.uidMappings, '/linux/uidMappings');
  checkMappingList(l.gidMappings, '/linux/gidMappings');
  (spec.mounts ?? []).forEach((m, i) => {
    checkMappingList(m.uidMappings, `/mounts/${i}/uidMappings`);
    checkMappingList(m.gidMappings, `/mounts/${i}/gidMappings`);
  });
}

/**
 * A mapping starts at a valid id (idProblem) and its range stays below 4294967295, which is no id
 * at all ((uid_t)-1; the kernel refuses a range that reaches it). The identity map of the initial
 * namespace, 0 0 4294967295, is the largest one allowed.
 */
function checkMappingList(maps: IdMapping[] | undefined, base: string): void {
  if (!maps) return;
  maps.forEach((m, i) => {
    for (const key of ['containerID', 'hostID'] as const) {
      const problem = idProblem(m[key]);
      if (problem) fail(`${base}/${i}/${key}`, problem);
    }
    if (m.size < 1) fail(`${base}/${i}/size`, 'must be at least 1');
    if (m.containerID + m.size > ID_LIMIT - 1) fail(`${base}/${i}/size`, `containerID + size is ${m.containerID + m.size}: the range must end below 4294967295, which is not an id`);
    if (m.hostID + m.size > ID_LIMIT - 1) fail(`${base}/${i}/size`, `hostID + size is ${m.hostID + m.size}: the range must end below 4294967295, which is not an id`);
    for (let j = 0; j < i; j++) {
      const o = maps[j];
      if (overlaps(m.containerID, m.size, o.containerID, o.size)) {
        fail(`${base}/${i}/containerID`, `range overlaps ${base}/${j}`);
      }
      if (overlaps(m.hostID, m.size, o.hostID, o.size)) fail(`${base}/${i}/hostID`, `range overlaps ${base}/${j}`);
    }
  });
}

const overlaps = (a: number, an: number, b: number, bn: number) => a < b + bn && b < a + an;

/** With a new user namespace, process.user.uid/gid must be mapped, or setresuid/setresgid fail with EINVAL. */
export function checkUserIsMapped(spec: Spec): void {
  const userns = findNs(spec, 'user');
  const user = spec.process?.user;
  if (!userns || userns.path || !user) return;
  const inside = (id: number, maps: IdMapping[] = []) =>
    maps.some((m) => id >= m.containerID && id < m.containerID + m.size);
  if (!inside(user.uid, spec.linux?.uidMappings)) fail('/process/user/uid', `${user.uid} is not mapped by /linux/uidMappings`);
  if (!inside(user.gid, spec.linux?.gidMappings)) fail('/process/user/gid', `${user.gid} is not mapped by /linux/gidMappings`);
}

/** config-linux.md timeOffsets; runc: offsets need a new time namespace, not one joined by path. */
export function checkTimeNamespace(spec: Spec): void {
  const offsets = spec.linux?.timeOffsets;
  if (offsets === undefined) return;
  const timens = findNs(spec, 'time');
  if (!timens) fail('/linux/timeOffsets', 'is set, but there is no time namespace in /linux/namespaces');
  if (timens!.path) fail('/linux/timeOffsets', 'cannot be applied to a time namespace joined by path');
}

/** runc uts(): hostname and domainname can only be set in a private UTS namespace. */
export function checkUts(spec: Spec): void {
  if (hasNs(spec, 'uts')) return;
  if (spec.hostname) fail('/hostname', 'cannot be set without a uts namespace in /linux/namespaces');
  if (spec.domainname) fail('/domainname', 'cannot be set without a uts namespace in /linux/namespaces');
}

// ---------------------------------------------------------------------------------------------------------
// hooks, mounts, paths, devices

/** config.md: hook path MUST be absolute. */
export function checkHooks(spec: Spec): void {
  // only the six kinds: other keys are unknown fields, accepted and ignored like any other
  const hooks = (spec.hooks ?? {}) as Record<string, Hook[] | undefined>;
  for (const kind of ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop']) {
    (hooks[kind] ?? []).forEach((h, i) => {
      if (!isAbs(h.path)) fail(`/hooks/${kind}/${i}/path`, `"${h.path}" must be an absolute path`);
    });
  }
}

/**
 * config.md: on Linux a destination SHOULD be absolute and MAY be relative (then relative to "/"); runc
 * accepts it with a deprecation warning, so do we. NUL bytes are refused (runc specconv), mount
 * uidMappings/gidMappings go together (config.md "MUST be specified along with"), and idmap/ridmap
 * without mappings needs a user namespace to borrow them from (config.md).
 */
export function checkMounts(spec: Spec, warn: Warn): void {
  (spec.mounts ?? []).forEach((m, i) => {
    const at = `/mounts/${i}`;
    for (const field of ['destination', 'source', 'type'] as const) {
      const v = m[field];
      if (typeof v === 'string' && v.includes('\0')) fail(`${at}/${field}`, 'must not contain a NUL byte');
    }
    if (!m.destination) fail(`${at}/destination`, 'must not be empty');
    if (!isAbs(m.destination)) {
      warn(`${at}/destination`, `"${m.destination}" is relative; it is taken as relative to "/" (deprecated)`);
    }
    if ((m.uidMappings === undefined) !== (m.gidMappings === undefined)) {
      fail(m.uidMappings ? `${at}/gidMappings` : `${at}/uidMappings`, 'is required when the other id mapping is set');
    }
    const idmap = (m.options ?? []).some((o) => o === 'idmap' || o === 'ridmap');
    if (idmap && m.uidMappings === undefined && !hasNs(spec, 'user')) {
      fail(`${at}/options`, 'idmap/ridmap needs uidMappings and gidMappings on the mount or a user namespace');
    }
  });
}

/**
 * /linux/resources/devices access: r, w and m. runc ignores other letters (runc's own tests write
 * "rwa"), so do we, with a warning naming the rule: the letter has no effect.
 */
export function checkDeviceAccess(spec: Spec, warn: Warn): void {
  (spec.linux?.resources?.devices ?? []).forEach((d, i) => {
    const other = [...new Set((d.access ?? '').split('').filter((c) => !'rwm'.includes(c)))];
    if (other.length) warn(`/linux/resources/devices/${i}/access`, `"${other.join('')}" ${other.length > 1 ? 'are not device accesses' : 'is not a device access'} (r, w, m): ignored, as runc does`);
  });
}

/** config-linux.md maskedPaths/readonlyPaths are absolute; runc security(): they need a mount namespace. */
export function checkMaskedAndReadonlyPaths(spec: Spec): void {
  const l = spec.linux ?? {};
  for (const field of ['maskedPaths', 'readonlyPaths'] as const) {
    const list = l[field] ?? [];
    list.forEach((p, i) => {
      if (!isAbs(p)) fail(`/linux/${field}/${i}`, `"${p}" must be an absolute path`);
    });
    if (list.length > 0 && !hasNs(spec, 'mount')) {
      fail(`/linux/${field}`, 'needs a mount namespace in /linux/namespaces');
    }
  }
}

/** config-linux.md devices: path absolute; major and minor required for c, b and u (not for p). */
export function checkDevices(spec: Spec): void {
  (spec.linux?.devices ?? []).forEach((d, i) => {
    const at = `/linux/devices/${i}`;
    if (!isAbs(d.path)) fail(`${at}/path`, `"${d.path}" must be an absolute path`);
    if (d.type !== 'p') {
      if (d.major === undefined) fail(`${at}/major`, `is required for a device of type "${d.type}"`);
      if (d.minor === undefined) fail(`${at}/minor`, `is required for a device of type "${d.type}"`);
    }
  });
}

// ---------------------------------------------------------------------------------------------------------
// process attributes

/** getrlimit(2) resources, by their RLIMIT_* names. */
export const RLIMITS: readonly string[] = [
  'RLIMIT_AS', 'RLIMIT_CORE', 'RLIMIT_CPU', 'RLIMIT_DATA', 'RLIMIT_FSIZE', 'RLIMIT_LOCKS', 'RLIMIT_MEMLOCK',
  'RLIMIT_MSGQUEUE', 'RLIMIT_NICE', 'RLIMIT_NOFILE', 'RLIMIT_NPROC', 'RLIMIT_RSS', 'RLIMIT_RTPRIO',
  'RLIMIT_RTTIME', 'RLIMIT_SIGPENDING', 'RLIMIT_STACK',
];

/** config.md rlimits: types the kernel knows, no duplicates; setrlimit(2) refuses soft > hard. */
export function checkRlimits(spec: Spec): void {
  const seen = new Map<string, number>();
  (spec.process?.rlimits ?? []).forEach((r, i) => {
    const at = `/process/rlimits/${i}`;
    if (!RLIMITS.includes(r.type)) fail(`${at}/type`, `"${r.type}" is not a resource limit: must be one of ${RLIMITS.join(', ')}`);
    const prev = seen.get(r.type);
    if (prev !== undefined) fail(`${at}/type`, `duplicate rlimit "${r.type}" (also at /process/rlimits/${prev})`);
    seen.set(r.type, i);
    if (r.soft > r.hard) fail(`${at}/soft`, `${r.soft} must not exceed hard (${r.hard})`);
  });
}

/** capabilities(7) as of Linux 6.x, in bit order (CAP_CHOWN = 0 ... CAP_CHECKPOINT_RESTORE = 40). */
export const CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

/**
 * Unknown capability names are warned about and skipped. runtime-spec 1.3 config.md: a value that
 * cannot be mapped to a kernel interface or granted MUST be logged as a warning, and runtimes SHOULD
 * NOT fail (runc and crun skip them too).
 */
export function checkCapabilities(spec: Spec, warn: Warn): void {
  const caps = spec.process?.capabilities;
  if (!caps) return;
  // only the five sets: other keys are unknown fields, accepted and ignored like any other
  for (const set of ['bounding', 'effective', 'inheritable', 'permitted', 'ambient'] as const) {
    (caps[set] ?? []).forEach((c: string, i: number) => {
      if (!CAPABILITIES.includes(c)) {
        warn(`/process/capabilities/${set}/${i}`, `"${c}" is not a known capability (CAP_CHOWN ... CAP_CHECKPOINT_RESTORE): ignored`);
      }
    });
  }
}

/** runc scheduler(): sched_setattr(2) constraints between policy and its parameters. */
export function checkScheduler(spec: Spec): void {
  const s = spec.process?.scheduler;
  if (!s) return;
  const at = '/process/scheduler';
  if ((s.policy === 'SCHED_OTHER' || s.policy === 'SCHED_BATCH') && s.nice !== undefined && (s.nice < -20 || s.nice > 19)) {
    fail(`${at}/nice`, `${s.nice} is out of range for ${s.policy}: must be between -20 and 19`);
  }
  if (s.priority && s.policy !== 'SCHED_FIFO' && s.policy !== 'SCHED_RR') {
    fail(`${at}/priority`, 'can only be set for SCHED_FIFO or SCHED_RR');
  }
  if (s.policy !== 'SCHED_DEADLINE') {
    for (const f of ['runtime', 'deadline', 'period'] as const) {
      if (s[f]) fail(`${at}/${f}`, 'can only be set for SCHED_DEADLINE');
    }
  }
}

/** config.md ioPriority: priority from 0 (highest) to 7 (lowest); the class is a schema enum. */
export function checkIoPriority(spec: Spec): void {
  const io = spec.process?.ioPriority;
  if (io && io.priority !== undefined && (io.priority < 0 || io.priority > 7)) {
    fail('/process/ioPriority/priority', `${io.priority} is out of range: must be between 0 and 7`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// linux

/** runc sysctl(): /proc/sys is only partly namespaced; each key must belong to a namespace the container owns. */
export const IPC_SYSCTLS: readonly string[] = [
  'kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni',
  'kernel.shm_rmid_forced',
];

/** sysctl.d(5): "net/ipv4/ip_forward" is also accepted; '.' and '/' swap roles in that form. */
export function sysctlDotted(key: string): string {
  const first = key.search(/[./]/);
  if (first === -1 || key[first] === '.') return key;
  return key.replace(/[./]/g, (c) => (c === '.' ? '/' : '.'));
}

export function checkSysctl(spec: Spec): void {
  for (const raw of Object.keys(spec.linux?.sysctl ?? {})) {
    const key = sysctlDotted(raw);
    const at = `/linux/sysctl/${pointerToken(raw)}`;
    if (IPC_SYSCTLS.includes(key) || key.startsWith('fs.mqueue.')) {
      if (!hasNs(spec, 'ipc')) fail(at, `"${key}" needs an ipc namespace in /linux/namespaces (it would change the host's)`);
    } else if (key.startsWith('net.')) {
      if (!hasNs(spec, 'network')) fail(at, `"${key}" needs a network namespace in /linux/namespaces (it would change the host's)`);
    } else if (key === 'kernel.hostname' || key === 'kernel.domainname') {
      // runc refuses these: they conflict with /hostname and /domainname, which the runtime sets itself
      fail(at, `"${key}" is not allowed: set /${key.slice(7)} instead`);
    } else if (key.startsWith('user.')) {
      if (!hasNs(spec, 'user')) fail(at, `"${key}" needs a user namespace in /linux/namespaces (it would change the host's)`);
    } else {
      fail(at, `"${key}" is not in a separate kernel namespace; allowed: ${IPC_SYSCTLS.join(', ')}, fs.mqueue.*, net.*, user.*`);
    }
  }
}

/** set_mempolicy(2) as runc memoryPolicy(): some modes take no nodes, others at least one. */
export function checkMemoryPolicy(spec: Spec): void {
  const mp = spec.linux?.memoryPolicy;
  if (!mp) return;
  const nodes = (mp.nodes ?? '').split(',').filter((s) => s.trim() !== '');
  for (const part of nodes) {
    const m = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part);
    if (!m || (m[2] !== undefined && Number(m[2]) < Number(m[1]))) {
      fail('/linux/memoryPolicy/nodes', `"${mp.nodes}" is not a node list such as 0-3,7`);
    }
  }
  if ((mp.mode === 'MPOL_DEFAULT' || mp.mode === 'MPOL_LOCAL') && nodes.length > 0) {
    fail('/linux/memoryPolicy/nodes', `must be empty for ${mp.mode}`);
  }
  if (['MPOL_BIND', 'MPOL_INTERLEAVE', 'MPOL_PREFERRED_MANY', 'MPOL_WEIGHTED_INTERLEAVE'].includes(mp.mode) && nodes.length === 0) {
    fail('/linux/memoryPolicy/nodes', `must name at least one node for ${mp.mode}`);
  }
}

/** runc netdevices(): moving interfaces needs a network namespace; names as the kernel's dev_valid_name(). */
export function checkNetDevices(spec: Spec): void {
  const devs = spec.linux?.netDevices;
  if (!devs || Object.keys(devs).length === 0) return;
  if (!hasNs(spec, 'network')) fail('/linux/netDevices', 'needs a network namespace in /linux/namespaces');
  const valid = (n: string) => n.length > 0 && n.length <= 16 && n !== '.' && n !== '..' && !/[/: ]/.test(n);
  for (const [name, d] of Object.entries(devs)) {
    const at = `/linux/netDevices/${pointerToken(name)}`;
    if (!valid(name)) fail(at, `"${name}" is not a valid network device name`);
    if (d?.name !== undefined && d.name !== '' && !valid(d.name)) fail(`${at}/name`, `"${d.name}" is not a valid network device name`);
  }
}

/** runc seccomp: SCMP_ACT_NOTIFY is refused as the default action and for write(2) (the notifier would deadlock). */
export function checkSeccomp(spec: Spec): void {
  const sc = spec.linux?.seccomp;
  if (!sc) return;
  if (sc.defaultAction === 'SCMP_ACT_NOTIFY') fail('/linux/seccomp/defaultAction', 'SCMP_ACT_NOTIFY cannot be the default action');
  (sc.syscalls ?? []).forEach((r, i) => {
    if (r.action === 'SCMP_ACT_NOTIFY' && r.names.includes('write')) {
      fail(`/linux/seccomp/syscalls/${i}/names`, 'SCMP_ACT_NOTIFY cannot be used for the write syscall');
    }
  });
}

// ---------------------------------------------------------------------------------------------------------

/** Every check, in the order they run (the first failure is reported). */
export const CHECKS: readonly Check[] = [
  checkOciVersion, checkRoot, checkProcess, checkProcessUser, checkNamespaces, checkUserNamespace, checkIdMappings, checkUserIsMapped,
  checkTimeNamespace, checkUts, checkHooks, checkMounts, checkMaskedAndReadonlyPaths, checkDevices, checkRlimits,
  checkCapabilities, checkScheduler, checkIoPriority, checkSysctl, checkMemoryPolicy, checkNetDevices, checkSeccomp, checkDeviceAccess,
];

/**
 * Runs every check on a schema-valid spec. Throws ConfigError on the first violation; returns the
 * warnings (as "pointer: message" strings) for the caller to log once at the boundary.
 */
export function checkSemantics(spec: Spec): string[] {
  const warnings: string[] = [];
  const warn: Warn = (pointer, message) => warnings.push(`${pointer}: ${message}`);
  for (const check of CHECKS) check(spec, warn);
  return warnings;
}
