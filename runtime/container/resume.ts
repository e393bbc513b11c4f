/**
 * resume (runc libcontainer Resume): thaw the container's cgroup. Only a paused container can be
 * resumed; anything else is "container not paused", as runc.
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
  });
}
