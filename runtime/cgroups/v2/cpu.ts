/**
 * cgroup v2 cpu controller (runc libcontainer/cgroups/fs2/cpu.go).
 *
 * Consumes /linux/resources/cpu:
 *   shares        → cpu.weight, converted (runc ConvertCPUSharesToCgroupV2Value: 2→1, 1024→100, 262144→10000)
 *   quota, period → cpu.max "<quota|max> <period>" (period defaults to 100000)
 *   burst         → cpu.max.burst
 *   idle          → cpu.idle
 *   realtimeRuntime, realtimePeriod: no v2 equivalent; refused by resources.ts (checkResources)
 */
import { Resources } from '../../spec/types';
import { cpuOf, errnoOf, RES, Writer } from '../writer';
import { readKV, Stats } from '../statfiles';

const P = `${RES}/cpu`;

export function sharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  if (shares <= 2) return 1;
  if (shares >= 262144) return 10000;
  const l = Math.log2(shares);
  return Math.ceil(Math.pow(10, (l * l + 125 * l) / 612.0 - 7.0 / 34.0));
}

export function apply(dir: string, r: Resources, w: Writer): void {
  const c = cpuOf(r);
  if (c.idle !== undefined) w.write(dir, 'cpu.idle', String(c.idle), `${P}/idle`);
  if (c.shares) w.write(dir, 'cpu.weight', String(sharesToWeight(c.shares)), `${P}/shares`);
  let burstLater = false;
  if (c.burst !== undefined) {
    try {
      w.write(dir, 'cpu.max.burst', String(c.burst), `${P}/burst`);
    } catch (e) {
      // A burst above the old quota is refused until the new quota is in (runc does the same retry).
      if (errnoOf(e) !== 'EINVAL' || !c.quota) throw e;
      burstLater = true;
    }
  }
  if (c.quota || c.period) {
    const quota = c.quota && c.quota > 0 ? String(c.quota) : 'max';
    w.write(dir, 'cpu.max', `${quota} ${c.period || 100000}`, c.quota ? `${P}/quota` : `${P}/period`);
    if (burstLater) w.write(dir, 'cpu.max.burst', String(c.burst), `${P}/burst`);
  }
}

/**
 * runc fs2 statCpu: cpu.stat (present in every cgroup2 directory, controller enabled or not);
 * microseconds become nanoseconds.
 */
export function stats(dir: string, s: Stats): void {
  const kv = readKV(dir, 'cpu.stat');
  s.cpu.usage.total = (kv.usage_usec ?? 0n) * 1000n;
  s.cpu.usage.user = (kv.user_usec ?? 0n) * 1000n;
  s.cpu.usage.kernel = (kv.system_usec ?? 0n) * 1000n;
  s.cpu.throttling.periods = kv.nr_periods ?? 0n;
  s.cpu.throttling.throttledPeriods = kv.nr_throttled ?? 0n;
  s.cpu.throttling.throttledTime = (kv.throttled_usec ?? 0n) * 1000n;
}
