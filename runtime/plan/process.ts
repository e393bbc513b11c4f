/**
 * process → the steps that turn the init into the user's process.
 *
 * Order (runc finalizeNamespace): rlimits and oom_score_adj while still privileged; the bounding
 * set is dropped while CAP_SETPCAP is still effective; PR_SET_KEEPCAPS keeps the permitted set
 * across setuid; capset then sets effective/permitted/inheritable and ambient last; chdir runs
 * as the user (CVE-2024-21626: cwd is resolved inside the container, after pivot_root); the
 * program is looked up before the exec fifo so `create` fails early on a missing binary.
 *
 * The working directory (docs/launch-plan.md, "The working directory"): process.cwd comes from
 * the image, so it is hostile input. Before it, CLOSE_FDS leaves the init only the descriptors
 * later steps name; CHDIR resolves the path inside the root without /proc magic links and checks
 * getcwd. It is tried first of the process steps, as root (a directory only root can enter) and,
 * on a permission error, again after setuid (one only the user can enter), as runc does.
 */
import { Process, Linux } from '../spec/types';
import { ConfigError } from '../errors';
import { Arg, Op, Step, step } from './types';
import { capMasks, CAPABILITIES } from './capabilities';
import { table } from '../table';

export const RLIMITS: Readonly<Record<string, number>> = table({
  RLIMIT_CPU: 0, RLIMIT_FSIZE: 1, RLIMIT_DATA: 2, RLIMIT_STACK: 3, RLIMIT_CORE: 4, RLIMIT_RSS: 5,
  RLIMIT_NPROC: 6, RLIMIT_NOFILE: 7, RLIMIT_MEMLOCK: 8, RLIMIT_AS: 9, RLIMIT_LOCKS: 10,
  RLIMIT_SIGPENDING: 11, RLIMIT_MSGQUEUE: 12, RLIMIT_NICE: 13, RLIMIT_RTPRIO: 14, RLIMIT_RTTIME: 15,
});

const RLIM_INFINITY = 18446744073709551615;

function limit(v: number): number | bigint {
  return v >= RLIM_INFINITY ? -1 : BigInt(Math.trunc(v));
}

const IOPRIO_CLASS: Readonly<Record<string, number>> = table({ IOPRIO_CLASS_RT: 1, IOPRIO_CLASS_BE: 2, IOPRIO_CLASS_IDLE: 3 });

export const SCHED_POLICY: Readonly<Record<string, number>> = table({
  SCHED_OTHER: 0, SCHED_FIFO: 1, SCHED_RR: 2, SCHED_BATCH: 3, SCHED_ISO: 4, SCHED_IDLE: 5, SCHED_DEADLINE: 6,
});

export const SCHED_FLAGS: Readonly<Record<string, number>> = table({
  SCHED_FLAG_RESET_ON_FORK: 0x01, SCHED_FLAG_RECLAIM: 0x02, SCHED_FLAG_DL_OVERRUN: 0x04, SCHED_FLAG_KEEP_POLICY: 0x08,
  SCHED_FLAG_KEEP_PARAMS: 0x10, SCHED_FLAG_UTIL_CLAMP_MIN: 0x20, SCHED_FLAG_UTIL_CLAMP_MAX: 0x40,
});

export const MPOL_MODES: Readonly<Record<string, number>> = table({
  MPOL_DEFAULT: 0, MPOL_PREFERRED: 1, MPOL_BIND: 2, MPOL_INTERLEAVE: 3, MPOL_LOCAL: 4, MPOL_PREFERRED_MANY: 5, MPOL_WEIGHTED_INTERLEAVE: 6,
});

export const MPOL_FLAGS: Readonly<Record<string, number>> = table({
  MPOL_F_NUMA_BALANCING: 1 << 13, MPOL_F_RELATIVE_NODES: 1 << 14, MPOL_F_STATIC_NODES: 1 << 15,
});

export const PERSONALITY_DOMAINS: Readonly<Record<string, number>> = table({ LINUX: 0x0000, LINUX32: 0x0008 });

