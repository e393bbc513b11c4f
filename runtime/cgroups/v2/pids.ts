/**
 * cgroup v2 pids controller (runc libcontainer/cgroups/fs2/pids.go).
 *
 * Consumes /linux/resources/pids:
 *   limit → pids.max ("max" when limit <= 0)
 */
import { Resources } from '../../spec/types';
import { RES, Writer } from '../writer';
import { pidsMax } from '../v1/pids';

export function apply(dir: string, r: Resources, w: Writer): void {
  const limit = r.pids?.limit;
  if (limit !== undefined) w.write(dir, 'pids.max', pidsMax(limit), `${RES}/pids/limit`);
}
