/**
 * linux.seccomp → a lowered profile (libseccomp numbers, decided here) that the addon compiles to
 * BPF in the parent; the init only loads the bytes (OP_SECCOMP).
 *
 * Where it loads (runc's rule): with noNewPrivileges as late as possible, just before the exec fifo;
 * without it, loading needs CAP_SYS_ADMIN, so before the capabilities are dropped.
 */
import { Seccomp } from '../spec/types';
import { ConfigError } from '../errors';
import { table } from '../table';

export const SCMP_ACTIONS: Readonly<Record<string, number>> = table({
  SCMP_ACT_KILL: 0x00000000,
  SCMP_ACT_KILL_THREAD: 0x00000000,
  SCMP_ACT_KILL_PROCESS: 0x80000000,
  SCMP_ACT_TRAP: 0x00030000,
  SCMP_ACT_ERRNO: 0x00050000,
  SCMP_ACT_TRACE: 0x7ff00000,
  SCMP_ACT_LOG: 0x7ffc0000,
  SCMP_ACT_ALLOW: 0x7fff0000,
  SCMP_ACT_NOTIFY: 0x7fc00000,
});

export const SCMP_OPERATORS: Readonly<Record<string, number>> = table({
  SCMP_CMP_NE: 1, SCMP_CMP_LT: 2, SCMP_CMP_LE: 3, SCMP_CMP_EQ: 4, SCMP_CMP_GE: 5, SCMP_CMP_GT: 6, SCMP_CMP_MASKED_EQ: 7,
});

export const SECCOMP_FLAGS: Readonly<Record<string, number>> = table({
  SECCOMP_FILTER_FLAG_TSYNC: 1,
  SECCOMP_FILTER_FLAG_LOG: 2,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: 4,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: 32,
});
export const SECCOMP_FILTER_FLAG_NEW_LISTENER = 8;

const EPERM = 1;
const ENOSYS = 38;

export interface LoweredRule {
  names: string[];
  action: number;
  errno?: number;
  args: { index: number; op: number; value: number; valueTwo: number }[];
}

export interface LoweredProfile {
  defaultAction: number;
  defaultErrno: number;
  arches: string[];
  rules: LoweredRule[];
  /**
   * A system call above the largest of these (per architecture) gets ENOSYS, not the default
   * action: runc's rule, so programs fall back from calls too new for the profile. The names of
   * the config's own rules, for a denying default whose errno is not ENOSYS already; else empty.
   */
  enosysAbove: string[];
}

/** SCMP_ARCH_X86_64 → x86_64, the name libseccomp resolves. */
export function archName(a: string): string {
  return a.replace(/^SCMP_ARCH_/, '').toLowerCase();
}

export function lowerSeccomp(s: Seccomp): { profile: LoweredProfile; flags: number; notify: boolean } {
  const at = '/linux/seccomp';
  let notify = false;
  const action = (name: string, pointer: string): number => {
    const a = SCMP_ACTIONS[name];
    if (a === undefined) throw new ConfigError(pointer, `"${name}" is not one of ${Object.keys(SCMP_ACTIONS).join(', ')}`);
    if (name === 'SCMP_ACT_NOTIFY') notify = true;
    return a;
  };
  const written: LoweredRule[] = (s.syscalls ?? []).map((r, i) => ({
    names: r.names,
    action: action(r.action, `${at}/syscalls/${i}/action`),
    errno: r.errnoRet,
    args: (r.args ?? []).map((a, j) => {
      const op = SCMP_OPERATORS[a.op];
      if (op === undefined) throw new ConfigError(`${at}/syscalls/${i}/args/${j}/op`, `"${a.op}" is not one of ${Object.keys(SCMP_OPERATORS).join(', ')}`);
      // a system call has at most six arguments (libseccomp's bare EINVAL otherwise)
      if (!(a.index >= 0 && a.index <= 5)) throw new ConfigError(`${at}/syscalls/${i}/args/${j}/index`, `${a.index} is out of range: a system call argument index is 0 to 5`);
      return { index: a.index, op, value: a.value, valueTwo: a.valueTwo ?? 0 };
    }),
  }));
  // Several conditions on the same argument in one rule: libseccomp refuses them together
  // (EINVAL), and runc adds each condition as a rule of its own (so they match as an OR). Same here.
  const rules: LoweredRule[] = written.flatMap((r) => {
    const repeated = r.args.some((a, j) => r.args.findIndex((b) => b.index === a.index) !== j);
    return repeated ? r.args.map((a) => ({ ...r, args: [a] })) : [r];
  });
  const defaultAction = action(s.defaultAction, `${at}/defaultAction`);
  // clone3 is newer than most profiles: glibc falls back to clone only on ENOSYS, so a profile
  // that does not mention it gets ENOSYS rather than its default (runc and Docker do the same).
  const mentioned = new Set(rules.flatMap((r) => r.names));
  if (!mentioned.has('clone3') && defaultAction !== SCMP_ACTIONS.SCMP_ACT_ALLOW) {
    rules.push({ names: ['clone3'], action: SCMP_ACTIONS.SCMP_ACT_ERRNO, errno: ENOSYS, args: [] });
  }
  let flags = 0;
  (s.flags ?? []).forEach((f, i) => {
    const v = SECCOMP_FLAGS[f];
    if (v === undefined) throw new ConfigError(`${at}/flags/${i}`, `"${f}" is not one of ${Object.keys(SECCOMP_FLAGS).join(', ')}`);
    flags |= v;
  });
  if (notify) {
    if (!s.listenerPath) throw new ConfigError(`${at}/listenerPath`, 'is required when a rule uses SCMP_ACT_NOTIFY');
    flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
  }
  return {
    profile: {
      defaultAction,
      defaultErrno: s.defaultErrnoRet ?? EPERM,
      arches: (s.architectures ?? []).map(archName),
      rules,
      // runc isAllowAction: allow, log and trace let future calls through (a tracer handles them)
      enosysAbove: ['SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE'].includes(s.defaultAction) || s.defaultErrnoRet === ENOSYS
        ? [] : [...new Set(written.flatMap((r) => r.names))],
    },
    flags,
    notify,
  };
}