/** "0-3,7" → a bitmask as little-endian 64-bit words (the layout of an unsigned long array). */
export function listToMask(list: string, pointer: string): Buffer {
  const bits: number[] = [];
  for (const part of list.split(',').map((x) => x.trim()).filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new ConfigError(pointer, `"${list}" is not a list such as 0-3,7`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a || b > 4095) throw new ConfigError(pointer, `"${part}" is not a valid range`);
    for (let i = a; i <= b; i++) bits.push(i);
  }
  const words = Math.max(1, Math.ceil((Math.max(-1, ...bits) + 1) / 64));
  const buf = Buffer.alloc(words * 8);
  for (const i of bits) buf[i >> 3] |= 1 << (i & 7);
  return buf;
}

/** linux.personality, linux.memoryPolicy and the process scheduling fields, applied while privileged. */
export function schedulingSteps(p: Process, linux: Linux | undefined): Step[] {
  const steps: Step[] = [];
  if (p.ioPriority) {
    const cls = IOPRIO_CLASS[p.ioPriority.class];
    steps.push(step(Op.IOPRIO, [(cls << 13) | (p.ioPriority.priority ?? 0)], '/process/ioPriority', 'ioprio_set'));
  }
  if (p.scheduler) {
    const sc = p.scheduler;
    const flags = (sc.flags ?? []).reduce((a, f) => a | (SCHED_FLAGS[f] ?? 0), 0);
    steps.push(step(Op.SCHED, [SCHED_POLICY[sc.policy], sc.priority ?? 0, sc.nice ?? 0, flags, sc.runtime ?? 0, sc.deadline ?? 0, sc.period ?? 0], '/process/scheduler', 'sched_setattr'));
  }
  if (p.execCPUAffinity?.final) {
    steps.push(step(Op.SCHED_AFFINITY, [listToMask(p.execCPUAffinity.final, '/process/execCPUAffinity/final')], '/process/execCPUAffinity/final', 'sched_setaffinity'));
  }
  if (linux?.memoryPolicy) {
    const mp = linux.memoryPolicy;
    const mode = MPOL_MODES[mp.mode] | (mp.flags ?? []).reduce((a, f) => a | (MPOL_FLAGS[f] ?? 0), 0);
    const mask = mp.nodes ? listToMask(mp.nodes, '/linux/memoryPolicy/nodes') : Buffer.alloc(0);
    steps.push(step(Op.MEMPOLICY, [mode, mask], '/linux/memoryPolicy', 'set_mempolicy'));
  }
  if (linux?.personality?.flags?.length) {
    throw new ConfigError('/linux/personality/flags', 'no personality flags are supported (config-linux.md defines none)');
  }
  if (linux?.personality) {
    steps.push(step(Op.PERSONALITY, [PERSONALITY_DOMAINS[linux.personality.domain]], '/linux/personality', 'personality'));
  }
  return steps;
}

/** What the host's security modules can apply; without them runc ignores the fields, we warn. */
export interface LsmFacts {
  apparmor: boolean;
  selinux: boolean;
}

export function lsmSteps(p: Process, lsm: LsmFacts, warnings: string[]): Step[] {
  const steps: Step[] = [];
  if (p.apparmorProfile) {
    if (lsm.apparmor) steps.push(step(Op.WRITE_FILE, ['/proc/self/attr/apparmor/exec', `exec ${p.apparmorProfile}`], '/process/apparmorProfile', 'apply the AppArmor profile'));
    else warnings.push(`/process/apparmorProfile: AppArmor is not enabled on this host: "${p.apparmorProfile}" is not applied (runc ignores it too)`);
  }
  if (p.selinuxLabel) {
    if (lsm.selinux) steps.push(step(Op.WRITE_FILE, ['/proc/self/attr/exec', p.selinuxLabel], '/process/selinuxLabel', 'set the SELinux exec label'));
    else warnings.push(`/process/selinuxLabel: SELinux is not enabled on this host: "${p.selinuxLabel}" is not applied (runc ignores it too)`);
  }
  return steps;
}

export function privilegedProcessSteps(p: Process): Step[] {
  const steps: Step[] = [];
  if (p.oomScoreAdj !== undefined) {
    steps.push(step(Op.WRITE_FILE, ['/proc/self/oom_score_adj', String(p.oomScoreAdj)], '/process/oomScoreAdj', 'set oom_score_adj'));
  }
  (p.rlimits ?? []).forEach((r, i) => {
    steps.push(step(Op.RLIMIT, [RLIMITS[r.type], limit(r.soft), limit(r.hard)], `/process/rlimits/${i}`, `setrlimit ${r.type}`));
  });
  return steps;
}

