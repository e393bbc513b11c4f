/** Capability names → bits (linux/capability.h), and the masks a process.capabilities object gives. */
import { Capabilities } from '../spec/types';

export const CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT',
  'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE',
  'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG',
  'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
] as const;

const BIT: Record<string, number> = Object.fromEntries(CAPABILITIES.map((c, i) => [c, i]));

/** Bit mask of the named capabilities; names the kernel does not know are skipped (runc warns). */
export function capMask(names: string[] | undefined, lastCap = CAPABILITIES.length - 1): bigint {
  let m = 0n;
  for (const n of names ?? []) {
    const b = BIT[n.toUpperCase()];
    if (b !== undefined && b <= lastCap) m |= 1n << BigInt(b);
  }
  return m;
}

export interface CapMasks {
  bounding: bigint;
  effective: bigint;
  permitted: bigint;
  inheritable: bigint;
  ambient: bigint;
}

export function capMasks(c: Capabilities | undefined, lastCap?: number): CapMasks {
  return {
    bounding: capMask(c?.bounding, lastCap),
    effective: capMask(c?.effective, lastCap),
    permitted: capMask(c?.permitted, lastCap),
    inheritable: capMask(c?.inheritable, lastCap),
    ambient: capMask(c?.ambient, lastCap),
  };
}
