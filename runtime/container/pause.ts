/**
 * pause (runc libcontainer Pause): freeze the container's cgroup (cgroups/freezer.ts picks v1
 * freezer.state or v2 cgroup.freeze, and waits until every task is frozen). As runc: a running or
 * created container can be paused, anything else is "container not running". The status stays
 * derived: paused is what the freezer says.
 */
import { GlobalOptions } from './api';
import { OciError, StateError, describeFsError } from '../errors';
import { readState, withLock } from '../state/store';
import { deriveStatus } from '../state/status';
import { setFrozen } from '../cgroups/freezer';

/** Freeze or thaw, with errors that name the file (shared with resume.ts). */
export function freeze(dirs: string[], on: boolean, id: string): void {
  let found: boolean;
  try {
    found = setFrozen(dirs, on);
  } catch (e) {
    if (e instanceof OciError) throw e;
    throw new OciError(`${on ? 'pause' : 'resume'} ${id}: ${describeFsError(e)}`);
  }
  if (!found) throw new OciError(`${on ? 'pause' : 'resume'} ${id}: no freezer cgroup (neither a v1 freezer hierarchy nor cgroup.freeze in cgroup v2)`);
}

export async function pause(g: GlobalOptions, id: string): Promise<void> {
  readState(g.root, id); // "does not exist" before taking the lock
  await withLock(g.root, id, () => {
    const s = readState(g.root, id);
    const status = deriveStatus(g.root, s);
    if (status !== 'running' && status !== 'created') throw new StateError('container not running');
    freeze(s.cgroupPaths, true, id);
  });
}
