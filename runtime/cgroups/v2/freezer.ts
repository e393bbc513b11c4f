/**
 * cgroup v2 freezer (runc libcontainer/cgroups/fs2/freezer.go): cgroup.freeze exists in every
 * non-root cgroup2 directory, whatever controllers are enabled.
 *
 * Consumes no spec field: `pause`/`resume` and `kill --all` drive it.
 *   freeze → cgroup.freeze = 1, then cgroup.events polled until "frozen 1" (10 s at most, as runc)
 *   thaw   → cgroup.freeze = 0
 *   frozen → cgroup.freeze reads 1 (this cgroup was frozen, not an ancestor): read by
 *            addon/common/ocistate.c (oci_is_frozen)
 */
import fs = require('fs');
import path = require('path');
import { OciError } from '../../errors';
import { sleepSync } from '../../sleep';

export function setFrozen(dir: string, freeze: boolean): void {
  fs.writeFileSync(path.join(dir, 'cgroup.freeze'), freeze ? '1' : '0');
  if (!freeze) return;
  const events = path.join(dir, 'cgroup.events');
  for (let i = 0; i < 1000; i++) {
    if (/^frozen 1$/m.test(fs.readFileSync(events, 'utf8'))) return;
    sleepSync(10);
  }
  fs.writeFileSync(path.join(dir, 'cgroup.freeze'), '0');
  throw new OciError(`${events}: timeout of 10s reached waiting for the cgroup to freeze`);
}
