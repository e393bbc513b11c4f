/** Capability names → bits (linux/capability.h), and the masks a process.capabilities object gives. */
import { Capabilities } from '../spec/types';
import { table } from '../table';

export const CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT',
  'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE',
  'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG',
  'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
] as const;

const BIT = table<number>(Object.fromEntries(CAPABILITIES.map((c, i) => [c, i])));

export const ALL_CAPS = (1n << BigInt(CAPABILITIES.length)) - 1n;

/**
 * Bit mask of the named capabilities, within `grantable` (what this kernel knows and the runtime
 * itself holds in its bounding set); unknown names are skipped (semantic.ts warns about them).
 */
export function capMask(names: string[] | undefined, grantable = ALL_CAPS): bigint {
  let m = 0n;
  for (const n of names ?? []) {
    const b = BIT[n.toUpperCase()];
    if (b !== undefined) m |= 1n << BigInt(b);
  }
  return m & grantable;
}

/** Names in the config that are known but cannot be granted by this runtime on this host. */
export function ungrantable(c: Capabilities | undefined, grantable: bigint): string[] {
  const all = new Set([...(c?.bounding ?? []), ...(c?.effective ?? []), ...(c?.permitted ?? []), ...(c?.inheritable ?? []), ...(c?.ambient ?? [])]);
  return [...all].filter((n) => BIT[n] !== undefined && !(grantable & (1n << BigInt(BIT[n]))));
}

export interface CapMasks {
  bounding: bigint;
  effective: bigint;
  permitted: bigint;
  inheritable: bigint;
  ambient: bigint;
}

export function capMasks(c: Capabilities | undefined, grantable?: bigint): CapMasks {
  return {
    bounding: capMask(c?.bounding, grantable),
    effective: capMask(c?.effective, grantable),
    permitted: capMask(c?.permitted, grantable),
    inheritable: capMask(c?.inheritable, grantable),
    ambient: capMask(c?.ambient, grantable),
  };
}
