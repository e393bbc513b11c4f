/**
 * Stats of a container's cgroups for `events` (runc libcontainer Stats + types/events.go). Each
 * controller file reads its own files (`stats(dir, s)` next to its `apply`); this one routes, as
 * resources.ts does for writes: a v1 hierarchy serves the controllers it names, and the cgroup2
 * directory serves what no v1 hierarchy did (cpu.stat is in every cgroup2 directory; pids fall back
 * to counting cgroup.procs). Then the event is encoded as runc's Go encoder does: struct fields in
 * order, `omitempty` fields left out when zero, map keys sorted, uint64 printed digit for digit.
 */
import fs = require('fs');
import { CgroupLayout } from './detect';
import { emptyStats, NetworkInterface, readText, Stats } from './statfiles';
import * as v1cpu from './v1/cpu';
import * as v1cpuacct from './v1/cpuacct';
import * as v1cpuset from './v1/cpuset';
import * as v1memory from './v1/memory';
import * as v1pids from './v1/pids';
import * as v1blkio from './v1/blkio';
import * as v1hugetlb from './v1/hugetlb';
import * as v2cpu from './v2/cpu';
import * as v2memory from './v2/memory';
import * as v2pids from './v2/pids';
import * as v2io from './v2/io';
import * as v2hugetlb from './v2/hugetlb';

type Reader = (dir: string, s: Stats) => void;

/** v1 controller → [stats group it fills, reader] */
const V1: Record<string, [string, Reader]> = {
  cpu: ['cpu', v1cpu.stats],
  cpuacct: ['cpu', v1cpuacct.stats],
  cpuset: ['cpuset', v1cpuset.stats],
  memory: ['memory', v1memory.stats],
  pids: ['pids', v1pids.stats],
  blkio: ['blkio', v1blkio.stats],
  hugetlb: ['hugetlb', v1hugetlb.stats],
};

/** cgroup2: [controller that must be enabled in the directory ('' = none needed), group, reader] */
const V2: [string, string, Reader][] = [
  ['', 'cpu', v2cpu.stats],
  ['memory', 'memory', v2memory.stats],
  ['', 'pids', v2pids.stats],
  ['io', 'blkio', v2io.stats],
  ['hugetlb', 'hugetlb', v2hugetlb.stats],
];

/** `dirs` index-aligned with layout.hierarchies (manager.ts savedHierarchies). */
export function readStats(layout: CgroupLayout, dirs: string[], initPid: number): Stats {
  const s = emptyStats();
  const done = new Set<string>();
  layout.hierarchies.forEach((h, i) => {
    if (h.version !== 1) return;
    for (const c of h.name.split(',')) {
      const r = V1[c];
      if (!r || !fs.existsSync(dirs[i])) continue;
      r[1](dirs[i], s);
      done.add(r[0]);
    }
  });
  layout.hierarchies.forEach((h, i) => {
    if (h.version !== 2 || !fs.existsSync(dirs[i])) return;
    const enabled = (readText(dirs[i], 'cgroup.controllers') ?? '').split(/\s+/);
    for (const [ctrl, group, read] of V2) {
      if (done.has(group) || (ctrl && !enabled.includes(ctrl))) continue;
      read(dirs[i], s);
      done.add(group);
    }
  });
  s.network_interfaces = interfaces(initPid);
  return s;
}

/** The container's interfaces but loopback, from its init's /proc/PID/net/dev (null: none, as runc). */
function interfaces(pid: number): NetworkInterface[] | null {
  const text = pid > 0 ? readText(`/proc/${pid}/net`, 'dev') : undefined;
  const out: NetworkInterface[] = [];
  for (const line of (text ?? '').split('\n').slice(2)) {
    const m = /^\s*([^:]+):\s*(.*)$/.exec(line);
    if (!m || m[1] === 'lo') continue;
    const f = m[2].trim().split(/\s+/).map((x) => BigInt(x));
    out.push({ Name: m[1], RxBytes: f[0], RxPackets: f[1], RxErrors: f[2], RxDropped: f[3], TxBytes: f[8], TxPackets: f[9], TxErrors: f[10], TxDropped: f[11] });
  }
  return out.length ? out : null;
}