/** The descriptors the init still needs after the process steps begin. */
export interface KeptFds {
  /** --preserve-fds: 3..3+N-1 stay open into the process */
  preserved: number;
  /** plan files later steps name (the state directory WAIT_START opens exec.fifo in) */
  files: { file: number }[];
}

/**
 * The first process steps, before rlimits, seccomp and setuid: close what the remaining steps do
 * not need, then enter process.cwd while still root (and while a descriptor can still be opened:
 * process.rlimits may set RLIMIT_NOFILE to 0, and a seccomp profile may forbid openat2/getcwd).
 */
export function cwdSteps(p: Process, kept: KeptFds): Step[] {
  return [
    step(Op.CLOSE_FDS, [kept.preserved, ...(kept.files as Arg[])], '', 'close the descriptors the process steps do not need'),
    step(Op.CHDIR, [p.cwd, 0], '/process/cwd', `chdir ${p.cwd}`),
  ];
}

export function identitySteps(p: Process, grantable?: bigint): Step[] {
  const caps = capMasks(p.capabilities, grantable);
  const u = p.user;
  const steps: Step[] = [
    step(Op.CAPBSET, [caps.bounding], '/process/capabilities/bounding', 'drop bounding capabilities'),
    step(Op.KEEPCAPS, [1], '', 'keep capabilities across setuid'),
    step(Op.SETGROUPS, [(u.additionalGids ?? []).map(String)], '/process/user/additionalGids', 'setgroups'),
    step(Op.SETID_FINAL, [u.uid, u.gid], '/process/user', `setuid ${u.uid} setgid ${u.gid}`),
    // again as the user, if root could not enter it (runc); a no-op when the first one worked
    step(Op.CHDIR, [p.cwd, 1], '/process/cwd', `chdir ${p.cwd}`),
    step(Op.KEEPCAPS, [0], '', 'clear keep-capabilities'),
    step(Op.CAPS, [caps.effective, caps.permitted, caps.inheritable], '/process/capabilities', 'capset'),
  ];
  // The kernel raises an ambient capability only when it is permitted and inheritable; runc
  // warns and goes on for the others, and so do we (the warning is in assemble.ts).
  const ambient = caps.ambient & caps.permitted & caps.inheritable;
  if (ambient) steps.push(step(Op.AMBIENT, [ambient], '/process/capabilities/ambient', 'raise ambient capabilities'));
  steps.push(step(Op.UMASK, [u.umask ?? 0o022], '/process/user/umask', 'umask'));
  return steps;
}

/** `create` makes a missing process.cwd inside the rootfs (runc's MkdirAll, 0755); exec does not. */
export function mkdirCwdSteps(p: Process): Step[] {
  return p.cwd.split('/').some((c) => c && c !== '.' && c !== '..') ? [step(Op.MKDIR, [p.cwd], '/process/cwd', `create ${p.cwd}`)] : [];
}

export function envValue(env: string[] | undefined, name: string): string | undefined {
  const prefix = name + '=';
  const e = (env ?? []).find((x) => x.startsWith(prefix));
  return e === undefined ? undefined : e.slice(prefix.length);
}

export function lookupStep(p: Process): Step {
  const args = p.args ?? [];
  return step(Op.EXEC_LOOKUP, [args[0] ?? '', envValue(p.env, 'PATH') ?? ''], '/process/args/0', `look up ${args[0]}`);
}

export function execStep(p: Process, preserveFds: number): Step {
  return step(Op.EXEC, [p.args ?? [], p.env ?? [], preserveFds, '/process/args'], '/process/args', `exec ${(p.args ?? [])[0]}`);
}

/** Ambient capabilities that cannot be raised because they are not both permitted and inheritable. */
export function unraisableAmbient(p: Process): string[] {
  const c = p.capabilities;
  const ok = new Set((c?.permitted ?? []).filter((x) => (c?.inheritable ?? []).includes(x)));
  return (c?.ambient ?? []).filter((x) => !ok.has(x) && (CAPABILITIES as readonly string[]).includes(x));
}
