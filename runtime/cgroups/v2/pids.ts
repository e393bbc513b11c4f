/**
 * cgroup v2 pids controller (runc libcontainer/cgroups/fs2/pids.go).
 *
 * Consumes /linux/resources/pids:
 *   limit → pids.max ("max" when limit <= 0)
 */
import { Resources } from '../../spec/types';
import { RES, Writer } from '../writer';
import { pidsMax, stats as v1stats } from '../v1/pids';
import { readText, Stats } from '../statfiles';

export function apply(dir: string, r: Resources, w: Writer): void {
  const limit = r.pids?.limit;
  if (limit !== undefined) w.write(dir, 'pids.max', pidsMax(limit), `${RES}/pids/limit`);
}

/**
 * runc fs2 statPids: pids.current and pids.max ("max" → 0); without the pids controller, the
 * number of processes in cgroup.procs and no limit.
 */
export function stats(dir: string, s: Stats): void {
  if (readText(dir, 'pids.current') === undefined) {
    s.pids.current = BigInt((readText(dir, 'cgroup.procs') ?? '').split('\n').filter(Boolean).length);
    s.pids.limit = 0n;
    return;
  }
  v1stats(dir, s);
}
