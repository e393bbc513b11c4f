/**
 * What `events` reports, in runc's shape (runc types/events.go), and the readers of cgroup stat
 * files shared by the per-controller `stats` functions (v1/*.ts, v2/*.ts). Counters are bigint:
 * limits such as 2^64-1 ("max") and v1's 9223372036854771712 are beyond a double, and Go decodes
 * them into uint64, so they must be printed digit for digit (stats.ts encodes them).
 */
import fs = require('fs');
import path = require('path');

export type U = bigint;

export interface MemoryEntry { limit: U; usage: U; max: U; failcnt: U }
export interface BlkioEntry { major: U; minor: U; op: string; value: U }
export interface HugetlbEntry { usage: U; max: U; failcnt: U }
export interface NetworkInterface {
  Name: string; RxBytes: U; RxPackets: U; RxErrors: U; RxDropped: U; TxBytes: U; TxPackets: U; TxErrors: U; TxDropped: U;
}

export const BLKIO_KEYS = [
  'ioServiceBytesRecursive', 'ioServicedRecursive', 'ioQueueRecursive', 'ioServiceTimeRecursive',
  'ioWaitTimeRecursive', 'ioMergedRecursive', 'ioTimeRecursive', 'sectorsRecursive',
] as const;
export type BlkioKey = (typeof BLKIO_KEYS)[number];

/** Everything a stats event holds, zero-filled; the controllers fill what they have. */
export interface Stats {
  cpu: {
    usage: { total: U; percpu: U[]; percpu_kernel: U[]; percpu_user: U[]; kernel: U; user: U };
    throttling: { periods: U; throttledPeriods: U; throttledTime: U };
  };
  cpuset: {
    cpus: number[]; cpu_exclusive: U; mems: number[]; mem_hardwall: U; mem_exclusive: U; memory_migrate: U;
    memory_spread_page: U; memory_spread_slab: U; memory_pressure: U; sched_load_balance: U; sched_relax_domain_level: U;
  };
  memory: { cache: U; usage: MemoryEntry; swap: MemoryEntry; kernel: MemoryEntry; kernelTCP: MemoryEntry; raw: Record<string, U> };
  pids: { current: U; limit: U };
  blkio: Record<BlkioKey, BlkioEntry[]>;
  hugetlb: Record<string, HugetlbEntry>;
  network_interfaces: NetworkInterface[] | null;
}

const entry = (): MemoryEntry => ({ limit: 0n, usage: 0n, max: 0n, failcnt: 0n });

export function emptyStats(): Stats {
  return {
    cpu: { usage: { total: 0n, percpu: [], percpu_kernel: [], percpu_user: [], kernel: 0n, user: 0n }, throttling: { periods: 0n, throttledPeriods: 0n, throttledTime: 0n } },
    cpuset: {
      cpus: [], cpu_exclusive: 0n, mems: [], mem_hardwall: 0n, mem_exclusive: 0n, memory_migrate: 0n,
      memory_spread_page: 0n, memory_spread_slab: 0n, memory_pressure: 0n, sched_load_balance: 0n, sched_relax_domain_level: 0n,
    },
    memory: { cache: 0n, usage: entry(), swap: entry(), kernel: entry(), kernelTCP: entry(), raw: {} },
    pids: { current: 0n, limit: 0n },
    blkio: Object.fromEntries(BLKIO_KEYS.map((k) => [k, []])) as unknown as Stats['blkio'],
    hugetlb: {},
    network_interfaces: null,
  };
}

/** The file's text, or undefined when it does not exist (a controller file this kernel lacks). */
export function readText(dir: string, file: string): string | undefined {
  try {
    return fs.readFileSync(path.join(dir, file), 'utf8');
  } catch {
    return undefined;
  }
}

export const MAX_U64 = (1n << 64n) - 1n;

/** A single-value file: a number, or "max" (as runc's GetCgroupParamUint: 2^64-1); 0 when absent. */
export function readU(dir: string, file: string): U {
  const t = readText(dir, file)?.trim();
  if (!t) return 0n;
  if (t === 'max') return MAX_U64;
  return /^-?\d+$/.test(t) ? (t.startsWith('-') ? 0n : BigInt(t)) : 0n;
}

/** "key value" lines (memory.stat, cpu.stat, memory.events...). */
export function readKV(dir: string, file: string): Record<string, U> {
  const out: Record<string, U> = {};
  for (const line of (readText(dir, file) ?? '').split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v && /^\d+$/.test(v)) out[k] = BigInt(v);
  }
  return out;
}

/** The host's huge page sizes as cgroup files name them ("2MB", "1GB"), from /sys/kernel/mm/hugepages. */
export function hugePageSizes(): string[] {
  let names: string[];
  try {
    names = fs.readdirSync('/sys/kernel/mm/hugepages');
  } catch {
    return [];
  }
  const units = ['KB', 'MB', 'GB', 'TB'];
  return names.flatMap((n) => {
    const m = /^hugepages-(\d+)kB$/.exec(n);
    if (!m) return [];
    let v = Number(m[1]);
    let u = 0;
    while (v >= 1024 && v % 1024 === 0 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return [`${v}${units[u]}`];
  });
}