// --- encoding (runc types/events.go tags) ---

type J = bigint | number | string | boolean | null | J[] | { [k: string]: J | undefined };
/** omitempty: a zero counter, an empty list or map is left out */
const oe = (v: bigint | unknown[] | Record<string, unknown>): any =>
  (typeof v === 'bigint' ? (v === 0n ? undefined : v) : Array.isArray(v) ? (v.length ? v : undefined) : Object.keys(v).length ? v : undefined);

const sorted = <T>(m: Record<string, T>): Record<string, T> => Object.fromEntries(Object.keys(m).sort().map((k) => [k, m[k]]));

function memoryEntry(e: Stats['memory']['usage']): J {
  return { limit: e.limit, usage: oe(e.usage), max: oe(e.max), failcnt: e.failcnt };
}

/** The `data` of a stats event, shaped and ordered as runc prints it. */
export function statsData(s: Stats): J {
  const u = s.cpu.usage;
  const t = s.cpu.throttling;
  const c = s.cpuset;
  const m = s.memory;
  return {
    cpu: {
      usage: { total: oe(u.total), percpu: oe(u.percpu), percpu_kernel: oe(u.percpu_kernel), percpu_user: oe(u.percpu_user), kernel: u.kernel, user: u.user },
      throttling: { periods: oe(t.periods), throttledPeriods: oe(t.throttledPeriods), throttledTime: oe(t.throttledTime) },
    },
    cpuset: {
      cpus: oe(c.cpus), cpu_exclusive: c.cpu_exclusive, mems: oe(c.mems), mem_hardwall: c.mem_hardwall, mem_exclusive: c.mem_exclusive,
      memory_migrate: c.memory_migrate, memory_spread_page: c.memory_spread_page, memory_spread_slab: c.memory_spread_slab,
      memory_pressure: c.memory_pressure, sched_load_balance: c.sched_load_balance, sched_relax_domain_level: c.sched_relax_domain_level,
    },
    memory: {
      cache: oe(m.cache), usage: memoryEntry(m.usage), swap: memoryEntry(m.swap), kernel: memoryEntry(m.kernel), kernelTCP: memoryEntry(m.kernelTCP),
      raw: oe(sorted(m.raw)),
    },
    pids: { current: oe(s.pids.current), limit: oe(s.pids.limit) },
    blkio: Object.fromEntries(Object.entries(s.blkio).map(([k, list]) => [k, oe(list.map((e) => ({ major: oe(e.major), minor: oe(e.minor), op: e.op || undefined, value: oe(e.value) })))])),
    hugetlb: Object.fromEntries(Object.entries(sorted(s.hugetlb)).map(([k, h]) => [k, { usage: oe(h.usage), max: oe(h.max), failcnt: h.failcnt }])),
    intel_rdt: {},
    network_interfaces: s.network_interfaces as unknown as J,
  };
}

/** JSON with bigints as plain digits and undefined members left out (Go's encoding of the event). */
export function encode(v: J | undefined): string {
  if (typeof v === 'bigint') return v.toString();
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return `[${v.map((x) => encode(x)).join(',')}]`;
  if (typeof v === 'object') {
    return `{${Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => `${JSON.stringify(k)}:${encode(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * The container's OOM kill counter: v1 memory.oom_control "oom_kill" where a v1 memory hierarchy
 * holds it, else cgroup2 memory.events "oom_kill" (runc watches the same: the v1 eventfd fires on
 * the same kills). undefined when neither file is there.
 */
export function oomKillCounter(layout: CgroupLayout, dirs: string[]): () => bigint | undefined {
  const i1 = layout.hierarchies.findIndex((h) => h.version === 1 && h.name.split(',').includes('memory'));
  if (i1 >= 0) return () => v1memory.oomKills(dirs[i1]);
  const i2 = layout.hierarchies.findIndex((h) => h.version === 2);
  if (i2 >= 0) return () => v2memory.oomKills(dirs[i2]);
  return () => undefined;
}
