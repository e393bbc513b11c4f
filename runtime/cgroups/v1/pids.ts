/**
 * cgroup v1 pids controller (runc libcontainer/cgroups/fs/pids.go); the same file as v2.
 *
 * Consumes /linux/resources/pids:
 *   limit → pids.max ("max" when limit <= 0, as runc 1.1: unlimited)
 */
import { Resources } from '../../spec/types';
import { RES, Writer } from '../writer';
import { MAX_U64, readU, Stats } from '../statfiles';

export function pidsMax(limit: number): string {
  return limit > 0 ? String(limit) : 'max';
}

export function apply(dir: string, r: Resources, w: Writer): void {
  const limit = r.pids?.limit;
  if (limit !== undefined) w.write(dir, 'pids.max', pidsMax(limit), `${RES}/pids/limit`);
}

/** runc fs PidsGroup.GetStats: pids.current, pids.max ("max" is reported as 0, no limit). */
export function stats(dir: string, s: Stats): void {
  s.pids.current = readU(dir, 'pids.current');
  const max = readU(dir, 'pids.max');
  s.pids.limit = max === MAX_U64 ? 0n : max;
}
