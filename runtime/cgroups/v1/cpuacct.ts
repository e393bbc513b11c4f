/**
 * cgroup v1 cpuacct controller (runc libcontainer/cgroups/fs/cpuacct.go): accounting only.
 *
 * Consumes no spec field. stats:
 *   cpuacct.usage         → cpu.usage.total (ns)
 *   cpuacct.usage_percpu  → cpu.usage.percpu
 *   cpuacct.usage_all     → cpu.usage.percpu_user, percpu_kernel ("cpu user system" table, ns)
 *   cpuacct.stat          → cpu.usage.user, kernel (clock ticks of USER_HZ 100, turned into ns)
 */
import { readKV, readText, readU, Stats, U } from '../statfiles';

/** USER_HZ: the unit of cpuacct.stat (100 on every Linux architecture that runs containers). */
const NS_PER_TICK = 1000000000n / 100n;

const numbers = (t: string | undefined): U[] => (t ?? '').trim().split(/\s+/).filter((x) => /^\d+$/.test(x)).map((x) => BigInt(x));

export function stats(dir: string, s: Stats): void {
  const u = s.cpu.usage;
  u.total = readU(dir, 'cpuacct.usage');
  u.percpu = numbers(readText(dir, 'cpuacct.usage_percpu'));
  const rows = (readText(dir, 'cpuacct.usage_all') ?? '').trim().split('\n').slice(1).map((l) => numbers(l)).filter((r) => r.length === 3);
  u.percpu_user = rows.map((r) => r[1]);
  u.percpu_kernel = rows.map((r) => r[2]);
  const kv = readKV(dir, 'cpuacct.stat');
  u.user = (kv.user ?? 0n) * NS_PER_TICK;
  u.kernel = (kv.system ?? 0n) * NS_PER_TICK;
}
