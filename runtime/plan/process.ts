/**
 * process → the steps that turn the init into the user's process.
 *
 * Order (runc finalizeNamespace): rlimits and oom_score_adj while still privileged; the bounding
 * set is dropped while CAP_SETPCAP is still effective; PR_SET_KEEPCAPS keeps the permitted set
 * across setuid; capset then sets effective/permitted/inheritable and ambient last; chdir runs
 * as the user (CVE-2024-21626: cwd is resolved inside the container, after pivot_root); the
 * program is looked up before the exec fifo so `create` fails early on a missing binary.
 */
import { Process } from '../spec/types';
import { Op, Step, step } from './types';
import { capMasks, CAPABILITIES } from './capabilities';

export const RLIMITS: Record<string, number> = {
  RLIMIT_CPU: 0, RLIMIT_FSIZE: 1, RLIMIT_DATA: 2, RLIMIT_STACK: 3, RLIMIT_CORE: 4, RLIMIT_RSS: 5,
  RLIMIT_NPROC: 6, RLIMIT_NOFILE: 7, RLIMIT_MEMLOCK: 8, RLIMIT_AS: 9, RLIMIT_LOCKS: 10,
  RLIMIT_SIGPENDING: 11, RLIMIT_MSGQUEUE: 12, RLIMIT_NICE: 13, RLIMIT_RTPRIO: 14, RLIMIT_RTTIME: 15,
};

const RLIM_INFINITY = 18446744073709551615;

function limit(v: number): number | bigint {
  return v >= RLIM_INFINITY ? -1 : BigInt(Math.trunc(v));
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

export function identitySteps(p: Process, lastCap?: number): Step[] {
  const caps = capMasks(p.capabilities, lastCap);
  const u = p.user;
  const steps: Step[] = [
    step(Op.CAPBSET, [caps.bounding], '/process/capabilities/bounding', 'drop bounding capabilities'),
    step(Op.KEEPCAPS, [1], '', 'keep capabilities across setuid'),
    step(Op.SETGROUPS, [(u.additionalGids ?? []).map(String)], '/process/user/additionalGids', 'setgroups'),
    step(Op.SETID_FINAL, [u.uid, u.gid], '/process/user', `setuid ${u.uid} setgid ${u.gid}`),
    step(Op.KEEPCAPS, [0], '', 'clear keep-capabilities'),
    step(Op.CAPS, [caps.effective, caps.permitted, caps.inheritable], '/process/capabilities', 'capset'),
  ];
  // The kernel raises an ambient capability only when it is permitted and inheritable; runc
  // warns and goes on for the others, and so do we (the warning is in assemble.ts).
  const ambient = caps.ambient & caps.permitted & caps.inheritable;
  if (ambient) steps.push(step(Op.AMBIENT, [ambient], '/process/capabilities/ambient', 'raise ambient capabilities'));
  steps.push(step(Op.UMASK, [u.umask ?? 0o022], '/process/user/umask', 'umask'));
  steps.push(step(Op.CHDIR, [p.cwd], '/process/cwd', `chdir ${p.cwd}`));
  return steps;
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
  return step(Op.EXEC, [p.args ?? [], p.env ?? [], preserveFds], '/process/args', `exec ${(p.args ?? [])[0]}`);
}

/** Ambient capabilities that cannot be raised because they are not both permitted and inheritable. */
export function unraisableAmbient(p: Process): string[] {
  const c = p.capabilities;
  const ok = new Set((c?.permitted ?? []).filter((x) => (c?.inheritable ?? []).includes(x)));
  return (c?.ambient ?? []).filter((x) => !ok.has(x) && (CAPABILITIES as readonly string[]).includes(x));
}
