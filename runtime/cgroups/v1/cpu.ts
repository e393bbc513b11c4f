/**
 * cgroup v1 cpu controller (runc libcontainer/cgroups/fs/cpu.go).
 *
 * Consumes /linux/resources/cpu:
 *   shares          → cpu.shares (read back: the kernel clamps to [2, 262144], runc reports the clamp)
 *   period, quota   → cpu.cfs_period_us, cpu.cfs_quota_us
 *   burst           → cpu.cfs_burst_us
 *   idle            → cpu.idle
 *   realtimePeriod, realtimeRuntime → cpu.rt_period_us, cpu.rt_runtime_us
 * (cpus and mems belong to the cpuset controller, v1/cpuset.ts.)
 */
import { ConfigError } from '../../errors';
import { Resources } from '../../spec/types';
import { cpuOf, errnoOf, RES, Writer } from '../writer';
import { readKV, Stats } from '../statfiles';

const P = `${RES}/cpu`;

/**
 * Write `first`; when the kernel refuses it with EINVAL because the old value of `second` makes it
 * inconsistent, write `second` and retry `first` (runc's period/quota and rt_period/rt_runtime dance).
 */
function pair(dir: string, w: Writer, first: [string, number | undefined, string], second: [string, number | undefined, string]): void {
  const [f1, v1, p1] = first;
  const [f2, v2, p2] = second;
  let retry = false;
  if (v1 !== undefined && v1 !== 0) {
    try {
      w.write(dir, f1, String(v1), p1);
    } catch (e) {
      if (errnoOf(e) !== 'EINVAL' || !v2) throw e;
      retry = true;
    }
  }
  if (v2 !== undefined && v2 !== 0) {
    w.write(dir, f2, String(v2), p2);
    if (retry) w.write(dir, f1, String(v1), p1);
  }
}

export function apply(dir: string, r: Resources, w: Writer): void {
  const c = cpuOf(r);
  if (c.shares) {
    w.write(dir, 'cpu.shares', String(c.shares), `${P}/shares`);
    const got = Number((w.read(dir, 'cpu.shares') ?? String(c.shares)).trim());
    if (c.shares > got) throw new ConfigError(`${P}/shares`, `the maximum allowed cpu-shares is ${got}`);
    if (c.shares < got) throw new ConfigError(`${P}/shares`, `the minimum allowed cpu-shares is ${got}`);
  }
  pair(dir, w, ['cpu.cfs_period_us', c.period, `${P}/period`], ['cpu.cfs_quota_us', c.quota, `${P}/quota`]);
  if (c.burst !== undefined) w.write(dir, 'cpu.cfs_burst_us', String(c.burst), `${P}/burst`);
  if (c.idle !== undefined) w.write(dir, 'cpu.idle', String(c.idle), `${P}/idle`);
  pair(dir, w, ['cpu.rt_period_us', c.realtimePeriod, `${P}/realtimePeriod`], ['cpu.rt_runtime_us', c.realtimeRuntime, `${P}/realtimeRuntime`]);
}

/** Throttling counters from cpu.stat (runc fs CpuGroup.GetStats). */
export function stats(dir: string, s: Stats): void {
  const kv = readKV(dir, 'cpu.stat');
  s.cpu.throttling.periods = kv.nr_periods ?? 0n;
  s.cpu.throttling.throttledPeriods = kv.nr_throttled ?? 0n;
  s.cpu.throttling.throttledTime = kv.throttled_time ?? 0n;
}
