/**
 * cgroup v2 memory controller (runc libcontainer/cgroups/fs2/memory.go).
 *
 * Consumes /linux/resources/memory:
 *   limit       → memory.max (-1 → "max")
 *   swap        → memory.swap.max = swap - limit (the spec's swap is memory+swap; v2 counts swap alone;
 *                 runc ConvertMemorySwapToCgroupV2Value)
 *   reservation → memory.low
 *   disableOOMKiller, swappiness: no v2 file; warned and ignored (runc ignores them on v2)
 *   kernel, kernelTCP, useHierarchy: ignored with a warning
 */
import { ConfigError } from '../../errors';
import { Resources } from '../../spec/types';
import { errnoOf, memoryOf, RES, Writer } from '../writer';
import { warnIgnored } from '../v1/memory';
import { MAX_U64, readKV, readU, Stats, U } from '../statfiles';

const P = `${RES}/memory`;

/** runc numToStr: 0 = unset, -1 = "max". */
const num = (v: number): string => (v === 0 ? '' : v === -1 ? 'max' : String(v));

/** Spec memory+swap → v2 swap-only value (runc ConvertMemorySwapToCgroupV2Value). Throws ConfigError. */
export function swapV2(swap: number, limit: number): number {
  if (limit === -1 && swap === 0) return -1;
  if (swap === -1 || swap === 0) return swap;
  if (limit === -1) return swap;
  if (limit === 0) throw new ConfigError(`${P}/swap`, 'unable to set swap limit without memory limit');
  if (limit < 0) throw new ConfigError(`${P}/limit`, `invalid memory value: ${limit}`);
  if (swap < limit) throw new ConfigError(`${P}/swap`, 'memory+swap limit should be >= memory limit');
  return swap - limit;
}

export function apply(dir: string, r: Resources, w: Writer): void {
  const m = memoryOf(r);
  const limit = m.limit ?? 0;
  const swapSpec = m.swap ?? 0;
  if (limit !== 0 || swapSpec !== 0 || m.reservation) {
    const swap = swapV2(swapSpec, limit);
    let s = num(swap);
    if (s === '' && swap === 0 && swapSpec > 0) s = '0';
    if (s !== '') {
      try {
        w.write(dir, 'memory.swap.max', s, `${P}/swap`);
      } catch (e) {
        // No swap accounting: "max" and "0" are what the kernel does anyway.
        if (!(errnoOf(e) === 'ENOENT' && (s === 'max' || s === '0'))) throw e;
      }
    }
    if (num(limit)) w.write(dir, 'memory.max', num(limit), `${P}/limit`);
    if (m.reservation && num(m.reservation)) w.write(dir, 'memory.low', num(m.reservation), `${P}/reservation`);
  }
  if (m.disableOOMKiller) w.warn(`${P}/disableOOMKiller: cgroup v2 has no OOM-killer switch; ignored`);
  if (m.swappiness !== undefined && m.swappiness !== -1) w.warn(`${P}/swappiness: cgroup v2 has no per-cgroup swappiness; ignored`);
  warnIgnored(m, w);
}

/**
 * runc fs2 statMemory: memory.stat as raw (cache = its "file"), usage from memory.current/max/peak;
 * swap as v1 reports it, memory+swap (swap.current + current; the limits added unless "max").
 */
export function stats(dir: string, s: Stats): void {
  const m = s.memory;
  m.raw = readKV(dir, 'memory.stat');
  m.cache = m.raw.file ?? 0n;
  m.usage = { usage: readU(dir, 'memory.current'), max: readU(dir, 'memory.peak'), failcnt: 0n, limit: readU(dir, 'memory.max') };
  const swapLimit = readU(dir, 'memory.swap.max');
  m.swap = {
    usage: readU(dir, 'memory.swap.current') + m.usage.usage,
    max: 0n,
    failcnt: 0n,
    limit: swapLimit === MAX_U64 || m.usage.limit === MAX_U64 ? MAX_U64 : swapLimit + m.usage.limit,
  };
}

/** The OOM kill counter events watches (memory.events "oom_kill N"). */
export function oomKills(dir: string): U | undefined {
  return readKV(dir, 'memory.events').oom_kill;
}
