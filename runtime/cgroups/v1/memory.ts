/**
 * cgroup v1 memory controller (runc libcontainer/cgroups/fs/memory.go).
 *
 * Consumes /linux/resources/memory:
 *   limit            → memory.limit_in_bytes
 *   swap             → memory.memsw.limit_in_bytes (memory+swap, as the spec defines it)
 *   reservation      → memory.soft_limit_in_bytes
 *   disableOOMKiller → memory.oom_control = 1
 *   swappiness       → memory.swappiness (0..100; -1 or unset leaves it)
 *   kernel           → memory.kmem.limit_in_bytes when the kernel still has it (6.x accepts and
 *                      ignores it: a warning says so)
 *   kernelTCP        → memory.kmem.tcp.limit_in_bytes when present
 *   useHierarchy, checkBeforeUpdate: ignored with a warning
 */
import { ConfigError } from '../../errors';
import { Resources } from '../../spec/types';
import { errnoOf, memoryOf, RES, Writer } from '../writer';
import { MemoryEntry, readKV, readU, Stats, U } from '../statfiles';

const P = `${RES}/memory`;
const LIMIT = 'memory.limit_in_bytes';
const MEMSW = 'memory.memsw.limit_in_bytes';

function setLimit(dir: string, v: number, w: Writer): void {
  if (v === 0) return;
  try {
    w.write(dir, LIMIT, String(v), `${P}/limit`);
  } catch (e) {
    if (errnoOf(e) !== 'EBUSY') throw e;
    const usage = (w.read(dir, 'memory.usage_in_bytes') ?? '?').trim();
    const peak = (w.read(dir, 'memory.max_usage_in_bytes') ?? '?').trim();
    throw new ConfigError(`${P}/limit`, `unable to set memory limit to ${v} (current usage: ${usage}, peak usage: ${peak})`);
  }
}

function setSwap(dir: string, v: number, w: Writer): void {
  if (v !== 0) w.write(dir, MEMSW, String(v), `${P}/swap`);
}

export function apply(dir: string, r: Resources, w: Writer): void {
  const m = memoryOf(r);
  const limit = m.limit ?? 0;
  let swap = m.swap ?? 0;
  // Unlimited memory without a swap value means unlimited memory+swap too (runc setMemoryAndSwap).
  if (limit === -1 && swap === 0 && w.read(dir, MEMSW) !== undefined) swap = -1;
  // memsw must stay >= the limit at every step: raise memsw first when it grows.
  const current = Number((w.read(dir, LIMIT) ?? '0').trim());
  if (limit !== 0 && swap !== 0 && (swap === -1 || current < swap)) {
    setSwap(dir, swap, w);
    setLimit(dir, limit, w);
  } else {
    setLimit(dir, limit, w);
    setSwap(dir, swap, w);
  }
  if (m.reservation) w.write(dir, 'memory.soft_limit_in_bytes', String(m.reservation), `${P}/reservation`);
  if (m.disableOOMKiller) w.write(dir, 'memory.oom_control', '1', `${P}/disableOOMKiller`);
  if (m.swappiness !== undefined && m.swappiness !== -1) {
    w.write(dir, 'memory.swappiness', String(m.swappiness), `${P}/swappiness`);
  }
  applyKernel(dir, m, w);
  if (m.useHierarchy !== undefined) w.warn(`${P}/useHierarchy: ignored (hierarchical accounting is always on)`);
}

/** v1 kernel memory: applied where the files exist (crun does; runc 1.1 skips them), else warned. */
function applyKernel(dir: string, m: ReturnType<typeof memoryOf>, w: Writer): void {
  const set = (field: 'kernel' | 'kernelTCP', file: string) => {
    const v = m[field];
    if (v === undefined || v === 0) return;
    if (w.read(dir, file) === undefined) {
      w.warn(`${P}/${field}: this kernel has no ${file}: not applied`);
      return;
    }
    w.write(dir, file, String(v), `${P}/${field}`);
    if (field === 'kernel' && Number((w.read(dir, file) ?? '').trim()) !== v) {
      w.warn(`${P}/kernel: the kernel accepts but no longer enforces ${file} (deprecated since Linux 5.x)`);
    }
  };
  set('kernel', 'memory.kmem.limit_in_bytes');
  set('kernelTCP', 'memory.kmem.tcp.limit_in_bytes');
}

/** Fields runc accepts and does not apply (shared with v2). */
export function warnIgnored(m: ReturnType<typeof memoryOf>, w: Writer): void {
  if (m.kernel !== undefined || m.kernelTCP !== undefined) {
    w.warn(`${P}/kernel: kernel memory settings are ignored (deprecated; runc ignores them too)`);
  }
  if (m.useHierarchy !== undefined) w.warn(`${P}/useHierarchy: ignored (hierarchical accounting is always on)`);
}

/** usage/max_usage/failcnt/limit of "memory", "memory.memsw", "memory.kmem", "memory.kmem.tcp". */
function entry(dir: string, prefix: string): MemoryEntry {
  return {
    usage: readU(dir, `${prefix}.usage_in_bytes`),
    max: readU(dir, `${prefix}.max_usage_in_bytes`),
    failcnt: readU(dir, `${prefix}.failcnt`),
    limit: readU(dir, `${prefix}.limit_in_bytes`),
  };
}

/** runc fs MemoryGroup.GetStats: memory.stat as raw (cache from it), and the four usage entries. */
export function stats(dir: string, s: Stats): void {
  const m = s.memory;
  m.raw = readKV(dir, 'memory.stat');
  m.cache = m.raw.cache ?? 0n;
  m.usage = entry(dir, 'memory');
  m.swap = entry(dir, 'memory.memsw');
  m.kernel = entry(dir, 'memory.kmem');
  m.kernelTCP = entry(dir, 'memory.kmem.tcp');
}

/** The OOM kill counter events watches (memory.oom_control "oom_kill N", Linux 4.13+). */
export function oomKills(dir: string): U | undefined {
  const kv = readKV(dir, 'memory.oom_control');
  return kv.oom_kill;
}
