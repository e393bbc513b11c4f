/**
 * resume (runc libcontainer Resume): thaw the container's cgroup. Only a paused container can be
 * resumed; anything else is "container not paused", as runc. The lock is taken shared: an
 * `exec --ignore-paused` holds it shared until its process runs, which is after the thaw (runc's
 * cgroups.bats "runc exec --ignore-paused" resumes while the exec waits). Delete still excludes it.
 */
import { GlobalOptions } from './api';
import { StateError } from '../errors';
import { readState, withLock } from '../state/store';
import { deriveStatus } from '../state/status';
import { freeze } from './pause';

export async function resume(g: GlobalOptions, id: string): Promise<void> {
  readState(g.root, id);
  await withLock(g.root, id, () => {
    const s = readState(g.root, id);
    if (deriveStatus(g.root, s) !== 'paused') throw new StateError('container not paused');
    freeze(s.cgroupPaths, false, id);
  }, true);
}
